//! Coverage of one catalogue's controls through a crosswalk from another: computed, never stored.
//! Evidence and results of a source control count for its targets according to the relationship:
//! fully for equal and superset, partly for subset and intersect, not at all for related.

use std::collections::HashMap;

use serde::Serialize;

use super::control::{ControlLine, control_line};
use super::pairs::{self, Source};

use crate::db::evaluations::Evaluation;
use crate::db::{Connection, catalogs, mappings};
use crate::error::{Error, Result};
use crate::model::evidence::Day;
use crate::model::mapping::{Coverage, Relationship, coverage};

/// A source control as its target sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceLine {
    /// Source control key.
    pub key: String,
    /// How it relates to the target.
    pub relationship: Relationship,
    /// What it contributes: covered, partly or not-covered.
    pub contributes: Coverage,
    /// Why they relate.
    pub rationale: String,
    /// The source control's organisation-wide state (responsibility, owner, result, evidence).
    pub state: Option<ControlLine>,
}

/// One target control.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetLine {
    /// Target control key.
    pub key: String,
    /// Title.
    pub title: String,
    /// Family.
    pub family: String,
    /// Covered, partly or not covered.
    pub coverage: Coverage,
    /// Accepted, unexpired evidence of the sources that cover it at least partly.
    pub evidence: u64,
    /// Its sources.
    pub sources: Vec<SourceLine>,
}

/// Computes the coverage of catalogue `target` via catalogue `via`, calling `each` per target
/// control in catalogue order. `evaluation` (of the `via` catalogue) supplies results.
pub fn for_each_target(
    conn: &Connection,
    target: &str,
    via: &str,
    evaluation: Option<Evaluation>,
    today: Day,
    mut each: impl FnMut(TargetLine) -> Result<()>,
) -> Result<()> {
    let (target_id, _) = catalogs::get(conn, target)?;
    let (via_id, _) = catalogs::get(conn, via)?;
    if let Some(e) = &evaluation
        && !e.catalog.eq_ignore_ascii_case(via)
    {
        return Err(Error::Invalid(format!(
            "evaluation {} is of catalogue {}, not {via}",
            e.id, e.catalog
        )));
    }
    let source = match evaluation {
        Some(e) => Source::of_evaluation(e, today),
        None => Source::Live {
            catalog: via.to_string(),
            services: None,
            evaluation: None,
            today,
        },
    };
    let mut states: HashMap<String, ControlLine> = HashMap::new();
    pairs::for_each_control(conn, &source, |info, all| {
        let refs: Vec<_> = all.iter().collect();
        states.insert(info.key.clone(), control_line(info, &refs));
        Ok(())
    })?;
    let sources = mappings::sources(conn, target_id, via_id)?;
    let none = Vec::new();
    catalogs::for_each_control(conn, target_id, None, |c| {
        if c.control.withdrawn {
            return Ok(());
        }
        let mine = sources.get(&c.id).unwrap_or(&none);
        let lines: Vec<SourceLine> = mine
            .iter()
            .map(|s| SourceLine {
                key: s.key.clone(),
                relationship: s.relationship,
                contributes: s.relationship.contributes(),
                rationale: s.rationale.clone(),
                state: states.get(&s.key).cloned(),
            })
            .collect();
        let evidence = lines
            .iter()
            .filter(|s| s.contributes != Coverage::NotCovered)
            .filter_map(|s| s.state.as_ref())
            .map(|s| s.evidence_count)
            .sum();
        each(TargetLine {
            key: c.control.key.clone(),
            title: c.control.title.clone(),
            family: c.control.family.clone(),
            coverage: coverage(mine.iter().map(|s| s.relationship)),
            evidence,
            sources: lines,
        })
    })
}
