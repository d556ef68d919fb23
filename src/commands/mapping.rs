//! `ctrlmap mapping`: crosswalks between controls of different catalogues.

use std::io::Write;
use std::path::PathBuf;

use clap::Subcommand;

use super::{Ctx, open_input, report_import, source_name};
use crate::db::{Outcome, catalogs, mappings};
use crate::error::{Error, Result};
use crate::model::mapping::{Origin, Relationship};
use crate::output;

/// Mapping commands.
#[derive(Debug, Subcommand)]
pub enum MappingCommand {
    /// Map a source control to a target control.
    ///
    /// Example: ctrlmap mapping add srm:SRM-PATCH nist-800-53:SI-2 --relationship equal --why "both require timely flaw remediation"
    Add {
        /// Source control, CATALOG:KEY.
        source: String,
        /// Target control, CATALOG:KEY.
        target: String,
        /// equal, subset (source is part of target), superset, intersect or related.
        #[arg(long)]
        relationship: Relationship,
        /// Why they relate so.
        #[arg(long)]
        why: String,
        /// Change a mapping that already exists.
        #[arg(long)]
        replace: bool,
    },
    /// Remove a mapping.
    Remove {
        /// Source control, CATALOG:KEY.
        source: String,
        /// Target control, CATALOG:KEY.
        target: String,
    },
    /// Import mappings from CSV (source,target,relationship,rationale), in one transaction.
    Import {
        /// The file.
        file: PathBuf,
        /// Change mappings that already exist.
        #[arg(long)]
        replace: bool,
    },
    /// List mappings, optionally from one catalogue to another.
    List {
        /// Source catalogue.
        #[arg(long)]
        from: Option<String>,
        /// Target catalogue.
        #[arg(long)]
        to: Option<String>,
    },
}

/// Resolves CATALOG:KEY, insisting on the catalogue part.
pub(crate) fn qualified(conn: &crate::db::Connection, name: &str) -> Result<catalogs::ControlRow> {
    if !name.contains(':') {
        return Err(Error::Invalid(format!(
            "\"{name}\": write controls as CATALOG:KEY, e.g. srm:{name}"
        )));
    }
    catalogs::find_control(conn, name, None)
}

impl MappingCommand {
    /// Runs the command.
    pub(crate) fn run(&self, ctx: &mut Ctx) -> Result<()> {
        match self {
            MappingCommand::Add {
                source,
                target,
                relationship,
                why,
                replace,
            } => {
                let s = qualified(ctx.db.conn(), source)?;
                let t = qualified(ctx.db.conn(), target)?;
                let outcome = ctx.db.write(&ctx.actor, |w| {
                    crate::crosswalk::save(w, &s, &t, *relationship, why, Origin::User, *replace)
                })?;
                let verb = match outcome {
                    Outcome::Added => "mapped",
                    Outcome::Updated => "updated the mapping",
                    _ => "already mapped",
                };
                writeln!(
                    output::stdout(),
                    "{verb} {}:{} -> {}:{} ({relationship})",
                    s.catalog,
                    s.control.key,
                    t.catalog,
                    t.control.key
                )?;
                Ok(())
            }
            MappingCommand::Remove { source, target } => {
                let s = qualified(ctx.db.conn(), source)?;
                let t = qualified(ctx.db.conn(), target)?;
                ctx.db.write(&ctx.actor, |w| {
                    if !mappings::remove(w, s.id, t.id)? {
                        return Err(Error::Invalid(format!("{source} is not mapped to {target}")));
                    }
                    w.audit(
                        "mapping.remove",
                        &format!(
                            "mapping:{}:{}->{}:{}",
                            s.catalog, s.control.key, t.catalog, t.control.key
                        ),
                        serde_json::json!({}),
                    )
                })?;
                writeln!(output::stdout(), "removed the mapping {source} -> {target}")?;
                Ok(())
            }
            MappingCommand::Import { file, replace } => {
                let input = open_input(file)?;
                let (summary, _) = ctx.db.write(&ctx.actor, |w| {
                    crate::crosswalk::load_csv(w, &source_name(file), input, Origin::Import, *replace, false)
                })?;
                report_import(ctx, "mappings", summary)
            }
            MappingCommand::List { from, to } => {
                let conn = ctx.db.conn();
                for c in [from, to].into_iter().flatten() {
                    catalogs::get(conn, c)?;
                }
                let list = mappings::list(conn, from.as_deref(), to.as_deref())?;
                let mut out = output::stdout();
                if ctx.json {
                    return output::print_json(&mut out, &list);
                }
                let rows = list.iter().map(|m| {
                    vec![
                        format!("{}:{}", m.source_catalog, m.source),
                        m.relationship.to_string(),
                        format!("{}:{}", m.target_catalog, m.target),
                        m.origin.to_string(),
                        m.rationale.clone(),
                    ]
                });
                output::print_table(
                    &mut out,
                    &output::table(&["source", "relationship", "target", "origin", "rationale"], rows),
                )
            }
        }
    }
}
