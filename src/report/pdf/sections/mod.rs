//! The report's sections, one file each, drawn by a [`Renderer`]; this module holds the renderer
//! and the blocks sections share (headings, notes, fields, legend, bar charts).

mod checks;
mod controls;
mod cover;
mod evidence;
mod findings;
mod matrix;
mod poam;
mod signoff;
mod summary;

use super::canvas::Canvas;
use super::fonts::Font;
use super::style::{CUSTOMER, INHERITED, INK, MUTED, NAVY, RULE, Rgb, SHARED, Style, TRACK, UNDETERMINED};
use super::text::{clean, fit, text_width, wrap};
use crate::report::data::{Paper, ReportData, capitalise, percent};

pub(super) struct Renderer<'a> {
    d: &'a ReportData,
    pub(super) c: Canvas,
    pub(super) outline: Vec<(String, usize)>,
}

fn heading_or<'t>(text: &'t str, default: &'t str) -> &'t str {
    if text.trim().is_empty() { default } else { text }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

impl<'a> Renderer<'a> {
    pub(super) fn new(d: &'a ReportData, paper: Paper) -> Renderer<'a> {
        Renderer {
            d,
            c: Canvas::new(paper),
            outline: Vec::new(),
        }
    }

    fn running(&self, section: &str) -> Option<(String, String)> {
        Some((clean(&self.d.organisation), clean(section)))
    }

    /// Starts a section on a new page, with an outline entry and its heading.
    fn section(&mut self, heading: &str) {
        self.c.running = self.running(heading);
        self.c.new_page();
        self.outline.push((heading.to_string(), self.c.page_index()));
        self.h1(heading);
    }

    fn h1(&mut self, text: &str) {
        let st = Style::new(Font::Bold, 18.0, NAVY);
        for line in wrap(&clean(text), st.font, st.size, self.c.width()) {
            self.c.ensure(24.0);
            self.c.text(self.c.left, self.c.y + 17.0, st, &line);
            self.c.y += 23.0;
        }
        self.c.y += 3.0;
        let (x, y, w) = (self.c.left, self.c.y, self.c.width());
        self.c.rect(x, y, w, 0.6, RULE);
        self.c.rect(x, y - 0.9, 42.0, 2.4, NAVY);
        self.c.y += 14.0;
    }

    /// A subheading, kept with at least `keep` points of what follows.
    fn h2(&mut self, text: &str, keep: f32) {
        let st = Style::new(Font::Bold, 11.0, NAVY);
        if !self.c.ensure(26.0 + keep) {
            self.c.y += 8.0;
        }
        let line = fit(&clean(text), st.font, st.size, self.c.width());
        self.c.text(self.c.left, self.c.y + 11.0, st, &line);
        self.c.y += 19.0;
    }

    fn note(&mut self, text: &str) {
        let st = Style::new(Font::Italic, 9.0, MUTED);
        let (x, w) = (self.c.left, self.c.width());
        self.c.paragraph(text, st, 13.0, x, w);
        self.c.y += 4.0;
    }

    /// A label and a wrapped value, as on the cover.
    fn field(&mut self, label: &str, value: &str, value_style: Style) {
        let label_w = 118.0;
        let lst = Style::new(Font::Bold, 8.5, MUTED);
        let value_w = self.c.width() - label_w;
        let lines = wrap(&clean(value), value_style.font, value_style.size, value_w);
        let lead = value_style.lead().max(lst.lead()) + 1.5;
        let h = lines.len().max(1) as f32 * lead + 5.0;
        self.c.ensure(h);
        let top = self.c.y + 2.0;
        self.c.text(
            self.c.left,
            top + lst.ascent(),
            lst,
            &fit(&clean(label), lst.font, lst.size, label_w - 8.0),
        );
        let mut y = top;
        for line in &lines {
            self.c
                .text(self.c.left + label_w, y + value_style.ascent(), value_style, line);
            y += lead;
        }
        self.c.y += h;
        let (x, w, yy) = (self.c.left, self.c.width(), self.c.y - 1.5);
        self.c.rect(x, yy, w, 0.3, TRACK);
    }

    /// Coloured swatches for the four responsibilities.
    fn legend(&mut self) {
        self.c.ensure(18.0);
        let st = Style::new(Font::Regular, 7.5, INK);
        let label = Style::new(Font::Bold, 7.5, MUTED);
        let mut x = self.c.left;
        let top = self.c.y;
        self.c.text(x, top + 8.0, label, "Responsibility:");
        x += text_width("Responsibility:", label.font, label.size) + 8.0;
        for (name, p) in [
            ("Inherited (provider)", INHERITED),
            ("Shared", SHARED),
            ("Customer", CUSTOMER),
            ("Undetermined", UNDETERMINED),
        ] {
            self.c.rect(x, top + 1.0, 14.0, 9.0, p.tint);
            self.c.rect(x, top + 1.0, 2.0, 9.0, p.strong);
            x += 18.0;
            self.c.text(x, top + 8.0, st, name);
            x += text_width(name, st.font, st.size) + 14.0;
        }
        self.c.y += 18.0;
    }

    /// Horizontal bars, each as a share of `total`, with counts and a total row.
    fn bar_chart(&mut self, rows: &[(String, u64, Rgb)], total: u64) {
        let row_h = 16.0;
        let label_w = 112.0;
        let value_w = 78.0;
        let track_w = self.c.width() - label_w - value_w - 10.0;
        self.c.ensure(row_h * (rows.len() + 1) as f32 + 4.0);
        let lst = Style::new(Font::Regular, 8.5, INK);
        let vst = Style::new(Font::Regular, 8.5, INK);
        for (label, count, color) in rows {
            let top = self.c.y;
            let x = self.c.left;
            self.c.text(
                x,
                top + 10.5,
                lst,
                &fit(&clean(label), lst.font, lst.size, label_w - 6.0),
            );
            self.c.rect(x + label_w, top + 3.0, track_w, 10.0, TRACK);
            if total > 0 && *count > 0 {
                let w = (track_w * (*count as f32 / total as f32)).clamp(1.5, track_w);
                self.c.rect(x + label_w, top + 3.0, w, 10.0, *color);
            }
            let value = format!("{count}  ({})", percent(*count, total));
            self.c.text(x + label_w + track_w + 10.0, top + 10.5, vst, &value);
            self.c.y += row_h;
        }
        let top = self.c.y;
        let x = self.c.left;
        self.c.rect(x, top + 1.0, self.c.width(), 0.4, RULE);
        let bst = Style::new(Font::Bold, 8.5, INK);
        self.c.text(x, top + 11.5, bst, "Total");
        self.c
            .text(x + label_w + track_w + 10.0, top + 11.5, bst, &total.to_string());
        self.c.y += row_h + 4.0;
    }
}

/// "2 not-satisfied, 1 no-evidence": counts in order of first appearance.
fn count_by<'s>(values: impl Iterator<Item = &'s str>) -> String {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    let mut index: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for v in values {
        let v = if v.trim().is_empty() { "unknown" } else { v };
        match index.get(v) {
            Some(&i) => counts[i].1 += 1,
            None => {
                index.insert(v, counts.len());
                counts.push((v, 1));
            }
        }
    }
    counts
        .iter()
        .map(|(v, n)| format!("{n} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use crate::report::data::Paper;
    use crate::report::pdf::fixtures::{page_texts, sample};
    use crate::report::pdf::render;

    #[test]
    fn empty_findings_and_evidence_say_so_and_live_state_is_named() {
        let mut data = sample();
        data.findings.clear();
        data.evidence.clear();
        data.evaluation = None;
        let all = page_texts(&render(&data, Paper::A4).expect("render")).join("\n");
        assert!(all.contains("No findings."));
        assert!(all.contains("No evidence."));
        assert!(all.contains("Live state (not an evaluation)"));
    }
}
