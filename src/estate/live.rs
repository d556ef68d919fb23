//! Live pairs: the inputs of a catalogue's pairs (the matrix, evidence links, results, statuses)
//! loaded once, then each control's pairs derived from them on demand.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use rustc_hash::FxHashMap;
use std::sync::Arc;

use super::matrix::Matrix;
use crate::db::evaluations::{self, Evaluation, Recorded};
use crate::db::evidence::{self as evidence_db, Linked};
use crate::db::{Connection, catalogs};
use crate::error::{Error, Result};
use crate::model::evaluation::{EvidenceList, EvidenceRef, Pair, ResultValue};
use crate::model::evidence::{Day, ReviewStatus, counts};
use crate::support::address;

/// A map keyed by addresses (as [`Live::share`] uses) or internal ids: FxHash, a few
/// multiplications instead of SipHash, which showed in profiles at millions of lookups. The keys
/// are addresses and ids, not input.
pub(crate) type ByAddress = rustc_hash::FxBuildHasher;

/// Per control, then per service id (0 for organisation-wide): a control's few entries are
/// looked up in a small map of their own, and a control without any costs no lookup per pair.
type ByControl<T> = FxHashMap<i64, FxHashMap<i64, T>>;

fn by_control<T>(entries: impl IntoIterator<Item = ((i64, i64), T)>) -> ByControl<T> {
    let mut nested = ByControl::default();
    for ((control, service), value) in entries {
        nested
            .entry(control)
            .or_insert_with(FxHashMap::default)
            .insert(service, value);
    }
    nested
}

/// A service's name, offering name and team, shareable.
type ServiceNames = (Arc<str>, Arc<str>, Option<Arc<str>>);

/// The inputs of live pairs, loaded once. Texts every pair repeats are made shareable once here,
/// so a pair costs reference counts rather than copies.
pub(super) struct Live {
    pub(super) matrix: Matrix,
    shown: Vec<usize>,
    /// Per service (as `matrix.services`): name, offering name, team.
    names: Vec<ServiceNames>,
    /// Evidence as pairs show it, by control, then service id (0 for organisation-wide); each
    /// piece is made once however many links it has.
    linked: ByControl<Vec<Arc<EvidenceRef>>>,
    results: ByControl<Recorded>,
    statuses: ByControl<String>,
    /// Recorded implementation statements, by control, then service id (0 for organisation-wide).
    statements: ByControl<String>,
    /// Rationales, provenances and owners, shared by where the borrowed text lives.
    shared: RefCell<HashMap<(usize, usize), Arc<str>, ByAddress>>,
}

impl Live {
    pub(super) fn load(
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
            Some(e) => by_control(evaluations::results(conn, e.id)?),
            None => ByControl::default(),
        };
        let implementations = crate::db::implementations::for_catalog(conn, matrix.catalog_id)?;
        let statements = by_control(
            implementations
                .iter()
                .filter(|i| !i.statement.trim().is_empty())
                .map(|i| ((i.control_id, i.service_id.unwrap_or(0)), i.statement.clone())),
        );
        let statuses = by_control(
            implementations
                .into_iter()
                .filter_map(|i| Some(((i.control_id, i.service_id.unwrap_or(0)), i.status?))),
        );
        let reviewers = evidence_db::last_reviewers(conn)?;
        let mut made: HashMap<i64, Arc<EvidenceRef>> = HashMap::new();
        let linked = by_control(linked.into_iter().map(|(at, links)| {
            let refs = links
                .iter()
                .map(|l| {
                    made.entry(l.evidence.id)
                        .or_insert_with(|| Arc::new(evidence_ref(l, &reviewers, today)))
                        .clone()
                })
                .collect();
            (at, refs)
        }));
        // Offering and team names, one shared text each however many services name them.
        let mut interned: HashSet<Arc<str>> = HashSet::new();
        let mut intern = |text: &str| -> Arc<str> {
            match interned.get(text) {
                Some(shared) => shared.clone(),
                None => {
                    let shared: Arc<str> = Arc::from(text);
                    interned.insert(shared.clone());
                    shared
                }
            }
        };
        let names = matrix
            .services
            .iter()
            .map(|s| {
                (
                    Arc::from(s.service.name.as_str()),
                    intern(s.offering_name.as_str()),
                    s.service.team.as_deref().map(&mut intern),
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
        let at = address::of_text(text);
        self.shared
            .borrow_mut()
            .entry(at)
            .or_insert_with(|| Arc::from(text))
            .clone()
    }

    pub(super) fn pairs(&self, c: &catalogs::ControlRow) -> Vec<Pair> {
        let key: Arc<str> = c.control.key.as_str().into();
        let title: Arc<str> = c.control.title.as_str().into();
        let family: Arc<str> = c.control.family.as_str().into();
        // What a service takes from the organisation-wide decisions, unless it has its own: looked
        // up once per control, not once per pair.
        // This control's entries, and what a service takes from the organisation-wide decisions
        // unless it has its own: looked up once per control, not once per pair.
        let linked = self.linked.get(&c.id);
        let results = self.results.get(&c.id);
        let statuses = self.statuses.get(&c.id);
        let statements = self.statements.get(&c.id);
        let mut org_evidence: Vec<Arc<EvidenceRef>> = linked.and_then(|l| l.get(&0)).cloned().unwrap_or_default();
        org_evidence.sort_by_key(|e| e.id);
        org_evidence.dedup_by_key(|e| e.id);
        // One list for every pair that shows the organisation-wide evidence only.
        let org_list: EvidenceList = org_evidence.as_slice().into();
        let org_result = results.and_then(|r| r.get(&0));
        let org_status = statuses.and_then(|s| s.get(&0));
        let org_statement = statements.and_then(|s| s.get(&0));
        let inputs = self.matrix.inputs(c);
        self.shown
            .iter()
            .map(|&i| {
                let service = &self.matrix.services[i];
                let cell = inputs.cell(service);
                let result = results.and_then(|r| r.get(&service.id)).or(org_result);
                let evidence = match linked.and_then(|l| l.get(&service.id)) {
                    None => org_list.clone(),
                    Some(own) => {
                        let mut evidence: Vec<Arc<EvidenceRef>> = own.iter().chain(&org_evidence).cloned().collect();
                        evidence.sort_by_key(|e| e.id);
                        evidence.dedup_by_key(|e| e.id);
                        evidence.into()
                    }
                };
                let status = statuses
                    .and_then(|s| s.get(&service.id))
                    .or(org_status)
                    .cloned()
                    .unwrap_or_default();
                let statement = statements
                    .and_then(|s| s.get(&service.id))
                    .or(org_statement)
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
                    // The service's own team is shared already (most owners are).
                    owner: cell.owner.map(|(t, _)| match team {
                        Some(team) if **team == *t => team.clone(),
                        _ => self.share(t),
                    }),
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
