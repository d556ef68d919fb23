//! Reading values out of an OSCAL JSON document by path, with the one set of text rules
//! ([`crate::text`]) applied to every text that will be stored: each error names the document
//! and the JSON path at fault.

use super::json::{Obj, Seq, Str};
use crate::error::{Error, Result};
use crate::text::Kind;

/// The document being read, for messages: `FILE: PATH: what is wrong`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Doc<'a> {
    /// The file as the user named it.
    pub(super) source: &'a str,
}

impl Doc<'_> {
    /// An error about the value at `path`.
    pub(super) fn error(&self, path: &str, message: &str) -> Error {
        Error::Invalid(format!("{}: {path}: {message}", self.source))
    }

    /// The members of the object at `path`, which must be present.
    pub(super) fn object<'v, T>(&self, v: Option<&'v Obj<T>>, path: &str) -> Result<&'v T> {
        match v {
            Some(o) if o.object => Ok(&o.fields),
            Some(_) => Err(self.error(path, "must be an object")),
            None => Err(self.error(path, "is missing")),
        }
    }

    /// The array at `path`; a missing one is empty.
    pub(super) fn array<'v, T>(&self, v: Option<&'v Seq<T>>, path: &str) -> Result<&'v [T]> {
        match v {
            None => Ok(&[]),
            Some(Seq::Items(a)) => Ok(a),
            Some(Seq::Other) => Err(self.error(path, "must be an array")),
        }
    }

    /// The string at `path`, trimmed, which must be present and not blank, checked as `kind`.
    pub(super) fn required(&self, kind: Kind, v: Option<&Str<'_>>, path: &str) -> Result<String> {
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
    pub(super) fn optional(&self, kind: Kind, v: Option<&Str<'_>>, path: &str) -> Result<Option<String>> {
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
    pub(super) fn check(&self, kind: Kind, text: &str, path: &str) -> Result<()> {
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
        assert_eq!(doc.required(Kind::Name, v.get("ok"), "x.ok").expect("fine"), "AC-1");
        let err = doc.required(Kind::Line, v.get("esc"), "x.esc").expect_err("escape");
        assert_eq!(
            err.to_string(),
            "c.json: x.esc: must not contain control characters (tabs, newlines) (found U+001B)"
        );
        assert!(doc.required(Kind::Line, v.get("blank"), "b").is_err());
        assert!(doc.optional(Kind::Line, v.get("num"), "n").is_err());
        assert_eq!(doc.optional(Kind::Line, v.get("none"), "n").expect("absent"), None);
        assert!(doc.required(Kind::Line, v.get("prose"), "p").is_err());
        assert!(doc.optional(Kind::Prose, v.get("prose"), "p").is_ok());
    }
}
