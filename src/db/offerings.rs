//! Providers and their offerings (the service catalogue with categories).

use rusqlite::{Connection, OptionalExtension, params};

use super::Stored;
use crate::error::{Error, Result, SqlContext};
use crate::model::{Category, Offering, Provider};

impl Stored for Provider {
    const WHAT: &'static str = "provider";

    fn key(&self) -> String {
        self.key.clone()
    }

    fn find(&self, conn: &Connection) -> Result<Option<(i64, Self)>> {
        conn.query_row("SELECT id, key, name FROM provider WHERE key = ?1", [&self.key], |r| {
            Ok((
                r.get(0)?,
                Provider {
                    key: r.get(1)?,
                    name: r.get(2)?,
                },
            ))
        })
        .optional()
        .context("look up a provider")
    }

    fn insert(&self, conn: &Connection) -> Result<i64> {
        conn.execute(
            "INSERT INTO provider (key, name) VALUES (?1, ?2)",
            params![self.key, self.name],
        )
        .context("add a provider")?;
        Ok(conn.last_insert_rowid())
    }

    fn update(&self, conn: &Connection, id: i64) -> Result<()> {
        conn.execute("UPDATE provider SET name = ?2 WHERE id = ?1", params![id, self.name])
            .context("update a provider")?;
        Ok(())
    }
}

/// The id of provider `key`, or NotFound with a suggestion.
pub fn provider_id(conn: &Connection, key: &str) -> Result<i64> {
    let id = conn
        .query_row("SELECT id FROM provider WHERE key = ?1", [key], |r| r.get(0))
        .optional()
        .context("look up a provider")?;
    match id {
        Some(id) => Ok(id),
        None => {
            let keys = column(conn, "SELECT key FROM provider ORDER BY key")?;
            Err(Error::not_found("provider", key, keys.iter().map(String::as_str)))
        }
    }
}

const SELECT: &str = "SELECT o.id, o.key, o.name, p.key, o.category, o.source, o.note
                      FROM offering o JOIN provider p ON p.id = o.provider_id";

fn offering(r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, Offering)> {
    Ok((
        r.get(0)?,
        Offering {
            key: r.get(1)?,
            name: r.get(2)?,
            provider: r.get(3)?,
            category: r.get(4)?,
            source: r.get(5)?,
            note: r.get(6)?,
        },
    ))
}

impl Stored for Offering {
    const WHAT: &'static str = "offering";

    fn key(&self) -> String {
        self.key.clone()
    }

    fn find(&self, conn: &Connection) -> Result<Option<(i64, Self)>> {
        conn.query_row(&format!("{SELECT} WHERE o.key = ?1"), [&self.key], offering)
            .optional()
            .context("look up an offering")
    }

    fn insert(&self, conn: &Connection) -> Result<i64> {
        let provider = provider_id(conn, &self.provider).map_err(|e| e.at("column \"provider\""))?;
        conn.execute(
            "INSERT INTO offering (provider_id, key, name, category, source, note)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![provider, self.key, self.name, self.category, self.source, self.note],
        )
        .context("add an offering")?;
        Ok(conn.last_insert_rowid())
    }

    fn update(&self, conn: &Connection, id: i64) -> Result<()> {
        let provider = provider_id(conn, &self.provider).map_err(|e| e.at("column \"provider\""))?;
        conn.execute(
            "UPDATE offering SET provider_id = ?2, name = ?3, category = ?4, source = ?5, note = ?6
             WHERE id = ?1",
            params![id, provider, self.name, self.category, self.source, self.note],
        )
        .context("update an offering")?;
        Ok(())
    }
}

/// Offering `key` with its id, or NotFound with a suggestion.
pub fn get(conn: &Connection, key: &str) -> Result<(i64, Offering)> {
    let found = conn
        .query_row(&format!("{SELECT} WHERE o.key = ?1"), [key], offering)
        .optional()
        .context("look up an offering")?;
    match found {
        Some(found) => Ok(found),
        None => {
            let keys = column(conn, "SELECT key FROM offering ORDER BY key")?;
            Err(Error::not_found("offering", key, keys.iter().map(String::as_str)))
        }
    }
}

/// Offerings, optionally of one category and/or provider, by category then key.
pub fn list(conn: &Connection, category: Option<Category>, provider: Option<&str>) -> Result<Vec<Offering>> {
    let mut stmt = conn
        .prepare(&format!(
            "{SELECT} WHERE (?1 IS NULL OR o.category = ?1) AND (?2 IS NULL OR p.key = ?2)
             ORDER BY CASE o.category WHEN 'infrastructure' THEN 0 WHEN 'container' THEN 1 ELSE 2 END,
                      o.source = 'judgement', o.rowid"
        ))
        .context("list offerings")?;
    let rows = stmt
        .query_map(params![category, provider], |r| offering(r).map(|(_, o)| o))
        .context("list offerings")?;
    rows.collect::<rusqlite::Result<_>>().context("list offerings")
}

/// One text column of a query, for "did you mean" candidates.
pub(crate) fn column(conn: &Connection, sql: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(sql).context("read names")?;
    let rows = stmt.query_map([], |r| r.get(0)).context("read names")?;
    rows.collect::<rusqlite::Result<_>>().context("read names")
}
