//! `ctrlmap coverage`: how a catalogue is covered through a crosswalk from another.

use std::collections::BTreeMap;
use std::io::Write;

use clap::Args;

use super::Ctx;
use crate::error::Result;
use crate::estate::coverage::{self, TargetLine};
use crate::model::mapping::Coverage;
use crate::support::output;

/// Per target control: covered (an equal or superset source), partly covered (subset or
/// intersect), or not covered; which source controls cover it, with their responsibility, owner,
/// evidence and results.
///
/// Example: ctrlmap coverage --catalog nist-800-53 --via srm
#[derive(Debug, Args)]
pub struct CoverageArgs {
    /// The catalogue to see coverage of.
    #[arg(long)]
    pub catalog: String,
    /// The catalogue whose controls cover it.
    #[arg(long, default_value = "srm")]
    pub via: String,
    /// Take results from this evaluation (of the --via catalogue).
    #[arg(long)]
    pub evaluation: Option<i64>,
    /// Only controls with this coverage.
    #[arg(long)]
    pub only: Option<Coverage>,
}

impl CoverageArgs {
    /// Runs the command.
    pub(crate) fn run(&self, ctx: &mut Ctx) -> Result<()> {
        let conn = ctx.db.conn();
        let evaluation = self
            .evaluation
            .map(|id| crate::db::evaluations::get(conn, id))
            .transpose()?;
        let mut out = output::stdout();
        let mut totals: BTreeMap<Coverage, u64> = BTreeMap::new();
        let mut rows = Vec::new();
        let mut first = true;
        if ctx.json {
            out.write_all(b"[")?;
        }
        coverage::for_each_target(
            conn,
            &self.catalog,
            &self.via,
            evaluation,
            ctx.today,
            |t: TargetLine| {
                *totals.entry(t.coverage).or_default() += 1;
                if self.only.is_some_and(|o| o != t.coverage) {
                    return Ok(());
                }
                if ctx.json {
                    if !first {
                        out.write_all(b",")?;
                    }
                    first = false;
                    serde_json::to_writer(&mut out, &t).map_err(std::io::Error::from)?;
                    return Ok(());
                }
                let sources: Vec<String> = t
                    .sources
                    .iter()
                    .map(|s| format!("{} ({})", s.key, s.relationship))
                    .collect();
                let results: Vec<String> = t
                    .sources
                    .iter()
                    .filter(|s| s.contributes != Coverage::NotCovered)
                    .filter_map(|s| s.state.as_ref().map(|st| format!("{}: {}", s.key, st.result)))
                    .collect();
                rows.push(vec![
                    t.key,
                    t.title,
                    t.coverage.to_string(),
                    sources.join(", "),
                    t.evidence.to_string(),
                    results.join(", "),
                ]);
                Ok(())
            },
        )?;
        if ctx.json {
            writeln!(out, "]")?;
            return Ok(());
        }
        let headers = ["control", "title", "coverage", "via", "evidence", "results"];
        output::print_table(&mut out, &output::table(&headers, rows))?;
        let summary: Vec<String> = Coverage::ALL
            .iter()
            .map(|c| format!("{} {c}", totals.get(c).copied().unwrap_or(0)))
            .collect();
        writeln!(out, "{} via {}: {}", self.catalog, self.via, summary.join(", "))?;
        Ok(())
    }
}
