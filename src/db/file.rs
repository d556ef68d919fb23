//! Checks and housekeeping on the database file itself, before and around SQLite: what is at
//! `--db` (a regular file, not a device or dangling link), the owner-only new file, the URI path
//! for a read-only open, the busy timeout, and the journal files a failed set-up leaves behind.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::{Error, Result};
use crate::support::files::{JOURNAL_SUFFIXES, with_suffix};

/// How long to wait for another process's write lock: 10 s, or `CTRLMAP_BUSY_TIMEOUT_MS`
/// milliseconds (scripts that would rather fail fast and retry, and the concurrency tests).
pub(super) fn busy_timeout() -> Result<Duration> {
    busy_timeout_from(std::env::var_os("CTRLMAP_BUSY_TIMEOUT_MS").as_deref())
}

/// The longest busy timeout, a day: SQLite takes the timeout as a 32-bit count of milliseconds.
const BUSY_TIMEOUT_MAX_MS: u64 = 86_400_000;

fn busy_timeout_from(value: Option<&std::ffi::OsStr>) -> Result<Duration> {
    const DEFAULT: Duration = Duration::from_secs(10);
    let Some(value) = value else {
        return Ok(DEFAULT);
    };
    let text = value.to_string_lossy();
    match text.trim().parse::<u64>() {
        Ok(ms) if ms <= BUSY_TIMEOUT_MAX_MS => Ok(Duration::from_millis(ms)),
        _ => Err(Error::Invalid(format!(
            "CTRLMAP_BUSY_TIMEOUT_MS \"{}\" is not a number of milliseconds from 0 to {BUSY_TIMEOUT_MAX_MS}, e.g. 10000",
            crate::error::shorten(&text)
        ))),
    }
}

/// The metadata of the database file at `path`, `None` when nothing is there. Anything that is
/// not a regular file (a directory, a device such as /dev/null, a FIFO, a socket) is refused
/// before SQLite opens it, so nothing blocks on a FIFO and nothing is created over a device.
pub(super) fn existing_file(path: &Path) -> Result<Option<std::fs::Metadata>> {
    if path.as_os_str().is_empty() {
        return Err(Error::Invalid("--db must not be empty".into()));
    }
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => Ok(Some(meta)),
        Ok(meta) => Err(Error::Invalid(format!(
            "--db {}: is {}, not a database file",
            path.display(),
            crate::support::files::describe(&meta)
        ))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // A dangling symbolic link is something, not nothing: creating through it would
            // write wherever it points.
            if std::fs::symlink_metadata(path).is_ok() {
                return Err(Error::Invalid(format!(
                    "--db {}: is a symbolic link to nothing; name the database file itself",
                    path.display()
                )));
            }
            Ok(None)
        }
        Err(e) => Err(Error::io(path.display(), e)),
    }
}

/// An empty file that was already there (`touch ctrlmap.db`) is taken as the database only when
/// others cannot read it: ctrlmap never changes the permissions of a file it did not create.
pub(super) fn refuse_shared_empty_file(path: &Path, meta: Option<&std::fs::Metadata>) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Some(mode) = meta.map(|m| m.permissions().mode())
            && mode & 0o077 != 0
        {
            return Err(Error::Invalid(format!(
                "{}: an existing empty file that others can read (mode {:o}); remove it, or `chmod 600` it, then run init again",
                path.display(),
                mode & 0o777
            )));
        }
    }
    #[cfg(not(unix))]
    let _ = (path, meta);
    Ok(())
}

/// Whether the file starts with SQLite's header, so a "not a database" error means damage.
pub(super) fn has_sqlite_header(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 16];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok_and(|()| &head == b"SQLite format 3\0")
}

/// `path` as the path part of a SQLite URI: everything but unreserved characters and `/`
/// percent-encoded, so a `?` or `#` in a directory name cannot become a URI parameter.
pub(super) fn uri_path(path: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = String::new();
    for &b in absolute.as_os_str().as_encoded_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Creates a new empty file readable and writable by its owner only; fails if one appeared
/// in the meantime rather than take it over.
pub(super) fn create_private_file(path: &Path) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir.display(), e))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map_err(|e| Error::io(path.display(), e))?;
    Ok(())
}

/// The journal files beside the database (`-wal`, `-shm`, `-journal`).
fn journal_paths(path: &Path) -> [PathBuf; 3] {
    JOURNAL_SUFFIXES.map(|suffix| with_suffix(path, suffix))
}

/// Refuses journal files ctrlmap did not make, before SQLite sees them (it would replay or delete
/// them): one that is not a regular file (a link, a FIFO, a directory), any journal beside a
/// database that does not exist yet (a leftover `init` would otherwise delete), and a rollback
/// `-journal` beside an existing database (ctrlmap's databases use WAL and never write one).
pub(super) fn check_journals(path: &Path, database_exists: bool) -> Result<()> {
    for (journal, suffix) in journal_paths(path).iter().zip(JOURNAL_SUFFIXES) {
        let Ok(meta) = std::fs::symlink_metadata(journal) else {
            continue;
        };
        let why = if !meta.is_file() {
            format!(
                "is {}, not a journal SQLite wrote",
                crate::support::files::describe(&meta)
            )
        } else if !database_exists {
            "is left over from a database that is not there".to_string()
        } else if suffix == "-journal" {
            "is a rollback journal, which ctrlmap's WAL databases never write".to_string()
        } else {
            continue;
        };
        return Err(Error::Invalid(format!(
            "--db {}: {} {why}; ctrlmap never deletes what it did not make: move it away and run the command again",
            path.display(),
            journal.display()
        )));
    }
    Ok(())
}

/// Which journal files exist now.
pub(super) fn journals(path: &Path) -> [bool; 3] {
    journal_paths(path).map(|p| std::fs::symlink_metadata(p).is_ok())
}

/// Removes the journal files a failed set-up created, and no others.
pub(super) fn remove_new_journals(path: &Path, before: &[bool; 3]) {
    for (p, existed) in journal_paths(path).iter().zip(before) {
        if !existed && std::fs::symlink_metadata(p).is_ok_and(|m| m.is_file()) {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Removes a database we just created and failed to set up.
pub(super) fn remove_database_files(path: &Path) {
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file()) {
        let _ = std::fs::remove_file(path);
    }
    remove_new_journals(path, &[false; 3]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_timeouts_are_checked_like_flags() {
        use std::ffi::OsStr;
        assert_eq!(busy_timeout_from(None).expect("default"), Duration::from_secs(10));
        assert_eq!(
            busy_timeout_from(Some(OsStr::new(" 250 "))).expect("ms"),
            Duration::from_millis(250)
        );
        for bad in ["2147483648", "-1", "1e3", "", "99999999999999999999999", "10s"] {
            let err = busy_timeout_from(Some(OsStr::new(bad))).expect_err(bad);
            assert!(err.to_string().starts_with("CTRLMAP_BUSY_TIMEOUT_MS \""), "{err}");
        }
    }

    #[test]
    fn uri_paths_cannot_carry_parameters() {
        assert!(uri_path(Path::new("/a b/c?mode=rw#x.db")).ends_with("/a%20b/c%3Fmode%3Drw%23x.db"));
    }
}
