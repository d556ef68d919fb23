//! Printing: tables for people, JSON for programs. Everything goes through a buffered stdout.

use std::io::{BufWriter, Stdout, Write};

use comfy_table::{ContentArrangement, Table, presets};
use serde::Serialize;

use crate::error::Result;

/// Buffered standard output.
pub(crate) fn stdout() -> BufWriter<Stdout> {
    BufWriter::new(std::io::stdout())
}

/// A table with a header row, laid out to the terminal's width when there is one.
pub(crate) fn table<S: AsRef<str>>(headers: &[S], rows: impl IntoIterator<Item = Vec<String>>) -> Table {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(headers.iter().map(|h| h.as_ref()));
    for row in rows {
        t.add_row(row);
    }
    t
}

/// Prints a table followed by a newline.
pub(crate) fn print_table(out: &mut impl Write, table: &Table) -> Result<()> {
    writeln!(out, "{table}")?;
    Ok(())
}

/// Prints a value as pretty JSON.
pub(crate) fn print_json(out: &mut impl Write, value: &impl Serialize) -> Result<()> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(std::io::Error::from)?;
    writeln!(out)?;
    Ok(())
}

/// Prints `label  value` lines aligned on the labels.
pub(crate) fn print_fields(out: &mut impl Write, fields: &[(&str, String)]) -> Result<()> {
    let width = fields.iter().map(|(l, _)| l.len()).max().unwrap_or(0);
    for (label, value) in fields {
        writeln!(out, "{label:width$}  {value}")?;
    }
    Ok(())
}
