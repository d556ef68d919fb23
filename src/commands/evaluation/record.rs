//! `ctrlmap evaluation record`: the result of a control in an open evaluation, on one service of
//! its scope or for all of them, with its audit entry.

use std::io::Write;

use serde_json::json;

use crate::commands::Ctx;
use crate::db::evaluations::{self, Recorded};
use crate::db::{catalogs, services};
use crate::error::{Error, Result};
use crate::model::evaluation::ResultValue;
use crate::support::output;

/// Records `result` for control `key` in the current (or given) open evaluation.
pub(crate) fn record(
    ctx: &mut Ctx,
    key: &str,
    result: ResultValue,
    service: Option<&str>,
    note: &str,
    evaluation: Option<i64>,
) -> Result<()> {
    let conn = ctx.db.conn();
    let e = evaluations::current(conn, evaluation)?;
    if e.is_closed() {
        return Err(Error::Invalid(format!(
            "evaluation {} \"{}\" is closed: its results are frozen; open a new one",
            e.id, e.name
        )));
    }
    let control = catalogs::find_control(conn, key, Some(&e.catalog)).map_err(|err| match err {
        Error::NotFound { .. } => Error::Invalid(format!(
            "control \"{key}\" is not in catalogue {}, which evaluation {} covers",
            e.catalog, e.id
        )),
        other => other,
    })?;
    let service = match service {
        Some(s) => {
            let row = services::get(conn, s)?;
            if !e.services.iter().any(|x| x.eq_ignore_ascii_case(&row.service.name)) {
                return Err(Error::Invalid(format!(
                    "service \"{}\" is outside the scope of evaluation {} ({})",
                    row.service.name,
                    e.id,
                    e.services.join(", ")
                )));
            }
            Some(row)
        }
        None => None,
    };
    let recorded = Recorded {
        result,
        note: crate::commands::check_text("--note", note, true)?,
        recorded_by: ctx.actor.clone(),
        recorded_at: crate::support::clock::now_rfc3339(),
    };
    ctx.db.write(&ctx.actor, |w| {
        let old = evaluations::record(w, e.id, control.id, service.as_ref().map(|s| s.id), &recorded)?;
        let on = service.as_ref().map_or("*".to_string(), |s| s.service.name.clone());
        w.audit(
            "evaluation.record",
            &format!("evaluation:{}:{}:{}@{on}", e.id, control.catalog, control.control.key),
            json!({ "old": old, "new": recorded }),
        )
    })?;
    let on = service
        .as_ref()
        .map_or("all services in scope".to_string(), |s| s.service.name.clone());
    writeln!(output::note(), "{} on {on}: {result}", control.control.key)?;
    Ok(())
}
