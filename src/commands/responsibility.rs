//! `ctrlmap responsibility`: the derived matrix, hand-made overrides, and why each value is what it is.

use std::io::Write;

use clap::{Args, Subcommand};
use serde::Serialize;
use serde_json::json;

use super::Ctx;
use crate::db::catalogs::{self, ControlRow};
use crate::db::services::{self, ServiceRow};
use crate::db::sources::{Cited, Sources};
use crate::db::{Writer, implementations};
use crate::error::{Error, Result};
use crate::estate::matrix::{self, CellView};
use crate::model::Responsibility;
use crate::model::derive::Provenance;
use crate::support::output;

/// Responsibility commands.
#[derive(Debug, Subcommand)]
pub enum ResponsibilityCommand {
    /// The control x service grid: inherited / shared / customer / undetermined, with the
    /// organisation-wide roll-up. `*` marks an override.
    ///
    /// Example: ctrlmap responsibility matrix --service orders-db --json
    Matrix(Matrix),
    /// Why a control is what it is: value, provenance (override / rule / none), rationale, owner.
    ///
    /// Example: ctrlmap responsibility show SRM-FW --service orders-db
    Show {
        /// Control key, or CATALOG:KEY.
        key: String,
        /// Catalogue, when the key is in several.
        #[arg(long)]
        catalog: Option<String>,
        /// One service; without it, every in-scope service and the roll-up.
        #[arg(long)]
        service: Option<String>,
    },
    /// Override the model's default for a control, on one service or organisation-wide.
    ///
    /// Example: ctrlmap responsibility set SRM-FW --service orders-db --as shared --why "RDS security groups managed by platform team"
    Set {
        /// Control key, or CATALOG:KEY.
        key: String,
        /// Catalogue, when the key is in several.
        #[arg(long)]
        catalog: Option<String>,
        /// The service; without it the override applies organisation-wide.
        #[arg(long)]
        service: Option<String>,
        /// inherited, shared or customer.
        #[arg(long = "as", value_name = "RESPONSIBILITY", value_parser = super::decided())]
        value: Responsibility,
        /// Why (kept with the override and in the audit log).
        #[arg(long)]
        why: String,
    },
    /// Remove an override, so the model's rule applies again.
    ///
    /// Example: ctrlmap responsibility unset SRM-FW --service orders-db
    Unset {
        /// Control key, or CATALOG:KEY.
        key: String,
        /// Catalogue, when the key is in several.
        #[arg(long)]
        catalog: Option<String>,
        /// The service; without it the organisation-wide override is removed.
        #[arg(long)]
        service: Option<String>,
    },
}

/// Which part of the matrix to print.
#[derive(Debug, Args)]
pub struct Matrix {
    /// Catalogue key.
    #[arg(long, default_value = "srm")]
    pub catalog: String,
    /// Only these services (repeatable).
    #[arg(long)]
    pub service: Vec<String>,
    /// Only services owned by this team.
    #[arg(long)]
    pub team: Option<String>,
}

/// One control's row as `matrix --json` streams it: serialised straight from borrowed fields, so
/// a million cells cost no intermediate JSON values.
#[derive(Serialize)]
struct ControlView<'a> {
    key: &'a str,
    title: &'a str,
    family: &'a str,
    organisation: Responsibility,
    owner: Option<&'a str>,
    services: Vec<CellView<'a>>,
}

impl Matrix {
    /// Prints the matrix as a table or streams it as JSON, control by control.
    pub(crate) fn print(&self, ctx: &mut Ctx) -> Result<()> {
        let conn = ctx.db.conn();
        let m = matrix::Matrix::load(conn, &self.catalog)?;
        if let Some(team) = &self.team {
            crate::db::teams::id(conn, team)?;
        }
        for name in &self.service {
            let s = services::get(conn, name)?;
            if !s.service.in_scope {
                return Err(Error::Invalid(format!(
                    "service \"{}\" is out of scope, so it is in no matrix or roll-up; bring it back with `ctrlmap service import --update` and in_scope=yes",
                    s.service.name
                )));
            }
        }
        // Which of the in-scope services to show; the roll-up is always over all of them.
        let shown: Vec<usize> = m
            .services
            .iter()
            .enumerate()
            .filter(|(_, s)| self.service.is_empty() || self.service.contains(&s.service.name))
            .filter(|(_, s)| self.team.is_none() || s.service.team == self.team)
            .map(|(i, _)| i)
            .collect();
        let mut out = output::stdout();
        if ctx.json {
            let services: Vec<&ServiceRow> = shown.iter().map(|&i| &m.services[i]).collect();
            let head = json!({ "catalog": m.catalog, "services": services });
            let head = head.to_string();
            // Stream: the head object without its closing brace, then one control at a time.
            write!(out, "{},\"controls\":[", &head[..head.len() - 1])?;
            let mut first = true;
            catalogs::for_each_control(conn, m.catalog_id, None, |c| {
                if c.control.withdrawn {
                    // Withdrawn controls stay in the catalogue for history, not in the matrix.
                    return Ok(());
                }
                let row = m.row(&c);
                let cells: Vec<CellView<'_>> = shown.iter().map(|&i| CellView::from(&row.cells[i])).collect();
                let item = ControlView {
                    key: &c.control.key,
                    title: &c.control.title,
                    family: &c.control.family,
                    organisation: row.organisation,
                    owner: row.owner,
                    services: cells,
                };
                if !first {
                    out.write_all(b",")?;
                }
                first = false;
                serde_json::to_writer(&mut out, &item).map_err(std::io::Error::from)?;
                Ok(())
            })?;
            writeln!(out, "]}}")?;
            return Ok(());
        }
        let mut headers = vec!["control".to_string(), "title".to_string(), "organisation".to_string()];
        headers.extend(shown.iter().map(|&i| {
            let s = &m.services[i];
            format!("{}\n{}", s.service.name, s.category)
        }));
        let mut rows = Vec::new();
        let mut overrides = false;
        catalogs::for_each_control(conn, m.catalog_id, None, |c| {
            if c.control.withdrawn {
                // Withdrawn controls stay in the catalogue for history, not in the matrix.
                return Ok(());
            }
            let row = m.row(&c);
            let mut cells = vec![
                c.control.key.clone(),
                c.control.title.clone(),
                row.organisation.to_string(),
            ];
            for &i in &shown {
                let e = &row.cells[i].effective;
                let mark = if e.provenance == Provenance::Rule || e.provenance == Provenance::None {
                    ""
                } else {
                    "*"
                };
                overrides |= !mark.is_empty();
                cells.push(format!("{}{mark}", e.responsibility));
            }
            rows.push(cells);
            Ok(())
        })?;
        output::print_table(&mut out, &output::table(&headers, rows))?;
        if m.services.is_empty() {
            writeln!(out, "No services in scope yet: add one with `ctrlmap service add`.")?;
        }
        if overrides {
            writeln!(
                out,
                "* override; `ctrlmap responsibility show KEY --service NAME` says why"
            )?;
        }
        Ok(())
    }
}

impl ResponsibilityCommand {
    /// Runs the command.
    pub(crate) fn run(&self, ctx: &mut Ctx) -> Result<()> {
        match self {
            ResponsibilityCommand::Matrix(m) => m.print(ctx),
            ResponsibilityCommand::Show { key, catalog, service } => {
                show(ctx, key, catalog.as_deref(), service.as_deref())
            }
            ResponsibilityCommand::Set {
                key,
                catalog,
                service,
                value,
                why,
            } => {
                let why = super::check_text("--why", why, true)?;
                let why = why.as_str();
                if why.is_empty() {
                    return Err(Error::Invalid("--why must say why the override is made".into()));
                }
                let (control, service) = target(ctx, key, catalog.as_deref(), service.as_deref())?;
                ctx.db.write(&ctx.actor, |w| {
                    record(w, &control, service.as_ref(), Some((*value, why)))
                })?;
                let scope = service
                    .as_ref()
                    .map_or("organisation-wide".to_string(), |s| format!("on {}", s.service.name));
                writeln!(output::note(), "{} is {value} {scope} (override)", control.control.key)?;
                Ok(())
            }
            ResponsibilityCommand::Unset { key, catalog, service } => {
                let (control, service) = target(ctx, key, catalog.as_deref(), service.as_deref())?;
                ctx.db
                    .write(&ctx.actor, |w| record(w, &control, service.as_ref(), None))?;
                writeln!(output::note(), "removed the override of {}", control.control.key)?;
                Ok(())
            }
        }
    }
}

/// Resolves the control and optional service a command names.
pub(crate) fn target(
    ctx: &Ctx,
    key: &str,
    catalog: Option<&str>,
    service: Option<&str>,
) -> Result<(ControlRow, Option<ServiceRow>)> {
    let conn = ctx.db.conn();
    let control = catalogs::find_control(conn, key, catalog)?;
    let service = service.map(|s| services::get(conn, s)).transpose()?;
    Ok((control, service))
}

/// The audit entity for a decision about `control` on `service` (or organisation-wide).
pub(crate) fn decision_entity(control: &ControlRow, service: Option<&ServiceRow>) -> String {
    let on = service.map_or("*", |s| s.service.name.as_str());
    format!("implementation:{}:{}@{on}", control.catalog, control.control.key)
}

fn record(
    w: &Writer<'_>,
    control: &ControlRow,
    service: Option<&ServiceRow>,
    value: Option<(Responsibility, &str)>,
) -> Result<()> {
    let service_id = service.map(|s| s.id);
    let old = implementations::get(w, control.id, service_id)?;
    let old = old.and_then(|i| Some((i.responsibility?, i.why.unwrap_or_default())));
    if value.is_none() && old.is_none() {
        return Err(Error::Invalid(format!(
            "{} has no override here to remove",
            control.control.key
        )));
    }
    implementations::set_responsibility(w, control.id, service_id, value)?;
    let view = |v: Option<(Responsibility, &str)>| v.map(|(r, why)| json!({ "responsibility": r, "why": why }));
    let action = if value.is_some() {
        "responsibility.set"
    } else {
        "responsibility.unset"
    };
    w.audit(
        action,
        &decision_entity(control, service),
        json!({ "old": view(old.as_ref().map(|(r, why)| (*r, why.as_str()))), "new": view(value) }),
    )
}

fn show(ctx: &mut Ctx, key: &str, catalog: Option<&str>, service: Option<&str>) -> Result<()> {
    let (control, service) = target(ctx, key, catalog, service)?;
    let conn = ctx.db.conn();
    let m = matrix::Matrix::load(conn, &control.catalog)?;
    let row = m.row(&control);
    let mut out = output::stdout();
    // The implementation statement, where it was recorded: organisation-wide, or on the service
    // (falling back to the organisation-wide one, as the exports do).
    let org_statement = implementations::statement(conn, control.id, None)?;
    let Some(service) = service else {
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
        fields.push(("statement", statement_field(&org_statement, None)));
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
    let citations = sources.cite(cell.effective.source);
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
        });
        return output::print_json(&mut out, &view);
    }
    let e = &cell.effective;
    let provenance = match e.provenance {
        Provenance::ServiceOverride => format!("override (for {})", service.service.name),
        Provenance::OrgOverride => "override (organisation-wide)".to_string(),
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
    for cited in &citations {
        fields.push(("source", cited.citation()));
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
