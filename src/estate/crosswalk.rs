//! Crosswalk resolution: the pairs of one catalogue seen through the crosswalk from another. A
//! target control takes responsibility, owner, results and evidence from the source controls that
//! cover it (fully or partly); one that no source covers keeps its own derivation.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::live::Live;
use super::pairs::{ControlInfo, Source, each_control};
use crate::db::{Connection, catalogs};
use crate::error::Result;
use crate::model::derive::rollup;
use crate::model::evaluation::{EvidenceRef, Pair, ResultValue, combine};
use crate::model::evidence::Day;
use crate::model::mapping::Coverage;

/// The pairs of `target` seen through the crosswalk from `via`'s catalogue.
pub(super) fn via_pairs(
    conn: &Connection,
    target: &str,
    via: &Source,
    today: Day,
    each: &mut dyn FnMut(&ControlInfo, Vec<Pair>) -> Result<()>,
) -> Result<()> {
    // Source pairs by control key, then by service name.
    let mut by_key: HashMap<String, HashMap<Arc<str>, Pair>> = HashMap::new();
    let mut scope: Vec<String> = Vec::new();
    let mut seen: HashSet<Arc<str>> = HashSet::new();
    each_control(conn, via, &mut |info, pairs| {
        for p in &pairs {
            if !seen.contains(&p.service) {
                seen.insert(p.service.clone());
                scope.push(p.service.to_string());
            }
        }
        let by_service = pairs.into_iter().map(|p| (p.service.clone(), p)).collect();
        by_key.insert(info.key.clone(), by_service);
        Ok(())
    })?;
    let (target_id, _) = catalogs::get(conn, target)?;
    let (via_id, _) = catalogs::get(conn, via.catalog())?;
    let sources = crate::db::mappings::sources(conn, target_id, via_id)?;
    let live = Live::load(conn, target, Some(&scope), None, today)?;
    catalogs::for_each_control(conn, target_id, None, |c| {
        if c.control.withdrawn {
            return Ok(());
        }
        let info = ControlInfo {
            key: c.control.key.clone(),
            title: c.control.title.clone(),
            family: c.control.family.clone(),
        };
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
            for (s, sp) in &from {
                for e in &sp.evidence {
                    if !p.evidence.iter().any(|x| x.id == e.id) {
                        let mut e = EvidenceRef::clone(e);
                        e.title = format!("[via {}] {}", s.key, e.title);
                        p.evidence.push(Arc::new(e));
                    }
                }
            }
        }
        each(&info, pairs)
    })
}
