//! The observations of the assessment results, one per (control, service) pair with a result, a
//! note or evidence, and the back-matter resources that describe each piece of evidence once.

use serde_json::{Value, json};

use crate::db::{Connection, evidence as evidence_db};
use crate::error::{Error, Result};
use crate::export::ssp::{NS, line, ns_prop, uuid};
use crate::model::evaluation::{EvidenceRef, Pair, ResultValue};

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
    evidence_resource_uuid(e.id, e.sha256.as_deref())
}

/// The UUID of the back-matter resource of evidence `id` (with its file's hash, if any).
pub(super) fn evidence_resource_uuid(id: i64, sha256: Option<&str>) -> String {
    uuid(&["resource", "evidence", &id.to_string(), sha256.unwrap_or("")])
}

/// The back-matter resource of a piece of evidence: what the snapshot froze, plus what does not
/// change about it (kind, URL, media type, note) from the database when it is still there.
pub(super) fn resource(conn: &Connection, e: &EvidenceRef) -> Result<Value> {
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

/// The observation of a pair, when there is anything to observe (a result, a note or evidence).
pub(super) fn observation(
    p: &Pair,
    key: &impl Fn(&[&str]) -> String,
    origins: &Value,
    collected: &str,
) -> Option<Value> {
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
