//! Crosswalk resolution: the pairs of one catalogue seen through the crosswalk from another. A
//! target control takes responsibility, owner, results and evidence from the source controls that
//! cover it (fully or partly); one that no source covers keeps its own derivation.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::control::ControlInfo;
use super::live::Live;
use crate::db::{Connection, catalogs};
use crate::error::Result;
use crate::model::derive::rollup;
use crate::model::evaluation::{EvidenceRef, Pair, ResultValue, combine};
use crate::model::evidence::Day;
use crate::model::mapping::Coverage;

/// The pairs of the catalogue a crosswalk starts from, as they were read.
#[derive(Default)]
pub(super) struct Through {
    /// Source pairs by control key, then by service name.
    by_key: HashMap<String, HashMap<Arc<str>, Pair>>,
    /// The services of the source pairs, in the order first seen.
    scope: Vec<String>,
    seen: HashSet<Arc<str>>,
}

impl Through {
    /// Adds one source control's pairs.
    pub(super) fn add(&mut self, info: &ControlInfo, pairs: Vec<Pair>) {
        for p in &pairs {
            if !self.seen.contains(&p.service) {
                self.seen.insert(p.service.clone());
                self.scope.push(p.service.to_string());
            }
        }
        let by_service = pairs.into_iter().map(|p| (p.service.clone(), p)).collect();
        self.by_key.insert(info.key.clone(), by_service);
    }

    /// The pairs of `target` seen through the crosswalk from catalogue `via`, whose pairs were added.
    pub(super) fn pairs(
        self,
        conn: &Connection,
        target: &str,
        via: &str,
        today: Day,
        each: &mut dyn FnMut(&ControlInfo, Vec<Pair>) -> Result<()>,
    ) -> Result<()> {
        let Through { by_key, scope, .. } = self;
        let (target_id, _) = catalogs::get(conn, target)?;
        let (via_id, _) = catalogs::get(conn, via)?;
        let sources = crate::db::mappings::sources(conn, target_id, via_id)?;
        let live = Live::load(conn, target, Some(&scope), None, today)?;
        catalogs::for_each_control(conn, target_id, None, |c| {
            if c.control.withdrawn {
                return Ok(());
            }
            let info = ControlInfo::from(&c.control);
            let mut pairs = live.pairs(&c);
            let covering: Vec<_> = sources
                .get(&c.id)
                .map(|s| {
                    s.iter()
                        .filter(|s| s.relationship.contributes() != Coverage::NotCovered)
                        .collect()
                })
                .unwrap_or_default();
            for p in &mut pairs {
                let from: Vec<_> = covering
                    .iter()
                    .filter_map(|s| by_key.get(&s.key)?.get(&p.service).map(|sp| (*s, sp)))
                    .collect();
                if from.is_empty() {
                    continue;
                }
                let full = from
                    .iter()
                    .any(|(s, _)| s.relationship.contributes() == Coverage::Covered);
                p.responsibility = rollup(from.iter().map(|(_, sp)| sp.responsibility));
                p.provenance = "crosswalk".into();
                p.rationale = from
                    .iter()
                    .map(|(s, sp)| format!("via {} ({}): {}", s.key, s.relationship, sp.rationale))
                    .collect::<Vec<_>>()
                    .join(" | ")
                    .into();
                p.owner = from.iter().find_map(|(_, sp)| sp.owner.clone()).or(p.owner.take());
                let result = combine(from.iter().map(|(_, sp)| sp.result));
                // A source that covers only part of the target cannot satisfy all of it.
                p.result = if !full && result == ResultValue::Satisfied {
                    ResultValue::PartiallySatisfied
                } else {
                    result
                };
                p.note = from
                    .iter()
                    .filter(|(_, sp)| !sp.note.is_empty())
                    .map(|(s, sp)| format!("{}: {}", s.key, sp.note))
                    .collect::<Vec<_>>()
                    .join("; ");
                let mut evidence = p.evidence.to_vec();
                for (s, sp) in &from {
                    for e in sp.evidence.iter() {
                        if !evidence.iter().any(|x| x.id == e.id) {
                            let mut e = EvidenceRef::clone(e);
                            e.title = format!("[via {}] {}", s.key, e.title);
                            evidence.push(Arc::new(e));
                        }
                    }
                }
                p.evidence = evidence.into();
            }
            each(&info, pairs)
        })
    }
}
