//! The automated checks a report counts, per control: the scanner observations of its source
//! (live: accepted, unexpired scans, the newest per check and resource; a closed evaluation: the
//! observations frozen when it closed), and their tally over the services a report shows.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::pairs::Source;
use crate::db::observed::{self, Counted};
use crate::db::{Connection, catalogs};
use crate::error::Result;
use crate::model::Responsibility;
use crate::model::derive::rollup;
use crate::model::evaluation::Pair;
use crate::model::poam::{Finding, ItemKind};

/// The observations that count, by control key, each control's in source order.
#[derive(Debug, Default)]
pub struct Checks {
    by_control: HashMap<String, Vec<Counted>>,
}

/// Passed, failed and other results of the checks on one control (or one pair).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Checks that passed.
    pub passed: u64,
    /// Checks that failed.
    pub failed: u64,
    /// Checks a person must make by hand.
    pub manual: u64,
    /// Not applicable or not decided by the scanner.
    pub other: u64,
}

impl Tally {
    /// Counts one observation in.
    pub fn add(&mut self, status: &str) {
        match status {
            "passed" => self.passed += 1,
            "failed" => self.failed += 1,
            "manual" => self.manual += 1,
            _ => self.other += 1,
        }
    }
}

/// The observations that count for `source`, in catalogue order: a closed evaluation's frozen
/// ones, else those of the live database on the source's day, on the services in its scope or
/// organisation-wide (what `evaluation close` freezes).
pub fn counted(conn: &Connection, source: &Source) -> Result<Vec<Counted>> {
    let live = |catalog: &str, services: &Option<Vec<String>>, today| -> Result<Vec<Counted>> {
        let (id, _) = catalogs::get(conn, catalog)?;
        let mut rows = observed::live(conn, id, today)?;
        if let Some(scope) = services {
            let scope: BTreeSet<&str> = scope.iter().map(String::as_str).collect();
            rows.retain(|o| o.service.as_deref().is_none_or(|s| scope.contains(s)));
        }
        Ok(rows)
    };
    match source {
        Source::Frozen(e) => observed::frozen(conn, e.id),
        Source::Live {
            catalog,
            services,
            today,
            ..
        } => live(catalog, services, *today),
        // Seen through a crosswalk: the observations mapped to the reported catalogue itself, in
        // the scope of the source seen through. A closed evaluation froze those of its own
        // catalogue only, so through a crosswalk it shows none rather than today's.
        Source::Via { target, via, today } => {
            let mut inner: &Source = via;
            while let Source::Via { via, .. } = inner {
                inner = via;
            }
            match inner {
                Source::Live { services, .. } => live(target, services, *today),
                _ => Ok(Vec::new()),
            }
        }
    }
}

impl Checks {
    /// The observations that count for `source` ([`counted`]), by control.
    pub fn load(conn: &Connection, source: &Source) -> Result<Checks> {
        let mut by_control: HashMap<String, Vec<Counted>> = HashMap::new();
        for o in counted(conn, source)? {
            by_control.entry(o.control.clone()).or_default().push(o);
        }
        Ok(Checks { by_control })
    }

    /// True when nothing counts (then reports look as they did before scans existed).
    pub fn is_empty(&self) -> bool {
        self.by_control.is_empty()
    }

    /// Whether any observation counts for control `key` (on any service or none).
    pub fn observes(&self, key: &str) -> bool {
        self.by_control.get(key).is_some_and(|o| !o.is_empty())
    }

    /// Every observation that counts, whatever its control.
    pub fn all(&self) -> impl Iterator<Item = &Counted> {
        self.by_control.values().flatten()
    }

    /// The observations of control `key` on the services `shown` and, with `organisation`, those
    /// on no service; one per (service, check, resource, status), so a finding whose statement
    /// parts roll up to the same control counts once.
    pub fn of<'a>(
        &'a self,
        key: &str,
        shown: &'a BTreeSet<&str>,
        organisation: bool,
    ) -> impl Iterator<Item = &'a Counted> + 'a {
        let mut seen: BTreeSet<(Option<&str>, &str, &str, &str)> = BTreeSet::new();
        self.by_control
            .get(key)
            .into_iter()
            .flatten()
            .filter(move |o| match o.service.as_deref() {
                Some(s) => shown.contains(s),
                None => organisation,
            })
            .filter(move |o| {
                seen.insert((
                    o.service.as_deref(),
                    o.check.as_str(),
                    o.resource.as_str(),
                    o.status.as_str(),
                ))
            })
    }

    /// The tally of control `key` on the services `shown` (and organisation-wide with `organisation`).
    pub fn tally(&self, key: &str, shown: &BTreeSet<&str>, organisation: bool) -> Tally {
        let mut t = Tally::default();
        for o in self.of(key, shown, organisation) {
            t.add(&o.status);
        }
        t
    }
}

/// Who carries one pair of a control, as an evaluation froze it.
#[derive(Debug, Clone)]
pub struct PairRole {
    /// Its responsibility.
    pub responsibility: Responsibility,
    /// Its effective owner.
    pub owner: Option<String>,
}

/// A control as an evaluation froze it: what a failing check on it calls for.
#[derive(Debug, Clone)]
pub struct ControlRole {
    /// Its title.
    pub title: String,
    /// Its organisation-wide value over the pairs (for checks on no service).
    pub organisation: Responsibility,
    /// Its pairs, by service name.
    pub pairs: HashMap<String, PairRole>,
}

impl ControlRole {
    /// The role of a control from its pairs.
    pub fn of(title: &str, pairs: &[Pair]) -> ControlRole {
        ControlRole {
            title: title.to_string(),
            organisation: rollup(pairs.iter().map(|p| p.responsibility)),
            pairs: pairs
                .iter()
                .map(|p| {
                    let role = PairRole {
                        responsibility: p.responsibility,
                        owner: p.owner.as_deref().map(str::to_string),
                    };
                    (p.service.to_string(), role)
                })
                .collect(),
        }
    }
}

/// Resources named in a failing check's POA&M detail before "and N more".
const NAMED_RESOURCES: usize = 3;

/// The plan-of-action findings of failed checks among `rows`: one per (scanner, check, control)
/// where the customer has a part (on the failing resource's service, or organisation-wide by the
/// control's organisation value; a failure on an inherited pair is the provider's), naming the
/// services, the resources and the scans, owned by the team owning most of the pairs concerned.
/// Each comes with its origin key (`scanner:check`), so one check failing again opens no second
/// item while the first is not completed. Controls missing from `controls` are out of scope.
pub fn failing_check_findings(rows: &[Counted], controls: &HashMap<String, ControlRole>) -> Vec<(String, Finding)> {
    let mut groups: BTreeMap<(&str, &str, &str), Vec<&Counted>> = BTreeMap::new();
    for o in rows.iter().filter(|o| o.status == "failed") {
        let Some(role) = controls.get(&o.control) else {
            continue;
        };
        let customer = match &o.service {
            Some(s) => role
                .pairs
                .get(s)
                .is_some_and(|p| p.responsibility.customer_has_a_part()),
            None => role.organisation.customer_has_a_part(),
        };
        if customer {
            groups
                .entry((o.tool.as_str(), o.check.as_str(), o.control.as_str()))
                .or_default()
                .push(o);
        }
    }
    groups
        .into_iter()
        .map(|((tool, check, control), list)| {
            let role = &controls[control];
            let services: BTreeSet<&str> = list.iter().filter_map(|o| o.service.as_deref()).collect();
            let mut owners: BTreeMap<&str, usize> = BTreeMap::new();
            for s in &services {
                if let Some(owner) = role.pairs.get(*s).and_then(|p| p.owner.as_deref()) {
                    *owners.entry(owner).or_default() += 1;
                }
            }
            // The most pairs, then the first name.
            let owner = owners
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .map(|(o, _)| o.to_string());
            let resources: BTreeSet<&str> = list.iter().map(|o| o.resource.as_str()).collect();
            let scans: BTreeSet<i64> = list.iter().map(|o| o.scan).collect();
            let named: Vec<&str> = resources.iter().take(NAMED_RESOURCES).copied().collect();
            let more = match resources.len().saturating_sub(NAMED_RESOURCES) {
                0 => String::new(),
                n => format!(" and {n} more"),
            };
            let detail = format!(
                "check {check} ({tool}) failed on {} {}{}: {}{more} (scan {})",
                resources.len(),
                if resources.len() == 1 { "resource" } else { "resources" },
                if services.is_empty() { " organisation-wide" } else { "" },
                named.join(", "),
                scans.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
            );
            let finding = Finding {
                control_key: control.to_string(),
                control_title: role.title.clone(),
                kind: ItemKind::FailedCheck,
                services: services.iter().map(|s| s.to_string()).collect(),
                detail,
                owner,
            };
            (format!("{tool}:{check}"), finding)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(control: &str, service: Option<&str>, check: &str, resource: &str) -> Counted {
        Counted {
            control: control.into(),
            service: service.map(str::to_string),
            check: check.into(),
            finding_id: "f".into(),
            title: String::new(),
            resource: resource.into(),
            status: "failed".into(),
            observed_at: "2026-11-20T00:00:00Z".into(),
            mapping: "finding".into(),
            scan: 1,
            evidence: 1,
            sha256: "a".repeat(64),
            tool: "Prowler".into(),
        }
    }

    fn role(organisation: Responsibility, pairs: &[(&str, Responsibility, Option<&str>)]) -> ControlRole {
        ControlRole {
            title: "Title".into(),
            organisation,
            pairs: pairs
                .iter()
                .map(|(s, r, o)| {
                    let role = PairRole {
                        responsibility: *r,
                        owner: o.map(str::to_string),
                    };
                    (s.to_string(), role)
                })
                .collect(),
        }
    }

    #[test]
    fn one_finding_per_scanner_check_and_control_where_the_customer_has_a_part() {
        use Responsibility::{Customer, Inherited, Shared};
        let controls: HashMap<String, ControlRole> = [
            (
                "AC-3".to_string(),
                role(
                    Shared,
                    &[
                        ("a", Customer, Some("zeta")),
                        ("b", Customer, Some("alpha")),
                        ("c", Inherited, Some("ops")),
                    ],
                ),
            ),
            ("PE-3".to_string(), role(Inherited, &[("a", Inherited, None)])),
        ]
        .into_iter()
        .collect();
        let mut rows: Vec<Counted> = (0..5)
            .map(|i| {
                failed(
                    "AC-3",
                    Some(if i % 2 == 0 { "a" } else { "b" }),
                    "s3_public",
                    &format!("r{i}"),
                )
            })
            .collect();
        rows.push(failed("AC-3", Some("c"), "s3_public", "inherited")); // provider's scope
        rows.push(failed("PE-3", None, "dc_door", "aws-account:1")); // inherited organisation-wide
        rows.push(failed("AC-3", None, "iam_root", "aws-account:1")); // shared organisation-wide
        rows.push(Counted {
            status: "passed".into(),
            ..failed("AC-3", Some("a"), "s3_tls", "r9")
        });
        rows.push(failed("AU-2", Some("a"), "trail", "r1")); // not in scope
        let found = failing_check_findings(&rows, &controls);
        let keys: Vec<(&str, &str)> = found
            .iter()
            .map(|(o, f)| (o.as_str(), f.control_key.as_str()))
            .collect();
        assert_eq!(keys, [("Prowler:iam_root", "AC-3"), ("Prowler:s3_public", "AC-3")]);
        let (_, public) = &found[1];
        assert_eq!(public.kind, ItemKind::FailedCheck);
        assert_eq!(public.services, ["a", "b"]);
        assert_eq!(public.owner.as_deref(), Some("alpha"), "a tie goes to the first name");
        assert_eq!(
            public.detail,
            "check s3_public (Prowler) failed on 5 resources: r0, r1, r2 and 2 more (scan 1)"
        );
        let (_, root) = &found[0];
        assert!(root.services.is_empty());
        assert_eq!(
            root.detail,
            "check iam_root (Prowler) failed on 1 resource organisation-wide: aws-account:1 (scan 1)"
        );
    }
}
