//! Exports for other tools: OSCAL system security plan, assessment results and mapping
//! collection, and a FedRAMP-style customer responsibility matrix.

pub mod assessment;
pub mod catalog;
pub mod crm;
pub mod mapping;
pub(crate) mod markup;
pub mod plan;
pub mod poam;
pub mod ssp;
