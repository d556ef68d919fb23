//! The OSCAL 1.2.1 plan of action and milestones, from the POA&M items.
//!
//! - One **poam-item** per item (all of them, or those of one evaluation), titled
//!   `KEY: kind`, with ctrlmap props for its number, kind, status in effect, overdue, owner,
//!   detected and due dates and services; `related-findings` names the finding of the
//!   evaluation's assessment results it answers, by the uuid `export oscal-assessment-results`
//!   gives that finding ([`crate::export::assessment::finding_uuid`]); `related-risks` its risk.
//! - One **risk** per item: status `open`, `remediating` (in progress), `deviation-approved` (a
//!   risk acceptance in effect) or `closed` (completed), computed for `--today` like the list;
//!   the due date is its `deadline`; one remediation whose tasks are the milestones (type
//!   `milestone`, dated); a risk log of detection, acceptance (with its reason and end),
//!   expiry of the acceptance and completion.
//! - `system-id` is the system security plan's (from the organisation name), and the services
//!   the items concern are local components with the SSP's component uuids.
//! - uuids derive from stable keys (item origin, control, kind and number); the document's `uuid`
//!   and `version` from a hash of its content; `last-modified` is the newest change of the data:
//!   the same database and `--today` give the same bytes.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::markup::line;
use super::ssp::{OSCAL_VERSION, identify, last_change, ns_prop, prune, uuid};
use crate::db::Connection;
use crate::db::evaluations::{self, Evaluation};
use crate::db::poam::{self, Item};
use crate::error::Result;
use crate::model::evidence::Day;
use crate::model::poam::ItemStatus;

/// A date as OSCAL's date-time with a time zone: midnight UTC.
fn at(day: Day) -> String {
    format!("{day}T00:00:00Z")
}

/// The OSCAL risk status of an item as it stands.
fn risk_status(status: ItemStatus) -> &'static str {
    match status {
        ItemStatus::Open => "open",
        ItemStatus::InProgress => "remediating",
        ItemStatus::RiskAccepted => "deviation-approved",
        ItemStatus::Completed => "closed",
    }
}

/// The OSCAL 1.2.1 POA&M of the items of `evaluation` (all items when `None`), as they stand on
/// `today`, for the system of `organisation`.
pub fn plan_of_action(conn: &Connection, evaluation: Option<i64>, organisation: &str, today: Day) -> Result<Value> {
    if let Some(id) = evaluation {
        evaluations::get(conn, id)?;
    }
    let items = poam::list(conn, evaluation)?;
    if items.is_empty() {
        // OSCAL requires at least one poam-item: an empty plan is no document.
        return Err(crate::error::Error::Invalid(match evaluation {
            Some(id) => format!("evaluation {id} has no POA&M items (they are opened when it closes with findings)"),
            None => "there are no POA&M items to export (closing an evaluation with findings opens them)".to_string(),
        }));
    }
    let mut evaluations: BTreeMap<i64, Evaluation> = BTreeMap::new();
    for id in items.iter().filter_map(|i| i.evaluation) {
        if let std::collections::btree_map::Entry::Vacant(slot) = evaluations.entry(id) {
            slot.insert(evaluations::get(conn, id)?);
        }
    }
    let mut parties: BTreeMap<String, Value> = BTreeMap::new();
    let mut services: BTreeSet<&str> = BTreeSet::new();
    let mut risks = Vec::new();
    let mut poam_items = Vec::new();
    for item in &items {
        services.extend(item.services.iter().map(String::as_str));
        let origins = item.evaluation.and_then(|id| evaluations.get(&id)).map(|e| {
            let name = assessor(e);
            let party = uuid(&["party", "person", &name]);
            parties.insert(party.clone(), json!({ "uuid": party, "type": "person", "name": name }));
            json!([{ "actors": [{ "type": "party", "actor-uuid": party, "role-id": "assessor" }] }])
        });
        if let Some(owner) = &item.owner {
            let party = uuid(&["party", "team", owner]);
            parties.insert(
                party.clone(),
                json!({ "uuid": party, "type": "organization", "name": line(owner) }),
            );
        }
        let (risk, risk_uuid) = risk(item, today);
        risks.push(risk);
        let finding = item
            .evaluation
            .and_then(|id| evaluations.get(&id))
            .and_then(|e| crate::export::assessment::finding_uuid(e, &item.control, item.kind));
        poam_items.push(poam_item(item, today, origins, finding, &risk_uuid));
    }
    let components: Vec<Value> = services
        .iter()
        .map(|name| {
            json!({
                "uuid": uuid(&["component", "service", name]),
                "type": "service",
                "title": line(name),
                "description": format!("{name}, a service a POA&M item concerns."),
                "status": { "state": "operational" },
            })
        })
        .collect();
    let owners: Vec<String> = parties
        .values()
        .filter(|p| p["type"] == "organization")
        .filter_map(|p| p["uuid"].as_str().map(str::to_string))
        .collect();
    let assessors: Vec<String> = parties
        .values()
        .filter(|p| p["type"] == "person")
        .filter_map(|p| p["uuid"].as_str().map(str::to_string))
        .collect();
    let scope = match evaluation {
        Some(id) => format!("the POA&M items of evaluation {id}"),
        None => "every POA&M item".to_string(),
    };
    let mut doc = json!({
        "plan-of-action-and-milestones": {
            "metadata": {
                "title": format!("Plan of action and milestones of {}", line(organisation)),
                "oscal-version": OSCAL_VERSION,
                "roles": [
                    { "id": "assessor", "title": "Assessor", "description": "Recorded the findings the items answer." },
                    { "id": "poam-item-owner", "title": "Owner", "description": "The team that remedies an item." },
                ],
                "parties": parties.into_values().collect::<Vec<_>>(),
                "responsible-parties": [
                    if assessors.is_empty() { Value::Null } else { json!({ "role-id": "assessor", "party-uuids": assessors }) },
                    if owners.is_empty() { Value::Null } else { json!({ "role-id": "poam-item-owner", "party-uuids": owners }) },
                ],
                "props": [ns_prop("as-of", &today.to_string())],
                "remarks": format!(
                    "Exported by ctrlmap: {scope}, as they stand on {today} (a risk acceptance past its end date is \
                     open again; an open or in-progress item past its due date is overdue)."
                ),
            },
            "system-id": {
                "identifier-type": "https://ietf.org/rfc/rfc4122",
                "id": uuid(&["system", organisation]),
            },
            "local-definitions": if components.is_empty() { Value::Null } else { json!({ "components": components }) },
            "risks": risks,
            "poam-items": poam_items,
        }
    });
    // `responsible-parties` may hold nulls from above: prune removes them.
    if let Some(list) = doc["plan-of-action-and-milestones"]["metadata"]["responsible-parties"].as_array_mut() {
        list.retain(|v| !v.is_null());
    }
    crate::export::markup::escape_fields(&mut doc);
    prune(&mut doc);
    identify(&mut doc, "plan-of-action-and-milestones", last_change(conn, today)?)?;
    Ok(doc)
}

/// The assessor of an evaluation as a party name.
fn assessor(e: &Evaluation) -> String {
    let name = line(&e.assessor);
    if name.is_empty() {
        "unknown assessor".to_string()
    } else {
        name
    }
}

/// The stable key of an item, which its uuids derive from.
fn item_key(item: &Item) -> Vec<String> {
    vec![
        item.origin.clone(),
        item.catalog.clone(),
        item.control.clone(),
        item.kind.as_str().to_string(),
        item.id.to_string(),
    ]
}

fn key(item: &Item, what: &[&str]) -> String {
    let base = item_key(item);
    let mut parts: Vec<&str> = vec!["poam"];
    parts.extend(base.iter().map(String::as_str));
    parts.extend(what);
    uuid(&parts)
}

/// The poam-item of `item`.
fn poam_item(item: &Item, today: Day, origins: Option<Value>, finding: Option<String>, risk: &str) -> Value {
    let state = item.state(today);
    let mut props = vec![
        ns_prop("poam-item-id", &item.id.to_string()),
        ns_prop("source", &item.source),
        ns_prop("catalog", &item.catalog),
        ns_prop("control-key", &item.control),
        ns_prop("kind", item.kind.as_str()),
        ns_prop("status", state.status.as_str()),
        ns_prop("overdue", if state.overdue { "true" } else { "false" }),
        ns_prop("owner", item.owner.as_deref().unwrap_or("")),
        ns_prop("detected", &item.detected.to_string()),
        ns_prop("due", &item.due.to_string()),
    ];
    props.extend(item.services.iter().map(|s| ns_prop("service", s)));
    let remarks = match (state.status, item.accepted_until, &item.accepted_why) {
        (ItemStatus::RiskAccepted, Some(until), Some(why)) => Some(format!(
            "Risk accepted until {until} by {}: {why}",
            item.accepted_by.as_deref().unwrap_or("?")
        )),
        _ if state.acceptance_expired => Some(format!(
            "The risk acceptance ended on {}: open again.",
            item.accepted_until.map_or_else(String::new, |d| d.to_string())
        )),
        _ => None,
    };
    json!({
        "uuid": key(item, &["item"]),
        "title": format!("{}: {}", item.control, item.kind),
        "description": description(item),
        "props": props,
        "origins": origins,
        "related-findings": finding.map(|f| json!([{ "finding-uuid": f }])),
        "related-risks": [{ "risk-uuid": risk }],
        "remarks": remarks,
    })
}

fn description(item: &Item) -> String {
    let on = if item.services.is_empty() {
        "the organisation".to_string()
    } else {
        item.services.join(", ")
    };
    format!(
        "{} ({}) on {on}: {}. Owner: {}. Detected {}, due {}.",
        item.control,
        line(&item.title),
        line(&item.detail),
        item.owner.as_deref().unwrap_or("none yet"),
        item.detected,
        item.due
    )
}

/// The risk of `item` and its uuid.
fn risk(item: &Item, today: Day) -> (Value, String) {
    let state = item.state(today);
    let uuid_ = key(item, &["risk"]);
    let tasks: Vec<Value> = item
        .milestones
        .iter()
        .enumerate()
        .map(|(n, m)| {
            json!({
                "uuid": key(item, &["milestone", &n.to_string()]),
                "type": "milestone",
                "title": line(&m.text),
                "timing": { "on-date": { "date": at(m.date) } },
                "remarks": format!("Recorded by {} on {}.", line(&m.actor), m.date),
            })
        })
        .collect();
    let mut log = vec![json!({
        "uuid": key(item, &["log", "detected"]),
        "title": "Detected",
        "description": format!("{}: {}", item.kind, line(&item.detail)),
        "start": at(item.detected),
        "status-change": "open",
    })];
    if let (Some(on), Some(until), Some(why)) = (item.accepted_on, item.accepted_until, &item.accepted_why) {
        log.push(json!({
            "uuid": key(item, &["log", "accepted", &on.to_string()]),
            "title": format!("Risk accepted until {until}"),
            "description": format!("By {}: {why}", item.accepted_by.as_deref().unwrap_or("?")),
            "start": at(on),
            "end": at(until),
            "status-change": "deviation-approved",
        }));
        if state.acceptance_expired {
            log.push(json!({
                "uuid": key(item, &["log", "acceptance-expired", &until.to_string()]),
                "title": "Risk acceptance expired",
                "description": format!("The acceptance ended on {until}: the item is open again."),
                "start": at(until.plus_days(1).unwrap_or(until)),
                "status-change": "open",
            }));
        }
    }
    if let Some(done) = item.completed {
        log.push(json!({
            "uuid": key(item, &["log", "completed"]),
            "title": "Completed",
            "start": at(done),
            "status-change": "closed",
        }));
    }
    let risk = json!({
        "uuid": uuid_,
        "title": format!("{}: {}", item.control, item.kind),
        "description": description(item),
        "statement": format!(
            "Until remedied, {} ({}) cannot be relied on for {}.",
            item.control,
            line(&item.title),
            if item.services.is_empty() { "the organisation".to_string() } else { item.services.join(", ") }
        ),
        "props": [ns_prop("overdue", if state.overdue { "true" } else { "false" })],
        "status": risk_status(state.status),
        "deadline": at(item.due),
        "remediations": [{
            "uuid": key(item, &["remediation"]),
            "lifecycle": if state.status == ItemStatus::Completed { "completed" } else { "planned" },
            "title": format!("Remedy {} ({})", item.control, item.kind),
            "description": format!(
                "Owner: {}. Due {}.",
                item.owner.as_deref().unwrap_or("none yet"),
                item.due
            ),
            "tasks": tasks,
        }],
        "risk-log": { "entries": log },
    });
    (risk, uuid_)
}
