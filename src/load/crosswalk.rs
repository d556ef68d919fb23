//! Crosswalks between catalogues: storing mappings (one code path for the command line, CSV
//! imports and the seeded srm -> SP 800-53 crosswalk) with their audit entries.

use std::collections::HashMap;
use std::io::Read;

use serde_json::json;

use crate::db::catalogs::{self, ControlRow};
use crate::db::{Outcome, Writer, mappings};
use crate::error::{Error, Result};
use crate::import::CsvFile;
use crate::import::csv_file::Columns;
use crate::load::Summary;
use crate::model::mapping::{Origin, Relationship};

/// Columns of a crosswalk CSV.
pub const COLUMNS: Columns = Columns {
    required: &["source", "target", "relationship", "rationale"],
    optional: &[],
};

/// Resolves a control written `CATALOG:KEY`; an unknown catalogue is named as such.
pub fn resolve(conn: &crate::db::Connection, name: &str) -> Result<ControlRow> {
    let Some((catalog, key)) = name.split_once(':') else {
        return Err(Error::Invalid(format!(
            "\"{name}\": write controls as CATALOG:KEY, e.g. srm:{name}"
        )));
    };
    let (_, c) = catalogs::get(conn, catalog)?;
    catalogs::find_control(conn, key, Some(&c.key))
}

fn name(c: &ControlRow) -> String {
    format!("{}:{}", c.catalog, c.control.key)
}

/// Stores one mapping; an existing one is an error unless `replace`.
pub fn save(
    w: &Writer<'_>,
    source: &ControlRow,
    target: &ControlRow,
    relationship: Relationship,
    rationale: &str,
    origin: Origin,
    replace: bool,
) -> Result<Outcome> {
    let rationale = rationale.trim();
    if rationale.is_empty() {
        return Err(Error::Invalid("a mapping needs a rationale (--why)".into()));
    }
    if source.id == target.id {
        return Err(Error::Invalid(format!("{} cannot be mapped to itself", name(source))));
    }
    for c in [source, target] {
        if c.control.withdrawn {
            return Err(Error::Invalid(format!(
                "{} is withdrawn from its catalogue: map what replaced it",
                name(c)
            )));
        }
    }
    if source.catalog == target.catalog && relationship != Relationship::Related {
        return Err(Error::Invalid(format!(
            "{} and {} are in the same catalogue: they can only be mapped as related",
            name(source),
            name(target)
        )));
    }
    let entity = format!("mapping:{}->{}", name(source), name(target));
    let details = json!({ "relationship": relationship, "rationale": rationale, "origin": origin });
    match mappings::find(w, source.id, target.id)? {
        None => {
            mappings::insert(w, source.id, target.id, relationship, rationale, origin)?;
            w.audit("mapping.add", &entity, details)?;
            Ok(Outcome::Added)
        }
        Some((_, r, why, _)) if r == relationship && why == rationale => Ok(Outcome::Unchanged),
        // Seeds never overwrite a mapping that exists: a person's or an import's word stands.
        Some(_) if origin == Origin::Seed => Ok(Outcome::Kept),
        // A person may take over a seeded mapping of the same relationship with their own words;
        // anything else that exists needs --replace.
        Some((_, r, _, o)) if !(replace || (o == Origin::Seed && r == relationship)) => Err(Error::Invalid(format!(
            "the mapping {} -> {} already exists ({r}, {o}); pass --replace to change it",
            name(source),
            name(target)
        ))),
        Some((id, r, why, o)) => {
            mappings::update(w, id, relationship, rationale, origin)?;
            w.audit(
                "mapping.replace",
                &entity,
                json!({ "old": { "relationship": r, "rationale": why, "origin": o }, "new": details }),
            )?;
            Ok(Outcome::Updated)
        }
    }
}

/// Loads a crosswalk CSV (`source,target,relationship,rationale`, controls written CATALOG:KEY).
/// With `skip_missing`, rows naming controls that do not exist are skipped (seeds over a baseline).
pub fn load_csv(
    w: &Writer<'_>,
    source_name: &str,
    reader: impl Read,
    origin: Origin,
    replace: bool,
    skip_missing: bool,
) -> Result<(Summary, usize)> {
    let file = CsvFile::read(source_name, reader, COLUMNS)?;
    let mut summary = Summary::default();
    let mut skipped = 0;
    let mut seen: HashMap<(i64, i64), u64> = HashMap::new();
    for row in file.rows() {
        let at = row.location();
        let control = |column: &str| -> Result<Option<ControlRow>> {
            let key = row.required(column)?;
            if !key.contains(':') {
                return Err(row.invalid(column, &format!("write controls as CATALOG:KEY, e.g. srm:{key}")));
            }
            match resolve(w, &key) {
                Ok(c) => Ok(Some(c)),
                Err(Error::NotFound { .. }) if skip_missing => Ok(None),
                Err(e) => Err(e.at(format!("{at}, column \"{column}\""))),
            }
        };
        let (Some(s), Some(t)) = (control("source")?, control("target")?) else {
            skipped += 1;
            continue;
        };
        let relationship = row.parse::<Relationship>("relationship")?;
        if let Some(first) = seen.insert((s.id, t.id), row.line()) {
            return Err(Error::Invalid(format!(
                "duplicate mapping {} -> {} (first on line {first})",
                name(&s),
                name(&t)
            ))
            .at(at));
        }
        let outcome =
            save(w, &s, &t, relationship, &row.required("rationale")?, origin, replace).map_err(|e| e.at(&at))?;
        summary.count(outcome);
    }
    Ok((summary, skipped))
}

/// The seeded crosswalk from the `srm` baseline to a catalogue of SP 800-53 rev5 under `target`.
pub fn apply_seed(w: &Writer<'_>, target: &str) -> Result<Option<(Summary, usize)>> {
    if catalogs::get(w, "srm").is_err() {
        return Ok(None);
    }
    let text =
        include_str!("../../seeds/crosswalks/srm-nist-800-53.csv").replace("nist-800-53:", &format!("{target}:"));
    load_csv(
        w,
        "seeds/crosswalks/srm-nist-800-53.csv",
        text.as_bytes(),
        Origin::Seed,
        false,
        true,
    )
    .map(Some)
}
