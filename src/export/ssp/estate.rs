//! What the plan describes, loaded once: the in-scope services, their providers and teams, the
//! catalogue's rules and organisation-wide decisions, and the sources they cite.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{Value, json};

use super::{line, ns_prop, uuid};
use crate::db::provider_docs::{self, StatementRow};
use crate::db::sources::{Cited, Sources};
use crate::db::{Connection, Stored, catalogs, implementations, offerings, services, teams};
use crate::error::Result;
use crate::model::Provider;
use crate::model::derive::RuleBook;

/// An in-scope service with where it runs.
pub(super) struct ServiceInfo {
    pub(super) row: services::ServiceRow,
    pub(super) provider: String,
}

/// The estate the plan describes, loaded once.
pub(super) struct Estate {
    pub(super) organisation: String,
    pub(super) catalog: String,
    pub(super) services: Vec<ServiceInfo>,
    pub(super) by_name: HashMap<String, usize>,
    /// Provider key -> (name, offering display names).
    pub(super) providers: BTreeMap<String, (String, BTreeSet<String>)>,
    /// Team name -> contact.
    pub(super) teams: BTreeMap<String, String>,
    /// Control key -> its organisation-wide owner.
    pub(super) org_owners: HashMap<String, String>,
    /// The catalogue's rules, to find the rule (and so the sources) behind a pair decided by rule.
    pub(super) book: RuleBook,
    /// Offering key -> what its category rests on (its `source` text).
    pub(super) offering_sources: HashMap<String, String>,
    /// The source table, to resolve citations.
    pub(super) sources: Sources,
    /// Control key -> the implementation statement recorded organisation-wide.
    pub(super) org_statements: HashMap<String, String>,
    /// (control key, offering key) -> what the provider's documents say about it.
    pub(super) provider_said: HashMap<(String, String), Vec<StatementRow>>,
    /// The provider documents those statements come from: SHA-256 -> (title, kind, provider).
    pub(super) provider_documents: BTreeMap<String, (String, String, String)>,
}

impl Estate {
    pub(super) fn load(conn: &Connection, organisation: String, catalog: String, catalog_id: i64) -> Result<Estate> {
        let rows = services::list(
            conn,
            &services::Filter {
                in_scope_only: true,
                ..Default::default()
            },
        )?;
        let mut offering_provider: HashMap<String, String> = HashMap::new();
        let mut offering_sources: HashMap<String, String> = HashMap::new();
        let mut providers: BTreeMap<String, (String, BTreeSet<String>)> = BTreeMap::new();
        let mut list = Vec::new();
        for row in rows {
            let provider = match offering_provider.get(&row.service.offering) {
                Some(p) => p.clone(),
                None => {
                    let (_, offering) = offerings::get(conn, &row.service.offering)?;
                    offering_provider.insert(row.service.offering.clone(), offering.provider.clone());
                    offering_sources.insert(row.service.offering.clone(), offering.source);
                    offering.provider
                }
            };
            if !providers.contains_key(&provider) {
                let probe = Provider {
                    key: provider.clone(),
                    name: String::new(),
                };
                let name = probe.find(conn)?.map(|(_, p)| line(&p.name)).filter(|n| !n.is_empty());
                providers.insert(
                    provider.clone(),
                    (name.unwrap_or_else(|| provider.clone()), BTreeSet::new()),
                );
            }
            if let Some((_, offerings)) = providers.get_mut(&provider) {
                offerings.insert(line(&row.offering_name));
            }
            list.push(ServiceInfo { row, provider });
        }
        let by_name = list
            .iter()
            .enumerate()
            .map(|(i, s)| (s.row.service.name.clone(), i))
            .collect();
        let teams = teams::list(conn)?
            .into_iter()
            .map(|t| (t.team.name, t.team.contact))
            .collect();
        let keys: HashMap<i64, String> = catalogs::control_ids(conn, catalog_id)?.into_iter().collect();
        let org_wide: Vec<_> = implementations::for_catalog(conn, catalog_id)?
            .into_iter()
            .filter(|i| i.service_id.is_none())
            .collect();
        let org_statements = org_wide
            .iter()
            .filter(|i| !i.statement.trim().is_empty())
            .filter_map(|i| Some((keys.get(&i.control_id)?.clone(), i.statement.clone())))
            .collect();
        let org_owners = org_wide
            .into_iter()
            .filter_map(|i| Some((keys.get(&i.control_id)?.clone(), i.owner?)))
            .collect();
        let mut provider_said: HashMap<(String, String), Vec<StatementRow>> = HashMap::new();
        let mut provider_documents = BTreeMap::new();
        for st in provider_docs::for_catalog(conn, catalog_id)? {
            provider_documents.insert(
                st.document_sha256.clone(),
                (
                    st.document_title.clone(),
                    st.document_kind.to_string(),
                    st.provider.clone(),
                ),
            );
            provider_said
                .entry((st.control.clone(), st.offering.to_lowercase()))
                .or_default()
                .push(st);
        }
        Ok(Estate {
            organisation,
            catalog,
            services: list,
            by_name,
            providers,
            teams,
            org_owners,
            book: RuleBook::new(catalogs::rules(conn, catalog_id)?),
            offering_sources,
            sources: Sources::load(conn)?,
            org_statements,
            provider_said,
            provider_documents,
        })
    }

    /// What the provider's documents say about `key` on the offering of service `service`.
    pub(super) fn provider_statements(&self, key: &str, service: &str) -> &[StatementRow] {
        let Some(info) = self.service(service) else { return &[] };
        self.provider_said
            .get(&(key.to_string(), info.row.service.offering.to_lowercase()))
            .map_or(&[], Vec::as_slice)
    }

    /// Links to the back-matter resources of what a `source` text cites. No link text: a plan
    /// repeats them per (control, service), and the resource holds the citation once.
    pub(super) fn source_links(&self, text: &str) -> Vec<Value> {
        self.sources
            .cite(text)
            .iter()
            .map(|c| json!({ "href": format!("#{}", source_resource(c)), "rel": "reference" }))
            .collect()
    }

    pub(super) fn service(&self, name: &str) -> Option<&ServiceInfo> {
        self.by_name.get(name).map(|&i| &self.services[i])
    }

    pub(super) fn provider_name<'a>(&'a self, key: &'a str) -> &'a str {
        self.providers.get(key).map_or(key, |(name, _)| name.as_str())
    }

    pub(super) fn this_system(&self) -> String {
        uuid(&["component", "this-system", &self.organisation])
    }
}

/// The back-matter resource of a cited source: by id for a source of the table, by its text for
/// free text a user wrote.
pub(super) fn source_resource(cited: &Cited<'_>) -> String {
    match cited {
        Cited::Source(s) => uuid(&["resource", "source", &s.id.to_lowercase()]),
        Cited::Text { text } => uuid(&["resource", "source-text", text]),
    }
}

/// The back-matter resource for a cited source: a citation, and a link when it has an address.
pub(super) fn source_resource_value(cited: &Cited<'_>) -> Value {
    match cited {
        Cited::Source(s) => json!({
            "uuid": source_resource(cited),
            "title": line(&s.title),
            "description": (!s.supports.is_empty()).then(|| format!("What ctrlmap's defaults take from it: {}", line(&s.supports))),
            "props": [ns_prop("source-id", &s.id)],
            "citation": { "text": line(&s.citation()) },
            "rlinks": (!s.url.is_empty()).then(|| json!([{ "href": s.url }])),
        }),
        Cited::Text { text } => json!({
            "uuid": source_resource(cited),
            "title": line(text),
            "description": "A source as written in an imported offering or rule; ctrlmap holds no address for it.",
            "citation": { "text": line(text) },
        }),
    }
}

/// The component UUID of a service (the same in every document).
pub(super) fn service_component(name: &str) -> String {
    uuid(&["component", "service", name])
}

/// The party UUID of a team.
pub(super) fn team_party(name: &str) -> String {
    uuid(&["party", "team", name])
}

/// The party UUID of a provider.
pub(super) fn provider_party(key: &str) -> String {
    uuid(&["party", "provider", key])
}

/// The leveraged-authorization UUID of a provider.
pub(super) fn leveraged_authorization(key: &str) -> String {
    uuid(&["leveraged-authorization", "provider", key])
}

/// The back-matter resource of a provider document, by its SHA-256.
pub(super) fn provider_document_resource(sha256: &str) -> String {
    uuid(&["resource", "provider-document", sha256])
}

/// Whether `text` is a UUID as OSCAL's schema takes one (version 4 or 5).
pub(super) fn oscal_uuid(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
        && matches!(b[14], b'4' | b'5')
        && matches!(b[19], b'8' | b'9' | b'a' | b'b' | b'A' | b'B')
}
