//! `evidence add` (one piece from flags) and `evidence import` (many from a CSV): both go through
//! the same drafts, so a row and a command line are checked alike.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::rc::Rc;

use serde::Serialize;

use super::Add;
use super::draft::{COLUMNS, FLAGS, Spec, draft, draft_for, save, store_file};
use crate::commands::Ctx;
use crate::commands::responsibility::target;
use crate::commands::{open_input, source_name};
use crate::db::catalogs::ControlRow;
use crate::db::services::{self, ServiceRow};
use crate::error::Result;
use crate::evidence::Store;
use crate::import::CsvFile;
use crate::import::csv_file::Columns;
use crate::model::evidence::{Day, EvidenceKind};
use crate::support::output;

impl Add {
    pub(crate) fn run(&self, ctx: &mut Ctx) -> Result<()> {
        // Everything is checked before anything is written, so bad input leaves no trace.
        let spec = Spec {
            control: &self.control,
            catalog: self.catalog.as_deref(),
            service: self.service.as_deref(),
            file: self.file.as_deref(),
            url: self.url.as_deref(),
            note: self.note.as_deref(),
            title: self.title.as_deref(),
            collected: self.collected,
            expires: self.expires.as_deref(),
            names: &FLAGS,
        };
        let mut d = draft(ctx, &spec)?;
        let store = Store::beside(ctx.db.path());
        let put = store_file(&store, &mut d)?;
        // If the database refuses the row, the stored bytes stay: another add of the same content
        // may be relying on them (`evidence verify` counts such unreferenced files).
        let (id, same) = ctx.db.write(&ctx.actor, |w| save(w, &d, None))?;
        let mut evidence = d.evidence;
        evidence.id = id;
        let kind = evidence.kind;
        if ctx.json {
            return output::print_json(&mut output::stdout(), &evidence);
        }
        let mut out = output::note();
        let on = d
            .service
            .as_ref()
            .map_or("organisation-wide".to_string(), |s| format!("on {}", s.service.name));
        write!(out, "added evidence {id} ({kind}")?;
        if let Some(p) = &put {
            write!(out, ", sha256 {}, {} bytes", p.sha256, p.size)?;
        }
        writeln!(out, ") for {} {on}; pending review", d.control.control.key)?;
        if !same.is_empty() {
            let list: Vec<String> = same.iter().map(i64::to_string).collect();
            writeln!(out, "same content as evidence {}: stored once", list.join(", "))?;
        }
        Ok(())
    }
}

/// Columns of an evidence import file.
const IMPORT_COLUMNS: Columns = Columns {
    required: &["control"],
    optional: &[
        "service",
        "catalog",
        "title",
        "url",
        "note",
        "file",
        "collected",
        "expires",
    ],
};

/// What `evidence import` did.
#[derive(Debug, Default, Serialize)]
struct Imported {
    added: usize,
    files: usize,
    urls: usize,
    notes: usize,
    first_id: Option<i64>,
    last_id: Option<i64>,
}

/// `evidence import FILE`: every row checked, every file stored, then one transaction.
pub(super) fn import(ctx: &mut Ctx, file: &Path) -> Result<()> {
    let source = source_name(file);
    let input = open_input(file)?;
    let csv = CsvFile::read(&source, input, IMPORT_COLUMNS)?;
    let base = file.parent().unwrap_or(Path::new(""));
    let mut drafts = Vec::new();
    // Rows name the same controls and services again and again: each name is resolved once.
    let mut controls: HashMap<(String, Option<String>), Rc<ControlRow>> = HashMap::new();
    let mut services: HashMap<String, Rc<ServiceRow>> = HashMap::new();
    for row in csv.rows() {
        let cell = |c: &str| Some(row.get(c)).filter(|v| !v.is_empty());
        let collected = cell("collected")
            .map(|t| Day::parse(t).map_err(|e| row.invalid("collected", &e)))
            .transpose()?;
        let path = cell("file").map(|f| base.join(f));
        if path.is_some() && cell("url").is_some() {
            return Err(row.invalid("file", "give a file or a url, not both"));
        }
        let spec = Spec {
            control: cell("control").ok_or_else(|| row.invalid("control", "must not be empty"))?,
            catalog: cell("catalog"),
            service: cell("service"),
            file: path.as_deref(),
            url: cell("url"),
            note: cell("note"),
            title: cell("title"),
            collected,
            expires: cell("expires"),
            names: &COLUMNS,
        };
        let named = (spec.control.to_string(), spec.catalog.map(str::to_string));
        let control = match controls.get(&named) {
            Some(c) => c.clone(),
            None => {
                let (c, _) = target(ctx, spec.control, spec.catalog, None).map_err(|e| e.at(row.location()))?;
                controls.entry(named).or_insert(Rc::new(c)).clone()
            }
        };
        let service = match spec.service {
            None => None,
            Some(name) => Some(match services.get(name) {
                Some(s) => s.clone(),
                None => {
                    let s = services::get(ctx.db.conn(), name).map_err(|e| e.at(row.location()))?;
                    services.entry(name.to_string()).or_insert(Rc::new(s)).clone()
                }
            }),
        };
        let d = draft_for(ctx, &spec, control, service).map_err(|e| e.at(row.location()))?;
        drafts.push((row.line(), d));
    }
    let store = Store::beside(ctx.db.path());
    for (line, d) in &mut drafts {
        store_file(&store, d).map_err(|e| e.at(format!("{source} line {line}")))?;
    }
    let written = ctx.db.write(&ctx.actor, |w| {
        let mut done = Imported::default();
        for (line, d) in &drafts {
            let from = format!("{source} line {line}");
            let (id, _) = save(w, d, Some(&from)).map_err(|e| e.at(&from))?;
            done.added += 1;
            match d.evidence.kind {
                // Drafts are never scans (those come from `scan import`); counted with files.
                EvidenceKind::File | EvidenceKind::Scan => done.files += 1,
                EvidenceKind::Url => done.urls += 1,
                EvidenceKind::Note => done.notes += 1,
            }
            done.first_id.get_or_insert(id);
            done.last_id = Some(id);
        }
        Ok(done)
    });
    let done = written?;
    let mut out = output::stdout();
    if ctx.json {
        return output::print_json(&mut out, &done);
    }
    write!(
        out,
        "evidence from {source}: {} added ({} files, {} URLs, {} notes)",
        done.added, done.files, done.urls, done.notes
    )?;
    match (done.first_id, done.last_id) {
        (Some(a), Some(b)) => writeln!(out, ", numbered {a} to {b}; pending review")?,
        _ => writeln!(out)?,
    }
    Ok(())
}
