//! Azure's workbooks: a service's security baseline (sheets `Security Profile` and `Feature
//! Summary`: per feature and benchmark control, Customer / Microsoft / Shared), and the Microsoft
//! cloud security benchmark (one sheet per domain: each control with its NIST SP 800-53 rev4 ids).
//! Cells are read as text whether stored inline or in the shared-strings table.

use std::collections::HashSet;
use std::io::Cursor;

use calamine::{Data, Range, Reader, Xlsx};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{Document, Read, Statement, checked};
use crate::error::{Error, Result};
use crate::model::provider::{DocumentKind, StatementKind};
use crate::text::Kind;

const PROFILE: &str = "Security Profile";
const FEATURES: &str = "Feature Summary";
const PROFILE_HEADERS: [&str; 3] = ["Behavior Attribute", "Description", "Value"];
const FEATURE_HEADERS: [&str; 12] = [
    "Control Domain",
    "ASB Control ID",
    "ASB Control Title",
    "Guidance",
    "Responsibility",
    "Feature Name",
    "Feature Description",
    "Feature Supported",
    "Feature Enabled by Default",
    "Feature Reference",
    "Feature Notes",
    "Guidance Notes",
];
const NIST_HEADER: &str = "NIST SP800-53 r4 ID(s)";

/// The benchmark workbook's controls: the crosswalk a baseline's statements travel through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Benchmark {
    /// Its controls, in workbook order.
    pub controls: Vec<BenchmarkControl>,
}

/// One benchmark control and the SP 800-53 rev4 controls the workbook maps it to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenchmarkControl {
    /// `NS-1`.
    pub id: String,
    /// The recommendation (title).
    pub title: String,
    /// The control domain (sheet).
    pub domain: String,
    /// The security principle (statement).
    pub principle: String,
    /// SP 800-53 rev4 ids with their rev4 titles: (`AC-4`, `INFORMATION FLOW ENFORCEMENT`).
    pub nist_rev4: Vec<(String, String)>,
    /// Sheet and row.
    pub at: String,
}

/// Reads a workbook: a baseline or the benchmark, told apart by their sheets.
pub(super) fn read(source: &str, bytes: &[u8]) -> Result<Read> {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec()))
        .map_err(|e| Error::Invalid(format!("{source}: not a readable xlsx workbook: {e}")))?;
    let names = book.sheet_names();
    if names.iter().any(|n| n == "Readme") && names.iter().any(|n| n == "Network Security") {
        return benchmark(source, &mut book, &names).map(Read::Benchmark);
    }
    for name in &names {
        if name != PROFILE && name != FEATURES {
            return Err(Error::Invalid(format!(
                "{source}: sheet \"{name}\": not a sheet of an Azure security baseline (expected \"{PROFILE}\" and \"{FEATURES}\") or of the Microsoft cloud security benchmark"
            )));
        }
    }
    for wanted in [PROFILE, FEATURES] {
        if !names.iter().any(|n| n == wanted) {
            return Err(Error::Invalid(format!(
                "{source}: sheet \"{wanted}\" is missing: not an Azure security baseline (v3 layout)"
            )));
        }
    }
    let profile = sheet(source, &mut book, PROFILE)?;
    headers(source, PROFILE, &profile, &PROFILE_HEADERS)?;
    let features = sheet(source, &mut book, FEATURES)?;
    headers(source, FEATURES, &features, &FEATURE_HEADERS)?;
    baseline(source, bytes, &features).map(Read::Document)
}

fn sheet(source: &str, book: &mut Xlsx<Cursor<Vec<u8>>>, name: &str) -> Result<Range<Data>> {
    book.worksheet_range(name)
        .map_err(|e| Error::Invalid(format!("{source}: sheet \"{name}\": cannot be read: {e}")))
}

/// The text of a cell (row and column from 0, absolute), trimmed; empty when there is none.
fn cell(range: &Range<Data>, row: u32, col: u32) -> String {
    match range.get_value((row, col)) {
        None | Some(Data::Empty) => String::new(),
        Some(Data::String(s)) => s.trim().to_string(),
        Some(other) => other.to_string().trim().to_string(),
    }
}

fn last_row(range: &Range<Data>) -> u32 {
    range.end().map_or(0, |(r, _)| r)
}

fn column_letter(col: u32) -> String {
    let mut n = col + 1;
    let mut s = String::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        s.insert(0, char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    s
}

fn headers(source: &str, name: &str, range: &Range<Data>, expected: &[&str]) -> Result<()> {
    for (col, want) in expected.iter().enumerate() {
        let found = cell(range, 0, col as u32);
        if !found.eq_ignore_ascii_case(want) {
            return Err(Error::Invalid(format!(
                "{source}: sheet \"{name}\" row 1 column {}: expected header \"{want}\", found \"{found}\"",
                column_letter(col as u32)
            )));
        }
    }
    Ok(())
}

/// A statement uuid for a workbook row: the same file and row always give the same uuid.
fn row_uuid(sha256: &str, row: u32, kind: StatementKind) -> String {
    let key = format!("ctrlmap:azure-baseline:{sha256}:{row}:{kind}");
    Uuid::new_v5(&Uuid::NAMESPACE_URL, key.as_bytes()).to_string()
}

fn baseline(source: &str, bytes: &[u8], features: &Range<Data>) -> Result<Document> {
    let sha: String = Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect();
    let mut statements = Vec::new();
    let mut skipped = 0;
    let mut seen = HashSet::new();
    for row in 1..=last_row(features) {
        let at = format!("sheet \"{FEATURES}\" row {}", row + 1);
        let text = |col: u32, kind: Kind| checked(source, &at, &cell(features, row, col), kind);
        let control = text(1, Kind::Name)?;
        let responsibility = text(4, Kind::Name)?;
        let feature = text(5, Kind::Line)?;
        if control.is_empty() && responsibility.is_empty() && feature.is_empty() {
            continue;
        }
        let kinds: &[StatementKind] = match responsibility.to_ascii_lowercase().as_str() {
            "microsoft" => &[StatementKind::Provided],
            "customer" => &[StatementKind::Responsibility],
            "shared" => &[StatementKind::Provided, StatementKind::Responsibility],
            "not applicable" => &[],
            _ => {
                return Err(Error::Invalid(format!(
                    "{source}: {at} column E: responsibility \"{responsibility}\": expected Customer, Microsoft, Shared or Not Applicable"
                )));
            }
        };
        // Rows without a control id (the literal `None`) name no control to carry a statement.
        if kinds.is_empty() || control.is_empty() || control.eq_ignore_ascii_case("none") {
            skipped += 1;
            continue;
        }
        let well_formed = control.split_once('-').is_some_and(|(a, n)| {
            a.len() == 2 && a.bytes().all(|b| b.is_ascii_uppercase()) && n.parse::<u32>().is_ok()
        });
        if !well_formed {
            return Err(Error::Invalid(format!(
                "{source}: {at} column B: \"{control}\" is not a benchmark control id (like NS-1)"
            )));
        }
        // The same (control, feature, responsibility) twice says nothing new.
        if !seen.insert((control.clone(), feature.to_lowercase(), responsibility.to_lowercase())) {
            skipped += 1;
            continue;
        }
        let guidance = text(3, Kind::Prose)?;
        let described = text(6, Kind::Prose)?;
        let provided_uuid = row_uuid(&sha, row + 1, StatementKind::Provided);
        for &kind in kinds {
            let (uuid, link, description) = match kind {
                StatementKind::Provided => (provided_uuid.clone(), None, described.clone()),
                StatementKind::Responsibility => (
                    row_uuid(&sha, row + 1, kind),
                    (kinds.len() == 2).then(|| provided_uuid.clone()),
                    guidance.clone(),
                ),
            };
            let description = if description.is_empty() || description.eq_ignore_ascii_case("none") {
                format!("{feature} ({responsibility})")
            } else {
                format!("{feature}: {description}")
            };
            statements.push(Statement {
                control: control.clone(),
                kind,
                uuid,
                provided_uuid: link,
                description,
                component: feature.clone(),
                roles: String::new(),
                state: String::new(),
                partial: false,
                at: at.clone(),
            });
        }
    }
    let title = std::path::Path::new(source)
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| source.to_string());
    Ok(Document {
        kind: DocumentKind::AzureBaseline,
        title: checked(source, "file name", &title, Kind::Line)?,
        uuid: String::new(),
        version: "3.0".to_string(),
        statements,
        skipped,
    })
}

fn benchmark(source: &str, book: &mut Xlsx<Cursor<Vec<u8>>>, names: &[String]) -> Result<Benchmark> {
    let mut controls = Vec::new();
    for name in names.iter().filter(|n| *n != "Readme") {
        let range = sheet(source, book, name)?;
        let width = range.end().map_or(0, |(_, c)| c);
        let find = |header: &str| (0..=width).find(|&c| cell(&range, 0, c).eq_ignore_ascii_case(header));
        let missing =
            |header: &str| Error::Invalid(format!("{source}: sheet \"{name}\" row 1: no column \"{header}\""));
        let id_col = find("ID").ok_or_else(|| missing("ID"))?;
        let nist_col = find(NIST_HEADER).ok_or_else(|| missing(NIST_HEADER))?;
        let title_col = find("Recommendation").ok_or_else(|| missing("Recommendation"))?;
        let principle_col = find("Security Principle");
        for row in 1..=last_row(&range) {
            let at = format!("sheet \"{name}\" row {}", row + 1);
            let id = cell(&range, row, id_col);
            if id.is_empty() {
                continue;
            }
            let id = checked(source, &at, &id, Kind::Name)?;
            let title = checked(source, &at, &cell(&range, row, title_col), Kind::Line)?;
            let principle = match principle_col {
                Some(c) => checked(source, &at, &cell(&range, row, c), Kind::Prose)?,
                None => String::new(),
            };
            let mut nist_rev4 = Vec::new();
            for line in cell(&range, row, nist_col).lines() {
                let line = line.trim();
                if let Some(found) = nist_id(line) {
                    let rest = line[found.len()..].trim_start_matches([':', ' ', '\t']).trim();
                    nist_rev4.push((found.to_string(), checked(source, &at, rest, Kind::Line)?));
                }
            }
            controls.push(BenchmarkControl {
                id,
                title,
                domain: name.clone(),
                principle,
                nist_rev4,
                at,
            });
        }
    }
    if controls.is_empty() {
        return Err(Error::Invalid(format!("{source}: no benchmark controls found")));
    }
    Ok(Benchmark { controls })
}

/// The `AC-4` at the start of `AC-4: INFORMATION FLOW ENFORCEMENT`, if any.
fn nist_id(line: &str) -> Option<&str> {
    let bytes = line.as_bytes();
    if bytes.len() < 4 || !bytes[0].is_ascii_uppercase() || !bytes[1].is_ascii_uppercase() || bytes[2] != b'-' {
        return None;
    }
    let digits = bytes[3..].iter().take_while(|b| b.is_ascii_digit()).count();
    (digits > 0).then(|| &line[..3 + digits])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nist_ids_at_line_start() {
        assert_eq!(nist_id("AC-4: INFORMATION FLOW ENFORCEMENT"), Some("AC-4"));
        assert_eq!(nist_id("SC-2 APPLICATION PARTITIONING"), Some("SC-2"));
        assert_eq!(nist_id("PM-13: INFORMATION SECURITY WORKFORCE\t"), Some("PM-13"));
        assert_eq!(nist_id("N/A"), None);
        assert_eq!(nist_id(""), None);
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(27), "AB");
    }
}
