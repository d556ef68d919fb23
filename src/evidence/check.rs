//! Checking the stored files a report shows, so that a file altered or removed after it was added
//! is never presented as counting evidence. Each file is checked once per report, however many
//! (control, service) pairs show it.

use std::collections::HashMap;
use std::sync::Arc;

use super::{Check, Store};
use crate::db::Connection;
use crate::error::Result;
use crate::model::evaluation::{EvidenceList, EvidenceRef, FileProblem, Pair};
use crate::support::address;

/// How closely to look at each stored file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// Present as a regular file of the recorded size: one `lstat`, no reading.
    Size,
    /// Re-hashed in full: catches any edit, at the cost of reading every file.
    Hash,
}

/// The stored files of one report, checked as pairs come in; remembers what it found.
#[derive(Debug)]
pub struct FileCheck {
    store: Store,
    depth: Depth,
    /// Recorded sizes by hash (from the database).
    sizes: HashMap<String, u64>,
    /// What each hash's check found.
    seen: HashMap<String, Check>,
    /// Marked copies of failing evidence, by the address of the original (kept alive here so
    /// an address is never reused while cached): pairs that shared a piece still share its copy.
    marked: HashMap<usize, (Arc<EvidenceRef>, Arc<EvidenceRef>)>,
    /// Each list of evidence with stored files seen, by its address (kept alive here likewise),
    /// with its marked copy when any of its files failed.
    lists: HashMap<usize, (EvidenceList, Option<EvidenceList>)>,
}

impl FileCheck {
    /// How deep this check goes, as a report says it: "size" or "hash".
    pub fn depth_name(&self) -> &'static str {
        match self.depth {
            Depth::Size => "size",
            Depth::Hash => "hash",
        }
    }

    /// A check of the files in `store` to `depth`, against the sizes recorded in `conn`.
    pub fn new(conn: &Connection, store: Store, depth: Depth) -> Result<FileCheck> {
        Ok(FileCheck {
            store,
            depth,
            sizes: crate::db::evidence::file_sizes(conn)?,
            seen: HashMap::new(),
            marked: HashMap::new(),
            lists: HashMap::new(),
        })
    }

    /// What checking the file stored under `sha256` finds (once; later calls remember).
    pub fn state(&mut self, sha256: &str) -> Result<Check> {
        if let Some(state) = self.seen.get(sha256) {
            return Ok(*state);
        }
        let state = match self.depth {
            Depth::Size => self.store.check_size(sha256, self.sizes.get(sha256).copied())?,
            Depth::Hash => self.store.check(sha256)?,
        };
        self.seen.insert(sha256.to_string(), state);
        Ok(state)
    }

    /// Marks the evidence of `pairs` whose stored file fails the check, so that it no longer
    /// counts and reports can say why; evidence that passes is left as it is (not copied). A
    /// list shared by many pairs is looked at once, and its pairs go on sharing its marked copy.
    pub fn mark(&mut self, pairs: &mut [Pair]) -> Result<()> {
        for p in pairs {
            if p.evidence.iter().all(|e| e.sha256.is_none()) {
                continue;
            }
            let at = address::of(&p.evidence);
            if let Some((_, marked)) = self.lists.get(&at) {
                if let Some(marked) = marked {
                    p.evidence = marked.clone();
                }
                continue;
            }
            let mut changed = false;
            let mut list = Vec::with_capacity(p.evidence.len());
            for e in p.evidence.iter() {
                let copy = self.marked_copy(e)?;
                changed |= copy.is_some();
                list.push(copy.unwrap_or_else(|| e.clone()));
            }
            let marked = changed.then(|| EvidenceList::from(list));
            self.lists.insert(at, (p.evidence.clone(), marked.clone()));
            if let Some(marked) = marked {
                p.evidence = marked;
            }
        }
        Ok(())
    }

    /// A marked copy of `e` when its stored file fails the check (the same copy for every pair
    /// that shows it); `None` when it passes or has no stored file.
    fn marked_copy(&mut self, e: &Arc<EvidenceRef>) -> Result<Option<Arc<EvidenceRef>>> {
        let Some(sha) = &e.sha256 else { return Ok(None) };
        let problem = match self.state(sha)? {
            Check::Intact => return Ok(None),
            Check::Missing => FileProblem::Missing,
            Check::Altered => FileProblem::Altered,
        };
        let at = address::of(e);
        if let Some((_, copy)) = self.marked.get(&at) {
            return Ok(Some(copy.clone()));
        }
        let mut changed = EvidenceRef::clone(e);
        changed.problem = Some(problem);
        let copy = Arc::new(changed);
        self.marked.insert(at, (e.clone(), copy.clone()));
        Ok(Some(copy))
    }
}
