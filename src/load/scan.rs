//! Storing a scanner's results: one evidence item of kind `scan` for the file, one scan row, and
//! an observation per (check, resource, control), each mapped to a control (by the finding itself,
//! else by a check map) and to a service (by the services' resource patterns), in the caller's
//! write transaction. Findings stream in from [`crate::scan::read`]; nothing holds the whole file.

use std::collections::HashMap;
use std::io::BufRead;

use serde::Serialize;
use serde_json::json;

use crate::db::evidence::{self as evidence_db, Evidence};
use crate::db::scans::{self, Counts, NewObservation, NewScan};
use crate::db::{Writer, catalogs, check_maps, resources};
use crate::error::{Error, Result};
use crate::model::evidence::{Day, EvidenceKind, ReviewStatus};
use crate::model::observation::ObsStatus;
use crate::model::resource::Owners;
use crate::scan::{self, Finding, Format};
use crate::text::{Kind, problem};

/// What to import.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// The file as named on the command line (messages, the evidence's original name).
    pub source: &'a str,
    /// The file's name alone.
    pub original_name: &'a str,
    /// The stored copy's SHA-256 and size.
    pub sha256: &'a str,
    /// Its size in bytes.
    pub size: u64,
    /// Its format (detected before).
    pub format: Format,
    /// The catalogue to map controls in.
    pub catalog: &'a str,
    /// The collection day, overriding the scan's own date.
    pub collected: Option<Day>,
    /// `--expires`: a date or a span from the collection day.
    pub expires: Option<&'a str>,
    /// Today, when neither the scan nor `--collected` gives a day.
    pub today: Day,
}

/// What an import stored, for the summary it prints.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Imported {
    /// The scan's number.
    pub scan: i64,
    /// Its evidence item.
    pub evidence: i64,
    /// The scanner.
    pub tool: String,
    /// The format read.
    pub format: String,
    /// When it scanned.
    pub scanned_at: String,
    /// The evidence's collection day.
    pub collected: String,
    /// Its expiry.
    pub valid_until: Option<String>,
    /// Findings by status, and what could not be mapped.
    #[serde(flatten)]
    pub counts: Counts,
    /// Observation rows stored.
    pub observations: i64,
    /// Distinct controls observed.
    pub controls: usize,
    /// Distinct services observed.
    pub services: usize,
    /// Findings mapped through a check map.
    pub via_check_map: i64,
    /// Control ids named by findings that the catalogue lacks, as written (first few).
    pub not_in_catalog: Vec<String>,
    /// Older observations this scan superseded.
    pub superseded: usize,
}

/// Reads `input` (the stored copy) and stores the scan; refuses the whole file at its first bad
/// finding, naming the file and the finding.
pub fn import(w: &Writer<'_>, req: &Request<'_>, input: &mut dyn BufRead) -> Result<Imported> {
    let (catalog_id, _) = catalogs::get(w, req.catalog).map_err(|e| e.at("--catalog"))?;
    let controls: HashMap<String, i64> = catalogs::control_ids(w, catalog_id)?
        .into_iter()
        .map(|(id, key)| (key.to_uppercase(), id))
        .collect();
    let check_map = check_maps::for_catalog(w, catalog_id)?;
    let owners = Owners::new(resources::owners(w)?);
    let placeholder = req.collected.unwrap_or(req.today);
    let evidence = evidence_db::insert(
        w,
        &Evidence {
            id: 0,
            kind: EvidenceKind::Scan,
            title: format!("{} scan {}", req.format, crate::text::one_line(req.original_name)),
            sha256: Some(req.sha256.to_string()),
            size: Some(i64::try_from(req.size).unwrap_or(i64::MAX)),
            media_type: Some(crate::evidence::media_type(req.original_name).to_string()),
            original_name: Some(req.original_name.to_string()),
            url: None,
            note: String::new(),
            collected_on: placeholder,
            valid_until: None,
            submitted_by: w.actor().to_string(),
            submitted_at: crate::support::clock::now_rfc3339(),
            status: ReviewStatus::Pending,
        },
    )?;
    let scan = scans::insert(
        w,
        &NewScan {
            evidence_id: evidence,
            catalog_id,
            sha256: req.sha256,
            tool: "unknown",
            tool_version: None,
            format: req.format.as_str(),
            scanned_at: "",
        },
    )?;
    let mut out = Imported {
        scan,
        evidence,
        format: req.format.to_string(),
        ..Imported::default()
    };
    let mut seen_controls: std::collections::HashSet<i64> = std::collections::HashSet::new();
    let mut seen_services: std::collections::HashSet<i64> = std::collections::HashSet::new();
    let mut each = |f: Finding| -> Result<()> {
        check_finding(req.source, &f)?;
        let at = || format!("{}, {}", req.source, f.locator);
        let service = owners.owner(&f.resource).map(|(id, _)| id);
        let c = &mut out.counts;
        c.findings += 1;
        match f.status {
            ObsStatus::Passed => c.passed += 1,
            ObsStatus::Failed => c.failed += 1,
            ObsStatus::Manual => c.manual += 1,
            ObsStatus::NotApplicable => c.not_applicable += 1,
            ObsStatus::Error => c.error += 1,
        }
        if service.is_none() {
            c.unmapped_resources += 1;
        }
        let mapped = map_controls(&f, &controls, &check_map, &mut out.not_in_catalog);
        if mapped.is_empty() {
            out.counts.unmapped_controls += 1;
        } else if mapped[0].2.starts_with("check-map:") {
            out.via_check_map += 1;
        }
        let title: String = crate::text::one_line(&f.title)
            .chars()
            .take(crate::text::LINE_MAX)
            .collect();
        let store = |control: Option<i64>, part: Option<&str>, mapping: &str| {
            scans::insert_observation(
                w,
                &NewObservation {
                    scan,
                    check: &f.check_id,
                    finding_id: &f.finding_id,
                    title: &title,
                    resource: &f.resource,
                    service_id: service,
                    control_id: control,
                    part,
                    status: f.status.as_str(),
                    source_status: &f.source_status,
                    observed_at: &f.observed_at,
                    mapping,
                },
            )
            .map_err(|e| e.at(at()))
        };
        if mapped.is_empty() {
            store(None, None, "unmapped")?;
            out.observations += 1;
        }
        for (control, part, mapping) in &mapped {
            store(Some(*control), part.as_deref(), mapping)?;
            out.observations += 1;
            seen_controls.insert(*control);
        }
        if let Some(s) = service {
            seen_services.insert(s);
        }
        Ok(())
    };
    let info = scan::read(req.source, input, req.format, &mut each)?;
    out.controls = seen_controls.len();
    out.services = seen_services.len();
    let scanned_at = info.scanned_at.clone().unwrap_or_default();
    let collected = match (req.collected, scan_day(&scanned_at)) {
        (Some(day), _) => day,
        (None, Some(day)) => day,
        (None, None) => req.today,
    };
    let scanned_at = if scanned_at.is_empty() {
        format!("{collected}T00:00:00Z")
    } else {
        scanned_at
    };
    let valid_until = req
        .expires
        .map(|text| {
            crate::model::evidence::parse_expiry(text, collected).map_err(|e| Error::Invalid(format!("--expires: {e}")))
        })
        .transpose()?;
    let tool = clean_line(&info.tool);
    let version = info.tool_version.as_deref().map(clean_line);
    scans::finish(
        w,
        scan,
        &scans::Finish {
            tool: &tool,
            tool_version: version.as_deref(),
            scanned_at: &scanned_at,
            collected,
            valid_until,
            title: &format!("{tool} scan {}", crate::text::one_line(req.original_name)),
        },
        &out.counts,
    )?;
    out.superseded = scans::supersede(w, scan)?;
    out.tool = tool;
    out.scanned_at = scanned_at;
    out.collected = collected.to_string();
    out.valid_until = valid_until.map(|d| d.to_string());
    w.audit(
        "scan.import",
        &format!("scan:{scan}"),
        json!({
            "evidence": evidence,
            "file": req.source,
            "sha256": req.sha256,
            "format": req.format,
            "catalog": req.catalog,
            "findings": out.counts.findings,
            "observations": out.observations,
        }),
    )?;
    Ok(out)
}

/// Refuses a finding whose identifying texts could not be stored or shown safely.
fn check_finding(source: &str, f: &Finding) -> Result<()> {
    for (what, text) in [
        ("finding id", &f.finding_id),
        ("check id", &f.check_id),
        ("resource", &f.resource),
        ("status", &f.source_status),
        ("observed time", &f.observed_at),
    ] {
        if text.trim().is_empty() {
            return Err(Error::Invalid(format!(
                "{source}, {}: the finding has no {what}",
                f.locator
            )));
        }
        if let Some(p) = problem(Kind::Line, text) {
            return Err(Error::Invalid(format!("{source}, {}: {what} {p}", f.locator)));
        }
    }
    Ok(())
}

/// A tool's name or version as one safe line.
fn clean_line(text: &str) -> String {
    let t: String = crate::text::one_line(text.trim())
        .chars()
        .take(crate::text::NAME_MAX)
        .collect();
    if t.is_empty() { "unknown".into() } else { t }
}

/// The day of an RFC 3339 time.
fn scan_day(time: &str) -> Option<Day> {
    Day::parse(time.get(..10)?).ok()
}

/// The controls a finding maps to: those it names (in the catalogue), else its check's map
/// rows. (control id, statement parts as a note, mapping source), one per control.
fn map_controls(
    f: &Finding,
    controls: &HashMap<String, i64>,
    check_map: &HashMap<String, check_maps::Mapped>,
    not_in_catalog: &mut Vec<String>,
) -> Vec<(i64, Option<String>, String)> {
    let mut out: Vec<(i64, Option<String>, String)> = Vec::new();
    for r in &f.controls {
        let Some(&id) = controls.get(&r.id.control.to_uppercase()) else {
            if not_in_catalog.len() < 20 && !not_in_catalog.contains(&r.raw) {
                not_in_catalog.push(r.raw.clone());
            }
            continue;
        };
        let mapping = format!("finding:{}", r.via);
        match out.iter_mut().find(|(c, _, _)| *c == id) {
            Some((_, part, _)) => add_part(part, r.id.part.as_deref()),
            None => out.push((id, r.id.part.clone(), mapping)),
        }
    }
    if out.is_empty()
        && let Some(rows) = check_map.get(&f.check_id)
    {
        for (id, part, file) in rows {
            match out.iter_mut().find(|(c, _, _)| c == id) {
                Some((_, p, _)) => add_part(p, part.as_deref()),
                None => out.push((*id, part.clone(), format!("check-map:{file}"))),
            }
        }
    }
    out
}

/// Adds a statement part to a note of parts (`b, d.1`), once; a control named whole clears it.
fn add_part(parts: &mut Option<String>, part: Option<&str>) {
    match (parts.as_mut(), part) {
        (Some(list), Some(p)) if !list.split(", ").any(|x| x == p) => {
            list.push_str(", ");
            list.push_str(p);
        }
        (Some(_), None) => *parts = None,
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_of_one_control_gather_in_one_note() {
        let mut p = Some("b".to_string());
        add_part(&mut p, Some("d.1"));
        add_part(&mut p, Some("b"));
        assert_eq!(p.as_deref(), Some("b, d.1"));
        add_part(&mut p, None);
        assert_eq!(p, None);
    }

    #[test]
    fn a_scan_day_is_the_date_of_its_time() {
        assert_eq!(
            scan_day("2026-11-20T10:00:00Z").map(|d| d.to_string()),
            Some("2026-11-20".into())
        );
        assert_eq!(scan_day(""), None);
    }
}
