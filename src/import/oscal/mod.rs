//! OSCAL JSON catalogs (1.0 to 1.2) and resolved-profile catalogs, read into model controls.
//!
//! Groups become families (the innermost group's title), controls and their enhancements keep
//! their order and parent links, keys come from the `label` prop (`AC-2(1)`), withdrawn controls
//! are kept but marked, and statements are flattened to readable text with parameters inserted.
//! Every error names the JSON path at fault, e.g. `catalog.groups[3].controls[7].id`.
//!
//! A catalog is input like any other: every text that is stored follows the one set of text
//! rules ([`crate::text`]), two controls may not share a key or look alike ([`names`]), and
//! parameter insertion is bounded ([`params`]).

mod doc;
mod json;
mod names;
mod params;

use crate::error::{Error, Result};
use crate::model::Control;
use crate::text::Kind;
use doc::{At, Doc};
use json::{Node, Obj, Part, Prop, Root, Str};
use names::{Holder, LOOK_ALIKE, Taken, id_clash};
use params::{Params, STATEMENT_MAX};

/// What an OSCAL catalog says of itself in its metadata, known before any of its controls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// `metadata.title`.
    pub title: String,
    /// `metadata.version`.
    pub version: String,
    /// `metadata.oscal-version`.
    pub oscal_version: String,
}

/// A catalog read from an OSCAL document whole, as the tests read it (an import stores each
/// control as it is read: [`read_catalog`]).
#[cfg(test)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OscalCatalog {
    /// Its metadata.
    pub head: Head,
    /// Controls and enhancements in document order; parents come before their enhancements.
    pub controls: Vec<Control>,
}

impl Head {
    /// A short key for the catalogue when the user gives none: `nist-800-53` for SP 800-53
    /// (with `-low`, `-moderate`, `-high` or `-privacy` for a baseline), else the title slugged.
    pub fn default_key(&self) -> String {
        let lower = self.title.to_lowercase();
        if lower.contains("800-53") {
            for level in ["low", "moderate", "high", "privacy"] {
                if lower.contains(&format!("{level} impact baseline")) || lower.contains(&format!("{level} baseline")) {
                    return format!("nist-800-53-{level}");
                }
            }
            return "nist-800-53".to_string();
        }
        let slug: String = lower
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect::<String>()
            .split('-')
            .filter(|w| !w.is_empty())
            .take(5)
            .collect::<Vec<_>>()
            .join("-");
        if slug.is_empty() { "catalog".to_string() } else { slug }
    }

    /// True when this is NIST SP 800-53 (or one of its baselines), whose seeded rules apply.
    pub fn is_sp800_53(&self) -> bool {
        self.title.contains("800-53")
    }
}

/// Reads an OSCAL catalog from `bytes` (named `source` in messages) whole.
#[cfg(test)]
pub fn parse_catalog(source: &str, bytes: &[u8]) -> Result<OscalCatalog> {
    let mut controls = Vec::new();
    let head = read_catalog(source, bytes, |_| {}, |control| controls.push(control))?;
    Ok(OscalCatalog { head, controls })
}

/// Reads an OSCAL catalog from `bytes` (named `source` in messages) as it goes: `head` is
/// called once the metadata has been checked, `control` with each control as soon as it has
/// been read, in document order (parents before their enhancements). Either may be called
/// before an error later in the document is found: only an `Ok` says the whole catalog was
/// read, and a caller that stores what it is handed must undo it otherwise.
pub fn read_catalog(
    source: &str,
    bytes: &[u8],
    head: impl FnOnce(&Head),
    mut control: impl FnMut(Control),
) -> Result<Head> {
    let text = super::json_text(source, bytes)?;
    // Valid UTF-8 (nearly every document) is checked once, here, instead of string by string
    // as the parser reads; anything else is read as bytes, for the parser's own message.
    let parsed = match std::str::from_utf8(&text) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(&text),
    };
    let root: Obj<Root<'_>> = parsed.map_err(|e| {
        let what = if e.is_eof() { "truncated JSON" } else { "not valid JSON" };
        Error::Invalid(format!(
            "{source}: {what} at line {}, column {}: {e}",
            e.line(),
            e.column()
        ))
    })?;
    let Some(catalog) = &root.fields.catalog else {
        let found = root.fields.first_key.unwrap_or_default();
        let hint = match found.as_str() {
            "profile" => "an OSCAL profile, not a resolved catalog: resolve it first (e.g. with oscal-cli or trestle)",
            "system-security-plan" => "an OSCAL system security plan, not a catalog",
            "component-definition" => "an OSCAL component definition, not a catalog",
            "assessment-results" | "assessment-plan" | "plan-of-action-and-milestones" => {
                "an OSCAL assessment document, not a catalog"
            }
            "mapping-collection" => "an OSCAL mapping collection, not a catalog (use `ctrlmap mapping import`)",
            _ => "not an OSCAL catalog (no top-level \"catalog\")",
        };
        return Err(Error::Invalid(format!("{source}: {hint}")));
    };
    // A `catalog` that is not an object has no members, as a generic JSON tree would say.
    let catalog = &catalog.fields;
    let doc = Doc { source };
    let top = At::Top("catalog");
    let metadata_at = top.member("metadata");
    let metadata = doc.object(catalog.metadata.as_ref(), &metadata_at)?;
    let title = doc.required(Kind::Line, metadata.title.as_ref(), &metadata_at.member("title"))?;
    let version = doc
        .optional(Kind::Line, metadata.version.as_ref(), &metadata_at.member("version"))?
        .unwrap_or_default();
    let oscal_version_at = metadata_at.member("oscal-version");
    let oscal_version = doc.required(Kind::Line, metadata.oscal_version.as_ref(), &oscal_version_at)?;
    if !["1.0.", "1.1.", "1.2."].iter().any(|v| oscal_version.starts_with(v)) {
        return Err(doc.error(
            &oscal_version_at,
            &format!("OSCAL {oscal_version} is not supported: ctrlmap reads OSCAL 1.0 to 1.2"),
        ));
    }
    doc.required(Kind::Line, catalog.uuid.as_ref(), &top.member("uuid"))?;
    let metadata = Head {
        title,
        version,
        oscal_version,
    };
    head(&metadata);
    let mut reader = Reader {
        doc,
        params: Params::default(),
        param_ids: Taken::default(),
        ids: Taken::default(),
        keys: Taken::default(),
        families: Taken::default(),
        // The document's own order (`sort-id`: a resolved profile may list AC-14 before AC-2)
        // when every control gives one; a mix would sort the positions of those without before
        // the rest. Known before the first control is handed over, so its key is final.
        by_sort_id: every_control_has(catalog, "sort-id"),
        read: 0,
        control: &mut control,
    };
    // Parameters may be referenced before (or far from) where they are defined: collect them first.
    reader.collect_params(catalog, &top)?;
    reader.params.resolve_all(doc)?;
    reader.groups(catalog, &top, "")?;
    reader.controls_of(catalog, &top, "", None)?;
    if reader.read == 0 {
        return Err(Error::Invalid(format!("{source}: catalog has no controls")));
    }
    Ok(metadata)
}

/// Whether every control the reader will find under `node` (in its groups, theirs, and the
/// controls of controls) has a property named `name`. Where the document has the wrong shape
/// for the reader, the answer does not matter: reading it fails.
fn every_control_has(node: &Node<'_>, name: &str) -> bool {
    fn items<T>(seq: Option<&json::Seq<T>>) -> &[T] {
        match seq {
            Some(json::Seq::Items(items)) => items,
            _ => &[],
        }
    }
    fn controls(node: &Node<'_>, name: &str) -> bool {
        items(node.controls.as_ref()).iter().all(|c| {
            let c = &c.fields;
            items(c.props.as_ref())
                .iter()
                .any(|p| p.fields.name.as_ref().and_then(Str::as_str) == Some(name))
                && controls(c, name)
        })
    }
    fn groups(node: &Node<'_>, name: &str) -> bool {
        items(node.groups.as_ref())
            .iter()
            .all(|g| controls(&g.fields, name) && groups(&g.fields, name))
    }
    groups(node, name) && controls(node, name)
}

/// The state of one reading: what has been read, and the names already taken.
struct Reader<'a, 'c> {
    doc: Doc<'a>,
    params: Params,
    /// Parameter ids, which insertions refer to.
    param_ids: Taken,
    /// Control ids, which mapping collections refer to.
    ids: Taken,
    /// Control keys, which the database stores ignoring case and people type.
    keys: Taken,
    /// Family (group) titles: the same title twice is one family, two that look alike are refused.
    families: Taken,
    /// Whether controls sort by their `sort-id` instead of their position.
    by_sort_id: bool,
    /// How many controls have been read.
    read: usize,
    /// Where each control goes once read.
    control: &'c mut dyn FnMut(Control),
}

impl Reader<'_, '_> {
    fn collect_params(&mut self, node: &Node<'_>, path: &At<'_>) -> Result<()> {
        let doc = self.doc;
        let params = path.member("params");
        for (i, p) in doc.array(node.params.as_ref(), &params)?.iter().enumerate() {
            // A parameter that is not an object has no members: its id is missing.
            let p = &p.fields;
            let at = params.item(i);
            let id_path = at.member("id");
            let id = doc.required(Kind::Name, p.id.as_ref(), &id_path)?;
            self.param_ids
                .take(Holder {
                    name: id.clone(),
                    path: at.place(),
                    owner: id.clone(),
                })
                .map_err(|first| doc.error(&id_path, &id_clash("parameter id", &id, &first)))?;
            self.params.define(doc, &id, p, &at)?;
        }
        for (key, children) in [("groups", &node.groups), ("controls", &node.controls)] {
            let list = path.member(key);
            for (i, child) in doc.array(children.as_ref(), &list)?.iter().enumerate() {
                self.collect_params(&child.fields, &list.item(i))?;
            }
        }
        Ok(())
    }

    fn groups(&mut self, node: &Node<'_>, path: &At<'_>, family: &str) -> Result<()> {
        let doc = self.doc;
        let groups = path.member("groups");
        for (i, g) in doc.array(node.groups.as_ref(), &groups)?.iter().enumerate() {
            let at = groups.item(i);
            let g = doc.object(Some(g), &at)?;
            let title_path = at.member("title");
            let title = doc.required(Kind::Line, g.title.as_ref(), &title_path)?;
            let taken = self.families.take(Holder {
                name: title.clone(),
                path: title_path.place(),
                owner: String::new(),
            });
            match taken {
                Err(first) if first.name != title => {
                    return Err(doc.error(
                        &title_path,
                        &format!(
                            "family \"{title}\" cannot be told apart from family \"{}\" at {} ({LOOK_ALIKE})",
                            first.name, first.path
                        ),
                    ));
                }
                _ => {}
            }
            let family = if title.is_empty() { family.to_string() } else { title };
            self.controls_of(g, &at, &family, None)?;
            self.groups(g, &at, &family)?;
        }
        Ok(())
    }

    fn controls_of(&mut self, node: &Node<'_>, path: &At<'_>, family: &str, parent: Option<&str>) -> Result<()> {
        let doc = self.doc;
        let controls = path.member("controls");
        for (i, c) in doc.array(node.controls.as_ref(), &controls)?.iter().enumerate() {
            let at = controls.item(i);
            let c = doc.object(Some(c), &at)?;
            let id_path = at.member("id");
            let id = doc.required(Kind::Name, c.id.as_ref(), &id_path)?;
            let place = at.place();
            self.ids
                .take(Holder {
                    name: id.clone(),
                    path: place.clone(),
                    owner: id.clone(),
                })
                .map_err(|first| doc.error(&id_path, &id_clash("control id", &id, &first)))?;
            let title = doc.required(Kind::Line, c.title.as_ref(), &at.member("title"))?;
            let props_at = at.member("props");
            let props = doc.array(c.props.as_ref(), &props_at)?;
            // The plain prop of a name wins over a classed one (`AC-2` over zero-padded `AC-02`).
            let prop = |name: &str| -> Option<(usize, &Prop<'_>)> {
                let mut matching = props
                    .iter()
                    .map(|p| &p.fields)
                    .enumerate()
                    .filter(|(_, p)| p.name.as_ref().and_then(Str::as_str) == Some(name));
                let first = matching.clone().next();
                matching.find(|(_, p)| p.class.is_none()).or(first)
            };
            let (label_at, label_value_at);
            let (key, key_path) = match prop("label") {
                Some((l, label)) => {
                    label_at = props_at.item(l);
                    label_value_at = label_at.member("value");
                    let key = doc.required(Kind::Name, label.value.as_ref(), &label_value_at)?;
                    (key, &label_value_at)
                }
                None => {
                    let key = id.to_uppercase();
                    doc.check(Kind::Name, &key, &id_path)?;
                    (key, &id_path)
                }
            };
            self.keys
                .take(Holder {
                    name: key.clone(),
                    path: place,
                    owner: id.clone(),
                })
                .map_err(|first| doc.error(key_path, &key_clash(&id, &key, &first)))?;
            let withdrawn = prop("status")
                .and_then(|(_, p)| p.value.as_ref())
                .and_then(Str::as_str)
                .is_some_and(|s| s.trim().eq_ignore_ascii_case("withdrawn"));
            let sort_id = match prop("sort-id") {
                Some((i, p)) => Some(doc.required(Kind::Name, p.value.as_ref(), &props_at.item(i).member("value"))?),
                None => None,
            };
            let statement = self.statement(c, &at)?;
            self.read += 1;
            let sort_key = match sort_id {
                Some(sort_id) if self.by_sort_id => sort_id,
                _ => format!("{:06}", self.read),
            };
            (self.control)(Control {
                key: key.clone(),
                title,
                family: family.to_string(),
                statement,
                parent: parent.map(str::to_string),
                sort_key,
                withdrawn,
            });
            self.controls_of(c, &at, family, Some(&key))?;
        }
        Ok(())
    }

    /// The control's statement part, flattened: each item on its own line with its label.
    fn statement(&mut self, control: &Node<'_>, path: &At<'_>) -> Result<String> {
        let doc = self.doc;
        let mut lines = Vec::new();
        let mut chars = 0;
        let parts = path.member("parts");
        for (i, part) in doc.array(control.parts.as_ref(), &parts)?.iter().enumerate() {
            let part = &part.fields;
            if part.name.as_ref().and_then(Str::as_str) == Some("statement") {
                self.flatten(part, &parts.item(i), 0, &mut lines, &mut chars)?;
            }
        }
        let statement = lines.join("\n");
        let length = statement.chars().count();
        if length > STATEMENT_MAX {
            return Err(doc.error(
                &parts,
                &format!(
                    "the control's statement is {length} characters long once parameters are inserted; at most {STATEMENT_MAX}"
                ),
            ));
        }
        Ok(statement)
    }

    /// Appends the lines of `part` and its items to `lines`; `chars` counts what the statement
    /// holds so far, so insertion never builds more than the statement may hold.
    fn flatten(
        &mut self,
        part: &Part<'_>,
        path: &At<'_>,
        depth: usize,
        lines: &mut Vec<String>,
        chars: &mut usize,
    ) -> Result<()> {
        let doc = self.doc;
        let props_at = path.member("props");
        let props = doc.array(part.props.as_ref(), &props_at)?;
        let label = match props
            .iter()
            .map(|p| &p.fields)
            .position(|p| p.name.as_ref().and_then(Str::as_str) == Some("label") && p.class.is_none())
        {
            Some(l) => doc.optional(
                Kind::Line,
                props[l].fields.value.as_ref(),
                &props_at.item(l).member("value"),
            )?,
            None => None,
        };
        let prose_path = path.member("prose");
        let prose = match doc.optional(Kind::Prose, part.prose.as_ref(), &prose_path)? {
            Some(prose) => {
                let room = STATEMENT_MAX.saturating_sub(*chars);
                self.params.insert(doc, &prose, &prose_path, room)?.0
            }
            None => String::new(),
        };
        // The label and the prose, their runs of white space made single spaces, indented by
        // depth: written straight into the line.
        let mut words = label
            .as_deref()
            .unwrap_or_default()
            .split_whitespace()
            .chain(prose.split_whitespace());
        if let Some(first) = words.next() {
            let mut line = "  ".repeat(depth.saturating_sub(1));
            line.push_str(first);
            for word in words {
                line.push(' ');
                line.push_str(word);
            }
            *chars += line.chars().count() + 1;
            lines.push(line);
        }
        let parts = path.member("parts");
        for (i, child) in doc.array(part.parts.as_ref(), &parts)?.iter().enumerate() {
            let child = &child.fields;
            if child.name.as_ref().and_then(Str::as_str) == Some("item") {
                self.flatten(child, &parts.item(i), depth + 1, lines, chars)?;
            }
        }
        Ok(())
    }
}

/// The message for control `id` whose key `key` clashes with the key of an earlier control.
fn key_clash(id: &str, key: &str, first: &Holder) -> String {
    if first.name == key {
        format!(
            "control \"{id}\" has key \"{key}\", already the key of control \"{}\" at {}",
            first.owner, first.path
        )
    } else {
        format!(
            "control \"{id}\" has key \"{key}\", which cannot be told apart from key \"{}\" of control \"{}\" at {} ({LOOK_ALIKE})",
            first.name, first.owner, first.path
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINI: &str = r#"{"catalog": {"uuid": "u", "metadata": {"title": "Mini", "version": "1", "oscal-version": "1.1.2"},
      "groups": [{"id": "ac", "title": "Access Control", "controls": [
        {"id": "ac-2", "title": "Account Management",
         "params": [{"id": "p1", "label": "organization-defined frequency"},
                    {"id": "p2", "select": {"how-many": "one-or-more", "choice": ["daily", "{{ insert: param, p1 }}"]}}],
         "props": [{"name": "label", "value": "AC-02", "class": "zero-padded"}, {"name": "label", "value": "AC-2"}],
         "parts": [{"id": "s", "name": "statement", "parts": [
            {"id": "s.a", "name": "item", "props": [{"name": "label", "value": "a."}],
             "prose": "Review accounts {{ insert: param, p1 }}; and"},
            {"id": "s.b", "name": "item", "props": [{"name": "label", "value": "b."}],
             "prose": "Notify {{ insert: param, p2 }}."}]}],
         "controls": [{"id": "ac-2.1", "title": "Automated Management",
            "props": [{"name": "label", "value": "AC-2(1)"}]},
            {"id": "ac-2.2", "title": "Old", "props": [{"name": "label", "value": "AC-2(2)"}, {"name": "status", "value": "withdrawn"}]}]}]}]}}"#;

    #[test]
    fn reads_keys_parents_withdrawn_and_statements() {
        let c = parse_catalog("mini.json", MINI.as_bytes()).expect("valid catalog");
        let keys: Vec<_> = c.controls.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(keys, ["AC-2", "AC-2(1)", "AC-2(2)"]);
        assert_eq!(c.controls[1].parent.as_deref(), Some("AC-2"));
        assert!(c.controls[2].withdrawn && !c.controls[1].withdrawn);
        assert_eq!(c.controls[0].family, "Access Control");
        assert_eq!(
            c.controls[0].statement,
            "a. Review accounts [Assignment: organization-defined frequency]; and\n\
             b. Notify [Selection (one or more): daily; [Assignment: organization-defined frequency]]."
        );
    }

    #[test]
    fn errors_name_the_json_path() {
        let dup = MINI.replace("\"id\": \"ac-2.2\"", "\"id\": \"ac-2.1\"");
        let err = parse_catalog("x.json", dup.as_bytes())
            .expect_err("duplicate")
            .to_string();
        assert!(
            err.contains("catalog.groups[0].controls[0].controls[1].id: duplicate control id \"ac-2.1\""),
            "{err}"
        );
        let no_title = MINI.replace("\"title\": \"Account Management\",", "");
        let err = parse_catalog("x.json", no_title.as_bytes())
            .expect_err("title")
            .to_string();
        assert!(err.contains("catalog.groups[0].controls[0].title: is missing"), "{err}");
        let err = parse_catalog("x.json", &MINI.as_bytes()[..100])
            .expect_err("truncated")
            .to_string();
        assert!(err.contains("truncated JSON"), "{err}");
        let err = parse_catalog("x.json", b"{\"profile\": {}}")
            .expect_err("profile")
            .to_string();
        assert!(err.contains("profile, not a resolved catalog"), "{err}");
        let future = MINI.replace("1.1.2", "2.0.0");
        let err = parse_catalog("x.json", future.as_bytes())
            .expect_err("version")
            .to_string();
        assert!(
            err.contains("catalog.metadata.oscal-version: OSCAL 2.0.0 is not supported"),
            "{err}"
        );
        let err = parse_catalog("x.json", b"hello").expect_err("not json").to_string();
        assert!(err.contains("not valid JSON"), "{err}");
    }

    #[test]
    fn every_control_has_looks_where_the_reader_finds_controls() {
        let has = r#"{"name": "sort-id", "value": "x"}"#;
        let other = r#"{"name": "label", "value": "x"}"#;
        let control = |prop: &str, children: &str| format!(r#"{{"props": [{prop}], "controls": [{children}]}}"#);
        let with = control(has, "");
        let without = control(other, "");
        let cases = [
            (
                format!(r#"{{"groups": [{{"controls": [{with}, {with}]}}], "controls": [{with}]}}"#),
                true,
            ),
            (r#"{"groups": [{"id": "empty"}]}"#.to_string(), true),
            // An enhancement, a control at the top, a control of a group in a group.
            (
                format!(r#"{{"groups": [{{"controls": [{}]}}]}}"#, control(has, &without)),
                false,
            ),
            (
                format!(r#"{{"groups": [{{"controls": [{with}]}}], "controls": [{without}]}}"#),
                false,
            ),
            (
                format!(r#"{{"groups": [{{"groups": [{{"controls": [{without}]}}]}}]}}"#),
                false,
            ),
            // The reader takes no controls from a control's groups.
            (
                format!(r#"{{"controls": [{{"props": [{has}], "groups": [{{"controls": [{without}]}}]}}]}}"#),
                true,
            ),
            // A prop that is not there as a name.
            (
                r#"{"controls": [{"props": [{"value": "sort-id"}]}]}"#.to_string(),
                false,
            ),
        ];
        for (json, want) in cases {
            let node: Obj<Node<'_>> = serde_json::from_str(&json).expect("valid JSON");
            assert_eq!(every_control_has(&node.fields, "sort-id"), want, "{json}");
        }
    }

    #[test]
    fn controls_are_handed_over_in_order_after_the_head() {
        let seen = std::cell::RefCell::new(Vec::new());
        let head = read_catalog(
            "mini.json",
            MINI.as_bytes(),
            |head| seen.borrow_mut().push(format!("head {}", head.title)),
            |control| seen.borrow_mut().push(control.key),
        );
        assert_eq!(head.expect("valid").title, "Mini");
        let seen = seen.into_inner();
        assert_eq!(seen, ["head Mini", "AC-2", "AC-2(1)", "AC-2(2)"]);
        // A document that fails after its first control has handed that control over: only
        // the error says the catalogue is not to be stored.
        let late = MINI.replace("\"title\": \"Old\",", "\"title\": 7,");
        let mut handed = 0;
        let err = read_catalog("x.json", late.as_bytes(), |_| {}, |_| handed += 1).expect_err("late error");
        assert!(err.to_string().contains("controls[1].title: must be a string"), "{err}");
        assert_eq!(handed, 2);
    }

    #[test]
    fn default_keys() {
        let mut c = parse_catalog("mini.json", MINI.as_bytes()).expect("valid").head;
        assert_eq!(c.default_key(), "mini");
        c.title = "NIST Special Publication 800-53 Revision 5.1.1 LOW IMPACT BASELINE".into();
        assert_eq!(c.default_key(), "nist-800-53-low");
        c.title = "NIST Special Publication 800-53 Revision 5: Security and Privacy Controls".into();
        assert_eq!(c.default_key(), "nist-800-53");
    }
}

#[cfg(test)]
mod fuzz {
    use proptest::prelude::*;

    use super::parse_catalog;

    /// Small JSON values, nested, to throw at the catalog reader.
    fn json() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i32>().prop_map(serde_json::Value::from),
            "[a-z{}() ,.:-]{0,10}".prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(4, 40, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(serde_json::Value::from),
                prop::collection::btree_map(
                    prop_oneof![
                        Just("catalog".to_string()),
                        Just("groups".to_string()),
                        Just("controls".to_string()),
                        Just("params".to_string()),
                        Just("parts".to_string()),
                        Just("props".to_string()),
                        Just("id".to_string()),
                        Just("title".to_string()),
                        Just("prose".to_string()),
                        Just("metadata".to_string()),
                        "[a-z-]{1,8}",
                    ],
                    inner,
                    0..6
                )
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn the_catalog_reader_never_panics_on_json(value in json()) {
            let wrapped = serde_json::json!({ "catalog": value });
            let _ = parse_catalog("fuzz.json", wrapped.to_string().as_bytes());
            let _ = parse_catalog("fuzz.json", value.to_string().as_bytes());
        }

        #[test]
        fn the_catalog_reader_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse_catalog("fuzz.json", &bytes);
        }
    }
}
