//! `ctrlmap source`: the published sources the model's offerings and rules cite by id.

use std::path::PathBuf;

use clap::Subcommand;

use super::{Ctx, open_input, report_import, source_name};
use crate::db::{OnExisting, sources};
use crate::error::Result;
use crate::support::output;

/// Source commands.
#[derive(Debug, Subcommand)]
pub enum SourceCommand {
    /// List the sources offerings and rules cite: id, citation and URL.
    ///
    /// Example: ctrlmap source list
    List,
    /// Import sources from CSV: id,title[,publisher_or_author,date,url,supports].
    ///
    /// Example: ctrlmap source import our-sources.csv
    ///
    /// Offerings and rules then cite a source by its id in their `source` column (several
    /// separated by `;`); the date is YYYY-MM-DD and the URL an http(s) address.
    Import {
        /// The CSV file.
        file: PathBuf,
        /// Update sources that already exist instead of refusing them.
        #[arg(long)]
        update: bool,
    },
}

impl SourceCommand {
    /// Runs the command.
    pub(crate) fn run(&self, ctx: &mut Ctx) -> Result<()> {
        match self {
            SourceCommand::List => {
                let list = sources::list(ctx.db.conn())?;
                let mut out = output::stdout();
                if ctx.json {
                    return output::print_json(&mut out, &list);
                }
                let rows = list.iter().map(|s| vec![s.id.clone(), s.reference(), s.url.clone()]);
                output::print_table(&mut out, &output::table(&["id", "citation", "url"], rows))
            }
            SourceCommand::Import { file, update } => {
                let input = open_input(file)?;
                let on = if *update { OnExisting::Update } else { OnExisting::Fail };
                let summary = ctx
                    .db
                    .write(&ctx.actor, |w| crate::load::sources(w, &source_name(file), input, on))?;
                report_import(ctx, "sources", summary)
            }
        }
    }
}
