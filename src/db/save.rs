//! One code path to store a record: insert it, or update it when asked, or leave it alone when it
//! is unchanged, and write the audit entry either way. `init`'s seeds and users' imports both use it.

use serde::Serialize;

use super::Writer;
use crate::error::{Error, Result};

/// A record ctrlmap stores under a natural key.
pub trait Stored: PartialEq + Serialize + Sized {
    /// What it is, for messages and audit actions (`offering`, `service`).
    const WHAT: &'static str;
    /// Its natural key, for messages and the audit entity (`aws.rds`, `srm:SRM-FW`).
    fn key(&self) -> String;
    /// The stored record with the same key, with its row id.
    fn find(&self, conn: &rusqlite::Connection) -> Result<Option<(i64, Self)>>;
    /// Inserts it; returns the new row id.
    fn insert(&self, conn: &rusqlite::Connection) -> Result<i64>;
    /// Replaces the stored record `id` with it.
    fn update(&self, conn: &rusqlite::Connection, id: i64) -> Result<()>;
    /// The audit details of adding it: `{"new": record}` as JSON text, every object's keys in
    /// sorted order. A record stored by the thousand may write the same text without building a
    /// JSON tree first.
    fn added_details(&self) -> String {
        serde_json::json!({ "new": self }).to_string()
    }
}

/// What to do when a record with the same key exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnExisting {
    /// Refuse: a duplicate is an error.
    Fail,
    /// Update it to the new values.
    Update,
    /// Leave it as it is (it may hold a user's change).
    Keep,
}

/// What [`save`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A new record.
    Added,
    /// An existing record got new values.
    Updated,
    /// An identical record was already there.
    Unchanged,
    /// A different record was there and was left alone ([`OnExisting::Keep`]).
    Kept,
}

/// Audits `record`, just added, as [`save`] audits an added record.
pub(crate) fn audit_added<T: Stored>(w: &Writer<'_>, record: &T) -> Result<()> {
    let entity = format!("{}:{}", T::WHAT, record.key());
    w.audit_text(&format!("{}.add", T::WHAT), &entity, &record.added_details())
}

/// Stores `record` as `on_existing` says and audits any change; returns the row id and what happened.
pub fn save<T: Stored>(w: &Writer<'_>, record: &T, on_existing: OnExisting) -> Result<(i64, Outcome)> {
    match record.find(w)? {
        None => {
            let id = record.insert(w)?;
            audit_added(w, record)?;
            Ok((id, Outcome::Added))
        }
        Some(_) if on_existing == OnExisting::Fail => Err(Error::Conflict {
            what: T::WHAT,
            key: record.key(),
        }),
        Some((id, ref old)) if old == record => Ok((id, Outcome::Unchanged)),
        Some((id, _)) if on_existing == OnExisting::Keep => Ok((id, Outcome::Kept)),
        Some((id, old)) => {
            record.update(w, id)?;
            w.audit(
                &format!("{}.update", T::WHAT),
                &format!("{}:{}", T::WHAT, record.key()),
                serde_json::json!({ "old": old, "new": record }),
            )?;
            Ok((id, Outcome::Updated))
        }
    }
}
