//! `ctrlmap responsibility show`: why a control is what it is, on one service or across every
//! in-scope service and the roll-up, with the rules' sources and the recorded statement.

use std::io::Write;

use serde_json::json;

use super::target;
use crate::commands::Ctx;
use crate::db::sources::{Cited, Sources};
use crate::db::{implementations, provider_docs};
use crate::error::Result;
use crate::estate::matrix::{self, CellView};
use crate::model::derive::Provenance;
use crate::support::output;

pub(super) fn show(ctx: &mut Ctx, key: &str, catalog: Option<&str>, service: Option<&str>) -> Result<()> {
    let (control, service) = target(ctx, key, catalog, service)?;
    let conn = ctx.db.conn();
    let m = matrix::Matrix::load(conn, &control.catalog)?;
    let row = m.row(&control);
    let mut out = output::stdout();
    // The implementation statement, where it was recorded: organisation-wide, or on the service
    // (falling back to the organisation-wide one, as the exports do).
    let org_statement = implementations::statement(conn, control.id, None)?;
    let Some(service) = service else {
        let on_services = implementations::services_with_statement(conn, control.id)?;
        let sources = Sources::load(conn)?;
        let cited = distinct_citations(&sources, row.cells.iter().map(|c| c.effective.source));
        if ctx.json {
            let cells: Vec<CellView<'_>> = row.cells.iter().map(CellView::from).collect();
            let view = json!({
                "catalog": control.catalog, "key": control.control.key, "title": control.control.title,
                "organisation": row.organisation, "owner": row.owner,
                "override": row.org_override.map(|o| json!({ "responsibility": o.responsibility, "why": o.why })),
                "services": cells,
                "sources": cited,
                "statement": (!org_statement.trim().is_empty()).then_some(org_statement.trim()),
                "services_with_statement": on_services,
            });
            return output::print_json(&mut out, &view);
        }
        let mut fields = vec![
            (
                "control",
                format!(
                    "{} {} ({})",
                    control.control.key, control.control.title, control.catalog
                ),
            ),
            (
                "organisation",
                format!(
                    "{} (roll-up over {} in-scope services)",
                    row.organisation,
                    m.services.len()
                ),
            ),
        ];
        if let Some(o) = row.org_override {
            fields.push(("override", format!("{} organisation-wide: {}", o.responsibility, o.why)));
        }
        fields.push(("owner", row.owner.unwrap_or("(per service)").to_string()));
        // Services with their own statement are not "nothing recorded": say where to look.
        let statement = if org_statement.trim().is_empty() && on_services > 0 {
            format!(
                "(not recorded organisation-wide; {on_services} service{} {} its own: see --service)",
                if on_services == 1 { "" } else { "s" },
                if on_services == 1 { "has" } else { "have" }
            )
        } else {
            statement_field(&org_statement, None)
        };
        fields.push(("statement", statement));
        output::print_fields(&mut out, &fields)?;
        let rows = row.cells.iter().map(|c| {
            vec![
                c.service.service.name.clone(),
                c.service.category.to_string(),
                c.effective.responsibility.to_string(),
                c.effective.provenance.as_str().to_string(),
                c.owner.map(|(t, _)| t.to_string()).unwrap_or_default(),
                c.effective.rationale.to_string(),
            ]
        });
        let headers = [
            "service",
            "category",
            "responsibility",
            "provenance",
            "owner",
            "rationale",
        ];
        output::print_table(&mut out, &output::table(&headers, rows))?;
        if !cited.is_empty() {
            writeln!(out, "\nSources of the rules that decided:")?;
            for c in &cited {
                writeln!(out, "  {}", c.citation())?;
            }
        }
        return Ok(());
    };
    let own_statement = implementations::statement(conn, control.id, Some(service.id))?;
    let cell = m.cell(&control, &service);
    let default = m
        .rules
        .find(&control.control.key, &control.control.family, service.category);
    let sources = Sources::load(conn)?;
    let citations = match cell.effective.provenance {
        Provenance::Provider => Vec::new(),
        _ => sources.cite(cell.effective.source),
    };
    let (offering_id, _) = crate::db::offerings::get(conn, &service.service.offering)?;
    let said = provider_docs::for_pair(conn, control.id, offering_id)?;
    let customer_part = customer_part(&said);
    if ctx.json {
        let statement = [own_statement.trim(), org_statement.trim()]
            .into_iter()
            .find(|s| !s.is_empty());
        let view = json!({
            "catalog": control.catalog, "key": control.control.key, "title": control.control.title,
            "cell": CellView::from(&cell),
            "citations": citations,
            "default": default,
            "statement": statement,
            "provider_statements": said,
            "customer_must_do": customer_part,
        });
        return output::print_json(&mut out, &view);
    }
    let e = &cell.effective;
    let provenance = match e.provenance {
        Provenance::ServiceOverride => format!("override (for {})", service.service.name),
        Provenance::OrgOverride => "override (organisation-wide)".to_string(),
        Provenance::Provider => crate::estate::provider::provenance(&said),
        Provenance::Rule => format!(
            "rule ({} on {} services)",
            e.rule_scope.map(|s| s.describe()).unwrap_or_default(),
            service.category
        ),
        Provenance::None => "none".to_string(),
    };
    let mut fields = vec![
        (
            "control",
            format!(
                "{} {} ({})",
                control.control.key, control.control.title, control.catalog
            ),
        ),
        (
            "service",
            format!(
                "{} on {} ({}){}",
                service.service.name,
                service.offering_name,
                service.category,
                if service.service.in_scope {
                    ""
                } else {
                    "; out of scope: not in roll-ups"
                }
            ),
        ),
        ("responsibility", e.responsibility.to_string()),
        ("provenance", provenance),
        ("rationale", e.rationale.to_string()),
    ];
    if e.provenance == Provenance::Provider {
        fields[4] = (
            "rationale",
            format!("what the provider's statements say about {}", service.offering_name),
        );
    }
    for cited in &citations {
        fields.push(("source", cited.citation()));
    }
    for s in &said {
        fields.push((
            "provider says",
            format!("{} {}: {}", s.kind, s.uuid, flat(&s.description)),
        ));
    }
    if !said.is_empty() {
        let must = if customer_part.is_empty() {
            "(nothing: the provider provides it)".to_string()
        } else {
            customer_part
                .iter()
                .map(|t| format!("\"{t}\""))
                .collect::<Vec<_>>()
                .join("; ")
        };
        fields.push(("customer must do", must));
        if e.provenance != Provenance::Provider {
            let word = crate::estate::provider::decide(&said).map_or("none".to_string(), |r| r.to_string());
            let why = crate::estate::provider::provenance(&said);
            fields.push(("provider's word", format!("{word} (overridden); {why}")));
        }
    }
    if e.provenance != Provenance::Rule {
        let default = default.map_or("undetermined (no rule)".to_string(), |r| {
            format!("{} ({}): {}", r.responsibility, r.scope.describe(), r.rationale)
        });
        fields.push(("model default", default));
    }
    let owner = cell.owner.map_or("(none)".to_string(), |(team, source)| {
        let why = match source {
            crate::model::derive::OwnerSource::ServiceOverride => "assigned for this service",
            crate::model::derive::OwnerSource::Control => "the control's organisation-wide owner",
            crate::model::derive::OwnerSource::ServiceTeam => "the service's team",
        };
        format!("{team} ({why})")
    });
    fields.push(("owner", owner));
    fields.push((
        "statement",
        if own_statement.trim().is_empty() {
            statement_field(&org_statement, Some("organisation-wide"))
        } else {
            statement_field(&own_statement, None)
        },
    ));
    output::print_fields(&mut out, &fields)
}

/// What the provider's statements leave to the customer, in their words.
pub(crate) fn customer_part(said: &[provider_docs::StatementRow]) -> Vec<String> {
    crate::estate::provider::customer_part(said)
}

/// A provider's text on one line, safe for a terminal.
pub(crate) fn flat(text: &str) -> String {
    crate::text::one_line(&crate::estate::provider::flat(text)).to_string()
}

/// A recorded statement as `show` prints it (one line, with where it was recorded), or
/// "(not recorded)".
fn statement_field(statement: &str, recorded: Option<&str>) -> String {
    let text = crate::text::one_line(statement.trim());
    match (text.is_empty(), recorded) {
        (true, _) => "(not recorded)".to_string(),
        (false, Some(at)) => format!("{text} ({at})"),
        (false, None) => text.to_string(),
    }
}

/// What the `source` texts of several rules cite, each citation once, in the order first cited.
fn distinct_citations<'a>(sources: &'a Sources, texts: impl IntoIterator<Item = &'a str>) -> Vec<Cited<'a>> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for text in texts {
        for cited in sources.cite(text) {
            if seen.insert(cited.citation()) {
                out.push(cited);
            }
        }
    }
    out
}
