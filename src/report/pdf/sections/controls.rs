//! The control table, with the columns the template selects.

use super::{Renderer, heading_or, plural};
use crate::report::data::{ControlColumn, ControlLine};
use crate::report::pdf::canvas::Align;
use crate::report::pdf::fonts::Font;
use crate::report::pdf::style::{BODY, BODY_BOLD, HEAD, MUTED, Style, responsibility_palette, result_colors};
use crate::report::pdf::table::{Cell, ColSpec, Table};
use crate::report::pdf::text::{clean, text_width};

impl Renderer<'_> {
    pub(crate) fn controls(&mut self) {
        let d = self.d;
        self.section(heading_or(&d.texts.controls_heading, "Controls"));
        self.legend();
        let st = Style::new(Font::Regular, 8.5, MUTED);
        let (x, w) = (self.c.left, self.c.width());
        let intro = format!(
            "{} in catalogue order; responsibility is the organisation-wide value over the services in scope.",
            plural(d.controls.len(), "control", "controls")
        );
        self.c.paragraph(&intro, st, 12.0, x, w);
        self.c.y += 6.0;
        if d.controls.is_empty() {
            self.note("No controls.");
            return;
        }
        if d.control_columns.is_empty() {
            self.note("The template selects no control-table columns.");
            return;
        }
        let pad = 7.0;
        let w = |s: &str, st: Style| text_width(s, st.font, st.size);
        let key_w = d
            .controls
            .iter()
            .map(|c| w(&clean(&c.key), BODY_BOLD))
            .fold(w("Control", HEAD), f32::max)
            .clamp(30.0, 90.0)
            + pad
            + 1.0;
        let specs: Vec<ColSpec> = d
            .control_columns
            .iter()
            .map(|col| match col {
                ControlColumn::Key => ColSpec::new("Control", key_w, 0.0, Align::Left),
                ControlColumn::Title => ColSpec::new("Title", 70.0, 3.0, Align::Left),
                ControlColumn::Family => ColSpec::new("Family", 50.0, 1.4, Align::Left),
                ControlColumn::Responsibility => ColSpec::new(
                    "Responsibility",
                    w("undetermined", BODY).max(w("Responsibility", HEAD)) + pad + 3.0,
                    0.0,
                    Align::Left,
                ),
                ControlColumn::Owner => ColSpec::new("Owner", 45.0, 1.0, Align::Left),
                ControlColumn::Result => ColSpec::new(
                    "Result",
                    w("not-applicable", BODY).max(w("Result", HEAD)) + pad + 1.0,
                    0.0,
                    Align::Left,
                ),
                ControlColumn::Evidence => ColSpec::new("Evidence", w("Evidence", HEAD) + pad + 2.0, 0.0, Align::Right),
                ControlColumn::Freshest => ColSpec::new(
                    "Freshest",
                    w("0000-00-00", BODY).max(w("Freshest", HEAD)) + pad + 2.0,
                    0.0,
                    Align::Left,
                ),
            })
            .collect();
        let mut t = Table::new(&self.c, &specs);
        for control in &d.controls {
            let cells: Vec<Cell> = d
                .control_columns
                .iter()
                .map(|col| control_cell(*col, control))
                .collect();
            t.row(&mut self.c, &cells);
        }
        t.end(&mut self.c);
    }
}

fn control_cell(col: ControlColumn, c: &ControlLine) -> Cell {
    match col {
        ControlColumn::Key => Cell::new(&c.key, BODY_BOLD),
        // The implementation statement, where one was recorded, reads under the title.
        ControlColumn::Title if !c.statement.is_empty() => {
            Cell::new(&c.title, BODY).then(&format!("Statement: {}", c.statement), BODY.color(MUTED))
        }
        ControlColumn::Title => Cell::new(&c.title, BODY),
        ControlColumn::Family => Cell::or(&c.family, BODY, "-"),
        ControlColumn::Responsibility => {
            let p = responsibility_palette(&c.responsibility);
            let text = heading_or(&c.responsibility, "undetermined");
            Cell::new(text, BODY.color(p.ink)).palette(p)
        }
        ControlColumn::Owner => Cell::or(&c.owner, BODY, "-"),
        ControlColumn::Result => {
            let (_, ink) = result_colors(&c.result);
            Cell::or(&c.result, BODY.color(ink), "-")
        }
        ControlColumn::Evidence => {
            let st = if c.evidence_count == 0 { BODY.color(MUTED) } else { BODY };
            Cell::new(&c.evidence_count.to_string(), st)
        }
        ControlColumn::Freshest => Cell::or(&c.freshest, BODY, "-"),
    }
}
