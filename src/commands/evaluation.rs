//! `ctrlmap evaluation`: open an assessment over a scope, record results, close (freeze) it.

use std::collections::BTreeMap;
use std::io::Write;

use clap::Subcommand;
use serde_json::json;

use super::Ctx;
use crate::db::evaluations::{self, Evaluation, Recorded};
use crate::db::{catalogs, services};
use crate::error::{Error, Result};
use crate::estate::fingerprint::Fingerprint;
use crate::estate::pairs::{self, Source};
use crate::evidence::{Check, Store};
use crate::model::evaluation::ResultValue;
use crate::support::output;

/// Evaluation commands.
#[derive(Debug, Subcommand)]
pub enum EvaluationCommand {
    /// Open an evaluation of a catalogue over a scope of services (fixed now).
    ///
    /// Example: ctrlmap evaluation open "Q4 2026 internal review" --catalog srm --team data-platform
    Open {
        /// A name, unique among open evaluations.
        name: String,
        /// Catalogue to evaluate.
        #[arg(long, default_value = "srm")]
        catalog: String,
        /// Only services of these teams (repeatable).
        #[arg(long)]
        team: Vec<String>,
        /// Only these services (repeatable).
        #[arg(long)]
        service: Vec<String>,
    },
    /// Record the result for a control, on one service or for all services in scope.
    ///
    /// Example: ctrlmap evaluation record SRM-FW --service orders-db --result not-satisfied --note "0.0.0.0/0 on 5432"
    Record {
        /// Control key, or CATALOG:KEY.
        key: String,
        /// satisfied, partially-satisfied, not-satisfied, not-applicable or not-assessed.
        #[arg(long, value_parser = super::one_of::<ResultValue>())]
        result: ResultValue,
        /// The service; without it the result is for every service in scope without its own.
        #[arg(long)]
        service: Option<String>,
        /// The assessor's note.
        #[arg(long, default_value = "", allow_hyphen_values = true)]
        note: String,
        /// Which evaluation [default: the only open one].
        #[arg(long)]
        evaluation: Option<i64>,
    },
    /// Progress: assessed / total (control, service) pairs, by result.
    ///
    /// Example: ctrlmap evaluation status
    Status {
        /// Which evaluation [default: the only open one].
        #[arg(long)]
        evaluation: Option<i64>,
    },
    /// Close an evaluation: freeze responsibility, owners, evidence hashes and results.
    ///
    /// Every stored file it freezes is re-hashed first; a missing or altered one refuses the
    /// close (exit 3) and nothing is written.
    ///
    /// Example: ctrlmap evaluation close --evaluation 1
    Close {
        /// Which evaluation [default: the only open one].
        #[arg(long)]
        evaluation: Option<i64>,
    },
    /// List evaluations, newest first.
    ///
    /// Example: ctrlmap evaluation list
    List,
    /// Show one evaluation.
    ///
    /// Example: ctrlmap evaluation show 1
    Show {
        /// Evaluation number.
        id: i64,
    },
}

impl EvaluationCommand {
    /// Runs the command.
    pub(crate) fn run(&self, ctx: &mut Ctx) -> Result<()> {
        match self {
            EvaluationCommand::Open {
                name,
                catalog,
                team,
                service,
            } => open(ctx, name, catalog, team, service),
            EvaluationCommand::Record {
                key,
                result,
                service,
                note,
                evaluation,
            } => record(ctx, key, *result, service.as_deref(), note, *evaluation),
            EvaluationCommand::Status { evaluation } => {
                let e = evaluations::current(ctx.db.conn(), *evaluation)?;
                show(ctx, &e)
            }
            EvaluationCommand::Close { evaluation } => close(ctx, *evaluation),
            EvaluationCommand::List => list(ctx),
            EvaluationCommand::Show { id } => {
                let e = evaluations::get(ctx.db.conn(), *id)?;
                show(ctx, &e)
            }
        }
    }
}

pub(crate) fn open(ctx: &mut Ctx, name: &str, catalog: &str, teams: &[String], wanted: &[String]) -> Result<()> {
    let name = super::check_name("evaluation", name)?;
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
        note: super::check_text("--note", note, true)?,
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

pub(crate) fn close(ctx: &mut Ctx, evaluation: Option<i64>) -> Result<()> {
    let e = evaluations::current(ctx.db.conn(), evaluation)?;
    if e.is_closed() {
        return Err(Error::Invalid(format!("evaluation {} is already closed", e.id)));
    }
    let today = ctx.today;
    let store = Store::beside(ctx.db.path());
    let (fingerprint, pairs_frozen) = ctx.db.write(&ctx.actor, |w| {
        let source = Source::of_evaluation(e.clone(), today);
        let mut fingerprint = Fingerprint::default();
        let mut seq = 0i64;
        // Every stored file the snapshot names, with the evidence that names it.
        let mut files: BTreeMap<String, BTreeMap<i64, String>> = BTreeMap::new();
        pairs::for_each_control(w, &source, |_, pairs| {
            for p in pairs {
                seq += 1;
                evaluations::insert_item(w, e.id, seq, p)?;
                fingerprint.add(p)?;
                for ev in &p.evidence {
                    if let Some(sha) = &ev.sha256 {
                        files
                            .entry(sha.clone())
                            .or_default()
                            .entry(ev.id)
                            .or_insert_with(|| ev.title.clone());
                    }
                }
            }
            Ok(())
        })?;
        // The snapshot freezes hashes: the files must have them now, or the evaluation would
        // vouch for bytes nobody can produce. Hashed inside the transaction, so a refusal rolls
        // back everything written above.
        check_frozen_files(&store, e.id, &files)?;
        let fingerprint = fingerprint.finish()?;
        evaluations::close(w, e.id, &crate::support::clock::now_rfc3339(), &fingerprint)?;
        w.audit(
            "evaluation.close",
            &format!("evaluation:{}", e.id),
            json!({ "pairs": seq, "fingerprint": fingerprint }),
        )?;
        Ok((fingerprint, seq))
    })?;
    writeln!(
        output::note(),
        "closed evaluation {} \"{}\": {pairs_frozen} control-service pairs frozen, fingerprint {fingerprint}",
        e.id,
        e.name
    )?;
    Ok(())
}

/// Re-hashes every stored file an evaluation is about to freeze; any missing or altered one
/// refuses the close, naming the evidence and the file.
fn check_frozen_files(store: &Store, evaluation: i64, files: &BTreeMap<String, BTreeMap<i64, String>>) -> Result<()> {
    let mut failed = Vec::new();
    for (sha, evidence) in files {
        let state = store.check(sha)?;
        if state != Check::Intact {
            failed.push((sha, evidence, state));
        }
    }
    let Some((sha, evidence, state)) = failed.first() else {
        return Ok(());
    };
    let named: Vec<String> = evidence
        .iter()
        .map(|(id, title)| format!("evidence {id} \"{}\"", crate::text::one_line(title)))
        .collect();
    let what = if *state == Check::Missing {
        "is missing"
    } else {
        "was altered (it no longer has the hash it was added with)"
    };
    let more = match failed.len() {
        1 => String::new(),
        n => format!("; {} more stored files failed too", n - 1),
    };
    Err(Error::Integrity(format!(
        "evaluation {evaluation} not closed: {}: stored file {} {what}{more}; see `ctrlmap evidence verify`",
        named.join(", "),
        store.shown_path(sha)
    )))
}

fn list(ctx: &Ctx) -> Result<()> {
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
fn show(ctx: &Ctx, e: &Evaluation) -> Result<()> {
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
