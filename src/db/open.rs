//! Opening, creating and migrating the database file, and the write transaction every write
//! command runs in (with its audit-log entries).

use std::cell::RefCell;
use std::ops::Deref;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior};

use super::file::{
    busy_timeout, check_journals, create_private_file, existing_file, has_sqlite_header, journals,
    refuse_shared_empty_file, remove_database_files, remove_new_journals, uri_path,
};
use crate::error::{Error, Result, SqlContext};

mod embedded {
    refinery::embed_migrations!("migrations");
}

/// Marks a SQLite file as a ctrlmap database (`PRAGMA application_id`, "ctmp").
const APPLICATION_ID: i64 = 0x6374_6d70;

/// The page cache of a write transaction, in KiB as `PRAGMA cache_size` takes it when negative:
/// enough for the pages an import of tens of thousands of rows keeps coming back to.
const WRITE_CACHE_KIB: i64 = -8192;

/// An open ctrlmap database.
pub struct Db {
    conn: Connection,
    path: PathBuf,
    /// Opened for reading only, because its directory cannot be written.
    read_only: bool,
    /// This process created the file (so a failed `init` may remove it).
    created: bool,
}

impl Db {
    /// Opens an existing, current ctrlmap database; never creates or migrates one. A database in
    /// a directory this process cannot write (a read-only mount, say) opens for reading only.
    pub fn open(path: &Path) -> Result<Db> {
        let meta = existing_file(path)?;
        check_journals(path, meta.is_some())?;
        if meta.as_ref().is_none_or(|m| m.len() == 0) {
            return Err(Error::Database(format!(
                "no ctrlmap database at {}: run `ctrlmap init` to create one, or pass --db / set CTRLMAP_DB",
                path.display()
            )));
        }
        let db = match Db::connect(path, OpenFlags::SQLITE_OPEN_READ_WRITE)
            .and_then(|db| db.check_identity().map(|()| db))
        {
            Ok(db) => db,
            Err(e) if !crate::support::files::writable_dir(path) => {
                drop(e);
                let db = Db::connect_read_only(path)?;
                db.check_identity()?;
                db
            }
            Err(e) => return Err(e),
        };
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
    /// schema. Returns the database and whether it was created. A path that exists is never
    /// deleted or re-permissioned: only a file this call created is removed when setting it up
    /// fails.
    pub fn create_or_upgrade(path: &Path) -> Result<(Db, bool)> {
        let meta = existing_file(path)?;
        check_journals(path, meta.is_some())?;
        let fresh = meta.is_none();
        if fresh {
            create_private_file(path)?;
        } else if meta.as_ref().is_some_and(|m| m.len() == 0) {
            refuse_shared_empty_file(path, meta.as_ref())?;
        }
        let empty = meta.is_none_or(|m| m.len() == 0);
        let journals_before = journals(path);
        let result =
            Db::connect(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE).and_then(|mut db| {
                if empty {
                    db.conn
                        .pragma_update(None, "application_id", APPLICATION_ID)
                        .context("mark the database as ctrlmap's")?;
                    db.conn
                        .pragma_update(None, "journal_mode", "WAL")
                        .context("switch the database to WAL")?;
                } else {
                    db.check_identity()?;
                    db.check_integrity()?;
                }
                db.migrate()?;
                Ok(db)
            });
        match result {
            Ok(mut db) => {
                db.created = fresh;
                Ok((db, empty))
            }
            Err(e) => {
                if fresh {
                    remove_database_files(path);
                } else {
                    remove_new_journals(path, &journals_before);
                }
                Err(e)
            }
        }
    }

    /// Opens `path` for reading only and as immutable: SQLite need not create its `-shm` beside
    /// a database in a directory it cannot write, and every write is refused.
    fn connect_read_only(path: &Path) -> Result<Db> {
        let uri = format!("file:{}?immutable=1", uri_path(path));
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&uri, flags)
            .map_err(|e| Error::Database(format!("cannot open {}: {e}", path.display())))?;
        conn.busy_timeout(busy_timeout()?).context("set the busy timeout")?;
        stable_plans(&conn)?;
        Ok(Db {
            conn,
            path: path.to_path_buf(),
            read_only: true,
            created: false,
        })
    }

    /// Refuses a database whose pages are damaged: `init` must not seed into one (and then blame
    /// the seed file for what the database did).
    fn check_integrity(&self) -> Result<()> {
        let verdict: String = self
            .conn
            .query_row("PRAGMA quick_check(1)", [], |r| r.get(0))
            .map_err(|e| Error::sql(e, "check the database"))?;
        if verdict != "ok" {
            return Err(damaged(&self.path, &verdict));
        }
        Ok(())
    }

    fn connect(path: &Path, flags: OpenFlags) -> Result<Db> {
        let conn = Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .map_err(|e| Error::Database(format!("cannot open {}: {e}", path.display())))?;
        conn.busy_timeout(busy_timeout()?).context("set the busy timeout")?;
        stable_plans(&conn)?;
        conn.pragma_update(None, "foreign_keys", true)
            .context("enable foreign keys")?;
        Ok(Db {
            conn,
            path: path.to_path_buf(),
            read_only: false,
            created: false,
        })
    }

    /// Refuses files that are not SQLite, or SQLite files that belong to something else.
    fn check_identity(&self) -> Result<()> {
        let id: i64 = self
            .conn
            .pragma_query_value(None, "application_id", |r| r.get(0))
            .map_err(|e| match e.sqlite_error_code() {
                _ if crate::error::is_busy(&e) => Error::sql(e, "read the database header"),
                Some(rusqlite::ErrorCode::NotADatabase) if has_sqlite_header(&self.path) => {
                    damaged(&self.path, &e.to_string())
                }
                Some(rusqlite::ErrorCode::NotADatabase) => {
                    Error::Database(format!("{} is not a ctrlmap database ({e})", self.path.display()))
                }
                Some(rusqlite::ErrorCode::DatabaseCorrupt) => damaged(&self.path, &e.to_string()),
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
        let know = LATEST_VERSION;
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
        // SQLite's procedure for rebuilding a table (version 7 rebuilds `evidence` to widen a
        // CHECK) needs foreign keys off, or dropping the old table would cascade into its links
        // and reviews. The pragma cannot change inside a transaction, so it is set around the run.
        self.conn
            .pragma_update(None, "foreign_keys", false)
            .context("disable foreign keys for the migration")?;
        let ran = embedded::migrations::runner()
            .set_grouped(true)
            .set_abort_divergent(true)
            .run(&mut self.conn)
            .map_err(|e| Error::Database(format!("migrate {}: {e}", self.path.display())));
        self.conn
            .pragma_update(None, "foreign_keys", true)
            .context("enable foreign keys")?;
        ran?;
        let dangling: Option<String> = self
            .conn
            .query_row("PRAGMA foreign_key_check", [], |r| r.get(0))
            .optional()
            .context("check foreign keys after the migration")?;
        if let Some(table) = dangling {
            return Err(damaged(
                &self.path,
                &format!("table {table} refers to rows that do not exist"),
            ));
        }
        self.conn
            .pragma_update(None, "user_version", latest_known_version())
            .context("stamp the schema version")?;
        Ok(())
    }

    /// Closes and deletes a database this process has just created (a failed `init`); a file
    /// that was there before is left in place.
    pub fn discard(self) {
        let (path, created) = (self.path.clone(), self.created);
        drop(self.conn);
        if created {
            remove_database_files(&path);
        }
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
        if self.read_only {
            return Err(Error::Invalid(format!(
                "{}: opened read-only because its directory cannot be written; nothing was changed",
                self.path.display()
            )));
        }
        // A bulk write (an import of 50,000 rows) dirties more pages than SQLite's default cache
        // of 2 MiB holds: the indexes it inserts into at random would be written out to the WAL
        // and read back again and again before the commit. A small write never fills it.
        self.conn
            .pragma_update(None, "cache_size", WRITE_CACHE_KIB)
            .context("size the page cache")?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .context("start a write transaction")?;
        let writer = Writer {
            tx,
            actor: actor.to_string(),
            at: crate::support::clock::now_rfc3339(),
            last_entry: RefCell::new(None),
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
    /// The audit log's last entry (id and hash) once this write has appended one: the
    /// transaction holds the write lock, so nobody else appends meanwhile, and the next entry
    /// chains to it without reading the log again.
    last_entry: RefCell<Option<(i64, String)>>,
}

impl Writer<'_> {
    /// Appends an audit-log entry in this transaction.
    pub fn audit(&self, action: &str, entity: &str, details: serde_json::Value) -> Result<()> {
        self.audit_text(action, entity, &details.to_string())
    }

    /// As [`Writer::audit`], with the details already written as JSON text.
    pub fn audit_text(&self, action: &str, entity: &str, details: &str) -> Result<()> {
        let mut last = self.last_entry.borrow_mut();
        let prev = match last.take() {
            Some(known) => Some(known),
            None => super::audit::last(&self.tx)?,
        };
        let appended = super::audit::append_after(&self.tx, prev, &self.at, &self.actor, action, entity, details)?;
        *last = Some(appended);
        Ok(())
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

/// Turns on SQLite's query planner stability guarantee: a statement's plan never depends on the
/// values bound to it. Without it SQLite (3.54) marks a statement whose plan looked at a bound
/// value, e.g. `k.id = ?1` carried over from `c.catalog_id = ?1` through a join, and
/// re-prepares it whenever its bindings are cleared, which the statement cache does each time a
/// statement goes back into it: every cached join would be parsed and planned again at every
/// use, a quarter of a catalogue import's time. No query of ours gains from a value-dependent
/// plan (no `LIKE ?`, no partial index matched against a bound value, no `sqlite_stat4`).
fn stable_plans(conn: &Connection) -> Result<()> {
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)
        .context("keep query plans independent of bound values")?;
    Ok(())
}

/// The newest migration version compiled into this binary, as every open checks it: a constant,
/// because listing the embedded migrations reads and checksums all their SQL (half a millisecond
/// on every command). A test holds it to the migrations in `migrations/`.
const LATEST_VERSION: i64 = 12;

/// The newest migration version of the embedded migrations.
fn latest_known_version() -> i64 {
    embedded::migrations::runner()
        .get_migrations()
        .iter()
        .map(|m| i64::from(m.version()))
        .max()
        .unwrap_or(0)
}

/// The error for a database whose file is damaged (exit 3).
fn damaged(path: &Path, detail: &str) -> Error {
    Error::Integrity(format!(
        "{} is damaged ({detail}): restore it from a backup; nothing was changed",
        path.display()
    ))
}

#[cfg(test)]
mod tests {
    use rusqlite::types::Value;

    use super::*;

    /// Every row of `table` as its values, by id.
    fn rows(conn: &Connection, table: &str) -> Vec<Vec<Value>> {
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM {table} ORDER BY id"))
            .expect("select");
        let n = stmt.column_count();
        stmt.query_map([], |r| (0..n).map(|i| r.get::<_, Value>(i)).collect())
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("rows")
    }

    /// The version every open checks against is the newest embedded migration.
    #[test]
    fn the_latest_version_is_the_newest_migration() {
        assert_eq!(LATEST_VERSION, latest_known_version());
    }

    /// A cached statement that joins on a bound value is planned once, not again at every use
    /// (the statement cache clears its bindings each time it takes it back).
    #[test]
    fn cached_joins_are_not_prepared_again_at_every_use() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (db, _) = Db::create_or_upgrade(&dir.path().join("c.db")).expect("create");
        let conn = db.conn();
        let sql = "SELECT c.id, k.key FROM control c JOIN catalog k ON k.id = c.catalog_id
                   WHERE c.catalog_id = ?1 AND c.key = ?2";
        for i in 0..20 {
            let mut stmt = conn.prepare_cached(sql).expect("prepare");
            let mut rows = stmt.query(rusqlite::params![i % 3, format!("AC-{i}")]).expect("query");
            while rows.next().expect("step").is_some() {}
        }
        let stmt = conn.prepare_cached(sql).expect("prepare");
        assert_eq!(stmt.get_status(rusqlite::StatementStatus::RePrepare), 0);
    }

    /// Version 12 writes the CHECKs on evidence's kind and status as comparisons: they still
    /// accept every kind and status and refuse anything else.
    #[test]
    fn evidence_checks_accept_and_refuse_the_same_values() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (db, _) = Db::create_or_upgrade(&dir.path().join("c.db")).expect("create");
        let conn = db.conn();
        let add = |kind: &str, status: &str| {
            let file = kind == "file" || kind == "scan";
            conn.execute(
                "INSERT INTO evidence (kind, title, sha256, size, url, note, collected_on, submitted_by, submitted_at, status)
                 VALUES (?1, 't', ?2, ?3, ?4, 'n', '2026-01-01', 'a', 't', ?5)",
                rusqlite::params![
                    kind,
                    file.then(|| "a".repeat(64)),
                    file.then_some(1),
                    (kind == "url").then_some("https://example.com"),
                    status
                ],
            )
        };
        for kind in ["file", "url", "note", "scan"] {
            for status in ["pending", "accepted", "rejected"] {
                add(kind, status).unwrap_or_else(|e| panic!("{kind} {status}: {e}"));
            }
        }
        for (kind, status) in [
            ("File", "pending"),
            ("link", "pending"),
            ("note", "Pending"),
            ("note", "done"),
            ("", ""),
        ] {
            assert!(add(kind, status).is_err(), "{kind:?} {status:?} refused");
        }
    }

    /// A version 6 database with evidence of every kind, links and reviews, upgraded to the
    /// latest: the evidence rows are the same values, links and reviews still point at them, the
    /// indexes are back and the foreign keys still hold.
    #[test]
    fn version_7_rebuilds_evidence_keeping_every_row() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("old.db");
        {
            let mut conn = Connection::open(&path).expect("create");
            conn.pragma_update(None, "application_id", APPLICATION_ID).expect("id");
            conn.pragma_update(None, "journal_mode", "WAL").expect("wal");
            conn.pragma_update(None, "foreign_keys", true).expect("fk");
            embedded::migrations::runner()
                .set_grouped(true)
                .set_target(refinery::Target::Version(6))
                .run(&mut conn)
                .expect("migrate to version 6");
            conn.execute_batch(
                "INSERT INTO provider (id, key, name) VALUES (1, 'aws', 'AWS');
                 INSERT INTO offering (id, provider_id, key, name, category, source) VALUES (1, 1, 'aws.rds', 'RDS', 'container', 's');
                 INSERT INTO catalog (id, key, title, imported_at) VALUES (1, 'c', 'C', '2026-01-01T00:00:00Z');
                 INSERT INTO control (id, catalog_id, key, title) VALUES (1, 1, 'AC-2', 'Accounts'), (2, 1, 'AC-3', 'Access');
                 INSERT INTO service (id, name, offering_id) VALUES (1, 'orders-db', 1);
                 INSERT INTO evidence (id, kind, title, sha256, size, media_type, original_name, note, collected_on,
                                       valid_until, submitted_by, submitted_at, status)
                 VALUES (3, 'file', 'Patch report', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 12,
                         'application/pdf', 'r.pdf', 'n', '2026-11-20', '2027-02-18', 'bob', '2026-11-20T10:00:00Z', 'accepted');
                 INSERT INTO evidence (id, kind, title, url, collected_on, submitted_by, submitted_at)
                 VALUES (7, 'url', 'Wiki', 'https://example.com/x', '2026-11-21', 'bob', '2026-11-21T10:00:00Z');
                 INSERT INTO evidence (id, kind, title, note, collected_on, submitted_by, submitted_at, status)
                 VALUES (9, 'note', 'Statement', 'we do it ✓', '2026-11-22', 'carol', '2026-11-22T10:00:00Z', 'rejected');
                 INSERT INTO evidence_link (evidence_id, control_id, service_id, linked_by, linked_at)
                 VALUES (3, 1, 1, 'bob', 't'), (7, 2, NULL, 'bob', 't'), (9, 1, NULL, 'carol', 't');
                 INSERT INTO evidence_review (evidence_id, decision, reviewer, at, note)
                 VALUES (3, 'accepted', 'alice', 't', 'ok'), (9, 'rejected', 'alice', 't', 'no');",
            )
            .expect("version 6 rows");
        }
        let before = {
            let conn = Connection::open(&path).expect("open");
            (
                rows(&conn, "evidence"),
                rows(&conn, "evidence_link"),
                rows(&conn, "evidence_review"),
            )
        };
        let (db, created) = Db::create_or_upgrade(&path).expect("upgrade");
        assert!(!created);
        let conn = db.conn();
        assert_eq!(rows(conn, "evidence"), before.0, "evidence rows kept value for value");
        assert_eq!(rows(conn, "evidence_link"), before.1, "links kept");
        assert_eq!(rows(conn, "evidence_review"), before.2, "reviews kept");
        let indexes: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'evidence' ORDER BY name")
            .expect("indexes")
            .query_map([], |r| r.get(0))
            .expect("indexes")
            .collect::<rusqlite::Result<_>>()
            .expect("indexes");
        assert_eq!(indexes, ["evidence_sha256", "evidence_status"]);
        let fk: bool = conn.pragma_query_value(None, "foreign_keys", |r| r.get(0)).expect("fk");
        assert!(fk, "foreign keys are back on");
        // The links still refer to the rebuilt table: a link to no evidence is refused, and
        // removing evidence removes its links and reviews.
        assert!(
            conn.execute(
                "INSERT INTO evidence_link (evidence_id, control_id, linked_by, linked_at) VALUES (99, 1, 'x', 't')",
                [],
            )
            .is_err()
        );
        conn.execute("DELETE FROM evidence WHERE id = 3", []).expect("delete");
        let left: i64 = conn
            .query_row(
                "SELECT (SELECT count(*) FROM evidence_link WHERE evidence_id = 3) + (SELECT count(*) FROM evidence_review WHERE evidence_id = 3)",
                [],
                |r| r.get(0),
            )
            .expect("count");
        assert_eq!(left, 0);
        // The new kind is accepted, with a hash and a size as a file has.
        conn.execute(
            "INSERT INTO evidence (kind, title, sha256, size, collected_on, submitted_by, submitted_at)
             VALUES ('scan', 'asff scan', 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', 5, '2026-11-20', 'a', 't')",
            [],
        )
        .expect("a scan is evidence");
    }
}
