//! The OSCAL 1.2.1 system security plan of the customer side, built from the live state.
//!
//! - **Parties**: the organisation, the provider of every in-scope service's offering, and every
//!   team (a member of the organisation). **Roles**: `system-owner` (the organisation), `provider`,
//!   `asset-owner` (the team owning a service) and `control-owner` (the team doing the customer's
//!   part of a control).
//! - **System implementation**: one `leveraged-authorization` per provider (ctrlmap records no
//!   authorization date, so `date-authorized` is the export date), one `service` component per
//!   in-scope service carrying a `leveraged-authorization-uuid` prop, and a `this-system` component.
//! - **System characteristics**: one information type per data classification of the services;
//!   impact levels follow the classification (public, internal: low; confidential and anything
//!   unknown: moderate; restricted, secret, highly/strictly confidential: high).
//! - **Control implementation**: one implemented requirement per control (`AC-2(1)` -> `ac-2.1`),
//!   with one by-component per in-scope service. The pair's responsibility decides what it holds:
//!   inherited -> an `inherited` entry (the provider's part), customer -> a `satisfied` entry (the
//!   customer's part, with the owning team as `control-owner`), shared -> both, undetermined ->
//!   neither (the description says it is a gap). `control-origination` props on the requirement
//!   collect the pairs' origins: `inherited` for the provider's parts, `system-specific` for the
//!   customer's, or `organization` when the customer's part is owned by the control's
//!   organisation-wide owner (a common control). Implementation status is the recorded one, else
//!   `implemented` for inherited pairs and `planned` otherwise.
//!
//! - **Sources**: the back matter holds, beside the catalogue, one resource per source that the
//!   catalogue's rules or the services' offerings cite (title, citation, `rlinks` to its URL when
//!   it has one); a by-component decided by a rule links to the rule's sources, and a service
//!   component to the sources of its offering's category.
//!
//! UUIDs are version 5, derived from stable keys (`ctrlmap:component:service:orders-db`), so the
//! same data gives the same document byte for byte, and a service keeps its component UUID across
//! documents (the assessment results reuse it).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;

use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};
use uuid::Uuid;

use crate::db::sources::{Cited, Sources};
use crate::db::{Connection, Stored, catalogs, implementations, offerings, services, teams};
use crate::error::{Error, Result};
use crate::estate::pairs::{self, ControlInfo, Source};
use crate::model::derive::RuleBook;
use crate::model::evaluation::Pair;
use crate::model::evidence::Day;
use crate::model::{Provider, Responsibility};

/// The OSCAL version the exports follow.
pub(crate) const OSCAL_VERSION: &str = "1.2.1";

/// The namespace of ctrlmap's own props (responsibility, provenance, result, ...).
pub(crate) const NS: &str = "urn:ctrlmap:oscal";

/// The name space of ctrlmap's v5 UUIDs.
const NAMESPACE: Uuid = Uuid::from_u128(0xaef1c1f7_e504_4876_ab7a_c04541b25f80);

/// What the SSP is about.
#[derive(Debug, Clone)]
pub struct SspOptions {
    /// Catalogue key.
    pub catalog: String,
    /// Where the baseline profile lives; `None` points at a back-matter resource for the catalogue.
    pub profile_href: Option<String>,
    /// The organisation (the system owner).
    pub organisation: String,
    /// The day the plan speaks for: evidence is judged on it and it is the `last-modified` date.
    pub date: Day,
    /// See the catalogue through the crosswalk from this one (its controls' state and evidence).
    pub via: Option<String>,
}

/// A v5 UUID from the parts of a stable key (`ctrlmap:part:part...`, `:` and `%` escaped).
pub(crate) fn uuid(parts: &[&str]) -> String {
    let mut key = String::from("ctrlmap");
    for p in parts {
        key.push(':');
        key.push_str(&p.replace('%', "%25").replace(':', "%3A"));
    }
    Uuid::new_v5(&NAMESPACE, key.as_bytes()).to_string()
}

/// The OSCAL id of a control key: `AC-2(1)` -> `ac-2.1`, `SRM-PATCH` -> `srm-patch`; anything
/// outside an OSCAL token becomes `_`.
pub(crate) fn oscal_id(key: &str) -> String {
    let mut id = String::new();
    for c in key.trim().chars() {
        match c {
            '(' => id.push('.'),
            ')' => {}
            c if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') => id.push(c.to_ascii_lowercase()),
            _ => id.push('_'),
        }
    }
    if !id.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        id.insert(0, '_');
    }
    id
}

/// Text on one line with single spaces (OSCAL strings allow no line breaks or outer spaces).
pub(crate) fn line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A core OSCAL prop, or `None` when the value is blank.
pub(crate) fn prop(name: &str, value: &str) -> Option<Value> {
    let value = line(value);
    (!value.is_empty()).then(|| json!({ "name": name, "value": value }))
}

/// A ctrlmap prop (namespace [`NS`]), or `None` when the value is blank.
pub(crate) fn ns_prop(name: &str, value: &str) -> Option<Value> {
    let value = line(value);
    (!value.is_empty()).then(|| json!({ "name": name, "ns": NS, "value": value }))
}

/// An RFC 3339 time as OSCAL wants it: in UTC, with `Z`.
pub(crate) fn timestamp(text: &str, what: &str) -> Result<String> {
    let invalid = |e: &dyn std::fmt::Display| Error::Invalid(format!("{what} \"{text}\" is not an RFC 3339 time: {e}"));
    let t = OffsetDateTime::parse(text.trim(), &Rfc3339).map_err(|e| invalid(&e))?;
    t.to_offset(UtcOffset::UTC).format(&Rfc3339).map_err(|e| invalid(&e))
}

/// Removes nulls and empty arrays, recursively (every OSCAL array has at least one item, and
/// optional fields are built as `null` when absent).
pub(crate) fn prune(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for item in map.values_mut() {
                prune(item);
            }
            map.retain(|_, item| !(item.is_null() || item.as_array().is_some_and(Vec::is_empty)));
        }
        Value::Array(items) => {
            for item in items.iter_mut() {
                prune(item);
            }
            items.retain(|item| !(item.is_null() || item.as_array().is_some_and(Vec::is_empty)));
        }
        _ => {}
    }
}

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

/// An in-scope service with where it runs.
struct ServiceInfo {
    row: services::ServiceRow,
    provider: String,
}

/// The estate the plan describes, loaded once.
struct Estate {
    organisation: String,
    catalog: String,
    services: Vec<ServiceInfo>,
    by_name: HashMap<String, usize>,
    /// Provider key -> (name, offering display names).
    providers: BTreeMap<String, (String, BTreeSet<String>)>,
    /// Team name -> contact.
    teams: BTreeMap<String, String>,
    /// Control key -> its organisation-wide owner.
    org_owners: HashMap<String, String>,
    /// The catalogue's rules, to find the rule (and so the sources) behind a pair decided by rule.
    book: RuleBook,
    /// Offering key -> what its category rests on (its `source` text).
    offering_sources: HashMap<String, String>,
    /// The source table, to resolve citations.
    sources: Sources,
}

impl Estate {
    fn load(conn: &Connection, organisation: String, catalog: String, catalog_id: i64) -> Result<Estate> {
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
        let org_owners = implementations::for_catalog(conn, catalog_id)?
            .into_iter()
            .filter(|i| i.service_id.is_none())
            .filter_map(|i| Some((keys.get(&i.control_id)?.clone(), i.owner?)))
            .collect();
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
        })
    }

    /// Links to the back-matter resources of what a `source` text cites. No link text: a plan
    /// repeats them per (control, service), and the resource holds the citation once.
    fn source_links(&self, text: &str) -> Vec<Value> {
        self.sources
            .cite(text)
            .iter()
            .map(|c| json!({ "href": format!("#{}", source_resource(c)), "rel": "reference" }))
            .collect()
    }

    fn service(&self, name: &str) -> Option<&ServiceInfo> {
        self.by_name.get(name).map(|&i| &self.services[i])
    }

    fn provider_name<'a>(&'a self, key: &'a str) -> &'a str {
        self.providers.get(key).map_or(key, |(name, _)| name.as_str())
    }

    fn this_system(&self) -> String {
        uuid(&["component", "this-system", &self.organisation])
    }
}

/// The back-matter resource of a cited source: by id for a source of the table, by its text for
/// free text a user wrote.
fn source_resource(cited: &Cited<'_>) -> String {
    match cited {
        Cited::Source(s) => uuid(&["resource", "source", &s.id.to_lowercase()]),
        Cited::Text { text } => uuid(&["resource", "source-text", text]),
    }
}

/// The back-matter resource for a cited source: a citation, and a link when it has an address.
fn source_resource_value(cited: &Cited<'_>) -> Value {
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

fn service_component(name: &str) -> String {
    uuid(&["component", "service", name])
}

fn team_party(name: &str) -> String {
    uuid(&["party", "team", name])
}

fn provider_party(key: &str) -> String {
    uuid(&["party", "provider", key])
}

fn leveraged_authorization(key: &str) -> String {
    uuid(&["leveraged-authorization", "provider", key])
}

/// The implementation state of a pair and why, when it was not recorded.
fn state(p: &Pair) -> (&'static str, Option<&'static str>) {
    match p.status.as_str() {
        "implemented" => ("implemented", None),
        "partial" => ("partial", None),
        "planned" => ("planned", None),
        "alternative" => ("alternative", None),
        "not-applicable" => ("not-applicable", None),
        _ if p.responsibility == Responsibility::Inherited => (
            "implemented",
            Some("No status recorded: the provider implements it under its leveraged authorization."),
        ),
        _ => ("planned", Some("No implementation status recorded.")),
    }
}

/// The state of a control from the states of its pairs.
fn overall(states: &[&'static str]) -> &'static str {
    let applicable: Vec<&str> = states.iter().copied().filter(|s| *s != "not-applicable").collect();
    match applicable.first() {
        None if states.is_empty() => "planned",
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
    }
}

/// Builds one implemented requirement; records the teams it names in `named`.
fn requirement(estate: &Estate, info: &ControlInfo, pairs: &[Pair], named: &mut BTreeSet<String>) -> Value {
    let key = info.key.as_str();
    let cat = estate.catalog.as_str();
    let org_owner = estate.org_owners.get(key).map(String::as_str);
    let mut origins = BTreeSet::new();
    let mut states = Vec::new();
    let mut owners = BTreeSet::new();
    let mut by_components = Vec::new();
    for p in pairs {
        let (state, why) = state(p);
        states.push(state);
        let provider = estate.service(&p.service).map(|s| s.provider.as_str());
        let provider_name = provider.map_or("The provider", |k| estate.provider_name(k));
        let base = ["ssp", cat, "control", key, "service", &*p.service];
        let how = match &*p.provenance {
            "override" => "decided by an override",
            "rule" => "by rule",
            "none" | "" => "no rule applies",
            other => other,
        };
        let mut what = format!(
            "{} runs on {} ({}): {}, {how}.",
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
        // A pair decided by rule cites the rule's sources; the pair itself carries no source.
        let links = match &*p.provenance {
            "rule" => estate
                .book
                .find(key, &info.family, p.category)
                .map(|r| estate.source_links(&r.source))
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        let mut entry = json!({
            "component-uuid": service_component(&p.service),
            "uuid": uuid(&base),
            "description": what,
            "props": [ns_prop("responsibility", p.responsibility.as_str()), ns_prop("provenance", &p.provenance)],
            "links": links,
            "implementation-status": { "state": state, "remarks": why },
        });
        if matches!(p.responsibility, Responsibility::Inherited | Responsibility::Shared) {
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
        if p.responsibility.customer_has_a_part() {
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
    if pairs.is_empty() {
        by_components.push(json!({
            "component-uuid": estate.this_system(),
            "uuid": uuid(&["ssp", cat, "control", key, "this-system"]),
            "description": format!("No service is in scope, so nothing implements {key} yet."),
            "implementation-status": { "state": "planned" },
        }));
    }
    let rollup = crate::model::derive::rollup(pairs.iter().map(|p| p.responsibility));
    let mut props: Vec<Option<Value>> = origins
        .iter()
        .map(|o| prop("control-origination", o.as_str()))
        .collect();
    props.push(ns_prop("implementation-status", overall(&states)));
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

/// The OSCAL 1.2.1 system security plan (customer side) of catalogue `opts.catalog` over every
/// in-scope service, from the live state, as one value: the document [`write_system_security_plan`]
/// writes, parsed back. See the module documentation for the mapping.
pub fn system_security_plan(conn: &Connection, opts: &SspOptions) -> Result<Value> {
    let mut bytes = Vec::new();
    write_system_security_plan(conn, opts, &mut bytes)?;
    serde_json::from_slice(&bytes)
        .map_err(|e| Error::Invalid(format!("the system security plan is not valid JSON: {e}")))
}

/// The name an I/O error on the writer of [`write_system_security_plan`] carries as its path (the
/// caller knows the real one).
pub const OUTPUT: &str = "<output>";

fn output_error(e: std::io::Error) -> Error {
    Error::io(OUTPUT, e)
}

/// Writes `value` as compact JSON.
fn write_value(out: &mut impl Write, value: &impl serde::Serialize) -> Result<()> {
    serde_json::to_writer(&mut *out, value).map_err(|e| output_error(e.into()))
}

/// Writes the OSCAL 1.2.1 system security plan (customer side) of catalogue `opts.catalog` over
/// every in-scope service, from the live state, to `out` as compact JSON (no final newline),
/// streaming the implemented requirements one control at a time instead of holding them all.
/// See the module documentation for the mapping.
///
/// Keys come out in sorted order, as serde_json writes a map: `back-matter`,
/// `control-implementation` (streamed), then the parts that depend on the traversal (`metadata`
/// names the teams the requirements name). I/O errors on `out` come back as [`Error::Io`] with
/// the path [`OUTPUT`]. On an error, what was written so far is not a document; nothing is
/// written when the catalogue has no controls.
pub fn write_system_security_plan(conn: &Connection, opts: &SspOptions, out: &mut impl Write) -> Result<()> {
    let organisation = line(&opts.organisation);
    if organisation.is_empty() {
        return Err(Error::Invalid("the organisation's name must not be empty".into()));
    }
    let profile_href = match opts.profile_href.as_deref().map(str::trim) {
        Some("") => return Err(Error::Invalid("the profile href must not be empty".into())),
        Some(href) if href.chars().any(char::is_whitespace) => {
            return Err(Error::Invalid(format!(
                "the profile href \"{href}\" is not a URI reference: it contains spaces"
            )));
        }
        Some(href) => Some(href.to_string()),
        None => None,
    };
    let (catalog_id, catalog) = catalogs::get(conn, &opts.catalog)?;
    let estate = Estate::load(conn, organisation.clone(), catalog.key.clone(), catalog_id)?;
    let day = opts.date.to_string();

    let catalog_resource = uuid(&["resource", "catalog", &catalog.key]);
    let mut resources = vec![json!({
        "uuid": catalog_resource,
        "title": line(&catalog.title),
        "description": format!(
            "Catalogue {} as ctrlmap holds it: version {}, from {}.",
            catalog.key,
            line(&catalog.version),
            line(&catalog.source)
        ),
        "props": [ns_prop("catalog", &catalog.key)],
    })];
    // Every source the rules of the catalogue (and of the one it is seen through) and the
    // offerings of the services cite, once each, in the order of their resource UUIDs.
    let mut texts: Vec<String> = estate.book.rules().iter().map(|r| r.source.clone()).collect();
    if let Some(via) = &opts.via {
        let (via_id, _) = catalogs::get(conn, via)?;
        texts.extend(catalogs::rules(conn, via_id)?.into_iter().map(|r| r.source));
    }
    texts.extend(estate.offering_sources.values().cloned());
    let mut cited: BTreeMap<String, Value> = BTreeMap::new();
    for text in &texts {
        for c in estate.sources.cite(text) {
            cited
                .entry(source_resource(&c))
                .or_insert_with(|| source_resource_value(&c));
        }
    }
    resources.extend(cited.into_values());
    let mut back_matter = json!({ "resources": resources });
    prune(&mut back_matter);
    let implementation_description = format!(
        "Every control of catalogue {} on every in-scope service: what the provider does \
         (inherited) and what {organisation} does (satisfied), as of {day}.",
        catalog.key
    );

    // The document up to the implemented requirements, written with the first of them, then each
    // requirement as it is built: never an empty array, and nothing written for no controls.
    let mut named = BTreeSet::new();
    let mut written = 0usize;
    let live = |catalog: String| Source::Live {
        catalog,
        services: None,
        evaluation: None,
        today: opts.date,
    };
    let source = match &opts.via {
        None => live(catalog.key.clone()),
        Some(via) => {
            let (_, via) = catalogs::get(conn, via)?;
            Source::Via {
                target: catalog.key.clone(),
                via: Box::new(live(via.key)),
                today: opts.date,
            }
        }
    };
    pairs::for_each_control(conn, &source, |info, pairs| {
        let mut req = requirement(&estate, info, pairs, &mut named);
        prune(&mut req);
        if written == 0 {
            out.write_all(br#"{"system-security-plan":{"back-matter":"#)
                .map_err(output_error)?;
            write_value(out, &back_matter)?;
            out.write_all(br#","control-implementation":{"description":"#)
                .map_err(output_error)?;
            write_value(out, &implementation_description)?;
            out.write_all(br#","implemented-requirements":["#)
                .map_err(output_error)?;
        } else {
            out.write_all(b",").map_err(output_error)?;
        }
        write_value(out, &req)?;
        written += 1;
        Ok(())
    })?;
    if written == 0 {
        return Err(Error::Invalid(format!(
            "catalogue {} has no controls to put in a system security plan",
            catalog.key
        )));
    }
    out.write_all(b"]}").map_err(output_error)?;

    // Parties and roles.
    let org_party = uuid(&["party", "organisation", &organisation]);
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

    // System characteristics: information types by data classification.
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
    let system_name = format!("{organisation} cloud services");
    let system_characteristics = json!({
        "system-ids": [{
            "identifier-type": "https://ietf.org/rfc/rfc4122",
            "id": uuid(&["system", &organisation]),
        }],
        "system-name": system_name,
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
    });

    // System implementation.
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
        "title": system_name,
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
        "uuid": uuid(&["user", "team-member", &organisation]),
        "title": "Team member",
        "description": format!("A member of a team of {organisation} that owns services or controls."),
        "props": [prop("type", "internal")],
        "role-ids": ["asset-owner", "control-owner"],
    }]);

    // The rest, in key order after "control-implementation", each part pruned as a whole.
    let rest = [
        (
            "import-profile",
            json!({ "href": profile_href.unwrap_or_else(|| format!("#{catalog_resource}")) }),
        ),
        (
            "metadata",
            json!({
                "title": format!("{organisation} system security plan: {}", line(&catalog.title)),
                "last-modified": format!("{day}T00:00:00Z"),
                "version": day,
                "oscal-version": OSCAL_VERSION,
                "roles": roles,
                "parties": parties,
                "responsible-parties": responsible,
                "remarks": "Exported by ctrlmap: the customer side of the cloud shared responsibility model. \
                            `inherited` entries are the provider's part, `satisfied` entries the customer's.",
            }),
        ),
        ("system-characteristics", system_characteristics),
        (
            "system-implementation",
            json!({
                "leveraged-authorizations": leveraged,
                "users": users,
                "components": components,
            }),
        ),
        ("uuid", json!(uuid(&["ssp", &organisation, &catalog.key]))),
    ];
    for (key, mut value) in rest {
        prune(&mut value);
        out.write_all(b",").map_err(output_error)?;
        write_value(out, &key)?;
        out.write_all(b":").map_err(output_error)?;
        write_value(out, &value)?;
    }
    out.write_all(b"}}").map_err(output_error)
}

/// Checks for exported OSCAL documents that their schema cannot make.
#[cfg(test)]
pub(crate) mod checks {
    use std::collections::{HashMap, HashSet};

    use serde_json::Value;

    /// Every error of `doc` against the official 1.2.1 schema `file`, with where it is.
    pub(crate) fn schema_errors(file: &str, doc: &Value) -> Vec<String> {
        let path = format!(
            "{}/tests/fixtures/oscal/schemas-1.2.1/{file}",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).expect("the schema is in the fixtures");
        let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
        let validator = jsonschema::draft7::options()
            .should_validate_formats(true)
            .build(&schema)
            .expect("the schema compiles");
        validator
            .iter_errors(doc)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect()
    }

    /// What is defined where, and what refers to what.
    #[derive(Default)]
    struct Index {
        /// Kind (`components`, `parties`, ...) -> uuids defined in arrays of that name.
        defined: HashMap<String, HashSet<String>>,
        /// Every `uuid` value, to find duplicates.
        all: Vec<String>,
        roles: HashSet<String>,
        /// (kind, uuid, path) of every reference.
        refs: Vec<(&'static str, String, String)>,
        role_refs: Vec<(String, String)>,
        problems: Vec<String>,
    }

    impl Index {
        fn walk(&mut self, v: &Value, path: &str, array_name: &str) {
            match v {
                Value::Object(map) => {
                    if let Some(Value::String(id)) = map.get("uuid") {
                        self.all.push(id.clone());
                        self.defined
                            .entry(array_name.to_string())
                            .or_default()
                            .insert(id.clone());
                    }
                    if array_name == "roles"
                        && let Some(Value::String(id)) = map.get("id")
                    {
                        self.roles.insert(id.clone());
                    }
                    for (k, item) in map {
                        let at = format!("{path}.{k}");
                        match (k.as_str(), item) {
                            ("component-uuid", Value::String(u)) => {
                                self.refs.push(("components", u.clone(), at.clone()))
                            }
                            ("party-uuid", Value::String(u)) => self.refs.push(("parties", u.clone(), at.clone())),
                            ("observation-uuid", Value::String(u)) => {
                                self.refs.push(("observations", u.clone(), at.clone()))
                            }
                            ("party-uuids" | "member-of-organizations", Value::Array(us)) => {
                                for u in us.iter().filter_map(Value::as_str) {
                                    self.refs.push(("parties", u.to_string(), at.clone()));
                                }
                            }
                            ("subject-uuid", Value::String(u)) if map.get("type") == Some(&"component".into()) => {
                                self.refs.push(("components", u.clone(), at.clone()))
                            }
                            ("actor-uuid", Value::String(u)) if map.get("type") == Some(&"party".into()) => {
                                self.refs.push(("parties", u.clone(), at.clone()))
                            }
                            ("href", Value::String(h)) if h.starts_with('#') => {
                                self.refs.push(("resources", h[1..].to_string(), at.clone()))
                            }
                            ("role-id", Value::String(r)) => self.role_refs.push((r.clone(), at.clone())),
                            ("role-ids", Value::Array(rs)) => {
                                for r in rs.iter().filter_map(Value::as_str) {
                                    self.role_refs.push((r.to_string(), at.clone()));
                                }
                            }
                            ("provided-uuid" | "responsibility-uuid", _) => self
                                .problems
                                .push(format!("{at}: refers to a document ctrlmap does not have")),
                            _ => {}
                        }
                        if k == "props" {
                            self.props(item, &at);
                        }
                        self.walk(item, &at, k);
                    }
                }
                Value::Array(items) => {
                    if items.is_empty() {
                        self.problems.push(format!("{path}: empty array"));
                    }
                    for (i, item) in items.iter().enumerate() {
                        self.walk(item, &format!("{path}[{i}]"), array_name);
                    }
                }
                Value::String(s) if s.trim().is_empty() => self.problems.push(format!("{path}: blank string")),
                _ => {}
            }
        }

        fn props(&mut self, props: &Value, path: &str) {
            for p in props.as_array().into_iter().flatten() {
                let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
                let value = p.get("value").and_then(Value::as_str).unwrap_or_default();
                let core = p.get("ns").is_none_or(|ns| ns == "http://csrc.nist.gov/ns/oscal");
                if core && name == "control-origination" {
                    let allowed = [
                        "organization",
                        "system-specific",
                        "customer-configured",
                        "customer-provided",
                        "inherited",
                    ];
                    if !allowed.contains(&value) {
                        self.problems
                            .push(format!("{path}: control-origination \"{value}\" is not allowed"));
                    }
                }
                if core && name == "leveraged-authorization-uuid" {
                    self.refs
                        .push(("leveraged-authorizations", value.to_string(), path.to_string()));
                }
            }
        }
    }

    /// Everything wrong with `doc` that the schema cannot see: uuid references that resolve to
    /// nothing (or to the wrong kind of thing), duplicate or non-v5 uuids, undefined roles,
    /// disallowed control-origination values, empty arrays and blank strings.
    pub(crate) fn reference_problems(doc: &Value) -> Vec<String> {
        let mut index = Index::default();
        index.walk(doc, "$", "");
        let mut problems = std::mem::take(&mut index.problems);
        let mut seen = HashSet::new();
        for id in &index.all {
            match uuid::Uuid::parse_str(id) {
                Ok(u) if u.get_version_num() == 5 => {}
                _ => problems.push(format!("uuid {id} is not a version 5 UUID")),
            }
            if !seen.insert(id) {
                problems.push(format!("uuid {id} is defined twice"));
            }
        }
        for (kind, id, at) in &index.refs {
            if !index.defined.get(*kind).is_some_and(|s| s.contains(id)) {
                problems.push(format!("{at}: {id} is not one of the document's {kind}"));
            }
        }
        for (role, at) in &index.role_refs {
            if !index.roles.contains(role) {
                problems.push(format!("{at}: role {role} is not defined in metadata.roles"));
            }
        }
        problems
    }

    /// Fails with every problem listed.
    pub(crate) fn assert_clean(what: &str, problems: &[String]) {
        assert!(
            problems.is_empty(),
            "{what}: {} problems:\n{}",
            problems.len(),
            problems.join("\n")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::checks::{assert_clean, reference_problems, schema_errors};
    use super::*;
    use crate::db::Db;

    fn day() -> Day {
        Day::parse("2026-11-20").expect("a date")
    }

    fn options() -> SspOptions {
        SspOptions {
            catalog: "srm".to_string(),
            profile_href: None,
            organisation: "Example Corp".to_string(),
            date: day(),
            via: None,
        }
    }

    /// A database with the model, and the demo organisation when `demo`.
    fn database(dir: &std::path::Path, demo: bool) -> Db {
        crate::commands::fixtures::seeded_db(dir, demo)
    }

    fn requirement<'a>(doc: &'a Value, control_id: &str) -> &'a Value {
        doc["system-security-plan"]["control-implementation"]["implemented-requirements"]
            .as_array()
            .expect("requirements")
            .iter()
            .find(|r| r["control-id"] == control_id)
            .expect("the control is in the plan")
    }

    fn originations(req: &Value) -> Vec<&str> {
        req["props"]
            .as_array()
            .expect("props")
            .iter()
            .filter(|p| p["name"] == "control-origination")
            .filter_map(|p| p["value"].as_str())
            .collect()
    }

    fn by_component<'a>(req: &'a Value, doc: &Value, service: &str) -> &'a Value {
        let component = doc["system-security-plan"]["system-implementation"]["components"]
            .as_array()
            .expect("components")
            .iter()
            .find(|c| c["title"] == service)
            .expect("the service is a component");
        req["by-components"]
            .as_array()
            .expect("by-components")
            .iter()
            .find(|b| b["component-uuid"] == component["uuid"])
            .expect("the service has a by-component")
    }

    #[test]
    fn the_checks_catch_broken_documents() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = database(dir.path(), true);
        let mut doc = system_security_plan(db.conn(), &options()).expect("export");
        let ssp = &mut doc["system-security-plan"];
        ssp["metadata"]["roles"] = json!([]);
        ssp["system-implementation"]["components"][1]["uuid"] = json!("0f6e800c-b5ed-4d46-ad57-4d0faad3ab60");
        ssp["control-implementation"]["implemented-requirements"][0]["props"][0]["value"] = json!("provider");
        let problems = reference_problems(&doc);
        for expected in [
            "empty array",
            "is not a version 5 UUID",
            "is not one of the document's components",
            "is not defined in metadata.roles",
            "control-origination \"provider\" is not allowed",
        ] {
            assert!(
                problems.iter().any(|p| p.contains(expected)),
                "{expected} in {problems:#?}"
            );
        }
        let ssp = &mut doc["system-security-plan"];
        ssp["metadata"]["last-modified"] = json!("2026-11-20T00:00:00");
        ssp["control-implementation"]["implemented-requirements"][0]
            .as_object_mut()
            .expect("an object")
            .remove("uuid");
        let errors = schema_errors("oscal_ssp_schema.json", &doc);
        assert!(errors.iter().any(|e| e.contains("last-modified")), "{errors:#?}");
        assert!(errors.iter().any(|e| e.contains("uuid")), "{errors:#?}");
        assert!(errors.iter().any(|e| e.contains("/metadata/roles")), "{errors:#?}");
    }

    #[test]
    fn oscal_ids_from_control_keys() {
        assert_eq!(oscal_id("AC-2(1)"), "ac-2.1");
        assert_eq!(oscal_id("SRM-PATCH"), "srm-patch");
        assert_eq!(oscal_id("AC-2(1)(a)"), "ac-2.1.a");
        assert_eq!(oscal_id("ac-2"), "ac-2");
        assert_eq!(oscal_id("3 RD party"), "_3_rd_party");
    }

    #[test]
    fn ssp_is_valid_oscal_1_2_1() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = database(dir.path(), true);
        let doc = system_security_plan(db.conn(), &options()).expect("export");
        assert_clean("schema", &schema_errors("oscal_ssp_schema.json", &doc));
        assert_clean("references", &reference_problems(&doc));
    }

    #[test]
    fn ssp_without_services_is_still_valid() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = database(dir.path(), false);
        let opts = SspOptions {
            profile_href: Some("https://example.com/profiles/srm.json".to_string()),
            ..options()
        };
        let doc = system_security_plan(db.conn(), &opts).expect("export");
        assert_clean("schema", &schema_errors("oscal_ssp_schema.json", &doc));
        assert_clean("references", &reference_problems(&doc));
        let ssp = &doc["system-security-plan"];
        assert_eq!(ssp["import-profile"]["href"], "https://example.com/profiles/srm.json");
        assert!(ssp["system-implementation"].get("leveraged-authorizations").is_none());
    }

    #[test]
    fn ssp_parties_components_and_leveraged_authorization() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = database(dir.path(), true);
        let doc = system_security_plan(db.conn(), &options()).expect("export");
        let ssp = &doc["system-security-plan"];
        let metadata = &ssp["metadata"];
        assert_eq!(metadata["oscal-version"], "1.2.1");
        assert_eq!(metadata["last-modified"], "2026-11-20T00:00:00Z");
        let names: Vec<&str> = metadata["parties"]
            .as_array()
            .expect("parties")
            .iter()
            .filter_map(|p| p["name"].as_str())
            .collect();
        for name in [
            "Example Corp",
            "Amazon Web Services",
            "platform",
            "data-platform",
            "security",
            "web",
        ] {
            assert!(names.contains(&name), "party {name} in {names:?}");
        }
        let implementation = &ssp["system-implementation"];
        let authorizations = implementation["leveraged-authorizations"]
            .as_array()
            .expect("authorizations");
        assert_eq!(authorizations.len(), 1);
        let components = implementation["components"].as_array().expect("components");
        assert_eq!(components.len(), 6, "this-system and five services");
        assert_eq!(components.iter().filter(|c| c["type"] == "this-system").count(), 1);
        for c in components.iter().filter(|c| c["type"] == "service") {
            let link = c["props"]
                .as_array()
                .expect("props")
                .iter()
                .find(|p| p["name"] == "leveraged-authorization-uuid")
                .expect("a link to the leveraged authorization");
            assert_eq!(link["value"], authorizations[0]["uuid"]);
        }
        assert_eq!(
            ssp["import-profile"]["href"],
            format!(
                "#{}",
                ssp["back-matter"]["resources"][0]["uuid"].as_str().expect("uuid")
            )
        );
    }

    #[test]
    fn ssp_maps_responsibility_to_origination_and_by_components() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = database(dir.path(), true);
        let doc = system_security_plan(db.conn(), &options()).expect("export");
        let reqs = doc["system-security-plan"]["control-implementation"]["implemented-requirements"]
            .as_array()
            .expect("requirements");
        assert_eq!(reqs.len(), 20);

        // Physical security: inherited everywhere.
        let phys = requirement(&doc, "srm-phys");
        assert_eq!(originations(phys), ["inherited"]);
        let b = by_component(phys, &doc, "orders-db");
        assert!(b.get("inherited").is_some() && b.get("satisfied").is_none());
        assert_eq!(b["implementation-status"]["state"], "implemented");
        assert!(phys.get("responsible-roles").is_none());

        // Firewalls: the customer's on EC2, the provider's on S3.
        let fw = requirement(&doc, "srm-fw");
        assert_eq!(originations(fw), ["system-specific", "inherited"]);
        let vm = by_component(fw, &doc, "web-frontend");
        assert!(vm.get("inherited").is_none());
        assert_eq!(vm["satisfied"][0]["responsible-roles"][0]["role-id"], "control-owner");
        let bucket = by_component(fw, &doc, "invoices-bucket");
        assert!(bucket.get("inherited").is_some() && bucket.get("satisfied").is_none());

        // Every pair of every control carries its responsibility as a prop, and the entries match it.
        for req in reqs {
            for b in req["by-components"].as_array().expect("by-components") {
                let r = b["props"]
                    .as_array()
                    .expect("props")
                    .iter()
                    .find(|p| p["name"] == "responsibility")
                    .and_then(|p| p["value"].as_str())
                    .expect("responsibility prop");
                let (inherited, satisfied) = (b.get("inherited").is_some(), b.get("satisfied").is_some());
                let expected = match r {
                    "inherited" => (true, false),
                    "shared" => (true, true),
                    "customer" => (false, true),
                    _ => (false, false),
                };
                assert_eq!((inherited, satisfied), expected, "{} {r}", req["control-id"]);
            }
        }
    }

    #[test]
    fn an_organisation_wide_owner_makes_a_common_control() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = database(dir.path(), true);
        let mut ctx = crate::commands::Ctx {
            db,
            actor: "alice".to_string(),
            json: false,
            today: day(),
        };
        crate::commands::owner::OwnerCommand::Set {
            key: "SRM-DATA".to_string(),
            team: "security".to_string(),
            service: None,
            catalog: None,
        }
        .run(&mut ctx)
        .expect("owner set");
        let doc = system_security_plan(ctx.db.conn(), &options()).expect("export");
        let data = requirement(&doc, "srm-data");
        assert_eq!(originations(data), ["organization"]);
        assert_eq!(data["responsible-roles"][0]["role-id"], "control-owner");
        assert_clean("references", &reference_problems(&doc));
    }

    #[test]
    fn ssp_export_is_deterministic() {
        let (one, two) = (
            tempfile::tempdir().expect("temp dir"),
            tempfile::tempdir().expect("temp dir"),
        );
        let first = database(one.path(), true);
        let text = |db: &Db| {
            serde_json::to_string_pretty(&system_security_plan(db.conn(), &options()).expect("export"))
                .expect("serialises")
        };
        let a = text(&first);
        assert_eq!(a, text(&first), "twice from one database");
        let second = database(two.path(), true);
        assert_eq!(a, text(&second), "from a second database with the same data");
    }

    #[test]
    fn the_streamed_plan_is_the_plan() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = database(dir.path(), true);
        let mut bytes = Vec::new();
        write_system_security_plan(db.conn(), &options(), &mut bytes).expect("export");
        let streamed: Value = serde_json::from_slice(&bytes).expect("the stream is JSON");
        assert_eq!(streamed, system_security_plan(db.conn(), &options()).expect("export"));
        assert_clean("schema", &schema_errors("oscal_ssp_schema.json", &streamed));
        assert_clean("references", &reference_problems(&streamed));
        assert_eq!(
            bytes,
            serde_json::to_vec(&streamed).expect("serialises"),
            "compact, with keys in the order serde_json writes them"
        );
        let mut again = Vec::new();
        write_system_security_plan(db.conn(), &options(), &mut again).expect("export");
        assert_eq!(bytes, again, "the same bytes twice");
    }

    #[test]
    fn a_failed_write_is_an_io_error_on_the_output() {
        struct Full;
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("disk full"))
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let db = database(dir.path(), true);
        let err = write_system_security_plan(db.conn(), &options(), &mut Full).expect_err("the write fails");
        assert!(matches!(&err, Error::Io { path, .. } if path == OUTPUT), "{err:?}");
    }

    #[test]
    fn bad_options_are_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = database(dir.path(), true);
        let unknown = SspOptions {
            catalog: "nope".to_string(),
            ..options()
        };
        assert!(matches!(
            system_security_plan(db.conn(), &unknown),
            Err(Error::NotFound { .. })
        ));
        let blank = SspOptions {
            organisation: "  ".to_string(),
            ..options()
        };
        assert!(matches!(
            system_security_plan(db.conn(), &blank),
            Err(Error::Invalid(_))
        ));
        let spaced = SspOptions {
            profile_href: Some("a profile.json".to_string()),
            ..options()
        };
        assert!(matches!(
            system_security_plan(db.conn(), &spaced),
            Err(Error::Invalid(_))
        ));
    }
}
