//! `ctrlmap audit`: read and verify the hash-chained audit log.

use std::io::Write;

use clap::Subcommand;

use super::Ctx;
use crate::db::audit_log;
use crate::error::{Error, Result};
use crate::support::output;

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
    /// Recompute the hash chain and check the append-only guards; exit 1 naming the first problem.
    ///
    /// Example: ctrlmap audit verify --expect 42:3f5a...
    ///
    /// It prints the last entry's id and hash: keep that somewhere else and pass it back with
    /// --expect to prove the log was neither truncated nor rewritten since.
    Verify {
        /// A head printed by an earlier verify (ID:HASH) that must still be in the chain.
        #[arg(long, value_name = "ID:HASH")]
        expect: Option<String>,
    },
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
            AuditCommand::Verify { expect } => {
                let anchor = expect.as_deref().map(parse_anchor).transpose()?;
                let v = audit_log::verify(conn)?;
                let missing = audit_log::missing_guards(conn)?;
                if ctx.json {
                    output::print_json(
                        &mut out,
                        &serde_json::json!({ "verification": v, "missing_guards": missing }),
                    )?;
                }
                if let Some((e, why)) = v.first_break {
                    return Err(Error::CheckFailed(format!(
                        "audit log broken at entry {} ({} {} by {} at {}): {why}",
                        e.id, e.action, e.entity, e.actor, e.at
                    )));
                }
                if !missing.is_empty() {
                    return Err(Error::CheckFailed(format!(
                        "audit log unguarded: trigger {} was removed, so entries could be changed without a trace in the schema",
                        missing.join(" and ")
                    )));
                }
                if let Some((id, hash)) = anchor {
                    let found = audit_log::get(conn, id)?;
                    match found {
                        Some(e) if e.hash == hash => {}
                        Some(_) => {
                            return Err(Error::CheckFailed(format!(
                                "audit log rewritten: entry {id} no longer has the expected hash"
                            )));
                        }
                        None => {
                            return Err(Error::CheckFailed(format!(
                                "audit log truncated: entry {id} is gone (the log has {} entries)",
                                v.entries
                            )));
                        }
                    }
                }
                if !ctx.json {
                    writeln!(out, "audit log intact: {} entries, hash chain verified", v.entries)?;
                    if let Some((id, hash)) = &v.head {
                        writeln!(out, "head: {id}:{hash}")?;
                    }
                }
                Ok(())
            }
        }
    }
}

/// Parses `ID:HASH`.
fn parse_anchor(text: &str) -> Result<(i64, String)> {
    let bad = || {
        Error::Invalid(format!(
            "--expect \"{text}\": expected ID:HASH as printed by `ctrlmap audit verify`"
        ))
    };
    let (id, hash) = text.trim().split_once(':').ok_or_else(bad)?;
    let id = id.parse().map_err(|_| bad())?;
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    Ok((id, hash.to_ascii_lowercase()))
}
