//! Storing what providers say: a provider document's statements, resolved to the controls of a
//! catalogue and stored per offering (replacing what an earlier document of the same provider
//! said about those offerings, and reporting the controls whose provider word moved), and the
//! Microsoft cloud security benchmark as a catalogue with its crosswalk to SP 800-53.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;
use serde_json::json;

use crate::db::catalogs::{self, ControlRow, InCatalog};
use crate::db::provider_docs::{self, NewDocument, NewStatement};
use crate::db::{OnExisting, Writer, offerings, save};
use crate::error::{Error, Result};
use crate::import::provider::{Benchmark, Document};
use crate::model::mapping::{Origin, Relationship};
use crate::model::provider::{DocumentKind, Said};
use crate::model::{Catalog, Control, Responsibility};

/// The catalogue key the benchmark workbook is stored under.
pub const BENCHMARK_CATALOG: &str = "mcsb";

/// A control whose provider word changed with an import or a removal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Moved {
    /// Control key.
    pub control: String,
    /// Offering key.
    pub offering: String,
    /// Before (`None`: the provider said nothing).
    pub from: Option<Responsibility>,
    /// After.
    pub to: Option<Responsibility>,
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Imported {
    /// The new document's id; the existing one's when the same file was imported before.
    pub document: i64,
    /// True when the same file already spoke for these offerings: nothing was changed.
    pub unchanged: bool,
    /// Statements stored (per control and offering).
    pub statements: usize,
    /// Controls the statements name.
    pub controls: usize,
    /// Rows or entries carrying no statement.
    pub skipped: usize,
    /// Benchmark controls with no SP 800-53 control to carry them to.
    pub unmapped: Vec<String>,
    /// Earlier documents whose word about these offerings was replaced, by id.
    pub replaced: Vec<i64>,
    /// Controls whose provider word moved.
    pub moved: Vec<Moved>,
    /// Offerings the document speaks for.
    pub offerings: Vec<String>,
}

/// Resolved offerings: (row id, key).
type Offerings = Vec<(i64, String)>;

/// The offerings a document speaks for: those named (each must be the provider's), else all of
/// the provider's.
pub fn offerings_for(conn: &crate::db::Connection, provider: &str, named: &[String]) -> Result<(i64, Offerings)> {
    let provider_id = offerings::provider_id(conn, provider).map_err(|e| e.at("--provider"))?;
    let mut out = Vec::new();
    if named.is_empty() {
        for o in offerings::list(conn, None, Some(provider))? {
            out.push((offerings::get(conn, &o.key)?.0, o.key));
        }
        if out.is_empty() {
            return Err(Error::Invalid(format!(
                "--provider {provider}: the provider has no offerings; add them (ctrlmap offering add) or name them with --offering"
            )));
        }
    }
    for key in named {
        let (id, o) = offerings::get(conn, key).map_err(|e| e.at("--offering"))?;
        if !o.provider.eq_ignore_ascii_case(provider) {
            return Err(Error::Invalid(format!(
                "--offering {key}: it is {}'s offering, not {provider}'s",
                o.provider
            )));
        }
        if !out.iter().any(|(i, _)| *i == id) {
            out.push((id, o.key));
        }
    }
    Ok((provider_id, out))
}

/// The words about `offerings`, by (control key, offering key).
fn words(conn: &crate::db::Connection, offerings: &Offerings) -> Result<BTreeMap<(String, String), Responsibility>> {
    let mut out = BTreeMap::new();
    for (id, _) in offerings {
        let mut grouped: BTreeMap<(String, String), Vec<provider_docs::StatementRow>> = BTreeMap::new();
        for s in provider_docs::for_offering(conn, *id)? {
            grouped
                .entry((s.control.clone(), s.offering.clone()))
                .or_default()
                .push(s);
        }
        for (at, list) in grouped {
            let mut said = Said::default();
            for s in &list {
                said.add(s.kind, s.partial);
            }
            if let Some(r) = said.decide() {
                out.insert(at, r);
            }
        }
    }
    Ok(out)
}

fn moves(
    before: &BTreeMap<(String, String), Responsibility>,
    after: &BTreeMap<(String, String), Responsibility>,
) -> Vec<Moved> {
    let keys: std::collections::BTreeSet<&(String, String)> = before.keys().chain(after.keys()).collect();
    keys.into_iter()
        .filter_map(|k| {
            let (from, to) = (before.get(k).copied(), after.get(k).copied());
            (from != to).then(|| Moved {
                control: k.0.clone(),
                offering: k.1.clone(),
                from,
                to,
            })
        })
        .collect()
}

/// A catalogue's controls by the ways documents write them: the key, and its OSCAL id
/// (`AC-2(1)` is also `ac-2.1`), ignoring case.
fn control_index(conn: &crate::db::Connection, catalog_id: i64) -> Result<HashMap<String, (i64, String)>> {
    let mut index = HashMap::new();
    for (id, key) in catalogs::control_ids(conn, catalog_id)? {
        let oscal: String = key
            .chars()
            .filter(|c| *c != ')')
            .map(|c| if c == '(' { '.' } else { c.to_ascii_lowercase() })
            .collect();
        index.insert(oscal, (id, key.clone()));
        index.insert(key.to_ascii_lowercase(), (id, key));
    }
    Ok(index)
}

/// What to import: the file's name and hash, the document, and for whom.
pub struct Request<'a> {
    /// The file as named.
    pub file: &'a str,
    /// Its SHA-256.
    pub sha256: &'a str,
    /// The document read from it.
    pub document: &'a Document,
    /// Provider key.
    pub provider: &'a str,
    /// Offerings named (empty: all the provider's).
    pub offerings: &'a [String],
    /// The catalogue the statements are about.
    pub catalog: &'a str,
}

/// Stores a document's statements in `w`'s transaction.
pub fn import(w: &Writer<'_>, r: &Request<'_>) -> Result<Imported> {
    let doc = r.document;
    if doc.kind == DocumentKind::AzureBaseline && r.offerings.is_empty() {
        return Err(Error::Invalid(format!(
            "{}: an Azure security baseline speaks for one service: name its offering with --offering",
            r.file
        )));
    }
    let (provider_id, offerings) = offerings_for(w, r.provider, r.offerings)?;
    let (catalog_id, catalog) = catalogs::get(w, r.catalog).map_err(|e| e.at("--catalog"))?;
    let index = control_index(w, catalog_id)?;
    // Resolve every statement's control(s) first: a bad one refuses the whole file.
    let mut resolved: Vec<(usize, Vec<i64>)> = Vec::new();
    let mut unmapped: Vec<String> = Vec::new();
    if doc.kind == DocumentKind::AzureBaseline {
        let crosswalk = benchmark_crosswalk(w, r.file, catalog_id, &catalog.key)?;
        for (i, s) in doc.statements.iter().enumerate() {
            match crosswalk.get(&s.control.to_ascii_uppercase()) {
                None => {
                    return Err(Error::Invalid(format!(
                        "{}: {}: benchmark control \"{}\" is not in the Microsoft cloud security benchmark (catalogue {BENCHMARK_CATALOG})",
                        r.file, s.at, s.control
                    )));
                }
                Some(targets) if targets.is_empty() => {
                    if !unmapped.contains(&s.control) {
                        unmapped.push(s.control.clone());
                    }
                }
                Some(targets) => resolved.push((i, targets.clone())),
            }
        }
    } else {
        for (i, s) in doc.statements.iter().enumerate() {
            let Some((id, _)) = index.get(&s.control.trim().to_ascii_lowercase()) else {
                return Err(Error::Invalid(format!(
                    "{}: {}: control \"{}\" is not in catalogue {}; import the catalogue the document is written against \
                     (ctrlmap catalog import) and name it with --catalog",
                    r.file, s.at, s.control, catalog.key
                )));
            };
            resolved.push((i, vec![*id]));
        }
    }
    let offering_ids: Vec<i64> = offerings.iter().map(|(id, _)| *id).collect();
    let earlier = provider_docs::overlapping(w, provider_id, &offering_ids)?;
    // The very same file already speaking for exactly these offerings: nothing to do.
    for (id, shared) in &earlier {
        if let Some(d) = provider_docs::document(w, *id)?
            && d.sha256 == r.sha256
            && d.catalog.eq_ignore_ascii_case(&catalog.key)
            && shared.len() == offering_ids.len()
            && d.offerings.len() == offering_ids.len()
        {
            return Ok(Imported {
                document: d.id,
                unchanged: true,
                statements: d.statements as usize,
                offerings: d.offerings,
                ..Imported::default()
            });
        }
    }
    let before = words(w, &offerings)?;
    let mut replaced = Vec::new();
    for (id, shared) in &earlier {
        for offering in shared {
            provider_docs::withdraw(w, *id, *offering)?;
        }
        replaced.push(*id);
        w.audit(
            "provider.document.replace",
            &format!("provider-document:{id}"),
            json!({ "offerings": offerings.iter().filter(|(o, _)| shared.contains(o)).map(|(_, k)| k).collect::<Vec<_>>(), "by": r.sha256 }),
        )?;
    }
    let now = crate::support::clock::now_rfc3339();
    let id = provider_docs::insert_document(
        w,
        &NewDocument {
            provider_id,
            catalog_id,
            kind: doc.kind,
            title: &doc.title,
            file_name: r.file,
            sha256: r.sha256,
            uuid: &doc.uuid,
            version: &doc.version,
            imported_at: &now,
            imported_by: w.actor(),
        },
    )?;
    let mut stored = 0;
    let mut controls = HashSet::new();
    let mut seen = HashSet::new();
    for (offering_id, _) in &offerings {
        provider_docs::link_offering(w, id, *offering_id)?;
        for (i, targets) in &resolved {
            let s = &doc.statements[*i];
            for control_id in targets {
                if !seen.insert((*control_id, *offering_id, s.kind, s.uuid.as_str())) {
                    continue;
                }
                controls.insert(*control_id);
                provider_docs::insert_statement(
                    w,
                    id,
                    &NewStatement {
                        control_id: *control_id,
                        offering_id: *offering_id,
                        kind: s.kind,
                        uuid: &s.uuid,
                        provided_uuid: s.provided_uuid.as_deref(),
                        description: &s.description,
                        component: &s.component,
                        roles: &s.roles,
                        state: &s.state,
                        partial: s.partial,
                        location: &s.at,
                    },
                )?;
                stored += 1;
            }
        }
    }
    let after = words(w, &offerings)?;
    let moved = moves(&before, &after);
    let offering_keys: Vec<String> = offerings.into_iter().map(|(_, k)| k).collect();
    w.audit(
        "provider.document.import",
        &format!("provider-document:{id}"),
        json!({
            "title": doc.title, "kind": doc.kind, "sha256": r.sha256, "file": r.file,
            "provider": r.provider, "offerings": offering_keys, "catalog": catalog.key,
            "statements": stored, "replaced": replaced,
        }),
    )?;
    Ok(Imported {
        document: id,
        unchanged: false,
        statements: stored,
        controls: controls.len(),
        skipped: doc.skipped,
        unmapped,
        replaced,
        moved,
        offerings: offering_keys,
    })
}

/// Removes document `id`; returns its title and the controls whose provider word moved.
pub fn remove(w: &Writer<'_>, id: i64) -> Result<(String, Vec<Moved>)> {
    let Some(d) = provider_docs::document(w, id)? else {
        let known: Vec<String> = provider_docs::documents(w)?.iter().map(|d| d.id.to_string()).collect();
        return Err(Error::Invalid(format!(
            "no provider document {id} (documents: {})",
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        )));
    };
    let mut offerings = Vec::new();
    for key in &d.offerings {
        offerings.push((offerings::get(w, key)?.0, key.clone()));
    }
    let before = words(w, &offerings)?;
    provider_docs::remove(w, id)?;
    let after = words(w, &offerings)?;
    w.audit(
        "provider.document.remove",
        &format!("provider-document:{id}"),
        json!({ "title": d.title, "sha256": d.sha256, "offerings": d.offerings }),
    )?;
    Ok((d.title, moves(&before, &after)))
}

/// Benchmark control id -> the target catalogue's control ids it is mapped to.
fn benchmark_crosswalk(w: &Writer<'_>, file: &str, target_id: i64, target: &str) -> Result<HashMap<String, Vec<i64>>> {
    let (bench_id, _) = catalogs::get(w, BENCHMARK_CATALOG).map_err(|_| {
        Error::Invalid(format!(
            "{file}: an Azure security baseline is carried to {target} through the Microsoft cloud security benchmark: \
             import its workbook first (ctrlmap provider import Microsoft_cloud_security_benchmark_v1.xlsx --provider azure)"
        ))
    })?;
    let mut out: HashMap<String, Vec<i64>> = HashMap::new();
    for (id, key) in catalogs::control_ids(w, bench_id)? {
        let targets = crate::db::mappings::targets_in(w, id, target_id)?;
        out.insert(key.to_ascii_uppercase(), targets);
    }
    Ok(out)
}

/// What storing the benchmark did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BenchmarkImported {
    /// Benchmark controls stored.
    pub controls: crate::load::Summary,
    /// Crosswalk mappings stored.
    pub mappings: crate::load::Summary,
    /// Rev4 ids with no (or only a withdrawn) control of the same id in the target catalogue.
    pub not_carried: Vec<String>,
}

/// Stores the benchmark as catalogue [`BENCHMARK_CATALOG`] and its SP 800-53 rev4 ids as a
/// crosswalk onto `target` (a rev5 catalogue): each rev4 id is carried to the rev5 control with
/// the same id, recorded as `intersect` (the workbook says a feature "can be used to fully or
/// partially address" the control).
pub fn import_benchmark(w: &Writer<'_>, file: &str, bench: &Benchmark, target: &str) -> Result<BenchmarkImported> {
    let (target_id, target_catalog) = catalogs::get(w, target).map_err(|e| e.at("--catalog"))?;
    let (catalog_id, _) = save(
        w,
        &Catalog {
            key: BENCHMARK_CATALOG.to_string(),
            title: "Microsoft cloud security benchmark".to_string(),
            version: "v1".to_string(),
            source: "Microsoft_cloud_security_benchmark_v1.xlsx, MicrosoftDocs/SecurityBenchmarks (CC BY 4.0)"
                .to_string(),
        },
        OnExisting::Update,
    )?;
    let mut targets: HashMap<String, ControlRow> = HashMap::new();
    catalogs::for_each_control(w, target_id, None, |c| {
        targets.insert(c.control.key.to_ascii_uppercase(), c);
        Ok(())
    })?;
    let mut done = BenchmarkImported::default();
    for (n, c) in bench.controls.iter().enumerate() {
        let control = InCatalog {
            catalog: BENCHMARK_CATALOG.to_string(),
            catalog_id,
            item: Control {
                key: c.id.clone(),
                title: c.title.clone(),
                family: c.domain.clone(),
                statement: c.principle.clone(),
                parent: None,
                sort_key: format!("{n:04}"),
                withdrawn: false,
            },
        };
        let (_, outcome) = save(w, &control, OnExisting::Update).map_err(|e| e.at(format!("{file}: {}", c.at)))?;
        done.controls.count(outcome);
        let source = catalogs::find_control(w, &c.id, Some(BENCHMARK_CATALOG))?;
        for (rev4, title) in &c.nist_rev4 {
            let Some(to) = targets.get(rev4).filter(|t| !t.control.withdrawn) else {
                if !done.not_carried.contains(rev4) {
                    done.not_carried.push(rev4.clone());
                }
                continue;
            };
            let rationale = format!(
                "The Microsoft cloud security benchmark v1 maps {} to NIST SP 800-53 rev4 {rev4} ({title}); carried to {} {} by the same control id. \
                 Microsoft: the mapping means a feature can be used to fully or partially address the control.",
                c.id, target_catalog.key, to.control.key
            );
            let outcome = crate::load::crosswalk::save(
                w,
                &source,
                to,
                Relationship::Intersect,
                &rationale,
                Origin::Import,
                true,
            )?;
            done.mappings.count(outcome);
        }
    }
    if done.mappings.added + done.mappings.updated + done.mappings.unchanged == 0 {
        return Err(Error::Invalid(format!(
            "{file}: none of the benchmark's SP 800-53 ids is a control of catalogue {target}: import SP 800-53 first (ctrlmap catalog import)"
        )));
    }
    done.not_carried.sort();
    Ok(done)
}
