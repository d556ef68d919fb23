//! Read-only views of evidence and its stored file: `evidence show` and `evidence verify`.

use std::io::Write;

use serde_json::json;

use super::clean;
use crate::commands::Ctx;
use crate::db::evidence as store_db;
use crate::error::{Error, Result};
use crate::evidence::{Check, Store};
use crate::model::evidence::{Freshness, freshness};
use crate::support::output;

/// `evidence show ID`: the metadata, links and reviews, and a cheap look at the stored file, so
/// that evidence whose file was altered or removed is never shown as counting.
pub(super) fn show(ctx: &Ctx, id: i64) -> Result<()> {
    let conn = ctx.db.conn();
    let e = store_db::get(conn, id)?;
    let links = store_db::links(conn, id)?;
    let reviews = store_db::reviews(conn, id)?;
    let state = freshness(e.valid_until, ctx.today, 0);
    // Present as a regular file of the recorded size; `evidence verify` re-hashes.
    let stored = match &e.sha256 {
        Some(sha) => {
            let size = e.size.and_then(|n| u64::try_from(n).ok());
            Some(Store::beside(ctx.db.path()).check_size(sha, size)?)
        }
        None => None,
    };
    let file_ok = stored.is_none_or(|s| s == Check::Intact);
    let counts = crate::model::evidence::counts(e.status, e.valid_until, ctx.today) && file_ok;
    let mut out = output::stdout();
    if ctx.json {
        let view = json!({ "evidence": e, "freshness": state, "counts": counts, "stored_file": stored.map(|state| json!({ "checked": "size", "state": state })), "links": links, "reviews": reviews });
        return output::print_json(&mut out, &view);
    }
    let mut fields = vec![
        ("evidence", format!("{} ({})", e.id, e.kind)),
        ("title", clean(&e.title, 200)),
    ];
    if let Some(sha) = &e.sha256 {
        fields.push(("sha256", sha.clone()));
        fields.push(("size", format!("{} bytes", e.size.unwrap_or(0))));
        fields.push(("file name", clean(e.original_name.as_deref().unwrap_or(""), 200)));
        fields.push(("media type", e.media_type.clone().unwrap_or_default()));
        let file = match stored {
            Some(Check::Missing) => "MISSING from the evidence store (see `ctrlmap evidence verify`)",
            Some(Check::Altered) => "ALTERED: not the file that was added (see `ctrlmap evidence verify`)",
            _ => "present, recorded size (`ctrlmap evidence verify` re-hashes it)",
        };
        fields.push(("stored file", file.to_string()));
    }
    if let Some(url) = &e.url {
        fields.push(("url", url.clone()));
    }
    if !e.note.is_empty() {
        fields.push(("note", clean(&e.note, 2000)));
    }
    fields.push(("collected", e.collected_on.to_string()));
    let expires = match e.valid_until {
        None => "never".to_string(),
        Some(d) if state == Freshness::Expired => format!("{d} (expired)"),
        Some(d) => format!("{d} ({} days left)", ctx.today.days_until(d)),
    };
    fields.push(("expires", expires));
    fields.push(("submitted", format!("{} by {}", e.submitted_at, e.submitted_by)));
    fields.push(("status", e.status.to_string()));
    fields.push((
        "counts",
        match (counts, file_ok) {
            (true, _) => "yes (accepted, unexpired)",
            (false, false) => "no (its stored file failed the integrity check)",
            (false, true) => "no",
        }
        .to_string(),
    ));
    output::print_fields(&mut out, &fields)?;
    writeln!(out, "\nLinked to:")?;
    for l in &links {
        let on = l.service.as_deref().unwrap_or("(organisation-wide)");
        writeln!(
            out,
            "  {}:{}  {on}  (by {} at {})",
            l.catalog, l.control, l.linked_by, l.linked_at
        )?;
    }
    writeln!(out, "\nReview history:")?;
    if reviews.is_empty() {
        writeln!(out, "  (none yet)")?;
    }
    for r in &reviews {
        writeln!(
            out,
            "  {}  {} by {}: {}",
            r.at,
            r.decision,
            r.reviewer,
            clean(&r.note, 500)
        )?;
    }
    Ok(())
}

/// `evidence verify`: re-hashes every stored file and names each missing or altered one.
pub(super) fn verify(ctx: &Ctx) -> Result<()> {
    let store = Store::beside(ctx.db.path());
    let mut problems = Vec::new();
    let hashes = store_db::file_hashes(ctx.db.conn())?;
    for (sha, ids) in &hashes {
        let state = store.check(sha)?;
        if state != Check::Intact {
            problems.push((sha.clone(), ids.clone(), state));
        }
    }
    // Content no evidence names: left by adds the database refused (never taken back, as a
    // concurrent add of the same bytes may rely on it). Harmless, and reused if added again.
    let named: std::collections::HashSet<&str> = hashes.iter().map(|(sha, _)| sha.as_str()).collect();
    let unreferenced: Vec<String> = store
        .hashes()?
        .into_iter()
        .filter(|sha| !named.contains(sha.as_str()))
        .collect();
    let mut out = output::stdout();
    if ctx.json {
        let rows: Vec<_> = problems
            .iter()
            .map(|(sha, ids, state)| json!({ "sha256": sha, "evidence": ids, "state": state }))
            .collect();
        let view = json!({ "files": hashes.len(), "problems": rows, "unreferenced": unreferenced });
        output::print_json(&mut out, &view)?;
    } else {
        for (sha, ids, state) in &problems {
            let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
            let what = if *state == Check::Missing { "missing" } else { "altered" };
            writeln!(out, "{what}: {sha} (evidence {})", ids.join(", "))?;
        }
        if !unreferenced.is_empty() {
            writeln!(
                out,
                "{} stored files no evidence refers to (left by adds the database refused; harmless, reused if the same content is added again)",
                unreferenced.len()
            )?;
        }
    }
    if problems.is_empty() {
        if !ctx.json {
            writeln!(out, "evidence store intact: {} files verified", hashes.len())?;
        }
        return Ok(());
    }
    out.flush()?;
    Err(Error::CheckFailed(format!(
        "{} of {} stored files are missing or altered",
        problems.len(),
        hashes.len()
    )))
}
