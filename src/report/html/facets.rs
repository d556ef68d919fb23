//! What the page's control filters need beyond the report data: for each control, the value of
//! each of its (control, service) pairs, the teams owning its shared or customer pairs, and the
//! evidence linked to it. Collected from the same pass over the pairs as the report data.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use crate::model::Responsibility;
use crate::model::evaluation::{Pair, ResultValue};

/// One control's facets, in the order the controls were added (catalogue order).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ControlFacets {
    /// (service, responsibility, result) of each pair shown; the service as a first-seen index.
    pairs: Vec<(u32, Responsibility, ResultValue)>,
    /// Teams owning a shared or customer pair (the control table's owner column), by name.
    teams: BTreeSet<Arc<str>>,
    /// Evidence linked to the control on a pair shown, by number.
    evidence: BTreeSet<i64>,
}

/// The facets of every control of a report, collected pair by pair.
#[derive(Debug, Default)]
pub struct Facets {
    seen: HashMap<Arc<str>, u32>,
    names: Vec<Arc<str>>,
    controls: Vec<ControlFacets>,
}

impl Facets {
    /// Adds the pairs a report keeps of the next control.
    pub fn add<'p>(&mut self, kept: impl Iterator<Item = &'p Pair>) {
        let mut facets = ControlFacets::default();
        for p in kept {
            let next = self.names.len() as u32;
            let index = *self.seen.entry(Arc::clone(&p.service)).or_insert(next);
            if index == next {
                self.names.push(Arc::clone(&p.service));
            }
            facets.pairs.push((index, p.responsibility, p.result));
            if p.responsibility.customer_has_a_part()
                && let Some(owner) = &p.owner
            {
                facets.teams.insert(Arc::clone(owner));
            }
            facets.evidence.extend(p.evidence.iter().map(|e| e.id));
        }
        self.controls.push(facets);
    }

    /// The facets with services numbered in name order (as the report lists them).
    pub fn finish(self) -> Collected {
        let Facets { names, controls, .. } = self;
        let mut order: Vec<usize> = (0..names.len()).collect();
        order.sort_by(|a, b| names[*a].cmp(&names[*b]));
        let mut renumber = vec![0u32; names.len()];
        for (new, old) in order.iter().enumerate() {
            renumber[*old] = new as u32;
        }
        let teams: BTreeSet<String> = controls
            .iter()
            .flat_map(|c| c.teams.iter().map(|t| t.to_string()))
            .collect();
        let controls = controls
            .into_iter()
            .map(|mut c| {
                for pair in &mut c.pairs {
                    pair.0 = renumber[pair.0 as usize];
                }
                c.pairs.sort_by_key(|p| p.0);
                c
            })
            .collect();
        Collected {
            services: order.iter().map(|i| names[*i].to_string()).collect(),
            teams: teams.into_iter().collect(),
            controls,
        }
    }
}

/// Facets ready to draw: services and teams by name, each control's facets numbered into them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Collected {
    /// Services with a pair in the report, by name.
    pub services: Vec<String>,
    /// Teams owning a shared or customer pair, by name.
    pub teams: Vec<String>,
    /// Per control, in the report's order.
    pub controls: Vec<ControlFacets>,
}

impl ControlFacets {
    /// The pairs as the filter reads them: `service.responsibility.result` tokens (indices into
    /// the list of `services`, [`Responsibility::ALL`] and [`ResultValue::ALL`]), space-separated.
    /// A control with a pair on every service (the usual case) starts with `*responsibility.result`,
    /// the value of most of its pairs, and lists only the pairs that differ: a catalogue times
    /// thousands of services stays a page, not a copy of every pair.
    pub fn pair_tokens(&self, services: usize) -> String {
        let code = |resp: Responsibility, res: ResultValue| {
            let r = Responsibility::ALL.iter().position(|x| *x == resp).unwrap_or(0);
            let x = ResultValue::ALL.iter().position(|y| *y == res).unwrap_or(0);
            (r, x)
        };
        let mut counts: BTreeMap<(usize, usize), usize> = BTreeMap::new();
        for (_, resp, res) in &self.pairs {
            *counts.entry(code(*resp, *res)).or_default() += 1;
        }
        // The commonest value; of equally common ones, the first in order.
        let common = counts
            .iter()
            .fold(None, |best: Option<(&(usize, usize), usize)>, (value, n)| match best {
                Some((_, m)) if m >= *n => best,
                _ => Some((value, *n)),
            })
            .map(|(value, _)| *value);
        let mut tokens = Vec::new();
        let default = match common {
            Some((r, x)) if !self.pairs.is_empty() && self.pairs.len() == services => {
                tokens.push(format!("*{r}.{x}"));
                Some((r, x))
            }
            _ => None,
        };
        for (service, resp, res) in &self.pairs {
            let value = code(*resp, *res);
            if Some(value) != default {
                tokens.push(format!("{service}.{}.{}", value.0, value.1));
            }
        }
        tokens.join(" ")
    }

    /// The owning teams, as indices into `teams` (sorted names), space-separated.
    pub fn team_tokens(&self, teams: &[String]) -> String {
        self.teams
            .iter()
            .filter_map(|t| teams.binary_search_by(|x| x.as_str().cmp(t)).ok())
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The evidence linked to the control, by number.
    pub fn evidence(&self) -> impl Iterator<Item = i64> + '_ {
        self.evidence.iter().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facets(pairs: &[(u32, Responsibility, ResultValue)]) -> ControlFacets {
        ControlFacets {
            pairs: pairs.to_vec(),
            ..ControlFacets::default()
        }
    }

    #[test]
    fn pairs_are_written_as_the_common_value_and_the_exceptions() {
        use Responsibility::{Customer, Inherited, Shared};
        use ResultValue::{NotAssessed, NotSatisfied, Satisfied};
        let uniform = facets(&[
            (0, Inherited, NotAssessed),
            (1, Inherited, NotAssessed),
            (2, Inherited, NotAssessed),
        ]);
        assert_eq!(uniform.pair_tokens(3), "*0.4");
        let mixed = facets(&[
            (0, Customer, Satisfied),
            (1, Shared, NotSatisfied),
            (2, Customer, Satisfied),
        ]);
        assert_eq!(mixed.pair_tokens(3), "*2.0 1.1.2");
        // A control without a pair on some service lists every pair it has.
        assert_eq!(mixed.pair_tokens(4), "0.2.0 1.1.2 2.2.0");
        // Equally common values: the first in order is the default.
        let tie = facets(&[(0, Shared, Satisfied), (1, Inherited, Satisfied)]);
        assert_eq!(tie.pair_tokens(2), "*0.0 0.1.0");
        assert_eq!(facets(&[]).pair_tokens(0), "");
    }
}
