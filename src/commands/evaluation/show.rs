//! `ctrlmap evaluation list`, `show` and `status`: the evaluations, and one evaluation's progress
//! by result.

use std::collections::BTreeMap;
use std::io::Write;

use serde_json::json;

use crate::commands::Ctx;
use crate::db::evaluations::{self, Evaluation};
use crate::error::Result;
use crate::estate::pairs::{self, Source};
use crate::model::evaluation::ResultValue;
use crate::support::output;

/// Lists the evaluations, newest first.
pub(super) fn list(ctx: &Ctx) -> Result<()> {
    let list = evaluations::list(ctx.db.conn())?;
    let mut out = output::stdout();
    if ctx.json {
        return output::print_json(&mut out, &list);
    }
    let rows = list.iter().map(|e| {
        vec![
            e.id.to_string(),
            e.name.clone(),
            e.catalog.clone(),
            if e.is_closed() { "closed" } else { "open" }.to_string(),
            e.services.len().to_string(),
            e.assessor.clone(),
            e.opened_at.clone(),
            e.closed_at.clone().unwrap_or_default(),
        ]
    });
    let headers = [
        "id", "name", "catalog", "state", "services", "assessor", "opened", "closed",
    ];
    output::print_table(&mut out, &output::table(&headers, rows))
}

/// Progress of an evaluation: pairs by result.
pub(super) fn show(ctx: &Ctx, e: &Evaluation) -> Result<()> {
    let mut by_result: BTreeMap<ResultValue, u64> = BTreeMap::new();
    let mut total = 0u64;
    pairs::for_each_control(
        ctx.db.conn(),
        &Source::of_evaluation(e.clone(), ctx.today),
        |_, pairs| {
            for p in pairs {
                total += 1;
                *by_result.entry(p.result).or_default() += 1;
            }
            Ok(())
        },
    )?;
    // A closed evaluation's snapshot was checked against its fingerprint as it was read.
    let assessed = total - by_result.get(&ResultValue::NotAssessed).copied().unwrap_or(0);
    let mut out = output::stdout();
    if ctx.json {
        let counts: BTreeMap<&str, u64> = ResultValue::ALL
            .iter()
            .map(|r| (r.as_str(), by_result.get(r).copied().unwrap_or(0)))
            .collect();
        return output::print_json(
            &mut out,
            &json!({ "evaluation": e, "pairs": total, "assessed": assessed, "by_result": counts }),
        );
    }
    let state = match &e.closed_at {
        Some(at) => format!("closed {at}, fingerprint {}", e.fingerprint.clone().unwrap_or_default()),
        None => "open".to_string(),
    };
    output::print_fields(
        &mut out,
        &[
            ("evaluation", format!("{} \"{}\"", e.id, e.name)),
            ("catalog", e.catalog.clone()),
            ("scope", e.services.join(", ")),
            ("assessor", e.assessor.clone()),
            ("opened", e.opened_at.clone()),
            ("state", state),
            (
                "progress",
                format!("{assessed} / {total} control-service pairs assessed"),
            ),
        ],
    )?;
    for r in ResultValue::ALL {
        writeln!(out, "  {:<20} {}", r.as_str(), by_result.get(r).copied().unwrap_or(0))?;
    }
    Ok(())
}
