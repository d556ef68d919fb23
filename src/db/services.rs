//! The organisation's services and the offering (and so the category) each runs on.

use crate::db::Cached;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::offerings::column;
use super::{Stored, offerings, teams};
use crate::error::{Error, Result, SqlContext};
use crate::model::{Category, Service};

/// A service with what the derivation needs to know about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceRow {
    /// Row id.
    #[serde(skip)]
    pub id: i64,
    /// The service as recorded.
    #[serde(flatten)]
    pub service: Service,
    /// The offering's display name.
    pub offering_name: String,
    /// The offering's category.
    pub category: Category,
}

const SELECT: &str = "SELECT s.id, s.name, o.key, t.name, s.environment, s.region, s.data_classification,
                             s.in_scope, o.name, o.category
                      FROM service s JOIN offering o ON o.id = s.offering_id
                      LEFT JOIN team t ON t.id = s.team_id";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ServiceRow> {
    Ok(ServiceRow {
        id: r.get(0)?,
        service: Service {
            name: r.get(1)?,
            offering: r.get(2)?,
            team: r.get(3)?,
            environment: r.get(4)?,
            region: r.get(5)?,
            data_classification: r.get(6)?,
            in_scope: r.get(7)?,
        },
        offering_name: r.get(8)?,
        category: r.get(9)?,
    })
}

impl Stored for Service {
    const WHAT: &'static str = "service";

    fn key(&self) -> String {
        self.name.clone()
    }

    fn find(&self, conn: &Connection) -> Result<Option<(i64, Self)>> {
        find(conn, &self.name).map(|found| found.map(|s| (s.id, s.service)))
    }

    fn insert(&self, conn: &Connection) -> Result<i64> {
        let (offering, team) = references(conn, self)?;
        conn.execute_cached(
            "INSERT INTO service (name, offering_id, team_id, environment, region, data_classification, in_scope)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                self.name,
                offering,
                team,
                self.environment,
                self.region,
                self.data_classification,
                self.in_scope
            ],
        )
        .context("add a service")?;
        Ok(conn.last_insert_rowid())
    }

    fn update(&self, conn: &Connection, id: i64) -> Result<()> {
        let (offering, team) = references(conn, self)?;
        conn.execute_cached(
            "UPDATE service SET offering_id = ?2, team_id = ?3, environment = ?4, region = ?5,
                    data_classification = ?6, in_scope = ?7
             WHERE id = ?1",
            params![
                id,
                offering,
                team,
                self.environment,
                self.region,
                self.data_classification,
                self.in_scope
            ],
        )
        .context("update a service")?;
        Ok(())
    }
}

/// Resolves the offering and team a service names, each error naming its column.
fn references(conn: &Connection, s: &Service) -> Result<(i64, Option<i64>)> {
    let (offering, _) = offerings::get(conn, &s.offering).map_err(|e| e.at("column \"offering\""))?;
    let team = match &s.team {
        Some(name) => Some(teams::id(conn, name).map_err(|e| e.at("column \"team\""))?),
        None => None,
    };
    Ok((offering, team))
}

fn find(conn: &Connection, name: &str) -> Result<Option<ServiceRow>> {
    conn.query_row_cached(&format!("{SELECT} WHERE s.name = ?1"), [name], row)
        .optional()
        .context("look up a service")
}

/// Service `name`, or NotFound with a suggestion.
pub fn get(conn: &Connection, name: &str) -> Result<ServiceRow> {
    match find(conn, name)? {
        Some(found) => Ok(found),
        None => {
            let names = column(conn, "SELECT name FROM service ORDER BY name")?;
            Err(Error::not_found("service", name, names.iter().map(String::as_str)))
        }
    }
}

/// Which services to list.
#[derive(Debug, Default, Clone)]
pub struct Filter<'a> {
    /// Only services owned by this team.
    pub team: Option<&'a str>,
    /// Only services on offerings of this category.
    pub category: Option<Category>,
    /// Only services in scope.
    pub in_scope_only: bool,
}

/// Services matching `filter`, by name.
pub fn list(conn: &Connection, filter: &Filter<'_>) -> Result<Vec<ServiceRow>> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "{SELECT} WHERE (?1 IS NULL OR t.name = ?1) AND (?2 IS NULL OR o.category = ?2)
                        AND (?3 = 0 OR s.in_scope = 1)
             ORDER BY s.name"
        ))
        .context("list services")?;
    let rows = stmt
        .query_map(params![filter.team, filter.category, filter.in_scope_only], row)
        .context("list services")?;
    rows.collect::<rusqlite::Result<_>>().context("list services")
}
