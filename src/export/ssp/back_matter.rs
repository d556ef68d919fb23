//! The plan's back matter: the catalogue it implements (which `import-profile` points at) and
//! every source the catalogue's rules and the services' offerings cite.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::estate::{Estate, source_resource, source_resource_value};
use super::{line, ns_prop, uuid};
use crate::db::{Connection, catalogs};
use crate::error::Result;
use crate::model::Catalog;

/// The back-matter resource UUID of a catalogue (the same in every document).
pub(crate) fn catalog_resource(key: &str) -> String {
    uuid(&["resource", "catalog", key])
}

/// The relative href of the OSCAL file of catalogue `key` that `ctrlmap export oscal-catalog
/// --catalog KEY --out KEY.json` writes: the documents that cite the catalogue expect it next to
/// them. Characters outside an unreserved URI path segment are percent-encoded.
pub(crate) fn catalog_file(key: &str) -> String {
    let mut href = String::new();
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            href.push(char::from(b));
        } else {
            href.push_str(&format!("%{b:02X}"));
        }
    }
    format!("{href}.json")
}

/// The links of a catalogue's resource: first its OSCAL file as ctrlmap writes it (so a tool that
/// resolves the resource finds a catalog), then where it came from when that is an address.
pub(crate) fn catalog_rlinks(catalog: &Catalog) -> Vec<Value> {
    let mut rlinks =
        vec![json!({ "href": catalog_file(&catalog.key), "media-type": "application/oscal.catalog+json" })];
    let source = catalog.source.trim();
    if (source.starts_with("https://") || source.starts_with("http://")) && !source.chars().any(char::is_whitespace) {
        rlinks.push(json!({ "href": source }));
    }
    rlinks
}

/// The back-matter resource of a catalogue, with its links.
pub(crate) fn catalog_resource_value(catalog: &Catalog) -> Value {
    json!({
        "uuid": catalog_resource(&catalog.key),
        "title": line(&catalog.title),
        "description": format!(
            "Catalogue {} as ctrlmap holds it: version {}, from {}. Its OSCAL file is {}, written by \
             ctrlmap export oscal-catalog --catalog {} next to this document.",
            catalog.key,
            line(&catalog.version),
            line(&catalog.source),
            catalog_file(&catalog.key),
            catalog.key
        ),
        "props": [ns_prop("catalog", &catalog.key)],
        "rlinks": catalog_rlinks(catalog),
    })
}

/// The back matter: the catalogue, then every source the rules of the catalogue (and of the one
/// it is seen through, `via`) and the offerings of the services cite, once each, in the order of
/// their resource UUIDs.
pub(super) fn back_matter(conn: &Connection, estate: &Estate, catalog: &Catalog, via: Option<&str>) -> Result<Value> {
    let mut resources = vec![catalog_resource_value(catalog)];
    let mut texts: Vec<String> = estate.book.rules().iter().map(|r| r.source.clone()).collect();
    if let Some(via) = via {
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
    for (sha256, (title, kind, provider)) in &estate.provider_documents {
        resources.push(json!({
            "uuid": super::estate::provider_document_resource(sha256),
            "title": line(title),
            "description": format!(
                "The provider's document ({kind}, from {provider}) whose provided and responsibility statements \
                 decide the pairs that link here; SHA-256 {sha256} of the file as imported."
            ),
            "props": [ns_prop("sha256", sha256), ns_prop("provider-document-kind", kind)],
        }));
    }
    Ok(json!({ "resources": resources }))
}
