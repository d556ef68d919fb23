//! One control over its pairs: the organisation-wide line (responsibility, owners, result,
//! evidence) that the report's control table, the control-level CSV, coverage and the CRM show.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::model::derive::rollup;
use crate::model::evaluation::{Pair, combine};
use crate::model::{Control, Responsibility};

/// A control as a report lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlInfo {
    /// Key.
    pub key: String,
    /// Title.
    pub title: String,
    /// Family.
    pub family: String,
}

impl From<&Control> for ControlInfo {
    fn from(c: &Control) -> ControlInfo {
        ControlInfo {
            key: c.key.clone(),
            title: c.title.clone(),
            family: c.family.clone(),
        }
    }
}

/// One control in the control table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ControlLine {
    /// Control key.
    pub key: String,
    /// Title.
    pub title: String,
    /// Family.
    pub family: String,
    /// Organisation-wide responsibility: inherited / shared / customer / undetermined.
    pub responsibility: String,
    /// Owning teams, comma-separated, or empty.
    pub owner: String,
    /// Result: satisfied, partially-satisfied, not-satisfied, not-applicable, not-assessed.
    pub result: String,
    /// Accepted, unexpired evidence pieces.
    pub evidence_count: u64,
    /// Collection date of the freshest such evidence (YYYY-MM-DD), or empty.
    pub freshest: String,
    /// Implementation statuses of the pairs, comma-separated (the CSV's `status`).
    pub status: String,
    /// Notes of the pairs, joined by ` | ` (the CSV's `note`).
    pub note: String,
    /// SHA-256 of the evidence files, space-separated (the CSV's `evidence_sha256`).
    pub evidence_sha256: String,
    /// Source controls of a crosswalked report, `; `-separated (the CSV's `via`).
    pub via: String,
    /// The implementation statements recorded for the pairs (per service, else organisation-wide),
    /// distinct, joined by ` | `; empty where none was recorded.
    pub statement: String,
}

/// The organisation-wide responsibility of a control over the pairs shown.
pub fn line_responsibility(pairs: &[&Pair]) -> Responsibility {
    rollup(pairs.iter().map(|p| p.responsibility))
}

/// One control's line in the table.
pub fn control_line(info: &ControlInfo, pairs: &[&Pair]) -> ControlLine {
    let owners: BTreeSet<&str> = pairs
        .iter()
        .filter(|p| p.responsibility.customer_has_a_part())
        .filter_map(|p| p.owner.as_deref())
        .collect();
    let counting: BTreeMap<i64, &str> = pairs
        .iter()
        .flat_map(|p| p.evidence.iter())
        .filter(|e| e.counting())
        .map(|e| (e.id, e.collected.as_str()))
        .collect();
    ControlLine {
        key: info.key.clone(),
        title: info.title.clone(),
        family: info.family.clone(),
        responsibility: line_responsibility(pairs).to_string(),
        owner: owners.into_iter().collect::<Vec<_>>().join(", "),
        result: combine(pairs.iter().map(|p| p.result)).to_string(),
        evidence_count: counting.len() as u64,
        freshest: counting.values().max().map(|d| d.to_string()).unwrap_or_default(),
        status: distinct(pairs.iter().map(|p| p.status.as_str()), ", "),
        note: distinct(pairs.iter().map(|p| p.note.as_str()), " | "),
        evidence_sha256: distinct(
            pairs
                .iter()
                .flat_map(|p| p.evidence.iter())
                .filter_map(|e| e.sha256.as_deref()),
            " ",
        ),
        via: distinct(pairs.iter().flat_map(|p| via(p)), "; "),
        statement: distinct(pairs.iter().map(|p| p.statement.as_str()), " | "),
    }
}

/// The distinct non-empty `values`, sorted and joined by `sep`, as the CSV writes them.
fn distinct<'a>(values: impl Iterator<Item = &'a str>, sep: &str) -> String {
    let set: BTreeSet<&str> = values.filter(|s| !s.is_empty()).collect();
    set.into_iter().collect::<Vec<_>>().join(sep)
}

/// The source controls a crosswalk pair came from, e.g. `SRM-PATCH (equal)`; empty otherwise.
pub fn via(p: &Pair) -> Vec<&str> {
    if &*p.provenance != "crosswalk" {
        return Vec::new();
    }
    p.rationale
        .split(" | ")
        .filter_map(|part| part.strip_prefix("via ")?.split_once(": ").map(|(source, _)| source))
        .collect()
}
