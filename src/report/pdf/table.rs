//! Tables: column widths, cells of stacked parts, and rows that never split across pages, with
//! the header repeated on every page.

use super::canvas::{Align, Canvas};
use super::style::{HEAD, MUTED, NAVY, Palette, RULE, Rgb, Style, ZEBRA};
use super::text::{clean, fit, wrap};

/// A column as asked for: a minimum width, a share of what is left, alignment.
pub(super) struct ColSpec {
    title: String,
    min: f32,
    flex: f32,
    align: Align,
}

impl ColSpec {
    pub(super) fn new(title: &str, min: f32, flex: f32, align: Align) -> ColSpec {
        ColSpec {
            title: title.to_string(),
            min,
            flex,
            align,
        }
    }
}

/// Column widths that add up to `total`: minimums, then the rest shared by flex.
fn fit_columns(specs: &[ColSpec], total: f32) -> Vec<f32> {
    let fixed: f32 = specs.iter().map(|s| s.min).sum();
    let flex: f32 = specs.iter().map(|s| s.flex).sum();
    if fixed >= total || flex <= 0.0 {
        let fixed = fixed.max(1.0);
        specs.iter().map(|s| s.min * total / fixed).collect()
    } else {
        specs.iter().map(|s| s.min + (total - fixed) * s.flex / flex).collect()
    }
}

/// One piece of a cell: its own text and style, stacked under the previous one.
struct Part {
    text: String,
    style: Style,
}

/// A table cell.
pub(super) struct Cell {
    parts: Vec<Part>,
    fill: Option<Rgb>,
    bar: Option<Rgb>,
}

impl Cell {
    pub(super) fn new(text: &str, style: Style) -> Cell {
        Cell {
            parts: vec![Part {
                text: clean(text),
                style,
            }],
            fill: None,
            bar: None,
        }
    }

    /// A cell that shows `placeholder` (muted) when `text` is empty.
    pub(super) fn or(text: &str, style: Style, placeholder: &str) -> Cell {
        if text.trim().is_empty() {
            Cell::new(placeholder, style.color(MUTED))
        } else {
            Cell::new(text, style)
        }
    }

    pub(super) fn then(mut self, text: &str, style: Style) -> Cell {
        self.parts.push(Part {
            text: clean(text),
            style,
        });
        self
    }

    pub(super) fn palette(mut self, p: Palette) -> Cell {
        self.fill = Some(p.tint);
        self.bar = Some(p.strong);
        self
    }
}

pub(super) struct Table {
    x: f32,
    widths: Vec<f32>,
    aligns: Vec<Align>,
    header: Vec<Vec<String>>,
    header_h: f32,
    pad_x: f32,
    pad_y: f32,
    rows: usize,
    header_page: Option<usize>,
}

impl Table {
    fn width(&self) -> f32 {
        self.widths.iter().sum()
    }
}

/// Wrapped lines of a cell: (text, style), and their height.
type CellLines = Vec<(String, Style)>;

fn cell_lines(cell: &Cell, inner: f32) -> CellLines {
    let mut out = Vec::new();
    for part in &cell.parts {
        for line in wrap(&part.text, part.style.font, part.style.size, inner) {
            out.push((line, part.style));
        }
    }
    out
}

fn lines_height(lines: &CellLines) -> f32 {
    lines.iter().map(|(_, st)| st.lead()).sum()
}

/// Keeps the lines of a cell that fit in `max_h`, marking a cut with an ellipsis.
fn cut_lines(lines: &mut CellLines, max_h: f32, inner: f32) {
    let mut h = 0.0;
    let mut keep = 0;
    for (_, st) in lines.iter() {
        if h + st.lead() > max_h {
            break;
        }
        h += st.lead();
        keep += 1;
    }
    if keep < lines.len() {
        lines.truncate(keep.max(1));
        if let Some((text, st)) = lines.last_mut() {
            let marked = format!("{text} \u{2026}");
            *text = fit(&marked, st.font, st.size, inner);
            if !text.ends_with('\u{2026}') {
                text.push('\u{2026}');
                *text = fit(text, st.font, st.size, inner);
            }
        }
    }
}

impl Table {
    /// A table over the width of `c`'s text column.
    pub(super) fn new(c: &Canvas, specs: &[ColSpec]) -> Table {
        let widths = fit_columns(specs, c.width());
        let pad_x = 3.5;
        let pad_y = 2.6;
        let header: Vec<Vec<String>> = specs
            .iter()
            .zip(&widths)
            .map(|(s, w)| wrap(&clean(&s.title), HEAD.font, HEAD.size, w - 2.0 * pad_x))
            .collect();
        let lines = header.iter().map(Vec::len).max().unwrap_or(1).max(1);
        Table {
            x: c.left,
            aligns: specs.iter().map(|s| s.align).collect(),
            widths,
            header,
            header_h: lines as f32 * HEAD.lead() + 2.0 * (pad_y + 0.8),
            pad_x,
            pad_y,
            rows: 0,
            header_page: None,
        }
    }

    fn header(&mut self, c: &mut Canvas) {
        let top = c.y;
        c.rect(self.x, top, self.width(), self.header_h, NAVY);
        let mut x = self.x;
        for i in 0..self.widths.len() {
            let mut y = top + self.pad_y + 0.8;
            for line in &self.header[i] {
                c.text_in(
                    x + self.pad_x,
                    self.widths[i] - 2.0 * self.pad_x,
                    self.aligns[i],
                    y + HEAD.ascent(),
                    HEAD,
                    line,
                );
                y += HEAD.lead();
            }
            x += self.widths[i];
        }
        c.y += self.header_h;
        self.header_page = Some(c.page_index());
        self.rows = 0;
    }

    /// Closes the part of a table on this page with a rule.
    fn rule(&self, c: &mut Canvas) {
        let (x, y, w) = (self.x, c.y, self.width());
        c.rect(x, y, w, 0.6, RULE);
    }

    /// Draws a row: never split across pages, the header repeated on each page.
    pub(super) fn row(&mut self, c: &mut Canvas, cells: &[Cell]) {
        let mut laid: Vec<CellLines> = cells
            .iter()
            .zip(&self.widths)
            .map(|(c, w)| cell_lines(c, w - 2.0 * self.pad_x))
            .collect();
        let mut h = laid.iter().map(lines_height).fold(0.0, f32::max) + 2.0 * self.pad_y;
        let max_h = c.bottom - c.top - self.header_h - 4.0;
        if h > max_h {
            for (lines, w) in laid.iter_mut().zip(&self.widths) {
                cut_lines(lines, max_h - 2.0 * self.pad_y, w - 2.0 * self.pad_x);
            }
            h = laid.iter().map(lines_height).fold(0.0, f32::max) + 2.0 * self.pad_y;
        }
        let on_this_page = self.header_page == Some(c.page_index()) && c.started;
        let needed = if on_this_page { h } else { h + self.header_h };
        if !c.started || c.y + needed > c.bottom {
            if on_this_page {
                self.rule(c);
            }
            c.new_page();
            self.header(c);
        } else if !on_this_page {
            self.header(c);
        }
        let top = c.y;
        if self.rows % 2 == 1 {
            c.rect(self.x, top, self.width(), h, ZEBRA);
        }
        let mut x = self.x;
        for (i, (lines, cell)) in laid.iter().zip(cells).enumerate() {
            let w = self.widths[i];
            if let Some(fill) = cell.fill {
                c.rect(x, top, w, h, fill);
            }
            if let Some(bar) = cell.bar {
                c.rect(x, top, 2.0, h, bar);
            }
            let mut y = top + self.pad_y;
            for (text, st) in lines {
                c.text_in(
                    x + self.pad_x,
                    w - 2.0 * self.pad_x,
                    self.aligns[i],
                    y + st.ascent(),
                    *st,
                    text,
                );
                y += st.lead();
            }
            x += w;
        }
        c.y += h;
        self.rows += 1;
    }

    /// Ends the table with a rule and space below.
    pub(super) fn end(&self, c: &mut Canvas) {
        if self.header_page.is_some() {
            self.rule(c);
        }
        c.y += 10.0;
    }
}

#[cfg(test)]
mod tests {
    use crate::report::data::{Paper, Section};
    use crate::report::pdf::fixtures::{page_texts, sample};
    use crate::report::pdf::render;

    #[test]
    fn a_row_taller_than_a_page_is_cut_not_split() {
        let mut data = sample();
        data.findings[0].detail = "very long detail ".repeat(2_000);
        data.sections = vec![Section::Findings];
        let pages = page_texts(&render(&data, Paper::A4).expect("render"));
        assert!(pages.len() <= 3, "the row is cut to a page, got {} pages", pages.len());
        assert!(pages.concat().contains('\u{2026}'), "the cut is marked");
    }
}
