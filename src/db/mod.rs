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
pub use open::{Db, Writer};
pub use rusqlite::Connection;
pub use save::{OnExisting, Outcome, Stored, save};

/// Audit-log queries for the `audit` commands.
pub mod audit_log {
    pub use super::audit::{get, list, missing_guards, newest_at, verify};
}
