//! `ctrlmap evaluation open`: a new evaluation of a catalogue over a scope of services, the scope
//! fixed when it opens (named services, or every in-scope service of the chosen teams).

use std::io::Write;

use serde_json::json;

use crate::commands::Ctx;
use crate::db::evaluations::{self, Evaluation};
use crate::db::{catalogs, services};
use crate::error::{Error, Result};
use crate::support::output;

/// Opens an evaluation of `catalog` over the services `wanted` (else every in-scope service,
/// of `teams` when given).
pub(crate) fn open(ctx: &mut Ctx, name: &str, catalog: &str, teams: &[String], wanted: &[String]) -> Result<()> {
    let name = crate::commands::check_name("evaluation", name)?;
    let conn = ctx.db.conn();
    let (catalog_id, catalog) = catalogs::get(conn, catalog)?;
    for t in teams {
        crate::db::teams::id(conn, t)?;
    }
    let mut scope = Vec::new();
    for s in wanted {
        let row = services::get(conn, s)?;
        if !row.service.in_scope {
            return Err(Error::Invalid(format!(
                "service \"{}\" is out of scope",
                row.service.name
            )));
        }
        scope.push(row.service.name);
    }
    if wanted.is_empty() {
        let all = services::list(
            conn,
            &services::Filter {
                in_scope_only: true,
                ..Default::default()
            },
        )?;
        scope = all
            .into_iter()
            .filter(|s| {
                teams.is_empty()
                    || s.service
                        .team
                        .as_ref()
                        .is_some_and(|t| teams.iter().any(|x| x.eq_ignore_ascii_case(t)))
            })
            .map(|s| s.service.name)
            .collect();
    }
    if scope.is_empty() {
        return Err(Error::Invalid(
            "no services in scope: add services, or choose other --team / --service".into(),
        ));
    }
    scope.sort();
    scope.dedup();
    let e = Evaluation {
        id: 0,
        name,
        catalog: catalog.key.clone(),
        catalog_id,
        services: scope,
        teams: teams.to_vec(),
        assessor: ctx.actor.clone(),
        opened_at: crate::support::clock::now_rfc3339(),
        closed_at: None,
        fingerprint: None,
    };
    let id = ctx.db.write(&ctx.actor, |w| {
        let id = evaluations::open(w, &e)?;
        w.audit(
            "evaluation.open",
            &format!("evaluation:{id}"),
            json!({ "name": e.name, "catalog": e.catalog, "services": e.services, "teams": e.teams }),
        )?;
        Ok(id)
    })?;
    writeln!(
        output::note(),
        "opened evaluation {id} \"{}\" of {} over {} services",
        e.name,
        e.catalog,
        e.services.len()
    )?;
    Ok(())
}
