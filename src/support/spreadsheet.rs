//! Cells a spreadsheet opens safely: what the CSV report and the CRM write.

/// Makes a cell safe to open in a spreadsheet: a leading `= + - @`, tab or CR becomes text.
pub(crate) fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}
