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

use super::ssp::{NS, OSCAL_VERSION, identify, line, ns_prop, oscal_id, prune, timestamp, uuid};
use crate::db::evaluations::Evaluation;
use crate::db::{Connection, evidence as evidence_db};
use crate::error::{Error, Result};
use crate::estate::pairs::{self, Source};
use crate::model::evaluation::{EvidenceRef, Pair, ResultValue, combine};

/// Where a service of the snapshot runs, as frozen.
struct Seen {
    offering: String,
    category: String,
}

/// The finding's status for a combined result: (state, reason, implementation status, remarks).
fn status(result: ResultValue) -> (&'static str, &'static str, Option<&'static str>, Option<&'static str>) {
    match result {
        ResultValue::Satisfied => ("satisfied", "pass", None, None),
        ResultValue::NotApplicable => (
            "satisfied",
            "other",
            Some("not-applicable"),
            Some("The control does not apply to the services in scope."),
        ),
        ResultValue::PartiallySatisfied => (
            "not-satisfied",
            "fail",
            Some("partial"),
            Some("Partially satisfied: some of what the control asks is missing."),
        ),
        ResultValue::NotSatisfied => ("not-satisfied", "fail", None, None),
        ResultValue::NotAssessed => (
            "not-satisfied",
            "other",
            None,
            Some("Not assessed in this evaluation: OSCAL has no such state, so it is not shown as satisfied."),
        ),
    }
}

/// How a piece of evidence reads in an observation.
fn evidence_description(e: &EvidenceRef) -> String {
    let mut text = format!("Evidence {}: {} ({}", e.id, line(&e.title), e.status);
    if e.expired {
        text.push_str(", expired");
    }
    text.push_str(&format!(", collected {}", e.collected));
    if let Some(until) = &e.valid_until {
        text.push_str(&format!(", valid until {until}"));
    }
    if let Some(reviewer) = &e.reviewer {
        text.push_str(&format!(", reviewed by {}", line(reviewer)));
    }
    if let Some(sha) = &e.sha256 {
        text.push_str(&format!(", sha256 {sha}"));
    }
    text.push_str(").");
    text
}

fn evidence_resource(e: &EvidenceRef) -> String {
    uuid(&[
        "resource",
        "evidence",
        &e.id.to_string(),
        e.sha256.as_deref().unwrap_or(""),
    ])
}

/// The back-matter resource of a piece of evidence: what the snapshot froze, plus what does not
/// change about it (kind, URL, media type, note) from the database when it is still there.
fn resource(conn: &Connection, e: &EvidenceRef) -> Result<Value> {
    let stored = match evidence_db::get(conn, e.id) {
        Ok(found) => Some(found),
        Err(Error::NotFound { .. }) => None,
        Err(other) => return Err(other),
    };
    let kind = stored
        .as_ref()
        .map(|s| s.kind.as_str())
        .unwrap_or(if e.sha256.is_some() { "file" } else { "record" });
    let mut description = evidence_description(e);
    let mut rlinks = Vec::new();
    if let Some(sha) = &e.sha256 {
        rlinks.push(json!({
            "href": format!("urn:sha256:{sha}"),
            "media-type": stored.as_ref().and_then(|s| s.media_type.clone()),
            "hashes": [{ "algorithm": "SHA-256", "value": sha }],
        }));
    }
    if let Some(s) = &stored {
        if let Some(url) = s.url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
            if url.chars().any(char::is_whitespace) {
                description.push_str(&format!(" Where: {url}"));
            } else {
                rlinks.push(json!({ "href": url }));
            }
        }
        let note = s.note.trim();
        if !note.is_empty() {
            description.push_str("\n\n");
            description.push_str(note);
        }
    }
    Ok(json!({
        "uuid": evidence_resource(e),
        "title": line(&e.title),
        "description": description,
        "props": [
            ns_prop("evidence-id", &e.id.to_string()),
            ns_prop("evidence-kind", kind),
            ns_prop("review-status", &e.status),
        ],
        "rlinks": rlinks,
    }))
}

/// The relative href of the assessment plan of evaluation `id` that `ctrlmap export
/// oscal-assessment-plan` writes by default.
pub fn plan_file(id: i64) -> String {
    format!("evaluation-{id}-plan.json")
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
    let doc_key = ["assessment-results", "evaluation", id.as_str(), fingerprint.as_str()];
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
            for ev in &p.evidence {
                evidence.entry(ev.id).or_insert_with(|| EvidenceRef::clone(ev));
            }
        }
        let result = combine(pairs.iter().map(|p| p.result));
        *tally.entry(result).or_default() += 1;
        if result == ResultValue::NotAssessed {
            // OSCAL has no "not assessed" state: a control nobody assessed gets no finding (it is
            // still among the reviewed controls), so importing tools do not count it as failed.
            // A result recorded on some of its services is a finding of its own on each.
            for p in pairs.iter().filter(|p| p.result != ResultValue::NotAssessed) {
                let (state, reason, implementation, remarks) = status(p.result);
                let note = line(&p.note);
                findings.push(json!({
                    "uuid": key(&["finding", &info.key, "service", &p.service]),
                    "title": format!("{} on {}", info.key, p.service),
                    "description": if note.is_empty() {
                        format!("{} on {}; its other services are not assessed.", p.result, p.service)
                    } else {
                        format!("{} on {} ({note}); its other services are not assessed.", p.result, p.service)
                    },
                    "props": [
                        ns_prop("result", p.result.as_str()),
                        ns_prop("control-key", &info.key),
                        ns_prop("service", &p.service),
                    ],
                    "origins": origins,
                    "target": {
                        "type": "statement-id",
                        "target-id": format!("{control}_smt"),
                        "status": { "state": state, "reason": reason, "remarks": remarks },
                        "implementation-status": implementation.map(|s| json!({ "state": s })),
                    },
                    "related-observations": [{ "observation-uuid": key(&["observation", &p.control_key, &p.service]) }],
                }));
            }
            return Ok(());
        }
        let (state, reason, implementation, remarks) = status(result);
        let summary = if lines.is_empty() {
            format!("{result}: no service was in scope.")
        } else {
            format!("{result} over the services in scope:\n\n{}", lines.join("\n"))
        };
        findings.push(json!({
            "uuid": key(&["finding", &info.key]),
            "title": format!("{} {}", info.key, line(&info.title)),
            "description": summary,
            "props": [ns_prop("result", result.as_str()), ns_prop("control-key", &info.key)],
            "origins": origins,
            "target": {
                "type": "statement-id",
                "target-id": format!("{control}_smt"),
                "status": { "state": state, "reason": reason, "remarks": remarks },
                "implementation-status": implementation.map(|s| json!({ "state": s })),
            },
            "related-observations": related,
        }));
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
    crate::export::markup::escape_fields(&mut doc);
    prune(&mut doc);
    identify(&mut doc, "assessment-results", end)?;
    Ok(doc)
}

/// The observation of a pair, when there is anything to observe (a result, a note or evidence).
fn observation(p: &Pair, key: &impl Fn(&[&str]) -> String, origins: &Value, collected: &str) -> Option<Value> {
    let note = line(&p.note);
    if p.result == ResultValue::NotAssessed && note.is_empty() && p.evidence.is_empty() {
        return None;
    }
    let mut description = format!("{} on {}: {}", p.control_key, p.service, p.result);
    if !note.is_empty() {
        description.push_str(&format!(" ({})", p.note.trim()));
    }
    description.push('.');
    let relevant: Vec<Value> = p
        .evidence
        .iter()
        .map(|ev| {
            json!({
                "href": format!("#{}", evidence_resource(ev)),
                "description": evidence_description(ev),
                "props": [
                    ns_prop("evidence-id", &ev.id.to_string()),
                    ns_prop("sha256", ev.sha256.as_deref().unwrap_or("")),
                    ns_prop("counts", if ev.counts { "yes" } else { "no" }),
                ],
            })
        })
        .collect();
    Some(json!({
        "uuid": key(&["observation", &p.control_key, &p.service]),
        "title": format!("{} on {}", p.control_key, p.service),
        "description": description,
        "props": [
            { "name": "result", "ns": NS, "value": p.result.as_str() },
            ns_prop("responsibility", p.responsibility.as_str()),
            ns_prop("owner", p.owner.as_deref().unwrap_or("")),
        ],
        "methods": ["EXAMINE"],
        "types": ["control-objective"],
        "origins": origins,
        "subjects": [{ "subject-uuid": uuid(&["component", "service", &p.service]), "type": "component" }],
        "relevant-evidence": relevant,
        "collected": collected,
    }))
}

#[cfg(test)]
mod tests {
    use super::super::ssp::checks::{assert_clean, reference_problems, schema_errors};
    use super::*;
    use crate::commands::Ctx;
    use crate::db::evaluations;
    use crate::model::evidence::Day;

    fn day() -> Day {
        Day::parse("2026-11-20").expect("a date")
    }

    /// A database with the demo organisation, a file, a URL and a note as evidence, and an
    /// evaluation with results; closed when `close`.
    fn evaluated(dir: &std::path::Path, close: bool) -> Ctx {
        let mut ctx = crate::commands::fixtures::demo_ctx(dir, "data", day());
        let file = dir.join("restore-log.txt");
        std::fs::write(&file, "restore of orders-db succeeded in 23 minutes\n").expect("write");
        let add = |control: &str,
                   service: Option<&str>,
                   file: Option<std::path::PathBuf>,
                   url: Option<&str>,
                   note: Option<&str>| {
            crate::commands::evidence::Add {
                control: control.to_string(),
                file,
                url: url.map(str::to_string),
                note: note.map(str::to_string),
                service: service.map(str::to_string),
                catalog: None,
                title: None,
                collected: Some(day()),
                expires: Some("90d".to_string()),
            }
        };
        add("SRM-BACKUP", Some("orders-db"), Some(file), None, None)
            .run(&mut ctx)
            .expect("file evidence");
        add(
            "SRM-FW",
            Some("orders-db"),
            None,
            Some("https://wiki.example.com/sg/orders-db"),
            None,
        )
        .run(&mut ctx)
        .expect("URL evidence");
        add("SRM-TRAIN", None, None, None, Some("Training completion 98%"))
            .run(&mut ctx)
            .expect("note evidence");
        ctx.actor = "security".to_string();
        crate::commands::evidence::review(&mut ctx, 1, true, "restore log checked").expect("accept");
        crate::commands::evidence::review(&mut ctx, 2, false, "screenshot is from staging").expect("reject");
        crate::commands::evaluation::open(&mut ctx, "Demo evaluation", "srm", &[], &[]).expect("open");
        for (control, service, result, note) in [
            (
                "SRM-FW",
                Some("orders-db"),
                ResultValue::NotSatisfied,
                "0.0.0.0/0 open on 5432",
            ),
            ("SRM-FW", Some("web-frontend"), ResultValue::Satisfied, "only 443"),
            ("SRM-IAM", None, ResultValue::Satisfied, "quarterly review complete"),
            (
                "SRM-TRAIN",
                None,
                ResultValue::PartiallySatisfied,
                "two contractors missing",
            ),
            (
                "SRM-BACKUP",
                Some("orders-db"),
                ResultValue::Satisfied,
                "restore tested",
            ),
            ("SRM-PHYS", None, ResultValue::NotApplicable, ""),
        ] {
            crate::commands::evaluation::record(&mut ctx, control, result, service, note, None).expect("record");
        }
        if close {
            crate::commands::evaluation::close(&mut ctx, None).expect("close");
        }
        ctx
    }

    fn results(ctx: &Ctx) -> Value {
        let e = evaluations::get(ctx.db.conn(), 1).expect("evaluation 1");
        assessment_results(ctx.db.conn(), &e, None).expect("export")
    }

    fn finding<'a>(doc: &'a Value, key: &str) -> &'a Value {
        doc["assessment-results"]["results"][0]["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .find(|f| f["target"]["target-id"] == format!("{}_smt", oscal_id(key)))
            .expect("a finding for the control")
    }

    #[test]
    fn assessment_results_are_valid_oscal_1_2_1() {
        let dir = tempfile::tempdir().expect("temp dir");
        let ctx = evaluated(dir.path(), true);
        let doc = results(&ctx);
        assert_clean("schema", &schema_errors("oscal_assessment-results_schema.json", &doc));
        assert_clean("references", &reference_problems(&doc));
    }

    #[test]
    fn findings_follow_the_combined_results() {
        let dir = tempfile::tempdir().expect("temp dir");
        let ctx = evaluated(dir.path(), true);
        let doc = results(&ctx);
        let result = &doc["assessment-results"]["results"][0];
        let findings = result["findings"].as_array().expect("findings");
        assert!(findings.len() < 20, "only assessed controls have findings");
        assert_eq!(
            result["reviewed-controls"]["control-selections"][0]["include-controls"]
                .as_array()
                .map(Vec::len),
            Some(20)
        );
        let state = |key: &str| {
            finding(&doc, key)["target"]["status"]["state"]
                .as_str()
                .map(str::to_string)
        };
        assert_eq!(state("SRM-FW").as_deref(), Some("not-satisfied"));
        assert_eq!(state("SRM-IAM").as_deref(), Some("satisfied"));
        assert_eq!(state("SRM-TRAIN").as_deref(), Some("not-satisfied"));
        assert_eq!(
            finding(&doc, "SRM-TRAIN")["target"]["implementation-status"]["state"],
            "partial"
        );
        assert_eq!(state("SRM-PHYS").as_deref(), Some("satisfied"));
        assert!(
            findings
                .iter()
                .all(|f| !f["title"].as_str().unwrap_or("").starts_with("SRM-HW ")),
            "SRM-HW was not assessed: no finding"
        );
        assert_eq!(
            finding(&doc, "SRM-FW")["related-observations"].as_array().map(Vec::len),
            Some(2)
        );
        let start = result["start"].as_str().expect("start");
        let end = result["end"].as_str().expect("end");
        assert!(start.ends_with('Z') && end.ends_with('Z') && start <= end);
    }

    #[test]
    fn observations_point_to_evidence_by_hash() {
        let dir = tempfile::tempdir().expect("temp dir");
        let ctx = evaluated(dir.path(), true);
        let doc = results(&ctx);
        let ar = &doc["assessment-results"];
        let sha = crate::db::evidence::get(ctx.db.conn(), 1)
            .expect("evidence 1")
            .sha256
            .expect("a file has a hash");
        let backup = ar["results"][0]["observations"]
            .as_array()
            .expect("observations")
            .iter()
            .find(|o| o["title"] == "SRM-BACKUP on orders-db")
            .expect("an observation of the backup");
        let evidence = &backup["relevant-evidence"][0];
        assert!(
            evidence["description"]
                .as_str()
                .expect("description")
                .starts_with("Evidence 1: restore-log.txt")
        );
        let href = evidence["href"].as_str().expect("href");
        let resource = ar["back-matter"]["resources"]
            .as_array()
            .expect("resources")
            .iter()
            .find(|r| format!("#{}", r["uuid"].as_str().expect("uuid")) == href)
            .expect("the evidence is a back-matter resource");
        assert_eq!(resource["rlinks"][0]["href"], format!("urn:sha256:{sha}"));
        assert_eq!(resource["rlinks"][0]["hashes"][0]["algorithm"], "SHA-256");
        assert_eq!(resource["rlinks"][0]["hashes"][0]["value"], sha.as_str());
        let url = ar["back-matter"]["resources"]
            .as_array()
            .expect("resources")
            .iter()
            .find(|r| r["title"] == "https://wiki.example.com/sg/orders-db")
            .expect("the URL evidence");
        assert_eq!(url["rlinks"][0]["href"], "https://wiki.example.com/sg/orders-db");
    }

    #[test]
    fn assessment_results_are_deterministic() {
        let dir = tempfile::tempdir().expect("temp dir");
        let ctx = evaluated(dir.path(), true);
        let text = || serde_json::to_string_pretty(&results(&ctx)).expect("serialises");
        assert_eq!(text(), text());
    }

    #[test]
    fn an_open_evaluation_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let ctx = evaluated(dir.path(), false);
        let e = evaluations::get(ctx.db.conn(), 1).expect("evaluation 1");
        let err = assessment_results(ctx.db.conn(), &e, None).expect_err("open");
        assert!(matches!(&err, Error::Invalid(m) if m.contains("still open")), "{err}");
    }
}
