//! `ctrlmap control`: the controls of a catalogue and the model's default for each.

use std::io::Write;

use clap::Subcommand;
use serde::Serialize;

use super::Ctx;
use crate::db::catalogs;
use crate::db::implementations;
use crate::db::sources::{Cited, Sources};
use crate::error::{Error, Result};
use crate::model::{Category, Rule};
use crate::support::output;

/// Control commands.
#[derive(Debug, Subcommand)]
pub enum ControlCommand {
    /// List the controls of a catalogue, optionally of one family.
    ///
    /// Example: ctrlmap control list --catalog srm --family "Patch Management"
    List {
        /// Catalogue key.
        #[arg(long, default_value = "srm")]
        catalog: String,
        /// Family name (case does not matter).
        #[arg(long)]
        family: Option<String>,
    },
    /// Show a control: statement, default responsibility per service category with rationale and
    /// source, and organisation-wide decisions.
    ///
    /// Example: ctrlmap control show SRM-PATCH
    Show {
        /// Control key, or CATALOG:KEY.
        key: String,
        /// Catalogue key, when the control key is in several.
        #[arg(long)]
        catalog: Option<String>,
    },
}

#[derive(Serialize)]
struct ControlView<'a> {
    #[serde(flatten)]
    control: &'a catalogs::ControlRow,
    defaults: Vec<DefaultView<'a>>,
    organisation: Option<implementations::Implementation>,
}

#[derive(Serialize)]
struct DefaultView<'a> {
    category: Category,
    rule: Option<&'a Rule>,
    /// What the rule's `source` cites, resolved against the source table.
    citations: Vec<Cited<'a>>,
}

impl ControlCommand {
    /// Runs the command.
    pub(crate) fn run(&self, ctx: &mut Ctx) -> Result<()> {
        let conn = ctx.db.conn();
        let mut out = output::stdout();
        match self {
            ControlCommand::List { catalog, family } => {
                let (catalog_id, _) = catalogs::get(conn, catalog)?;
                if let Some(f) = family {
                    let families = catalogs::families(conn, catalog_id)?;
                    if !families.iter().any(|x| x.eq_ignore_ascii_case(f)) {
                        return Err(Error::not_found("family", f, families.iter().map(String::as_str)));
                    }
                }
                let mut rows = Vec::new();
                catalogs::for_each_control(conn, catalog_id, family.as_deref(), |c| {
                    rows.push(c);
                    Ok(())
                })?;
                if ctx.json {
                    return output::print_json(&mut out, &rows);
                }
                let cells = rows.iter().map(|c| {
                    let mut title = c.control.title.clone();
                    if c.control.withdrawn {
                        title.push_str(" (withdrawn)");
                    }
                    vec![c.control.key.clone(), title, c.control.family.clone()]
                });
                output::print_table(&mut out, &output::table(&["key", "title", "family"], cells))
            }
            ControlCommand::Show { key, catalog } => {
                let control = catalogs::find_control(conn, key, catalog.as_deref())?;
                let (catalog_id, _) = catalogs::get(conn, &control.catalog)?;
                let book = crate::model::derive::RuleBook::new(catalogs::rules(conn, catalog_id)?);
                let sources = Sources::load(conn)?;
                let defaults: Vec<DefaultView<'_>> = Category::ALL
                    .iter()
                    .map(|&category| {
                        let rule = book.find(&control.control.key, &control.control.family, category);
                        DefaultView {
                            category,
                            rule,
                            citations: rule.map(|r| sources.cite(&r.source)).unwrap_or_default(),
                        }
                    })
                    .collect();
                let organisation = implementations::get(conn, control.id, None)?;
                if ctx.json {
                    let view = ControlView {
                        control: &control,
                        defaults,
                        organisation,
                    };
                    return output::print_json(&mut out, &view);
                }
                let c = &control.control;
                let mut fields = vec![
                    ("control", format!("{} ({})", c.key, control.catalog)),
                    ("title", c.title.clone()),
                    ("family", c.family.clone()),
                ];
                if let Some(parent) = &c.parent {
                    fields.push(("parent", parent.clone()));
                }
                if c.withdrawn {
                    fields.push(("status", "withdrawn".to_string()));
                }
                if let Some(org) = &organisation {
                    if let Some(r) = org.responsibility {
                        fields.push((
                            "override",
                            format!("{r} organisation-wide: {}", org.why.clone().unwrap_or_default()),
                        ));
                    }
                    if let Some(owner) = &org.owner {
                        fields.push(("owner", owner.clone()));
                    }
                }
                output::print_fields(&mut out, &fields)?;
                writeln!(out, "\n{}\n", c.statement)?;
                writeln!(out, "Default responsibility by service category:")?;
                for d in &defaults {
                    match d.rule {
                        Some(r) => {
                            writeln!(
                                out,
                                "  {:<15} {:<10} rule for {}",
                                d.category.as_str(),
                                r.responsibility.as_str(),
                                r.scope.describe()
                            )?;
                            writeln!(out, "      {}", r.rationale)?;
                            for cited in &d.citations {
                                writeln!(out, "      source: {}", cited.citation())?;
                            }
                        }
                        None => writeln!(out, "  {:<15} undetermined (no rule)", d.category.as_str())?,
                    }
                }
                Ok(())
            }
        }
    }
}
