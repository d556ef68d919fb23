//! The (control, service) pairs a report or an evaluation snapshot is made of, control by control:
//! derived live from the database, or read back from a closed evaluation's frozen snapshot.
//! Both paths yield the same [`Pair`]s, so reports cannot tell them apart.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use super::assemble::Fingerprint;
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
    each_control(conn, source, &mut |info, pairs| each(info, &pairs))
}

/// As [`for_each_control`], handing over each control's pairs, so a caller can pass them on (to
/// another thread) instead of copying them.
pub fn for_each_control_owned(
    conn: &Connection,
    source: &Source,
    mut each: impl FnMut(&ControlInfo, Vec<Pair>) -> Result<()>,
) -> Result<()> {
    each_control(conn, source, &mut each)
}

/// The non-generic body of [`for_each_control`] (a crosswalk source nests another source).
fn each_control(
    conn: &Connection,
    source: &Source,
    each: &mut dyn FnMut(&ControlInfo, Vec<Pair>) -> Result<()>,
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
                each(&info, live.pairs(&c))
            })
        }
        Source::Frozen(e) => {
            // Every read of a snapshot, whole or filtered, direct or through a crosswalk, checks
            // it against the fingerprint taken at close; callers write nothing under a final
            // name until this returns, so a damaged snapshot leaves no report behind.
            let mut fingerprint = Fingerprint::default();
            let mut current: Option<(ControlInfo, Vec<Pair>)> = None;
            evaluations::for_each_item(conn, e.id, |pair| {
                fingerprint.add(&pair)?;
                let same = current.as_ref().is_some_and(|(c, _)| *c.key == *pair.control_key);
                if !same {
                    if let Some((info, pairs)) = current.take() {
                        each(&info, pairs)?;
                    }
                    let info = ControlInfo {
                        key: pair.control_key.to_string(),
                        title: pair.control_title.to_string(),
                        family: pair.family.to_string(),
                    };
                    current = Some((info, Vec::new()));
                }
                if let Some((_, pairs)) = current.as_mut() {
                    pairs.push(pair);
                }
                Ok(())
            })?;
            if let Some((info, pairs)) = current.take() {
                each(&info, pairs)?;
            }
            e.check_fingerprint(&fingerprint.finish()?)
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
    each: &mut dyn FnMut(&ControlInfo, Vec<Pair>) -> Result<()>,
) -> Result<()> {
    use crate::model::derive::rollup;
    use crate::model::evaluation::combine;
    use crate::model::mapping::Coverage;

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

/// Hashes keys made of addresses (as [`Live::share`] uses): a few multiplications instead of
/// SipHash, which showed in profiles at millions of lookups. The keys are addresses, not input.
#[derive(Default)]
pub(crate) struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }

    fn write_usize(&mut self, n: usize) {
        self.0 = (self.0.rotate_left(5) ^ n as u64).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

/// A map keyed by addresses.
pub(crate) type ByAddress = BuildHasherDefault<AddressHasher>;

/// A service's name, offering name and team, shareable.
type ServiceNames = (Arc<str>, Arc<str>, Option<Arc<str>>);

/// The inputs of live pairs, loaded once. Texts every pair repeats are made shareable once here,
/// so a pair costs reference counts rather than copies.
struct Live {
    matrix: Matrix,
    shown: Vec<usize>,
    /// Per service (as `matrix.services`): name, offering name, team.
    names: Vec<ServiceNames>,
    /// Evidence as pairs show it, by (control, service id or 0 for organisation-wide); each
    /// piece is made once however many links it has.
    linked: HashMap<(i64, i64), Vec<Arc<EvidenceRef>>>,
    results: HashMap<(i64, i64), Recorded>,
    statuses: HashMap<(i64, i64), String>,
    /// Recorded implementation statements, by (control, service id or 0 for organisation-wide).
    statements: HashMap<(i64, i64), String>,
    /// Rationales, provenances and owners, shared by where the borrowed text lives.
    shared: RefCell<HashMap<(usize, usize), Arc<str>, ByAddress>>,
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
        let implementations = crate::db::implementations::for_catalog(conn, matrix.catalog_id)?;
        let statements = implementations
            .iter()
            .filter(|i| !i.statement.trim().is_empty())
            .map(|i| ((i.control_id, i.service_id.unwrap_or(0)), i.statement.clone()))
            .collect();
        let statuses = implementations
            .into_iter()
            .filter_map(|i| Some(((i.control_id, i.service_id.unwrap_or(0)), i.status?)))
            .collect();
        let reviewers = evidence_db::last_reviewers(conn)?;
        let mut made: HashMap<i64, Arc<EvidenceRef>> = HashMap::new();
        let linked = linked
            .into_iter()
            .map(|(at, links)| {
                let refs = links
                    .iter()
                    .map(|l| {
                        made.entry(l.evidence.id)
                            .or_insert_with(|| Arc::new(evidence_ref(l, &reviewers, today)))
                            .clone()
                    })
                    .collect();
                (at, refs)
            })
            .collect();
        let names = matrix
            .services
            .iter()
            .map(|s| {
                (
                    Arc::from(s.service.name.as_str()),
                    Arc::from(s.offering_name.as_str()),
                    s.service.team.as_deref().map(Arc::from),
                )
            })
            .collect();
        Ok(Live {
            matrix,
            shown,
            names,
            linked,
            results,
            statuses,
            statements,
            shared: RefCell::new(HashMap::default()),
        })
    }

    /// `text` as a shared string; `text` borrows from the loaded inputs, which stay put while
    /// `self` lives, so where it lives identifies it.
    fn share(&self, text: &str) -> Arc<str> {
        let at = (text.as_ptr() as usize, text.len());
        self.shared
            .borrow_mut()
            .entry(at)
            .or_insert_with(|| Arc::from(text))
            .clone()
    }

    fn pairs(&self, c: &catalogs::ControlRow) -> Vec<Pair> {
        let none = Vec::new();
        let key: Arc<str> = c.control.key.as_str().into();
        let title: Arc<str> = c.control.title.as_str().into();
        let family: Arc<str> = c.control.family.as_str().into();
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
                let mut evidence: Vec<Arc<EvidenceRef>> = own.iter().chain(org_evidence).cloned().collect();
                evidence.sort_by_key(|e| e.id);
                evidence.dedup_by_key(|e| e.id);
                let status = self
                    .statuses
                    .get(&(c.id, service.id))
                    .or_else(|| self.statuses.get(&(c.id, 0)))
                    .cloned()
                    .unwrap_or_default();
                let statement = self
                    .statements
                    .get(&(c.id, service.id))
                    .or_else(|| self.statements.get(&(c.id, 0)))
                    .cloned()
                    .unwrap_or_default();
                let (name, offering, team) = &self.names[i];
                Pair {
                    control_key: key.clone(),
                    control_title: title.clone(),
                    family: family.clone(),
                    service: name.clone(),
                    offering: offering.clone(),
                    category: service.category,
                    service_team: team.clone(),
                    responsibility: cell.effective.responsibility,
                    provenance: self.share(cell.effective.provenance.as_str()),
                    rationale: self.share(cell.effective.rationale),
                    owner: cell.owner.map(|(t, _)| self.share(t)),
                    status,
                    result: result.map_or(ResultValue::NotAssessed, |r| r.result),
                    note: result.map(|r| r.note.clone()).unwrap_or_default(),
                    evidence,
                    statement,
                }
            })
            .collect()
    }
}

/// A piece of evidence as a pair shows it, judged on `today`.
fn evidence_ref(l: &Linked, reviewers: &HashMap<i64, String>, today: Day) -> EvidenceRef {
    let e = &l.evidence;
    let counting = counts(e.status, e.valid_until, today);
    EvidenceRef {
        id: e.id,
        title: e.title.clone(),
        sha256: e.sha256.clone(),
        collected: e.collected_on.to_string(),
        valid_until: e.valid_until.map(|d| d.to_string()),
        status: e.status.to_string(),
        reviewer: reviewers.get(&e.id).cloned(),
        counts: counting,
        expired: e.status == ReviewStatus::Accepted && !counting,
        problem: None,
    }
}
