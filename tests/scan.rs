//! Scanner results as evidence: `scan import` of every format, mapping to controls (by the
//! finding, by a check map) and to services (by resource patterns), idempotence, supersession,
//! expiry, review, what gaps make of it, and bad input refused with nothing changed.

use std::path::PathBuf;

use serde_json::{Value, json};

use crate::common::{Env, pluck, rejects_unchanged};

fn fixture(path: &str) -> String {
    format!("{}/tests/fixtures/scanners/{path}", env!("CARGO_MANIFEST_DIR"))
}

fn nist() -> String {
    format!(
        "{}/tests/fixtures/oscal/NIST_SP-800-53_rev5.0.1_catalog.json",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// The files in the evidence store (not its directories).
fn stored_files(env: &Env) -> Vec<PathBuf> {
    fn walk(dir: &std::path::Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(&PathBuf::from(format!("{}.evidence", env.db.display())), &mut out);
    out.sort();
    out
}

/// An estate with the SP 800-53 catalogue, team data, orders-db (RDS) owning the orders
/// databases, bucket (S3) owning the logs buckets, and web (EC2) with no patterns.
fn estate() -> Env {
    let env = Env::init();
    env.run(["catalog", "import", &nist(), "--key", "nist-800-53"])
        .success();
    env.setup(&[
        &["team", "add", "data"],
        &[
            "service",
            "add",
            "orders-db",
            "--offering",
            "aws.rds",
            "--team",
            "data",
            "--resource",
            "arn:aws:rds:*:111122223333:db:orders-*",
        ],
        &[
            "service",
            "add",
            "bucket",
            "--offering",
            "aws.s3",
            "--team",
            "data",
            "--resource",
            "arn:aws:s3:::logs-*",
        ],
        &["service", "add", "web", "--offering", "aws.ec2", "--team", "data"],
    ]);
    env
}

/// One consolidated Security Hub control finding.
fn finding(id: &str, control: &str, resource: &str, status: &str, at: &str, related: &[&str]) -> Value {
    json!({
        "SchemaVersion": "2018-10-08",
        "Id": id,
        "ProductArn": "arn:aws:securityhub:eu-west-1::product/aws/securityhub",
        "ProductName": "Security Hub",
        "GeneratorId": format!("security-control/{control}"),
        "AwsAccountId": "111122223333",
        "Types": ["Software and Configuration Checks/Industry and Regulatory Standards"],
        "FirstObservedAt": at,
        "LastObservedAt": at,
        "CreatedAt": at,
        "UpdatedAt": at,
        "Severity": {"Label": "MEDIUM"},
        "Title": format!("{control} check"),
        "Resources": [{"Type": "Other", "Id": resource, "Region": "eu-west-1"}],
        "Compliance": {
            "Status": status,
            "SecurityControlId": control,
            "RelatedRequirements": related,
        },
        "RecordState": "ACTIVE",
        "Workflow": {"Status": "NEW"},
    })
}

fn asff(findings: &[Value]) -> String {
    serde_json::to_string_pretty(&json!({ "Findings": findings })).expect("json")
}

const DB1: &str = "arn:aws:rds:eu-west-1:111122223333:db:orders-1";
const LOGS: &str = "arn:aws:s3:::logs-2026";
const ACCOUNT: &str = "AWS::::Account:111122223333";

/// A November scan: IAM.6 fails on orders-1 (AC-2(4) and AC-2 part d.1), S3.5 passes on the logs
/// bucket (SC-8), PE check fails on the account (PE-3), one finding names PCI only.
fn november() -> String {
    asff(&[
        finding(
            "f-1",
            "IAM.6",
            DB1,
            "FAILED",
            "2026-11-20T10:00:00Z",
            &[
                "NIST.800-53.r5 AC-2(4)",
                "NIST.800-53.r5 AC-2(d)(1)",
                "PCI DSS v3.2.1/8.3.1",
            ],
        ),
        finding(
            "f-2",
            "S3.5",
            LOGS,
            "PASSED",
            "2026-11-20T10:00:00Z",
            &["NIST.800-53.r5 SC-8"],
        ),
        finding(
            "f-3",
            "PE.1",
            ACCOUNT,
            "FAILED",
            "2026-11-20T10:00:00Z",
            &["NIST.800-53.r5 PE-3"],
        ),
        finding(
            "f-4",
            "PCI.1",
            DB1,
            "WARNING",
            "2026-11-20T10:00:00Z",
            &["PCI DSS 10.2.1"],
        ),
    ])
}

fn observations(env: &Env, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["observation", "list", "--json"];
    all.extend_from_slice(args);
    env.json(all).as_array().expect("array").clone()
}

#[test]
fn a_scan_maps_findings_to_controls_and_services_and_lists_what_it_could_not() {
    let env = estate();
    let file = env.file("nov.json", november());
    let out = env.run(["scan", "import", file.to_str().expect("path")]).success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(text.contains("as scan 1 (evidence 1"), "{text}");
    assert!(text.contains("1 passed, 2 failed, 1 manual"), "{text}");
    assert!(
        text.contains("1 findings name no control of the catalogue; 1 on resources no service claims"),
        "{text}"
    );

    let rows = observations(&env, &[]);
    let summary: Vec<(String, String, String, String)> = rows
        .iter()
        .map(|o| {
            (
                o["control"].as_str().unwrap_or("-").to_string(),
                o["service"].as_str().unwrap_or("-").to_string(),
                o["status"].as_str().expect("status").to_string(),
                o["mapping"].as_str().expect("mapping").to_string(),
            )
        })
        .collect();
    let expect = |c: &str, s: &str, st: &str, m: &str| (c.to_string(), s.to_string(), st.to_string(), m.to_string());
    let want = vec![
        expect("AC-2", "orders-db", "failed", "finding:Compliance.RelatedRequirements"),
        expect(
            "AC-2(4)",
            "orders-db",
            "failed",
            "finding:Compliance.RelatedRequirements",
        ),
        expect("PE-3", "-", "failed", "finding:Compliance.RelatedRequirements"),
        expect("SC-8", "bucket", "passed", "finding:Compliance.RelatedRequirements"),
        expect("-", "orders-db", "manual", "unmapped"),
    ];
    let mut got = summary.clone();
    got.sort();
    let mut want_sorted = want.clone();
    want_sorted.sort();
    assert_eq!(got, want_sorted);
    // The statement part is kept as a note on the control it rolls up to.
    let ac2 = rows.iter().find(|o| o["control"] == "AC-2").expect("AC-2");
    assert_eq!(ac2["part"], "d.1");
    assert_eq!(ac2["check"], "IAM.6");
    assert_eq!(ac2["resource"], DB1);
    assert_eq!(ac2["source_status"], "FAILED");

    // The account-wide finding and the unmapped one are listed, never dropped.
    let unmapped = env.json(["scan", "show", "1", "--unmapped", "--json"]);
    let resources: Vec<Value> = pluck(&unmapped["observations"], "resource");
    assert_eq!(resources.len(), 2, "{unmapped}");
    assert!(resources.contains(&json!("aws-account:111122223333")));
    assert_eq!(unmapped["scan"]["unmapped_resources"], 1);
    assert_eq!(unmapped["scan"]["unmapped_controls"], 1);
    assert_eq!(unmapped["scan"]["tool"], "Security Hub");
    assert_eq!(unmapped["scan"]["format"], "asff");

    // Filters.
    let failed = observations(&env, &["--status", "failed", "--service", "orders-db"]);
    assert_eq!(
        pluck(&Value::Array(failed), "control"),
        [json!("AC-2"), json!("AC-2(4)")]
    );
    let on = observations(&env, &["--control", "SC-8"]);
    assert_eq!(on.len(), 1);
    let manual = env.json(["scan", "show", "1", "--manual", "--json"]);
    assert_eq!(pluck(&manual["observations"], "check"), [json!("PCI.1")]);

    // One evidence item of kind scan, its file in the store by hash.
    let e = env.json(["evidence", "show", "1", "--json"]);
    let text = e.to_string();
    assert!(text.contains("\"kind\":\"scan\""), "{text}");
    assert_eq!(stored_files(&env).len(), 1);
    assert_eq!(env.count("SELECT count(*) FROM evidence"), 1);
    assert_eq!(env.count("SELECT collected_on = '2026-11-20' FROM evidence"), 1);
}

#[test]
fn importing_the_same_file_twice_changes_nothing_and_says_so() {
    let env = estate();
    let file = env.file("nov.json", november());
    env.run(["scan", "import", file.to_str().expect("path")]).success();
    let before = env.fingerprint();
    let files = stored_files(&env);
    let out = env
        .run(["scan", "import", file.to_str().expect("path"), "--expires", "30d"])
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(text.contains("already imported as scan 1"), "{text}");
    assert!(text.contains("nothing changed"), "{text}");
    assert_eq!(env.fingerprint(), before);
    assert_eq!(stored_files(&env), files);
}

#[test]
fn a_newer_scan_supersedes_older_observations_of_the_same_check_and_resource() {
    let env = estate();
    let nov = env.file("nov.json", november());
    let dec = env.file(
        "dec.json",
        asff(&[finding(
            "f-9",
            "IAM.6",
            DB1,
            "PASSED",
            "2026-12-20T10:00:00Z",
            &["NIST.800-53.r5 AC-2(4)"],
        )]),
    );
    let oct = env.file(
        "oct.json",
        asff(&[finding(
            "f-0",
            "IAM.6",
            DB1,
            "FAILED",
            "2026-10-20T10:00:00Z",
            &["NIST.800-53.r5 AC-2(4)"],
        )]),
    );
    env.run(["scan", "import", nov.to_str().expect("path")]).success();
    env.run(["scan", "import", dec.to_str().expect("path")])
        .success()
        .stdout(predicates::str::contains("superseded 2 older observations"));
    // An older scan imported late is superseded from the start.
    env.run(["scan", "import", oct.to_str().expect("path")]).success();
    let current = observations(&env, &["--control", "AC-2(4)"]);
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["status"], "passed");
    assert_eq!(current[0]["scan"], 2);
    let all = observations(&env, &["--control", "AC-2(4)", "--all"]);
    let superseded: Vec<Value> = pluck(&Value::Array(all), "superseded_by");
    assert_eq!(superseded, [json!(2), json!(null), json!(2)]);
    // Other checks of the November scan stay current.
    assert_eq!(observations(&env, &["--control", "SC-8"]).len(), 1);
    assert!(
        observations(
            &env,
            &["--status", "failed", "--service", "orders-db", "--control", "AC-2(4)"]
        )
        .is_empty()
    );
}

#[test]
fn an_accepted_unexpired_scan_is_evidence_and_its_failures_are_gaps() {
    let env = estate();
    let file = env.file("nov.json", november());
    env.run([
        "scan",
        "import",
        file.to_str().expect("path"),
        "--collected",
        "2026-11-21",
        "--expires",
        "30d",
    ])
    .success();
    assert_eq!(
        env.count("SELECT valid_until = '2026-12-21' FROM evidence WHERE id = 1"),
        1
    );
    let gaps = |today: &str| -> Vec<Value> {
        let out = env
            .run(["gaps", "--catalog", "nist-800-53", "--json", "--today", today])
            .code(1)
            .get_output()
            .stdout
            .clone();
        serde_json::from_slice::<Value>(&out)
            .expect("json")
            .as_array()
            .expect("array")
            .clone()
    };
    let of = |list: &[Value], kind: &str, control: &str, service: Option<&str>| -> Vec<Value> {
        list.iter()
            .filter(|g| g["kind"] == kind && g["control"] == control && g["service"] == json!(service))
            .cloned()
            .collect()
    };
    // Pending: not evidence yet, but its failure is already a finding.
    let pending = gaps("2026-12-01");
    assert_eq!(of(&pending, "no-evidence", "SC-8", Some("bucket")).len(), 1);
    let failed = of(&pending, "failed-check", "AC-2(4)", Some("orders-db"));
    assert_eq!(failed.len(), 1, "{pending:?}");
    let detail = failed[0]["detail"].as_str().expect("detail");
    assert!(
        detail.contains("IAM.6") && detail.contains(DB1) && detail.contains("scan 1"),
        "{detail}"
    );
    // The manual check is what still needs evidence by hand; the PE-3 failure on the account is
    // the provider's (PE-3 is inherited everywhere), so no gap.
    assert!(pending.iter().all(|g| g["control"] != "PE-3"));

    // The submitter cannot accept; a reviewer can.
    env.run(["evidence", "review", "1", "--accept"]).code(2);
    env.run_as(
        "bob",
        [
            "evidence",
            "review",
            "1",
            "--accept",
            "--note",
            "Security Hub export for Nov",
        ],
    )
    .success();
    let accepted = gaps("2026-12-01");
    assert!(
        of(&accepted, "no-evidence", "SC-8", Some("bucket")).is_empty(),
        "a pass supports SC-8"
    );
    assert!(of(&accepted, "no-evidence", "AC-2(4)", Some("orders-db")).is_empty());
    assert_eq!(of(&accepted, "failed-check", "AC-2(4)", Some("orders-db")).len(), 1);
    assert_eq!(of(&accepted, "expiring-evidence", "SC-8", Some("bucket")).len(), 1);
    env.run(["status", "--catalog", "nist-800-53", "--today", "2026-12-01"])
        .success()
        .stdout(predicates::str::contains("checks       2 failed"));
    // Not on a pair it did not observe.
    assert_eq!(of(&accepted, "no-evidence", "SC-8", Some("orders-db")).len(), 1);
    // Expired: no longer evidence, and its failures are no longer current.
    let expired = gaps("2026-12-22");
    assert_eq!(of(&expired, "no-evidence", "SC-8", Some("bucket")).len(), 1);
    assert!(of(&expired, "failed-check", "AC-2(4)", Some("orders-db")).is_empty());
    // A pass never makes a control satisfied: results stay the assessor's.
    assert_eq!(env.count("SELECT count(*) FROM evaluation_result"), 0);
}

#[test]
fn resource_patterns_are_added_listed_and_imported() {
    let env = estate();
    env.run([
        "service",
        "resource",
        "add",
        "orders-db",
        "arn:aws:rds:eu-west-1:111122223333:cluster:orders",
        "aws-account:111122223333",
    ])
    .success();
    let list = env.json(["service", "resource", "list", "--service", "orders-db", "--json"]);
    assert_eq!(
        pluck(&list, "pattern"),
        [
            json!("arn:aws:rds:*:111122223333:db:orders-*"),
            json!("arn:aws:rds:eu-west-1:111122223333:cluster:orders"),
            json!("aws-account:111122223333"),
        ]
    );
    let csv = env.file(
        "services.csv",
        "name,offering,team,resources\nqueue,aws.sqs,data,arn:aws:sqs:*:111122223333:orders-*; arn:aws:sqs:*:111122223333:dlq\n",
    );
    env.run(["service", "import", csv.to_str().expect("path")]).success();
    let list = env.json(["service", "resource", "list", "--service", "queue", "--json"]);
    assert_eq!(list.as_array().map(Vec::len), Some(2));
    // The account pattern now claims the account-wide finding.
    let file = env.file("nov.json", november());
    env.run(["scan", "import", file.to_str().expect("path")]).success();
    let pe = observations(&env, &["--control", "PE-3"]);
    assert_eq!(pe[0]["service"], "orders-db");
}

#[test]
fn check_maps_map_findings_that_name_no_control() {
    let env = estate();
    env.run([
        "check-map",
        "import",
        &fixture("prowler/nist_800_53_revision_5_aws.json"),
        "--catalog",
        "nist-800-53",
    ])
    .success()
    .stdout(predicates::str::contains("added"))
    .stdout(predicates::str::contains("CP-1(2) (first at $.Requirements[128]"));
    let rows = env.json(["check-map", "list", "--check", "iam_root_mfa_enabled", "--json"]);
    assert!(rows.as_array().is_some_and(|r| !r.is_empty()), "{rows}");
    assert!(
        pluck(&rows, "source_file")
            .iter()
            .all(|f| f == "nist_800_53_revision_5_aws.json"),
        "{rows}"
    );
    let csv = env.file(
        "my-checks.csv",
        "check,control,relationship,rationale\nS3.99,SC-28,subset,encryption at rest of buckets\n",
    );
    env.run([
        "check-map",
        "import",
        csv.to_str().expect("path"),
        "--catalog",
        "nist-800-53",
    ])
    .success();
    let mine = env.json(["check-map", "list", "--control", "SC-28", "--json"]);
    let mine: Vec<&Value> = mine
        .as_array()
        .expect("array")
        .iter()
        .filter(|r| r["check"] == "S3.99")
        .collect();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["relationship"], "subset");
    assert_eq!(mine[0]["rationale"], "encryption at rest of buckets");

    let file = env.file(
        "s3.json",
        asff(&[finding("f-1", "S3.99", LOGS, "FAILED", "2026-11-20T10:00:00Z", &[])]),
    );
    env.run(["scan", "import", file.to_str().expect("path")]).success();
    let o = observations(&env, &["--control", "SC-28"]);
    assert_eq!(o.len(), 1);
    assert_eq!(o[0]["mapping"], "check-map:my-checks.csv");
    assert_eq!(o[0]["service"], "bucket");
}

/// What each sample file of every format holds, as its README describes it.
#[test]
fn every_fixture_format_imports() {
    let env = estate();
    // (file, format, findings, passed, failed, manual)
    let cases: &[(&str, &str, i64, i64, i64, i64)] = &[
        ("asff/asff_sample.json", "asff", 18, 1, 17, 0),
        ("asff/prowler-sample.asff-json", "asff", 10, 0, 10, 0),
        ("asff/afsbp-ec2.8.json", "asff", 1, 0, 1, 0),
        ("asff/afsbp-s3.2.json", "asff", 1, 1, 0, 0),
        ("prowler/example_output_aws.ocsf.json", "ocsf", 5, 0, 2, 3),
        ("prowler/example_output_aws.csv", "prowler-csv", 4, 0, 2, 2),
        (
            "hdf/asff-aws_foundational_security_best_practices_v1.0.0-hdf.json",
            "hdf",
            2,
            1,
            1,
            0,
        ),
        ("oscal/ifa_assessment-results-example.json", "oscal-ar", 1, 0, 1, 0),
    ];
    for (i, (file, format, findings, passed, failed, manual)) in cases.iter().enumerate() {
        env.run(["scan", "import", &fixture(file)]).success();
        let scan = env.json(["scan", "show", &(i + 1).to_string(), "--json"]);
        let s = &scan["scan"];
        assert_eq!(s["format"], *format, "{file}");
        assert_eq!(
            (&s["findings"], &s["passed"], &s["failed"], &s["manual"]),
            (&json!(findings), &json!(passed), &json!(failed), &json!(manual)),
            "{file}: {s}"
        );
    }
    // HDF names controls in tags.nist: AC-21(b) lands on AC-21, part b.
    let hdf = env.json(["scan", "show", "7", "--json"]);
    let controls: Vec<Value> = pluck(&hdf["observations"], "control");
    for c in ["AC-3", "AC-4", "AC-6", "AC-21", "SC-7", "SC-7(3)"] {
        assert!(controls.contains(&json!(c)), "{c} in {controls:?}");
    }
    // OSCAL: the finding's target ac-6.1_obj is AC-6(1), not satisfied.
    let ar = env.json(["scan", "show", "8", "--json"]);
    assert_eq!(pluck(&ar["observations"], "control"), [json!("AC-6(1)")]);
    assert_eq!(pluck(&ar["observations"], "status"), [json!("failed")]);
    // Every file is stored once, by hash.
    assert_eq!(stored_files(&env).len(), cases.len());
}

#[test]
fn bad_scans_are_refused_with_nothing_changed_and_nothing_stored() {
    let env = estate();
    let good = finding("f-1", "IAM.6", DB1, "FAILED", "2026-11-20T10:00:00Z", &[]);
    let without = |keys: &[&str]| {
        let mut f = good.clone();
        for key in keys {
            f.as_object_mut().expect("object").remove(*key);
        }
        asff(&[good.clone(), f])
    };
    let mut bad_status = good.clone();
    bad_status["Compliance"]["Status"] = json!("MAYBE");
    let mut bad_date = good.clone();
    for k in ["FirstObservedAt", "LastObservedAt", "CreatedAt", "UpdatedAt"] {
        bad_date[k] = json!("last tuesday");
    }
    let mut no_resource = good.clone();
    no_resource["Resources"] = json!([]);
    let truncated = asff(std::slice::from_ref(&good));
    let truncated = &truncated[..truncated.len() / 2];
    let cases: Vec<(&str, String, &str)> = vec![
        ("truncated.json", truncated.to_string(), "truncated.json"),
        ("shape.json", json!({"Findings": {"Id": 3}}).to_string(), "shape.json"),
        ("no-id.json", without(&["Id"]), "$.Findings[1]"),
        ("no-resource.json", asff(&[good.clone(), no_resource]), "$.Findings[1]"),
        ("no-status.json", without(&["Compliance", "Severity"]), "$.Findings[1]"),
        ("bad-status.json", asff(&[bad_status]), "$.Findings[0]"),
        ("bad-date.json", asff(&[bad_date]), "$.Findings[0]"),
        (
            "comma.csv",
            "CHECK_ID,STATUS,RESOURCE_UID\ns3_x,FAIL,arn\n".to_string(),
            "comma.csv",
        ),
        (
            "header.csv",
            "CHECK_ID;STATUS;FINDING_UID\ns3_x;FAIL;f-1\n".to_string(),
            "header.csv",
        ),
        ("unknown.json", json!({"hello": "world"}).to_string(), "unknown.json"),
        ("empty.json", String::new(), "empty.json"),
    ];
    for (name, text, message) in &cases {
        let path = env.file(name, text);
        rejects_unchanged(&env, &["scan", "import", path.to_str().expect("path")], message);
        assert!(stored_files(&env).is_empty(), "{name} left a file in the store");
    }
    let good_file = env.file("good.json", asff(std::slice::from_ref(&good)));
    let g = good_file.to_str().expect("path");
    for (args, message) in [
        (vec!["scan", "import", "missing.json"], "missing.json"),
        (vec!["scan", "import", g, "--catalog", "nope"], "--catalog"),
        (vec!["scan", "import", g, "--expires", "soon"], "--expires"),
        (
            vec![
                "scan",
                "import",
                g,
                "--collected",
                "2026-11-20",
                "--expires",
                "2026-11-01",
            ],
            "--expires",
        ),
        (vec!["scan", "import", g, "--format", "ocsf"], "good.json"),
        (vec!["scan", "import", g, "--format", "nessus"], "nessus"),
        (vec!["scan", "show", "9"], "unknown scan"),
        (
            vec!["service", "resource", "add", "orders-db", "arn:aws:s3:::[ab]"],
            "[ab]",
        ),
        (vec!["service", "resource", "add", "nope", "arn:aws:s3:::x"], "nope"),
        (
            vec!["service", "add", "x", "--offering", "aws.s3", "--resource", "a b"],
            "a b",
        ),
        (vec!["observation", "list", "--control", "XX-99"], "XX-99"),
    ] {
        rejects_unchanged(&env, &args, message);
        assert!(stored_files(&env).is_empty(), "{args:?} left a file in the store");
    }
    let bad_csv = env.file("services.csv", "name,offering,resources\nq,aws.sqs,arn:{a}\n");
    rejects_unchanged(
        &env,
        &["service", "import", bad_csv.to_str().expect("path")],
        "line 2, column \"resources\"",
    );
}

#[test]
fn check_maps_naming_unknown_controls_are_refused_naming_the_row() {
    let env = estate();
    let csv = env.file(
        "my-checks.csv",
        "check,control,relationship,rationale\nS3.1,SC-28,subset,ok\nS3.2,ZZ-9,subset,no such control\n",
    );
    rejects_unchanged(
        &env,
        &[
            "check-map",
            "import",
            csv.to_str().expect("path"),
            "--catalog",
            "nist-800-53",
        ],
        "my-checks.csv",
    );
    let stderr = env
        .run(["check-map", "import", csv.to_str().expect("path")])
        .code(2)
        .get_output()
        .stderr
        .clone();
    let stderr = String::from_utf8_lossy(&stderr);
    assert!(stderr.contains("line 3"), "{stderr}");
    assert_eq!(env.count("SELECT count(*) FROM check_map"), 0);
}

#[test]
fn live_reports_name_failed_checks_and_the_providers_scope() {
    use calamine::{Reader, Xlsx, open_workbook};
    let env = estate();
    let file = env.file(
        "nov.json",
        asff(&[
            finding(
                "f-1",
                "IAM.6",
                DB1,
                "FAILED",
                "2026-11-20T10:00:00Z",
                &["NIST.800-53.r5 AC-2(4)"],
            ),
            finding(
                "f-2",
                "PE.9",
                DB1,
                "FAILED",
                "2026-11-20T10:00:00Z",
                &["NIST.800-53.r5 PE-3"],
            ),
            finding(
                "f-3",
                "IAM.9",
                DB1,
                "WARNING",
                "2026-11-20T10:00:00Z",
                &["NIST.800-53.r5 AC-6"],
            ),
        ]),
    );
    env.run(["scan", "import", file.to_str().expect("path")]).success();
    let out = env.path().join("live.xlsx");
    env.run([
        "report",
        "--format",
        "xlsx",
        "--catalog",
        "nist-800-53",
        "--out",
        out.to_str().expect("path"),
        "--date",
        "2026-12-01",
    ])
    .success();
    let mut book: Xlsx<_> = open_workbook(&out).expect("xlsx");
    let findings = book.worksheet_range("Findings").expect("Findings");
    let rows: Vec<Vec<String>> = findings
        .rows()
        .map(|r| r.iter().map(ToString::to_string).collect())
        .collect();
    let find = |kind: &str, control: &str| rows.iter().find(|r| r[0] == kind && r[1] == control).cloned();
    let failed = find("failed-check", "AC-2(4)").expect("failed check on AC-2(4)");
    assert_eq!(failed[2], "orders-db");
    assert!(
        failed[3].contains("IAM.6") && failed[3].contains(DB1) && failed[3].contains("scan 1"),
        "{failed:?}"
    );
    let provider = find("provider-scope", "PE-3").expect("PE-3 is the provider's");
    assert!(provider[3].contains("PE.9"), "{provider:?}");
    assert!(find("failed-check", "PE-3").is_none(), "not the customer's gap");
    assert!(find("manual-check", "AC-6").is_some());
}
