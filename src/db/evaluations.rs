//! Evaluations, their recorded results, and the snapshot frozen at close.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::error::{Error, Result, SqlContext};
use crate::model::evaluation::{Pair, ResultValue};

/// An evaluation as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    /// Its number.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// The catalogue's key.
    pub catalog: String,
    /// The catalogue's row id.
    #[serde(skip)]
    pub catalog_id: i64,
    /// Services in scope, fixed at opening.
    pub services: Vec<String>,
    /// Teams the scope was chosen by (empty for all).
    pub teams: Vec<String>,
    /// Who assesses.
    pub assessor: String,
    /// When it was opened.
    pub opened_at: String,
    /// When it was closed.
    pub closed_at: Option<String>,
    /// Hash of the frozen snapshot, once closed.
    pub fingerprint: Option<String>,
}

impl Evaluation {
    /// True once closed (frozen).
    pub fn is_closed(&self) -> bool {
        self.closed_at.is_some()
    }

    /// Checks the fingerprint of the snapshot as read now (`actual`) against the one taken at
    /// close; an open evaluation has nothing to check.
    pub fn check_fingerprint(&self, actual: &str) -> Result<()> {
        match &self.fingerprint {
            Some(frozen) if self.is_closed() && frozen != actual => Err(crate::error::Error::Integrity(format!(
                "evaluation {}: its frozen snapshot no longer matches the fingerprint taken when it closed",
                self.id
            ))),
            _ => Ok(()),
        }
    }
}

const SELECT: &str = "SELECT e.id, e.name, k.key, e.catalog_id, e.scope_services, e.scope_teams, e.assessor,
                             e.opened_at, e.closed_at, e.fingerprint
                      FROM evaluation e JOIN catalog k ON k.id = e.catalog_id";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Evaluation> {
    let list = |i: usize| -> rusqlite::Result<Vec<String>> {
        let text: String = r.get(i)?;
        serde_json::from_str(&text)
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e)))
    };
    Ok(Evaluation {
        id: r.get(0)?,
        name: r.get(1)?,
        catalog: r.get(2)?,
        catalog_id: r.get(3)?,
        services: list(4)?,
        teams: list(5)?,
        assessor: r.get(6)?,
        opened_at: r.get(7)?,
        closed_at: r.get(8)?,
        fingerprint: r.get(9)?,
    })
}

/// Opens a new evaluation; two open evaluations cannot share a name.
pub fn open(conn: &Connection, e: &Evaluation) -> Result<i64> {
    let taken: bool = conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM evaluation WHERE name = ?1 COLLATE NOCASE AND closed_at IS NULL)",
            [&e.name],
            |r| r.get(0),
        )
        .context("look up evaluations")?;
    if taken {
        return Err(Error::Conflict {
            what: "open evaluation",
            key: e.name.clone(),
        });
    }
    let services = serde_json::to_string(&e.services).map_err(std::io::Error::from)?;
    let teams = serde_json::to_string(&e.teams).map_err(std::io::Error::from)?;
    conn.execute(
        "INSERT INTO evaluation (name, catalog_id, scope_services, scope_teams, assessor, opened_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![e.name, e.catalog_id, services, teams, e.assessor, e.opened_at],
    )
    .context("open an evaluation")?;
    Ok(conn.last_insert_rowid())
}

/// Evaluation number `id`, or NotFound.
pub fn get(conn: &Connection, id: i64) -> Result<Evaluation> {
    conn.query_row(&format!("{SELECT} WHERE e.id = ?1"), [id], row)
        .optional()
        .context("look up an evaluation")?
        .ok_or_else(|| Error::NotFound {
            what: "evaluation",
            key: id.to_string(),
            hint: String::new(),
        })
}

/// Every evaluation, newest first.
pub fn list(conn: &Connection) -> Result<Vec<Evaluation>> {
    let mut stmt = conn
        .prepare(&format!("{SELECT} ORDER BY e.id DESC"))
        .context("list evaluations")?;
    let rows = stmt.query_map([], row).context("list evaluations")?;
    rows.collect::<rusqlite::Result<_>>().context("list evaluations")
}

/// The evaluation a command means: `id` if given, else the only open one.
pub fn current(conn: &Connection, id: Option<i64>) -> Result<Evaluation> {
    if let Some(id) = id {
        return get(conn, id);
    }
    let open: Vec<Evaluation> = list(conn)?.into_iter().filter(|e| !e.is_closed()).collect();
    match open.len() {
        1 => Ok(open.into_iter().next().expect("one")),
        0 => Err(Error::Invalid(
            "no open evaluation: open one with `ctrlmap evaluation open NAME`, or pass --evaluation ID".into(),
        )),
        _ => {
            let ids: Vec<String> = open.iter().map(|e| format!("{} ({})", e.id, e.name)).collect();
            Err(Error::Invalid(format!(
                "several evaluations are open: {}; pass --evaluation ID",
                ids.join(", ")
            )))
        }
    }
}

/// A recorded result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recorded {
    /// The result.
    pub result: ResultValue,
    /// The note.
    pub note: String,
    /// Who recorded it.
    pub recorded_by: String,
    /// When.
    pub recorded_at: String,
}

/// Records (or replaces) the result for a control, on a service or for the whole control;
/// returns the result it replaced.
pub fn record(
    conn: &Connection,
    evaluation: i64,
    control: i64,
    service: Option<i64>,
    r: &Recorded,
) -> Result<Option<Recorded>> {
    let old = conn
        .query_row(
            "SELECT result, note, recorded_by, recorded_at FROM evaluation_result
             WHERE evaluation_id = ?1 AND control_id = ?2 AND service_id IS ?3",
            params![evaluation, control, service],
            |row| {
                Ok(Recorded {
                    result: row.get(0)?,
                    note: row.get(1)?,
                    recorded_by: row.get(2)?,
                    recorded_at: row.get(3)?,
                })
            },
        )
        .optional()
        .context("look up a result")?;
    conn.execute(
        "DELETE FROM evaluation_result WHERE evaluation_id = ?1 AND control_id = ?2 AND service_id IS ?3",
        params![evaluation, control, service],
    )
    .context("record a result")?;
    conn.execute(
        "INSERT INTO evaluation_result (evaluation_id, control_id, service_id, result, note, recorded_by, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            evaluation,
            control,
            service,
            r.result,
            r.note,
            r.recorded_by,
            r.recorded_at
        ],
    )
    .context("record a result")?;
    Ok(old)
}

/// Every result of an evaluation, by (control id, service id or 0).
pub fn results(conn: &Connection, evaluation: i64) -> Result<HashMap<(i64, i64), Recorded>> {
    let mut stmt = conn
        .prepare(
            "SELECT control_id, coalesce(service_id, 0), result, note, recorded_by, recorded_at
             FROM evaluation_result WHERE evaluation_id = ?1",
        )
        .context("read results")?;
    let rows = stmt
        .query_map([evaluation], |r| {
            Ok((
                (r.get(0)?, r.get(1)?),
                Recorded {
                    result: r.get(2)?,
                    note: r.get(3)?,
                    recorded_by: r.get(4)?,
                    recorded_at: r.get(5)?,
                },
            ))
        })
        .context("read results")?;
    rows.collect::<rusqlite::Result<_>>().context("read results")
}

/// Stores one pair of the snapshot (before the evaluation is marked closed).
pub fn insert_item(conn: &Connection, evaluation: i64, seq: i64, p: &Pair) -> Result<()> {
    let evidence = serde_json::to_string(&p.evidence).map_err(std::io::Error::from)?;
    conn.prepare_cached(
        "INSERT INTO evaluation_item (evaluation_id, seq, control_key, control_title, family, service, offering, category,
                                      service_team, responsibility, provenance, rationale, owner, status, result, note,
                                      evidence, statement)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
    )
    .context("freeze the evaluation")?
    .execute(params![
        evaluation, seq, p.control_key, p.control_title, p.family, p.service, p.offering, p.category, p.service_team,
        p.responsibility, p.provenance, p.rationale, p.owner, p.status, p.result, p.note, evidence,
        p.statement
    ])
    .context("freeze the evaluation")?;
    Ok(())
}

/// Marks an evaluation closed with the fingerprint of its snapshot.
pub fn close(conn: &Connection, evaluation: i64, at: &str, fingerprint: &str) -> Result<()> {
    conn.execute(
        "UPDATE evaluation SET closed_at = ?2, fingerprint = ?3 WHERE id = ?1 AND closed_at IS NULL",
        params![evaluation, at, fingerprint],
    )
    .context("close the evaluation")?;
    Ok(())
}

/// The frozen pairs of a closed evaluation, in order.
pub fn for_each_item(conn: &Connection, evaluation: i64, mut each: impl FnMut(Pair) -> Result<()>) -> Result<()> {
    let mut stmt = conn
        .prepare(
            "SELECT control_key, control_title, family, service, offering, category, responsibility, provenance,
                    rationale, owner, status, result, note, evidence, service_team, statement
             FROM evaluation_item WHERE evaluation_id = ?1 ORDER BY seq",
        )
        .context("read the evaluation snapshot")?;
    let mut rows = stmt.query([evaluation]).context("read the evaluation snapshot")?;
    while let Some(r) = rows.next().context("read the evaluation snapshot")? {
        let evidence: String = r.get(13).context("read the evaluation snapshot")?;
        let pair = Pair {
            control_key: r.get(0).context("read the evaluation snapshot")?,
            control_title: r.get(1).context("read the evaluation snapshot")?,
            family: r.get(2).context("read the evaluation snapshot")?,
            service: r.get(3).context("read the evaluation snapshot")?,
            offering: r.get(4).context("read the evaluation snapshot")?,
            category: r.get(5).context("read the evaluation snapshot")?,
            service_team: r.get(14).context("read the evaluation snapshot")?,
            responsibility: r.get(6).context("read the evaluation snapshot")?,
            provenance: r.get(7).context("read the evaluation snapshot")?,
            rationale: r.get(8).context("read the evaluation snapshot")?,
            owner: r.get(9).context("read the evaluation snapshot")?,
            status: r.get(10).context("read the evaluation snapshot")?,
            result: r.get(11).context("read the evaluation snapshot")?,
            note: r.get(12).context("read the evaluation snapshot")?,
            evidence: serde_json::from_str(&evidence)
                .map_err(|e| Error::Integrity(format!("evaluation {evaluation}: snapshot evidence is damaged: {e}")))?,
            statement: r.get(15).context("read the evaluation snapshot")?,
        };
        each(pair)?;
    }
    Ok(())
}
