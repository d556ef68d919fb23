//! Loading CSV files into the database: one code path for `init`'s seeds and for users' imports.
//! Each loader runs inside the caller's write transaction, so a bad row anywhere leaves nothing behind.

pub mod crosswalk;
pub mod provider;
pub mod scan;
pub mod seeds;

use std::collections::HashMap;
use std::io::Read;

use serde::Serialize;

use crate::db::catalogs::{self, InCatalog};
use crate::db::sources::Sources;
use crate::db::{OnExisting, Outcome, Stored, Writer, save};
use crate::error::{Error, Result};
use crate::import::csv_file::Columns;
use crate::import::{CsvFile, Located, records};

/// How many records a load added, changed and found unchanged.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// New records.
    pub added: usize,
    /// Records given new values.
    pub updated: usize,
    /// Records already as given.
    pub unchanged: usize,
    /// Records that differ from the file but were left as they are.
    pub kept: usize,
}

impl Summary {
    /// Counts one outcome.
    pub fn count(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Added => self.added += 1,
            Outcome::Updated => self.updated += 1,
            Outcome::Unchanged => self.unchanged += 1,
            Outcome::Kept => self.kept += 1,
        }
    }

    /// Adds another summary's counts to this one.
    pub fn absorb(&mut self, other: Summary) {
        self.added += other.added;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
        self.kept += other.kept;
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} added, {} updated, {} unchanged",
            self.added, self.updated, self.unchanged
        )?;
        if self.kept > 0 {
            write!(f, ", {} kept as you changed them", self.kept)?;
        }
        Ok(())
    }
}

/// Stores parsed records, refusing a key that appears twice in the same file, also in another
/// letter case: the database compares keys ignoring case, so the second would silently update
/// the first.
fn store_all<T: Stored>(
    w: &Writer<'_>,
    source: &str,
    records: Vec<Located<T>>,
    on_existing: OnExisting,
) -> Result<Summary> {
    let mut summary = Summary::default();
    let mut seen: HashMap<String, (u64, String)> = HashMap::new();
    for Located { line, value } in records {
        let at = format!("{source} line {line}");
        let key = value.key();
        if let Some((first, as_written)) = seen.get(&key.to_lowercase()).filter(|(first, _)| *first != line) {
            let spelled = if *as_written == key {
                String::new()
            } else {
                format!(" as \"{as_written}\", which differs only in letter case")
            };
            return Err(Error::Invalid(format!(
                "duplicate {} \"{key}\" (first on line {first}{spelled})",
                T::WHAT
            ))
            .at(at));
        }
        seen.insert(key.to_lowercase(), (line, key));
        let (_, outcome) = save(w, &value, on_existing).map_err(|e| e.at(at))?;
        summary.count(outcome);
    }
    Ok(summary)
}

/// On update, the stored record with the same key: the file's absent columns keep its values.
fn keep_absent<T: Stored>(w: &Writer<'_>, record: &T, on: OnExisting) -> Result<Option<(i64, T)>> {
    if on == OnExisting::Fail {
        return Ok(None);
    }
    record.find(w)
}

fn read(source: &str, reader: impl Read, columns: Columns) -> Result<CsvFile> {
    CsvFile::read(source, reader, columns)
}

/// How an offering's or a rule's `source` cell is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Citing {
    /// Every part must be the id of a loaded source: the seeds, whose citations must resolve.
    Ids,
    /// Parts that are source ids cite them; anything else is free text, shown as written.
    FreeText,
}

/// With [`Citing::Ids`], refuses a `source` cell on `line` that names a source the table lacks.
fn check_citation(sources: &Sources, citing: Citing, file: &str, line: u64, text: &str) -> Result<()> {
    if citing == Citing::FreeText {
        return Ok(());
    }
    for part in crate::model::source_parts(text) {
        if sources.get(part).is_none() {
            return Err(
                Error::not_found("source", part, sources.ids()).at(format!("{file} line {line}, column \"source\""))
            );
        }
    }
    Ok(())
}

/// Loads sources (`id,title,publisher_or_author,date,url,supports`).
pub fn sources(w: &Writer<'_>, source: &str, reader: impl Read, on: OnExisting) -> Result<Summary> {
    let file = read(source, reader, records::SOURCES)?;
    store_all(w, source, records::sources(&file)?, on)
}

/// Loads providers (`key,name`).
pub fn providers(w: &Writer<'_>, source: &str, reader: impl Read, on: OnExisting) -> Result<Summary> {
    let file = read(source, reader, records::PROVIDERS)?;
    store_all(w, source, records::providers(&file)?, on)
}

/// Loads offerings (`key,name,provider,category,source,note`); `citing` says whether each
/// `source` must name loaded sources.
pub fn offerings(w: &Writer<'_>, source: &str, reader: impl Read, on: OnExisting, citing: Citing) -> Result<Summary> {
    let file = read(source, reader, records::OFFERINGS)?;
    let mut items = records::offerings(&file)?;
    let known = Sources::load(w)?;
    for item in &mut items {
        if file.has("source") {
            check_citation(&known, citing, source, item.line, &item.value.source)?;
        }
        if let Some((_, old)) = keep_absent(w, &item.value, on)? {
            let o = &mut item.value;
            if !file.has("source") {
                o.source = old.source;
            }
            if !file.has("note") {
                o.note = old.note;
            }
        }
    }
    store_all(w, source, items, on)
}

/// Loads catalogue headers (`key,title,version,source`).
pub fn catalogs(w: &Writer<'_>, source: &str, reader: impl Read, on: OnExisting) -> Result<Summary> {
    let file = read(source, reader, records::CATALOGS)?;
    store_all(w, source, records::catalogs(&file)?, on)
}

/// Loads the controls of catalogue `catalog` (`key,title,family,statement,...`).
pub fn controls(w: &Writer<'_>, catalog: &str, source: &str, reader: impl Read, on: OnExisting) -> Result<Summary> {
    let (catalog_id, _) = catalogs::get(w, catalog)?;
    let file = read(source, reader, records::CONTROLS)?;
    let items = records::controls(&file)?
        .into_iter()
        .map(|l| Located {
            line: l.line,
            value: InCatalog {
                catalog: catalog.to_string(),
                catalog_id,
                item: l.value,
            },
        })
        .collect();
    store_all(w, source, items, on)
}

/// Loads the responsibility rules of catalogue `catalog`; each named control or family must exist,
/// and `citing` says whether each `source` must name loaded sources.
pub fn rules(
    w: &Writer<'_>,
    catalog: &str,
    source: &str,
    reader: impl Read,
    on: OnExisting,
    citing: Citing,
) -> Result<Summary> {
    rules_for(w, catalog, source, reader, on, citing, false).map(|(summary, _)| summary)
}

/// Loads rules; with `skip_missing`, rules for controls or families the catalogue lacks (a
/// baseline holds a subset) are skipped and counted instead of refused.
pub fn rules_for(
    w: &Writer<'_>,
    catalog: &str,
    source: &str,
    reader: impl Read,
    on: OnExisting,
    citing: Citing,
    skip_missing: bool,
) -> Result<(Summary, usize)> {
    let (catalog_id, _) = catalogs::get(w, catalog)?;
    let families = catalogs::families(w, catalog_id)?;
    let file = read(source, reader, records::RULES)?;
    let known = Sources::load(w)?;
    let mut items = Vec::new();
    let mut skipped = 0;
    for l in records::rules(&file)? {
        let at = format!("{source} line {}", l.line);
        // A bad citation is refused even when the rule itself would be skipped: it is the file's error.
        check_citation(&known, citing, source, l.line, &l.value.source)?;
        let problem = match &l.value.scope {
            crate::model::RuleScope::Control(key) => match catalogs::find_control(w, key, Some(catalog)) {
                Ok(found) if found.control.key == *key => None,
                Ok(found) => Some(
                    Error::Invalid(format!(
                        "control \"{key}\" is spelled \"{}\" in catalogue {catalog}",
                        found.control.key
                    ))
                    .at(at),
                ),
                Err(e) => Some(e.at(format!("{at}, column \"control\""))),
            },
            crate::model::RuleScope::Family(family) if !families.contains(family) => Some(
                Error::not_found("family", family, families.iter().map(String::as_str))
                    .at(format!("{at}, column \"family\"")),
            ),
            _ => None,
        };
        match problem {
            Some(_) if skip_missing => {
                skipped += 1;
                continue;
            }
            Some(e) => return Err(e),
            None => {}
        }
        items.push(Located {
            line: l.line,
            value: InCatalog {
                catalog: catalog.to_string(),
                catalog_id,
                item: l.value,
            },
        });
    }
    Ok((store_all(w, source, items, on)?, skipped))
}

/// Loads teams (`name,contact`).
pub fn teams(w: &Writer<'_>, source: &str, reader: impl Read, on: OnExisting) -> Result<Summary> {
    let file = read(source, reader, records::TEAMS)?;
    let mut items = records::teams(&file)?;
    for item in &mut items {
        if let Some((_, old)) = keep_absent(w, &item.value, on)?
            && !file.has("contact")
        {
            item.value.contact = old.contact;
        }
    }
    store_all(w, source, items, on)
}

/// Loads services (`name,offering,team,environment,region,data_classification,in_scope`).
pub fn services(w: &Writer<'_>, source: &str, reader: impl Read, on: OnExisting) -> Result<Summary> {
    let file = read(source, reader, records::SERVICES)?;
    let mut items = records::services(&file)?;
    for item in &mut items {
        if let Some((_, old)) = keep_absent(w, &item.value, on)? {
            let s = &mut item.value;
            if !file.has("team") {
                s.team = old.team;
            }
            if !file.has("environment") {
                s.environment = old.environment;
            }
            if !file.has("region") {
                s.region = old.region;
            }
            if !file.has("data_classification") {
                s.data_classification = old.data_classification;
            }
            if !file.has("in_scope") {
                s.in_scope = old.in_scope;
            }
        }
    }
    let patterns = records::service_resources(&file)?;
    let summary = store_all(w, source, items, on)?;
    let at = crate::support::clock::now_rfc3339();
    for (line, name, list) in patterns {
        let service = crate::db::services::get(w, &name).map_err(|e| e.at(format!("{source} line {line}")))?;
        let mut added = Vec::new();
        for p in list {
            if crate::db::resources::add(w, service.id, &p, w.actor(), &at)? {
                added.push(p);
            }
        }
        if !added.is_empty() {
            w.audit(
                "service.resource.add",
                &format!("service:{name}"),
                serde_json::json!({ "patterns": added, "imported_from": format!("{source} line {line}") }),
            )?;
        }
    }
    Ok(summary)
}
