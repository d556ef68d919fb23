//! Report layouts: which sections and columns a report has, and its headings and texts with
//! minijinja placeholders. The default is embedded from `templates/`; `--template FILE` overrides it.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::data::{ControlColumn, Section, Texts};
use crate::error::{Error, Result};

/// The embedded default layout.
const DEFAULT: &str = include_str!("../../templates/control-evaluation.json");

/// A report layout as written in a template file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// Report title (may use placeholders).
    pub title: String,
    /// Organisation name used when `--organisation` is not given.
    pub organisation: String,
    /// Sections in order.
    pub sections: Vec<Section>,
    /// Control-table columns in order.
    pub control_columns: Vec<ControlColumn>,
    /// CSV columns per level (`control`, `service`).
    pub csv_columns: CsvColumns,
    /// Texts with placeholders.
    pub texts: BTreeMap<String, String>,
    /// What provider and customer cover per category.
    pub categories: BTreeMap<String, CategoryText>,
    /// Where the template came from, for messages.
    #[serde(skip)]
    pub source: String,
}

/// CSV columns of each level.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CsvColumns {
    /// One row per control.
    pub control: Vec<String>,
    /// One row per control and service.
    pub service: Vec<String>,
}

/// Provider and customer duties of a category, in a line each.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryText {
    /// What the provider covers.
    pub provider: String,
    /// What the customer covers.
    pub customer: String,
}

const TEXT_KEYS: &[&str] = &[
    "intro",
    "summary_heading",
    "matrix_heading",
    "matrix_intro",
    "controls_heading",
    "findings_heading",
    "evidence_heading",
    "checks_heading",
    "signoff_heading",
    "signoff_text",
    "footer",
];

impl Template {
    /// The embedded default, or the file at `path`.
    pub fn load(path: Option<&Path>) -> Result<Template> {
        let (source, text) = match path {
            None => (
                "templates/control-evaluation.json (built in)".to_string(),
                DEFAULT.to_string(),
            ),
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|e| Error::io(p.display(), e))?;
                (p.display().to_string(), text)
            }
        };
        let mut t: Template = serde_json::from_str(&text)
            .map_err(|e| Error::Invalid(format!("{source} line {}, column {}: {e}", e.line(), e.column())))?;
        t.source = source;
        for key in t.texts.keys() {
            if !TEXT_KEYS.contains(&key.as_str()) {
                return Err(Error::Invalid(format!(
                    "{}: unknown text \"{key}\"; expected {}",
                    t.source,
                    TEXT_KEYS.join(", ")
                )));
            }
        }
        if t.sections.is_empty() {
            return Err(Error::Invalid(format!(
                "{}: \"sections\" must name at least one section",
                t.source
            )));
        }
        // Check every text compiles now, so a bad template fails before any output is written.
        let env = environment();
        for (key, text) in t.texts.iter().chain([(&"title".to_string(), &t.title)]) {
            env.template_from_str(text).map_err(|e| t.text_error(key, &e))?;
        }
        Ok(t)
    }

    fn text_error(&self, key: &str, e: &minijinja::Error) -> Error {
        let line = e.line().map(|l| format!(" line {l}")).unwrap_or_default();
        Error::Invalid(format!(
            "{}: text \"{key}\"{line}: {}",
            self.source,
            e.detail().unwrap_or(&e.to_string())
        ))
    }

    /// Renders the title and texts with `context` (organisation, catalog, evaluation, date, fingerprint).
    pub fn render(&self, context: &serde_json::Value) -> Result<(String, Texts)> {
        let env = environment();
        let render = |key: &str, text: &str| -> Result<String> {
            env.render_str(text, minijinja::value::Serde(context))
                .map_err(|e| self.text_error(key, &e))
        };
        let title = render("title", &self.title)?;
        let mut ctx = context.clone();
        ctx["title"] = serde_json::Value::String(title.clone());
        let text = |key: &str| -> Result<String> {
            match self.texts.get(key) {
                Some(t) => env
                    .render_str(t, minijinja::value::Serde(&ctx))
                    .map_err(|e| self.text_error(key, &e)),
                None => Ok(String::new()),
            }
        };
        let texts = Texts {
            intro: text("intro")?,
            summary_heading: text("summary_heading")?,
            matrix_heading: text("matrix_heading")?,
            matrix_intro: text("matrix_intro")?,
            controls_heading: text("controls_heading")?,
            findings_heading: text("findings_heading")?,
            evidence_heading: text("evidence_heading")?,
            checks_heading: text("checks_heading")?,
            signoff_heading: text("signoff_heading")?,
            signoff_text: text("signoff_text")?,
            footer: text("footer")?,
        };
        Ok((title, texts))
    }
}

fn environment() -> minijinja::Environment<'static> {
    let mut env = minijinja::Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_template_loads_and_renders() {
        let t = Template::load(None).expect("built-in template");
        let ctx = serde_json::json!({
            "organisation": "Example Corp", "catalog": {"key": "srm", "title": "Baseline"},
            "evaluation": null, "date": "2026-12-01", "fingerprint": "ab".repeat(32),
        });
        let (title, texts) = t.render(&ctx).expect("renders");
        assert_eq!(title, "Control evaluation report");
        assert!(texts.intro.contains("Example Corp"));
        assert!(texts.signoff_text.contains("as of 2026-12-01"));
        assert_eq!(texts.footer, "Control evaluation report - Example Corp");
    }

    #[test]
    fn a_bad_template_names_file_and_line() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("t.json");
        std::fs::write(&path, "{\n  \"title\": \"x\",\n  \"sections\": [\"cover\",]\n}").expect("write");
        let err = Template::load(Some(&path)).expect_err("bad json").to_string();
        assert!(err.contains("t.json line 3"), "{err}");
        let good = DEFAULT.replace("\"Summary\"", "\"{{ unclosed \"");
        std::fs::write(&path, good).expect("write");
        let err = Template::load(Some(&path)).expect_err("bad text").to_string();
        assert!(err.contains("summary_heading") && err.contains("line 1"), "{err}");
    }
}
