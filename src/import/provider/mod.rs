//! Readers of what providers publish about their services, per control: an OSCAL leveraged
//! system's SSP (`by-components[].export` with `provided` and `responsibilities`), an OSCAL
//! component definition (its implemented requirements are provided), an Azure security baseline
//! workbook (Customer / Microsoft / Shared per benchmark control) and the Microsoft cloud security
//! benchmark workbook (benchmark controls with their SP 800-53 rev4 ids, the crosswalk the
//! baselines need). They store nothing: `load::provider` does.

mod azure;
mod oscal;

pub use azure::{Benchmark, BenchmarkControl};

use crate::error::{Error, Result};
use crate::model::provider::{DocumentKind, StatementKind};

/// A provider's document, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// What kind of document it is.
    pub kind: DocumentKind,
    /// Its title (OSCAL metadata title; for a baseline, its file name).
    pub title: String,
    /// The OSCAL document uuid, or empty.
    pub uuid: String,
    /// Its version (OSCAL metadata version), or empty.
    pub version: String,
    /// Its statements, in document order.
    pub statements: Vec<Statement>,
    /// Rows or entries read but carrying no statement (e.g. `Not Applicable`, no control id).
    pub skipped: usize,
}

/// One statement of a document about one control.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The control id as the document writes it (`ac-2.1`, `NS-1`).
    pub control: String,
    /// Provided or a customer responsibility.
    pub kind: StatementKind,
    /// The statement's uuid (the document's, or for a workbook one derived from its hash and row).
    pub uuid: String,
    /// For a responsibility, the provided statement it completes.
    pub provided_uuid: Option<String>,
    /// The statement's text.
    pub description: String,
    /// The component (or baseline feature) it is about.
    pub component: String,
    /// Responsible roles, comma-separated.
    pub roles: String,
    /// The implementation state the document gives (`implemented`, `planned`, ...), or empty.
    pub state: String,
    /// A provided statement whose implementation is not complete.
    pub partial: bool,
    /// Where in the file: a JSON path or a sheet and row.
    pub at: String,
}

/// What a file turned out to be.
#[derive(Debug)]
pub enum Read {
    /// A provider document with statements.
    Document(Document),
    /// The benchmark workbook: a crosswalk, not statements.
    Benchmark(Benchmark),
}

/// Reads `bytes` (named `source` in messages): an xlsx workbook (a baseline or the benchmark) or
/// an OSCAL JSON document (SSP or component definition).
pub fn read(source: &str, bytes: &[u8]) -> Result<Read> {
    if bytes.starts_with(b"PK\x03\x04") {
        return azure::read(source, bytes);
    }
    oscal::read(source, bytes).map(Read::Document)
}

/// Checks text from a document by the one set of text rules; `at` names where it was.
fn checked(source: &str, at: &str, text: &str, kind: crate::text::Kind) -> Result<String> {
    let text = text.trim();
    match crate::text::problem(kind, text) {
        Some(problem) => Err(Error::Invalid(format!("{source}: {at}: text {problem}"))),
        None => Ok(text.to_string()),
    }
}
