//! `ctrlmap evidence`: add evidence for controls, link it, review it, verify and export it.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{ArgGroup, Args, Subcommand};
use serde::Serialize;
use serde_json::json;

use super::Ctx;
use super::responsibility::target;
use crate::db::catalogs::ControlRow;
use crate::db::evidence::{self as store_db, Evidence, Review};
use crate::db::services::ServiceRow;
use crate::db::{Writer, catalogs, services};
use crate::error::{Error, Result};
use crate::evidence::{Check, Put, Store};
use crate::import::CsvFile;
use crate::import::csv_file::Columns;
use crate::model::evidence::{Day, EvidenceKind, Freshness, ReviewStatus, Span, freshness, parse_expiry};
use crate::support::output;

mod inspect;

use inspect::{show, verify};

/// Evidence commands.
#[derive(Debug, Subcommand)]
pub enum EvidenceCommand {
    /// Add evidence for a control: a file (hashed and kept in the store), a --url or a --note.
    ///
    /// Example: ctrlmap evidence add SRM-PATCH --service orders-db ./patch-report.pdf --title "November patch compliance" --collected 2026-11-20 --expires 90d
    Add(Add),
    /// Register many pieces of evidence from a CSV file in one transaction: all or nothing.
    ///
    /// Columns: control (required), service, catalog, title, url, note, file, collected, expires.
    /// Each row is a file (a path relative to the CSV file), a url, or a note alone; expires is
    /// a date or a span from collected, as for `evidence add`.
    ///
    /// Example: ctrlmap evidence import ./evidence.csv
    Import {
        /// The CSV file.
        file: PathBuf,
    },
    /// Link existing evidence to another control (one piece of evidence can serve several).
    ///
    /// Example: ctrlmap evidence link 12 SRM-CONFIG
    Link(LinkArgs),
    /// Remove a link between evidence and a control.
    ///
    /// Example: ctrlmap evidence unlink 12 SRM-CONFIG
    Unlink(LinkArgs),
    /// List evidence, filtered by control, service, team, review status or expiry.
    ///
    /// Example: ctrlmap evidence list --control SRM-PATCH --expiring 30d
    List(List),
    /// Show one piece of evidence: metadata, hash, links and review history.
    ///
    /// Example: ctrlmap evidence show 12
    Show {
        /// Evidence number.
        id: i64,
    },
    /// Accept or reject evidence; the submitter can never accept their own.
    ///
    /// Example: ctrlmap evidence review 12 --accept --note "matches change tickets"
    #[command(group(ArgGroup::new("decision").required(true).args(["accept", "reject"])))]
    Review {
        /// Evidence number.
        id: i64,
        /// Accept it: it counts for its controls until it expires.
        #[arg(long)]
        accept: bool,
        /// Reject it (a --note saying why is required).
        #[arg(long)]
        reject: bool,
        /// The reviewer's note.
        #[arg(long, default_value = "", allow_hyphen_values = true)]
        note: String,
    },
    /// Re-hash every stored file; name each missing or altered one (exit 1 if any).
    ///
    /// Example: ctrlmap evidence verify
    Verify,
    /// Write the stored bytes of file evidence to a new file, verified on the way out (exit 3 if altered).
    ///
    /// Example: ctrlmap evidence export 12 --out ./copy.pdf
    Export {
        /// Evidence number.
        id: i64,
        /// Where to write it (must not exist).
        #[arg(long)]
        out: PathBuf,
    },
    /// Print the SHA-256 a file would be stored under, without storing it.
    ///
    /// Example: ctrlmap evidence hash ./patch-report.pdf
    Hash {
        /// The file.
        file: PathBuf,
    },
}

/// Arguments of `evidence add`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("what").required(true).multiple(true).args(["file", "url", "note"])))]
pub struct Add {
    /// Control key, or CATALOG:KEY.
    pub control: String,
    /// A file to store as evidence.
    pub file: Option<PathBuf>,
    /// A link to the evidence instead of a file (http or https).
    #[arg(long, conflicts_with = "file")]
    pub url: Option<String>,
    /// A written statement as evidence, or a note on a file or URL.
    #[arg(long, allow_hyphen_values = true)]
    pub note: Option<String>,
    /// The service it is for; without it, it is for the control organisation-wide.
    #[arg(long)]
    pub service: Option<String>,
    /// Catalogue, when the control key is in several.
    #[arg(long)]
    pub catalog: Option<String>,
    /// A short title [default: the file name, the URL or the note's start].
    #[arg(long)]
    pub title: Option<String>,
    /// The date the evidence speaks for (YYYY-MM-DD) [default: today].
    #[arg(long, value_parser = Day::parse)]
    pub collected: Option<Day>,
    /// When it stops counting: a date, or a duration from --collected (90d, 12w, 6m, 1y).
    #[arg(long, allow_hyphen_values = true)]
    pub expires: Option<String>,
}

/// Arguments of `evidence link` and `unlink`.
#[derive(Debug, Args)]
pub struct LinkArgs {
    /// Evidence number.
    pub id: i64,
    /// Control key, or CATALOG:KEY.
    pub control: String,
    /// The service; without it, the link is organisation-wide.
    #[arg(long)]
    pub service: Option<String>,
    /// Catalogue, when the control key is in several.
    #[arg(long)]
    pub catalog: Option<String>,
}

/// Arguments of `evidence list`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("state").args(["pending", "accepted", "rejected", "expired", "expiring"])))]
pub struct List {
    /// Only evidence linked to this control.
    #[arg(long)]
    pub control: Option<String>,
    /// Only evidence linked to this service.
    #[arg(long)]
    pub service: Option<String>,
    /// Only evidence for this team's services or controls.
    #[arg(long)]
    pub team: Option<String>,
    /// Only evidence awaiting review.
    #[arg(long)]
    pub pending: bool,
    /// Only accepted evidence.
    #[arg(long)]
    pub accepted: bool,
    /// Only rejected evidence.
    #[arg(long)]
    pub rejected: bool,
    /// Only evidence past its expiry date.
    #[arg(long)]
    pub expired: bool,
    /// Only evidence expiring within this span from today (e.g. 30d).
    #[arg(long, value_name = "SPAN", value_parser = Span::parse)]
    pub expiring: Option<Span>,
}

impl EvidenceCommand {
    /// Runs the command.
    pub(crate) fn run(&self, ctx: &mut Ctx) -> Result<()> {
        match self {
            EvidenceCommand::Add(a) => a.run(ctx),
            EvidenceCommand::Import { file } => import(ctx, file),
            EvidenceCommand::Link(l) => l.run(ctx, true),
            EvidenceCommand::Unlink(l) => l.run(ctx, false),
            EvidenceCommand::List(l) => l.run(ctx),
            EvidenceCommand::Show { id } => show(ctx, *id),
            EvidenceCommand::Review { id, accept, note, .. } => review(ctx, *id, *accept, note),
            EvidenceCommand::Verify => verify(ctx),
            EvidenceCommand::Export { id, out } => {
                let e = store_db::get(ctx.db.conn(), *id)?;
                let Some(sha) = &e.sha256 else {
                    return Err(Error::Invalid(format!("evidence {id} is a {}, not a file", e.kind)));
                };
                let size = Store::beside(ctx.db.path()).export(sha, out)?;
                writeln!(
                    output::note(),
                    "wrote {} ({size} bytes, sha256 {sha} verified)",
                    out.display()
                )?;
                Ok(())
            }
            EvidenceCommand::Hash { file } => hash(file),
        }
    }
}

/// `evidence hash`: needs no database.
pub(crate) fn hash(file: &Path) -> Result<()> {
    let (sha, size) = crate::evidence::hash_file(file)?;
    writeln!(output::note(), "{sha}  {size} bytes  {}", file.display())?;
    Ok(())
}

/// A URL we accept as evidence: http(s), a host, no spaces or control characters.
fn check_url(name: &str, url: &str) -> Result<String> {
    let url = url.trim();
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
    let host = rest.map(|r| r.split(['/', '?', '#']).next().unwrap_or(""));
    match host {
        Some(h) if !h.is_empty() && !url.chars().any(|c| c.is_whitespace() || c.is_control()) => Ok(url.to_string()),
        _ => Err(Error::Invalid(format!(
            "{name} \"{url}\" is not an http(s) URL with a host, e.g. https://wiki.example.com/page"
        ))),
    }
}

/// Text shown for people: control characters made visible, long text cut.
fn clean(text: &str, max: usize) -> String {
    let flat: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let flat = flat.trim();
    if flat.chars().count() > max {
        format!("{}...", flat.chars().take(max.saturating_sub(3)).collect::<String>())
    } else {
        flat.to_string()
    }
}

/// One piece of evidence as given, on the command line or in a CSV row.
struct Spec<'a> {
    control: &'a str,
    catalog: Option<&'a str>,
    service: Option<&'a str>,
    file: Option<&'a Path>,
    url: Option<&'a str>,
    note: Option<&'a str>,
    title: Option<&'a str>,
    collected: Option<Day>,
    expires: Option<&'a str>,
    /// What the url, note, title and expires fields are called in messages.
    names: &'a Names,
}

/// Field names for messages: flags for `evidence add`, columns for `evidence import`.
struct Names {
    url: &'static str,
    note: &'static str,
    title: &'static str,
    expires: &'static str,
}

const FLAGS: Names = Names {
    url: "--url",
    note: "--note",
    title: "--title",
    expires: "--expires",
};

const COLUMNS: Names = Names {
    url: "column \"url\"",
    note: "column \"note\"",
    title: "column \"title\"",
    expires: "column \"expires\"",
};

/// Evidence checked and ready to store: nothing is written until every draft is good.
struct Draft {
    control: ControlRow,
    service: Option<ServiceRow>,
    file: Option<PathBuf>,
    evidence: Evidence,
}

/// Checks a spec against the database without writing anything.
fn draft(ctx: &Ctx, spec: &Spec<'_>) -> Result<Draft> {
    let names = spec.names;
    let (control, service) = target(ctx, spec.control, spec.catalog, spec.service)?;
    let collected = spec.collected.unwrap_or(ctx.today);
    let valid_until = spec
        .expires
        .map(|text| parse_expiry(text, collected).map_err(|e| Error::Invalid(format!("{}: {e}", names.expires))))
        .transpose()?;
    let url = spec.url.map(|u| check_url(names.url, u)).transpose()?;
    let note = super::check_text(names.note, spec.note.unwrap_or(""), true)?;
    let given_title = spec
        .title
        .map(|t| super::check_text(names.title, t, false))
        .transpose()?;
    let kind = match (spec.file, &url) {
        (Some(_), _) => EvidenceKind::File,
        (None, Some(_)) => EvidenceKind::Url,
        (None, None) if !note.is_empty() => EvidenceKind::Note,
        (None, None) => return Err(Error::Invalid(format!("{} must not be empty", names.note))),
    };
    let original_name = spec
        .file
        .and_then(Path::file_name)
        .map(|n| n.to_string_lossy().into_owned());
    let title = match (given_title, &original_name, &url) {
        (Some(t), _, _) => t,
        (None, Some(name), _) => clean(name, 200),
        (None, None, Some(u)) => clean(u, 200),
        (None, None, None) => clean(&note, 60),
    };
    if title.is_empty() {
        return Err(Error::Invalid(format!("{} must not be empty", names.title)));
    }
    if let Some(path) = spec.file {
        // The store checks these too; checking here as well means a bad row of an import is
        // refused before any file of the good rows is stored.
        match std::fs::symlink_metadata(path) {
            Err(_) => return Err(Error::Invalid(format!("{}: no such file", path.display()))),
            Ok(m) if m.file_type().is_symlink() => {
                return Err(Error::Invalid(format!(
                    "{}: is a symbolic link; pass the file itself so the evidence is what you see",
                    path.display()
                )));
            }
            Ok(m) if !m.is_file() => {
                return Err(Error::Invalid(format!("{}: is not a regular file", path.display())));
            }
            Ok(_) => {}
        }
    }
    let evidence = Evidence {
        id: 0,
        kind,
        title,
        sha256: None,
        size: None,
        media_type: original_name
            .as_deref()
            .map(|n| crate::evidence::media_type(n).to_string()),
        original_name,
        url,
        note,
        collected_on: collected,
        valid_until,
        submitted_by: ctx.actor.clone(),
        submitted_at: crate::support::clock::now_rfc3339(),
        status: ReviewStatus::Pending,
    };
    Ok(Draft {
        control,
        service,
        file: spec.file.map(Path::to_path_buf),
        evidence,
    })
}

/// Stores a draft's file, if it has one, and notes its hash and size.
fn store_file(store: &Store, d: &mut Draft) -> Result<Option<Put>> {
    let Some(path) = &d.file else { return Ok(None) };
    let put = store.put(path)?;
    d.evidence.sha256 = Some(put.sha256.clone());
    d.evidence.size = Some(i64::try_from(put.size).unwrap_or(i64::MAX));
    Ok(Some(put))
}

/// Records a draft: the evidence row, its link and the audit entry. Returns the new id and the
/// earlier evidence with the same content.
fn save(w: &Writer<'_>, d: &Draft, extra: Option<(&str, serde_json::Value)>) -> Result<(i64, Vec<i64>)> {
    let same = match &d.evidence.sha256 {
        Some(sha) => store_db::with_hash(w, sha)?,
        None => Vec::new(),
    };
    let id = store_db::insert(w, &d.evidence)?;
    store_db::link(
        w,
        id,
        d.control.id,
        d.service.as_ref().map(|s| s.id),
        w.actor(),
        &d.evidence.submitted_at,
    )?;
    let mut details = serde_json::to_value(&d.evidence).map_err(std::io::Error::from)?;
    details["id"] = json!(id);
    details["control"] = json!(format!("{}:{}", d.control.catalog, d.control.control.key));
    details["service"] = json!(d.service.as_ref().map(|s| s.service.name.clone()));
    if let Some((key, value)) = extra {
        details[key] = value;
    }
    w.audit("evidence.add", &format!("evidence:{id}"), details)?;
    Ok((id, same))
}

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
fn import(ctx: &mut Ctx, file: &Path) -> Result<()> {
    let source = super::source_name(file);
    let input = super::open_input(file)?;
    let csv = CsvFile::read(&source, input, IMPORT_COLUMNS)?;
    let base = file.parent().unwrap_or(Path::new(""));
    let mut drafts = Vec::new();
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
        drafts.push((row.line(), draft(ctx, &spec).map_err(|e| e.at(row.location()))?));
    }
    let store = Store::beside(ctx.db.path());
    for (line, d) in &mut drafts {
        store_file(&store, d).map_err(|e| e.at(format!("{source} line {line}")))?;
    }
    let written = ctx.db.write(&ctx.actor, |w| {
        let mut done = Imported::default();
        for (line, d) in &drafts {
            let from = json!(format!("{source} line {line}"));
            let (id, _) =
                save(w, d, Some(("imported_from", from))).map_err(|e| e.at(format!("{source} line {line}")))?;
            done.added += 1;
            match d.evidence.kind {
                EvidenceKind::File => done.files += 1,
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

impl LinkArgs {
    fn run(&self, ctx: &mut Ctx, add: bool) -> Result<()> {
        let e = store_db::get(ctx.db.conn(), self.id)?;
        let (control, service) = target(ctx, &self.control, self.catalog.as_deref(), self.service.as_deref())?;
        let service_id = service.as_ref().map(|s| s.id);
        let on = service
            .as_ref()
            .map_or("organisation-wide".to_string(), |s| format!("on {}", s.service.name));
        ctx.db.write(&ctx.actor, |w| {
            let changed = if add {
                store_db::link(
                    w,
                    e.id,
                    control.id,
                    service_id,
                    w.actor(),
                    &crate::support::clock::now_rfc3339(),
                )?
            } else {
                store_db::unlink(w, e.id, control.id, service_id)?
            };
            if !changed {
                let what = if add { "already linked to" } else { "not linked to" };
                return Err(Error::Invalid(format!(
                    "evidence {} is {what} {} {on}",
                    e.id, control.control.key
                )));
            }
            let action = if add { "evidence.link" } else { "evidence.unlink" };
            let details = json!({
                "control": format!("{}:{}", control.catalog, control.control.key),
                "service": service.as_ref().map(|s| s.service.name.clone()),
            });
            w.audit(action, &format!("evidence:{}", e.id), details)
        })?;
        let verb = if add { "linked" } else { "unlinked" };
        writeln!(
            output::note(),
            "{verb} evidence {} and {} {on}",
            e.id,
            control.control.key
        )?;
        Ok(())
    }
}

impl List {
    fn run(&self, ctx: &mut Ctx) -> Result<()> {
        let conn = ctx.db.conn();
        let control = self
            .control
            .as_deref()
            .map(|k| catalogs::find_control(conn, k, None))
            .transpose()?;
        let service = self.service.as_deref().map(|s| services::get(conn, s)).transpose()?;
        if let Some(team) = &self.team {
            crate::db::teams::id(conn, team)?;
        }
        let status = if self.pending {
            Some(ReviewStatus::Pending)
        } else if self.accepted {
            Some(ReviewStatus::Accepted)
        } else if self.rejected {
            Some(ReviewStatus::Rejected)
        } else {
            None
        };
        let filter = store_db::Filter {
            control: control.as_ref().map(|c| c.id),
            service: service.as_ref().map(|s| s.id),
            team: self.team.as_deref(),
            status,
        };
        let today = ctx.today;
        let window = match self.expiring {
            Some(span) => span.days_from(today).unwrap_or(i64::MAX),
            None => 0,
        };
        let list: Vec<Evidence> = store_db::list(conn, &filter)?
            .into_iter()
            .filter(|e| !self.expired || freshness(e.valid_until, today, 0) == Freshness::Expired)
            .filter(|e| self.expiring.is_none() || freshness(e.valid_until, today, window) == Freshness::Expiring)
            .collect();
        let all_links = store_db::all_links(conn)?;
        let mut out = output::stdout();
        if ctx.json {
            let rows: Vec<_> = list
                .iter()
                .map(|e| {
                    let links = all_links.get(&e.id).cloned().unwrap_or_default();
                    Ok(json!({ "evidence": e, "freshness": freshness(e.valid_until, today, 0), "links": links }))
                })
                .collect::<Result<_>>()?;
            return output::print_json(&mut out, &rows);
        }
        let mut rows = Vec::new();
        for e in &list {
            let links = all_links.get(&e.id).cloned().unwrap_or_default();
            let links: Vec<String> = links
                .iter()
                .map(|l| match &l.service {
                    Some(s) => format!("{}@{s}", l.control),
                    None => l.control.clone(),
                })
                .collect();
            let expires = match (e.valid_until, freshness(e.valid_until, today, 0)) {
                (None, _) => "-".to_string(),
                (Some(d), Freshness::Expired) => format!("{d} (expired)"),
                (Some(d), _) => d.to_string(),
            };
            rows.push(vec![
                e.id.to_string(),
                e.kind.to_string(),
                clean(&e.title, 60),
                e.collected_on.to_string(),
                expires,
                e.status.to_string(),
                links.join(", "),
            ]);
        }
        let headers = ["id", "kind", "title", "collected", "expires", "status", "controls"];
        output::print_table(&mut out, &output::table(&headers, rows))
    }
}

pub(crate) fn review(ctx: &mut Ctx, id: i64, accept: bool, note: &str) -> Result<()> {
    let e = store_db::get(ctx.db.conn(), id)?;
    let note = super::check_text("--note", note, true)?;
    let note = note.as_str();
    if accept && crate::model::actor::same_actor(&e.submitted_by, &ctx.actor) {
        return Err(Error::Invalid(format!(
            "evidence {id} was submitted by {}: the submitter cannot accept their own evidence (separation of duties); ask another reviewer",
            e.submitted_by
        )));
    }
    if !accept && note.is_empty() {
        return Err(Error::Invalid("a rejection needs a --note saying why".into()));
    }
    // Accept only the very bytes that were submitted.
    if accept && let Some(sha) = &e.sha256 {
        match Store::beside(ctx.db.path()).check(sha)? {
            Check::Intact => {}
            problem => {
                return Err(Error::Integrity(format!(
                    "evidence {id}: stored file {} is {problem:?}; it cannot be accepted",
                    &sha[..12]
                )));
            }
        }
    }
    let decision = if accept {
        ReviewStatus::Accepted
    } else {
        ReviewStatus::Rejected
    };
    ctx.db.write(&ctx.actor, |w| {
        let r = Review {
            decision,
            reviewer: w.actor().to_string(),
            at: crate::support::clock::now_rfc3339(),
            note: note.to_string(),
        };
        store_db::review(w, id, &r)?;
        w.audit(
            "evidence.review",
            &format!("evidence:{id}"),
            json!({ "old": e.status, "new": decision, "note": note }),
        )
    })?;
    writeln!(output::note(), "evidence {id} {decision} by {}", ctx.actor)?;
    Ok(())
}
