//! The findings table.

use super::{Renderer, count_by, heading_or, plural};
use crate::report::data::Finding;
use crate::report::pdf::canvas::Align;
use crate::report::pdf::fonts::Font;
use crate::report::pdf::style::{BODY, BODY_BOLD, HEAD, MUTED, Style, finding_color};
use crate::report::pdf::table::{Cell, ColSpec, Table};
use crate::report::pdf::text::{clean, text_width};

impl Renderer<'_> {
    pub(crate) fn findings(&mut self) {
        let d = self.d;
        self.section(heading_or(&d.texts.findings_heading, "Findings"));
        if d.findings.is_empty() {
            self.note("No findings.");
            self.poam();
            return;
        }
        let counts = count_by(d.findings.iter().map(|f| f.kind.as_str()));
        let st = Style::new(Font::Regular, 8.5, MUTED);
        let (x, w) = (self.c.left, self.c.width());
        let text = format!("{}: {counts}.", plural(d.findings.len(), "finding", "findings"));
        self.c.paragraph(&text, st, 12.0, x, w);
        self.c.y += 6.0;
        let pad = 12.0;
        let w = |s: &str, st: Style| text_width(s, st.font, st.size);
        let key_w = d
            .findings
            .iter()
            .map(|f| w(&clean(&f.control), BODY_BOLD))
            .fold(w("Control", HEAD), f32::max)
            .clamp(30.0, 90.0)
            + pad
            + 1.0;
        let specs = [
            ColSpec::new("Kind", w("expired-evidence", BODY_BOLD) + pad + 1.0, 0.0, Align::Left),
            ColSpec::new("Control", key_w, 0.0, Align::Left),
            ColSpec::new("Service", 55.0, 1.0, Align::Left),
            ColSpec::new("Detail", 120.0, 3.2, Align::Left),
        ];
        let mut t = Table::new(&self.c, &specs);
        for f in &d.findings {
            let cells = finding_cells(f);
            t.row(&mut self.c, &cells);
        }
        t.end(&mut self.c);
        self.poam();
    }
}

fn finding_cells(f: &Finding) -> [Cell; 4] {
    [
        Cell::new(&f.kind, BODY_BOLD.color(finding_color(&f.kind))),
        Cell::new(&f.control, BODY_BOLD),
        Cell::or(&f.service, BODY, "organisation"),
        Cell::new(&f.detail, BODY),
    ]
}
