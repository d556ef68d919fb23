//! An unzipped package: `package verify DIR` reads the folder `unzip` made with the same rules as
//! the zip. Every regular file under it is a member and must be listed in `digest.txt`; folders
//! are fine when some member lies in them; a symbolic link, device, FIFO or socket is refused and
//! never followed or opened. Files are read with the sizes the walk saw and the limits the digest
//! and manifest give, so a file swapped or grown since cannot make verify read without bound.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use super::CHUNK;
use super::names::Seen;
use super::reader::Source;
use super::refused::{Checked, Refused, shown};

/// The deepest folder a package has: `evidence/<control>/`.
const DEPTH_MAX: usize = 2;

/// A folder holding an unzipped package, walked and checked.
pub(super) struct Folder {
    /// The folder.
    root: PathBuf,
    /// Every regular file under it: its `/`-separated path and its size when walked.
    files: Vec<(String, u64)>,
}

impl Folder {
    /// Walks `root` without following links, refusing any entry that is not a regular file or a
    /// folder holding one, or whose name a package could not hold (the same rules as in a zip).
    pub(super) fn open(root: &Path) -> Checked<Folder> {
        let mut seen = Seen::default();
        let mut files = Vec::new();
        walk(root, "", 0, &mut seen, &mut files)?;
        seen.finish().map_err(Refused::Forged)?;
        if files.is_empty() {
            return Err(Refused::NotZip("the directory holds no file".to_string()));
        }
        Ok(Folder {
            root: root.to_path_buf(),
            files,
        })
    }
}

/// Adds the entries of `dir` (whose members' paths start with `prefix`), in name order.
fn walk(dir: &Path, prefix: &str, depth: usize, seen: &mut Seen, files: &mut Vec<(String, u64)>) -> Checked<()> {
    let mut entries = fs::read_dir(dir)?.collect::<io::Result<Vec<_>>>()?;
    entries.sort_by_key(fs::DirEntry::file_name);
    for entry in entries {
        let raw = entry.file_name();
        let forged = |why: &str| Refused::Forged(format!("member {} {why}", shown(&raw.to_string_lossy())));
        let name = format!(
            "{prefix}{}",
            raw.to_str()
                .ok_or_else(|| forged("has a name that is not valid UTF-8"))?
        );
        let forged = |why: &str| Refused::Forged(format!("member {} {why}", shown(&name)));
        // The entry's own type: a link is seen as a link, never followed.
        let kind = entry.file_type()?;
        if kind.is_symlink() {
            return Err(forged("is a symbolic link"));
        } else if kind.is_dir() {
            let name = format!("{name}/");
            seen.add(&name, true).map_err(Refused::Forged)?;
            if depth == DEPTH_MAX {
                return Err(forged("is a folder deeper than any a package has"));
            }
            walk(&entry.path(), &name, depth + 1, seen, files)?;
        } else if kind.is_file() {
            seen.add(&name, false).map_err(Refused::Forged)?;
            files.push((name, entry.metadata()?.len()));
        } else {
            return Err(forged("is not a regular file"));
        }
    }
    Ok(())
}

impl Source for Folder {
    fn names(&self) -> Vec<String> {
        self.files.iter().map(|(name, _)| name.clone()).collect()
    }

    fn size(&self, i: usize) -> u64 {
        self.files[i].1
    }

    /// Streams file `i`, opened without following a link at any step, refusing it unless it is
    /// still a regular file of the size the walk saw.
    fn stream(&mut self, i: usize, limit: u64, mut sink: impl FnMut(&[u8])) -> Checked<bool> {
        let (name, size) = (&self.files[i].0, self.files[i].1);
        let forged = |why: &str| Refused::Forged(format!("member {} {why}", shown(name)));
        let file = open_beneath(&self.root, name).map_err(|e| {
            if is_link_refusal(&e) {
                forged("is a symbolic link, or lies in one")
            } else {
                Refused::Io(e)
            }
        })?;
        let meta = file.metadata()?;
        if !meta.is_file() || meta.len() != size {
            return Err(forged("changed while it was being verified"));
        }
        let mut limited = file.take(size.min(limit).saturating_add(1));
        let mut buf = vec![0u8; CHUNK];
        let mut total = 0u64;
        loop {
            let n = match limited.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Refused::Io(e)),
            };
            total += n as u64;
            if total > size {
                return Err(forged("changed while it was being verified"));
            }
            if total > limit {
                return Ok(false);
            }
            sink(&buf[..n]);
        }
        if total != size {
            return Err(forged("changed while it was being verified"));
        }
        Ok(true)
    }
}

/// Opens the file at `name` (`/`-separated) under `root`, one step at a time, refusing a link at
/// every step (not only the last), and without blocking on a FIFO put there since the walk.
#[cfg(unix)]
fn open_beneath(root: &Path, name: &str) -> io::Result<File> {
    use rustix::fs::{CWD, Mode, OFlags, openat};
    let base = OFlags::RDONLY | OFlags::CLOEXEC;
    let mut dir = openat(CWD, root, base | OFlags::DIRECTORY, Mode::empty())?;
    let mut parts = name.split('/').peekable();
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            let fd = openat(&dir, part, base | OFlags::NOFOLLOW | OFlags::NONBLOCK, Mode::empty())?;
            return Ok(File::from(fd));
        }
        dir = openat(&dir, part, base | OFlags::NOFOLLOW | OFlags::DIRECTORY, Mode::empty())?;
    }
    Err(io::Error::from(io::ErrorKind::NotFound))
}

/// Opens the file at `name` under `root`, refusing it if it has become a link since the walk.
#[cfg(not(unix))]
fn open_beneath(root: &Path, name: &str) -> io::Result<File> {
    let path = root.join(name);
    if fs::symlink_metadata(&path)?.file_type().is_symlink() {
        return Err(io::Error::other("a symbolic link"));
    }
    File::open(path)
}

/// Whether an open failed because it met a link: `O_NOFOLLOW` on the file (`ELOOP`) or on a
/// folder that became a link (`ENOTDIR` with `O_DIRECTORY`).
fn is_link_refusal(e: &io::Error) -> bool {
    #[cfg(unix)]
    {
        use rustix::io::Errno;
        [Errno::LOOP, Errno::NOTDIR]
            .iter()
            .any(|x| e.raw_os_error() == Some(x.raw_os_error()))
    }
    #[cfg(not(unix))]
    {
        e.kind() == io::ErrorKind::Other
    }
}
