//! The OSCAL 1.2 mapping model: a `mapping-collection` from one catalogue to another, exported
//! from and imported into ctrlmap's crosswalks.
//!
//! The source and target resources point at back-matter resources whose first rlink is the
//! relative href `KEY.json` of the catalogue's OSCAL file (`ctrlmap export oscal-catalog`), as in
//! the system security plan. Relationships are OSCAL's words ([`Relationship::oscal`]); remarks
//! are escaped as markup on export and read back as plain text on import.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::ssp::back_matter::catalog_rlinks;
use super::ssp::{NS, OSCAL_VERSION, identify, last_change, line, ns_prop, oscal_id, prune, uuid};
use crate::db::{Connection, catalogs, mappings};
use crate::error::{Error, Result};
use crate::model::evidence::Day;
use crate::model::mapping::Relationship;
use crate::text::Kind;

/// The mapping-collection of every mapping from catalogue `from` to catalogue `to`.
pub fn mapping_collection(conn: &Connection, from: &str, to: &str, date: Day) -> Result<Value> {
    let (_, source) = catalogs::get(conn, from)?;
    let (_, target) = catalogs::get(conn, to)?;
    let list = mappings::list(conn, Some(&source.key), Some(&target.key))?;
    if list.is_empty() {
        return Err(Error::Invalid(format!(
            "no mappings from {} to {}: nothing to export",
            source.key, target.key
        )));
    }
    let resource = |key: &str| uuid(&["mapping-collection", "resource", key]);
    let maps: Vec<Value> = list
        .iter()
        .map(|m| {
            let (relationship, ns) = m.relationship.oscal();
            json!({
                "uuid": uuid(&["mapping", &m.source_catalog, &m.source, &m.target_catalog, &m.target]),
                "ns": ns,
                "relationship": relationship,
                "sources": [{ "type": "control", "id-ref": oscal_id(&m.source) }],
                "targets": [{ "type": "control", "id-ref": oscal_id(&m.target) }],
                "props": [ns_prop("origin", m.origin.as_str())],
                "remarks": m.rationale,
            })
        })
        .collect();
    let sides = if source.key == target.key {
        vec![&source]
    } else {
        vec![&source, &target]
    };
    let resources: Vec<Value> = sides
        .iter()
        .map(|c| {
            json!({
                "uuid": resource(&c.key),
                "title": line(&c.title),
                "props": [ns_prop("catalog", &c.key)],
                "rlinks": catalog_rlinks(c),
            })
        })
        .collect();
    let mut doc = json!({
        "mapping-collection": {
            "metadata": {
                "title": format!("Crosswalk from {} to {}", line(&source.title), line(&target.title)),
                "oscal-version": OSCAL_VERSION,
            },
            "provenance": {
                "method": "human",
                "matching-rationale": "semantic",
                "status": "draft",
                "mapping-description": format!(
                    "Controls of {} mapped to controls of {} by ctrlmap: equal, equivalent and superset \
                     sources cover their target, subset and intersect sources cover part of it, related and \
                     unrelated ones none. `related` (in ctrlmap's namespace) has no OSCAL word: the controls \
                     concern the same thing without covering each other.",
                    source.key, target.key
                ),
            },
            "mappings": [{
                "uuid": uuid(&["mapping-collection", &source.key, &target.key, "mapping"]),
                "source-resource": { "type": "catalog", "href": format!("#{}", resource(&source.key)) },
                "target-resource": { "type": "catalog", "href": format!("#{}", resource(&target.key)) },
                "maps": maps,
            }],
            "back-matter": {
                "resources": resources,
            },
        }
    });
    crate::export::markup::escape_fields(&mut doc);
    prune(&mut doc);
    identify(&mut doc, "mapping-collection", last_change(conn, date)?)?;
    Ok(doc)
}

/// A mapping read from a mapping-collection: (source catalogue, source key, target catalogue,
/// target key, relationship, rationale), with the JSON path it came from.
pub type ReadMapping = (String, String, String, String, Relationship, String, String);

/// Reads a mapping-collection. Catalogues are taken from the resources' ctrlmap `catalog` props,
/// or from `from` / `to` when given; control ids are matched against the catalogues' controls.
pub fn read_collection(
    conn: &Connection,
    source_name: &str,
    bytes: &[u8],
    from: Option<&str>,
    to: Option<&str>,
) -> Result<Vec<ReadMapping>> {
    let root: Value = serde_json::from_slice(&crate::import::json_text(source_name, bytes)?).map_err(|e| {
        let what = if e.is_eof() { "truncated JSON" } else { "not valid JSON" };
        Error::Invalid(format!(
            "{source_name}: {what} at line {}, column {}: {e}",
            e.line(),
            e.column()
        ))
    })?;
    let err = |path: &str, what: &str| Error::Invalid(format!("{source_name}: {path}: {what}"));
    let Some(collection) = root.get("mapping-collection") else {
        return Err(Error::Invalid(format!(
            "{source_name}: not an OSCAL mapping collection (no \"mapping-collection\")"
        )));
    };
    // Every text of the document follows the one set of text rules (`crate::text`), like a CSV
    // cell or a flag: ids and tokens as names, remarks as prose.
    let checked = |kind: Kind, text: &'_ str, path: &str| -> Result<()> {
        match crate::text::problem(kind, text) {
            Some(problem) => Err(err(path, &problem)),
            None => Ok(()),
        }
    };
    let mut resources: HashMap<String, String> = HashMap::new();
    let listed = collection
        .pointer("/back-matter/resources")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for (i, r) in listed.iter().enumerate() {
        let Some(uuid) = r.get("uuid").and_then(Value::as_str) else {
            continue;
        };
        let props = r
            .get("props")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let named = props.iter().enumerate().find(|(_, p)| {
            p.get("name").and_then(Value::as_str) == Some("catalog") && p.get("ns").and_then(Value::as_str) == Some(NS)
        });
        if let Some((j, key)) = named.and_then(|(j, p)| Some((j, p.get("value")?.as_str()?))) {
            checked(
                Kind::Name,
                key,
                &format!("mapping-collection.back-matter.resources[{i}].props[{j}].value"),
            )?;
            resources.insert(format!("#{uuid}"), key.to_string());
        }
    }
    let mut seen: HashMap<(String, String, String, String), String> = HashMap::new();
    let mut out = Vec::new();
    let groups = collection
        .get("mappings")
        .and_then(Value::as_array)
        .ok_or_else(|| err("mapping-collection.mappings", "is missing"))?;
    for (g, group) in groups.iter().enumerate() {
        let at = format!("mapping-collection.mappings[{g}]");
        let catalog = |side: &str, given: Option<&str>| -> Result<(String, HashMap<String, String>)> {
            let key = match given {
                Some(k) => k.to_string(),
                None => {
                    let href = group
                        .pointer(&format!("/{side}/href"))
                        .and_then(Value::as_str)
                        .unwrap_or("");
                    resources.get(href).cloned().ok_or_else(|| {
                        err(
                            &format!("{at}.{side}.href"),
                            "names no catalogue ctrlmap knows: pass --from and --to",
                        )
                    })?
                }
            };
            let (id, c) = catalogs::get(conn, &key).map_err(|e| e.at(format!("{source_name}: {at}.{side}")))?;
            let ids = catalogs::control_ids(conn, id)?
                .into_iter()
                .map(|(_, k)| (oscal_id(&k), k))
                .collect();
            Ok((c.key, ids))
        };
        let (source_catalog, source_ids) = catalog("source-resource", from)?;
        let (target_catalog, target_ids) = catalog("target-resource", to)?;
        let maps = group
            .get("maps")
            .and_then(Value::as_array)
            .ok_or_else(|| err(&format!("{at}.maps"), "is missing"))?;
        for (m, map) in maps.iter().enumerate() {
            let at = format!("{at}.maps[{m}]");
            let token = map
                .get("relationship")
                .and_then(Value::as_str)
                .ok_or_else(|| err(&format!("{at}.relationship"), "is missing"))?;
            checked(Kind::Name, token, &format!("{at}.relationship"))?;
            let ns = map.get("ns").and_then(Value::as_str);
            if let Some(ns) = ns {
                checked(Kind::Name, ns, &format!("{at}.ns"))?;
            }
            let relationship = Relationship::from_oscal(token, ns).ok_or_else(|| {
                let known = match ns {
                    Some(ns) if ns != crate::model::mapping::OSCAL_NS && ns != NS => {
                        format!("relationship \"{token}\" in namespace {ns}: ctrlmap reads OSCAL's and its own")
                    }
                    _ => format!(
                        "unknown relationship \"{token}\": OSCAL 1.2.1 allows equivalent-to, equal-to, \
                         subset-of, superset-of, intersects-with and no-relationship"
                    ),
                };
                err(&format!("{at}.relationship"), &known)
            })?;
            let field = ["remarks", "matching-rationale"]
                .into_iter()
                .find_map(|name| Some((name, map.get(name)?.as_str()?)));
            if let Some((name, text)) = field {
                checked(Kind::Prose, text, &format!("{at}.{name}"))?;
            }
            // Remarks are markup: read as the plain text they say.
            let rationale = field
                .map(|(_, text)| line(&crate::export::markup::plain(text)))
                .filter(|r| !r.is_empty())
                // The file's name is stored as the rationale: escaped, so it holds no control
                // or bidirectional characters.
                .unwrap_or_else(|| format!("imported from {}", crate::text::one_line(source_name)));
            let side = |name: &str, ids: &HashMap<String, String>| -> Result<Vec<String>> {
                let items = map
                    .get(name)
                    .and_then(Value::as_array)
                    .ok_or_else(|| err(&format!("{at}.{name}"), "is missing"))?;
                if items.is_empty() {
                    return Err(err(&format!("{at}.{name}"), "must name at least one control"));
                }
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        let kind = item.get("type").and_then(Value::as_str).unwrap_or("");
                        checked(Kind::Name, kind, &format!("{at}.{name}[{i}].type"))?;
                        if kind != "control" {
                            return Err(err(
                                &format!("{at}.{name}[{i}].type"),
                                &format!("\"{kind}\": ctrlmap maps controls (type \"control\"), not statements"),
                            ));
                        }
                        let id = item
                            .get("id-ref")
                            .and_then(Value::as_str)
                            .ok_or_else(|| err(&format!("{at}.{name}[{i}].id-ref"), "is missing"))?;
                        checked(Kind::Name, id, &format!("{at}.{name}[{i}].id-ref"))?;
                        ids.get(&id.to_lowercase()).cloned().ok_or_else(|| {
                            err(
                                &format!("{at}.{name}[{i}].id-ref"),
                                &format!("no control \"{id}\" in the catalogue"),
                            )
                        })
                    })
                    .collect()
            };
            for s in side("sources", &source_ids)? {
                for t in side("targets", &target_ids)? {
                    let pair = (source_catalog.clone(), s.clone(), target_catalog.clone(), t.clone());
                    if let Some(first) = seen.insert(pair, at.clone()) {
                        return Err(err(&at, &format!("maps {s} to {t} again (first at {first})")));
                    }
                    out.push((
                        source_catalog.clone(),
                        s.clone(),
                        target_catalog.clone(),
                        t,
                        relationship,
                        rationale.clone(),
                        at.clone(),
                    ));
                }
            }
        }
    }
    Ok(out)
}
