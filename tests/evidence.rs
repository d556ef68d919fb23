//! Evidence: the store, links, review, expiry, verification, export and gaps.

use std::path::PathBuf;

use serde_json::Value;
use sha2::Digest;

use crate::common::{Env, count, pluck, rejects_unchanged};

/// An estate with a service on RDS, owned by data-platform.
fn estate() -> Env {
    let env = Env::init();
    env.run(["team", "add", "data-platform"]).success();
    env.run([
        "service",
        "add",
        "orders-db",
        "--offering",
        "aws.rds",
        "--team",
        "data-platform",
    ])
    .success();
    env
}

fn report(env: &Env, contents: &str) -> PathBuf {
    env.file("patch-report-2026-11.pdf", contents)
}

/// Files under the evidence store (not directories).
fn stored_files(env: &Env) -> Vec<PathBuf> {
    fn walk(dir: &std::path::Path, out: &mut Vec<PathBuf>) {
        if let Ok(entries) = std::fs::read_dir(dir) {
            for e in entries.flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, out);
                } else {
                    out.push(p);
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(&PathBuf::from(format!("{}.evidence", env.db.display())), &mut out);
    out
}

fn add_file(env: &Env) -> Value {
    let file = report(env, "all prod hosts patched\n");
    env.json([
        "evidence",
        "add",
        "SRM-PATCH",
        "--service",
        "orders-db",
        file.to_str().expect("path"),
        "--title",
        "November patch compliance",
        "--collected",
        "2026-11-20",
        "--expires",
        "90d",
        "--json",
    ])
}

#[test]
fn a_file_is_stored_by_its_hash_read_only_and_private() {
    let env = estate();
    let e = add_file(&env);
    let actual = e["sha256"].as_str().expect("sha256").to_string();
    let expected = {
        use sha2::Digest;
        sha2::Sha256::digest(b"all prod hosts patched\n")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    assert_eq!(actual, expected);
    assert_eq!(e["size"], 23);
    assert_eq!(e["valid_until"], "2027-02-18");
    assert_eq!(e["collected_on"], "2026-11-20");
    assert_eq!(e["status"], "pending");
    assert_eq!(e["original_name"], "patch-report-2026-11.pdf");
    assert_eq!(e["media_type"], "application/pdf");
    let path = PathBuf::from(format!(
        "{}.evidence/sha256/{}/{}",
        env.db.display(),
        &actual[..2],
        &actual[2..]
    ));
    assert_eq!(std::fs::read(&path).expect("stored"), b"all prod hosts patched\n");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o400);
        let dir = std::fs::metadata(path.parent().expect("dir"))
            .expect("meta")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(dir & 0o077, 0, "store directories are owner-only");
    }
    assert_eq!(stored_files(&env).len(), 1, "no temporary files left behind");
    let entry = env.json(["audit", "log", "--limit", "1", "--json"]);
    assert_eq!(entry[0]["action"], "evidence.add");
}

#[test]
fn the_same_content_is_stored_once() {
    let env = estate();
    add_file(&env);
    let copy = env.file("copy.pdf", "all prod hosts patched\n");
    env.run(["evidence", "add", "SRM-CONFIG", copy.to_str().expect("path")])
        .success()
        .stdout(predicates::str::contains("same content as evidence 1"));
    assert_eq!(stored_files(&env).len(), 1);
    assert_eq!(env.count("SELECT count(*) FROM evidence"), 2);
}

#[test]
fn urls_and_notes_are_evidence_too() {
    let env = estate();
    env.run([
        "evidence",
        "add",
        "SRM-IAM",
        "--url",
        "https://wiki.example.com/iam-review",
        "--collected",
        "2026-10-01",
        "--expires",
        "2027-01-01",
    ])
    .success();
    env.run([
        "evidence",
        "add",
        "SRM-TRAIN",
        "--note",
        "Training completion 98%, see HR export",
        "--collected",
        "2026-11-01",
    ])
    .success();
    let list = env.json(["evidence", "list", "--json"]);
    assert_eq!(list[0]["evidence"]["kind"], "url");
    assert_eq!(list[0]["evidence"]["url"], "https://wiki.example.com/iam-review");
    assert_eq!(list[0]["evidence"]["valid_until"], "2027-01-01");
    assert_eq!(list[1]["evidence"]["kind"], "note");
    assert_eq!(list[1]["evidence"]["valid_until"], Value::Null);
    assert_eq!(list[1]["links"][0]["control"], "SRM-TRAIN");
    assert_eq!(list[1]["links"][0]["service"], Value::Null);
}

#[test]
fn collected_defaults_to_today_and_expiry_counts_from_it() {
    let env = estate();
    let e = env.json([
        "--today",
        "2026-01-31",
        "evidence",
        "add",
        "SRM-TRAIN",
        "--note",
        "x",
        "--expires",
        "1m",
        "--json",
    ]);
    assert_eq!(e["collected_on"], "2026-01-31");
    assert_eq!(e["valid_until"], "2026-02-28");
}

#[test]
fn one_piece_of_evidence_serves_several_controls() {
    let env = estate();
    add_file(&env);
    env.run(["evidence", "link", "1", "SRM-CONFIG"]).success();
    rejects_unchanged(&env, &["evidence", "link", "1", "SRM-CONFIG"], "already linked");
    let show = env.json(["evidence", "show", "1", "--json"]);
    let links: Vec<_> = pluck(&show["links"], "control");
    assert_eq!(links, ["SRM-PATCH", "SRM-CONFIG"]);
    let by_control = env.json(["evidence", "list", "--control", "SRM-CONFIG", "--json"]);
    assert_eq!(count(&by_control), Some(1));
    let by_service = env.json(["evidence", "list", "--service", "orders-db", "--json"]);
    assert_eq!(count(&by_service), Some(1));
    let by_team = env.json(["evidence", "list", "--team", "data-platform", "--json"]);
    assert_eq!(count(&by_team), Some(1));
    env.run(["evidence", "unlink", "1", "SRM-CONFIG"]).success();
    assert_eq!(
        env.json(["evidence", "list", "--control", "SRM-CONFIG", "--json"])
            .as_array()
            .map(Vec::len),
        Some(0)
    );
}

#[test]
fn the_submitter_cannot_accept_their_own_evidence() {
    let env = estate();
    add_file(&env);
    rejects_unchanged(
        &env,
        &["evidence", "review", "1", "--accept", "--note", "fine"],
        "separation of duties",
    );
    env.run_as(
        "bob",
        [
            "evidence",
            "review",
            "1",
            "--accept",
            "--note",
            "matches change tickets",
        ],
    )
    .success();
    let show = env.json(["evidence", "show", "1", "--json"]);
    assert_eq!(show["evidence"]["status"], "accepted");
    assert_eq!(show["reviews"][0]["reviewer"], "bob");
    assert_eq!(show["reviews"][0]["note"], "matches change tickets");
    // Re-review is allowed and kept in history.
    env.run_as(
        "carol",
        [
            "evidence",
            "review",
            "1",
            "--reject",
            "--note",
            "screenshot is from staging",
        ],
    )
    .success();
    let show = env.json(["evidence", "show", "1", "--json"]);
    assert_eq!(show["evidence"]["status"], "rejected");
    assert_eq!(count(&show["reviews"]), Some(2));
    rejects_unchanged(&env, &["evidence", "review", "1", "--reject"], "needs a --note");
    let pending = env.json(["evidence", "list", "--rejected", "--json"]);
    assert_eq!(count(&pending), Some(1));
}

#[test]
fn evidence_expires_by_the_date_alone() {
    let env = estate();
    add_file(&env); // valid until 2027-02-18
    env.run_as("bob", ["evidence", "review", "1", "--accept"]).success();
    let at = |today: &str| env.json(["--today", today, "evidence", "show", "1", "--json"]);
    assert_eq!(at("2027-02-18")["counts"], true);
    assert_eq!(at("2027-02-19")["counts"], false);
    assert_eq!(at("2027-02-19")["freshness"], "expired");
    let expired = env.json(["--today", "2027-03-01", "evidence", "list", "--expired", "--json"]);
    assert_eq!(count(&expired), Some(1));
    let soon = env.json([
        "--today",
        "2027-02-01",
        "evidence",
        "list",
        "--expiring",
        "30d",
        "--json",
    ]);
    assert_eq!(count(&soon), Some(1));
    let later = env.json([
        "--today",
        "2026-12-01",
        "evidence",
        "list",
        "--expiring",
        "30d",
        "--json",
    ]);
    assert_eq!(count(&later), Some(0));
}

#[test]
fn verify_names_altered_and_missing_files() {
    let env = estate();
    let e = add_file(&env);
    let note = env.file("other.txt", "other evidence");
    env.run([
        "evidence",
        "add",
        "SRM-FW",
        "--service",
        "orders-db",
        note.to_str().expect("path"),
    ])
    .success();
    env.run(["evidence", "verify"])
        .success()
        .stdout(predicates::str::contains("2 files verified"));
    let sha = e["sha256"].as_str().expect("sha").to_string();
    let path = PathBuf::from(format!(
        "{}.evidence/sha256/{}/{}",
        env.db.display(),
        &sha[..2],
        &sha[2..]
    ));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    std::fs::write(&path, b"all prod hosts patched!\n").expect("tamper");
    let out = env.run(["evidence", "verify"]).code(1);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(stdout.contains(&format!("altered: {sha} (evidence 1)")), "{stdout}");

    // An altered file is never served.
    let copy = env.path().join("copy.pdf");
    env.run(["evidence", "export", "1", "--out", copy.to_str().expect("path")])
        .code(3);
    assert!(!copy.exists());
    // Nor accepted.
    env.run_as("bob", ["evidence", "review", "1", "--accept"]).code(3);

    std::fs::remove_file(&path).expect("delete");
    let out = env.run(["evidence", "verify"]).code(1);
    assert!(String::from_utf8_lossy(&out.get_output().stdout).contains(&format!("missing: {sha}")));
    env.run(["evidence", "export", "1", "--out", copy.to_str().expect("path")])
        .code(3);
    assert!(!copy.exists());
}

#[test]
fn export_writes_the_verified_bytes() {
    let env = estate();
    add_file(&env);
    let copy = env.path().join("copy.pdf");
    env.run(["evidence", "export", "1", "--out", copy.to_str().expect("path")])
        .success();
    assert_eq!(std::fs::read(&copy).expect("copy"), b"all prod hosts patched\n");
    rejects_unchanged(
        &env,
        &["evidence", "export", "1", "--out", copy.to_str().expect("path")],
        "already exists",
    );
    env.run(["evidence", "add", "SRM-TRAIN", "--note", "n"]).success();
    rejects_unchanged(&env, &["evidence", "export", "2", "--out", "x"], "not a file");
}

#[test]
fn bad_evidence_input_writes_nothing_and_stores_nothing() {
    let env = estate();
    let file = report(&env, "content");
    let f = file.to_str().expect("path");
    let dir = env.path().to_str().expect("path").to_string();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["evidence", "add", "SRM-PATCH", "missing.pdf"], "missing.pdf"),
        (vec!["evidence", "add", "SRM-PATCH", &dir], "not a regular file"),
        (vec!["evidence", "add", "SRM-NOPE", f], "unknown control \"SRM-NOPE\""),
        (
            vec!["evidence", "add", "SRM-PATCH", f, "--service", "nope"],
            "unknown service \"nope\"",
        ),
        (
            vec!["evidence", "add", "SRM-PATCH", f, "--collected", "2026-02-30"],
            "not a date",
        ),
        (
            vec!["evidence", "add", "SRM-PATCH", f, "--expires", "90x"],
            "neither a date",
        ),
        (
            vec![
                "evidence",
                "add",
                "SRM-PATCH",
                f,
                "--collected",
                "2026-11-20",
                "--expires",
                "2026-11-01",
            ],
            "before the collection date",
        ),
        (
            vec!["evidence", "add", "SRM-PATCH", "--url", "ftp://example.com/x"],
            "not an http(s) URL",
        ),
        (
            vec!["evidence", "add", "SRM-PATCH", "--url", "https://"],
            "not an http(s) URL",
        ),
        (
            vec!["evidence", "add", "SRM-PATCH", "--note", "  "],
            "must not be empty",
        ),
        (vec!["evidence", "add", "SRM-PATCH"], "required"),
        (
            vec!["evidence", "add", "SRM-PATCH", f, "--url", "https://example.com"],
            "cannot be used with",
        ),
        (vec!["evidence", "review", "99", "--accept"], "unknown evidence \"99\""),
        (vec!["evidence", "link", "99", "SRM-FW"], "unknown evidence \"99\""),
    ];
    for (args, message) in cases {
        rejects_unchanged(&env, &args, message);
        assert!(stored_files(&env).is_empty(), "{args:?} left a file in the store");
    }
    #[cfg(unix)]
    {
        let link = env.path().join("link.pdf");
        std::os::unix::fs::symlink(&file, &link).expect("symlink");
        rejects_unchanged(
            &env,
            &["evidence", "add", "SRM-PATCH", link.to_str().expect("path")],
            "symbolic link",
        );
    }
}

#[test]
fn gaps_flag_what_an_auditor_would() {
    let env = estate();
    // No evidence yet: every shared or customer control on orders-db lacks counting evidence.
    let out = env.run(["--today", "2026-11-25", "gaps", "--json"]).code(1);
    let gaps: Value = serde_json::from_slice(&out.get_output().stdout).expect("json");
    let has = |gaps: &Value, kind: &str, control: &str| {
        gaps.as_array()
            .expect("array")
            .iter()
            .any(|g| g["kind"] == kind && g["control"] == control)
    };
    assert!(has(&gaps, "no-evidence", "SRM-PATCH"));
    assert!(
        !has(&gaps, "no-evidence", "SRM-PHYS"),
        "inherited controls need no evidence from us"
    );
    assert!(!has(&gaps, "no-owner", "SRM-PATCH"), "the service's team owns it");

    add_file(&env); // SRM-PATCH on orders-db, valid until 2027-02-18
    env.run_as("bob", ["evidence", "review", "1", "--accept"]).success();
    let gaps_on = |today: &str, within: &str| {
        let out = env
            .run(["--today", today, "gaps", "--within", within, "--json"])
            .code(1);
        serde_json::from_slice::<Value>(&out.get_output().stdout).expect("json")
    };
    let now = gaps_on("2026-11-25", "30d");
    assert!(!has(&now, "no-evidence", "SRM-PATCH"));
    assert!(!has(&now, "expiring-evidence", "SRM-PATCH"));
    let soon = gaps_on("2027-02-01", "30d");
    assert!(has(&soon, "expiring-evidence", "SRM-PATCH"));
    let after = gaps_on("2027-02-19", "30d");
    assert!(has(&after, "no-evidence", "SRM-PATCH"));
    let detail = after
        .as_array()
        .expect("array")
        .iter()
        .find(|g| g["kind"] == "no-evidence" && g["control"] == "SRM-PATCH")
        .map(|g| g["detail"].as_str().unwrap_or("").to_string())
        .unwrap_or_default();
    assert!(detail.contains("expired on 2027-02-18"), "{detail}");

    // A service without a team leaves its shared and customer controls unowned.
    env.run(["service", "add", "bucket", "--offering", "aws.s3"]).success();
    let unowned = gaps_on("2026-11-25", "30d");
    assert!(has(&unowned, "no-owner", "SRM-IAM"));
    // --team narrows to one team's gaps.
    let out = env
        .run(["--today", "2026-11-25", "gaps", "--team", "data-platform", "--json"])
        .code(1);
    let mine: Value = serde_json::from_slice(&out.get_output().stdout).expect("json");
    assert!(
        mine.as_array()
            .expect("array")
            .iter()
            .all(|g| g["team"] == "data-platform")
    );
}

#[test]
fn an_estate_with_nothing_to_flag_exits_zero() {
    let env = Env::init();
    env.run(["service", "add", "bucket", "--offering", "aws.s3", "--out-of-scope"])
        .success();
    // No in-scope services: every control is undetermined for the organisation.
    env.run(["gaps"])
        .code(1)
        .stdout(predicates::str::contains("undetermined"));
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("own.csv");
    std::fs::write(&file, "key,title\nX-1,Only control\n").expect("write");
    env.run([
        "catalog",
        "import-csv",
        file.to_str().expect("path"),
        "--key",
        "own",
        "--title",
        "Own",
    ])
    .success();
    env.run([
        "responsibility",
        "set",
        "own:X-1",
        "--as",
        "inherited",
        "--why",
        "provider runs it",
    ])
    .success();
    env.run(["gaps", "--catalog", "own"])
        .success()
        .stdout(predicates::str::contains("no gaps"));
}

#[test]
fn hash_prints_what_a_file_would_be_stored_under_without_a_database() {
    let env = Env::new();
    let file = env.file("x.txt", "hello");
    env.run(["evidence", "hash", file.to_str().expect("path")])
        .success()
        .stdout(predicates::str::starts_with(
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824  5 bytes",
        ));
    assert!(!env.db.exists());
}

#[test]
fn adding_the_genuine_file_again_repairs_an_altered_copy() {
    let env = estate();
    let e = add_file(&env);
    let sha = e["sha256"].as_str().expect("sha").to_string();
    let path = PathBuf::from(format!(
        "{}.evidence/sha256/{}/{}",
        env.db.display(),
        &sha[..2],
        &sha[2..]
    ));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    std::fs::write(&path, b"forged").expect("tamper");
    env.run(["evidence", "verify"]).code(1);
    let again = env.file("again.pdf", "all prod hosts patched\n");
    env.run(["evidence", "add", "SRM-PATCH", again.to_str().expect("path")])
        .success();
    env.run(["evidence", "verify"]).success();
    assert_eq!(std::fs::read(&path).expect("stored"), b"all prod hosts patched\n");
}

#[test]
fn separation_of_duties_ignores_case_and_notes_may_start_with_a_dash() {
    let env = estate();
    env.run_as(
        "bob",
        [
            "evidence",
            "add",
            "SRM-TRAIN",
            "--note",
            "-2 contractors missing",
            "--expires",
            "30d",
        ],
    )
    .success();
    assert_eq!(
        env.json(["evidence", "show", "1", "--json"])["evidence"]["note"],
        "-2 contractors missing"
    );
    rejects_unchanged(
        &env,
        &["--actor", "BOB", "evidence", "review", "1", "--accept"],
        "separation of duties",
    );
}

#[test]
fn many_gaps_are_grouped_by_control_and_kind_and_json_still_lists_each() {
    let env = Env::init();
    let mut csv = String::from("name,offering\n");
    for i in 1..=30 {
        csv.push_str(&format!("vm-{i},aws.ec2\n"));
    }
    let file = env.file("services.csv", csv);
    env.run(["service", "import", file.to_str().expect("path")]).success();
    // 30 services without a team: every shared or customer control lacks an owner and evidence.
    let out = env.run(["--today", "2026-11-25", "gaps", "--json"]).code(1);
    let gaps: Value = serde_json::from_slice(&out.get_output().stdout).expect("json");
    let all = gaps.as_array().expect("array");
    assert!(all.len() > 200, "{}", all.len());
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains(&format!("{} gaps found", all.len())), "{stderr}");
    let patch_no_owner = all
        .iter()
        .filter(|g| g["kind"] == "no-owner" && g["control"] == "SRM-PATCH")
        .count();
    assert_eq!(patch_no_owner, 30);

    let out = env.run(["--today", "2026-11-25", "gaps"]).code(1);
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        text.contains(&format!("{} gaps in", all.len())) && text.contains("rows by control and kind"),
        "{text}"
    );
    let row = text
        .lines()
        .find(|l| l.contains("no-owner") && l.contains("SRM-PATCH"))
        .expect("a SRM-PATCH no-owner row");
    assert!(row.contains("30: vm-1, vm-10, vm-11, ..."), "{row}");
    // One row per control and kind, not one per gap.
    assert!(text.lines().count() < 100, "{}", text.lines().count());
}

#[test]
fn import_registers_files_urls_and_notes_in_one_go() {
    let env = estate();
    std::fs::create_dir(env.path().join("scans")).expect("mkdir");
    env.file("scans/patch.txt", "all prod hosts patched\n");
    let csv = env.file(
        "evidence.csv",
        "control,service,title,url,note,file,collected,expires\n\
         SRM-PATCH,orders-db,Patch report,,,scans/patch.txt,2026-11-01,90d\n\
         SRM-FW,,Firewall wiki,https://wiki.example.com/fw,,,2026-11-02,2027-06-30\n\
         SRM-TRAIN,orders-db,,,\"Everyone trained, see HR\",,,\n",
    );
    let out = env.json(["evidence", "import", csv.to_str().expect("path"), "--json"]);
    assert_eq!(out["added"], 3);
    assert_eq!(
        (out["files"].clone(), out["urls"].clone(), out["notes"].clone()),
        (1.into(), 1.into(), 1.into())
    );
    let list = env.json(["evidence", "list", "--json"]);
    let items = pluck(&list, "evidence");
    assert_eq!(pluck(&Value::from(items.clone()), "kind"), ["file", "url", "note"]);
    assert_eq!(
        pluck(&Value::from(items), "valid_until"),
        [Value::from("2027-01-30"), Value::from("2027-06-30"), Value::Null]
    );
    let file = env.json(["evidence", "show", "1", "--json"]);
    let sha: String = sha2::Sha256::digest(b"all prod hosts patched\n")
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(file["evidence"]["sha256"], sha);
    assert_eq!(stored_files(&env).len(), 1);
    assert_eq!(
        env.count("SELECT count(*) FROM evidence_link WHERE service_id IS NULL"),
        1,
        "the URL row has no service: organisation-wide"
    );
    assert_eq!(
        env.count(
            "SELECT count(*) FROM audit_log WHERE action = 'evidence.add' AND details LIKE '%evidence.csv line %'"
        ),
        3
    );
    env.run(["audit", "verify"]).success();
}

#[test]
fn a_bad_evidence_row_anywhere_imports_nothing_and_keeps_no_file() {
    let env = estate();
    env.file("good.txt", "fine\n");
    let head = "control,service,url,note,file,collected,expires\n";
    let good = "SRM-PATCH,orders-db,,,good.txt,2026-11-01,90d\n";
    let cases = [
        ("SRM-NOPE,,,a note,,,\n", "line 3"),
        ("SRM-FW,nobody,,a note,,,\n", "unknown service"),
        ("SRM-FW,,ftp://x,,,,\n", "column \"url\""),
        ("SRM-FW,,,,,,\n", "column \"note\" must not be empty"),
        ("SRM-FW,,,a note,,2026-02-30,\n", "column \"collected\""),
        ("SRM-FW,,,a note,,2026-11-01,5x\n", "column \"expires\""),
        ("SRM-FW,,https://x.example.com,,good.txt,,\n", "not both"),
        ("SRM-FW,,,,missing.txt,,\n", "missing.txt"),
        ("SRM-FW,,,,.,,\n", "not a regular file"),
        (",,,a note,,,\n", "column \"control\""),
    ];
    for (i, (bad, message)) in cases.iter().enumerate() {
        let csv = env.file(&format!("bad-{i}.csv"), format!("{head}{good}{bad}"));
        rejects_unchanged(&env, &["evidence", "import", csv.to_str().expect("path")], message);
        assert!(stored_files(&env).is_empty(), "{bad:?} left a file in the store");
    }
    for file in [
        "empty.csv",
        "latin1.csv",
        "utf16.csv",
        "unclosed-quote.csv",
        "ragged.csv",
    ] {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/bad/").to_string() + file;
        rejects_unchanged(&env, &["evidence", "import", &path], file);
    }
}
