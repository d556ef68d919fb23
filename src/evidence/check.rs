//! Checking the stored files a report shows, so that a file altered or removed after it was added
//! is never presented as counting evidence. Each file is checked once per report, however many
//! (control, service) pairs show it.

use std::collections::HashMap;
use std::sync::Arc;

use super::{Check, Store};
use crate::db::Connection;
use crate::error::Result;
use crate::model::evaluation::{EvidenceRef, FileProblem, Pair};

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
    /// counts and reports can say why; evidence that passes is left as it is (not copied).
    pub fn mark(&mut self, pairs: &mut [Pair]) -> Result<()> {
        for p in pairs {
            for e in &mut p.evidence {
                let Some(sha) = &e.sha256 else { continue };
                let problem = match self.state(sha)? {
                    Check::Intact => continue,
                    Check::Missing => FileProblem::Missing,
                    Check::Altered => FileProblem::Altered,
                };
                let at = Arc::as_ptr(e) as usize;
                let copy = match self.marked.get(&at) {
                    Some((_, copy)) => copy.clone(),
                    None => {
                        let mut changed = EvidenceRef::clone(e);
                        changed.problem = Some(problem);
                        let copy = Arc::new(changed);
                        self.marked.insert(at, (e.clone(), copy.clone()));
                        copy
                    }
                };
                *e = copy;
            }
        }
        Ok(())
    }
}
