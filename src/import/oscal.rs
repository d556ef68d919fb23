//! OSCAL JSON catalogs (1.0 to 1.2) and resolved-profile catalogs, read into model controls.
//!
//! Groups become families (the innermost group's title), controls and their enhancements keep
//! their order and parent links, keys come from the `label` prop (`AC-2(1)`), withdrawn controls
//! are kept but marked, and statements are flattened to readable text with parameters inserted.
//! Every error names the JSON path at fault, e.g. `catalog.groups[3].controls[7].id`.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use crate::error::{Error, Result};
use crate::model::Control;

/// A catalog read from an OSCAL document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OscalCatalog {
    /// `metadata.title`.
    pub title: String,
    /// `metadata.version`.
    pub version: String,
    /// `metadata.oscal-version`.
    pub oscal_version: String,
    /// Controls and enhancements in document order; parents come before their enhancements.
    pub controls: Vec<Control>,
}

impl OscalCatalog {
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

/// Reads an OSCAL catalog from `bytes` (named `source` in messages).
pub fn parse_catalog(source: &str, bytes: &[u8]) -> Result<OscalCatalog> {
    let root: Value = serde_json::from_slice(super::utf8_text(source, bytes)?).map_err(|e| {
        let what = if e.is_eof() { "truncated JSON" } else { "not valid JSON" };
        Error::Invalid(format!(
            "{source}: {what} at line {}, column {}: {e}",
            e.line(),
            e.column()
        ))
    })?;
    let Some(catalog) = root.get("catalog") else {
        let found = root
            .as_object()
            .and_then(|o| o.keys().next().cloned())
            .unwrap_or_default();
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
    let mut reader = Reader {
        source,
        params: HashMap::new(),
        seen: HashMap::new(),
        controls: Vec::new(),
    };
    let metadata = reader.object(catalog.get("metadata"), "catalog.metadata")?;
    let title = reader.text(metadata.get("title"), "catalog.metadata.title")?;
    let version = metadata
        .get("version")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let oscal_version = reader.text(metadata.get("oscal-version"), "catalog.metadata.oscal-version")?;
    if !["1.0.", "1.1.", "1.2."].iter().any(|v| oscal_version.starts_with(v)) {
        return Err(reader.error(
            "catalog.metadata.oscal-version",
            &format!("OSCAL {oscal_version} is not supported: ctrlmap reads OSCAL 1.0 to 1.2"),
        ));
    }
    reader.text(catalog.get("uuid"), "catalog.uuid")?;
    // Parameters may be referenced before (or far from) where they are defined: collect them first.
    reader.collect_params(catalog, "catalog")?;
    reader.groups(catalog, "catalog", "")?;
    reader.controls_of(catalog, "catalog", "", None)?;
    if reader.controls.is_empty() {
        return Err(Error::Invalid(format!("{source}: catalog has no controls")));
    }
    Ok(OscalCatalog {
        title,
        version,
        oscal_version,
        controls: reader.controls,
    })
}

struct Reader<'a> {
    source: &'a str,
    /// Parameter id -> readable text.
    params: HashMap<String, String>,
    /// Control id -> JSON path where first seen.
    seen: HashMap<String, String>,
    controls: Vec<Control>,
}

impl Reader<'_> {
    fn error(&self, path: &str, message: &str) -> Error {
        Error::Invalid(format!("{}: {path}: {message}", self.source))
    }

    fn object<'v>(&self, v: Option<&'v Value>, path: &str) -> Result<&'v serde_json::Map<String, Value>> {
        match v {
            Some(Value::Object(o)) => Ok(o),
            Some(_) => Err(self.error(path, "must be an object")),
            None => Err(self.error(path, "is missing")),
        }
    }

    fn text(&self, v: Option<&Value>, path: &str) -> Result<String> {
        match v {
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_string()),
            Some(Value::String(_)) => Err(self.error(path, "must not be empty")),
            Some(_) => Err(self.error(path, "must be a string")),
            None => Err(self.error(path, "is missing")),
        }
    }

    fn array<'v>(&self, v: Option<&'v Value>, path: &str) -> Result<&'v [Value]> {
        match v {
            None => Ok(&[]),
            Some(Value::Array(a)) => Ok(a),
            Some(_) => Err(self.error(path, "must be an array")),
        }
    }

    fn collect_params(&mut self, node: &Value, path: &str) -> Result<()> {
        for (i, p) in self
            .array(node.get("params"), &format!("{path}.params"))?
            .iter()
            .enumerate()
        {
            let at = format!("{path}.params[{i}]");
            let id = self.text(p.get("id"), &format!("{at}.id"))?;
            self.params.insert(id, describe_param(p));
        }
        for key in ["groups", "controls"] {
            for (i, child) in self.array(node.get(key), &format!("{path}.{key}"))?.iter().enumerate() {
                self.collect_params(child, &format!("{path}.{key}[{i}]"))?;
            }
        }
        Ok(())
    }

    fn groups(&mut self, node: &Value, path: &str, family: &str) -> Result<()> {
        for (i, g) in self
            .array(node.get("groups"), &format!("{path}.groups"))?
            .iter()
            .enumerate()
        {
            let at = format!("{path}.groups[{i}]");
            self.object(Some(g), &at)?;
            let title = self.text(g.get("title"), &format!("{at}.title"))?;
            let family = if title.is_empty() { family.to_string() } else { title };
            self.controls_of(g, &at, &family, None)?;
            self.groups(g, &at, &family)?;
        }
        Ok(())
    }

    fn controls_of(&mut self, node: &Value, path: &str, family: &str, parent: Option<&str>) -> Result<()> {
        for (i, c) in self
            .array(node.get("controls"), &format!("{path}.controls"))?
            .iter()
            .enumerate()
        {
            let at = format!("{path}.controls[{i}]");
            self.object(Some(c), &at)?;
            let id = self.text(c.get("id"), &format!("{at}.id"))?;
            if let Some(first) = self.seen.insert(id.clone(), at.clone()) {
                return Err(self.error(
                    &format!("{at}.id"),
                    &format!("duplicate control id \"{id}\" (first at {first})"),
                ));
            }
            let title = self.text(c.get("title"), &format!("{at}.title"))?;
            let props = self.array(c.get("props"), &format!("{at}.props"))?;
            let prop = |name: &str| -> Option<&str> {
                let matching = props
                    .iter()
                    .filter(|p| p.get("name").and_then(Value::as_str) == Some(name));
                let plain = matching.clone().find(|p| p.get("class").is_none());
                plain
                    .or_else(|| matching.clone().next())
                    .and_then(|p| p.get("value"))
                    .and_then(Value::as_str)
            };
            let key = prop("label").map(str::to_string).unwrap_or_else(|| id.to_uppercase());
            let withdrawn = prop("status").is_some_and(|s| s.eq_ignore_ascii_case("withdrawn"));
            let statement = self.statement(c, &at)?;
            self.controls.push(Control {
                key: key.clone(),
                title,
                family: family.to_string(),
                statement,
                parent: parent.map(str::to_string),
                sort_key: format!("{:06}", self.controls.len() + 1),
                withdrawn,
            });
            self.controls_of(c, &at, family, Some(&key))?;
        }
        Ok(())
    }

    /// The control's statement part, flattened: each item on its own line with its label.
    fn statement(&self, control: &Value, path: &str) -> Result<String> {
        let mut lines = Vec::new();
        for (i, part) in self
            .array(control.get("parts"), &format!("{path}.parts"))?
            .iter()
            .enumerate()
        {
            if part.get("name").and_then(Value::as_str) == Some("statement") {
                self.flatten(part, &format!("{path}.parts[{i}]"), 0, &mut lines)?;
            }
        }
        Ok(lines.join("\n"))
    }

    fn flatten(&self, part: &Value, path: &str, depth: usize, lines: &mut Vec<String>) -> Result<()> {
        let label = self
            .array(part.get("props"), &format!("{path}.props"))?
            .iter()
            .find(|p| p.get("name").and_then(Value::as_str) == Some("label") && p.get("class").is_none())
            .and_then(|p| p.get("value"))
            .and_then(Value::as_str);
        let prose = part
            .get("prose")
            .and_then(Value::as_str)
            .map(|p| self.insert_params(p))
            .unwrap_or_default();
        let text = match label {
            Some(l) => format!("{l} {prose}"),
            None => prose,
        };
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if !text.is_empty() {
            lines.push(format!("{}{text}", "  ".repeat(depth.saturating_sub(1))));
        }
        for (i, child) in self
            .array(part.get("parts"), &format!("{path}.parts"))?
            .iter()
            .enumerate()
        {
            if child.get("name").and_then(Value::as_str) == Some("item") {
                self.flatten(child, &format!("{path}.parts[{i}]"), depth + 1, lines)?;
            }
        }
        Ok(())
    }

    /// Replaces `{{ insert: param, ID }}` with the parameter's readable text.
    fn insert_params(&self, prose: &str) -> String {
        insert_params(prose, &self.params, &mut HashSet::new())
    }
}

fn insert_params(prose: &str, params: &HashMap<String, String>, active: &mut HashSet<String>) -> String {
    let mut out = String::with_capacity(prose.len());
    let mut rest = prose;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let inner = rest[start + 2..start + end].trim();
        let id = inner
            .strip_prefix("insert:")
            .map(str::trim)
            .and_then(|r| r.strip_prefix("param,"))
            .map(str::trim);
        match id.and_then(|id| params.get(id).map(|text| (id, text))) {
            // A parameter whose text refers back to itself is shown as its id, not expanded forever.
            Some((id, text)) if active.insert(id.to_string()) => {
                out.push_str(&insert_params(text, params, active));
                active.remove(id);
            }
            Some((id, _)) => out.push_str(&format!("[{id}]")),
            None => out.push_str(&format!("[{}]", id.unwrap_or(inner))),
        }
        rest = &rest[start + end + 2..];
    }
    out.push_str(rest);
    out
}

/// A parameter as readers see it: its values, or `[Assignment: label]`, or `[Selection: ...]`.
fn describe_param(p: &Value) -> String {
    let strings = |v: Option<&Value>| -> Vec<String> {
        v.and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default()
    };
    let values = strings(p.get("values"));
    if !values.is_empty() {
        return values.join(", ");
    }
    if let Some(select) = p.get("select") {
        let choices = strings(select.get("choice"));
        let how = match select.get("how-many").and_then(Value::as_str) {
            Some("one-or-more") => " (one or more)",
            _ => "",
        };
        return format!("[Selection{how}: {}]", choices.join("; "));
    }
    match p.get("label").and_then(Value::as_str) {
        Some(label) => format!("[Assignment: {label}]"),
        None => format!("[{}]", p.get("id").and_then(Value::as_str).unwrap_or("parameter")),
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
    fn default_keys() {
        let mut c = parse_catalog("mini.json", MINI.as_bytes()).expect("valid");
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
