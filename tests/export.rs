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

/// Two services, a hostile service name and team, a statement on one pair and organisation-wide,
/// and a closed evaluation with a result recorded on one service only.
fn recorded() -> Env {
    let env = Env::init();
    env.run(["team", "add", "platform"]).success();
    env.run(["service", "add", "vm", "--offering", "aws.ec2", "--team", "platform"])
        .success();
    env.run([
        "service",
        "add",
        "<img src=x onerror=alert(1)>",
        "--offering",
        "aws.s3",
        "--team",
        "platform",
    ])
    .success();
    env.run([
        "implementation",
        "set",
        "SRM-FW",
        "--service",
        "vm",
        "--status",
        "implemented",
        "--statement",
        "Security groups deny by default <script>alert(1)</script> [docs](javascript:alert(1))",
    ])
    .success();
    env.run([
        "implementation",
        "set",
        "SRM-DATA",
        "--status",
        "partial",
        "--statement",
        "KMS keys for every store",
    ])
    .success();
    env.run(["evaluation", "open", "Q4", "--catalog", "srm"]).success();
    env.run([
        "evaluation",
        "record",
        "SRM-FW",
        "--service",
        "vm",
        "--result",
        "satisfied",
        "--note",
        "only 443 open <script>x</script>",
    ])
    .success();
    env.run(["evaluation", "close"]).success();
    env
}

#[test]
fn implementation_statements_reach_show_csv_and_the_ssp() {
    let env = recorded();
    let show = env.json(["responsibility", "show", "SRM-FW", "--service", "vm", "--json"]);
    assert_eq!(
        show["statement"],
        "Security groups deny by default <script>alert(1)</script> [docs](javascript:alert(1))"
    );
    let org = env.json(["responsibility", "show", "SRM-DATA", "--json"]);
    assert_eq!(org["statement"], "KMS keys for every store");
    env.run(["responsibility", "show", "SRM-DATA", "--service", "vm"])
        .success()
        .stdout(predicates::str::contains(
            "KMS keys for every store (organisation-wide)",
        ));
    env.run(["responsibility", "show", "SRM-PATCH", "--service", "vm"])
        .success()
        .stdout(predicates::str::contains("(not recorded)"));

    let out = env.path().join("pairs.csv");
    env.run([
        "report",
        "--format",
        "csv",
        "--level",
        "service",
        "--out",
        out.to_str().expect("path"),
    ])
    .success();
    let text = std::fs::read_to_string(&out).expect("csv");
    let mut rows = csv::Reader::from_reader(text.as_bytes());
    let headers = rows.headers().expect("headers").clone();
    let at = |name: &str| headers.iter().position(|h| h == name).expect("column");
    let (control, service, statement) = (at("control"), at("service"), at("statement"));
    let rows: Vec<csv::StringRecord> = rows.records().map(|r| r.expect("row")).collect();
    let cell = |key: &str, svc: &str| {
        rows.iter()
            .find(|r| &r[control] == key && &r[service] == svc)
            .map(|r| r[statement].to_string())
            .expect("row")
    };
    assert!(cell("SRM-FW", "vm").starts_with("Security groups deny by default"));
    assert_eq!(cell("SRM-DATA", "vm"), "KMS keys for every store");
    assert_eq!(cell("SRM-PATCH", "vm"), "");

    let ssp = env.path().join("ssp.json");
    env.run(["export", "oscal-ssp", "--out", ssp.to_str().expect("path")])
        .success();
    let bytes = std::fs::read(&ssp).expect("ssp");
    let doc: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
    assert_eq!(schema_errors("oscal_ssp_schema.json", &doc), Vec::<String>::new());
    let reqs = doc["system-security-plan"]["control-implementation"]["implemented-requirements"]
        .as_array()
        .expect("requirements");
    // Only what was recorded has a status: nothing unrecorded is "planned".
    let statuses: Vec<&serde_json::Value> = reqs
        .iter()
        .flat_map(|r| r["by-components"].as_array().into_iter().flatten())
        .filter_map(|b| b.get("implementation-status"))
        .collect();
    assert_eq!(statuses.len(), 3, "SRM-FW on vm, SRM-DATA on both services");
    assert_eq!(doc["system-security-plan"]["import-profile"]["href"], "srm.json");
    assert_escaped(&bytes);
}

/// No user text reaches a document as live markup.
fn assert_escaped(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    for live in ["<script", "<img", "[docs](javascript:"] {
        assert!(!text.contains(live), "{live} is live in the document");
    }
    assert!(
        text.contains("&lt;script&gt;") || text.contains("&lt;img"),
        "the text is still there, escaped"
    );
}

#[test]
fn a_result_on_one_service_is_a_finding_and_identity_follows_content() {
    let env = recorded();
    let out = env.path().join("ar.json");
    let export = |out: &std::path::Path| {
        env.run([
            "export",
            "oscal-assessment-results",
            "--evaluation",
            "1",
            "--out",
            out.to_str().expect("path"),
        ])
        .success();
        let bytes = std::fs::read(out).expect("ar");
        let doc: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
        assert_eq!(
            schema_errors("oscal_assessment-results_schema.json", &doc),
            Vec::<String>::new()
        );
        (bytes, doc)
    };
    let (bytes, doc) = export(&out);
    assert_escaped(&bytes);
    let ar = &doc["assessment-results"];
    let findings = ar["results"][0]["findings"].as_array().expect("findings");
    let fw = findings
        .iter()
        .find(|f| f["title"] == "SRM-FW on vm")
        .expect("a finding for the one service with a result");
    // Satisfied on vm, not assessed on the other service: the control combines to "not
    // assessed", yet the recorded result is a finding.
    assert_eq!(fw["target"]["status"]["state"], "satisfied");
    let observation = fw["related-observations"][0]["observation-uuid"].clone();
    let observed = ar["results"][0]["observations"]
        .as_array()
        .expect("observations")
        .iter()
        .find(|o| o["uuid"] == observation)
        .expect("the finding's observation");
    let vm = ar["results"][0]["local-definitions"]["components"]
        .as_array()
        .expect("components")
        .iter()
        .find(|c| c["title"] == "vm")
        .expect("the service");
    assert_eq!(observed["subjects"][0]["subject-uuid"], vm["uuid"]);
    // The plan it imports is a file ctrlmap writes.
    let plan_ref = ar["import-ap"]["href"].as_str().expect("href").trim_start_matches('#');
    let plan = ar["back-matter"]["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .find(|r| r["uuid"] == plan_ref)
        .expect("the plan's resource");
    assert_eq!(plan["rlinks"][0]["href"], "evaluation-1-plan.json");

    // The same content: the same identity. Other content (an evidence note shown in the results
    // changes; here the plan href): another uuid and version.
    let (again, _) = export(&env.path().join("again.json"));
    assert_eq!(bytes, again);
    let other = env.path().join("other.json");
    env.run([
        "export",
        "oscal-assessment-results",
        "--evaluation",
        "1",
        "--plan-href",
        "https://example.com/plan.json",
        "--out",
        other.to_str().expect("path"),
    ])
    .success();
    let other: serde_json::Value = serde_json::from_slice(&std::fs::read(&other).expect("ar")).expect("json");
    assert_ne!(other["assessment-results"]["uuid"], ar["uuid"]);
    assert_ne!(
        other["assessment-results"]["metadata"]["version"],
        ar["metadata"]["version"]
    );
}

#[test]
fn the_catalog_export_is_valid_and_names_what_the_plan_imports() {
    let env = Env::init();
    let out = env.path().join("srm.json");
    env.run([
        "export",
        "oscal-catalog",
        "--catalog",
        "srm",
        "--out",
        out.to_str().expect("path"),
    ])
    .success();
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).expect("catalog")).expect("json");
    assert_eq!(schema_errors("oscal_catalog_schema.json", &doc), Vec::<String>::new());
    let groups = doc["catalog"]["groups"].as_array().expect("groups");
    let controls: usize = groups
        .iter()
        .map(|g| g["controls"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(controls, 20);
    // Imported back, it is the same catalogue.
    env.run(["catalog", "import", out.to_str().expect("path"), "--key", "again"])
        .success();
    let a = env.json(["control", "list", "--catalog", "srm", "--json"]);
    let b = env.json(["control", "list", "--catalog", "again", "--json"]);
    let keys = |v: &serde_json::Value| -> Vec<serde_json::Value> {
        v.as_array()
            .expect("array")
            .iter()
            .map(|c| serde_json::json!([c["key"], c["title"], c["statement"]]))
            .collect()
    };
    assert_eq!(keys(&a), keys(&b));
}
