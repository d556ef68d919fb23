//! Importing real OSCAL catalogs: counts, labels, statements, rules, --replace, bad documents.

use crate::common::{Env, count, pluck, rejects_unchanged};

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/oscal/{name}", env!("CARGO_MANIFEST_DIR"))
}

const FULL: &str = "NIST_SP-800-53_rev5.0.1_catalog.json";
const LOW: &str = "NIST_SP-800-53_rev5_LOW-baseline-resolved-profile_catalog-min.json";

#[test]
fn the_full_sp800_53_catalogue_imports_with_its_rules() {
    let env = Env::init();
    env.run(["catalog", "import", &fixture(FULL)])
        .success()
        .stdout(predicates::str::contains("1189 controls (182 withdrawn)"));
    assert_eq!(
        env.count("SELECT count(*) FROM control c JOIN catalog k ON k.id = c.catalog_id WHERE k.key = 'nist-800-53'"),
        1189
    );
    assert_eq!(env.count("SELECT count(*) FROM control WHERE withdrawn = 1"), 182);
    assert_eq!(
        env.count("SELECT count(*) FROM control WHERE parent_id IS NOT NULL"),
        867
    );
    let list = env.json(["catalog", "list", "--json"]);
    let nist = list
        .as_array()
        .expect("array")
        .iter()
        .find(|c| c["key"] == "nist-800-53")
        .expect("imported")
        .clone();
    assert_eq!(nist["families"], 20);
    assert_eq!(nist["version"], "5.0.1");

    let show = env.json(["control", "show", "AC-2(1)", "--catalog", "nist-800-53", "--json"]);
    assert_eq!(show["title"], "Automated System Account Management");
    assert_eq!(show["parent"], "AC-2");
    assert_eq!(show["family"], "Access Control");
    let ac2 = env.json(["control", "show", "AC-2", "--catalog", "nist-800-53", "--json"]);
    let statement = ac2["statement"].as_str().expect("statement");
    assert!(
        statement.starts_with("a. Define and document the types of accounts allowed"),
        "{statement}"
    );
    assert!(statement.contains("c. Require [Assignment: organization-defined prerequisites and criteria] for group"));
    assert!(!statement.contains("{{"), "parameters are inserted");

    let pe = env.json([
        "control",
        "list",
        "--catalog",
        "nist-800-53",
        "--family",
        "Physical and Environmental Protection",
        "--json",
    ]);
    assert_eq!(pluck(&pe, "key")[0], "PE-1");

    // The seeded rules apply: PE inherited, AT shared, SC-7 customer on infrastructure.
    env.run(["service", "add", "vm", "--offering", "aws.ec2"]).success();
    env.run(["service", "add", "bucket", "--offering", "aws.s3"]).success();
    let m = env.json([
        "responsibility",
        "matrix",
        "--catalog",
        "nist-800-53",
        "--service",
        "vm",
        "--json",
    ]);
    let cell = |key: &str| {
        m["controls"]
            .as_array()
            .expect("controls")
            .iter()
            .find(|c| c["key"] == key)
            .expect("row")["services"][0]["responsibility"]
            .clone()
    };
    assert_eq!(cell("PE-3"), "inherited");
    assert_eq!(cell("AT-2"), "shared");
    assert_eq!(cell("SC-7"), "customer");
    assert_eq!(cell("AC-2"), "customer");
}

#[test]
fn a_resolved_baseline_imports_under_its_own_key() {
    let env = Env::init();
    env.run(["catalog", "import", &fixture(LOW), "--key", "nist-low"])
        .success()
        .stdout(predicates::str::contains("149 controls"));
    let controls = env.json(["control", "list", "--catalog", "nist-low", "--json"]);
    assert_eq!(count(&controls), Some(149));
    assert_eq!(pluck(&controls, "key")[0], "AC-1");
    let basic = env.json([
        "catalog",
        "import",
        &fixture("basic-catalog.json"),
        "--key",
        "basic",
        "--json",
    ]);
    assert_eq!(basic["controls"]["added"], 4);
}

#[test]
fn replacing_keeps_overrides_on_controls_that_remain_and_reports_the_rest() {
    let env = Env::init();
    env.run(["catalog", "import", &fixture(LOW), "--key", "nist"]).success();
    env.run(["team", "add", "platform"]).success();
    env.run(["service", "add", "vm", "--offering", "aws.ec2"]).success();
    env.run([
        "responsibility",
        "set",
        "nist:AC-2",
        "--service",
        "vm",
        "--as",
        "shared",
        "--why",
        "kept",
    ])
    .success();
    env.run(["owner", "set", "nist:AC-1", "--team", "platform"]).success();
    rejects_unchanged(
        &env,
        &["catalog", "import", &fixture(LOW), "--key", "nist"],
        "--replace",
    );
    // The full catalogue has every LOW control: nothing is lost.
    env.run(["catalog", "import", &fixture(FULL), "--key", "nist", "--replace"])
        .success();
    let show = env.json(["responsibility", "show", "nist:AC-2", "--service", "vm", "--json"]);
    assert_eq!(show["cell"]["provenance"], "override");
    // Back to LOW: controls only in the full catalogue go, and the report names them.
    env.run([
        "responsibility",
        "set",
        "nist:AC-2(1)",
        "--service",
        "vm",
        "--as",
        "shared",
        "--why",
        "gone soon",
    ])
    .success();
    let out = env.json([
        "catalog",
        "import",
        &fixture(LOW),
        "--key",
        "nist",
        "--replace",
        "--json",
    ]);
    let removed = out["removed"].as_array().expect("removed controls");
    assert!(removed.iter().any(|k| k == "AC-2(1)"), "{removed:?}");
    assert_eq!(removed.len(), 1189 - 149);
    assert_eq!(out["dropped_overrides"], 1);
    assert_eq!(
        env.json(["responsibility", "show", "nist:AC-2", "--service", "vm", "--json"])["cell"]["provenance"],
        "override"
    );
    assert_eq!(
        env.count("SELECT count(*) FROM control c JOIN catalog k ON k.id = c.catalog_id WHERE k.key = 'nist'"),
        149
    );
}

#[test]
fn documents_that_are_not_catalogs_are_refused_with_their_path() {
    let env = Env::init();
    rejects_unchanged(
        &env,
        &["catalog", "import", &fixture("ssp-example.json")],
        "system security plan, not a catalog",
    );
    rejects_unchanged(
        &env,
        &[
            "catalog",
            "import",
            &fixture("NIST_SP-800-53_rev5_LOW-baseline_profile.json"),
        ],
        "resolve it first",
    );
    let text = std::fs::read_to_string(fixture("basic-catalog.json")).expect("fixture");
    let truncated = env.file("truncated.json", &text[..text.len() / 2]);
    rejects_unchanged(
        &env,
        &["catalog", "import", truncated.to_str().expect("path")],
        "truncated JSON",
    );
    let garbage = env.file("garbage.json", "not json at all");
    rejects_unchanged(
        &env,
        &["catalog", "import", garbage.to_str().expect("path")],
        "not valid JSON",
    );
    let dup = text.replacen("\"id\": \"s2.1.2\"", "\"id\": \"s1.1.1\"", 1);
    assert_ne!(dup, text, "fixture has the id to duplicate");
    let dup = env.file("dup.json", dup);
    rejects_unchanged(
        &env,
        &["catalog", "import", dup.to_str().expect("path")],
        "duplicate control id \"s1.1.1\"",
    );
    let no_meta = env.file("nometa.json", "{\"catalog\": {\"uuid\": \"x\"}}");
    rejects_unchanged(
        &env,
        &["catalog", "import", no_meta.to_str().expect("path")],
        "catalog.metadata: is missing",
    );
}
