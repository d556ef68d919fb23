//! Printing: tables for people, JSON for programs. Everything goes through a buffered stdout.

use std::io::{self, BufWriter, Stdout, Write};
use std::sync::Mutex;

use comfy_table::{ContentArrangement, Table, presets};
use serde::Serialize;

use crate::error::Result;

/// Buffered standard output that reports a failed final flush (e.g. a full disk) through
/// [`take_failure`] instead of losing it when dropped. Everything written passes through the
/// terminal filter, so no stored text can send an escape sequence or reorder a line, whichever
/// command prints it. The buffer comes first: the filter sees whole 64 KiB blocks, not the many
/// small writes a serialiser makes.
pub(crate) struct Out(BufWriter<Filtered>);

/// Standard output behind the terminal filter.
struct Filtered {
    out: Stdout,
    filter: crate::text::TerminalFilter,
    scratch: Vec<u8>,
}

impl Write for Filtered {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.filter.passes(buf) {
            self.out.write_all(buf)?;
            return Ok(buf.len());
        }
        self.scratch.clear();
        self.filter.filter(buf, &mut self.scratch);
        self.out.write_all(&self.scratch)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

static FAILURE: Mutex<Option<io::Error>> = Mutex::new(None);

impl Write for Out {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

impl Out {
    /// Writes `text` that already passed through [`crate::text::block`] whole characters at a
    /// time, so the filter would let it through as it is: a writer of gigabytes filters each
    /// distinct piece once instead of every byte again.
    pub(crate) fn write_filtered(&mut self, text: &[u8]) -> io::Result<()> {
        if !self.0.get_ref().filter.passes(b"") {
            // A character is held back half-written: the filter has to see what follows.
            return self.0.write_all(text);
        }
        self.0.flush()?;
        self.0.get_mut().out.write_all(text)
    }
}

impl Drop for Out {
    fn drop(&mut self) {
        let done = self.0.flush().and_then(|()| {
            let inner = self.0.get_mut();
            let rest = inner.filter.finish();
            inner.out.write_all(&rest).and_then(|()| inner.out.flush())
        });
        if let Err(e) = done
            && let Ok(mut slot) = FAILURE.lock()
        {
            slot.get_or_insert(e);
        }
    }
}

static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Silences confirmations and progress bars (`--quiet`); data a command was asked for still prints.
pub(crate) fn set_quiet(quiet: bool) {
    QUIET.store(quiet, std::sync::atomic::Ordering::Relaxed);
}

/// Whether `--quiet` was given.
pub(crate) fn quiet() -> bool {
    QUIET.load(std::sync::atomic::Ordering::Relaxed)
}

static JSON: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Makes confirmations JSON (`--json`): every command's output is then JSON, data and notes alike.
pub(crate) fn set_json(json: bool) {
    JSON.store(json, std::sync::atomic::Ordering::Relaxed);
}

/// Where confirmations go: standard output as lines, one `{"message": ...}` object per line under
/// `--json`, or nowhere under `--quiet`. Every confirmation of every command goes through here, so
/// both flags hold everywhere.
pub(crate) fn note() -> Box<dyn Write> {
    if quiet() {
        Box::new(io::sink())
    } else if JSON.load(std::sync::atomic::Ordering::Relaxed) {
        Box::new(JsonNotes {
            line: Vec::new(),
            out: stdout(),
        })
    } else {
        Box::new(stdout())
    }
}

/// Confirmation lines turned into JSON objects as they complete.
struct JsonNotes {
    line: Vec<u8>,
    out: Out,
}

impl JsonNotes {
    fn emit(&mut self) -> io::Result<()> {
        let text = String::from_utf8_lossy(&self.line).trim_end().to_string();
        self.line.clear();
        if text.is_empty() {
            return Ok(());
        }
        serde_json::to_writer(&mut self.out, &serde_json::json!({ "message": text }))?;
        self.out.write_all(b"\n")
    }
}

impl Write for JsonNotes {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        for &b in buf {
            if b == b'\n' {
                self.emit()?;
            } else {
                self.line.push(b);
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

impl Drop for JsonNotes {
    fn drop(&mut self) {
        let _ = self.emit();
    }
}

/// Buffered standard output.
pub(crate) fn stdout() -> Out {
    Out(BufWriter::with_capacity(
        64 << 10,
        Filtered {
            out: io::stdout(),
            filter: crate::text::TerminalFilter::default(),
            scratch: Vec::new(),
        },
    ))
}

/// The first output error that happened while flushing on drop, if any.
pub(crate) fn take_failure() -> Option<io::Error> {
    FAILURE.lock().ok().and_then(|mut slot| slot.take())
}

/// A table with a header row, laid out to the terminal's width when there is one.
pub(crate) fn table<S: AsRef<str>>(headers: &[S], rows: impl IntoIterator<Item = Vec<String>>) -> Table {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(headers.iter().map(|h| h.as_ref()));
    for row in rows {
        t.add_row(row.iter().map(|cell| visible(cell)));
    }
    t
}

/// A table cell as it may reach a terminal: control characters other than line breaks become
/// spaces, so text stored before ctrlmap refused them cannot send escape sequences.
fn visible(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.chars().any(|c| c.is_control() && c != '\n') {
        cell.chars()
            .map(|c| if c.is_control() && c != '\n' { ' ' } else { c })
            .collect::<String>()
            .into()
    } else {
        cell.into()
    }
}

/// Prints a table followed by a newline.
pub(crate) fn print_table(out: &mut impl Write, table: &Table) -> Result<()> {
    writeln!(out, "{table}")?;
    Ok(())
}

/// Prints the table [`table`] would make of `headers` and `rows`, as [`print_table`] does. When
/// comfy-table would lay it out plainly (standard output is no terminal, so nothing wraps) and
/// every cell is one line of characters one column wide each ([`narrow`]), the layout is plain
/// arithmetic and is written without building the table: a thousand rows cost what their bytes
/// cost.
pub(crate) fn print_rows(out: &mut impl Write, headers: &[&str], rows: Vec<Vec<String>>) -> Result<()> {
    use std::io::IsTerminal;
    match (io::stdout().is_terminal(), plain_table(headers, &rows)) {
        (false, Some(text)) => out.write_all(text.as_bytes())?,
        _ => print_table(out, &table(headers, rows))?,
    }
    Ok(())
}

/// The text of the table [`print_table`] prints when nothing wraps, if every cell is one line of
/// [`narrow`] characters; `None` if not.
fn plain_table(headers: &[&str], rows: &[Vec<String>]) -> Option<String> {
    let printable = |cell: &str| cell.chars().all(narrow);
    let plain = headers.iter().all(|h| printable(h))
        && rows
            .iter()
            .all(|row| row.len() == headers.len() && row.iter().all(|c| printable(c)));
    if !plain {
        return None;
    }
    // As comfy-table's UTF8_FULL_CONDENSED preset: a column is as wide as its widest cell (at
    // least one), plus a space each side.
    let width = |cell: &str| {
        if cell.is_ascii() {
            cell.len()
        } else {
            cell.chars().count()
        }
    };
    let mut widths: Vec<usize> = headers.iter().map(|h| width(h).max(1)).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(width(cell));
        }
    }
    let mut text = String::with_capacity((rows.len() + 4) * (widths.iter().sum::<usize>() + 4 * widths.len()));
    let rule = |text: &mut String, left: char, line: char, cross: char, right: char| {
        text.push(left);
        for (n, &w) in widths.iter().enumerate() {
            if n > 0 {
                text.push(cross);
            }
            text.extend(std::iter::repeat_n(line, w + 2));
        }
        text.push(right);
        text.push('\n');
    };
    let line = |text: &mut String, cells: &mut dyn Iterator<Item = &str>| {
        text.push('│');
        for (n, (cell, &w)) in cells.zip(&widths).enumerate() {
            if n > 0 {
                text.push('┆');
            }
            text.push(' ');
            text.push_str(cell);
            text.extend(std::iter::repeat_n(' ', w - width(cell) + 1));
        }
        text.push_str("│\n");
    };
    rule(&mut text, '┌', '─', '┬', '┐');
    line(&mut text, &mut headers.iter().copied());
    rule(&mut text, '╞', '═', '╪', '╡');
    for row in rows {
        line(&mut text, &mut row.iter().map(String::as_str));
    }
    rule(&mut text, '└', '─', '┴', '┘');
    Some(text)
}

/// Whether `c` is one column wide wherever comfy-table measures it, and passes [`visible`] as it
/// is: printable ASCII, Latin-1 letters and signs (not the soft hyphen), and the dashes, quotes,
/// bullets and ellipsis of general punctuation.
fn narrow(c: char) -> bool {
    matches!(c, ' '..='~' | '\u{a1}'..='\u{ac}' | '\u{ae}'..='\u{ff}' | '\u{2010}'..='\u{2027}')
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

#[cfg(test)]
mod tests {
    #[test]
    fn plain_rows_print_as_the_table_would() {
        // (what, headers, rows)
        type Case<'a> = (&'a str, Vec<&'a str>, Vec<Vec<&'a str>>);
        let cases: Vec<Case<'_>> = vec![
            ("no rows", vec!["a", "bb"], vec![]),
            (
                "cells wider than their headers",
                vec!["a", "b"],
                vec![vec!["xyz", "1"], vec!["", "long cell"]],
            ),
            ("empty headers and cells", vec!["", "h"], vec![vec!["", ""]]),
            (
                "spaces and punctuation",
                vec!["gap", "control"],
                vec![vec![" lead", "trail "], vec!["a ~ b", "{x}"]],
            ),
            ("one column", vec!["only"], vec![vec!["1"], vec!["22"], vec!["333"]]),
            (
                "dashes and accents",
                vec!["title", "n"],
                vec![vec!["Storage — Restricted Use", "1"], vec!["café “quoted” …", "2"]],
            ),
            (
                "wide characters are left to the table",
                vec!["a"],
                vec![vec!["表"], vec!["\u{200b}"]],
            ),
            ("lines are left to the table", vec!["a"], vec![vec!["one\ntwo"]]),
        ];
        for (name, headers, rows) in cases {
            let rows: Vec<Vec<String>> = rows
                .into_iter()
                .map(|r| r.into_iter().map(String::from).collect())
                .collect();
            let mut want = Vec::new();
            super::print_table(&mut want, &super::table(&headers, rows.clone())).expect("print");
            let got = super::plain_table(&headers, &rows).unwrap_or_else(|| String::from_utf8_lossy(&want).into());
            assert_eq!(got, String::from_utf8_lossy(&want), "{name}");
        }
        for cell in ["表", "\u{200b}", "one\ntwo", "\u{ad}"] {
            assert!(
                super::plain_table(&["a"], &[vec![cell.to_string()]]).is_none(),
                "{cell:?}"
            );
        }
        // Every character taken as one column wide is one column wide to the table too.
        for c in (0..=0x2030u32).filter_map(char::from_u32).filter(|&c| super::narrow(c)) {
            let rows = vec![vec![format!("{c}x"), "y".to_string()]];
            let mut want = Vec::new();
            super::print_table(&mut want, &super::table(&["h", "i"], rows.clone())).expect("print");
            let got = super::plain_table(&["h", "i"], &rows).expect("narrow");
            assert_eq!(got.as_bytes(), want, "{c:?}");
        }
    }

    #[test]
    fn table_cells_cannot_carry_escape_sequences() {
        let t = super::table(&["a"], [vec!["red \u{1b}[31mtext\tand\nmore".to_string()]]);
        let text = t.to_string();
        assert!(!text.contains('\u{1b}') && !text.contains('\t'), "{text}");
        assert!(text.contains("red  [31mtext and"), "{text}");
    }
}
