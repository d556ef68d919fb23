//! Readers of outside formats into model types. No SQL here: the loaders in `load` store what
//! these return.

pub mod csv_file;
pub mod oscal;
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

#[cfg(test)]
mod tests {
    use super::utf8_text;

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
