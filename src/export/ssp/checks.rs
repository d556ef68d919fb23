//! Checks for exported OSCAL documents that their schema cannot make.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

/// Every error of `doc` against the official 1.2.1 schema `file`, with where it is.
pub(crate) fn schema_errors(file: &str, doc: &Value) -> Vec<String> {
    let path = format!(
        "{}/tests/fixtures/oscal/schemas-1.2.1/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).expect("the schema is in the fixtures");
    let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    let validator = jsonschema::draft7::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema compiles");
    validator
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// What is defined where, and what refers to what.
#[derive(Default)]
struct Index {
    /// Kind (`components`, `parties`, ...) -> uuids defined in arrays of that name.
    defined: HashMap<String, HashSet<String>>,
    /// Every `uuid` value, to find duplicates.
    all: Vec<String>,
    roles: HashSet<String>,
    /// (kind, uuid, path) of every reference.
    refs: Vec<(&'static str, String, String)>,
    role_refs: Vec<(String, String)>,
    problems: Vec<String>,
}

impl Index {
    fn walk(&mut self, v: &Value, path: &str, array_name: &str) {
        match v {
            Value::Object(map) => {
                if let Some(Value::String(id)) = map.get("uuid") {
                    self.all.push(id.clone());
                    self.defined
                        .entry(array_name.to_string())
                        .or_default()
                        .insert(id.clone());
                }
                if array_name == "roles"
                    && let Some(Value::String(id)) = map.get("id")
                {
                    self.roles.insert(id.clone());
                }
                for (k, item) in map {
                    let at = format!("{path}.{k}");
                    match (k.as_str(), item) {
                        ("component-uuid", Value::String(u)) => self.refs.push(("components", u.clone(), at.clone())),
                        ("party-uuid", Value::String(u)) => self.refs.push(("parties", u.clone(), at.clone())),
                        ("observation-uuid", Value::String(u)) => {
                            self.refs.push(("observations", u.clone(), at.clone()))
                        }
                        ("party-uuids" | "member-of-organizations", Value::Array(us)) => {
                            for u in us.iter().filter_map(Value::as_str) {
                                self.refs.push(("parties", u.to_string(), at.clone()));
                            }
                        }
                        ("subject-uuid", Value::String(u)) if map.get("type") == Some(&"component".into()) => {
                            self.refs.push(("components", u.clone(), at.clone()))
                        }
                        ("actor-uuid", Value::String(u)) if map.get("type") == Some(&"party".into()) => {
                            self.refs.push(("parties", u.clone(), at.clone()))
                        }
                        ("href", Value::String(h)) if h.starts_with('#') => {
                            self.refs.push(("resources", h[1..].to_string(), at.clone()))
                        }
                        ("role-id", Value::String(r)) => self.role_refs.push((r.clone(), at.clone())),
                        ("role-ids", Value::Array(rs)) => {
                            for r in rs.iter().filter_map(Value::as_str) {
                                self.role_refs.push((r.to_string(), at.clone()));
                            }
                        }
                        ("provided-uuid" | "responsibility-uuid", _) => self
                            .problems
                            .push(format!("{at}: refers to a document ctrlmap does not have")),
                        _ => {}
                    }
                    if k == "props" {
                        self.props(item, &at);
                    }
                    self.walk(item, &at, k);
                }
            }
            Value::Array(items) => {
                if items.is_empty() {
                    self.problems.push(format!("{path}: empty array"));
                }
                for (i, item) in items.iter().enumerate() {
                    self.walk(item, &format!("{path}[{i}]"), array_name);
                }
            }
            Value::String(s) if s.trim().is_empty() => self.problems.push(format!("{path}: blank string")),
            _ => {}
        }
    }

    fn props(&mut self, props: &Value, path: &str) {
        for p in props.as_array().into_iter().flatten() {
            let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
            let value = p.get("value").and_then(Value::as_str).unwrap_or_default();
            let core = p.get("ns").is_none_or(|ns| ns == "http://csrc.nist.gov/ns/oscal");
            if core && name == "control-origination" {
                let allowed = [
                    "organization",
                    "system-specific",
                    "customer-configured",
                    "customer-provided",
                    "inherited",
                ];
                if !allowed.contains(&value) {
                    self.problems
                        .push(format!("{path}: control-origination \"{value}\" is not allowed"));
                }
            }
            if core && name == "leveraged-authorization-uuid" {
                self.refs
                    .push(("leveraged-authorizations", value.to_string(), path.to_string()));
            }
        }
    }
}

/// Everything wrong with `doc` that the schema cannot see: uuid references that resolve to
/// nothing (or to the wrong kind of thing), duplicate or non-v5 uuids, undefined roles,
/// disallowed control-origination values, empty arrays and blank strings.
pub(crate) fn reference_problems(doc: &Value) -> Vec<String> {
    let mut index = Index::default();
    index.walk(doc, "$", "");
    let mut problems = std::mem::take(&mut index.problems);
    let mut seen = HashSet::new();
    for id in &index.all {
        match uuid::Uuid::parse_str(id) {
            Ok(u) if u.get_version_num() == 5 => {}
            _ => problems.push(format!("uuid {id} is not a version 5 UUID")),
        }
        if !seen.insert(id) {
            problems.push(format!("uuid {id} is defined twice"));
        }
    }
    for (kind, id, at) in &index.refs {
        if !index.defined.get(*kind).is_some_and(|s| s.contains(id)) {
            problems.push(format!("{at}: {id} is not one of the document's {kind}"));
        }
    }
    for (role, at) in &index.role_refs {
        if !index.roles.contains(role) {
            problems.push(format!("{at}: role {role} is not defined in metadata.roles"));
        }
    }
    problems
}

/// Fails with every problem listed.
pub(crate) fn assert_clean(what: &str, problems: &[String]) {
    assert!(
        problems.is_empty(),
        "{what}: {} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
