//! `ctrlmap evaluation`: open an assessment over a scope, record results, close (freeze) it.
//! Here: the subcommands and their dispatch; each step is in its own file (`open`, `record`,
//! `close`, and `show` for list / show / status).

use clap::Subcommand;

use super::Ctx;
use crate::db::evaluations;
use crate::error::Result;
use crate::model::evaluation::ResultValue;

mod close;
mod open;
mod record;
mod show;

pub(crate) use close::close;
pub(crate) use open::open;
pub(crate) use record::record;
use show::{list, show};

/// Evaluation commands.
#[derive(Debug, Subcommand)]
pub enum EvaluationCommand {
    /// Open an evaluation of a catalogue over a scope of services (fixed now).
    ///
    /// Example: ctrlmap evaluation open "Q4 2026 internal review" --catalog srm --team data-platform
    Open {
        /// A name, unique among open evaluations.
        name: String,
        /// Catalogue to evaluate.
        #[arg(long, default_value = "srm")]
        catalog: String,
        /// Only services of these teams (repeatable).
        #[arg(long)]
        team: Vec<String>,
        /// Only these services (repeatable).
        #[arg(long)]
        service: Vec<String>,
    },
    /// Record the result for a control, on one service or for all services in scope.
    ///
    /// Example: ctrlmap evaluation record SRM-FW --service orders-db --result not-satisfied --note "0.0.0.0/0 on 5432"
    Record {
        /// Control key, or CATALOG:KEY.
        key: String,
        /// satisfied, partially-satisfied, not-satisfied, not-applicable or not-assessed.
        #[arg(long, value_parser = super::one_of::<ResultValue>())]
        result: ResultValue,
        /// The service; without it the result is for every service in scope without its own.
        #[arg(long)]
        service: Option<String>,
        /// The assessor's note.
        #[arg(long, default_value = "", allow_hyphen_values = true)]
        note: String,
        /// Which evaluation [default: the only open one].
        #[arg(long)]
        evaluation: Option<i64>,
    },
    /// Progress: assessed / total (control, service) pairs, by result.
    ///
    /// Example: ctrlmap evaluation status
    Status {
        /// Which evaluation [default: the only open one].
        #[arg(long)]
        evaluation: Option<i64>,
    },
    /// Close an evaluation: freeze responsibility, owners, evidence hashes and results.
    ///
    /// Every stored file it freezes is re-hashed first; a missing or altered one refuses the
    /// close (exit 3) and nothing is written.
    ///
    /// Example: ctrlmap evaluation close --evaluation 1
    Close {
        /// Which evaluation [default: the only open one].
        #[arg(long)]
        evaluation: Option<i64>,
    },
    /// List evaluations, newest first.
    ///
    /// Example: ctrlmap evaluation list
    List,
    /// Show one evaluation.
    ///
    /// Example: ctrlmap evaluation show 1
    Show {
        /// Evaluation number.
        id: i64,
    },
}

impl EvaluationCommand {
    /// Runs the command.
    pub(crate) fn run(&self, ctx: &mut Ctx) -> Result<()> {
        match self {
            EvaluationCommand::Open {
                name,
                catalog,
                team,
                service,
            } => open(ctx, name, catalog, team, service),
            EvaluationCommand::Record {
                key,
                result,
                service,
                note,
                evaluation,
            } => record(ctx, key, *result, service.as_deref(), note, *evaluation),
            EvaluationCommand::Status { evaluation } => {
                let e = evaluations::current(ctx.db.conn(), *evaluation)?;
                show(ctx, &e)
            }
            EvaluationCommand::Close { evaluation } => close(ctx, *evaluation),
            EvaluationCommand::List => list(ctx),
            EvaluationCommand::Show { id } => {
                let e = evaluations::get(ctx.db.conn(), *id)?;
                show(ctx, &e)
            }
        }
    }
}
