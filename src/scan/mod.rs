//! Readers of scanner results: AWS Security Hub (ASFF), Prowler (OCSF JSON and CSV), MITRE
//! Heimdall (HDF) and OSCAL assessment results, each turned into [`Finding`]s, one resource per
//! finding, with the tool's status word mapped to an [`ObsStatus`] and the SP 800-53 rev 5
//! controls the finding names. Nothing here stores anything: `scan import` decides what the
//! findings mean for the estate. docs/scanners.md describes every format, field and status word.
//!
//! ASFF, OCSF and Prowler CSV are streamed: one finding at a time goes to the caller's `each`,
//! so a file of any size is read in bounded memory. HDF and OSCAL documents are read whole (they
//! are profiles and plans, not bulk exports).

pub mod checkmap;
pub mod ids;

mod asff;
mod detect;
mod hdf;
mod json_stream;
mod ocsf;
mod oscal_ar;
mod prowler_csv;
#[cfg(test)]
mod testing;
mod times;

pub use crate::model::observation::{ObsStatus, ScanFormat as Format};
pub use detect::detect;

use crate::error::{Error, Result};

/// What one scanner said about one check on one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Where in the file it came from, for messages: `$.Findings[3]`, `line 7`,
    /// `$.profiles[0].controls[2].results[1]`.
    pub locator: String,
    /// The tool's id of the finding (ASFF `Id`, OCSF `finding_info.uid`, CSV `FINDING_UID`, HDF
    /// `<control id>#<n>`, OSCAL finding uuid).
    pub finding_id: String,
    /// The check that produced it (Security Hub control id, Prowler check id, HDF control id,
    /// OSCAL target id).
    pub check_id: String,
    /// The check's or finding's title.
    pub title: String,
    /// The one resource it is about; account-wide findings say `aws-account:<id>`.
    pub resource: String,
    /// The cloud account, when the tool names one.
    pub account: Option<String>,
    /// The region, when the tool names one.
    pub region: Option<String>,
    /// The outcome in ctrlmap's words.
    pub status: ObsStatus,
    /// The tool's own word(s) for the outcome: `FAILED`, `FAIL`, `skipped`, `not-satisfied`.
    pub source_status: String,
    /// When the check observed the resource, RFC 3339 in UTC (`2021-08-09T11:28:16Z`).
    pub observed_at: String,
    /// SP 800-53 rev 5 controls named in the finding itself.
    pub controls: Vec<ControlRef>,
    /// Requirements of other frameworks or revisions, kept as written and never matched.
    pub other_requirements: Vec<String>,
}

/// A control named in a finding, and where in the finding it was named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlRef {
    /// The id as the file writes it (`NIST.800-53.r5 AC-2(4)`, `ac_2_1`).
    pub raw: String,
    /// The catalogue's control (and the statement part, if any).
    pub id: ids::ControlId,
    /// The field it came from: `Compliance.RelatedRequirements`, `tags.nist`,
    /// `unmapped.compliance[NIST-800-53-Revision-5]`, `COMPLIANCE`, `target-id`.
    pub via: String,
}

/// What a whole scan file said about itself once read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanInfo {
    /// The format it was read as.
    pub format: Format,
    /// The tool that produced it (`Security Hub`, `Prowler`, an HDF profile's tool).
    pub tool: String,
    /// The tool's version, when the file says.
    pub tool_version: Option<String>,
    /// The latest observed time of any finding, RFC 3339 UTC; `None` for a file with none.
    pub scanned_at: Option<String>,
    /// How many findings went to the callback.
    pub findings: usize,
}

/// Reads `input` (the contents of `file`, named in messages) as `format`, handing each finding to
/// `each` as soon as it is read. Stops at the first error, from the file or from `each`.
pub fn read(
    file: &str,
    input: &mut dyn std::io::BufRead,
    format: Format,
    each: &mut dyn FnMut(Finding) -> Result<()>,
) -> Result<ScanInfo> {
    let mut tally = Tally::new(format);
    let mut counted = |finding: Finding| {
        tally.see(&finding);
        each(finding)
    };
    let tool = match format {
        Format::Asff => asff::read(file, input, &mut counted)?,
        Format::Ocsf => ocsf::read(file, input, &mut counted)?,
        Format::ProwlerCsv => prowler_csv::read(file, input, &mut counted)?,
        Format::Hdf => hdf::read(file, input, &mut counted)?,
        Format::OscalAr => oscal_ar::read(file, input, &mut counted)?,
    };
    Ok(tally.finish(tool))
}

/// The tool as a reader found it named in the file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Tool {
    name: Option<String>,
    version: Option<String>,
}

/// Counts findings and keeps the latest observed time while they stream past.
struct Tally {
    format: Format,
    findings: usize,
    latest: Option<String>,
}

impl Tally {
    fn new(format: Format) -> Tally {
        Tally {
            format,
            findings: 0,
            latest: None,
        }
    }

    fn see(&mut self, finding: &Finding) {
        self.findings += 1;
        // Observed times are all `YYYY-MM-DDTHH:MM:SSZ`, so text order is time order.
        if self.latest.as_deref().is_none_or(|t| t < finding.observed_at.as_str()) {
            self.latest = Some(finding.observed_at.clone());
        }
    }

    fn finish(self, tool: Tool) -> ScanInfo {
        let default = match self.format {
            Format::Asff => "Security Hub",
            Format::Ocsf | Format::ProwlerCsv => "Prowler",
            Format::Hdf => "Heimdall (HDF)",
            Format::OscalAr => "OSCAL assessment results",
        };
        ScanInfo {
            format: self.format,
            tool: tool.name.unwrap_or_else(|| default.to_string()),
            tool_version: tool.version,
            scanned_at: self.latest,
            findings: self.findings,
        }
    }
}

/// An error about one record of `file`: `scan.json $.Findings[3]: no resource`.
fn bad(file: &str, locator: &str, message: impl Into<String>) -> Error {
    let place = if locator.is_empty() {
        file.to_string()
    } else {
        format!("{file} {locator}")
    };
    Error::Invalid(message.into()).at(place)
}

/// The one-line message for a document serde_json could not read whole: truncated, or not of
/// the shape `what` names, with the line and column.
fn json_error(file: &str, err: &serde_json::Error, what: &str) -> Error {
    let text = err.to_string();
    let message = text.rfind(" at line ").map_or(text.as_str(), |i| &text[..i]);
    let what = if err.is_eof() {
        "the JSON ends too early (truncated?)"
    } else {
        what
    };
    Error::Invalid(format!(
        "{what}: {message} (line {}, column {})",
        err.line(),
        err.column()
    ))
    .at(file)
}

/// An account-wide resource in ctrlmap's spelling: `aws-account:111122223333`.
fn account_resource(account: &str) -> String {
    format!("aws-account:{account}")
}

/// The requirements a finding names, sorted into SP 800-53 rev 5 controls and the rest.
#[derive(Debug, Default, Clone)]
struct Requirements {
    controls: Vec<ControlRef>,
    others: Vec<String>,
}

impl Requirements {
    /// `raw` as a control if it reads as one (named via `via`), else kept as written.
    fn control_or_other(&mut self, raw: &str, via: &str) {
        match ids::sp800_53(raw) {
            Some(id) => self.control(raw, id, via),
            None => self.other(raw.trim()),
        }
    }

    fn control(&mut self, raw: &str, id: ids::ControlId, via: &str) {
        if !self.controls.iter().any(|c| c.id == id) {
            self.controls.push(ControlRef {
                raw: raw.trim().to_string(),
                id,
                via: via.to_string(),
            });
        }
    }

    /// A requirement of another framework or revision, kept as written (blank ones are dropped).
    fn other(&mut self, raw: &str) {
        if !raw.is_empty() && !self.others.iter().any(|o| o == raw) {
            self.others.push(raw.to_string());
        }
    }
}

/// A text field that is present and not blank.
fn present(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}
