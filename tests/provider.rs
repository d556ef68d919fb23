//! Provider documents: importing what a provider says it provides and leaves to the customer
//! (OSCAL leveraged SSP export, component definitions, Azure baselines through the benchmark
//! crosswalk), the derivation layer it feeds, `responsibility show` / `todo`, re-import and bad input.

use serde_json::Value;

use crate::common::{Env, rejects_unchanged};

const NIST: &str = "tests/fixtures/oscal/NIST_SP-800-53_rev5.0.1_catalog.json";
const TRESTLE: &str = "tests/fixtures/provider/leveraged_ssp.json";
const NIST_LEVERAGED: &str = "tests/fixtures/provider/oscal_leveraged-example_ssp.json";
const COMPONENT: &str = "tests/fixtures/provider/example-component.json";
const AWSLABS: &str = "tests/fixtures/provider/awslabs-s3.oscal.json";
const MCSB: &str = "tests/fixtures/provider/azure/Microsoft_cloud_security_benchmark_v1.xlsx";

fn fixture(path: &str) -> String {
    format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))
}

fn baseline(prefix: &str) -> String {
    fixture(&format!(
        "tests/fixtures/provider/azure/{prefix}-azure-security-benchmark-v3-latest-security-baseline.xlsx"
    ))
}

/// The estate (web on EC2, orders-db on RDS, bucket on S3) with SP 800-53 rev5 imported.
fn estate() -> Env {
    let env = Env::estate();
    env.run(["catalog", "import", &fixture(NIST)]).success();
    env
}

/// The cell `responsibility show KEY --service S --json` prints.
fn show(env: &Env, key: &str, service: &str) -> Value {
    env.json([
        "responsibility",
        "show",
        key,
        "--catalog",
        "nist-800-53",
        "--service",
        service,
        "--json",
    ])
}

fn value(env: &Env, key: &str, service: &str) -> (String, String) {
    let v = show(env, key, service);
    (
        v["cell"]["responsibility"].as_str().unwrap_or_default().to_string(),
        v["cell"]["provenance"].as_str().unwrap_or_default().to_string(),
    )
}

fn pair(r: &str, p: &str) -> (String, String) {
    (r.to_string(), p.to_string())
}

#[test]
fn trestle_three_cases_with_provenance_and_the_customers_text() {
    let env = estate();
    env.run([
        "provider",
        "import",
        &fixture(TRESTLE),
        "--provider",
        "aws",
        "--offering",
        "aws.rds",
    ])
    .success();
    // ac-1: every component provides it -> inherited; ac-2: provided and a customer
    // responsibility -> shared; ac-2.1: provided, but one component's implementation is planned -> shared.
    assert_eq!(value(&env, "AC-1", "orders-db"), pair("inherited", "provider"));
    assert_eq!(value(&env, "AC-2", "orders-db"), pair("shared", "provider"));
    assert_eq!(value(&env, "AC-2(1)", "orders-db"), pair("shared", "provider"));
    // Only aws.rds was named: EC2 keeps the category rule.
    assert_eq!(value(&env, "AC-2", "web").1, "rule");

    let v = show(&env, "AC-2", "orders-db");
    let rationale = v["cell"]["rationale"].as_str().expect("rationale");
    let sha = env.json(["provider", "documents", "--json"])[0]["sha256"]
        .as_str()
        .expect("sha256")
        .to_string();
    assert_eq!(sha.len(), 64);
    assert!(
        rationale.contains("\"Example Leveraged System Security Plan\""),
        "{rationale}"
    );
    assert!(rationale.contains(&sha), "{rationale}");
    assert!(
        rationale.contains("provided 11111111-0000-4000-9009-002001002001"),
        "{rationale}"
    );
    assert!(
        rationale.contains("11111111-0000-4000-9009-002001002002"),
        "{rationale}"
    );
    let must = v["customer_must_do"].as_array().expect("list");
    assert_eq!(must.len(), 1, "{must:?}");
    assert!(
        must[0]
            .as_str()
            .unwrap_or_default()
            .starts_with("Leveraging system's responsibilities")
    );
    let links: Vec<&str> = v["provider_statements"]
        .as_array()
        .expect("statements")
        .iter()
        .filter_map(|s| s["provided_uuid"].as_str())
        .collect();
    assert_eq!(links, ["11111111-0000-4000-9009-002001002001"]);

    let text = env
        .run([
            "responsibility",
            "show",
            "AC-2",
            "--catalog",
            "nist-800-53",
            "--service",
            "orders-db",
        ])
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8_lossy(&text);
    assert!(text.contains("responsibility    shared"), "{text}");
    assert!(text.contains(&format!(
        "provider document \"Example Leveraged System Security Plan\" (sha256 {sha})"
    )));
    assert!(
        text.contains("customer must do  \"Leveraging system's responsibilities"),
        "{text}"
    );
    let stored = env.count("SELECT count(*) FROM provider_statement");
    assert_eq!(stored, 7);
}

#[test]
fn precedence_override_then_provider_then_rule() {
    let env = estate();
    // The category rule first: access control is the customer's.
    assert_eq!(value(&env, "AC-1", "orders-db"), pair("customer", "rule"));
    env.run([
        "provider",
        "import",
        &fixture(TRESTLE),
        "--provider",
        "aws",
        "--offering",
        "aws.rds",
    ])
    .success();
    assert_eq!(value(&env, "AC-1", "orders-db"), pair("inherited", "provider"));
    let set_org = [
        "responsibility",
        "set",
        "AC-1",
        "--catalog",
        "nist-800-53",
        "--as",
        "shared",
        "--why",
        "our policy",
    ];
    env.run(set_org).success();
    assert_eq!(value(&env, "AC-1", "orders-db"), pair("shared", "override"));
    assert_eq!(
        show(&env, "AC-1", "orders-db")["cell"]["provenance_detail"],
        "org-override"
    );
    env.run([
        "responsibility",
        "set",
        "AC-1",
        "--catalog",
        "nist-800-53",
        "--service",
        "orders-db",
        "--as",
        "customer",
        "--why",
        "we run it",
    ])
    .success();
    assert_eq!(value(&env, "AC-1", "orders-db"), pair("customer", "override"));
    assert_eq!(
        show(&env, "AC-1", "orders-db")["cell"]["provenance_detail"],
        "service-override"
    );
    env.run([
        "responsibility",
        "unset",
        "AC-1",
        "--catalog",
        "nist-800-53",
        "--service",
        "orders-db",
    ])
    .success();
    env.run(["responsibility", "unset", "AC-1", "--catalog", "nist-800-53"])
        .success();
    assert_eq!(value(&env, "AC-1", "orders-db"), pair("inherited", "provider"));
    let id = env.json(["provider", "documents", "--json"])[0]["id"]
        .as_i64()
        .expect("id");
    env.run(["provider", "remove", &id.to_string()]).success();
    assert_eq!(value(&env, "AC-1", "orders-db"), pair("customer", "rule"));
    assert_eq!(env.count("SELECT count(*) FROM provider_statement"), 0);
    assert_eq!(env.count("SELECT count(*) FROM provider_document"), 0);
    // The matrix shows the provider as the source too.
    env.run([
        "provider",
        "import",
        &fixture(TRESTLE),
        "--provider",
        "aws",
        "--offering",
        "aws.rds",
    ])
    .success();
    let m = env.json([
        "responsibility",
        "matrix",
        "--catalog",
        "nist-800-53",
        "--service",
        "orders-db",
        "--json",
    ]);
    let text = m.to_string();
    assert!(
        text.contains("\"provider\""),
        "the matrix names the provider as provenance"
    );
}

#[test]
fn todo_lists_the_customers_part_in_the_providers_words() {
    let env = estate();
    env.run([
        "provider",
        "import",
        &fixture(TRESTLE),
        "--provider",
        "aws",
        "--offering",
        "aws.rds",
    ])
    .success();
    let todo = env.json(["responsibility", "todo", "--service", "orders-db", "--json"]);
    let items = todo.as_array().expect("list");
    let keys: Vec<&str> = items.iter().filter_map(|i| i["control"].as_str()).collect();
    assert_eq!(keys, ["AC-2", "AC-2(1)"], "AC-1 is inherited and not on the list");
    assert_eq!(items[0]["responsibility"], "shared");
    assert!(
        items[0]["customer_must_do"][0]
            .as_str()
            .unwrap_or_default()
            .contains("Leveraging system's responsibilities")
    );
    assert!(
        items[1]["customer_must_do"][0]
            .as_str()
            .unwrap_or_default()
            .contains("planned")
    );
    // An override that takes the customer's part away takes the control off the list.
    env.run([
        "responsibility",
        "set",
        "AC-2",
        "--catalog",
        "nist-800-53",
        "--service",
        "orders-db",
        "--as",
        "inherited",
        "--why",
        "contract",
    ])
    .success();
    let todo = env.json(["responsibility", "todo", "--service", "orders-db", "--json"]);
    assert_eq!(crate::common::pluck(&todo, "control"), [Value::from("AC-2(1)")]);
    // A service no document speaks for has an empty list.
    assert_eq!(
        env.json(["responsibility", "todo", "--service", "bucket", "--json"]),
        Value::Array(vec![])
    );
}

#[test]
fn nists_leveraged_example_is_shared_with_both_responsibilities_linked() {
    let env = estate();
    env.run([
        "provider",
        "import",
        &fixture(NIST_LEVERAGED),
        "--provider",
        "aws",
        "--offering",
        "aws.rds",
    ])
    .success();
    assert_eq!(value(&env, "AC-2", "orders-db"), pair("shared", "provider"));
    let v = show(&env, "AC-2", "orders-db");
    let mut links: Vec<(String, String)> = v["provider_statements"]
        .as_array()
        .expect("statements")
        .iter()
        .filter(|s| s["kind"] == "responsibility")
        .map(|s| {
            (
                s["uuid"].as_str().unwrap_or_default().to_string(),
                s["provided_uuid"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    links.sort();
    assert_eq!(
        links,
        [
            (
                "11111111-0000-4000-9009-002001001002".to_string(),
                "11111111-0000-4000-9009-002001001001".to_string()
            ),
            (
                "11111111-0000-4000-9009-002001002002".to_string(),
                "11111111-0000-4000-9009-002001002001".to_string()
            ),
        ]
    );
    assert_eq!(
        env.json(["provider", "documents", "--json"])[0]["title"],
        "CSP IaaS System Security Plan"
    );
}

#[test]
fn component_definitions_and_without_offering_all_the_providers_offerings() {
    let env = estate();
    env.run(["provider", "import", &fixture(COMPONENT), "--provider", "aws"])
        .success();
    // ac-2.3 is implemented by the component: provided -> inherited on every AWS offering.
    for service in ["web", "orders-db", "bucket"] {
        assert_eq!(
            value(&env, "AC-2(3)", service),
            pair("inherited", "provider"),
            "{service}"
        );
    }
    let docs = env.json(["provider", "documents", "--json"]);
    assert_eq!(docs[0]["kind"], "oscal-component-definition");
    assert_eq!(docs[0]["title"], "Test Component Definition");
    assert!(docs[0]["offerings"].as_array().expect("offerings").len() > 3);
}

/// Azure as a provider with the four offerings the tests use, made through the CLI where the
/// CLI can (there is no command to add a provider: that comes with the seeds).
fn azure(env: &Env) {
    let has = env.count("SELECT count(*) FROM provider WHERE key = 'azure'");
    if has == 0 {
        env.sql()
            .execute(
                "INSERT INTO provider (key, name) VALUES ('azure', 'Microsoft Azure')",
                [],
            )
            .expect("add azure");
    }
    let offerings = [
        ("azure.storage", "Azure Storage", "abstracted"),
        ("azure.sql", "Azure SQL Database", "container"),
        ("azure.key-vault", "Azure Key Vault", "abstracted"),
        ("azure.virtual-machines", "Azure Virtual Machines", "infrastructure"),
    ];
    let mut csv = String::from("key,name,provider,category,source,note\n");
    for (key, name, category) in offerings {
        let n = env.count(&format!("SELECT count(*) FROM offering WHERE key = '{key}'"));
        if n == 0 {
            csv.push_str(&format!("{key},{name},azure,{category},judgement,test offering\n"));
        }
    }
    if csv.lines().count() > 1 {
        let file = env.file("azure-offerings.csv", csv);
        env.run(["offering", "import", file.to_str().expect("path")]).success();
    }
    for (service, offering) in [
        ("blobs", "azure.storage"),
        ("ledger", "azure.sql"),
        ("vault", "azure.key-vault"),
        ("linux-vm", "azure.virtual-machines"),
    ] {
        env.run(["service", "add", service, "--offering", offering, "--team", "platform"])
            .success();
    }
}

#[test]
fn azure_baselines_through_the_benchmark_crosswalk() {
    let env = estate();
    azure(&env);
    // A baseline needs the benchmark's crosswalk first.
    rejects_unchanged(
        &env,
        &[
            "provider",
            "import",
            &baseline("storage"),
            "--provider",
            "azure",
            "--offering",
            "azure.storage",
        ],
        "import its workbook first",
    );
    env.run(["provider", "import", &fixture(MCSB), "--provider", "azure"])
        .success();
    // MCSB NS-1 -> rev4 AC-4, SC-2, SC-7, carried to rev5 by id, as intersect.
    let maps = env.count(
        "SELECT count(*) FROM control_mapping m JOIN control s ON s.id = m.source_control_id
         JOIN control t ON t.id = m.target_control_id
         WHERE s.key = 'NS-1' AND t.key IN ('AC-4', 'SC-2', 'SC-7') AND m.relationship = 'intersect'",
    );
    assert_eq!(maps, 3);
    assert_eq!(
        env.count("SELECT count(*) FROM control c JOIN catalog k ON k.id = c.catalog_id WHERE k.key = 'mcsb'"),
        86
    );
    for (prefix, offering) in [
        ("storage", "azure.storage"),
        ("azure-sql", "azure.sql"),
        ("key-vault", "azure.key-vault"),
        ("virtual-machines-linux virtual machines", "azure.virtual-machines"),
    ] {
        env.run([
            "provider",
            "import",
            &baseline(prefix),
            "--provider",
            "azure",
            "--offering",
            offering,
        ])
        .success();
    }
    // Storage: DP-3 (in transit) is Microsoft's -> SC-8 inherited; NS-2 Customer -> AC-4 customer;
    // IM-1 / PA-7 mix Microsoft and Customer rows -> AC-2 shared.
    assert_eq!(value(&env, "SC-8", "blobs"), pair("inherited", "provider"));
    assert_eq!(value(&env, "AC-4", "blobs"), pair("customer", "provider"));
    assert_eq!(value(&env, "AC-2", "blobs"), pair("shared", "provider"));
    // SQL: BR-1 backups are Microsoft's -> CP-9 inherited; AC-6 customer; SC-28 shared.
    assert_eq!(value(&env, "CP-9", "ledger"), pair("inherited", "provider"));
    assert_eq!(value(&env, "AC-6", "ledger"), pair("customer", "provider"));
    assert_eq!(value(&env, "SC-28", "ledger"), pair("shared", "provider"));
    // Key Vault: IA-2 inherited, AC-4 customer, AC-2 shared.
    assert_eq!(value(&env, "IA-2", "vault"), pair("inherited", "provider"));
    assert_eq!(value(&env, "AC-4", "vault"), pair("customer", "provider"));
    assert_eq!(value(&env, "AC-2", "vault"), pair("shared", "provider"));
    // Linux VMs: the customer patches (SI-2) and encrypts in transit (SC-8); AC-2 shared.
    assert_eq!(value(&env, "SI-2", "linux-vm"), pair("customer", "provider"));
    assert_eq!(value(&env, "SC-8", "linux-vm"), pair("customer", "provider"));
    assert_eq!(value(&env, "AC-2", "linux-vm"), pair("shared", "provider"));
    // A control no baseline row reaches keeps the category rule.
    assert_eq!(value(&env, "PE-3", "blobs").1, "rule");
    // Statements name the sheet and row, and Shared rows link responsibility to provided.
    let v = show(&env, "SC-28", "ledger");
    let statements = v["provider_statements"].as_array().expect("statements");
    assert!(statements.iter().all(|s| {
        s["location"]
            .as_str()
            .is_some_and(|l| l.starts_with("sheet \"Feature Summary\" row "))
    }));
    let docs = env.json(["provider", "documents", "--json"]);
    assert_eq!(crate::common::count(&docs), Some(4));
    assert!(
        docs.as_array()
            .expect("docs")
            .iter()
            .all(|d| d["kind"] == "azure-baseline")
    );
}

#[test]
fn reimport_replaces_and_reports_what_moved() {
    let env = estate();
    env.run([
        "provider",
        "import",
        &fixture(TRESTLE),
        "--provider",
        "aws",
        "--offering",
        "aws.rds",
    ])
    .success();
    // The same file again changes nothing.
    let before = env.fingerprint();
    let again = env.json([
        "provider",
        "import",
        &fixture(TRESTLE),
        "--provider",
        "aws",
        "--offering",
        "aws.rds",
        "--json",
    ]);
    assert_eq!(again["unchanged"], true);
    assert_eq!(env.fingerprint(), before);
    // A newer version: the customer's responsibilities for ac-2 are gone, ac-1 is gone.
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(fixture(TRESTLE)).expect("read")).expect("json");
    let reqs = doc["system-security-plan"]["control-implementation"]["implemented-requirements"]
        .as_array_mut()
        .expect("requirements");
    reqs.remove(0);
    for b in reqs[0]["statements"][0]["by-components"].as_array_mut().expect("by") {
        if let Some(e) = b["export"].as_object_mut() {
            e.remove("responsibilities");
        }
    }
    doc["system-security-plan"]["metadata"]["version"] = Value::from("1.0.1");
    let newer = env.file("leveraged-v2.json", serde_json::to_vec_pretty(&doc).expect("json"));
    let done = env.json([
        "provider",
        "import",
        newer.to_str().expect("path"),
        "--provider",
        "aws",
        "--offering",
        "aws.rds",
        "--json",
    ]);
    assert_eq!(done["replaced"], serde_json::json!([1]));
    let moved: Vec<(String, String, String)> = done["moved"]
        .as_array()
        .expect("moved")
        .iter()
        .map(|m| {
            (
                m["control"].as_str().unwrap_or_default().to_string(),
                m["from"].as_str().unwrap_or("-").to_string(),
                m["to"].as_str().unwrap_or("-").to_string(),
            )
        })
        .collect();
    assert_eq!(
        moved,
        [
            ("AC-1".to_string(), "inherited".to_string(), "-".to_string()),
            ("AC-2".to_string(), "shared".to_string(), "inherited".to_string()),
        ]
    );
    assert_eq!(value(&env, "AC-2", "orders-db"), pair("inherited", "provider"));
    assert_eq!(value(&env, "AC-1", "orders-db").1, "rule");
    // One document remains; the old one is gone with its statements.
    let docs = env.json(["provider", "documents", "--json"]);
    assert_eq!(crate::common::count(&docs), Some(1));
    assert_eq!(docs[0]["version"], "1.0.1");
    assert_eq!(
        env.count("SELECT count(*) FROM provider_statement WHERE document_id = 1"),
        0
    );
    // The text report names the moves.
    let out = env
        .run([
            "provider",
            "import",
            &fixture(TRESTLE),
            "--provider",
            "aws",
            "--offering",
            "aws.rds",
        ])
        .success()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8_lossy(&out).to_string();
    assert!(out.contains("AC-2 on aws.rds: inherited -> shared"), "{out}");
    assert!(out.contains("AC-1 on aws.rds: (not stated) -> inherited"), "{out}");
}

/// A copy of the trestle SSP changed by `edit`.
fn edited(env: &Env, name: &str, edit: impl FnOnce(&mut Value)) -> String {
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(fixture(TRESTLE)).expect("read")).expect("json");
    edit(&mut doc);
    let path = env.file(name, serde_json::to_vec_pretty(&doc).expect("json"));
    path.to_str().expect("path").to_string()
}

fn workbook(env: &Env, name: &str, sheets: &[(&str, &[&[&str]])]) -> String {
    let mut book = rust_xlsxwriter::Workbook::new();
    for (sheet, rows) in sheets {
        let ws = book.add_worksheet();
        ws.set_name(*sheet).expect("name");
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                ws.write_string(r as u32, c as u16, *cell).expect("cell");
            }
        }
    }
    let path = env.path().join(name);
    book.save(&path).expect("save");
    path.to_str().expect("path").to_string()
}

#[test]
fn bad_input_is_refused_whole() {
    let env = estate();
    azure(&env);
    env.run(["provider", "import", &fixture(MCSB), "--provider", "azure"])
        .success();
    env.run([
        "provider",
        "import",
        &fixture(TRESTLE),
        "--provider",
        "aws",
        "--offering",
        "aws.rds",
    ])
    .success();
    let no_export = edited(&env, "no-export.json", |d| {
        for req in d["system-security-plan"]["control-implementation"]["implemented-requirements"]
            .as_array_mut()
            .expect("reqs")
        {
            let strip = |list: Option<&mut Value>| {
                for b in list.and_then(Value::as_array_mut).into_iter().flatten() {
                    b.as_object_mut().map(|o| o.remove("export"));
                }
            };
            strip(req.get_mut("by-components"));
            for st in req
                .get_mut("statements")
                .and_then(Value::as_array_mut)
                .into_iter()
                .flatten()
            {
                strip(st.get_mut("by-components"));
            }
        }
    });
    let empty_export = edited(&env, "empty-export.json", |d| {
        for req in d["system-security-plan"]["control-implementation"]["implemented-requirements"]
            .as_array_mut()
            .expect("reqs")
        {
            let empty = |list: Option<&mut Value>| {
                for b in list.and_then(Value::as_array_mut).into_iter().flatten() {
                    if let Some(e) = b.get_mut("export").and_then(Value::as_object_mut) {
                        e.remove("provided");
                        e.remove("responsibilities");
                    }
                }
            };
            empty(req.get_mut("by-components"));
            for st in req
                .get_mut("statements")
                .and_then(Value::as_array_mut)
                .into_iter()
                .flatten()
            {
                empty(st.get_mut("by-components"));
            }
        }
    });
    let dangling = edited(&env, "dangling.json", |d| {
        d["system-security-plan"]["control-implementation"]["implemented-requirements"][1]["statements"][0]["by-components"]
            [1]["export"]["responsibilities"][0]["provided-uuid"] = Value::from("99999999-0000-4000-9009-002001002001");
    });
    let unknown_control = edited(&env, "unknown-control.json", |d| {
        d["system-security-plan"]["control-implementation"]["implemented-requirements"][2]["control-id"] =
            Value::from("zz-99");
    });
    let other_sheets = workbook(&env, "other.xlsx", &[("Summary", &[&["a", "b"]])]);
    let bad_header = workbook(
        &env,
        "bad-header.xlsx",
        &[
            ("Security Profile", &[&["Behavior Attribute", "Description", "Value"]]),
            (
                "Feature Summary",
                &[&["Control Domain", "Control", "ASB Control Title"]],
            ),
        ],
    );
    let mut row: Vec<&str> = vec![
        "Network Security",
        "NS-1",
        "t",
        "g",
        "Customer",
        "f",
        "d",
        "True",
        "False",
        "None",
        "None",
        "None",
    ];
    let header: Vec<&str> = vec![
        "Control Domain",
        "ASB Control ID",
        "ASB Control Title",
        "Guidance",
        "Responsibility",
        "Feature Name",
        "Feature Description",
        "Feature Supported",
        "Feature Enabled by Default",
        "Feature Reference",
        "Feature Notes",
        "Guidance Notes",
    ];
    let good_row = row.clone();
    row[4] = "Somebody";
    let bad_value = workbook(
        &env,
        "bad-value.xlsx",
        &[
            ("Security Profile", &[&["Behavior Attribute", "Description", "Value"]]),
            ("Feature Summary", &[&header, &good_row, &row]),
        ],
    );
    let trestle = fixture(TRESTLE);
    let storage = baseline("storage");
    let awslabs = fixture(AWSLABS);
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "provider",
                "import",
                &no_export,
                "--provider",
                "aws",
                "--offering",
                "aws.rds",
            ],
            "implemented-requirements: no by-components[].export",
        ),
        (
            vec![
                "provider",
                "import",
                &dangling,
                "--provider",
                "aws",
                "--offering",
                "aws.rds",
            ],
            "implemented-requirements[1].statements[0].by-components[1].export.responsibilities[0].provided-uuid: \"99999999",
        ),
        (
            vec![
                "provider",
                "import",
                &unknown_control,
                "--provider",
                "aws",
                "--offering",
                "aws.rds",
            ],
            "implemented-requirements[2].by-components[0].export.provided[0]: control \"zz-99\" is not in catalogue nist-800-53",
        ),
        (
            vec![
                "provider",
                "import",
                &awslabs,
                "--provider",
                "aws",
                "--offering",
                "aws.s3",
            ],
            "control \"S3.1\" is not in catalogue nist-800-53",
        ),
        (
            vec![
                "provider",
                "import",
                &other_sheets,
                "--provider",
                "azure",
                "--offering",
                "azure.storage",
            ],
            "other.xlsx: sheet \"Summary\"",
        ),
        (
            vec![
                "provider",
                "import",
                &bad_header,
                "--provider",
                "azure",
                "--offering",
                "azure.storage",
            ],
            "sheet \"Feature Summary\" row 1 column B: expected header \"ASB Control ID\"",
        ),
        (
            vec![
                "provider",
                "import",
                &bad_value,
                "--provider",
                "azure",
                "--offering",
                "azure.storage",
            ],
            "sheet \"Feature Summary\" row 3 column E: responsibility \"Somebody\"",
        ),
        (
            vec![
                "provider",
                "import",
                &trestle,
                "--provider",
                "aws",
                "--offering",
                "aws.nope",
            ],
            "offering \"aws.nope\"",
        ),
        (
            vec![
                "provider",
                "import",
                &storage,
                "--provider",
                "azure",
                "--offering",
                "aws.rds",
            ],
            "--offering aws.rds: it is aws's offering, not azure's",
        ),
        (
            vec!["provider", "import", &trestle, "--provider", "nobody"],
            "provider \"nobody\"",
        ),
        (
            vec!["provider", "import", &trestle, "--provider", "aws", "--catalog", "nope"],
            "catalog \"nope\"",
        ),
        (
            vec!["provider", "import", "missing.json", "--provider", "aws"],
            "missing.json",
        ),
        (vec!["provider", "remove", "99"], "no provider document 99"),
        (
            vec!["provider", "import", &storage, "--provider", "azure"],
            "an Azure security baseline speaks for one service: name its offering with --offering",
        ),
        (
            vec![
                "provider",
                "import",
                &empty_export,
                "--provider",
                "aws",
                "--offering",
                "aws.rds",
            ],
            "hold no provided[] or responsibilities[]",
        ),
    ];
    for (args, message) in cases {
        rejects_unchanged(&env, &args, message);
    }
}

#[test]
fn ssp_export_links_inherited_and_satisfied_to_the_providers_statements() {
    let env = estate();
    env.run([
        "provider",
        "import",
        &fixture(TRESTLE),
        "--provider",
        "aws",
        "--offering",
        "aws.rds",
    ])
    .success();
    let out = env.path().join("ssp.json");
    env.run([
        "export",
        "oscal-ssp",
        "--catalog",
        "nist-800-53",
        "--out",
        out.to_str().expect("path"),
    ])
    .success();
    let doc: Value = serde_json::from_slice(&std::fs::read(&out).expect("ssp")).expect("json");
    assert_eq!(
        crate::common::schema_errors("oscal_ssp_schema.json", &doc),
        Vec::<String>::new()
    );
    let ssp = &doc["system-security-plan"];
    let reqs = ssp["control-implementation"]["implemented-requirements"]
        .as_array()
        .expect("requirements");
    let by = |id: &str| -> Value {
        let req = reqs.iter().find(|r| r["control-id"] == id).expect("requirement");
        req["by-components"]
            .as_array()
            .expect("by")
            .iter()
            .find(|b| {
                b["props"]
                    .as_array()
                    .is_some_and(|p| p.iter().any(|p| p["name"] == "provenance" && p["value"] == "provider"))
            })
            .cloned()
            .expect("a by-component decided by the provider")
    };
    let links = |b: &Value, list: &str, key: &str| -> Vec<String> {
        let mut out: Vec<String> = b[list]
            .as_array()
            .map(|l| l.iter().filter_map(|e| e[key].as_str().map(str::to_string)).collect())
            .unwrap_or_default();
        out.sort();
        out
    };
    let ac1 = by("ac-1");
    assert_eq!(
        links(&ac1, "inherited", "provided-uuid"),
        [
            "11111111-0000-4000-9009-001001002006",
            "11111111-0000-4000-9009-001002002001"
        ]
    );
    assert!(ac1.get("satisfied").is_none(), "ac-1 is the provider's alone");
    let ac2 = by("ac-2");
    assert_eq!(
        links(&ac2, "inherited", "provided-uuid"),
        ["11111111-0000-4000-9009-002001002001"]
    );
    assert_eq!(
        links(&ac2, "satisfied", "responsibility-uuid"),
        [
            "11111111-0000-4000-9009-002001001001",
            "11111111-0000-4000-9009-002001002002"
        ]
    );
    let text = ac2["satisfied"][0]["description"].as_str().unwrap_or_default();
    assert!(text.contains("Leveraging system's responsibilities"), "{text}");
    // The by-component links to the document in the back matter, which names its hash.
    let href = ac2["links"][0]["href"]
        .as_str()
        .expect("link")
        .trim_start_matches('#')
        .to_string();
    let resource = ssp["back-matter"]["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .find(|r| r["uuid"] == href.as_str())
        .cloned()
        .expect("the document's resource");
    assert_eq!(resource["title"], "Example Leveraged System Security Plan");
    let sha = env.json(["provider", "documents", "--json"])[0]["sha256"].clone();
    assert!(
        resource["props"]
            .as_array()
            .expect("props")
            .iter()
            .any(|p| p["value"] == sha)
    );
    // The provider is a leveraged authorization the service component points at.
    let leveraged = ssp["system-implementation"]["leveraged-authorizations"]
        .as_array()
        .expect("leveraged");
    assert!(!leveraged.is_empty());
    // The CRM names the provider's document and quotes the customer's part.
    let crm = env.path().join("crm.csv");
    env.run([
        "export",
        "crm",
        "--catalog",
        "nist-800-53",
        "--out",
        crm.to_str().expect("path"),
    ])
    .success();
    let crm = std::fs::read_to_string(&crm).expect("crm");
    let ac2 = crm.lines().find(|l| l.starts_with("AC-2,")).expect("AC-2 row");
    assert!(ac2.contains("Partial"), "{ac2}");
    assert!(
        ac2.contains("provider document \"\"Example Leveraged System Security Plan\"\""),
        "{ac2}"
    );
    assert!(ac2.contains("what the customer must do"), "{ac2}");
}
