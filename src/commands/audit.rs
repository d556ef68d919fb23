//! `ctrlmap audit`: read and verify the hash-chained audit log.

use std::io::Write;

use clap::Subcommand;

use super::Ctx;
use crate::db::audit_log;
use crate::error::{Error, Result};
use crate::output;

/// Audit commands.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Show the audit log, oldest first.
    ///
    /// Example: ctrlmap audit log --limit 20 --entity service:
    Log {
        /// Only the newest N entries.
        #[arg(long)]
        limit: Option<u64>,
        /// Only entries whose entity starts with this, e.g. `service:orders-db`.
        #[arg(long)]
        entity: Option<String>,
    },
    /// Recompute the hash chain; exit 1 naming the first entry that does not fit.
    Verify,
}

impl AuditCommand {
    /// Runs the command.
    pub(crate) fn run(&self, ctx: &mut Ctx) -> Result<()> {
        let conn = ctx.db.conn();
        let mut out = output::stdout();
        match self {
            AuditCommand::Log { limit, entity } => {
                let entries = audit_log::list(conn, *limit, entity.as_deref())?;
                if ctx.json {
                    return output::print_json(&mut out, &entries);
                }
                let rows = entries.iter().map(|e| {
                    vec![
                        e.id.to_string(),
                        e.at.clone(),
                        e.actor.clone(),
                        e.action.clone(),
                        e.entity.clone(),
                        e.details.clone(),
                    ]
                });
                let headers = ["#", "at", "actor", "action", "entity", "details"];
                output::print_table(&mut out, &output::table(&headers, rows))
            }
            AuditCommand::Verify => {
                let v = audit_log::verify(conn)?;
                if ctx.json {
                    output::print_json(&mut out, &v)?;
                }
                match v.first_break {
                    None => {
                        if !ctx.json {
                            writeln!(out, "audit log intact: {} entries, hash chain verified", v.entries)?;
                        }
                        Ok(())
                    }
                    Some((e, why)) => Err(Error::CheckFailed(format!(
                        "audit log broken at entry {} ({} {} by {} at {}): {why}",
                        e.id, e.action, e.entity, e.actor, e.at
                    ))),
                }
            }
        }
    }
}
