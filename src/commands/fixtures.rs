//! Test fixtures shared by the library's unit tests: a real database with the seeds loaded.

use std::path::Path;

use crate::commands::Ctx;
use crate::db::Db;
use crate::model::evidence::Day;

/// `<dir>/ctrlmap.db` with the shared responsibility model and, with `demo`, the demo organisation.
pub(crate) fn seeded_db(dir: &Path, demo: bool) -> Db {
    let (mut db, _) = Db::create_or_upgrade(&dir.join("ctrlmap.db")).expect("a database");
    db.write("alice", |w| {
        crate::load::seeds::load_model(w)?;
        if demo {
            crate::load::seeds::load_demo(w)?;
        }
        Ok(())
    })
    .expect("seeds load");
    db
}

/// A command context over a seeded demo database, acting as `actor` on `today`.
pub(crate) fn demo_ctx(dir: &Path, actor: &str, today: Day) -> Ctx {
    Ctx {
        db: seeded_db(dir, true),
        actor: actor.to_string(),
        json: false,
        today,
    }
}
