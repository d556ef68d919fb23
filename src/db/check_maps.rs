//! Check maps: which controls a scanner's check stands for, with a relationship, a rationale and
//! the file each row came from.

use std::collections::HashMap;

use rusqlite::{Connection, params};
use serde::Serialize;

use crate::error::{Result, SqlContext};
use crate::model::mapping::Relationship;

/// A row to store.
#[derive(Debug, Clone)]
pub struct NewRow<'a> {
    /// The scanner's check id.
    pub check: &'a str,
    /// The control's row id.
    pub control_id: i64,
    /// The statement part the source named, as a note.
    pub part: Option<&'a str>,
    /// The requirement id as the source wrote it.
    pub raw: &'a str,
    /// How the check relates to the control.
    pub relationship: Relationship,
    /// Why.
    pub rationale: &'a str,
    /// The imported file's name.
    pub source_file: &'a str,
    /// Its SHA-256.
    pub source_sha256: &'a str,
    /// Who imported it.
    pub by: &'a str,
    /// When.
    pub at: &'a str,
}

/// What storing a row did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// A new (check, control) row.
    Added,
    /// The row existed and now says what the file says.
    Updated,
    /// The row existed and said exactly this.
    Unchanged,
}

/// Stores a row: a new (check, control) pair is added, an existing one takes the file's values.
pub fn put(conn: &Connection, r: &NewRow<'_>) -> Result<Stored> {
    let old: Option<(Option<String>, String, Relationship, String)> = conn
        .prepare_cached(
            "SELECT part, raw, relationship, rationale FROM check_map WHERE check_id = ?1 AND control_id = ?2",
        )
        .context("read the check map")?
        .query_row(params![r.check, r.control_id], |x| {
            Ok((x.get(0)?, x.get(1)?, x.get(2)?, x.get(3)?))
        })
        .map(Some)
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            e => Err(e),
        })
        .context("read the check map")?;
    let same = old.as_ref().is_some_and(|(part, raw, rel, why)| {
        part.as_deref() == r.part && raw == r.raw && *rel == r.relationship && why == r.rationale
    });
    if same {
        return Ok(Stored::Unchanged);
    }
    conn.prepare_cached(
        "INSERT INTO check_map (check_id, control_id, part, raw, relationship, rationale, source_file, source_sha256,
                                imported_by, imported_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (check_id, control_id) DO UPDATE SET part = excluded.part, raw = excluded.raw,
             relationship = excluded.relationship, rationale = excluded.rationale,
             source_file = excluded.source_file, source_sha256 = excluded.source_sha256,
             imported_by = excluded.imported_by, imported_at = excluded.imported_at",
    )
    .context("store the check map")?
    .execute(params![
        r.check,
        r.control_id,
        r.part,
        r.raw,
        r.relationship,
        r.rationale,
        r.source_file,
        r.source_sha256,
        r.by,
        r.at
    ])
    .context("store the check map")?;
    Ok(if old.is_some() { Stored::Updated } else { Stored::Added })
}

/// A stored row, as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// The check id.
    pub check: String,
    /// The catalogue's key.
    pub catalog: String,
    /// The control's key.
    pub control: String,
    /// The statement part named, if any.
    pub part: Option<String>,
    /// The requirement id as written in the source.
    pub raw: String,
    /// How the check relates to the control.
    pub relationship: Relationship,
    /// Why.
    pub rationale: String,
    /// The file the row came from.
    pub source_file: String,
    /// That file's SHA-256.
    pub source_sha256: String,
}

/// Rows for a check and/or a control, by check and control.
pub fn list(conn: &Connection, check: Option<&str>, control: Option<i64>) -> Result<Vec<Row>> {
    let mut stmt = conn
        .prepare(
            "SELECT m.check_id, k.key, c.key, m.part, m.raw, m.relationship, m.rationale, m.source_file, m.source_sha256
             FROM check_map m JOIN control c ON c.id = m.control_id JOIN catalog k ON k.id = c.catalog_id
             WHERE (?1 IS NULL OR m.check_id = ?1) AND (?2 IS NULL OR m.control_id = ?2)
             ORDER BY m.check_id, k.key, c.sort_key, c.key",
        )
        .context("list the check map")?;
    let rows = stmt
        .query_map(params![check, control], |r| {
            Ok(Row {
                check: r.get(0)?,
                catalog: r.get(1)?,
                control: r.get(2)?,
                part: r.get(3)?,
                raw: r.get(4)?,
                relationship: r.get(5)?,
                rationale: r.get(6)?,
                source_file: r.get(7)?,
                source_sha256: r.get(8)?,
            })
        })
        .context("list the check map")?;
    rows.collect::<rusqlite::Result<_>>().context("list the check map")
}

/// A check's controls in one catalogue, for mapping findings: (control id, part, source file).
pub type Mapped = Vec<(i64, Option<String>, String)>;

/// Every check's controls of catalogue `catalog_id`, by check id.
pub fn for_catalog(conn: &Connection, catalog_id: i64) -> Result<HashMap<String, Mapped>> {
    let mut stmt = conn
        .prepare(
            "SELECT m.check_id, m.control_id, m.part, m.source_file FROM check_map m JOIN control c ON c.id = m.control_id
             WHERE c.catalog_id = ?1 ORDER BY m.check_id, c.sort_key, c.key",
        )
        .context("read the check map")?;
    let mut rows = stmt.query([catalog_id]).context("read the check map")?;
    let mut out: HashMap<String, Mapped> = HashMap::new();
    while let Some(r) = rows.next().context("read the check map")? {
        let check: String = r.get(0).context("read the check map")?;
        out.entry(check).or_default().push((
            r.get(1).context("read the check map")?,
            r.get(2).context("read the check map")?,
            r.get(3).context("read the check map")?,
        ));
    }
    Ok(out)
}
