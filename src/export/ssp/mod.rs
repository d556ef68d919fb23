//! The OSCAL 1.2.1 system security plan of the customer side, built from the live state.
//!
//! - **Parties**: the organisation, the provider of every in-scope service's offering, and every
//!   team (a member of the organisation). **Roles**: `system-owner` (the organisation), `provider`,
//!   `asset-owner` (the team owning a service) and `control-owner` (the team doing the customer's
//!   part of a control). See [`system`].
//! - **System implementation**: one `leveraged-authorization` per provider (ctrlmap records no
//!   authorization date, so `date-authorized` is the export date), one `service` component per
//!   in-scope service carrying a `leveraged-authorization-uuid` prop, and a `this-system` component.
//! - **System characteristics**: one information type per data classification of the services;
//!   impact levels follow the classification (public, internal: low; confidential and anything
//!   unknown: moderate; restricted, secret, highly/strictly confidential: high).
//! - **Control implementation** ([`requirement`]): one implemented requirement per control
//!   (`AC-2(1)` -> `ac-2.1`), with one by-component per in-scope service. Its description is the
//!   implementation statement recorded for the pair (`implementation set --statement`), or says
//!   none was recorded; an organisation-wide statement sits on a by-component of this system.
//!   Implementation status is given only where one was recorded: nothing is invented. The remarks
//!   say why the responsibility is what it is. The pair's responsibility decides what the
//!   by-component holds: inherited -> an `inherited` entry (the provider's part), customer -> a
//!   `satisfied` entry (the customer's part, with the owning team as `control-owner`), shared ->
//!   both, undetermined -> neither. `control-origination` props on the requirement collect the
//!   pairs' origins: `inherited` for the provider's parts, `system-specific` for the customer's,
//!   or `organization` when the customer's part is owned by the control's organisation-wide owner
//!   (a common control).
//! - **Import profile and back matter** ([`back_matter`]): `import-profile` is the
//!   `--profile-href` given, else the relative href `KEY.json`: the OSCAL catalog `ctrlmap export
//!   oscal-catalog --catalog KEY --out KEY.json` writes next to the plan. The catalogue's
//!   back-matter resource links to the same file (then to its source URL, when it has one). It
//!   also holds one resource per source that the catalogue's rules or the services'
//!   offerings cite; a by-component decided by a rule links to the rule's sources, and a service
//!   component to the sources of its offering's category.
//! - **Markup**: every title, description and remark is escaped as its markup type asks
//!   ([`crate::export::markup`]), so names and notes reach OSCAL viewers as text.
//!
//! UUIDs are version 5, derived from stable keys (`ctrlmap:component:service:orders-db`), so the
//! same data gives the same document byte for byte, and a service keeps its component UUID across
//! documents (the assessment results reuse it). The document's own `uuid` and `version` come from
//! a hash of its content, and `last-modified` is the newest change of the data (the newest
//! audit-log entry, or the plan's date when that is later): different content never carries the
//! same uuid and version, and the same content always does.

use std::collections::BTreeSet;
use std::io::Write;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};
use uuid::Uuid;

use crate::db::{Connection, audit_log, catalogs};
use crate::error::{Error, Result};
use crate::estate::pairs::{self, Source};
use crate::model::evidence::Day;
use crate::support::digest::Hashing;

pub(crate) mod back_matter;
#[cfg(test)]
pub(crate) mod checks;
mod estate;
mod requirement;
mod system;
#[cfg(test)]
mod tests;

/// The OSCAL version the exports follow.
pub(crate) const OSCAL_VERSION: &str = "1.2.1";

/// The namespace of ctrlmap's own props (responsibility, provenance, result, ...).
pub(crate) const NS: &str = crate::model::mapping::CTRLMAP_NS;

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

pub(crate) use super::markup::line;

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

/// The content hash of a document, as hex: SHA-256 over its content without its own `uuid`,
/// `version` and `last-modified`.
pub(crate) fn content_hash(hasher: Sha256) -> String {
    crate::support::hex::encode(&hasher.finalize())
}

/// Sets a whole document's `uuid` (v5 of `kind` and the content hash) and its metadata's
/// `version` (the hash's first 16 hex digits) and `last-modified` from its content: `doc` is
/// `{ ROOT: { ... } }` without them. For documents built as one value (assessment results,
/// mapping collection, catalog).
pub(crate) fn identify(doc: &mut Value, kind: &str, last_modified: String) -> Result<()> {
    let bytes = serde_json::to_vec(&*doc).map_err(|e| Error::Invalid(format!("{kind}: {e}")))?;
    let hash = crate::support::hex::encode(&Sha256::digest(&bytes));
    let Some((_, root)) = doc.as_object_mut().and_then(|m| m.iter_mut().next()) else {
        return Err(Error::Invalid(format!("{kind}: not an OSCAL document")));
    };
    root["uuid"] = json!(uuid(&[kind, &hash]));
    root["metadata"]["version"] = json!(hash[..16].to_string());
    root["metadata"]["last-modified"] = json!(last_modified);
    Ok(())
}

/// The newest change of the data: the newest audit-log entry's time, or midnight (UTC) of `day`
/// when that is later (or the log is empty), as OSCAL wants it.
pub(crate) fn last_change(conn: &Connection, day: Day) -> Result<String> {
    let start = format!("{day}T00:00:00Z");
    let newest = match audit_log::newest_at(conn)? {
        Some(at) => timestamp(&at, "the audit log's newest entry")?,
        None => return Ok(start),
    };
    // Both in UTC with `Z` and whole seconds, so text order is time order.
    Ok(newest.max(start))
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

/// Escapes the markup fields of a part of the plan and drops its empty parts.
fn finish(mut value: Value) -> Value {
    crate::export::markup::escape_fields(&mut value);
    prune(&mut value);
    value
}

/// Writes the OSCAL 1.2.1 system security plan (customer side) of catalogue `opts.catalog` over
/// every in-scope service, from the live state, to `out` as compact JSON (no final newline),
/// streaming the implemented requirements one control at a time instead of holding them all.
/// See the module documentation for the mapping.
///
/// Keys come out in sorted order, as serde_json writes a map: `back-matter`,
/// `control-implementation` (streamed), then the parts that depend on the traversal (`metadata`
/// names the teams the requirements name, and carries the content hash of everything). I/O errors
/// on `out` come back as [`Error::Io`] with the path [`OUTPUT`]. On an error, what was written so
/// far is not a document; nothing is written when the catalogue has no controls.
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
    let estate = estate::Estate::load(conn, organisation.clone(), catalog.key.clone(), catalog_id)?;
    let day = opts.date.to_string();
    let last_modified = last_change(conn, opts.date)?;
    let back_matter = finish(back_matter::back_matter(conn, &estate, &catalog, opts.via.as_deref())?);
    let implementation_description = crate::export::markup::markup_multiline(&format!(
        "Every control of catalogue {} on every in-scope service: what the provider does \
         (inherited) and what {organisation} does (satisfied), as of {day}.",
        catalog.key
    ));

    // The document up to the implemented requirements, written with the first of them, then each
    // requirement as it is built: never an empty array, and nothing written for no controls.
    // Hashed as written, to derive the plan's identity from its content.
    let mut out = Hashing::new(out);
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
        let req = finish(requirement::requirement(&estate, info, pairs, &mut named));
        if written == 0 {
            out.write_all(br#"{"system-security-plan":{"back-matter":"#)
                .map_err(output_error)?;
            write_value(&mut out, &back_matter)?;
            out.write_all(br#","control-implementation":{"description":"#)
                .map_err(output_error)?;
            write_value(&mut out, &implementation_description)?;
            out.write_all(br#","implemented-requirements":["#)
                .map_err(output_error)?;
        } else {
            out.write_all(b",").map_err(output_error)?;
        }
        write_value(&mut out, &req)?;
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

    let (roles, parties, responsible) = system::people(&estate, named);
    let import_profile = finish(json!({
        // A relative href, not `#` the back-matter resource: trestle resolves an SSP's
        // import-profile only as a direct href.
        "href": profile_href.unwrap_or_else(|| back_matter::catalog_file(&catalog.key)),
        "remarks": opts.profile_href.is_none().then(|| format!(
            "The OSCAL catalog of {}: ctrlmap export oscal-catalog --catalog {} --out {} writes it next to this plan.",
            catalog.key, catalog.key, back_matter::catalog_file(&catalog.key)
        )),
    }));
    let mut metadata = finish(json!({
        "title": format!("{organisation} system security plan: {}", line(&catalog.title)),
        "oscal-version": OSCAL_VERSION,
        "roles": roles,
        "parties": parties,
        "responsible-parties": responsible,
        "remarks": "Exported by ctrlmap: the customer side of the cloud shared responsibility model. \
                    Inherited entries are the provider's part, satisfied entries the customer's.",
    }));
    let characteristics = finish(system::characteristics(&estate, &catalog));
    let implementation = finish(system::implementation(&estate, &day));
    // The rest of the content is hashed before it is written, as the metadata that carries the
    // hash comes before it.
    let mut hasher = out.hasher.clone();
    for part in [&import_profile, &metadata, &characteristics, &implementation] {
        let bytes = serde_json::to_vec(part).map_err(|e| output_error(e.into()))?;
        hasher.update(&bytes);
    }
    let hash = content_hash(hasher);
    metadata["version"] = json!(hash[..16].to_string());
    metadata["last-modified"] = json!(last_modified);
    let rest = [
        ("import-profile", import_profile),
        ("metadata", metadata),
        ("system-characteristics", characteristics),
        ("system-implementation", implementation),
        ("uuid", json!(uuid(&["ssp", &hash]))),
    ];
    let out = out.out;
    for (key, value) in rest {
        out.write_all(b",").map_err(output_error)?;
        write_value(out, &key)?;
        out.write_all(b":").map_err(output_error)?;
        write_value(out, &value)?;
    }
    out.write_all(b"}}").map_err(output_error)
}
