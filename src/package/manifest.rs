//! `manifest.json`: the evaluation, every member's size and SHA-256, and what each evidence is.

use std::collections::{BTreeMap, BTreeSet};
use std::io;

use serde_json::json;

use super::Member;
use crate::db::evaluations::Evaluation;
use crate::error::Result;
use crate::model::evidence::Day;
use crate::report::data::ReportData;

/// What the manifest says it is.
const FORMAT: &str = "ctrlmap-package/1";

/// A file evidence to pack: under which control, and where its bytes are.
pub(super) struct Packed {
    pub(super) control: String,
    pub(super) id: i64,
    pub(super) title: String,
    pub(super) sha256: String,
    pub(super) original_name: String,
}

/// The manifest of a package, as pretty JSON with a final newline.
pub(super) fn write(
    evaluation: &Evaluation,
    date: Day,
    data: &ReportData,
    members: &[Member],
    evidence: &[Packed],
    paths: &[(usize, String)],
) -> Result<String> {
    let mut by_id: BTreeMap<i64, (&Packed, BTreeSet<&str>, Vec<&str>)> = BTreeMap::new();
    for (i, path) in paths {
        let e = &evidence[*i];
        let entry = by_id.entry(e.id).or_insert_with(|| (e, BTreeSet::new(), Vec::new()));
        entry.1.insert(&e.control);
        entry.2.push(path);
    }
    let doc = json!({
        "format": FORMAT,
        "evaluation": {
            "id": evaluation.id,
            "name": evaluation.name,
            "catalog": evaluation.catalog,
            "closed": evaluation.is_closed(),
            "fingerprint": evaluation.fingerprint.clone().unwrap_or_else(|| data.fingerprint.clone()),
        },
        "date": date.to_string(),
        "members": members.iter().map(|m| json!({"path": m.path, "size": m.size, "sha256": m.sha256})).collect::<Vec<_>>(),
        "evidence": by_id.values().map(|(e, controls, paths)| json!({
            "id": e.id,
            "title": e.title,
            "sha256": e.sha256,
            "original_name": e.original_name,
            "controls": controls,
            "members": paths,
        })).collect::<Vec<_>>(),
    });
    let mut text = serde_json::to_string_pretty(&doc).map_err(io::Error::from)?;
    text.push('\n');
    Ok(text)
}

/// The size of every member the manifest lists, refused (with why) unless it is a manifest
/// `write` produced listing exactly the members of `lines` (path and SHA-256), in order.
pub(super) fn sizes(bytes: &[u8], lines: &[(&str, &str)]) -> std::result::Result<Vec<u64>, String> {
    let doc: serde_json::Value = serde_json::from_slice(bytes).map_err(|_| "is not JSON".to_string())?;
    if doc["format"] != FORMAT {
        return Err(format!("is not a {FORMAT} manifest"));
    }
    let members = doc["members"]
        .as_array()
        .ok_or_else(|| "lists no members".to_string())?;
    if members.len() != lines.len() {
        return Err(format!(
            "lists {} members where digest.txt lists {}",
            members.len(),
            lines.len()
        ));
    }
    members
        .iter()
        .zip(lines)
        .map(|(m, (path, sha256))| match m["size"].as_u64() {
            Some(size) if m["path"] == *path && m["sha256"] == *sha256 => Ok(size),
            _ => Err(format!(
                "disagrees with digest.txt about member {}",
                super::refused::shown(path)
            )),
        })
        .collect()
}
