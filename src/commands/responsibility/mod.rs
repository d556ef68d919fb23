//! `ctrlmap responsibility`: the derived matrix, hand-made overrides, and why each value is what it is.
//! Here: the subcommands, `set` / `unset` of overrides with their audit entries, and resolving
//! the control and service a command names (shared with `owner`, `implementation`, `evidence`).
//! The grid is printed in `matrix`, the explanation in `show`.

use std::io::Write;

use clap::{Args, Subcommand};
use serde_json::json;

use super::Ctx;
use crate::db::catalogs::{self, ControlRow};
use crate::db::services::{self, ServiceRow};
use crate::db::{Writer, implementations};
use crate::error::{Error, Result};
use crate::model::Responsibility;
use crate::support::output;

mod matrix;
mod matrix_json;
mod show;
mod todo;

use show::show;

/// Responsibility commands.
#[derive(Debug, Subcommand)]
pub enum ResponsibilityCommand {
    /// The control x service grid: inherited / shared / customer / undetermined, with the
    /// organisation-wide roll-up. `*` marks an override, `+` a value a provider document decides.
    ///
    /// Example: ctrlmap responsibility matrix --service orders-db --json
    Matrix(Matrix),
    /// Why a control is what it is: value, provenance (override / provider / rule / none), rationale,
    /// owner, and what the provider's documents say the customer must do.
    ///
    /// Example: ctrlmap responsibility show SRM-FW --service orders-db
    Show {
        /// Control key, or CATALOG:KEY.
        key: String,
        /// Catalogue, when the key is in several.
        #[arg(long)]
        catalog: Option<String>,
        /// One service; without it, every in-scope service and the roll-up.
        #[arg(long)]
        service: Option<String>,
    },
    /// The customer's part on one service, control by control, in the provider's own words:
    /// every control a provider document speaks about that leaves the customer something to do.
    ///
    /// Example: ctrlmap responsibility todo --service orders-db --json
    Todo {
        /// The service.
        #[arg(long)]
        service: String,
        /// Only this catalogue.
        #[arg(long)]
        catalog: Option<String>,
    },
    /// Override the model's default for a control, on one service or organisation-wide.
    ///
    /// Example: ctrlmap responsibility set SRM-FW --service orders-db --as shared --why "RDS security groups managed by platform team"
    Set {
        /// Control key, or CATALOG:KEY.
        key: String,
        /// Catalogue, when the key is in several.
        #[arg(long)]
        catalog: Option<String>,
        /// The service; without it the override applies organisation-wide.
        #[arg(long)]
        service: Option<String>,
        /// inherited, shared or customer.
        #[arg(long = "as", value_name = "RESPONSIBILITY", value_parser = super::decided())]
        value: Responsibility,
        /// Why (kept with the override and in the audit log).
        #[arg(long)]
        why: String,
    },
    /// Remove an override, so the model's rule applies again.
    ///
    /// Example: ctrlmap responsibility unset SRM-FW --service orders-db
    Unset {
        /// Control key, or CATALOG:KEY.
        key: String,
        /// Catalogue, when the key is in several.
        #[arg(long)]
        catalog: Option<String>,
        /// The service; without it the organisation-wide override is removed.
        #[arg(long)]
        service: Option<String>,
    },
}

/// Which part of the matrix to print.
#[derive(Debug, Args)]
pub struct Matrix {
    /// Catalogue key.
    #[arg(long, default_value = "srm")]
    pub catalog: String,
    /// Only these services (repeatable).
    #[arg(long)]
    pub service: Vec<String>,
    /// Only services owned by this team.
    #[arg(long)]
    pub team: Option<String>,
}

impl ResponsibilityCommand {
    /// Runs the command.
    pub(crate) fn run(&self, ctx: &mut Ctx) -> Result<()> {
        match self {
            ResponsibilityCommand::Matrix(m) => m.print(ctx),
            ResponsibilityCommand::Show { key, catalog, service } => {
                show(ctx, key, catalog.as_deref(), service.as_deref())
            }
            ResponsibilityCommand::Todo { service, catalog } => todo::todo(ctx, service, catalog.as_deref()),
            ResponsibilityCommand::Set {
                key,
                catalog,
                service,
                value,
                why,
            } => {
                let why = super::check_text("--why", why, true)?;
                let why = why.as_str();
                if why.is_empty() {
                    return Err(Error::Invalid("--why must say why the override is made".into()));
                }
                let (control, service) = target(ctx, key, catalog.as_deref(), service.as_deref())?;
                ctx.db.write(&ctx.actor, |w| {
                    record(w, &control, service.as_ref(), Some((*value, why)))
                })?;
                let scope = service
                    .as_ref()
                    .map_or("organisation-wide".to_string(), |s| format!("on {}", s.service.name));
                writeln!(output::note(), "{} is {value} {scope} (override)", control.control.key)?;
                Ok(())
            }
            ResponsibilityCommand::Unset { key, catalog, service } => {
                let (control, service) = target(ctx, key, catalog.as_deref(), service.as_deref())?;
                ctx.db
                    .write(&ctx.actor, |w| record(w, &control, service.as_ref(), None))?;
                writeln!(output::note(), "removed the override of {}", control.control.key)?;
                Ok(())
            }
        }
    }
}

/// Resolves the control and optional service a command names.
pub(crate) fn target(
    ctx: &Ctx,
    key: &str,
    catalog: Option<&str>,
    service: Option<&str>,
) -> Result<(ControlRow, Option<ServiceRow>)> {
    let conn = ctx.db.conn();
    let control = catalogs::find_control(conn, key, catalog)?;
    let service = service.map(|s| services::get(conn, s)).transpose()?;
    Ok((control, service))
}

/// The audit entity for a decision about `control` on `service` (or organisation-wide).
pub(crate) fn decision_entity(control: &ControlRow, service: Option<&ServiceRow>) -> String {
    let on = service.map_or("*", |s| s.service.name.as_str());
    format!("implementation:{}:{}@{on}", control.catalog, control.control.key)
}

fn record(
    w: &Writer<'_>,
    control: &ControlRow,
    service: Option<&ServiceRow>,
    value: Option<(Responsibility, &str)>,
) -> Result<()> {
    let service_id = service.map(|s| s.id);
    let old = implementations::get(w, control.id, service_id)?;
    let old = old.and_then(|i| Some((i.responsibility?, i.why.unwrap_or_default())));
    if value.is_none() && old.is_none() {
        return Err(Error::Invalid(format!(
            "{} has no override here to remove",
            control.control.key
        )));
    }
    implementations::set_responsibility(w, control.id, service_id, value)?;
    let view = |v: Option<(Responsibility, &str)>| v.map(|(r, why)| json!({ "responsibility": r, "why": why }));
    let action = if value.is_some() {
        "responsibility.set"
    } else {
        "responsibility.unset"
    };
    w.audit(
        action,
        &decision_entity(control, service),
        json!({ "old": view(old.as_ref().map(|(r, why)| (*r, why.as_str()))), "new": view(value) }),
    )
}
