//! Scans (one imported scanner file, tied to its evidence item) and their observations: one
//! (check, resource, control) result each, on a service or organisation-wide.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::error::{Error, Result, SqlContext};
use crate::model::evidence::{Day, ReviewStatus};

/// A scan to store.
#[derive(Debug, Clone)]
pub struct NewScan<'a> {
    /// Its evidence item.
    pub evidence_id: i64,
    /// The catalogue its controls were mapped in.
    pub catalog_id: i64,
    /// The file's SHA-256.
    pub sha256: &'a str,
    /// The scanner.
    pub tool: &'a str,
    /// Its version, when the file says.
    pub tool_version: Option<&'a str>,
    /// The file's format (`asff`, `ocsf`, ...).
    pub format: &'a str,
    /// When it scanned (RFC 3339).
    pub scanned_at: &'a str,
}

/// Inserts a scan; returns its number.
pub fn insert(conn: &Connection, s: &NewScan<'_>) -> Result<i64> {
    conn.execute(
        "INSERT INTO scan (evidence_id, catalog_id, sha256, tool, tool_version, format, scanned_at, findings)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0)",
        params![
            s.evidence_id,
            s.catalog_id,
            s.sha256,
            s.tool,
            s.tool_version,
            s.format,
            s.scanned_at
        ],
    )
    .context("record a scan")?;
    Ok(conn.last_insert_rowid())
}

/// What a scan held, counted once it is read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Findings in the file.
    pub findings: i64,
    /// Observations by status.
    pub passed: i64,
    /// Failed observations.
    pub failed: i64,
    /// Observations a person must check by hand.
    pub manual: i64,
    /// Observations that do not apply.
    pub not_applicable: i64,
    /// Observations the scanner could not decide.
    pub error: i64,
    /// Findings that map to no control of the catalogue.
    pub unmapped_controls: i64,
    /// Findings on resources no service claims (organisation-wide).
    pub unmapped_resources: i64,
}

/// What is known of a scan once its file is read.
#[derive(Debug, Clone)]
pub struct Finish<'a> {
    /// The scanner.
    pub tool: &'a str,
    /// Its version.
    pub tool_version: Option<&'a str>,
    /// When it scanned (RFC 3339).
    pub scanned_at: &'a str,
    /// The day its evidence speaks for.
    pub collected: Day,
    /// The last day it counts.
    pub valid_until: Option<Day>,
    /// The evidence item's title.
    pub title: &'a str,
}

/// Completes a scan and its evidence item once the file is read: tool, time, dates and counts.
pub fn finish(conn: &Connection, scan: i64, f: &Finish<'_>, c: &Counts) -> Result<()> {
    conn.execute(
        "UPDATE scan SET tool = ?2, tool_version = ?3, scanned_at = ?4 WHERE id = ?1",
        params![scan, f.tool, f.tool_version, f.scanned_at],
    )
    .context("complete a scan")?;
    conn.execute(
        "UPDATE evidence SET collected_on = ?2, valid_until = ?3, title = ?4
         WHERE id = (SELECT evidence_id FROM scan WHERE id = ?1)",
        params![scan, f.collected, f.valid_until, f.title],
    )
    .context("complete a scan")?;
    set_counts(conn, scan, c)
}

/// Stores a scan's counts.
fn set_counts(conn: &Connection, scan: i64, c: &Counts) -> Result<()> {
    conn.execute(
        "UPDATE scan SET findings = ?2, passed = ?3, failed = ?4, manual = ?5, not_applicable = ?6, error = ?7,
                         unmapped_controls = ?8, unmapped_resources = ?9 WHERE id = ?1",
        params![
            scan,
            c.findings,
            c.passed,
            c.failed,
            c.manual,
            c.not_applicable,
            c.error,
            c.unmapped_controls,
            c.unmapped_resources
        ],
    )
    .context("count a scan")?;
    Ok(())
}

/// An observation to store.
#[derive(Debug, Clone)]
pub struct NewObservation<'a> {
    /// The scan.
    pub scan: i64,
    /// The scanner's check.
    pub check: &'a str,
    /// The finding's id in the file.
    pub finding_id: &'a str,
    /// The finding's title.
    pub title: &'a str,
    /// The resource observed.
    pub resource: &'a str,
    /// Its service, or `None` for organisation-wide.
    pub service_id: Option<i64>,
    /// The control, or `None` when the finding maps to none.
    pub control_id: Option<i64>,
    /// Statement parts named, as a note.
    pub part: Option<&'a str>,
    /// `passed`, `failed`, `manual`, `not-applicable` or `error`.
    pub status: &'a str,
    /// The scanner's own word.
    pub source_status: &'a str,
    /// When (RFC 3339).
    pub observed_at: &'a str,
    /// How it was mapped to its control.
    pub mapping: &'a str,
}

/// Inserts an observation (the statement is prepared once per connection).
pub fn insert_observation(conn: &Connection, o: &NewObservation<'_>) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO observation (scan_id, check_id, finding_id, title, resource, service_id, control_id, part,
                                  status, source_status, observed_at, mapping)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )
    .context("record an observation")?
    .execute(params![
        o.scan,
        o.check,
        o.finding_id,
        o.title,
        o.resource,
        o.service_id,
        o.control_id,
        o.part,
        o.status,
        o.source_status,
        o.observed_at,
        o.mapping
    ])
    .context("record an observation")?;
    Ok(())
}

/// The order scans are newer in: collection day, scan time, then import order.
const NEWER: &str = "(e2.collected_on, s2.scanned_at, s2.id) > (e1.collected_on, s1.scanned_at, s1.id)";

/// Marks superseded observations once scan `scan` is stored: older scans' current observations of
/// a check and resource this scan observed now point at it, and this scan's own observations of
/// a check and resource that a newer scan already observed point at that newer scan. Returns
/// how many older observations this scan superseded.
pub fn supersede(conn: &Connection, scan: i64) -> Result<usize> {
    let others: bool = conn
        .query_row("SELECT EXISTS (SELECT 1 FROM scan WHERE id <> ?1)", [scan], |r| {
            r.get(0)
        })
        .context("supersede older observations")?;
    if !others {
        return Ok(0);
    }
    let older = conn
        .execute(
            &format!(
                "UPDATE observation AS o SET superseded_by = ?1
                 WHERE o.superseded_by IS NULL AND o.scan_id <> ?1
                   AND EXISTS (SELECT 1 FROM observation n WHERE n.scan_id = ?1
                               AND n.check_id = o.check_id AND n.resource = o.resource)
                   AND EXISTS (SELECT 1 FROM scan s1 JOIN evidence e1 ON e1.id = s1.evidence_id,
                                             scan s2 JOIN evidence e2 ON e2.id = s2.evidence_id
                               WHERE s1.id = o.scan_id AND s2.id = ?1 AND {NEWER})"
            ),
            [scan],
        )
        .context("supersede older observations")?;
    conn.execute(
        &format!(
            "UPDATE observation AS o SET superseded_by = (
                 SELECT s2.id FROM observation n
                 JOIN scan s2 ON s2.id = n.scan_id JOIN evidence e2 ON e2.id = s2.evidence_id,
                      scan s1 JOIN evidence e1 ON e1.id = s1.evidence_id
                 WHERE s1.id = ?1 AND n.check_id = o.check_id AND n.resource = o.resource AND {NEWER}
                 ORDER BY e2.collected_on DESC, s2.scanned_at DESC, s2.id DESC LIMIT 1)
             WHERE o.scan_id = ?1"
        ),
        [scan],
    )
    .context("supersede observations by newer scans")?;
    Ok(older)
}

/// A stored scan with its evidence item's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScanRow {
    /// Its number.
    pub id: i64,
    /// Its evidence item.
    pub evidence: i64,
    /// The catalogue its controls are in.
    pub catalog: String,
    /// The file's SHA-256.
    pub sha256: String,
    /// The file's name when imported.
    pub file: String,
    /// The scanner.
    pub tool: String,
    /// Its version.
    pub tool_version: Option<String>,
    /// The format.
    pub format: String,
    /// When it scanned.
    pub scanned_at: String,
    /// The day the evidence speaks for.
    pub collected: Day,
    /// The last day it counts.
    pub valid_until: Option<Day>,
    /// Its evidence item's review status.
    pub status: ReviewStatus,
    /// What it held.
    #[serde(flatten)]
    pub counts: Counts,
}

const SELECT: &str =
    "SELECT s.id, s.evidence_id, k.key, s.sha256, coalesce(e.original_name, ''), s.tool, s.tool_version,
                             s.format, s.scanned_at, e.collected_on, e.valid_until, e.status, s.findings, s.passed,
                             s.failed, s.manual, s.not_applicable, s.error, s.unmapped_controls, s.unmapped_resources
                      FROM scan s JOIN evidence e ON e.id = s.evidence_id JOIN catalog k ON k.id = s.catalog_id";

fn scan_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ScanRow> {
    Ok(ScanRow {
        id: r.get(0)?,
        evidence: r.get(1)?,
        catalog: r.get(2)?,
        sha256: r.get(3)?,
        file: r.get(4)?,
        tool: r.get(5)?,
        tool_version: r.get(6)?,
        format: r.get(7)?,
        scanned_at: r.get(8)?,
        collected: r.get(9)?,
        valid_until: r.get(10)?,
        status: r.get(11)?,
        counts: Counts {
            findings: r.get(12)?,
            passed: r.get(13)?,
            failed: r.get(14)?,
            manual: r.get(15)?,
            not_applicable: r.get(16)?,
            error: r.get(17)?,
            unmapped_controls: r.get(18)?,
            unmapped_resources: r.get(19)?,
        },
    })
}

/// Every scan, by number.
pub fn list(conn: &Connection) -> Result<Vec<ScanRow>> {
    let mut stmt = conn.prepare(&format!("{SELECT} ORDER BY s.id")).context("list scans")?;
    let rows = stmt.query_map([], scan_row).context("list scans")?;
    rows.collect::<rusqlite::Result<_>>().context("list scans")
}

/// Scan number `id`, or NotFound.
pub fn get(conn: &Connection, id: i64) -> Result<ScanRow> {
    conn.query_row(&format!("{SELECT} WHERE s.id = ?1"), [id], scan_row)
        .optional()
        .context("look up a scan")?
        .ok_or_else(|| Error::NotFound {
            what: "scan",
            key: id.to_string(),
            hint: " (see `ctrlmap scan list`)".into(),
        })
}

/// The scan of file content `sha256`, if it was imported.
pub fn with_hash(conn: &Connection, sha256: &str) -> Result<Option<ScanRow>> {
    conn.query_row(&format!("{SELECT} WHERE s.sha256 = ?1"), [sha256], scan_row)
        .optional()
        .context("look up a scan")
}

/// An observation as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObservationRow {
    /// Its row id.
    pub id: i64,
    /// The scan.
    pub scan: i64,
    /// The scan's evidence item.
    pub evidence: i64,
    /// The check.
    pub check: String,
    /// The finding's id.
    pub finding_id: String,
    /// The finding's title.
    pub title: String,
    /// The resource.
    pub resource: String,
    /// Its service, or `None` for organisation-wide.
    pub service: Option<String>,
    /// The catalogue of the control.
    pub catalog: Option<String>,
    /// The control, or `None` when unmapped.
    pub control: Option<String>,
    /// Statement parts named.
    pub part: Option<String>,
    /// passed, failed, manual, not-applicable or error.
    pub status: String,
    /// The scanner's own word.
    pub source_status: String,
    /// When.
    pub observed_at: String,
    /// How it was mapped.
    pub mapping: String,
    /// The newer scan that observed the same check on the same resource.
    pub superseded_by: Option<i64>,
}

/// Which observations to list.
#[derive(Debug, Default, Clone)]
pub struct Filter<'a> {
    /// Of this scan.
    pub scan: Option<i64>,
    /// On this control.
    pub control: Option<i64>,
    /// On this service.
    pub service: Option<i64>,
    /// In this status.
    pub status: Option<&'a str>,
    /// Mapped to no control, or on no service.
    pub unmapped: bool,
    /// Only those no newer scan superseded.
    pub current: bool,
}

/// Observations matching `f`, by scan, control, service, resource and check.
pub fn observations(conn: &Connection, f: &Filter<'_>) -> Result<Vec<ObservationRow>> {
    let mut stmt = conn
        .prepare(
            "SELECT o.id, o.scan_id, s.evidence_id, o.check_id, o.finding_id, o.title, o.resource, v.name, k.key, c.key,
                    o.part, o.status, o.source_status, o.observed_at, o.mapping, o.superseded_by
             FROM observation o JOIN scan s ON s.id = o.scan_id
             LEFT JOIN service v ON v.id = o.service_id
             LEFT JOIN control c ON c.id = o.control_id LEFT JOIN catalog k ON k.id = c.catalog_id
             WHERE (?1 IS NULL OR o.scan_id = ?1) AND (?2 IS NULL OR o.control_id = ?2)
               AND (?3 IS NULL OR o.service_id = ?3) AND (?4 IS NULL OR o.status = ?4)
               AND (?5 = 0 OR o.control_id IS NULL OR o.service_id IS NULL)
               AND (?6 = 0 OR o.superseded_by IS NULL)
             ORDER BY o.scan_id, c.sort_key IS NULL, c.sort_key, c.key, v.name IS NULL, v.name, o.resource,
                      o.check_id, o.id",
        )
        .context("list observations")?;
    let rows = stmt
        .query_map(
            params![f.scan, f.control, f.service, f.status, f.unmapped, f.current],
            |r| {
                Ok(ObservationRow {
                    id: r.get(0)?,
                    scan: r.get(1)?,
                    evidence: r.get(2)?,
                    check: r.get(3)?,
                    finding_id: r.get(4)?,
                    title: r.get(5)?,
                    resource: r.get(6)?,
                    service: r.get(7)?,
                    catalog: r.get(8)?,
                    control: r.get(9)?,
                    part: r.get(10)?,
                    status: r.get(11)?,
                    source_status: r.get(12)?,
                    observed_at: r.get(13)?,
                    mapping: r.get(14)?,
                    superseded_by: r.get(15)?,
                })
            },
        )
        .context("list observations")?;
    rows.collect::<rusqlite::Result<_>>().context("list observations")
}

/// Observation counts of one (control, service or 0) pair, from current observations.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PairCounts {
    /// Passed.
    pub passed: i64,
    /// Failed.
    pub failed: i64,
    /// To check by hand.
    pub manual: i64,
    /// Not applicable.
    pub not_applicable: i64,
    /// Undecided by the scanner.
    pub error: i64,
}

/// Current observations of a catalogue's controls counted by status per (control, service or 0),
/// from scans whose evidence counts on `today` (accepted, unexpired): for reports.
pub fn counts_by_pair(conn: &Connection, catalog_id: i64, today: Day) -> Result<HashMap<(i64, i64), PairCounts>> {
    let mut stmt = conn
        .prepare(
            "SELECT o.control_id, coalesce(o.service_id, 0), o.status, count(*)
             FROM observation o JOIN control c ON c.id = o.control_id
             JOIN scan s ON s.id = o.scan_id JOIN evidence e ON e.id = s.evidence_id
             WHERE c.catalog_id = ?1 AND o.superseded_by IS NULL
               AND e.status = 'accepted' AND (e.valid_until IS NULL OR e.valid_until >= ?2)
             GROUP BY 1, 2, 3",
        )
        .context("count observations")?;
    let mut rows = stmt.query(params![catalog_id, today]).context("count observations")?;
    let mut out: HashMap<(i64, i64), PairCounts> = HashMap::new();
    while let Some(r) = rows.next().context("count observations")? {
        let at: (i64, i64) = (
            r.get(0).context("count observations")?,
            r.get(1).context("count observations")?,
        );
        let status: String = r.get(2).context("count observations")?;
        let n: i64 = r.get(3).context("count observations")?;
        let c = out.entry(at).or_default();
        match status.as_str() {
            "passed" => c.passed += n,
            "failed" => c.failed += n,
            "manual" => c.manual += n,
            "not-applicable" => c.not_applicable += n,
            _ => c.error += n,
        }
    }
    Ok(out)
}

/// A current observation that needs someone: a failure, or a check to make by hand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Open {
    /// The control's row id.
    pub control_id: i64,
    /// The control's key.
    pub control: String,
    /// The service's row id, or `None` for organisation-wide.
    pub service_id: Option<i64>,
    /// The service's name.
    pub service: Option<String>,
    /// The check.
    pub check: String,
    /// The resource.
    pub resource: String,
    /// The scan.
    pub scan: i64,
    /// The scan's evidence item.
    pub evidence: i64,
    /// `failed` or `manual`.
    pub status: String,
}

/// Current failed and manual observations on a catalogue's controls, by (control, service or 0),
/// from scans not rejected and not expired on `today`.
pub fn current_open(conn: &Connection, catalog_id: i64, today: Day) -> Result<HashMap<(i64, i64), Vec<Open>>> {
    let mut stmt = conn
        .prepare(
            "SELECT o.control_id, o.service_id, o.check_id, o.resource, o.scan_id, s.evidence_id, o.status, c.key, v.name
             FROM observation o JOIN control c ON c.id = o.control_id
             JOIN scan s ON s.id = o.scan_id JOIN evidence e ON e.id = s.evidence_id
             LEFT JOIN service v ON v.id = o.service_id
             WHERE c.catalog_id = ?1 AND o.superseded_by IS NULL AND o.status IN ('failed', 'manual')
               AND e.status <> 'rejected' AND (e.valid_until IS NULL OR e.valid_until >= ?2)
             ORDER BY o.control_id, o.service_id, o.status, o.check_id, o.resource, o.id",
        )
        .context("read open observations")?;
    let mut rows = stmt
        .query(params![catalog_id, today])
        .context("read open observations")?;
    let mut out: HashMap<(i64, i64), Vec<Open>> = HashMap::new();
    while let Some(r) = rows.next().context("read open observations")? {
        let open = Open {
            control_id: r.get(0).context("read open observations")?,
            service_id: r.get(1).context("read open observations")?,
            check: r.get(2).context("read open observations")?,
            resource: r.get(3).context("read open observations")?,
            scan: r.get(4).context("read open observations")?,
            evidence: r.get(5).context("read open observations")?,
            status: r.get(6).context("read open observations")?,
            control: r.get(7).context("read open observations")?,
            service: r.get(8).context("read open observations")?,
        };
        out.entry((open.control_id, open.service_id.unwrap_or(0)))
            .or_default()
            .push(open);
    }
    Ok(out)
}

/// Current failed observations only (see [`current_open`]).
pub fn current_failures(conn: &Connection, catalog_id: i64, today: Day) -> Result<HashMap<(i64, i64), Vec<Open>>> {
    let mut all = current_open(conn, catalog_id, today)?;
    all.retain(|_, v| {
        v.retain(|o| o.status == "failed");
        !v.is_empty()
    });
    Ok(all)
}
