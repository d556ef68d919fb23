//! Exports: the customer responsibility matrix.

use crate::common::{Env, schema_errors};

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

fn read_json(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).expect("written")).expect("JSON")
}

#[test]
fn the_exported_ssp_and_assessment_results_are_valid_oscal() {
    let env = Env::init();
    env.run(["demo", "--out", "d"]).success();
    let db = env.path().join("d/demo.db");
    let db = db.to_str().expect("path");
    let ssp = env.path().join("ssp.json");
    env.run([
        "--db",
        db,
        "--today",
        "2026-12-01",
        "export",
        "oscal-ssp",
        "--out",
        ssp.to_str().expect("path"),
    ])
    .success();
    let doc = read_json(&ssp);
    assert_eq!(schema_errors("oscal_ssp_schema.json", &doc), Vec::<String>::new());
    let reqs = doc["system-security-plan"]["control-implementation"]["implemented-requirements"]
        .as_array()
        .expect("requirements");
    assert_eq!(reqs.len(), 20);
    sources_are_back_matter_resources_linked_from_the_rules(&doc);
    // Exporting again gives the same document.
    let again = env.path().join("ssp2.json");
    env.run([
        "--db",
        db,
        "--today",
        "2026-12-01",
        "export",
        "oscal-ssp",
        "--out",
        again.to_str().expect("path"),
    ])
    .success();
    assert_eq!(std::fs::read(&ssp).expect("ssp"), std::fs::read(&again).expect("ssp2"));

    let ar = env.path().join("ar.json");
    env.run([
        "--db",
        db,
        "export",
        "oscal-assessment-results",
        "--evaluation",
        "1",
        "--out",
        ar.to_str().expect("path"),
    ])
    .success();
    assert_eq!(
        schema_errors("oscal_assessment-results_schema.json", &read_json(&ar)),
        Vec::<String>::new()
    );
}

#[test]
fn an_open_evaluation_has_no_assessment_results_yet() {
    let env = Env::init();
    env.run(["service", "add", "vm", "--offering", "aws.ec2"]).success();
    env.run(["evaluation", "open", "Q1"]).success();
    let out = env.path().join("ar.json");
    crate::common::rejects_unchanged(
        &env,
        &[
            "export",
            "oscal-assessment-results",
            "--evaluation",
            "1",
            "--out",
            out.to_str().expect("path"),
        ],
        "open",
    );
    assert!(!out.exists());
}

/// The SSP's back matter holds a resource per cited source, with an `rlinks` href to its URL, and
/// every by-component a rule decided links to resources that exist.
fn sources_are_back_matter_resources_linked_from_the_rules(doc: &serde_json::Value) {
    let plan = &doc["system-security-plan"];
    let resources = plan["back-matter"]["resources"].as_array().expect("resources");
    let hrefs: Vec<&str> = resources
        .iter()
        .filter_map(|r| r["rlinks"].as_array())
        .flatten()
        .filter_map(|l| l["href"].as_str())
        .collect();
    for url in [
        "https://docs.aws.amazon.com/wellarchitected/latest/security-pillar/shared-responsibility.html",
        "https://aws.amazon.com/compliance/shared-responsibility-model/",
        "https://d0.awsstatic.com/whitepapers/Security/AWS_Security_Best_Practices.pdf",
    ] {
        assert!(hrefs.contains(&url), "{url} missing from the back matter: {hrefs:?}");
    }
    let wa = resources
        .iter()
        .find(|r| {
            r["rlinks"][0]["href"]
                == "https://docs.aws.amazon.com/wellarchitected/latest/security-pillar/shared-responsibility.html"
        })
        .expect("the Well-Architected page");
    assert!(
        wa["citation"]["text"].as_str().is_some_and(|t| t.starts_with(
            "Shared responsibility — AWS Well-Architected Framework, Security Pillar (Amazon Web Services)"
        )),
        "{wa}"
    );
    let ids: Vec<&str> = resources.iter().filter_map(|r| r["uuid"].as_str()).collect();
    let patch = plan["control-implementation"]["implemented-requirements"]
        .as_array()
        .expect("requirements")
        .iter()
        .find(|r| r["control-id"] == "srm-patch")
        .expect("SRM-PATCH");
    let mut linked = 0;
    for component in patch["by-components"].as_array().expect("by-components") {
        let by_rule = component["props"]
            .as_array()
            .is_some_and(|p| p.iter().any(|p| p["name"] == "provenance" && p["value"] == "rule"));
        let links = component["links"].as_array().map(Vec::as_slice).unwrap_or_default();
        assert_eq!(by_rule, !links.is_empty(), "{component}");
        for link in links {
            let href = link["href"].as_str().expect("href");
            assert!(ids.contains(&href.trim_start_matches('#')), "{href} is no resource");
            assert_eq!(link["rel"], "reference");
            linked += 1;
        }
    }
    assert!(linked > 0, "no by-component cites its rule's sources");
}
