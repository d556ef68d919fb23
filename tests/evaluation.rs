//! Evaluations and the CSV report.

use crate::common::{Env, count, rejects_unchanged};

/// Two services (EC2 and RDS), two teams, one accepted piece of evidence.
fn estate() -> Env {
    let env = Env::init();
    for args in [
        &["team", "add", "platform"][..],
        &["team", "add", "data-platform"],
        &[
            "service",
            "add",
            "orders-db",
            "--offering",
            "aws.rds",
            "--team",
            "data-platform",
        ],
        &["service", "add", "web", "--offering", "aws.ec2", "--team", "platform"],
        &[
            "evidence",
            "add",
            "SRM-PATCH",
            "--note",
            "patched",
            "--collected",
            "2026-11-20",
            "--expires",
            "90d",
        ],
    ] {
        env.run(args).success();
    }
    env.run_as("bob", ["evidence", "review", "1", "--accept"]).success();
    env
}

fn open_and_record(env: &Env) {
    env.run(["evaluation", "open", "Q4 2026 internal review", "--catalog", "srm"])
        .success();
    env.run([
        "evaluation",
        "record",
        "SRM-PATCH",
        "--result",
        "satisfied",
        "--note",
        "all prod hosts patched within SLA",
    ])
    .success();
    env.run([
        "evaluation",
        "record",
        "SRM-FW",
        "--service",
        "orders-db",
        "--result",
        "not-satisfied",
        "--note",
        "0.0.0.0/0 on 5432",
    ])
    .success();
}

fn csv(env: &Env, args: &[&str]) -> String {
    let out = env.path().join("out.csv");
    let _ = std::fs::remove_file(&out);
    let mut all = vec![
        "report",
        "--format",
        "csv",
        "--out",
        out.to_str().expect("path"),
        "--date",
        "2026-12-01",
    ];
    all.extend_from_slice(args);
    env.run(&all).success();
    let text = std::fs::read_to_string(&out).expect("report written");
    // The byte-order mark spreadsheets need comes first (tests/scripts.rs checks it).
    text.strip_prefix('\u{feff}')
        .expect("a CSV starts with the BOM")
        .to_string()
}

#[test]
fn an_evaluation_records_results_and_reports_progress() {
    let env = estate();
    open_and_record(&env);
    let s = env.json(["evaluation", "status", "--json"]);
    assert_eq!(s["pairs"], 40);
    // SRM-PATCH for both services, SRM-FW for one.
    assert_eq!(s["assessed"], 3);
    assert_eq!(s["by_result"]["satisfied"], 2);
    assert_eq!(s["by_result"]["not-satisfied"], 1);
    let list = env.json(["evaluation", "list", "--json"]);
    assert_eq!(count(&list), Some(1));
    assert_eq!(list[0]["closed_at"], serde_json::Value::Null);
    let entry = env.json(["audit", "log", "--limit", "1", "--json"]);
    assert_eq!(entry[0]["action"], "evaluation.record");
}

#[test]
fn the_csv_has_one_row_per_control_or_per_pair() {
    let env = estate();
    open_and_record(&env);
    let text = csv(&env, &["--evaluation", "1"]);
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(
            "catalog,control,title,family,responsibility,owner,status,result,note,evidence_ids,evidence_sha256,\
             freshest_evidence,expired_evidence,via,checks_passed,checks_failed"
        )
    );
    assert_eq!(text.lines().count(), 21);
    let patch = text
        .lines()
        .find(|l| l.starts_with("srm,SRM-PATCH,"))
        .expect("patch row");
    assert_eq!(
        patch,
        "srm,SRM-PATCH,Patch management,Patch Management,shared,\"data-platform, platform\",,satisfied,\
         all prod hosts patched within SLA,1,,2026-11-20,no,,0,0"
    );
    let fw = text.lines().find(|l| l.starts_with("srm,SRM-FW,")).expect("fw row");
    assert!(fw.contains(",not-satisfied,0.0.0.0/0 on 5432,"), "{fw}");

    let pairs = csv(&env, &["--evaluation", "1", "--level", "service"]);
    assert_eq!(pairs.lines().count(), 41);
    let row = pairs
        .lines()
        .find(|l| l.starts_with("srm,SRM-FW,") && l.contains(",orders-db,"))
        .expect("pair");
    assert!(
        row.contains(",Amazon RDS,container,customer,rule,data-platform,,not-satisfied,"),
        "{row}"
    );
    // Without an evaluation the live state is reported, results not assessed.
    let live = csv(&env, &[]);
    assert!(live.lines().skip(1).all(|l| l.contains(",not-assessed,")));
}

#[test]
fn the_same_data_and_date_give_the_same_bytes() {
    let env = estate();
    open_and_record(&env);
    assert_eq!(csv(&env, &["--evaluation", "1"]), csv(&env, &["--evaluation", "1"]));
}

#[test]
fn a_closed_evaluation_is_frozen() {
    let env = estate();
    open_and_record(&env);
    env.run(["evaluation", "close"])
        .success()
        .stdout(predicates::str::contains("40 control-service pairs frozen"));
    let before = csv(&env, &["--evaluation", "1", "--level", "service"]);
    // The live data changes after closing...
    env.run([
        "responsibility",
        "set",
        "SRM-FW",
        "--service",
        "orders-db",
        "--as",
        "shared",
        "--why",
        "later",
    ])
    .success();
    env.run(["owner", "set", "SRM-PATCH", "--team", "platform"]).success();
    env.run_as(
        "carol",
        ["evidence", "review", "1", "--reject", "--note", "on second thoughts"],
    )
    .success();
    // ...the evaluation's report does not.
    assert_eq!(csv(&env, &["--evaluation", "1", "--level", "service"]), before);
    rejects_unchanged(
        &env,
        &[
            "evaluation",
            "record",
            "SRM-FW",
            "--result",
            "satisfied",
            "--evaluation",
            "1",
        ],
        "closed",
    );
    rejects_unchanged(&env, &["evaluation", "close", "--evaluation", "1"], "already closed");
    // The database itself refuses to change a frozen evaluation.
    assert!(
        env.sql()
            .execute("UPDATE evaluation_item SET result = 'satisfied'", [])
            .is_err()
    );
    assert!(
        env.sql()
            .execute("UPDATE evaluation SET name = 'x' WHERE id = 1", [])
            .is_err()
    );
}

#[test]
fn a_tampered_snapshot_is_detected() {
    let env = estate();
    open_and_record(&env);
    env.run(["evaluation", "close"]).success();
    env.sql()
        .execute_batch(
            "DROP TRIGGER evaluation_item_no_update;
             UPDATE evaluation_item SET result = 'satisfied' WHERE result = 'not-satisfied';",
        )
        .expect("tamper");
    let out = env.path().join("t.csv");
    env.run([
        "report",
        "--format",
        "pdf",
        "--evaluation",
        "1",
        "--out",
        out.to_str().expect("path"),
    ])
    .code(3);
    assert!(!out.exists());
}

#[test]
fn csv_cells_cannot_become_formulas() {
    let env = estate();
    env.run([
        "service",
        "add",
        "=HYPERLINK(\"http://x\")",
        "--offering",
        "aws.s3",
        "--team",
        "platform",
    ])
    .success();
    env.run(["team", "add", "@evil"]).success();
    env.run(["owner", "set", "SRM-DATA", "--team", "@evil"]).success();
    let text = csv(&env, &["--level", "service"]);
    assert!(text.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "{text}");
    assert!(text.contains(",'@evil,"));
    assert!(!text.lines().any(|l| l.contains(",=") || l.contains(",@")));
}

#[test]
fn bad_evaluation_input_is_refused() {
    let env = estate();
    rejects_unchanged(
        &env,
        &["evaluation", "record", "SRM-FW", "--result", "satisfied"],
        "no open evaluation",
    );
    open_and_record(&env);
    rejects_unchanged(
        &env,
        &["evaluation", "open", "q4 2026 INTERNAL review"],
        "already exists",
    );
    rejects_unchanged(
        &env,
        &["evaluation", "record", "SRM-FW", "--result", "passed"],
        "unknown result \"passed\"",
    );
    rejects_unchanged(
        &env,
        &["evaluation", "record", "SRM-NOPE", "--result", "satisfied"],
        "not in catalogue srm",
    );
    env.run(["service", "add", "later", "--offering", "aws.s3"]).success();
    rejects_unchanged(
        &env,
        &[
            "evaluation",
            "record",
            "SRM-FW",
            "--service",
            "later",
            "--result",
            "satisfied",
        ],
        "outside the scope",
    );
    rejects_unchanged(
        &env,
        &["evaluation", "open", "none", "--team", "nobody"],
        "unknown team",
    );
    let missing = env.path().join("no/such/dir/q4.csv");
    rejects_unchanged(
        &env,
        &["report", "--format", "csv", "--out", missing.to_str().expect("path")],
        "does not exist",
    );
    rejects_unchanged(
        &env,
        &["report", "--format", "csv", "--out", "x.csv", "--evaluation", "9"],
        "unknown evaluation",
    );
    let bad = env.file("bad.json", "{ \"title\": ");
    rejects_unchanged(
        &env,
        &[
            "report",
            "--format",
            "csv",
            "--out",
            "x.csv",
            "--template",
            bad.to_str().expect("path"),
        ],
        "bad.json line 1",
    );
    assert!(!env.path().join("x.csv").exists());
}

#[test]
fn csv_lines_end_in_crlf() {
    let env = estate();
    let text = csv(&env, &[]);
    assert!(text.ends_with("\r\n"));
    assert_eq!(text.matches("\r\n").count(), text.matches('\n').count());
}

#[test]
fn implementation_status_shows_in_reports() {
    let env = estate();
    env.run([
        "implementation",
        "set",
        "SRM-PATCH",
        "--service",
        "web",
        "--status",
        "implemented",
        "--statement",
        "SSM baseline",
    ])
    .success();
    let text = csv(&env, &["--level", "service"]);
    let row = text
        .lines()
        .find(|l| l.starts_with("srm,SRM-PATCH,") && l.contains(",web,"))
        .expect("row");
    assert!(row.contains(",implemented,"), "{row}");
    rejects_unchanged(
        &env,
        &["implementation", "set", "SRM-PATCH", "--status", "done"],
        "unknown implementation status",
    );
    env.run(["implementation", "unset", "SRM-PATCH", "--service", "web"])
        .success();
    assert_eq!(env.count("SELECT count(*) FROM implementation"), 0);
    let entry = env.json(["audit", "log", "--limit", "1", "--json"]);
    assert_eq!(entry[0]["action"], "implementation.unset");
}

#[test]
fn the_xlsx_report_has_a_sheet_per_section_and_the_same_totals() {
    use calamine::{Reader, Xlsx, open_workbook};
    let env = estate();
    open_and_record(&env);
    let out = env.path().join("q4.xlsx");
    env.run([
        "report",
        "--format",
        "xlsx",
        "--out",
        out.to_str().expect("path"),
        "--evaluation",
        "1",
        "--date",
        "2026-12-01",
    ])
    .success();
    let mut book: Xlsx<_> = open_workbook(&out).expect("an xlsx calamine can read");
    assert_eq!(
        book.sheet_names(),
        ["Summary", "Matrix", "Controls", "Findings", "Evidence"]
    );
    let controls = book.worksheet_range("Controls").expect("controls sheet");
    assert_eq!(controls.height(), 21, "header and 20 controls");
    let fw = controls.rows().find(|r| r[0] == "SRM-FW").expect("SRM-FW row");
    assert_eq!(fw[5].to_string(), "not-satisfied");
    let again = env.path().join("again.xlsx");
    env.run([
        "report",
        "--format",
        "xlsx",
        "--out",
        again.to_str().expect("path"),
        "--evaluation",
        "1",
        "--date",
        "2026-12-01",
    ])
    .success();
    assert_eq!(std::fs::read(&out).expect("xlsx"), std::fs::read(&again).expect("xlsx"));
}
