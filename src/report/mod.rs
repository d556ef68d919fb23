//! Control-evaluation reports. [`data::ReportData`] says what a report shows and is built in one
//! pass by [`assemble`] from the (control, service) pairs of [`pairs`]; the renderers draw it
//! ([`pdf`], [`html`], [`xlsx`]) or stream the pairs ([`csv`]). Reports only read.

pub mod assemble;
pub mod csv;
pub mod data;
mod findings;
pub mod html;
pub mod pdf;
pub mod template;
pub mod xlsx;
