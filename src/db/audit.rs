//! The append-only audit log: each entry's hash covers its contents and the previous entry's hash,
//! so editing, deleting or reordering entries behind ctrlmap's back breaks the chain.

use crate::db::Cached;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sha2::Digest;

use crate::error::{Result, SqlContext};
use crate::support::digest::Hashing;

/// The `prev_hash` of the first entry.
pub(crate) const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit-log entry as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// Position in the chain, from 1.
    pub id: i64,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// Who.
    pub actor: String,
    /// What, e.g. `service.add`.
    pub action: String,
    /// On what, e.g. `service:orders-db`.
    pub entity: String,
    /// Details as canonical JSON text.
    pub details: String,
    /// Hash of the previous entry.
    pub prev_hash: String,
    /// Hash of this entry.
    pub hash: String,
}

/// The hash of an entry: SHA-256 over a JSON array of its fields and the previous hash, so no
/// field boundary is ambiguous.
pub(crate) fn entry_hash(
    id: i64,
    at: &str,
    actor: &str,
    action: &str,
    entity: &str,
    details: &str,
    prev_hash: &str,
) -> String {
    // A tuple serialises as the JSON array `[id, at, ...]`, byte for byte as a `json!` array
    // would, without building one; its bytes go straight into the hash.
    let mut sha = Hashing::new(std::io::sink());
    serde_json::to_writer(&mut sha, &(id, at, actor, action, entity, details, prev_hash))
        .expect("a tuple of numbers and strings serialises");
    crate::support::hex::encode(&sha.hasher.finalize())
}

/// Appends one entry after the current last one.
#[cfg(test)]
pub(crate) fn append(
    conn: &Connection,
    at: &str,
    actor: &str,
    action: &str,
    entity: &str,
    details: &serde_json::Value,
) -> Result<()> {
    let last = last(conn)?;
    append_after(conn, last, at, actor, action, entity, &details.to_string())?;
    Ok(())
}

/// The last entry's id and hash, if there is one.
pub(crate) fn last(conn: &Connection) -> Result<Option<(i64, String)>> {
    conn.query_row_cached("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1", [], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })
    .optional()
    .context("read the end of the audit log")
}

/// Appends one entry after `last` (the last entry's id and hash, as [`last`] reads them; the
/// caller that holds the write transaction may remember it between entries instead of reading
/// it again); returns the new entry's id and hash.
pub(crate) fn append_after(
    conn: &Connection,
    last: Option<(i64, String)>,
    at: &str,
    actor: &str,
    action: &str,
    entity: &str,
    details: &str,
) -> Result<(i64, String)> {
    let (id, prev) = match last {
        Some((id, hash)) => (id + 1, hash),
        None => (1, GENESIS.to_string()),
    };
    let hash = entry_hash(id, at, actor, action, entity, details, &prev);
    conn.execute_cached(
        "INSERT INTO audit_log (id, at, actor, action, entity, details, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![id, at, actor, action, entity, details, prev, hash],
    )
    .context("append to the audit log")?;
    Ok((id, hash))
}

const SELECT: &str = "SELECT id, at, actor, action, entity, details, prev_hash, hash FROM audit_log";

fn entry(r: &rusqlite::Row<'_>) -> rusqlite::Result<Entry> {
    Ok(Entry {
        id: r.get(0)?,
        at: r.get(1)?,
        actor: r.get(2)?,
        action: r.get(3)?,
        entity: r.get(4)?,
        details: r.get(5)?,
        prev_hash: r.get(6)?,
        hash: r.get(7)?,
    })
}

/// The time of the newest audit-log entry (the data's newest change), if there is one.
pub fn newest_at(conn: &Connection) -> Result<Option<String>> {
    conn.query_row_cached("SELECT at FROM audit_log ORDER BY id DESC LIMIT 1", [], |r| r.get(0))
        .optional()
        .context("read the audit log")
}

/// The newest `limit` entries (all when `None`), oldest first, optionally only those whose entity
/// starts with `entity_prefix`.
pub fn list(conn: &Connection, limit: Option<u64>, entity_prefix: Option<&str>) -> Result<Vec<Entry>> {
    let sql = format!(
        "SELECT * FROM ({SELECT} WHERE (?1 IS NULL OR substr(entity, 1, length(?1)) = ?1)
         ORDER BY id DESC LIMIT ?2) ORDER BY id"
    );
    let limit = limit.map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX));
    let mut stmt = conn.prepare_cached(&sql).context("read the audit log")?;
    let rows = stmt
        .query_map(params![entity_prefix, limit], entry)
        .context("read the audit log")?;
    rows.collect::<rusqlite::Result<_>>().context("read the audit log")
}

/// Entry number `id`, if the log has it.
pub fn get(conn: &Connection, id: i64) -> Result<Option<Entry>> {
    conn.query_row_cached(&format!("{SELECT} WHERE id = ?1"), [id], entry)
        .optional()
        .context("read the audit log")
}

/// The outcome of recomputing the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    /// How many entries were checked.
    pub entries: u64,
    /// The first entry that does not fit the chain, and why.
    pub first_break: Option<(Entry, String)>,
    /// The last entry's id and hash: keep a copy elsewhere to detect a truncated or rewritten log.
    pub head: Option<(i64, String)>,
}

/// The triggers that keep the log append-only; a missing one means someone removed it.
const GUARDS: [&str; 2] = ["audit_log_no_update", "audit_log_no_delete"];

/// Names the append-only guards that are missing from the schema.
pub fn missing_guards(conn: &Connection) -> Result<Vec<&'static str>> {
    let mut missing = Vec::new();
    for name in GUARDS {
        let present: bool = conn
            .query_row_cached(
                "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = ?1 AND tbl_name = 'audit_log')",
                [name],
                |r| r.get(0),
            )
            .context("read the audit log's triggers")?;
        if !present {
            missing.push(name);
        }
    }
    Ok(missing)
}

/// Recomputes the whole chain, streaming, and reports the first entry that does not fit.
pub fn verify(conn: &Connection) -> Result<Verification> {
    let mut stmt = conn
        .prepare_cached(&format!("{SELECT} ORDER BY id"))
        .context("read the audit log")?;
    let rows = stmt.query_map([], entry).context("read the audit log")?;
    verify_chain(rows.map(|r| r.context("read the audit log")))
}

/// Checks a sequence of entries (oldest first) against each other.
pub fn verify_chain(entries: impl Iterator<Item = Result<Entry>>) -> Result<Verification> {
    let mut checked = 0;
    let mut prev_id = 0;
    let mut prev_hash = GENESIS.to_string();
    for e in entries {
        let e = e?;
        checked += 1;
        let problem = if e.id != prev_id + 1 {
            Some(format!(
                "expected entry {} next, found {}: entries are missing",
                prev_id + 1,
                e.id
            ))
        } else if e.prev_hash != prev_hash {
            Some("its previous-hash does not match the entry before it".to_string())
        } else if e.hash != entry_hash(e.id, &e.at, &e.actor, &e.action, &e.entity, &e.details, &e.prev_hash) {
            Some("its contents do not match its hash (the entry was edited)".to_string())
        } else {
            None
        };
        if let Some(why) = problem {
            return Ok(Verification {
                entries: checked,
                first_break: Some((e, why)),
                head: None,
            });
        }
        prev_id = e.id;
        prev_hash = e.hash;
    }
    let head = (prev_id > 0).then_some((prev_id, prev_hash));
    Ok(Verification {
        entries: checked,
        first_break: None,
        head,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<Entry> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|id| {
                let hash = entry_hash(id, "t", "a", "x.add", "x:1", "{}", &prev);
                let e = Entry {
                    id,
                    at: "t".into(),
                    actor: "a".into(),
                    action: "x.add".into(),
                    entity: "x:1".into(),
                    details: "{}".into(),
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                e
            })
            .collect()
    }

    fn check(entries: Vec<Entry>) -> Verification {
        verify_chain(entries.into_iter().map(Ok)).expect("in-memory entries")
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert_eq!(check(chain(5)).first_break, None);
    }

    #[test]
    fn an_edited_entry_is_named() {
        let mut entries = chain(5);
        entries[2].actor = "mallory".into();
        let (e, why) = check(entries).first_break.expect("a break");
        assert_eq!(e.id, 3);
        assert!(why.contains("edited"), "{why}");
    }

    #[test]
    fn a_deleted_entry_is_named() {
        let mut entries = chain(5);
        entries.remove(1);
        let (e, _) = check(entries).first_break.expect("a break");
        assert_eq!(e.id, 3);
    }

    #[test]
    fn the_log_in_the_database_refuses_update_and_delete() {
        let conn = Connection::open_in_memory().expect("in-memory db");
        conn.execute_batch(include_str!("../../migrations/V1__initial.sql"))
            .expect("schema");
        append(&conn, "t", "a", "x.add", "x:1", &serde_json::json!({"k": 1})).expect("append");
        append(&conn, "t", "a", "x.add", "x:2", &serde_json::json!({})).expect("append");
        assert!(conn.execute_cached("UPDATE audit_log SET actor = 'm'", []).is_err());
        assert!(conn.execute_cached("DELETE FROM audit_log", []).is_err());
        assert_eq!(verify(&conn).expect("verify").first_break, None);
    }
}
