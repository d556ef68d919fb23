//! `ctrlmap gaps`: what an auditor would flag; exit 1 when there is anything.

use std::collections::BTreeSet;
use std::io::Write;

use clap::Args;

use super::Ctx;
use crate::error::{Error, Result};
use crate::estate::gaps::{self, GapKind, Run};
use crate::model::evidence::Span;
use crate::support::output;

/// Lists shared and customer controls without an owner or without counting evidence (accepted,
/// linked, unexpired), undetermined controls, evidence expiring soon, and overdue POA&M items.
/// Exit 1 if any.
///
/// Example: ctrlmap gaps --team data-platform --within 60d
#[derive(Debug, Args)]
pub struct Gaps {
    /// Only gaps owned by this team.
    #[arg(long)]
    pub team: Option<String>,
    /// Catalogue to check.
    #[arg(long, default_value = "srm")]
    pub catalog: String,
    /// Flag accepted evidence that expires within this span (e.g. 30d, 12w).
    #[arg(long, default_value = "30d", value_parser = Span::parse)]
    pub within: Span,
}

impl Gaps {
    /// Runs the command.
    pub(crate) fn run(&self, ctx: &mut Ctx) -> Result<()> {
        let conn = ctx.db.conn();
        if let Some(team) = &self.team {
            crate::db::teams::id(conn, team)?;
        }
        let opts = gaps::Options {
            catalog: &self.catalog,
            today: ctx.today,
            within_days: self.within.days_from(ctx.today).unwrap_or(i64::MAX),
            team: self.team.as_deref(),
        };
        let mut out = output::stdout();
        let mut total: u64 = 0;
        let mut kinds = BTreeSet::new();
        let mut listed: Vec<Vec<String>> = Vec::new();
        let mut groups: Vec<Group> = Vec::new();
        let mut listed_json = false;
        if ctx.json {
            // Streamed: one gap per line inside one JSON array.
            out.write_all(b"[")?;
        }
        gaps::find(conn, &opts, |run| {
            let g = run.gap;
            total += run.count() as u64;
            kinds.insert(g.kind);
            if ctx.json {
                return run.each(|g| {
                    out.write_all(if listed_json { b",\n  " } else { b"\n  " })?;
                    listed_json = true;
                    serde_json::to_writer(&mut out, g).map_err(std::io::Error::from)?;
                    Ok(())
                });
            }
            if listed.len() < LIST_AT_MOST {
                run.each(|g| {
                    if listed.len() < LIST_AT_MOST {
                        listed.push(vec![
                            g.kind.as_str().to_string(),
                            g.control.to_string(),
                            g.service.unwrap_or("(organisation)").to_string(),
                            g.responsibility.to_string(),
                            g.team.unwrap_or_default().to_string(),
                            g.detail.to_string(),
                        ]);
                    }
                    Ok(())
                })?;
            }
            group(&mut groups, run);
            Ok(())
        })?;
        // Overdue POA&M items: a plan that slipped is a gap too.
        let filter = crate::estate::poam::Filter {
            catalog: Some(&self.catalog),
            evaluation: None,
            team: self.team.as_deref(),
        };
        let overdue = crate::estate::poam::overdue(conn, &filter, ctx.today)?;
        if ctx.json {
            for (n, s) in overdue.iter().enumerate() {
                out.write_all(if total == 0 && n == 0 { b"\n  " } else { b",\n  " })?;
                serde_json::to_writer(&mut out, &OverdueGap::of(s, ctx.today)).map_err(std::io::Error::from)?;
            }
            let any = total > 0 || !overdue.is_empty();
            out.write_all(if any { b"\n]\n" } else { b"]\n" })?;
        } else if total == 0 {
            if overdue.is_empty() {
                writeln!(out, "no gaps in {} as of {}", self.catalog, ctx.today)?;
            }
        } else if total <= LIST_AT_MOST as u64 {
            let headers = ["gap", "control", "service", "responsibility", "team", "detail"];
            output::print_table(&mut out, &output::table(&headers, listed))?;
        } else {
            // Too many to read one by one: one row per control and kind of gap.
            let rows = groups.iter().map(Group::row).collect();
            let headers = ["gap", "control", "title", "services", "teams", "for example"];
            output::print_rows(&mut out, &headers, rows)?;
            writeln!(
                out,
                "{total} gaps in {} rows by control and kind; `--json` lists each one, `--team` narrows to one team",
                groups.len()
            )?;
        }
        if !ctx.json && !overdue.is_empty() {
            if total > 0 {
                writeln!(out)?;
            }
            let rows = overdue.iter().map(|s| {
                vec![
                    s.item.id.to_string(),
                    s.item.control.clone(),
                    s.item.kind.to_string(),
                    s.item.owner.clone().unwrap_or_else(|| "(none)".into()),
                    s.item.due.to_string(),
                    s.days_overdue(ctx.today).to_string(),
                ]
            });
            let headers = ["POA&M item", "control", "finding", "owner", "due", "days overdue"];
            output::print_table(&mut out, &output::table(&headers, rows))?;
            writeln!(
                out,
                "{} POA&M items overdue as of {} (ctrlmap poam list --overdue)",
                overdue.len(),
                ctx.today
            )?;
        }
        if total == 0 && overdue.is_empty() {
            return Ok(());
        }
        out.flush()?;
        let mut kinds: Vec<&str> = kinds.iter().map(|k: &GapKind| k.as_str()).collect();
        if !overdue.is_empty() {
            kinds.push(OVERDUE);
        }
        Err(Error::CheckFailed(format!(
            "{} gaps found ({})",
            total + overdue.len() as u64,
            kinds.join(", ")
        )))
    }
}

/// The kind of gap an overdue POA&M item is.
const OVERDUE: &str = "overdue-poam";

/// An overdue POA&M item among the gaps of `--json`: the gap's fields where they apply, and the
/// item's number, services and due date.
#[derive(serde::Serialize)]
struct OverdueGap<'a> {
    kind: &'static str,
    control: &'a str,
    title: &'a str,
    service: Option<&'a str>,
    services: &'a [String],
    team: Option<&'a str>,
    poam: i64,
    finding: &'a str,
    due: crate::model::evidence::Day,
    days_overdue: i64,
    detail: String,
}

impl<'a> OverdueGap<'a> {
    fn of(s: &'a crate::estate::poam::Standing, today: crate::model::evidence::Day) -> OverdueGap<'a> {
        let days = s.days_overdue(today);
        OverdueGap {
            kind: OVERDUE,
            control: &s.item.control,
            title: &s.item.title,
            service: None,
            services: &s.item.services,
            team: s.item.owner.as_deref(),
            poam: s.item.id,
            finding: s.item.kind.as_str(),
            due: s.item.due,
            days_overdue: days,
            detail: format!(
                "POA&M item {} ({}) was due {}: {days} days overdue",
                s.item.id, s.item.kind, s.item.due
            ),
        }
    }
}

/// Up to this many gaps are listed one per row; more are grouped by control and kind.
const LIST_AT_MOST: usize = 200;

/// The gaps of one kind on one control, for the grouped table.
struct Group {
    kind: GapKind,
    control: String,
    title: String,
    count: u64,
    organisation: bool,
    services: Vec<String>,
    teams: BTreeSet<String>,
    detail: String,
}

/// Counts `run` into its group. Gaps arrive control by control, so only the groups of the current
/// control (at most one per kind, at the end of the list) need searching.
fn group(groups: &mut Vec<Group>, run: &Run<'_, '_>) {
    let g = run.gap;
    let recent = groups.len().saturating_sub(4);
    let found = groups[recent..]
        .iter_mut()
        .find(|x| x.kind == g.kind && x.control == g.control);
    let x = match found {
        Some(x) => x,
        None => {
            groups.push(Group {
                kind: g.kind,
                control: g.control.to_string(),
                title: g.title.to_string(),
                count: 0,
                organisation: false,
                services: Vec::new(),
                teams: BTreeSet::new(),
                detail: g.detail.to_string(),
            });
            groups.last_mut().expect("just pushed")
        }
    };
    x.count += run.count() as u64;
    if run.services.is_empty() {
        x.organisation = true;
    }
    for s in run.services.iter().take(3usize.saturating_sub(x.services.len())) {
        x.services.push(s.to_string());
    }
    if let Some(t) = g.team
        && !x.teams.contains(t)
    {
        x.teams.insert(t.to_string());
    }
}

impl Group {
    fn row(&self) -> Vec<String> {
        let mut services = if self.organisation {
            "(organisation)".to_string()
        } else {
            self.count.to_string()
        };
        if !self.services.is_empty() {
            let more = if self.count > self.services.len() as u64 {
                ", ..."
            } else {
                ""
            };
            services = format!("{services}: {}{more}", self.services.join(", "));
        }
        let teams = match self.teams.len() {
            0 => "(none)".to_string(),
            1..=3 => self.teams.iter().cloned().collect::<Vec<_>>().join(", "),
            n => format!("{n} teams"),
        };
        vec![
            self.kind.as_str().to_string(),
            self.control.clone(),
            self.title.clone(),
            services,
            teams,
            self.detail.clone(),
        ]
    }
}
