//! CSV records written straight into a buffer, byte for byte as the csv crate's writer writes
//! them (quoted only when needed, quotes doubled, CRLF), so that fields a report repeats millions
//! of times can be rendered once and copied. The cells pass through the one sanitiser first.

use std::io::Write;

use crate::error::{Error, Result};
use crate::support::spreadsheet::neutralise;

/// How a field is quoted: the csv crate's decision, from its own core with the report's settings.
pub(super) struct Fields {
    core: csv_core::Writer,
}

impl Fields {
    /// Fields as the report's CSV writer (CRLF records, quotes where needed) writes them.
    pub(super) fn new() -> Fields {
        Fields {
            core: csv_core::WriterBuilder::new()
                .terminator(csv_core::Terminator::CRLF)
                .build(),
        }
    }

    /// Appends `cell`, neutralised against formula injection, as one field (no delimiter).
    pub(super) fn cell(&self, out: &mut Vec<u8>, cell: &str) {
        self.raw(out, neutralise(cell).as_bytes());
    }

    /// Appends `text` as one field as it is (the header row is not neutralised).
    pub(super) fn raw(&self, out: &mut Vec<u8>, text: &[u8]) {
        if !self.core.should_quote(text) {
            out.extend_from_slice(text);
            return;
        }
        out.push(b'"');
        for (i, part) in text.split(|&b| b == b'"').enumerate() {
            if i > 0 {
                out.extend_from_slice(b"\"\"");
            }
            out.extend_from_slice(part);
        }
        out.push(b'"');
    }
}

/// Ends the record that began at `start` of `out`: a record with nothing in it (one empty field,
/// or none) is written `""`, as the csv crate does, so it is not read as a blank line.
pub(super) fn end(out: &mut Vec<u8>, start: usize) {
    if out.len() == start {
        out.extend_from_slice(b"\"\"");
    }
    out.extend_from_slice(b"\r\n");
}

/// Records gathered in a buffer and written out in blocks of about a megabyte.
pub(super) struct Sink<W: Write> {
    out: W,
    pub(super) buf: Vec<u8>,
}

const BLOCK: usize = 1 << 20;

impl<W: Write> Sink<W> {
    pub(super) fn new(out: W) -> Sink<W> {
        Sink {
            out,
            buf: Vec::with_capacity(BLOCK + (64 << 10)),
        }
    }

    /// Writes the buffer out once it holds a block.
    pub(super) fn spill(&mut self) -> Result<()> {
        if self.buf.len() >= BLOCK {
            self.out.write_all(&self.buf).map_err(|e| Error::io("report", e))?;
            self.buf.clear();
        }
        Ok(())
    }

    /// Writes out everything and flushes.
    pub(super) fn finish(&mut self) -> Result<()> {
        self.out.write_all(&self.buf).map_err(|e| Error::io("report", e))?;
        self.buf.clear();
        self.out.flush().map_err(|e| Error::io("report", e))
    }
}

/// Cells that exercise quoting and neutralising, for the tests of every fast CSV path.
#[cfg(test)]
pub(super) const TRICKY: &[&str] = &[
    "plain",
    "",
    "comma, inside",
    "quote \" inside",
    "\"quoted\"",
    "line\nbreak",
    "carriage\rreturn",
    "crlf\r\nend",
    "=1+1",
    "+cmd",
    "-2",
    "@SUM(A1)",
    "\tlead tab",
    "\rlead cr",
    "=\"x\",y",
    "Zürich — naïve 日本 🚀",
    " leading space",
    "#hash",
    "'apostrophe",
    "semi;colon",
    "via SRM-PATCH (equal): patched | via SRM-FW (subset): \"walls\"",
];

#[cfg(test)]
mod tests {
    use super::*;

    /// What the csv crate writes for `rows` of neutralised cells.
    fn generic(rows: &[Vec<&str>]) -> Vec<u8> {
        // Flexible only so that one test can hold records of every length; quoting is the same.
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .flexible(true)
            .from_writer(Vec::new());
        for row in rows {
            for cell in row {
                w.write_field(neutralise(cell).as_bytes()).expect("written");
            }
            w.write_record(None::<&[u8]>).expect("written");
        }
        w.into_inner().expect("flushed")
    }

    #[test]
    fn records_are_what_the_csv_crate_writes() {
        let tricky = TRICKY;
        let mut rows: Vec<Vec<&str>> = vec![Vec::new(), vec![""], vec!["", ""], vec!["x"], tricky.to_vec()];
        for (i, t) in tricky.iter().enumerate() {
            rows.push(vec![t]);
            rows.push(vec![t, tricky[(i + 1) % tricky.len()], ""]);
        }
        let fields = Fields::new();
        let mut fast = Vec::new();
        for row in &rows {
            let start = fast.len();
            for (i, cell) in row.iter().enumerate() {
                if i > 0 {
                    fast.push(b',');
                }
                fields.cell(&mut fast, cell);
            }
            end(&mut fast, start);
        }
        assert_eq!(String::from_utf8_lossy(&fast), String::from_utf8_lossy(&generic(&rows)));
    }
}
