//! The provider's word as one input of the derivation: per (control, offering), what the
//! provider's documents say, decided by [`Said::decide`], with the provenance that names the
//! document (title, SHA-256) and the statements (their uuids).

use std::collections::{BTreeMap, HashMap};

use crate::db::Connection;
use crate::db::provider_docs::{self, StatementRow};
use crate::error::Result;
use crate::model::Responsibility;
use crate::model::derive::ProviderWord;
use crate::model::provider::{Said, StatementKind};

/// One (control, offering)'s word, with its texts made once.
#[derive(Debug, Clone)]
struct Word {
    responsibility: Responsibility,
    rationale: String,
    source: String,
}

/// What the provider documents say about one catalogue's controls, by (control, offering).
#[derive(Debug, Default)]
pub struct ProviderWords {
    words: HashMap<(i64, i64), Word>,
    offering_of: HashMap<i64, i64>,
}

impl ProviderWords {
    /// Loads the statements about catalogue `catalog_id`; empty (and nearly free) when there are none.
    pub fn load(conn: &Connection, catalog_id: i64) -> Result<ProviderWords> {
        if !provider_docs::any(conn)? {
            return Ok(ProviderWords::default());
        }
        let mut grouped: BTreeMap<(i64, i64), Vec<StatementRow>> = BTreeMap::new();
        for s in provider_docs::for_catalog(conn, catalog_id)? {
            grouped.entry((s.control_id, s.offering_id)).or_default().push(s);
        }
        let words = grouped
            .into_iter()
            .filter_map(|(at, statements)| {
                let responsibility = decide(&statements)?;
                Some((
                    at,
                    Word {
                        responsibility,
                        rationale: rationale(&statements),
                        source: citation(&statements),
                    },
                ))
            })
            .collect();
        Ok(ProviderWords {
            words,
            offering_of: provider_docs::service_offerings(conn)?,
        })
    }

    /// The word about `control_id` on the offering of service `service_id`, if any.
    pub fn word(&self, control_id: i64, service_id: i64) -> Option<ProviderWord<'_>> {
        if self.words.is_empty() {
            return None;
        }
        let offering = self.offering_of.get(&service_id)?;
        self.words.get(&(control_id, *offering)).map(|w| ProviderWord {
            responsibility: w.responsibility,
            rationale: &w.rationale,
            source: &w.source,
        })
    }
}

/// The responsibility a pair's statements amount to.
pub fn decide(statements: &[StatementRow]) -> Option<Responsibility> {
    let mut said = Said::default();
    for s in statements {
        said.add(s.kind, s.partial);
    }
    said.decide()
}

/// The documents that say it: `provider document "TITLE" (sha256 HEX)`, each once.
pub fn citation(statements: &[StatementRow]) -> String {
    let mut docs: Vec<String> = Vec::new();
    for s in statements {
        let cited = format!(
            "provider document \"{}\" (sha256 {})",
            s.document_title, s.document_sha256
        );
        if !docs.contains(&cited) {
            docs.push(cited);
        }
    }
    docs.join("; ")
}

/// The provenance of a pair: the document and the statements, e.g. `provider document "T"
/// (sha256 ...), statements provided U1 / responsibility U2`.
pub fn provenance(statements: &[StatementRow]) -> String {
    let uuids = |kind: StatementKind| {
        let mut list: Vec<String> = Vec::new();
        for s in statements.iter().filter(|s| s.kind == kind) {
            let named = if s.partial {
                format!("{} ({})", s.uuid, s.state)
            } else {
                s.uuid.clone()
            };
            if !list.contains(&named) {
                list.push(named);
            }
        }
        list
    };
    let mut parts = Vec::new();
    for (kind, list) in [
        (StatementKind::Provided, uuids(StatementKind::Provided)),
        (StatementKind::Responsibility, uuids(StatementKind::Responsibility)),
    ] {
        if !list.is_empty() {
            parts.push(format!("{kind} {}", list.join(", ")));
        }
    }
    format!("{}, statements {}", citation(statements), parts.join(" / "))
}

/// A provider's text on one line: line breaks and runs of spaces made one space.
pub fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What the statements leave to the customer, in the provider's words: each responsibility's
/// text, and for a provided statement that is not complete, that it is not (yet) complete.
pub fn customer_part(statements: &[StatementRow]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in statements {
        let text = match s.kind {
            StatementKind::Responsibility => flat(&s.description),
            StatementKind::Provided if s.partial => format!(
                "the provider's implementation is {} ({}): until it is complete, the customer covers the rest",
                s.state,
                flat(&s.description)
            ),
            StatementKind::Provided => continue,
        };
        if !out.contains(&text) {
            out.push(text);
        }
    }
    out
}

/// The rationale a pair decided by the provider's word carries (and reports, the CRM and
/// exports show): its [`provenance`], then what the customer must do, quoted.
pub fn rationale(statements: &[StatementRow]) -> String {
    let mut text = provenance(statements);
    let must = customer_part(statements);
    if !must.is_empty() {
        let quoted: Vec<String> = must.iter().map(|t| format!("\"{t}\"")).collect();
        text.push_str(&format!("; what the customer must do: {}", quoted.join("; ")));
    }
    text
}
