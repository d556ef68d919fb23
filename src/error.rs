//! The errors a user can act on, and the exit code each one maps to (docs/architecture.md, "Exit codes").

use std::process::ExitCode;

/// Everything that can go wrong in ctrlmap, phrased for the person at the terminal.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A named thing (control, service, team, ...) does not exist.
    #[error("unknown {what} \"{}\"{hint}", shorten(.key))]
    NotFound {
        what: &'static str,
        key: String,
        /// A "did you mean" suffix, or empty.
        hint: String,
    },
    /// Input that is well-formed but not acceptable.
    #[error("{0}")]
    Invalid(String),
    /// A name or key that is already taken.
    #[error("{what} \"{}\" already exists", shorten(.key))]
    Conflict { what: &'static str, key: String },
    /// An error about one place in an input file: `services.csv line 4, column "offering": ...`.
    #[error("{location}: {source}")]
    At {
        location: String,
        #[source]
        source: Box<Error>,
    },
    /// The database itself cannot be used (missing, not ours, too new, too old).
    #[error("{0}")]
    Database(String),
    /// Another process held the database longer than the busy timeout; nothing was changed and
    /// the same command can simply be run again.
    #[error("the database is busy (another ctrlmap is writing); nothing was changed, try again ({context})")]
    Busy { context: String },
    /// A check found problems (audit chain broken, gaps); the message names the first.
    #[error("{0}")]
    CheckFailed(String),
    /// The store itself is damaged.
    #[error("{0}")]
    Integrity(String),
    /// A SQLite error, with what we were doing when it happened.
    #[error("{context}: {source}")]
    Sql {
        context: String,
        #[source]
        source: rusqlite::Error,
    },
    /// The disk (or the user's quota) is full: said plainly, naming what was being written,
    /// never blamed on the file being read.
    #[error(
        "disk full: cannot write {path} ({source}); nothing was changed, free some space and run the command again"
    )]
    DiskFull {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// An I/O error on a named path.
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// Shorthand used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The process exit code for this error: 1 a check failed, 2 bad usage or input, 3 integrity.
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.code())
    }

    /// The numeric exit code (see [`Error::exit_code`]).
    pub fn code(&self) -> u8 {
        match self {
            Error::CheckFailed(_) => 1,
            Error::Integrity(_) => 3,
            Error::At { source, .. } => source.code(),
            _ => 2,
        }
    }

    /// Wraps this error with the place in an input it concerns.
    pub fn at(self, location: impl Into<String>) -> Error {
        Error::At {
            location: location.into(),
            source: Box::new(self),
        }
    }

    /// An error for an I/O failure on `path`.
    pub fn io(path: impl std::fmt::Display, source: std::io::Error) -> Error {
        if is_disk_full(&source) {
            return Error::DiskFull {
                path: path.to_string(),
                source,
            };
        }
        Error::Io {
            path: path.to_string(),
            source,
        }
    }

    /// A not-found error with a "did you mean" hint drawn from `candidates`.
    pub fn not_found<'a>(what: &'static str, key: &str, candidates: impl IntoIterator<Item = &'a str>) -> Error {
        let hint = match closest(key, candidates) {
            Some(best) => format!(" (did you mean \"{best}\"?)"),
            None => String::new(),
        };
        Error::NotFound {
            what,
            key: key.to_string(),
            hint,
        }
    }

    /// True when this is (or wraps) a broken pipe, which is not an error for a CLI (`| head`).
    pub fn is_broken_pipe(&self) -> bool {
        match self {
            Error::Io { source, .. } => source.kind() == std::io::ErrorKind::BrokenPipe,
            Error::DiskFull { .. } => false,
            Error::At { source, .. } => source.is_broken_pipe(),
            _ => false,
        }
    }
}

/// Labels a rusqlite result with what we were doing.
pub(crate) trait SqlContext<T> {
    /// Maps a SQLite error to [`Error::Sql`] with `context`.
    fn context(self, context: &str) -> Result<T>;
}

impl<T> SqlContext<T> for std::result::Result<T, rusqlite::Error> {
    fn context(self, context: &str) -> Result<T> {
        self.map_err(|source| Error::sql(source, context))
    }
}

impl Error {
    /// A SQLite error while doing `context`; a lock held too long by another process becomes
    /// [`Error::Busy`], which says to try again.
    pub(crate) fn sql(source: rusqlite::Error, context: &str) -> Error {
        if is_busy(&source) {
            return Error::Busy {
                context: context.to_string(),
            };
        }
        match source.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DiskFull) => {
                return Error::DiskFull {
                    path: "the database".to_string(),
                    source: std::io::Error::new(std::io::ErrorKind::StorageFull, format!("{context}: {source}")),
                };
            }
            Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase) => {
                return Error::Integrity(format!(
                    "the database is damaged ({context}: {source}): restore it from a backup; nothing was changed"
                ));
            }
            _ => {}
        }
        Error::Sql {
            context: context.to_string(),
            source,
        }
    }
}

/// True for "no space left on device" and "disk quota exceeded".
pub(crate) fn is_disk_full(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
    )
}

/// True for SQLite's "database is locked" errors (SQLITE_BUSY, SQLITE_LOCKED and their variants).
pub(crate) fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

impl From<std::io::Error> for Error {
    fn from(source: std::io::Error) -> Self {
        Error::io("<stdout>", source)
    }
}

/// The longest value quoted whole in a message; longer ones are cut, so a 100 KB argument still
/// gives a one-line error a person can read.
const QUOTE_MAX: usize = 80;

/// `value` as quoted in a message: whole when short, else its start and its length.
pub(crate) fn shorten(value: &str) -> std::borrow::Cow<'_, str> {
    let chars = value.chars().count();
    if chars <= QUOTE_MAX {
        return value.into();
    }
    let start: String = value.chars().take(QUOTE_MAX - 20).collect();
    format!("{start}... ({chars} characters)").into()
}

/// The candidate closest to `key` by edit distance, if it is close enough to be a likely typo.
fn closest<'a>(key: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = key.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::levenshtein(&lower, &c.to_lowercase()), c))
        .filter(|(d, c)| *d <= (c.len().max(key.len()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_nearest_key() {
        let err = Error::not_found("offering", "aws.rdss", ["aws.rds", "aws.s3", "aws.ec2"]);
        assert_eq!(
            err.to_string(),
            "unknown offering \"aws.rdss\" (did you mean \"aws.rds\"?)"
        );
    }

    #[test]
    fn no_suggestion_when_nothing_is_close() {
        let err = Error::not_found("team", "zzzzzz", ["platform", "security"]);
        assert_eq!(err.to_string(), "unknown team \"zzzzzz\"");
    }

    #[test]
    fn a_busy_database_says_to_try_again() {
        let busy = rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY), None);
        let err = Error::sql(busy, "read service");
        assert_eq!(
            err.to_string(),
            "the database is busy (another ctrlmap is writing); nothing was changed, try again (read service)"
        );
        let full = rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL), None);
        assert!(
            Error::sql(full, "x")
                .to_string()
                .starts_with("disk full: cannot write the database")
        );
        let corrupt = rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CORRUPT), None);
        assert_eq!(Error::sql(corrupt, "read service").code(), 3);
        let other = rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_MISMATCH), None);
        assert!(matches!(Error::sql(other, "x"), Error::Sql { .. }));
        let enospc = std::io::Error::from_raw_os_error(28);
        assert!(
            Error::io("r.csv", enospc)
                .to_string()
                .starts_with("disk full: cannot write r.csv")
        );
    }

    #[test]
    fn long_keys_are_cut_in_messages() {
        let long = "x".repeat(100_000);
        let message = Error::not_found("control", &long, ["SRM-FW"]).to_string();
        assert_eq!(
            message,
            format!("unknown control \"{}... (100000 characters)\"", "x".repeat(60))
        );
        let message = Error::Conflict {
            what: "team",
            key: long,
        }
        .to_string();
        assert!(
            message.len() < 120 && message.ends_with("(100000 characters)\" already exists"),
            "{message}"
        );
        assert_eq!(shorten("SRM-FW"), "SRM-FW");
    }

    #[test]
    fn located_errors_keep_the_inner_exit_code() {
        let err = Error::CheckFailed("x".into()).at("file.csv line 2");
        assert_eq!(err.code(), 1);
        assert_eq!(err.to_string(), "file.csv line 2: x");
    }
}
