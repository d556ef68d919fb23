//! ctrlmap: a command-line tool and SQLite database that maps an organisation's security controls
//! onto the cloud shared responsibility model.
//!
//! Each folder is a layer that imports only from the layers below it (`docs/architecture.md`):
//! `cli -> commands -> (package | report | export) -> (estate | load | evidence) -> import -> db
//! -> model`, with `text`, `error` and `support` as the ground. `estate` answers the questions the
//! store can (the matrix, the (control, service) pairs, gaps, coverage) and never writes; `load`
//! writes; `model` holds the pure rules (derivation, roll-up); `db` is the only module that speaks
//! SQL, and every write runs in one transaction together with its audit-log entries.

pub mod cli;
pub mod commands;
pub mod db;
pub mod error;
pub mod estate;
pub mod evidence;
pub mod export;
pub mod import;
pub mod load;
pub mod model;
pub mod package;
pub mod report;
pub mod scan;
pub mod text;

mod support;

pub use error::{Error, Result};

/// Runs a parsed command line.
pub fn run(cli: cli::Cli) -> Result<()> {
    cli::dispatch(cli)
}
