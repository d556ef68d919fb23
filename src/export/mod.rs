//! Exports for other tools: a FedRAMP-style customer responsibility matrix (and, later, OSCAL).

pub mod assessment;
pub mod crm;
pub mod ssp;
