//! The OSCAL 1.2.1 assessment results of a closed evaluation, from its frozen snapshot.
//!
//! - One `result` spanning the evaluation (`start` = opened, `end` = closed, in UTC), whose
//!   `reviewed-controls` list every control of the snapshot and whose local components are the
//!   services in scope (with the same UUIDs as in the system security plan).
//! - One **finding** per control, targeting its statement (`<control-id>_smt`, type
//!   `statement-id`). Its state comes from the control's combined result ([`combine`]):
//!   satisfied -> `satisfied` (reason `pass`); not-applicable -> `satisfied` (reason `other`,
//!   implementation status `not-applicable`); partially-satisfied -> `not-satisfied` (reason
//!   `fail`, implementation status `partial`); not-satisfied -> `not-satisfied` (`fail`);
//!   a control nobody assessed gets no finding (OSCAL has no "not assessed" state, and a
//!   `not-satisfied` would read as a failure); it stays among the reviewed controls. The exact
//!   ctrlmap result is kept in a `result` prop.
//! - A control assessed on only some of its services combines to "not assessed", yet what was
//!   recorded is not dropped: each service with a result gets its own finding (title
//!   `KEY on SERVICE`, a `service` prop, the pair's observation, whose subject is the service).
//! - One more finding per control and kind of evidence gap the plan of action opens an item for
//!   (`no-evidence`, `expired-evidence`: a shared or customer pair without accepted, unexpired
//!   evidence, as frozen), titled `KEY: no accepted, unexpired evidence`, state `not-satisfied`
//!   with reason `other` (the evidence is missing, whatever the assessor's result), a `gap` prop
//!   and the services in its description. With the control's result finding, these are the
//!   findings the OSCAL POA&M's items point at ([`finding_uuid`]).
//! - One **observation** per (control, service) pair that has a result, a note or evidence, with
//!   the service as subject and `relevant-evidence` for each piece of evidence. A relevant-evidence
//!   `href` is `#<uuid>` of a back-matter resource describing the evidence once: a file's resource
//!   has an rlink `urn:sha256:<hex>` (its address in ctrlmap's content-addressed store) with the
//!   SHA-256 in `hashes`; a URL's has the URL.
//! - `import-ap` is required but ctrlmap keeps no assessment plan: it points at a back-matter
//!   resource that describes the evaluation's scope, whose rlink is the `--plan-href` given, else
//!   the relative href of the plan `ctrlmap export oscal-assessment-plan` writes
//!   (`evaluation-N-plan.json`, next to the results).
//! - Titles, descriptions and remarks are escaped as markup; the document's `uuid` and `version`
//!   come from a hash of its content; `last-modified` is the evaluation's close.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::ssp::{OSCAL_VERSION, identify, line, ns_prop, oscal_id, prune, timestamp, uuid};
use crate::db::Connection;
use crate::db::evaluations::Evaluation;
use crate::error::{Error, Result};
use crate::estate::pairs::{self, Source};
use crate::model::evaluation::{EvidenceRef, ResultValue, combine};
use crate::model::poam::ItemKind;

mod findings;
mod observations;
mod scans;
#[cfg(test)]
mod tests;

use findings::{control_finding, evidence_finding, service_finding};
use observations::{observation, resource};

/// Where a service of the snapshot runs, as frozen.
struct Seen {
    offering: String,
    category: String,
}

/// The relative href of the assessment plan of evaluation `id` that `ctrlmap export
/// oscal-assessment-plan` writes by default.
pub fn plan_file(id: i64) -> String {
    format!("evaluation-{id}-plan.json")
}

/// The key every uuid of closed evaluation `e`'s assessment results derives from.
fn document_key(e: &Evaluation) -> [String; 4] {
    [
        "assessment-results".to_string(),
        "evaluation".to_string(),
        e.id.to_string(),
        e.fingerprint.clone().unwrap_or_default(),
    ]
}

/// The uuid of the finding in closed evaluation `e`'s assessment results that a POA&M item of
/// `kind` on control `control_key` answers: the control's own finding for a failing result, the
/// control's evidence finding of that kind for an evidence gap. `None` for kinds an evaluation
/// does not find (a scanner's failing check).
pub fn finding_uuid(e: &Evaluation, control_key: &str, kind: ItemKind) -> Option<String> {
    let doc = document_key(e);
    let mut parts: Vec<&str> = doc.iter().map(String::as_str).collect();
    parts.extend(["finding", control_key]);
    match kind {
        ItemKind::NotSatisfied | ItemKind::PartiallySatisfied => {}
        ItemKind::NoEvidence | ItemKind::ExpiredEvidence => parts.push(kind.as_str()),
        ItemKind::FailedCheck => return None,
    }
    Some(uuid(&parts))
}

/// The OSCAL 1.2.1 assessment results of closed evaluation `evaluation`; an open one is refused
/// (its results are not frozen). `plan_href` is where its assessment plan is (default
/// [`plan_file`]). See the module documentation for the mapping.
pub fn assessment_results(conn: &Connection, evaluation: &Evaluation, plan_href: Option<&str>) -> Result<Value> {
    let e = evaluation;
    let Some(closed_at) = e.closed_at.as_deref() else {
        return Err(Error::Invalid(format!(
            "evaluation {} \"{}\" is still open: close it first (ctrlmap evaluation close) so its results are frozen",
            e.id, e.name
        )));
    };
    let start = timestamp(&e.opened_at, "the evaluation's opening time")?;
    let end = timestamp(closed_at, "the evaluation's closing time")?;
    let id = e.id.to_string();
    let fingerprint = e.fingerprint.clone().unwrap_or_default();
    let doc_key = document_key(e);
    let doc_key: Vec<&str> = doc_key.iter().map(String::as_str).collect();
    let key = |more: &[&str]| uuid(&[&doc_key[..], more].concat());
    let assessor = {
        let name = line(&e.assessor);
        if name.is_empty() {
            "unknown assessor".to_string()
        } else {
            name
        }
    };
    let assessor_party = uuid(&["party", "person", &assessor]);
    let origins = json!([{ "actors": [{ "type": "party", "actor-uuid": assessor_party, "role-id": "assessor" }] }]);

    let mut services: BTreeMap<String, Option<Seen>> = e.services.iter().map(|s| (s.clone(), None)).collect();
    let mut evidence: BTreeMap<i64, EvidenceRef> = BTreeMap::new();
    let mut controls = Vec::new();
    let mut control_ids = BTreeSet::new();
    let mut observations = Vec::new();
    let mut findings = Vec::new();
    let mut tally: BTreeMap<ResultValue, usize> = BTreeMap::new();
    // Reading the snapshot checks it against the fingerprint taken at close (pairs.rs).
    pairs::for_each_control(conn, &Source::Frozen(e.clone()), |info, pairs| {
        let control = oscal_id(&info.key);
        if control_ids.insert(control.clone()) {
            controls.push(json!({ "control-id": control }));
        }
        let mut related = Vec::new();
        let mut lines = Vec::new();
        for p in pairs {
            services
                .entry(p.service.to_string())
                .or_default()
                .get_or_insert_with(|| Seen {
                    offering: line(&p.offering),
                    category: p.category.to_string(),
                });
            let note = line(&p.note);
            lines.push(if note.is_empty() {
                format!("- {}: {}", p.service, p.result)
            } else {
                format!("- {}: {} ({note})", p.service, p.result)
            });
            if let Some(o) = observation(p, &key, &origins, &end) {
                related.push(json!({ "observation-uuid": o["uuid"].clone() }));
                observations.push(o);
            }
            for ev in p.evidence.iter() {
                evidence.entry(ev.id).or_insert_with(|| EvidenceRef::clone(ev));
            }
        }
        // The evidence gaps the plan of action opens items for, each a finding of its own, after
        // the control's result finding (if any).
        let gaps: Vec<Value> = crate::model::poam::findings(pairs)
            .into_iter()
            .filter_map(|gap| {
                let uuid = match gap.kind {
                    ItemKind::NoEvidence | ItemKind::ExpiredEvidence => finding_uuid(e, &info.key, gap.kind)?,
                    _ => return None,
                };
                Some(evidence_finding(&gap, &control, uuid, &origins))
            })
            .collect();
        let result = combine(pairs.iter().map(|p| p.result));
        *tally.entry(result).or_default() += 1;
        if result == ResultValue::NotAssessed {
            // OSCAL has no "not assessed" state: a control nobody assessed gets no finding (it is
            // still among the reviewed controls), so importing tools do not count it as failed.
            // A result recorded on some of its services is a finding of its own on each.
            for p in pairs.iter().filter(|p| p.result != ResultValue::NotAssessed) {
                findings.push(service_finding(p, &info.key, &control, &key, &origins));
            }
            findings.extend(gaps);
            return Ok(());
        }
        findings.push(control_finding(
            result,
            (&info.key, &info.title),
            &control,
            &lines,
            related,
            (&key, &origins),
        ));
        findings.extend(gaps);
        Ok(())
    })?;

    let components: Vec<Value> = services
        .iter()
        .map(|(name, seen)| {
            let description = match seen {
                Some(s) => format!(
                    "{name} runs on {} ({} service), as frozen in the evaluation.",
                    s.offering, s.category
                ),
                None => format!("{name}, in the scope of evaluation {id}."),
            };
            json!({
                "uuid": uuid(&["component", "service", name]),
                "type": "service",
                "title": line(name),
                "description": description,
                "props": [ns_prop("offering", seen.as_ref().map_or("", |s| s.offering.as_str()))],
                "status": { "state": "operational" },
            })
        })
        .collect();
    let selection = if controls.is_empty() {
        json!({ "include-all": {} })
    } else {
        json!({ "include-controls": controls })
    };
    let counts: Vec<String> = tally.iter().map(|(r, n)| format!("{n} {r}")).collect();
    let scope: Vec<&str> = services.keys().map(String::as_str).collect();
    let description = format!(
        "Evaluation {id} \"{}\" of catalogue {} over {} (assessed by {assessor}), frozen at {end}{}. \
         Controls: {}.",
        line(&e.name),
        e.catalog,
        if scope.is_empty() {
            "no services".to_string()
        } else {
            scope.join(", ")
        },
        if fingerprint.is_empty() {
            String::new()
        } else {
            format!(" with fingerprint {fingerprint}")
        },
        if counts.is_empty() {
            "none".to_string()
        } else {
            counts.join(", ")
        }
    );
    let plan_href = plan_href.map_or_else(|| plan_file(e.id), str::to_string);
    let mut resources = vec![json!({
        "uuid": key(&["assessment-plan"]),
        "title": format!("Scope of evaluation {id}"),
        "rlinks": [{ "href": plan_href, "media-type": "application/oscal.ap+json" }],
        "description": format!(
            "ctrlmap keeps no assessment plan. Evaluation {id} \"{}\" was opened by {assessor} at {start} over \
             catalogue {} and the services {}{}.",
            line(&e.name),
            e.catalog,
            if scope.is_empty() { "(none)".to_string() } else { scope.join(", ") },
            if e.teams.is_empty() { String::new() } else { format!(", chosen by team {}", e.teams.join(", ")) }
        ),
    })];
    for ev in evidence.values() {
        resources.push(resource(conn, ev)?);
    }

    let mut doc = json!({
        "assessment-results": {
            "metadata": {
                "title": format!("Assessment results of evaluation {id}: {}", line(&e.name)),
                "oscal-version": OSCAL_VERSION,
                "roles": [{ "id": "assessor", "title": "Assessor", "description": "Records the results of an evaluation." }],
                "parties": [{ "uuid": assessor_party, "type": "person", "name": assessor }],
                "responsible-parties": [{ "role-id": "assessor", "party-uuids": [assessor_party] }],
                "remarks": "Exported by ctrlmap from the frozen snapshot of a closed evaluation.",
            },
            "import-ap": {
                "href": format!("#{}", key(&["assessment-plan"])),
                "remarks": "ctrlmap keeps no assessment plan: this points at a back-matter resource describing the \
                            evaluation's scope, linked to the plan ctrlmap export oscal-assessment-plan writes.",
            },
            "results": [{
                "uuid": key(&["result"]),
                "title": format!("Evaluation {id}: {}", line(&e.name)),
                "description": description,
                "start": start,
                "end": end,
                "props": [
                    ns_prop("evaluation-id", &id),
                    ns_prop("catalog", &e.catalog),
                    ns_prop("fingerprint", &fingerprint),
                ],
                "local-definitions": { "components": components },
                "reviewed-controls": { "control-selections": [selection] },
                "observations": observations,
                "findings": findings,
            }],
            "back-matter": { "resources": resources },
        }
    });
    scans::add(conn, e, &key, &mut doc)?;
    crate::export::markup::escape_fields(&mut doc);
    prune(&mut doc);
    identify(&mut doc, "assessment-results", end)?;
    Ok(doc)
}
