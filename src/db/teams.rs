//! Teams that own services and controls.

use rusqlite::{Connection, OptionalExtension, params};

use super::Stored;
use super::offerings::column;
use crate::error::{Error, Result, SqlContext};
use crate::model::Team;

impl Stored for Team {
    const WHAT: &'static str = "team";

    fn key(&self) -> String {
        self.name.clone()
    }

    fn find(&self, conn: &Connection) -> Result<Option<(i64, Self)>> {
        find(conn, &self.name)
    }

    fn insert(&self, conn: &Connection) -> Result<i64> {
        conn.execute(
            "INSERT INTO team (name, contact) VALUES (?1, ?2)",
            params![self.name, self.contact],
        )
        .context("add a team")?;
        Ok(conn.last_insert_rowid())
    }

    fn update(&self, conn: &Connection, id: i64) -> Result<()> {
        conn.execute("UPDATE team SET contact = ?2 WHERE id = ?1", params![id, self.contact])
            .context("update a team")?;
        Ok(())
    }
}

fn find(conn: &Connection, name: &str) -> Result<Option<(i64, Team)>> {
    conn.query_row("SELECT id, name, contact FROM team WHERE name = ?1", [name], |r| {
        Ok((
            r.get(0)?,
            Team {
                name: r.get(1)?,
                contact: r.get(2)?,
            },
        ))
    })
    .optional()
    .context("look up a team")
}

/// The id of team `name`, or NotFound with a suggestion.
pub fn id(conn: &Connection, name: &str) -> Result<i64> {
    match find(conn, name)? {
        Some((id, _)) => Ok(id),
        None => {
            let names = column(conn, "SELECT name FROM team ORDER BY name")?;
            Err(Error::not_found("team", name, names.iter().map(String::as_str)))
        }
    }
}

/// A team with how many services it owns.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TeamSummary {
    /// The team.
    #[serde(flatten)]
    pub team: Team,
    /// Services it owns.
    pub services: i64,
    /// Controls it owns by assignment (org-wide or per service).
    pub controls: i64,
}

/// Every team, by name.
pub fn list(conn: &Connection) -> Result<Vec<TeamSummary>> {
    let mut stmt = conn
        .prepare(
            "SELECT t.name, t.contact,
                    (SELECT count(*) FROM service s WHERE s.team_id = t.id),
                    (SELECT count(DISTINCT i.control_id) FROM implementation i WHERE i.owner_team_id = t.id)
             FROM team t ORDER BY t.name",
        )
        .context("list teams")?;
    let rows = stmt
        .query_map([], |r| {
            Ok(TeamSummary {
                team: Team {
                    name: r.get(0)?,
                    contact: r.get(1)?,
                },
                services: r.get(2)?,
                controls: r.get(3)?,
            })
        })
        .context("list teams")?;
    rows.collect::<rusqlite::Result<_>>().context("list teams")
}
