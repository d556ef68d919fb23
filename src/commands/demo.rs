//! `ctrlmap demo`: a ready-made estate built from `seeds/`, to see the model at work.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::Ctx;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::output;

/// Builds `<out>/demo.db` afresh from seeds/ (model plus a demo organisation) and prints the matrix.
#[derive(Debug, Args)]
pub struct Demo {
    /// Directory to build the demo in (created if missing).
    #[arg(long, default_value = "demo", value_name = "DIR")]
    pub out: PathBuf,
}

impl Demo {
    /// Runs the demo.
    pub(crate) fn run(&self, actor: &str, json: bool) -> Result<()> {
        std::fs::create_dir_all(&self.out).map_err(|e| Error::io(self.out.display(), e))?;
        let path = self.out.join("demo.db");
        // Build beside the final name, then rename: a failed run never leaves half a demo.
        let building = self.out.join("demo.db.building");
        remove_db(&building)?;
        let built = Db::create_or_upgrade(&building).and_then(|(mut db, _)| {
            db.write(actor, |w| {
                crate::seeds::load_model(w)?;
                crate::seeds::load_demo(w)
            })
        });
        if let Err(e) = built {
            remove_db(&building)?;
            return Err(e);
        }
        remove_db(&path)?;
        std::fs::rename(&building, &path).map_err(|e| Error::io(path.display(), e))?;

        let mut ctx = Ctx {
            db: Db::open(&path)?,
            actor: actor.to_string(),
            json,
            today: crate::clock::today(),
        };
        let matrix = super::responsibility::Matrix {
            catalog: "srm".to_string(),
            service: Vec::new(),
            team: None,
        };
        if !json {
            let mut out = output::stdout();
            writeln!(out, "Demo database: {}", path.display())?;
            writeln!(
                out,
                "Responsibility matrix of the shared responsibility baseline (srm):"
            )?;
            out.flush()?;
        }
        matrix.print(&mut ctx)?;
        if !json {
            let mut out = output::stdout();
            writeln!(
                out,
                "\nExplore it: ctrlmap --db {} responsibility show SRM-FW --service orders-db",
                path.display()
            )?;
        }
        Ok(())
    }
}

/// Removes a database file and its WAL companions, if present.
fn remove_db(path: &std::path::Path) -> Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let p = PathBuf::from(p);
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(p.display(), e)),
        }
    }
    Ok(())
}
