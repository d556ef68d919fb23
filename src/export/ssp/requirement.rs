//! The control implementation: one implemented requirement per control, with one by-component
//! per in-scope service.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::estate::{Estate, oscal_uuid, provider_document_resource, service_component, team_party};
use super::{line, ns_prop, oscal_id, prop, uuid};
use crate::db::provider_docs::StatementRow;
use crate::estate::control::ControlInfo;
use crate::model::Responsibility;
use crate::model::evaluation::Pair;
use crate::model::provider::StatementKind;

/// What a by-component says when nothing was recorded for the pair: no status or statement is
/// invented (an unrecorded pair is not "planned").
pub(super) const NOT_RECORDED: &str = "No implementation statement recorded.";

/// A control's origin, as OSCAL's `control-origination` says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Origination {
    Organization,
    SystemSpecific,
    Inherited,
}

impl Origination {
    fn as_str(self) -> &'static str {
        match self {
            Origination::Organization => "organization",
            Origination::SystemSpecific => "system-specific",
            Origination::Inherited => "inherited",
        }
    }
}

/// The implementation status recorded for a pair, if one was.
fn state(p: &Pair) -> Option<&'static str> {
    match p.status.as_str() {
        "implemented" => Some("implemented"),
        "partial" => Some("partial"),
        "planned" => Some("planned"),
        "alternative" => Some("alternative"),
        "not-applicable" => Some("not-applicable"),
        _ => None,
    }
}

/// The state of a control from the recorded states of its pairs; `None` when none is recorded.
fn overall(states: &[&'static str]) -> Option<&'static str> {
    if states.is_empty() {
        return None;
    }
    let applicable: Vec<&str> = states.iter().copied().filter(|s| *s != "not-applicable").collect();
    Some(match applicable.first() {
        None => "not-applicable",
        Some(first) if applicable.iter().all(|s| s == first) => first,
        Some(_)
            if applicable
                .iter()
                .any(|s| matches!(*s, "implemented" | "partial" | "alternative")) =>
        {
            "partial"
        }
        Some(_) => "planned",
    })
}

/// Why a pair's responsibility is what it is, for the by-component's remarks.
fn responsibility_remarks(p: &Pair, key: &str) -> String {
    let how = match &*p.provenance {
        "override" => "decided by an override",
        "provider" => "as the provider's document says",
        "rule" => "by rule",
        "none" | "" => "no rule applies",
        other => other,
    };
    let mut what = format!(
        "Responsibility: {} runs on {} ({}): {}, {how}.",
        p.service, p.offering, p.category, p.responsibility
    );
    let rationale = p.rationale.trim();
    if p.responsibility == Responsibility::Undetermined {
        what.push_str(&format!(
            " Nobody has decided who implements {key} here: a gap in the shared responsibility model."
        ));
    } else if !rationale.is_empty() {
        what.push(' ');
        what.push_str(rationale);
    }
    what
}

/// Builds one implemented requirement; records the teams it names in `named`.
pub(super) fn requirement(estate: &Estate, info: &ControlInfo, pairs: &[Pair], named: &mut BTreeSet<String>) -> Value {
    let key = info.key.as_str();
    let cat = estate.catalog.as_str();
    let org_owner = estate.org_owners.get(key).map(String::as_str);
    let org_statement = estate
        .org_statements
        .get(key)
        .map(|s| s.trim())
        .filter(|s| !s.is_empty());
    let mut origins = BTreeSet::new();
    let mut states = Vec::new();
    let mut owners = BTreeSet::new();
    let mut by_components = Vec::new();
    for p in pairs {
        let state = state(p);
        states.extend(state);
        let provider = estate.service(&p.service).map(|s| s.provider.as_str());
        let provider_name = provider.map_or("The provider", |k| estate.provider_name(k));
        let base = ["ssp", cat, "control", key, "service", &*p.service];
        // The statement where it was recorded: the service's own, or a pointer to the
        // organisation-wide one (on this system) that the pair falls back to.
        let statement = p.statement.trim();
        let description = match statement {
            "" => NOT_RECORDED.to_string(),
            s if Some(s) == org_statement => format!(
                "No statement recorded for {}: the organisation-wide statement (on {}) applies.",
                p.service, estate.organisation
            ),
            s => s.to_string(),
        };
        // A pair decided by rule cites the rule's sources, one decided by the provider's word
        // its documents; the pair itself carries no source.
        let said = match &*p.provenance {
            "provider" => estate.provider_statements(key, &p.service),
            _ => &[],
        };
        let links = match &*p.provenance {
            "rule" => estate
                .book
                .find(key, &info.family, p.category)
                .map(|r| estate.source_links(&r.source))
                .unwrap_or_default(),
            "provider" => document_links(said),
            _ => Vec::new(),
        };
        let mut entry = json!({
            "component-uuid": service_component(&p.service),
            "uuid": uuid(&base),
            "description": description,
            "props": [
                ns_prop("responsibility", p.responsibility.as_str()),
                ns_prop("provenance", &p.provenance),
                ns_prop("statement", if statement.is_empty() { "not-recorded" } else { "recorded" }),
            ],
            "links": links,
            "implementation-status": state.map(|s| json!({ "state": s })),
            "remarks": responsibility_remarks(p, key),
        });
        if !said.is_empty() {
            // The provider's own statements: inherited entries point at what it provides,
            // satisfied entries at the responsibilities it leaves to the customer.
            provider_entries(&mut entry, said, &base, provider_name, &estate.organisation, p);
            if entry.get("inherited").is_some() {
                origins.insert(Origination::Inherited);
            }
            if entry.get("satisfied").is_some() {
                origins.insert(Origination::SystemSpecific);
                if let Some(owner) = p.owner.as_deref() {
                    named.insert(owner.to_string());
                    owners.insert(owner.to_string());
                }
            }
        } else if matches!(p.responsibility, Responsibility::Inherited | Responsibility::Shared) {
            origins.insert(Origination::Inherited);
            let part = if p.responsibility == Responsibility::Shared {
                "its part of "
            } else {
                ""
            };
            entry["inherited"] = json!([{
                "uuid": uuid(&[&base[..], &["inherited"]].concat()),
                "description": format!(
                    "{provider_name} implements {part}{key} on {}; {} inherits it under the provider's leveraged authorization.",
                    p.offering, p.service
                ),
            }]);
        }
        if said.is_empty() && p.responsibility.customer_has_a_part() {
            let common = org_owner.is_some() && p.owner.as_deref() == org_owner;
            origins.insert(if common {
                Origination::Organization
            } else {
                Origination::SystemSpecific
            });
            let part = if p.responsibility == Responsibility::Shared {
                "its part of "
            } else {
                ""
            };
            let mut said = format!("{} implements {part}{key} on {}", estate.organisation, p.service);
            let roles = p.owner.as_deref().map(|owner| {
                named.insert(owner.to_string());
                owners.insert(owner.to_string());
                said.push_str(&format!(", owned by team {owner}"));
                if common {
                    said.push_str(" as an organisation-wide (common) control");
                }
                json!([{ "role-id": "control-owner", "party-uuids": [team_party(owner)] }])
            });
            said.push('.');
            entry["satisfied"] = json!([{
                "uuid": uuid(&[&base[..], &["satisfied"]].concat()),
                "description": said,
                "responsible-roles": roles,
            }]);
        }
        by_components.push(entry);
    }
    // An organisation-wide statement is the system's: it sits on this system's by-component.
    if let Some(statement) = org_statement {
        by_components.push(json!({
            "component-uuid": estate.this_system(),
            "uuid": uuid(&["ssp", cat, "control", key, "this-system"]),
            "description": statement,
            "props": [ns_prop("statement", "recorded"), ns_prop("scope", "organisation-wide")],
        }));
    } else if pairs.is_empty() {
        by_components.push(json!({
            "component-uuid": estate.this_system(),
            "uuid": uuid(&["ssp", cat, "control", key, "this-system"]),
            "description": NOT_RECORDED,
            "remarks": format!("No service is in scope, so nothing implements {key} yet."),
        }));
    }
    let rollup = crate::model::derive::rollup(pairs.iter().map(|p| p.responsibility));
    let mut props: Vec<Option<Value>> = origins
        .iter()
        .map(|o| prop("control-origination", o.as_str()))
        .collect();
    props.push(overall(&states).and_then(|s| ns_prop("implementation-status", s)));
    props.push(ns_prop("responsibility", rollup.as_str()));
    props.push(ns_prop("control-key", key));
    let roles = (!owners.is_empty()).then(|| {
        let parties: Vec<String> = owners.iter().map(|o| team_party(o)).collect();
        json!([{ "role-id": "control-owner", "party-uuids": parties }])
    });
    json!({
        "uuid": uuid(&["ssp", cat, "control", key]),
        "control-id": oscal_id(key),
        "props": props,
        "responsible-roles": roles,
        "by-components": by_components,
        "remarks": format!("{key} {} ({})", line(&info.title), line(&info.family)),
    })
}

/// Links from a by-component to the back-matter resources of the provider documents it rests on.
fn document_links(said: &[StatementRow]) -> Vec<Value> {
    let shas: BTreeSet<&str> = said.iter().map(|s| s.document_sha256.as_str()).collect();
    shas.into_iter()
        .map(|sha| json!({ "href": format!("#{}", provider_document_resource(sha)), "rel": "reference" }))
        .collect()
}

/// The `inherited` and `satisfied` entries of a by-component decided by the provider's word: one
/// inherited entry per provided statement (`provided-uuid`), one satisfied entry per customer
/// responsibility (`responsibility-uuid`), and one for each provided statement the document gives
/// as not complete (the customer covers the rest until it is). A uuid OSCAL's schema would not take
/// (not version 4 or 5) is named in the description instead of linked.
fn provider_entries(
    entry: &mut Value,
    said: &[StatementRow],
    base: &[&str],
    provider: &str,
    organisation: &str,
    p: &Pair,
) {
    let mut inherited = Vec::new();
    let mut satisfied = Vec::new();
    let roles = p
        .owner
        .as_deref()
        .map(|owner| json!([{ "role-id": "control-owner", "party-uuids": [team_party(owner)] }]));
    let text = |s: &StatementRow| s.description.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut seen = BTreeSet::new();
    for s in said {
        if !seen.insert((s.kind, s.uuid.as_str())) {
            continue;
        }
        let linkable = oscal_uuid(&s.uuid);
        let named = if linkable {
            String::new()
        } else {
            format!(" (statement {})", s.uuid)
        };
        let id = uuid(&[base, &[s.kind.as_str(), s.uuid.as_str()]].concat());
        match s.kind {
            StatementKind::Provided => {
                inherited.push(json!({
                    "uuid": id,
                    "provided-uuid": linkable.then(|| s.uuid.clone()),
                    "description": format!("{provider} provides{named}: {}", text(s)),
                }));
                if s.partial {
                    satisfied.push(json!({
                        "uuid": uuid(&[base, &["partial", s.uuid.as_str()]].concat()),
                        "description": format!(
                            "{provider}'s implementation of this is {}{named}: until it is complete, {organisation} covers the rest.",
                            s.state
                        ),
                        "responsible-roles": roles.clone(),
                    }));
                }
            }
            StatementKind::Responsibility => satisfied.push(json!({
                "uuid": id,
                "responsibility-uuid": linkable.then(|| s.uuid.clone()),
                "description": format!("{organisation} does what {provider} leaves to the customer{named}: {}", text(s)),
                "responsible-roles": roles.clone(),
            })),
        }
    }
    if !inherited.is_empty() {
        entry["inherited"] = json!(inherited);
    }
    if !satisfied.is_empty() {
        entry["satisfied"] = json!(satisfied);
    }
}
