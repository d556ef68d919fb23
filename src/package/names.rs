//! The member names `build` writes, and nothing else: the fixed top-level members, and
//! `evidence/<CONTROL>/<id>-<name>` whose parts went through `build::sanitise`. A name outside
//! this shape is refused before any member is read, so no name can escape a directory `unzip`
//! extracts to, hide in a terminal, or stand for another member on a case-insensitive disk.

use std::collections::HashMap;

use super::refused::shown;
use super::{DIGEST, MANIFEST, NAME_MAX, SIGNATURE};
use crate::text::is_invisible;

/// The members `build` writes at the top of the package.
const TOP: [&str; 8] = [
    "README.txt",
    "report.pdf",
    "report.csv",
    "report.xlsx",
    "report.html",
    MANIFEST,
    DIGEST,
    SIGNATURE,
];
/// The folder of evidence members.
const EVIDENCE: &str = "evidence";
/// The longest name read, in bytes: a sanitised control key and file name, each at most
/// [`NAME_MAX`] characters of up to four bytes, an id and a `~n` suffix fit well within it.
const BYTES_MAX: usize = 1024;

/// A member name from its raw bytes, which must be UTF-8. A non-ASCII name must be marked as
/// UTF-8, or come from a Unix zip tool: Info-ZIP `zip` on Unix stores the bytes of the file name
/// as they are, without the mark, and `unzip` on Unix extracts them as they are. A name from any
/// other system without the mark is read by `unzip` in code page 437, as another name.
pub(super) fn decode(raw: &[u8], utf8: bool, unix: bool) -> Result<String, &'static str> {
    let not_marked = "has a name not marked as UTF-8 (unzip would read it as another name)";
    if !raw.is_ascii() && !utf8 && !unix {
        return Err(not_marked);
    }
    String::from_utf8(raw.to_vec()).map_err(|_| {
        if utf8 {
            "has a name that is not valid UTF-8"
        } else {
            not_marked
        }
    })
}

/// What is wrong with `name` as a member `build` could have written; `None` when nothing is.
pub(super) fn problem(name: &str) -> Option<String> {
    let why = match characters(name) {
        Some(why) => why,
        None if !written(name) => "is not a member ctrlmap package writes",
        None => return None,
    };
    Some(why.to_string())
}

/// What is wrong with `dir` (ending with `/`) as a directory of a package; `None` when nothing is.
/// Whether some member lies in it is checked once every name is known ([`Seen::finish`]).
fn directory_problem(dir: &str) -> Option<&'static str> {
    match dir.strip_suffix('/') {
        Some(path) => characters(path),
        None => Some("is not a directory entry"),
    }
}

/// What is wrong with the characters and parts of `name`, whatever member it names.
fn characters(name: &str) -> Option<&'static str> {
    Some(if name.is_empty() {
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
    } else {
        return None;
    })
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
fn fold(name: &str) -> String {
    name.chars()
        .filter(|c| !is_invisible(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The names of an archive's or a folder's entries as they are met: refuses a name twice, two
/// names that differ only in case or invisible characters, a directory with a file's name, and
/// (at the end) a directory no member lies in.
#[derive(Default)]
pub(super) struct Seen {
    /// Every name seen, folded (directories without their final `/`), and the name as it was.
    folded: HashMap<String, String>,
    /// The directories seen, each ending with `/`.
    directories: Vec<String>,
    /// The files seen.
    files: Vec<String>,
}

impl Seen {
    /// Takes the name of a file (`directory` false) or of a directory entry ending with `/`.
    pub(super) fn add(&mut self, name: &str, directory: bool) -> Result<(), String> {
        let problem = if directory {
            directory_problem(name).map(str::to_string)
        } else {
            problem(name)
        };
        if let Some(why) = problem {
            return Err(format!("member {} {why}", shown(name)));
        }
        let key = fold(name.strip_suffix('/').unwrap_or(name));
        if let Some(first) = self.folded.insert(key, name.to_string()) {
            return Err(if first == name {
                format!("member {} appears twice", shown(name))
            } else if first.trim_end_matches('/') == name.trim_end_matches('/') {
                format!(
                    "member {} is both a file and a directory",
                    shown(name.trim_end_matches('/'))
                )
            } else {
                format!(
                    "members {} and {} differ only in case or invisible characters",
                    shown(&first),
                    shown(name)
                )
            });
        }
        let list = if directory {
            &mut self.directories
        } else {
            &mut self.files
        };
        list.push(name.to_string());
        Ok(())
    }

    /// Refuses a directory that holds no member (at any depth): a directory entry is accepted
    /// only as the folder of some member, never as a name of its own.
    pub(super) fn finish(&self) -> Result<(), String> {
        match self
            .directories
            .iter()
            .find(|d| !self.files.iter().any(|f| f.starts_with(d.as_str())))
        {
            Some(d) => Err(format!("directory {} holds no member of the package", shown(d))),
            None => Ok(()),
        }
    }
}
