//! `ctrlmap catalog`: the control catalogues in the database.

use std::path::PathBuf;

use clap::Subcommand;

use super::{Ctx, open_input, report_import, source_name};
use crate::db::{OnExisting, catalogs, save};
use crate::error::Result;
use crate::model::Catalog;
use crate::output;

/// Catalogue commands.
#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// List catalogues with their counts of controls, families and rules.
    List,
    /// Create (or with --update, refresh) a catalogue from a CSV of controls:
    /// key,title[,family,statement,parent,sort_key,withdrawn].
    ///
    /// Example: ctrlmap catalog import-csv controls.csv --key iso27017 --title "ISO/IEC 27017 cloud controls"
    ImportCsv {
        /// The controls CSV file.
        file: PathBuf,
        /// Key of the catalogue.
        #[arg(long)]
        key: String,
        /// Title of the catalogue (required when it is new).
        #[arg(long)]
        title: Option<String>,
        /// Version of the catalogue's text.
        #[arg(long = "catalog-version", default_value = "")]
        catalog_version: String,
        /// Update a catalogue and controls that already exist instead of refusing them.
        #[arg(long)]
        update: bool,
    },
}

impl CatalogCommand {
    /// Runs the command.
    pub(crate) fn run(&self, ctx: &mut Ctx) -> Result<()> {
        match self {
            CatalogCommand::List => {
                let list = catalogs::list(ctx.db.conn())?;
                let mut out = output::stdout();
                if ctx.json {
                    return output::print_json(&mut out, &list);
                }
                let rows = list.iter().map(|c| {
                    vec![
                        c.catalog.key.clone(),
                        c.catalog.title.clone(),
                        c.catalog.version.clone(),
                        c.controls.to_string(),
                        c.families.to_string(),
                        c.rules.to_string(),
                    ]
                });
                let headers = ["key", "title", "version", "controls", "families", "rules"];
                output::print_table(&mut out, &output::table(&headers, rows))
            }
            CatalogCommand::ImportCsv {
                file,
                key,
                title,
                catalog_version,
                update,
            } => {
                let input = open_input(file)?;
                let on = if *update { OnExisting::Update } else { OnExisting::Fail };
                let key = super::team::check_name("catalogue", key)?;
                let summary = ctx.db.write(&ctx.actor, |w| {
                    let existing = catalogs::get(w, &key).ok();
                    let title = match (title, &existing) {
                        (Some(t), _) => t.clone(),
                        (None, Some((_, c))) => c.title.clone(),
                        (None, None) => {
                            return Err(crate::Error::Invalid(format!(
                                "catalogue \"{key}\" is new: give it a --title"
                            )));
                        }
                    };
                    let catalog = Catalog {
                        key: key.clone(),
                        title,
                        version: catalog_version.clone(),
                        source: source_name(file),
                    };
                    if existing.is_none() || on == OnExisting::Update {
                        save(w, &catalog, OnExisting::Update)?;
                    } else {
                        save(w, &catalog, OnExisting::Fail)?;
                    }
                    crate::load::controls(w, &key, &source_name(file), input, on)
                })?;
                report_import(ctx, "controls", summary)
            }
        }
    }
}
