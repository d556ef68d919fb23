//! Provider documents and their statements (migration V8): what a provider says it provides and
//! what it leaves to the customer, per control and offering.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::error::{Result, SqlContext};
use crate::model::provider::{DocumentKind, StatementKind};

/// A document to store.
#[derive(Debug, Clone)]
pub struct NewDocument<'a> {
    /// Provider row id.
    pub provider_id: i64,
    /// Catalogue row id the statements' controls belong to.
    pub catalog_id: i64,
    /// Kind.
    pub kind: DocumentKind,
    /// Title.
    pub title: &'a str,
    /// The file as named on the command line.
    pub file_name: &'a str,
    /// SHA-256 of the file, hex.
    pub sha256: &'a str,
    /// OSCAL document uuid, or empty.
    pub uuid: &'a str,
    /// Document version, or empty.
    pub version: &'a str,
    /// When.
    pub imported_at: &'a str,
    /// Who.
    pub imported_by: &'a str,
}

/// A stored document, as `provider documents` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentRow {
    /// Row id (the DOC-ID of `provider remove`).
    pub id: i64,
    /// Provider key.
    pub provider: String,
    /// Catalogue key.
    pub catalog: String,
    /// Kind.
    pub kind: DocumentKind,
    /// Title.
    pub title: String,
    /// File name as imported.
    pub file: String,
    /// SHA-256 of the file.
    pub sha256: String,
    /// OSCAL uuid, or empty.
    pub uuid: String,
    /// Version, or empty.
    pub version: String,
    /// When imported.
    pub imported_at: String,
    /// By whom.
    pub imported_by: String,
    /// Offering keys it speaks for.
    pub offerings: Vec<String>,
    /// Statements stored (one per control and offering).
    pub statements: i64,
}

/// A stored statement with what provenance needs to name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementRow {
    /// Document row id.
    pub document_id: i64,
    /// Document title.
    pub document_title: String,
    /// Document SHA-256.
    pub document_sha256: String,
    /// Document kind.
    pub document_kind: DocumentKind,
    /// Provider key.
    pub provider: String,
    /// Control row id.
    #[serde(skip)]
    pub control_id: i64,
    /// The control's catalogue key.
    pub catalog: String,
    /// Control key.
    pub control: String,
    /// Offering row id.
    #[serde(skip)]
    pub offering_id: i64,
    /// Offering key.
    pub offering: String,
    /// Provided or responsibility.
    pub kind: StatementKind,
    /// Statement uuid.
    pub uuid: String,
    /// For a responsibility, the provided statement it completes.
    pub provided_uuid: Option<String>,
    /// Text.
    pub description: String,
    /// Component or feature.
    pub component: String,
    /// Roles.
    pub roles: String,
    /// Implementation state given.
    pub state: String,
    /// Provided but not complete.
    pub partial: bool,
    /// Where in the document.
    pub location: String,
}

/// Inserts a document; returns its id.
pub fn insert_document(conn: &Connection, d: &NewDocument<'_>) -> Result<i64> {
    conn.execute(
        "INSERT INTO provider_document (provider_id, catalog_id, kind, title, file_name, sha256, document_uuid,
                                        version, imported_at, imported_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            d.provider_id,
            d.catalog_id,
            d.kind,
            d.title,
            d.file_name,
            d.sha256,
            d.uuid,
            d.version,
            d.imported_at,
            d.imported_by
        ],
    )
    .context("add a provider document")?;
    Ok(conn.last_insert_rowid())
}

/// Records that document `document` speaks for offering `offering`.
pub fn link_offering(conn: &Connection, document: i64, offering: i64) -> Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO provider_document_offering (document_id, offering_id) VALUES (?1, ?2)",
        params![document, offering],
    )
    .context("link a provider document to an offering")?;
    Ok(())
}

/// A statement to store.
#[derive(Debug, Clone)]
pub struct NewStatement<'a> {
    /// Control row id.
    pub control_id: i64,
    /// Offering row id.
    pub offering_id: i64,
    /// Kind.
    pub kind: StatementKind,
    /// Uuid.
    pub uuid: &'a str,
    /// Provided uuid of a responsibility.
    pub provided_uuid: Option<&'a str>,
    /// Text.
    pub description: &'a str,
    /// Component.
    pub component: &'a str,
    /// Roles.
    pub roles: &'a str,
    /// State.
    pub state: &'a str,
    /// Partial.
    pub partial: bool,
    /// Where.
    pub location: &'a str,
}

/// Inserts a statement of `document`.
pub fn insert_statement(conn: &Connection, document: i64, s: &NewStatement<'_>) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO provider_statement (document_id, control_id, offering_id, kind, uuid, provided_uuid, description,
                                         component, roles, state, partial, location)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )
    .context("add a provider statement")?
    .execute(params![
        document,
        s.control_id,
        s.offering_id,
        s.kind,
        s.uuid,
        s.provided_uuid,
        s.description,
        s.component,
        s.roles,
        s.state,
        s.partial,
        s.location
    ])
    .context("add a provider statement")?;
    Ok(())
}

const DOCUMENT: &str = "SELECT d.id, p.key, c.key, d.kind, d.title, d.file_name, d.sha256, d.document_uuid, d.version,
                               d.imported_at, d.imported_by,
                               (SELECT group_concat(key, ',') FROM (SELECT o.key FROM provider_document_offering x
                                    JOIN offering o ON o.id = x.offering_id WHERE x.document_id = d.id ORDER BY o.key)),
                               (SELECT count(*) FROM provider_statement s WHERE s.document_id = d.id)
                        FROM provider_document d JOIN provider p ON p.id = d.provider_id
                        JOIN catalog c ON c.id = d.catalog_id";

fn document_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DocumentRow> {
    let offerings: Option<String> = r.get(11)?;
    Ok(DocumentRow {
        id: r.get(0)?,
        provider: r.get(1)?,
        catalog: r.get(2)?,
        kind: r.get(3)?,
        title: r.get(4)?,
        file: r.get(5)?,
        sha256: r.get(6)?,
        uuid: r.get(7)?,
        version: r.get(8)?,
        imported_at: r.get(9)?,
        imported_by: r.get(10)?,
        offerings: offerings
            .map(|o| o.split(',').map(str::to_string).collect())
            .unwrap_or_default(),
        statements: r.get(12)?,
    })
}

/// Every document, oldest first.
pub fn documents(conn: &Connection) -> Result<Vec<DocumentRow>> {
    let mut stmt = conn
        .prepare(&format!("{DOCUMENT} ORDER BY d.id"))
        .context("list provider documents")?;
    let rows = stmt.query_map([], document_row).context("list provider documents")?;
    rows.collect::<rusqlite::Result<_>>().context("list provider documents")
}

/// Document `id`, if stored.
pub fn document(conn: &Connection, id: i64) -> Result<Option<DocumentRow>> {
    conn.query_row(&format!("{DOCUMENT} WHERE d.id = ?1"), [id], document_row)
        .optional()
        .context("look up a provider document")
}

/// Documents of provider `provider_id` that speak for any of `offerings`, with the offerings they share.
pub fn overlapping(conn: &Connection, provider_id: i64, offerings: &[i64]) -> Result<Vec<(i64, Vec<i64>)>> {
    let mut stmt = conn
        .prepare(
            "SELECT x.document_id, x.offering_id FROM provider_document_offering x
             JOIN provider_document d ON d.id = x.document_id
             WHERE d.provider_id = ?1 ORDER BY x.document_id, x.offering_id",
        )
        .context("find earlier provider documents")?;
    let rows = stmt
        .query_map([provider_id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))
        .context("find earlier provider documents")?;
    let mut found: Vec<(i64, Vec<i64>)> = Vec::new();
    for row in rows {
        let (doc, offering) = row.context("find earlier provider documents")?;
        if !offerings.contains(&offering) {
            continue;
        }
        match found.last_mut() {
            Some((d, list)) if *d == doc => list.push(offering),
            _ => found.push((doc, vec![offering])),
        }
    }
    Ok(found)
}

/// Removes what document `document` says about `offering`; removes the document when it then
/// speaks for no offering. Returns whether the document is gone.
pub fn withdraw(conn: &Connection, document: i64, offering: i64) -> Result<bool> {
    conn.execute(
        "DELETE FROM provider_statement WHERE document_id = ?1 AND offering_id = ?2",
        params![document, offering],
    )
    .context("remove provider statements")?;
    conn.execute(
        "DELETE FROM provider_document_offering WHERE document_id = ?1 AND offering_id = ?2",
        params![document, offering],
    )
    .context("remove provider statements")?;
    let left: i64 = conn
        .query_row(
            "SELECT count(*) FROM provider_document_offering WHERE document_id = ?1",
            [document],
            |r| r.get(0),
        )
        .context("remove provider statements")?;
    if left == 0 {
        remove(conn, document)?;
        return Ok(true);
    }
    Ok(false)
}

/// Removes document `id` with its statements; false when there is none.
pub fn remove(conn: &Connection, id: i64) -> Result<bool> {
    conn.execute("DELETE FROM provider_statement WHERE document_id = ?1", [id])
        .context("remove a provider document")?;
    conn.execute("DELETE FROM provider_document_offering WHERE document_id = ?1", [id])
        .context("remove a provider document")?;
    let n = conn
        .execute("DELETE FROM provider_document WHERE id = ?1", [id])
        .context("remove a provider document")?;
    Ok(n > 0)
}

const STATEMENT: &str =
    "SELECT s.document_id, d.title, d.sha256, d.kind, p.key, s.control_id, k.key, s.offering_id, o.key,
                                s.kind, s.uuid, s.provided_uuid, s.description, s.component, s.roles, s.state,
                                s.partial, s.location, cat.key
                         FROM provider_statement s JOIN provider_document d ON d.id = s.document_id
                         JOIN provider p ON p.id = d.provider_id
                         JOIN control k ON k.id = s.control_id JOIN offering o ON o.id = s.offering_id
                         JOIN catalog cat ON cat.id = k.catalog_id";

fn statement_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StatementRow> {
    Ok(StatementRow {
        document_id: r.get(0)?,
        document_title: r.get(1)?,
        document_sha256: r.get(2)?,
        document_kind: r.get(3)?,
        provider: r.get(4)?,
        control_id: r.get(5)?,
        catalog: r.get(18)?,
        control: r.get(6)?,
        offering_id: r.get(7)?,
        offering: r.get(8)?,
        kind: r.get(9)?,
        uuid: r.get(10)?,
        provided_uuid: r.get(11)?,
        description: r.get(12)?,
        component: r.get(13)?,
        roles: r.get(14)?,
        state: r.get(15)?,
        partial: r.get(16)?,
        location: r.get(17)?,
    })
}

fn statements_where(conn: &Connection, filter: &str, args: impl rusqlite::Params) -> Result<Vec<StatementRow>> {
    let mut stmt = conn
        .prepare(&format!(
            "{STATEMENT} WHERE {filter} ORDER BY k.sort_key, k.key, o.key, s.id"
        ))
        .context("read provider statements")?;
    let rows = stmt
        .query_map(args, statement_row)
        .context("read provider statements")?;
    rows.collect::<rusqlite::Result<_>>()
        .context("read provider statements")
}

/// Every statement about controls of catalogue `catalog_id`, in catalogue order.
pub fn for_catalog(conn: &Connection, catalog_id: i64) -> Result<Vec<StatementRow>> {
    statements_where(conn, "k.catalog_id = ?1", [catalog_id])
}

/// The statements about `control_id` on `offering_id`.
pub fn for_pair(conn: &Connection, control_id: i64, offering_id: i64) -> Result<Vec<StatementRow>> {
    statements_where(
        conn,
        "s.control_id = ?1 AND s.offering_id = ?2",
        params![control_id, offering_id],
    )
}

/// The statements about offering `offering_id`, in catalogue order.
pub fn for_offering(conn: &Connection, offering_id: i64) -> Result<Vec<StatementRow>> {
    statements_where(conn, "s.offering_id = ?1", [offering_id])
}

/// The statements of document `id`.
pub fn of_document(conn: &Connection, id: i64) -> Result<Vec<StatementRow>> {
    statements_where(conn, "s.document_id = ?1", [id])
}

/// Whether any provider statement is stored (so derivation can skip the layer when none is).
pub fn any(conn: &Connection) -> Result<bool> {
    conn.query_row("SELECT EXISTS (SELECT 1 FROM provider_statement)", [], |r| r.get(0))
        .context("read provider statements")
}

/// Each service's offering row id, by service row id.
pub fn service_offerings(conn: &Connection) -> Result<HashMap<i64, i64>> {
    let mut stmt = conn
        .prepare("SELECT id, offering_id FROM service")
        .context("read services' offerings")?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .context("read services' offerings")?;
    rows.collect::<rusqlite::Result<_>>()
        .context("read services' offerings")
}
