//! CSV files with a header row, read strictly: every error names the file, the line and the column.

use std::collections::HashMap;
use std::io::Read;

use crate::error::{Error, Result};

use crate::text::Kind;
pub use crate::text::NAME_MAX;

/// The columns a kind of file has.
#[derive(Debug, Clone, Copy)]
pub struct Columns {
    /// Columns that must be present (their cells may still be allowed empty by the parser).
    pub required: &'static [&'static str],
    /// Columns that may be present.
    pub optional: &'static [&'static str],
}

/// A whole CSV file, checked for shape and encoding.
#[derive(Debug)]
pub struct CsvFile {
    source: String,
    index: HashMap<String, usize>,
    records: Vec<(u64, csv::StringRecord)>,
}

impl CsvFile {
    /// Reads `reader` (named `source` in messages), checking the header against `columns`.
    pub fn read(source: &str, mut reader: impl Read, columns: Columns) -> Result<CsvFile> {
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes).map_err(|e| Error::io(source, e))?;
        let bytes = super::utf8_text(source, &bytes)?;
        if let Some(line) = unclosed_quote(bytes) {
            return Err(Error::Invalid(format!(
                "{source} line {line}: a quoted field opened here is never closed"
            )));
        }
        let lines = LineStarts::of(bytes);
        let mut csv = csv::ReaderBuilder::new().has_headers(true).from_reader(bytes);
        let expected = || {
            columns
                .required
                .iter()
                .chain(columns.optional)
                .copied()
                .collect::<Vec<_>>()
                .join(",")
        };
        let headers = csv
            .headers()
            .map_err(|e| shape_error(source, bytes, &lines, e))?
            .clone();
        if headers.is_empty() || (headers.len() == 1 && headers[0].trim().is_empty()) {
            return Err(Error::Invalid(format!(
                "{source}: the file is empty; expected a header row: {}",
                expected()
            )));
        }
        let mut index = HashMap::new();
        for (i, name) in headers.iter().enumerate() {
            let name = name.trim().to_ascii_lowercase();
            let known = columns.required.contains(&name.as_str()) || columns.optional.contains(&name.as_str());
            if !known {
                return Err(Error::Invalid(format!(
                    "{source} line 1: unknown column \"{name}\"; expected {}",
                    expected()
                )));
            }
            if index.insert(name.clone(), i).is_some() {
                return Err(Error::Invalid(format!(
                    "{source} line 1: column \"{name}\" appears twice"
                )));
            }
        }
        if let Some(missing) = columns.required.iter().find(|c| !index.contains_key(**c)) {
            return Err(Error::Invalid(format!(
                "{source} line 1: missing column \"{missing}\"; expected {}",
                expected()
            )));
        }
        let mut records = Vec::new();
        for record in csv.records() {
            let record = record.map_err(|e| shape_error(source, bytes, &lines, e))?;
            if record.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            let line = record.position().map_or(0, |p| lines.record_line(bytes, p.byte()));
            // Every cell is at least prose by the one set of text rules (no escape sequences, no
            // bidirectional overrides, a bounded length); columns that are names or one line are
            // held to more when they are read.
            for (i, field) in record.iter().enumerate() {
                if let Some(problem) = crate::text::problem(Kind::Prose, field) {
                    let column = headers.get(i).map_or(String::new(), |h| h.trim().to_ascii_lowercase());
                    return Err(Error::Invalid(format!(
                        "{source} line {line}, column \"{column}\": {problem}"
                    )));
                }
            }
            records.push((line, record));
        }
        Ok(CsvFile {
            source: source.to_string(),
            index,
            records,
        })
    }

    /// The data rows, in file order (blank lines skipped).
    pub fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.records.iter().map(move |(line, record)| Row {
            file: self,
            line: *line,
            record,
        })
    }

    /// Whether the file has `column` (a missing optional column means "leave as it is" on update).
    pub fn has(&self, column: &str) -> bool {
        self.index.contains_key(column)
    }

    /// The name used in messages.
    pub fn source(&self) -> &str {
        &self.source
    }
}

/// Where each line starts, counting `\r\n`, `\n` and a lone `\r` (old Mac files) as one line
/// break each: the csv crate counts only `\n`, so its line numbers are wrong for CR-only files.
struct LineStarts(Vec<u64>);

impl LineStarts {
    fn of(bytes: &[u8]) -> LineStarts {
        let mut starts = vec![0u64];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                    starts.push(i as u64 + 2);
                    i += 1;
                }
                b'\r' | b'\n' => starts.push(i as u64 + 1),
                _ => {}
            }
            i += 1;
        }
        LineStarts(starts)
    }

    /// The 1-based line that holds byte `offset`.
    fn line_of(&self, offset: u64) -> u64 {
        self.0.partition_point(|&start| start <= offset) as u64
    }

    /// The line a record at byte `offset` starts on: the csv crate's offset may point at the
    /// blank lines before it.
    fn record_line(&self, bytes: &[u8], offset: u64) -> u64 {
        let skipped = bytes
            .get(usize::try_from(offset).unwrap_or(usize::MAX)..)
            .map_or(0, |rest| rest.iter().take_while(|b| matches!(b, b'\r' | b'\n')).count());
        self.line_of(offset + skipped as u64)
    }
}

fn shape_error(source: &str, bytes: &[u8], lines: &LineStarts, e: csv::Error) -> Error {
    let line = |pos: &Option<csv::Position>| pos.as_ref().map_or(0, |p| lines.record_line(bytes, p.byte()));
    let message = match e.kind() {
        csv::ErrorKind::Utf8 { pos, err } => format!(
            "{source} line {}, field {}: not valid UTF-8 (save the file as UTF-8)",
            line(pos),
            err.field() + 1
        ),
        csv::ErrorKind::UnequalLengths { pos, expected_len, len } => format!(
            "{source} line {}: {len} fields, but the header has {expected_len}",
            line(pos)
        ),
        csv::ErrorKind::Io(io) => format!("{source}: {io}"),
        _ => format!("{source}: {e}"),
    };
    Error::Invalid(message)
}

/// One data row of a [`CsvFile`].
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    file: &'a CsvFile,
    line: u64,
    record: &'a csv::StringRecord,
}

impl<'a> Row<'a> {
    /// The line number in the file (the header is line 1).
    pub fn line(&self) -> u64 {
        self.line
    }

    /// `file line N`, for errors about the whole row.
    pub fn location(&self) -> String {
        format!("{} line {}", self.file.source, self.line)
    }

    /// The trimmed cell of `column`, empty when the column is absent.
    pub fn get(&self, column: &str) -> &'a str {
        self.file
            .index
            .get(column)
            .and_then(|&i| self.record.get(i))
            .map_or("", str::trim)
    }

    /// The cell, or `None` when empty.
    pub fn optional(&self, column: &str) -> Option<String> {
        Some(self.get(column)).filter(|v| !v.is_empty()).map(str::to_string)
    }

    /// The cell, which must not be empty.
    pub fn required(&self, column: &str) -> Result<String> {
        match self.get(column) {
            "" => Err(self.invalid(column, "must not be empty")),
            v => Ok(v.to_string()),
        }
    }

    /// The cell as a name: not empty, one line, nothing invisible, at most [`NAME_MAX`].
    pub fn name(&self, column: &str) -> Result<String> {
        let value = self.required(column)?;
        self.checked(column, Kind::Name, value)
    }

    /// The cell as one line of text (possibly empty), at most [`crate::text::LINE_MAX`].
    pub fn one_line(&self, column: &str) -> Result<String> {
        self.checked(column, Kind::Line, self.get(column).to_string())
    }

    /// The cell as one line of text, which must not be empty.
    pub fn required_line(&self, column: &str) -> Result<String> {
        let value = self.required(column)?;
        self.checked(column, Kind::Line, value)
    }

    fn checked(&self, column: &str, kind: Kind, value: String) -> Result<String> {
        match crate::text::problem(kind, &value) {
            Some(problem) => Err(self.invalid(column, &problem)),
            None => Ok(value),
        }
    }

    /// The cell parsed as `T`; an empty cell is an error.
    pub fn parse<T: std::str::FromStr>(&self, column: &str) -> Result<T>
    where
        T::Err: std::fmt::Display,
    {
        let text = self.required(column)?;
        text.parse().map_err(|e: T::Err| self.invalid(column, &e.to_string()))
    }

    /// An error about one cell: `file line N, column "c": message`.
    pub fn invalid(&self, column: &str, message: &str) -> Error {
        Error::Invalid(format!("{}, column \"{column}\": {message}", self.location()))
    }
}

/// The line of a quote that opens a field and is never closed (the csv crate reads such a field
/// to the end of the file without complaint).
fn unclosed_quote(bytes: &[u8]) -> Option<u64> {
    let (mut line, mut open_at, mut quoted) = (1u64, 0u64, false);
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'"' => {
                quoted = !quoted;
                if quoted {
                    open_at = line;
                }
            }
            b'\n' => line += 1,
            b'\r' if bytes.get(i + 1) != Some(&b'\n') => line += 1,
            _ => {}
        }
    }
    quoted.then_some(open_at)
}

/// Parses yes/no style flags.
pub fn parse_flag(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "" | "yes" | "y" | "true" | "1" | "in" => Some(true),
        "no" | "n" | "false" | "0" | "out" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLS: Columns = Columns {
        required: &["name", "offering"],
        optional: &["team"],
    };

    fn read(text: &[u8]) -> Result<CsvFile> {
        CsvFile::read("s.csv", text, COLS)
    }

    #[test]
    fn reads_rows_with_line_numbers_and_optional_columns() {
        let f = read(b"name,offering\na,aws.ec2\n , \nb,aws.s3\n").expect("valid");
        let rows: Vec<_> = f.rows().map(|r| (r.line(), r.get("name"), r.get("team"))).collect();
        assert_eq!(rows, vec![(2, "a", ""), (4, "b", "")]);
    }

    #[test]
    fn line_numbers_are_right_for_every_line_ending() {
        for ending in ["\n", "\r\n", "\r"] {
            let text = ["name,offering,team", "a,x,t", "", "b,y,t", "c,\"two", "lines\",t", "d"].join(ending);
            let err = read(text.as_bytes()).expect_err("row 7 is ragged");
            assert!(err.to_string().contains("line 7:"), "{ending:?}: {err}");
            let text = ["name,offering,team", "a,x,t", "", "b,y,\u{1b}"].join(ending);
            let err = read(text.as_bytes()).expect_err("escape");
            assert!(err.to_string().contains("line 4, column \"team\""), "{ending:?}: {err}");
            let text = ["name,offering,team", "a,x,t", "b,\"open"].join(ending);
            let err = read(text.as_bytes()).expect_err("open quote");
            assert!(err.to_string().contains("line 3:"), "{ending:?}: {err}");
            let text = ["name,offering,team", "a,x,t", "", "b,y,t"].join(ending);
            let f = read(text.as_bytes()).expect("reads");
            assert_eq!(f.rows().map(|r| r.line()).collect::<Vec<_>>(), vec![2, 4], "{ending:?}");
        }
    }

    #[test]
    fn a_utf8_bom_is_ignored() {
        let f = read(b"\xEF\xBB\xBFname,offering\na,aws.ec2\n").expect("valid");
        assert_eq!(f.rows().next().map(|r| r.get("name")), Some("a"));
    }

    #[test]
    fn header_problems_are_named() {
        let err = |t: &[u8]| read(t).expect_err("invalid").to_string();
        assert!(err(b"").contains("empty"));
        assert!(err(b"name,offering,colour\n").contains("unknown column \"colour\""));
        assert!(err(b"name\n").contains("missing column \"offering\""));
        assert!(err(b"name,name,offering\n").contains("appears twice"));
    }

    #[test]
    fn an_unclosed_quote_is_named() {
        let err = read(b"name,offering\na,b\n\"c,d\n").expect_err("unclosed").to_string();
        assert_eq!(err, "s.csv line 3: a quoted field opened here is never closed");
        assert!(read(b"name,offering\n\"a \"\"quoted\"\"\",b\n").is_ok());
    }

    #[test]
    fn row_problems_name_the_line() {
        let err = read(b"name,offering\na,b\nc\n").expect_err("ragged").to_string();
        assert_eq!(err, "s.csv line 3: 1 fields, but the header has 2");
        let err = read(b"name,offering\na,b\n\xff\xfe,x\n")
            .expect_err("latin-1")
            .to_string();
        assert!(err.starts_with("s.csv line 3, field 1: not valid UTF-8"), "{err}");
    }
}
