//! The automated checks a report counts, per control: the scanner observations of its source
//! (live: accepted, unexpired scans, the newest per check and resource; a closed evaluation: the
//! observations frozen when it closed), and their tally over the services a report shows.

use std::collections::{BTreeSet, HashMap};

use super::pairs::Source;
use crate::db::observed::{self, Counted};
use crate::db::{Connection, catalogs};
use crate::error::Result;

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
    Ok(match source {
        Source::Frozen(e) => observed::frozen(conn, e.id)?,
        Source::Live {
            catalog,
            services,
            today,
            ..
        } => {
            let (id, _) = catalogs::get(conn, catalog)?;
            let mut rows = observed::live(conn, id, *today)?;
            if let Some(scope) = services {
                let scope: BTreeSet<&str> = scope.iter().map(String::as_str).collect();
                rows.retain(|o| o.service.as_deref().is_none_or(|s| scope.contains(s)));
            }
            rows
        }
        // Seen through a crosswalk: the observations mapped to the reported catalogue itself.
        Source::Via { target, today, .. } => {
            let (id, _) = catalogs::get(conn, target)?;
            observed::live(conn, id, *today)?
        }
    })
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
