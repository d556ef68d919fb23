//! `ctrlmap gaps`: what an auditor would flag; exit 1 when there is anything.

use std::io::Write;

use clap::Args;

use super::Ctx;
use crate::error::{Error, Result};
use crate::gaps::{self, Gap};
use crate::model::evidence::Span;
use crate::output;

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
        let mut found: Vec<Gap> = Vec::new();
        gaps::find(conn, &opts, |g| {
            found.push(g);
            Ok(())
        })?;
        let mut out = output::stdout();
        if ctx.json {
            output::print_json(&mut out, &found)?;
        } else if found.is_empty() {
            writeln!(out, "no gaps in {} as of {}", self.catalog, ctx.today)?;
        } else {
            let rows = found.iter().map(|g| {
                vec![
                    g.kind.as_str().to_string(),
                    g.control.clone(),
                    g.service.clone().unwrap_or_else(|| "(organisation)".into()),
                    g.responsibility.to_string(),
                    g.team.clone().unwrap_or_default(),
                    g.detail.clone(),
                ]
            });
            let headers = ["gap", "control", "service", "responsibility", "team", "detail"];
            output::print_table(&mut out, &output::table(&headers, rows))?;
        }
        if found.is_empty() {
            return Ok(());
        }
        out.flush()?;
        let mut kinds: Vec<&str> = found.iter().map(|g| g.kind.as_str()).collect();
        kinds.sort_unstable();
        kinds.dedup();
        Err(Error::CheckFailed(format!(
            "{} gaps found ({})",
            found.len(),
            kinds.join(", ")
        )))
    }
}
