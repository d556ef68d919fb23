//! `ctrlmap catalog`: the control catalogues in the database.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender};

use clap::Subcommand;

use super::{Ctx, open_input, report_import, source_name};
use crate::db::{Db, OnExisting, Outcome, catalogs, save};
use crate::error::{Error, Result};
use crate::import::oscal::Head;
use crate::model::{Catalog, Control};
use crate::support::output;

/// Catalogue commands.
#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// List catalogues with their counts of controls, families and rules.
    ///
    /// Example: ctrlmap catalog list
    List,
    /// Import an OSCAL JSON catalog or resolved-profile catalog (OSCAL 1.0 to 1.2).
    ///
    /// SP 800-53 catalogues get the seeded responsibility rules. Re-importing under an existing key
    /// needs --replace: controls that remain keep their overrides and evidence links; those that
    /// are gone are reported.
    ///
    /// Example: ctrlmap catalog import NIST_SP-800-53_rev5_LOW-baseline-resolved-profile_catalog.json --key nist-low
    Import {
        /// The OSCAL JSON file.
        file: PathBuf,
        /// Key for the catalogue [default: from its title, e.g. nist-800-53].
        #[arg(long)]
        key: Option<String>,
        /// Replace a catalogue that already has this key.
        #[arg(long)]
        replace: bool,
    },
    /// Create (or with --update, refresh) a catalogue from a CSV of controls:
    /// key,title[,family,statement,parent,sort_key,withdrawn].
    ///
    /// Example: ctrlmap catalog import-csv controls.csv --key iso27017 --title "ISO/IEC 27017 cloud controls"
    ImportCsv {
        /// The controls CSV file.
        file: PathBuf,
        /// Key of the catalogue.
        #[arg(long)]
        key: String,
        /// Title of the catalogue (required when it is new).
        #[arg(long)]
        title: Option<String>,
        /// Version of the catalogue's text.
        #[arg(long = "catalog-version", default_value = "")]
        catalog_version: String,
        /// Update a catalogue and controls that already exist instead of refusing them.
        #[arg(long)]
        update: bool,
    },
}

impl CatalogCommand {
    /// Runs the command.
    pub(crate) fn run(&self, ctx: &mut Ctx) -> Result<()> {
        match self {
            CatalogCommand::List => {
                let list = catalogs::list(ctx.db.conn())?;
                let mut out = output::stdout();
                if ctx.json {
                    return output::print_json(&mut out, &list);
                }
                let rows = list.iter().map(|c| {
                    vec![
                        c.catalog.key.clone(),
                        c.catalog.title.clone(),
                        c.catalog.version.clone(),
                        c.controls.to_string(),
                        c.families.to_string(),
                        c.rules.to_string(),
                    ]
                });
                let headers = ["key", "title", "version", "controls", "families", "rules"];
                output::print_table(&mut out, &output::table(&headers, rows))
            }
            CatalogCommand::Import { file, key, replace } => import_oscal(ctx, file, key.as_deref(), *replace),
            CatalogCommand::ImportCsv {
                file,
                key,
                title,
                catalog_version,
                update,
            } => {
                let input = open_input(file)?;
                let on = if *update { OnExisting::Update } else { OnExisting::Fail };
                let key = super::check_name("catalogue", key)?;
                let summary = ctx.db.write(&ctx.actor, |w| {
                    let existing = catalogs::get(w, &key).ok();
                    let title = match (title, &existing) {
                        (Some(t), _) => t.clone(),
                        (None, Some((_, c))) => c.title.clone(),
                        (None, None) => {
                            return Err(Error::Invalid(format!("catalogue \"{key}\" is new: give it a --title")));
                        }
                    };
                    let catalog = Catalog {
                        key: key.clone(),
                        title,
                        version: catalog_version.clone(),
                        source: source_name(file),
                    };
                    if existing.is_none() || on == OnExisting::Update {
                        save(w, &catalog, OnExisting::Update)?;
                    } else {
                        save(w, &catalog, OnExisting::Fail)?;
                    }
                    crate::load::controls(w, &key, &source_name(file), input, on)
                })?;
                report_import(ctx, "controls", summary)
            }
        }
    }
}

/// What an OSCAL import did.
#[derive(Debug, Default, serde::Serialize)]
struct Imported {
    catalog: String,
    controls: crate::load::Summary,
    withdrawn: usize,
    rules: Option<crate::load::Summary>,
    rules_skipped: usize,
    crosswalk: Option<crate::load::Summary>,
    removed: Vec<String>,
    kept_withdrawn: Vec<String>,
    dropped_overrides: i64,
    dropped_evidence_links: i64,
}

/// What the thread reading an OSCAL catalogue hands the one writing it.
enum Read {
    /// The catalogue's metadata, checked.
    Head(Head),
    /// Controls, in document order.
    Controls(Vec<Control>),
    /// The whole document was read without error: what was handed over may be committed.
    Finished,
}

/// Controls handed over at once: few enough that writing starts early, enough that handing
/// them over costs nothing beside writing them.
const BATCH: usize = 32;

/// Imports an OSCAL catalogue on two threads: this one reads and checks the document and hands
/// over each control as soon as it is read; the other stores them meanwhile, in one transaction
/// that commits only once the whole document has been read. An error in the document is the one
/// reported, whatever the writing ran into meanwhile, exactly as if the document had been read
/// whole first. Reading stays on the main thread because it allocates the most: a new thread's
/// memory grows a page run at a time, which cost the reader a fifth of its time.
fn import_oscal(ctx: &mut Ctx, file: &std::path::Path, key: Option<&str>, replace: bool) -> Result<()> {
    let source = source_name(file);
    let (read, written) = std::thread::scope(|scope| {
        // Made here, so that were the reader to panic, the writer would hear it end.
        let (to, from) = std::sync::mpsc::channel();
        let (spent_to, spent) = std::sync::mpsc::channel();
        let (db, actor) = (&mut ctx.db, ctx.actor.as_str());
        let writer = std::thread::Builder::new()
            .name("catalogue writer".into())
            .spawn_scoped(scope, move || {
                write_oscal(db, actor, file, key, replace, &from, &spent_to)
            })
            .map_err(|e| Error::io("a thread to write the catalogue", e));
        // The reader reads on to the end of the document even when nobody takes what it hands
        // over; once it returns, the writer learns that nothing more comes.
        let read = read_oscal(file, &source, &to);
        drop(to);
        // Then frees the controls the writer is done with, until the writer ends.
        spent.iter().for_each(drop);
        (read, writer.map(|w| w.join()))
    });
    read?;
    let (report, controls) = written?.unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
    if ctx.json {
        return output::print_json(&mut output::stdout(), &report);
    }
    let mut out = output::note();
    use std::io::Write;
    writeln!(
        out,
        "catalogue {}: {} controls ({} withdrawn): {}",
        report.catalog, controls, report.withdrawn, report.controls
    )?;
    if let Some(rules) = &report.rules {
        writeln!(
            out,
            "responsibility rules for SP 800-53: {rules}; {} not applicable to this catalogue",
            report.rules_skipped
        )?;
    }
    if let Some(crosswalk) = &report.crosswalk {
        writeln!(out, "crosswalk from srm: {crosswalk}")?;
    }
    if !report.removed.is_empty() || !report.kept_withdrawn.is_empty() {
        writeln!(
            out,
            "no longer in the catalogue: {} removed ({}), {} kept as withdrawn because evaluations refer to them ({}); \
             dropped {} overrides and {} evidence links",
            report.removed.len(),
            report.removed.join(", "),
            report.kept_withdrawn.len(),
            report.kept_withdrawn.join(", "),
            report.dropped_overrides,
            report.dropped_evidence_links
        )?;
    }
    Ok(())
}

/// Reads the OSCAL catalogue `file`, handing its metadata and controls to `to` as they are read,
/// then that it finished.
fn read_oscal(file: &std::path::Path, source: &str, to: &Sender<Read>) -> Result<()> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    open_input(file)?
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(file.display(), e))?;
    // A send fails only once the writing side has given up: reading goes on regardless, since
    // an error in the document is the one reported.
    let mut batch = Vec::with_capacity(BATCH);
    crate::import::oscal::read_catalog(
        source,
        &bytes,
        |head| drop(to.send(Read::Head(head.clone()))),
        |control| {
            batch.push(control);
            if batch.len() == BATCH {
                drop(to.send(Read::Controls(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))));
            }
        },
    )?;
    drop(to.send(Read::Controls(batch)));
    drop(to.send(Read::Finished));
    Ok(())
}

/// The error of a writing side whose reader stopped early: never reported, since the reader's
/// own error is.
fn unfinished() -> Error {
    Error::Invalid("the catalogue was not read to its end".to_string())
}

/// Stores the catalogue `from` hands over; returns what was done and how many controls were read.
fn write_oscal(
    db: &mut Db,
    actor: &str,
    file: &std::path::Path,
    key: Option<&str>,
    replace: bool,
    from: &Receiver<Read>,
    spent: &Sender<Vec<Control>>,
) -> Result<(Imported, usize)> {
    let Ok(Read::Head(head)) = from.recv() else {
        return Err(unfinished());
    };
    let key = match key {
        Some(k) => super::check_name("catalogue", k)?,
        None => head.default_key(),
    };
    // The file name is stored as the catalogue's source: a name with control or bidirectional
    // characters is stored in its escaped, visible form, like any text shown on a terminal.
    let file_name = file
        .file_name()
        .map(|n| crate::text::one_line(&n.to_string_lossy()).into_owned())
        .unwrap_or_default();
    let catalog = Catalog {
        key: key.clone(),
        title: head.title.clone(),
        version: head.version.clone(),
        source: format!("OSCAL {} catalog {file_name}", head.oscal_version),
    };
    db.write(actor, |w| {
        let exists = catalogs::get(w, &key).is_ok();
        if exists && !replace {
            return Err(Error::Invalid(format!(
                "catalogue \"{key}\" already exists: pass --replace to re-import it, or --key to import it beside"
            )));
        }
        save(w, &catalog, OnExisting::Update)?;
        let (catalog_id, _) = catalogs::get(w, &key)?;
        let mut imported = Imported {
            catalog: key.clone(),
            ..Default::default()
        };
        // A new catalogue has no controls yet: none is looked for before it is added.
        let mut new_controls = if exists {
            None
        } else {
            Some(catalogs::NewControls::new(w)?)
        };
        let mut wanted = std::collections::HashSet::new();
        let mut read = 0;
        loop {
            let batch = match from.recv() {
                Ok(Read::Controls(batch)) => batch,
                Ok(Read::Finished) => break,
                Ok(Read::Head(_)) | Err(_) => return Err(unfinished()),
            };
            read += batch.len();
            let mut done = Vec::with_capacity(batch.len());
            for control in batch {
                if exists {
                    wanted.insert(control.key.to_lowercase());
                }
                imported.withdrawn += usize::from(control.withdrawn);
                let item = catalogs::InCatalog {
                    catalog: key.clone(),
                    catalog_id,
                    item: control,
                };
                if let Some(new_controls) = &mut new_controls {
                    new_controls.add(&item)?;
                    imported.controls.count(Outcome::Added);
                } else {
                    let (_, outcome) = save(w, &item, OnExisting::Update)?;
                    imported.controls.count(outcome);
                }
                done.push(item.item);
            }
            // Freed by the reader once it is done reading: here it would cost the import's
            // longer thread, and while reading the two would contend for the reader's memory.
            drop(spent.send(done));
        }
        // Controls the new document no longer has (a new catalogue has none): enhancements
        // before their parents.
        let mut gone: Vec<(i64, String)> = if exists {
            catalogs::control_ids(w, catalog_id)?
                .into_iter()
                .filter(|(_, k)| !wanted.contains(&k.to_lowercase()))
                .collect()
        } else {
            Vec::new()
        };
        gone.reverse();
        for (id, control_key) in gone {
            let (overrides, links, _) = catalogs::dependents(w, id)?;
            imported.dropped_overrides += overrides;
            imported.dropped_evidence_links += links;
            if catalogs::retire_control(w, id)? {
                imported.removed.push(control_key.clone());
            } else {
                imported.kept_withdrawn.push(control_key.clone());
            }
            w.audit(
                "control.retire",
                &format!("control:{key}:{control_key}"),
                serde_json::json!({ "overrides": overrides, "evidence_links": links }),
            )?;
        }
        if head.is_sp800_53() {
            let (source, text) = crate::load::seeds::sp800_53_rules();
            crate::load::seeds::load_sources(w)?;
            let (summary, skipped) = crate::load::rules_for(
                w,
                &key,
                source,
                text.as_bytes(),
                OnExisting::Keep,
                crate::load::Citing::Ids,
                true,
            )?;
            imported.rules = Some(summary);
            imported.rules_skipped = skipped;
            imported.crosswalk = crate::load::crosswalk::apply_seed(w, &key)?.map(|(summary, _)| summary);
        }
        Ok((imported, read))
    })
}
