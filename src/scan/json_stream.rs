//! Reading a JSON file of findings one finding at a time, whatever wraps them: a bare array, an
//! object holding the array under a known key (`{"Findings": [...]}`, an EventBridge event's
//! `detail.findings`), a single finding object, or any number of these one after another (one
//! per line, NDJSON). Only one finding is held in memory at a time.
//!
//! The wrappers are walked here, byte by byte over the reader's buffer; each finding's bytes are
//! cut out whole and handed to serde_json, which checks them and reads the fields a reader
//! wants. That keeps the walk cheap (no per-byte reads through the reader) and every error
//! precise: the finding (`$.Findings[3]`, `line 7`) and the file's line and column.

use std::io::{self, BufRead};

use serde::de::DeserializeOwned;

use crate::error::{Error, Result};

/// Where an array of findings may sit inside a top-level object.
#[derive(Debug, Clone, Copy)]
pub(super) enum Wrap {
    /// The value under this key is the array of findings.
    Array(&'static str),
    /// The value under this key is an object holding the array somewhere inside.
    Object(&'static str, &'static [Wrap]),
}

impl Wrap {
    fn key(self) -> &'static str {
        match self {
            Wrap::Array(key) | Wrap::Object(key, _) => key,
        }
    }
}

/// Reads every finding of `input` as a `T`, handing each with its locator to `each`.
pub(super) fn read<T: DeserializeOwned>(
    file: &str,
    input: &mut dyn BufRead,
    wraps: &'static [Wrap],
    each: &mut dyn FnMut(String, T) -> Result<()>,
) -> Result<()> {
    let mut walk = Walk {
        file,
        source: Source {
            inner: input,
            line: 1,
            column: 1,
        },
        each,
        buffer: Vec::new(),
    };
    walk.source.skip_bom().map_err(|e| Error::io(file, e))?;
    let mut values = 0usize;
    while let Some(first) = walk.next_token()? {
        let prefix = if values == 0 {
            String::new()
        } else {
            format!("line {} ", walk.source.line)
        };
        match first {
            b'[' => walk.array(&format!("{prefix}$"))?,
            b'{' => walk.top_object(&prefix, wraps)?,
            _ => {
                return Err(walk.error(
                    prefix.trim_end(),
                    "expected findings: an array, an object holding them, or one finding object",
                ));
            }
        }
        values += 1;
    }
    if values == 0 {
        return Err(Error::Invalid("no findings: the file is empty".to_string()).at(file));
    }
    Ok(())
}

/// The walk over one file.
struct Walk<'f, 'r, 'e, T> {
    file: &'f str,
    source: Source<'r>,
    each: &'e mut dyn FnMut(String, T) -> Result<()>,
    /// The bytes of the value being cut out, reused from one finding to the next.
    buffer: Vec<u8>,
}

impl<T: DeserializeOwned> Walk<'_, '_, '_, T> {
    /// An error at the current position.
    fn error(&self, locator: &str, message: &str) -> Error {
        let place = if locator.is_empty() {
            self.file.to_string()
        } else {
            format!("{} {locator}", self.file)
        };
        Error::Invalid(format!(
            "{message} (line {}, column {})",
            self.source.line, self.source.column
        ))
        .at(place)
    }

    fn truncated(&self, locator: &str) -> Error {
        self.error(locator, "the JSON ends too early (truncated?)")
    }

    /// The next byte after whitespace, not consumed; `None` at the end.
    fn next_token(&mut self) -> Result<Option<u8>> {
        self.source.skip_whitespace().map_err(|e| Error::io(self.file, e))
    }

    /// The next byte after whitespace, which must exist.
    fn expect_token(&mut self, locator: &str) -> Result<u8> {
        self.next_token()?.ok_or_else(|| self.truncated(locator))
    }

    /// Cuts the next value (after whitespace) out into the buffer.
    fn take(&mut self, locator: &str) -> Result<()> {
        self.expect_token(locator)?;
        self.buffer.clear();
        match self.source.take_value(&mut self.buffer) {
            Ok(true) => Ok(()),
            Ok(false) => Err(self.truncated(locator)),
            Err(e) => Err(Error::io(self.file, e)),
        }
    }

    /// Reads the value just cut out as `T`, naming the file's line and column on error.
    fn parse<V: DeserializeOwned>(&self, locator: &str, start: (usize, usize)) -> Result<V> {
        serde_json::from_slice(&self.buffer).map_err(|err| {
            let text = err.to_string();
            let message = match text.rfind(" at line ") {
                Some(i) if err.line() > 0 => &text[..i],
                _ => text.as_str(),
            };
            let line = start.0 + err.line().saturating_sub(1);
            let column = if err.line() <= 1 {
                start.1 + err.column().saturating_sub(1)
            } else {
                err.column()
            };
            let place = if locator.is_empty() {
                self.file.to_string()
            } else {
                format!("{} {locator}", self.file)
            };
            Error::Invalid(format!("{message} (line {line}, column {column})")).at(place)
        })
    }

    /// An array of findings at `path`, the `[` next.
    fn array(&mut self, path: &str) -> Result<()> {
        self.source.bump();
        let mut index = 0usize;
        loop {
            let locator = format!("{path}[{index}]");
            let mut next = self.expect_token(&locator)?;
            if next == b']' {
                if index == 0 {
                    self.source.bump();
                    return Ok(());
                }
                return Err(self.error(&locator, "a ',' before the ']' that ends the array"));
            }
            if index > 0 {
                if next != b',' {
                    return Err(self.error(
                        &format!("{path}[{}]", index - 1),
                        "expected ',' or ']' after this finding",
                    ));
                }
                self.source.bump();
                next = self.expect_token(&locator)?;
                if next == b']' {
                    return Err(self.error(&locator, "a ',' before the ']' that ends the array"));
                }
            }
            let start = (self.source.line, self.source.column);
            self.take(&locator)?;
            let finding: T = self.parse(&locator, start)?;
            (self.each)(locator, finding)?;
            index += 1;
            if self.next_token()? == Some(b']') {
                self.source.bump();
                return Ok(());
            }
        }
    }

    /// A top-level object, the `{` next: a wrapper if it holds one of `wraps`, else one finding.
    fn top_object(&mut self, prefix: &str, wraps: &'static [Wrap]) -> Result<()> {
        let line = self.source.line;
        let here = format!("{prefix}$");
        let locator = format!("line {line}");
        self.source.bump();
        // The object's other members, kept in case it turns out to be a finding itself.
        let mut rest: Vec<u8> = b"{".to_vec();
        let mut wrapped = false;
        let mut first = true;
        while let Some(key) = self.member(&here, &mut first)? {
            match wraps.iter().find(|w| w.key() == key) {
                Some(wrap) => {
                    self.wrapped(&format!("{here}.{key}"), *wrap)?;
                    wrapped = true;
                }
                None => {
                    self.take(&locator)?;
                    if !wrapped {
                        if rest.len() > 1 {
                            rest.push(b',');
                        }
                        rest.extend_from_slice(&serde_json::to_vec(&key).expect("a string serialises"));
                        rest.push(b':');
                        rest.extend_from_slice(&self.buffer);
                    }
                }
            }
        }
        if wrapped {
            return Ok(());
        }
        rest.push(b'}');
        self.buffer = rest;
        let finding: T = self.parse(&locator, (line, 1))?;
        (self.each)(locator, finding)
    }

    /// An object at `path` that is not a finding: only its wrapper keys are read.
    fn inner_object(&mut self, path: &str, wraps: &'static [Wrap]) -> Result<()> {
        self.source.bump();
        let mut wrapped = false;
        let mut first = true;
        while let Some(key) = self.member(path, &mut first)? {
            match wraps.iter().find(|w| w.key() == key) {
                Some(wrap) => {
                    self.wrapped(&format!("{path}.{key}"), *wrap)?;
                    wrapped = true;
                }
                None => self.take(path)?,
            }
        }
        if wrapped {
            return Ok(());
        }
        let keys: Vec<String> = wraps.iter().map(|w| format!("\"{}\"", w.key())).collect();
        Err(self.error(path, &format!("holds no {} array of findings", keys.join(" or "))))
    }

    /// The value under a wrapper key.
    fn wrapped(&mut self, path: &str, wrap: Wrap) -> Result<()> {
        let next = self.expect_token(path)?;
        match (wrap, next) {
            (Wrap::Array(_), b'[') => self.array(path),
            (Wrap::Object(_, inner), b'{') => self.inner_object(path, inner),
            (Wrap::Array(_), _) => {
                Err(self.error(path, &format!("expected an array of findings, found {}", kind(next))))
            }
            (Wrap::Object(..), _) => Err(self.error(path, &format!("expected an object, found {}", kind(next)))),
        }
    }

    /// The next member's key of an object being read (its value next), or `None` at its `}`.
    fn member(&mut self, path: &str, first: &mut bool) -> Result<Option<String>> {
        let mut next = self.expect_token(path)?;
        if next == b'}' {
            self.source.bump();
            return Ok(None);
        }
        if !*first {
            if next != b',' {
                return Err(self.error(path, "expected ',' or '}' between an object's members"));
            }
            self.source.bump();
            next = self.expect_token(path)?;
        }
        *first = false;
        if next != b'"' {
            return Err(self.error(path, "expected a key in double quotes"));
        }
        let start = (self.source.line, self.source.column);
        self.take(path)?;
        let key: String = self.parse(path, start)?;
        if self.expect_token(path)? != b':' {
            return Err(self.error(
                path,
                &format!("expected ':' after the key \"{}\"", crate::error::shorten(&key)),
            ));
        }
        self.source.bump();
        Ok(Some(key))
    }
}

/// What a JSON value starting with `byte` is, for messages.
fn kind(byte: u8) -> &'static str {
    match byte {
        b'{' => "an object",
        b'[' => "an array",
        b'"' => "a string",
        b't' | b'f' => "a boolean",
        b'n' => "null",
        _ => "a number or something else",
    }
}

/// A reader that knows the line and column of its next byte.
struct Source<'a> {
    inner: &'a mut dyn BufRead,
    line: usize,
    column: usize,
}

impl Source<'_> {
    fn skip_bom(&mut self) -> io::Result<()> {
        let available = self.inner.fill_buf()?;
        if available.starts_with(b"\xef\xbb\xbf") {
            self.inner.consume(3);
        }
        Ok(())
    }

    /// Consumes one byte already seen (a structural character, never a line break).
    fn bump(&mut self) {
        self.inner.consume(1);
        self.column += 1;
    }

    /// Skips whitespace; the next byte (not consumed), or `None` at the end.
    fn skip_whitespace(&mut self) -> io::Result<Option<u8>> {
        loop {
            let available = self.inner.fill_buf()?;
            if available.is_empty() {
                return Ok(None);
            }
            let blank = available.iter().take_while(|b| b.is_ascii_whitespace()).count();
            let next = available.get(blank).copied();
            advance(&mut self.line, &mut self.column, &available[..blank]);
            self.inner.consume(blank);
            if next.is_some() {
                return Ok(next);
            }
        }
    }

    /// Appends the bytes of the next value (which starts at the next byte) to `out`; false when
    /// the input ends inside it. Only the nesting is followed; serde_json checks the rest.
    fn take_value(&mut self, out: &mut Vec<u8>) -> io::Result<bool> {
        let mut scan = Scan::default();
        loop {
            let available = self.inner.fill_buf()?;
            if available.is_empty() {
                // A number or word at the very end is complete; anything else is cut short.
                return Ok(scan.scalar && !out.is_empty());
            }
            let (used, done) = scan.feed(available);
            out.extend_from_slice(&available[..used]);
            advance(&mut self.line, &mut self.column, &available[..used]);
            self.inner.consume(used);
            if done {
                return Ok(true);
            }
        }
    }
}

/// Where a value's scan stands between buffers.
#[derive(Default)]
struct Scan {
    started: bool,
    scalar: bool,
    depth: usize,
    in_string: bool,
    escaped: bool,
}

impl Scan {
    /// Follows `bytes`; how many belong to the value, and whether it ended there.
    fn feed(&mut self, bytes: &[u8]) -> (usize, bool) {
        for (i, &b) in bytes.iter().enumerate() {
            if !self.started {
                self.started = true;
                match b {
                    b'{' | b'[' => self.depth = 1,
                    b'"' => self.in_string = true,
                    _ => self.scalar = true,
                }
                continue;
            }
            if self.scalar {
                if matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                    return (i, true);
                }
                continue;
            }
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if b == b'\\' {
                    self.escaped = true;
                } else if b == b'"' {
                    self.in_string = false;
                    if self.depth == 0 {
                        return (i + 1, true);
                    }
                }
                continue;
            }
            match b {
                b'"' => self.in_string = true,
                b'{' | b'[' => self.depth += 1,
                b'}' | b']' => {
                    self.depth -= 1;
                    if self.depth == 0 {
                        return (i + 1, true);
                    }
                }
                _ => {}
            }
        }
        (bytes.len(), false)
    }
}

/// Moves a line and column past `bytes`.
fn advance(line: &mut usize, column: &mut usize, bytes: &[u8]) {
    match bytes.iter().rposition(|b| *b == b'\n') {
        Some(last) => {
            *line += bytes.iter().filter(|b| **b == b'\n').count();
            *column = bytes.len() - last;
        }
        None => *column += bytes.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cut(text: &str) -> (bool, String) {
        let mut input = text.as_bytes();
        let mut source = Source {
            inner: &mut input,
            line: 1,
            column: 1,
        };
        let mut out = Vec::new();
        let done = source.take_value(&mut out).expect("in memory");
        (done, String::from_utf8(out).expect("UTF-8"))
    }

    #[test]
    fn cuts_one_value_out_of_the_stream() {
        let cases = [
            (r#"{"a":[1,{"b":"}]"}]},{"c":1}"#, (true, r#"{"a":[1,{"b":"}]"}]}"#)),
            (r#""x\"y",1"#, (true, r#""x\"y""#)),
            ("123,4", (true, "123")),
            ("true]", (true, "true")),
            ("42", (true, "42")),
            (r#"{"a":"b\\"}x"#, (true, r#"{"a":"b\\"}"#)),
            (r#"{"a":[1,2"#, (false, r#"{"a":[1,2"#)),
            (r#""open"#, (false, r#""open"#)),
        ];
        for (text, (done, value)) in cases {
            assert_eq!(cut(text), (done, value.to_string()), "{text}");
        }
    }

    #[test]
    fn counts_lines_and_columns() {
        let (mut line, mut column) = (1, 1);
        advance(&mut line, &mut column, b"ab\ncd\nefg");
        assert_eq!((line, column), (3, 4));
        advance(&mut line, &mut column, b"hi");
        assert_eq!((line, column), (3, 6));
    }
}
