//! Exports: the customer responsibility matrix.

use crate::common::Env;

#[test]
fn the_crm_says_what_can_be_inherited() {
    let env = Env::init();
    env.run(["team", "add", "platform"]).success();
    env.run(["service", "add", "vm", "--offering", "aws.ec2", "--team", "platform"])
        .success();
    env.run(["service", "add", "bucket", "--offering", "aws.s3", "--team", "platform"])
        .success();
    env.run(["evidence", "add", "SRM-TRAIN", "--note", "records"]).success();
    let out = env.path().join("crm.csv");
    env.run(["export", "crm", "--format", "csv", "--out", out.to_str().expect("path")])
        .success();
    let text = std::fs::read_to_string(&out).expect("crm");
    let mut rows = csv::Reader::from_reader(text.as_bytes());
    let headers = rows.headers().expect("headers").clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        [
            "control",
            "title",
            "can_be_inherited",
            "provider_responsibility",
            "customer_responsibility",
            "owner",
            "evidence"
        ]
    );
    let rows: Vec<csv::StringRecord> = rows.records().map(|r| r.expect("row")).collect();
    let row = |key: &str| rows.iter().find(|r| &r[0] == key).expect("row").clone();
    assert_eq!(&row("SRM-PHYS")[2], "Yes");
    assert_eq!(&row("SRM-PHYS")[4], "");
    assert_eq!(&row("SRM-FW")[2], "Partial"); // customer on EC2, inherited on S3
    assert!(row("SRM-FW")[3].starts_with("inherited on bucket"));
    assert!(row("SRM-FW")[4].starts_with("customer on vm"));
    assert_eq!(&row("SRM-DATA")[2], "No");
    assert_eq!(&row("SRM-DATA")[5], "platform");
    assert_eq!(&row("SRM-TRAIN")[6], "1 pending");
    let json = env.path().join("crm.json");
    env.run([
        "export",
        "crm",
        "--format",
        "json",
        "--out",
        json.to_str().expect("path"),
    ])
    .success();
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).expect("json")).expect("valid json");
    assert_eq!(v.as_array().map(Vec::len), Some(20));
}
