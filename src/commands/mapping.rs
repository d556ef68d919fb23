//! `ctrlmap mapping`: crosswalks between controls of different catalogues.

use std::io::Write;
use std::path::PathBuf;

use clap::Subcommand;

use super::{Ctx, open_input, report_import, source_name};
use crate::db::{Outcome, catalogs, mappings};
use crate::error::{Error, Result};
use crate::model::mapping::{Origin, Relationship};
use crate::support::output;

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
        #[arg(long, value_parser = super::one_of::<Relationship>())]
        relationship: Relationship,
        /// Why they relate so.
        #[arg(long)]
        why: String,
        /// Change a mapping that already exists.
        #[arg(long)]
        replace: bool,
    },
    /// Remove a mapping.
    ///
    /// Example: ctrlmap mapping remove srm:SRM-PATCH nist-800-53:SI-2
    Remove {
        /// Source control, CATALOG:KEY.
        source: String,
        /// Target control, CATALOG:KEY.
        target: String,
    },
    /// Import mappings from CSV (source,target,relationship,rationale) or an OSCAL 1.2 mapping
    /// collection (JSON), in one transaction.
    ///
    /// Example: ctrlmap mapping import crosswalk.csv ; ctrlmap mapping import mapping-collection.json
    Import {
        /// The file (.csv, or .json for OSCAL).
        file: PathBuf,
        /// Change mappings that already exist.
        #[arg(long)]
        replace: bool,
        /// Source catalogue of an OSCAL collection [default: from its back-matter].
        #[arg(long)]
        from: Option<String>,
        /// Target catalogue of an OSCAL collection [default: from its back-matter].
        #[arg(long)]
        to: Option<String>,
    },
    /// List mappings, optionally from one catalogue to another.
    ///
    /// Example: ctrlmap mapping list --from srm --to nist-800-53 --json
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
    crate::load::crosswalk::resolve(conn, name)
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
                let why = super::check_text("--why", why, true)?;
                let s = qualified(ctx.db.conn(), source)?;
                let t = qualified(ctx.db.conn(), target)?;
                let outcome = ctx.db.write(&ctx.actor, |w| {
                    crate::load::crosswalk::save(w, &s, &t, *relationship, &why, Origin::User, *replace)
                })?;
                let verb = match outcome {
                    Outcome::Added => "mapped",
                    Outcome::Updated => "updated the mapping",
                    _ => "already mapped",
                };
                writeln!(
                    output::note(),
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
                writeln!(output::note(), "removed the mapping {source} -> {target}")?;
                Ok(())
            }
            MappingCommand::Import {
                file,
                replace,
                from,
                to,
            } => {
                use std::io::Read;
                let mut bytes = Vec::new();
                open_input(file)?
                    .read_to_end(&mut bytes)
                    .map_err(|e| Error::io(file.display(), e))?;
                let name = source_name(file);
                let is_json = file.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"))
                    || crate::import::utf8_text(&name, &bytes)
                        .unwrap_or(&bytes)
                        .iter()
                        .find(|b| !b.is_ascii_whitespace())
                        == Some(&b'{');
                let summary = ctx.db.write(&ctx.actor, |w| {
                    if !is_json {
                        return crate::load::crosswalk::load_csv(
                            w,
                            &name,
                            bytes.as_slice(),
                            Origin::Import,
                            *replace,
                            false,
                        )
                        .map(|(s, _)| s);
                    }
                    let read =
                        crate::export::mapping::read_collection(w, &name, &bytes, from.as_deref(), to.as_deref())?;
                    let mut summary = crate::load::Summary::default();
                    for (sc, sk, tc, tk, relationship, rationale, at) in read {
                        let s = catalogs::find_control(w, &sk, Some(&sc))?;
                        let t = catalogs::find_control(w, &tk, Some(&tc))?;
                        let outcome =
                            crate::load::crosswalk::save(w, &s, &t, relationship, &rationale, Origin::Import, *replace)
                                .map_err(|e| e.at(format!("{name}: {at}")))?;
                        summary.count(outcome);
                    }
                    Ok(summary)
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
