//! The derived estate: the questions the store answers about controls and services. The
//! responsibility matrix of a catalogue ([`matrix`]), the stream of (control, service) pairs with
//! responsibility, owner, results and evidence ([`pairs`]), gaps ([`gaps`]) and coverage through a
//! crosswalk ([`coverage`]). Reports, exports, the package and the commands consume it; it reads
//! through `db` and derives with `model`, and never writes.

pub mod coverage;
pub mod gaps;
pub mod matrix;
pub mod pairs;
