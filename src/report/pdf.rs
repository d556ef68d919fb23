//! The PDF renderer (being written).

use super::data::{Paper, ReportData};
use crate::error::{Error, Result};

/// Renders `data` as a PDF on `paper`; the same data gives the same bytes.
pub fn render(data: &ReportData, paper: Paper) -> Result<Vec<u8>> {
    let _ = (data, paper);
    Err(Error::Invalid("the PDF renderer is not built yet".into()))
}
