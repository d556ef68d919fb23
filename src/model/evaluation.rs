//! Evaluations as the model sees them: result values, how results combine, and the
//! (control, service) pair that evaluations freeze and reports show.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::UnknownValue;

text_enum! {
    /// The outcome of assessing a control (OSCAL's finding states, plus not-assessed).
    ResultValue, "result" {
        /// The control does what it should.
        Satisfied = "satisfied",
        /// Partly.
        PartiallySatisfied = "partially-satisfied",
        /// It does not.
        NotSatisfied = "not-satisfied",
        /// It does not apply here.
        NotApplicable = "not-applicable",
        /// Nobody has assessed it.
        NotAssessed = "not-assessed",
    }
}

impl ResultValue {
    /// True for results a reviewer must look at.
    pub fn is_failing(self) -> bool {
        matches!(self, ResultValue::NotSatisfied | ResultValue::PartiallySatisfied)
    }
}

/// Combines the results of a control's pairs into one: any not-satisfied -> not-satisfied; else
/// any partially-satisfied -> partially-satisfied; else anything not assessed -> not-assessed;
/// else all not-applicable -> not-applicable; else satisfied. No pairs -> not-assessed.
pub fn combine(results: impl IntoIterator<Item = ResultValue>) -> ResultValue {
    let (mut any, mut failing, mut partial, mut open, mut applicable) = (false, false, false, false, false);
    for r in results {
        any = true;
        match r {
            ResultValue::NotSatisfied => failing = true,
            ResultValue::PartiallySatisfied => partial = true,
            ResultValue::NotAssessed => open = true,
            ResultValue::Satisfied => applicable = true,
            ResultValue::NotApplicable => {}
        }
    }
    match () {
        _ if !any => ResultValue::NotAssessed,
        _ if failing => ResultValue::NotSatisfied,
        _ if partial => ResultValue::PartiallySatisfied,
        _ if open => ResultValue::NotAssessed,
        _ if !applicable => ResultValue::NotApplicable,
        _ => ResultValue::Satisfied,
    }
}

/// A piece of evidence as a pair saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceRef {
    /// Evidence number.
    pub id: i64,
    /// Title.
    pub title: String,
    /// SHA-256 for files.
    pub sha256: Option<String>,
    /// Collected on.
    pub collected: String,
    /// Valid until, if it expires.
    pub valid_until: Option<String>,
    /// Review status.
    pub status: String,
    /// Last reviewer.
    pub reviewer: Option<String>,
    /// Accepted and unexpired on the day the pair was taken.
    pub counts: bool,
    /// Accepted but past its expiry on that day.
    pub expired: bool,
    /// What the integrity check of its stored file found when a report read it, if it failed.
    /// An observation of the store at reading time, not data: never frozen or fingerprinted.
    #[serde(skip)]
    pub problem: Option<FileProblem>,
}

impl EvidenceRef {
    /// Whether it counts: accepted and unexpired, and its stored file (if any) not found
    /// missing or altered.
    pub fn counting(&self) -> bool {
        self.counts && self.problem.is_none()
    }
}

/// Why a stored file failed the integrity check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileProblem {
    /// Not in the store.
    Missing,
    /// Its content, size or kind is no longer what was stored (or something else stands in its place).
    Altered,
}

impl FileProblem {
    /// "missing" or "altered", as reports show it.
    pub fn as_str(self) -> &'static str {
        match self {
            FileProblem::Missing => "missing",
            FileProblem::Altered => "altered",
        }
    }
}

/// A pair's evidence, in id order: shared between pairs (and serialised as a plain list).
pub type EvidenceList = Arc<[Arc<EvidenceRef>]>;

/// One (control, service) pair with everything an evaluation freezes and a report shows. Texts
/// that repeat across millions of pairs (control, service, rationale, evidence) are shared, not
/// copied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pair {
    /// Control key.
    pub control_key: Arc<str>,
    /// Control title.
    pub control_title: Arc<str>,
    /// Family.
    pub family: Arc<str>,
    /// Service name.
    pub service: Arc<str>,
    /// Offering display name.
    pub offering: Arc<str>,
    /// Category of the offering.
    pub category: super::Category,
    /// The team that owns the service.
    pub service_team: Option<Arc<str>>,
    /// Effective responsibility.
    pub responsibility: super::Responsibility,
    /// override / rule / none.
    pub provenance: Arc<str>,
    /// Why.
    pub rationale: Arc<str>,
    /// Effective owner.
    pub owner: Option<Arc<str>>,
    /// Implementation status, if recorded.
    pub status: String,
    /// Result (not-assessed when none was recorded).
    pub result: ResultValue,
    /// The assessor's note.
    pub note: String,
    /// Evidence linked to the control on this service or organisation-wide. Shared: the pairs
    /// of a control that show only its organisation-wide evidence hold one list between them.
    pub evidence: EvidenceList,
    /// The implementation statement recorded for the control on this service, else the one
    /// recorded organisation-wide; empty when none was. Left out of the serialised pair when
    /// empty, so snapshots frozen before statements were kept keep their fingerprints.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub statement: String,
}

impl fmt::Display for Pair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.control_key, self.service)
    }
}

#[cfg(test)]
mod tests {
    use super::ResultValue::*;
    use super::*;

    #[test]
    fn combining_results() {
        assert_eq!(combine([]), NotAssessed);
        assert_eq!(combine([Satisfied, Satisfied]), Satisfied);
        assert_eq!(combine([Satisfied, NotApplicable]), Satisfied);
        assert_eq!(combine([NotApplicable, NotApplicable]), NotApplicable);
        assert_eq!(combine([Satisfied, NotAssessed]), NotAssessed);
        assert_eq!(
            combine([Satisfied, PartiallySatisfied, NotAssessed]),
            PartiallySatisfied
        );
        assert_eq!(combine([Satisfied, NotSatisfied, PartiallySatisfied]), NotSatisfied);
    }

    #[test]
    fn result_values_parse() {
        assert_eq!("not-satisfied".parse::<ResultValue>(), Ok(NotSatisfied));
        assert!(
            "passed"
                .parse::<ResultValue>()
                .expect_err("unknown")
                .to_string()
                .contains("expected satisfied")
        );
    }
}
