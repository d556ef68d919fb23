//! Crosswalk mappings between controls.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::Cached;
use crate::error::{Result, SqlContext};
use crate::model::mapping::{Origin, Relationship};

/// A stored mapping, with both controls named.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MappingRow {
    /// Source catalogue key.
    pub source_catalog: String,
    /// Source control key.
    pub source: String,
    /// Target catalogue key.
    pub target_catalog: String,
    /// Target control key.
    pub target: String,
    /// How they relate.
    pub relationship: Relationship,
    /// Why.
    pub rationale: String,
    /// Seed, user or import.
    pub origin: Origin,
}

/// The existing mapping between two controls: (id, relationship, rationale, origin).
pub fn find(conn: &Connection, source: i64, target: i64) -> Result<Option<(i64, Relationship, String, Origin)>> {
    conn.query_row_cached(
        "SELECT id, relationship, rationale, origin FROM control_mapping
         WHERE source_control_id = ?1 AND target_control_id = ?2",
        params![source, target],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )
    .optional()
    .context("look up a mapping")
}

/// Inserts a mapping.
pub fn insert(
    conn: &Connection,
    source: i64,
    target: i64,
    r: Relationship,
    rationale: &str,
    origin: Origin,
) -> Result<()> {
    conn.execute_cached(
        "INSERT INTO control_mapping (source_control_id, target_control_id, relationship, rationale, origin)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![source, target, r, rationale, origin],
    )
    .context("add a mapping")?;
    Ok(())
}

/// Replaces a mapping's relationship, rationale and origin.
pub fn update(conn: &Connection, id: i64, r: Relationship, rationale: &str, origin: Origin) -> Result<()> {
    conn.execute_cached(
        "UPDATE control_mapping SET relationship = ?2, rationale = ?3, origin = ?4 WHERE id = ?1",
        params![id, r, rationale, origin],
    )
    .context("replace a mapping")?;
    Ok(())
}

/// Removes a mapping; returns false when there was none.
pub fn remove(conn: &Connection, source: i64, target: i64) -> Result<bool> {
    let n = conn
        .execute(
            "DELETE FROM control_mapping WHERE source_control_id = ?1 AND target_control_id = ?2",
            params![source, target],
        )
        .context("remove a mapping")?;
    Ok(n > 0)
}

/// Mappings from catalogue `from` to catalogue `to` (either may be `None` for any), in the
/// source catalogue's order.
pub fn list(conn: &Connection, from: Option<&str>, to: Option<&str>) -> Result<Vec<MappingRow>> {
    let mut stmt = conn
        .prepare(
            "SELECT sk.key, s.key, tk.key, t.key, m.relationship, m.rationale, m.origin
             FROM control_mapping m
             JOIN control s ON s.id = m.source_control_id JOIN catalog sk ON sk.id = s.catalog_id
             JOIN control t ON t.id = m.target_control_id JOIN catalog tk ON tk.id = t.catalog_id
             WHERE (?1 IS NULL OR sk.key = ?1) AND (?2 IS NULL OR tk.key = ?2)
             ORDER BY sk.key, s.sort_key, s.key, tk.key, t.sort_key, t.key",
        )
        .context("list mappings")?;
    let rows = stmt
        .query_map(params![from, to], |r| {
            Ok(MappingRow {
                source_catalog: r.get(0)?,
                source: r.get(1)?,
                target_catalog: r.get(2)?,
                target: r.get(3)?,
                relationship: r.get(4)?,
                rationale: r.get(5)?,
                origin: r.get(6)?,
            })
        })
        .context("list mappings")?;
    rows.collect::<rusqlite::Result<_>>().context("list mappings")
}

/// A source of a target control.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The source control's row id.
    pub control_id: i64,
    /// Its key.
    pub key: String,
    /// How it relates to the target.
    pub relationship: Relationship,
    /// Why.
    pub rationale: String,
}

/// For each control of catalogue `target`, its sources in catalogue `via`.
pub fn sources(conn: &Connection, target: i64, via: i64) -> Result<HashMap<i64, Vec<Source>>> {
    let mut stmt = conn
        .prepare(
            "SELECT m.target_control_id, s.id, s.key, m.relationship, m.rationale
             FROM control_mapping m
             JOIN control s ON s.id = m.source_control_id JOIN control t ON t.id = m.target_control_id
             WHERE t.catalog_id = ?1 AND s.catalog_id = ?2
             ORDER BY s.sort_key, s.key",
        )
        .context("read mappings")?;
    let mut rows = stmt.query(params![target, via]).context("read mappings")?;
    let mut out: HashMap<i64, Vec<Source>> = HashMap::new();
    while let Some(r) = rows.next().context("read mappings")? {
        let target: i64 = r.get(0).context("read mappings")?;
        out.entry(target).or_default().push(Source {
            control_id: r.get(1).context("read mappings")?,
            key: r.get(2).context("read mappings")?,
            relationship: r.get(3).context("read mappings")?,
            rationale: r.get(4).context("read mappings")?,
        });
    }
    Ok(out)
}

/// The controls of catalogue `target` that control `source` is mapped onto with a relationship
/// that overlaps (anything but `related` and `unrelated`), in catalogue order.
pub fn targets_in(conn: &Connection, source: i64, target: i64) -> Result<Vec<i64>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT t.id FROM control_mapping m JOIN control t ON t.id = m.target_control_id
             WHERE m.source_control_id = ?1 AND t.catalog_id = ?2
               AND m.relationship NOT IN ('related', 'unrelated')
             ORDER BY t.sort_key, t.key",
        )
        .context("read mappings")?;
    let rows = stmt
        .query_map(params![source, target], |r| r.get(0))
        .context("read mappings")?;
    rows.collect::<rusqlite::Result<_>>().context("read mappings")
}
