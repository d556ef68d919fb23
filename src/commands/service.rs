//! `ctrlmap service`: the organisation's services and the offerings they run on.

use std::io::Write;
use std::path::PathBuf;

use clap::Subcommand;

use super::{Ctx, open_input, report_import, source_name};
use super::{check_name, check_text};
use crate::db::{OnExisting, resources, save, services};
use crate::error::{Error, Result};
use crate::model::{Category, Service};
use crate::support::output;

/// `service resource` commands.
#[derive(Debug, Subcommand)]
pub enum ResourceCommand {
    /// Add resource patterns to a service.
    ///
    /// Example: ctrlmap service resource add orders-db 'arn:aws:rds:eu-west-1:111122223333:cluster:orders'
    Add {
        /// Service name.
        service: String,
        /// Patterns: ARN globs (`*` any characters, `?` one) or account ids (aws-account:111122223333).
        #[arg(required = true, value_name = "PATTERN")]
        patterns: Vec<String>,
    },
    /// List resource patterns.
    ///
    /// Example: ctrlmap service resource list --service orders-db
    List {
        /// Only this service's patterns.
        #[arg(long)]
        service: Option<String>,
    },
}

/// Checks resource patterns typed on the command line, naming the bad one.
pub(crate) fn check_patterns(what: &str, patterns: &[String]) -> Result<Vec<String>> {
    patterns
        .iter()
        .map(|p| {
            let p = p.trim();
            match crate::model::resource::problem(p) {
                Some(problem) => Err(Error::Invalid(format!("{what} \"{p}\" {problem}"))),
                None => Ok(p.to_string()),
            }
        })
        .collect()
}

impl ResourceCommand {
    fn run(&self, ctx: &mut Ctx) -> Result<()> {
        match self {
            ResourceCommand::Add { service, patterns } => {
                let patterns = check_patterns("resource pattern", patterns)?;
                let (name, added) = ctx.db.write(&ctx.actor, |w| {
                    let row = services::get(w, service)?;
                    let at = crate::support::clock::now_rfc3339();
                    let mut added = 0;
                    for p in &patterns {
                        if resources::add(w, row.id, p, w.actor(), &at)? {
                            added += 1;
                        }
                    }
                    if added == 0 {
                        return Err(Error::Invalid(format!(
                            "service {} already has {}",
                            row.service.name,
                            if patterns.len() == 1 {
                                "this pattern"
                            } else {
                                "these patterns"
                            }
                        )));
                    }
                    w.audit(
                        "service.resource.add",
                        &format!("service:{}", row.service.name),
                        serde_json::json!({ "patterns": patterns }),
                    )?;
                    Ok((row.service.name, added))
                })?;
                let noun = if added == 1 { "pattern" } else { "patterns" };
                writeln!(output::note(), "added {added} resource {noun} to {name}")?;
                Ok(())
            }
            ResourceCommand::List { service } => {
                let conn = ctx.db.conn();
                let id = service
                    .as_deref()
                    .map(|s| services::get(conn, s))
                    .transpose()?
                    .map(|s| s.id);
                let list = resources::list(conn, id)?;
                let mut out = output::stdout();
                if ctx.json {
                    return output::print_json(&mut out, &list);
                }
                let rows = list
                    .iter()
                    .map(|p| vec![p.service.clone(), p.pattern.clone(), p.added_by.clone()]);
                output::print_table(&mut out, &output::table(&["service", "pattern", "added by"], rows))
            }
        }
    }
}

/// Service commands.
#[derive(Debug, Subcommand)]
pub enum ServiceCommand {
    /// Add a service running on an offering.
    ///
    /// Example: ctrlmap service add orders-db --offering aws.rds --team data-platform --env prod --region eu-west-1
    Add {
        /// Unique service name.
        name: String,
        /// Offering key, e.g. aws.rds (see `ctrlmap offering list`).
        #[arg(long)]
        offering: String,
        /// Owning team.
        #[arg(long)]
        team: Option<String>,
        /// Environment, e.g. prod.
        #[arg(long = "env", default_value = "")]
        environment: String,
        /// Region, e.g. eu-west-1.
        #[arg(long, default_value = "")]
        region: String,
        /// Classification of the data it holds.
        #[arg(long, default_value = "")]
        data_classification: String,
        /// Record it but leave it out of roll-ups and reports.
        #[arg(long)]
        out_of_scope: bool,
        /// A resource pattern of this service (repeatable): an ARN glob (`*` any characters, `?`
        /// one) or an account id such as aws-account:111122223333. Scanned resources matching it
        /// count for this service.
        #[arg(long = "resource", value_name = "PATTERN")]
        resources: Vec<String>,
    },
    /// The resources a service owns, as patterns scanned resource ids are matched against.
    #[command(subcommand)]
    Resource(ResourceCommand),
    /// List services.
    ///
    /// Example: ctrlmap service list --category container
    List {
        /// Only services of this team.
        #[arg(long)]
        team: Option<String>,
        /// Only services on offerings of this category.
        #[arg(long, value_parser = super::one_of::<Category>())]
        category: Option<Category>,
    },
    /// Show one service.
    ///
    /// Example: ctrlmap service show orders-db
    Show {
        /// Service name.
        name: String,
    },
    /// Import services from CSV: name,offering,team,environment,region,data_classification[,in_scope,resources].
    ///
    /// `resources` holds resource patterns separated by `;`; they are added to the service's.
    ///
    /// Example: ctrlmap service import services.csv
    ///
    /// The whole file is one transaction: one bad row and nothing is imported.
    Import {
        /// The CSV file.
        file: PathBuf,
        /// Update services that already exist instead of refusing them.
        #[arg(long)]
        update: bool,
    },
}

impl ServiceCommand {
    /// Runs the command.
    pub(crate) fn run(&self, ctx: &mut Ctx) -> Result<()> {
        match self {
            ServiceCommand::Add {
                name,
                offering,
                team,
                environment,
                region,
                data_classification,
                out_of_scope,
                resources: patterns,
            } => {
                let patterns = check_patterns("--resource", patterns)?;
                let service = Service {
                    name: check_name("service", name)?,
                    offering: offering.trim().to_string(),
                    team: team.as_deref().map(|t| check_name("team", t)).transpose()?,
                    environment: check_text("--env", environment, false)?,
                    region: check_text("--region", region, false)?,
                    data_classification: check_text("--data-classification", data_classification, false)?,
                    in_scope: !out_of_scope,
                };
                // Read back inside the transaction: once it commits, nothing may fail any more
                // (a busy database after the commit would report a failure that did not happen).
                let row = ctx.db.write(&ctx.actor, |w| {
                    // Named by their flags here; the shared check names CSV columns.
                    crate::db::offerings::get(w, &service.offering).map_err(|e| e.at("--offering"))?;
                    if let Some(t) = &service.team {
                        crate::db::teams::id(w, t).map_err(|e| e.at("--team"))?;
                    }
                    save(w, &service, OnExisting::Fail)?;
                    let row = services::get(w, &service.name)?;
                    let at = crate::support::clock::now_rfc3339();
                    for p in &patterns {
                        resources::add(w, row.id, p, w.actor(), &at)?;
                    }
                    if !patterns.is_empty() {
                        w.audit(
                            "service.resource.add",
                            &format!("service:{}", row.service.name),
                            serde_json::json!({ "patterns": patterns }),
                        )?;
                    }
                    Ok(row)
                })?;
                writeln!(
                    output::note(),
                    "added service {} on {} ({})",
                    row.service.name,
                    row.offering_name,
                    row.category
                )?;
                Ok(())
            }
            ServiceCommand::List { team, category } => {
                let filter = services::Filter {
                    team: team.as_deref(),
                    category: *category,
                    in_scope_only: false,
                };
                let list = services::list(ctx.db.conn(), &filter)?;
                let mut out = output::stdout();
                if ctx.json {
                    return output::print_json(&mut out, &list);
                }
                let rows = list.iter().map(|s| {
                    let v = &s.service;
                    vec![
                        v.name.clone(),
                        v.offering.clone(),
                        s.category.to_string(),
                        v.team.clone().unwrap_or_default(),
                        v.environment.clone(),
                        v.region.clone(),
                        v.data_classification.clone(),
                        if v.in_scope { "yes" } else { "no" }.to_string(),
                    ]
                });
                let headers = [
                    "service", "offering", "category", "team", "env", "region", "data", "in scope",
                ];
                output::print_table(&mut out, &output::table(&headers, rows))
            }
            ServiceCommand::Show { name } => {
                let s = services::get(ctx.db.conn(), name)?;
                let mut out = output::stdout();
                if ctx.json {
                    return output::print_json(&mut out, &s);
                }
                let v = &s.service;
                let patterns = resources::list(ctx.db.conn(), Some(s.id))?
                    .into_iter()
                    .map(|p| p.pattern)
                    .collect::<Vec<_>>()
                    .join(", ");
                output::print_fields(
                    &mut out,
                    &[
                        ("service", v.name.clone()),
                        ("offering", format!("{} ({})", s.offering_name, v.offering)),
                        ("category", s.category.to_string()),
                        ("team", v.team.clone().unwrap_or_else(|| "(none)".into())),
                        ("environment", v.environment.clone()),
                        ("region", v.region.clone()),
                        ("data", v.data_classification.clone()),
                        ("in scope", if v.in_scope { "yes" } else { "no" }.to_string()),
                    ]
                    .into_iter()
                    .chain(Some(("resources", patterns)).filter(|(_, p)| !p.is_empty()))
                    .collect::<Vec<_>>(),
                )
            }
            ServiceCommand::Resource(r) => r.run(ctx),
            ServiceCommand::Import { file, update } => {
                let input = open_input(file)?;
                let on = if *update { OnExisting::Update } else { OnExisting::Fail };
                let summary = ctx
                    .db
                    .write(&ctx.actor, |w| crate::load::services(w, &source_name(file), input, on))?;
                report_import(ctx, "services", summary)
            }
        }
    }
}
