//! Text: cleaning to what the report's faces can show (see `fontset`), glyph widths, wrapping
//! into cells and cutting to fit.

use unicode_normalization::UnicodeNormalization;

use super::fonts::Font;
use super::fontset::{Fonts, current};

/// `s` as the report draws it: composed (NFC), line breaks and other spaces as spaces,
/// invisible characters (soft hyphen, zero-width ones) dropped, and every character no face has
/// written as its code point (`<U+1F600>`), so two different names never look the same.
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
    let fonts = current();
    let mut out = String::with_capacity(s.len());
    for c in s.nfc() {
        match c {
            '\n' => out.push(if keep_newlines { '\n' } else { ' ' }),
            '\r' => {}
            '\t' | '\u{0B}' | '\u{0C}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' => {
                out.push(' ')
            }
            // Soft hyphen and zero-width characters: nothing to draw.
            '\u{AD}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' => {}
            c if !c.is_control() && fonts.has(c) => out.push(c),
            c => out.push_str(&format!("<U+{:04X}>", u32::from(c))),
        }
    }
    out
}

/// The width of `text` (already [`clean`]) in `font` at `size`, in points.
fn width_in(fonts: &Fonts, text: &str, font: Font, size: f32) -> f32 {
    let units: u32 = text.chars().map(|c| fonts.width(font, c)).sum();
    units as f32 * size / 1000.0
}

/// The width of `text` (already [`clean`]) in points.
pub(crate) fn text_width(text: &str, font: Font, size: f32) -> f32 {
    width_in(&current(), text, font, size)
}

/// `text` (already [`clean`]) broken into lines no wider than `width` points: at spaces, and
/// inside words too long for a line (after a `-`, `/`, `_`, `.`, `,` or `:` where one is near).
/// `\n` starts a new line. Only a line of a single character can be wider than `width`.
pub(crate) fn wrap(text: &str, font: Font, size: f32, width: f32) -> Vec<String> {
    let m = current();
    let scale = size / 1000.0;
    let space = m.width(font, ' ') as f32 * scale;
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut line_w = 0.0f32;
        for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
            let word_w = width_in(&m, word, font, size);
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
                line_w = width_in(&m, &last, font, size);
                line = last;
            }
        }
        lines.push(line);
    }
    lines
}

/// Splits a word wider than `width` into pieces that fit.
fn break_word(word: &str, font: Font, size: f32, width: f32) -> Vec<String> {
    let m = current();
    let scale = size / 1000.0;
    let mut pieces = Vec::new();
    let mut piece = String::new();
    let mut piece_w = 0.0f32;
    // Byte offset just after the last good break character in `piece`, with its width so far.
    let mut soft: Option<(usize, f32)> = None;
    for c in word.chars() {
        let cw = m.width(font, c) as f32 * scale;
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
    let m = current();
    if width_in(&m, text, font, size) <= width {
        return text.to_string();
    }
    let budget = width - width_in(&m, "\u{2026}", font, size);
    let mut out = String::new();
    let mut w = 0.0;
    for c in text.chars() {
        let cw = m.width(font, c) as f32 * size / 1000.0;
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
    fn text_is_kept_and_what_no_face_has_shows_its_code_point() {
        // Outside a report: the bundled faces alone.
        assert_eq!(
            clean("caf\u{e9} \u{2014} \u{201c}q\u{201d} \u{2026}"),
            "caf\u{e9} \u{2014} \u{201c}q\u{201d} \u{2026}"
        );
        assert_eq!(
            clean("\u{141}\u{f3}d\u{17a} \u{2192} x\u{2264}y"),
            "\u{141}\u{f3}d\u{17a} \u{2192} x\u{2264}y"
        );
        assert_eq!(clean("a\tb\nc\u{200b}d"), "a b cd");
        assert_eq!(clean("e\u{301}t\u{e9}"), "\u{e9}t\u{e9}", "composed");
        assert_eq!(clean("\u{10FFFD} \u{7}"), "<U+10FFFD> <U+0007>");
        assert_eq!(clean_paragraph("one\r\ntwo"), "one\ntwo");
        assert!(!clean("\u{6f22}").contains('?'));

        let mut data = sample();
        data.findings[0].detail = "port (5432) \\ open \u{2192} fix".into();
        data.organisation = "\u{141}\u{f3}d\u{17a} Caf\u{e9} \u{2014} \u{10FFFD}".into();
        let all = page_texts(&render(&data, Paper::A4).expect("render")).join("\n");
        assert!(all.contains("port (5432) \\ open \u{2192} fix"), "escapes and arrow");
        assert!(
            all.contains("\u{141}\u{f3}d\u{17a} Caf\u{e9} \u{2014} <U+10FFFD>"),
            "organisation kept: {all}"
        );
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
        // DejaVu Sans and DejaVu Sans Mono widths.
        assert!((text_width("a", Font::Regular, 1000.0) - 613.0).abs() < 1.0);
        assert!((text_width(" ", Font::Regular, 1000.0) - 318.0).abs() < 1.0);
        assert!((text_width(&"0".repeat(64), Font::Mono, 10.0) - 385.3).abs() < 0.1);
    }
}
