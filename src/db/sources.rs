//! The published sources offerings and rules cite, and their resolution into citations.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::Cached;
use super::Stored;
use crate::error::{Result, SqlContext};
use crate::model::{Source, source_parts};

const SELECT: &str = "SELECT id, key, title, publisher_or_author, date, url, supports FROM source";

fn source(r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, Source)> {
    Ok((
        r.get(0)?,
        Source {
            id: r.get(1)?,
            title: r.get(2)?,
            publisher_or_author: r.get(3)?,
            date: r.get(4)?,
            url: r.get(5)?,
            supports: r.get(6)?,
        },
    ))
}

impl Stored for Source {
    const WHAT: &'static str = "source";

    fn key(&self) -> String {
        self.id.clone()
    }

    fn find(&self, conn: &Connection) -> Result<Option<(i64, Self)>> {
        conn.query_row_cached(&format!("{SELECT} WHERE key = ?1"), [&self.id], source)
            .optional()
            .context("look up a source")
    }

    fn insert(&self, conn: &Connection) -> Result<i64> {
        conn.execute_cached(
            "INSERT INTO source (key, title, publisher_or_author, date, url, supports)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                self.id,
                self.title,
                self.publisher_or_author,
                self.date,
                self.url,
                self.supports
            ],
        )
        .context("add a source")?;
        Ok(conn.last_insert_rowid())
    }

    fn update(&self, conn: &Connection, id: i64) -> Result<()> {
        conn.execute_cached(
            "UPDATE source SET title = ?2, publisher_or_author = ?3, date = ?4, url = ?5, supports = ?6
             WHERE id = ?1",
            params![
                id,
                self.title,
                self.publisher_or_author,
                self.date,
                self.url,
                self.supports
            ],
        )
        .context("update a source")?;
        Ok(())
    }
}

/// Every source, by id.
pub fn list(conn: &Connection) -> Result<Vec<Source>> {
    let mut stmt = conn
        .prepare(&format!("{SELECT} ORDER BY key"))
        .context("list sources")?;
    let rows = stmt
        .query_map([], |r| source(r).map(|(_, s)| s))
        .context("list sources")?;
    rows.collect::<rusqlite::Result<_>>().context("list sources")
}

/// What one part of a `source` text stands for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Cited<'a> {
    /// A source of the table.
    Source(&'a Source),
    /// Free text a user wrote, shown as written.
    Text {
        /// The text.
        text: &'a str,
    },
}

impl Cited<'_> {
    /// The citation as people read it: the source's full citation, or the text as written.
    pub fn citation(&self) -> String {
        match self {
            Cited::Source(s) => s.citation(),
            Cited::Text { text } => (*text).to_string(),
        }
    }
}

/// The source table in memory (it holds a handful of rows), to resolve `source` texts.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    /// By id folded to lower case, as the table compares them.
    by_id: BTreeMap<String, Source>,
}

impl Sources {
    /// Loads every source.
    pub fn load(conn: &Connection) -> Result<Sources> {
        Ok(Sources::from_rows(list(conn)?))
    }

    /// A lookup over `rows`.
    pub fn from_rows(rows: impl IntoIterator<Item = Source>) -> Sources {
        Sources {
            by_id: rows.into_iter().map(|s| (s.id.to_lowercase(), s)).collect(),
        }
    }

    /// The source with id `id` (case does not matter).
    pub fn get(&self, id: &str) -> Option<&Source> {
        self.by_id.get(&id.to_lowercase())
    }

    /// The ids, for "did you mean".
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.by_id.values().map(|s| s.id.as_str())
    }

    /// What a `source` text cites, part by part: an id of the table is its source, anything else
    /// is free text.
    pub fn cite<'a>(&'a self, text: &'a str) -> Vec<Cited<'a>> {
        source_parts(text)
            .map(|part| match self.get(part) {
                Some(s) => Cited::Source(s),
                None => Cited::Text { text: part },
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shah() -> Source {
        Source {
            id: "blog".into(),
            title: "A blog post".into(),
            publisher_or_author: "Someone".into(),
            date: "2020-08-14".into(),
            url: String::new(),
            supports: "the categories".into(),
        }
    }

    #[test]
    fn ids_resolve_and_free_text_stays_as_written() {
        let sources = Sources::from_rows([shah()]);
        let cited = sources.cite(" BLOG ; our own review;");
        assert_eq!(cited.len(), 2);
        assert_eq!(cited[0].citation(), "A blog post (Someone), 2020-08-14");
        assert_eq!(cited[1].citation(), "our own review");
        assert!(sources.cite("").is_empty());
    }
}
