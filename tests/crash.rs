//! Crash safety: ctrlmap killed with SIGKILL in the middle of long commands (a service import, a
//! catalogue import, a large evidence add, PDF and CSV report writes), at many moments spread over
//! the command's normal run time. After every kill the database passes `PRAGMA integrity_check` and
//! `audit verify`, the command's writes are all there or not there at all, no half-written file sits
//! under a final name, and afterwards the same command runs to completion and cleans up what the
//! killed runs left.
//!
//! Timing only chooses the moments to kill; no assertion depends on it. A run that finishes before
//! its kill must have succeeded and is checked like the others.
#![cfg(unix)]

use std::collections::HashSet;
use std::ffi::OsString;
use std::fs;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::common::Env;

/// How many kills each scenario makes.
const KILLS: usize = 10;
const NIST: &str = "tests/fixtures/oscal/NIST_SP-800-53_rev5.0.1_catalog.json";

fn nist() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(NIST)
}

/// What became of a run that was to be killed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    Killed,
    Finished,
}

fn ctrlmap(env: &Env, args: &[OsString]) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin!("ctrlmap"));
    cmd.current_dir(env.path())
        .env("CTRLMAP_DB", &env.db)
        .env("CTRLMAP_ACTOR", "alice")
        .env_remove("SOURCE_DATE_EPOCH")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    cmd
}

fn args(list: &[&dyn AsRef<std::ffi::OsStr>]) -> Vec<OsString> {
    list.iter().map(|a| a.as_ref().to_owned()).collect()
}

/// Runs to completion, expecting success; returns how long it took.
fn timed(env: &Env, args: &[OsString]) -> Duration {
    let start = Instant::now();
    let out = ctrlmap(env, args).stderr(Stdio::piped()).output().expect("run ctrlmap");
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    start.elapsed()
}

/// Starts the command and kills it with SIGKILL `after` its start, unless it ended first.
fn kill_after(env: &Env, args: &[OsString], after: Duration) -> Ending {
    let stderr = env.path().join("killed.stderr");
    let log = fs::File::create(&stderr).expect("stderr file");
    let start = Instant::now();
    let mut child = ctrlmap(env, args).stderr(log).spawn().expect("start ctrlmap");
    let status = loop {
        if let Some(status) = child.try_wait().expect("poll ctrlmap") {
            break status;
        }
        let elapsed = start.elapsed();
        if elapsed >= after {
            // Kill succeeds on a child that has exited but not been reaped; the status says which.
            child.kill().expect("kill ctrlmap");
            break child.wait().expect("reap ctrlmap");
        }
        std::thread::sleep((after - elapsed).min(Duration::from_millis(2)));
    };
    const SIGKILL: i32 = 9;
    match (status.code(), status.signal()) {
        (None, Some(SIGKILL)) => Ending::Killed,
        (Some(0), _) => Ending::Finished,
        _ => panic!(
            "{args:?} ended with {status} before its kill: {}",
            fs::read_to_string(&stderr).unwrap_or_default()
        ),
    }
}

/// `KILLS` moments spread evenly from a few milliseconds to a little past the normal run time (a
/// run may be slower than the one measured; the last moments fall where commits and renames do).
fn kill_moments(normal: Duration) -> Vec<Duration> {
    (0..KILLS)
        .map(|i| {
            let fraction = 1.1 * i as f64 / (KILLS - 1) as f64;
            normal.mul_f64(fraction).max(Duration::from_millis(3))
        })
        .collect()
}

/// The checks every kill is followed by: ctrlmap opens the database and its audit chain holds,
/// SQLite finds nothing wrong, and no foreign key dangles.
fn assert_database_intact(env: &Env, what: &str) {
    let out = ctrlmap(env, &args(&[&"audit", &"verify"]))
        .stderr(Stdio::piped())
        .output()
        .expect("run audit verify");
    assert!(
        out.status.success(),
        "{what}: audit verify failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let conn = env.sql();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check");
    assert_eq!(check, "ok", "{what}");
    let dangling = conn
        .prepare("PRAGMA foreign_key_check")
        .and_then(|mut s| s.query_map([], |_| Ok(())).map(Iterator::count))
        .expect("foreign_key_check");
    assert_eq!(dangling, 0, "{what}: foreign keys dangle");
}

fn services_csv(prefix: &str, n: usize) -> String {
    let offerings = ["aws.ec2", "aws.rds", "aws.s3"];
    let mut csv = String::from("name,offering,team,environment,region,data_classification\n");
    for i in 0..n {
        csv.push_str(&format!(
            "{prefix}-{i},{},platform,prod,eu-west-1,internal\n",
            offerings[i % 3]
        ));
    }
    csv
}

#[test]
fn a_killed_service_import_adds_all_its_services_or_none() {
    let env = Env::init();
    env.setup(&[&["team", "add", "platform"]]);
    let n = 2000;
    let import = |prefix: &str| {
        let file = env.file(&format!("{prefix}.csv"), services_csv(prefix, n));
        args(&[&"service", &"import", &file])
    };
    let normal = timed(&env, &import("warm"));
    let mut count = env.count("SELECT count(*) FROM service");
    let mut rolled_back = None;
    for (i, after) in kill_moments(normal).into_iter().enumerate() {
        let prefix = format!("kill{i}");
        let what = format!("service import killed after {after:?}");
        let ending = kill_after(&env, &import(&prefix), after);
        assert_database_intact(&env, &what);
        let now = env.count("SELECT count(*) FROM service");
        let n = n as i64;
        assert!(now == count || now == count + n, "{what}: {count} -> {now} services");
        assert_eq!(
            env.count("SELECT count(*) FROM audit_log WHERE action = 'service.add'"),
            now,
            "{what}: one audit entry per service"
        );
        if ending == Ending::Finished {
            assert_eq!(now, count + n, "{what}: finished but not all added");
        }
        if now == count {
            rolled_back = Some(prefix);
        }
        count = now;
    }
    let prefix = rolled_back.expect("at least one import was killed before it committed");
    timed(&env, &import(&prefix));
    assert_eq!(env.count("SELECT count(*) FROM service"), count + n as i64);
    assert_database_intact(&env, "after the recovery import");
}

/// (catalogue rows, controls, rules, crosswalk mappings) of the catalogue `key`.
fn catalog_shape(env: &Env, key: &str) -> [i64; 4] {
    let conn = env.sql();
    let one = |sql: &str| -> i64 { conn.query_row(sql, [key], |r| r.get(0)).expect("count") };
    [
        one("SELECT count(*) FROM catalog WHERE key = ?1"),
        one("SELECT count(*) FROM control JOIN catalog k ON k.id = catalog_id WHERE k.key = ?1"),
        one("SELECT count(*) FROM responsibility_rule JOIN catalog k ON k.id = catalog_id WHERE k.key = ?1"),
        one(
            "SELECT count(*) FROM control_mapping m JOIN control c ON c.id = m.target_control_id
             JOIN catalog k ON k.id = c.catalog_id WHERE k.key = ?1",
        ),
    ]
}

#[test]
fn a_killed_catalog_import_leaves_the_catalog_absent_or_complete() {
    let env = Env::init();
    let nist = nist();
    let import = |key: &str, replace: bool| {
        let mut a = args(&[&"catalog", &"import", &nist, &"--key", &key]);
        if replace {
            a.push("--replace".into());
        }
        a
    };
    let normal = timed(&env, &import("nist-800-53", false));
    let complete = catalog_shape(&env, "nist-800-53");
    assert!(complete[1] > 1000, "{complete:?}");
    let mut rolled_back = None;
    for (i, after) in kill_moments(normal).into_iter().enumerate() {
        // Odd kills re-import over the complete catalogue, which must stay complete.
        let (key, replace) = if i % 2 == 1 {
            ("nist-800-53".to_string(), true)
        } else {
            (format!("nist-{i}"), false)
        };
        let what = format!("catalog import --key {key} killed after {after:?}");
        let ending = kill_after(&env, &import(&key, replace), after);
        assert_database_intact(&env, &what);
        let shape = catalog_shape(&env, &key);
        assert!(
            shape == complete || shape == [0; 4],
            "{what}: {shape:?}, complete is {complete:?}"
        );
        assert_eq!(catalog_shape(&env, "nist-800-53"), complete, "{what}");
        if ending == Ending::Finished {
            assert_eq!(shape, complete, "{what}");
        }
        if shape == [0; 4] {
            rolled_back = Some(key);
        }
    }
    let key = rolled_back.expect("at least one import was killed before it committed");
    timed(&env, &import(&key, false));
    assert_eq!(catalog_shape(&env, &key), complete);
    assert_database_intact(&env, "after the recovery import");
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Every file in the store, by the path it sits under.
fn stored_files(store: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let Ok(dirs) = fs::read_dir(store.join("sha256")) else {
        return files;
    };
    for dir in dirs {
        let dir = dir.expect("store entry").path();
        for file in fs::read_dir(&dir).expect("store directory") {
            files.push(file.expect("store entry").path());
        }
    }
    files.sort();
    files
}

/// Temporary files the store holds (writes in progress or abandoned).
fn parts(store: &Path) -> Vec<PathBuf> {
    fs::read_dir(store.join("tmp"))
        .map(|dir| dir.map(|e| e.expect("tmp entry").path()).collect())
        .unwrap_or_default()
}

/// Every file under its final name in the store is whole: a complete copy of `content` under one of
/// its tags, hashing to its name (`verified` remembers those already hashed, stored files being
/// read-only); and every evidence row's file is there.
fn assert_store_consistent(env: &Env, store: &Path, content: &[u8], verified: &mut HashSet<PathBuf>, what: &str) {
    for path in stored_files(store) {
        if verified.contains(&path) {
            continue;
        }
        let dir = path.parent().and_then(Path::file_name).expect("two-level layout");
        let name = format!(
            "{}{}",
            dir.to_string_lossy(),
            path.file_name().expect("file name").to_string_lossy()
        );
        let bytes = fs::read(&path).expect("read stored file");
        assert!(
            bytes.len() == content.len() && bytes[8..] == content[8..],
            "{what}: {} holds {} bytes, not a whole copy of the evidence",
            path.display(),
            bytes.len()
        );
        assert_eq!(
            hex(&Sha256::digest(&bytes)),
            name,
            "{what}: {} is not whole",
            path.display()
        );
        verified.insert(path);
    }
    let conn = env.sql();
    let mut stmt = conn
        .prepare("SELECT id, sha256, size FROM evidence WHERE sha256 IS NOT NULL")
        .expect("prepare");
    let rows: Vec<(i64, String, i64)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .and_then(Iterator::collect)
        .expect("evidence rows");
    for (id, sha, size) in rows {
        let path = store.join("sha256").join(&sha[..2]).join(&sha[2..]);
        let meta = fs::metadata(&path).unwrap_or_else(|e| panic!("{what}: evidence {id} has no file: {e}"));
        assert_eq!(meta.len() as i64, size, "{what}: evidence {id}");
    }
}

/// `len` bytes that do not compress or repeat (xorshift), made quickly even in a debug build.
fn noise(len: usize) -> Vec<u8> {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(len);
    out
}

/// Overwrites the first bytes of `file` with `tag`, so each add stores new content.
fn retag(file: &Path, tag: u64) {
    use std::io::{Seek, SeekFrom, Write};
    let mut f = fs::OpenOptions::new().write(true).open(file).expect("open big file");
    f.seek(SeekFrom::Start(0)).expect("seek");
    f.write_all(&tag.to_le_bytes()).expect("retag");
}

#[test]
fn a_killed_evidence_add_never_leaves_half_a_file_or_a_row_without_one() {
    let env = Env::init();
    // Large enough that copying and hashing it takes a noticeable time; kept modest because this
    // test and the binary it drives are unoptimised debug builds in CI.
    let content = noise(16 << 20);
    let big = env.file("scan.bin", &content);
    let store = PathBuf::from(format!("{}.evidence", env.db.display()));
    let add = args(&[&"evidence", &"add", &"SRM-PATCH", &big]);
    let mut verified = HashSet::new();
    retag(&big, u64::MAX);
    let normal = timed(&env, &add);
    let mut count = env.count("SELECT count(*) FROM evidence");
    let mut rolled_back = None;
    for (i, after) in kill_moments(normal).into_iter().enumerate() {
        retag(&big, i as u64);
        let what = format!("evidence add killed after {after:?}");
        let ending = kill_after(&env, &add, after);
        assert_database_intact(&env, &what);
        assert_store_consistent(&env, &store, &content, &mut verified, &what);
        let now = env.count("SELECT count(*) FROM evidence");
        assert!(now == count || now == count + 1, "{what}: {count} -> {now} rows");
        if ending == Ending::Finished {
            assert_eq!(now, count + 1, "{what}");
        }
        if now == count {
            rolled_back = Some(i as u64);
        }
        count = now;
    }
    let tag = rolled_back.expect("at least one add was killed before it committed");
    retag(&big, tag);
    timed(&env, &add);
    assert_eq!(env.count("SELECT count(*) FROM evidence"), count + 1);
    assert_store_consistent(&env, &store, &content, &mut verified, "after the recovery add");
    assert_eq!(
        parts(&store),
        Vec::<PathBuf>::new(),
        "killed adds' temporary files are cleaned up"
    );
    ctrlmap(&env, &args(&[&"evidence", &"verify"]))
        .status()
        .map(|s| assert!(s.success(), "evidence verify"))
        .expect("run evidence verify");
}

/// An estate whose NIST SP 800-53 report takes a noticeable time to write.
fn report_estate(services: usize) -> Env {
    let env = Env::init();
    env.setup(&[&["team", "add", "platform"]]);
    let services = env.file("services.csv", services_csv("svc", services));
    env.run(["service".as_ref(), "import".as_ref(), services.as_os_str()])
        .success();
    env.run(["catalog".as_ref(), "import".as_ref(), nist().as_os_str()])
        .success();
    env
}

/// Temporary files left beside `out` (`.NAME.*`).
fn leftovers_beside(out: &Path) -> Vec<PathBuf> {
    let name = out.file_name().expect("name").to_string_lossy().into_owned();
    let dir = out.parent().expect("dir");
    fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(&format!(".{name}.")))
        })
        .collect()
}

/// Kills `report ... --out OUT` at many moments: OUT is afterwards either absent (or the previous
/// complete report) or a complete report, byte for byte; `valid` checks a complete one.
fn kill_report_writes(format: &str, services: usize, extra: &[&str], valid: fn(&[u8])) {
    let env = report_estate(services);
    let out = env.path().join(format!("report.{format}"));
    // The same report is written again and again over its earlier copy: --force.
    let mut report = args(&[
        &"--force",
        &"report",
        &"--format",
        &format,
        &"--catalog",
        &"nist-800-53",
        &"--date",
        &"2026-12-01",
        &"--out",
        &out,
    ]);
    report.extend(extra.iter().map(OsString::from));
    let before = env.fingerprint();
    let normal = timed(&env, &report);
    let complete = fs::read(&out).expect("report written");
    valid(&complete);
    for (i, after) in kill_moments(normal).into_iter().enumerate() {
        // Even kills write a new file, odd ones replace what the run before left (if anything).
        if i % 2 == 0 && out.exists() {
            fs::remove_file(&out).expect("remove report");
        }
        let existed = out.exists();
        let what = format!("report --format {format} killed after {after:?}");
        let ending = kill_after(&env, &report, after);
        match fs::read(&out) {
            Ok(bytes) => assert!(bytes == complete, "{what}: {} holds a partial report", out.display()),
            Err(e) => {
                assert_eq!(e.kind(), std::io::ErrorKind::NotFound, "{what}");
                assert!(!existed, "{what}: the complete report was removed");
                assert_eq!(ending, Ending::Killed, "{what}: finished without writing");
            }
        }
        assert_database_intact(&env, &what);
        assert_eq!(env.fingerprint(), before, "{what}: a report wrote to the database");
    }
    if out.exists() {
        fs::remove_file(&out).expect("remove report");
    }
    timed(&env, &report);
    assert_eq!(fs::read(&out).expect("report written"), complete);
    assert_eq!(
        leftovers_beside(&out),
        Vec::<PathBuf>::new(),
        "killed writes' temporary files are cleaned up"
    );
}

#[test]
fn a_killed_pdf_report_leaves_no_partial_file() {
    kill_report_writes("pdf", 10, &[], |bytes| {
        assert!(bytes.trim_ascii_end().ends_with(b"%%EOF"));
        let doc = lopdf::Document::load_mem(bytes).expect("a PDF lopdf can read");
        assert!(doc.get_pages().len() > 10);
    });
}

#[test]
fn a_killed_csv_report_leaves_no_partial_file() {
    kill_report_writes("csv", 40, &["--level", "service"], |bytes| {
        let text = std::str::from_utf8(bytes).expect("UTF-8");
        // 40 services x the catalogue's controls, plus the header.
        assert!(text.lines().count() > 40 * 1000, "{} lines", text.lines().count());
    });
}

#[test]
fn the_next_write_removes_what_killed_writes_left_but_not_writes_in_progress() {
    let env = Env::init();
    let tmp = PathBuf::from(format!("{}.evidence/tmp", env.db.display()));
    fs::create_dir_all(&tmp).expect("store tmp dir");
    // Left by killed processes: nobody holds them locked.
    let abandoned = tmp.join(".ctrlmap-4242-000000001-0.part");
    fs::write(&abandoned, b"half a sca").expect("leftover");
    let out = env.path().join("report.csv");
    let beside = env.path().join(".report.csv.4242.part");
    fs::write(&beside, b"control,ti").expect("leftover");
    // Held locked, as a ctrlmap that is still writing holds its temporary files.
    let busy = tmp.join(".ctrlmap-4243-000000001-0.part");
    let busy_file = fs::File::create(&busy).expect("busy");
    busy_file.lock().expect("lock");
    let busy_beside = env.path().join(".report.csv.4243.part");
    let busy_beside_file = fs::File::create(&busy_beside).expect("busy");
    busy_beside_file.lock().expect("lock");

    let scan = env.file("scan.txt", "scan");
    env.run([
        "evidence".as_ref(),
        "add".as_ref(),
        "SRM-PATCH".as_ref(),
        scan.as_os_str(),
    ])
    .success();
    assert!(!abandoned.exists(), "a killed evidence add's temporary file is removed");
    assert!(busy.exists(), "an evidence add in progress keeps its temporary file");
    env.run([
        "report".as_ref(),
        "--format".as_ref(),
        "csv".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ])
    .success();
    assert!(!beside.exists(), "a killed report's temporary file is removed");
    assert!(busy_beside.exists(), "a report in progress keeps its temporary file");
    drop((busy_file, busy_beside_file));
}
