//! The plan of action and milestones, after the findings: the items not completed, the overdue
//! first. Drawn only when the report has items, so a report without any is unchanged.

use super::{Renderer, count_by, plural};
use crate::report::data::PoamLine;
use crate::report::pdf::canvas::Align;
use crate::report::pdf::fonts::Font;
use crate::report::pdf::style::{BODY, BODY_BOLD, HEAD, MUTED, Style, finding_color, status_color};
use crate::report::pdf::table::{Cell, ColSpec, Table};
use crate::report::pdf::text::text_width;

impl Renderer<'_> {
    pub(crate) fn poam(&mut self) {
        let d = self.d;
        if d.poam.is_empty() {
            return;
        }
        self.h2("Plan of action and milestones", 60.0);
        let overdue = d.poam.iter().filter(|p| p.overdue).count();
        let counts = count_by(d.poam.iter().map(|p| p.status.as_str()));
        let text = format!(
            "{}: {counts}; {} as of {}.",
            plural(d.poam.len(), "item not completed", "items not completed"),
            plural(overdue, "overdue", "overdue"),
            d.generated_on
        );
        let st = Style::new(Font::Regular, 8.5, MUTED);
        let (x, w) = (self.c.left, self.c.width());
        self.c.paragraph(&text, st, 12.0, x, w);
        self.c.y += 6.0;
        let pad = 12.0;
        let w = |s: &str, st: Style| text_width(s, st.font, st.size);
        let specs = [
            ColSpec::new("Item", w("Item", HEAD) + pad, 0.0, Align::Right),
            ColSpec::new(
                "Status",
                w("in-progress (overdue)", BODY_BOLD) + pad + 1.0,
                0.0,
                Align::Left,
            ),
            ColSpec::new("Control", 60.0, 0.6, Align::Left),
            ColSpec::new("Finding", w("expired-evidence", BODY) + pad + 1.0, 0.0, Align::Left),
            ColSpec::new("Owner", 50.0, 0.8, Align::Left),
            ColSpec::new("Due", w("2026-12-31", BODY) + pad + 1.0, 0.0, Align::Left),
            ColSpec::new("Plan", 90.0, 2.4, Align::Left),
        ];
        let mut t = Table::new(&self.c, &specs);
        for p in &d.poam {
            let cells = poam_cells(p);
            t.row(&mut self.c, &cells);
        }
        t.end(&mut self.c);
    }
}

fn poam_cells(p: &PoamLine) -> [Cell; 7] {
    let status = if p.overdue {
        format!("{} (overdue)", p.status)
    } else {
        p.status.clone()
    };
    let colour = if p.overdue { "expired" } else { "" };
    [
        Cell::new(&p.id.to_string(), BODY),
        Cell::new(&status, BODY_BOLD.color(status_color(colour))),
        Cell::new(&p.control, BODY_BOLD),
        Cell::new(&p.kind, BODY.color(finding_color(&p.kind))),
        Cell::or(&p.owner, BODY, "none"),
        Cell::new(&p.due, BODY),
        Cell::new(&p.plan, BODY),
    ]
}

#[cfg(test)]
mod tests {
    use crate::report::data::{Paper, PoamLine};
    use crate::report::pdf::fixtures::{page_texts, sample};
    use crate::report::pdf::render;

    fn line(id: i64, status: &str, overdue: bool) -> PoamLine {
        PoamLine {
            id,
            control: "SRM-FW".into(),
            kind: "not-satisfied".into(),
            services: "orders-db".into(),
            owner: "platform".into(),
            detected: "2026-11-01".into(),
            due: "2026-11-30".into(),
            status: status.into(),
            overdue,
            plan: "2026-11-15 patch window booked".into(),
        }
    }

    #[test]
    fn items_follow_the_findings_and_none_draw_nothing() {
        let plain = render(&sample(), Paper::A4).expect("render");
        let text = page_texts(&plain).join("\n");
        assert!(!text.contains("Plan of action"), "no items, no section");
        let mut data = sample();
        data.poam = vec![line(4, "in-progress", true), line(5, "risk-accepted", false)];
        let bytes = render(&data, Paper::A4).expect("render");
        // Cells wrap: compare words, not lines.
        let text = page_texts(&bytes)
            .join(" ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        for needle in [
            "Plan of action and milestones",
            "2 items not completed",
            "1 overdue",
            "in-progress (overdue)",
            "risk-accepted",
            "patch window booked",
        ] {
            assert!(text.contains(needle), "{needle} missing");
        }
        assert!(render(&data, Paper::A4).expect("again") == bytes, "deterministic");
    }
}
