//! Gaps: what an auditor would flag (docs/model.md, "When evidence counts"). Computed from the derivation and the
//! evidence links, control by control, never stored.

use std::borrow::Cow;

use serde::Serialize;

use crate::db::Connection;
use crate::db::evidence::{self, ControlLinks, LinkState};
use crate::db::{catalogs, scans};
use crate::error::Result;
use crate::estate::matrix::Matrix;
use crate::model::evidence::{Day, Freshness, ReviewStatus, counts, freshness};
use crate::model::{Responsibility, derive};
use crate::support::address;

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

/// Gaps alike but for their service, found together: the same control, kind, responsibility,
/// team, evidence and detail on each of `services`, in service order. A gap with no service (the
/// organisation's) comes alone, with no services.
#[derive(Debug)]
pub struct Run<'r, 'a> {
    /// The first gap of the run: its service is the first of `services`.
    pub gap: &'r Gap<'a>,
    /// The services of the run, the first gap's included; empty for an organisation-wide gap.
    pub services: &'r [&'a str],
}

impl<'a> Run<'_, 'a> {
    /// How many gaps the run holds (never none).
    pub fn count(&self) -> usize {
        self.services.len().max(1)
    }

    /// Calls `each` with every gap of the run, in order.
    pub fn each(&self, mut each: impl FnMut(&Gap<'a>) -> Result<()>) -> Result<()> {
        if self.services.len() <= 1 {
            return each(self.gap);
        }
        let mut gap = self.gap.clone();
        for &service in self.services {
            gap.service = Some(service);
            each(&gap)?;
        }
        Ok(())
    }
}

/// Finds the gaps of a catalogue, calling `each` per run of alike gaps in control order (see
/// [`Run`]). Streams: one control's row is derived at a time.
pub fn find(conn: &Connection, opts: &Options<'_>, each: impl FnMut(&Run<'_, '_>) -> Result<()>) -> Result<()> {
    let m = Matrix::load(conn, opts.catalog)?;
    find_runs(conn, &m, opts, each)
}

/// As [`find`], one gap at a time, over a matrix the caller has loaded already (for `opts.catalog`).
pub fn find_in(
    conn: &Connection,
    m: &Matrix,
    opts: &Options<'_>,
    mut each: impl FnMut(&Gap<'_>) -> Result<()>,
) -> Result<()> {
    find_runs(conn, m, opts, |run| run.each(&mut each))
}

/// Gathers a control's gaps into runs for `each`, keeping only a team's when asked. Only the gaps
/// that come from the organisation's evidence alone ([`Runs::alike`]) join runs, so a run is never
/// longer than a stretch of services whose gaps would have come one after another anyway.
struct Runs<'e, 'a, F> {
    each: &'e mut F,
    team: Option<&'a str>,
    pending: Option<Gap<'a>>,
    services: Vec<&'a str>,
}

impl<'a, F: FnMut(&Run<'_, '_>) -> Result<()>> Runs<'_, 'a, F> {
    fn wanted(&self, gap: &Gap<'_>) -> bool {
        match (self.team, gap.team) {
            (None, _) => true,
            (Some(want), Some(team)) => address::same_text(want, team),
            (Some(_), None) => false,
        }
    }

    fn flush(&mut self) -> Result<()> {
        if let Some(gap) = self.pending.take() {
            (self.each)(&Run {
                gap: &gap,
                services: &self.services,
            })?;
            self.services.clear();
        }
        Ok(())
    }

    /// A gap that joins no run.
    fn one(&mut self, gap: Gap<'a>) -> Result<()> {
        if !self.wanted(&gap) {
            return Ok(());
        }
        self.flush()?;
        let service: Vec<&str> = gap.service.into_iter().collect();
        (self.each)(&Run {
            gap: &gap,
            services: &service,
        })
    }

    /// Adds `service` to the pending run when that run's gap, but for its service, is the gap
    /// `kind` with `responsibility`, `team`, no evidence and `detail` (by where it is); false when
    /// it is not, and nothing is added. Spares the gap's making when it would only join.
    fn extend(
        &mut self,
        service: &'a str,
        kind: GapKind,
        responsibility: Responsibility,
        team: Option<&str>,
        detail: &str,
    ) -> bool {
        let joins = self.pending.as_ref().is_some_and(|p| {
            p.kind == kind
                && p.responsibility == responsibility
                && p.evidence.is_none()
                && p.service.is_some()
                && match (p.team, team) {
                    (Some(a), Some(b)) => std::ptr::eq(a, b),
                    (a, b) => a.is_none() && b.is_none(),
                }
                && std::ptr::eq(p.detail.as_ref(), detail)
        });
        if joins {
            self.services.push(service);
        }
        joins
    }

    /// A gap on a service that joins the run before it when alike.
    fn alike(&mut self, gap: Gap<'a>) -> Result<()> {
        let Some(service) = gap.service else {
            return self.one(gap);
        };
        if !self.wanted(&gap) {
            return Ok(());
        }
        let joins = self.pending.as_ref().is_some_and(|p| {
            p.kind == gap.kind
                && p.responsibility == gap.responsibility
                && p.evidence == gap.evidence
                // (with a team asked for, every gap kept is that team's)
                && (self.team.is_some() || p.team == gap.team)
                && address::same_text(&p.detail, &gap.detail)
        });
        if !joins {
            self.flush()?;
            self.pending = Some(gap);
        }
        self.services.push(service);
        Ok(())
    }
}

/// As [`find_in`], by runs of alike gaps.
pub fn find_runs(
    conn: &Connection,
    m: &Matrix,
    opts: &Options<'_>,
    mut each: impl FnMut(&Run<'_, '_>) -> Result<()>,
) -> Result<()> {
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
    let mut mine = vec![false; m.services.len()];
    for &at in team_services.iter().flatten() {
        mine[at] = true;
    }
    // And only the evidence those cells can use: organisation-wide, on the team's services, and
    // all of a control on which a decision names the team as owner.
    let linked = match (&team_services, opts.team) {
        (Some(mine), Some(team)) => {
            let services: rustc_hash::FxHashSet<i64> = mine.iter().map(|&at| m.services[at].id).collect();
            let controls: rustc_hash::FxHashSet<i64> = m.controls_owned_by(team).collect();
            evidence::link_states_in_catalog(conn, m.catalog_id, |control, service| {
                service == 0 || services.contains(&service) || controls.contains(&control)
            })?
        }
        _ => evidence::link_states_in_catalog(conn, m.catalog_id, |_, _| true)?,
    };
    let open = scans::current_open(conn, m.catalog_id, opts.today)?;
    // The controls with open observations on a service: only their cells look for them.
    let observed: rustc_hash::FxHashSet<i64> = open.keys().filter(|&&(_, s)| s != 0).map(|&(c, _)| c).collect();
    // Services on one offering derive alike on a control unless one has a decision of its own
    // there, so a control's responsibility is derived once per offering, not once per service.
    let offering_of: Vec<usize> = {
        let mut seen: rustc_hash::FxHashMap<&str, usize> = rustc_hash::FxHashMap::default();
        let of = m.services.iter().map(|s| {
            let next = seen.len();
            *seen.entry(s.service.offering.as_str()).or_insert(next)
        });
        of.collect()
    };
    let offerings = offering_of.iter().max().map_or(0, |&n| n + 1);
    // Per offering: the control (by number) it was last derived for, and what it derived to.
    let mut derived = vec![(0usize, Responsibility::Undetermined); offerings];
    // Per service: the control (by number) it last had a decision of its own on, or evidence.
    let mut decided_at = vec![0usize; m.services.len()];
    let mut has_own = vec![0usize; m.services.len()];
    let mut control_number = 0;
    catalogs::for_each_control(conn, m.catalog_id, None, |c| {
        if c.control.withdrawn {
            return Ok(());
        }
        control_number += 1;
        let inputs = m.inputs(&c);
        let decided = inputs.decided_services();
        for &at in &decided {
            decided_at[at] = control_number;
        }
        let shown: Cow<'_, [usize]> = match &team_services {
            None => Cow::Borrowed(&all),
            Some(_) if inputs.owner() == opts.team => Cow::Borrowed(&all),
            Some(mine) => {
                let mut shown = decided;
                shown.extend_from_slice(mine);
                shown.sort_unstable();
                shown.dedup();
                Cow::Owned(shown)
            }
        };
        let organisation = inputs.organisation();
        let owner = inputs.owner();
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
        let mut runs = Runs {
            each: &mut each,
            team: opts.team,
            pending: None,
            services: Vec::new(),
        };
        if m.services.is_empty() && organisation == Responsibility::Undetermined {
            runs.one(gap(
                GapKind::Undetermined,
                None,
                organisation,
                owner,
                None,
                "no services in scope and no organisation-wide decision".into(),
            ))?;
        }
        // Observations on no service (account-wide, unclaimed resources) fall to the
        // organisation's value of the control.
        if organisation.customer_has_a_part() {
            for o in open.get(&(c.id, 0)).into_iter().flatten() {
                runs.one(gap(
                    o.kind(),
                    None,
                    organisation,
                    owner,
                    Some(o.evidence),
                    o.detail().into(),
                ))?;
            }
        }
        let links = linked.of_control(c.id);
        let org_evidence = links.on(0);
        // Which services have evidence of their own here, by position: most have none, and are
        // then not searched for it.
        for at in m.positions(links.services()) {
            has_own[at] = control_number;
        }
        // Why the organisation-wide evidence alone does not count: the same for every service
        // without evidence of its own, so said once per control.
        let org_only = std::cell::OnceCell::new();
        // What the organisation-wide evidence says is the same on every service: decided once.
        let expiring = |e: &LinkState| {
            e.status == ReviewStatus::Accepted
                && freshness(e.valid_until, opts.today, opts.within_days) == Freshness::Expiring
        };
        let org_counts = org_evidence
            .clone()
            .any(|l| counts(l.status, l.valid_until, opts.today));
        let org_expiring: Vec<&LinkState> = org_evidence.clone().filter(|e| expiring(e)).collect();
        let expiring_gap = |e: &LinkState, service, r, team| {
            let until = e.valid_until.map(|d| d.to_string()).unwrap_or_default();
            let left = e.valid_until.map_or(0, |d| opts.today.days_until(d));
            gap(
                GapKind::ExpiringEvidence,
                service,
                r,
                team,
                Some(e.id),
                format!("evidence {} expires on {until} ({left} days)", e.id).into(),
            )
        };
        let observed_here = observed.contains(&c.id);
        let owner_is_team = owner.is_some() && owner == opts.team;
        for &at in shown.iter() {
            let s = &m.services[at];
            // With a team asked for, a cell another team owns (or nobody) has no gap to show; the
            // team's cells name it by the asked name itself, so that their gaps compare it by
            // where it is.
            let (r, team) = if decided_at[at] == control_number {
                let cell = inputs.cell(s);
                let team = cell.owner.map(|(t, _)| t);
                if opts.team.is_some() && team != opts.team {
                    continue;
                }
                (cell.effective.responsibility, team)
            } else {
                // No decision on the service: the control's owner, else the service's team.
                let team = match opts.team {
                    None => derive::effective_owner(None, owner, s.service.team.as_deref()).map(|(t, _)| t),
                    // Whether the team asked for owns it, by the same precedence over what is
                    // known of each candidate (no text compared per cell).
                    Some(_) => {
                        let service_team = s.service.team.as_ref().map(|_| mine[at]);
                        match derive::effective_owner(None, owner.map(|_| owner_is_team), service_team) {
                            Some((true, _)) => opts.team,
                            _ => continue,
                        }
                    }
                };
                let slot = &mut derived[offering_of[at]];
                if slot.0 != control_number {
                    *slot = (control_number, inputs.cell(s).effective.responsibility);
                }
                (slot.1, team)
            };
            let service = Some(s.service.name.as_str());
            if r == Responsibility::Undetermined {
                runs.one(gap(
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
            let open_here = if observed_here { open.get(&(c.id, s.id)) } else { None };
            if team.is_some() && open_here.is_none() && has_own[at] != control_number {
                // Most cells: owned, observed by no scanner, with no evidence of their own; what
                // the organisation-wide evidence says of them was decided once for the control.
                if !org_counts {
                    let why: &str = org_only.get_or_init(|| why_no_evidence(org_evidence.clone(), opts.today));
                    if !runs.extend(&s.service.name, GapKind::NoEvidence, r, team, why) {
                        runs.alike(gap(GapKind::NoEvidence, service, r, team, None, Cow::Borrowed(why)))?;
                    }
                }
                for e in org_expiring.iter().copied() {
                    runs.one(expiring_gap(e, service, r, team))?;
                }
                continue;
            }
            if team.is_none() {
                runs.one(gap(
                    GapKind::NoOwner,
                    service,
                    r,
                    None,
                    None,
                    format!("{r} control with no owning team").into(),
                ))?;
            }
            // A failure on an inherited pair is the provider's scope (skipped above), not a gap.
            for o in open_here.into_iter().flatten() {
                runs.one(gap(o.kind(), service, r, team, Some(o.evidence), o.detail().into()))?;
            }
            let own = if has_own[at] == control_number {
                links.on(s.id)
            } else {
                ControlLinks::default().on(s.id)
            };
            let all = || own.clone().chain(org_evidence.clone());
            if !org_counts && !own.clone().any(|l| counts(l.status, l.valid_until, opts.today)) {
                if own.len() == 0 {
                    let why: &str = org_only.get_or_init(|| why_no_evidence(org_evidence.clone(), opts.today));
                    runs.alike(gap(GapKind::NoEvidence, service, r, team, None, Cow::Borrowed(why)))?;
                } else {
                    runs.one(gap(
                        GapKind::NoEvidence,
                        service,
                        r,
                        team,
                        None,
                        why_no_evidence(all(), opts.today),
                    ))?;
                }
            }
            for e in own.filter(|e| expiring(e)).chain(org_expiring.iter().copied()) {
                runs.one(expiring_gap(e, service, r, team))?;
            }
        }
        runs.flush()
    })
}

/// Says why linked evidence does not count (or that there is none).
fn why_no_evidence<'a>(linked: impl Iterator<Item = &'a LinkState>, today: Day) -> Cow<'static, str> {
    use std::fmt::Write as _;
    // Written into one text: a control can have a hundred reasons.
    let mut why = String::from("no accepted, unexpired evidence: ");
    let start = why.len();
    for e in linked {
        if why.len() > start {
            why.push_str("; ");
        }
        let _ = match (e.status, e.valid_until) {
            (ReviewStatus::Accepted, Some(d)) if d < today => write!(why, "evidence {} expired on {d}", e.id),
            (status, _) => write!(why, "evidence {} is {status}", e.id),
        };
    }
    if why.len() == start {
        return "no evidence linked".into();
    }
    why.into()
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

#[cfg(test)]
mod tests {
    use super::*;

    fn gap<'a>(kind: GapKind, service: Option<&'a str>, team: Option<&'a str>, detail: &'a str) -> Gap<'a> {
        Gap {
            kind,
            control: "AC-2",
            title: "Account Management",
            service,
            responsibility: Responsibility::Customer,
            team,
            evidence: None,
            detail: Cow::Borrowed(detail),
        }
    }

    /// A gap as owned text, to compare.
    fn seen(g: &Gap<'_>) -> String {
        format!("{:?} {:?} {:?} {}", g.kind, g.service, g.team, g.detail)
    }

    /// Feeds `gaps` (true: may join a run) through [`Runs`] and returns the runs' lengths and,
    /// expanded, every gap they hold.
    fn through(gaps: &[(bool, Gap<'_>)], team: Option<&str>) -> (Vec<usize>, Vec<String>) {
        let mut lengths = Vec::new();
        let mut out = Vec::new();
        let mut each = |run: &Run<'_, '_>| -> Result<()> {
            lengths.push(run.count());
            run.each(|g| {
                out.push(seen(g));
                Ok(())
            })
        };
        let mut runs = Runs {
            each: &mut each,
            team,
            pending: None,
            services: Vec::new(),
        };
        for (alike, g) in gaps {
            if *alike {
                runs.alike(g.clone()).expect("alike");
            } else {
                runs.one(g.clone()).expect("one");
            }
        }
        runs.flush().expect("flush");
        (lengths, out)
    }

    #[test]
    fn runs_hold_exactly_the_gaps_in_their_order() {
        use GapKind::*;
        let why = "no evidence linked";
        let other = String::from("no evidence linked");
        // (what, the team asked for, the gaps (true: may join a run), the runs' lengths)
        type Case<'a> = (&'a str, Option<&'a str>, Vec<(bool, Gap<'a>)>, Vec<usize>);
        let cases: Vec<Case<'_>> = vec![
            ("nothing", None, vec![], vec![]),
            (
                "alike gaps on three services are one run",
                None,
                vec![
                    (true, gap(NoEvidence, Some("a"), Some("t1"), why)),
                    (true, gap(NoEvidence, Some("b"), Some("t1"), why)),
                    (true, gap(NoEvidence, Some("c"), Some("t1"), why)),
                ],
                vec![3],
            ),
            (
                "a gap of another kind in between ends the run, keeping the order",
                None,
                vec![
                    (true, gap(NoEvidence, Some("a"), Some("t1"), why)),
                    (false, gap(ExpiringEvidence, Some("a"), Some("t1"), "expires")),
                    (true, gap(NoEvidence, Some("b"), Some("t1"), why)),
                ],
                vec![1, 1, 1],
            ),
            (
                "another team ends the run",
                None,
                vec![
                    (true, gap(NoEvidence, Some("a"), Some("t1"), why)),
                    (true, gap(NoEvidence, Some("b"), Some("t2"), why)),
                    (true, gap(NoEvidence, Some("c"), Some("t2"), why)),
                ],
                vec![1, 2],
            ),
            (
                "the same words elsewhere still join",
                None,
                vec![
                    (true, gap(NoEvidence, Some("a"), None, why)),
                    (true, gap(NoEvidence, Some("b"), None, &other)),
                ],
                vec![2],
            ),
            (
                "other words end the run",
                None,
                vec![
                    (true, gap(NoEvidence, Some("a"), None, why)),
                    (true, gap(NoEvidence, Some("b"), None, "evidence 3 is pending")),
                ],
                vec![1, 1],
            ),
            (
                "an organisation-wide gap stands alone",
                None,
                vec![
                    (true, gap(FailedCheck, None, Some("t1"), "check failed")),
                    (true, gap(NoEvidence, Some("a"), Some("t1"), why)),
                ],
                vec![1, 1],
            ),
            (
                "with a team, the others' gaps are left out and do not split a run",
                Some("t1"),
                vec![
                    (true, gap(NoEvidence, Some("a"), Some("t1"), why)),
                    (true, gap(NoEvidence, Some("b"), Some("t2"), why)),
                    (false, gap(NoOwner, Some("c"), None, "no owner")),
                    (true, gap(NoEvidence, Some("d"), Some("t1"), why)),
                ],
                vec![2],
            ),
        ];
        for (name, team, gaps, lengths) in cases {
            let (got_lengths, got) = through(&gaps, team);
            let want: Vec<String> = gaps
                .iter()
                .filter(|(_, g)| team.is_none() || g.team == team)
                .map(|(_, g)| seen(g))
                .collect();
            assert_eq!(got, want, "{name}: the gaps");
            assert_eq!(got_lengths, lengths, "{name}: the runs");
        }
    }
}
