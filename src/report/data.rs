//! What a control-evaluation report says, independent of how it is drawn. The PDF, CSV (and later
//! XLSX) renderers read only this; `build.rs` in this module fills it from the database.

use serde::Serialize;

pub use crate::estate::control::ControlLine;

/// Everything a rendered report shows. Sizes are bounded by the catalogue (controls) and the
/// evidence count; per-(control, service) rows are streamed separately for the CSV.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportData {
    /// Report title, e.g. "Control evaluation report".
    pub title: String,
    /// The organisation the report is about.
    pub organisation: String,
    /// The date the report is generated for (YYYY-MM-DD); also its "as of" date for expiry.
    pub generated_on: String,
    /// Catalogue key and title, e.g. ("srm", "Shared responsibility baseline").
    pub catalog_key: String,
    /// Catalogue title.
    pub catalog_title: String,
    /// Teams in scope (empty: all).
    pub scope_teams: Vec<String>,
    /// Services in scope, by name.
    pub scope_services: Vec<ServiceLine>,
    /// The evaluation, when the report is of one; `None` for the live state.
    pub evaluation: Option<EvaluationLine>,
    /// SHA-256 (hex) of the data the report was drawn from.
    pub fingerprint: String,
    /// Counts for the summary page.
    pub summary: Summary,
    /// The responsibility matrix by service category (infrastructure, container, abstracted).
    pub categories: Vec<CategoryColumn>,
    /// One line per control, in catalogue order.
    pub controls: Vec<ControlLine>,
    /// What a reviewer should look at first.
    pub findings: Vec<Finding>,
    /// Automated checks per control that has any (scanner observations that count); empty when
    /// no scan counts, and then no format shows anything of them.
    pub checks: Vec<CheckLine>,
    /// Every piece of evidence linked to a control in scope, by id.
    pub evidence: Vec<EvidenceLine>,
    /// Headings and paragraphs from the template, already rendered.
    pub texts: Texts,
    /// Which sections to draw, in order (from the template).
    pub sections: Vec<Section>,
    /// Control-table columns to draw, in order (from the template).
    pub control_columns: Vec<ControlColumn>,
    /// The sources the matrix rests on: those cited by the catalogue's rules and by the offerings
    /// of the services in scope, ordered by citation.
    pub sources: Vec<SourceLine>,
    /// The plan of action: the POA&M items of the report's scope that are not completed, as they
    /// stand on the report's date, the overdue first. Empty when there are none (and then no
    /// format draws anything for it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub poam: Vec<PoamLine>,
}

/// A POA&M item in a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PoamLine {
    /// Item number.
    pub id: i64,
    /// Control key.
    pub control: String,
    /// What was found: not-satisfied, partially-satisfied, no-evidence, expired-evidence, failed-check.
    pub kind: String,
    /// Services concerned, comma-separated.
    pub services: String,
    /// Owning team, or empty.
    pub owner: String,
    /// Detected on (YYYY-MM-DD).
    pub detected: String,
    /// Due on (YYYY-MM-DD).
    pub due: String,
    /// Status on the report's date: open, in-progress or risk-accepted.
    pub status: String,
    /// Past its due date on the report's date.
    pub overdue: bool,
    /// The last milestone ("date text"), a risk acceptance ("accepted until D: why"), or empty.
    pub plan: String,
}

/// A source the matrix rests on, as a reader looks it up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceLine {
    /// Its id in the source table; empty for free text a user wrote.
    pub id: String,
    /// Title (publisher), date; or the free text as written.
    pub citation: String,
    /// Where to read it, or empty.
    pub url: String,
}

/// A service in scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceLine {
    /// Service name.
    pub name: String,
    /// Offering display name, e.g. "Amazon RDS".
    pub offering: String,
    /// infrastructure / container / abstracted.
    pub category: String,
    /// Owning team, or empty.
    pub team: String,
}

/// The evaluation a report is of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvaluationLine {
    /// Its number.
    pub id: i64,
    /// Its name, e.g. "Q4 2026 internal review".
    pub name: String,
    /// Who assessed.
    pub assessor: String,
    /// When it was opened (RFC 3339).
    pub opened_at: String,
    /// When it was closed, if it is.
    pub closed_at: Option<String>,
}

/// Counts shown on the summary page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Summary {
    /// Controls by organisation-wide responsibility: (label, count), in the order
    /// inherited, shared, customer, undetermined.
    pub by_responsibility: Vec<(String, u64)>,
    /// Controls by result: (label, count), in the order satisfied, partially-satisfied,
    /// not-satisfied, not-applicable, not-assessed.
    pub by_result: Vec<(String, u64)>,
    /// Shared and customer controls.
    pub shared_or_customer: u64,
    /// Of those, how many have accepted, unexpired evidence.
    pub with_counting_evidence: u64,
    /// Pieces of evidence in the index whose stored file failed the integrity check (missing or
    /// altered): not counted anywhere.
    pub evidence_failed: u64,
    /// How the stored evidence files were checked: "size" (present, regular, of the recorded
    /// size), "hash" (re-hashed in full), or empty when they were not checked.
    pub evidence_check: String,
    /// One row per owning team.
    pub teams: Vec<TeamLine>,
}

/// A team's row in the summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TeamLine {
    /// Team name ("(no owner)" for unowned).
    pub team: String,
    /// Shared and customer (control, service) pairs it owns.
    pub pairs: u64,
    /// Of those, with accepted, unexpired evidence.
    pub evidenced: u64,
    /// Of those, assessed satisfied.
    pub satisfied: u64,
    /// Of those, assessed not satisfied or partially satisfied.
    pub failing: u64,
}

/// One column of the matrix by category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CategoryColumn {
    /// infrastructure / container / abstracted.
    pub category: String,
    /// What the sources say the provider manages for this category (one line).
    pub provider_summary: String,
    /// What the customer manages for this category (one line).
    pub customer_summary: String,
    /// Control titles inherited from the provider in this category.
    pub provider_controls: Vec<String>,
    /// Control titles shared in this category.
    pub shared_controls: Vec<String>,
    /// Control titles that are the customer's in this category.
    pub customer_controls: Vec<String>,
    /// The organisation's services in this category.
    pub services: Vec<String>,
}

/// A finding for the reviewer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// not-satisfied, partially-satisfied, no-evidence, expired-evidence, no-owner, undetermined.
    pub kind: String,
    /// Control key.
    pub control: String,
    /// Service, or empty for the organisation.
    pub service: String,
    /// What exactly.
    pub detail: String,
}

/// Failing resources named per control before "and N more".
pub const FAILING_SHOWN: usize = 12;

/// The automated checks of one control: what scanners observed on the services shown (and
/// organisation-wide), counted by result, with the failing resources.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct CheckLine {
    /// Control key.
    pub control: String,
    /// Control title.
    pub title: String,
    /// Checks that passed (one per check and resource).
    pub passed: u64,
    /// Checks that failed.
    pub failed: u64,
    /// Checks to make by hand.
    pub manual: u64,
    /// Not applicable, or not decided by the scanner.
    pub other: u64,
    /// The first [`FAILING_SHOWN`] failures, in order.
    pub failing: Vec<FailingCheck>,
    /// Failures beyond those listed.
    pub failing_more: u64,
}

/// One failed check on one resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailingCheck {
    /// The scanner's check.
    pub check: String,
    /// The resource.
    pub resource: String,
    /// The service it belongs to, or empty for organisation-wide.
    pub service: String,
    /// The scan that observed it.
    pub scan: i64,
}

/// One piece of evidence in the index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvidenceLine {
    /// Evidence number.
    pub id: i64,
    /// Title.
    pub title: String,
    /// SHA-256 for files; empty for URLs and notes.
    pub sha256: String,
    /// Collected on (YYYY-MM-DD).
    pub collected: String,
    /// Expires on (YYYY-MM-DD), or empty.
    pub expires: String,
    /// Review status.
    pub status: String,
    /// Last reviewer, or empty.
    pub reviewer: String,
    /// Controls it is linked to, comma-separated.
    pub controls: String,
    /// "missing" or "altered" when its stored file failed the integrity check (then it does not
    /// count); empty otherwise.
    pub integrity: String,
}

/// Template texts, rendered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Texts {
    /// A paragraph under the cover title.
    pub intro: String,
    /// Section headings, keyed by section.
    pub summary_heading: String,
    /// Heading of the matrix section.
    pub matrix_heading: String,
    /// Paragraph under the matrix heading.
    pub matrix_intro: String,
    /// Heading of the control table.
    pub controls_heading: String,
    /// Heading of the findings.
    pub findings_heading: String,
    /// Heading of the evidence index.
    pub evidence_heading: String,
    /// Heading of the automated checks.
    pub checks_heading: String,
    /// Heading of the sign-off block.
    pub signoff_heading: String,
    /// Paragraph of the sign-off block.
    pub signoff_text: String,
    /// Footer left text (the report title, usually).
    pub footer: String,
}

/// The sections a report can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Section {
    /// Title, organisation, scope, evaluation, assessor, dates, fingerprint.
    Cover,
    /// Counts by responsibility and result, evidence coverage, per-team table.
    Summary,
    /// What the provider and the customer cover per service category.
    Matrix,
    /// One row per control.
    Controls,
    /// Failing results, missing or expired evidence, unowned and undetermined controls.
    Findings,
    /// Scanners' checks per control: passed and failed counts, the failing resources (drawn
    /// only when a scan counts).
    Checks,
    /// Every piece of evidence with its hash.
    Evidence,
    /// Signatures.
    Signoff,
}

/// Columns of the control table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ControlColumn {
    /// Control key.
    Key,
    /// Title.
    Title,
    /// Family.
    Family,
    /// Responsibility.
    Responsibility,
    /// Owner.
    Owner,
    /// Result.
    Result,
    /// Evidence count.
    Evidence,
    /// Freshest evidence date.
    Freshest,
}

/// Paper sizes for the PDF.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Paper {
    /// ISO A4, 210 x 297 mm.
    A4,
    /// US Letter, 8.5 x 11 in.
    Letter,
}

/// `n` as a share of `total`, in whole percent ("<1%" and ">99%" near the ends), as every
/// format of the report says it.
pub(crate) fn percent(n: u64, total: u64) -> String {
    if total == 0 {
        return "n/a".into();
    }
    let p = (n.saturating_mul(100) + total / 2) / total;
    if p == 0 && n > 0 {
        "<1%".into()
    } else if p == 100 && n < total {
        ">99%".into()
    } else {
        format!("{p}%")
    }
}

/// `s` with its first letter in upper case.
pub(crate) fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(f) => f.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
