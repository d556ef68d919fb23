//! Gaps: what an auditor would flag (docs/model.md, "When evidence counts"). Computed from the derivation and the
//! evidence links, control by control, never stored.

use std::borrow::Cow;

use serde::Serialize;

use crate::db::Connection;
use crate::db::evidence::{self, LinkState};
use crate::db::{catalogs, scans};
use crate::error::Result;
use crate::estate::matrix::Matrix;
use crate::model::Responsibility;
use crate::model::evidence::{Day, Freshness, ReviewStatus, counts, freshness};

/// The kinds of gap, in the order they are reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum GapKind {
    /// Nobody has classified the control for this service.
    Undetermined,
    /// A shared or customer control with no owning team.
    NoOwner,
    /// A shared or customer control with no accepted, unexpired evidence.
    NoEvidence,
    /// Accepted evidence that expires within the warning window.
    ExpiringEvidence,
    /// A scanner's current observation failed a check on a shared or customer control.
    FailedCheck,
    /// A scanner says a person must check this by hand: evidence still to add.
    ManualCheck,
}

impl GapKind {
    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            GapKind::Undetermined => "undetermined",
            GapKind::NoOwner => "no-owner",
            GapKind::NoEvidence => "no-evidence",
            GapKind::ExpiringEvidence => "expiring-evidence",
            GapKind::FailedCheck => "failed-check",
            GapKind::ManualCheck => "manual-check",
        }
    }
}

/// One thing to flag, borrowing from the derivation so that millions of gaps cost no copies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gap<'a> {
    /// What kind of gap.
    pub kind: GapKind,
    /// The control's key.
    pub control: &'a str,
    /// The control's title.
    pub title: &'a str,
    /// The service, or `None` for the organisation as a whole.
    pub service: Option<&'a str>,
    /// The responsibility on that service.
    pub responsibility: Responsibility,
    /// The owning team, when there is one.
    pub team: Option<&'a str>,
    /// The evidence concerned: expiring evidence, or the scan of a failed or manual check.
    pub evidence: Option<i64>,
    /// What exactly is wrong.
    pub detail: Cow<'a, str>,
}

/// Options of a gap search.
#[derive(Debug, Clone)]
pub struct Options<'a> {
    /// The catalogue to check.
    pub catalog: &'a str,
    /// The date treated as today.
    pub today: Day,
    /// Warn about evidence expiring within this many days.
    pub within_days: i64,
    /// Only gaps of this team.
    pub team: Option<&'a str>,
}

/// Finds the gaps of a catalogue, calling `each` per gap in control order. Streams: one control's
/// row is derived at a time.
pub fn find(conn: &Connection, opts: &Options<'_>, each: impl FnMut(&Gap<'_>) -> Result<()>) -> Result<()> {
    let m = Matrix::load(conn, opts.catalog)?;
    find_in(conn, &m, opts, each)
}

/// As [`find`], over a matrix the caller has loaded already (for `opts.catalog`).
pub fn find_in(
    conn: &Connection,
    m: &Matrix,
    opts: &Options<'_>,
    mut each: impl FnMut(&Gap<'_>) -> Result<()>,
) -> Result<()> {
    let linked = evidence::link_states_in_catalog(conn, m.catalog_id)?;
    let open = scans::current_open(conn, m.catalog_id, opts.today)?;
    let none: Vec<LinkState> = Vec::new();
    let mut emit = |gap: Gap<'_>| -> Result<()> {
        if opts.team.is_none() || gap.team == opts.team {
            each(&gap)?;
        }
        Ok(())
    };
    // With a team, only the cells that team can own are derived: its services', and on a control
    // the services with a decision of their own (which may name another owner); every service
    // when the team owns the control organisation-wide.
    let all: Vec<usize> = (0..m.services.len()).collect();
    let team_services: Option<Vec<usize>> = opts.team.map(|t| {
        let ids = m
            .services
            .iter()
            .filter(|s| s.service.team.as_deref() == Some(t))
            .map(|s| s.id);
        m.positions(ids)
    });
    catalogs::for_each_control(conn, m.catalog_id, None, |c| {
        if c.control.withdrawn {
            return Ok(());
        }
        let row = match &team_services {
            None => m.row(&c),
            Some(mine) => {
                let inputs = m.inputs(&c);
                if inputs.owner() == opts.team {
                    m.row_of(&c, &all)
                } else {
                    let mut shown = inputs.decided_services();
                    shown.extend_from_slice(mine);
                    shown.sort_unstable();
                    shown.dedup();
                    m.row_of(&c, &shown)
                }
            }
        };
        let gap = |kind, service, responsibility, team, evidence, detail| Gap {
            kind,
            control: &c.control.key,
            title: &c.control.title,
            service,
            responsibility,
            team,
            evidence,
            detail,
        };
        if m.services.is_empty() && row.organisation == Responsibility::Undetermined {
            emit(gap(
                GapKind::Undetermined,
                None,
                row.organisation,
                row.owner,
                None,
                "no services in scope and no organisation-wide decision".into(),
            ))?;
        }
        // Observations on no service (account-wide, unclaimed resources) fall to the
        // organisation's value of the control.
        if row.organisation.customer_has_a_part() {
            for o in open.get(&(c.id, 0)).into_iter().flatten() {
                emit(gap(
                    o.kind(),
                    None,
                    row.organisation,
                    row.owner,
                    Some(o.evidence),
                    o.detail().into(),
                ))?;
            }
        }
        let org_evidence = linked.get(&(c.id, 0)).unwrap_or(&none);
        // Why the organisation-wide evidence alone does not count: the same for every service
        // without evidence of its own, so said once per control.
        let org_only = std::cell::OnceCell::new();
        for cell in &row.cells {
            let service = Some(cell.service.service.name.as_str());
            let r = cell.effective.responsibility;
            let team = cell.owner.map(|(t, _)| t);
            if r == Responsibility::Undetermined {
                emit(gap(
                    GapKind::Undetermined,
                    service,
                    r,
                    team,
                    None,
                    "no override and no rule decides who is responsible".into(),
                ))?;
                continue;
            }
            if !r.customer_has_a_part() {
                continue;
            }
            if team.is_none() {
                emit(gap(
                    GapKind::NoOwner,
                    service,
                    r,
                    None,
                    None,
                    format!("{r} control with no owning team").into(),
                ))?;
            }
            // A failure on an inherited pair is the provider's scope (skipped above), not a gap.
            for o in open.get(&(c.id, cell.service.id)).into_iter().flatten() {
                emit(gap(o.kind(), service, r, team, Some(o.evidence), o.detail().into()))?;
            }
            let own = linked.get(&(c.id, cell.service.id)).unwrap_or(&none);
            let all = || own.iter().chain(org_evidence);
            if !all().any(|l| counts(l.status, l.valid_until, opts.today)) {
                emit(gap(
                    GapKind::NoEvidence,
                    service,
                    r,
                    team,
                    None,
                    if own.is_empty() {
                        Cow::Borrowed(
                            org_only
                                .get_or_init(|| why_no_evidence(org_evidence.iter(), opts.today))
                                .as_ref(),
                        )
                    } else {
                        why_no_evidence(all(), opts.today)
                    },
                ))?;
            }
            for e in all() {
                if e.status == ReviewStatus::Accepted
                    && freshness(e.valid_until, opts.today, opts.within_days) == Freshness::Expiring
                {
                    let until = e.valid_until.map(|d| d.to_string()).unwrap_or_default();
                    let left = e.valid_until.map_or(0, |d| opts.today.days_until(d));
                    emit(gap(
                        GapKind::ExpiringEvidence,
                        service,
                        r,
                        team,
                        Some(e.id),
                        format!("evidence {} expires on {until} ({left} days)", e.id).into(),
                    ))?;
                }
            }
        }
        Ok(())
    })
}

/// Says why linked evidence does not count (or that there is none).
fn why_no_evidence<'a>(linked: impl Iterator<Item = &'a LinkState>, today: Day) -> Cow<'static, str> {
    let reasons: Vec<String> = linked
        .map(|e| match (e.status, e.valid_until) {
            (ReviewStatus::Accepted, Some(d)) if d < today => format!("evidence {} expired on {d}", e.id),
            (status, _) => format!("evidence {} is {status}", e.id),
        })
        .collect();
    if reasons.is_empty() {
        return "no evidence linked".into();
    }
    format!("no accepted, unexpired evidence: {}", reasons.join("; ")).into()
}

/// How an open observation reads as a gap.
trait AsGap {
    fn kind(&self) -> GapKind;
    fn detail(&self) -> String;
}

impl AsGap for scans::Open {
    fn kind(&self) -> GapKind {
        if self.status == "failed" {
            GapKind::FailedCheck
        } else {
            GapKind::ManualCheck
        }
    }

    fn detail(&self) -> String {
        if self.status == "failed" {
            format!("check {} failed on {} (scan {})", self.check, self.resource, self.scan)
        } else {
            format!(
                "check {} on {} needs a manual check (scan {}): add evidence by hand",
                self.check, self.resource, self.scan
            )
        }
    }
}
