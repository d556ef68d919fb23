//! Any catalogue ctrlmap holds (in particular the built-in `srm` baseline) as an OSCAL 1.2.1
//! catalog, so the documents that cite it (the plan's `import-profile`, a mapping's source and
//! target) resolve to a file: `ctrlmap export oscal-catalog --catalog KEY --out KEY.json`.
//!
//! One group per family (in catalogue order of first appearance), one control per control with
//! its statement as a `statement` part, enhancements nested in their parent, the catalogue order
//! as `sort-id`, withdrawn controls marked `status: withdrawn`. Titles and prose are escaped as
//! markup; the `uuid` and `version` come from a hash of the content.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::ssp::{NS, OSCAL_VERSION, identify, last_change, line, ns_prop, oscal_id, prune};
use crate::db::{Connection, catalogs};
use crate::error::{Error, Result};
use crate::model::evidence::Day;

/// A control as OSCAL writes it, with its enhancements added later.
fn control(c: &crate::model::Control) -> Value {
    let id = oscal_id(&c.key);
    let statement = c.statement.trim();
    json!({
        "id": id,
        "title": line(&c.title),
        "props": [
            { "name": "label", "value": line(&c.key) },
            { "name": "sort-id", "value": line(&c.sort_key) },
            c.withdrawn.then(|| json!({ "name": "status", "value": "withdrawn" })),
            ns_prop("control-key", &c.key),
        ],
        "parts": (!statement.is_empty()).then(|| json!([{
            "id": format!("{id}_smt"),
            "name": "statement",
            "prose": statement,
        }])),
    })
}

/// The OSCAL 1.2.1 catalog of catalogue `key`.
pub fn catalog(conn: &Connection, key: &str, date: Day) -> Result<Value> {
    let (id, catalog) = catalogs::get(conn, key)?;
    // Controls in catalogue order; an enhancement goes under its parent, which comes first.
    let mut rows = Vec::new();
    catalogs::for_each_control(conn, id, None, |row| {
        rows.push(row.control);
        Ok(())
    })?;
    if rows.is_empty() {
        return Err(Error::Invalid(format!(
            "catalogue {} has no controls to export",
            catalog.key
        )));
    }
    let mut values: Vec<Value> = rows.iter().map(control).collect();
    let index: HashMap<&str, usize> = rows.iter().enumerate().map(|(i, c)| (c.key.as_str(), i)).collect();
    let mut top = Vec::new();
    // Children are attached deepest first, so a nested enhancement reaches its parent whole.
    let depth = |mut i: usize| {
        let mut d = 0;
        while let Some(p) = rows[i].parent.as_deref().and_then(|p| index.get(p)) {
            d += 1;
            i = *p;
            if d > rows.len() {
                break;
            }
        }
        d
    };
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(depth(i)));
    let mut children: HashMap<usize, Vec<(usize, Value)>> = HashMap::new();
    for i in order {
        let mut value = std::mem::take(&mut values[i]);
        if let Some(mut kids) = children.remove(&i) {
            kids.sort_by_key(|(k, _)| *k);
            value["controls"] = Value::Array(kids.into_iter().map(|(_, v)| v).collect());
        }
        match rows[i].parent.as_deref().and_then(|p| index.get(p)) {
            Some(&p) if p != i => children.entry(p).or_default().push((i, value)),
            _ => top.push((i, value)),
        }
    }
    top.sort_by_key(|(i, _)| *i);
    let mut groups: Vec<(String, Vec<Value>)> = Vec::new();
    for (i, value) in top {
        let family = line(&rows[i].family);
        match groups.iter_mut().find(|(f, _)| *f == family) {
            Some((_, controls)) => controls.push(value),
            None => groups.push((family, vec![value])),
        }
    }
    let groups: Vec<Value> = groups
        .into_iter()
        .enumerate()
        .map(|(n, (family, controls))| {
            json!({
                "id": format!("g{}", n + 1),
                "title": if family.is_empty() { "Controls".to_string() } else { family },
                "controls": controls,
            })
        })
        .collect();
    let mut doc = json!({
        "catalog": {
            "metadata": {
                "title": line(&catalog.title),
                "oscal-version": OSCAL_VERSION,
                "props": [{ "name": "catalog", "ns": NS, "value": catalog.key }],
                "remarks": format!(
                    "Catalogue {} version {} as ctrlmap holds it, from {}.",
                    catalog.key,
                    line(&catalog.version),
                    line(&catalog.source)
                ),
            },
            "groups": groups,
        }
    });
    crate::export::markup::escape_fields(&mut doc);
    prune(&mut doc);
    identify(&mut doc, "catalog", last_change(conn, date)?)?;
    Ok(doc)
}
