//! The evidence index: every piece of evidence with its file hash, dates and review status.

use super::{Renderer, count_by, heading_or, plural};
use crate::report::data::EvidenceLine;
use crate::report::pdf::canvas::Align;
use crate::report::pdf::fonts::Font;
use crate::report::pdf::style::{BAD_INK, GREY_INK, HEAD, INK, MUTED, Style, status_color};
use crate::report::pdf::table::{Cell, ColSpec, Table};
use crate::report::pdf::text::{clean, text_width};

impl Renderer<'_> {
    pub(crate) fn evidence(&mut self) {
        let d = self.d;
        self.section(heading_or(&d.texts.evidence_heading, "Evidence index"));
        if d.evidence.is_empty() {
            self.note("No evidence.");
            return;
        }
        let counts = count_by(d.evidence.iter().map(|e| e.status.as_str()));
        let st = Style::new(Font::Regular, 8.5, MUTED);
        let (x, w) = (self.c.left, self.c.width());
        let text = format!(
            "{}: {counts}. File hashes are SHA-256.",
            plural(d.evidence.len(), "piece of evidence", "pieces of evidence")
        );
        self.c.paragraph(&text, st, 12.0, x, w);
        // Say how far the stored files were checked, so a reader knows what "counted" rests on.
        let checked = match d.summary.evidence_check.as_str() {
            "size" => {
                "Stored files were checked for presence and recorded size, not re-hashed \
                       (report --verify-evidence re-hashes every file)."
            }
            "hash" => "Every stored file was re-hashed against its recorded SHA-256.",
            _ => "",
        };
        if !checked.is_empty() {
            self.c.paragraph(checked, st, 12.0, x, w);
        }
        if d.summary.evidence_failed > 0 {
            let warning = super::summary::integrity_warning(d.summary.evidence_failed);
            self.c
                .paragraph(&warning, Style::new(Font::Bold, 8.5, BAD_INK), 12.0, x, w);
        }
        self.c.y += 6.0;
        let pad = 7.0;
        let w = |s: &str, st: Style| text_width(s, st.font, st.size);
        let max_id = d.evidence.iter().map(|e| e.id).max().unwrap_or(0);
        let id_w = w(&max_id.to_string(), EV_BODY).max(w("ID", HEAD)) + pad + 1.0;
        let date_w = w("0000-00-00", EV_BODY).max(w("Collected", HEAD)) + pad + 2.0;
        let status_w = d
            .evidence
            .iter()
            .map(|e| {
                let status = w(&clean(&e.status), EV_BODY);
                if e.integrity.is_empty() {
                    return status;
                }
                // The integrity lines under the status must not wrap word by word.
                let bad = EV_BODY.font(Font::Bold);
                status
                    .max(w(&format!("file {}", clean(&e.integrity)), bad))
                    .max(w("not counted", bad))
            })
            .fold(w("Status", HEAD).max(w("accepted", EV_BODY)), f32::max)
            .min(70.0)
            + pad
            + 1.0;
        let hash_w = w(&"0".repeat(64), EV_HASH) + pad + 2.0;
        let specs = [
            ColSpec::new("ID", id_w, 0.0, Align::Right),
            ColSpec::new("Title / SHA-256", hash_w, 1.0, Align::Left),
            ColSpec::new("Collected", date_w, 0.0, Align::Left),
            ColSpec::new("Expires", date_w, 0.0, Align::Left),
            ColSpec::new("Status", status_w, 0.0, Align::Left),
            ColSpec::new("Reviewer", 42.0, 0.5, Align::Left),
        ];
        let mut t = Table::new(&self.c, &specs);
        for e in &d.evidence {
            let cells = evidence_cells(e, &d.generated_on);
            t.row(&mut self.c, &cells);
        }
        t.end(&mut self.c);
    }
}

const EV_BODY: Style = Style::new(Font::Regular, 7.0, INK);
const EV_HASH: Style = Style::new(Font::Mono, 6.5, GREY_INK);

fn evidence_cells(e: &EvidenceLine, today: &str) -> [Cell; 6] {
    let title = if e.sha256.is_empty() {
        Cell::or(&e.title, EV_BODY, "(untitled)")
            .then("no file hash (URL or note)", EV_BODY.font(Font::Italic).color(MUTED))
    } else {
        Cell::or(&e.title, EV_BODY, "(untitled)").then(&e.sha256, EV_HASH)
    };
    let expired = !e.expires.is_empty() && e.expires.as_str() < today;
    let expires = if expired {
        Cell::new(&e.expires, EV_BODY.font(Font::Bold).color(BAD_INK)).then("expired", EV_BODY.color(BAD_INK))
    } else {
        Cell::or(&e.expires, EV_BODY, "-")
    };
    let status = Cell::or(&e.status, EV_BODY.color(status_color(&e.status)), "-");
    let status = if e.integrity.is_empty() {
        status
    } else {
        let bad = EV_BODY.font(Font::Bold).color(BAD_INK);
        status
            .then(&format!("file {}", e.integrity), bad)
            .then("not counted", bad)
    };
    [
        Cell::new(&e.id.to_string(), EV_BODY),
        title,
        Cell::or(&e.collected, EV_BODY, "-"),
        expires,
        status,
        Cell::or(&e.reviewer, EV_BODY, "-"),
    ]
}
