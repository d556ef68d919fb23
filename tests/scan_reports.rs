//! Scanner results in reports and exports: the PDF's automated checks, the CSV and XLSX passed
//! and failed columns, the OSCAL assessment results' observations and findings, and the
//! observations a closed evaluation freezes.

use std::io::Cursor;
use std::path::PathBuf;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};

use crate::common::{Env, schema_errors, tool_output};

const DATE: &str = "2026-12-01";

fn fixture(path: &str) -> String {
    format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"))
}

/// The estate of `Env::estate` with SP 800-53 imported, S3 buckets claimed by `bucket` and the
/// account the Scout Suite sample scanned claimed by `web`, and two real scanner files imported
/// (MITRE's HDF of a Security Hub export, and Scout Suite's) and accepted by a reviewer:
///
/// - HDF: S3.2 passed on bucket `example-bucket-123456789123-us-east-1` (AC-3, AC-4, AC-6, AC-21,
///   SC-7, SC-7(3)); Config.1 failed on account 123456789123, claimed by nobody (RA-5, SA-11).
/// - Scout Suite: `cloudtrail-not-configured` failed on account 916481805664 (web), on AU-12;
///   seven other CloudTrail checks are manual there.
fn scanned() -> Env {
    let env = Env::estate();
    env.setup(&[
        &[
            "catalog",
            "import",
            &fixture("oscal/NIST_SP-800-53_rev5.0.1_catalog.json"),
            "--key",
            "nist-800-53",
        ],
        &["service", "resource", "add", "bucket", "arn:aws:s3:::*"],
        &["service", "resource", "add", "web", "aws-account:916481805664"],
    ]);
    for file in [
        "scanners/hdf/asff-aws_foundational_security_best_practices_v1.0.0-hdf.json",
        "scanners/hdf/scoutsuite-hdf.json",
    ] {
        env.run([
            "scan",
            "import",
            &fixture(file),
            "--catalog",
            "nist-800-53",
            "--collected",
            "2026-11-20",
        ])
        .success();
    }
    for evidence in ["1", "2"] {
        env.run_as("bob", ["evidence", "review", evidence, "--accept", "--note", "read"])
            .success();
    }
    env
}

/// Writes a report in `format` with `args` and returns its bytes.
fn report(env: &Env, name: &str, format: &str, args: &[&str]) -> Vec<u8> {
    let out = env.path().join(name);
    let _ = std::fs::remove_file(&out);
    let mut all = vec![
        "report",
        "--format",
        format,
        "--date",
        DATE,
        "--out",
        out.to_str().expect("path"),
    ];
    all.extend_from_slice(args);
    env.run(&all).success();
    std::fs::read(&out).expect("report written")
}

/// The CSV report's rows as (header -> cell) maps.
fn csv_rows(bytes: &[u8]) -> Vec<std::collections::HashMap<String, String>> {
    let mut reader = csv::Reader::from_reader(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes));
    let headers = reader.headers().expect("headers").clone();
    reader
        .records()
        .map(|r| {
            let r = r.expect("row");
            headers
                .iter()
                .map(str::to_string)
                .zip(r.iter().map(str::to_string))
                .collect()
        })
        .collect()
}

fn row<'a>(
    rows: &'a [std::collections::HashMap<String, String>],
    control: &str,
    service: Option<&str>,
) -> &'a std::collections::HashMap<String, String> {
    rows.iter()
        .find(|r| r["control"] == control && service.is_none_or(|s| r["service"] == s))
        .unwrap_or_else(|| panic!("no row for {control} {service:?}"))
}

/// A Security Hub finding in ASFF, as a scanner writes it.
fn asff(id: &str, check: &str, resource: &str, status: &str, controls: &[&str], at: &str) -> serde_json::Value {
    serde_json::json!({
        "SchemaVersion": "2018-10-08",
        "Id": format!("arn:aws:securityhub:us-east-1:123456789123:finding/{id}"),
        "ProductArn": "arn:aws:securityhub:us-east-1::product/aws/securityhub",
        "ProductName": "Security Hub",
        "GeneratorId": format!("aws-foundational-security-best-practices/v/1.0.0/{check}"),
        "AwsAccountId": "123456789123",
        "Types": ["Software and Configuration Checks"],
        "CreatedAt": at,
        "UpdatedAt": at,
        "Severity": { "Label": "HIGH" },
        "Title": format!("{check} check"),
        "Description": "A check of the bucket's public access.",
        "ProductFields": { "ControlId": check },
        "Resources": [{ "Type": "AwsS3Bucket", "Id": resource }],
        "Compliance": {
            "Status": status,
            "RelatedRequirements": controls.iter().map(|c| format!("NIST.800-53.r5 {c}")).collect::<Vec<_>>(),
        },
    })
}

/// Imports a newer Security Hub export saying S3.2 now fails on the sample bucket (AC-3), and
/// has it accepted.
fn newer_failure(env: &Env) -> PathBuf {
    let file = env.file(
        "newer.json",
        serde_json::to_vec(&serde_json::json!({ "Findings": [asff(
            "newer-1",
            "S3.2",
            "arn:aws:s3:::example-bucket-123456789123-us-east-1",
            "FAILED",
            &["AC-3"],
            "2026-12-02T08:00:00Z",
        )] }))
        .expect("json"),
    );
    env.run([
        "scan",
        "import",
        file.to_str().expect("path"),
        "--catalog",
        "nist-800-53",
        "--collected",
        "2026-12-02",
    ])
    .success();
    let scans = env.json(["scan", "list", "--json"]);
    let evidence = scans
        .as_array()
        .and_then(|l| l.last())
        .and_then(|s| s["evidence"].as_i64())
        .expect("the newest scan's evidence");
    env.run_as("bob", ["evidence", "review", &evidence.to_string(), "--accept"])
        .success();
    file
}

#[test]
fn the_pdf_names_failing_resources_per_control() {
    let env = scanned();
    let bytes = report(&env, "r.pdf", "pdf", &["--catalog", "nist-800-53"]);
    let out = env.path().join("r.pdf");
    let Some(text) = tool_output("pdftotext", &["-layout".as_ref(), out.as_os_str(), "-".as_ref()]) else {
        return;
    };
    assert!(bytes.starts_with(b"%PDF-"));
    let page = text
        .split('\u{c}')
        .find(|p| p.contains("Automated checks") && p.contains("Failing resources"))
        .expect("a page of automated checks");
    // Per control: the counts and the resources that failed, with check and service.
    let line = |key: &str| {
        page.lines()
            .find(|l| l.trim_start().starts_with(key))
            .unwrap_or_else(|| panic!("no line for {key} in\n{page}"))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert!(
        line("AU-12").starts_with("AU-12 0 1 4 aws-account:916481805664"),
        "{}",
        line("AU-12")
    );
    assert!(line("AC-3 ").starts_with("AC-3 1 0 0 none"), "{}", line("AC-3 "));
    assert!(
        line("RA-5").starts_with("RA-5 0 1 0 aws-account:123456789123"),
        "{}",
        line("RA-5")
    );
    assert!(page.contains("cloudtrail-not-configured · web · scan 2"), "{page}");
    assert!(page.contains("Config.1 · organisation-wide · scan 1"), "{page}");
    // The section's counts cover every control with results that count.
    assert!(text.contains("6 passed, 3 failed, 8 to check by hand"), "{text}");

    // A report narrowed to a team leaves out what no service of it observed.
    report(
        &env,
        "platform.pdf",
        "pdf",
        &["--catalog", "nist-800-53", "--team", "platform"],
    );
    let out = env.path().join("platform.pdf");
    let text = tool_output("pdftotext", &[out.as_os_str(), "-".as_ref()]).expect("pdftotext ran before");
    assert!(text.contains("cloudtrail-not-configured"));
    assert!(
        !text.contains("aws-account:123456789123"),
        "organisation-wide rows are no team's"
    );
}

#[test]
fn a_report_with_no_scan_that_counts_has_no_automated_checks() {
    let env = Env::estate();
    env.run([
        "catalog",
        "import",
        &fixture("oscal/NIST_SP-800-53_rev5.0.1_catalog.json"),
        "--key",
        "nist-800-53",
    ])
    .success();
    let before = report(&env, "before.pdf", "pdf", &["--catalog", "nist-800-53"]);
    // An accepted scan whose findings name no control of the catalogue: the same PDF, byte for byte.
    env.run(["service", "resource", "add", "bucket", "arn:aws:s3:::*"])
        .success();
    env.run([
        "scan",
        "import",
        &fixture("scanners/asff/afsbp-s3.2.json"),
        "--catalog",
        "nist-800-53",
        "--collected",
        "2026-11-20",
    ])
    .success();
    env.run_as("bob", ["evidence", "review", "1", "--accept"]).success();
    let unmapped = report(&env, "unmapped.pdf", "pdf", &["--catalog", "nist-800-53"]);
    assert!(unmapped == before, "a scan that maps to no control changed the PDF");
    // A mapped scan still pending review: listed as evidence, but no check counts yet.
    env.run([
        "scan",
        "import",
        &fixture("scanners/hdf/asff-aws_foundational_security_best_practices_v1.0.0-hdf.json"),
        "--catalog",
        "nist-800-53",
        "--collected",
        "2026-11-20",
    ])
    .success();
    report(&env, "pending.pdf", "pdf", &["--catalog", "nist-800-53"]);
    let out = env.path().join("pending.pdf");
    if let Some(text) = tool_output("pdftotext", &[out.as_os_str(), "-".as_ref()]) {
        assert!(!text.contains("Automated checks"), "no section while nothing counts");
    }
    // Its CSV columns say 0.
    let rows = csv_rows(&report(&env, "pending.csv", "csv", &["--catalog", "nist-800-53"]));
    assert_eq!(row(&rows, "AC-3", None)["checks_passed"], "0");
    assert_eq!(row(&rows, "AC-3", None)["checks_failed"], "0");
}

#[test]
fn csv_and_xlsx_count_checks_passed_and_failed() {
    let env = scanned();
    let bytes = report(&env, "r.csv", "csv", &["--catalog", "nist-800-53"]);
    let text = String::from_utf8_lossy(&bytes).to_string();
    assert!(
        text.lines()
            .next()
            .is_some_and(|h| h.ends_with(",via,checks_passed,checks_failed")),
        "{}",
        text.lines().next().unwrap_or_default()
    );
    let rows = csv_rows(&bytes);
    let cells = |key: &str| {
        let r = row(&rows, key, None);
        (r["checks_passed"].clone(), r["checks_failed"].clone())
    };
    assert_eq!(cells("AC-3"), ("1".into(), "0".into()));
    assert_eq!(cells("AU-12"), ("0".into(), "1".into()));
    // Organisation-wide (account 123456789123 is nobody's) counts in the control's row.
    assert_eq!(cells("RA-5"), ("0".into(), "1".into()));
    assert_eq!(cells("AC-2"), ("0".into(), "0".into()));

    let rows = csv_rows(&report(
        &env,
        "s.csv",
        "csv",
        &["--catalog", "nist-800-53", "--level", "service"],
    ));
    let pair = |key: &str, service: &str| {
        let r = row(&rows, key, Some(service));
        (r["checks_passed"].clone(), r["checks_failed"].clone())
    };
    assert_eq!(pair("AC-3", "bucket"), ("1".into(), "0".into()));
    assert_eq!(pair("AC-3", "web"), ("0".into(), "0".into()));
    assert_eq!(pair("AU-12", "web"), ("0".into(), "1".into()));
    // On a service row, an organisation-wide failure belongs to no service.
    assert_eq!(pair("RA-5", "bucket"), ("0".into(), "0".into()));

    // The XLSX Controls sheet has the same two numbers.
    let bytes = report(&env, "r.xlsx", "xlsx", &["--catalog", "nist-800-53"]);
    let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).expect("xlsx");
    let sheet = wb.worksheet_range("Controls").expect("Controls");
    let mut rows = sheet.rows();
    let header: Vec<String> = rows.next().expect("header").iter().map(ToString::to_string).collect();
    let col = |name: &str| header.iter().position(|h| h == name).expect("column");
    let (passed, failed) = (col("Checks passed"), col("Checks failed"));
    let au12 = sheet
        .rows()
        .find(|r| r[0] == Data::String("AU-12".into()))
        .expect("AU-12");
    assert_eq!(
        (au12[passed].clone(), au12[failed].clone()),
        (Data::Float(0.0), Data::Float(1.0))
    );
}

#[test]
fn a_closed_evaluation_keeps_the_observations_it_counted() {
    let env = scanned();
    env.run(["evaluation", "open", "Q4", "--catalog", "nist-800-53"])
        .success();
    let closed = env.run(["evaluation", "close"]).success();
    let note = String::from_utf8_lossy(&closed.get_output().stderr).to_string()
        + &String::from_utf8_lossy(&closed.get_output().stdout);
    let frozen = env.count("SELECT count(*) FROM evaluation_observation WHERE evaluation_id = 1");
    assert!(frozen > 0);
    assert!(
        note.contains(&format!("{frozen} scanner observations frozen")),
        "{note}"
    );
    let pdf = report(&env, "e.pdf", "pdf", &["--evaluation", "1"]);
    let csv = report(&env, "e.csv", "csv", &["--evaluation", "1", "--level", "service"]);
    let xlsx = report(&env, "e.xlsx", "xlsx", &["--evaluation", "1"]);
    assert_eq!(row(&csv_rows(&csv), "AC-3", Some("bucket"))["checks_passed"], "1");

    // A newer scan says S3.2 now fails on the bucket: the live report changes ...
    newer_failure(&env);
    let live = csv_rows(&report(
        &env,
        "live.csv",
        "csv",
        &["--catalog", "nist-800-53", "--level", "service"],
    ));
    assert_eq!(row(&live, "AC-3", Some("bucket"))["checks_failed"], "1");
    assert_eq!(row(&live, "AC-3", Some("bucket"))["checks_passed"], "0");
    // ... and the closed evaluation's reports do not, byte for byte.
    assert!(
        report(&env, "e2.pdf", "pdf", &["--evaluation", "1"]) == pdf,
        "the PDF changed"
    );
    assert!(
        report(&env, "e2.csv", "csv", &["--evaluation", "1", "--level", "service"]) == csv,
        "the CSV changed"
    );
    assert!(
        report(&env, "e2.xlsx", "xlsx", &["--evaluation", "1"]) == xlsx,
        "the XLSX changed"
    );
    // Rejecting the scans it counted changes nothing either; the frozen rows cannot be edited.
    env.run_as(
        "carol",
        ["evidence", "review", "1", "--reject", "--note", "wrong account"],
    )
    .success();
    assert!(
        report(&env, "e3.csv", "csv", &["--evaluation", "1", "--level", "service"]) == csv,
        "the CSV changed after a review"
    );
    assert!(env.sql().execute("DELETE FROM evaluation_observation", []).is_err());
    assert!(
        env.sql()
            .execute("UPDATE evaluation_observation SET status = 'passed'", [])
            .is_err()
    );
}

#[test]
fn the_assessment_results_carry_observations_and_findings_of_failed_checks() {
    let env = scanned();
    env.run(["evaluation", "open", "Q4", "--catalog", "nist-800-53"])
        .success();
    env.run(["evaluation", "close"]).success();
    // Scans after the close are not in its results.
    newer_failure(&env);
    let out = env.path().join("ar.json");
    env.run([
        "export",
        "oscal-assessment-results",
        "--evaluation",
        "1",
        "--out",
        out.to_str().expect("path"),
    ])
    .success();
    let bytes = std::fs::read(&out).expect("ar");
    let doc: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
    assert_eq!(
        schema_errors("oscal_assessment-results_schema.json", &doc),
        Vec::<String>::new()
    );
    let result = &doc["assessment-results"]["results"][0];
    let prop = |v: &serde_json::Value, name: &str| -> Vec<String> {
        v["props"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["name"] == name)
            .filter_map(|p| p["value"].as_str().map(str::to_string))
            .collect()
    };
    let tests: Vec<&serde_json::Value> = result["observations"]
        .as_array()
        .expect("observations")
        .iter()
        .filter(|o| o["methods"] == serde_json::json!(["TEST"]))
        .collect();
    // One per (check, resource): S3.2 and Config.1 of the HDF, eight Scout Suite checks.
    assert_eq!(tests.len(), 10);
    let s32 = tests.iter().find(|o| prop(o, "check-id") == ["S3.2"]).expect("S3.2");
    assert_eq!(
        prop(s32, "check-status"),
        ["passed"],
        "as frozen, not the newer failure"
    );
    let controls = prop(s32, "control-key");
    for c in ["AC-3", "AC-6", "SC-7(3)"] {
        assert!(controls.iter().any(|k| k == c), "{c} missing from {controls:?}");
    }
    assert_eq!(s32["types"], serde_json::json!(["control-objective"]));
    let observed: String = env
        .sql()
        .query_row(
            "SELECT observed_at FROM evaluation_observation WHERE check_id = 'S3.2' LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("frozen");
    assert_eq!(s32["collected"], observed.as_str(), "the scanner's time");
    // Its subject is the bucket, an inventory item of the bucket service's component.
    let subject = &s32["subjects"][0];
    assert_eq!(subject["type"], "inventory-item");
    assert_eq!(subject["title"], "arn:aws:s3:::example-bucket-123456789123-us-east-1");
    let items = result["local-definitions"]["inventory-items"]
        .as_array()
        .expect("items");
    let item = items
        .iter()
        .find(|i| i["uuid"] == subject["subject-uuid"])
        .expect("the subject is an inventory item");
    let bucket = result["local-definitions"]["components"]
        .as_array()
        .expect("components")
        .iter()
        .find(|c| c["title"] == "bucket")
        .expect("bucket component");
    assert_eq!(item["implemented-components"][0]["component-uuid"], bucket["uuid"]);
    // Its evidence is the scan's file, by hash, in the back-matter.
    let scan = &env.json(["scan", "show", "1", "--json"]);
    let sha = scan["sha256"]
        .as_str()
        .or(scan["scan"]["sha256"].as_str())
        .expect("sha256");
    let href = s32["relevant-evidence"][0]["href"].as_str().expect("href");
    let resource = doc["assessment-results"]["back-matter"]["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .find(|r| format!("#{}", r["uuid"].as_str().unwrap_or_default()) == href)
        .expect("the evidence is a back-matter resource");
    assert_eq!(resource["rlinks"][0]["hashes"][0]["value"], sha);
    // The tool is the observation's origin, an assessment asset.
    let tool = &s32["origins"][0]["actors"][0];
    assert_eq!(tool["type"], "tool");
    assert!(
        result["local-definitions"]["assessment-assets"]["components"]
            .as_array()
            .expect("tools")
            .iter()
            .any(|c| c["uuid"] == tool["actor-uuid"])
    );

    // Findings of failed checks: not-satisfied on the control's statement, naming the observation.
    let scan_findings: Vec<&serde_json::Value> = result["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| prop(f, "source") == ["scan"])
        .collect();
    let au12 = scan_findings
        .iter()
        .find(|f| f["target"]["target-id"] == "au-12_smt")
        .expect("AU-12 finding");
    assert_eq!(au12["target"]["type"], "statement-id");
    assert_eq!(au12["target"]["status"]["state"], "not-satisfied");
    let failed = tests
        .iter()
        .find(|o| prop(o, "check-id") == ["cloudtrail-not-configured"])
        .expect("the failed check");
    assert_eq!(failed["types"], serde_json::json!(["finding"]));
    assert_eq!(au12["related-observations"][0]["observation-uuid"], failed["uuid"]);
    // No finding for a passed check.
    assert!(scan_findings.iter().all(|f| f["target"]["target-id"] != "ac-3_smt"));

    // The same frozen evaluation gives the same document.
    let again = env.path().join("ar2.json");
    env.run([
        "export",
        "oscal-assessment-results",
        "--evaluation",
        "1",
        "--out",
        again.to_str().expect("path"),
    ])
    .success();
    assert!(std::fs::read(&again).expect("ar2") == bytes);
}

#[test]
fn closing_opens_one_poam_item_per_failing_check() {
    let env = scanned();
    env.run(["evaluation", "open", "Q4", "--catalog", "nist-800-53"])
        .success();
    env.run(["evaluation", "close"]).success();
    let items = env.json(["poam", "list", "--json"]);
    let scan_items: Vec<&serde_json::Value> = items
        .as_array()
        .expect("items")
        .iter()
        .filter(|i| i["source"] == "scan")
        .collect();
    assert!(scan_items.iter().all(|i| i["kind"] == "failed-check"));
    let au12 = scan_items
        .iter()
        .find(|i| i["control"] == "AU-12")
        .expect("an item for the failed CloudTrail check");
    assert_eq!(au12["services"], serde_json::json!(["web"]));
    assert_eq!(au12["owner"], "platform", "the team owning the failing pair");
    assert_eq!(au12["status"], "open");
    let detail = au12["detail"].as_str().expect("detail");
    assert!(
        detail.contains("cloudtrail-not-configured") && detail.contains("aws-account:916481805664"),
        "{detail}"
    );
    // Config.1 failed on an account no service claims: one item per control it maps to.
    let config: Vec<&str> = scan_items
        .iter()
        .filter(|i| i["detail"].as_str().is_some_and(|d| d.contains("Config.1")))
        .filter_map(|i| i["control"].as_str())
        .collect();
    assert_eq!(config, ["RA-5", "SA-11"]);
    assert!(
        scan_items
            .iter()
            .filter(|i| i["control"] == "RA-5")
            .all(|i| i["services"] == serde_json::json!([])
                && i["detail"].as_str().is_some_and(|d| d.contains("organisation-wide")))
    );
    // Passed and manual checks open nothing.
    assert!(
        scan_items
            .iter()
            .all(|i| i["control"] != "AC-3" && i["control"] != "AU-6")
    );
    let opened = scan_items.len();

    // The same checks still failing at the next close open no second item while these are open.
    env.run(["evaluation", "open", "Q1", "--catalog", "nist-800-53"])
        .success();
    env.run(["evaluation", "close"]).success();
    let items = env.json(["poam", "list", "--json"]);
    let again = items
        .as_array()
        .expect("items")
        .iter()
        .filter(|i| i["source"] == "scan")
        .count();
    assert_eq!(again, opened);
}
