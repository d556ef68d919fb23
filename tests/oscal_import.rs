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

/// A small catalog to break: two groups, a parameter inserted into a statement, an enhancement.
fn base_catalog() -> serde_json::Value {
    serde_json::json!({"catalog": {
        "uuid": "00000000-0000-4000-8000-000000000001",
        "metadata": {"title": "Hostile", "version": "1", "oscal-version": "1.1.2"},
        "groups": [
            {"id": "ac", "title": "Access Control", "controls": [
                {"id": "ac-1", "title": "Policy",
                 "params": [{"id": "ac-1_prm_1", "label": "frequency"}],
                 "props": [{"name": "label", "value": "AC-1"}],
                 "parts": [{"id": "ac-1_smt", "name": "statement", "parts": [
                     {"id": "ac-1_smt.a", "name": "item", "props": [{"name": "label", "value": "a."}],
                      "prose": "Review {{ insert: param, ac-1_prm_1 }}."}]}],
                 "controls": [{"id": "ac-1.1", "title": "Enhancement",
                               "props": [{"name": "label", "value": "AC-1(1)"}]}]},
                {"id": "ac-2", "title": "Accounts", "props": [{"name": "label", "value": "AC-2"}]}]},
            {"id": "au", "title": "Audit", "controls": [
                {"id": "au-1", "title": "Audit policy", "props": [{"name": "label", "value": "AU-1"}]}]}]}})
}

/// The value at JSON pointer `at` of `doc`, which the case builds on.
fn at<'v>(doc: &'v mut serde_json::Value, pointer: &str) -> &'v mut serde_json::Value {
    doc.pointer_mut(pointer)
        .unwrap_or_else(|| panic!("the base catalog has {pointer}"))
}

/// `{{ insert: param, ID }}`.
fn insert(id: &str) -> String {
    format!("{{{{ insert: param, {id} }}}}")
}

/// Parameters p0..p39, each inserting the one before twice: 15 x 2^39 characters if expanded.
fn doubling() -> Vec<serde_json::Value> {
    let mut params = vec![serde_json::json!({"id": "p0", "label": "x"})];
    for i in 1..40 {
        let prev = insert(&format!("p{}", i - 1));
        params.push(serde_json::json!({"id": format!("p{i}"), "values": [format!("{prev}{prev}")]}));
    }
    params
}

/// A parameter of 9,536 characters (19 values of 500), the most a parameter may nearly hold.
fn big_param() -> serde_json::Value {
    serde_json::json!({"id": "big", "values": vec!["y".repeat(500); 19]})
}

/// One hostile case: its name, how it breaks the base catalog, and what stderr must say.
type Case = (&'static str, Box<dyn Fn(&mut serde_json::Value)>, Vec<String>);

/// A case that sets the value at `pointer` (a new member of an object, or an existing value).
fn set(pointer: &'static str, value: serde_json::Value) -> Box<dyn Fn(&mut serde_json::Value)> {
    Box::new(move |doc| {
        let (parent, key) = pointer.rsplit_once('/').expect("a JSON pointer");
        match at(doc, parent) {
            serde_json::Value::Object(members) => {
                members.insert(key.to_string(), value.clone());
            }
            other => *at(other, &format!("/{key}")) = value.clone(),
        }
    })
}

fn says(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| s.to_string()).collect()
}

fn hostile_cases() -> Vec<Case> {
    const C0: &str = "catalog.groups[0].controls[0]";
    const PROSE: &str = "/catalog/groups/0/controls/0/parts/0/parts/0/prose";
    vec![
        // Parameter insertion.
        (
            "parameters inserting each other",
            set(
                "/catalog/groups/0/controls/0/params",
                serde_json::json!([{"id": "a", "label": format!("x {}", insert("b"))},
                                   {"id": "b", "values": [insert("a")]}]),
            ),
            says(&[&format!("{C0}.params[0]: parameter \"a\" inserts itself (a -> b -> a)")]),
        ),
        (
            "a parameter inserting itself",
            set(
                "/catalog/groups/0/controls/0/params",
                serde_json::json!([{"id": "s", "select": {"choice": ["none", insert("s")]}}]),
            ),
            says(&["parameter \"s\" inserts itself (s -> s)"]),
        ),
        (
            "a doubling chain of 40 parameters",
            Box::new(|doc| {
                at(doc, "/catalog")["params"] = serde_json::Value::from(doubling());
                *at(doc, PROSE) = insert("p39").into();
            }),
            says(&[
                "catalog.params[10]: parameter \"p10\" is longer than 10000 characters once the parameters it inserts are inserted (inserting parameter \"p9\")",
            ]),
        ),
        (
            "a doubling chain listed top first",
            Box::new(|doc| {
                let mut params = doubling();
                params.reverse();
                at(doc, "/catalog")["params"] = serde_json::Value::from(params);
            }),
            says(&["catalog.params[0]: parameter \"p39\" nests insertions more than 32 parameters deep"]),
        ),
        (
            "a statement that inserts a long parameter often",
            Box::new(|doc| {
                *at(doc, "/catalog/groups/0/controls/0/params") = serde_json::json!([big_param()]);
                *at(doc, PROSE) = insert("big").repeat(11).into();
            }),
            says(&[&format!(
                "{C0}.parts[0].parts[0].prose: the control's statement is longer than 100000 characters once parameters are inserted (inserting parameter \"big\")"
            )]),
        ),
        (
            "many controls that each insert a long parameter",
            Box::new(|doc| {
                *at(doc, "/catalog/groups/0/controls/0/params") = serde_json::json!([big_param()]);
                let controls: Vec<serde_json::Value> = (0..110)
                    .map(|i| {
                        serde_json::json!({"id": format!("x-{i}"), "title": "Amplifier",
                        "parts": [{"name": "statement", "prose": insert("big").repeat(10)}]})
                    })
                    .collect();
                at(doc, "/catalog/groups/1")["controls"] = controls.into();
            }),
            says(&["adds more than 10000000 characters to the catalog in all"]),
        ),
        // Two controls on one key, or that no one can tell apart.
        (
            "ids that differ only in case",
            set("/catalog/groups/0/controls/1/id", "AC-1".into()),
            says(&[&format!(
                "catalog.groups[0].controls[1].id: control id \"AC-1\" cannot be told apart from control id \"ac-1\" at {C0}"
            )]),
        ),
        (
            "the same id twice, in another group",
            set("/catalog/groups/1/controls/0/id", "ac-1".into()),
            says(&[&format!(
                "catalog.groups[1].controls[0].id: duplicate control id \"ac-1\" (first at {C0})"
            )]),
        ),
        (
            "an enhancement with its parent's id",
            set("/catalog/groups/0/controls/0/controls/0/id", "ac-1".into()),
            says(&[&format!(
                "{C0}.controls[0].id: duplicate control id \"ac-1\" (first at {C0})"
            )]),
        ),
        (
            "labels that differ only in case",
            set("/catalog/groups/0/controls/1/props/0/value", "ac-1".into()),
            says(&[&format!(
                "catalog.groups[0].controls[1].props[0].value: control \"ac-2\" has key \"ac-1\", which cannot be told apart from key \"AC-1\" of control \"ac-1\" at {C0}"
            )]),
        ),
        (
            "the same label on two ids in two groups",
            set("/catalog/groups/1/controls/0/props/0/value", "AC-1".into()),
            says(&[&format!(
                "catalog.groups[1].controls[0].props[0].value: control \"au-1\" has key \"AC-1\", already the key of control \"ac-1\" at {C0}"
            )]),
        ),
        (
            "an enhancement labelled like its parent",
            set("/catalog/groups/0/controls/0/controls/0/props/0/value", "AC-1".into()),
            says(&["control \"ac-1.1\" has key \"AC-1\", already the key of control \"ac-1\""]),
        ),
        (
            "a key taken from an id that another control has as a label",
            Box::new(|doc| {
                *at(doc, "/catalog/groups/0/controls/1/props/0/value") = "au-1".into();
                *at(doc, "/catalog/groups/1/controls/0/props") = serde_json::json!([]);
            }),
            says(&[
                "catalog.groups[1].controls[0].id: control \"au-1\" has key \"AU-1\", which cannot be told apart from key \"au-1\" of control \"ac-2\" at catalog.groups[0].controls[1]",
            ]),
        ),
        (
            "a full-width look-alike label",
            set("/catalog/groups/0/controls/1/props/0/value", "ＡＣ－１".into()),
            says(&["has key \"ＡＣ－１\", which cannot be told apart from key \"AC-1\" of control \"ac-1\""]),
        ),
        (
            "a parameter id twice",
            set(
                "/catalog/groups/1/controls/0/params",
                serde_json::json!([{"id": "ac-1_prm_1", "label": "other"}]),
            ),
            says(&[&format!(
                "catalog.groups[1].controls[0].params[0].id: duplicate parameter id \"ac-1_prm_1\" (first at {C0}.params[0])"
            )]),
        ),
        (
            "parameter ids that differ only in case",
            set(
                "/catalog/groups/1/controls/0/params",
                serde_json::json!([{"id": "AC-1_PRM_1", "label": "other"}]),
            ),
            says(&["parameter id \"AC-1_PRM_1\" cannot be told apart from parameter id \"ac-1_prm_1\""]),
        ),
        (
            "families that differ only in case",
            set("/catalog/groups/1/title", "access control".into()),
            says(&[
                "catalog.groups[1].title: family \"access control\" cannot be told apart from family \"Access Control\" at catalog.groups[0].title",
            ]),
        ),
        // The text rules, as for every CSV cell and flag.
        (
            "an escape sequence in an id",
            set("/catalog/groups/0/controls/1/id", "ac-2\u{1b}[31m".into()),
            says(&[
                "catalog.groups[0].controls[1].id: must not contain control characters (tabs, newlines) (found U+001B)",
            ]),
        ),
        (
            "a zero-width space in a label",
            set("/catalog/groups/0/controls/1/props/0/value", "AC\u{200B}-2".into()),
            says(&["catalog.groups[0].controls[1].props[0].value: must not contain invisible characters"]),
        ),
        (
            "a right-to-left override in a label",
            set("/catalog/groups/0/controls/1/props/0/value", "AC-\u{202E}2".into()),
            says(&["catalog.groups[0].controls[1].props[0].value: must not contain bidirectional control characters"]),
        ),
        (
            "NUL in a title",
            set("/catalog/groups/0/controls/1/title", "Accounts\u{0}".into()),
            says(&[
                "catalog.groups[0].controls[1].title: must not contain control characters (tabs, newlines) (found U+0000)",
            ]),
        ),
        (
            "a newline in a title",
            set("/catalog/groups/0/controls/1/title", "Accounts\nand more".into()),
            says(&[
                "catalog.groups[0].controls[1].title: must not contain control characters (tabs, newlines) (found U+000A)",
            ]),
        ),
        (
            "a right-to-left override in a family",
            set("/catalog/groups/1/title", "Audit \u{202E}lortnoC".into()),
            says(&["catalog.groups[1].title: must not contain bidirectional control characters"]),
        ),
        (
            "an escape sequence in the catalog title",
            set("/catalog/metadata/title", "Hostile\u{1b}]0;pwned\u{7}".into()),
            says(&["catalog.metadata.title: must not contain control characters (tabs, newlines) (found U+001B)"]),
        ),
        (
            "a newline in the catalog version",
            set("/catalog/metadata/version", "1\n2".into()),
            says(&["catalog.metadata.version: must not contain control characters"]),
        ),
        (
            "an escape sequence in prose",
            set(PROSE, "Review \u{1b}[2J now.".into()),
            says(&[&format!(
                "{C0}.parts[0].parts[0].prose: must not contain control characters other than tabs and line breaks (found U+001B)"
            )]),
        ),
        (
            "a right-to-left override in prose",
            set(PROSE, "Review \u{202E}won.".into()),
            says(&[
                "parts[0].parts[0].prose: must not contain bidirectional control characters",
                "(found U+202E)",
            ]),
        ),
        (
            "an escape sequence in a statement item's label",
            set(
                "/catalog/groups/0/controls/0/parts/0/parts/0/props/0/value",
                "a.\u{1b}[1m".into(),
            ),
            says(&[&format!(
                "{C0}.parts[0].parts[0].props[0].value: must not contain control characters"
            )]),
        ),
        (
            "an escape sequence in a parameter value",
            set(
                "/catalog/groups/0/controls/0/params/0",
                serde_json::json!({"id": "ac-1_prm_1", "values": ["daily", "\u{1b}[8m"]}),
            ),
            says(&[&format!(
                "{C0}.params[0].values[1]: must not contain control characters (tabs, newlines) (found U+001B)"
            )]),
        ),
        (
            "a right-to-left override in a parameter label",
            set(
                "/catalog/groups/0/controls/0/params/0/label",
                "\u{202E}ycneuqerf".into(),
            ),
            says(&[&format!(
                "{C0}.params[0].label: must not contain bidirectional control characters"
            )]),
        ),
        (
            "NUL in a parameter choice",
            set(
                "/catalog/groups/0/controls/0/params/0",
                serde_json::json!({"id": "ac-1_prm_1", "select": {"choice": ["daily", "weekly\u{0}"]}}),
            ),
            says(&[&format!(
                "{C0}.params[0].select.choice[1]: must not contain control characters (tabs, newlines) (found U+0000)"
            )]),
        ),
        (
            "a newline in a parameter id",
            set("/catalog/groups/0/controls/0/params/0/id", "ac-1\nprm".into()),
            says(&[&format!("{C0}.params[0].id: must not contain control characters")]),
        ),
        // Lengths, as for every CSV cell and flag.
        (
            "a 1 MB title",
            set("/catalog/groups/0/controls/1/title", "t".repeat(1_000_000).into()),
            says(&["catalog.groups[0].controls[1].title: is 1000000 characters long; at most 500"]),
        ),
        (
            "a 201-character label",
            set("/catalog/groups/0/controls/1/props/0/value", "K".repeat(201).into()),
            says(&["catalog.groups[0].controls[1].props[0].value: is 201 characters long; at most 200"]),
        ),
        (
            "a huge prose",
            set(PROSE, "word ".repeat(200_000).into()),
            says(&[
                "parts[0].parts[0].prose: is 999999 characters long; at most 20000 (add longer text as a file of evidence)",
            ]),
        ),
        (
            "a 600-character parameter value",
            set(
                "/catalog/groups/0/controls/0/params/0",
                serde_json::json!({"id": "ac-1_prm_1", "values": ["v".repeat(600)]}),
            ),
            says(&[&format!(
                "{C0}.params[0].values[0]: is 600 characters long; at most 500"
            )]),
        ),
        (
            "an empty label",
            set("/catalog/groups/0/controls/1/props/0/value", " ".into()),
            says(&["catalog.groups[0].controls[1].props[0].value: must not be empty"]),
        ),
    ]
}

#[test]
fn hostile_catalogs_are_refused_naming_the_path_and_change_nothing() {
    let env = Env::init();
    let base = env.file("base.json", base_catalog().to_string());
    env.run(["catalog", "import", base.to_str().expect("path"), "--key", "base"])
        .success()
        .stdout(predicates::str::contains("4 controls (0 withdrawn): 4 added"));
    let cases = hostile_cases();
    for (name, break_it, messages) in &cases {
        let mut doc = base_catalog();
        break_it(&mut doc);
        let file = env.file("hostile.json", doc.to_string());
        let started = std::time::Instant::now();
        // --replace: were the document accepted, it would change the catalogue imported above.
        let args = [
            "catalog",
            "import",
            file.to_str().expect("path"),
            "--key",
            "base",
            "--replace",
        ];
        let before = env.fingerprint();
        let assert = env.run(args).code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
        for message in messages {
            assert!(
                stderr.contains(message.as_str()),
                "{name}: stderr {stderr:?} should contain {message:?}"
            );
        }
        assert!(
            stderr.starts_with("ctrlmap: ") && stderr.contains("hostile.json: "),
            "{name}: {stderr}"
        );
        assert_eq!(
            stderr.trim_end().lines().count(),
            1,
            "{name}: one line expected: {stderr}"
        );
        assert!(stderr.len() < 600, "{name}: a short line expected: {stderr}");
        assert_eq!(env.fingerprint(), before, "{name}: the database changed");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "{name}: took {:?}",
            started.elapsed()
        );
    }
    assert!(cases.len() >= 30, "the table is whole");
    // The same catalogue, fixed, is still accepted.
    env.run([
        "catalog",
        "import",
        base.to_str().expect("path"),
        "--key",
        "base",
        "--replace",
    ])
    .success()
    .stdout(predicates::str::contains("4 unchanged"));
}

#[test]
fn what_stays_accepted_in_a_catalog() {
    let env = Env::init();
    let mut doc = base_catalog();
    // An unknown parameter is shown by its id, as before; tabs and line breaks in prose are
    // allowed (and folded into the one-line item); a group title repeated exactly is one family.
    *at(&mut doc, "/catalog/groups/0/controls/0/parts/0/parts/0/prose") =
        format!("Review\t{}\r\nand {}.", insert("ac-1_prm_1"), insert("nope")).into();
    *at(&mut doc, "/catalog/groups/1/title") = "Access Control".into();
    // A parameter that inserts another, and a statement near the cap.
    *at(&mut doc, "/catalog/groups/0/controls/0/params") = serde_json::json!([
        {"id": "ac-1_prm_1", "select": {"how-many": "one-or-more", "choice": ["daily", insert("inner")]}},
        {"id": "inner", "label": "organization-defined frequency"},
        big_param()
    ]);
    at(&mut doc, "/catalog/groups/0/controls/1")["parts"] =
        serde_json::json!([{"name": "statement", "prose": insert("big").repeat(10)}]);
    let file = env.file("ok.json", doc.to_string());
    env.run(["catalog", "import", file.to_str().expect("path"), "--key", "ok"])
        .success();
    let ac1 = env.json(["control", "show", "AC-1", "--catalog", "ok", "--json"]);
    assert_eq!(
        ac1["statement"],
        "a. Review [Selection (one or more): daily; [Assignment: organization-defined frequency]] and [nope]."
    );
    let ac2 = env.json(["control", "show", "AC-2", "--catalog", "ok", "--json"]);
    assert_eq!(ac2["statement"].as_str().expect("text").chars().count(), 95_360);
    let list = env.json(["catalog", "list", "--json"]);
    assert_eq!(list[0]["families"], 1);
    // The file's name is stored as the source, escaped: no control character enters that way.
    let odd = env.file("odd\u{1b}[31m\u{202E}.json", base_catalog().to_string());
    env.run(["catalog", "import", odd.to_str().expect("path"), "--key", "odd"])
        .success();
    let source: String = env
        .sql()
        .query_row("SELECT source FROM catalog WHERE key = 'odd'", [], |r| r.get(0))
        .expect("stored");
    assert_eq!(source, "OSCAL 1.1.2 catalog odd\\u{1b}[31m\\u{202e}.json");
}

/// A mapping collection from catalogue `a` to `b` (both the base catalog) with one map.
fn collection(map: serde_json::Value) -> serde_json::Value {
    serde_json::json!({"mapping-collection": {
        "uuid": "00000000-0000-4000-8000-000000000002",
        "metadata": {"title": "m", "version": "1", "oscal-version": "1.2.0"},
        "mappings": [{"uuid": "00000000-0000-4000-8000-000000000003",
            "source-resource": {"type": "catalog", "href": "#a"},
            "target-resource": {"type": "catalog", "href": "#b"},
            "maps": [map]}]}})
}

fn good_map() -> serde_json::Value {
    serde_json::json!({"uuid": "00000000-0000-4000-8000-000000000004", "relationship": "equivalent-to",
        "sources": [{"type": "control", "id-ref": "ac-1"}],
        "targets": [{"type": "control", "id-ref": "ac-2"}],
        "remarks": "same\nidea"})
}

#[test]
fn hostile_mapping_collections_are_refused_by_the_same_text_rules() {
    let env = Env::init();
    let base = env.file("base.json", base_catalog().to_string());
    for key in ["a", "b"] {
        env.run(["catalog", "import", base.to_str().expect("path"), "--key", key])
            .success();
    }
    let import = |name: &str, map: serde_json::Value| {
        let file = env.file(name, collection(map).to_string());
        let path = file.to_str().expect("path").to_string();
        vec![
            "mapping".to_string(),
            "import".into(),
            path,
            "--from".into(),
            "a".into(),
            "--to".into(),
            "b".into(),
        ]
    };
    let cases: Vec<(&str, &str, serde_json::Value, &str)> = vec![
        (
            "remarks",
            "/remarks",
            "same \u{1b}[31mred".into(),
            ".maps[0].remarks: must not contain control characters other than tabs and line breaks (found U+001B)",
        ),
        (
            "remarks",
            "/remarks",
            "x".repeat(30_000).into(),
            ".maps[0].remarks: is 30000 characters long; at most 20000",
        ),
        (
            "id-ref",
            "/sources/0/id-ref",
            "ac-\u{202E}1".into(),
            ".maps[0].sources[0].id-ref: must not contain bidirectional control characters",
        ),
        (
            "id-ref",
            "/targets/0/id-ref",
            "a".repeat(100_000).into(),
            ".maps[0].targets[0].id-ref: is 100000 characters long; at most 200",
        ),
        (
            "relationship",
            "/relationship",
            "equal\u{0}".into(),
            ".maps[0].relationship: must not contain control characters",
        ),
        (
            "type",
            "/sources/0/type",
            "\u{1b}]0;x\u{7}".into(),
            ".maps[0].sources[0].type: must not contain control characters",
        ),
    ];
    for (i, (what, pointer, value, message)) in cases.into_iter().enumerate() {
        let mut map = good_map();
        *at(&mut map, pointer) = value;
        let args = import(&format!("bad{i}.json"), map);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let message = format!("mapping-collection.mappings[0]{message}");
        eprintln!("case {i}: {what}");
        rejects_unchanged(&env, &args, &message);
    }
    let args = import("good.json", good_map());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    env.run(&args).success().stdout(predicates::str::contains("1 added"));
    let list = env.json(["mapping", "list", "--from", "a", "--json"]);
    assert_eq!(list[0]["rationale"], "same idea");
}

#[test]
fn a_controls_csv_with_keys_that_differ_only_in_case_is_refused_too() {
    let env = Env::init();
    let csv = env.file("c.csv", "key,title\nac-1,One\nAC-1,Two\n");
    let path = csv.to_str().expect("path");
    for args in [
        vec!["catalog", "import-csv", path, "--key", "x", "--title", "X"],
        vec!["catalog", "import-csv", path, "--key", "x", "--title", "X", "--update"],
    ] {
        rejects_unchanged(
            &env,
            &args,
            "c.csv line 3: duplicate control \"x:AC-1\" (first on line 2 as \"x:ac-1\", which differs only in letter case)",
        );
    }
}

#[test]
fn sort_ids_order_the_controls() {
    let env = Env::init();
    // Listed as a resolved profile may list them: AC-1, AC-14, AC-2, with sort-ids saying otherwise.
    let control = |id: &str, label: &str, sort: &str| {
        serde_json::json!({"id": id, "title": label,
            "props": [{"name": "label", "value": label}, {"name": "sort-id", "value": sort}]})
    };
    let mut doc = base_catalog();
    *at(&mut doc, "/catalog/groups/0/controls") = serde_json::json!([
        control("ac-1", "AC-1", "ac-01"),
        control("ac-14", "AC-14", "ac-14"),
        control("ac-2", "AC-2", "ac-02"),
    ]);
    *at(&mut doc, "/catalog/groups/1/controls") = serde_json::json!([control("au-1", "AU-1", "au-01")]);
    let file = env.file("sorted.json", doc.to_string());
    env.run(["catalog", "import", file.to_str().expect("path"), "--key", "sorted"])
        .success();
    let list = env.json(["control", "list", "--catalog", "sorted", "--json"]);
    let keys: Vec<&str> = list
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|c| c["key"].as_str())
        .collect();
    assert_eq!(keys, ["AC-1", "AC-2", "AC-14", "AU-1"]);
}

#[test]
fn without_a_sort_id_on_every_control_the_document_order_stays() {
    let env = Env::init();
    let file = env.file("base.json", base_catalog().to_string());
    env.run(["catalog", "import", file.to_str().expect("path"), "--key", "base"])
        .success();
    let list = env.json(["control", "list", "--catalog", "base", "--json"]);
    let keys: Vec<&str> = list
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|c| c["key"].as_str())
        .collect();
    assert_eq!(keys, ["AC-1", "AC-1(1)", "AC-2", "AU-1"]);
}

/// One group of `n` controls, C-1 to C-n, whose sort-ids list them backwards.
fn long_catalog(n: usize) -> serde_json::Value {
    let controls: Vec<serde_json::Value> = (1..=n)
        .map(|i| {
            serde_json::json!({"id": format!("c-{i}"), "title": format!("Control {i}"),
                "props": [{"name": "label", "value": format!("C-{i}")},
                          {"name": "sort-id", "value": format!("c-{:04}", n + 1 - i)}]})
        })
        .collect();
    serde_json::json!({"catalog": {
        "uuid": "00000000-0000-4000-8000-000000000002",
        "metadata": {"title": "Long", "version": "1", "oscal-version": "1.1.2"},
        "groups": [{"id": "c", "title": "Controls", "controls": controls}]}})
}

#[test]
fn an_error_late_in_a_long_catalogue_is_the_one_reported_and_nothing_is_stored() {
    // The document is read on one thread and written on another as it is read: hundreds of
    // controls reach the writer before the broken last one is found.
    let env = Env::init();
    let good = env.file("long.json", long_catalog(300).to_string());
    env.run(["catalog", "import", good.to_str().expect("path"), "--key", "long"])
        .success()
        .stdout(predicates::str::contains("300 controls (0 withdrawn): 300 added"));
    let mut doc = long_catalog(300);
    *at(&mut doc, "/catalog/groups/0/controls/299/title") = serde_json::json!(7);
    let broken = env.file("broken.json", doc.to_string());
    let broken = broken.to_str().expect("path");
    let says = "broken.json: catalog.groups[0].controls[299].title: must be a string";
    for (name, args) in [
        ("a new key", vec!["--key", "other"]),
        ("over an existing key, without --replace", vec!["--key", "long"]),
        ("a blank --key", vec!["--key", "  "]),
        ("with --replace", vec!["--key", "long", "--replace"]),
    ] {
        let before = env.fingerprint();
        let mut all = vec!["catalog", "import", broken];
        all.extend(args);
        let assert = env.run(all).code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
        assert!(stderr.contains(says), "{name}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{name}: {stderr}");
        assert_eq!(env.fingerprint(), before, "{name}: the database changed");
    }
}

#[test]
fn sort_ids_order_a_long_catalogue_only_when_every_control_has_one() {
    let env = Env::init();
    let keys = |catalog: &str| -> Vec<serde_json::Value> {
        let list = env.json(["control", "list", "--catalog", catalog, "--json"]);
        pluck(&list, "key")
    };
    let file = env.file("all.json", long_catalog(300).to_string());
    env.run(["catalog", "import", file.to_str().expect("path"), "--key", "all"])
        .success();
    let backwards: Vec<serde_json::Value> = (1..=300).rev().map(|i| format!("C-{i}").into()).collect();
    assert_eq!(keys("all"), backwards);
    // The last control has no sort-id: the first 299 were read before that was known.
    let mut doc = long_catalog(300);
    at(&mut doc, "/catalog/groups/0/controls/299/props")
        .as_array_mut()
        .expect("props")
        .pop();
    let file = env.file("mixed.json", doc.to_string());
    env.run(["catalog", "import", file.to_str().expect("path"), "--key", "mixed"])
        .success();
    let in_order: Vec<serde_json::Value> = (1..=300).map(|i| format!("C-{i}").into()).collect();
    assert_eq!(keys("mixed"), in_order);
}
