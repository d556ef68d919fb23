//! The member names `build` writes, and nothing else: the fixed top-level members, and
//! `evidence/<CONTROL>/<id>-<name>` whose parts went through `build::sanitise`. A name outside
//! this shape is refused before any member is read, so no name can escape a directory `unzip`
//! extracts to, hide in a terminal, or stand for another member on a case-insensitive disk.

use super::{DIGEST, MANIFEST, NAME_MAX, SIGNATURE};
use crate::text::is_invisible;

/// The members `build` writes at the top of the package.
const TOP: [&str; 7] = [
    "README.txt",
    "report.pdf",
    "report.csv",
    "report.xlsx",
    MANIFEST,
    DIGEST,
    SIGNATURE,
];
/// The folder of evidence members.
const EVIDENCE: &str = "evidence";
/// The longest name read, in bytes: a sanitised control key and file name, each at most
/// [`NAME_MAX`] characters of up to four bytes, an id and a `~n` suffix fit well within it.
const BYTES_MAX: usize = 1024;

/// A member name from its raw bytes: UTF-8, and marked as such unless it is plain ASCII; a
/// non-ASCII name without the mark is read by `unzip` in code page 437, as another name.
pub(super) fn decode(raw: &[u8], utf8: bool) -> Result<String, &'static str> {
    if !raw.is_ascii() && !utf8 {
        return Err("has a name not marked as UTF-8 (unzip would read it as another name)");
    }
    String::from_utf8(raw.to_vec()).map_err(|_| "has a name that is not valid UTF-8")
}

/// What is wrong with `name` as a member `build` could have written; `None` when nothing is.
pub(super) fn problem(name: &str) -> Option<String> {
    let why = if name.is_empty() {
        "has an empty name"
    } else if name.len() > BYTES_MAX {
        "has a name longer than any ctrlmap package writes"
    } else if name.starts_with('/') {
        "has an absolute name"
    } else if name.contains('\\') {
        "has a backslash in its name"
    } else if name.contains(':') {
        "has a drive or stream (':') in its name"
    } else if name.chars().any(char::is_control) {
        "has a control character in its name"
    } else if name.contains("..") {
        "has '..' in its name"
    } else if name.split('/').any(|part| part.is_empty() || part == ".") {
        "has an empty or '.' part in its name (a directory?)"
    } else if !written(name) {
        "is not a member ctrlmap package writes"
    } else {
        return None;
    };
    Some(why.to_string())
}

/// Whether `name` has the shape of a member `build` writes (its characters are checked above).
fn written(name: &str) -> bool {
    let parts: Vec<&str> = name.split('/').collect();
    match parts.as_slice() {
        [top] => TOP.contains(top),
        [EVIDENCE, control, file] => sanitised(control, NAME_MAX) && evidence_file(file),
        _ => false,
    }
}

/// `<id>-<sanitised name>`, possibly with a `~n` suffix that keeps paths unique.
fn evidence_file(file: &str) -> bool {
    let Some((id, rest)) = file.split_once('-') else {
        return false;
    };
    let id_ok = !id.is_empty() && !id.starts_with('0') && id.len() <= 19 && id.bytes().all(|b| b.is_ascii_digit());
    // The suffix is `~` and at most 20 digits.
    id_ok && sanitised(rest, NAME_MAX + 21)
}

/// A part `sanitise` could return: not empty, not starting with white space, at most `max`
/// characters (separators, controls and `..` are refused for the whole name above).
fn sanitised(part: &str, max: usize) -> bool {
    !part.is_empty() && !part.starts_with(char::is_whitespace) && part.chars().count() <= max
}

/// The form under which two names are the same file on a case-insensitive disk, or look the
/// same on a screen: lower case, without invisible characters.
pub(super) fn fold(name: &str) -> String {
    name.chars()
        .filter(|c| !is_invisible(*c))
        .flat_map(char::to_lowercase)
        .collect()
}
