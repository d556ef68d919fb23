//! Sparse per-control decisions: responsibility overrides and owners, for one service or (with no
//! service) for the whole organisation.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::error::{Result, SqlContext};
use crate::model::Responsibility;

/// What has been decided by hand for a control, on one service or organisation-wide.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Implementation {
    /// The control's row id.
    #[serde(skip)]
    pub control_id: i64,
    /// The service's row id; `None` for organisation-wide.
    #[serde(skip)]
    pub service_id: Option<i64>,
    /// Responsibility override, if any.
    pub responsibility: Option<Responsibility>,
    /// Why the override was made.
    pub why: Option<String>,
    /// Owning team's name, if assigned.
    pub owner: Option<String>,
    /// Implementation status (implemented, partial, planned, alternative, not-applicable), if recorded.
    pub status: Option<String>,
    /// How the control is implemented, as recorded with the status (empty when not recorded).
    pub statement: String,
}

const SELECT: &str =
    "SELECT i.control_id, i.service_id, i.responsibility, i.responsibility_why, t.name, i.status, i.statement
                      FROM implementation i LEFT JOIN team t ON t.id = i.owner_team_id";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Implementation> {
    Ok(Implementation {
        control_id: r.get(0)?,
        service_id: r.get(1)?,
        responsibility: r.get(2)?,
        why: r.get(3)?,
        owner: r.get(4)?,
        status: r.get(5)?,
        statement: r.get(6)?,
    })
}

/// The decisions for a control on a service (or organisation-wide when `service_id` is `None`).
pub fn get(conn: &Connection, control_id: i64, service_id: Option<i64>) -> Result<Option<Implementation>> {
    conn.query_row(
        &format!("{SELECT} WHERE i.control_id = ?1 AND i.service_id IS ?2"),
        params![control_id, service_id],
        row,
    )
    .optional()
    .context("look up an implementation")
}

/// Every decision for the controls of a catalogue (sparse: only what people set).
pub fn for_catalog(conn: &Connection, catalog_id: i64) -> Result<Vec<Implementation>> {
    let mut stmt = conn
        .prepare(&format!(
            "{SELECT} JOIN control c ON c.id = i.control_id WHERE c.catalog_id = ?1"
        ))
        .context("read implementations")?;
    let rows = stmt.query_map([catalog_id], row).context("read implementations")?;
    rows.collect::<rusqlite::Result<_>>().context("read implementations")
}

fn ensure_row(conn: &Connection, control_id: i64, service_id: Option<i64>) -> Result<()> {
    conn.execute(
        "INSERT INTO implementation (control_id, service_id) SELECT ?1, ?2
         WHERE NOT EXISTS (SELECT 1 FROM implementation WHERE control_id = ?1 AND service_id IS ?2)",
        params![control_id, service_id],
    )
    .context("record an implementation")?;
    Ok(())
}

/// Removes the row if nothing is decided in it any more.
fn drop_if_empty(conn: &Connection, control_id: i64, service_id: Option<i64>) -> Result<()> {
    conn.execute(
        "DELETE FROM implementation WHERE control_id = ?1 AND service_id IS ?2
           AND responsibility IS NULL AND status IS NULL AND statement = '' AND owner_team_id IS NULL",
        params![control_id, service_id],
    )
    .context("tidy an implementation")?;
    Ok(())
}

/// Sets (or with `None` clears) the responsibility override.
pub fn set_responsibility(
    conn: &Connection,
    control_id: i64,
    service_id: Option<i64>,
    value: Option<(Responsibility, &str)>,
) -> Result<()> {
    ensure_row(conn, control_id, service_id)?;
    let (responsibility, why) = value.unzip();
    conn.execute(
        "UPDATE implementation SET responsibility = ?3, responsibility_why = ?4
         WHERE control_id = ?1 AND service_id IS ?2",
        params![control_id, service_id, responsibility, why],
    )
    .context("set a responsibility override")?;
    drop_if_empty(conn, control_id, service_id)
}

/// Sets (or with `None` clears) the owning team.
pub fn set_owner(conn: &Connection, control_id: i64, service_id: Option<i64>, team_id: Option<i64>) -> Result<()> {
    ensure_row(conn, control_id, service_id)?;
    conn.execute(
        "UPDATE implementation SET owner_team_id = ?3 WHERE control_id = ?1 AND service_id IS ?2",
        params![control_id, service_id, team_id],
    )
    .context("set an owner")?;
    drop_if_empty(conn, control_id, service_id)
}

/// Sets (or with `None` clears) the implementation status and statement.
pub fn set_status(
    conn: &Connection,
    control_id: i64,
    service_id: Option<i64>,
    status: Option<&str>,
    statement: &str,
) -> Result<()> {
    ensure_row(conn, control_id, service_id)?;
    conn.execute(
        "UPDATE implementation SET status = ?3, statement = ?4 WHERE control_id = ?1 AND service_id IS ?2",
        params![control_id, service_id, status, statement],
    )
    .context("set an implementation status")?;
    drop_if_empty(conn, control_id, service_id)
}

/// How many services have an implementation statement of their own for a control.
pub fn services_with_statement(conn: &Connection, control_id: i64) -> Result<i64> {
    conn.query_row(
        "SELECT count(*) FROM implementation WHERE control_id = ?1 AND service_id IS NOT NULL AND trim(statement) <> ''",
        params![control_id],
        |r| r.get(0),
    )
    .context("count implementation statements")
}

/// The implementation statement recorded for a control on a service (or organisation-wide).
pub fn statement(conn: &Connection, control_id: i64, service_id: Option<i64>) -> Result<String> {
    conn.query_row(
        "SELECT statement FROM implementation WHERE control_id = ?1 AND service_id IS ?2",
        params![control_id, service_id],
        |r| r.get(0),
    )
    .optional()
    .context("read an implementation statement")
    .map(Option::unwrap_or_default)
}
