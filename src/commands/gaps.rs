//! `ctrlmap gaps`: what an auditor would flag; exit 1 when there is anything.

use std::collections::BTreeSet;
use std::io::Write;

use clap::Args;

use super::Ctx;
use crate::error::{Error, Result};
use crate::estate::gaps::{self, Gap, GapKind};
use crate::model::evidence::Span;
use crate::support::output;

/// Lists shared and customer controls without an owner or without counting evidence (accepted,
/// linked, unexpired), undetermined controls, and evidence expiring soon. Exit 1 if any.
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
        if ctx.json {
            // Streamed: one gap per line inside one JSON array.
            out.write_all(b"[")?;
        }
        gaps::find(conn, &opts, |g| {
            total += 1;
            kinds.insert(g.kind);
            if ctx.json {
                out.write_all(if total == 1 { b"\n  " } else { b",\n  " })?;
                serde_json::to_writer(&mut out, g).map_err(std::io::Error::from)?;
                return Ok(());
            }
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
            group(&mut groups, g);
            Ok(())
        })?;
        if ctx.json {
            out.write_all(if total == 0 { b"]\n" } else { b"\n]\n" })?;
        } else if total == 0 {
            writeln!(out, "no gaps in {} as of {}", self.catalog, ctx.today)?;
        } else if total <= LIST_AT_MOST as u64 {
            let headers = ["gap", "control", "service", "responsibility", "team", "detail"];
            output::print_table(&mut out, &output::table(&headers, listed))?;
        } else {
            // Too many to read one by one: one row per control and kind of gap.
            let rows = groups.iter().map(Group::row);
            let headers = ["gap", "control", "title", "services", "teams", "for example"];
            output::print_table(&mut out, &output::table(&headers, rows))?;
            writeln!(
                out,
                "{total} gaps in {} rows by control and kind; `--json` lists each one, `--team` narrows to one team",
                groups.len()
            )?;
        }
        if total == 0 {
            return Ok(());
        }
        out.flush()?;
        let kinds: Vec<&str> = kinds.iter().map(|k: &GapKind| k.as_str()).collect();
        Err(Error::CheckFailed(format!("{total} gaps found ({})", kinds.join(", "))))
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

/// Counts `g` into its group. Gaps arrive control by control, so only the groups of the current
/// control (at most one per kind, at the end of the list) need searching.
fn group(groups: &mut Vec<Group>, g: &Gap<'_>) {
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
    x.count += 1;
    match g.service {
        Some(s) if x.services.len() < 3 => x.services.push(s.to_string()),
        Some(_) => {}
        None => x.organisation = true,
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
