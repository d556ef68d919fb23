//! The CSV report (RFC 4180, UTF-8, header row), streamed control by control: one row per control
//! or per control and service. Every cell a user could control is neutralised against formula
//! injection.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use super::assemble::Options;
use crate::db::Connection;
use crate::error::{Error, Result};
use crate::estate::checks::{Checks, Tally};
use crate::estate::control::{ControlLine, control_line, via};
use crate::estate::pairs::{self, ControlInfo};
use crate::evidence::FileCheck;
use crate::model::evaluation::{FileProblem, Pair};
use crate::support::spreadsheet::neutralise;

/// The UTF-8 byte-order mark written before a CSV by default: without it Excel and LibreOffice
/// read the file in a legacy code page (`Zürich` opens as `ZÃ¼rich`).
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Rows per control, or per control and service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Level {
    /// One row per control (organisation-wide values).
    Control,
    /// One row per control and service.
    Service,
}

const CONTROL_COLUMNS: &[&str] = &[
    "catalog",
    "control",
    "title",
    "family",
    "responsibility",
    "owner",
    "status",
    "result",
    "note",
    "evidence_ids",
    "evidence_sha256",
    "freshest_evidence",
    "expired_evidence",
    "via",
    "checks_passed",
    "checks_failed",
];
const SERVICE_ONLY: &[&str] = &[
    "service",
    "offering",
    "category",
    "provenance",
    "rationale",
    "statement",
];

/// Writes the CSV of `opts` at `level` with `columns` to `out`; with `files`, evidence whose
/// stored file fails that check does not count and its evidence cells say so, e.g. `3 (altered)`.
pub fn write_checked(
    conn: &Connection,
    opts: &Options<'_>,
    level: Level,
    columns: &[String],
    mut files: Option<&mut FileCheck>,
    out: impl Write,
) -> Result<()> {
    let mut rows = Rows::start(conn, opts, level, columns, out)?;
    pairs::for_each_control_owned(conn, &opts.source, |info, mut all| {
        if let Some(check) = files.as_deref_mut() {
            check.mark(&mut all)?;
        }
        rows.add(info, &all)
    })?;
    rows.finish()
}

/// A CSV report being written, control by control, from pairs handed in (by [`write_checked`],
/// or by a caller that renders other things from the same pass).
pub struct Rows<'a, W: Write> {
    opts: &'a Options<'a>,
    level: Level,
    columns: &'a [String],
    catalog: String,
    w: csv::Writer<W>,
    /// Scanners' observations that count, read only when a checks column is asked for.
    checks: Checks,
}

impl<'a, W: Write> Rows<'a, W> {
    /// Checks `columns` against `level` and writes the header row.
    pub fn start(
        conn: &Connection,
        opts: &'a Options<'a>,
        level: Level,
        columns: &'a [String],
        out: W,
    ) -> Result<Rows<'a, W>> {
        for c in columns {
            let known = CONTROL_COLUMNS.contains(&c.as_str())
                || (level == Level::Service && SERVICE_ONLY.contains(&c.as_str()));
            if !known {
                return Err(Error::Invalid(format!(
                    "{}: unknown {} CSV column \"{c}\"",
                    opts.template.source,
                    if level == Level::Service {
                        "service-level"
                    } else {
                        "control-level"
                    }
                )));
            }
        }
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(out);
        w.write_record(columns).map_err(csv_error)?;
        let checks = if columns.iter().any(|c| c.starts_with("checks_")) {
            Checks::load(conn, &opts.source)?
        } else {
            Checks::default()
        };
        Ok(Rows {
            opts,
            level,
            columns,
            catalog: opts.source.catalog().to_string(),
            w,
            checks,
        })
    }

    /// Writes the rows of one control's pairs, in catalogue order.
    pub fn add(&mut self, info: &ControlInfo, all: &[Pair]) -> Result<()> {
        let (catalog, columns) = (&self.catalog, self.columns);
        let kept: Vec<&Pair> = all.iter().filter(|p| self.opts.keeps(p)).collect();
        // Organisation-wide observations count in a control's row unless the report is one team's.
        let organisation = self.opts.team.is_none();
        match self.level {
            Level::Control => {
                // Derived once per row, whichever columns ask for them.
                let line = control_line(info, &kept);
                let evidence = evidence_cells(kept.iter().copied());
                let shown: BTreeSet<&str> = kept.iter().map(|p| &*p.service).collect();
                let tally = self.checks.tally(&info.key, &shown, organisation);
                let row = columns.iter().map(|c| match checks_cell(c, &tally) {
                    Some(n) => n,
                    None => control_cell(c, catalog, info, &kept, &line, &evidence),
                });
                write_row(&mut self.w, row)
            }
            Level::Service => {
                for p in kept {
                    let evidence = evidence_cells(std::iter::once(p));
                    let tally = self.checks.tally(&info.key, &BTreeSet::from([&*p.service]), false);
                    let row = columns.iter().map(|c| match checks_cell(c, &tally) {
                        Some(n) => n,
                        None => pair_cell(c, catalog, info, p, &evidence),
                    });
                    write_row(&mut self.w, row)?;
                }
                Ok(())
            }
        }
    }

    /// Flushes what is written.
    pub fn finish(mut self) -> Result<()> {
        self.w.flush().map_err(|e| Error::io("report", e))?;
        Ok(())
    }
}

/// Writes one record, cell by cell, each neutralised; borrowed cells are never copied.
fn write_row<'a, W: Write>(w: &mut csv::Writer<W>, row: impl Iterator<Item = Cow<'a, str>>) -> Result<()> {
    for cell in row {
        w.write_field(neutralise(&cell).as_bytes()).map_err(csv_error)?;
    }
    w.write_record(None::<&[u8]>).map_err(csv_error)
}

fn csv_error(e: csv::Error) -> Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => Error::io("report", io),
        other => Error::Invalid(format!("CSV: {other:?}")),
    }
}

/// The passed or failed checks of a row, for the checks columns.
fn checks_cell(column: &str, tally: &Tally) -> Option<Cow<'static, str>> {
    match column {
        "checks_passed" => Some(tally.passed.to_string().into()),
        "checks_failed" => Some(tally.failed.to_string().into()),
        _ => None,
    }
}

/// The evidence columns of a row: ids, file hashes, freshest counting date, expired flag.
type EvidenceCells = (String, String, String, &'static str);

fn evidence_cells<'a>(pairs: impl Iterator<Item = &'a Pair>) -> EvidenceCells {
    // Each id and hash with what the integrity check of its file found, if it failed.
    let mut ids: BTreeMap<i64, Option<&str>> = BTreeMap::new();
    let mut hashes: BTreeMap<&str, Option<&str>> = BTreeMap::new();
    let mut freshest: Option<&str> = None;
    let mut expired = false;
    for e in pairs.flat_map(|p| p.evidence.iter()) {
        let problem = e.problem.map(FileProblem::as_str);
        ids.insert(e.id, problem);
        if let Some(h) = &e.sha256 {
            hashes.insert(h.as_str(), problem);
        }
        if e.counting() && freshest.is_none_or(|f| e.collected.as_str() > f) {
            freshest = Some(&e.collected);
        }
        expired |= e.expired;
    }
    let marked = |item: String, problem: Option<&str>| match problem {
        Some(p) => format!("{item} ({p})"),
        None => item,
    };
    (
        ids.into_iter()
            .map(|(id, p)| marked(id.to_string(), p))
            .collect::<Vec<_>>()
            .join(" "),
        hashes
            .into_iter()
            .map(|(h, p)| marked(h.to_string(), p))
            .collect::<Vec<_>>()
            .join(" "),
        freshest.unwrap_or("").to_string(),
        if expired { "yes" } else { "no" },
    )
}

fn control_cell<'a>(
    column: &str,
    catalog: &'a str,
    info: &'a ControlInfo,
    pairs: &[&'a Pair],
    line: &'a ControlLine,
    evidence: &'a EvidenceCells,
) -> Cow<'a, str> {
    match column {
        "via" => {
            let set: BTreeSet<&str> = pairs.iter().flat_map(|p| via(p)).collect();
            set.into_iter().collect::<Vec<_>>().join("; ").into()
        }
        "catalog" => catalog.into(),
        "control" => info.key.as_str().into(),
        "title" => info.title.as_str().into(),
        "family" => info.family.as_str().into(),
        "responsibility" => line.responsibility.as_str().into(),
        "owner" => line.owner.as_str().into(),
        "result" => line.result.as_str().into(),
        "status" => line.status.as_str().into(),
        "note" => line.note.as_str().into(),
        _ => evidence_cell(column, evidence),
    }
}

fn evidence_cell<'a>(column: &str, (ids, hashes, freshest, expired): &'a EvidenceCells) -> Cow<'a, str> {
    match column {
        "evidence_ids" => ids.as_str().into(),
        "evidence_sha256" => hashes.as_str().into(),
        "freshest_evidence" => freshest.as_str().into(),
        _ => (*expired).into(),
    }
}

fn pair_cell<'a>(
    column: &str,
    catalog: &'a str,
    info: &'a ControlInfo,
    p: &'a Pair,
    evidence: &'a EvidenceCells,
) -> Cow<'a, str> {
    match column {
        "via" => via(p).join("; ").into(),
        "catalog" => catalog.into(),
        "control" => info.key.as_str().into(),
        "title" => info.title.as_str().into(),
        "family" => info.family.as_str().into(),
        "service" => (&*p.service).into(),
        "offering" => (&*p.offering).into(),
        "category" => p.category.as_str().into(),
        "responsibility" => p.responsibility.as_str().into(),
        "provenance" => (&*p.provenance).into(),
        "rationale" => (&*p.rationale).into(),
        "owner" => p.owner.as_deref().unwrap_or_default().into(),
        "status" => p.status.as_str().into(),
        "result" => p.result.as_str().into(),
        "note" => p.note.as_str().into(),
        // The implementation statement recorded for the pair (or organisation-wide).
        "statement" => p.statement.as_str().into(),
        _ => evidence_cell(column, evidence),
    }
}

#[cfg(test)]
mod tests {
    use super::neutralise;

    #[test]
    fn formula_cells_are_neutralised() {
        for bad in ["=1+1", "+cmd", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert!(neutralise(bad).starts_with('\''), "{bad}");
        }
        assert_eq!(neutralise("orders-db"), "orders-db");
        assert_eq!(neutralise(""), "");
    }
}
