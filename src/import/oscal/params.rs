//! Parameters and their insertion into prose (`{{ insert: param, ID }}`), bounded.
//!
//! A parameter's text may insert other parameters, so a few kilobytes of JSON can describe text
//! of any size: parameters that insert each other in a cycle never finish, and a chain where each
//! parameter inserts the one before twice doubles at every step (40 steps make terabytes). So
//! cycles are refused, nesting is limited, and every text insertion builds is capped as it is
//! built, before it is allocated: one parameter, one control's statement, and everything
//! insertion adds to one catalogue. Each refusal names the parameter.

use std::borrow::Cow;
use std::collections::HashMap;

use super::doc::{At, Doc, Place};
use super::json::{Param, Seq, Str};
use crate::error::Result;
use crate::text::Kind;

/// The longest text of one parameter once the parameters it inserts are inserted, in characters
/// (the longest in NIST SP 800-53 rev5 is 413).
pub(super) const PARAM_MAX: usize = 10_000;
/// The longest statement of one control once parameters are inserted, in characters (the longest
/// single prose of NIST SP 800-53 rev5 is 3,941; all its statements together are about 260,000).
pub(super) const STATEMENT_MAX: usize = 100_000;
/// The most characters insertion may add to one catalogue in all, so a small document cannot
/// fill the database through many controls that each insert a long parameter.
pub(super) const INSERTED_MAX: usize = 10_000_000;
/// How many parameters deep insertion may nest (NIST SP 800-53 rev5 nests one level).
pub(super) const DEPTH_MAX: usize = 32;

/// One parameter as defined.
#[derive(Debug)]
struct Def {
    /// Its JSON path, for messages.
    path: Place,
    /// Its readable text before insertion.
    text: String,
}

/// The parameters of a catalogue, resolved once each.
#[derive(Debug, Default)]
pub(super) struct Params {
    /// Parameter id -> definition.
    defs: HashMap<String, Def>,
    /// Ids in document order, so the same document always fails at the same parameter.
    order: Vec<String>,
    /// Parameter id -> readable text with every insertion done, and its length in characters.
    resolved: HashMap<String, (String, usize)>,
    /// Characters insertion has added so far, against [`INSERTED_MAX`].
    inserted: usize,
}

impl Params {
    /// Records parameter `id` (already checked unique), defined at `path` as JSON `p`; its texts
    /// are checked as one-line texts.
    pub(super) fn define(&mut self, doc: Doc<'_>, id: &str, p: &Param<'_>, path: &At<'_>) -> Result<()> {
        let text = describe(doc, p, id, path)?;
        self.order.push(id.to_string());
        self.defs.insert(
            id.to_string(),
            Def {
                path: path.place(),
                text,
            },
        );
        Ok(())
    }

    /// Resolves every parameter, refusing cycles, deep nesting and texts over the caps.
    pub(super) fn resolve_all(&mut self, doc: Doc<'_>) -> Result<()> {
        let order = std::mem::take(&mut self.order);
        let resolved = order.iter().try_for_each(|id| self.resolve(doc, id, &mut Vec::new()));
        self.order = order;
        resolved
    }

    fn resolve(&mut self, doc: Doc<'_>, id: &str, stack: &mut Vec<String>) -> Result<()> {
        if self.resolved.contains_key(id) {
            return Ok(());
        }
        let def = self.defs.get(id).expect("only defined parameters are resolved");
        // Most parameters insert nothing: their text is their resolved text, when it is not too
        // long and not too deep (else the general way below names what is wrong). Such a
        // parameter is never on the stack, so it cannot close a cycle.
        if stack.len() < DEPTH_MAX && !def.text.contains("{{") {
            let chars = def.text.chars().count();
            if chars <= PARAM_MAX {
                let text = def.text.clone();
                self.resolved.insert(id.to_string(), (text, chars));
                return Ok(());
            }
        }
        let (path, text) = (def.path.clone(), def.text.clone());
        if let Some(at) = stack.iter().position(|s| s == id) {
            let mut cycle = stack[at..].to_vec();
            cycle.push(id.to_string());
            return Err(doc.error(
                &path,
                &format!(
                    "parameter \"{id}\" inserts itself ({}): parameters must not insert each other in a cycle",
                    chain(&cycle)
                ),
            ));
        }
        if stack.len() >= DEPTH_MAX {
            let mut nested = stack.clone();
            nested.push(id.to_string());
            let top = &stack[0];
            return Err(doc.error(
                &self.defs[top].path,
                &format!(
                    "parameter \"{top}\" nests insertions more than {DEPTH_MAX} parameters deep ({})",
                    chain(&nested)
                ),
            ));
        }
        stack.push(id.to_string());
        let wanted: Vec<String> = pieces(&text)
            .filter_map(|piece| match piece {
                Piece::Param(r) if self.defs.contains_key(r) => Some(r.to_string()),
                _ => None,
            })
            .collect();
        for r in wanted {
            self.resolve(doc, &r, stack)?;
        }
        stack.pop();
        let (expanded, chars, added) = expand(&text, &self.resolved, PARAM_MAX).map_err(|at| {
            doc.error(
                &path,
                &format!(
                    "parameter \"{id}\" is longer than {PARAM_MAX} characters once the parameters it inserts are inserted{}",
                    inserting(at)
                ),
            )
        })?;
        self.spend(doc, &path, id, added)?;
        self.resolved.insert(id.to_string(), (expanded, chars));
        Ok(())
    }

    /// `prose` (at `path`) with parameters inserted, refused when it would pass `room` characters:
    /// what is left of a control's [`STATEMENT_MAX`].
    pub(super) fn insert(&mut self, doc: Doc<'_>, prose: &str, path: &At<'_>, room: usize) -> Result<(String, usize)> {
        let (text, chars, added) = expand(prose, &self.resolved, room).map_err(|at| {
            doc.error(
                path,
                &format!(
                    "the control's statement is longer than {STATEMENT_MAX} characters once parameters are inserted{}",
                    inserting(at)
                ),
            )
        })?;
        self.spend(doc, path, "", added)?;
        Ok((text, chars))
    }

    /// Counts `added` inserted characters against [`INSERTED_MAX`].
    fn spend(&mut self, doc: Doc<'_>, path: &(impl std::fmt::Display + ?Sized), id: &str, added: usize) -> Result<()> {
        self.inserted += added;
        if self.inserted <= INSERTED_MAX {
            return Ok(());
        }
        let which = if id.is_empty() {
            String::new()
        } else {
            format!(" (at parameter \"{id}\")")
        };
        Err(doc.error(
            path,
            &format!("inserting parameters adds more than {INSERTED_MAX} characters to the catalog in all{which}"),
        ))
    }
}

/// ` (inserting parameter "p")` when an insertion made a text too long, else nothing.
fn inserting(at: Option<&str>) -> String {
    at.map(|id| format!(" (inserting parameter \"{id}\")"))
        .unwrap_or_default()
}

/// `a -> b -> a`, shortened when long so the message stays one readable line.
fn chain(ids: &[String]) -> String {
    if ids.len() <= 8 {
        return ids.join(" -> ");
    }
    format!(
        "{} -> ... -> {}",
        ids[..3].join(" -> "),
        ids[ids.len() - 3..].join(" -> ")
    )
}

/// `text` with every resolved parameter it names inserted and every other insertion shown as
/// `[id]`, with its length in characters and how many of those insertion added; `Err` names the
/// parameter (if any) whose insertion would make it longer than `room` characters, and nothing
/// longer than `room` is ever built.
fn expand<'t>(
    text: &'t str,
    resolved: &HashMap<String, (String, usize)>,
    room: usize,
) -> std::result::Result<(String, usize, usize), Option<&'t str>> {
    let mut out = String::new();
    let (mut chars, mut added) = (0usize, 0usize);
    for piece in pieces(text) {
        let (part, length, at) = match piece {
            Piece::Text(t) => (Cow::Borrowed(t), t.chars().count(), None),
            Piece::Param(id) => match resolved.get(id) {
                Some((value, length)) => {
                    added += length;
                    (Cow::Borrowed(value.as_str()), *length, Some(id))
                }
                None => (Cow::Owned(format!("[{id}]")), id.chars().count() + 2, None),
            },
            Piece::Other(inner) => (Cow::Owned(format!("[{inner}]")), inner.chars().count() + 2, None),
        };
        chars += length;
        if chars > room {
            return Err(at);
        }
        out.push_str(&part);
    }
    Ok((out, chars, added))
}

/// One piece of a text that may insert parameters.
#[derive(Debug, PartialEq, Eq)]
enum Piece<'t> {
    /// Plain text.
    Text(&'t str),
    /// `{{ insert: param, ID }}`.
    Param(&'t str),
    /// Any other `{{ ... }}`, shown as `[...]`.
    Other(&'t str),
}

/// The pieces of `text` in order.
fn pieces(text: &str) -> impl Iterator<Item = Piece<'_>> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let (piece, after) = match rest.find("{{") {
            Some(0) => match rest.find("}}") {
                Some(end) => {
                    let inner = rest[2..end].trim();
                    let id = inner
                        .strip_prefix("insert:")
                        .map(str::trim)
                        .and_then(|r| r.strip_prefix("param,"))
                        .map(str::trim);
                    (id.map_or(Piece::Other(inner), Piece::Param), &rest[end + 2..])
                }
                None => (Piece::Text(rest), ""),
            },
            Some(start) => (Piece::Text(&rest[..start]), &rest[start..]),
            None => (Piece::Text(rest), ""),
        };
        rest = after;
        Some(piece)
    })
}

/// A parameter as readers see it, before insertion: its values, or `[Selection: ...]`, or
/// `[Assignment: label]`. Each text in it is checked as one line.
fn describe(doc: Doc<'_>, p: &Param<'_>, id: &str, path: &At<'_>) -> Result<String> {
    let strings = |list: Option<&Seq<Str<'_>>>, at: &At<'_>| -> Result<Vec<String>> {
        let mut out = Vec::new();
        for (i, v) in doc.array(list, at)?.iter().enumerate() {
            let at = at.item(i);
            let text = v.as_str().ok_or_else(|| doc.error(&at, "must be a string"))?;
            doc.check(Kind::Line, text, &at)?;
            out.push(text.to_string());
        }
        Ok(out)
    };
    let values = strings(p.values.as_ref(), &path.member("values"))?;
    if !values.is_empty() {
        return Ok(values.join(", "));
    }
    if let Some(select) = &p.select {
        let select = &select.fields;
        let choices = strings(select.choice.as_ref(), &path.member("select").member("choice"))?;
        let how = match select.how_many.as_ref().and_then(Str::as_str) {
            Some("one-or-more") => " (one or more)",
            _ => "",
        };
        return Ok(format!("[Selection{how}: {}]", choices.join("; ")));
    }
    match doc.optional(Kind::Line, p.label.as_ref(), &path.member("label"))? {
        Some(label) => Ok(format!("[Assignment: {label}]")),
        None => Ok(format!("[{id}]")),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::json::Obj;
    use super::*;

    const DOC: Doc<'static> = Doc { source: "t.json" };

    fn params(defs: &[(&str, Value)]) -> Params {
        let mut params = Params::default();
        let list = At::Top("catalog").member("params");
        for (i, (id, p)) in defs.iter().enumerate() {
            let text = p.to_string();
            let p: Obj<Param<'_>> = serde_json::from_str(&text).expect("a parameter");
            params.define(DOC, id, &p.fields, &list.item(i)).expect("defined");
        }
        params
    }

    #[test]
    fn pieces_of_a_text() {
        let got: Vec<_> = pieces("a {{ insert: param, p1 }} b {{ x }}{{ open").collect();
        assert_eq!(
            got,
            [
                Piece::Text("a "),
                Piece::Param("p1"),
                Piece::Text(" b "),
                Piece::Other("x"),
                Piece::Text("{{ open")
            ]
        );
    }

    #[test]
    fn cycles_are_refused_naming_the_parameters() {
        let mut p = params(&[
            ("a", json!({"label": "x {{ insert: param, b }}"})),
            ("b", json!({"select": {"choice": ["{{ insert: param, a }}"]}})),
        ]);
        let err = p.resolve_all(DOC).expect_err("cycle").to_string();
        assert!(
            err.starts_with("t.json: catalog.params[0]: parameter \"a\" inserts itself (a -> b -> a)"),
            "{err}"
        );
        let mut p = params(&[("s", json!({"values": ["{{ insert: param, s }}"]}))]);
        let err = p.resolve_all(DOC).expect_err("self").to_string();
        assert!(err.contains("parameter \"s\" inserts itself (s -> s)"), "{err}");
    }

    #[test]
    fn doubling_stops_at_the_cap_without_building_the_text() {
        let mut defs = vec![("p0".to_string(), json!({"label": "x"}))];
        for i in 1..40 {
            let prev = format!("{{{{ insert: param, p{} }}}}", i - 1);
            defs.push((format!("p{i}"), json!({ "values": [format!("{prev}{prev}")] })));
        }
        let refs: Vec<(&str, Value)> = defs.iter().map(|(id, v)| (id.as_str(), v.clone())).collect();
        let err = params(&refs).resolve_all(DOC).expect_err("too long").to_string();
        assert!(
            err.contains("parameter \"p10\" is longer than 10000 characters once the parameters it inserts are inserted (inserting parameter \"p9\")"),
            "{err}"
        );
        // Listed the other way round, the nesting limit stops it first.
        let reversed: Vec<(&str, Value)> = refs.iter().rev().cloned().collect();
        let err = params(&reversed).resolve_all(DOC).expect_err("too deep").to_string();
        assert!(
            err.contains(
                "parameter \"p39\" nests insertions more than 32 parameters deep (p39 -> p38 -> p37 -> ... ->"
            ),
            "{err}"
        );
    }

    #[test]
    fn statements_are_capped_as_they_are_built() {
        let mut p = params(&[("big", json!({ "values": ["y".repeat(400)] }))]);
        p.resolve_all(DOC).expect("resolves");
        let prose = "{{ insert: param, big }}".repeat(1000);
        let err = p
            .insert(DOC, &prose, &At::Top("c.prose"), 100_000)
            .expect_err("capped")
            .to_string();
        assert!(err.contains("(inserting parameter \"big\")"), "{err}");
        let (text, chars) = p
            .insert(
                DOC,
                "a {{ insert: param, big }} {{ insert: param, nope }}",
                &At::Top("c.prose"),
                100_000,
            )
            .expect("fits");
        assert_eq!(chars, text.chars().count());
        assert!(text.ends_with(" [nope]"), "unknown parameters are shown by id: {text}");
    }

    #[test]
    fn everything_insertion_adds_is_capped() {
        let mut p = params(&[
            ("big", json!({ "values": ["y".repeat(500)] })),
            ("mid", json!({ "values": ["{{ insert: param, big }}".repeat(19)] })),
        ]);
        p.resolve_all(DOC).expect("resolves");
        let prose = "{{ insert: param, mid }}".repeat(10);
        let mut spent = Ok((String::new(), 0));
        for _ in 0..1000 {
            spent = p.insert(DOC, &prose, &At::Top("c.prose"), STATEMENT_MAX);
            if spent.is_err() {
                break;
            }
        }
        let err = spent.expect_err("all told too much").to_string();
        assert!(err.contains("adds more than 10000000 characters"), "{err}");
    }
}
