//! Why a package's archive or folder is refused, shared by the reader and the parsers of its
//! records and names, and how a member's name is shown in that message.

use std::io;

use crate::text::one_line;

/// Why an archive is not accepted.
#[derive(Debug)]
pub(super) enum Refused {
    /// Not a zip at all (or truncated): the wrong file was given.
    NotZip(String),
    /// A zip, but not one `build` wrote: forged or damaged.
    Forged(String),
    /// The file could not be read.
    Io(io::Error),
}

impl From<io::Error> for Refused {
    fn from(e: io::Error) -> Refused {
        Refused::Io(e)
    }
}

/// Shorthand for the reader's results.
pub(super) type Checked<T> = std::result::Result<T, Refused>;

/// A member's name as it may be shown: quoted, every control or invisible character escaped.
pub(super) fn shown(name: &str) -> String {
    format!("\"{}\"", one_line(name))
}
