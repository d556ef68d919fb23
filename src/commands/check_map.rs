//! `ctrlmap check-map`: which controls a scanner's checks stand for, from Prowler's framework
//! files or a CSV of your own (`check,control,relationship,rationale`).

use std::io::Write;
use std::path::PathBuf;

use clap::Subcommand;
use serde::Serialize;
use serde_json::json;

use super::Ctx;
use crate::db::check_maps::{self, NewRow, Stored};
use crate::error::{Error, Result};
use crate::support::output;

/// Check-map commands.
#[derive(Debug, Subcommand)]
pub enum CheckMapCommand {
    /// Import a check map: Prowler's framework JSON (Requirements[].Id and Checks[]) or a CSV
    /// with the header check,control,relationship,rationale. All or nothing: a CSV row naming a
    /// control the catalogue lacks refuses the file; in a framework JSON such a requirement is
    /// skipped and named (published files hold a few ids of no rev 5 control).
    ///
    /// Example: ctrlmap check-map import prowler/nist_800_53_revision_5_aws.json --catalog nist-800-53
    Import {
        /// The file.
        file: PathBuf,
        /// The catalogue its controls are in.
        #[arg(long, default_value = super::scan::DEFAULT_CATALOG)]
        catalog: String,
    },
    /// List check-map rows.
    ///
    /// Example: ctrlmap check-map list --check iam_root_mfa_enabled
    List {
        /// Only this check.
        #[arg(long)]
        check: Option<String>,
        /// Only this control (KEY or CATALOG:KEY).
        #[arg(long)]
        control: Option<String>,
    },
}

/// What an import stored.
#[derive(Debug, Default, Serialize)]
struct Imported {
    added: usize,
    updated: usize,
    unchanged: usize,
    skipped_not_implemented: usize,
    /// Controls a framework file names that the catalogue lacks, with where each first appears.
    skipped_unknown: Vec<(String, String)>,
    /// How many (check, control) rows those were.
    skipped_rows: usize,
    checks: usize,
    controls: usize,
}

impl CheckMapCommand {
    /// Runs the command.
    pub(crate) fn run(&self, ctx: &mut Ctx) -> Result<()> {
        match self {
            CheckMapCommand::Import { file, catalog } => import(ctx, file, catalog),
            CheckMapCommand::List { check, control } => {
                let conn = ctx.db.conn();
                let control = control
                    .as_deref()
                    .map(|k| crate::db::catalogs::find_control(conn, k, None))
                    .transpose()
                    .map_err(|e| e.at("--control"))?;
                let rows = check_maps::list(conn, check.as_deref(), control.as_ref().map(|c| c.id))?;
                let mut out = output::stdout();
                if ctx.json {
                    return output::print_json(&mut out, &rows);
                }
                let body = rows.iter().map(|r| {
                    let control = match &r.part {
                        Some(p) => format!("{} ({p})", r.control),
                        None => r.control.clone(),
                    };
                    vec![
                        crate::text::one_line(&r.check).into_owned(),
                        control,
                        r.relationship.to_string(),
                        crate::text::one_line(&r.rationale).into_owned(),
                        crate::text::one_line(&r.source_file).into_owned(),
                    ]
                });
                let headers = ["check", "control", "relationship", "rationale", "source"];
                output::print_table(&mut out, &output::table(&headers, body))
            }
        }
    }
}

fn import(ctx: &mut Ctx, file: &std::path::Path, catalog: &str) -> Result<()> {
    let source = super::source_name(file);
    let mut bytes = Vec::new();
    {
        use std::io::Read;
        super::open_input(file)?
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io(&source, e))?;
    }
    let sha = crate::support::hex::encode(&<sha2::Sha256 as sha2::Digest>::digest(&bytes));
    let map = crate::scan::checkmap::read(&source, &bytes)?;
    let name = file
        .file_name()
        .map_or_else(|| source.clone(), |n| n.to_string_lossy().into_owned());
    let done = ctx.db.write(&ctx.actor, |w| {
        let (catalog_id, _) = crate::db::catalogs::get(w, catalog).map_err(|e| e.at("--catalog"))?;
        let keys: std::collections::HashMap<String, i64> = crate::db::catalogs::control_ids(w, catalog_id)?
            .into_iter()
            .map(|(id, key)| (key.to_uppercase(), id))
            .collect();
        let at = crate::support::clock::now_rfc3339();
        let mut done = Imported {
            skipped_not_implemented: map.skipped_not_implemented,
            ..Imported::default()
        };
        let mut checks = std::collections::HashSet::new();
        let mut controls = std::collections::HashSet::new();
        for row in &map.rows {
            let Some(&control_id) = keys.get(&row.id.control.to_uppercase()) else {
                // A framework file someone else publishes (Prowler's) may name a control the
                // catalogue lacks (its `cp_1_2` is no rev 5 control): that row is skipped and
                // named, the rest still map. Your own CSV is refused, to be fixed.
                if map.framework.is_some() {
                    done.skipped_rows += 1;
                    if !done.skipped_unknown.iter().any(|(c, _)| *c == row.id.control) {
                        done.skipped_unknown.push((row.id.control.clone(), row.locator.clone()));
                    }
                    continue;
                }
                return Err(Error::Invalid(format!(
                    "{source}, {}: control \"{}\" (from \"{}\") is not in catalogue {catalog}",
                    row.locator, row.id.control, row.raw
                )));
            };
            for (what, text) in [("check", &row.check), ("rationale", &row.rationale)] {
                if let Some(p) = crate::text::problem(crate::text::Kind::Line, text) {
                    return Err(Error::Invalid(format!("{source}, {}: {what} {p}", row.locator)));
                }
            }
            let stored = check_maps::put(
                w,
                &NewRow {
                    check: &row.check,
                    control_id,
                    part: row.id.part.as_deref(),
                    raw: &row.raw,
                    relationship: row.relationship,
                    rationale: &row.rationale,
                    source_file: &name,
                    source_sha256: &sha,
                    by: w.actor(),
                    at: &at,
                },
            )?;
            match stored {
                Stored::Added => done.added += 1,
                Stored::Updated => done.updated += 1,
                Stored::Unchanged => done.unchanged += 1,
            }
            checks.insert(row.check.as_str());
            controls.insert(control_id);
        }
        done.checks = checks.len();
        done.controls = controls.len();
        if done.added + done.updated > 0 {
            w.audit(
                "check-map.import",
                &format!("check-map:{name}"),
                json!({ "file": source, "sha256": sha, "catalog": catalog, "added": done.added, "updated": done.updated }),
            )?;
        }
        Ok(done)
    })?;
    let mut out = output::stdout();
    if ctx.json {
        return output::print_json(&mut out, &done);
    }
    writeln!(
        out,
        "check map {source}: {} added, {} updated, {} unchanged ({} checks onto {} controls of {catalog}); {} entries marked not implemented skipped",
        done.added, done.updated, done.unchanged, done.checks, done.controls, done.skipped_not_implemented
    )?;
    if !done.skipped_unknown.is_empty() {
        writeln!(
            out,
            "skipped {} rows naming controls not in {catalog}: {}",
            done.skipped_rows,
            done.skipped_unknown
                .iter()
                .map(|(c, at)| format!("{c} (first at {at})"))
                .collect::<Vec<_>>()
                .join(", ")
        )?;
    }
    Ok(())
}
