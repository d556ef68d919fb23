//! A small builder for driving the real `ctrlmap` binary in a temporary directory.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use assert_cmd::assert::Assert;
use sha2::{Digest, Sha256};
use tempfile::TempDir;

/// A temporary working directory with its own database path and actor.
pub(crate) struct Env {
    pub(crate) dir: TempDir,
    pub(crate) db: PathBuf,
}

impl Env {
    /// An empty directory; no database yet.
    pub(crate) fn new() -> Env {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("ctrlmap.db");
        Env { dir, db }
    }

    /// A directory with an initialised database.
    pub(crate) fn init() -> Env {
        let env = Env::new();
        env.run(["init"]).success();
        env
    }

    /// Runs ctrlmap with `args` against this database as actor `alice`.
    pub(crate) fn run<I, S>(&self, args: I) -> Assert
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.run_as("alice", args)
    }

    /// Runs ctrlmap as `actor`.
    pub(crate) fn run_as<I, S>(&self, actor: &str, args: I) -> Assert
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut cmd: Command = assert_cmd::cargo::cargo_bin_cmd!("ctrlmap");
        cmd.current_dir(self.dir.path())
            .env("CTRLMAP_DB", &self.db)
            .env("CTRLMAP_ACTOR", actor)
            .env_remove("NO_COLOR")
            .args(args)
            .assert()
    }

    /// Runs a command and parses its stdout as JSON.
    pub(crate) fn json<I, S>(&self, args: I) -> serde_json::Value
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let out = self.run(args).success().get_output().stdout.clone();
        serde_json::from_slice(&out).expect("stdout is JSON")
    }

    /// Writes a file in the directory and returns its path.
    pub(crate) fn file(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents).expect("write fixture");
        path
    }

    /// SHA-256 of the database file and the names of any WAL companions left behind.
    pub(crate) fn fingerprint(&self) -> String {
        let bytes = std::fs::read(&self.db).expect("database exists");
        let mut parts = vec![hex(&Sha256::digest(&bytes))];
        for suffix in ["-wal", "-shm", "-journal"] {
            let p = PathBuf::from(format!("{}{suffix}", self.db.display()));
            if p.exists() {
                parts.push(format!(
                    "{suffix}:{}",
                    std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0)
                ));
            }
        }
        parts.join(" ")
    }

    /// A direct connection to the database, for checks and for tampering.
    pub(crate) fn sql(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(&self.db).expect("open database")
    }

    /// One integer from a query.
    pub(crate) fn count(&self, sql: &str) -> i64 {
        self.sql().query_row(sql, [], |r| r.get(0)).expect("query")
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Runs `args`, expects exit code 2 with `message` in stderr, and the database unchanged byte for byte.
pub(crate) fn rejects_unchanged(env: &Env, args: &[&str], message: &str) {
    let before = env.fingerprint();
    let assert = env.run(args).code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains(message), "stderr {stderr:?} should contain {message:?}");
    assert!(stderr.starts_with("ctrlmap: "), "{stderr}");
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "one-line error expected: {stderr}"
    );
    assert_eq!(env.fingerprint(), before, "database changed after a rejected command");
}

/// One field of every object in a JSON array.
pub(crate) fn pluck(list: &serde_json::Value, key: &str) -> Vec<serde_json::Value> {
    list.as_array()
        .expect("a JSON array")
        .iter()
        .map(|item| item[key].clone())
        .collect()
}

/// The length of a JSON array (`None` when it is not one).
pub(crate) fn count(list: &serde_json::Value) -> Option<usize> {
    list.as_array().map(Vec::len)
}

/// Every error of `doc` against an official OSCAL 1.2.1 schema.
pub(crate) fn schema_errors(file: &str, doc: &serde_json::Value) -> Vec<String> {
    let path = format!(
        "{}/tests/fixtures/oscal/schemas-1.2.1/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("schema")).expect("schema is JSON");
    let validator = jsonschema::draft7::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema compiles");
    validator
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

impl Env {
    /// Runs each command in turn, expecting success: the setup of a test.
    pub(crate) fn setup(&self, commands: &[&[&str]]) -> &Env {
        for args in commands {
            self.run(*args).success();
        }
        self
    }

    /// An initialised database with teams platform and data-platform and one service per
    /// category: web (EC2, platform), orders-db (RDS) and bucket (S3), both data-platform's.
    pub(crate) fn estate() -> Env {
        let env = Env::init();
        env.setup(&[
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
            &[
                "service",
                "add",
                "bucket",
                "--offering",
                "aws.s3",
                "--team",
                "data-platform",
            ],
        ]);
        env
    }
}

impl Env {
    /// Runs ctrlmap as `alice` with extra environment variables.
    pub(crate) fn run_env<I, S>(&self, vars: &[(&str, &str)], args: I) -> Assert
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut cmd: Command = assert_cmd::cargo::cargo_bin_cmd!("ctrlmap");
        cmd.current_dir(self.dir.path())
            .env("CTRLMAP_DB", &self.db)
            .env("CTRLMAP_ACTOR", "alice")
            .env_remove("NO_COLOR");
        for (k, v) in vars {
            cmd.env(k, v);
        }
        cmd.args(args).assert()
    }
}

/// Runs an external tool (pdftotext, pdffonts, ...) if it is installed: its stdout, or `None`
/// with a note on stderr when it is missing.
pub(crate) fn tool_output(tool: &str, args: &[&std::ffi::OsStr]) -> Option<String> {
    match std::process::Command::new(tool).args(args).output() {
        Ok(out) if out.status.success() => Some(String::from_utf8_lossy(&out.stdout).into_owned()),
        Ok(out) => panic!("{tool} failed: {}", String::from_utf8_lossy(&out.stderr)),
        Err(_) => {
            eprintln!("note: {tool} is not installed (poppler-utils); that check is skipped");
            None
        }
    }
}

/// The first font file of `names` under the usual font directories, if the machine has one.
pub(crate) fn find_system_font(names: &[&str]) -> Option<PathBuf> {
    fn walk(dir: &Path, names: &[&str], found: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, names, found);
            } else if path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| names.contains(&n))
            {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    for dir in ["/usr/share/fonts", "/usr/local/share/fonts"] {
        walk(Path::new(dir), names, &mut found);
    }
    found.sort_by_key(|p| {
        names
            .iter()
            .position(|n| p.file_name().and_then(|f| f.to_str()) == Some(*n))
    });
    found.into_iter().next()
}
