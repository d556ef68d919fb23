//! The evidence store under attack: links, FIFOs and directories where its directories or files
//! should be, and stored files altered behind its back. Nothing is followed, nothing hangs (every
//! command here runs under a time limit), refusals leave the database byte for byte as it was,
//! and reports never count a file that failed its integrity check.

#![cfg(unix)]

use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::assert::Assert;

use crate::common::Env;

/// Runs ctrlmap as `actor`, killed after a minute: a command that blocks fails instead of hanging.
fn run_as(env: &Env, actor: &str, args: &[&str]) -> Assert {
    let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("ctrlmap");
    cmd.current_dir(env.path())
        .env("CTRLMAP_DB", &env.db)
        .env("CTRLMAP_ACTOR", actor)
        .timeout(Duration::from_secs(60))
        .args(args)
        .assert()
}

fn run(env: &Env, args: &[&str]) -> Assert {
    run_as(env, "alice", args)
}

fn arg(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Expects `args` to exit with `code`, one error line containing `needle`, and the database
/// unchanged byte for byte.
fn refused(env: &Env, args: &[&str], code: i32, needle: &str) -> String {
    let before = env.fingerprint();
    let out = run(env, args).code(code);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr.contains(needle),
        "{args:?}: stderr {stderr:?} should contain {needle:?}"
    );
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "one-line error expected: {stderr}"
    );
    assert_eq!(env.fingerprint(), before, "{args:?} changed the database");
    stderr
}

/// The evidence content every test starts from.
const CONTENT: &[u8] = b"all hosts patched on 2026-11-20\n";

/// An estate with evidence 1, a stored file for SRM-PATCH on web, accepted by bob, and an open
/// evaluation; returns the stored file's hash and path.
fn estate() -> (Env, String, PathBuf) {
    let env = Env::estate();
    let file = env.file("patch.txt", CONTENT);
    let out = run(
        &env,
        &[
            "evidence",
            "add",
            "SRM-PATCH",
            "--service",
            "web",
            arg(&file),
            "--collected",
            "2026-11-20",
            "--json",
        ],
    )
    .success();
    let added: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).expect("JSON");
    let sha = added["sha256"].as_str().expect("sha").to_string();
    run_as(&env, "bob", &["evidence", "review", "1", "--accept", "--note", "ok"]).success();
    run(&env, &["evaluation", "open", "q4"]).success();
    let stored = store_root(&env).join("sha256").join(&sha[..2]).join(&sha[2..]);
    assert!(stored.is_file());
    (env, sha, stored)
}

fn store_root(env: &Env) -> PathBuf {
    PathBuf::from(format!("{}.evidence", env.db.display()))
}

/// A directory outside the store.
fn elsewhere(env: &Env) -> PathBuf {
    let dir = env.path().join("elsewhere");
    std::fs::create_dir_all(&dir).expect("mkdir");
    dir
}

/// Removes a stored (read-only) file so something else can take its place.
fn unstore(stored: &Path) {
    std::fs::remove_file(stored).expect("remove the stored file");
}

/// Rewrites a stored file in place.
fn overwrite(stored: &Path, bytes: &[u8]) {
    std::fs::set_permissions(stored, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    std::fs::write(stored, bytes).expect("tamper");
}

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success(), "mkfifo failed");
}

/// The control-level CSV row of SRM-PATCH as (column, cell) pairs, from a report with `extra` args.
fn patch_row(env: &Env, extra: &[&str]) -> std::collections::HashMap<String, String> {
    let out = env.path().join("r.csv");
    let _ = std::fs::remove_file(&out);
    let mut args = vec!["report", "--format", "csv", "--out", arg(&out), "--date", "2026-12-01"];
    args.extend_from_slice(extra);
    run(env, &args).success();
    let mut reader = csv::Reader::from_path(&out).expect("CSV");
    let headers = reader.headers().expect("header").clone();
    for record in reader.records() {
        let record = record.expect("row");
        if record.get(1) == Some("SRM-PATCH") {
            return headers
                .iter()
                .map(String::from)
                .zip(record.iter().map(String::from))
                .collect();
        }
    }
    panic!("no SRM-PATCH row");
}

/// The text of a PDF report made with `extra` args, and its bytes.
fn pdf(env: &Env, name: &str, extra: &[&str]) -> (String, Vec<u8>) {
    let out = env.path().join(name);
    let _ = std::fs::remove_file(&out);
    let mut args = vec!["report", "--format", "pdf", "--out", arg(&out), "--date", "2026-12-01"];
    args.extend_from_slice(extra);
    run(env, &args).success();
    let bytes = std::fs::read(&out).expect("PDF written");
    let doc = lopdf::Document::load_mem(&bytes).expect("a PDF lopdf can read");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    let text = pages
        .iter()
        .map(|n| doc.extract_text(&[*n]).expect("text"))
        .collect::<Vec<_>>()
        .join("\n");
    (text, bytes)
}

const WARNING: &str = "failed the integrity check";

#[test]
fn a_store_root_that_is_a_link_is_refused_and_never_followed() {
    // Before the first add: the link would send new evidence elsewhere.
    let env = Env::estate();
    let target = elsewhere(&env);
    symlink(&target, store_root(&env)).expect("symlink");
    let file = env.file("a.txt", "a");
    let stderr = refused(
        &env,
        &["evidence", "add", "SRM-PATCH", arg(&file)],
        3,
        "is a symbolic link",
    );
    assert!(stderr.contains(".evidence"), "the message names the path: {stderr}");
    assert_eq!(
        std::fs::read_dir(&target).expect("dir").count(),
        0,
        "nothing written through the link"
    );

    // An existing store moved away and linked back: every command that reads it refuses.
    let (env, _, _) = estate();
    let target = elsewhere(&env).join("store");
    std::fs::rename(store_root(&env), &target).expect("move the store");
    symlink(&target, store_root(&env)).expect("symlink");
    let copy = env.path().join("copy.txt");
    let zip = env.path().join("p.zip");
    let report = env.path().join("r.pdf");
    for args in [
        vec!["evidence", "verify"],
        vec!["evidence", "show", "1"],
        vec!["evidence", "export", "1", "--out", arg(&copy)],
        vec!["evaluation", "close"],
        vec!["report", "--format", "pdf", "--out", arg(&report)],
        vec!["package", "--evaluation", "1", "--out", arg(&zip)],
    ] {
        refused(&env, &args, 3, "is a symbolic link");
    }
    assert!(
        !copy.exists() && !zip.exists() && !report.exists(),
        "nothing was written"
    );
    let import = env.file("import.csv", "control,service,file\nSRM-PATCH,web,a.txt\n");
    env.file("a.txt", "new");
    refused(&env, &["evidence", "import", arg(&import)], 3, "is a symbolic link");
}

#[test]
fn a_shard_or_tmp_that_is_a_link_is_refused() {
    let (env, sha, _) = estate();
    let shard = store_root(&env).join("sha256").join(&sha[..2]);
    let moved = elsewhere(&env).join("shard");
    std::fs::rename(&shard, &moved).expect("move the shard");
    symlink(&moved, &shard).expect("symlink");
    let stderr = refused(&env, &["evidence", "verify"], 3, "is a symbolic link");
    assert!(
        stderr.contains(&format!("sha256/{}", &sha[..2])),
        "names the shard: {stderr}"
    );
    refused(&env, &["evaluation", "close"], 3, "is a symbolic link");
    let report = env.path().join("r.csv");
    refused(
        &env,
        &["report", "--format", "csv", "--out", arg(&report)],
        3,
        "is a symbolic link",
    );
    assert!(!report.exists());

    // A `tmp/` that is a link: a new file is never written through it.
    let (env, _, _) = estate();
    let tmp = store_root(&env).join("tmp");
    std::fs::remove_dir(&tmp).expect("tmp is empty");
    let target = elsewhere(&env);
    symlink(&target, &tmp).expect("symlink");
    let file = env.file("b.txt", "b");
    refused(
        &env,
        &["evidence", "add", "SRM-FW", arg(&file)],
        3,
        "is a symbolic link",
    );
    assert_eq!(
        std::fs::read_dir(&target).expect("dir").count(),
        0,
        "nothing written through the link"
    );
}

#[test]
fn a_fifo_where_a_stored_file_should_be_is_tampering_and_never_blocks() {
    let (env, sha, stored) = estate();
    unstore(&stored);
    mkfifo(&stored);

    let out = run(&env, &["evidence", "verify"]).code(1);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(stdout.contains(&format!("altered: {sha} (evidence 1)")), "{stdout}");
    let copy = env.path().join("copy.txt");
    refused(&env, &["evidence", "export", "1", "--out", arg(&copy)], 3, "is a FIFO");
    assert!(!copy.exists());
    let out = run(&env, &["evidence", "show", "1"]).success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(stdout.contains("ALTERED"), "{stdout}");
    assert!(
        stdout.contains("no (its stored file failed the integrity check)"),
        "{stdout}"
    );
    let out = run(&env, &["evidence", "show", "1", "--json"]).success();
    let show: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).expect("JSON");
    assert_eq!(show["stored_file"]["state"], "altered");
    assert_eq!(show["counts"], false);
    let row = patch_row(&env, &[]);
    assert_eq!(row["evidence_ids"], "1 (altered)");
    assert_eq!(row["freshest_evidence"], "", "the FIFO's evidence does not count");
    let stderr = refused(&env, &["evaluation", "close"], 3, "evidence 1 \"patch.txt\"");
    assert!(stderr.contains(&sha[2..]), "names the file: {stderr}");
    let zip = env.path().join("p.zip");
    refused(
        &env,
        &["package", "--evaluation", "1", "--out", arg(&zip)],
        3,
        "is a FIFO",
    );
    assert!(!zip.exists());
    // Adding the genuine bytes again puts a real file back in its place.
    let again = env.file("again.txt", CONTENT);
    run(&env, &["evidence", "add", "SRM-PATCH", "--service", "web", arg(&again)]).success();
    run(&env, &["evidence", "verify"]).success();
}

#[test]
fn a_link_to_the_right_content_is_still_refused() {
    let (env, sha, stored) = estate();
    let genuine = elsewhere(&env).join("genuine.txt");
    std::fs::write(&genuine, CONTENT).expect("copy");
    unstore(&stored);
    symlink(&genuine, &stored).expect("symlink");

    let out = run(&env, &["evidence", "verify"]).code(1);
    assert!(String::from_utf8_lossy(&out.get_output().stdout).contains(&format!("altered: {sha}")));
    let copy = env.path().join("copy.txt");
    refused(
        &env,
        &["evidence", "export", "1", "--out", arg(&copy)],
        3,
        "is a symbolic link",
    );
    assert!(!copy.exists());
    refused(&env, &["evaluation", "close"], 3, "was altered");
    let zip = env.path().join("p.zip");
    refused(
        &env,
        &["package", "--evaluation", "1", "--out", arg(&zip)],
        3,
        "is a symbolic link",
    );
    let before = env.fingerprint();
    run_as(&env, "bob", &["evidence", "review", "1", "--accept"]).code(3);
    assert_eq!(env.fingerprint(), before);
    assert_eq!(patch_row(&env, &[])["evidence_ids"], "1 (altered)");
    assert_eq!(
        std::fs::read(&genuine).expect("target"),
        CONTENT,
        "the link's target is untouched"
    );
}

#[test]
fn a_directory_where_a_stored_file_should_be_is_tampering() {
    let (env, sha, stored) = estate();
    unstore(&stored);
    std::fs::create_dir(&stored).expect("mkdir");
    let out = run(&env, &["evidence", "verify"]).code(1);
    assert!(String::from_utf8_lossy(&out.get_output().stdout).contains(&format!("altered: {sha}")));
    let copy = env.path().join("copy.txt");
    refused(
        &env,
        &["evidence", "export", "1", "--out", arg(&copy)],
        3,
        "is a directory",
    );
    refused(&env, &["evaluation", "close"], 3, "evidence 1");
    let again = env.file("again.txt", CONTENT);
    refused(
        &env,
        &["evidence", "add", "SRM-PATCH", arg(&again)],
        3,
        "is a directory",
    );
}

#[test]
fn an_edit_that_keeps_the_size_is_caught_by_a_full_check_and_by_close() {
    let (env, sha, stored) = estate();
    let intact = patch_row(&env, &[]);
    assert_eq!(intact["evidence_ids"], "1");
    assert_eq!(intact["freshest_evidence"], "2026-11-20");
    let mut forged = CONTENT.to_vec();
    forged[0] = b'A';
    overwrite(&stored, &forged);

    // The cheap check cannot see an edit of the same size; --verify-evidence re-hashes.
    assert_eq!(patch_row(&env, &[]), intact);
    let verified = patch_row(&env, &["--verify-evidence"]);
    assert_eq!(verified["evidence_ids"], "1 (altered)");
    assert_eq!(verified["evidence_sha256"], format!("{sha} (altered)"));
    assert_eq!(verified["freshest_evidence"], "");
    let (text, a) = pdf(&env, "a.pdf", &["--verify-evidence"]);
    assert!(text.contains(WARNING), "the PDF says so: {text}");
    let (_, b) = pdf(&env, "b.pdf", &["--verify-evidence"]);
    assert_eq!(a, b, "still deterministic");

    let stderr = refused(
        &env,
        &["evaluation", "close"],
        3,
        "evidence 1 \"patch.txt\": stored file",
    );
    assert!(stderr.contains("was altered"), "{stderr}");
    assert!(
        stderr.contains(&format!("{}/{}", &sha[..2], &sha[2..])),
        "names the file: {stderr}"
    );
    assert_eq!(
        env.count("SELECT count(*) FROM evaluation WHERE closed_at IS NOT NULL"),
        0
    );
    assert_eq!(env.count("SELECT count(*) FROM evaluation_item"), 0);
}

#[test]
fn a_resized_or_missing_file_is_caught_by_the_cheap_check_and_said_on_the_page() {
    let (env, sha, stored) = estate();
    let (clean_text, _) = pdf(&env, "clean.pdf", &[]);
    assert!(!clean_text.contains(WARNING), "nothing to say when nothing is tampered");

    overwrite(&stored, b"forged, and longer than the original evidence was\n");
    let row = patch_row(&env, &[]);
    assert_eq!(row["evidence_ids"], "1 (altered)");
    assert_eq!(row["evidence_sha256"], format!("{sha} (altered)"));
    let (text, a) = pdf(&env, "a.pdf", &[]);
    assert!(
        text.contains("1 evidence file failed the integrity check"),
        "the summary says so: {text}"
    );
    assert!(text.contains("file altered"), "the evidence index says so: {text}");
    assert!(text.contains("failed-integrity"), "a finding says so");
    let (_, b) = pdf(&env, "b.pdf", &[]);
    assert_eq!(a, b, "the same data and date give the same bytes");
    let xlsx = env.path().join("r.xlsx");
    run(
        &env,
        &[
            "report",
            "--format",
            "xlsx",
            "--out",
            arg(&xlsx),
            "--date",
            "2026-12-01",
        ],
    )
    .success();
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&xlsx).expect("xlsx");
    let sheet = calamine::Reader::worksheet_range(&mut book, "Evidence").expect("Evidence sheet");
    assert_eq!(
        sheet.get((1, 5)),
        Some(&calamine::Data::String("accepted; file altered, not counted".into()))
    );

    unstore(&stored);
    assert_eq!(patch_row(&env, &[])["evidence_ids"], "1 (missing)");
    refused(&env, &["evaluation", "close"], 3, "is missing");
}

#[test]
fn a_file_altered_after_close_is_flagged_in_the_closed_evaluations_report() {
    let (env, _, stored) = estate();
    run(&env, &["evaluation", "close"]).success();
    let (before, _) = pdf(&env, "before.pdf", &["--evaluation", "1"]);
    assert!(!before.contains(WARNING));
    overwrite(&stored, b"swapped after the evaluation closed\n");
    let (after, _) = pdf(&env, "after.pdf", &["--evaluation", "1"]);
    assert!(after.contains(WARNING), "a frozen report flags it too: {after}");
    assert_eq!(patch_row(&env, &["--evaluation", "1"])["evidence_ids"], "1 (altered)");
}

#[test]
fn report_help_documents_verify_evidence() {
    let env = Env::new();
    let out = run(&env, &["report", "--help"]).success();
    assert!(String::from_utf8_lossy(&out.get_output().stdout).contains("--verify-evidence"));
}
