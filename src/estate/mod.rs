//! The derived estate: the questions the store answers about controls and services. The
//! responsibility matrix of a catalogue ([`matrix`]); the stream of (control, service) pairs with
//! responsibility, owner, results and evidence ([`pairs`]), derived live ([`live`]), read from a
//! closed evaluation's snapshot, or seen through a crosswalk ([`crosswalk`]); a control's line over
//! its pairs ([`control`]); the fingerprint of a stream of pairs ([`fingerprint`]); gaps
//! ([`gaps`]) and coverage through a crosswalk ([`coverage`]).
//!
//! Reports, exports, the package and the commands consume it; it reads through `db`, derives with
//! `model`, and never writes.

pub mod checks;
pub mod control;
pub mod coverage;
mod crosswalk;
pub mod fingerprint;
pub mod gaps;
mod live;
pub mod matrix;
pub mod pairs;
pub mod poam;
pub mod provider;
