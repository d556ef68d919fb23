//! Text: cleaning to what the faces can show (WinAnsi, or DejaVu Sans when embedded), glyph
//! widths, wrapping into cells and cutting to fit.

use std::sync::OnceLock;

use super::fonts::{Font, embeddable, embedded, unicode_face, unicode_mode};

/// WinAnsi bytes 0x80..=0x9F (the rest agrees with Latin-1); '\0' where undefined.
const WIN_ANSI_80: [char; 32] = [
    '\u{20AC}', '\0', '\u{201A}', '\u{0192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}', '\u{02C6}', '\u{2030}',
    '\u{0160}', '\u{2039}', '\u{0152}', '\0', '\u{017D}', '\0', '\0', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}',
    '\u{2022}', '\u{2013}', '\u{2014}', '\u{02DC}', '\u{2122}', '\u{0161}', '\u{203A}', '\u{0153}', '\0', '\u{017E}',
    '\u{0178}',
];

/// Base letters for U+0100..=U+017F (Latin Extended-A), for the letters WinAnsi lacks.
const LATIN_EXT_A: &[u8] = concat!(
    "AaAaAaCcCcCcCcDd",
    "DdEeEeEeEeEeGgGg",
    "GgGgHhHhIiIiIiIi",
    "IiIiJjKkkLlLlLlL",
    "lLlNnNnNnnNnOoOo",
    "OoOoRrRrRrSsSsSs",
    "SsTtTtTtUuUuUuUu",
    "UuUuWwYyYZzZzZzs"
)
.as_bytes();

/// The WinAnsi byte for `c`, if the encoding has it.
pub(super) fn win_ansi_byte(c: char) -> Option<u8> {
    let cp = u32::from(c);
    if (0x20..=0x7E).contains(&cp) || (0xA0..=0xFF).contains(&cp) {
        return u8::try_from(cp).ok();
    }
    if c == '\0' {
        return None;
    }
    WIN_ANSI_80
        .iter()
        .position(|&k| k == c)
        .and_then(|i| u8::try_from(0x80 + i).ok())
}

/// The character WinAnsi byte `b` stands for.
fn win_ansi_char(b: u8) -> Option<char> {
    match b {
        0x20..=0x7E | 0xA0..=0xFF => Some(char::from(b)),
        0x80..=0x9F => Some(WIN_ANSI_80[usize::from(b - 0x80)]).filter(|&c| c != '\0'),
        _ => None,
    }
}

/// `s` with every character the builtin fonts can show: WinAnsi characters as they are, common
/// others mapped to an equivalent (dashes, quotes, spaces, arrows, accented Latin letters),
/// anything else as `?`. Line breaks become spaces.
pub(crate) fn clean(s: &str) -> String {
    clean_text(s, false)
}

/// Like [`clean`] but keeps line breaks (`\n`), for paragraphs.
pub(super) fn clean_paragraph(s: &str) -> String {
    clean_text(s, true)
}

fn clean_text(s: &str, keep_newlines: bool) -> String {
    if s.bytes().all(|b| (0x20..=0x7E).contains(&b)) {
        return s.to_string();
    }
    let unicode = unicode_mode();
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c != '\u{AD}' && win_ansi_byte(c).is_some() {
            out.push(c);
            continue;
        }
        if unicode && embeddable(c) {
            out.push(c);
            continue;
        }
        match c {
            '\n' => out.push(if keep_newlines { '\n' } else { ' ' }),
            '\r' => {}
            '\t' | '\u{0B}' | '\u{0C}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' => {
                out.push(' ')
            }
            // Soft hyphen, zero-width characters and combining accents (their base letter stays).
            '\u{AD}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{0300}'..='\u{036F}' => {}
            '\u{2010}'..='\u{2012}' | '\u{2043}' | '\u{2212}' => out.push('-'),
            '\u{2015}' => out.push('\u{2014}'),
            '\u{201B}' | '\u{2032}' | '\u{02B9}' | '\u{02BC}' => out.push('\''),
            '\u{201F}' | '\u{2033}' => out.push('"'),
            '\u{2024}' => out.push('.'),
            '\u{2190}' => out.push_str("<-"),
            '\u{2192}' => out.push_str("->"),
            '\u{2194}' => out.push_str("<->"),
            '\u{21D2}' => out.push_str("=>"),
            '\u{2264}' => out.push_str("<="),
            '\u{2265}' => out.push_str(">="),
            '\u{2260}' => out.push_str("!="),
            '\u{2248}' => out.push('~'),
            '\u{2116}' => out.push_str("No."),
            '\u{0100}'..='\u{017F}' => {
                let i = usize::try_from(u32::from(c) - 0x100).unwrap_or(0);
                out.push(LATIN_EXT_A.get(i).map_or('?', |&b| char::from(b)));
            }
            '\u{0218}' => out.push('S'),
            '\u{0219}' => out.push('s'),
            '\u{021A}' => out.push('T'),
            '\u{021B}' => out.push('t'),
            _ => out.push('?'),
        }
    }
    out
}

/// Glyph advances (thousandths of an em) per WinAnsi byte, per font.
struct Metrics {
    widths: [[u16; 256]; 4],
}

fn metrics() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::load)
}

impl Metrics {
    fn load() -> Metrics {
        let mut widths = [[0u16; 256]; 4];
        for font in Font::ALL {
            let mono = font == Font::Mono;
            let fallback = if mono { 600 } else { 556 };
            let parsed = font.builtin().get_parsed_font();
            let table = &mut widths[font.index()];
            for b in 0..=255u8 {
                table[usize::from(b)] = match win_ansi_char(b) {
                    // printpdf's faces do not map the space: the standard width.
                    Some(' ' | '\u{A0}') => {
                        if mono {
                            600
                        } else {
                            278
                        }
                    }
                    Some(c) => parsed
                        .as_ref()
                        .and_then(|p| {
                            let upm = u32::from(p.units_per_em.max(1));
                            let w = p.get_glyph_width(p.lookup_glyph_index(u32::from(c))?)?;
                            u16::try_from((u32::from(w) * 1000 + upm / 2) / upm).ok()
                        })
                        .filter(|&w| w > 0)
                        .unwrap_or(fallback),
                    None => fallback,
                };
            }
        }
        Metrics { widths }
    }

    fn char_width(&self, font: Font, c: char) -> u32 {
        if let Some(f) = unicode_face(font).and_then(embedded) {
            return f.width(c);
        }
        let b = win_ansi_byte(c).unwrap_or(b'?');
        u32::from(self.widths[font.index()][usize::from(b)])
    }

    fn width(&self, text: &str, font: Font, size: f32) -> f32 {
        let units: u32 = text.chars().map(|c| self.char_width(font, c)).sum();
        units as f32 * size / 1000.0
    }
}

/// The width of `text` (already [`clean`]) in points.
pub(crate) fn text_width(text: &str, font: Font, size: f32) -> f32 {
    metrics().width(text, font, size)
}

/// `text` (already [`clean`]) broken into lines no wider than `width` points: at spaces, and
/// inside words too long for a line (after a `-`, `/`, `_`, `.`, `,` or `:` where one is near).
/// `\n` starts a new line. Only a line of a single character can be wider than `width`.
pub(crate) fn wrap(text: &str, font: Font, size: f32, width: f32) -> Vec<String> {
    let m = metrics();
    let scale = size / 1000.0;
    let space = m.char_width(font, ' ') as f32 * scale;
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut line_w = 0.0f32;
        for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
            let word_w = m.width(word, font, size);
            if !line.is_empty() && line_w + space + word_w <= width {
                line.push(' ');
                line.push_str(word);
                line_w += space + word_w;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            if word_w <= width {
                line.push_str(word);
                line_w = word_w;
            } else {
                // Break the word; the last piece starts the next line.
                let mut pieces = break_word(word, font, size, width);
                let last = pieces.pop().unwrap_or_default();
                lines.extend(pieces);
                line_w = m.width(&last, font, size);
                line = last;
            }
        }
        lines.push(line);
    }
    lines
}

/// Splits a word wider than `width` into pieces that fit.
fn break_word(word: &str, font: Font, size: f32, width: f32) -> Vec<String> {
    let m = metrics();
    let scale = size / 1000.0;
    let mut pieces = Vec::new();
    let mut piece = String::new();
    let mut piece_w = 0.0f32;
    // Byte offset just after the last good break character in `piece`, with its width so far.
    let mut soft: Option<(usize, f32)> = None;
    for c in word.chars() {
        let cw = m.char_width(font, c) as f32 * scale;
        if !piece.is_empty() && piece_w + cw > width {
            match soft {
                Some((at, w)) if w >= width * 0.4 && at < piece.len() => {
                    let rest = piece.split_off(at);
                    pieces.push(std::mem::replace(&mut piece, rest));
                    piece_w -= w;
                }
                _ => {
                    pieces.push(std::mem::take(&mut piece));
                    piece_w = 0.0;
                }
            }
            soft = None;
        }
        piece.push(c);
        piece_w += cw;
        if matches!(c, '-' | '/' | '_' | '.' | ',' | ':') {
            soft = Some((piece.len(), piece_w));
        }
    }
    pieces.push(piece);
    pieces
}

/// `text` cut to fit `width`, ending in an ellipsis when cut.
pub(super) fn fit(text: &str, font: Font, size: f32, width: f32) -> String {
    let m = metrics();
    if m.width(text, font, size) <= width {
        return text.to_string();
    }
    let budget = width - m.width("\u{2026}", font, size);
    let mut out = String::new();
    let mut w = 0.0;
    for c in text.chars() {
        let cw = m.char_width(font, c) as f32 * size / 1000.0;
        if w + cw > budget {
            break;
        }
        out.push(c);
        w += cw;
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out.push('\u{2026}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::data::Paper;
    use crate::report::pdf::fixtures::{page_texts, sample};
    use crate::report::pdf::render;

    #[test]
    fn text_outside_win_ansi_is_mapped_not_lost() {
        assert_eq!(LATIN_EXT_A.len(), 128);
        assert_eq!(
            clean("caf\u{e9} \u{2014} \u{201c}q\u{201d} \u{2026}"),
            "caf\u{e9} \u{2014} \u{201c}q\u{201d} \u{2026}"
        );
        assert_eq!(clean("\u{141}\u{f3}d\u{17a} \u{2192} x\u{2264}y"), "L\u{f3}dz -> x<=y");
        assert_eq!(clean("a\tb\nc\u{200b}d"), "a b cd");
        assert_eq!(clean("e\u{301}t\u{e9}"), "et\u{e9}");
        assert_eq!(clean("\u{6f22}\u{5b57} \u{3b1}"), "?? ?");
        assert_eq!(clean_paragraph("one\r\ntwo"), "one\ntwo");
        for c in clean("\u{2018}\u{2019}\u{20ac}\u{2122}\u{2022}\u{2013}").chars() {
            assert!(win_ansi_byte(c).is_some(), "{c:?} is WinAnsi");
        }

        // WinAnsi text keeps the builtin faces; the rest embeds DejaVu Sans, which draws the
        // Polish letters and the arrow but no CJK.
        let mut data = sample();
        data.findings[0].detail = "port (5432) \\ open \u{2014} fix".into();
        let all = page_texts(&render(&data, Paper::A4).expect("render")).join("\n");
        assert!(all.contains("port (5432) \\ open \u{2014} fix"), "escapes");
        data.organisation = "\u{141}\u{f3}d\u{17a} Caf\u{e9} \u{2014} \u{6f22}".into();
        data.findings[0].detail = "port (5432) \\ open \u{2192} fix".into();
        let all = page_texts(&render(&data, Paper::A4).expect("render")).join("\n");
        assert!(
            all.contains("\u{141}\u{f3}d\u{17a} Caf\u{e9} \u{2014} ?"),
            "organisation kept"
        );
        assert!(all.contains("port (5432) \\ open \u{2192} fix"), "arrow kept");
    }

    #[test]
    fn wrapped_lines_fit_their_width() {
        let text = clean(
            "Security group and firewall configuration for every production VPC, reviewed quarterly \
             https://wiki.example.com/security/firewall-review-2026-q4/with/a/very/long/path \
             3f2a9c4d5e6b7a8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708 partially-satisfied",
        );
        for font in Font::ALL {
            for (size, width) in [(7.5, 60.0), (7.0, 120.0), (9.5, 200.0), (6.5, 35.0)] {
                let lines = wrap(&text, font, size, width);
                assert!(lines.len() > 1, "{font:?} {size} {width}: wrapped");
                for line in &lines {
                    let w = text_width(line, font, size);
                    assert!(w <= width + 0.01, "{font:?} {size}: {line:?} is {w} wide, over {width}");
                }
                // Nothing is lost but the spaces the lines broke at.
                let joined: String = lines.concat().split_whitespace().collect();
                let original: String = text.split_whitespace().collect();
                assert_eq!(joined, original);
            }
        }
        assert_eq!(wrap("short", Font::Regular, 8.0, 100.0), vec!["short"]);
        assert_eq!(wrap("a\n\nb", Font::Regular, 8.0, 100.0), vec!["a", "", "b"]);
        let hyphenated = wrap("partially-satisfied", Font::Regular, 7.5, 45.0);
        assert_eq!(hyphenated, vec!["partially-", "satisfied"]);
        // Helvetica widths are the standard ones.
        assert!((text_width("a", Font::Regular, 1000.0) - 556.0).abs() < 1.0);
        assert!((text_width(" ", Font::Regular, 1000.0) - 278.0).abs() < 0.1);
        assert!((text_width(&"0".repeat(64), Font::Mono, 10.0) - 384.0).abs() < 1.0);
    }
}
