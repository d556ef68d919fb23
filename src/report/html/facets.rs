//! What the page's control filters need beyond the report data: for each control, the value of
//! each of its (control, service) pairs, the teams owning its shared or customer pairs, and the
//! evidence linked to it. Collected from the same pass over the pairs as the report data.

use std::collections::{BTreeSet, HashMap};
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
    /// The pairs as `service.responsibility.result` tokens (indices into the service list,
    /// [`Responsibility::ALL`] and [`ResultValue::ALL`]), space-separated: what the filter reads.
    pub fn pair_tokens(&self) -> String {
        let position = |all: &[Responsibility], r: Responsibility| all.iter().position(|x| *x == r).unwrap_or(0);
        let result = |r: ResultValue| ResultValue::ALL.iter().position(|x| *x == r).unwrap_or(0);
        let mut out = String::with_capacity(self.pairs.len() * 6);
        for (i, (service, resp, res)) in self.pairs.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(&format!(
                "{service}.{}.{}",
                position(Responsibility::ALL, *resp),
                result(*res)
            ));
        }
        out
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
