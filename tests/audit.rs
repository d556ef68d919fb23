//! The audit log: every write is recorded and a tampered log is detected.

use crate::common::{Env, count, pluck};

fn busy_env() -> Env {
    let env = Env::init();
    env.run(["team", "add", "platform"]).success();
    env.run(["service", "add", "web", "--offering", "aws.ec2", "--team", "platform"])
        .success();
    env.run([
        "responsibility",
        "set",
        "SRM-FW",
        "--service",
        "web",
        "--as",
        "shared",
        "--why",
        "x",
    ])
    .success();
    env
}

#[test]
fn every_write_is_logged_with_its_actor() {
    let env = busy_env();
    env.run_as("bob", ["team", "add", "security"]).success();
    let log = env.json(["audit", "log", "--limit", "4", "--json"]);
    let actions: Vec<_> = pluck(&log, "action");
    assert_eq!(actions, ["team.add", "service.add", "responsibility.set", "team.add"]);
    assert_eq!(log[3]["actor"], "bob");
    let filtered = env.json(["audit", "log", "--entity", "service:", "--json"]);
    assert_eq!(count(&filtered), Some(1));
    env.run(["audit", "verify"])
        .success()
        .stdout(predicates::str::contains("intact"));
}

#[test]
fn the_log_refuses_update_and_delete() {
    let env = busy_env();
    let conn = env.sql();
    assert!(
        conn.execute("UPDATE audit_log SET actor = 'mallory' WHERE id = 3", [])
            .is_err()
    );
    assert!(conn.execute("DELETE FROM audit_log WHERE id = 3", []).is_err());
}

#[test]
fn verify_names_an_entry_edited_behind_our_back() {
    let env = busy_env();
    let target = env.count("SELECT max(id) - 1 FROM audit_log");
    // What someone with the sqlite3 shell could do: drop the guard and edit a row.
    env.sql()
        .execute_batch(&format!(
            "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor = 'mallory' WHERE id = {target};"
        ))
        .expect("tamper");
    let out = env.run(["audit", "verify"]).code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains(&format!("entry {target}")), "{stderr}");
    assert!(stderr.contains("edited"), "{stderr}");
}

#[test]
fn verify_names_where_entries_were_deleted() {
    let env = busy_env();
    let target = env.count("SELECT max(id) - 1 FROM audit_log");
    env.sql()
        .execute_batch(&format!(
            "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE id = {target};"
        ))
        .expect("tamper");
    let out = env.run(["audit", "verify"]).code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains(&format!("entry {}", target + 1)), "{stderr}");
}

#[test]
fn verify_detects_a_rewritten_details_field_even_with_a_recomputed_row_hash() {
    let env = busy_env();
    // Rewriting one entry and its own hash still breaks the link from the next entry.
    let target = env.count("SELECT max(id) - 1 FROM audit_log");
    env.sql()
        .execute_batch(&format!(
            "DROP TRIGGER audit_log_no_update;
             UPDATE audit_log SET hash = 'f' || substr(hash, 2) WHERE id = {target};"
        ))
        .expect("tamper");
    env.run(["audit", "verify"]).code(1);
}

#[test]
fn the_sqlite3_shell_cannot_edit_the_log_unnoticed() {
    let env = busy_env();
    let shell = std::path::Path::new("/usr/bin/sqlite3");
    if !shell.exists() {
        eprintln!("sqlite3 shell not installed; covered by the rusqlite tests above");
        return;
    }
    let db = env.db.to_str().expect("utf-8 path");
    // The guard stops a plain edit...
    let refused = std::process::Command::new(shell)
        .args([db, "UPDATE audit_log SET actor = 'mallory' WHERE id = 2;"])
        .output()
        .expect("run sqlite3");
    assert!(!refused.status.success());
    env.run(["audit", "verify"]).success();
    // ...and an edit after dropping it is named by verify.
    let done = std::process::Command::new(shell)
        .args([
            db,
            "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor = 'mallory' WHERE id = 2;",
        ])
        .output()
        .expect("run sqlite3");
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
    let out = env.run(["audit", "verify"]).code(1);
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("entry 2"));
}

#[test]
fn a_removed_guard_is_reported() {
    let env = busy_env();
    env.sql()
        .execute_batch("DROP TRIGGER audit_log_no_delete;")
        .expect("drop");
    let out = env.run(["audit", "verify"]).code(1);
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("audit_log_no_delete"));
}

#[test]
fn a_kept_head_detects_truncation_and_a_rewritten_chain() {
    let env = busy_env();
    let out = env.run(["audit", "verify"]).success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let head = stdout
        .lines()
        .find_map(|l| l.strip_prefix("head: "))
        .expect("head printed")
        .to_string();
    env.run(["audit", "verify", "--expect", &head]).success();
    env.run(["team", "add", "later"]).success();
    env.run(["audit", "verify", "--expect", &head]).success();

    // Truncating the newest entries (with the guard put back) leaves a valid chain, but not the head.
    let (id, _) = head.split_once(':').expect("id:hash");
    env.sql()
        .execute_batch(&format!(
            "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE id >= {id};
             CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
             BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE is forbidden'); END;"
        ))
        .expect("truncate");
    env.run(["audit", "verify"]).success();
    let out = env.run(["audit", "verify", "--expect", &head]).code(1);
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("truncated"));
}
