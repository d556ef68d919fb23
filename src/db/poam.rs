//! The plan of action and milestones: items, their milestones, and the one way items are opened
//! ([`open_items_for`]), which an evaluation's close and a scan's import both call.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use serde_json::json;

use super::Writer;
use crate::error::{Error, Result, SqlContext};
use crate::model::evidence::Day;
use crate::model::poam::{Finding, ItemKind, ItemStatus, State, state};

/// What raised a batch of items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The findings of a closed evaluation.
    Evaluation(i64),
    /// A scan's failing checks; the text is a stable key of what failed (the scanner and its
    /// check, say), so the same check failing again while its item is not completed opens none.
    Scan(String),
}

impl Origin {
    fn source(&self) -> &'static str {
        match self {
            Origin::Evaluation(_) => "evaluation",
            Origin::Scan(_) => "scan",
        }
    }

    fn key(&self) -> String {
        match self {
            Origin::Evaluation(id) => format!("evaluation:{id}"),
            Origin::Scan(key) => format!("scan:{key}"),
        }
    }

    fn evaluation(&self) -> Option<i64> {
        match self {
            Origin::Evaluation(id) => Some(*id),
            Origin::Scan(_) => None,
        }
    }
}

/// One milestone of an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Milestone {
    /// What was planned or done.
    pub text: String,
    /// The day it was recorded.
    pub date: Day,
    /// Who recorded it.
    pub actor: String,
}

/// A POA&M item as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    /// Its number.
    pub id: i64,
    /// `evaluation` or `scan`.
    pub source: String,
    /// The evaluation that found it.
    pub evaluation: Option<i64>,
    /// What raised it, as a stable key.
    pub origin: String,
    /// Catalogue key.
    pub catalog: String,
    /// Control key.
    pub control: String,
    /// Control title.
    pub title: String,
    /// What kind of finding.
    pub kind: ItemKind,
    /// Services concerned.
    pub services: Vec<String>,
    /// What exactly.
    pub detail: String,
    /// Owning team.
    pub owner: Option<String>,
    /// Detected on.
    pub detected: Day,
    /// Due on.
    pub due: Day,
    /// Status as stored (see [`Item::state`] for the status in effect).
    pub status: ItemStatus,
    /// Completed on.
    pub completed: Option<Day>,
    /// The day a risk acceptance was recorded.
    pub accepted_on: Option<Day>,
    /// A risk acceptance's last day.
    pub accepted_until: Option<Day>,
    /// Its reason.
    pub accepted_why: Option<String>,
    /// Who accepted the risk.
    pub accepted_by: Option<String>,
    /// Milestones, in order.
    pub milestones: Vec<Milestone>,
}

impl Item {
    /// Where the item stands on `today`.
    pub fn state(&self, today: Day) -> State {
        state(self.status, self.due, self.accepted_until, today)
    }

    /// The audit entity of item `id`.
    pub fn entity(id: i64) -> String {
        format!("poam:{id}")
    }
}

const SELECT: &str = "SELECT id, source, evaluation_id, origin, catalog, control_key, control_title, kind, services,
                             detail, owner, detected_on, due_on, status, completed_on, accepted_on,
                             accepted_until, accepted_why, accepted_by
                      FROM poam_item";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Item> {
    let services: String = r.get(8)?;
    Ok(Item {
        id: r.get(0)?,
        source: r.get(1)?,
        evaluation: r.get(2)?,
        origin: r.get(3)?,
        catalog: r.get(4)?,
        control: r.get(5)?,
        title: r.get(6)?,
        kind: r.get(7)?,
        services: serde_json::from_str(&services)
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(8, rusqlite::types::Type::Text, Box::new(e)))?,
        detail: r.get(9)?,
        owner: r.get(10)?,
        detected: r.get(11)?,
        due: r.get(12)?,
        status: r.get(13)?,
        completed: r.get(14)?,
        accepted_on: r.get(15)?,
        accepted_until: r.get(16)?,
        accepted_why: r.get(17)?,
        accepted_by: r.get(18)?,
        milestones: Vec::new(),
    })
}

/// Services an audit entry of an opened item names (the item's row holds them all).
const AUDITED_SERVICES: usize = 20;

/// Opens one item per finding of `origin` on catalogue `catalog`, detected on `detected` and due
/// by the kind's default; a finding whose item is already open (not completed) for the same
/// origin, control and kind opens none, so no path opens it twice. Each opened item is an audit
/// entry. Returns the new items' numbers.
pub fn open_items_for(
    w: &Writer<'_>,
    origin: &Origin,
    catalog: &str,
    findings: &[Finding],
    detected: Day,
) -> Result<Vec<i64>> {
    let key = origin.key();
    let mut opened = Vec::new();
    for f in findings {
        let exists: Option<i64> = w
            .query_row(
                "SELECT id FROM poam_item WHERE origin = ?1 AND catalog = ?2 AND control_key = ?3 AND kind = ?4
                   AND status <> 'completed'",
                params![key, catalog, f.control_key, f.kind],
                |r| r.get(0),
            )
            .optional()
            .context("look up a POA&M item")?;
        if exists.is_some() {
            continue;
        }
        let due = f.kind.default_due(detected);
        let services = serde_json::to_string(&f.services).map_err(|e| Error::Invalid(e.to_string()))?;
        w.execute(
            "INSERT INTO poam_item (source, evaluation_id, origin, catalog, control_key, control_title, kind, services,
                                    detail, owner, detected_on, due_on)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                origin.source(),
                origin.evaluation(),
                key,
                catalog,
                f.control_key,
                f.control_title,
                f.kind,
                services,
                f.detail,
                f.owner,
                detected,
                due
            ],
        )
        .context("open a POA&M item")?;
        let id = w.last_insert_rowid();
        w.audit(
            "poam.open",
            &Item::entity(id),
            json!({
                "origin": key,
                "catalog": catalog,
                "control": f.control_key,
                "kind": f.kind,
                // The row keeps them all; the entry names the first few, for a reader.
                "services": f.services.iter().take(AUDITED_SERVICES).collect::<Vec<_>>(),
                "service_count": f.services.len(),
                "detail": f.detail,
                "owner": f.owner,
                "detected": detected,
                "due": due,
            }),
        )?;
        opened.push(id);
    }
    Ok(opened)
}

/// Item `id` with its milestones, or NotFound.
pub fn get(conn: &Connection, id: i64) -> Result<Item> {
    let item = conn
        .query_row(&format!("{SELECT} WHERE id = ?1"), [id], row)
        .optional()
        .context("read a POA&M item")?;
    let Some(mut item) = item else {
        let count: i64 = conn
            .query_row("SELECT count(*) FROM poam_item", [], |r| r.get(0))
            .context("count POA&M items")?;
        return Err(Error::Invalid(match count {
            0 => format!("unknown POA&M item {id}: there are no items yet (closing an evaluation opens them)"),
            n => format!("unknown POA&M item {id}: there are {n} (ctrlmap poam list)"),
        }));
    };
    item.milestones = milestones(conn, id)?;
    Ok(item)
}

/// Every item, by number, with its milestones; only those of evaluation `evaluation` when given.
pub fn list(conn: &Connection, evaluation: Option<i64>) -> Result<Vec<Item>> {
    let mut stmt = conn
        .prepare(&format!("{SELECT} WHERE ?1 IS NULL OR evaluation_id = ?1 ORDER BY id"))
        .context("list POA&M items")?;
    let mut items = stmt
        .query_map([evaluation], row)
        .context("list POA&M items")?
        .collect::<rusqlite::Result<Vec<Item>>>()
        .context("list POA&M items")?;
    let mut stmt = conn
        .prepare("SELECT item_id, text, on_date, actor FROM poam_milestone ORDER BY item_id, seq")
        .context("list POA&M milestones")?;
    let mut rows = stmt.query([]).context("list POA&M milestones")?;
    let mut i = 0;
    while let Some(r) = rows.next().context("list POA&M milestones")? {
        let item: i64 = r.get(0).context("read a milestone")?;
        while i < items.len() && items[i].id < item {
            i += 1;
        }
        if let Some(it) = items.get_mut(i).filter(|it| it.id == item) {
            it.milestones.push(Milestone {
                text: r.get(1).context("read a milestone")?,
                date: r.get(2).context("read a milestone")?,
                actor: r.get(3).context("read a milestone")?,
            });
        }
    }
    Ok(items)
}

fn milestones(conn: &Connection, id: i64) -> Result<Vec<Milestone>> {
    let mut stmt = conn
        .prepare("SELECT text, on_date, actor FROM poam_milestone WHERE item_id = ?1 ORDER BY seq")
        .context("read POA&M milestones")?;
    stmt.query_map([id], |r| {
        Ok(Milestone {
            text: r.get(0)?,
            date: r.get(1)?,
            actor: r.get(2)?,
        })
    })
    .context("read POA&M milestones")?
    .collect::<rusqlite::Result<Vec<_>>>()
    .context("read POA&M milestones")
}

/// Stores where `item` stands now: owner, due date, status, completion and risk acceptance.
/// (What it is about never changes.)
pub fn save_state(conn: &Connection, item: &Item) -> Result<()> {
    conn.execute(
        "UPDATE poam_item SET owner = ?2, due_on = ?3, status = ?4, completed_on = ?5, accepted_on = ?6,
                              accepted_until = ?7, accepted_why = ?8, accepted_by = ?9
         WHERE id = ?1",
        params![
            item.id,
            item.owner,
            item.due,
            item.status,
            item.completed,
            item.accepted_on,
            item.accepted_until,
            item.accepted_why,
            item.accepted_by
        ],
    )
    .context("update a POA&M item")?;
    Ok(())
}

/// Appends a milestone to item `id`.
pub fn add_milestone(conn: &Connection, id: i64, m: &Milestone) -> Result<()> {
    conn.execute(
        "INSERT INTO poam_milestone (item_id, seq, text, on_date, actor)
         VALUES (?1, (SELECT coalesce(max(seq), 0) + 1 FROM poam_milestone WHERE item_id = ?1), ?2, ?3, ?4)",
        params![id, m.text, m.date, m.actor],
    )
    .context("add a POA&M milestone")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> Day {
        Day::parse(s).expect("a date")
    }

    fn failed_check(control: &str) -> Finding {
        Finding {
            control_key: control.to_string(),
            control_title: "Firewall".to_string(),
            kind: ItemKind::FailedCheck,
            services: vec!["web-frontend".to_string()],
            detail: "prowler ec2_securitygroup_allow_ingress_from_internet failed".to_string(),
            owner: Some("web".to_string()),
        }
    }

    #[test]
    fn a_scan_opens_an_item_per_failing_check_once_while_it_is_open() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut db = crate::commands::fixtures::seeded_db(dir.path(), true);
        let origin = Origin::Scan("prowler:ec2_securitygroup_allow_ingress_from_internet".into());
        let found = [failed_check("SRM-FW")];
        let first = db
            .write("scanner", |w| {
                open_items_for(w, &origin, "srm", &found, day("2026-12-01"))
            })
            .expect("open");
        assert_eq!(first.len(), 1);
        let again = db
            .write("scanner", |w| {
                open_items_for(w, &origin, "srm", &found, day("2026-12-02"))
            })
            .expect("again");
        assert!(
            again.is_empty(),
            "the same failing check while its item is open opens none"
        );
        let item = get(db.conn(), first[0]).expect("item");
        assert_eq!((item.source.as_str(), item.evaluation), ("scan", None));
        assert_eq!(item.due, day("2026-12-31"), "a failing check is due in 30 days");
        assert!(item.state(day("2027-01-01")).overdue);
        // Completed, the same check failing again is a new item.
        db.write("web", |w| {
            let mut done = item.clone();
            done.status = ItemStatus::Completed;
            done.completed = Some(day("2026-12-10"));
            save_state(w, &done)
        })
        .expect("complete");
        let reopened = db
            .write("scanner", |w| {
                open_items_for(w, &origin, "srm", &found, day("2026-12-20"))
            })
            .expect("reopen");
        assert_eq!(reopened.len(), 1);
        assert_ne!(reopened[0], first[0]);
        assert_eq!(list(db.conn(), None).expect("list").len(), 2);
    }

    #[test]
    fn the_schema_refuses_what_the_commands_refuse() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut db = crate::commands::fixtures::seeded_db(dir.path(), true);
        let origin = Origin::Scan("check".into());
        let id = db
            .write("scanner", |w| {
                open_items_for(w, &origin, "srm", &[failed_check("SRM-FW")], day("2026-12-01"))
            })
            .expect("open")[0];
        let item = get(db.conn(), id).expect("item");
        for (what, change) in [
            (
                "due before detection",
                Item {
                    due: day("2026-11-30"),
                    ..item.clone()
                },
            ),
            (
                "risk accepted without an end",
                Item {
                    status: ItemStatus::RiskAccepted,
                    ..item.clone()
                },
            ),
            (
                "completed without a date",
                Item {
                    status: ItemStatus::Completed,
                    ..item.clone()
                },
            ),
        ] {
            let refused = db.write("x", |w| save_state(w, &change));
            assert!(refused.is_err(), "{what}");
        }
        let removed = db.conn().execute("DELETE FROM poam_item WHERE id = ?1", [id]);
        assert!(removed.is_err(), "items are never removed");
    }
}
