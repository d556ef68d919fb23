//! Readers of outside formats into model types. No SQL here: the loaders in `load` store what
//! these return.

pub mod csv_file;
pub mod oscal;
pub mod provider;
pub mod records;

pub use csv_file::{CsvFile, Row};
pub use records::Located;

use crate::error::{Error, Result};

/// The text of an input file as UTF-8 bytes: a UTF-8 byte-order mark is skipped (RFC 8259 lets
/// JSON readers ignore one, and spreadsheets write one into CSV); UTF-16 and UTF-32 files are
/// refused with a message that says what they are and what to do, rather than a parse error at
/// line 1, column 1.
pub fn utf8_text<'a>(source: &str, bytes: &'a [u8]) -> Result<&'a [u8]> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return Ok(rest);
    }
    let found = match bytes {
        [0xFF, 0xFE, 0, 0, ..] => Some("UTF-32 (little-endian byte-order mark FF FE 00 00)"),
        [0, 0, 0xFE, 0xFF, ..] => Some("UTF-32 (big-endian byte-order mark 00 00 FE FF)"),
        [0xFF, 0xFE, ..] => Some("UTF-16 (little-endian byte-order mark FF FE)"),
        [0xFE, 0xFF, ..] => Some("UTF-16 (big-endian byte-order mark FE FF)"),
        [a, 0, b, 0, ..] if a.is_ascii() && b.is_ascii() && *a != 0 => {
            Some("UTF-16 or UTF-32 (little-endian, no byte-order mark)")
        }
        [0, a, 0, b, ..] if a.is_ascii() && b.is_ascii() && *a != 0 => Some("UTF-16 (big-endian, no byte-order mark)"),
        _ => None,
    };
    match found {
        Some(what) => Err(Error::Invalid(format!(
            "{source}: not valid UTF-8: the file is {what}; save it as UTF-8"
        ))),
        None => Ok(bytes),
    }
}

/// JSON text from `bytes` (after [`utf8_text`]) with every lone carriage return (an old Mac line
/// ending) made a line feed, so the parser's line numbers count lines as an editor does. Outside
/// strings both are whitespace, and a raw CR inside a string is invalid JSON either way, so the
/// document means the same.
pub fn json_text<'a>(source: &str, bytes: &'a [u8]) -> Result<std::borrow::Cow<'a, [u8]>> {
    let text = utf8_text(source, bytes)?;
    let lone_cr = |i: usize| text[i] == b'\r' && text.get(i + 1) != Some(&b'\n');
    // Most files hold no carriage return at all, which one fast search says (looking at the
    // 3 MB of SP 800-53 byte by byte was 7% of its import).
    if !text.contains(&b'\r') || !(0..text.len()).any(lone_cr) {
        return Ok(text.into());
    }
    Ok((0..text.len())
        .map(|i| if lone_cr(i) { b'\n' } else { text[i] })
        .collect::<Vec<u8>>()
        .into())
}

#[cfg(test)]
mod tests {
    use super::{json_text, utf8_text};

    #[test]
    fn json_line_numbers_count_every_line_ending() {
        for ending in ["\n", "\r\n", "\r"] {
            let text = ["{", "  \"a\": 1,", "  \"b\": ?", "}"].join(ending);
            let bytes = json_text("f", text.as_bytes()).expect("utf-8");
            let err = serde_json::from_slice::<serde_json::Value>(&bytes).expect_err("bad");
            assert_eq!(err.line(), 3, "{ending:?}");
        }
    }

    #[test]
    fn byte_order_marks_are_skipped_or_named() {
        assert_eq!(utf8_text("f", b"\xEF\xBB\xBF{}").expect("utf-8 bom"), b"{}");
        assert_eq!(utf8_text("f", b"name\n").expect("plain"), b"name\n");
        assert_eq!(utf8_text("f", b"").expect("empty"), b"");
        for (bytes, says) in [
            (&b"\xFF\xFEn\0a\0"[..], "UTF-16 (little-endian"),
            (b"\xFE\xFF\0n\0a", "UTF-16 (big-endian"),
            (b"\xFF\xFE\0\0n\0\0\0", "UTF-32 (little-endian"),
            (b"\0\0\xFE\xFF\0\0\0n", "UTF-32 (big-endian"),
            (b"n\0a\0m\0e\0", "no byte-order mark"),
            (b"\0n\0a\0m\0e", "no byte-order mark"),
        ] {
            let err = utf8_text("f.csv", bytes).expect_err("refused").to_string();
            assert!(
                err.starts_with("f.csv: not valid UTF-8: the file is ") && err.contains(says),
                "{err}"
            );
            assert!(err.ends_with("save it as UTF-8"), "{err}");
        }
    }
}
