//! The one set of rules for text: what may enter ctrlmap, whichever way it comes (a flag, an
//! environment variable, a CSV cell, an OSCAL document), and how stored text is shown on a
//! terminal.
//!
//! Entering text is checked, not repaired: a name with a zero-width space or a right-to-left
//! override looks like another name on every screen and page it reaches, so it is refused with
//! the character named. Leaving text is escaped, not refused: whatever is in a database (written
//! by an older ctrlmap, or edited by hand) reaches a terminal only as visible characters.

use std::borrow::Cow;

/// The longest name (of a team, service, control key, actor, ...), in characters: names are keys
/// that tables, reports and package paths show whole.
pub const NAME_MAX: usize = 200;
/// The longest one-line text (a title, a contact, a region), in characters.
pub const LINE_MAX: usize = 500;
/// The longest prose (a note, a statement, one part of a control's text), in characters; longer
/// text belongs in a file added as evidence.
pub const PROSE_MAX: usize = 20_000;

/// What a text is, which decides what it may hold and how long it may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A key people type and compare: one line, nothing invisible, at most [`NAME_MAX`].
    Name,
    /// One line of text: at most [`LINE_MAX`].
    Line,
    /// Text that may hold tabs and line breaks: at most [`PROSE_MAX`].
    Prose,
}

impl Kind {
    /// The longest text of this kind, in characters.
    pub fn max(self) -> usize {
        match self {
            Kind::Name => NAME_MAX,
            Kind::Line => LINE_MAX,
            Kind::Prose => PROSE_MAX,
        }
    }
}

/// What is wrong with `text` as a text of `kind`, as the end of a sentence that starts with the
/// text's name (`must not contain control characters (found U+001B)`); `None` when it is fine.
/// Emptiness is the caller's business: an optional text may be empty.
pub fn problem(kind: Kind, text: &str) -> Option<String> {
    // Printable ASCII (with tabs and line breaks in prose) has none of the character problems
    // below, which are all control characters or beyond ASCII: such a text, most of what is
    // stored, is checked a byte at a time; any other byte sends it through the full check.
    let plain = |b: u8| (b' '..=b'~').contains(&b) || (kind == Kind::Prose && matches!(b, b'\t' | b'\n' | b'\r'));
    let chars = if text.bytes().all(plain) {
        "".chars()
    } else {
        text.chars()
    };
    for c in chars {
        let line_break = matches!(c, '\t' | '\n' | '\r');
        if c.is_control() && !(kind == Kind::Prose && line_break) {
            let which = if kind == Kind::Prose {
                "control characters other than tabs and line breaks"
            } else {
                "control characters (tabs, newlines)"
            };
            return Some(format!("must not contain {which} (found {})", code(c)));
        }
        if is_bidi_control(c) {
            return Some(format!(
                "must not contain bidirectional control characters, which make text read differently from how it is stored (found {})",
                code(c)
            ));
        }
        if kind == Kind::Name && is_invisible(c) {
            return Some(format!(
                "must not contain invisible characters, which make two names look the same (found {})",
                code(c)
            ));
        }
    }
    // Counting stops early: a 200 MB title is refused without walking all of it twice.
    let max = kind.max();
    if text.len() > max && text.chars().nth(max).is_some() {
        let length = text.chars().count();
        let advice = if kind == Kind::Prose {
            " (add longer text as a file of evidence)"
        } else {
            ""
        };
        return Some(format!("is {length} characters long; at most {max}{advice}"));
    }
    None
}

/// `U+XXXX`, how a character is named in messages.
pub fn code(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

/// Characters that reorder how the text around them is displayed (Trojan Source, CVE-2021-42574).
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Characters with no visible form of their own that can sit inside a name unseen.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' | '\u{034F}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}' | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200D}' | '\u{2060}'..='\u{2064}' | '\u{206A}'..='\u{206F}' | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}' | '\u{FFF9}'..='\u{FFFB}'
            | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E0FFF}'
    ) || is_bidi_control(c)
}

/// Whether a character must be escaped before it reaches a terminal: it could move the cursor,
/// change colours, retitle the window, or reorder or hide the text around it.
fn must_escape(c: char, keep_line_breaks: bool) -> bool {
    if keep_line_breaks && matches!(c, '\n' | '\t') {
        return false;
    }
    c.is_control() || is_bidi_control(c) || matches!(c, '\u{200B}' | '\u{2060}' | '\u{FEFF}' | '\u{180E}')
}

/// `text` as it may be shown on one line of a terminal: every control, bidirectional or
/// invisible formatting character (line breaks too) written as `\u{..}`.
pub fn one_line(text: &str) -> Cow<'_, str> {
    escape(text, false)
}

/// `text` as it may reach a terminal over several lines: like [`one_line`], but line breaks and
/// tabs stay.
pub fn block(text: &str) -> Cow<'_, str> {
    escape(text, true)
}

fn escape(text: &str, keep_line_breaks: bool) -> Cow<'_, str> {
    if !text.chars().any(|c| must_escape(c, keep_line_breaks)) {
        return text.into();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if must_escape(c, keep_line_breaks) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out.into()
}

/// A filter for everything written to standard output: text passes through [`block`], bytes that
/// are not UTF-8 pass through unchanged. Writes may split a character; its start is held back
/// until the rest arrives.
#[derive(Debug, Default)]
pub struct TerminalFilter {
    pending: Vec<u8>,
}

impl TerminalFilter {
    /// Appends the safe form of `bytes` to `out`.
    pub fn filter(&mut self, bytes: &[u8], out: &mut Vec<u8>) {
        if self.passes(bytes) {
            out.extend_from_slice(bytes);
            return;
        }
        let mut joined = std::mem::take(&mut self.pending);
        joined.extend_from_slice(bytes);
        let mut rest: &[u8] = &joined;
        loop {
            match std::str::from_utf8(rest) {
                Ok(text) => {
                    out.extend_from_slice(block(text).as_bytes());
                    return;
                }
                Err(e) => {
                    let (good, after) = rest.split_at(e.valid_up_to());
                    let text = std::str::from_utf8(good).expect("checked by from_utf8");
                    out.extend_from_slice(block(text).as_bytes());
                    match e.error_len() {
                        // A character cut by the end of this write: wait for its rest.
                        None => {
                            self.pending.extend_from_slice(after);
                            return;
                        }
                        Some(n) => {
                            out.extend_from_slice(&after[..n]);
                            rest = &after[n..];
                        }
                    }
                }
            }
        }
    }

    /// Whether `bytes` pass unchanged (nothing in them to escape, no character held back), so a
    /// writer can send them as they are without copying.
    pub fn passes(&self, bytes: &[u8]) -> bool {
        self.pending.is_empty() && !any_may_start_escape(bytes)
    }

    /// Bytes held back for a character that never completed.
    pub fn finish(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.pending)
    }
}

/// Whether a byte may begin something [`block`] escapes: a C0 control or DEL, or the lead byte
/// of a C1 control (`C2`), of U+061C (`D8`), U+180E (`E1`), the U+2000 block (`E2`) or U+FEFF (`EF`).
const fn may_start_escape(b: u8) -> bool {
    (b < 0x20 && b != b'\n' && b != b'\t') || matches!(b, 0x7F | 0xC2 | 0xD8 | 0xE1 | 0xE2 | 0xEF)
}

/// Whether any byte of `bytes` may start an escape. Every byte printed passes here, so it looks at
/// eight at a time: a word with no byte below 0x20, none from 0x7F up is plain ASCII text and
/// passes whole; only a word with such a byte (often just a line feed) is looked at byte by byte.
fn any_may_start_escape(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let exact = |part: &[u8]| part.iter().any(|&b| MAY_START_ESCAPE[usize::from(b)]);
    let mut words = bytes.chunks_exact(8);
    for part in &mut words {
        let w = u64::from_le_bytes(part.try_into().expect("chunks of eight"));
        let below_space = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
        let del = w ^ (ONES * 0x7F);
        let is_del = del.wrapping_sub(ONES) & !del & HIGH;
        if (below_space | is_del | (w & HIGH)) != 0 && exact(part) {
            return true;
        }
    }
    exact(words.remainder())
}

/// [`may_start_escape`] as a table: one lookup a byte.
const MAY_START_ESCAPE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = may_start_escape(b as u8);
        b += 1;
    }
    table
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entering_text_follows_one_table_of_rules() {
        let cases: &[(Kind, &str, Option<&str>)] = &[
            (Kind::Name, "orders-db", None),
            (Kind::Name, "ａｌｉｃｅ", None), // confusable, but visible: actors are folded elsewhere
            (Kind::Name, "alice\u{200B}", Some("invisible characters")),
            (Kind::Name, "a\u{202E}b", Some("bidirectional")),
            (Kind::Name, "a\tb", Some("control characters (tabs, newlines)")),
            (Kind::Name, "a\nb", Some("control characters (tabs, newlines)")),
            (Kind::Line, "zero\u{200B}width", None),
            (Kind::Line, "esc\u{1b}[31m", Some("U+001B")),
            (Kind::Line, "a\u{2066}b", Some("bidirectional")),
            (Kind::Line, "nul\0", Some("U+0000")),
            (Kind::Line, "c1\u{9b}", Some("U+009B")),
            (Kind::Prose, "two\nlines\r\nand\ttab", None),
            (Kind::Prose, "esc\u{1b}", Some("other than tabs and line breaks")),
            (Kind::Prose, "rlo\u{202E}", Some("bidirectional")),
        ];
        for (kind, text, want) in cases {
            let got = problem(*kind, text);
            match (want, &got) {
                (None, None) => {}
                (Some(w), Some(g)) if g.contains(w) => {}
                _ => panic!("{kind:?} {text:?}: expected {want:?}, got {got:?}"),
            }
        }
    }

    #[test]
    fn every_ascii_character_is_judged_as_the_full_check_judges_it() {
        // The byte-at-a-time path for plain ASCII must agree with the character rules.
        for b in 0u8..0x80 {
            let c = char::from(b);
            for kind in [Kind::Name, Kind::Line, Kind::Prose] {
                let allowed = !c.is_control() || (kind == Kind::Prose && matches!(c, '\t' | '\n' | '\r'));
                let text = format!("ab{c}cd");
                assert_eq!(problem(kind, &text).is_none(), allowed, "{kind:?} {b:#04x}");
                let mixed = format!("é{c}");
                assert_eq!(problem(kind, &mixed).is_none(), allowed, "{kind:?} é {b:#04x}");
            }
        }
    }

    #[test]
    fn lengths_are_counted_in_characters() {
        assert_eq!(problem(Kind::Name, &"é".repeat(NAME_MAX)), None);
        let message = problem(Kind::Name, &"é".repeat(NAME_MAX + 1)).expect("too long");
        assert_eq!(message, "is 201 characters long; at most 200");
        assert!(problem(Kind::Prose, &"x".repeat(PROSE_MAX + 1)).is_some_and(|m| m.contains("file of evidence")));
        assert_eq!(problem(Kind::Line, &"x".repeat(LINE_MAX)), None);
    }

    #[test]
    fn leaving_text_is_escaped() {
        assert_eq!(one_line("plain é ∑"), "plain é ∑");
        assert_eq!(one_line("a\nb"), "a\\u{a}b");
        assert_eq!(block("a\nb\tc"), "a\nb\tc");
        assert_eq!(block("\u{1b}]0;title\u{7}"), "\\u{1b}]0;title\\u{7}");
        assert_eq!(block("x\u{202E}y\u{9b}z\r"), "x\\u{202e}y\\u{9b}z\\u{d}");
        assert_eq!(one_line("\u{FEFF}bom"), "\\u{feff}bom");
    }

    #[test]
    fn the_word_scan_agrees_with_the_byte_rule() {
        for b in 0..=255u8 {
            for at in 0..17 {
                let mut text = vec![b'a'; 17];
                text[at] = b;
                assert_eq!(any_may_start_escape(&text), may_start_escape(b), "byte {b:#x} at {at}");
            }
        }
    }

    #[test]
    fn the_filter_escapes_characters_split_across_writes() {
        let text = "ok │ \u{1b}[2J é \u{202E}end\n".as_bytes();
        for cut in 0..text.len() {
            let mut filter = TerminalFilter::default();
            let mut out = Vec::new();
            filter.filter(&text[..cut], &mut out);
            filter.filter(&text[cut..], &mut out);
            out.extend(filter.finish());
            assert_eq!(
                String::from_utf8(out).expect("utf-8"),
                "ok │ \\u{1b}[2J é \\u{202e}end\n",
                "cut at {cut}"
            );
        }
        let mut filter = TerminalFilter::default();
        let mut out = Vec::new();
        filter.filter(b"bad \xFF byte \xC2", &mut out);
        out.extend(filter.finish());
        assert_eq!(out, b"bad \xFF byte \xC2");
    }
}
