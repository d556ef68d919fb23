//! `ctrlmap responsibility todo`: the customer's part on one service, control by control, in the
//! provider's own words: every control a provider document speaks about whose effective value
//! (overrides first) leaves the customer something to do.

use std::collections::BTreeMap;

use serde::Serialize;

use super::show::{customer_part, flat};
use crate::commands::Ctx;
use crate::db::provider_docs::{self, StatementRow};
use crate::db::{catalogs, offerings, services};
use crate::error::Result;
use crate::estate::matrix::Matrix;
use crate::estate::provider as word;
use crate::model::Responsibility;
use crate::support::output;

/// One control on the list.
#[derive(Debug, Serialize)]
struct Item {
    catalog: String,
    control: String,
    title: String,
    responsibility: Responsibility,
    provenance: &'static str,
    rationale: String,
    provider_says: Option<Responsibility>,
    customer_must_do: Vec<String>,
    documents: String,
    statements: Vec<StatementRow>,
}

pub(super) fn todo(ctx: &mut Ctx, service: &str, catalog: Option<&str>) -> Result<()> {
    let conn = ctx.db.conn();
    let service = services::get(conn, service)?;
    if let Some(c) = catalog {
        catalogs::get(conn, c)?;
    }
    let (offering_id, _) = offerings::get(conn, &service.service.offering)?;
    let mut by_catalog: BTreeMap<String, Vec<Vec<StatementRow>>> = BTreeMap::new();
    let mut current: Option<(String, i64)> = None;
    for s in provider_docs::for_offering(conn, offering_id)? {
        if catalog.is_some_and(|c| !c.eq_ignore_ascii_case(&s.catalog)) {
            continue;
        }
        let list = by_catalog.entry(s.catalog.clone()).or_default();
        let same = current
            .as_ref()
            .is_some_and(|(c, id)| *c == s.catalog && *id == s.control_id);
        if !same || list.is_empty() {
            list.push(Vec::new());
        }
        current = Some((s.catalog.clone(), s.control_id));
        list.last_mut().expect("pushed above").push(s);
    }
    let mut items = Vec::new();
    for (key, controls) in &by_catalog {
        let m = Matrix::load(conn, key)?;
        for said in controls {
            let control = catalogs::find_control(conn, &said[0].control, Some(key))?;
            let cell = m.cell(&control, &service);
            let e = &cell.effective;
            if !e.responsibility.customer_has_a_part() {
                continue;
            }
            let mut must = customer_part(said);
            if must.is_empty() {
                must.push(format!(
                    "the provider says it provides this, but it is {} here: {}",
                    e.responsibility,
                    flat(e.rationale)
                ));
            }
            items.push(Item {
                catalog: key.clone(),
                control: control.control.key.clone(),
                title: control.control.title.clone(),
                responsibility: e.responsibility,
                provenance: e.provenance.as_str(),
                rationale: e.rationale.to_string(),
                provider_says: word::decide(said),
                customer_must_do: must,
                documents: word::citation(said),
                statements: said.clone(),
            });
        }
    }
    let mut out = output::stdout();
    if ctx.json {
        return output::print_json(&mut out, &items);
    }
    if by_catalog.is_empty() {
        use std::io::Write;
        writeln!(
            output::note(),
            "no provider document speaks for {} ({}): import one with ctrlmap provider import",
            service.service.offering,
            service.service.name
        )?;
        return Ok(());
    }
    let rows = items.iter().map(|i| {
        vec![
            i.control.clone(),
            i.responsibility.to_string(),
            i.provenance.to_string(),
            i.customer_must_do.join(" | "),
        ]
    });
    let headers = ["control", "responsibility", "decided by", "what the customer must do"];
    output::print_table(&mut out, &output::table(&headers, rows))
}
