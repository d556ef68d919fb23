//! `manifest.json`: the evaluation, every member's size and SHA-256, and what each evidence is.

use std::collections::{BTreeMap, BTreeSet};
use std::io;

use serde_json::json;

use super::Member;
use super::build::Packed;
use crate::db::evaluations::Evaluation;
use crate::error::Result;
use crate::model::evidence::Day;
use crate::report::data::ReportData;

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
        "format": "ctrlmap-package/1",
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
