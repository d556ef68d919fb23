//! The only module that speaks SQL: opening and migrating the database, the write transaction
//! with its audit log, and the query functions of each table.

mod audit;
mod convert;
mod file;
mod open;
mod save;

pub mod catalogs;
pub mod check_maps;
pub mod evaluations;
pub mod evidence;
pub mod implementations;
pub mod mappings;
pub mod observed;
pub mod offerings;
pub mod poam;
pub mod provider_docs;
pub mod resources;
mod rules;
pub mod scans;
pub mod services;
pub mod sources;
pub mod teams;

pub use audit::{Entry, Verification, verify_chain};

/// Statements through the connection's cache of prepared statements: a write that repeats a
/// statement per row (an import) parses its SQL once, not once a row.
pub(crate) trait Cached {
    /// As `Connection::execute`, prepared once.
    fn execute_cached<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize>;
    /// As `Connection::query_row`, prepared once.
    fn query_row_cached<T, P: rusqlite::Params, F: FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>>(
        &self,
        sql: &str,
        params: P,
        f: F,
    ) -> rusqlite::Result<T>;
}

impl Cached for Connection {
    fn execute_cached<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    fn query_row_cached<T, P: rusqlite::Params, F: FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>>(
        &self,
        sql: &str,
        params: P,
        f: F,
    ) -> rusqlite::Result<T> {
        self.prepare_cached(sql)?.query_row(params, f)
    }
}
pub use open::{Db, Writer};
pub use rusqlite::Connection;
pub use save::{OnExisting, Outcome, Stored, save};

/// Audit-log queries for the `audit` commands.
pub mod audit_log {
    pub use super::audit::{get, list, missing_guards, newest_at, verify};
}
