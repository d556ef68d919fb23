//! JSON appended to a byte buffer, for writers that assemble output from pieces rendered once
//! (the fingerprint's lines, the JSON matrix): the bytes are serde_json's.

use crate::error::Result;

/// Appends `value` as serde_json writes it.
pub(crate) fn append(out: &mut Vec<u8>, value: &(impl serde::Serialize + ?Sized)) -> Result<()> {
    serde_json::to_writer(&mut *out, value).map_err(|e| std::io::Error::from(e).into())
}

/// Appends `text` as a JSON string, exactly as serde_json does: a text with nothing to escape (no
/// control character, quote or backslash; serde_json escapes nothing else) is copied between
/// quotes, any other goes through serde_json.
pub(crate) fn append_str(out: &mut Vec<u8>, text: &str) -> Result<()> {
    if text.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
        return append(out, text);
    }
    out.reserve(text.len() + 2);
    out.push(b'"');
    out.extend_from_slice(text.as_bytes());
    out.push(b'"');
    Ok(())
}

/// Texts that need escaping, or look as if they might: for the tests of every writer that must
/// write what serde_json writes.
#[cfg(test)]
pub(crate) const AWKWARD: [&str; 12] = [
    "",
    "plain",
    "\u{0}",
    "tab\there",
    "line\nbreak\r",
    "\"quoted\"",
    "back\\slash",
    "=SUM(A1), +1, -1, @x",
    "\u{7f} del",
    "\u{2028}\u{2029} separators",
    "日本語 é",
    "\u{1f600} /slash/",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_written_as_serde_writes_them() {
        let mut texts: Vec<String> = AWKWARD.iter().map(|t| t.to_string()).collect();
        texts.extend((0u8..=0x7f).map(|b| format!("a{}b", b as char)));
        for text in &texts {
            let mut ours = Vec::new();
            append_str(&mut ours, text).expect("json");
            assert_eq!(ours, serde_json::to_vec(text).expect("serde"), "{text:?}");
        }
    }
}
