//! `ctrlmap export`: documents for other tools.

use std::io::Write;
use std::path::PathBuf;

use clap::{Subcommand, ValueEnum};

use super::Ctx;
use crate::error::{Error, Result};
use crate::estate::pairs::Source;
use crate::support::output;

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
    /// An OSCAL 1.2.1 system security plan (customer side): one component per service, the
    /// provider as a leveraged authorization, per control what is inherited and what is satisfied.
    ///
    /// Example: ctrlmap export oscal-ssp --out ssp.json --catalog nist-800-53 --profile-href https://example.com/profile.json
    OscalSsp {
        /// Where to write it.
        #[arg(long)]
        out: PathBuf,
        /// Catalogue.
        #[arg(long, default_value = "srm")]
        catalog: String,
        /// The profile the SSP implements [default: a back-matter resource linking to KEY.json, the
        /// catalog `export oscal-catalog --catalog KEY --out KEY.json` writes next to the plan].
        #[arg(long, value_name = "URL")]
        profile_href: Option<String>,
        /// Organisation name [default: the report template's].
        #[arg(long)]
        organisation: Option<String>,
        /// See --catalog through the crosswalk from this catalogue (e.g. srm).
        #[arg(long, value_name = "CATALOG")]
        via: Option<String>,
    },
    /// An OSCAL 1.2.1 catalog of a catalogue (e.g. the built-in srm baseline), which the SSP and
    /// mapping collection point at as KEY.json: write it next to them.
    ///
    /// Example: ctrlmap export oscal-catalog --catalog srm --out srm.json
    OscalCatalog {
        /// Catalogue.
        #[arg(long, default_value = "srm")]
        catalog: String,
        /// Where to write it.
        #[arg(long)]
        out: PathBuf,
    },
    /// An OSCAL 1.2.1 mapping collection of the crosswalk from one catalogue to another.
    ///
    /// Example: ctrlmap export oscal-mapping --from srm --to nist-800-53 --out map.json
    OscalMapping {
        /// Source catalogue.
        #[arg(long)]
        from: String,
        /// Target catalogue.
        #[arg(long)]
        to: String,
        /// Where to write it.
        #[arg(long)]
        out: PathBuf,
    },
    /// OSCAL 1.2.1 assessment results of a closed evaluation: findings per control, observations
    /// pointing to evidence by hash.
    ///
    /// Example: ctrlmap export oscal-assessment-results --evaluation 1 --out ar.json
    OscalAssessmentResults {
        /// The closed evaluation.
        #[arg(long)]
        evaluation: i64,
        /// Where to write it.
        #[arg(long)]
        out: PathBuf,
        /// The assessment plan the results follow [default: evaluation-N-plan.json next to them].
        #[arg(long, value_name = "URL")]
        plan_href: Option<String>,
    },
    /// An OSCAL 1.2.1 assessment plan of a closed evaluation (its frozen scope), which the
    /// assessment results point at as evaluation-N-plan.json.
    ///
    /// Example: ctrlmap export oscal-assessment-plan --evaluation 1 --out evaluation-1-plan.json
    OscalAssessmentPlan {
        /// The closed evaluation.
        #[arg(long)]
        evaluation: i64,
        /// Where to write it.
        #[arg(long)]
        out: PathBuf,
        /// The system security plan it assesses [default: ssp.json next to it].
        #[arg(long, value_name = "URL")]
        ssp_href: Option<String>,
    },
    /// An OSCAL 1.2.1 plan of action and milestones: one poam-item and risk per POA&M item, as
    /// it stands on --today, each linked to its finding in the assessment results by uuid.
    ///
    /// Example: ctrlmap export oscal-poam --out poam.json --evaluation 1
    OscalPoam {
        /// Where to write it.
        #[arg(long)]
        out: PathBuf,
        /// Only the items of this evaluation [default: every item].
        #[arg(long)]
        evaluation: Option<i64>,
        /// Organisation name, for the system id [default: the report template's, as the SSP].
        #[arg(long)]
        organisation: Option<String>,
    },
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
        /// Writes the CSV without the UTF-8 byte-order mark spreadsheets need to read non-ASCII
        /// text (for pipelines).
        #[arg(long)]
        no_bom: bool,
    },
}

impl ExportCommand {
    fn write_json(out: &std::path::Path, doc: &serde_json::Value) -> Result<u64> {
        crate::support::files::write_atomically(out, |w| {
            serde_json::to_writer_pretty(&mut *w, doc).map_err(|e| Error::io(out.display(), e.into()))?;
            w.write_all(b"\n").map_err(|e| Error::io(out.display(), e))
        })
    }

    /// Runs the command.
    pub(crate) fn run(&self, ctx: &mut Ctx) -> Result<()> {
        let conn = ctx.db.conn();
        match self {
            ExportCommand::OscalSsp {
                out,
                catalog,
                profile_href,
                organisation,
                via,
            } => {
                let organisation = match organisation {
                    Some(o) => o.clone(),
                    None => crate::report::template::Template::load(None)?.organisation,
                };
                let opts = crate::export::ssp::SspOptions {
                    catalog: catalog.clone(),
                    profile_href: profile_href.clone(),
                    organisation,
                    date: ctx.today,
                    via: via.clone(),
                };
                let bytes = crate::support::files::write_atomically(out, |w| {
                    crate::export::ssp::write_system_security_plan(conn, &opts, w).map_err(|e| match e {
                        Error::Io { path, source } | Error::DiskFull { path, source }
                            if path == crate::export::ssp::OUTPUT =>
                        {
                            Error::io(out.display(), source)
                        }
                        e => e,
                    })?;
                    w.write_all(b"\n").map_err(|e| Error::io(out.display(), e))
                })?;
                writeln!(
                    output::note(),
                    "wrote {} ({bytes} bytes, OSCAL 1.2.1 system security plan)",
                    out.display()
                )?;
                Ok(())
            }
            ExportCommand::OscalMapping { from, to, out } => {
                let doc = crate::export::mapping::mapping_collection(conn, from, to, ctx.today)?;
                let bytes = Self::write_json(out, &doc)?;
                writeln!(
                    output::note(),
                    "wrote {} ({bytes} bytes, OSCAL 1.2.1 mapping collection)",
                    out.display()
                )?;
                Ok(())
            }
            ExportCommand::OscalAssessmentPlan {
                evaluation,
                out,
                ssp_href,
            } => {
                if let Some(h) = ssp_href.as_deref().map(str::trim)
                    && (h.is_empty() || h.chars().any(char::is_whitespace))
                {
                    return Err(Error::Invalid(format!("the SSP href \"{h}\" is not a URI reference")));
                }
                let e = crate::db::evaluations::get(conn, *evaluation)?;
                let doc = crate::export::plan::assessment_plan(conn, &e, ssp_href.as_deref().map(str::trim))?;
                let bytes = Self::write_json(out, &doc)?;
                writeln!(
                    output::note(),
                    "wrote {} ({bytes} bytes, OSCAL 1.2.1 assessment plan)",
                    out.display()
                )?;
                Ok(())
            }
            ExportCommand::OscalCatalog { catalog, out } => {
                let doc = crate::export::catalog::catalog(conn, catalog, ctx.today)?;
                let bytes = Self::write_json(out, &doc)?;
                writeln!(
                    output::note(),
                    "wrote {} ({bytes} bytes, OSCAL 1.2.1 catalog)",
                    out.display()
                )?;
                Ok(())
            }
            ExportCommand::OscalAssessmentResults {
                evaluation,
                out,
                plan_href,
            } => {
                let plan_href = match plan_href.as_deref().map(str::trim) {
                    Some(h) if h.is_empty() || h.chars().any(char::is_whitespace) => {
                        return Err(Error::Invalid(format!("the plan href \"{h}\" is not a URI reference")));
                    }
                    other => other,
                };
                let e = crate::db::evaluations::get(conn, *evaluation)?;
                let doc = crate::export::assessment::assessment_results(conn, &e, plan_href)?;
                let bytes = Self::write_json(out, &doc)?;
                writeln!(
                    output::note(),
                    "wrote {} ({bytes} bytes, OSCAL 1.2.1 assessment results)",
                    out.display()
                )?;
                Ok(())
            }
            ExportCommand::OscalPoam {
                out,
                evaluation,
                organisation,
            } => {
                let organisation = match organisation {
                    Some(o) => o.clone(),
                    None => crate::report::template::Template::load(None)?.organisation,
                };
                let doc = crate::export::poam::plan_of_action(conn, *evaluation, &organisation, ctx.today)?;
                let items = doc["plan-of-action-and-milestones"]["poam-items"]
                    .as_array()
                    .map_or(0, Vec::len);
                let bytes = Self::write_json(out, &doc)?;
                writeln!(
                    output::note(),
                    "wrote {} ({bytes} bytes, OSCAL 1.2.1 plan of action and milestones, {items} items)",
                    out.display()
                )?;
                Ok(())
            }
            ExportCommand::Crm {
                format,
                out,
                catalog,
                no_bom,
            } => {
                if *no_bom && *format != CrmFormat::Csv {
                    return Err(Error::Invalid("--no-bom applies to --format csv only".into()));
                }
                crate::db::catalogs::get(conn, catalog)?;
                let source = Source::Live {
                    catalog: catalog.clone(),
                    services: None,
                    evaluation: None,
                    today: ctx.today,
                };
                let bytes = crate::support::files::write_atomically(out, |w| match format {
                    CrmFormat::Csv => {
                        if !*no_bom {
                            w.write_all(crate::report::csv::BOM)
                                .map_err(|e| Error::io(out.display(), e))?;
                        }
                        crate::export::crm::write_csv(conn, &source, w)
                    }
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
                writeln!(output::note(), "wrote {} ({bytes} bytes)", out.display())?;
                Ok(())
            }
        }
    }
}
