//! Control-evaluation reports: [`data::ReportData`] says what a report shows; the renderers draw it.

pub mod data;
pub mod pdf;
