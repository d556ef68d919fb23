//! `ctrlmap owner`: which team owns a control, organisation-wide or on one service.

use std::io::Write;

use clap::Subcommand;
use serde_json::json;

use super::Ctx;
use super::responsibility::{decision_entity, target};
use crate::db::{implementations, teams};
use crate::error::{Error, Result};
use crate::support::output;

/// Owner commands.
#[derive(Debug, Subcommand)]
pub enum OwnerCommand {
    /// Assign a team to a control, organisation-wide or (with --service) on one service.
    ///
    /// Example: ctrlmap owner set SRM-PATCH --team platform --service orders-db
    Set {
        /// Control key, or CATALOG:KEY.
        key: String,
        /// The owning team.
        #[arg(long)]
        team: String,
        /// The service; without it the team owns the control organisation-wide.
        #[arg(long)]
        service: Option<String>,
        /// Catalogue, when the key is in several.
        #[arg(long)]
        catalog: Option<String>,
    },
    /// Remove an assignment, so ownership falls back (organisation-wide owner, then service team).
    ///
    /// Example: ctrlmap owner unset SRM-PATCH --service orders-db
    Unset {
        /// Control key, or CATALOG:KEY.
        key: String,
        /// The service; without it the organisation-wide owner is removed.
        #[arg(long)]
        service: Option<String>,
        /// Catalogue, when the key is in several.
        #[arg(long)]
        catalog: Option<String>,
    },
}

impl OwnerCommand {
    /// Runs the command.
    pub(crate) fn run(&self, ctx: &mut Ctx) -> Result<()> {
        let (key, team, service, catalog) = match self {
            OwnerCommand::Set {
                key,
                team,
                service,
                catalog,
            } => (key, Some(team), service, catalog),
            OwnerCommand::Unset { key, service, catalog } => (key, None, service, catalog),
        };
        let (control, service) = target(ctx, key, catalog.as_deref(), service.as_deref())?;
        let team_id = team.map(|t| teams::id(ctx.db.conn(), t)).transpose()?;
        ctx.db.write(&ctx.actor, |w| {
            let service_id = service.as_ref().map(|s| s.id);
            let old = implementations::get(w, control.id, service_id)?.and_then(|i| i.owner);
            if team.is_none() && old.is_none() {
                return Err(Error::Invalid(format!(
                    "{} has no owner assigned here to remove",
                    control.control.key
                )));
            }
            implementations::set_owner(w, control.id, service_id, team_id)?;
            let action = if team.is_some() { "owner.set" } else { "owner.unset" };
            w.audit(
                action,
                &decision_entity(&control, service.as_ref()),
                json!({ "old": old, "new": team }),
            )
        })?;
        let scope = service
            .as_ref()
            .map_or("organisation-wide".to_string(), |s| format!("on {}", s.service.name));
        let mut out = output::note();
        match team {
            Some(t) => writeln!(out, "{} is owned by {t} {scope}", control.control.key)?,
            None => writeln!(out, "removed the owner of {} {scope}", control.control.key)?,
        }
        Ok(())
    }
}
