//! `ctrlmap status`: one screen about the estate: services, controls by responsibility, open
//! evaluations, evidence and the top gaps by team.

use std::collections::BTreeMap;
use std::io::Write;

use clap::Args;
use serde::Serialize;

use super::Ctx;
use crate::db::{catalogs, evaluations, evidence};
use crate::error::Result;
use crate::estate::matrix::Matrix;
use crate::estate::pairs::{self, Source};
use crate::model::evaluation::ResultValue;
use crate::model::evidence::{Freshness, ReviewStatus, freshness};
use crate::support::output;

/// Shows services, controls by responsibility, evaluation progress, evidence (accepted, pending,
/// expiring, expired) and the top gaps by team.
///
/// Example: ctrlmap status --catalog srm
#[derive(Debug, Args)]
pub struct Status {
    /// Catalogue to summarise.
    #[arg(long, default_value = "srm")]
    pub catalog: String,
}

#[derive(Debug, Default, Serialize)]
struct View {
    catalog: String,
    services: BTreeMap<String, u64>,
    controls: BTreeMap<String, u64>,
    evaluations: Vec<EvaluationView>,
    evidence: BTreeMap<String, u64>,
    gaps_by_team: Vec<(String, u64)>,
}

#[derive(Debug, Serialize)]
struct EvaluationView {
    id: i64,
    name: String,
    assessed: u64,
    pairs: u64,
}

impl Status {
    /// Runs the command.
    pub(crate) fn run(&self, ctx: &mut Ctx) -> Result<()> {
        let conn = ctx.db.conn();
        let mut view = View {
            catalog: self.catalog.clone(),
            ..Default::default()
        };
        // The matrix holds the in-scope services; it is loaded once and the gaps use it too.
        let m = Matrix::load(conn, &self.catalog)?;
        let in_scope = &m.services;
        for s in in_scope {
            *view.services.entry(s.category.to_string()).or_default() += 1;
        }
        catalogs::for_each_control(conn, m.catalog_id, None, |c| {
            if !c.control.withdrawn {
                *view
                    .controls
                    .entry(m.inputs(&c).organisation().to_string())
                    .or_default() += 1;
            }
            Ok(())
        })?;
        for e in evaluations::list(conn)?.into_iter().filter(|e| !e.is_closed()) {
            let (mut assessed, mut total) = (0, 0);
            pairs::for_each_control(conn, &Source::of_evaluation(e.clone(), ctx.today), |_, pairs| {
                total += pairs.len() as u64;
                assessed += pairs.iter().filter(|p| p.result != ResultValue::NotAssessed).count() as u64;
                Ok(())
            })?;
            view.evaluations.push(EvaluationView {
                id: e.id,
                name: e.name,
                assessed,
                pairs: total,
            });
        }
        for (status, valid_until, n) in evidence::state_counts(conn)? {
            let state = match (status, freshness(valid_until, ctx.today, 30)) {
                (_, Freshness::Expired) => "expired",
                (ReviewStatus::Accepted, Freshness::Expiring) => "expiring within 30 days",
                (ReviewStatus::Accepted, _) => "accepted",
                (ReviewStatus::Pending, _) => "pending",
                (ReviewStatus::Rejected, _) => "rejected",
            };
            *view.evidence.entry(state.to_string()).or_default() += n;
        }
        let mut by_team: BTreeMap<String, u64> = BTreeMap::new();
        let opts = crate::estate::gaps::Options {
            catalog: &self.catalog,
            today: ctx.today,
            within_days: 30,
            team: None,
        };
        crate::estate::gaps::find_in(conn, &m, &opts, |g| {
            let team = g.team.unwrap_or("(no owner)");
            match by_team.get_mut(team) {
                Some(n) => *n += 1,
                None => {
                    by_team.insert(team.to_string(), 1);
                }
            }
            Ok(())
        })?;
        let mut top: Vec<(String, u64)> = by_team.into_iter().collect();
        top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        top.truncate(5);
        view.gaps_by_team = top;

        let mut out = output::stdout();
        if ctx.json {
            return output::print_json(&mut out, &view);
        }
        let join = |m: &BTreeMap<String, u64>| m.iter().map(|(k, v)| format!("{v} {k}")).collect::<Vec<_>>().join(", ");
        writeln!(
            out,
            "services     {} in scope: {}",
            in_scope.len(),
            join(&view.services)
        )?;
        writeln!(
            out,
            "controls     {} ({}): {}",
            view.controls.values().sum::<u64>(),
            self.catalog,
            join(&view.controls)
        )?;
        if view.evaluations.is_empty() {
            writeln!(out, "evaluations  none open")?;
        }
        for e in &view.evaluations {
            writeln!(
                out,
                "evaluation   {} \"{}\": {} / {} control-service pairs assessed",
                e.id, e.name, e.assessed, e.pairs
            )?;
        }
        let evidence = if view.evidence.is_empty() {
            "none yet".to_string()
        } else {
            join(&view.evidence)
        };
        writeln!(out, "evidence     {evidence}")?;
        let gaps: Vec<String> = view.gaps_by_team.iter().map(|(t, n)| format!("{t} {n}")).collect();
        let gaps = if gaps.is_empty() {
            "none".to_string()
        } else {
            gaps.join(", ")
        };
        writeln!(out, "top gaps     {gaps} (ctrlmap gaps --team T for the list)")?;
        Ok(())
    }
}
