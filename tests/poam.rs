//! The plan of action and milestones: items opened by closing an evaluation, updated, their risk
//! accepted until a date and open again after it, completed, overdue in `gaps` and `status`, and
//! exported as OSCAL linked to the assessment results' findings.

use serde_json::Value;

use crate::common::{Env, rejects_unchanged, schema_errors};

/// Teams platform and data-platform, web (EC2) and orders-db (RDS); accepted evidence for
/// SRM-PATCH; an evaluation with SRM-FW not satisfied on orders-db and SRM-TRAIN partially
/// satisfied, closed on 2026-12-01.
fn closed() -> Env {
    let env = Env::init();
    env.setup(&[
        &["team", "add", "platform"],
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
            "1y",
        ],
    ]);
    env.run_as("bob", ["evidence", "review", "1", "--accept"]).success();
    env.setup(&[
        &["evaluation", "open", "Q4 2026", "--catalog", "srm"],
        &[
            "evaluation",
            "record",
            "SRM-FW",
            "--service",
            "orders-db",
            "--result",
            "not-satisfied",
            "--note",
            "0.0.0.0/0 on 5432",
        ],
        &[
            "evaluation",
            "record",
            "SRM-FW",
            "--service",
            "web",
            "--result",
            "satisfied",
        ],
        &["evaluation", "record", "SRM-TRAIN", "--result", "partially-satisfied"],
    ]);
    env.run(["--today", "2026-12-01", "evaluation", "close"])
        .success()
        .stdout(predicates::str::contains("POA&M items opened"));
    env
}

fn items(env: &Env, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["poam", "list", "--json"];
    all.extend(args);
    env.json(all).as_array().expect("a JSON array").clone()
}

/// The item of `control` and `kind`.
fn item<'a>(items: &'a [Value], control: &str, kind: &str) -> &'a Value {
    items
        .iter()
        .find(|i| i["control"] == control && i["kind"] == kind)
        .unwrap_or_else(|| panic!("an item for {control} {kind}"))
}

fn id(item: &Value) -> String {
    item["id"].as_i64().expect("id").to_string()
}

#[test]
fn closing_an_evaluation_opens_one_item_per_finding() {
    let env = closed();
    let all = items(&env, &[]);
    let fw = item(&all, "SRM-FW", "not-satisfied");
    assert_eq!(fw["services"], serde_json::json!(["orders-db"]), "only where it failed");
    assert_eq!(fw["detected"], "2026-12-01");
    assert_eq!(fw["due"], "2026-12-31", "not satisfied: 30 days");
    assert_eq!(fw["owner"], "data-platform", "the pairs' owner");
    assert_eq!(fw["status"], "open");
    assert_eq!(fw["source"], "evaluation");
    assert!(fw["detail"].as_str().is_some_and(|d| d.contains("0.0.0.0/0 on 5432")));
    let train = item(&all, "SRM-TRAIN", "partially-satisfied");
    assert_eq!(train["due"], "2027-03-01", "partially satisfied: 90 days");
    assert_eq!(train["services"], serde_json::json!(["orders-db", "web"]));
    // Shared and customer controls without counting evidence are findings; SRM-PATCH has some.
    let missing = item(&all, "SRM-FW", "no-evidence");
    assert_eq!(missing["due"], "2026-12-31");
    assert!(
        all.iter().all(|i| i["control"] != "SRM-PATCH"),
        "SRM-PATCH has accepted, unexpired evidence"
    );
    // Inherited controls ask nothing of the customer.
    assert!(all.iter().all(|i| i["control"] != "SRM-PHYS"));
    // One item per (control, kind), each opened by an audit entry.
    let mut keys: Vec<(String, String)> = all
        .iter()
        .map(|i| (i["control"].to_string(), i["kind"].to_string()))
        .collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), all.len());
    assert_eq!(
        env.count("SELECT count(*) FROM audit_log WHERE action = 'poam.open'"),
        all.len() as i64
    );
    // Closing again is refused, and no path opens the items twice.
    rejects_unchanged(&env, &["evaluation", "close", "--evaluation", "1"], "already closed");
    assert_eq!(items(&env, &[]).len(), all.len());
    // A team's items.
    let platform = items(&env, &["--team", "platform"]);
    assert!(!platform.is_empty() && platform.iter().all(|i| i["owner"] == "platform"));
    env.run(["audit", "verify"]).success();
}

#[test]
fn the_life_cycle_update_accept_expire_reopen_complete() {
    let env = closed();
    let all = items(&env, &[]);
    let fw = id(item(&all, "SRM-FW", "not-satisfied"));
    let train = id(item(&all, "SRM-TRAIN", "partially-satisfied"));

    // Update: owner, due date, milestone, in progress.
    env.run([
        "--today",
        "2026-12-02",
        "poam",
        "update",
        &fw,
        "--owner",
        "platform",
        "--due",
        "2027-02-01",
        "--milestone",
        "patch window booked",
        "--status",
        "in-progress",
    ])
    .success();
    let now = items(&env, &["--team", "platform"]);
    let it = now.iter().find(|i| id(i) == fw).expect("item now platform's");
    assert_eq!(it["due"], "2027-02-01");
    assert_eq!(it["status"], "in-progress");
    assert_eq!(it["milestones"][0]["text"], "patch window booked");
    assert_eq!(it["milestones"][0]["date"], "2026-12-02");
    assert_eq!(it["milestones"][0]["actor"], "alice");

    // Accept the risk of another until the end of June.
    env.run([
        "--today",
        "2026-12-02",
        "poam",
        "accept-risk",
        &train,
        "--until",
        "2027-06-30",
        "--why",
        "compensating WAF rule",
    ])
    .success();
    let on = |day: &str, args: &[&str]| {
        let mut all = vec!["--today", day, "poam", "list", "--json"];
        all.extend(args);
        env.json(all).as_array().expect("array").clone()
    };
    let accepted = on("2027-06-30", &[]);
    let t = accepted.iter().find(|i| id(i) == train).expect("train");
    assert_eq!(t["state"], "risk-accepted");
    assert_eq!(t["accepted_why"], "compensating WAF rule");
    assert_eq!(t["overdue"], false, "an accepted risk is not overdue");
    assert!(on("2027-06-30", &["--open"]).iter().all(|i| id(i) != train));

    // The day after the acceptance ends, the item is open again (and overdue), by itself.
    let after = on("2027-07-01", &["--overdue"]);
    let t = after.iter().find(|i| id(i) == train).expect("open again and overdue");
    assert_eq!(t["state"], "open");
    assert_eq!(t["acceptance_expired"], true);
    assert!(on("2027-07-01", &["--open"]).iter().any(|i| id(i) == train));

    // Overdue items are gaps, and status counts and lists them.
    let gaps = env
        .run(["--today", "2027-07-01", "gaps", "--team", "platform", "--json"])
        .code(1);
    let gaps: Value = serde_json::from_slice(&gaps.get_output().stdout).expect("JSON");
    let overdue: Vec<&Value> = gaps
        .as_array()
        .expect("array")
        .iter()
        .filter(|g| g["kind"] == "overdue-poam")
        .collect();
    assert!(overdue.iter().all(|g| g["team"] == "platform"), "{overdue:?}");
    let late = overdue
        .iter()
        .find(|g| id_of(&g["poam"]) == fw)
        .expect("SRM-FW, platform's since the update, is overdue");
    assert_eq!(late["days_overdue"], 150, "due 2027-02-01");
    assert_eq!(late["finding"], "not-satisfied");
    let text = env.run(["--today", "2027-07-01", "gaps"]).code(1);
    let text = String::from_utf8_lossy(&text.get_output().stdout).to_string();
    assert!(text.contains("POA&M items overdue as of 2027-07-01"), "{text}");
    let status = env.json(["--today", "2027-07-01", "status", "--json"]);
    let total_overdue = on("2027-07-01", &["--overdue"]).len() as u64;
    assert_eq!(status["poam"]["overdue"], total_overdue);
    assert_eq!(status["poam"]["in_progress"], 1);
    assert!(
        status["poam"]["overdue_items"]
            .as_array()
            .is_some_and(|l| !l.is_empty())
    );
    // Not overdue yet on the day of closing.
    let status = env.json(["--today", "2026-12-01", "status", "--json"]);
    assert_eq!(status["poam"]["overdue"], 0);

    // Complete: final.
    env.run(["--today", "2027-01-15", "poam", "update", &fw, "--status", "completed"])
        .success();
    let done = on("2027-07-01", &[]);
    let f = done.iter().find(|i| id(i) == fw).expect("fw");
    assert_eq!(
        (f["status"].as_str(), f["completed"].as_str()),
        (Some("completed"), Some("2027-01-15"))
    );
    assert_eq!(f["overdue"], false);
    rejects_unchanged(&env, &["poam", "update", &fw, "--milestone", "again"], "completed");
    rejects_unchanged(
        &env,
        &["poam", "accept-risk", &fw, "--until", "2099-01-01", "--why", "x"],
        "completed",
    );
    // Every change is in the audit log, and the chain holds.
    for action in ["poam.update", "poam.accept-risk"] {
        assert!(env.count(&format!("SELECT count(*) FROM audit_log WHERE action = '{action}'")) >= 1);
    }
    env.run(["audit", "verify"]).success();
}

#[test]
fn bad_input_is_refused_and_changes_nothing() {
    let env = closed();
    let all = items(&env, &[]);
    let fw = id(item(&all, "SRM-FW", "not-satisfied"));
    let cases: &[(&[&str], &str)] = &[
        (
            &["poam", "update", "999", "--status", "completed"],
            "unknown POA&M item 999",
        ),
        (
            &["poam", "accept-risk", "999", "--until", "2099-01-01", "--why", "x"],
            "unknown POA&M item 999",
        ),
        (&["poam", "update", &fw, "--due", "2026-11-30"], "before POA&M item"),
        (&["poam", "update", &fw, "--due", "2026-02-30"], "not a date"),
        (
            &["poam", "update", &fw, "--status", "done"],
            "expected in-progress or completed",
        ),
        (
            &["poam", "update", &fw, "--status", "risk-accepted"],
            "expected in-progress or completed",
        ),
        (
            &["poam", "update", &fw, "--status", "open"],
            "expected in-progress or completed",
        ),
        (&["poam", "update", &fw, "--owner", "nobody"], "unknown team"),
        (
            &["poam", "update", &fw, "--milestone", "booked\u{1b}[31m"],
            "control characters",
        ),
        (
            &["poam", "update", &fw, "--milestone", "line\nbreak"],
            "control characters",
        ),
        (&["poam", "update", &fw, "--milestone", "  "], "must not be empty"),
        (&["poam", "update", &fw], "nothing to change"),
        (
            &[
                "--today",
                "2027-01-01",
                "poam",
                "accept-risk",
                &fw,
                "--until",
                "2026-12-31",
                "--why",
                "x",
            ],
            "in the past",
        ),
        (
            &["poam", "accept-risk", &fw, "--until", "2099-01-01", "--why", "   "],
            "must not be blank",
        ),
        (&["poam", "accept-risk", &fw, "--until", "2099-01-01"], "--why"),
        (&["poam", "accept-risk", &fw, "--why", "x"], "--until"),
        (&["poam", "list", "--team", "nobody"], "unknown team"),
        (&["poam", "list", "--open", "--overdue"], "cannot be used with"),
        (
            &["export", "oscal-poam", "--out", "p.json", "--evaluation", "9"],
            "evaluation",
        ),
    ];
    for (args, message) in cases {
        rejects_unchanged(&env, args, message);
    }
    assert!(!env.path().join("p.json").exists());
}

#[test]
fn the_oscal_poam_is_valid_and_points_at_the_assessment_findings() {
    let env = closed();
    let all = items(&env, &[]);
    let fw = id(item(&all, "SRM-FW", "not-satisfied"));
    let train = id(item(&all, "SRM-TRAIN", "partially-satisfied"));
    env.setup(&[
        &[
            "--today",
            "2026-12-02",
            "poam",
            "update",
            &fw,
            "--milestone",
            "rule <script>alert(1)</script> removed",
            "--status",
            "in-progress",
        ],
        &[
            "--today",
            "2026-12-02",
            "poam",
            "accept-risk",
            &train,
            "--until",
            "2027-06-30",
            "--why",
            "compensating WAF rule",
        ],
    ]);
    let export = |name: &str, args: &[&str]| -> (Vec<u8>, Value) {
        let out = env.path().join(name);
        let mut all = vec![
            "--today",
            "2027-07-01",
            "export",
            "oscal-poam",
            "--out",
            out.to_str().expect("path"),
        ];
        all.extend(args);
        env.run(all).success();
        let bytes = std::fs::read(&out).expect("written");
        let doc: Value = serde_json::from_slice(&bytes).expect("JSON");
        (bytes, doc)
    };
    let (bytes, doc) = export("poam.json", &[]);
    assert_eq!(schema_errors("oscal_poam_schema.json", &doc), Vec::<String>::new());
    let (again, _) = export("poam2.json", &[]);
    assert!(bytes == again, "the same database and --today give the same bytes");
    let (_, scoped) = export("poam3.json", &["--evaluation", "1"]);
    assert_eq!(
        scoped["plan-of-action-and-milestones"]["poam-items"], doc["plan-of-action-and-milestones"]["poam-items"],
        "every item is evaluation 1's"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(env.path().join("poam.json"))
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "not readable by others: {mode:o}");
    }
    let text = String::from_utf8_lossy(&bytes);
    assert!(!text.contains("<script>"), "markup is escaped");

    let poam = &doc["plan-of-action-and-milestones"];
    let poam_items = poam["poam-items"].as_array().expect("items");
    assert_eq!(poam_items.len(), all.len());
    let prop = |v: &Value, name: &str| -> Option<String> {
        v["props"]
            .as_array()?
            .iter()
            .find(|p| p["name"] == name)
            .and_then(|p| p["value"].as_str().map(str::to_string))
    };
    let by_id = |n: &str| {
        poam_items
            .iter()
            .find(|i| prop(i, "poam-item-id").as_deref() == Some(n))
            .expect("the item")
    };
    assert_eq!(
        prop(by_id(&train), "status").as_deref(),
        Some("open"),
        "acceptance ran out"
    );
    assert_eq!(prop(by_id(&fw), "status").as_deref(), Some("in-progress"));
    assert_eq!(prop(by_id(&fw), "overdue").as_deref(), Some("true"));
    let risk_of = |item: &Value| {
        let uuid = item["related-risks"][0]["risk-uuid"].clone();
        poam["risks"]
            .as_array()
            .expect("risks")
            .iter()
            .find(|r| r["uuid"] == uuid)
            .expect("the item's risk")
            .clone()
    };
    let fw_risk = risk_of(by_id(&fw));
    assert_eq!(fw_risk["status"], "remediating");
    assert_eq!(fw_risk["deadline"], "2026-12-31T00:00:00Z");
    assert_eq!(fw_risk["remediations"][0]["tasks"][0]["type"], "milestone");
    let train_log = risk_of(by_id(&train))["risk-log"]["entries"].clone();
    let titles: Vec<&str> = train_log
        .as_array()
        .expect("log")
        .iter()
        .filter_map(|e| e["title"].as_str())
        .collect();
    assert_eq!(
        titles,
        ["Detected", "Risk accepted until 2027-06-30", "Risk acceptance expired"]
    );

    // Every item names a finding of the evaluation's assessment results, by uuid.
    let ar_path = env.path().join("ar.json");
    env.run([
        "export",
        "oscal-assessment-results",
        "--evaluation",
        "1",
        "--out",
        ar_path.to_str().expect("path"),
    ])
    .success();
    let ar: Value = serde_json::from_slice(&std::fs::read(&ar_path).expect("ar")).expect("JSON");
    assert_eq!(
        schema_errors("oscal_assessment-results_schema.json", &ar),
        Vec::<String>::new()
    );
    let findings = ar["assessment-results"]["results"][0]["findings"]
        .as_array()
        .expect("findings");
    for item in poam_items {
        let uuid = &item["related-findings"][0]["finding-uuid"];
        let finding = findings
            .iter()
            .find(|f| &f["uuid"] == uuid)
            .unwrap_or_else(|| panic!("no finding {uuid} for {}", item["title"]));
        assert_eq!(
            finding["target"]["status"]["state"], "not-satisfied",
            "{}",
            item["title"]
        );
        let control = prop(item, "control-key").expect("control");
        assert_eq!(prop(finding, "control-key"), Some(control));
    }
    // A different day, a different standing: not the same document.
    let out = env.path().join("earlier.json");
    env.run([
        "--today",
        "2027-01-01",
        "export",
        "oscal-poam",
        "--out",
        out.to_str().expect("path"),
    ])
    .success();
    assert!(std::fs::read(&out).expect("earlier") != bytes);
    // The output guard: an existing file is replaced only with --force.
    rejects_unchanged(
        &env,
        &[
            "export",
            "oscal-poam",
            "--out",
            env.path().join("poam.json").to_str().expect("path"),
        ],
        "--force",
    );
}

#[test]
fn without_results_only_evidence_gaps_and_no_empty_export() {
    let env = Env::init();
    env.setup(&[
        &["service", "add", "vault", "--offering", "aws.s3"],
        &["evaluation", "open", "empty", "--service", "vault"],
    ]);
    // No results recorded: only missing evidence is found.
    env.run(["--today", "2026-12-01", "evaluation", "close"]).success();
    let all = items(&env, &[]);
    assert!(all.iter().all(|i| i["kind"] == "no-evidence"), "{all:?}");
    let empty = Env::init();
    let out = empty.path().join("p.json");
    rejects_unchanged(
        &empty,
        &["export", "oscal-poam", "--out", out.to_str().expect("path")],
        "no POA&M items",
    );
    assert!(!out.exists());
    let listed = empty.run(["poam", "list"]).success();
    assert!(String::from_utf8_lossy(&listed.get_output().stdout).contains("no POA&M items"));
}

/// A JSON number as text.
fn id_of(v: &Value) -> String {
    v.as_i64().map(|n| n.to_string()).unwrap_or_default()
}

/// The words of every page of a PDF, one space apart (cells wrap).
fn pdf_words(path: &std::path::Path) -> String {
    let doc = lopdf::Document::load(path).expect("a PDF lopdf can read");
    let numbers: Vec<u32> = doc.get_pages().keys().copied().collect();
    let text: Vec<String> = numbers.iter().map(|n| doc.extract_text(&[*n]).expect("text")).collect();
    text.join(" ").split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn reports_show_the_items_of_their_scope_and_the_overdue_ones() {
    let env = closed();
    let all = items(&env, &[]);
    let fw = id(item(&all, "SRM-FW", "not-satisfied"));
    env.run([
        "--today",
        "2026-12-02",
        "poam",
        "update",
        &fw,
        "--milestone",
        "security group rule booked",
    ])
    .success();
    let report = |name: &str, format: &str, date: &str| {
        let out = env.path().join(name);
        env.run([
            "report",
            "--format",
            format,
            "--evaluation",
            "1",
            "--date",
            date,
            "--out",
            out.to_str().expect("path"),
        ])
        .success();
        out
    };
    let words = pdf_words(&report("q4.pdf", "pdf", "2027-01-15"));
    assert!(words.contains("Plan of action and milestones"), "{words}");
    assert!(
        words.contains("open (overdue)"),
        "due 2026-12-31, reported on 2027-01-15"
    );
    assert!(words.contains("security group rule booked"));
    // The same database and date give the same bytes.
    let a = std::fs::read(report("a.pdf", "pdf", "2027-01-15")).expect("a");
    let b = std::fs::read(report("b.pdf", "pdf", "2027-01-15")).expect("b");
    assert!(a == b, "deterministic");
    // Before the due date nothing is overdue.
    let words = pdf_words(&report("early.pdf", "pdf", "2026-12-15"));
    assert!(words.contains("0 overdue"), "{words}");
    // The workbook has a POA&M sheet.
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(report("q4.xlsx", "xlsx", "2027-01-15")).expect("xlsx");
    assert!(wb.sheet_names().contains(&"POA&M".to_string()));
    let sheet = wb.worksheet_range("POA&M").expect("POA&M");
    assert_eq!(sheet.height(), all.len() + 1, "every item, none completed");

    // An estate without items: no section at all.
    let plain = Env::estate();
    let out = plain.path().join("plain.pdf");
    plain
        .run([
            "report",
            "--format",
            "pdf",
            "--date",
            "2027-01-15",
            "--out",
            out.to_str().expect("path"),
        ])
        .success();
    assert!(!pdf_words(&out).contains("Plan of action"));
}

#[test]
fn two_closes_at_once_open_the_items_once() {
    let env = Env::estate();
    env.setup(&[
        &["evaluation", "open", "race"],
        &["evaluation", "record", "SRM-FW", "--result", "not-satisfied"],
    ]);
    let close = || {
        std::process::Command::new(assert_cmd::cargo::cargo_bin!("ctrlmap"))
            .env("CTRLMAP_DB", &env.db)
            .env("CTRLMAP_ACTOR", "alice")
            .env("CTRLMAP_BUSY_TIMEOUT_MS", "20000")
            .args(["--today", "2026-12-01", "evaluation", "close", "--evaluation", "1"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn")
    };
    let (a, b) = (close(), close());
    let outcomes = [a, b].map(|c| c.wait_with_output().expect("wait"));
    let closed = outcomes.iter().filter(|o| o.status.success()).count();
    let said: Vec<String> = outcomes
        .iter()
        .map(|o| String::from_utf8_lossy(&o.stderr).to_string())
        .collect();
    assert_eq!(closed, 1, "one close wins: {said:?}");
    let loser = outcomes.iter().find(|o| !o.status.success()).expect("one refused");
    let stderr = String::from_utf8_lossy(&loser.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    let opened = env.count("SELECT count(*) FROM poam_item");
    assert!(opened > 0);
    assert_eq!(
        env.count("SELECT count(*) FROM (SELECT DISTINCT control_key, kind FROM poam_item)"),
        opened,
        "one item per finding"
    );
    assert_eq!(
        env.count("SELECT count(*) FROM audit_log WHERE action = 'poam.open'"),
        opened
    );
    env.run(["audit", "verify"]).success();
}
