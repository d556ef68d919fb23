//! The scanner observations that count for a report: live (from accepted, unexpired scans, the
//! newest such scan per check and resource), or frozen with a closed evaluation (copied at close
//! into `evaluation_observation`, so later scans change nothing it says).

use rusqlite::{Connection, params};
use serde::Serialize;

use crate::error::{Result, SqlContext};
use crate::model::evidence::Day;

/// One (check, resource, control) result that counts, with the scan it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Counted {
    /// The control's key.
    pub control: String,
    /// The service's name, or `None` for organisation-wide.
    pub service: Option<String>,
    /// The scanner's check.
    pub check: String,
    /// The finding's id in the scanner's file.
    pub finding_id: String,
    /// The finding's title.
    pub title: String,
    /// The resource observed.
    pub resource: String,
    /// passed, failed, manual, not-applicable or error.
    pub status: String,
    /// When (RFC 3339).
    pub observed_at: String,
    /// How it was mapped to its control.
    pub mapping: String,
    /// The scan.
    pub scan: i64,
    /// The scan's evidence item.
    pub evidence: i64,
    /// The SHA-256 of the scan's file in the evidence store.
    pub sha256: String,
    /// The scanner.
    pub tool: String,
}

fn counted(r: &rusqlite::Row<'_>) -> rusqlite::Result<Counted> {
    Ok(Counted {
        control: r.get(0)?,
        service: r.get(1)?,
        check: r.get(2)?,
        finding_id: r.get(3)?,
        title: r.get(4)?,
        resource: r.get(5)?,
        status: r.get(6)?,
        observed_at: r.get(7)?,
        mapping: r.get(8)?,
        scan: r.get(9)?,
        evidence: r.get(10)?,
        sha256: r.get(11)?,
        tool: r.get(12)?,
    })
}

/// The observations of catalogue `catalog_id`'s controls that count on `today`: from scans whose
/// evidence is accepted and unexpired, and of those, for each check and resource, only the newest
/// scan's (by collection day, scan time, then import order, as supersession orders them). In
/// catalogue order, then service (organisation-wide last), check and resource.
pub fn live(conn: &Connection, catalog_id: i64, today: Day) -> Result<Vec<Counted>> {
    let mut stmt = conn
        .prepare(
            "WITH counting AS (
                 SELECT o.id, c.sort_key, c.key AS control, v.name AS service, o.check_id, o.finding_id, o.title,
                        o.resource, o.status, o.observed_at, o.mapping, o.scan_id, s.evidence_id, s.sha256, s.tool,
                        rank() OVER (PARTITION BY o.check_id, o.resource
                                     ORDER BY e.collected_on DESC, s.scanned_at DESC, s.id DESC) AS newest
                 FROM observation o JOIN control c ON c.id = o.control_id
                 JOIN scan s ON s.id = o.scan_id JOIN evidence e ON e.id = s.evidence_id
                 LEFT JOIN service v ON v.id = o.service_id
                 WHERE c.catalog_id = ?1 AND e.status = 'accepted'
                   AND (e.valid_until IS NULL OR e.valid_until >= ?2))
             SELECT control, service, check_id, finding_id, title, resource, status, observed_at, mapping, scan_id,
                    evidence_id, sha256, tool
             FROM counting WHERE newest = 1
             ORDER BY sort_key, control, service IS NULL, service, check_id, resource, status, id",
        )
        .context("read counted observations")?;
    let rows = stmt
        .query_map(params![catalog_id, today], counted)
        .context("read counted observations")?;
    rows.collect::<rusqlite::Result<_>>()
        .context("read counted observations")
}

/// Freezes `rows` (in their order) as the observations of evaluation `evaluation`, before it is
/// marked closed.
pub fn freeze(conn: &Connection, evaluation: i64, rows: &[Counted]) -> Result<()> {
    let mut stmt = conn
        .prepare_cached(
            "INSERT INTO evaluation_observation (evaluation_id, seq, control_key, service, check_id, finding_id, title,
                                                 resource, status, observed_at, mapping, scan_id, evidence_id,
                                                 scan_sha256, tool)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        )
        .context("freeze the evaluation's observations")?;
    for (seq, o) in (1i64..).zip(rows) {
        stmt.execute(params![
            evaluation,
            seq,
            o.control,
            o.service,
            o.check,
            o.finding_id,
            o.title,
            o.resource,
            o.status,
            o.observed_at,
            o.mapping,
            o.scan,
            o.evidence,
            o.sha256,
            o.tool
        ])
        .context("freeze the evaluation's observations")?;
    }
    Ok(())
}

/// The observations frozen with evaluation `evaluation`, in the order they were frozen.
pub fn frozen(conn: &Connection, evaluation: i64) -> Result<Vec<Counted>> {
    let mut stmt = conn
        .prepare(
            "SELECT control_key, service, check_id, finding_id, title, resource, status, observed_at, mapping, scan_id,
                    evidence_id, scan_sha256, tool
             FROM evaluation_observation WHERE evaluation_id = ?1 ORDER BY seq",
        )
        .context("read the evaluation's observations")?;
    let rows = stmt
        .query_map([evaluation], counted)
        .context("read the evaluation's observations")?;
    rows.collect::<rusqlite::Result<_>>()
        .context("read the evaluation's observations")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> (tempfile::TempDir, crate::db::Db) {
        let dir = tempfile::tempdir().expect("temp dir");
        let (db, _) = crate::db::Db::create_or_upgrade(&dir.path().join("t.db")).expect("database");
        db.conn().execute_batch(
            "INSERT INTO provider (id, key, name) VALUES (1, 'aws', 'AWS');
             INSERT INTO offering (id, provider_id, key, name, category, source) VALUES (1, 1, 'aws.s3', 'S3', 'abstracted', 's');
             INSERT INTO catalog (id, key, title, imported_at) VALUES (1, 'c', 'C', 't');
             INSERT INTO control (id, catalog_id, key, title, sort_key) VALUES (1, 1, 'AC-2', 'A', '1'), (2, 1, 'AC-3', 'B', '2');
             INSERT INTO service (id, name, offering_id) VALUES (1, 'buckets', 1);",
        )
        .expect("rows");
        (dir, db)
    }

    fn scan(conn: &Connection, id: i64, collected: &str, status: &str, until: Option<&str>) {
        let sha = format!("{id:064x}");
        conn.execute(
            "INSERT INTO evidence (id, kind, title, sha256, size, collected_on, valid_until, submitted_by, submitted_at, status)
             VALUES (?1, 'scan', 'scan', ?2, 1, ?3, ?4, 'bob', 't', ?5)",
            params![id, sha, collected, until, status],
        )
        .expect("evidence");
        conn.execute(
            "INSERT INTO scan (id, evidence_id, catalog_id, sha256, tool, format, scanned_at, findings)
             VALUES (?1, ?1, 1, ?2, 'Prowler', 'asff', ?3, 1)",
            params![id, sha, format!("{collected}T00:00:00Z")],
        )
        .expect("scan");
    }

    fn observe(conn: &Connection, scan: i64, control: i64, resource: &str, status: &str) {
        conn.execute(
            "INSERT INTO observation (scan_id, check_id, finding_id, resource, service_id, control_id, status,
                                      source_status, observed_at, mapping)
             VALUES (?1, 's3_public', 'f', ?2, 1, ?3, ?4, 'X', 't', 'finding')",
            params![scan, resource, control, status],
        )
        .expect("observation");
    }

    #[test]
    fn only_accepted_unexpired_scans_count_and_the_newest_per_check_and_resource_wins() {
        let (_dir, db) = db();
        let conn = db.conn();
        let today: Day = "2026-12-01".parse().expect("day");
        scan(conn, 1, "2026-11-01", "accepted", None);
        observe(conn, 1, 1, "arn:aws:s3:::a", "failed");
        observe(conn, 1, 2, "arn:aws:s3:::a", "failed");
        observe(conn, 1, 1, "arn:aws:s3:::b", "failed");
        // Newer and accepted: wins for bucket a, on both controls it names (one here).
        scan(conn, 2, "2026-11-20", "accepted", None);
        observe(conn, 2, 1, "arn:aws:s3:::a", "passed");
        // Newest, but pending: does not count, so it supersedes nothing here.
        scan(conn, 3, "2026-11-25", "pending", None);
        observe(conn, 3, 1, "arn:aws:s3:::b", "passed");
        // Expired.
        scan(conn, 4, "2026-10-01", "accepted", Some("2026-10-31"));
        observe(conn, 4, 1, "arn:aws:s3:::c", "failed");
        let rows = live(conn, 1, today).expect("live");
        let seen: Vec<(&str, &str, &str, i64)> = rows
            .iter()
            .map(|o| (o.control.as_str(), o.resource.as_str(), o.status.as_str(), o.scan))
            .collect();
        assert_eq!(
            seen,
            [
                ("AC-2", "arn:aws:s3:::a", "passed", 2),
                ("AC-2", "arn:aws:s3:::b", "failed", 1)
            ]
        );
        assert_eq!(rows[0].service.as_deref(), Some("buckets"));
    }

    #[test]
    fn frozen_rows_read_back_in_order_and_cannot_change() {
        let (_dir, db) = db();
        let conn = db.conn();
        scan(conn, 1, "2026-11-01", "accepted", None);
        observe(conn, 1, 1, "arn:aws:s3:::a", "failed");
        conn.execute(
            "INSERT INTO evaluation (id, name, catalog_id, assessor, opened_at) VALUES (1, 'Q4', 1, 'alice', 't')",
            [],
        )
        .expect("evaluation");
        let rows = live(conn, 1, "2026-12-01".parse().expect("day")).expect("live");
        freeze(conn, 1, &rows).expect("freeze");
        conn.execute(
            "UPDATE evaluation SET closed_at = 't', fingerprint = ?1 WHERE id = 1",
            [format!("{:064x}", 0)],
        )
        .expect("close");
        assert_eq!(frozen(conn, 1).expect("frozen"), rows);
        assert!(
            conn.execute("UPDATE evaluation_observation SET status = 'passed'", [])
                .is_err()
        );
        assert!(conn.execute("DELETE FROM evaluation_observation", []).is_err());
        assert!(freeze(conn, 1, &rows).is_err(), "a closed evaluation takes no more");
    }
}
