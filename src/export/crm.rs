//! The customer responsibility matrix (CRM), in the manner of FedRAMP's: per control, whether the
//! customer can inherit it (Yes / Partial / No), what the provider does, what the customer does,
//! the owning team and the state of the evidence.

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use crate::db::Connection;
use crate::error::{Error, Result};
use crate::estate::control::line_responsibility;
use crate::estate::pairs::{self, Source};
use crate::model::Responsibility;
use crate::model::evaluation::Pair;
use crate::support::spreadsheet::neutralise;

/// One row of the matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CrmRow {
    /// Control key.
    pub control: String,
    /// Control title.
    pub title: String,
    /// Yes (inherited), Partial (shared), No (customer), or Undetermined.
    pub can_be_inherited: &'static str,
    /// What the provider covers, by where it applies.
    pub provider_part: String,
    /// What the customer covers, by where it applies.
    pub customer_part: String,
    /// Owning teams.
    pub owner: String,
    /// Evidence counts by state, e.g. "2 accepted, 1 expired".
    pub evidence: String,
}

/// "Can the customer inherit it?" in the CRM's words.
pub fn can_be_inherited(r: Responsibility) -> &'static str {
    match r {
        Responsibility::Inherited => "Yes",
        Responsibility::Shared => "Partial",
        Responsibility::Customer => "No",
        Responsibility::Undetermined => "Undetermined",
    }
}

/// The row of one control from its pairs.
fn row(key: &str, title: &str, pairs: &[&Pair]) -> CrmRow {
    // Group the services by (responsibility, rationale) so each distinct reason is said once.
    let mut groups: BTreeMap<(Responsibility, &str), Vec<&str>> = BTreeMap::new();
    for p in pairs {
        groups
            .entry((p.responsibility, &*p.rationale))
            .or_default()
            .push(&p.service);
    }
    let say = |wanted: &[Responsibility]| -> String {
        groups
            .iter()
            .filter(|((r, _), _)| wanted.contains(r))
            .map(|((r, why), services)| format!("{r} on {}: {why}", services.join(", ")))
            .collect::<Vec<_>>()
            .join(" | ")
    };
    let mut owners: Vec<&str> = pairs
        .iter()
        .filter(|p| p.responsibility.customer_has_a_part())
        .filter_map(|p| p.owner.as_deref())
        .collect();
    owners.sort();
    owners.dedup();
    let mut states: BTreeMap<&str, std::collections::BTreeSet<i64>> = BTreeMap::new();
    for e in pairs.iter().flat_map(|p| p.evidence.iter()) {
        let state = if e.counts {
            "accepted"
        } else if e.expired {
            "expired"
        } else {
            e.status.as_str()
        };
        states.entry(state).or_default().insert(e.id);
    }
    let evidence = if states.is_empty() {
        "none".to_string()
    } else {
        states
            .iter()
            .map(|(s, ids)| format!("{} {s}", ids.len()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    CrmRow {
        control: key.to_string(),
        title: title.to_string(),
        can_be_inherited: can_be_inherited(line_responsibility(pairs)),
        provider_part: say(&[Responsibility::Inherited, Responsibility::Shared]),
        customer_part: say(&[Responsibility::Customer, Responsibility::Shared]),
        owner: owners.join(", "),
        evidence,
    }
}

/// Calls `each` with the CRM row of every control of the source.
pub fn for_each_row(conn: &Connection, source: &Source, mut each: impl FnMut(CrmRow) -> Result<()>) -> Result<()> {
    pairs::for_each_control(conn, source, |info, all| {
        let refs: Vec<&Pair> = all.iter().collect();
        each(row(&info.key, &info.title, &refs))
    })
}

/// Writes the CRM as CSV.
pub fn write_csv(conn: &Connection, source: &Source, out: impl Write) -> Result<()> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    let csv_error = |e: csv::Error| Error::Invalid(format!("CSV: {e}"));
    w.write_record([
        "control",
        "title",
        "can_be_inherited",
        "provider_responsibility",
        "customer_responsibility",
        "owner",
        "evidence",
    ])
    .map_err(csv_error)?;
    for_each_row(conn, source, |r| {
        let cells = [
            &r.control,
            &r.title,
            r.can_be_inherited,
            &r.provider_part,
            &r.customer_part,
            &r.owner,
            &r.evidence,
        ];
        w.write_record(cells.iter().map(|c| neutralise(c).into_owned()))
            .map_err(csv_error)
    })?;
    w.flush().map_err(|e| Error::io("crm", e))
}
