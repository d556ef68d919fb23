//! Resource patterns of services: which scanned resources belong to which service.

use rusqlite::{Connection, params};
use serde::Serialize;

use crate::error::{Result, SqlContext};

/// One pattern of a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pattern {
    /// The service's name.
    pub service: String,
    /// The pattern (an ARN glob or an account id).
    pub pattern: String,
    /// Who added it.
    pub added_by: String,
    /// When.
    pub added_at: String,
}

/// Adds a pattern to a service; returns false when the service already has it.
pub fn add(conn: &Connection, service: i64, pattern: &str, by: &str, at: &str) -> Result<bool> {
    let n = conn
        .prepare_cached(
            "INSERT INTO service_resource (service_id, pattern, added_by, added_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (service_id, pattern) DO NOTHING",
        )
        .context("add a resource pattern")?
        .execute(params![service, pattern, by, at])
        .context("add a resource pattern")?;
    Ok(n == 1)
}

/// The patterns of one service, or of all, by service and pattern.
pub fn list(conn: &Connection, service: Option<i64>) -> Result<Vec<Pattern>> {
    let mut stmt = conn
        .prepare(
            "SELECT s.name, r.pattern, r.added_by, r.added_at FROM service_resource r
             JOIN service s ON s.id = r.service_id
             WHERE ?1 IS NULL OR r.service_id = ?1 ORDER BY s.name, r.pattern",
        )
        .context("list resource patterns")?;
    let rows = stmt
        .query_map([service], |r| {
            Ok(Pattern {
                service: r.get(0)?,
                pattern: r.get(1)?,
                added_by: r.get(2)?,
                added_at: r.get(3)?,
            })
        })
        .context("list resource patterns")?;
    rows.collect::<rusqlite::Result<_>>().context("list resource patterns")
}

/// Every (pattern, service id, service name), for matching a scan's resources.
pub fn owners(conn: &Connection) -> Result<Vec<(String, i64, String)>> {
    let mut stmt = conn
        .prepare(
            "SELECT r.pattern, s.id, s.name FROM service_resource r JOIN service s ON s.id = r.service_id
             ORDER BY s.name, r.pattern",
        )
        .context("read resource patterns")?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .context("read resource patterns")?;
    rows.collect::<rusqlite::Result<_>>().context("read resource patterns")
}
