//! The summary: key figures, charts by responsibility and result, evidence coverage, teams.

use super::{Renderer, capitalise, heading_or, percent};
use crate::report::pdf::canvas::Align;
use crate::report::pdf::fonts::Font;
use crate::report::pdf::style::{
    BAD_INK, GOOD, HEAD, INK, MUTED, NAVY, Rgb, Style, TILE, TRACK, responsibility_palette, result_colors,
};
use crate::report::pdf::table::{Cell, ColSpec, Table};
use crate::report::pdf::text::{clean, fit, text_width};

impl Renderer<'_> {
    pub(crate) fn summary(&mut self) {
        let d = self.d;
        let s = &d.summary;
        self.section(heading_or(&d.texts.summary_heading, "Summary"));
        let total: u64 = if s.by_responsibility.is_empty() {
            d.controls.len() as u64
        } else {
            s.by_responsibility.iter().map(|(_, n)| n).sum()
        };
        let coverage = percent(s.with_counting_evidence, s.shared_or_customer);
        self.tiles(&[
            ("Controls", total.to_string()),
            ("Shared or customer", s.shared_or_customer.to_string()),
            ("Evidence coverage", coverage.clone()),
            ("Findings", d.findings.len().to_string()),
        ]);

        self.h2("Controls by responsibility", 80.0);
        let rows: Vec<(String, u64, Rgb)> = s
            .by_responsibility
            .iter()
            .map(|(label, n)| (capitalise(label), *n, responsibility_palette(label).strong))
            .collect();
        self.bar_chart(&rows, total);

        self.h2("Controls by result", 100.0);
        let result_total: u64 = s.by_result.iter().map(|(_, n)| n).sum();
        let rows: Vec<(String, u64, Rgb)> = s
            .by_result
            .iter()
            .map(|(label, n)| (capitalise(&label.replace('-', " ")), *n, result_colors(label).0))
            .collect();
        self.bar_chart(&rows, result_total);

        self.h2("Evidence coverage", 50.0);
        let rows = [("Shared + customer".to_string(), s.with_counting_evidence, GOOD)];
        self.coverage_bar(&rows[0], s.shared_or_customer);
        let sentence = if s.shared_or_customer == 0 {
            "There are no shared or customer controls, so no evidence is expected.".to_string()
        } else {
            format!(
                "{} of {} shared or customer controls ({coverage}) have accepted, unexpired evidence.",
                s.with_counting_evidence, s.shared_or_customer
            )
        };
        let (x, w) = (self.c.left, self.c.width());
        self.c
            .paragraph(&sentence, Style::new(Font::Regular, 8.5, INK), 12.0, x, w);
        if s.evidence_failed > 0 {
            let warning = integrity_warning(s.evidence_failed);
            self.c
                .paragraph(&warning, Style::new(Font::Bold, 8.5, BAD_INK), 12.0, x, w);
        }
        self.c.y += 6.0;

        self.h2("By team", 40.0);
        if s.teams.is_empty() {
            self.note("No team owns shared or customer controls in scope.");
            return;
        }
        let num_w = text_width("Evidenced", HEAD.font, HEAD.size) + 16.0;
        let specs = [
            ColSpec::new("Team", 80.0, 1.0, Align::Left),
            ColSpec::new("Pairs", num_w, 0.0, Align::Right),
            ColSpec::new("Evidenced", num_w, 0.0, Align::Right),
            ColSpec::new("Satisfied", num_w, 0.0, Align::Right),
            ColSpec::new("Failing", num_w, 0.0, Align::Right),
        ];
        let mut t = Table::new(&self.c, &specs);
        let body = Style::new(Font::Regular, 8.0, INK);
        for team in &s.teams {
            let failing = if team.failing > 0 {
                body.font(Font::Bold).color(BAD_INK)
            } else {
                body
            };
            let cells = [
                Cell::new(&team.team, body.font(Font::Bold)),
                Cell::new(&team.pairs.to_string(), body),
                Cell::new(
                    &format!("{}  ({})", team.evidenced, percent(team.evidenced, team.pairs)),
                    body,
                ),
                Cell::new(&team.satisfied.to_string(), body),
                Cell::new(&team.failing.to_string(), failing),
            ];
            t.row(&mut self.c, &cells);
        }
        t.end(&mut self.c);
    }

    fn tiles(&mut self, tiles: &[(&str, String)]) {
        let gap = 8.0;
        let n = tiles.len().max(1) as f32;
        let w = (self.c.width() - gap * (n - 1.0)) / n;
        let h = 48.0;
        self.c.ensure(h + 8.0);
        let top = self.c.y;
        let value = Style::new(Font::Bold, 18.0, NAVY);
        let label = Style::new(Font::Regular, 7.5, MUTED);
        for (i, (name, v)) in tiles.iter().enumerate() {
            let x = self.c.left + i as f32 * (w + gap);
            self.c.rect(x, top, w, h, TILE);
            self.c.rect(x, top, 3.0, h, NAVY);
            self.c.text(
                x + 10.0,
                top + 24.0,
                value,
                &fit(&clean(v), value.font, value.size, w - 14.0),
            );
            self.c.text(
                x + 10.0,
                top + 38.0,
                label,
                &fit(&clean(name), label.font, label.size, w - 14.0),
            );
        }
        self.c.y += h + 6.0;
    }

    fn coverage_bar(&mut self, row: &(String, u64, Rgb), total: u64) {
        let (label, count, color) = row;
        self.c.ensure(22.0);
        let top = self.c.y;
        let x = self.c.left;
        let label_w = 112.0;
        let value_w = 78.0;
        let track_w = self.c.width() - label_w - value_w - 10.0;
        let st = Style::new(Font::Regular, 8.5, INK);
        self.c.text(x, top + 11.5, st, label);
        self.c.rect(x + label_w, top + 3.0, track_w, 12.0, TRACK);
        if total > 0 && *count > 0 {
            let w = (track_w * (*count as f32 / total as f32)).clamp(1.5, track_w);
            self.c.rect(x + label_w, top + 3.0, w, 12.0, *color);
        }
        let bst = Style::new(Font::Bold, 8.5, INK);
        self.c.text(
            x + label_w + track_w + 10.0,
            top + 11.5,
            bst,
            &format!("{count} / {total}  ({})", percent(*count, total)),
        );
        self.c.y += 22.0;
    }
}

/// The sentence that says how many pieces of evidence failed the integrity check of their
/// stored files, for the summary and the cover.
pub(super) fn integrity_warning(failed: u64) -> String {
    if failed == 1 {
        "1 evidence file failed the integrity check (missing or altered) and is not counted.".to_string()
    } else {
        format!("{failed} evidence files failed the integrity check (missing or altered) and are not counted.")
    }
}
