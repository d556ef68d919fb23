//! Plain domain types and the rules of the shared responsibility model. No I/O lives here, so the
//! derivation can be tested (and property-tested) on its own.

#[macro_use]
mod kinds;
mod records;

pub mod actor;
pub mod derive;
pub mod evaluation;
pub mod evidence;
pub mod mapping;
pub mod observation;
pub mod poam;
pub mod resource;

pub use kinds::{Category, ImplementationStatus, Responsibility, UnknownValue, Vocabulary};
pub use records::{Catalog, Control, Offering, Provider, Rule, RuleScope, Service, Source, Team, source_parts};
