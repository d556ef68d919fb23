//! `init` and `demo`.

use crate::common::Env;

#[test]
fn init_creates_a_private_database_with_the_seeds() {
    let env = Env::new();
    env.run(["init"]).success().stdout(predicates::str::contains("created"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&env.db).expect("db").permissions().mode();
        assert_eq!(mode & 0o077, 0, "database must not be readable by others: {mode:o}");
    }
    assert_eq!(env.count("SELECT count(*) FROM provider WHERE key = 'aws'"), 1);
    assert!(env.count("SELECT count(*) FROM offering") >= 53);
    assert_eq!(
        env.count("SELECT count(*) FROM control c JOIN catalog k ON k.id = c.catalog_id WHERE k.key = 'srm'"),
        20
    );
    // Every control of the baseline has a rule for every category: nothing undetermined out of the box.
    assert_eq!(
        env.count("SELECT count(*) FROM responsibility_rule WHERE rationale = ''"),
        0
    );
    assert!(env.count("SELECT count(*) FROM audit_log") > 100);
}

#[test]
fn the_reference_services_have_the_reference_categories() {
    let env = Env::init();
    let expected = [
        ("aws.ec2", "infrastructure"),
        ("aws.vpc", "infrastructure"),
        ("aws.ebs", "infrastructure"),
        ("aws.autoscaling", "infrastructure"),
        ("aws.rds", "container"),
        ("aws.emr", "container"),
        ("aws.elasticbeanstalk", "container"),
        ("aws.s3", "abstracted"),
        ("aws.glacier", "abstracted"),
        ("aws.dynamodb", "abstracted"),
        ("aws.sqs", "abstracted"),
        ("aws.ses", "abstracted"),
        ("aws.iam", "abstracted"),
    ];
    let list = env.json(["offering", "list", "--json"]);
    for (key, category) in expected {
        let found = list.as_array().expect("array").iter().find(|o| o["key"] == key);
        let found = found.unwrap_or_else(|| panic!("{key} missing"));
        assert_eq!(found["category"], category, "{key}");
        assert!(!found["source"].as_str().unwrap_or("").is_empty());
    }
    // Every categorisation says where it comes from.
    assert_eq!(
        env.count("SELECT count(*) FROM offering WHERE source = '' OR (source = 'judgement' AND note = '')"),
        0
    );
}

#[test]
fn init_twice_changes_nothing() {
    let env = Env::init();
    let entries = env.count("SELECT count(*) FROM audit_log");
    let rows = env.count("SELECT (SELECT count(*) FROM offering) + (SELECT count(*) FROM control) + (SELECT count(*) FROM responsibility_rule)");
    env.run(["init"])
        .success()
        .stdout(predicates::str::contains("0 added, 0 updated"));
    assert_eq!(env.count("SELECT count(*) FROM audit_log"), entries);
    assert_eq!(
        env.count("SELECT (SELECT count(*) FROM offering) + (SELECT count(*) FROM control) + (SELECT count(*) FROM responsibility_rule)"),
        rows
    );
}

#[test]
fn offering_list_filters_by_category() {
    let env = Env::init();
    let out = env.run(["offering", "list", "--category", "container"]).success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    for name in ["Amazon RDS", "Amazon EMR", "AWS Elastic Beanstalk"] {
        assert!(text.contains(name), "{name} missing from {text}");
    }
    assert!(!text.contains("Amazon EC2") && !text.contains("Amazon S3"));
    let list = env.json(["offering", "list", "--category", "abstracted", "--json"]);
    assert!(
        list.as_array()
            .expect("array")
            .iter()
            .all(|o| o["category"] == "abstracted")
    );
}

#[test]
fn demo_builds_an_estate_and_prints_the_matrix() {
    let env = Env::new();
    let out = env.run(["demo", "--out", "d"]).success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(text.contains("orders-db") && text.contains("SRM-FW"), "{text}");
    let demo = env.path().join("d/demo.db");
    assert!(demo.exists());
    // Running it again rebuilds it rather than failing or duplicating.
    env.run(["demo", "--out", "d"]).success();
    let conn = rusqlite::Connection::open(&demo).expect("demo db");
    let services: i64 = conn
        .query_row("SELECT count(*) FROM service", [], |r| r.get(0))
        .expect("count");
    assert_eq!(services, 5);
    assert!(!env.path().join("d/demo.db.building").exists());
}

#[test]
fn init_keeps_what_users_changed_in_seeded_records() {
    let env = Env::init();
    let file = env.file(
        "off.csv",
        "key,name,provider,category,source,note\naws.elb,Elastic Load Balancing,aws,infrastructure,judgement,we run our own\n",
    );
    env.run(["offering", "import", "--update", file.to_str().expect("path")])
        .success();
    env.run(["init"]).success().stdout(predicates::str::contains("1 kept"));
    let list = env.json(["offering", "list", "--json"]);
    let elb = list
        .as_array()
        .expect("array")
        .iter()
        .find(|o| o["key"] == "aws.elb")
        .cloned();
    assert_eq!(elb.expect("elb")["category"], "infrastructure");
}

#[test]
fn output_that_cannot_be_written_is_an_error() {
    let env = Env::init();
    if !std::path::Path::new("/dev/full").exists() {
        return;
    }
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("open /dev/full");
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin!("ctrlmap"))
        .env("CTRLMAP_DB", &env.db)
        .args(["audit", "verify"])
        .stdout(full)
        .output()
        .expect("run ctrlmap");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("No space left"));
}
