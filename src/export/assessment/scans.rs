//! Scanner results in the assessment results: the observations a closed evaluation froze (see
//! `db::observed`), added to its one `result`.
//!
//! - One **observation** per (check, resource): method `TEST`, type `finding` when the check
//!   failed (else `control-objective`), the scanner as its origin (a `tool` actor, a component of
//!   the result's `assessment-assets`), the resource as its subject (an `inventory-item` of the
//!   result's local definitions, implemented by its service's component when it has one),
//!   `collected` the time the scanner observed it, and `relevant-evidence` pointing at the
//!   back-matter resource of the scan's file (`urn:sha256:<hex>` in ctrlmap's store). Props say
//!   the check, status, scanner's own finding id, scan and the controls it maps to.
//! - One **finding** per control with a failed check on a shared or customer pair (or
//!   organisation-wide, when the control's organisation value has a customer part): target its
//!   statement (`ac-2_smt`), state `not-satisfied` (reason `fail`), `related-observations` the
//!   failed checks. A failure on an inherited pair is the provider's scope: it stays an
//!   observation, with no finding. These findings stand beside the assessor's own finding of the
//!   control; they never change its result.
//!
//! UUIDs come from stable keys (the document's key, the check and the resource), so the same
//! frozen evaluation always gives the same document.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{Value, json};

use super::observations::evidence_resource_uuid;
use crate::db::Connection;
use crate::db::evaluations::Evaluation;
use crate::db::observed::{self, Counted};
use crate::error::Result;
use crate::estate::pairs::{self, Source};
use crate::export::ssp::{line, ns_prop, oscal_id, timestamp, uuid};
use crate::model::Responsibility;
use crate::model::derive::rollup;

/// The component of a scanner, as an assessment asset.
fn tool_uuid(tool: &str) -> String {
    uuid(&["component", "tool", tool])
}

/// The inventory item of a cloud resource.
fn resource_uuid(resource: &str) -> String {
    uuid(&["inventory-item", "resource", resource])
}

/// One (check, resource) as observed, with the controls it maps to.
struct Seen<'a> {
    first: &'a Counted,
    controls: BTreeSet<&'a str>,
}

/// Adds the observations frozen with evaluation `e` to its assessment results `doc` (built by
/// `assessment_results`, before escaping and identity): nothing when it froze none.
pub(super) fn add(conn: &Connection, e: &Evaluation, key: &impl Fn(&[&str]) -> String, doc: &mut Value) -> Result<()> {
    let rows = observed::frozen(conn, e.id)?;
    if rows.is_empty() {
        return Ok(());
    }
    // Who carries each pair, as frozen: a failure is a finding only where the customer has a part.
    let mut responsibility: HashMap<(String, String), Responsibility> = HashMap::new();
    let mut organisation: HashMap<String, Responsibility> = HashMap::new();
    pairs::for_each_control(conn, &Source::Frozen(e.clone()), |info, pairs| {
        for p in pairs {
            responsibility.insert((info.key.clone(), p.service.to_string()), p.responsibility);
        }
        organisation.insert(info.key.clone(), rollup(pairs.iter().map(|p| p.responsibility)));
        Ok(())
    })?;
    let customer_part = |o: &Counted| {
        let r = match &o.service {
            Some(s) => responsibility.get(&(o.control.clone(), s.clone())),
            None => organisation.get(&o.control),
        };
        r.is_some_and(|r| r.customer_has_a_part())
    };

    let mut seen: BTreeMap<(&str, &str), Seen<'_>> = BTreeMap::new();
    for o in &rows {
        seen.entry((o.check.as_str(), o.resource.as_str()))
            .or_insert_with(|| Seen {
                first: o,
                controls: BTreeSet::new(),
            })
            .controls
            .insert(o.control.as_str());
    }
    let end = e.closed_at.clone().unwrap_or_default();
    let mut observations = Vec::new();
    let mut inventory: BTreeMap<&str, Value> = BTreeMap::new();
    let mut tools: BTreeSet<&str> = BTreeSet::new();
    let mut scans: BTreeMap<i64, &Counted> = BTreeMap::new();
    for ((check, resource), s) in &seen {
        let o = s.first;
        tools.insert(&o.tool);
        scans.entry(o.evidence).or_insert(o);
        inventory.entry(resource).or_insert_with(|| inventory_item(o));
        let where_ = o.service.as_deref().unwrap_or("organisation-wide");
        let controls: Vec<&str> = s.controls.iter().copied().collect();
        let mut props = vec![
            ns_prop("check-id", check),
            ns_prop("check-status", &o.status),
            ns_prop("scanner-finding-id", &o.finding_id),
            ns_prop("scan-id", &o.scan.to_string()),
            ns_prop("service", o.service.as_deref().unwrap_or("")),
        ];
        props.extend(controls.iter().map(|c| ns_prop("control-key", c)));
        let title = line(&o.title);
        observations.push(json!({
            "uuid": key(&["observation", "check", check, resource]),
            "title": format!("{check} {} on {resource}", o.status),
            "description": format!(
                "{} check {check}{} {} on {resource} ({where_}), observed {}; scan {} (evidence {}). \
                 Controls: {}.",
                line(&o.tool),
                if title.is_empty() { String::new() } else { format!(" \"{title}\"") },
                o.status,
                o.observed_at,
                o.scan,
                o.evidence,
                controls.join(", ")
            ),
            "props": props,
            "methods": ["TEST"],
            "types": [if o.status == "failed" { "finding" } else { "control-objective" }],
            "origins": [{ "actors": [{ "type": "tool", "actor-uuid": tool_uuid(&o.tool) }] }],
            "subjects": [{
                "subject-uuid": resource_uuid(resource),
                "type": "inventory-item",
                "title": line(resource),
            }],
            "relevant-evidence": [{
                "href": format!("#{}", evidence_resource_uuid(o.evidence, Some(&o.sha256))),
                "description": format!("Scan {} by {}: the scanner's file, SHA-256 {}.", o.scan, line(&o.tool), o.sha256),
            }],
            "collected": timestamp(&o.observed_at, "an observation's time").unwrap_or_else(|_| end.clone()),
        }));
    }

    // Findings: failed checks on pairs where the customer has a part, by control.
    let mut failing: BTreeMap<&str, Vec<&Counted>> = BTreeMap::new();
    for o in rows.iter().filter(|o| o.status == "failed" && customer_part(o)) {
        failing.entry(o.control.as_str()).or_default().push(o);
    }
    let mut findings = Vec::new();
    for (control, list) in &failing {
        let mut once = BTreeSet::new();
        let related: Vec<String> = list
            .iter()
            .filter(|o| once.insert((o.check.as_str(), o.resource.as_str())))
            .map(|o| key(&["observation", "check", &o.check, &o.resource]))
            .collect();
        let lines: Vec<String> = list
            .iter()
            .map(|o| {
                format!(
                    "- {} failed on {} ({}, scan {})",
                    o.check,
                    o.resource,
                    o.service.as_deref().unwrap_or("organisation-wide"),
                    o.scan
                )
            })
            .collect();
        let tools: BTreeSet<&str> = list.iter().map(|o| o.tool.as_str()).collect();
        findings.push(json!({
            "uuid": key(&["finding", control, "automated-checks"]),
            "title": format!("{control}: failed automated checks"),
            "description": format!(
                "{} failed on resources in scope, as frozen when the evaluation closed:\n\n{}",
                if list.len() == 1 { "1 automated check".to_string() } else { format!("{} automated checks", list.len()) },
                lines.join("\n")
            ),
            "props": [ns_prop("control-key", control), ns_prop("source", "scan")],
            "origins": [{
                "actors": tools.iter().map(|t| json!({ "type": "tool", "actor-uuid": tool_uuid(t) })).collect::<Vec<_>>(),
            }],
            "target": {
                "type": "statement-id",
                "target-id": format!("{}_smt", oscal_id(control)),
                "status": {
                    "state": "not-satisfied",
                    "reason": "fail",
                    "remarks": "From scanners' failed checks; the assessor's result of the control is its own finding.",
                },
            },
            "related-observations": related.iter().map(|u| json!({ "observation-uuid": u })).collect::<Vec<_>>(),
        }));
    }

    let result = &mut doc["assessment-results"]["results"][0];
    push_all(&mut result["observations"], observations);
    push_all(&mut result["findings"], findings);
    let local = &mut result["local-definitions"];
    push_all(&mut local["inventory-items"], inventory.into_values().collect());
    local["assessment-assets"] = json!({
        "components": tools.iter().map(|t| json!({
            "uuid": tool_uuid(t),
            "type": "software",
            "title": line(t),
            "description": format!("{}, the scanner whose results ctrlmap imported as evidence.", line(t)),
            "status": { "state": "operational" },
        })).collect::<Vec<_>>(),
        "assessment-platforms": [{
            "uuid": uuid(&["assessment-platform", "ctrlmap"]),
            "title": "ctrlmap",
            "uses-components": tools.iter().map(|t| json!({ "component-uuid": tool_uuid(t) })).collect::<Vec<_>>(),
        }],
    });
    // The scans' files, described once, unless the pairs' evidence already names them.
    let resources = &mut doc["assessment-results"]["back-matter"]["resources"];
    let present: BTreeSet<String> = resources
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["uuid"].as_str().map(str::to_string))
        .collect();
    let mut more = Vec::new();
    for o in scans.values() {
        let id = evidence_resource_uuid(o.evidence, Some(&o.sha256));
        if present.contains(&id) {
            continue;
        }
        more.push(json!({
            "uuid": id,
            "title": format!("Scan {} by {}", o.scan, line(&o.tool)),
            "description": format!(
                "Evidence {}: the file of scan {} by {} in ctrlmap's evidence store, sha256 {}.",
                o.evidence,
                o.scan,
                line(&o.tool),
                o.sha256
            ),
            "props": [
                ns_prop("evidence-id", &o.evidence.to_string()),
                ns_prop("evidence-kind", "scan"),
            ],
            "rlinks": [{
                "href": format!("urn:sha256:{}", o.sha256),
                "hashes": [{ "algorithm": "SHA-256", "value": o.sha256 }],
            }],
        }));
    }
    push_all(resources, more);
    Ok(())
}

/// The inventory item of the resource of `o`.
fn inventory_item(o: &Counted) -> Value {
    let description = match &o.service {
        Some(s) => format!("Cloud resource {} of service {s}, as a scanner named it.", o.resource),
        None => format!(
            "Cloud resource {}, claimed by no service (organisation-wide), as a scanner named it.",
            o.resource
        ),
    };
    json!({
        "uuid": resource_uuid(&o.resource),
        "description": description,
        "props": [ns_prop("resource-id", &o.resource), ns_prop("service", o.service.as_deref().unwrap_or(""))],
        "implemented-components": o.service.as_ref().map(|s| json!([{ "component-uuid": uuid(&["component", "service", s]) }])),
    })
}

/// Appends `items` to the array at `at` (made when absent).
fn push_all(at: &mut Value, items: Vec<Value>) {
    if items.is_empty() {
        return;
    }
    if !at.is_array() {
        *at = json!([]);
    }
    if let Some(list) = at.as_array_mut() {
        list.extend(items);
    }
}
