//! `ctrlmap observation`: the results scanners reported, per check, resource and control.

use clap::Subcommand;

use super::Ctx;
use crate::db::scans;
use crate::error::{Error, Result};
use crate::support::output;

/// Observation commands.
#[derive(Debug, Subcommand)]
pub enum ObservationCommand {
    /// List current observations (those no newer scan superseded), filtered by control, service
    /// or status.
    ///
    /// Example: ctrlmap observation list --control AC-2 --status failed
    List {
        /// Only observations on this control (KEY or CATALOG:KEY).
        #[arg(long)]
        control: Option<String>,
        /// Only observations on this service.
        #[arg(long)]
        service: Option<String>,
        /// Only observations in this status.
        #[arg(long, value_parser = ["failed", "passed", "manual", "not-applicable", "error"])]
        status: Option<String>,
        /// Superseded observations too.
        #[arg(long)]
        all: bool,
    },
}

impl ObservationCommand {
    /// Runs the command.
    pub(crate) fn run(&self, ctx: &mut Ctx) -> Result<()> {
        let ObservationCommand::List {
            control,
            service,
            status,
            all,
        } = self;
        let conn = ctx.db.conn();
        let control = control
            .as_deref()
            .map(|k| crate::db::catalogs::find_control(conn, k, None))
            .transpose()
            .map_err(|e: Error| e.at("--control"))?;
        let service = service
            .as_deref()
            .map(|s| crate::db::services::get(conn, s))
            .transpose()
            .map_err(|e| e.at("--service"))?;
        let filter = scans::Filter {
            control: control.as_ref().map(|c| c.id),
            service: service.as_ref().map(|s| s.id),
            status: status.as_deref(),
            current: !all,
            ..scans::Filter::default()
        };
        let rows = scans::observations(conn, &filter)?;
        let mut out = output::stdout();
        if ctx.json {
            return output::print_json(&mut out, &rows);
        }
        output::print_table(&mut out, &super::scan::observation_table(&rows, true))
    }
}
