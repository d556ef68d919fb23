//! `ctrlmap team`: teams that own services and controls.

use std::io::Write;
use std::path::PathBuf;

use clap::Subcommand;

use super::{Ctx, open_input, report_import, source_name};
use crate::db::{OnExisting, save, teams};
use crate::error::{Error, Result};
use crate::import::csv_file::NAME_MAX;
use crate::model::Team;
use crate::output;

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

/// The longest one-line text (a contact, a region), in characters.
const LINE_MAX: usize = 500;
/// The longest prose typed on the command line (a note, a statement), in characters; longer
/// text belongs in a file added as evidence.
const PROSE_MAX: usize = 20_000;

/// Checks a name typed on the command line.
pub(crate) fn check_name(what: &str, name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().any(char::is_control) {
        return Err(Error::Invalid(format!(
            "{what} name must be non-empty, without control characters"
        )));
    }
    let length = name.chars().count();
    if length > NAME_MAX {
        return Err(Error::Invalid(format!(
            "{what} name is {length} characters long; at most {NAME_MAX}"
        )));
    }
    Ok(name.to_string())
}

/// Checks free text typed on the command line, trimmed: a one-line value (`prose` false) has no
/// control characters at all; prose may hold tabs and line breaks but nothing else of the kind,
/// so no escape sequence reaches the terminals of the people who list it later.
pub(crate) fn check_text(what: &str, text: &str, prose: bool) -> Result<String> {
    let text = text.trim();
    let allowed = |c: char| prose && matches!(c, '\t' | '\n' | '\r');
    if let Some(c) = text.chars().find(|&c| c.is_control() && !allowed(c)) {
        let which = if prose {
            "other than tabs and line breaks"
        } else {
            "(tabs, newlines)"
        };
        return Err(Error::Invalid(format!(
            "{what} must not contain control characters {which}: found U+{:04X}",
            u32::from(c)
        )));
    }
    let (length, max) = (text.chars().count(), if prose { PROSE_MAX } else { LINE_MAX });
    if length > max {
        return Err(Error::Invalid(format!(
            "{what} is {length} characters long; at most {max}{}",
            if prose {
                " (add longer text as a file of evidence)"
            } else {
                ""
            }
        )));
    }
    Ok(text.to_string())
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
