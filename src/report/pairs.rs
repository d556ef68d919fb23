//! The (control, service) pairs a report or an evaluation snapshot is made of, control by control:
//! derived live from the database, or read back from a closed evaluation's frozen snapshot.
//! Both paths yield the same [`Pair`]s, so reports cannot tell them apart.

use std::collections::{HashMap, HashSet};

use crate::db::evaluations::{self, Evaluation, Recorded};
use crate::db::evidence::{self as evidence_db, Linked};
use crate::db::{Connection, catalogs};
use crate::error::{Error, Result};
use crate::matrix::Matrix;
use crate::model::evaluation::{EvidenceRef, Pair, ResultValue};
use crate::model::evidence::{Day, ReviewStatus, counts};

/// A control as a report lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlInfo {
    /// Key.
    pub key: String,
    /// Title.
    pub title: String,
    /// Family.
    pub family: String,
}

/// Where pairs come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// The database as it is now, optionally with the results of an open evaluation.
    Live {
        /// Catalogue key.
        catalog: String,
        /// Service names in scope; `None` for every in-scope service.
        services: Option<Vec<String>>,
        /// An open evaluation whose results to include.
        evaluation: Option<Evaluation>,
        /// The day evidence is judged on.
        today: Day,
    },
    /// A closed evaluation's snapshot.
    Frozen(Evaluation),
    /// Catalogue `target` as seen through a crosswalk from the catalogue of `via`: a target control
    /// takes responsibility, owner, results and evidence from the source controls that cover it
    /// (fully or partly); one no source covers keeps its own derivation.
    Via {
        /// The catalogue reported on.
        target: String,
        /// Where the source pairs come from.
        via: Box<Source>,
        /// The day evidence is judged on.
        today: Day,
    },
}

impl Source {
    /// The catalogue whose controls the pairs are about.
    pub fn catalog(&self) -> &str {
        match self {
            Source::Live { catalog, .. } => catalog,
            Source::Frozen(e) => &e.catalog,
            Source::Via { target, .. } => target,
        }
    }

    /// The evaluation the results come from, if any.
    pub fn evaluation(&self) -> Option<&Evaluation> {
        match self {
            Source::Live { evaluation, .. } => evaluation.as_ref(),
            Source::Frozen(e) => Some(e),
            Source::Via { via, .. } => via.evaluation(),
        }
    }

    /// The source for an evaluation: its snapshot when closed, the live state with its results when open.
    pub fn of_evaluation(e: Evaluation, today: Day) -> Source {
        if e.is_closed() {
            Source::Frozen(e)
        } else {
            Source::Live {
                catalog: e.catalog.clone(),
                services: Some(e.services.clone()),
                evaluation: Some(e),
                today,
            }
        }
    }
}

/// Calls `each` once per control, in catalogue order, with its pairs (one per service in scope).
pub fn for_each_control(
    conn: &Connection,
    source: &Source,
    mut each: impl FnMut(&ControlInfo, &[Pair]) -> Result<()>,
) -> Result<()> {
    each_control(conn, source, &mut each)
}

/// The non-generic body of [`for_each_control`] (a crosswalk source nests another source).
fn each_control(
    conn: &Connection,
    source: &Source,
    each: &mut dyn FnMut(&ControlInfo, &[Pair]) -> Result<()>,
) -> Result<()> {
    match source {
        Source::Live {
            catalog,
            services,
            evaluation,
            today,
        } => {
            let live = Live::load(conn, catalog, services.as_deref(), evaluation.as_ref(), *today)?;
            catalogs::for_each_control(conn, live.matrix.catalog_id, None, |c| {
                if c.control.withdrawn {
                    return Ok(());
                }
                let info = ControlInfo {
                    key: c.control.key.clone(),
                    title: c.control.title.clone(),
                    family: c.control.family.clone(),
                };
                let pairs = live.pairs(&c);
                each(&info, &pairs)
            })
        }
        Source::Frozen(e) => {
            let mut current: Option<(ControlInfo, Vec<Pair>)> = None;
            evaluations::for_each_item(conn, e.id, |pair| {
                let same = current.as_ref().is_some_and(|(c, _)| c.key == pair.control_key);
                if !same {
                    if let Some((info, pairs)) = current.take() {
                        each(&info, &pairs)?;
                    }
                    let info = ControlInfo {
                        key: pair.control_key.clone(),
                        title: pair.control_title.clone(),
                        family: pair.family.clone(),
                    };
                    current = Some((info, Vec::new()));
                }
                if let Some((_, pairs)) = current.as_mut() {
                    pairs.push(pair);
                }
                Ok(())
            })?;
            if let Some((info, pairs)) = current.take() {
                each(&info, &pairs)?;
            }
            Ok(())
        }
        Source::Via { target, via, today } => via_pairs(conn, target, via, *today, each),
    }
}

/// The pairs of `target` seen through the crosswalk from `via`'s catalogue.
fn via_pairs(
    conn: &Connection,
    target: &str,
    via: &Source,
    today: Day,
    each: &mut dyn FnMut(&ControlInfo, &[Pair]) -> Result<()>,
) -> Result<()> {
    use crate::model::derive::rollup;
    use crate::model::evaluation::combine;
    use crate::model::mapping::Coverage;

    let mut by_key: HashMap<String, Vec<Pair>> = HashMap::new();
    let mut scope: Vec<String> = Vec::new();
    each_control(conn, via, &mut |info, pairs| {
        for p in pairs {
            if !scope.contains(&p.service) {
                scope.push(p.service.clone());
            }
        }
        by_key.insert(info.key.clone(), pairs.to_vec());
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
                .filter_map(|s| {
                    by_key
                        .get(&s.key)?
                        .iter()
                        .find(|sp| sp.service == p.service)
                        .map(|sp| (*s, sp))
                })
                .collect();
            if from.is_empty() {
                continue;
            }
            let full = from
                .iter()
                .any(|(s, _)| s.relationship.contributes() == Coverage::Covered);
            p.responsibility = rollup(from.iter().map(|(_, sp)| sp.responsibility));
            p.provenance = "crosswalk".to_string();
            p.rationale = from
                .iter()
                .map(|(s, sp)| format!("via {} ({}): {}", s.key, s.relationship, sp.rationale))
                .collect::<Vec<_>>()
                .join(" | ");
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
                        let mut e = e.clone();
                        e.title = format!("[via {}] {}", s.key, e.title);
                        p.evidence.push(e);
                    }
                }
            }
        }
        each(&info, &pairs)
    })
}

/// The inputs of live pairs, loaded once.
struct Live {
    matrix: Matrix,
    shown: Vec<usize>,
    linked: HashMap<(i64, i64), Vec<Linked>>,
    results: HashMap<(i64, i64), Recorded>,
    reviewers: HashMap<i64, String>,
    statuses: HashMap<(i64, i64), String>,
    today: Day,
}

impl Live {
    fn load(
        conn: &Connection,
        catalog: &str,
        services: Option<&[String]>,
        evaluation: Option<&Evaluation>,
        today: Day,
    ) -> Result<Live> {
        let matrix = Matrix::load(conn, catalog)?;
        let shown = match services {
            None => (0..matrix.services.len()).collect(),
            Some(names) => {
                let wanted: HashSet<String> = names.iter().map(|n| n.to_lowercase()).collect();
                let shown: Vec<usize> = (0..matrix.services.len())
                    .filter(|&i| wanted.contains(&matrix.services[i].service.name.to_lowercase()))
                    .collect();
                if shown.len() < wanted.len() {
                    let present: HashSet<String> = shown
                        .iter()
                        .map(|&i| matrix.services[i].service.name.to_lowercase())
                        .collect();
                    let gone: Vec<&String> = names.iter().filter(|n| !present.contains(&n.to_lowercase())).collect();
                    return Err(Error::Invalid(format!(
                        "services in scope are gone or out of scope: {}",
                        gone.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                    )));
                }
                shown
            }
        };
        let linked = evidence_db::linked_in_catalog(conn, matrix.catalog_id)?;
        let results = match evaluation {
            Some(e) => evaluations::results(conn, e.id)?,
            None => HashMap::new(),
        };
        let statuses = crate::db::implementations::for_catalog(conn, matrix.catalog_id)?
            .into_iter()
            .filter_map(|i| Some(((i.control_id, i.service_id.unwrap_or(0)), i.status?)))
            .collect();
        Ok(Live {
            matrix,
            shown,
            linked,
            results,
            reviewers: evidence_db::last_reviewers(conn)?,
            statuses,
            today,
        })
    }

    fn pairs(&self, c: &catalogs::ControlRow) -> Vec<Pair> {
        let none = Vec::new();
        let org_evidence = self.linked.get(&(c.id, 0)).unwrap_or(&none);
        self.shown
            .iter()
            .map(|&i| {
                let service = &self.matrix.services[i];
                let cell = self.matrix.cell(c, service);
                let result = self
                    .results
                    .get(&(c.id, service.id))
                    .or_else(|| self.results.get(&(c.id, 0)));
                let own = self.linked.get(&(c.id, service.id)).unwrap_or(&none);
                let mut evidence: Vec<EvidenceRef> =
                    own.iter().chain(org_evidence).map(|l| self.evidence_ref(l)).collect();
                evidence.sort_by_key(|e| e.id);
                evidence.dedup_by_key(|e| e.id);
                let status = self
                    .statuses
                    .get(&(c.id, service.id))
                    .or_else(|| self.statuses.get(&(c.id, 0)))
                    .cloned()
                    .unwrap_or_default();
                Pair {
                    control_key: c.control.key.clone(),
                    control_title: c.control.title.clone(),
                    family: c.control.family.clone(),
                    service: service.service.name.clone(),
                    offering: service.offering_name.clone(),
                    category: service.category,
                    service_team: service.service.team.clone(),
                    responsibility: cell.effective.responsibility,
                    provenance: cell.effective.provenance.as_str().to_string(),
                    rationale: cell.effective.rationale.to_string(),
                    owner: cell.owner.map(|(t, _)| t.to_string()),
                    status,
                    result: result.map_or(ResultValue::NotAssessed, |r| r.result),
                    note: result.map(|r| r.note.clone()).unwrap_or_default(),
                    evidence,
                }
            })
            .collect()
    }

    fn evidence_ref(&self, l: &Linked) -> EvidenceRef {
        let e = &l.evidence;
        let counting = counts(e.status, e.valid_until, self.today);
        EvidenceRef {
            id: e.id,
            title: e.title.clone(),
            sha256: e.sha256.clone(),
            collected: e.collected_on.to_string(),
            valid_until: e.valid_until.map(|d| d.to_string()),
            status: e.status.to_string(),
            reviewer: self.reviewers.get(&e.id).cloned(),
            counts: counting,
            expired: e.status == ReviewStatus::Accepted && !counting,
        }
    }
}
