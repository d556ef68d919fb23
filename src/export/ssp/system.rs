//! The plan's parties and roles (metadata), its system characteristics and its system
//! implementation (leveraged authorizations, users, components).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::estate::{Estate, leveraged_authorization, provider_party, service_component, team_party};
use super::{line, ns_prop, prop, uuid};
use crate::model::Catalog;

/// FIPS 199 impact level of a data classification, with its rank.
fn impact(classification: &str) -> (u8, &'static str) {
    match classification.to_lowercase().as_str() {
        "public" | "internal" => (0, "fips-199-low"),
        "restricted"
        | "secret"
        | "top-secret"
        | "highly-confidential"
        | "highly confidential"
        | "strictly-confidential"
        | "strictly confidential" => (2, "fips-199-high"),
        _ => (1, "fips-199-moderate"),
    }
}

/// The metadata's people: `(roles, parties, responsible-parties)`. Parties are the organisation,
/// the providers and every team (those of the estate and those the requirements `named`).
pub(super) fn people(estate: &Estate, named: BTreeSet<String>) -> (Value, Value, Value) {
    let organisation = &estate.organisation;
    let org_party = organisation_party(organisation);
    let mut team_names: BTreeSet<String> = estate.teams.keys().cloned().collect();
    team_names.extend(named);
    team_names.extend(estate.services.iter().filter_map(|s| s.row.service.team.clone()));
    let mut parties = vec![json!({ "uuid": org_party, "type": "organization", "name": organisation })];
    for (key, (name, _)) in &estate.providers {
        parties.push(json!({
            "uuid": provider_party(key),
            "type": "organization",
            "name": name,
            "short-name": line(key),
        }));
    }
    for team in &team_names {
        let contact = estate.teams.get(team).map(|c| line(c)).filter(|c| !c.is_empty());
        parties.push(json!({
            "uuid": team_party(team),
            "type": "organization",
            "name": line(team),
            "member-of-organizations": [org_party],
            "remarks": contact.map(|c| format!("Team of {organisation}; contact: {c}")),
        }));
    }
    let mut responsible = vec![json!({ "role-id": "system-owner", "party-uuids": [org_party] })];
    if !estate.providers.is_empty() {
        let ids: Vec<String> = estate.providers.keys().map(|k| provider_party(k)).collect();
        responsible.push(json!({ "role-id": "provider", "party-uuids": ids }));
    }
    let roles = json!([
        { "id": "system-owner", "title": "System owner",
          "description": "The organisation whose cloud services this plan covers." },
        { "id": "provider", "title": "Cloud service provider",
          "description": "Runs the offerings the services are built on; its part of a control is inherited." },
        { "id": "asset-owner", "title": "Service owner", "description": "The team that owns a service." },
        { "id": "control-owner", "title": "Control owner",
          "description": "The team that implements the customer's part of a control." },
    ]);
    (roles, json!(parties), json!(responsible))
}

/// The party UUID of the organisation.
pub(super) fn organisation_party(organisation: &str) -> String {
    uuid(&["party", "organisation", organisation])
}

/// The name of the system: the organisation's cloud services.
pub(super) fn system_name(organisation: &str) -> String {
    format!("{organisation} cloud services")
}

/// The system characteristics: information types by data classification, impact levels.
pub(super) fn characteristics(estate: &Estate, catalog: &Catalog) -> Value {
    let organisation = &estate.organisation;
    let mut classes: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for s in &estate.services {
        let class = line(&s.row.service.data_classification);
        let class = if class.is_empty() {
            "unclassified".to_string()
        } else {
            class
        };
        classes.entry(class).or_default().push(&s.row.service.name);
    }
    let mut highest = (0u8, "fips-199-low");
    let mut information_types = Vec::new();
    for (class, names) in &classes {
        let level = impact(class);
        highest = highest.max(level);
        information_types.push(json!({
            "uuid": uuid(&["information-type", &class.to_lowercase()]),
            "title": format!("Data classified {class}"),
            "description": format!(
                "Data classified \"{class}\", held by {}. Impact levels follow the classification; \
                 ctrlmap records no separate integrity or availability needs.",
                names.join(", ")
            ),
            "confidentiality-impact": { "base": level.1 },
            "integrity-impact": { "base": level.1 },
            "availability-impact": { "base": level.1 },
        }));
    }
    if information_types.is_empty() {
        highest = impact("");
        information_types.push(json!({
            "uuid": uuid(&["information-type", "none"]),
            "title": "No data recorded",
            "description": "No service is in scope, so no data classification is recorded.",
            "confidentiality-impact": { "base": highest.1 },
            "integrity-impact": { "base": highest.1 },
            "availability-impact": { "base": highest.1 },
        }));
    }
    let service_names: Vec<&str> = estate.services.iter().map(|s| s.row.service.name.as_str()).collect();
    let provider_names: Vec<&str> = estate.providers.values().map(|(n, _)| n.as_str()).collect();
    json!({
        "system-ids": [{
            "identifier-type": "https://ietf.org/rfc/rfc4122",
            "id": uuid(&["system", organisation]),
        }],
        "system-name": system_name(organisation),
        "description": format!(
            "The {} in-scope services of {organisation}{}, mapped onto the cloud shared responsibility \
             model for catalogue {} ({}).",
            service_names.len(),
            if provider_names.is_empty() { String::new() } else { format!(" on {}", provider_names.join(", ")) },
            catalog.key,
            line(&catalog.title)
        ),
        "security-sensitivity-level": highest.1,
        "system-information": { "information-types": information_types },
        "security-impact-level": {
            "security-objective-confidentiality": highest.1,
            "security-objective-integrity": highest.1,
            "security-objective-availability": highest.1,
        },
        "status": { "state": "operational" },
        "authorization-boundary": {
            "description": format!(
                "The services listed as components ({}). The providers' infrastructure beneath them is \
                 outside the boundary and covered by their leveraged authorizations.",
                if service_names.is_empty() { "none in scope".to_string() } else { service_names.join(", ") }
            ),
        },
    })
}

/// The system implementation: a leveraged authorization per provider (dated `day`: ctrlmap
/// records no authorization date), this system and one component per in-scope service.
pub(super) fn implementation(estate: &Estate, day: &str) -> Value {
    let organisation = &estate.organisation;
    let org_party = organisation_party(organisation);
    let leveraged: Vec<Value> = estate
        .providers
        .iter()
        .map(|(key, (name, offerings))| {
            json!({
                "uuid": leveraged_authorization(key),
                "title": format!("{name} (leveraged)"),
                "props": [ns_prop("provider", key)],
                "party-uuid": provider_party(key),
                "date-authorized": day,
                "remarks": format!(
                    "Offerings used: {}. ctrlmap records no authorization date for the provider; \
                     date-authorized is the date of this plan.",
                    offerings.iter().cloned().collect::<Vec<_>>().join(", ")
                ),
            })
        })
        .collect();
    let mut components = vec![json!({
        "uuid": estate.this_system(),
        "type": "this-system",
        "title": system_name(organisation),
        "description": format!("All in-scope services of {organisation}, as one system."),
        "status": { "state": "operational" },
        "responsible-roles": [{ "role-id": "system-owner", "party-uuids": [org_party] }],
    })];
    for s in &estate.services {
        let svc = &s.row.service;
        let mut description = format!(
            "{} runs on {} from {} ({} service)",
            svc.name,
            line(&s.row.offering_name),
            estate.provider_name(&s.provider),
            s.row.category
        );
        for (what, value) in [("environment", &svc.environment), ("region", &svc.region)] {
            let value = line(value);
            if !value.is_empty() {
                description.push_str(&format!(", {what} {value}"));
            }
        }
        description.push('.');
        components.push(json!({
            "uuid": service_component(&svc.name),
            "type": "service",
            "title": line(&svc.name),
            "description": description,
            "props": [
                prop("leveraged-authorization-uuid", &leveraged_authorization(&s.provider)),
                ns_prop("offering", &svc.offering),
                ns_prop("category", s.row.category.as_str()),
                ns_prop("environment", &svc.environment),
                ns_prop("region", &svc.region),
                ns_prop("data-classification", &svc.data_classification),
            ],
            "links": estate.offering_sources.get(&svc.offering).map(|text| estate.source_links(text)),
            "status": { "state": "operational" },
            "responsible-roles": svc.team.as_ref().map(|t| json!([{ "role-id": "asset-owner", "party-uuids": [team_party(t)] }])),
        }));
    }
    let users = json!([{
        "uuid": uuid(&["user", "team-member", organisation]),
        "title": "Team member",
        "description": format!("A member of a team of {organisation} that owns services or controls."),
        "props": [prop("type", "internal")],
        "role-ids": ["asset-owner", "control-owner"],
    }]);
    json!({
        "leveraged-authorizations": leveraged,
        "users": users,
        "components": components,
    })
}
