//! `ctrlmap implementation`: how far a control is implemented, on a service or organisation-wide.

use std::io::Write;

use clap::Subcommand;
use serde_json::json;

use super::Ctx;
use super::check_text;
use super::responsibility::{decision_entity, target};
use crate::db::implementations;
use crate::error::{Error, Result};
use crate::model::ImplementationStatus;
use crate::support::output;

/// Implementation commands.
#[derive(Debug, Subcommand)]
pub enum ImplementationCommand {
    /// Record the implementation status (and a statement of how) of a control.
    ///
    /// Example: ctrlmap implementation set SRM-PATCH --service web-frontend --status implemented --statement "SSM patch baseline, weekly"
    Set {
        /// Control key, or CATALOG:KEY.
        key: String,
        /// implemented, partial, planned, alternative or not-applicable.
        #[arg(long, value_parser = super::one_of::<ImplementationStatus>())]
        status: ImplementationStatus,
        /// How the control is implemented.
        #[arg(long, default_value = "", allow_hyphen_values = true)]
        statement: String,
        /// The service; without it, for the control organisation-wide.
        #[arg(long)]
        service: Option<String>,
        /// Catalogue, when the key is in several.
        #[arg(long)]
        catalog: Option<String>,
    },
    /// Remove a recorded status and statement.
    ///
    /// Example: ctrlmap implementation unset SRM-PATCH --service orders-db
    Unset {
        /// Control key, or CATALOG:KEY.
        key: String,
        /// The service; without it, the organisation-wide record.
        #[arg(long)]
        service: Option<String>,
        /// Catalogue, when the key is in several.
        #[arg(long)]
        catalog: Option<String>,
    },
}

impl ImplementationCommand {
    /// Runs the command.
    pub(crate) fn run(&self, ctx: &mut Ctx) -> Result<()> {
        let (key, status, statement, service, catalog) = match self {
            ImplementationCommand::Set {
                key,
                status,
                statement,
                service,
                catalog,
            } => (
                key,
                Some(*status),
                check_text("--statement", statement, true)?,
                service,
                catalog,
            ),
            ImplementationCommand::Unset { key, service, catalog } => (key, None, String::new(), service, catalog),
        };
        let statement = statement.as_str();
        let (control, service) = target(ctx, key, catalog.as_deref(), service.as_deref())?;
        ctx.db.write(&ctx.actor, |w| {
            let service_id = service.as_ref().map(|s| s.id);
            let old = implementations::get(w, control.id, service_id)?.and_then(|i| i.status);
            let old_statement = implementations::statement(w, control.id, service_id)?;
            if status.is_none() && old.is_none() && old_statement.is_empty() {
                // Nothing to remove: say so rather than log a change that did not happen.
                let on = service
                    .as_ref()
                    .map_or("organisation-wide".to_string(), |s| format!("on {}", s.service.name));
                return Err(Error::Invalid(format!(
                    "{} has no implementation status or statement recorded {on} to remove",
                    control.control.key
                )));
            }
            implementations::set_status(w, control.id, service_id, status.map(|s| s.as_str()), statement)?;
            w.audit(
                if status.is_some() { "implementation.set" } else { "implementation.unset" },
                &decision_entity(&control, service.as_ref()),
                json!({ "old": { "status": old, "statement": old_statement }, "new": { "status": status, "statement": statement } }),
            )
        })?;
        let on = service
            .as_ref()
            .map_or("organisation-wide".to_string(), |s| format!("on {}", s.service.name));
        match status {
            Some(s) => writeln!(output::note(), "{} is {s} {on}", control.control.key)?,
            None => writeln!(
                output::note(),
                "removed the implementation record of {} {on}",
                control.control.key
            )?,
        }
        Ok(())
    }
}
