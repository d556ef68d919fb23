//! The responsibility rules of a catalogue: (control key, family or neither, category) ->
//! responsibility, with rationale and sources.

use rusqlite::{Connection, OptionalExtension, params};

use super::Cached;
use super::Stored;
use super::catalogs::InCatalog;
use crate::error::{Result, SqlContext};
use crate::model::{Rule, RuleScope};

fn scope_columns(scope: &RuleScope) -> (Option<&str>, Option<&str>) {
    match scope {
        RuleScope::Control(key) => (Some(key.as_str()), None),
        RuleScope::Family(family) => (None, Some(family.as_str())),
        RuleScope::Catalog => (None, None),
    }
}

fn rule(r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, Rule)> {
    let control: Option<String> = r.get(1)?;
    let family: Option<String> = r.get(2)?;
    let scope = match (control, family) {
        (Some(key), _) => RuleScope::Control(key),
        (None, Some(family)) => RuleScope::Family(family),
        (None, None) => RuleScope::Catalog,
    };
    Ok((
        r.get(0)?,
        Rule {
            scope,
            category: r.get(3)?,
            responsibility: r.get(4)?,
            rationale: r.get(5)?,
            source: r.get(6)?,
        },
    ))
}

const RULE: &str =
    "SELECT id, control_key, family, category, responsibility, rationale, source FROM responsibility_rule";

impl Stored for InCatalog<Rule> {
    const WHAT: &'static str = "rule";

    fn key(&self) -> String {
        let scope = match &self.item.scope {
            RuleScope::Control(key) => key.clone(),
            RuleScope::Family(family) => format!("family={family}"),
            RuleScope::Catalog => "*".to_string(),
        };
        format!("{}/{scope}/{}", self.catalog, self.item.category)
    }

    fn find(&self, conn: &Connection) -> Result<Option<(i64, Self)>> {
        let (control, family) = scope_columns(&self.item.scope);
        let found = conn
            .query_row_cached(
                &format!(
                    "{RULE} WHERE catalog_id = ?1 AND coalesce(control_key, '') = coalesce(?2, '')
                     AND coalesce(family, '') = coalesce(?3, '') AND category = ?4"
                ),
                params![self.catalog_id, control, family, self.item.category],
                rule,
            )
            .optional()
            .context("look up a rule")?;
        Ok(found.map(|(id, item)| {
            (
                id,
                InCatalog {
                    catalog: self.catalog.clone(),
                    catalog_id: self.catalog_id,
                    item,
                },
            )
        }))
    }

    fn insert(&self, conn: &Connection) -> Result<i64> {
        let (control, family) = scope_columns(&self.item.scope);
        let r = &self.item;
        conn.execute_cached(
            "INSERT INTO responsibility_rule (catalog_id, control_key, family, category, responsibility, rationale, source)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![self.catalog_id, control, family, r.category, r.responsibility, r.rationale, r.source],
        )
        .context("add a rule")?;
        Ok(conn.last_insert_rowid())
    }

    fn update(&self, conn: &Connection, id: i64) -> Result<()> {
        let r = &self.item;
        conn.execute_cached(
            "UPDATE responsibility_rule SET responsibility = ?2, rationale = ?3, source = ?4 WHERE id = ?1",
            params![id, r.responsibility, r.rationale, r.source],
        )
        .context("update a rule")?;
        Ok(())
    }
}

/// Every rule of a catalogue, most specific scope first.
pub fn rules(conn: &Connection, catalog_id: i64) -> Result<Vec<Rule>> {
    let mut stmt = conn
        .prepare(&format!(
            "{RULE} WHERE catalog_id = ?1
             ORDER BY control_key IS NULL, family IS NULL, coalesce(control_key, family, ''),
                      CASE category WHEN 'infrastructure' THEN 0 WHEN 'container' THEN 1 ELSE 2 END"
        ))
        .context("list rules")?;
    let rows = stmt
        .query_map([catalog_id], |r| rule(r).map(|(_, rule)| rule))
        .context("list rules")?;
    rows.collect::<rusqlite::Result<_>>().context("list rules")
}
