//! Exports for other tools: OSCAL system security plan, assessment results and mapping
//! collection, and a FedRAMP-style customer responsibility matrix.

pub mod assessment;
pub mod crm;
pub mod mapping;
pub mod ssp;
