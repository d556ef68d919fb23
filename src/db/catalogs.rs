//! Catalogues and their controls; their responsibility rules are in [`super::rules`].

use std::collections::HashMap;

use crate::db::Cached;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::Stored;
use super::offerings::column;
use super::open::Writer;
pub use super::rules::rules;
use crate::error::{Error, Result, SqlContext};
use crate::model::{Catalog, Control};

/// A record that belongs to one catalogue (a control or a rule).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InCatalog<T> {
    /// The catalogue's key.
    pub catalog: String,
    /// The catalogue's row id.
    #[serde(skip)]
    pub catalog_id: i64,
    /// The record.
    #[serde(flatten)]
    pub item: T,
}

impl Stored for Catalog {
    const WHAT: &'static str = "catalog";

    fn key(&self) -> String {
        self.key.clone()
    }

    fn find(&self, conn: &Connection) -> Result<Option<(i64, Self)>> {
        find(conn, &self.key)
    }

    fn insert(&self, conn: &Connection) -> Result<i64> {
        conn.execute_cached(
            "INSERT INTO catalog (key, title, version, source, imported_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                self.key,
                self.title,
                self.version,
                self.source,
                crate::support::clock::now_rfc3339()
            ],
        )
        .context("add a catalogue")?;
        Ok(conn.last_insert_rowid())
    }

    fn update(&self, conn: &Connection, id: i64) -> Result<()> {
        conn.execute_cached(
            "UPDATE catalog SET title = ?2, version = ?3, source = ?4, imported_at = ?5 WHERE id = ?1",
            params![
                id,
                self.title,
                self.version,
                self.source,
                crate::support::clock::now_rfc3339()
            ],
        )
        .context("update a catalogue")?;
        Ok(())
    }
}

fn find(conn: &Connection, key: &str) -> Result<Option<(i64, Catalog)>> {
    conn.query_row_cached(
        "SELECT id, key, title, version, source FROM catalog WHERE key = ?1",
        [key],
        |r| {
            Ok((
                r.get(0)?,
                Catalog {
                    key: r.get(1)?,
                    title: r.get(2)?,
                    version: r.get(3)?,
                    source: r.get(4)?,
                },
            ))
        },
    )
    .optional()
    .context("look up a catalogue")
}

/// Catalogue `key` with its id, or NotFound with a suggestion.
pub fn get(conn: &Connection, key: &str) -> Result<(i64, Catalog)> {
    match find(conn, key)? {
        Some(found) => Ok(found),
        None => {
            let keys = column(conn, "SELECT key FROM catalog ORDER BY key")?;
            Err(Error::not_found("catalog", key, keys.iter().map(String::as_str)))
        }
    }
}

/// A catalogue with counts, for `catalog list`.
#[derive(Debug, Clone, Serialize)]
pub struct CatalogSummary {
    /// The catalogue.
    #[serde(flatten)]
    pub catalog: Catalog,
    /// When it was loaded.
    pub imported_at: String,
    /// Its controls (withdrawn ones included).
    pub controls: i64,
    /// Its families.
    pub families: i64,
    /// Its responsibility rules.
    pub rules: i64,
}

/// Every catalogue, by key.
pub fn list(conn: &Connection) -> Result<Vec<CatalogSummary>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT c.key, c.title, c.version, c.source, c.imported_at,
                    (SELECT count(*) FROM control x WHERE x.catalog_id = c.id),
                    (SELECT count(DISTINCT family) FROM control x WHERE x.catalog_id = c.id),
                    (SELECT count(*) FROM responsibility_rule r WHERE r.catalog_id = c.id)
             FROM catalog c ORDER BY c.key",
        )
        .context("list catalogues")?;
    let rows = stmt
        .query_map([], |r| {
            Ok(CatalogSummary {
                catalog: Catalog {
                    key: r.get(0)?,
                    title: r.get(1)?,
                    version: r.get(2)?,
                    source: r.get(3)?,
                },
                imported_at: r.get(4)?,
                controls: r.get(5)?,
                families: r.get(6)?,
                rules: r.get(7)?,
            })
        })
        .context("list catalogues")?;
    rows.collect::<rusqlite::Result<_>>().context("list catalogues")
}

const CONTROL: &str = "SELECT c.id, k.key, c.key, c.title, c.family, c.statement, p.key, c.sort_key, c.withdrawn
                       FROM control c JOIN catalog k ON k.id = c.catalog_id
                       LEFT JOIN control p ON p.id = c.parent_id";

/// A stored control with its ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ControlRow {
    /// Row id.
    #[serde(skip)]
    pub id: i64,
    /// The catalogue's key.
    pub catalog: String,
    /// The control.
    #[serde(flatten)]
    pub control: Control,
}

fn control_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ControlRow> {
    Ok(ControlRow {
        id: r.get(0)?,
        catalog: r.get(1)?,
        control: Control {
            key: r.get(2)?,
            title: r.get(3)?,
            family: r.get(4)?,
            statement: r.get(5)?,
            parent: r.get(6)?,
            sort_key: r.get(7)?,
            withdrawn: r.get(8)?,
        },
    })
}

impl Stored for InCatalog<Control> {
    const WHAT: &'static str = "control";

    fn key(&self) -> String {
        format!("{}:{}", self.catalog, self.item.key)
    }

    fn find(&self, conn: &Connection) -> Result<Option<(i64, Self)>> {
        let found = conn
            .query_row_cached(
                &format!("{CONTROL} WHERE c.catalog_id = ?1 AND c.key = ?2"),
                params![self.catalog_id, self.item.key],
                control_row,
            )
            .optional()
            .context("look up a control")?;
        Ok(found.map(|row| {
            (
                row.id,
                InCatalog {
                    catalog: row.catalog,
                    catalog_id: self.catalog_id,
                    item: row.control,
                },
            )
        }))
    }

    fn insert(&self, conn: &Connection) -> Result<i64> {
        let parent = self.parent_id(conn)?;
        let mut insert = conn.prepare_cached(INSERT_CONTROL).context("add a control")?;
        self.insert_through(&mut insert, parent)
    }

    fn added_details(&self) -> String {
        /// A control as `{"new": InCatalog<Control>}` serialises through a JSON tree: the same
        /// members, in the tree's (sorted) order.
        #[derive(Serialize)]
        struct Added<'a> {
            new: Members<'a>,
        }
        #[derive(Serialize)]
        struct Members<'a> {
            catalog: &'a str,
            family: &'a str,
            key: &'a str,
            parent: Option<&'a str>,
            sort_key: &'a str,
            statement: &'a str,
            title: &'a str,
            withdrawn: bool,
        }
        let c = &self.item;
        serde_json::to_string(&Added {
            new: Members {
                catalog: &self.catalog,
                family: &c.family,
                key: &c.key,
                parent: c.parent.as_deref(),
                sort_key: &c.sort_key,
                statement: &c.statement,
                title: &c.title,
                withdrawn: c.withdrawn,
            },
        })
        .expect("strings and a boolean serialise")
    }

    fn update(&self, conn: &Connection, id: i64) -> Result<()> {
        let parent = self.parent_id(conn)?;
        let c = &self.item;
        conn.execute_cached(
            "UPDATE control SET title = ?2, family = ?3, parent_id = ?4, statement = ?5, sort_key = ?6, withdrawn = ?7
             WHERE id = ?1",
            params![id, c.title, c.family, parent, c.statement, c.sort_key, c.withdrawn],
        )
        .context("update a control")?;
        Ok(())
    }
}

/// Adds a control.
const INSERT_CONTROL: &str = "INSERT INTO control
    (catalog_id, key, title, family, parent_id, statement, sort_key, withdrawn)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

/// The controls of a catalogue this write created, added one after another in document order
/// (parents before their enhancements), each audited as [`super::save`] audits an added record,
/// without being looked for first: a control that does exist is refused by the table's unique
/// key. The insert is prepared once and each parent's id is remembered from when it was added,
/// for the thousand controls of an import.
pub struct NewControls<'w, 'c> {
    w: &'w Writer<'c>,
    insert: rusqlite::CachedStatement<'w>,
    /// Key -> id of the controls added so far.
    ids: HashMap<String, i64>,
}

impl<'w, 'c> NewControls<'w, 'c> {
    /// Ready to add controls in `w`.
    pub fn new(w: &'w Writer<'c>) -> Result<Self> {
        Ok(NewControls {
            w,
            insert: w.prepare_cached(INSERT_CONTROL).context("add a control")?,
            ids: HashMap::new(),
        })
    }

    /// Adds `control`; returns its id.
    pub fn add(&mut self, control: &InCatalog<Control>) -> Result<i64> {
        let parent = match &control.item.parent {
            Some(key) => match self.ids.get(key) {
                Some(id) => Some(*id),
                None => control.parent_id(self.w)?,
            },
            None => None,
        };
        let id = control.insert_through(&mut self.insert, parent)?;
        self.ids.insert(control.item.key.clone(), id);
        super::save::audit_added(self.w, control)?;
        Ok(id)
    }
}

impl InCatalog<Control> {
    /// Inserts the control through `insert` (of [`INSERT_CONTROL`]), with the parent's id.
    fn insert_through(&self, insert: &mut rusqlite::Statement<'_>, parent: Option<i64>) -> Result<i64> {
        let c = &self.item;
        insert
            .insert(params![
                self.catalog_id,
                c.key,
                c.title,
                c.family,
                parent,
                c.statement,
                c.sort_key,
                c.withdrawn
            ])
            .context("add a control")
    }

    fn parent_id(&self, conn: &Connection) -> Result<Option<i64>> {
        let Some(parent) = &self.item.parent else {
            return Ok(None);
        };
        conn.query_row_cached(
            "SELECT id FROM control WHERE catalog_id = ?1 AND key = ?2",
            params![self.catalog_id, parent],
            |r| r.get(0),
        )
        .optional()
        .context("look up a parent control")?
        .map(Some)
        .ok_or_else(|| {
            Error::Invalid(format!(
                "parent control \"{parent}\" is not in catalogue {} (list parents before their enhancements)",
                self.catalog
            ))
            .at("column \"parent\"")
        })
    }
}

/// Resolves a control the way users name it: `KEY`, or `CATALOG:KEY`, optionally with `--catalog`;
/// exact match first, then ignoring case.
pub fn find_control(conn: &Connection, name: &str, catalog: Option<&str>) -> Result<ControlRow> {
    let (catalog, key) = match (catalog, name.split_once(':')) {
        (None, Some((c, k))) if find(conn, c)?.is_some() => (Some(c), k),
        (Some(given), Some((c, k))) if given.eq_ignore_ascii_case(c) => (Some(given), k),
        _ => (catalog, name),
    };
    if let Some(c) = catalog {
        get(conn, c)?;
    }
    // Catalogue by catalogue (`CROSS JOIN` fixes that order): each is then one look-up in the
    // index on (catalog_id, key), where starting from the controls would read them all.
    const BY_KEY: [&str; 2] = [
        "SELECT c.id, k.key, c.key, c.title, c.family, c.statement, p.key, c.sort_key, c.withdrawn
         FROM catalog k CROSS JOIN control c ON c.catalog_id = k.id LEFT JOIN control p ON p.id = c.parent_id
         WHERE c.key = ?1 AND (?2 IS NULL OR k.key = ?2) ORDER BY k.key",
        "SELECT c.id, k.key, c.key, c.title, c.family, c.statement, p.key, c.sort_key, c.withdrawn
         FROM catalog k CROSS JOIN control c ON c.catalog_id = k.id LEFT JOIN control p ON p.id = c.parent_id
         WHERE c.key = ?1 COLLATE NOCASE AND (?2 IS NULL OR k.key = ?2) ORDER BY k.key",
    ];
    for sql in BY_KEY {
        let mut stmt = conn.prepare_cached(sql).context("look up a control")?;
        let found: Vec<ControlRow> = stmt
            .query_map(params![key, catalog], control_row)
            .context("look up a control")?
            .collect::<rusqlite::Result<_>>()
            .context("look up a control")?;
        match found.len() {
            0 => continue,
            1 => return Ok(found.into_iter().next().expect("one row")),
            _ => {
                let cats: Vec<_> = found.iter().map(|c| c.catalog.as_str()).collect();
                return Err(Error::Invalid(format!(
                    "control \"{key}\" is in several catalogues ({}): pass --catalog or write CATALOG:{key}",
                    cats.join(", ")
                )));
            }
        }
    }
    // An OSCAL control id (`ac-2.1`) names the control labelled `AC-2(1)`.
    if let Some(label) = label_of_oscal_id(key) {
        let qualified = catalog.map_or_else(|| label.clone(), |c| format!("{c}:{label}"));
        if let Ok(found) = find_control(conn, &qualified, catalog) {
            return Ok(found);
        }
    }
    let keys = column(conn, "SELECT key FROM control ORDER BY key")?;
    Err(Error::not_found("control", key, keys.iter().map(String::as_str)))
}

/// The label an OSCAL control id stands for: `ac-2.1` -> `AC-2(1)`; `None` for anything that is
/// not an id with an enhancement part.
fn label_of_oscal_id(id: &str) -> Option<String> {
    let mut parts = id.split('.');
    let base = parts.next().filter(|b| b.contains('-'))?;
    let enhancements: Vec<&str> = parts.collect();
    if enhancements.is_empty()
        || enhancements
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let mut label = base.to_ascii_uppercase();
    for p in enhancements {
        label.push_str(&format!("({p})"));
    }
    Some(label)
}

/// Controls of a catalogue in catalogue order, optionally of one family (matched ignoring case);
/// calls `each` per control so large catalogues stream.
pub fn for_each_control(
    conn: &Connection,
    catalog_id: i64,
    family: Option<&str>,
    mut each: impl FnMut(ControlRow) -> Result<()>,
) -> Result<()> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "{CONTROL} WHERE c.catalog_id = ?1 AND (?2 IS NULL OR c.family = ?2 COLLATE NOCASE)
             ORDER BY c.sort_key, c.key"
        ))
        .context("list controls")?;
    let mut rows = stmt.query(params![catalog_id, family]).context("list controls")?;
    while let Some(r) = rows.next().context("list controls")? {
        each(control_row(r).context("read a control")?)?;
    }
    Ok(())
}

/// The families of a catalogue, for "did you mean".
pub fn families(conn: &Connection, catalog_id: i64) -> Result<Vec<String>> {
    let mut stmt = conn
        .prepare_cached("SELECT DISTINCT family FROM control WHERE catalog_id = ?1 ORDER BY family")
        .context("list families")?;
    let rows = stmt.query_map([catalog_id], |r| r.get(0)).context("list families")?;
    rows.collect::<rusqlite::Result<_>>().context("list families")
}

/// Every control of a catalogue as (id, key), in catalogue order.
pub fn control_ids(conn: &Connection, catalog_id: i64) -> Result<Vec<(i64, String)>> {
    let mut stmt = conn
        .prepare_cached("SELECT id, key FROM control WHERE catalog_id = ?1 ORDER BY sort_key, key")
        .context("list controls")?;
    let rows = stmt
        .query_map([catalog_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .context("list controls")?;
    rows.collect::<rusqlite::Result<_>>().context("list controls")
}

/// What hangs on a control: (overrides and owners, evidence links, evaluation results).
pub fn dependents(conn: &Connection, control_id: i64) -> Result<(i64, i64, i64)> {
    conn.query_row_cached(
        "SELECT (SELECT count(*) FROM implementation WHERE control_id = ?1),
                (SELECT count(*) FROM evidence_link WHERE control_id = ?1),
                (SELECT count(*) FROM evaluation_result WHERE control_id = ?1)",
        [control_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
    .context("count a control's dependents")
}

/// Removes a control that a re-imported catalogue no longer has, with its overrides and links;
/// one that evaluations refer to is kept and marked withdrawn instead. Returns true if removed.
pub fn retire_control(conn: &Connection, control_id: i64) -> Result<bool> {
    let (_, _, results) = dependents(conn, control_id)?;
    conn.execute_cached("UPDATE control SET parent_id = NULL WHERE parent_id = ?1", [control_id])
        .context("detach enhancements")?;
    if results > 0 {
        conn.execute_cached("UPDATE control SET withdrawn = 1 WHERE id = ?1", [control_id])
            .context("withdraw a control")?;
        conn.execute_cached("DELETE FROM implementation WHERE control_id = ?1", [control_id])
            .context("retire a control")?;
        conn.execute_cached("DELETE FROM evidence_link WHERE control_id = ?1", [control_id])
            .context("retire a control")?;
        return Ok(false);
    }
    conn.execute_cached("DELETE FROM control WHERE id = ?1", [control_id])
        .context("retire a control")?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The audit details of an added control are the text a JSON tree of it would give.
    #[test]
    fn added_control_details_are_those_of_a_json_tree() {
        let texts = [
            "",
            "plain",
            "quote \" and backslash \\",
            "comma, semicolon; newline\nand\r\ttab",
            "=SUM(A1) +1 -1 @x",
            "non-ASCII: é ü 中文 ＡＣ－１ \u{202E}rtl \u{200B}zw",
            "control \u{1} \u{1b}[31m \u{7f}",
        ];
        for (i, text) in texts.iter().enumerate() {
            for (parent, withdrawn) in [(None, false), (Some(format!("AC-{text}")), true)] {
                let record = InCatalog {
                    catalog: format!("cat{text}"),
                    catalog_id: 7,
                    item: Control {
                        key: format!("AC-{i}{text}"),
                        title: text.to_string(),
                        family: format!("{text} family"),
                        statement: format!("a. {text}\nb. {text}"),
                        parent,
                        sort_key: format!("{i:06}"),
                        withdrawn,
                    },
                };
                assert_eq!(
                    record.added_details(),
                    serde_json::json!({ "new": record }).to_string(),
                    "{text:?}"
                );
            }
        }
    }

    #[test]
    fn oscal_ids_name_labels() {
        assert_eq!(label_of_oscal_id("ac-2.1").as_deref(), Some("AC-2(1)"));
        assert_eq!(label_of_oscal_id("si-4.12.3").as_deref(), Some("SI-4(12)(3)"));
        assert_eq!(label_of_oscal_id("ac-2"), None);
        assert_eq!(label_of_oscal_id("ac-2.x"), None);
        assert_eq!(label_of_oscal_id("v1.2"), None);
    }
}
