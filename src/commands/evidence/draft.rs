//! One piece of evidence as given, on the command line or in a CSV row: checked, turned into a
//! draft, its file stored, and saved with its links and audit entries.

use std::path::{Path, PathBuf};
use std::rc::Rc;

use serde_json::json;

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

/// Records a draft: the evidence row, its link and the audit entry. Returns the new id and the
/// earlier evidence with the same content.
pub(super) fn save(w: &Writer<'_>, d: &Draft, extra: Option<(&str, serde_json::Value)>) -> Result<(i64, Vec<i64>)> {
    let same = match &d.evidence.sha256 {
        Some(sha) => store_db::with_hash(w, sha)?,
        None => Vec::new(),
    };
    let id = store_db::insert(w, &d.evidence)?;
    store_db::link(
        w,
        id,
        d.control.id,
        d.service.as_ref().map(|s| s.id),
        w.actor(),
        &d.evidence.submitted_at,
    )?;
    let mut details = serde_json::to_value(&d.evidence).map_err(std::io::Error::from)?;
    details["id"] = json!(id);
    details["control"] = json!(format!("{}:{}", d.control.catalog, d.control.control.key));
    details["service"] = json!(d.service.as_ref().map(|s| s.service.name.clone()));
    if let Some((key, value)) = extra {
        details[key] = value;
    }
    w.audit("evidence.add", &format!("evidence:{id}"), details)?;
    Ok((id, same))
}
