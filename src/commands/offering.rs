//! `ctrlmap offering`: the provider's service catalogue and each offering's category.

use std::path::PathBuf;

use clap::Subcommand;

use super::{Ctx, open_input, source_name};
use crate::db::{OnExisting, offerings};
use crate::error::Result;
use crate::model::Category;
use crate::support::output;

/// Offering commands.
#[derive(Debug, Subcommand)]
pub enum OfferingCommand {
    /// List offerings, optionally of one category or provider.
    ///
    /// Example: ctrlmap offering list --category container
    List {
        /// infrastructure, container or abstracted.
        #[arg(long, value_parser = super::one_of::<Category>())]
        category: Option<Category>,
        /// Provider key, e.g. aws.
        #[arg(long)]
        provider: Option<String>,
    },
    /// Import offerings from CSV: key,name,provider,category[,source,note].
    ///
    /// Example: ctrlmap offering import gcp-offerings.csv
    Import {
        /// The CSV file.
        file: PathBuf,
        /// Update offerings that already exist instead of refusing them.
        #[arg(long)]
        update: bool,
    },
}

impl OfferingCommand {
    /// Runs the command.
    pub(crate) fn run(&self, ctx: &mut Ctx) -> Result<()> {
        match self {
            OfferingCommand::List { category, provider } => {
                let list = offerings::list(ctx.db.conn(), *category, provider.as_deref())?;
                let mut out = output::stdout();
                if ctx.json {
                    return output::print_json(&mut out, &list);
                }
                let rows = list
                    .iter()
                    .map(|o| vec![o.key.clone(), o.name.clone(), o.category.to_string(), o.source.clone()]);
                output::print_table(&mut out, &output::table(&["key", "name", "category", "source"], rows))
            }
            OfferingCommand::Import { file, update } => {
                let input = open_input(file)?;
                let on = if *update { OnExisting::Update } else { OnExisting::Fail };
                let summary = ctx.db.write(&ctx.actor, |w| {
                    crate::load::offerings(w, &source_name(file), input, on, crate::load::Citing::FreeText)
                })?;
                super::report_import(ctx, "offerings", summary)
            }
        }
    }
}
