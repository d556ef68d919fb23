//! `ctrlmap evidence`: add evidence for controls, link it, review it, verify and export it.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{ArgGroup, Args, Subcommand};
use serde_json::json;

use super::Ctx;
use super::responsibility::target;
use crate::db::evidence::{self as store_db, Evidence, Review};
use crate::db::{catalogs, services};
use crate::error::{Error, Result};
use crate::evidence::{Check, Store};
use crate::model::evidence::{Day, Freshness, ReviewStatus, Span, freshness};
use crate::support::output;

mod add;
mod draft;
mod inspect;

use add::import;
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
        let ids: Vec<i64> = list.iter().map(|e| e.id).collect();
        let all_links = store_db::links_for(conn, &ids)?;
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
