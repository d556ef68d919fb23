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
    fn table_cells_cannot_carry_escape_sequences() {
        let t = super::table(&["a"], [vec!["red \u{1b}[31mtext\tand\nmore".to_string()]]);
        let text = t.to_string();
        assert!(!text.contains('\u{1b}') && !text.contains('\t'), "{text}");
        assert!(text.contains("red  [31mtext and"), "{text}");
    }
}
