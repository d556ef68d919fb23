//! Check maps: which SP 800-53 rev 5 controls a scanner's check ids stand for, read from
//! Prowler's framework JSON (`Requirements[].Id` + `Checks[]`) or a CSV of your own
//! (`check,control,relationship,rationale`).
//!
//! Prowler says a check is evidence for a requirement, not how much of it the check covers, so
//! its rows are `related`; a CSV row with an empty relationship is `related` too (it claims no
//! coverage: write `subset` or `equal` when you mean it). One row per (check, control): a check
//! listed under several statement parts of one control (`ac_2_3_a`, `ac_2_3_b`) keeps the first
//! part and counts the rest as duplicates.

use std::collections::HashSet;

use serde::Deserialize;

use super::ids;
use crate::error::{Error, Result};
use crate::model::mapping::Relationship;

/// A check map as read from one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckMap {
    /// The framework the file names (Prowler's `Framework`), if any.
    pub framework: Option<String>,
    /// One row per (check, control).
    pub rows: Vec<CheckMapRow>,
    /// Check entries marked "NOT IMPLEMENTED", skipped.
    pub skipped_not_implemented: usize,
    /// Requirements (with all their checks) that name another framework or revision, skipped.
    pub skipped_other_framework: usize,
    /// Rows left out because the same check was already mapped to the same control (another
    /// statement part of it, or a repeated entry).
    pub duplicates: usize,
}

/// One check mapped to one control.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckMapRow {
    /// Where in the file: `$.Requirements[3].Checks[1]`, `line 4`.
    pub locator: String,
    /// The scanner's check id.
    pub check: String,
    /// The control id as the file writes it.
    pub raw: String,
    /// The catalogue's control.
    pub id: ids::ControlId,
    /// How the check relates to the control.
    pub relationship: Relationship,
    /// Why (from the file, or the requirement's name).
    pub rationale: String,
}

/// Reads a check map from `bytes` (the contents of `file`), telling JSON from CSV by content.
pub fn read(file: &str, bytes: &[u8]) -> Result<CheckMap> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => read_prowler(file, bytes),
        Some(b'[') => Err(Error::Invalid(
            "a JSON array is not a check map: expected Prowler's framework JSON (an object with Requirements) or a CSV check,control,relationship,rationale".into(),
        )
        .at(file)),
        Some(_) => read_csv(file, bytes),
        None => Err(Error::Invalid("the file is empty".into()).at(file)),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Framework {
    framework: Option<String>,
    requirements: Vec<Requirement>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Requirement {
    id: Option<String>,
    name: Option<String>,
    #[serde(default)]
    checks: Vec<String>,
}

/// Collects rows, one per (check, control).
struct Builder {
    map: CheckMap,
    seen: HashSet<(String, String)>,
}

impl Builder {
    fn new(framework: Option<String>) -> Builder {
        Builder {
            map: CheckMap {
                framework,
                rows: Vec::new(),
                skipped_not_implemented: 0,
                skipped_other_framework: 0,
                duplicates: 0,
            },
            seen: HashSet::new(),
        }
    }

    /// Adds a row unless the check is "NOT IMPLEMENTED" (counted) or already mapped there.
    fn add(&mut self, row: CheckMapRow) {
        if row.check.to_ascii_lowercase().contains("not implemented") {
            self.map.skipped_not_implemented += 1;
        } else if self.seen.insert((row.check.clone(), row.id.control.clone())) {
            self.map.rows.push(row);
        } else {
            self.map.duplicates += 1;
        }
    }
}

fn read_prowler(file: &str, bytes: &[u8]) -> Result<CheckMap> {
    let framework: Framework =
        serde_json::from_slice(bytes).map_err(|e| super::json_error(file, &e, "not a Prowler framework file"))?;
    let name = framework.framework.as_deref().map(str::trim).unwrap_or("");
    if !is_rev5_framework(name) {
        return Err(bad(
            file,
            "$.Framework",
            format!(
                "framework \"{}\" is not NIST SP 800-53 revision 5: only its requirement ids are controls of the catalogue",
                crate::error::shorten(name)
            ),
        ));
    }
    let mut builder = Builder::new(Some(name.to_string()));
    for (i, requirement) in framework.requirements.iter().enumerate() {
        let at = format!("$.Requirements[{i}]");
        let raw = requirement
            .id
            .as_deref()
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .ok_or_else(|| bad(file, &at, "no Id"))?;
        let id = match ids::read(raw) {
            ids::Reading::Control(id) => id,
            _ if ids::names_another_framework(raw) => {
                builder.map.skipped_other_framework += 1;
                continue;
            }
            _ => {
                return Err(bad(
                    file,
                    &format!("{at}.Id"),
                    format!(
                        "\"{}\" is not an SP 800-53 rev 5 control id",
                        crate::error::shorten(raw)
                    ),
                ));
            }
        };
        let rationale = match requirement.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            Some(title) => format!("{name} requirement {raw}: {title}"),
            None => format!("{name} requirement {raw}"),
        };
        for (j, check) in requirement.checks.iter().enumerate() {
            let check = check.trim();
            if check.is_empty() {
                continue;
            }
            builder.add(CheckMapRow {
                locator: format!("{at}.Checks[{j}]"),
                check: check.to_string(),
                raw: raw.to_string(),
                id: id.clone(),
                relationship: Relationship::Related,
                rationale: rationale.clone(),
            });
        }
    }
    Ok(builder.map)
}

/// `NIST-800-53-Revision-5`, `NIST SP 800-53 Rev 5`, ...
fn is_rev5_framework(name: &str) -> bool {
    let compact: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    compact.contains("80053")
        && (compact.ends_with("revision5") || compact.ends_with("rev5") || compact.ends_with("r5"))
}

fn read_csv(file: &str, bytes: &[u8]) -> Result<CheckMap> {
    let mut input = bytes;
    let mut reader = csv::ReaderBuilder::new().from_reader(super::prowler_csv::UnixLines::new(&mut input));
    let header = reader.headers().map_err(|e| csv_error(file, &e))?.clone();
    let names: Vec<String> = header.iter().map(|h| h.trim().to_ascii_lowercase()).collect();
    if names.len() == 1 && (names[0].contains(';') || names[0].contains('\t')) {
        return Err(bad(
            file,
            "line 1",
            "the header is not separated by ',' (expected check,control,relationship,rationale)",
        ));
    }
    let column = |name: &str| names.iter().position(|n| n == name);
    let (Some(check_at), Some(control_at)) = (column("check"), column("control")) else {
        return Err(bad(
            file,
            "line 1",
            format!(
                "expected the header check,control,relationship,rationale, found {}",
                crate::error::shorten(&names.join(","))
            ),
        ));
    };
    let (relationship_at, rationale_at) = (column("relationship"), column("rationale"));
    let mut builder = Builder::new(None);
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record).map_err(|e| csv_error(file, &e))? {
        let line = format!("line {}", record.position().map_or(0, |p| p.line()));
        let get = |at: Option<usize>| at.and_then(|i| record.get(i)).map(str::trim).unwrap_or("");
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let check = get(Some(check_at));
        if check.is_empty() {
            return Err(bad(file, &format!("{line}, column \"check\""), "no check id"));
        }
        let raw = get(Some(control_at));
        let Some(id) = ids::sp800_53(raw) else {
            let why = if raw.is_empty() {
                "no control".to_string()
            } else {
                format!(
                    "\"{}\" is not an SP 800-53 rev 5 control id",
                    crate::error::shorten(raw)
                )
            };
            return Err(bad(file, &format!("{line}, column \"control\""), why));
        };
        let word = get(relationship_at);
        let relationship = if word.is_empty() {
            Relationship::Related
        } else {
            word.parse::<Relationship>()
                .ok()
                .or_else(|| Relationship::from_oscal(word, None))
                .ok_or_else(|| {
                    let expected = Relationship::ALL
                        .iter()
                        .map(|r| r.as_str())
                        .collect::<Vec<_>>()
                        .join(", ");
                    bad(
                        file,
                        &format!("{line}, column \"relationship\""),
                        format!(
                            "unknown relationship \"{}\": expected {expected} (or empty: related)",
                            crate::error::shorten(word)
                        ),
                    )
                })?
        };
        builder.add(CheckMapRow {
            locator: line,
            check: check.to_string(),
            raw: raw.to_string(),
            id,
            relationship,
            rationale: get(rationale_at).to_string(),
        });
    }
    Ok(builder.map)
}

fn csv_error(file: &str, err: &csv::Error) -> Error {
    let place = err.position().map(|p| format!("line {}", p.line())).unwrap_or_default();
    let message = match err.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("{len} fields where the header has {expected_len}")
        }
        csv::ErrorKind::Utf8 { .. } => "not UTF-8 text".to_string(),
        _ => err.to_string(),
    };
    bad(file, &place, message)
}

/// An error about one place in `file`.
fn bad(file: &str, locator: &str, message: impl Into<String>) -> Error {
    super::bad(file, locator, message)
}

#[cfg(test)]
mod tests;
