//! `ctrlmap demo`: a ready-made estate built from `seeds/`, evaluated and reported, to see the
//! whole tool at work.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;

use super::Ctx;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::import::CsvFile;
use crate::import::csv_file::Columns;
use crate::support::output;

/// Builds `<out>/demo.db` afresh from seeds/ (the model, a demo organisation, evidence and a
/// closed evaluation), prints the responsibility matrix and writes `report.pdf` and `report.csv`.
/// With `--db PATH` (or `CTRLMAP_DB`) the demo database is built there instead, if nothing is
/// there yet: the demo never replaces a database it did not make.
#[derive(Debug, Args)]
pub struct Demo {
    /// Directory to build the demo in (created if missing; its demo files are replaced).
    #[arg(long, default_value = "demo", value_name = "DIR")]
    pub out: PathBuf,
}

const EVIDENCE: Columns = Columns {
    required: &["control", "title", "collected", "submitted_by"],
    optional: &[
        "service",
        "file",
        "url",
        "note",
        "expires",
        "reviewer",
        "decision",
        "review_note",
    ],
};
const RESULTS: Columns = Columns {
    required: &["control", "result"],
    optional: &["service", "note"],
};

impl Demo {
    /// Runs the demo.
    pub(crate) fn run(
        &self,
        db: Option<&Path>,
        actor: &str,
        json: bool,
        today: crate::model::evidence::Day,
    ) -> Result<()> {
        if let Some(db) = db
            && std::fs::symlink_metadata(db).is_ok()
        {
            return Err(Error::Invalid(format!(
                "--db {}: already exists; the demo builds a new database and never replaces one (remove it, or choose another path)",
                db.display()
            )));
        }
        std::fs::create_dir_all(&self.out).map_err(|e| Error::io(self.out.display(), e))?;
        // The demo owns its directory: each run replaces the last one's reports.
        crate::support::files::allow_replace();
        let path = db.map_or_else(|| self.out.join("demo.db"), Path::to_path_buf);
        if db.is_none() {
            remove_demo(&path)?;
        }
        let built = self.build(&path, actor, today);
        if let Err(e) = built {
            remove_demo(&path)?;
            return Err(e);
        }
        let mut ctx = Ctx {
            db: Db::open(&path)?,
            actor: actor.to_string(),
            json,
            today,
        };
        if !json {
            let mut out = output::stdout();
            writeln!(out, "\nDemo database: {}", path.display())?;
            writeln!(
                out,
                "Responsibility matrix of the shared responsibility baseline (srm):"
            )?;
            out.flush()?;
        }
        let matrix = super::responsibility::Matrix {
            catalog: "srm".to_string(),
            service: Vec::new(),
            team: None,
        };
        matrix.print(&mut ctx)?;
        ctx.json = false;
        for (format, name) in [
            (super::report::Format::Pdf, "report.pdf"),
            (super::report::Format::Csv, "report.csv"),
        ] {
            let report = super::report::Report {
                format,
                out: self.out.join(name),
                evaluation: Some(1),
                catalog: "srm".to_string(),
                via: None,
                team: None,
                template: None,
                date: None,
                level: crate::report::csv::Level::Control,
                paper: crate::report::data::Paper::A4,
                organisation: Some("Example Corp".to_string()),
                verify_evidence: false,
                fonts: Vec::new(),
                no_bom: false,
            };
            report.run(&mut ctx)?;
        }
        if !json {
            let mut out = output::stdout();
            writeln!(
                out,
                "\nExplore it: ctrlmap --db {} responsibility show SRM-FW --service orders-db",
                path.display()
            )?;
            writeln!(out, "            ctrlmap --db {} gaps", path.display())?;
            writeln!(
                out,
                "            ctrlmap --db {} scan show 1    (a scanner's results, mapped to controls and services)",
                path.display()
            )?;
        }
        Ok(())
    }

    /// Builds the demo database: model, organisation, evidence with reviews, a closed evaluation.
    fn build(&self, path: &Path, actor: &str, today: crate::model::evidence::Day) -> Result<()> {
        {
            let (mut db, _) = Db::create_or_upgrade(path)?;
            db.write(actor, |w| {
                crate::load::seeds::load_model(w)?;
                crate::load::seeds::load_demo(w)
            })?;
        }
        let mut ctx = Ctx {
            db: Db::open(path)?,
            actor: actor.to_string(),
            json: false,
            today,
        };
        let evidence = CsvFile::read(
            "seeds/demo/evidence.csv",
            include_str!("../../seeds/demo/evidence.csv").as_bytes(),
            EVIDENCE,
        )?;
        for (n, row) in evidence.rows().enumerate() {
            ctx.actor = row.required("submitted_by")?;
            let add = super::evidence::Add {
                control: row.required("control")?,
                file: row.optional("file").map(|name| self.demo_file(&name)).transpose()?,
                url: row.optional("url"),
                note: row.optional("note"),
                service: row.optional("service"),
                catalog: None,
                title: row.optional("title"),
                collected: Some(row.parse("collected")?),
                expires: row.optional("expires"),
            };
            add.run(&mut ctx).map_err(|e| e.at(row.location()))?;
            if let Some(reviewer) = row.optional("reviewer") {
                ctx.actor = reviewer;
                let accept = row.get("decision") == "accept";
                let note = row
                    .optional("review_note")
                    .unwrap_or_else(|| "reviewed for the demo".to_string());
                super::evidence::review(&mut ctx, n as i64 + 1, accept, &note).map_err(|e| e.at(row.location()))?;
            }
        }
        ctx.actor = actor.to_string();
        super::evaluation::open(&mut ctx, "Demo evaluation", "srm", &[], &[])?;
        let results = CsvFile::read(
            "seeds/demo/results.csv",
            include_str!("../../seeds/demo/results.csv").as_bytes(),
            RESULTS,
        )?;
        for row in results.rows() {
            let service = row.optional("service");
            super::evaluation::record(
                &mut ctx,
                &row.required("control")?,
                row.parse("result")?,
                service.as_deref(),
                row.get("note"),
                None,
            )
            .map_err(|e| e.at(row.location()))?;
        }
        super::evaluation::close(&mut ctx, None)?;
        self.scan(&mut ctx)
    }

    /// Adds a scanner's results after the evaluation closed: an excerpt of SP 800-53 for the
    /// controls it names, the scan (mapped to the services by their resource patterns) and its
    /// review, so `scan show 1`, `observation list` and `gaps --catalog nist-800-53` have something
    /// to show.
    fn scan(&self, ctx: &mut Ctx) -> Result<()> {
        ctx.db.write(&ctx.actor, |w| {
            crate::load::catalogs(
                w,
                "demo catalogue",
                "key,title,version,source\nnist-800-53,NIST SP 800-53 Rev. 5 (the controls of the demo scan),5.0.1,seeds/demo/nist-800-53-excerpt.csv\n"
                    .as_bytes(),
                crate::db::OnExisting::Keep,
            )?;
            crate::load::controls(
                w,
                "nist-800-53",
                "seeds/demo/nist-800-53-excerpt.csv",
                include_str!("../../seeds/demo/nist-800-53-excerpt.csv").as_bytes(),
                crate::db::OnExisting::Keep,
            )?;
            let (source, text) = crate::load::seeds::sp800_53_rules();
            crate::load::rules_for(
                w,
                "nist-800-53",
                source,
                text.as_bytes(),
                crate::db::OnExisting::Keep,
                crate::load::Citing::Ids,
                true,
            )?;
            Ok(())
        })?;
        let file = self.demo_file("security-hub-fsbp-hdf.json")?;
        ctx.actor = "security".to_string();
        super::scan::ScanCommand::Import {
            file,
            format: super::scan::FormatArg::Auto,
            catalog: super::scan::DEFAULT_CATALOG.to_string(),
            collected: None,
            expires: None,
        }
        .run(ctx)?;
        ctx.actor = "audit".to_string();
        let scan = crate::db::scans::get(ctx.db.conn(), 1)?;
        super::evidence::review(ctx, scan.evidence, true, "Security Hub export, reviewed for the demo")
    }
}

impl Demo {
    /// Writes a demo evidence file from seeds/demo/files into `<out>/evidence-files/`.
    fn demo_file(&self, name: &str) -> Result<PathBuf> {
        let content = match name {
            "patch-report-2026-11.txt" => include_str!("../../seeds/demo/files/patch-report-2026-11.txt"),
            "security-hub-fsbp-hdf.json" => include_str!("../../seeds/demo/files/security-hub-fsbp-hdf.json"),
            other => {
                return Err(Error::Invalid(format!(
                    "seeds/demo/evidence.csv: no demo file \"{other}\""
                )));
            }
        };
        let dir = self.out.join("evidence-files");
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(dir.display(), e))?;
        let path = dir.join(name);
        std::fs::write(&path, content).map_err(|e| Error::io(path.display(), e))?;
        Ok(path)
    }
}

/// Removes a demo database, its WAL companions and its evidence store, if present.
fn remove_demo(path: &Path) -> Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let p = crate::support::files::with_suffix(path, suffix);
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(p.display(), e)),
        }
    }
    let store = crate::evidence::Store::beside(path);
    store.remove_all()
}
