//! How the store looks at its own paths: never through a symbolic link, never into something that
//! is not a real directory or regular file of the current user, and never with an open that can
//! block (a FIFO put where a stored file should be would otherwise hang every reader).
//!
//! Every check uses `symlink_metadata`, so a link is seen as a link and never followed. An entry is
//! opened with `O_NOFOLLOW | O_NONBLOCK` and the opened file must be the very regular file that was
//! checked (same device and inode), so a swap between the check and the open is caught too.

use std::fs::{self, File, Metadata, OpenOptions};
use std::io;
use std::path::Path;

use crate::error::{Error, Result};

/// Whether a store directory is there (checked) or not yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Dir {
    /// A real directory owned by the current user.
    Present,
    /// Nothing at the path.
    Absent,
}

/// Checks that `path`, if it exists, is a real directory owned by the current user: a link, a file
/// or someone else's directory is an integrity failure naming the path.
pub(super) fn dir(path: &Path) -> Result<Dir> {
    let meta = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Dir::Absent),
        Err(e) => return Err(Error::io(path.display(), e)),
    };
    let problem = if meta.file_type().is_symlink() {
        Some("is a symbolic link".to_string())
    } else if !meta.is_dir() {
        Some(format!(
            "is {}, not a directory",
            crate::support::files::describe(&meta)
        ))
    } else {
        not_ours(&meta)
    };
    match problem {
        Some(p) => Err(Error::Integrity(format!(
            "evidence store {}: {p}; the store uses only real directories of its own and never follows links",
            path.display()
        ))),
        None => Ok(Dir::Present),
    }
}

/// Makes `path` a private directory unless it already is one; refuses as [`dir`] does.
pub(super) fn ensure_dir(path: &Path) -> Result<()> {
    if dir(path)? == Dir::Present {
        return Ok(());
    }
    let made = {
        let mut builder = fs::DirBuilder::new();
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        // Not recursive: each level is checked by the caller before the next is made.
        builder.create(path)
    };
    match made {
        Ok(()) => {}
        // Another process made it first: whatever is there now is checked below.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(Error::io(path.display(), e)),
    }
    match dir(path)? {
        Dir::Present => Ok(()),
        Dir::Absent => Err(Error::Integrity(format!(
            "evidence store {}: vanished while it was being made",
            path.display()
        ))),
    }
}

/// What stands where a stored file should be.
#[derive(Debug)]
pub(super) enum Entry {
    /// Nothing.
    Missing,
    /// Something that is not a regular file of ours (a link, FIFO, socket, device, directory,
    /// another user's file, or a file swapped in while it was opened): tampering, never opened.
    Foreign(String),
    /// The regular file, open for reading.
    File(File),
}

/// Looks at the entry at `path` without following it and opens it only when it is a regular file
/// of ours; the open can neither follow a link nor block.
pub(super) fn open_entry(path: &Path) -> Result<Entry> {
    let Some(meta) = entry_metadata(path)? else {
        return Ok(Entry::Missing);
    };
    if let Some(problem) = not_regular(&meta) {
        return Ok(Entry::Foreign(problem));
    }
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Small positive flag bits: the cast to the C int `custom_flags` takes is exact.
        let flags = rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK;
        options.custom_flags(flags.bits() as i32);
    }
    let file = match options.open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Entry::Missing),
        // ELOOP: the regular file was replaced by a link after it was checked.
        Err(e) if is_link_refusal(&e) => return Ok(Entry::Foreign("is a symbolic link".into())),
        Err(e) => return Err(Error::io(path.display(), e)),
    };
    let opened = file.metadata().map_err(|e| Error::io(path.display(), e))?;
    if !opened.is_file() || !same_file(&meta, &opened) {
        return Ok(Entry::Foreign("was replaced while it was being opened".into()));
    }
    Ok(Entry::File(file))
}

/// The metadata of the entry itself (not of what a link points to), or `None` when absent.
pub(super) fn entry_metadata(path: &Path) -> Result<Option<Metadata>> {
    match fs::symlink_metadata(path) {
        Ok(m) => Ok(Some(m)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path.display(), e)),
    }
}

/// Why an entry is not a stored file of ours, or `None` when it is a regular file we own.
pub(super) fn not_regular(meta: &Metadata) -> Option<String> {
    if meta.is_file() {
        return not_ours(meta);
    }
    Some(format!(
        "is {}, not a regular file",
        crate::support::files::describe(meta)
    ))
}

/// Why `meta` is not the current user's, or `None` when it is (always, off Unix).
fn not_ours(meta: &Metadata) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let me = rustix::process::geteuid().as_raw();
        if meta.uid() != me {
            return Some(format!("is owned by user {}, not by the current user {me}", meta.uid()));
        }
    }
    #[cfg(not(unix))]
    let _ = meta;
    None
}

/// Whether two metadata describe the same file (on Unix, the same device and inode).
fn same_file(a: &Metadata, b: &Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        a.dev() == b.dev() && a.ino() == b.ino()
    }
    #[cfg(not(unix))]
    {
        a.len() == b.len()
    }
}

/// Whether an open failed because `O_NOFOLLOW` met a link.
fn is_link_refusal(e: &io::Error) -> bool {
    #[cfg(unix)]
    {
        e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error())
    }
    #[cfg(not(unix))]
    {
        let _ = e;
        false
    }
}
