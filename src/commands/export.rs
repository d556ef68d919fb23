//! `ctrlmap export`: documents for other tools.

use std::io::Write;
use std::path::PathBuf;

use clap::{Subcommand, ValueEnum};

use super::Ctx;
use crate::error::{Error, Result};
use crate::output;
use crate::report::pairs::Source;

/// Formats of the customer responsibility matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CrmFormat {
    /// RFC 4180 CSV.
    Csv,
    /// A JSON array of rows.
    Json,
}

/// Export commands.
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// A FedRAMP-style customer responsibility matrix: per control, can it be inherited (Yes /
    /// Partial / No), the provider's part, the customer's part, owning team, evidence status.
    ///
    /// Example: ctrlmap export crm --format csv --out crm.csv --catalog nist-800-53
    Crm {
        /// csv or json.
        #[arg(long, default_value = "csv")]
        format: CrmFormat,
        /// Where to write it.
        #[arg(long)]
        out: PathBuf,
        /// Catalogue.
        #[arg(long, default_value = "srm")]
        catalog: String,
    },
}

impl ExportCommand {
    /// Runs the command.
    pub(crate) fn run(&self, ctx: &mut Ctx) -> Result<()> {
        let conn = ctx.db.conn();
        match self {
            ExportCommand::Crm { format, out, catalog } => {
                crate::db::catalogs::get(conn, catalog)?;
                let source = Source::Live {
                    catalog: catalog.clone(),
                    services: None,
                    evaluation: None,
                    today: ctx.today,
                };
                let bytes = crate::files::write_atomically(out, |w| match format {
                    CrmFormat::Csv => crate::export::crm::write_csv(conn, &source, w),
                    CrmFormat::Json => {
                        let mut rows = Vec::new();
                        crate::export::crm::for_each_row(conn, &source, |r| {
                            rows.push(r);
                            Ok(())
                        })?;
                        serde_json::to_writer_pretty(&mut *w, &rows).map_err(|e| Error::io(out.display(), e.into()))?;
                        w.write_all(b"\n").map_err(|e| Error::io(out.display(), e))
                    }
                })?;
                writeln!(output::stdout(), "wrote {} ({bytes} bytes)", out.display())?;
                Ok(())
            }
        }
    }
}
