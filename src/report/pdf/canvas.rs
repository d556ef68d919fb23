//! The canvas: pages being drawn as compact content streams, with a cursor, running headers
//! and the footers added once the page count is known.

use std::collections::BTreeMap;
use std::io::Write as _;

use printpdf::{Mm, Pt};

use super::fonts::Font;
use super::fontset::current;
use super::style::{MUTED, RULE, Rgb, Style};
use super::text::{clean, clean_paragraph, fit, text_width, wrap};
use crate::report::data::Paper;

/// Writes `v` with at most `decimals` decimals (0..=3).
fn push_num(buf: &mut Vec<u8>, v: f32, decimals: u32) {
    let scale = 10i64.pow(decimals);
    let scaled = (f64::from(v) * scale as f64).round() as i64;
    if scaled < 0 {
        buf.push(b'-');
    }
    let a = scaled.unsigned_abs();
    let scale = scale.unsigned_abs();
    let _ = write!(buf, "{}", a / scale);
    let mut frac = a % scale;
    if frac != 0 {
        let mut digits = decimals as usize;
        while frac.is_multiple_of(10) {
            frac /= 10;
            digits -= 1;
        }
        let _ = write!(buf, ".{frac:0digits$}");
    }
}

/// Page size in millimetres.
pub(super) fn paper_mm(paper: Paper) -> (f32, f32) {
    match paper {
        Paper::A4 => (210.0, 297.0),
        Paper::Letter => (215.9, 279.4),
    }
}

/// How text sits in its box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Align {
    Left,
    Right,
}

/// The glyphs of one face a report draws: their ids in the subset embedded (assigned in drawing
/// order, so the same report gives the same ids), with each one's id in the font and character.
#[derive(Default)]
pub(super) struct FaceUse {
    pub(super) remapper: subsetter::GlyphRemapper,
    pub(super) chars: BTreeMap<u16, (u16, char)>,
}

/// The resource name face `i` is set with in content streams.
pub(super) fn resource_name(i: usize) -> String {
    format!("CM{i}")
}

/// Bytes a page's footer takes, about (a rule and three short texts).
const FOOTER_ROOM: usize = 512;

/// The pages being drawn, with a cursor `y` measured down from the top of the page.
pub(super) struct Canvas {
    pub(super) page_w: f32,
    page_h: f32,
    pub(super) left: f32,
    pub(super) right: f32,
    pub(super) top: f32,
    pub(super) bottom: f32,
    pub(super) y: f32,
    /// Finished pages: content and whether it gets a footer.
    pages: Vec<(Vec<u8>, bool)>,
    cur: Vec<u8>,
    pub(super) cur_footer: bool,
    pub(super) started: bool,
    fill: Option<Rgb>,
    /// The face (by number, see `fontset`) and size text is set in.
    font: Option<(usize, f32)>,
    /// Glyphs drawn with each face, by face number.
    pub(super) glyphs: BTreeMap<usize, FaceUse>,
    /// Running header (left, right) drawn on each new page, if any.
    pub(super) running: Option<(String, String)>,
}

impl Canvas {
    pub(super) fn new(paper: Paper) -> Canvas {
        let (w, h) = paper_mm(paper);
        let mm = |v: f32| Pt::from(Mm(v)).0;
        let page_w = mm(w);
        let page_h = mm(h);
        Canvas {
            page_w,
            page_h,
            left: mm(18.0),
            right: page_w - mm(18.0),
            top: mm(18.0),
            bottom: page_h - mm(20.0),
            y: mm(18.0),
            pages: Vec::new(),
            cur: Vec::new(),
            cur_footer: true,
            started: false,
            fill: None,
            font: None,
            glyphs: BTreeMap::new(),
            running: None,
        }
    }

    pub(super) fn width(&self) -> f32 {
        self.right - self.left
    }

    /// Index of the page being drawn.
    pub(super) fn page_index(&self) -> usize {
        self.pages.len()
    }

    /// Keeps a finished page's content: without the room its buffer grew into, but for the
    /// footer still to come (thousands of pages wait for their footers at once).
    fn keep_page(&mut self) {
        let mut content = std::mem::take(&mut self.cur);
        content.shrink_to(content.len() + FOOTER_ROOM);
        self.pages.push((content, self.cur_footer));
    }

    pub(super) fn new_page(&mut self) {
        if self.started {
            self.keep_page();
        }
        self.started = true;
        self.cur = Vec::with_capacity(16 * 1024);
        self.cur_footer = true;
        self.fill = None;
        self.font = None;
        self.y = self.top;
        if let Some((left, right)) = self.running.clone() {
            let st = Style::new(Font::Regular, 7.0, MUTED);
            let base = Pt::from(Mm(11.0)).0;
            let half = self.width() / 2.0 - 8.0;
            let l = fit(&left, st.font, st.size, half);
            let r = fit(&right, st.font, st.size, half);
            self.text(self.left, base, st, &l);
            self.text_right(self.right, base, st, &r);
            self.rect(self.left, Pt::from(Mm(12.8)).0, self.width(), 0.4, RULE);
        }
    }

    /// Starts a new page unless `h` more points fit on this one; true when it did.
    pub(super) fn ensure(&mut self, h: f32) -> bool {
        if !self.started || self.y + h > self.bottom {
            self.new_page();
            true
        } else {
            false
        }
    }

    fn set_fill(&mut self, c: Rgb) {
        if self.fill != Some(c) {
            push_num(&mut self.cur, c.0, 3);
            self.cur.push(b' ');
            push_num(&mut self.cur, c.1, 3);
            self.cur.push(b' ');
            push_num(&mut self.cur, c.2, 3);
            self.cur.extend_from_slice(b" rg\n");
            self.fill = Some(c);
        }
    }

    /// A filled rectangle; `y` is its top, down from the top of the page.
    pub(super) fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, c: Rgb) {
        if w <= 0.0 || h <= 0.0 {
            return;
        }
        self.set_fill(c);
        let bottom = self.page_h - y - h;
        push_num(&mut self.cur, x, 2);
        self.cur.push(b' ');
        push_num(&mut self.cur, bottom, 2);
        self.cur.push(b' ');
        push_num(&mut self.cur, w, 2);
        self.cur.push(b' ');
        push_num(&mut self.cur, h, 2);
        self.cur.extend_from_slice(b" re f\n");
    }

    /// Text (already [`clean`]) with its baseline at `baseline`, down from the top of the page:
    /// one text object, a run per face (each character in the first face that has it), glyph
    /// ids in hex strings (Identity-H); the italic style is the regular face slanted.
    pub(super) fn text(&mut self, x: f32, baseline: f32, st: Style, s: &str) {
        if s.is_empty() {
            return;
        }
        self.set_fill(st.color);
        let fonts = current();
        self.cur.extend_from_slice(b"BT ");
        let y = self.page_h - baseline;
        if st.font == Font::Italic {
            self.cur.extend_from_slice(b"1 0 0.2 1 ");
            push_num(&mut self.cur, x, 2);
            self.cur.push(b' ');
            push_num(&mut self.cur, y, 2);
            self.cur.extend_from_slice(b" Tm ");
        } else {
            push_num(&mut self.cur, x, 2);
            self.cur.push(b' ');
            push_num(&mut self.cur, y, 2);
            self.cur.extend_from_slice(b" Td ");
        }
        let mut open = false;
        for c in s.chars() {
            // `clean` left only characters some face has; anything else draws nothing.
            let Some((face, gid)) = fonts.resolve(st.font, c) else {
                continue;
            };
            if self.font != Some((face, st.size)) {
                if open {
                    self.cur.extend_from_slice(b"> Tj ");
                }
                let _ = write!(self.cur, "/{} ", resource_name(face));
                push_num(&mut self.cur, st.size, 2);
                self.cur.extend_from_slice(b" Tf <");
                self.font = Some((face, st.size));
                open = true;
            } else if !open {
                self.cur.push(b'<');
                open = true;
            }
            let used = self.glyphs.entry(face).or_default();
            let new = used.remapper.remap(gid);
            used.chars.entry(new).or_insert((gid, c));
            let _ = write!(self.cur, "{new:04X}");
        }
        if open {
            self.cur.extend_from_slice(b"> Tj ");
        }
        self.cur.extend_from_slice(b"ET\n");
    }

    fn text_right(&mut self, right: f32, baseline: f32, st: Style, s: &str) {
        let w = text_width(s, st.font, st.size);
        self.text(right - w, baseline, st, s);
    }

    fn text_center(&mut self, center: f32, baseline: f32, st: Style, s: &str) {
        let w = text_width(s, st.font, st.size);
        self.text(center - w / 2.0, baseline, st, s);
    }

    /// Text aligned in a box of `width` starting at `x`.
    pub(super) fn text_in(&mut self, x: f32, width: f32, align: Align, baseline: f32, st: Style, s: &str) {
        match align {
            Align::Left => self.text(x, baseline, st, s),
            Align::Right => self.text_right(x + width, baseline, st, s),
        }
    }

    /// Wrapped text over the content width (or `width` from `x`), flowing across pages.
    pub(super) fn paragraph(&mut self, text: &str, st: Style, lead: f32, x: f32, width: f32) {
        let cleaned = clean_paragraph(text);
        for line in wrap(&cleaned, st.font, st.size, width) {
            self.ensure(lead);
            self.text(x, self.y + (lead - st.lead()) / 2.0 + st.ascent(), st, &line);
            self.y += lead;
        }
    }

    /// Finishes the last page, adds the footers and returns every page's content.
    pub(super) fn finish(&mut self, footer: &str, date: &str) -> Vec<Vec<u8>> {
        if self.started {
            self.keep_page();
        }
        let total = self.pages.len();
        let footer = clean(footer);
        let generated = clean(&format!("Generated {date}"));
        let st = Style::new(Font::Regular, 7.0, MUTED);
        let rule_y = self.page_h - Pt::from(Mm(15.0)).0;
        let base = self.page_h - Pt::from(Mm(10.5)).0;
        let center = (self.left + self.right) / 2.0;
        let gen_w = text_width(&generated, st.font, st.size);
        let left_room = self.width() / 2.0 - gen_w / 2.0 - 10.0;
        let footer = fit(&footer, st.font, st.size, left_room);
        let pages = std::mem::take(&mut self.pages);
        let mut out = Vec::with_capacity(total);
        for (i, (content, with_footer)) in pages.into_iter().enumerate() {
            self.cur = content;
            self.fill = None;
            self.font = None;
            if with_footer {
                // Contents end in a known state: reset what the footer depends on.
                self.cur.extend_from_slice(b"\n");
                self.rect(self.left, rule_y, self.width(), 0.4, RULE);
                self.text(self.left, base, st, &footer);
                self.text_center(center, base, st, &generated);
                self.text_right(self.right, base, st, &format!("page {} of {total}", i + 1));
            }
            out.push(std::mem::take(&mut self.cur));
        }
        if out.is_empty() {
            out.push(Vec::new());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_compactly() {
        let mut buf = Vec::new();
        for v in [0.0, 1.0, -2.5, 12.345, 0.1, 841.89] {
            push_num(&mut buf, v, 2);
            buf.push(b' ');
        }
        push_num(&mut buf, 0.067, 3);
        assert_eq!(
            String::from_utf8(buf).expect("ascii"),
            "0 1 -2.5 12.35 0.1 841.89 0.067"
        );
    }
}
