//! Prowler's semicolon-separated CSV, read one row at a time: the findings CSV (`CHECK_ID`,
//! `STATUS`, `RESOURCE_UID`, `COMPLIANCE`, ...; Prowler 3's column names too) and a framework's
//! compliance CSV (`REQUIREMENTS_ID`, `STATUS`, `RESOURCEID`, `CHECKID`, ...), told apart by the
//! header. A time without a zone (Prowler writes `2025-02-14 14:27:03.913874`) is taken as UTC.

use std::io::BufRead;

use super::ocsf::NIST_KEY;
use super::{Finding, ObsStatus, Requirements, Tool, bad, ids, present, times};
use crate::error::{Error, Result};

/// The columns of the findings CSV (first name is Prowler 4/5's, the rest older spellings).
const CHECK: &[&str] = &["CHECK_ID"];
const STATUS: &[&str] = &["STATUS"];
const RESOURCE: &[&str] = &["RESOURCE_UID", "RESOURCE_ARN", "RESOURCE_ID"];
const TIME: &[&str] = &["TIMESTAMP", "ASSESSMENT_START_TIME"];
const FINDING: &[&str] = &["FINDING_UID", "FINDING_UNIQUE_ID"];
const ACCOUNT: &[&str] = &["ACCOUNT_UID", "ACCOUNT_ID"];
const REGION: &[&str] = &["REGION"];
const COMPLIANCE: &[&str] = &["COMPLIANCE"];
const TITLE: &[&str] = &["CHECK_TITLE"];
const MUTED: &[&str] = &["MUTED"];
const VERSION: &[&str] = &["PROWLER_VERSION"];

/// The columns of a framework's compliance CSV (accounts and regions are named per cloud).
const REQUIREMENT: &[&str] = &["REQUIREMENTS_ID"];
const C_RESOURCE: &[&str] = &["RESOURCEID"];
const C_CHECK: &[&str] = &["CHECKID"];
const C_TIME: &[&str] = &["ASSESSMENTDATE"];
const C_ACCOUNT: &[&str] = &["ACCOUNTID", "SUBSCRIPTIONID", "PROJECTID", "TENANTID"];
const C_REGION: &[&str] = &["REGION", "LOCATION"];
const FRAMEWORK: &[&str] = &["FRAMEWORK"];
const C_TITLE: &[&str] = &["REQUIREMENTS_DESCRIPTION"];

/// Which CSV this is, with the position of each column it reads.
enum Layout {
    Findings(FindingColumns),
    Compliance(ComplianceColumns),
}

struct FindingColumns {
    check: usize,
    status: usize,
    resource: (usize, &'static str),
    time: (usize, &'static str),
    finding: (usize, &'static str),
    account: Option<usize>,
    region: Option<usize>,
    compliance: Option<usize>,
    title: Option<usize>,
    muted: Option<usize>,
    version: Option<usize>,
}

struct ComplianceColumns {
    requirement: usize,
    status: usize,
    resource: usize,
    check: usize,
    time: usize,
    account: Option<usize>,
    region: Option<usize>,
    framework: Option<usize>,
    title: Option<usize>,
    muted: Option<usize>,
}

/// Reads a Prowler CSV from `input`, one row (one resource) per finding handed to `each`.
pub(super) fn read(file: &str, input: &mut dyn BufRead, each: &mut dyn FnMut(Finding) -> Result<()>) -> Result<Tool> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(UnixLines::new(input));
    let header = reader.headers().map_err(|e| csv_error(file, &e))?.clone();
    let layout = layout(file, &header)?;
    let mut tool = Tool {
        name: Some("Prowler".to_string()),
        version: None,
    };
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record).map_err(|e| csv_error(file, &e))? {
        let line = record.position().map_or(0, |p| p.line());
        let locator = format!("line {line}");
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        let finding = match &layout {
            Layout::Findings(columns) => {
                if tool.version.is_none() {
                    tool.version = cell(&record, columns.version).map(str::to_string);
                }
                finding(&record, columns, &locator)
            }
            Layout::Compliance(columns) => requirement_row(&record, columns, &locator),
        }
        .map_err(|message| bad(file, &locator, message))?;
        each(finding)?;
    }
    Ok(tool)
}

/// The layout the header shows; a header of the wrong shape is refused naming what is missing.
fn layout(file: &str, header: &csv::StringRecord) -> Result<Layout> {
    let names: Vec<String> = header.iter().map(|h| h.trim().to_ascii_uppercase()).collect();
    if names.iter().all(|n| n.is_empty()) {
        return Err(bad(file, "", "no header: the file is empty"));
    }
    if names.len() == 1 && (names[0].contains(',') || names[0].contains('\t')) {
        return Err(bad(
            file,
            "line 1",
            "the header is not separated by ';' (Prowler writes semicolon-separated CSV; was it re-saved with commas?)",
        ));
    }
    let find = |wanted: &[&'static str]| {
        wanted
            .iter()
            .find_map(|w| names.iter().position(|n| n == w).map(|i| (i, *w)))
    };
    let need = |wanted: &[&'static str]| {
        find(wanted).ok_or_else(|| {
            bad(
                file,
                "line 1",
                format!("no column {} in the header: not a Prowler CSV", wanted.join(" or ")),
            )
        })
    };
    let optional = |wanted: &[&'static str]| find(wanted).map(|(i, _)| i);
    if find(REQUIREMENT).is_some() {
        return Ok(Layout::Compliance(ComplianceColumns {
            requirement: need(REQUIREMENT)?.0,
            status: need(STATUS)?.0,
            resource: need(C_RESOURCE)?.0,
            check: need(C_CHECK)?.0,
            time: need(C_TIME)?.0,
            account: optional(C_ACCOUNT),
            region: optional(C_REGION),
            framework: optional(FRAMEWORK),
            title: optional(C_TITLE),
            muted: optional(MUTED),
        }));
    }
    Ok(Layout::Findings(FindingColumns {
        check: need(CHECK)?.0,
        status: need(STATUS)?.0,
        resource: need(RESOURCE)?,
        time: need(TIME)?,
        finding: need(FINDING)?,
        account: optional(ACCOUNT),
        region: optional(REGION),
        compliance: optional(COMPLIANCE),
        title: optional(TITLE),
        muted: optional(MUTED),
        version: optional(VERSION),
    }))
}

fn cell(record: &csv::StringRecord, column: Option<usize>) -> Option<&str> {
    present(record.get(column?))
}

fn required<'r>(record: &'r csv::StringRecord, column: usize, what: &str) -> Result<&'r str, String> {
    cell(record, Some(column)).ok_or_else(|| format!("no {what}"))
}

fn finding(record: &csv::StringRecord, columns: &FindingColumns, locator: &str) -> Result<Finding, String> {
    let finding_id = required(
        record,
        columns.finding.0,
        &format!("finding id ({})", columns.finding.1),
    )?;
    let check_id = required(record, columns.check, "check id (CHECK_ID)")?;
    let resource = required(
        record,
        columns.resource.0,
        &format!("resource ({})", columns.resource.1),
    )?;
    let (status, source_status) = status(record, columns.status, columns.muted)?;
    let time = required(record, columns.time.0, &format!("time ({})", columns.time.1))?;
    let observed_at = times::parse(time).map_err(|e| format!("{}: {e}", columns.time.1))?;
    let requirements = compliance(cell(record, columns.compliance).unwrap_or(""));
    Ok(Finding {
        locator: locator.to_string(),
        finding_id: finding_id.to_string(),
        check_id: check_id.to_string(),
        title: cell(record, columns.title).unwrap_or(check_id).to_string(),
        resource: resource.to_string(),
        account: cell(record, columns.account).map(str::to_string),
        region: cell(record, columns.region).map(str::to_string),
        status,
        source_status,
        observed_at,
        controls: requirements.controls,
        other_requirements: requirements.others,
    })
}

fn requirement_row(record: &csv::StringRecord, columns: &ComplianceColumns, locator: &str) -> Result<Finding, String> {
    let requirement = required(record, columns.requirement, "requirement id (REQUIREMENTS_ID)")?;
    let check_id = required(record, columns.check, "check id (CHECKID)")?;
    let resource = required(record, columns.resource, "resource (RESOURCEID)")?;
    let (status, source_status) = status(record, columns.status, columns.muted)?;
    let time = required(record, columns.time, "time (ASSESSMENTDATE)")?;
    let observed_at = times::parse(time).map_err(|e| format!("ASSESSMENTDATE: {e}"))?;
    let framework = cell(record, columns.framework).unwrap_or("");
    let mut requirements = Requirements::default();
    match ids::sp800_53(requirement).filter(|_| framework.eq_ignore_ascii_case(NIST_KEY)) {
        Some(id) => requirements.control(requirement, id, "REQUIREMENTS_ID"),
        None => requirements.other(format!("{framework} {requirement}").trim()),
    }
    Ok(Finding {
        locator: locator.to_string(),
        // The compliance CSV has no finding id: a row is one requirement, check and resource.
        finding_id: format!("{framework}/{requirement}/{check_id}/{resource}"),
        check_id: check_id.to_string(),
        title: cell(record, columns.title).unwrap_or(requirement).to_string(),
        resource: resource.to_string(),
        account: cell(record, columns.account).map(str::to_string),
        region: cell(record, columns.region).map(str::to_string),
        status,
        source_status,
        observed_at,
        controls: requirements.controls,
        other_requirements: requirements.others,
    })
}

/// `STATUS` PASS / FAIL / MANUAL; a muted row keeps its result and says so.
fn status(record: &csv::StringRecord, column: usize, muted: Option<usize>) -> Result<(ObsStatus, String), String> {
    let word = required(record, column, "status (STATUS)")?;
    let status = match word.to_ascii_uppercase().as_str() {
        "PASS" => ObsStatus::Passed,
        "FAIL" => ObsStatus::Failed,
        // Prowler 3's INFO became MANUAL in Prowler 4.
        "MANUAL" | "INFO" => ObsStatus::Manual,
        _ => {
            return Err(format!(
                "unknown STATUS \"{}\": expected PASS, FAIL, MANUAL or INFO",
                crate::error::shorten(word)
            ));
        }
    };
    let mut words = word.to_string();
    if cell(record, muted).is_some_and(|m| m.eq_ignore_ascii_case("true")) {
        words.push_str(", muted");
    }
    Ok((status, words))
}

/// The `COMPLIANCE` cell: `CIS-1.4: 1.20 | NIST-800-53-Revision-5: ac_2_1, ac_3` (` | ` between
/// frameworks, `, ` between ids). Ids under Prowler's rev 5 key are controls; the rest are kept
/// as `<framework> <id>`.
fn compliance(text: &str) -> Requirements {
    let mut found = Requirements::default();
    for entry in text.split('|') {
        let Some((key, listed)) = entry.split_once(':') else {
            found.other(entry.trim());
            continue;
        };
        let key = key.trim();
        for id in listed.split(',').map(str::trim).filter(|id| !id.is_empty()) {
            match ids::sp800_53(id).filter(|_| key.eq_ignore_ascii_case(NIST_KEY)) {
                Some(control) => found.control(id, control, "COMPLIANCE"),
                None => found.other(&format!("{key} {id}")),
            }
        }
    }
    found
}

/// A reader that turns CRLF line ends into LF: the csv crate counts the lines of CRLF files one
/// short after the header, and a message must name the right line (Prowler writes CRLF).
pub(super) struct UnixLines<'a> {
    inner: &'a mut dyn BufRead,
    /// A CR that ended the last buffer: dropped if a LF follows.
    pending_cr: bool,
}

impl<'a> UnixLines<'a> {
    pub(super) fn new(inner: &'a mut dyn BufRead) -> UnixLines<'a> {
        UnixLines {
            inner,
            pending_cr: false,
        }
    }
}

impl std::io::Read for UnixLines<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            let available = self.inner.fill_buf()?;
            if self.pending_cr {
                self.pending_cr = false;
                if available.first() != Some(&b'\n') {
                    buf[0] = b'\r';
                    return Ok(1);
                }
            }
            if available.is_empty() {
                return Ok(0);
            }
            let n = available.len().min(buf.len());
            let mut out = 0;
            for i in 0..n {
                let b = available[i];
                if b == b'\r' {
                    match available.get(i + 1) {
                        Some(b'\n') => continue,
                        Some(_) => {}
                        None => {
                            self.pending_cr = true;
                            continue;
                        }
                    }
                }
                buf[out] = b;
                out += 1;
            }
            self.inner.consume(n);
            if out > 0 {
                return Ok(out);
            }
        }
    }
}

/// A CSV error as one line naming the file and line.
fn csv_error(file: &str, err: &csv::Error) -> Error {
    let line = err.position().map(|p| p.line());
    let place = line.map(|l| format!("line {l}")).unwrap_or_default();
    let message = match err.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => format!(
            "{len} fields where the header has {expected_len} (is the row cut short, or separated by something other than ';'?)"
        ),
        csv::ErrorKind::Utf8 { .. } => "not UTF-8 text".to_string(),
        csv::ErrorKind::Io(e) => return Error::io(file, std::io::Error::new(e.kind(), e.to_string())),
        _ => err.to_string(),
    };
    bad(file, &place, message)
}

#[cfg(test)]
mod tests;
