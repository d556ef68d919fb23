//! The CSV report (RFC 4180, UTF-8, header row), streamed control by control: one row per control
//! or per control and service. Every cell a user could control is neutralised against formula
//! injection.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::ops::Range;
use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHasher};

use super::assemble::Options;
use crate::db::Connection;
use crate::error::{Error, Result};
use crate::estate::checks::{Checks, Tally};
use crate::estate::control::{ControlLine, control_line, via};
use crate::estate::pairs::{self, ControlInfo};
use crate::evidence::FileCheck;
use crate::model::evaluation::{FileProblem, Pair};
use crate::support::address;
#[cfg(test)]
use crate::support::spreadsheet::neutralise;

mod record;
#[cfg(test)]
mod rows_tests;

use record::{Fields, Sink};

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
/// The pairs are derived on this thread and written on another, so the two halves of the work
/// share the machine's cores; the rows come out in the same order.
pub fn write_checked(
    conn: &Connection,
    opts: &Options<'_>,
    level: Level,
    columns: &[String],
    mut files: Option<&mut FileCheck>,
    out: impl Write + Send,
) -> Result<()> {
    let mut rows = Rows::start(conn, opts, level, columns, out)?;
    std::thread::scope(|scope| {
        // Two controls waiting at most: memory stays that of a few controls' pairs (a control of
        // an estate of 5,000 services is about a megabyte and a half of them).
        let (send, receive) = std::sync::mpsc::sync_channel::<(ControlInfo, Vec<Pair>)>(2);
        let writer = scope.spawn(move || -> Result<()> {
            for (info, pairs) in receive {
                rows.add(&info, &pairs)?;
            }
            rows.finish()
        });
        let mut writer_gone = false;
        let derived = pairs::for_each_control_owned(conn, &opts.source, |info, mut all| {
            if let Some(check) = files.as_deref_mut() {
                check.mark(&mut all)?;
            }
            send.send((info.clone(), all)).map_err(|_| {
                writer_gone = true;
                Error::Invalid("the CSV writer stopped".into())
            })
        });
        drop(send);
        let written = writer.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        match derived {
            // The writer stopped on an error of its own: that one says what went wrong.
            Err(_) if writer_gone => written,
            Err(e) => Err(e),
            Ok(()) => written,
        }
    })
}

/// A CSV report being written, control by control, from pairs handed in (by [`write_checked`],
/// or by a caller that renders other things from the same pass).
pub struct Rows<'a, W: Write> {
    opts: &'a Options<'a>,
    level: Level,
    columns: &'a [String],
    catalog: String,
    fields: Fields,
    out: Sink<W>,
    /// Scanners' observations that count, read only when a checks column is asked for.
    checks: Checks,
    /// Service level: the columns in runs of what they depend on.
    runs: Vec<Run>,
    /// Service level: the rendered runs of this control's pairs, by run and a hash of what they
    /// depend on, with a pair they were rendered from (by its position among the kept pairs).
    rendered: FxHashMap<(usize, u64), (usize, Range<usize>)>,
    /// The bytes of `rendered`.
    arena: Vec<u8>,
    /// Service level: the rendered runs of the service columns of each service, by run and the
    /// address of the service's name, which is kept alive here (so the address is not reused)
    /// with what else they show.
    services: FxHashMap<(usize, usize), ServiceRun>,
}

/// The service columns of a run as rendered for a service (kept with what they were made of).
struct ServiceRun {
    service: Arc<str>,
    offering: Arc<str>,
    category: crate::model::Category,
    bytes: Vec<u8>,
}

/// Services remembered at most: live pairs share a service's name across controls, so this holds
/// every service of a large estate; pairs read back from a snapshot do not, and then the memory
/// is dropped whenever it is full.
const SERVICES_KEPT: usize = 1 << 16;

/// A run of consecutive service-level columns that depend on the same thing.
struct Run {
    kind: Depends,
    columns: Range<usize>,
}

/// What a service-level column depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Depends {
    /// The control alone (catalog, control, title, family): rendered once per control.
    Control,
    /// The service (service, offering, category): rendered for each pair.
    Service,
    /// The rest of the pair (responsibility, owner, results, evidence, ...): pairs of one control
    /// that agree on it share one rendering.
    Pair,
}

impl Depends {
    fn of(column: &str) -> Depends {
        match column {
            "catalog" | "control" | "title" | "family" => Depends::Control,
            "service" | "offering" | "category" => Depends::Service,
            _ => Depends::Pair,
        }
    }
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
        let fields = Fields::new();
        let mut out = Sink::new(out);
        // The header row names the columns as they are: they are known names, never formulas.
        let start = out.buf.len();
        for (i, c) in columns.iter().enumerate() {
            if i > 0 {
                out.buf.push(b',');
            }
            fields.raw(&mut out.buf, c.as_bytes());
        }
        record::end(&mut out.buf, start);
        let checks = if columns.iter().any(|c| c.starts_with("checks_")) {
            Checks::load(conn, &opts.source)?
        } else {
            Checks::default()
        };
        let mut runs: Vec<Run> = Vec::new();
        for (i, c) in columns.iter().enumerate() {
            let kind = Depends::of(c);
            match runs.last_mut() {
                Some(run) if run.kind == kind => run.columns.end = i + 1,
                _ => runs.push(Run {
                    kind,
                    columns: i..i + 1,
                }),
            }
        }
        Ok(Rows {
            opts,
            level,
            columns,
            catalog: opts.source.catalog().to_string(),
            fields,
            out,
            checks,
            runs,
            rendered: FxHashMap::default(),
            arena: Vec::new(),
            services: FxHashMap::default(),
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
                let buf = &mut self.out.buf;
                let start = buf.len();
                for (i, cell) in row.enumerate() {
                    if i > 0 {
                        buf.push(b',');
                    }
                    self.fields.cell(buf, &cell);
                }
                record::end(buf, start);
                self.out.spill()
            }
            Level::Service => self.add_pairs(info, &kept),
        }
    }

    /// The service-level rows of `kept`, one per pair. What depends on the control alone is
    /// rendered once; the rest of a pair is rendered once for all the pairs that agree on it
    /// ([`same_rest`]), unless the checks columns count observations per service.
    fn add_pairs(&mut self, info: &ControlInfo, kept: &[&Pair]) -> Result<()> {
        let Some(first) = kept.first() else { return Ok(()) };
        let (catalog, columns, fields) = (self.catalog.as_str(), self.columns, &self.fields);
        let none = (String::new(), String::new(), String::new(), "no");
        let heads: Vec<Vec<u8>> = self
            .runs
            .iter()
            .map(|run| {
                let mut head = Vec::new();
                if run.kind == Depends::Control {
                    render(fields, &mut head, &columns[run.columns.clone()], |c| {
                        pair_cell(c, catalog, info, first, &none)
                    });
                }
                head
            })
            .collect();
        // Observations on a service make the checks columns differ per service: no sharing then.
        let per_service = self.checks.observes(&info.key);
        self.rendered.clear();
        self.arena.clear();
        for (at, p) in kept.iter().enumerate() {
            let buf = &mut self.out.buf;
            let start = buf.len();
            for (r, run) in self.runs.iter().enumerate() {
                if run.columns.start > 0 {
                    buf.push(b',');
                }
                let columns = &columns[run.columns.clone()];
                match run.kind {
                    Depends::Control => buf.extend_from_slice(&heads[r]),
                    Depends::Service => {
                        let key = (r, address::of(&p.service));
                        match self.services.get(&key) {
                            Some(run)
                                if Arc::ptr_eq(&run.service, &p.service)
                                    && run.offering == p.offering
                                    && run.category == p.category =>
                            {
                                buf.extend_from_slice(&run.bytes);
                            }
                            _ => {
                                let mut bytes = Vec::new();
                                render(fields, &mut bytes, columns, |c| pair_cell(c, catalog, info, p, &none));
                                buf.extend_from_slice(&bytes);
                                if self.services.len() >= SERVICES_KEPT {
                                    self.services.clear();
                                }
                                let run = ServiceRun {
                                    service: p.service.clone(),
                                    offering: p.offering.clone(),
                                    category: p.category,
                                    bytes,
                                };
                                self.services.insert(key, run);
                            }
                        }
                    }
                    Depends::Pair if per_service => {
                        let shown = BTreeSet::from([&*p.service]);
                        let tally = self.checks.tally(&info.key, &shown, false);
                        rest(fields, buf, columns, catalog, info, p, &tally);
                    }
                    Depends::Pair => {
                        let key = (r, rest_hash(p));
                        match self.rendered.get(&key) {
                            Some((seen, bytes)) if same_rest(kept[*seen], p) => {
                                buf.extend_from_slice(&self.arena[bytes.clone()]);
                            }
                            known => {
                                let from = buf.len();
                                rest(fields, buf, columns, catalog, info, p, &Tally::default());
                                if known.is_none() {
                                    let at_arena = self.arena.len();
                                    self.arena.extend_from_slice(&buf[from..]);
                                    self.rendered.insert(key, (at, at_arena..self.arena.len()));
                                }
                            }
                        }
                    }
                }
            }
            record::end(buf, start);
            self.out.spill()?;
        }
        Ok(())
    }

    /// Flushes what is written.
    pub fn finish(mut self) -> Result<()> {
        self.out.finish()
    }
}

/// Appends the cells of `columns`, separated by commas, each neutralised.
fn render<'c>(fields: &Fields, out: &mut Vec<u8>, columns: &'c [String], cell: impl Fn(&'c str) -> Cow<'c, str>) {
    for (i, c) in columns.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        fields.cell(out, &cell(c));
    }
}

/// Appends the pair-dependent cells of `columns` for `p`, with `tally` for the checks columns.
fn rest(
    fields: &Fields,
    out: &mut Vec<u8>,
    columns: &[String],
    catalog: &str,
    info: &ControlInfo,
    p: &Pair,
    tally: &Tally,
) {
    let evidence = evidence_cells(std::iter::once(p));
    for (i, c) in columns.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let cell = match checks_cell(c, tally) {
            Some(n) => n,
            None => pair_cell(c, catalog, info, p, &evidence),
        };
        fields.cell(out, &cell);
    }
}

/// Whether the pair-dependent cells of `a` and `b` are the same: everything they are made of is
/// (the checks columns aside, which the caller keeps apart). Shared texts compare by address
/// first, evidence by identity (a piece is one shared value however many pairs show it).
fn same_rest(a: &Pair, b: &Pair) -> bool {
    // (`==` on two `Arc`s compares what they hold, however long, even when they are one value.)
    let same = |x: &Arc<str>, y: &Arc<str>| Arc::ptr_eq(x, y) || x == y;
    a.responsibility == b.responsibility
        && a.result == b.result
        && same(&a.provenance, &b.provenance)
        && same(&a.rationale, &b.rationale)
        && match (&a.owner, &b.owner) {
            (Some(x), Some(y)) => same(x, y),
            (x, y) => x.is_none() && y.is_none(),
        }
        && address::same_text(&a.status, &b.status)
        && address::same_text(&a.note, &b.note)
        && address::same_text(&a.statement, &b.statement)
        && a.evidence.len() == b.evidence.len()
        && a.evidence.iter().zip(b.evidence.iter()).all(|(x, y)| Arc::ptr_eq(x, y))
}

/// A hash of what [`same_rest`] compares, by address where texts are shared: pairs that agree
/// mostly hash alike; [`same_rest`] decides.
fn rest_hash(p: &Pair) -> u64 {
    let mut h = FxHasher::default();
    p.responsibility.hash(&mut h);
    std::mem::discriminant(&p.result).hash(&mut h);
    address::of(&p.provenance).hash(&mut h);
    address::of(&p.rationale).hash(&mut h);
    // Live pairs share an owner's text per service, not per team: hashed by what it says.
    p.owner.as_deref().hash(&mut h);
    (p.status.len(), p.note.len(), p.statement.len()).hash(&mut h);
    for e in p.evidence.iter() {
        address::of(e).hash(&mut h);
    }
    h.finish()
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
