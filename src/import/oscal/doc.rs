//! Reading values out of an OSCAL JSON document by path, with the one set of text rules
//! ([`crate::text`]) applied to every text that will be stored: each error names the document
//! and the JSON path at fault.
//!
//! A path is written out only when a message names it: the reader passes [`At`], a chain of
//! borrowed steps that costs nothing to extend, and keeps a [`Place`] (the steps, unwritten) for
//! the names it remembers. Reading a catalogue with nothing wrong in it formats no path at all.

use std::fmt;

use super::json::{Obj, Seq, Str};
use crate::error::{Error, Result};
use crate::text::Kind;

/// Where a value is in the document, as a chain back to the top: `catalog.groups[3].title`.
#[derive(Debug, Clone, Copy)]
pub(super) enum At<'p> {
    /// The top (`catalog`), or any path written out in full.
    Top(&'static str),
    /// Member `name` of the object at the parent.
    Member(&'p At<'p>, &'static str),
    /// Item `index` of the array at the parent.
    Item(&'p At<'p>, usize),
}

impl<'p> At<'p> {
    /// Member `name` of the object here.
    pub(super) fn member(&'p self, name: &'static str) -> At<'p> {
        At::Member(self, name)
    }

    /// Item `index` of the array here.
    pub(super) fn item(&'p self, index: usize) -> At<'p> {
        At::Item(self, index)
    }

    /// The path kept, for a message written later.
    pub(super) fn place(&self) -> Place {
        let mut steps = Vec::new();
        let mut at = self;
        loop {
            match at {
                At::Top(name) => {
                    steps.push(Step::Member(name));
                    break;
                }
                At::Member(parent, name) => {
                    steps.push(Step::Member(name));
                    at = parent;
                }
                At::Item(parent, index) => {
                    steps.push(Step::Item(*index));
                    at = parent;
                }
            }
        }
        steps.reverse();
        Place(steps.into_boxed_slice())
    }
}

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            At::Top(name) => f.write_str(name),
            At::Member(parent, name) => write!(f, "{parent}.{name}"),
            At::Item(parent, index) => write!(f, "{parent}[{index}]"),
        }
    }
}

/// One step of a kept path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Member(&'static str),
    Item(usize),
}

/// A path kept for a later message (the first holder of a name, a parameter's definition),
/// written out as [`At`] writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Place(Box<[Step]>);

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                Step::Member(name) if i == 0 => f.write_str(name)?,
                Step::Member(name) => write!(f, ".{name}")?,
                Step::Item(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// The document being read, for messages: `FILE: PATH: what is wrong`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Doc<'a> {
    /// The file as the user named it.
    pub(super) source: &'a str,
}

impl Doc<'_> {
    /// An error about the value at `path`.
    pub(super) fn error(&self, path: &(impl fmt::Display + ?Sized), message: &str) -> Error {
        Error::Invalid(format!("{}: {path}: {message}", self.source))
    }

    /// The members of the object at `path`, which must be present.
    pub(super) fn object<'v, T>(&self, v: Option<&'v Obj<T>>, path: &At<'_>) -> Result<&'v T> {
        match v {
            Some(o) if o.object => Ok(&o.fields),
            Some(_) => Err(self.error(path, "must be an object")),
            None => Err(self.error(path, "is missing")),
        }
    }

    /// The array at `path`; a missing one is empty.
    pub(super) fn array<'v, T>(&self, v: Option<&'v Seq<T>>, path: &At<'_>) -> Result<&'v [T]> {
        match v {
            None => Ok(&[]),
            Some(Seq::Items(a)) => Ok(a),
            Some(Seq::Other) => Err(self.error(path, "must be an array")),
        }
    }

    /// The string at `path`, trimmed, which must be present and not blank, checked as `kind`.
    pub(super) fn required(&self, kind: Kind, v: Option<&Str<'_>>, path: &At<'_>) -> Result<String> {
        match v {
            Some(Str::Text(s)) if !s.trim().is_empty() => {
                let s = s.trim();
                self.check(kind, s, path)?;
                Ok(s.to_string())
            }
            Some(Str::Text(_)) => Err(self.error(path, "must not be empty")),
            Some(Str::Null | Str::Other) => Err(self.error(path, "must be a string")),
            None => Err(self.error(path, "is missing")),
        }
    }

    /// The string at `path`, trimmed and checked as `kind`, or `None` when there is none.
    pub(super) fn optional(&self, kind: Kind, v: Option<&Str<'_>>, path: &At<'_>) -> Result<Option<String>> {
        match v {
            None | Some(Str::Null) => Ok(None),
            Some(Str::Text(s)) => {
                self.check(kind, s.trim(), path)?;
                Ok(Some(s.trim().to_string()))
            }
            Some(Str::Other) => Err(self.error(path, "must be a string")),
        }
    }

    /// Refuses `text` at `path` when the text rules for `kind` do.
    pub(super) fn check(&self, kind: Kind, text: &str, path: &At<'_>) -> Result<()> {
        match crate::text::problem(kind, text) {
            Some(problem) => Err(self.error(path, &problem)),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn texts_follow_the_rules_for_their_kind_and_name_their_path() {
        let doc = Doc { source: "c.json" };
        let text =
            serde_json::json!({ "ok": "  AC-1 ", "esc": "a\u{1b}[31m", "blank": " ", "num": 3, "prose": "two\nlines" })
                .to_string();
        let v: HashMap<String, Str<'_>> = serde_json::from_str(&text).expect("an object");
        assert_eq!(
            doc.required(Kind::Name, v.get("ok"), &At::Top("x.ok")).expect("fine"),
            "AC-1"
        );
        let err = doc
            .required(Kind::Line, v.get("esc"), &At::Top("x.esc"))
            .expect_err("escape");
        assert_eq!(
            err.to_string(),
            "c.json: x.esc: must not contain control characters (tabs, newlines) (found U+001B)"
        );
        assert!(doc.required(Kind::Line, v.get("blank"), &At::Top("b")).is_err());
        assert!(doc.optional(Kind::Line, v.get("num"), &At::Top("n")).is_err());
        assert_eq!(
            doc.optional(Kind::Line, v.get("none"), &At::Top("n")).expect("absent"),
            None
        );
        assert!(doc.required(Kind::Line, v.get("prose"), &At::Top("p")).is_err());
        assert!(doc.optional(Kind::Prose, v.get("prose"), &At::Top("p")).is_ok());
    }
}
