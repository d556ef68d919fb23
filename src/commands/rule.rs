//! `ctrlmap rule`: the model's default responsibility rules per catalogue and service category.

use std::path::PathBuf;

use clap::Subcommand;

use super::{Ctx, open_input, report_import, source_name};
use crate::db::{OnExisting, catalogs};
use crate::error::Result;
use crate::support::output;

/// Rule commands.
#[derive(Debug, Subcommand)]
pub enum RuleCommand {
    /// List the rules of a catalogue, most specific first.
    ///
    /// Example: ctrlmap rule list --catalog nist-800-53
    List {
        /// Catalogue key.
        #[arg(long, default_value = "srm")]
        catalog: String,
    },
    /// Import rules from CSV: [control,family,]category,responsibility,rationale[,source].
    ///
    /// Example: ctrlmap rule import our-rules.csv --catalog srm
    ///
    /// A row names a control, a family, or neither (the catalogue default); category `*` means all three.
    Import {
        /// The CSV file.
        file: PathBuf,
        /// Catalogue the rules are for.
        #[arg(long, default_value = "srm")]
        catalog: String,
        /// Update rules that already exist instead of refusing them.
        #[arg(long)]
        update: bool,
    },
}

impl RuleCommand {
    /// Runs the command.
    pub(crate) fn run(&self, ctx: &mut Ctx) -> Result<()> {
        match self {
            RuleCommand::List { catalog } => {
                let (catalog_id, _) = catalogs::get(ctx.db.conn(), catalog)?;
                let rules = catalogs::rules(ctx.db.conn(), catalog_id)?;
                let mut out = output::stdout();
                if ctx.json {
                    return output::print_json(&mut out, &rules);
                }
                let rows = rules.iter().map(|r| {
                    vec![
                        r.scope.describe(),
                        r.category.to_string(),
                        r.responsibility.to_string(),
                        r.rationale.clone(),
                        r.source.clone(),
                    ]
                });
                let headers = ["applies to", "category", "responsibility", "rationale", "source"];
                output::print_table(&mut out, &output::table(&headers, rows))
            }
            RuleCommand::Import { file, catalog, update } => {
                let input = open_input(file)?;
                let on = if *update { OnExisting::Update } else { OnExisting::Fail };
                let summary = ctx.db.write(&ctx.actor, |w| {
                    crate::load::rules(w, catalog, &source_name(file), input, on, crate::load::Citing::FreeText)
                })?;
                report_import(ctx, "rules", summary)
            }
        }
    }
}
