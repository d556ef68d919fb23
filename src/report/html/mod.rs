//! The report as one self-contained HTML page: the same [`ReportData`] as the PDF, laid out by a
//! minijinja template (`templates/report.html`, or a file given instead) with every value
//! HTML-escaped, plus what a page does better: a control table a reviewer filters by
//! responsibility, result, team and service, an anchor per control and links from each control to
//! its evidence (inside a package, to the evidence files beside the page).
//!
//! The page fetches nothing: styles and the one script are inline, charts are inline SVG, and a
//! Content-Security-Policy allows no source at all but that script, by its SHA-256 hash.

mod facets;
mod href;
mod view;

use std::collections::BTreeMap;
use std::path::Path;

use base64::Engine as _;
use sha2::{Digest, Sha256};

pub use self::facets::{Collected, Facets};
use super::assemble::{Assembly, Options};
use super::data::ReportData;
use crate::db::Connection;
use crate::error::{Error, Result};
use crate::estate::pairs;
use crate::evidence::FileCheck;

/// The built-in page template.
const DEFAULT: &str = include_str!("../../../templates/report.html");
/// The page's script (filters); the template places it verbatim, its hash goes in the policy.
const SCRIPT: &str = include_str!("../../../templates/report.js");
/// The template's name in its environment (auto-escaping is HTML whatever the file is called).
const NAME: &str = "report.html";

/// A page template, compiled and checked when loaded, so a broken one fails before anything is
/// read or written.
#[derive(Debug, Clone)]
pub struct Page {
    text: String,
    source: String,
}

impl Page {
    /// The built-in template, or the file at `path`.
    pub fn load(path: Option<&Path>) -> Result<Page> {
        let page = match path {
            None => Page {
                text: DEFAULT.to_string(),
                source: "templates/report.html (built in)".to_string(),
            },
            Some(p) => Page {
                text: std::fs::read_to_string(p).map_err(|e| Error::io(p.display(), e))?,
                source: p.display().to_string(),
            },
        };
        page.environment()?;
        Ok(page)
    }

    fn environment(&self) -> Result<minijinja::Environment<'_>> {
        let mut env = minijinja::Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
        env.set_formatter(escape);
        env.add_template(NAME, &self.text).map_err(|e| self.error(&e))?;
        Ok(env)
    }

    /// A template error as one line naming the file and line.
    fn error(&self, e: &minijinja::Error) -> Error {
        let line = e.line().map(|l| format!(" line {l}")).unwrap_or_default();
        let detail = match e.detail() {
            Some(d) => format!("{}: {d}", e.kind()),
            None => e.kind().to_string(),
        };
        Error::Invalid(format!("{}{line}: {}", self.source, detail.replace(['\n', '\r'], " ")))
    }
}

/// Writes a value HTML-escaped: `&`, `<`, `>`, `"` and `'` keep text out of markup and quoted
/// attributes, and `=` is escaped too, so no user text reads as `name=value` even to a reader that
/// does not parse. Unlike minijinja's own escaping `/` stays as it is, so member paths stay
/// readable (`evidence/AC-2/...`).
fn escape(
    out: &mut minijinja::Output<'_>,
    state: &mut minijinja::State<'_, '_>,
    value: &minijinja::Value,
) -> std::result::Result<(), minijinja::Error> {
    if value.is_safe() || *state.auto_escape() != minijinja::AutoEscape::Html || value.is_none() || value.is_undefined()
    {
        return minijinja::escape_formatter(out, state, value);
    }
    let text = value.to_string();
    let mut rest = text.as_str();
    while let Some(i) = rest.find(['&', '<', '>', '"', '\'', '=']) {
        out.write_str(&rest[..i])?;
        out.write_str(match rest.as_bytes()[i] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'=' => "&#61;",
            _ => "&#39;",
        })?;
        rest = &rest[i + 1..];
    }
    out.write_str(rest).map_err(minijinja::Error::from)
}

/// What the page links to beyond the report data.
#[derive(Debug, Clone, Default)]
pub struct Links {
    /// Per evidence number: what kind it is, its address and its note.
    pub evidence: BTreeMap<i64, Detail>,
    /// Inside a package: (control key, evidence number) -> the member holding its file.
    pub members: BTreeMap<(String, i64), String>,
}

/// The parts of a piece of evidence the report data does not carry.
#[derive(Debug, Clone, Default)]
pub struct Detail {
    /// file, url or note.
    pub kind: String,
    /// The address of URL evidence, as recorded (linked only when safe).
    pub url: String,
    /// The note of note evidence (or the note recorded with a file or URL).
    pub note: String,
}

impl Links {
    /// The details of every piece of evidence `data` lists that the database still holds.
    pub fn of(conn: &Connection, data: &ReportData) -> Result<Links> {
        let mut evidence = BTreeMap::new();
        for line in &data.evidence {
            // A frozen snapshot names evidence by number; without the row the page shows what
            // the snapshot holds, as the PDF does.
            let e = match crate::db::evidence::get(conn, line.id) {
                Ok(e) => e,
                Err(Error::NotFound { .. }) => continue,
                Err(e) => return Err(e),
            };
            evidence.insert(
                line.id,
                Detail {
                    kind: e.kind.as_str().to_string(),
                    url: e.url.unwrap_or_default(),
                    note: e.note,
                },
            );
        }
        Ok(Links {
            evidence,
            members: BTreeMap::new(),
        })
    }
}

/// Builds the report data and the page's facets in one pass over the source; `files` marks
/// evidence whose stored file fails its check, as for the PDF.
pub fn build_checked(
    conn: &Connection,
    opts: &Options<'_>,
    mut files: Option<&mut FileCheck>,
) -> Result<(ReportData, Collected)> {
    let mut assembly = Assembly::start(conn, opts)?;
    let mut facets = Facets::default();
    pairs::for_each_control_owned(conn, &opts.source, |info, mut all| {
        if let Some(check) = files.as_deref_mut() {
            check.mark(&mut all)?;
        }
        facets.add(all.iter().filter(|p| opts.keeps(p)));
        assembly.add(info, all)
    })?;
    let mut data = assembly.finish(conn)?;
    data.summary.evidence_check = files.map_or("", |f| f.depth_name()).to_string();
    Ok((data, facets.finish()))
}

/// The page's Content-Security-Policy: nothing may load, styles are inline, and the only script
/// that runs is the page's own, by hash.
fn policy() -> String {
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(SCRIPT.as_bytes()));
    format!(
        "default-src 'none'; script-src 'sha256-{hash}'; style-src 'unsafe-inline'; img-src data:; \
         base-uri 'none'; form-action 'none'"
    )
}

/// Renders the page of `data` with `page`; the same data gives the same bytes.
pub fn render(data: &ReportData, facets: &Collected, links: &Links, page: &Page) -> Result<Vec<u8>> {
    let env = page.environment()?;
    let template = env.get_template(NAME).map_err(|e| page.error(&e))?;
    let view = view::build(data, facets, links, policy(), SCRIPT);
    let text = template
        .render(minijinja::value::Serde(&view))
        .map_err(|e| page.error(&e))?;
    Ok(text.into_bytes())
}

#[cfg(test)]
mod tests;
