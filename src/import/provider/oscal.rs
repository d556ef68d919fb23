//! OSCAL provider documents (1.0 to 1.2): a leveraged system's SSP, whose `by-components[].export`
//! lists what it provides and what it leaves to a leveraging system, per implemented requirement
//! and per statement; and a component definition, whose implemented requirements are provided.

use std::collections::HashSet;

use serde_json::Value;

use super::{Document, Statement, checked};
use crate::error::{Error, Result};
use crate::model::provider::{DocumentKind, StatementKind};
use crate::text::Kind;

/// Reads an OSCAL SSP or component definition.
pub(super) fn read(source: &str, bytes: &[u8]) -> Result<Document> {
    let text = crate::import::json_text(source, bytes)?;
    let doc: Value = serde_json::from_slice(&text).map_err(|e| {
        Error::Invalid(format!(
            "{source}: not valid JSON (line {}, column {}): {e}",
            e.line(),
            e.column()
        ))
    })?;
    let r = Reader { source };
    if let Some(ssp) = doc.get("system-security-plan") {
        r.ssp(ssp)
    } else if let Some(cd) = doc.get("component-definition") {
        r.component_definition(cd)
    } else {
        Err(Error::Invalid(format!(
            "{source}: $: expected an OSCAL system-security-plan (with by-components[].export) or component-definition"
        )))
    }
}

struct Reader<'a> {
    source: &'a str,
}

impl Reader<'_> {
    fn bad(&self, at: &str, what: &str) -> Error {
        Error::Invalid(format!("{}: {at}: {what}", self.source))
    }

    fn text<'v>(&self, v: &'v Value, at: &str) -> Result<&'v str> {
        v.as_str().ok_or_else(|| self.bad(at, "expected a string"))
    }

    fn array<'v>(&self, v: &'v Value, key: &str, at: &str) -> Result<&'v [Value]> {
        match v.get(key) {
            None => Ok(&[]),
            Some(Value::Array(items)) => Ok(items),
            Some(_) => Err(self.bad(&format!("{at}.{key}"), "expected an array")),
        }
    }

    fn required<'v>(&self, v: &'v Value, key: &str, at: &str) -> Result<&'v str> {
        match v.get(key) {
            Some(found) => self.text(found, &format!("{at}.{key}")),
            None => Err(self.bad(&format!("{at}.{key}"), "missing")),
        }
    }

    fn uuid(&self, v: &Value, at: &str) -> Result<String> {
        let u = self.required(v, "uuid", at)?;
        let ok = u.len() == 36
            && u.char_indices().all(|(i, c)| {
                if [8, 13, 18, 23].contains(&i) {
                    c == '-'
                } else {
                    c.is_ascii_hexdigit()
                }
            });
        if !ok {
            return Err(self.bad(&format!("{at}.uuid"), &format!("\"{u}\" is not a UUID")));
        }
        Ok(u.to_ascii_lowercase())
    }

    fn description(&self, v: &Value, at: &str) -> Result<String> {
        match v.get("description") {
            None => Ok(String::new()),
            Some(d) => {
                let at = format!("{at}.description");
                checked(self.source, &at, self.text(d, &at)?, Kind::Prose)
            }
        }
    }

    /// Title, uuid and version from the metadata, after checking the OSCAL version is 1.0 to 1.2.
    fn metadata(&self, root: &Value, at: &str) -> Result<(String, String, String)> {
        let meta_at = format!("{at}.metadata");
        let meta = root.get("metadata").ok_or_else(|| self.bad(&meta_at, "missing"))?;
        let version = self.required(meta, "oscal-version", &meta_at)?;
        let supported = ["1.0.", "1.1.", "1.2."].iter().any(|p| version.starts_with(p));
        if !supported {
            return Err(self.bad(
                &format!("{meta_at}.oscal-version"),
                &format!("OSCAL {version} is not supported (1.0 to 1.2 are)"),
            ));
        }
        let title = checked(
            self.source,
            &meta_at,
            self.required(meta, "title", &meta_at)?,
            Kind::Line,
        )?;
        if title.is_empty() {
            return Err(self.bad(&format!("{meta_at}.title"), "is empty"));
        }
        let doc_version = meta.get("version").and_then(Value::as_str).unwrap_or_default();
        let doc_version = checked(self.source, &meta_at, doc_version, Kind::Line)?;
        Ok((title, self.uuid(root, at)?, doc_version))
    }

    fn roles(&self, v: &Value, at: &str) -> Result<String> {
        let mut roles = Vec::new();
        for (i, r) in self.array(v, "responsible-roles", at)?.iter().enumerate() {
            let role_at = format!("{at}.responsible-roles[{i}]");
            roles.push(checked(
                self.source,
                &role_at,
                self.required(r, "role-id", &role_at)?,
                Kind::Name,
            )?);
        }
        Ok(roles.join(", "))
    }

    fn ssp(&self, ssp: &Value) -> Result<Document> {
        let root = "$.system-security-plan";
        let (title, uuid, version) = self.metadata(ssp, root)?;
        let components: Vec<(String, String)> = ssp
            .get("system-implementation")
            .and_then(|s| s.get("components"))
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(|c| {
                        let uuid = c.get("uuid")?.as_str()?.to_ascii_lowercase();
                        let title = c.get("title").and_then(Value::as_str).unwrap_or_default();
                        Some((uuid, title.to_string()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let ci_at = format!("{root}.control-implementation");
        let ci = ssp
            .get("control-implementation")
            .ok_or_else(|| self.bad(&ci_at, "missing"))?;
        let mut statements = Vec::new();
        let mut exports = 0;
        let reqs_at = format!("{ci_at}.implemented-requirements");
        for (i, req) in self.array(ci, "implemented-requirements", &ci_at)?.iter().enumerate() {
            let at = format!("{reqs_at}[{i}]");
            let control = self.required(req, "control-id", &at)?.to_string();
            let mut by = Vec::new();
            for (j, b) in self.array(req, "by-components", &at)?.iter().enumerate() {
                by.push((format!("{at}.by-components[{j}]"), b));
            }
            for (k, st) in self.array(req, "statements", &at)?.iter().enumerate() {
                let st_at = format!("{at}.statements[{k}]");
                for (j, b) in self.array(st, "by-components", &st_at)?.iter().enumerate() {
                    by.push((format!("{st_at}.by-components[{j}]"), b));
                }
            }
            for (b_at, b) in by {
                let Some(export) = b.get("export") else { continue };
                exports += 1;
                let component_uuid = self.required(b, "component-uuid", &b_at)?.to_ascii_lowercase();
                let component = components
                    .iter()
                    .find(|(u, _)| *u == component_uuid)
                    .map_or(component_uuid.clone(), |(_, t)| format!("{t} ({component_uuid})"));
                let component = checked(self.source, &b_at, &component, Kind::Line)?;
                let state = b
                    .get("implementation-status")
                    .and_then(|s| s.get("state"))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .trim()
                    .to_ascii_lowercase();
                let state = checked(self.source, &b_at, &state, Kind::Name)?;
                let partial = matches!(state.as_str(), "planned" | "partial");
                let ex_at = format!("{b_at}.export");
                for (n, p) in self.array(export, "provided", &ex_at)?.iter().enumerate() {
                    let p_at = format!("{ex_at}.provided[{n}]");
                    statements.push(Statement {
                        control: control.clone(),
                        kind: StatementKind::Provided,
                        uuid: self.uuid(p, &p_at)?,
                        provided_uuid: None,
                        description: self.description(p, &p_at)?,
                        component: component.clone(),
                        roles: self.roles(p, &p_at)?,
                        state: state.clone(),
                        partial,
                        at: p_at,
                    });
                }
                for (n, r) in self.array(export, "responsibilities", &ex_at)?.iter().enumerate() {
                    let r_at = format!("{ex_at}.responsibilities[{n}]");
                    let provided_uuid = match r.get("provided-uuid") {
                        None => None,
                        Some(v) => Some(self.text(v, &format!("{r_at}.provided-uuid"))?.to_ascii_lowercase()),
                    };
                    statements.push(Statement {
                        control: control.clone(),
                        kind: StatementKind::Responsibility,
                        uuid: self.uuid(r, &r_at)?,
                        provided_uuid,
                        description: self.description(r, &r_at)?,
                        component: component.clone(),
                        roles: self.roles(r, &r_at)?,
                        state: state.clone(),
                        partial: false,
                        at: r_at,
                    });
                }
            }
        }
        if exports == 0 {
            return Err(self.bad(
                &reqs_at,
                "no by-components[].export: this SSP does not say what it provides to leveraging systems \
                 (an export with provided[] and responsibilities[] is needed)",
            ));
        }
        if statements.is_empty() {
            return Err(self.bad(
                &reqs_at,
                "its by-components[].export entries hold no provided[] or responsibilities[]: nothing is said about leveraging systems",
            ));
        }
        let provided: HashSet<&str> = statements
            .iter()
            .filter(|s| s.kind == StatementKind::Provided)
            .map(|s| s.uuid.as_str())
            .collect();
        for s in &statements {
            if let Some(p) = &s.provided_uuid
                && !provided.contains(p.as_str())
            {
                return Err(self.bad(
                    &format!("{}.provided-uuid", s.at),
                    &format!("\"{p}\" names no provided statement of this document"),
                ));
            }
        }
        let mut seen = HashSet::new();
        for s in &statements {
            if !seen.insert((s.kind, s.uuid.as_str(), s.control.as_str())) {
                return Err(self.bad(&format!("{}.uuid", s.at), &format!("\"{}\" is used twice", s.uuid)));
            }
        }
        Ok(Document {
            kind: DocumentKind::OscalSsp,
            title,
            uuid,
            version,
            statements,
            skipped: 0,
        })
    }

    fn component_definition(&self, cd: &Value) -> Result<Document> {
        let root = "$.component-definition";
        let (title, uuid, version) = self.metadata(cd, root)?;
        let mut statements = Vec::new();
        for (i, c) in self.array(cd, "components", root)?.iter().enumerate() {
            let c_at = format!("{root}.components[{i}]");
            let name = self.required(c, "title", &c_at)?;
            let component = checked(self.source, &c_at, name, Kind::Line)?;
            for (j, ci) in self.array(c, "control-implementations", &c_at)?.iter().enumerate() {
                let ci_at = format!("{c_at}.control-implementations[{j}]");
                for (k, req) in self.array(ci, "implemented-requirements", &ci_at)?.iter().enumerate() {
                    let at = format!("{ci_at}.implemented-requirements[{k}]");
                    let control = self.required(req, "control-id", &at)?.to_string();
                    statements.push(Statement {
                        control,
                        kind: StatementKind::Provided,
                        uuid: self.uuid(req, &at)?,
                        provided_uuid: None,
                        description: self.description(req, &at)?,
                        component: component.clone(),
                        roles: self.roles(req, &at)?,
                        state: String::new(),
                        partial: false,
                        at,
                    });
                }
            }
        }
        if statements.is_empty() {
            return Err(self.bad(
                &format!("{root}.components"),
                "no control-implementations[].implemented-requirements: nothing is provided",
            ));
        }
        Ok(Document {
            kind: DocumentKind::OscalComponentDefinition,
            title,
            uuid,
            version,
            statements,
            skipped: 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRESTLE: &[u8] = include_bytes!("../../../tests/fixtures/provider/leveraged_ssp.json");

    #[test]
    fn reads_the_export_per_requirement_and_statement() {
        let doc = read("leveraged_ssp.json", TRESTLE).expect("reads");
        assert_eq!(doc.kind, DocumentKind::OscalSsp);
        assert_eq!(doc.title, "Example Leveraged System Security Plan");
        let of = |control: &str| -> Vec<(StatementKind, bool, Option<&str>)> {
            doc.statements
                .iter()
                .filter(|s| s.control == control)
                .map(|s| (s.kind, s.partial, s.provided_uuid.as_deref()))
                .collect()
        };
        assert_eq!(of("ac-1"), [(StatementKind::Provided, false, None); 2]);
        assert_eq!(
            of("ac-2"),
            [
                (StatementKind::Responsibility, false, None),
                (StatementKind::Provided, false, None),
                (
                    StatementKind::Responsibility,
                    false,
                    Some("11111111-0000-4000-9009-002001002001")
                ),
            ]
        );
        // ac-2.1's by-components sit on the requirement itself; one is only planned.
        assert_eq!(
            of("ac-2.1"),
            [
                (StatementKind::Provided, true, None),
                (StatementKind::Provided, false, None)
            ]
        );
        let at = &doc.statements[0].at;
        assert_eq!(
            at,
            "$.system-security-plan.control-implementation.implemented-requirements[0].statements[0].by-components[0].export.provided[0]"
        );
    }

    #[test]
    fn refuses_what_is_not_a_provider_document() {
        let cases: [(&str, &str); 4] = [
            ("{", "not valid JSON"),
            ("{\"catalog\": {}}", "$: expected an OSCAL system-security-plan"),
            (
                "{\"component-definition\": {\"uuid\": \"8223d65f-57a9-4689-8f06-2a975ae2ad72\", \"metadata\": {\"title\": \"t\", \"oscal-version\": \"2.0.0\"}}}",
                "OSCAL 2.0.0 is not supported",
            ),
            (
                "{\"component-definition\": {\"uuid\": \"8223d65f-57a9-4689-8f06-2a975ae2ad72\", \"metadata\": {\"title\": \"t\", \"oscal-version\": \"1.1.2\"}}}",
                "nothing is provided",
            ),
        ];
        for (text, message) in cases {
            let err = read("f.json", text.as_bytes()).expect_err(text).to_string();
            assert!(err.contains(message) && err.starts_with("f.json"), "{err}");
        }
    }
}
