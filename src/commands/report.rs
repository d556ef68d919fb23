//! `ctrlmap report`: the control-evaluation report as PDF, CSV, XLSX or HTML.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::Ctx;
use crate::db::evaluations;
use crate::error::{Error, Result};
use crate::estate::pairs::Source;
use crate::evidence::{Depth, FileCheck, Store};
use crate::model::evidence::Day;
use crate::report::assemble::{self, Options};
use crate::report::csv::Level;
use crate::report::data::Paper;
use crate::report::template::Template;
use crate::support::output;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A PDF a reviewer can file.
    Pdf,
    /// RFC 4180 CSV, one row per control or per control and service.
    Csv,
    /// An Excel workbook: one sheet per section, frozen headers, filters, responsibility colours.
    Xlsx,
    /// One self-contained HTML page that works offline: a control table filtered by
    /// responsibility, result, team and service, an anchor per control, links to evidence.
    Html,
}

/// Writes the control-evaluation report (PDF, CSV, XLSX or HTML): of an evaluation (frozen when closed) or of the live state
/// (results "not assessed"). The same database and --date give byte-identical output.
///
/// Example: ctrlmap report --format pdf --out q4.pdf --evaluation 1 --date 2026-12-01
///          ctrlmap report --format html --out q4.html --evaluation 1 --date 2026-12-01
#[derive(Debug, Args)]
pub struct Report {
    /// pdf, csv, xlsx or html.
    #[arg(long)]
    pub format: Format,
    /// Where to write it (replaced only once complete).
    #[arg(long)]
    pub out: PathBuf,
    /// The evaluation to report on [default: the live state].
    #[arg(long)]
    pub evaluation: Option<i64>,
    /// Catalogue, for a live report (or the catalogue seen through --via).
    #[arg(long, default_value = "srm")]
    pub catalog: String,
    /// Report --catalog as seen through the crosswalk from this catalogue: its controls take
    /// responsibility, owners, results and evidence from the source controls that cover them.
    #[arg(long, value_name = "CATALOG")]
    pub via: Option<String>,
    /// Only controls and services owned by this team.
    #[arg(long)]
    pub team: Option<String>,
    /// A report layout to use instead of the built-in one (JSON; see templates/). With --format
    /// html, a file whose name does not end in .json is the page template instead: minijinja
    /// HTML like templates/report.html, every value HTML-escaped, undefined names an error.
    #[arg(long, value_name = "FILE")]
    pub template: Option<PathBuf>,
    /// The report's date [default: SOURCE_DATE_EPOCH, else --today, else today].
    #[arg(long, value_parser = Day::parse)]
    pub date: Option<Day>,
    /// CSV rows per control or per control and service.
    #[arg(long, default_value = "control")]
    pub level: Level,
    /// Paper size of the PDF.
    #[arg(long, default_value = "a4")]
    pub paper: Paper,
    /// Organisation name on the report [default: the template's].
    #[arg(long)]
    pub organisation: Option<String>,
    /// Re-hash every stored evidence file the report shows. Without it each file is only checked
    /// to be present with its recorded size; either way evidence whose file fails does not count
    /// and the report says so.
    #[arg(long)]
    pub verify_evidence: bool,
    /// A font (TrueType or OpenType) for characters the bundled DejaVu fonts lack, tried before
    /// the system's fallback fonts; repeat to try several in order. PDF only.
    #[arg(long = "font", value_name = "FILE")]
    pub fonts: Vec<PathBuf>,
    /// Writes the CSV without the UTF-8 byte-order mark spreadsheets need to read non-ASCII text
    /// (for pipelines). CSV only.
    #[arg(long)]
    pub no_bom: bool,
}

impl Report {
    /// Runs the command.
    pub(crate) fn run(&self, ctx: &mut Ctx) -> Result<()> {
        let conn = ctx.db.conn();
        if let Some(t) = &self.template {
            crate::support::files::protect_input(t);
        }
        if !self.fonts.is_empty() && self.format != Format::Pdf {
            return Err(Error::Invalid("--font applies to --format pdf only".into()));
        }
        if self.no_bom && self.format != Format::Csv {
            return Err(Error::Invalid("--no-bom applies to --format csv only".into()));
        }
        for f in &self.fonts {
            crate::support::files::protect_input(f);
        }
        let is_page = |t: &std::path::Path| {
            self.format == Format::Html && !t.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"))
        };
        let (layout, page) = match self.template.as_deref() {
            Some(t) if is_page(t) => (None, Some(t)),
            other => (other, None),
        };
        // A broken page template fails here, before anything is read or written.
        let page = match self.format {
            Format::Html => Some(crate::report::html::Page::load(page)?),
            _ => None,
        };
        let template = Template::load(layout)?;
        let date = match self.date {
            Some(d) => d,
            None => source_date_epoch()?.unwrap_or(ctx.today),
        };
        if let Some(team) = &self.team {
            crate::db::teams::id(conn, team)?;
        }
        let inner = match self.evaluation {
            Some(id) => Source::of_evaluation(evaluations::get(conn, id)?, date),
            None => {
                let catalog = self.via.as_deref().unwrap_or(&self.catalog);
                crate::db::catalogs::get(conn, catalog)?;
                Source::Live {
                    catalog: catalog.to_string(),
                    services: None,
                    evaluation: None,
                    today: date,
                }
            }
        };
        let source = match &self.via {
            None => inner,
            Some(via) => {
                crate::db::catalogs::get(conn, &self.catalog)?;
                if !inner.catalog().eq_ignore_ascii_case(via) {
                    return Err(Error::Invalid(format!(
                        "evaluation {} is of catalogue {}, not of --via {via}",
                        self.evaluation.unwrap_or_default(),
                        inner.catalog()
                    )));
                }
                Source::Via {
                    target: self.catalog.clone(),
                    via: Box::new(inner),
                    today: date,
                }
            }
        };
        let depth = if self.verify_evidence { Depth::Hash } else { Depth::Size };
        let mut files = FileCheck::new(conn, Store::beside(ctx.db.path()), depth)?;
        let opts = Options {
            source,
            template: &template,
            organisation: self.organisation.clone(),
            date,
            team: self.team.clone(),
        };
        let bytes = match self.format {
            Format::Pdf => {
                let data = assemble::build_checked(conn, &opts, Some(&mut files))?;
                let fonts = crate::report::pdf::FontOptions::with_system(self.fonts.clone());
                let pdf = crate::report::pdf::render_with(&data, self.paper, &fonts)?;
                crate::support::files::write_atomically(&self.out, |w| {
                    w.write_all(&pdf).map_err(|e| Error::io(self.out.display(), e))
                })?
            }
            Format::Xlsx => {
                let data = assemble::build_checked(conn, &opts, Some(&mut files))?;
                let book = crate::report::xlsx::render(&data)?;
                crate::support::files::write_atomically(&self.out, |w| {
                    w.write_all(&book).map_err(|e| Error::io(self.out.display(), e))
                })?
            }
            Format::Html => {
                let page = page.as_ref().expect("loaded above for --format html");
                let (data, facets) = crate::report::html::build_checked(conn, &opts, Some(&mut files))?;
                let links = crate::report::html::Links::of(conn, &data)?;
                let html = crate::report::html::render(&data, &facets, &links, page)?;
                crate::support::files::write_atomically(&self.out, |w| {
                    w.write_all(&html).map_err(|e| Error::io(self.out.display(), e))
                })?
            }
            Format::Csv => {
                let columns = match self.level {
                    Level::Control => &template.csv_columns.control,
                    Level::Service => &template.csv_columns.service,
                };
                crate::support::files::write_atomically(&self.out, |w| {
                    if !self.no_bom {
                        w.write_all(crate::report::csv::BOM)
                            .map_err(|e| Error::io(self.out.display(), e))?;
                    }
                    crate::report::csv::write_checked(conn, &opts, self.level, columns, Some(&mut files), w)
                })?
            }
        };
        writeln!(output::note(), "wrote {} ({bytes} bytes)", self.out.display())?;
        Ok(())
    }
}

/// The date of SOURCE_DATE_EPOCH (seconds since 1970, UTC), if set.
pub(crate) fn source_date_epoch() -> Result<Option<Day>> {
    let Ok(text) = std::env::var("SOURCE_DATE_EPOCH") else {
        return Ok(None);
    };
    let secs: i64 = text
        .trim()
        .parse()
        .map_err(|_| Error::Invalid(format!("SOURCE_DATE_EPOCH=\"{text}\" is not a number of seconds")))?;
    let at = time::OffsetDateTime::from_unix_timestamp(secs)
        .map_err(|_| Error::Invalid(format!("SOURCE_DATE_EPOCH=\"{text}\" is out of range")))?;
    Ok(Some(Day(at.date())))
}
