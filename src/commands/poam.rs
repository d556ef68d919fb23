//! `ctrlmap poam`: the plan of action and milestones. Closing an evaluation opens one item per
//! finding; here they are listed, given an owner, a due date, milestones and a status, or their
//! risk accepted until a date (after which the item is open again by itself).

use std::io::Write;

use clap::Subcommand;
use serde::Serialize;
use serde_json::json;

use super::Ctx;
use crate::db::poam::{self, Item, Milestone};
use crate::db::teams;
use crate::error::{Error, Result};
use crate::model::evidence::Day;
use crate::model::poam::{ItemStatus, State};
use crate::support::output;

/// POA&M commands.
#[derive(Debug, Subcommand)]
pub enum PoamCommand {
    /// List the items: one per finding of a closed evaluation (and per failing scan check).
    ///
    /// A risk acceptance past its end date shows as open again; an open or in-progress item past
    /// its due date is overdue (both as of --today).
    ///
    /// Example: ctrlmap poam list --overdue --team platform
    List {
        /// Only items that need work: open or in progress (an expired risk acceptance is open).
        #[arg(long, conflicts_with = "overdue")]
        open: bool,
        /// Only open or in-progress items past their due date.
        #[arg(long)]
        overdue: bool,
        /// Only items owned by this team.
        #[arg(long)]
        team: Option<String>,
        /// Only the items of this evaluation.
        #[arg(long)]
        evaluation: Option<i64>,
    },
    /// Give an item an owner, a due date, a milestone or a status; each change is audited.
    ///
    /// A completed item is final: a finding that comes back is a new item.
    ///
    /// Example: ctrlmap poam update 4 --owner platform --due 2027-02-01 --milestone "patch window booked"
    Update {
        /// Item number.
        id: i64,
        /// The owning team.
        #[arg(long)]
        owner: Option<String>,
        /// The new due date (YYYY-MM-DD), not before the item was detected.
        #[arg(long, value_parser = Day::parse)]
        due: Option<Day>,
        /// A milestone to record, dated today and signed by the actor (repeatable).
        #[arg(long, allow_hyphen_values = true)]
        milestone: Vec<String>,
        /// in-progress or completed.
        #[arg(long, value_parser = status_parser())]
        status: Option<ItemStatus>,
    },
    /// Accept an item's risk until a date, for a reason; past that date it is open again.
    ///
    /// Example: ctrlmap poam accept-risk 5 --until 2027-06-30 --why "compensating WAF rule"
    AcceptRisk {
        /// Item number.
        id: i64,
        /// The acceptance's last day (YYYY-MM-DD), today or later.
        #[arg(long, value_parser = Day::parse)]
        until: Day,
        /// Why the risk is accepted.
        #[arg(long, allow_hyphen_values = true)]
        why: String,
    },
}

/// The parser of `--status`: only what may be set by hand.
fn status_parser() -> super::OneOf<ItemStatus> {
    super::OneOf::new(ItemStatus::parse_update, vec!["in-progress", "completed"])
}

impl PoamCommand {
    /// Runs the command.
    pub(crate) fn run(&self, ctx: &mut Ctx) -> Result<()> {
        match self {
            PoamCommand::List {
                open,
                overdue,
                team,
                evaluation,
            } => list(ctx, *open, *overdue, team.as_deref(), *evaluation),
            PoamCommand::Update {
                id,
                owner,
                due,
                milestone,
                status,
            } => update(ctx, *id, owner.as_deref(), *due, milestone, *status),
            PoamCommand::AcceptRisk { id, until, why } => accept_risk(ctx, *id, *until, why),
        }
    }
}

/// An item as listed: what is stored and where it stands today.
#[derive(Debug, Serialize)]
struct Listed<'a> {
    #[serde(flatten)]
    item: &'a Item,
    /// The status in effect today.
    state: ItemStatus,
    overdue: bool,
    acceptance_expired: bool,
}

/// Whether an item in `state` passes `--open` and `--overdue`.
fn keeps(state: State, open: bool, overdue: bool) -> bool {
    (!open || matches!(state.status, ItemStatus::Open | ItemStatus::InProgress)) && (!overdue || state.overdue)
}

fn list(ctx: &Ctx, open: bool, overdue: bool, team: Option<&str>, evaluation: Option<i64>) -> Result<()> {
    let conn = ctx.db.conn();
    if let Some(t) = team {
        teams::id(conn, t)?;
    }
    if let Some(e) = evaluation {
        crate::db::evaluations::get(conn, e)?;
    }
    let filter = crate::estate::poam::Filter {
        catalog: None,
        evaluation,
        team,
    };
    let items = crate::estate::poam::items(conn, &filter, ctx.today)?;
    let shown: Vec<(&Item, State)> = items
        .iter()
        .filter(|s| keeps(s.state, open, overdue))
        .map(|s| (&s.item, s.state))
        .collect();
    let mut out = output::stdout();
    if ctx.json {
        let listed: Vec<Listed<'_>> = shown
            .iter()
            .map(|(item, s)| Listed {
                item,
                state: s.status,
                overdue: s.overdue,
                acceptance_expired: s.acceptance_expired,
            })
            .collect();
        return output::print_json(&mut out, &listed);
    }
    if shown.is_empty() {
        let what = match (open, overdue) {
            (_, true) => "no overdue POA&M items",
            (true, _) => "no open POA&M items",
            _ => "no POA&M items",
        };
        writeln!(out, "{what} as of {}", ctx.today)?;
        return Ok(());
    }
    let rows = shown.iter().map(|(i, s)| {
        vec![
            i.id.to_string(),
            s.to_string(),
            i.control.clone(),
            i.kind.to_string(),
            services(&i.services),
            i.owner.clone().unwrap_or_else(|| "(none)".into()),
            i.detected.to_string(),
            match (s.status, i.accepted_until) {
                (ItemStatus::RiskAccepted, Some(until)) => format!("{} (accepted until {until})", i.due),
                _ => i.due.to_string(),
            },
            i.milestones
                .last()
                .map_or_else(String::new, |m| format!("{} {}", m.date, m.text)),
        ]
    });
    let headers = [
        "item",
        "status",
        "control",
        "finding",
        "services",
        "owner",
        "detected",
        "due",
        "last milestone",
    ];
    output::print_table(&mut out, &output::table(&headers, rows))?;
    let overdue_count = shown.iter().filter(|(_, s)| s.overdue).count();
    writeln!(
        out,
        "{} items, {overdue_count} overdue as of {}",
        shown.len(),
        ctx.today
    )?;
    Ok(())
}

/// A list of services for a table cell: the first three and how many more.
fn services(names: &[String]) -> String {
    match names.len() {
        0 => "(organisation)".into(),
        1..=3 => names.join(", "),
        n => format!("{}, and {} more", names[..3].join(", "), n - 3),
    }
}

/// Refuses changing a completed item.
fn not_completed(item: &Item) -> Result<()> {
    if item.status == ItemStatus::Completed {
        return Err(Error::Invalid(format!(
            "POA&M item {} was completed on {}: a completed item is final (a finding that comes back opens a new item)",
            item.id,
            item.completed.map_or_else(|| "?".into(), |d| d.to_string())
        )));
    }
    Ok(())
}

fn update(
    ctx: &mut Ctx,
    id: i64,
    owner: Option<&str>,
    due: Option<Day>,
    milestones: &[String],
    status: Option<ItemStatus>,
) -> Result<()> {
    if owner.is_none() && due.is_none() && milestones.is_empty() && status.is_none() {
        return Err(Error::Invalid(
            "poam update: nothing to change: give --owner, --due, --milestone or --status".into(),
        ));
    }
    let milestones = milestones
        .iter()
        .map(|m| {
            let text = super::check_text("--milestone", m, false)?;
            if text.is_empty() {
                return Err(Error::Invalid("--milestone must not be empty".into()));
            }
            Ok(text)
        })
        .collect::<Result<Vec<String>>>()?;
    let owner = owner.map(|o| super::check_name("--owner team", o)).transpose()?;
    let today = ctx.today;
    let actor = ctx.actor.clone();
    let item = ctx.db.write(&ctx.actor, |w| {
        let old = poam::get(w, id)?;
        not_completed(&old)?;
        let mut new = old.clone();
        if let Some(team) = &owner {
            teams::id(w, team)?;
            new.owner = Some(team.clone());
        }
        if let Some(due) = due {
            if due < old.detected {
                return Err(Error::Invalid(format!(
                    "--due {due} is before POA&M item {id} was detected ({})",
                    old.detected
                )));
            }
            new.due = due;
        }
        if let Some(status) = status {
            new.status = status;
            // Leaving a risk acceptance ends it; the audit log keeps what it was.
            new.accepted_on = None;
            new.accepted_until = None;
            new.accepted_why = None;
            new.accepted_by = None;
            new.completed = (status == ItemStatus::Completed).then_some(today);
        }
        let added: Vec<Milestone> = milestones
            .iter()
            .map(|text| Milestone {
                text: text.clone(),
                date: today,
                actor: actor.clone(),
            })
            .collect();
        for m in &added {
            poam::add_milestone(w, id, m)?;
        }
        poam::save_state(w, &new)?;
        w.audit(
            "poam.update",
            &Item::entity(id),
            json!({
                "old": changed(&old, &new, false),
                "new": changed(&old, &new, true),
                "milestones": added,
            }),
        )?;
        new.milestones.extend(added);
        Ok(new)
    })?;
    let state = item.state(today);
    writeln!(
        output::note(),
        "POA&M item {id} ({} {}): {state}, owner {}, due {}{}",
        item.control,
        item.kind,
        item.owner.as_deref().unwrap_or("(none)"),
        item.due,
        match item.milestones.len() {
            0 => String::new(),
            n => format!(", {n} milestones"),
        }
    )?;
    Ok(())
}

/// The fields of `old` and `new` that differ, from `new` when `after`.
fn changed(old: &Item, new: &Item, after: bool) -> serde_json::Value {
    let pick = |i: &Item| {
        json!({
            "owner": i.owner, "due": i.due, "status": i.status, "completed": i.completed,
            "accepted_on": i.accepted_on, "accepted_until": i.accepted_until, "accepted_why": i.accepted_why, "accepted_by": i.accepted_by,
        })
    };
    let (a, b) = (pick(old), pick(new));
    let mut out = serde_json::Map::new();
    if let (Some(a), Some(b)) = (a.as_object(), b.as_object()) {
        for (k, v) in b {
            if a.get(k) != Some(v) {
                out.insert(k.clone(), if after { v.clone() } else { a[k].clone() });
            }
        }
    }
    serde_json::Value::Object(out)
}

fn accept_risk(ctx: &mut Ctx, id: i64, until: Day, why: &str) -> Result<()> {
    let why = super::check_text("--why", why, false)?;
    if why.is_empty() {
        return Err(Error::Invalid(
            "--why must give the reason the risk is accepted (it must not be blank)".into(),
        ));
    }
    let today = ctx.today;
    if until < today {
        return Err(Error::Invalid(format!(
            "--until {until} is in the past (today is {today}): a risk acceptance must end today or later"
        )));
    }
    let actor = ctx.actor.clone();
    let item = ctx.db.write(&ctx.actor, |w| {
        let old = poam::get(w, id)?;
        not_completed(&old)?;
        let mut new = old.clone();
        new.status = ItemStatus::RiskAccepted;
        new.accepted_on = Some(today);
        new.accepted_until = Some(until);
        new.accepted_why = Some(why.clone());
        new.accepted_by = Some(actor.clone());
        poam::save_state(w, &new)?;
        w.audit(
            "poam.accept-risk",
            &Item::entity(id),
            json!({ "old": changed(&old, &new, false), "new": changed(&old, &new, true) }),
        )?;
        Ok(new)
    })?;
    writeln!(
        output::note(),
        "POA&M item {id} ({} {}): risk accepted until {until} by {actor}: {why}; open again after that date",
        item.control,
        item.kind
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(owner: Option<&str>) -> Item {
        let day = Day::parse("2026-12-01").expect("day");
        Item {
            id: 1,
            source: "evaluation".into(),
            evaluation: Some(1),
            origin: "evaluation:1".into(),
            catalog: "srm".into(),
            control: "SRM-FW".into(),
            title: "Firewall".into(),
            kind: crate::model::poam::ItemKind::NotSatisfied,
            services: vec!["web".into()],
            detail: String::new(),
            owner: owner.map(str::to_string),
            detected: day,
            due: day,
            status: ItemStatus::Open,
            completed: None,
            accepted_on: None,
            accepted_until: None,
            accepted_why: None,
            accepted_by: None,
            milestones: Vec::new(),
        }
    }

    #[test]
    fn filters_combine() {
        let open = State {
            status: ItemStatus::Open,
            overdue: false,
            acceptance_expired: false,
        };
        let late = State { overdue: true, ..open };
        let accepted = State {
            status: ItemStatus::RiskAccepted,
            ..open
        };
        assert!(keeps(open, true, false));
        assert!(!keeps(open, false, true));
        assert!(keeps(late, false, true));
        assert!(keeps(late, true, true));
        assert!(!keeps(accepted, true, false));
        assert!(keeps(accepted, false, false));
        assert_eq!(
            services(&["a".into(), "b".into(), "c".into(), "d".into()]),
            "a, b, c, and 1 more"
        );
    }

    #[test]
    fn only_changed_fields_are_audited() {
        let old = item(None);
        let mut new = old.clone();
        new.owner = Some("platform".into());
        assert_eq!(changed(&old, &new, false), json!({ "owner": null }));
        assert_eq!(changed(&old, &new, true), json!({ "owner": "platform" }));
    }
}
