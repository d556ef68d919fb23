//! The (control, service) pairs a report or an evaluation snapshot is made of, control by control:
//! derived live from the database, or read back from a closed evaluation's frozen snapshot.
//! Both paths yield the same [`Pair`]s, so reports cannot tell them apart.

pub use super::control::ControlInfo;
use super::crosswalk::Through;
use super::fingerprint::Fingerprint;
use super::live::Live;
use crate::db::evaluations::{self, Evaluation};
use crate::db::{Connection, catalogs};
use crate::error::Result;
use crate::model::evaluation::Pair;
use crate::model::evidence::Day;

/// Where pairs come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// The database as it is now, optionally with the results of an open evaluation.
    Live {
        /// Catalogue key.
        catalog: String,
        /// Service names in scope; `None` for every in-scope service.
        services: Option<Vec<String>>,
        /// An open evaluation whose results to include.
        evaluation: Option<Evaluation>,
        /// The day evidence is judged on.
        today: Day,
    },
    /// A closed evaluation's snapshot.
    Frozen(Evaluation),
    /// Catalogue `target` as seen through a crosswalk from the catalogue of `via`: a target control
    /// takes responsibility, owner, results and evidence from the source controls that cover it
    /// (fully or partly); one no source covers keeps its own derivation.
    Via {
        /// The catalogue reported on.
        target: String,
        /// Where the source pairs come from.
        via: Box<Source>,
        /// The day evidence is judged on.
        today: Day,
    },
}

impl Source {
    /// The catalogue whose controls the pairs are about.
    pub fn catalog(&self) -> &str {
        match self {
            Source::Live { catalog, .. } => catalog,
            Source::Frozen(e) => &e.catalog,
            Source::Via { target, .. } => target,
        }
    }

    /// The evaluation the results come from, if any.
    pub fn evaluation(&self) -> Option<&Evaluation> {
        match self {
            Source::Live { evaluation, .. } => evaluation.as_ref(),
            Source::Frozen(e) => Some(e),
            Source::Via { via, .. } => via.evaluation(),
        }
    }

    /// The source for an evaluation: its snapshot when closed, the live state with its results when open.
    pub fn of_evaluation(e: Evaluation, today: Day) -> Source {
        if e.is_closed() {
            Source::Frozen(e)
        } else {
            Source::Live {
                catalog: e.catalog.clone(),
                services: Some(e.services.clone()),
                evaluation: Some(e),
                today,
            }
        }
    }
}

/// Calls `each` once per control, in catalogue order, with its pairs (one per service in scope).
pub fn for_each_control(
    conn: &Connection,
    source: &Source,
    mut each: impl FnMut(&ControlInfo, &[Pair]) -> Result<()>,
) -> Result<()> {
    each_control(conn, source, &mut |info, pairs| each(info, &pairs))
}

/// As [`for_each_control`], handing over each control's pairs, so a caller can pass them on (to
/// another thread) instead of copying them.
pub fn for_each_control_owned(
    conn: &Connection,
    source: &Source,
    mut each: impl FnMut(&ControlInfo, Vec<Pair>) -> Result<()>,
) -> Result<()> {
    each_control(conn, source, &mut each)
}

/// The non-generic body of [`for_each_control`] (a crosswalk source nests another source).
fn each_control(
    conn: &Connection,
    source: &Source,
    each: &mut dyn FnMut(&ControlInfo, Vec<Pair>) -> Result<()>,
) -> Result<()> {
    match source {
        Source::Live {
            catalog,
            services,
            evaluation,
            today,
        } => {
            let live = Live::load(conn, catalog, services.as_deref(), evaluation.as_ref(), *today)?;
            catalogs::for_each_control(conn, live.matrix.catalog_id, None, |c| {
                if c.control.withdrawn {
                    return Ok(());
                }
                let info = ControlInfo::from(&c.control);
                each(&info, live.pairs(&c))
            })
        }
        Source::Frozen(e) => {
            // Every read of a snapshot, whole or filtered, direct or through a crosswalk, checks
            // it against the fingerprint taken at close; callers write nothing under a final
            // name until this returns, so a damaged snapshot leaves no report behind.
            let mut fingerprint = Fingerprint::default();
            let mut current: Option<(ControlInfo, Vec<Pair>)> = None;
            evaluations::for_each_item(conn, e.id, |pair| {
                fingerprint.add(&pair)?;
                let same = current.as_ref().is_some_and(|(c, _)| *c.key == *pair.control_key);
                if !same {
                    if let Some((info, pairs)) = current.take() {
                        each(&info, pairs)?;
                    }
                    let info = ControlInfo {
                        key: pair.control_key.to_string(),
                        title: pair.control_title.to_string(),
                        family: pair.family.to_string(),
                    };
                    current = Some((info, Vec::new()));
                }
                if let Some((_, pairs)) = current.as_mut() {
                    pairs.push(pair);
                }
                Ok(())
            })?;
            if let Some((info, pairs)) = current.take() {
                each(&info, pairs)?;
            }
            e.check_fingerprint(&fingerprint.finish()?)
        }
        Source::Via { target, via, today } => {
            let mut through = Through::default();
            each_control(conn, via, &mut |info, pairs| {
                through.add(info, pairs);
                Ok(())
            })?;
            through.pairs(conn, target, via.catalog(), *today, each)
        }
    }
}
