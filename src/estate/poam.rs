//! The POA&M as it stands on a day: items with their state in effect (a risk acceptance past its
//! end date is open again, an open item past its due date is overdue), computed when asked.

use crate::db::Connection;
use crate::db::poam::{self, Item};
use crate::error::Result;
use crate::model::evidence::Day;
use crate::model::poam::{ItemStatus, State};

/// Which items.
#[derive(Debug, Clone, Default)]
pub struct Filter<'a> {
    /// Only items of this catalogue.
    pub catalog: Option<&'a str>,
    /// Only items of this evaluation.
    pub evaluation: Option<i64>,
    /// Only items this team owns (by name, any case).
    pub team: Option<&'a str>,
}

/// An item and where it stands.
#[derive(Debug, Clone)]
pub struct Standing {
    /// The item as stored.
    pub item: Item,
    /// Where it stands on the day asked.
    pub state: State,
}

impl Standing {
    /// Open or in progress: someone has work to do.
    pub fn needs_work(&self) -> bool {
        matches!(self.state.status, ItemStatus::Open | ItemStatus::InProgress)
    }

    /// Days past the due date on `today` (0 when not overdue).
    pub fn days_overdue(&self, today: Day) -> i64 {
        if self.state.overdue {
            self.item.due.days_until(today)
        } else {
            0
        }
    }
}

/// The items `filter` selects, by number, with their state on `today`.
pub fn items(conn: &Connection, filter: &Filter<'_>, today: Day) -> Result<Vec<Standing>> {
    Ok(poam::list(conn, filter.evaluation)?
        .into_iter()
        .filter(|i| filter.catalog.is_none_or(|c| i.catalog == c))
        .filter(|i| {
            filter
                .team
                .is_none_or(|t| i.owner.as_deref().is_some_and(|o| o.eq_ignore_ascii_case(t)))
        })
        .map(|item| Standing {
            state: item.state(today),
            item,
        })
        .collect())
}

/// The overdue items `filter` selects, most overdue first (then by number).
pub fn overdue(conn: &Connection, filter: &Filter<'_>, today: Day) -> Result<Vec<Standing>> {
    let mut late: Vec<Standing> = items(conn, filter, today)?
        .into_iter()
        .filter(|s| s.state.overdue)
        .collect();
    late.sort_by(|a, b| a.item.due.cmp(&b.item.due).then(a.item.id.cmp(&b.item.id)));
    Ok(late)
}
