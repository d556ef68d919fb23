//! The content-addressed evidence store beside the database: `<db>.evidence/sha256/ab/cdef...`.
//!
//! Files are named by the SHA-256 of their content, so no original name can escape the store and
//! the same content is kept once. They are written to a temporary file and renamed into place
//! (a crash never leaves half a file under its final name), then made read-only and owner-only.
//! A temporary file is locked by its writer; those a killed `evidence add` left unlocked in
//! `tmp/` are removed by the next write to the store.
//! Hashing streams in fixed-size chunks; nothing reads a whole file into memory.
//!
//! The store trusts no path under its root: every directory and entry is looked at without
//! following links and must be a real directory or regular file of the current user ([`guard`]).
//! A root or shard that is not is an integrity failure; an entry that is not is tampering
//! ([`Check::Altered`]) and is never opened in a way that could follow it or block.

mod check;
mod guard;
mod hashing;
mod media;

pub use check::{Depth, FileCheck};
pub use hashing::hash_file;
use hashing::{CHUNK, copy_hashing};
pub use media::media_type;

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The store that belongs to one database.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

/// A file now in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Put {
    /// Hex SHA-256 of the content.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// False when identical content was already stored (deduplicated).
    pub new: bool,
}

/// What re-hashing a stored file found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    /// Present with the expected hash.
    Intact,
    /// Not in the store.
    Missing,
    /// Present, but its content no longer has its hash.
    Altered,
}

impl Store {
    /// The store of the database at `db`.
    pub fn beside(db: &Path) -> Store {
        Store {
            root: crate::support::files::with_suffix(db, ".evidence"),
        }
    }

    /// Checks the store's own directory, if it is there: a link or anything but a real directory
    /// of this user's is an integrity failure (exit 3), found at `init` rather than at first use.
    pub fn check_root(&self) -> Result<()> {
        guard::dir(&self.root).map(|_| ())
    }

    /// Where content with hash `sha256` lives, once the store's directories on the way are checked
    /// to be real directories of ours and the entry, if present, a regular file of ours: anything
    /// else there is an integrity failure naming the path. `sha256` must be 64 lower-case hex digits.
    pub fn path_of(&self, sha256: &str) -> Result<PathBuf> {
        let path = self.entry_path(sha256)?;
        if self.dirs_present(sha256)?
            && let Some(meta) = guard::entry_metadata(&path)?
            && let Some(problem) = guard::not_regular(&meta)
        {
            return Err(Error::Integrity(format!(
                "evidence store {}: {problem}; the store never follows or opens anything but its own files",
                path.display()
            )));
        }
        Ok(path)
    }

    /// Where content with hash `sha256` would live, for messages only: nothing is checked, so this
    /// is never a path to open.
    pub fn shown_path(&self, sha256: &str) -> String {
        match self.entry_path(sha256) {
            Ok(p) => p.display().to_string(),
            Err(_) => format!("{} (not a SHA-256 hash)", sha256),
        }
    }

    /// The entry's path, by name alone (nothing on disk is looked at).
    fn entry_path(&self, sha256: &str) -> Result<PathBuf> {
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            return Err(Error::Integrity(format!("\"{sha256}\" is not a SHA-256 hash")));
        }
        Ok(self.root.join("sha256").join(&sha256[..2]).join(&sha256[2..]))
    }

    /// The directories an entry lives in, outermost first: the root, `sha256/` and its shard.
    fn dirs_of(&self, sha256: &str) -> [PathBuf; 3] {
        let all = self.root.join("sha256");
        let shard = all.join(sha256.get(..2).unwrap_or_default());
        [self.root.clone(), all, shard]
    }

    /// Checks the directories an entry lives in; false when one does not exist yet (then neither
    /// does the entry). A link or anything not ours on the way is an integrity failure.
    fn dirs_present(&self, sha256: &str) -> Result<bool> {
        for dir in self.dirs_of(sha256) {
            if guard::dir(&dir)? == guard::Dir::Absent {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Opens the entry for `sha256` as [`guard::open_entry`] does, after checking its directories.
    fn open_entry(&self, sha256: &str) -> Result<(PathBuf, guard::Entry)> {
        let path = self.entry_path(sha256)?;
        if !self.dirs_present(sha256)? {
            return Ok((path, guard::Entry::Missing));
        }
        let entry = guard::open_entry(&path)?;
        Ok((path, entry))
    }

    /// Copies `source` into the store, hashing it on the way; identical content is kept once.
    pub fn put(&self, source: &Path) -> Result<Put> {
        let meta = fs::symlink_metadata(source).map_err(|e| Error::io(source.display(), e))?;
        if meta.file_type().is_symlink() {
            return Err(Error::Invalid(format!(
                "{}: is a symbolic link; pass the file itself so the evidence is what you see",
                source.display()
            )));
        }
        if !meta.is_file() {
            return Err(Error::Invalid(format!("{}: is not a regular file", source.display())));
        }
        let mut input = fs::File::open(source).map_err(|e| Error::io(source.display(), e))?;
        // The file opened must be the one checked above: a path swapped for a symbolic link (or
        // anything else) between the check and the open is refused.
        if !crate::support::files::still_at(&input, source) {
            return Err(Error::Invalid(format!(
                "{}: changed while it was being opened; add it again",
                source.display()
            )));
        }
        let tmp_dir = self.root.join("tmp");
        guard::ensure_dir(&self.root)?;
        guard::ensure_dir(&tmp_dir)?;
        self.remove_abandoned();
        let tmp = tempfile_in(&tmp_dir)?;
        let result = (|| {
            let mut out = io::BufWriter::with_capacity(CHUNK, &tmp.file);
            let (sha256, size) = copy_hashing(&mut input, &mut out, meta.len(), source, "the evidence store")?;
            out.flush().map_err(|e| Error::io(tmp.path.display(), e))?;
            drop(out);
            tmp.file.sync_all().map_err(|e| Error::io(tmp.path.display(), e))?;
            let dest = self.entry_path(&sha256)?;
            for dir in self.dirs_of(&sha256) {
                guard::ensure_dir(&dir)?;
            }
            if let Some(meta) = guard::entry_metadata(&dest)? {
                if meta.is_dir() {
                    return Err(Error::Integrity(format!(
                        "evidence store {}: is a directory where a stored file should be; remove it by hand",
                        dest.display()
                    )));
                }
                if guard::not_regular(&meta).is_none() {
                    if self.check(&sha256)? == Check::Intact {
                        return Ok(Put {
                            sha256,
                            size,
                            new: false,
                        });
                    }
                    // The stored copy was altered behind our back: the genuine bytes just read repair it.
                    set_mode(&dest, 0o600)?;
                }
                // A link, FIFO or someone else's file in its place is replaced by the rename below,
                // which swaps the entry itself and never touches what a link points to.
            }
            let dir = dest.parent().expect("store paths have a parent");
            set_mode(&tmp.path, 0o400)?;
            fs::rename(&tmp.path, &dest).map_err(|e| Error::io(dest.display(), e))?;
            // The database row that names this file is committed next: the file must outlast a
            // power cut that the row survives.
            crate::support::files::sync_dir(dir).map_err(|e| Error::io(dir.display(), e))?;
            Ok(Put {
                sha256,
                size,
                new: true,
            })
        })();
        // Removes the temporary file when it was not renamed into place.
        let _ = fs::remove_file(&tmp.path);
        result
    }

    /// Removes the temporary files of writes whose process died (a killed `evidence add`);
    /// returns how many. Writes in progress hold their files locked and are left alone.
    pub fn remove_abandoned(&self) -> usize {
        let tmp = self.root.join("tmp");
        // Only a real `tmp/` of ours is cleaned: through a link this would delete elsewhere.
        let checked = guard::dir(&self.root).and_then(|_| guard::dir(&tmp));
        if !matches!(checked, Ok(guard::Dir::Present)) {
            return 0;
        }
        crate::support::files::remove_abandoned(&tmp, |name| name.starts_with(".ctrlmap-") && name.ends_with(".part"))
    }

    /// The hashes of all content in the store, sorted.
    pub fn hashes(&self) -> Result<Vec<String>> {
        let root = self.root.join("sha256");
        let mut found = Vec::new();
        if guard::dir(&self.root)? == guard::Dir::Absent || guard::dir(&root)? == guard::Dir::Absent {
            return Ok(found);
        }
        let dirs = fs::read_dir(&root).map_err(|e| Error::io(root.display(), e))?;
        for dir in dirs {
            let dir = dir.map_err(|e| Error::io(root.display(), e))?;
            let prefix = dir.file_name().to_string_lossy().into_owned();
            let is_shard =
                prefix.len() == 2 && prefix.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
            if !is_shard {
                continue;
            }
            // A shard that is a link is refused, never listed through.
            guard::dir(&dir.path())?;
            let Ok(files) = fs::read_dir(dir.path()) else { continue };
            for file in files.flatten() {
                let sha = format!("{prefix}{}", file.file_name().to_string_lossy());
                if self.entry_path(&sha).is_ok() {
                    found.push(sha);
                }
            }
        }
        found.sort();
        Ok(found)
    }

    /// Removes stored content.
    pub fn remove(&self, sha256: &str) -> Result<()> {
        let path = self.entry_path(sha256)?;
        if !self.dirs_present(sha256)? {
            return Ok(());
        }
        // Removing a link removes the link, never what it points to.
        match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io(path.display(), e)),
        }
    }

    /// Deletes the whole store (the demo rebuilds its own); read-only files are made writable first.
    pub fn remove_all(&self) -> Result<()> {
        if guard::dir(&self.root)? == guard::Dir::Absent {
            return Ok(());
        }
        // Entry types come from the directory itself, so the walk never goes down a link (and
        // never changes the mode of what one points to).
        fn walk(dir: &Path) -> io::Result<()> {
            for entry in fs::read_dir(dir)? {
                let entry = entry?;
                let kind = entry.file_type()?;
                if kind.is_dir() {
                    walk(&entry.path())?;
                } else if kind.is_file() {
                    let _ = set_mode(&entry.path(), 0o600);
                }
            }
            Ok(())
        }
        walk(&self.root)
            .and_then(|()| fs::remove_dir_all(&self.root))
            .map_err(|e| Error::io(self.root.display(), e))
    }

    /// Re-hashes stored content and says whether it is intact. Anything but a regular file of
    /// ours in its place is [`Check::Altered`], and is not opened.
    pub fn check(&self, sha256: &str) -> Result<Check> {
        let (path, entry) = self.open_entry(sha256)?;
        let mut file = match entry {
            guard::Entry::Missing => return Ok(Check::Missing),
            guard::Entry::Foreign(_) => return Ok(Check::Altered),
            guard::Entry::File(f) => f,
        };
        let (actual, _) = copy_hashing(&mut file, &mut io::sink(), 0, &path, "nowhere")?;
        Ok(if actual == sha256 {
            Check::Intact
        } else {
            Check::Altered
        })
    }

    /// A cheap look at stored content, without reading it: present as a regular file of ours and,
    /// when `size` is known, of that size. Catches a removed, replaced or resized file; an edit
    /// that keeps the size needs [`Store::check`].
    pub fn check_size(&self, sha256: &str, size: Option<u64>) -> Result<Check> {
        let path = self.entry_path(sha256)?;
        if !self.dirs_present(sha256)? {
            return Ok(Check::Missing);
        }
        Ok(match guard::entry_metadata(&path)? {
            None => Check::Missing,
            Some(meta) if guard::not_regular(&meta).is_some() => Check::Altered,
            Some(meta) if size.is_some_and(|n| n != meta.len()) => Check::Altered,
            Some(_) => Check::Intact,
        })
    }

    /// Copies stored content to `out` (a new file), verifying the hash on the way; on a mismatch
    /// nothing is left at `out` and the error is an integrity failure.
    pub fn export(&self, sha256: &str, out: &Path) -> Result<u64> {
        crate::support::files::check_output(out, true)?;
        let (path, entry) = self.open_entry(sha256)?;
        let mut file = match entry {
            guard::Entry::Missing => {
                return Err(Error::Integrity(format!(
                    "stored file {} is missing from the evidence store",
                    &sha256[..12]
                )));
            }
            guard::Entry::Foreign(problem) => {
                return Err(Error::Integrity(format!(
                    "stored file {} ({}) {problem}; refusing to export it",
                    &sha256[..12],
                    path.display()
                )));
            }
            guard::Entry::File(f) => f,
        };
        // Written beside `out` and renamed only when the bytes hashed right: an altered file
        // never appears under the name asked for.
        let mut size = 0;
        crate::support::files::write_atomically(out, |w| {
            let (actual, n) = copy_hashing(&mut file, w, 0, &path, &out.display().to_string())?;
            if actual != sha256 {
                return Err(Error::Integrity(format!(
                    "stored file {} was altered: its content now hashes to {}; refusing to export it",
                    &sha256[..12],
                    &actual[..12]
                )));
            }
            size = n;
            Ok(())
        })?;
        Ok(size)
    }
}

/// A temporary file with an unpredictable name, created owner-only and locked while open.
struct TempFile {
    file: fs::File,
    path: PathBuf,
}

fn tempfile_in(dir: &Path) -> Result<TempFile> {
    for attempt in 0..100u32 {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path = dir.join(format!(".ctrlmap-{}-{nanos:09}-{attempt}.part", std::process::id()));
        match crate::support::files::create_locked(&path) {
            Ok(file) => return Ok(TempFile { file, path }),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(Error::io(path.display(), e)),
        }
    }
    Err(Error::Invalid(format!(
        "{}: cannot create a temporary file",
        dir.display()
    )))
}

fn set_mode(path: &Path, mode: u32) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(|e| Error::io(path.display(), e))
    }
    #[cfg(not(unix))]
    {
        let _ = mode;
        let mut p = fs::metadata(path)
            .map_err(|e| Error::io(path.display(), e))?
            .permissions();
        p.set_readonly(true);
        fs::set_permissions(path, p).map_err(|e| Error::io(path.display(), e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_once_by_content_and_detects_tampering() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::beside(&dir.path().join("x.db"));
        let a = dir.path().join("a.txt");
        let b = dir.path().join("b.txt");
        fs::write(&a, b"hello").expect("write");
        fs::write(&b, b"hello").expect("write");
        let first = store.put(&a).expect("put");
        assert!(first.new);
        assert_eq!(
            first.sha256,
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        let second = store.put(&b).expect("put");
        assert!(!second.new);
        assert_eq!(store.check(&first.sha256).expect("check"), Check::Intact);
        assert_eq!(
            fs::read_dir(dir.path().join("x.db.evidence/tmp")).expect("tmp").count(),
            0
        );

        let path = store.path_of(&first.sha256).expect("path");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&path).expect("meta").permissions().mode() & 0o777, 0o400);
        }
        set_mode(&path, 0o600).expect("chmod");
        fs::write(&path, b"jello").expect("tamper");
        assert_eq!(store.check(&first.sha256).expect("check"), Check::Altered);
        let out = dir.path().join("copy.txt");
        assert!(matches!(store.export(&first.sha256, &out), Err(Error::Integrity(_))));
        assert!(!out.exists());
        fs::remove_file(&path).expect("delete");
        assert_eq!(store.check(&first.sha256).expect("check"), Check::Missing);
    }

    #[test]
    fn the_next_put_removes_what_a_killed_put_left_in_tmp() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::beside(&dir.path().join("x.db"));
        let tmp = dir.path().join("x.db.evidence/tmp");
        guard::ensure_dir(&dir.path().join("x.db.evidence")).expect("root");
        guard::ensure_dir(&tmp).expect("tmp dir");
        let abandoned = tmp.join(".ctrlmap-4242-000000001-0.part");
        fs::write(&abandoned, b"half a fi").expect("leftover");
        set_mode(&abandoned, 0o400).expect("chmod");
        let busy = tmp.join(".ctrlmap-4243-000000001-0.part");
        let in_progress = crate::support::files::create_locked(&busy).expect("a write in progress");
        let a = dir.path().join("a.txt");
        fs::write(&a, b"hello").expect("write");
        store.put(&a).expect("put");
        assert!(!abandoned.exists(), "the killed write's file is removed");
        assert!(busy.exists(), "a write in progress is left alone");
        drop(in_progress);
        assert_eq!(store.remove_abandoned(), 1);
        assert_eq!(fs::read_dir(&tmp).expect("tmp").count(), 0);
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_or_link_in_place_of_a_stored_file_is_altered_and_never_opened() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::beside(&dir.path().join("x.db"));
        let a = dir.path().join("a.txt");
        fs::write(&a, b"hello").expect("write");
        let put = store.put(&a).expect("put");
        let path = store.path_of(&put.sha256).expect("path");
        fs::remove_file(&path).expect("remove");
        let made = std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .expect("mkfifo");
        assert!(made.success());
        // Opening a FIFO for reading blocks until a writer comes: none ever will here, so these
        // return only because the FIFO is never opened that way.
        assert_eq!(store.check(&put.sha256).expect("check"), Check::Altered);
        assert_eq!(store.check_size(&put.sha256, Some(5)).expect("check"), Check::Altered);
        assert!(matches!(store.path_of(&put.sha256), Err(Error::Integrity(_))));
        let out = dir.path().join("copy.txt");
        assert!(matches!(store.export(&put.sha256, &out), Err(Error::Integrity(_))));
        assert!(!out.exists());

        fs::remove_file(&path).expect("remove the FIFO");
        std::os::unix::fs::symlink(&a, &path).expect("symlink");
        assert_eq!(
            store.check(&put.sha256).expect("check"),
            Check::Altered,
            "never followed"
        );
        // The genuine bytes put again replace the link, not the file it points to.
        assert!(store.put(&a).expect("put").new);
        assert_eq!(store.check(&put.sha256).expect("check"), Check::Intact);
        assert_eq!(fs::read(&a).expect("read"), b"hello");
    }

    #[cfg(unix)]
    #[test]
    fn a_root_or_shard_that_is_a_link_is_an_integrity_failure() {
        let dir = tempfile::tempdir().expect("temp dir");
        let elsewhere = dir.path().join("elsewhere");
        fs::create_dir(&elsewhere).expect("mkdir");
        std::os::unix::fs::symlink(&elsewhere, dir.path().join("x.db.evidence")).expect("symlink");
        let store = Store::beside(&dir.path().join("x.db"));
        let a = dir.path().join("a.txt");
        fs::write(&a, b"hello").expect("write");
        assert!(matches!(store.put(&a), Err(Error::Integrity(_))));
        assert!(matches!(store.hashes(), Err(Error::Integrity(_))));
        assert!(matches!(store.remove_all(), Err(Error::Integrity(_))));
        assert_eq!(fs::read_dir(&elsewhere).expect("dir").count(), 0);

        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::beside(&dir.path().join("x.db"));
        let a = dir.path().join("a.txt");
        fs::write(&a, b"hello").expect("write");
        let put = store.put(&a).expect("put");
        let shard = dir.path().join("x.db.evidence/sha256").join(&put.sha256[..2]);
        let moved = dir.path().join("moved");
        fs::rename(&shard, &moved).expect("move");
        std::os::unix::fs::symlink(&moved, &shard).expect("symlink");
        assert!(matches!(store.check(&put.sha256), Err(Error::Integrity(_))));
        assert!(matches!(store.hashes(), Err(Error::Integrity(_))));
    }

    #[test]
    fn refuses_non_hashes_as_names() {
        let store = Store::beside(Path::new("x.db"));
        assert!(store.path_of("../../etc/passwd").is_err());
        assert!(store.path_of(&"A".repeat(64)).is_err());
    }
}
