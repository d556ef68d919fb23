//! Catalogues, controls and rules.

use crate::common::{Env, count, pluck, rejects_unchanged};

#[test]
fn the_baseline_catalogue_is_listed() {
    let env = Env::init();
    let list = env.json(["catalog", "list", "--json"]);
    assert_eq!(list[0]["key"], "srm");
    assert_eq!(list[0]["title"], "Shared responsibility baseline");
    assert_eq!(list[0]["controls"], 20);
}

#[test]
fn controls_are_listed_by_family() {
    let env = Env::init();
    let list = env.json([
        "control",
        "list",
        "--catalog",
        "srm",
        "--family",
        "Patch Management",
        "--json",
    ]);
    let keys: Vec<_> = pluck(&list, "key");
    assert_eq!(keys, ["SRM-PATCH", "SRM-GUESTOS"]);
    let all = env.json(["control", "list", "--json"]);
    assert_eq!(count(&all), Some(20));
    rejects_unchanged(
        &env,
        &["control", "list", "--family", "Patch Managment"],
        "did you mean \"Patch Management\"",
    );
}

#[test]
fn control_show_gives_statement_defaults_rationale_and_source() {
    let env = Env::init();
    let out = env.run(["control", "show", "SRM-PATCH"]).success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(text.contains("Patch management"));
    assert!(text.contains("guest operating system"), "statement missing: {text}");
    assert!(
        text.contains("reference/004_cc5b040fc24c0869.txt"),
        "source missing: {text}"
    );
    let v = env.json(["control", "show", "srm:SRM-PATCH", "--json"]);
    let defaults: Vec<_> = v["defaults"]
        .as_array()
        .expect("array")
        .iter()
        .map(|d| (d["category"].clone(), d["rule"]["responsibility"].clone()))
        .collect();
    assert_eq!(
        defaults,
        [
            ("infrastructure".into(), "customer".into()),
            ("container".into(), "shared".into()),
            ("abstracted".into(), "inherited".into())
        ]
    );
    // Keys are matched ignoring case when nothing matches exactly.
    env.run(["control", "show", "srm-patch"]).success();
    rejects_unchanged(&env, &["control", "show", "SRM-PACH"], "did you mean \"SRM-PATCH\"");
}

#[test]
fn a_csv_catalogue_and_its_rules_can_be_imported() {
    let env = Env::init();
    let controls = env.file(
        "controls.csv",
        "key,title,family,statement\nC-1,Facility access,Physical,Badges\nC-2,Host hardening,Hosts,CIS\nC-3,Data labels,Data,Labels\n",
    );
    env.run([
        "catalog",
        "import-csv",
        controls.to_str().expect("path"),
        "--key",
        "own",
        "--title",
        "Our controls",
    ])
    .success()
    .stdout(predicates::str::contains("3 added"));
    let rules = env.file(
        "rules.csv",
        "control,family,category,responsibility,rationale\n,Physical,*,inherited,provider facilities\nC-2,,infrastructure,customer,we run the OS\n",
    );
    env.run(["rule", "import", rules.to_str().expect("path"), "--catalog", "own"])
        .success()
        .stdout(predicates::str::contains("4 added"));
    env.run(["service", "add", "vm", "--offering", "aws.ec2"]).success();
    let m = env.json(["responsibility", "matrix", "--catalog", "own", "--json"]);
    let org: Vec<_> = pluck(&m["controls"], "organisation");
    assert_eq!(org, ["inherited", "customer", "undetermined"]);
    // A rule for a control the catalogue does not have is refused.
    let bad = env.file(
        "bad-rules.csv",
        "control,category,responsibility,rationale\nC-9,container,shared,x\n",
    );
    rejects_unchanged(
        &env,
        &["rule", "import", bad.to_str().expect("path"), "--catalog", "own"],
        "bad-rules.csv line 2",
    );
}

#[test]
fn rules_are_listed_with_rationale() {
    let env = Env::init();
    let rules = env.json(["rule", "list", "--json"]);
    let rules = rules.as_array().expect("array");
    assert!(rules.len() >= 50);
    assert!(rules.iter().all(|r| !r["rationale"].as_str().unwrap_or("").is_empty()));
    assert!(rules.iter().all(|r| {
        let source = r["source"].as_str().unwrap_or("");
        source.starts_with("reference/") || source == "judgement"
    }));
}
