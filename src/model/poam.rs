//! The plan of action and milestones as the model sees it: what kinds of finding open an item,
//! their default due dates, the status vocabulary, and where an item stands on a given day (a
//! risk acceptance runs out by the calendar alone, as evidence expires).

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use super::UnknownValue;
use super::evaluation::Pair;
use super::evidence::Day;

text_enum! {
    /// What kind of finding an item is about.
    ItemKind, "POA&M item kind" {
        /// A result recorded as not satisfied.
        NotSatisfied = "not-satisfied",
        /// A result recorded as partially satisfied.
        PartiallySatisfied = "partially-satisfied",
        /// A shared or customer control with no accepted evidence at all.
        NoEvidence = "no-evidence",
        /// A shared or customer control whose accepted evidence has expired.
        ExpiredEvidence = "expired-evidence",
        /// A scanner check that failed.
        FailedCheck = "failed-check",
    }
}

impl ItemKind {
    /// Days from detection to the default due date (docs/poam.md says why): a control that does
    /// not work is the most urgent (30 days, FedRAMP's deadline for high risks); one that partly
    /// works, 90 (its deadline for moderate ones); a control without current evidence cannot be
    /// shown to work at all, and collecting evidence is short work, so 30; a failing scanner check
    /// is a configuration that does not work, 30.
    pub fn due_days(self) -> i64 {
        match self {
            ItemKind::NotSatisfied | ItemKind::NoEvidence | ItemKind::ExpiredEvidence | ItemKind::FailedCheck => 30,
            ItemKind::PartiallySatisfied => 90,
        }
    }

    /// The default due date of a finding of this kind detected on `detected`.
    pub fn default_due(self, detected: Day) -> Day {
        detected.plus_days(self.due_days()).unwrap_or(detected)
    }
}

text_enum! {
    /// Where an item stands, as stored.
    ItemStatus, "POA&M status" {
        /// Found, nothing done yet.
        Open = "open",
        /// Someone is working on it.
        InProgress = "in-progress",
        /// Done.
        Completed = "completed",
        /// Not remedied for now: the risk is accepted until a date, for a reason.
        RiskAccepted = "risk-accepted",
    }
}

impl ItemStatus {
    /// The statuses `poam update --status` may set (a risk acceptance has its own command, and
    /// an item cannot be put back to "open" by hand: a new finding opens a new item).
    pub fn parse_update(text: &str) -> Result<ItemStatus, UnknownValue> {
        match text.parse::<ItemStatus>() {
            Ok(s @ (ItemStatus::InProgress | ItemStatus::Completed)) => Ok(s),
            _ => Err(UnknownValue {
                what: "POA&M status",
                value: text.to_string(),
                expected: vec!["in-progress", "completed"],
            }),
        }
    }
}

/// Where an item stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct State {
    /// The status in effect: a risk acceptance past its end date is open again.
    pub status: ItemStatus,
    /// Open or in progress and past its due date.
    pub overdue: bool,
    /// A risk acceptance that ran out before this day.
    pub acceptance_expired: bool,
}

/// Where an item with stored `status`, due on `due` and accepted until `accepted_until` stands on
/// `today`. An acceptance holds through its last day, as evidence counts through `valid_until`;
/// an item is overdue the day after its due date.
pub fn state(status: ItemStatus, due: Day, accepted_until: Option<Day>, today: Day) -> State {
    let acceptance_expired = status == ItemStatus::RiskAccepted && accepted_until.is_none_or(|until| until < today);
    let status = if acceptance_expired { ItemStatus::Open } else { status };
    let overdue = matches!(status, ItemStatus::Open | ItemStatus::InProgress) && due < today;
    State {
        status,
        overdue,
        acceptance_expired,
    }
}

/// A finding an item is opened for: one control, one kind, the services it was found on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Control key.
    pub control_key: String,
    /// Control title.
    pub control_title: String,
    /// What kind.
    pub kind: ItemKind,
    /// Services, sorted, each once.
    pub services: Vec<String>,
    /// What exactly, in one line.
    pub detail: String,
    /// The default owner: the team owning most of the pairs concerned (by name on a tie).
    pub owner: Option<String>,
}

/// The findings of one control's pairs that call for a plan, one per kind, in the order of
/// [`ItemKind`]: a not-satisfied or partially-satisfied result (whoever is responsible: an
/// assessor wrote it down), and on shared or customer pairs, no accepted, unexpired evidence
/// (expired when some accepted evidence has expired, else missing). The report's findings say
/// the same about the same pairs (report/findings.rs); unowned and undetermined controls are
/// gaps of classification, not plans of action, and are left to `gaps`.
pub fn findings(pairs: &[Pair]) -> Vec<Finding> {
    let mut by_kind: BTreeMap<ItemKind, Vec<&Pair>> = BTreeMap::new();
    for p in pairs {
        match p.result {
            super::evaluation::ResultValue::NotSatisfied => by_kind.entry(ItemKind::NotSatisfied).or_default().push(p),
            super::evaluation::ResultValue::PartiallySatisfied => {
                by_kind.entry(ItemKind::PartiallySatisfied).or_default().push(p);
            }
            _ => {}
        }
        if p.responsibility.customer_has_a_part() && !p.evidence.iter().any(|e| e.counting()) {
            let kind = if p.evidence.iter().any(|e| e.expired) {
                ItemKind::ExpiredEvidence
            } else {
                ItemKind::NoEvidence
            };
            by_kind.entry(kind).or_default().push(p);
        }
    }
    let Some(first) = pairs.first() else {
        return Vec::new();
    };
    by_kind
        .into_iter()
        .map(|(kind, ps)| {
            let mut services: Vec<String> = ps.iter().map(|p| p.service.to_string()).collect();
            services.sort();
            services.dedup();
            Finding {
                control_key: first.control_key.to_string(),
                control_title: first.control_title.to_string(),
                kind,
                detail: detail(kind, &ps),
                services,
                owner: most_common_owner(&ps),
            }
        })
        .collect()
}

/// One line saying what was found.
fn detail(kind: ItemKind, pairs: &[&Pair]) -> String {
    match kind {
        ItemKind::NotSatisfied | ItemKind::PartiallySatisfied => {
            let notes: Vec<String> = pairs
                .iter()
                .filter(|p| !p.note.is_empty())
                .map(|p| format!("{}: {}", p.service, crate::text::one_line(&p.note)))
                .collect();
            if notes.is_empty() {
                format!("assessed {kind}")
            } else {
                format!("assessed {kind} ({})", notes.join("; "))
            }
        }
        ItemKind::NoEvidence => "no accepted, unexpired evidence".to_string(),
        ItemKind::ExpiredEvidence => {
            let mut ids: Vec<i64> = pairs
                .iter()
                .flat_map(|p| p.evidence.iter().filter(|e| e.expired).map(|e| e.id))
                .collect();
            ids.sort_unstable();
            ids.dedup();
            let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
            format!("evidence {} expired", ids.join(", "))
        }
        ItemKind::FailedCheck => "a scanner check failed".to_string(),
    }
}

/// The owner most of `pairs` have (the first by name on a tie); `None` when none has one.
fn most_common_owner(pairs: &[&Pair]) -> Option<String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for p in pairs {
        if let Some(o) = p.owner.as_deref() {
            *counts.entry(o).or_default() += 1;
        }
    }
    let best = counts.values().copied().max()?;
    counts.into_iter().find(|(_, n)| *n == best).map(|(o, _)| o.to_string())
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.overdue, self.acceptance_expired) {
            (true, _) => write!(f, "{} (overdue)", self.status),
            (false, true) => write!(f, "{} (risk acceptance expired)", self.status),
            _ => write!(f, "{}", self.status),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::model::evaluation::{EvidenceRef, ResultValue};
    use crate::model::{Category, Responsibility};

    fn day(s: &str) -> Day {
        Day::parse(s).expect("a date")
    }

    fn pair(service: &str, r: Responsibility, result: ResultValue, owner: Option<&str>) -> Pair {
        Pair {
            control_key: "SRM-FW".into(),
            control_title: "Firewall".into(),
            family: "SC".into(),
            service: service.into(),
            offering: "Amazon EC2".into(),
            category: Category::Infrastructure,
            service_team: None,
            responsibility: r,
            provenance: "rule".into(),
            rationale: "".into(),
            owner: owner.map(Arc::from),
            status: String::new(),
            result,
            note: String::new(),
            evidence: Vec::new().into(),
            statement: String::new(),
        }
    }

    fn evidence(id: i64, counts: bool, expired: bool) -> Arc<EvidenceRef> {
        Arc::new(EvidenceRef {
            id,
            title: "e".into(),
            sha256: None,
            collected: "2026-01-01".into(),
            valid_until: None,
            status: "accepted".into(),
            reviewer: None,
            counts,
            expired,
            problem: None,
        })
    }

    #[test]
    fn due_dates_follow_the_kind() {
        let d = day("2026-12-01");
        assert_eq!(ItemKind::NotSatisfied.default_due(d), day("2026-12-31"));
        assert_eq!(ItemKind::PartiallySatisfied.default_due(d), day("2027-03-01"));
        assert_eq!(ItemKind::NoEvidence.default_due(d), day("2026-12-31"));
        assert_eq!(ItemKind::ExpiredEvidence.default_due(d), day("2026-12-31"));
    }

    #[test]
    fn a_risk_acceptance_runs_out_by_the_calendar() {
        let due = day("2027-01-01");
        let until = Some(day("2027-06-30"));
        let s = state(ItemStatus::RiskAccepted, due, until, day("2027-06-30"));
        assert_eq!(
            (s.status, s.overdue, s.acceptance_expired),
            (ItemStatus::RiskAccepted, false, false)
        );
        let s = state(ItemStatus::RiskAccepted, due, until, day("2027-07-01"));
        assert_eq!(
            (s.status, s.overdue, s.acceptance_expired),
            (ItemStatus::Open, true, true)
        );
        assert_eq!(s.to_string(), "open (overdue)");
    }

    #[test]
    fn overdue_is_open_or_in_progress_past_the_due_date() {
        let due = day("2027-01-01");
        assert!(!state(ItemStatus::Open, due, None, day("2027-01-01")).overdue);
        assert!(state(ItemStatus::Open, due, None, day("2027-01-02")).overdue);
        assert!(state(ItemStatus::InProgress, due, None, day("2027-01-02")).overdue);
        assert!(!state(ItemStatus::Completed, due, None, day("2028-01-01")).overdue);
    }

    #[test]
    fn only_in_progress_and_completed_are_set_by_hand() {
        assert_eq!(ItemStatus::parse_update("in-progress"), Ok(ItemStatus::InProgress));
        assert_eq!(ItemStatus::parse_update("Completed"), Ok(ItemStatus::Completed));
        for bad in ["open", "risk-accepted", "done", ""] {
            let e = ItemStatus::parse_update(bad).expect_err(bad);
            assert!(e.to_string().contains("expected in-progress or completed"), "{e}");
        }
    }

    #[test]
    fn findings_group_a_control_by_kind() {
        let mut a = pair(
            "web",
            Responsibility::Customer,
            ResultValue::NotSatisfied,
            Some("platform"),
        );
        a.note = "port 22 open".into();
        let b = pair("db", Responsibility::Shared, ResultValue::NotSatisfied, Some("data"));
        let mut c = pair("bucket", Responsibility::Shared, ResultValue::Satisfied, Some("data"));
        c.evidence = vec![evidence(7, false, true)].into();
        let mut d = pair("vm", Responsibility::Inherited, ResultValue::Satisfied, None);
        d.evidence = Vec::new().into();
        let mut e = pair("ok", Responsibility::Customer, ResultValue::Satisfied, None);
        e.evidence = vec![evidence(8, true, false)].into();
        let found = findings(&[a, b, c, d, e]);
        let kinds: Vec<ItemKind> = found.iter().map(|f| f.kind).collect();
        assert_eq!(
            kinds,
            [ItemKind::NotSatisfied, ItemKind::NoEvidence, ItemKind::ExpiredEvidence]
        );
        assert_eq!(found[0].services, ["db", "web"]);
        assert_eq!(found[0].detail, "assessed not-satisfied (web: port 22 open)");
        assert_eq!(
            found[0].owner.as_deref(),
            Some("data"),
            "a tie goes to the first by name"
        );
        assert_eq!(found[1].services, ["db", "web"]);
        assert_eq!(found[2].detail, "evidence 7 expired");
        assert!(findings(&[]).is_empty());
    }
}
