//! `ctrlmap init`: create or upgrade the database and load the shared responsibility model.

use std::path::Path;

use clap::Args;

use crate::db::Db;
use crate::error::Result;
use crate::support::output;

/// Creates the database if needed, runs migrations and loads `seeds/` (idempotent).
#[derive(Debug, Args)]
pub struct Init {}

impl Init {
    /// Runs `init` against `path`.
    pub(crate) fn run(&self, path: &Path, actor: &str, json: bool) -> Result<()> {
        crate::evidence::Store::beside(path).check_root()?;
        let (mut db, created) = Db::create_or_upgrade(path)?;
        let loaded = db.write(actor, |w| {
            let summary = crate::load::seeds::load_model(w)?;
            if created {
                w.audit(
                    "database.init",
                    &format!("database:{}", path.display()),
                    serde_json::json!({ "seeds": summary }),
                )?;
            }
            Ok(summary)
        });
        let summary = match loaded {
            Ok(summary) => summary,
            Err(e) => {
                // A database we created but could not seed is no use to anyone: leave no file behind.
                if created {
                    db.discard();
                }
                return Err(e);
            }
        };
        let mut out = output::stdout();
        if json {
            output::print_json(
                &mut out,
                &serde_json::json!({ "database": path, "created": created, "seeds": summary }),
            )?;
        } else {
            use std::io::Write;
            let verb = if created { "created" } else { "up to date" };
            writeln!(output::note(), "{}: {verb}; seeds: {summary}", path.display())?;
        }
        Ok(())
    }
}
