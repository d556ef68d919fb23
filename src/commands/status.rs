//! `ctrlmap status`: one screen about the estate: services, controls by responsibility, open
//! evaluations, evidence and the top gaps by team.

use std::collections::BTreeMap;
use std::io::Write;

use clap::Args;
use serde::Serialize;

use super::Ctx;
use crate::db::{catalogs, evaluations, evidence};
use crate::error::Result;
use crate::estate::gaps::GapKind;
use crate::estate::matrix::Matrix;
use crate::estate::pairs::{self, Source};
use crate::model::evaluation::ResultValue;
use crate::model::evidence::{Freshness, ReviewStatus, freshness};
use crate::model::poam::ItemStatus;
use crate::support::output;

/// Shows services, controls by responsibility, evaluation progress, evidence (accepted, pending,
/// expiring, expired), the top gaps by team and the POA&M (by status, and the overdue items).
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
    /// Scanners' current failed and manual checks on shared and customer controls (absent
    /// when there are none).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    checks: BTreeMap<String, u64>,
    poam: PoamView,
}

/// The POA&M items of the catalogue: counts by status in effect, and the most overdue.
#[derive(Debug, Default, Serialize)]
struct PoamView {
    open: u64,
    in_progress: u64,
    risk_accepted: u64,
    completed: u64,
    overdue: u64,
    /// The most overdue items, at most [`OVERDUE_SHOWN`].
    overdue_items: Vec<OverdueView>,
}

#[derive(Debug, Serialize)]
struct OverdueView {
    id: i64,
    control: String,
    kind: String,
    owner: Option<String>,
    due: String,
    days_overdue: i64,
}

/// Overdue items shown by `status`; `poam list --overdue` lists all.
const OVERDUE_SHOWN: usize = 5;

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
            match g.kind {
                GapKind::FailedCheck => *view.checks.entry("failed".into()).or_default() += 1,
                GapKind::ManualCheck => *view.checks.entry("manual".into()).or_default() += 1,
                _ => {}
            }
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
        let filter = crate::estate::poam::Filter {
            catalog: Some(&self.catalog),
            ..Default::default()
        };
        for s in crate::estate::poam::items(conn, &filter, ctx.today)? {
            let p = &mut view.poam;
            match s.state.status {
                ItemStatus::Open => p.open += 1,
                ItemStatus::InProgress => p.in_progress += 1,
                ItemStatus::RiskAccepted => p.risk_accepted += 1,
                ItemStatus::Completed => p.completed += 1,
            }
        }
        let overdue = crate::estate::poam::overdue(conn, &filter, ctx.today)?;
        view.poam.overdue = overdue.len() as u64;
        view.poam.overdue_items = overdue
            .iter()
            .take(OVERDUE_SHOWN)
            .map(|s| OverdueView {
                id: s.item.id,
                control: s.item.control.clone(),
                kind: s.item.kind.to_string(),
                owner: s.item.owner.clone(),
                due: s.item.due.to_string(),
                days_overdue: s.days_overdue(ctx.today),
            })
            .collect();

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
        if !view.checks.is_empty() {
            writeln!(
                out,
                "checks       {} (scanners' current results on shared and customer controls; ctrlmap gaps names each)",
                join(&view.checks)
            )?;
        }
        let p = &view.poam;
        if p.open + p.in_progress + p.risk_accepted + p.completed > 0 {
            writeln!(
                out,
                "POA&M        {} open, {} in progress, {} risk accepted, {} completed; {} overdue",
                p.open, p.in_progress, p.risk_accepted, p.completed, p.overdue
            )?;
            for o in &p.overdue_items {
                writeln!(
                    out,
                    "  overdue    item {} {} {} (owner {}), due {}, {} days overdue",
                    o.id,
                    o.control,
                    o.kind,
                    o.owner.as_deref().unwrap_or("none"),
                    o.due,
                    o.days_overdue
                )?;
            }
            if p.overdue > p.overdue_items.len() as u64 {
                writeln!(out, "  ...        ctrlmap poam list --overdue lists all {}", p.overdue)?;
            }
        }
        Ok(())
    }
}
