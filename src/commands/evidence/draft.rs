//! One piece of evidence as given, on the command line or in a CSV row: checked, turned into a
//! draft, its file stored, and saved with its links and audit entries.

use std::path::{Path, PathBuf};
use std::rc::Rc;

use serde::Serialize;

use super::clean;
use crate::commands::Ctx;
use crate::commands::check_text;
use crate::commands::responsibility::target;
use crate::db::Writer;
use crate::db::catalogs::ControlRow;
use crate::db::evidence::{self as store_db, Evidence};
use crate::db::services::ServiceRow;
use crate::error::{Error, Result};
use crate::evidence::{Put, Store};
use crate::model::evidence::{Day, EvidenceKind, ReviewStatus, parse_expiry};

/// A URL we accept as evidence: http(s), a host, no spaces or control characters.
pub(super) fn check_url(name: &str, url: &str) -> Result<String> {
    let url = url.trim();
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
    let host = rest.map(|r| r.split(['/', '?', '#']).next().unwrap_or(""));
    match host {
        Some(h) if !h.is_empty() && !url.chars().any(|c| c.is_whitespace() || c.is_control()) => Ok(url.to_string()),
        _ => Err(Error::Invalid(format!(
            "{name} \"{url}\" is not an http(s) URL with a host, e.g. https://wiki.example.com/page"
        ))),
    }
}

/// One piece of evidence as given, on the command line or in a CSV row.
pub(super) struct Spec<'a> {
    pub(super) control: &'a str,
    pub(super) catalog: Option<&'a str>,
    pub(super) service: Option<&'a str>,
    pub(super) file: Option<&'a Path>,
    pub(super) url: Option<&'a str>,
    pub(super) note: Option<&'a str>,
    pub(super) title: Option<&'a str>,
    pub(super) collected: Option<Day>,
    pub(super) expires: Option<&'a str>,
    /// What the url, note, title and expires fields are called in messages.
    pub(super) names: &'a Names,
}

/// Field names for messages: flags for `evidence add`, columns for `evidence import`.
pub(super) struct Names {
    pub(super) url: &'static str,
    pub(super) note: &'static str,
    pub(super) title: &'static str,
    pub(super) expires: &'static str,
}

pub(super) const FLAGS: Names = Names {
    url: "--url",
    note: "--note",
    title: "--title",
    expires: "--expires",
};

pub(super) const COLUMNS: Names = Names {
    url: "column \"url\"",
    note: "column \"note\"",
    title: "column \"title\"",
    expires: "column \"expires\"",
};

/// Evidence checked and ready to store: nothing is written until every draft is good.
pub(super) struct Draft {
    pub(super) control: Rc<ControlRow>,
    pub(super) service: Option<Rc<ServiceRow>>,
    pub(super) file: Option<PathBuf>,
    pub(super) evidence: Evidence,
}

/// Checks a spec against the database without writing anything.
pub(super) fn draft(ctx: &Ctx, spec: &Spec<'_>) -> Result<Draft> {
    let (control, service) = target(ctx, spec.control, spec.catalog, spec.service)?;
    draft_for(ctx, spec, Rc::new(control), service.map(Rc::new))
}

/// As [`draft`], with the control and service the spec names already resolved (an import
/// resolves each name once, however many rows repeat it).
pub(super) fn draft_for(
    ctx: &Ctx,
    spec: &Spec<'_>,
    control: Rc<ControlRow>,
    service: Option<Rc<ServiceRow>>,
) -> Result<Draft> {
    let names = spec.names;
    let collected = spec.collected.unwrap_or(ctx.today);
    let valid_until = spec
        .expires
        .map(|text| parse_expiry(text, collected).map_err(|e| Error::Invalid(format!("{}: {e}", names.expires))))
        .transpose()?;
    let url = spec.url.map(|u| check_url(names.url, u)).transpose()?;
    let note = check_text(names.note, spec.note.unwrap_or(""), true)?;
    let given_title = spec.title.map(|t| check_text(names.title, t, false)).transpose()?;
    let kind = match (spec.file, &url) {
        (Some(_), _) => EvidenceKind::File,
        (None, Some(_)) => EvidenceKind::Url,
        (None, None) if !note.is_empty() => EvidenceKind::Note,
        (None, None) => return Err(Error::Invalid(format!("{} must not be empty", names.note))),
    };
    let original_name = spec
        .file
        .and_then(Path::file_name)
        .map(|n| n.to_string_lossy().into_owned());
    let title = match (given_title, &original_name, &url) {
        (Some(t), _, _) => t,
        (None, Some(name), _) => clean(name, 200),
        (None, None, Some(u)) => clean(u, 200),
        (None, None, None) => clean(&note, 60),
    };
    if title.is_empty() {
        return Err(Error::Invalid(format!("{} must not be empty", names.title)));
    }
    if let Some(path) = spec.file {
        // The store checks these too; checking here as well means a bad row of an import is
        // refused before any file of the good rows is stored.
        match std::fs::symlink_metadata(path) {
            Err(_) => return Err(Error::Invalid(format!("{}: no such file", path.display()))),
            Ok(m) if m.file_type().is_symlink() => {
                return Err(Error::Invalid(format!(
                    "{}: is a symbolic link; pass the file itself so the evidence is what you see",
                    path.display()
                )));
            }
            Ok(m) if !m.is_file() => {
                return Err(Error::Invalid(format!("{}: is not a regular file", path.display())));
            }
            Ok(_) => {}
        }
    }
    let evidence = Evidence {
        id: 0,
        kind,
        title,
        sha256: None,
        size: None,
        media_type: original_name
            .as_deref()
            .map(|n| crate::evidence::media_type(n).to_string()),
        original_name,
        url,
        note,
        collected_on: collected,
        valid_until,
        submitted_by: ctx.actor.clone(),
        submitted_at: crate::support::clock::now_rfc3339(),
        status: ReviewStatus::Pending,
    };
    Ok(Draft {
        control,
        service,
        file: spec.file.map(Path::to_path_buf),
        evidence,
    })
}

/// Stores a draft's file, if it has one, and notes its hash and size.
pub(super) fn store_file(store: &Store, d: &mut Draft) -> Result<Option<Put>> {
    let Some(path) = &d.file else { return Ok(None) };
    let put = store.put(path)?;
    d.evidence.sha256 = Some(put.sha256.clone());
    d.evidence.size = Some(i64::try_from(put.size).unwrap_or(i64::MAX));
    Ok(Some(put))
}

/// Records a draft: the evidence row, its link and the audit entry (saying which file and line
/// an import read it from, when it did). Returns the new id and the earlier evidence with the
/// same content.
pub(super) fn save(w: &Writer<'_>, d: &Draft, imported_from: Option<&str>) -> Result<(i64, Vec<i64>)> {
    let same = match &d.evidence.sha256 {
        Some(sha) => store_db::with_hash(w, sha)?,
        None => Vec::new(),
    };
    let id = store_db::insert(w, &d.evidence)?;
    store_db::link_new(
        w,
        id,
        d.control.id,
        d.service.as_ref().map(|s| s.id),
        w.actor(),
        &d.evidence.submitted_at,
    )?;
    let control = format!("{}:{}", d.control.catalog, d.control.control.key);
    let service = d.service.as_ref().map(|s| s.service.name.as_str());
    w.audit_text(
        "evidence.add",
        &format!("evidence:{id}"),
        &added_details(&d.evidence, id, &control, service, imported_from),
    )?;
    Ok((id, same))
}

/// The audit details of added evidence `id`: the evidence, its control and service, and where an
/// import read it, as JSON text with the keys in sorted order (the text a JSON tree of the same
/// members gives, written without building one).
fn added_details(e: &Evidence, id: i64, control: &str, service: Option<&str>, imported_from: Option<&str>) -> String {
    #[derive(Serialize)]
    struct Added<'a> {
        collected_on: Day,
        control: &'a str,
        id: i64,
        #[serde(skip_serializing_if = "Option::is_none")]
        imported_from: Option<&'a str>,
        kind: EvidenceKind,
        media_type: Option<&'a str>,
        note: &'a str,
        original_name: Option<&'a str>,
        service: Option<&'a str>,
        sha256: Option<&'a str>,
        size: Option<i64>,
        status: ReviewStatus,
        submitted_at: &'a str,
        submitted_by: &'a str,
        title: &'a str,
        url: Option<&'a str>,
        valid_until: Option<Day>,
    }
    serde_json::to_string(&Added {
        collected_on: e.collected_on,
        control,
        id,
        imported_from,
        kind: e.kind,
        media_type: e.media_type.as_deref(),
        note: &e.note,
        original_name: e.original_name.as_deref(),
        service,
        sha256: e.sha256.as_deref(),
        size: e.size,
        status: e.status,
        submitted_at: &e.submitted_at,
        submitted_by: &e.submitted_by,
        title: &e.title,
        url: e.url.as_deref(),
        valid_until: e.valid_until,
    })
    .expect("texts, numbers and dates serialise")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// How the details were written before: the evidence as a JSON tree, with members added.
    fn as_a_tree(e: &Evidence, id: i64, control: &str, service: Option<&str>, imported_from: Option<&str>) -> String {
        let mut details = serde_json::to_value(e).expect("evidence serialises");
        details["id"] = json!(id);
        details["control"] = json!(control);
        details["service"] = json!(service);
        if let Some(from) = imported_from {
            details["imported_from"] = json!(from);
        }
        details.to_string()
    }

    #[test]
    fn added_details_are_those_of_a_json_tree() {
        let day = |t: &str| Day::parse(t).expect("a day");
        let texts = [
            "plain",
            "quote \" and backslash \\",
            "comma, semicolon; newline\nand\r\ttab",
            "=SUM(A1) +1 -1 @x \tlead",
            "non-ASCII: é ü 中文 \u{202E}rtl \u{200B}zw",
            "control \u{1} \u{1b}[31m \u{7f}",
        ];
        for (i, text) in texts.iter().enumerate() {
            let file = i % 2 == 0;
            let e = Evidence {
                id: 0,
                kind: [EvidenceKind::File, EvidenceKind::Url, EvidenceKind::Note][i % 3],
                title: text.to_string(),
                sha256: file.then(|| "ab".repeat(32)),
                size: file.then_some(i64::MAX),
                media_type: file.then(|| "application/pdf".to_string()),
                original_name: file.then(|| format!("{text}.pdf")),
                url: (i % 3 == 1).then(|| format!("https://example.com/{text}")),
                note: text.to_string(),
                collected_on: day("2026-01-31"),
                valid_until: (i % 2 == 1).then(|| day("2027-02-28")),
                submitted_by: format!("actor {text}"),
                submitted_at: "2026-12-04T19:00:00Z".to_string(),
                status: [ReviewStatus::Pending, ReviewStatus::Accepted, ReviewStatus::Rejected][i % 3],
            };
            for service in [None, Some(*text)] {
                for from in [None, Some(format!("{text}.csv line {i}"))] {
                    let control = format!("nist-800-53:AC-{i}{text}");
                    assert_eq!(
                        added_details(&e, 40 + i as i64, &control, service, from.as_deref()),
                        as_a_tree(&e, 40 + i as i64, &control, service, from.as_deref()),
                        "{text:?}"
                    );
                }
            }
        }
    }
}
