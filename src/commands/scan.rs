//! `ctrlmap scan`: import a scanner's results as evidence (the file by hash, its findings as
//! observations mapped to controls and services), list the scans and show one.

use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};

use clap::{ArgGroup, Subcommand};
use serde_json::json;

use super::Ctx;
use crate::db::scans::{self, ObservationRow, ScanRow};
use crate::error::{Error, Result};
use crate::evidence::Store;
use crate::load::scan::{Imported, Request};
use crate::model::Vocabulary;
use crate::model::evidence::{Day, Span};
use crate::scan::Format;
use crate::support::output;

/// The catalogue scanners' control ids are read in unless told otherwise.
pub(crate) const DEFAULT_CATALOG: &str = "nist-800-53";

/// `--format`: a format, or `auto` to tell it by content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatArg {
    /// Tell the format by the file's content.
    Auto,
    /// This format.
    Is(Format),
}

fn format_arg(text: &str) -> std::result::Result<FormatArg, String> {
    if text.eq_ignore_ascii_case("auto") {
        return Ok(FormatArg::Auto);
    }
    Format::parse_name(text).map(FormatArg::Is).map_err(|e| {
        let names: Vec<&str> = Format::all().iter().map(|f| f.name()).collect();
        format!("{e} (or auto; one of auto, {})", names.join(", "))
    })
}

/// Scan commands.
#[derive(Debug, Subcommand)]
pub enum ScanCommand {
    /// Import a scanner's results file as one evidence item with its observations.
    ///
    /// Example: ctrlmap scan import findings.json --expires 30d
    ///
    /// Reads AWS Security Hub (ASFF), Prowler OCSF JSON and CSV, MITRE Heimdall (HDF) and OSCAL
    /// assessment results. Each finding maps to the controls it names, else to those a check map
    /// gives its check (`ctrlmap check-map import`), and to the service whose resource patterns
    /// match its resource (else organisation-wide). The file goes into the evidence store by
    /// hash; importing the same file again changes nothing. One transaction: a bad finding and
    /// nothing is imported.
    Import {
        /// The results file.
        file: PathBuf,
        /// auto, asff, ocsf, prowler-csv, hdf or oscal-ar.
        #[arg(long, default_value = "auto", value_parser = format_arg)]
        format: FormatArg,
        /// The catalogue the controls are in.
        #[arg(long, default_value = DEFAULT_CATALOG)]
        catalog: String,
        /// The day the evidence speaks for (YYYY-MM-DD) [default: the scan's date].
        #[arg(long, value_parser = Day::parse)]
        collected: Option<Day>,
        /// When it stops counting: a date, or a span from the collection day (30d, 12w, 6m, 1y).
        #[arg(long, allow_hyphen_values = true)]
        expires: Option<String>,
    },
    /// List imported scans.
    ///
    /// Example: ctrlmap scan list
    List,
    /// Show one scan and its observations.
    ///
    /// Example: ctrlmap scan show 3 --failed
    #[command(group(ArgGroup::new("which").args(["failed", "manual", "unmapped"])))]
    Show {
        /// Scan number (see `ctrlmap scan list`).
        id: i64,
        /// Only failed observations.
        #[arg(long)]
        failed: bool,
        /// Only observations a person must check by hand: what still needs evidence.
        #[arg(long)]
        manual: bool,
        /// Only what could not be mapped: findings on no control, resources on no service.
        #[arg(long)]
        unmapped: bool,
    },
}

impl ScanCommand {
    /// Runs the command.
    pub(crate) fn run(&self, ctx: &mut Ctx) -> Result<()> {
        match self {
            ScanCommand::Import {
                file,
                format,
                catalog,
                collected,
                expires,
            } => import(ctx, file, *format, catalog, *collected, expires.as_deref()),
            ScanCommand::List => list(ctx),
            ScanCommand::Show {
                id,
                failed,
                manual,
                unmapped,
            } => {
                let status = if *failed {
                    Some("failed")
                } else if *manual {
                    Some("manual")
                } else {
                    None
                };
                show(ctx, *id, status, *unmapped)
            }
        }
    }
}

/// The most of a file read to tell its format.
const HEAD: u64 = 1 << 20;

fn import(
    ctx: &mut Ctx,
    file: &Path,
    format: FormatArg,
    catalog: &str,
    collected: Option<Day>,
    expires: Option<&str>,
) -> Result<()> {
    // Everything that can be checked before the file is stored is checked first.
    if let Some(text) = expires {
        let checked = match collected {
            Some(day) => crate::model::evidence::parse_expiry(text, day).map(|_| ()),
            None => Day::parse(text).map(|_| ()).or_else(|_| Span::parse(text).map(|_| ())),
        };
        checked.map_err(|e| Error::Invalid(format!("--expires: {e}")))?;
    }
    crate::db::catalogs::get(ctx.db.conn(), catalog).map_err(|e| e.at("--catalog"))?;
    let source = super::source_name(file);
    super::open_input(file)?;
    // Stored first, hashed on the way: content imported before was stored before (`put.new` is
    // false), so a second import leaves the store as it was and reads the file once, not twice.
    let store = Store::beside(ctx.db.path());
    let put = store.put(file)?;
    if let Some(done) = scans::with_hash(ctx.db.conn(), &put.sha256)? {
        if put.new {
            let _ = store.remove(&put.sha256);
        }
        return already(ctx, &source, &done);
    }
    let result = store_scan(ctx, &store, &put, &source, file, format, catalog, collected, expires);
    let imported = match result {
        Ok(Some(imported)) => imported,
        Ok(None) => {
            // Imported by another process between the look above and the write.
            let done = scans::with_hash(ctx.db.conn(), &put.sha256)?
                .ok_or_else(|| Error::Invalid(format!("{source}: changed while it was imported; import it again")))?;
            return already(ctx, &source, &done);
        }
        Err(e) => {
            if put.new {
                // Nothing may stay behind a refused import; bytes that were already stored
                // belong to other evidence and stay.
                let _ = store.remove(&put.sha256);
            }
            return Err(e);
        }
    };
    print_imported(ctx, &source, &imported)
}

#[allow(clippy::too_many_arguments)]
fn store_scan(
    ctx: &mut Ctx,
    store: &Store,
    put: &crate::evidence::Put,
    source: &str,
    file: &Path,
    format: FormatArg,
    catalog: &str,
    collected: Option<Day>,
    expires: Option<&str>,
) -> Result<Option<Imported>> {
    let stored = store.path_of(&put.sha256)?;
    let open = || std::fs::File::open(&stored).map_err(|e| Error::io(stored.display(), e));
    let format = match format {
        FormatArg::Is(f) => f,
        FormatArg::Auto => {
            let mut head = Vec::new();
            open()?
                .take(HEAD)
                .read_to_end(&mut head)
                .map_err(|e| Error::io(stored.display(), e))?;
            crate::scan::detect(source, &head)?
        }
    };
    let original_name = file
        .file_name()
        .map_or_else(|| source.to_string(), |n| n.to_string_lossy().into_owned());
    let req = Request {
        source,
        original_name: &original_name,
        sha256: &put.sha256,
        size: put.size,
        format,
        catalog,
        collected,
        expires,
        today: ctx.today,
    };
    let mut input = BufReader::with_capacity(1 << 16, open()?);
    ctx.db.write(&ctx.actor, |w| {
        if scans::with_hash(w, &put.sha256)?.is_some() {
            return Ok(None);
        }
        crate::load::scan::import(w, &req, &mut input).map(Some)
    })
}

fn already(ctx: &Ctx, source: &str, done: &ScanRow) -> Result<()> {
    if ctx.json {
        return output::print_json(
            &mut output::stdout(),
            &json!({ "already_imported": true, "scan": done.id, "evidence": done.evidence, "sha256": done.sha256 }),
        );
    }
    writeln!(
        output::note(),
        "{source}: already imported as scan {} (evidence {}, sha256 {}); nothing changed",
        done.id,
        done.evidence,
        done.sha256
    )?;
    Ok(())
}

fn print_imported(ctx: &Ctx, source: &str, i: &Imported) -> Result<()> {
    let mut out = output::stdout();
    if ctx.json {
        return output::print_json(&mut out, i);
    }
    let c = &i.counts;
    writeln!(
        out,
        "imported {source} as scan {} (evidence {}, pending review): {} {} findings, scanned {}",
        i.scan, i.evidence, c.findings, i.tool, i.scanned_at
    )?;
    writeln!(
        out,
        "  status: {} passed, {} failed, {} manual, {} not applicable, {} error",
        c.passed, c.failed, c.manual, c.not_applicable, c.error
    )?;
    writeln!(
        out,
        "  mapped: {} observations on {} controls and {} services ({} findings through a check map)",
        i.observations, i.controls, i.services, i.via_check_map
    )?;
    writeln!(
        out,
        "  not mapped: {} findings name no control of the catalogue; {} on resources no service claims (organisation-wide)",
        c.unmapped_controls, c.unmapped_resources
    )?;
    if !i.not_in_catalog.is_empty() {
        writeln!(out, "  controls not in the catalogue: {}", i.not_in_catalog.join(", "))?;
    }
    if i.superseded > 0 {
        writeln!(
            out,
            "  superseded {} older observations of the same checks and resources",
            i.superseded
        )?;
    }
    let until = i
        .valid_until
        .as_deref()
        .map_or(String::new(), |d| format!(", valid until {d}"));
    writeln!(
        out,
        "  collected {}{until}; see `ctrlmap scan show {} --unmapped`",
        i.collected, i.scan
    )?;
    Ok(())
}

fn list(ctx: &Ctx) -> Result<()> {
    let list = scans::list(ctx.db.conn())?;
    let mut out = output::stdout();
    if ctx.json {
        return output::print_json(&mut out, &list);
    }
    let rows = list.iter().map(|s| {
        vec![
            s.id.to_string(),
            s.evidence.to_string(),
            s.tool.clone(),
            s.format.clone(),
            s.scanned_at.clone(),
            crate::text::one_line(&s.file).into_owned(),
            s.counts.findings.to_string(),
            s.counts.passed.to_string(),
            s.counts.failed.to_string(),
            s.counts.manual.to_string(),
            s.counts.unmapped_controls.to_string(),
            s.counts.unmapped_resources.to_string(),
            review_state(s, ctx.today),
        ]
    });
    let headers = [
        "scan",
        "evidence",
        "tool",
        "format",
        "scanned",
        "file",
        "findings",
        "passed",
        "failed",
        "manual",
        "no control",
        "no service",
        "status",
    ];
    output::print_table(&mut out, &output::table(&headers, rows))
}

fn review_state(s: &ScanRow, today: Day) -> String {
    match s.valid_until {
        Some(d) if d < today => format!("{} (expired {d})", s.status),
        Some(d) => format!("{} (until {d})", s.status),
        None => s.status.to_string(),
    }
}

fn show(ctx: &Ctx, id: i64, status: Option<&str>, unmapped: bool) -> Result<()> {
    let conn = ctx.db.conn();
    let scan = scans::get(conn, id)?;
    let filter = scans::Filter {
        scan: Some(id),
        status,
        unmapped,
        ..scans::Filter::default()
    };
    let rows = scans::observations(conn, &filter)?;
    let mut out = output::stdout();
    if ctx.json {
        return output::print_json(&mut out, &json!({ "scan": scan, "observations": rows }));
    }
    let c = &scan.counts;
    output::print_fields(
        &mut out,
        &[
            ("scan", scan.id.to_string()),
            (
                "evidence",
                format!("{} ({})", scan.evidence, review_state(&scan, ctx.today)),
            ),
            ("file", crate::text::one_line(&scan.file).into_owned()),
            ("sha256", scan.sha256.clone()),
            (
                "tool",
                match &scan.tool_version {
                    Some(v) => format!("{} {v}", scan.tool),
                    None => scan.tool.clone(),
                },
            ),
            ("format", scan.format.clone()),
            ("catalog", scan.catalog.clone()),
            ("scanned", scan.scanned_at.clone()),
            ("collected", scan.collected.to_string()),
            (
                "findings",
                format!(
                    "{} ({} passed, {} failed, {} manual, {} not applicable, {} error)",
                    c.findings, c.passed, c.failed, c.manual, c.not_applicable, c.error
                ),
            ),
            (
                "not mapped",
                format!(
                    "{} findings on no control, {} on no service (organisation-wide)",
                    c.unmapped_controls, c.unmapped_resources
                ),
            ),
        ],
    )?;
    writeln!(out)?;
    output::print_table(&mut out, &observation_table(&rows, false))
}

/// Observations as a table; `with_scan` adds the scan column (for lists across scans).
pub(crate) fn observation_table(rows: &[ObservationRow], with_scan: bool) -> comfy_table::Table {
    let mut headers = vec![
        "control",
        "service",
        "resource",
        "check",
        "status",
        "source status",
        "mapped by",
    ];
    if with_scan {
        headers.insert(0, "scan");
    }
    let body = rows.iter().map(|o| {
        let control = match (&o.control, &o.part) {
            (Some(c), Some(p)) => format!("{c} ({p})"),
            (Some(c), None) => c.clone(),
            (None, _) => "(unmapped)".into(),
        };
        let mut status = o.status.clone();
        if let Some(by) = o.superseded_by {
            status.push_str(&format!(" (superseded by scan {by})"));
        }
        let mut row = vec![
            control,
            o.service.clone().unwrap_or_else(|| "(organisation-wide)".into()),
            crate::text::one_line(&o.resource).into_owned(),
            crate::text::one_line(&o.check).into_owned(),
            status,
            crate::text::one_line(&o.source_status).into_owned(),
            crate::text::one_line(&o.mapping).into_owned(),
        ];
        if with_scan {
            row.insert(0, o.scan.to_string());
        }
        row
    });
    output::table(&headers, body)
}
