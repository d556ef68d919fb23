//! Trust under attack: no output overwrites what it does not own, `--db` opens only database
//! files, look-alike actors cannot dodge separation of duties, stored text cannot drive a
//! terminal, environment values are checked like flags, and real media (read-only mounts, full
//! disks, damaged files) get honest one-line errors.

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use crate::common::{Env, rejects_unchanged};

/// A database with a closed, packaged evaluation and one stored evidence file.
fn estate_with_evidence() -> Env {
    let env = Env::estate();
    let log = env.file("restore.log", "restore ok\n");
    env.setup(&[
        &[
            "evidence",
            "add",
            "SRM-BACKUP",
            "--service",
            "orders-db",
            log.to_str().expect("utf-8"),
        ],
        &["evaluation", "open", "Q4"],
        &["evaluation", "close"],
    ]);
    env
}

/// SHA-256 of a file, or what it is when it is not a regular file.
fn state(path: &Path) -> String {
    use sha2::{Digest, Sha256};
    match std::fs::symlink_metadata(path) {
        Err(_) => "absent".into(),
        Ok(m) if m.is_file() => Sha256::digest(std::fs::read(path).expect("read"))
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
        Ok(m) => format!("{:?}", m.file_type()),
    }
}

fn mkfifo(path: &Path) {
    let ok = Process::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs")
        .success();
    assert!(ok, "mkfifo {}", path.display());
}

/// Every command that writes a file, with `{}` where the output path goes.
const WRITERS: &[&[&str]] = &[
    &["report", "--format", "pdf", "--out", "{}"],
    &["report", "--format", "csv", "--out", "{}"],
    &["report", "--format", "xlsx", "--out", "{}"],
    &["export", "crm", "--format", "csv", "--out", "{}"],
    &["export", "oscal-ssp", "--out", "{}"],
    &["export", "oscal-assessment-results", "--evaluation", "1", "--out", "{}"],
    &["package", "--evaluation", "1", "--out", "{}"],
    &["evidence", "export", "1", "--out", "{}"],
    &["key", "generate", "--out", "{}"],
];

fn with_out(args: &[&str], out: &Path) -> Vec<String> {
    args.iter()
        .map(|a| {
            if *a == "{}" {
                out.display().to_string()
            } else {
                a.to_string()
            }
        })
        .collect()
}

#[test]
fn no_output_overwrites_what_the_command_does_not_own() {
    let env = estate_with_evidence();
    let stored = std::fs::read_dir(env.path().join("ctrlmap.db.evidence/sha256"))
        .expect("store")
        .flatten()
        .flat_map(|shard| std::fs::read_dir(shard.path()).expect("shard").flatten())
        .map(|e| e.path())
        .next()
        .expect("a stored file");
    let fifo = env.path().join("pipe");
    mkfifo(&fifo);
    let dir = env.path().join("a-dir");
    std::fs::create_dir(&dir).expect("dir");
    let link = env.path().join("link.pdf");
    let victim = env.file("victim.txt", "keep me");
    std::os::unix::fs::symlink(&victim, &link).expect("symlink");
    let wal = PathBuf::from(format!("{}-wal", env.db.display()));
    let journal = PathBuf::from(format!("{}-journal", env.db.display()));
    // The database named another way: through `..` and as a hard link.
    let roundabout = env.path().join("a-dir/../ctrlmap.db");
    let hard = env.path().join("hard.db");
    std::fs::hard_link(&env.db, &hard).expect("hard link");
    let existing = env.file("existing.pdf", "an earlier report");
    let earlier = state(&existing);
    let targets: Vec<(&Path, &str)> = vec![
        (&env.db, "database"),
        (&roundabout, "database"),
        (&hard, "database"),
        (&wal, "journal"),
        (&journal, "journal"),
        (&stored, "evidence store"),
        (&dir, "directory"),
        (&fifo, "FIFO"),
        (Path::new("/dev/null"), "device"),
        (&link, "symbolic link"),
        (&existing, "--force"),
    ];
    for args in WRITERS {
        for (target, why) in &targets {
            let before = (state(target), state(&victim), state(&stored));
            let argv = with_out(args, target);
            let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
            let why = if args[0] == "key" && *why == "--force" {
                "never replaced"
            } else {
                why
            };
            rejects_unchanged(&env, &argv, why);
            assert_eq!((state(target), state(&victim), state(&stored)), before, "{argv:?}");
        }
        // --force replaces an earlier output, never the database or the store.
        if args[0] != "key" {
            let mut forced = with_out(args, &existing);
            forced.insert(0, "--force".into());
            env.run(&forced).success();
            assert_ne!(state(&existing), earlier, "{forced:?} replaced the file");
            for target in [&env.db, &stored] {
                let mut forced = with_out(args, target);
                forced.push("--force".into());
                let argv: Vec<&str> = forced.iter().map(String::as_str).collect();
                rejects_unchanged(&env, &argv, "nothing was written");
            }
        }
    }
}

#[test]
fn a_signing_key_or_template_is_not_an_output() {
    let env = estate_with_evidence();
    env.run(["key", "generate", "--out", "k.key"]).success();
    let key = env.path().join("k.key");
    let before = state(&key);
    rejects_unchanged(
        &env,
        &[
            "--force",
            "package",
            "--evaluation",
            "1",
            "--sign",
            "k.key",
            "--out",
            "k.key",
        ],
        "a file this command reads",
    );
    assert_eq!(state(&key), before);
}

#[test]
fn db_must_be_a_database_file() {
    let env = Env::new();
    let fifo = env.path().join("fifo.db");
    mkfifo(&fifo);
    let dir = env.path().join("dir.db");
    std::fs::create_dir(&dir).expect("dir");
    let dangling = env.path().join("dangling.db");
    std::os::unix::fs::symlink(env.path().join("nowhere/x.db"), &dangling).expect("symlink");
    for (db, why) in [(&fifo, "a FIFO"), (&dir, "a directory"), (&dangling, "symbolic link")] {
        for args in [&["init"][..], &["service", "list"], &["status"]] {
            let out = Process::new(env!("CARGO_BIN_EXE_ctrlmap"))
                .arg("--db")
                .arg(db)
                .args(args)
                .output()
                .expect("runs");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{args:?} {stderr}");
            assert!(stderr.contains(why) && stderr.lines().count() == 1, "{stderr}");
        }
    }
    assert!(
        std::fs::symlink_metadata(&fifo).is_ok_and(|m| !m.is_file()),
        "the FIFO is still there"
    );
    assert!(dir.is_dir() && std::fs::read_dir(&dir).expect("dir").next().is_none());
    assert!(!env.path().join("nowhere").exists());
}

#[test]
fn init_never_changes_a_file_it_did_not_create() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    std::fs::write(&env.db, "").expect("touch");
    std::fs::set_permissions(&env.db, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let out = env.run(["init"]).code(2);
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("chmod 600"));
    let mode = std::fs::metadata(&env.db).expect("still there").permissions().mode();
    assert_eq!(mode & 0o777, 0o644, "init must not chmod a file it did not create");
    std::fs::set_permissions(&env.db, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    env.run(["init"]).success();
    assert!(env.count("SELECT count(*) FROM control") > 0);
}

#[test]
fn environment_values_are_checked_like_flags() {
    let env = Env::init();
    for bad in ["2147483648", "-5", "ten", "18446744073709551616"] {
        let before = env.fingerprint();
        let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("ctrlmap");
        let out = cmd
            .current_dir(env.path())
            .env("CTRLMAP_DB", &env.db)
            .env("CTRLMAP_BUSY_TIMEOUT_MS", bad)
            .args(["team", "add", "x"])
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(
            stderr.contains("CTRLMAP_BUSY_TIMEOUT_MS") && !stderr.contains("panicked"),
            "{stderr}"
        );
        assert_eq!(env.fingerprint(), before);
    }
    for (actor, why) in [
        ("alice\u{200B}", "invisible"),
        ("ali\u{202E}ce", "bidirectional"),
        ("ali\u{1b}[31mce", "control"),
        ("", "empty"),
    ] {
        let before = env.fingerprint();
        let out = env.run_as(actor, ["team", "add", "y"]).code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(
            stderr.contains(why) && !stderr.contains('\u{1b}'),
            "{actor:?}: {stderr}"
        );
        assert_eq!(env.fingerprint(), before);
    }
}

#[test]
fn look_alike_actors_cannot_accept_their_own_evidence() {
    let env = Env::estate();
    let log = env.file("restore.log", "restore ok\n");
    env.run_as(
        "alice",
        [
            "evidence",
            "add",
            "SRM-BACKUP",
            "--service",
            "orders-db",
            log.to_str().expect("utf-8"),
        ],
    )
    .success();
    for actor in ["alic\u{0435}", "ａｌｉｃｅ", "ALICE", "a1ice", " alice"] {
        let before = env.fingerprint();
        let out = env
            .run_as(actor, ["evidence", "review", "1", "--accept", "--note", "fine"])
            .code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(stderr.contains("separation of duties"), "{actor:?}: {stderr}");
        assert_eq!(env.fingerprint(), before, "{actor:?}");
    }
    env.run_as("bob", ["evidence", "review", "1", "--accept", "--note", "fine"])
        .success();
    assert_eq!(env.count("SELECT count(*) FROM evidence WHERE status = 'accepted'"), 1);
}

#[test]
fn stored_text_cannot_drive_a_terminal() {
    let env = Env::estate();
    // Text that got into the database some other way (an older ctrlmap, a hand edit).
    let hostile = "Backups \u{1b}]0;pwned\u{7}\u{1b}[2J\u{202E}txt.exe\u{9b}31m";
    env.sql()
        .execute("UPDATE control SET title = ?1 WHERE key = 'SRM-BACKUP'", [hostile])
        .expect("tamper");
    env.sql()
        .execute("UPDATE team SET contact = ?1 WHERE name = 'platform'", [hostile])
        .expect("tamper");
    for args in [
        &["control", "show", "SRM-BACKUP"][..],
        &["control", "list"],
        &["responsibility", "show", "SRM-BACKUP", "--service", "orders-db"],
        &["team", "list"],
        &["gaps"],
        &["control", "list", "--json"],
    ] {
        // `gaps` exits 1 when it finds gaps; what matters here is what it printed.
        let out = env.run(args);
        let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
        assert!(stdout.len() > 10, "{args:?} printed nothing");
        for bad in ['\u{1b}', '\u{7}', '\u{202E}', '\u{9b}'] {
            assert!(!stdout.contains(bad), "{args:?} printed {bad:?}: {stdout}");
        }
    }
    let out = env.run(["control", "show", "SRM-BACKUP"]).success();
    assert!(String::from_utf8_lossy(&out.get_output().stdout).contains("\\u{1b}]0;pwned"));
    // Errors that quote what was typed, and "did you mean" hints, are escaped too.
    let out = env.run(["control", "show", "SRM-BACKU\u{1b}[2J"]).code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(!stderr.contains('\u{1b}') && stderr.contains("\\u{1b}[2J"), "{stderr}");
}

#[test]
fn line_numbers_are_right_for_crlf_and_cr_files() {
    let env = Env::init();
    env.run(["team", "add", "platform"]).success();
    for (ending, name) in [("\r\n", "crlf.csv"), ("\r", "cr.csv"), ("\n", "lf.csv")] {
        let text = ["name,offering,team", "a,aws.ec2,platform", "", "b,aws.nope,platform"].join(ending);
        let file = env.file(name, text);
        rejects_unchanged(
            &env,
            &["service", "import", file.to_str().expect("utf-8")],
            &format!("{name} line 4"),
        );
    }
}

#[test]
fn a_damaged_database_is_an_integrity_failure() {
    let env = Env::estate();
    env.run(["status"]).success();
    // Keep the header (so SQLite recognises the file) and wreck the pages after it.
    let mut bytes = std::fs::read(&env.db).expect("read");
    for b in bytes.iter_mut().skip(4096 * 2).take(4096 * 4) {
        *b = 0xA5;
    }
    std::fs::write(&env.db, &bytes).expect("damage");
    for args in [&["service", "list"][..], &["init"], &["control", "list"]] {
        let out = env.run(args).code(3);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(
            stderr.contains("damaged") && !stderr.contains("seeds"),
            "{args:?}: {stderr}"
        );
    }
    assert_eq!(std::fs::read(&env.db).expect("read"), bytes, "nothing was written");
    // A file that is not SQLite at all is not ours: bad input, not damage.
    std::fs::write(&env.db, b"%PDF-1.7 not a database").expect("write");
    let out = env.run(["service", "list"]).code(2);
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("not a ctrlmap database"));
}

#[test]
fn a_full_stdout_says_disk_full() {
    let env = Env::init();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let out = Process::new(env!("CARGO_BIN_EXE_ctrlmap"))
        .arg("--db")
        .arg(&env.db)
        .args(["control", "list"])
        .stdout(full)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with("ctrlmap: disk full: cannot write <stdout>"),
        "{stderr}"
    );
}

/// Runs `script` with `sh` in a private mount namespace (as root), or says why it cannot.
fn in_mount_namespace(script: &str) -> Option<std::process::Output> {
    let probe = Process::new("unshare").args(["-m", "true"]).output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!("skipped: no private mount namespace here (needs root or user namespaces)");
        return None;
    }
    Some(
        Process::new("unshare")
            .args(["-m", "sh", "-c", script])
            .env("CTRLMAP_BIN", env!("CARGO_BIN_EXE_ctrlmap"))
            .env_remove("CTRLMAP_DB")
            .output()
            .expect("unshare runs"),
    )
}

#[test]
fn a_read_only_mount_reads_and_refuses_writes_in_one_line() {
    let env = Env::estate();
    let before = env.fingerprint();
    let dir = env.path().display().to_string();
    let script = format!(
        r#"set -e
mount --bind '{dir}' '{dir}' && mount -o remount,bind,ro '{dir}'
cd '{dir}'
"$CTRLMAP_BIN" --db ctrlmap.db service list --json > /tmp/ro-list.$$ || exit 10
grep -q orders-db /tmp/ro-list.$$ || exit 11
rm -f /tmp/ro-list.$$
"$CTRLMAP_BIN" --db ctrlmap.db responsibility matrix --service web >/dev/null || exit 12
set +e
"$CTRLMAP_BIN" --db ctrlmap.db team add newteam
echo "exit=$?"
"#
    );
    let Some(out) = in_mount_namespace(&script) else {
        return;
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "reads failed ({:?}): {stderr}", out.status.code());
    assert!(stdout.contains("exit=2"), "{stdout} {stderr}");
    assert!(stderr.contains("read-only") && stderr.lines().count() == 1, "{stderr}");
    assert_eq!(env.fingerprint(), before);
}

#[test]
fn a_full_disk_says_disk_full() {
    let env = Env::new();
    let dir = env.path().join("small");
    std::fs::create_dir(&dir).expect("dir");
    let big = env.file("big.bin", vec![7u8; 3 << 20]);
    let script = format!(
        r#"mount -t tmpfs -o size=2m tmpfs '{dir}' || exit 20
cd '{dir}'
"$CTRLMAP_BIN" --db c.db init >/dev/null || exit 21
"$CTRLMAP_BIN" --db c.db evidence add SRM-BACKUP '{big}'
echo "exit=$?"
"$CTRLMAP_BIN" --db c.db evidence list --json | grep -c '"id"'
"#,
        dir = dir.display(),
        big = big.display()
    );
    let Some(out) = in_mount_namespace(&script) else {
        return;
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stdout.contains("exit=2"), "{stdout} {stderr}");
    assert!(stderr.contains("disk full") && !stderr.contains("big.bin"), "{stderr}");
    assert!(stdout.trim_end().ends_with('0'), "no evidence row was added: {stdout}");
}

#[test]
fn one_set_of_text_rules_for_flags_and_files() {
    let env = Env::init();
    env.run(["team", "add", "platform"]).success();
    let big_region = "r".repeat(600);
    let huge_note = "n".repeat(25_000);
    let cases: Vec<(String, &str)> = vec![
        (
            format!("name,offering,team,region\nweb,aws.ec2,platform,{big_region}\n"),
            "line 2, column \"region\": is 600 characters long; at most 500",
        ),
        (
            "name,offering,team\nw\u{200B}eb,aws.ec2,platform\n".into(),
            "line 2, column \"name\": must not contain invisible characters",
        ),
        (
            "name,offering,team,environment\nweb,aws.ec2,platform,pr\u{202E}od\n".into(),
            "column \"environment\": must not contain bidirectional",
        ),
        (
            format!("name,offering,team,region\nweb,aws.ec2,platform,{huge_note}\n"),
            "at most 20000",
        ),
        ("name,offering,team\nweb,aws.ec2,platform\u{1b}[31m\n".into(), "U+001B"),
    ];
    for (i, (text, message)) in cases.iter().enumerate() {
        let file = env.file(&format!("s{i}.csv"), text);
        rejects_unchanged(&env, &["service", "import", file.to_str().expect("utf-8")], message);
    }
    // The same rules on the command line.
    rejects_unchanged(&env, &["team", "add", "ali\u{200B}ce"], "invisible characters");
    rejects_unchanged(&env, &["team", "add", "x", "--contact", "a\u{202E}b"], "bidirectional");
    rejects_unchanged(
        &env,
        &[
            "service",
            "add",
            "web",
            "--offering",
            "aws.ec2",
            "--region",
            &big_region,
        ],
        "at most 500",
    );
}

#[test]
fn man_pages_never_land_on_the_database_or_in_the_store() {
    let env = estate_with_evidence();
    for (target, why) in [
        (format!("{}-wal", env.db.display()), "journal"),
        (format!("{}-journal", env.db.display()), "journal"),
        (format!("{}.evidence/sha256/zz", env.db.display()), "evidence store"),
        (format!("{}.evidence/tmp/new", env.db.display()), "evidence store"),
    ] {
        rejects_unchanged(&env, &["man", "--all", "--out", &target], why);
        assert!(!Path::new(&target).exists(), "{target} was created");
    }
    env.run(["service", "list"]).success();
    // A refusal part-way writes nothing: every page is checked before the first is written.
    env.run(["man", "--all", "--out", "m"]).success();
    let first = env.path().join("m/ctrlmap.1");
    std::fs::write(&first, "mine").expect("edit");
    std::fs::remove_file(env.path().join("m/ctrlmap-team.1")).expect("a page to replace");
    std::os::unix::fs::symlink(env.path().join("victim"), env.path().join("m/ctrlmap-team.1")).expect("link");
    rejects_unchanged(&env, &["--force", "man", "--all", "--out", "m"], "symbolic link");
    assert_eq!(std::fs::read(&first).expect("page"), b"mine");
}

#[test]
fn a_linked_store_is_an_integrity_failure_everywhere_even_at_init() {
    let env = estate_with_evidence();
    let store = PathBuf::from(format!("{}.evidence", env.db.display()));
    let kept = env.path().join("kept-store");
    std::fs::rename(&store, &kept).expect("move the store");
    std::os::unix::fs::symlink("/", &store).expect("link");
    let before = env.fingerprint();
    for args in [
        &["evidence", "export", "1", "--out", "copy.log"][..],
        &["report", "--format", "csv", "--out", "r.csv"],
        &["package", "--evaluation", "1", "--out", "p.zip"],
        &["init"],
    ] {
        let out = env.run(args).code(3);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(
            stderr.contains("symbolic link") && stderr.lines().count() == 1,
            "{args:?}: {stderr}"
        );
    }
    assert_eq!(env.fingerprint(), before);
    assert!(!env.path().join("copy.log").exists() && !env.path().join("p.zip").exists());
    // A store that is a plain file is refused by init too.
    let other = Env::new();
    std::fs::write(format!("{}.evidence", other.db.display()), "keep").expect("file");
    other.run(["init"]).code(3);
    assert!(!other.db.exists(), "nothing was created");
}

#[test]
fn journals_ctrlmap_did_not_make_are_never_deleted() {
    let env = Env::new();
    let wal = PathBuf::from(format!("{}-wal", env.db.display()));
    std::fs::write(&wal, "junk").expect("stale wal");
    let out = env.run(["init"]).code(2);
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("left over"));
    assert_eq!(std::fs::read(&wal).expect("still there"), b"junk");
    assert!(!env.db.exists());
    std::fs::remove_file(&wal).expect("move away");
    env.run(["init"]).success();
    let journal = PathBuf::from(format!("{}-journal", env.db.display()));
    std::fs::write(&journal, "junk").expect("planted journal");
    let before = std::fs::read(&env.db).expect("db");
    let out = env.run(["team", "list"]).code(2);
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("rollback journal"));
    assert_eq!(std::fs::read(&journal).expect("kept"), b"junk");
    assert_eq!(std::fs::read(&env.db).expect("db"), before);
    std::fs::remove_file(&journal).expect("move away");
    std::os::unix::fs::symlink(env.path().join("victim"), &wal).expect("link");
    env.run(["team", "list"]).code(2);
    assert!(std::fs::symlink_metadata(&wal).is_ok(), "the link is kept");
}

#[test]
fn a_live_report_says_how_far_files_were_checked() {
    let env = estate_with_evidence();
    let text = |name: &str, extra: &[&str]| {
        let mut args = vec!["report", "--format", "pdf", "--out", name, "--date", "2026-12-01"];
        args.extend_from_slice(extra);
        env.run(&args).success();
        let out = Process::new("pdftotext").arg(env.path().join(name)).arg("-").output();
        out.ok().map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
    };
    let Some(size) = text("a.pdf", &[]) else {
        eprintln!("skipped: no pdftotext");
        return;
    };
    assert!(
        size.contains("checked for presence and recorded size, not re-hashed"),
        "{size}"
    );
    let hash = text("b.pdf", &["--verify-evidence"]).expect("pdftotext");
    assert!(hash.contains("re-hashed against its recorded SHA-256"), "{hash}");
}

#[test]
fn key_generate_and_catalog_import_honour_json_and_quiet() {
    let env = Env::init();
    let out = env.run(["--json", "key", "generate", "--out", "k.key"]).success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).expect("one JSON document");
    assert_eq!(v["public_key"].as_str().map(str::len), Some(64));
    let fixture = format!("{}/tests/fixtures/oscal/basic-catalog.json", env!("CARGO_MANIFEST_DIR"));
    let out = env
        .run(["-q", "catalog", "import", &fixture, "--key", "basic"])
        .success();
    assert!(out.get_output().stdout.is_empty());
}
