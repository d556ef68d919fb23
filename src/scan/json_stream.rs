//! Reading a JSON file of findings one finding at a time, whatever wraps them: a bare array, an
//! object holding the array under a known key (`{"Findings": [...]}`, an EventBridge event's
//! `detail.findings`), a single finding object, or any number of these one after another (one
//! per line, NDJSON). Only one finding is held in memory at a time.
//!
//! Errors name the file, the finding (`$.Findings[3]`, `line 7`) and, for malformed JSON, the
//! line and column where reading stopped.

use std::fmt;
use std::io::{self, BufRead, Read};
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, DeserializeSeed, MapAccess, SeqAccess, Visitor};

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
    let mut reader = Counting {
        inner: input,
        line: 1,
        column: 1,
    };
    reader.skip_bom().map_err(|e| Error::io(file, e))?;
    let mut state = State {
        each,
        failed: None,
        current: None,
    };
    let mut values = 0usize;
    while reader.skip_whitespace().map_err(|e| Error::io(file, e))? {
        let prefix = if values == 0 {
            String::new()
        } else {
            format!("line {} ", reader.line)
        };
        let top = Top::<T> {
            state: &mut state,
            wraps,
            prefix,
            line: reader.line,
            found: PhantomData,
        };
        let start = (reader.line, reader.column);
        let mut deserializer = serde_json::Deserializer::from_reader(&mut reader);
        let outcome = top.deserialize(&mut deserializer);
        drop(deserializer);
        if let Some(err) = state.failed.take() {
            return Err(err);
        }
        if let Err(err) = outcome {
            return Err(malformed(file, state.current.as_deref(), &err, start));
        }
        values += 1;
    }
    if values == 0 {
        return Err(Error::Invalid("no findings: the file is empty".to_string()).at(file));
    }
    Ok(())
}

/// The one-line message for JSON that could not be read as findings.
fn malformed(file: &str, current: Option<&str>, err: &serde_json::Error, start: (usize, usize)) -> Error {
    let text = err.to_string();
    // serde_json appends its own position, counted from where this value started; ours is the
    // file's.
    let message = match text.rfind(" at line ") {
        Some(i) if err.line() > 0 => &text[..i],
        _ => text.as_str(),
    };
    let message = if err.is_eof() {
        format!("the JSON ends too early (truncated?): {message}")
    } else {
        message.to_string()
    };
    let place = match current {
        Some(locator) => format!("{file} {locator}"),
        None => file.to_string(),
    };
    // serde_json counts from where this top-level value started; the file's count is wanted.
    let line = start.0 + err.line().saturating_sub(1);
    let column = if err.line() <= 1 {
        start.1 + err.column().saturating_sub(1)
    } else {
        err.column()
    };
    Error::Invalid(format!("{message} (line {line}, column {column})")).at(place)
}

/// What the visitors share: the caller's callback, its first error, the finding being read.
struct State<'e, T> {
    each: &'e mut dyn FnMut(String, T) -> Result<()>,
    /// The callback's error: serde only carries its own, so ours waits here.
    failed: Option<Error>,
    /// The locator of the finding being read, for serde's errors inside it.
    current: Option<String>,
}

impl<T> State<'_, T> {
    fn hand<E: de::Error>(&mut self, locator: String, value: T) -> Result<(), E> {
        (self.each)(locator, value).map_err(|err| {
            self.failed = Some(err);
            E::custom("stopped by the caller")
        })
    }
}

/// A top-level value: an array of findings, a wrapper object, or one finding.
struct Top<'s, 'e, T> {
    state: &'s mut State<'e, T>,
    wraps: &'static [Wrap],
    prefix: String,
    line: usize,
    found: PhantomData<T>,
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for Top<'_, '_, T> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for Top<'_, '_, T> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("findings: an array, an object holding them, or one finding object")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        let path = format!("{}$", self.prefix);
        stream_array(self.state, &path, seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut rest = serde_json::Map::new();
        let mut wrapped = false;
        while let Some(key) = map.next_key::<String>()? {
            match self.wraps.iter().find(|w| w.key() == key) {
                Some(wrap) => {
                    let path = format!("{}$.{key}", self.prefix);
                    map.next_value_seed(Inner {
                        state: &mut *self.state,
                        wrap: *wrap,
                        path,
                    })?;
                    wrapped = true;
                }
                None => {
                    let value: serde_json::Value = map.next_value()?;
                    if !wrapped {
                        rest.insert(key, value);
                    }
                }
            }
        }
        if wrapped {
            return Ok(());
        }
        let locator = format!("line {}", self.line);
        self.state.current = Some(locator.clone());
        let finding = T::deserialize(serde_json::Value::Object(rest)).map_err(de::Error::custom)?;
        self.state.current = None;
        self.state.hand(locator, finding)
    }
}

/// The value under a wrapper key: the array itself, or an object to look further into.
struct Inner<'s, 'e, T> {
    state: &'s mut State<'e, T>,
    wrap: Wrap,
    path: String,
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for Inner<'_, '_, T> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        match self.wrap {
            Wrap::Array(_) => d.deserialize_seq(self),
            Wrap::Object(..) => d.deserialize_map(self),
        }
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for Inner<'_, '_, T> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.wrap {
            Wrap::Array(_) => write!(f, "an array of findings at {}", self.path),
            Wrap::Object(..) => write!(f, "an object at {}", self.path),
        }
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        stream_array(self.state, &self.path, seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Wrap::Object(_, inner) = self.wrap else {
            return Err(de::Error::invalid_type(de::Unexpected::Map, &self));
        };
        let mut wrapped = false;
        while let Some(key) = map.next_key::<String>()? {
            match inner.iter().find(|w| w.key() == key) {
                Some(wrap) => {
                    let path = format!("{}.{key}", self.path);
                    map.next_value_seed(Inner {
                        state: &mut *self.state,
                        wrap: *wrap,
                        path,
                    })?;
                    wrapped = true;
                }
                None => {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
        }
        if wrapped {
            Ok(())
        } else {
            let keys: Vec<&str> = inner.iter().map(|w| w.key()).collect();
            Err(de::Error::custom(format!(
                "{} holds no {}",
                self.path,
                keys.join(" or ")
            )))
        }
    }
}

/// Hands each element of an array of findings to the callback as soon as it is read.
fn stream_array<'de, A: SeqAccess<'de>, T: DeserializeOwned>(
    state: &mut State<'_, T>,
    path: &str,
    mut seq: A,
) -> Result<(), A::Error> {
    let mut index = 0usize;
    loop {
        state.current = Some(format!("{path}[{index}]"));
        match seq.next_element::<T>()? {
            Some(finding) => {
                let locator = state.current.take().unwrap_or_default();
                state.hand(locator, finding)?;
            }
            None => {
                state.current = None;
                return Ok(());
            }
        }
        index += 1;
    }
}

/// A reader that knows the line and column of the next byte, so errors can say where.
struct Counting<'a> {
    inner: &'a mut dyn BufRead,
    line: usize,
    column: usize,
}

impl Counting<'_> {
    fn skip_bom(&mut self) -> io::Result<()> {
        let available = self.inner.fill_buf()?;
        if available.starts_with(b"\xef\xbb\xbf") {
            self.inner.consume(3);
        }
        Ok(())
    }

    /// Skips whitespace; false at the end of the input.
    fn skip_whitespace(&mut self) -> io::Result<bool> {
        loop {
            let available = self.inner.fill_buf()?;
            if available.is_empty() {
                return Ok(false);
            }
            let blank = available.iter().take_while(|b| b.is_ascii_whitespace()).count();
            let more = blank < available.len();
            advance(&mut self.line, &mut self.column, &available[..blank]);
            self.inner.consume(blank);
            if more {
                return Ok(true);
            }
        }
    }
}

/// Moves a line and column past `bytes`.
fn advance(line: &mut usize, column: &mut usize, bytes: &[u8]) {
    for b in bytes {
        if *b == b'\n' {
            *line += 1;
            *column = 1;
        } else {
            *column += 1;
        }
    }
}

impl Read for Counting<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.inner.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        advance(&mut self.line, &mut self.column, &buf[..n]);
        self.inner.consume(n);
        Ok(n)
    }
}
