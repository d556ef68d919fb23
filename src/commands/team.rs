//! `ctrlmap team`: teams that own services and controls.

use std::io::Write;
use std::path::PathBuf;

use clap::Subcommand;

use super::{Ctx, check_name, check_text, open_input, report_import, source_name};
use crate::db::{OnExisting, save, teams};
use crate::error::Result;
use crate::model::Team;
use crate::support::output;

/// Team commands.
#[derive(Debug, Subcommand)]
pub enum TeamCommand {
    /// Add a team.
    ///
    /// Example: ctrlmap team add data-platform --contact data@example.com
    Add {
        /// Unique team name.
        name: String,
        /// How to reach the team.
        #[arg(long, default_value = "")]
        contact: String,
    },
    /// List teams with the services and controls they own.
    ///
    /// Example: ctrlmap team list --json
    List,
    /// Import teams from CSV: name[,contact].
    ///
    /// Example: ctrlmap team import teams.csv --update
    Import {
        /// The CSV file.
        file: PathBuf,
        /// Update teams that already exist instead of refusing them.
        #[arg(long)]
        update: bool,
    },
}

impl TeamCommand {
    /// Runs the command.
    pub(crate) fn run(&self, ctx: &mut Ctx) -> Result<()> {
        match self {
            TeamCommand::Add { name, contact } => {
                let team = Team {
                    name: check_name("team", name)?,
                    contact: check_text("--contact", contact, false)?,
                };
                ctx.db.write(&ctx.actor, |w| save(w, &team, OnExisting::Fail))?;
                writeln!(output::note(), "added team {}", team.name)?;
                Ok(())
            }
            TeamCommand::List => {
                let list = teams::list(ctx.db.conn())?;
                let mut out = output::stdout();
                if ctx.json {
                    return output::print_json(&mut out, &list);
                }
                let rows = list.iter().map(|t| {
                    vec![
                        t.team.name.clone(),
                        t.team.contact.clone(),
                        t.services.to_string(),
                        t.controls.to_string(),
                    ]
                });
                output::print_table(
                    &mut out,
                    &output::table(&["team", "contact", "services", "controls owned"], rows),
                )
            }
            TeamCommand::Import { file, update } => {
                let input = open_input(file)?;
                let on = if *update { OnExisting::Update } else { OnExisting::Fail };
                let summary = ctx
                    .db
                    .write(&ctx.actor, |w| crate::load::teams(w, &source_name(file), input, on))?;
                report_import(ctx, "teams", summary)
            }
        }
    }
}
