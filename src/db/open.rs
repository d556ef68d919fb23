//! Opening, creating and migrating the database file, and the write transaction every write
//! command runs in (with its audit-log entries).

use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use crate::error::{Error, Result, SqlContext};

mod embedded {
    refinery::embed_migrations!("migrations");
}

/// Marks a SQLite file as a ctrlmap database (`PRAGMA application_id`, "ctmp").
const APPLICATION_ID: i64 = 0x6374_6d70;

/// An open ctrlmap database.
pub struct Db {
    conn: Connection,
    path: PathBuf,
}

impl Db {
    /// Opens an existing, current ctrlmap database; never creates or migrates one.
    pub fn open(path: &Path) -> Result<Db> {
        if !path.exists() || std::fs::metadata(path).map(|m| m.len() == 0).unwrap_or(false) {
            return Err(Error::Database(format!(
                "no ctrlmap database at {}: run `ctrlmap init` to create one, or pass --db / set CTRLMAP_DB",
                path.display()
            )));
        }
        let db = Db::connect(path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        db.check_identity()?;
        let (have, know) = db.schema_versions()?;
        if have < know {
            return Err(Error::Database(format!(
                "{} has schema version {have}, this ctrlmap uses version {know}: run `ctrlmap init` to upgrade it",
                path.display()
            )));
        }
        Ok(db)
    }

    /// Creates the database (owner-only permissions) or upgrades an existing one to the latest
    /// schema. Returns the database and whether it was created.
    pub fn create_or_upgrade(path: &Path) -> Result<(Db, bool)> {
        let fresh = !path.exists() || std::fs::metadata(path).map(|m| m.len() == 0).unwrap_or(false);
        if fresh {
            create_private_file(path)?;
        }
        let result =
            Db::connect(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE).and_then(|mut db| {
                if fresh {
                    db.conn
                        .pragma_update(None, "application_id", APPLICATION_ID)
                        .context("mark the database as ctrlmap's")?;
                    db.conn
                        .pragma_update(None, "journal_mode", "WAL")
                        .context("switch the database to WAL")?;
                } else {
                    db.check_identity()?;
                }
                db.migrate()?;
                Ok(db)
            });
        match result {
            Ok(db) => Ok((db, fresh)),
            Err(e) => {
                if fresh {
                    remove_database_files(path);
                }
                Err(e)
            }
        }
    }

    fn connect(path: &Path, flags: OpenFlags) -> Result<Db> {
        let conn = Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .map_err(|e| Error::Database(format!("cannot open {}: {e}", path.display())))?;
        conn.busy_timeout(busy_timeout()?).context("set the busy timeout")?;
        conn.pragma_update(None, "foreign_keys", true)
            .context("enable foreign keys")?;
        Ok(Db {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Refuses files that are not SQLite, or SQLite files that belong to something else.
    fn check_identity(&self) -> Result<()> {
        let id: i64 = self
            .conn
            .pragma_query_value(None, "application_id", |r| r.get(0))
            .map_err(|e| match e.sqlite_error_code() {
                _ if crate::error::is_busy(&e) => Error::sql(e, "read the database header"),
                Some(rusqlite::ErrorCode::NotADatabase) => {
                    Error::Database(format!("{} is not a ctrlmap database ({e})", self.path.display()))
                }
                _ => Error::Database(format!("cannot read {}: {e}", self.path.display())),
            })?;
        if id != APPLICATION_ID {
            return Err(Error::Database(format!(
                "{} is a SQLite file but not a ctrlmap database",
                self.path.display()
            )));
        }
        Ok(())
    }

    /// (version the file has, latest version this build knows).
    fn schema_versions(&self) -> Result<(i64, i64)> {
        let know = latest_known_version();
        let has_history: bool = self
            .conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'refinery_schema_history')",
                [],
                |r| r.get(0),
            )
            .context("read the schema version")?;
        let have: i64 = if has_history {
            self.conn
                .query_row(
                    "SELECT coalesce(max(version), 0) FROM refinery_schema_history",
                    [],
                    |r| r.get(0),
                )
                .context("read the schema version")?
        } else {
            0
        };
        // `user_version` mirrors the schema version, for tools (and future ctrlmaps) that read it.
        let stamped: i64 = self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .context("read the schema version")?;
        let have = have.max(stamped);
        if have > know {
            return Err(Error::Database(format!(
                "{} was written by a newer ctrlmap (schema version {have}; this ctrlmap knows up to {know}): upgrade ctrlmap",
                self.path.display()
            )));
        }
        Ok((have, know))
    }

    fn migrate(&mut self) -> Result<()> {
        self.schema_versions()?;
        embedded::migrations::runner()
            .set_grouped(true)
            .set_abort_divergent(true)
            .run(&mut self.conn)
            .map_err(|e| Error::Database(format!("migrate {}: {e}", self.path.display())))?;
        self.conn
            .pragma_update(None, "user_version", latest_known_version())
            .context("stamp the schema version")?;
        Ok(())
    }

    /// Closes and deletes a database this process has just created (a failed `init`).
    pub fn discard(self) {
        let path = self.path.clone();
        drop(self.conn);
        remove_database_files(&path);
    }

    /// The connection, for reading.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Where the database file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `work` in one immediate transaction that also carries its audit-log entries; commits
    /// only if `work` succeeds, so on any error the database is unchanged.
    pub fn write<T>(&mut self, actor: &str, work: impl FnOnce(&Writer<'_>) -> Result<T>) -> Result<T> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .context("start a write transaction")?;
        let writer = Writer {
            tx,
            actor: actor.to_string(),
            at: crate::clock::now_rfc3339(),
        };
        let out = work(&writer)?;
        writer.tx.commit().context("commit the write transaction")?;
        Ok(out)
    }
}

/// A write in progress: the transaction, who makes it and when.
pub struct Writer<'c> {
    tx: rusqlite::Transaction<'c>,
    actor: String,
    at: String,
}

impl Writer<'_> {
    /// Appends an audit-log entry in this transaction.
    pub fn audit(&self, action: &str, entity: &str, details: serde_json::Value) -> Result<()> {
        super::audit::append(&self.tx, &self.at, &self.actor, action, entity, &details)
    }

    /// Who is writing.
    pub fn actor(&self) -> &str {
        &self.actor
    }
}

impl Deref for Writer<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.tx
    }
}

/// The newest migration version compiled into this binary.
fn latest_known_version() -> i64 {
    embedded::migrations::runner()
        .get_migrations()
        .iter()
        .map(|m| i64::from(m.version()))
        .max()
        .unwrap_or(0)
}

/// How long to wait for another process's write lock: 10 s, or `CTRLMAP_BUSY_TIMEOUT_MS`
/// milliseconds (scripts that would rather fail fast and retry, and the concurrency tests).
fn busy_timeout() -> Result<Duration> {
    const DEFAULT: Duration = Duration::from_secs(10);
    match std::env::var("CTRLMAP_BUSY_TIMEOUT_MS") {
        Err(_) => Ok(DEFAULT),
        Ok(text) => text.trim().parse::<u64>().map(Duration::from_millis).map_err(|_| {
            Error::Invalid(format!(
                "CTRLMAP_BUSY_TIMEOUT_MS \"{text}\" is not a number of milliseconds, e.g. 10000"
            ))
        }),
    }
}

/// Creates an empty file (or takes an empty one) readable and writable by its owner only.
fn create_private_file(path: &Path) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir.display(), e))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(path).map_err(|e| Error::io(path.display(), e))?;
    // The mode above applies only when the file is new: an empty file that was already there
    // (`touch ctrlmap.db`) keeps whatever the umask gave it, so tighten it too.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| Error::io(path.display(), e))?;
    }
    drop(file);
    Ok(())
}

/// Removes a database we just created and failed to set up.
fn remove_database_files(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}
