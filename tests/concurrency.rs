//! Several ctrlmap processes writing at once: every command either succeeds or fails cleanly with
//! a one-line "busy, try again" message; retried, nothing is lost, nothing is doubled, and the
//! audit chain holds with exactly one entry per successful write.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::Env;

/// Writers running at once, and commands each runs (a mix of six kinds, in turn).
const WRITERS: usize = 3;
const OPS_PER_WRITER: usize = 300;

/// A writer's tally: successful commands by audit action, and how often it had to retry.
#[derive(Default)]
struct Tally {
    done: BTreeMap<&'static str, usize>,
    retries: usize,
}

fn ctrlmap(db: &Path, actor: &str, busy_timeout_ms: u32, args: &[String]) -> Output {
    Command::new(assert_cmd::cargo::cargo_bin!("ctrlmap"))
        .env("CTRLMAP_DB", db)
        .env("CTRLMAP_ACTOR", actor)
        .env("CTRLMAP_BUSY_TIMEOUT_MS", busy_timeout_ms.to_string())
        .args(args)
        .output()
        .expect("run ctrlmap")
}

/// Runs `args` until it succeeds; every failure must be the one-line retryable busy error.
fn until_done(db: &Path, actor: &str, busy_timeout_ms: u32, args: &[String], retries: &mut usize) -> Output {
    for attempt in 0..500u64 {
        let out = ctrlmap(db, actor, busy_timeout_ms, args);
        if out.status.success() {
            return out;
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.starts_with("ctrlmap: the database is busy")
                && stderr.contains("try again")
                && stderr.trim_end().lines().count() == 1,
            "{args:?} failed with something other than a retryable busy error: {stderr:?}"
        );
        assert_ne!(out.status.code(), Some(0));
        *retries += 1;
        std::thread::sleep(std::time::Duration::from_millis(1 + attempt % 7));
    }
    panic!("{args:?} stayed busy for 500 attempts");
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| (*s).to_string()).collect()
}

/// One writer's mix: services, notes, URLs, small files, links and evaluation results.
fn write_mix(
    db: &Path,
    dir: &Path,
    writer: usize,
    busy_timeout_ms: u32,
    controls: &[String],
    scope: &[String],
) -> Tally {
    let actor = format!("writer-{writer}");
    let mut tally = Tally::default();
    let mut notes: Vec<i64> = Vec::new();
    for i in 0..OPS_PER_WRITER {
        let (action, args): (&'static str, Vec<String>) = match i % 6 {
            0 => (
                "service.add",
                strings(&[
                    "service",
                    "add",
                    &format!("w{writer}-svc-{i}"),
                    "--offering",
                    "aws.ec2",
                    "--team",
                    "platform",
                ]),
            ),
            1 => (
                "evidence.add",
                strings(&[
                    "--json",
                    "evidence",
                    "add",
                    "SRM-TRAIN",
                    "--note",
                    &format!("writer {writer} note {i}"),
                ]),
            ),
            2 => (
                "evidence.add",
                strings(&[
                    "evidence",
                    "add",
                    "SRM-IAM",
                    "--url",
                    &format!("https://wiki.example.com/w{writer}/{i}"),
                    "--expires",
                    "2030-01-01",
                ]),
            ),
            3 => {
                let file = dir.join(format!("w{writer}-{i}.log"));
                std::fs::write(&file, format!("writer {writer} log {i}\n")).expect("write evidence file");
                (
                    "evidence.add",
                    strings(&[
                        "evidence",
                        "add",
                        "SRM-PATCH",
                        "--service",
                        "web",
                        file.to_str().expect("utf-8 path"),
                    ]),
                )
            }
            4 => {
                let id = notes.last().expect("a note was added three steps ago");
                (
                    "evidence.link",
                    strings(&[
                        "evidence",
                        "link",
                        &id.to_string(),
                        "SRM-CONFIG",
                        "--service",
                        "orders-db",
                    ]),
                )
            }
            _ => {
                // Each writer records its own (control, service) pairs, so every success is one row.
                let k = (i / 6) * WRITERS + writer;
                let result = ["satisfied", "not-satisfied", "partially-satisfied"][k % 3];
                (
                    "evaluation.record",
                    strings(&[
                        "evaluation",
                        "record",
                        &controls[k % controls.len()],
                        "--service",
                        &scope[k / controls.len()],
                        "--result",
                        result,
                        "--note",
                        &format!("writer {writer} step {i}"),
                    ]),
                )
            }
        };
        let out = until_done(db, &actor, busy_timeout_ms, &args, &mut tally.retries);
        if i % 6 == 1 {
            let added: serde_json::Value = serde_json::from_slice(&out.stdout).expect("evidence add --json");
            notes.push(added["id"].as_i64().expect("evidence id"));
        }
        *tally.done.entry(action).or_default() += 1;
    }
    tally
}

/// Files under the evidence store's `sha256/` tree, and whatever is left in its `tmp/`.
fn store_contents(db: &Path) -> (usize, usize) {
    fn files(dir: &Path) -> usize {
        std::fs::read_dir(dir).map_or(0, |entries| {
            entries
                .flatten()
                .map(|e| if e.path().is_dir() { files(&e.path()) } else { 1 })
                .sum()
        })
    }
    let root = PathBuf::from(format!("{}.evidence", db.display()));
    (files(&root.join("sha256")), files(&root.join("tmp")))
}

fn json_keys(env: &Env, args: &[&str], key: &str) -> Vec<String> {
    env.json(args)
        .as_array()
        .expect("a JSON array")
        .iter()
        .map(|v| v[key].as_str().expect("a string").to_string())
        .collect()
}

/// The shared estate, on a RAM disk where there is one: every commit waits for an fsync, and on a
/// real disk the few hundred commits per writer take half a minute of waiting for it, which tests
/// the disk rather than the locking.
fn estate_in_memory() -> Env {
    let shm = Path::new("/dev/shm");
    let Some(dir) = shm.is_dir().then(|| tempfile::tempdir_in(shm).ok()).flatten() else {
        return Env::estate();
    };
    let db = dir.path().join("ctrlmap.db");
    let env = Env { dir, db };
    env.setup(&[
        &["init"],
        &["team", "add", "platform"],
        &["team", "add", "data-platform"],
        &["service", "add", "web", "--offering", "aws.ec2", "--team", "platform"],
        &[
            "service",
            "add",
            "orders-db",
            "--offering",
            "aws.rds",
            "--team",
            "data-platform",
        ],
    ]);
    env
}

#[test]
fn writers_at_once_lose_nothing_and_log_each_write_once() {
    let env = estate_in_memory();
    let scope = env.file(
        "scope.csv",
        "name,offering,team\nscope-1,aws.ec2,platform\nscope-2,aws.rds,platform\nscope-3,aws.s3,platform\n\
         scope-4,aws.ec2,platform\nscope-5,aws.rds,platform\nscope-6,aws.s3,platform\n",
    );
    env.setup(&[
        &["service", "import", scope.to_str().expect("path")],
        &["evaluation", "open", "concurrent review"],
    ]);
    let controls = json_keys(&env, &["control", "list", "--json"], "key");
    let evaluation = env.json(["evaluation", "show", "1", "--json"]);
    let scope: Vec<String> = evaluation["evaluation"]["services"]
        .as_array()
        .expect("scope")
        .iter()
        .map(|s| s.as_str().expect("name").to_string())
        .collect();
    assert!(controls.len() * scope.len() >= (OPS_PER_WRITER / 6) * WRITERS);

    let services = env.count("SELECT count(*) FROM service");
    let audit = env.count("SELECT count(*) FROM audit_log");
    let logged = |action: &str| env.count(&format!("SELECT count(*) FROM audit_log WHERE action = '{action}'"));
    let logged_before: BTreeMap<&str, i64> = ["service.add", "evidence.add", "evidence.link", "evaluation.record"]
        .into_iter()
        .map(|a| (a, logged(a)))
        .collect();

    let started = std::time::Instant::now();
    let writers: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let (db, dir) = (env.db.clone(), env.path().to_path_buf());
            let (controls, scope) = (controls.clone(), scope.clone());
            // One writer waits for the lock as usual; the others give up at once and retry, so
            // the failure path (and its message) is exercised hundreds of times.
            let busy_timeout_ms = if writer == 0 { 10_000 } else { 0 };
            std::thread::spawn(move || write_mix(&db, &dir, writer, busy_timeout_ms, &controls, &scope))
        })
        .collect();
    let tallies: Vec<Tally> = writers.into_iter().map(|w| w.join().expect("writer")).collect();
    let mut done: BTreeMap<&str, usize> = BTreeMap::new();
    for t in &tallies {
        for (action, n) in &t.done {
            *done.entry(action).or_default() += n;
        }
    }
    let retries: usize = tallies.iter().map(|t| t.retries).sum();
    eprintln!(
        "{WRITERS} writers x {OPS_PER_WRITER} commands in {:.1?}, {retries} busy retries",
        started.elapsed()
    );
    let n = |action: &str| i64::try_from(done[action]).expect("small");
    assert_eq!(done.values().sum::<usize>(), WRITERS * OPS_PER_WRITER);

    // Every success is there once, and nothing else is.
    assert_eq!(env.count("SELECT count(*) FROM service"), services + n("service.add"));
    assert_eq!(env.count("SELECT count(*) FROM evidence"), n("evidence.add"));
    assert_eq!(
        env.count("SELECT count(*) FROM evidence_link"),
        n("evidence.add") + n("evidence.link")
    );
    assert_eq!(
        env.count("SELECT count(*) FROM evaluation_result"),
        n("evaluation.record")
    );
    for (action, count) in &done {
        assert_eq!(
            logged(action) - logged_before[action],
            i64::try_from(*count).expect("small"),
            "audit entries of {action}"
        );
    }
    assert_eq!(
        env.count("SELECT count(*) FROM audit_log"),
        audit + i64::try_from(WRITERS * OPS_PER_WRITER).expect("small")
    );
    // Each writer's actor is on its own entries only.
    for writer in 0..WRITERS {
        assert_eq!(
            env.count(&format!(
                "SELECT count(*) FROM audit_log WHERE actor = 'writer-{writer}'"
            )),
            i64::try_from(OPS_PER_WRITER).expect("small")
        );
    }
    env.run(["audit", "verify"]).success();

    // Every file is stored once, intact; attempts that failed left nothing in the store.
    let files = env.count("SELECT count(*) FROM evidence WHERE kind = 'file'");
    assert_eq!(files, i64::try_from(WRITERS * OPS_PER_WRITER / 6).expect("small"));
    let (stored, temporary) = store_contents(&env.db);
    assert_eq!(i64::try_from(stored).expect("small"), files);
    assert_eq!(temporary, 0, "temporary files left in the store");
    env.run(["evidence", "verify"]).success();
}

#[test]
fn a_write_that_waits_too_long_says_busy_and_changes_nothing() {
    let env = Env::estate();
    let before = env.fingerprint();
    // Another process holds the write lock for longer than the command will wait.
    let holder = env.sql();
    holder.execute_batch("BEGIN IMMEDIATE").expect("take the write lock");
    let args = strings(&["team", "add", "late"]);
    let out = ctrlmap(&env.db, "alice", 200, &args);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.trim_end(),
        "ctrlmap: the database is busy (another ctrlmap is writing); nothing was changed, try again (start a write transaction)"
    );
    holder.execute_batch("ROLLBACK").expect("release");
    drop(holder);
    assert_eq!(env.fingerprint(), before);
    // Run again once the lock is free: it succeeds, once.
    assert!(ctrlmap(&env.db, "alice", 200, &args).status.success());
    assert_eq!(env.count("SELECT count(*) FROM team WHERE name = 'late'"), 1);
}

#[test]
fn a_bad_busy_timeout_is_refused() {
    let env = Env::estate();
    let out = ctrlmap(&env.db, "alice", 0, &strings(&["team", "list"]));
    assert!(out.status.success());
    let out = Command::new(assert_cmd::cargo::cargo_bin!("ctrlmap"))
        .env("CTRLMAP_DB", &env.db)
        .env("CTRLMAP_BUSY_TIMEOUT_MS", "soon")
        .args(["team", "list"])
        .output()
        .expect("run ctrlmap");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("CTRLMAP_BUSY_TIMEOUT_MS \"soon\""));
}

/// Two people add the same file at once; the first gives up waiting for the lock after storing
/// the bytes, the second is already relying on them. The first must not take the bytes back.
#[test]
fn a_failed_add_does_not_remove_a_file_another_add_relies_on() {
    let env = Env::estate();
    let a = env.file("a.log", "the same restore log\n");
    let b = env.file("b.log", "the same restore log\n");
    let holder = env.sql();
    holder.execute_batch("BEGIN IMMEDIATE").expect("take the write lock");
    let spawn = |file: &Path, timeout: u32| {
        Command::new(assert_cmd::cargo::cargo_bin!("ctrlmap"))
            .env("CTRLMAP_DB", &env.db)
            .env("CTRLMAP_ACTOR", "alice")
            .env("CTRLMAP_BUSY_TIMEOUT_MS", timeout.to_string())
            .args(["evidence", "add", "SRM-BACKUP", file.to_str().expect("path")])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn ctrlmap")
    };
    let first = spawn(&a, 1500);
    // Wait until the first has stored the bytes (and is waiting for the lock).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while store_contents(&env.db).0 == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the first add never stored its file"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let second = spawn(&b, 60_000);
    let first = first.wait_with_output().expect("first");
    assert!(!first.status.success(), "the first add should have given up waiting");
    holder.execute_batch("ROLLBACK").expect("release");
    drop(holder);
    let second = second.wait_with_output().expect("second");
    assert!(second.status.success(), "{}", String::from_utf8_lossy(&second.stderr));
    assert_eq!(env.count("SELECT count(*) FROM evidence"), 1);
    env.run(["evidence", "verify"]).success();
}
