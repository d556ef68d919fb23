//! Writing output files safely: into a private temporary file beside the target, renamed into
//! place only when complete, so a failed or interrupted write never leaves half a file behind.
//!
//! Every file a command writes (`--out` of report, export, package, evidence export, key
//! generate) first passes one guard, [`check_output`]: it is never the database, its journal
//! files, anything in the evidence store or an input of the command, never a directory, a
//! symbolic link or anything but a regular file, and an existing file is replaced only with
//! `--force`.
//!
//! A process killed mid-write cannot remove its temporary file, so every temporary file is locked
//! by its writer while it is open: the next write finds the unlocked ones (their writer is gone)
//! and removes them.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::{Error, Result};

/// What outputs must never overwrite, and whether existing files may be replaced.
#[derive(Debug)]
struct Guard {
    /// The database file (its journals are derived from it).
    database: Option<PathBuf>,
    /// Files the running command reads (a signing key, a template).
    inputs: Vec<PathBuf>,
    /// `--force` was given.
    replace: bool,
}

static GUARD: Mutex<Guard> = Mutex::new(Guard {
    database: None,
    inputs: Vec::new(),
    replace: false,
});

/// Registers the database (and with it its journals and evidence store) as never to be written
/// over, and whether `--force` allows replacing other existing files. Called once per command.
pub(crate) fn guard_outputs(database: &Path, replace: bool) {
    if let Ok(mut g) = GUARD.lock() {
        g.database = Some(database.to_path_buf());
        g.replace = replace;
    }
}

/// Registers a file the running command reads, which its output must not replace.
pub(crate) fn protect_input(path: &Path) {
    if let Ok(mut g) = GUARD.lock() {
        g.inputs.push(path.to_path_buf());
    }
}

/// Allows this command to replace existing outputs (`demo`, which owns its directory).
pub(crate) fn allow_replace() {
    if let Ok(mut g) = GUARD.lock() {
        g.replace = true;
    }
}

/// The one guard every output path passes (see the module docs); exit 2 and nothing touched
/// when it refuses. `may_replace` is false for files that must never be replaced (keys).
pub(crate) fn check_output(path: &Path, may_replace: bool) -> Result<()> {
    let refuse = |why: String| Error::Invalid(format!("--out {}: {why}; nothing was written", path.display()));
    if path.as_os_str().is_empty() {
        return Err(Error::Invalid("--out must not be empty".into()));
    }
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !dir.is_dir() {
        return Err(refuse(format!("the directory {} does not exist", dir.display())));
    }
    let existing = match fs::symlink_metadata(path) {
        Ok(meta) => Some(meta),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::io(path.display(), e)),
    };
    if let Some(meta) = &existing
        && !meta.is_file()
    {
        return Err(refuse(format!("is {}, not a regular file", describe(meta))));
    }
    let (database, inputs, replace) = match GUARD.lock() {
        Ok(g) => (g.database.clone(), g.inputs.clone(), g.replace),
        Err(_) => (None, Vec::new(), false),
    };
    let target = resolved(path);
    if let Some(db) = &database {
        if database_files(db).any(|p| same_file(path, existing.as_ref(), &p, &target)) {
            return Err(refuse("is the database or one of its journal files".into()));
        }
        if target.starts_with(store_of(db)) {
            return Err(refuse("is inside the evidence store".into()));
        }
    }
    if inputs.iter().any(|p| same_file(path, existing.as_ref(), p, &target)) {
        return Err(refuse("is a file this command reads".into()));
    }
    if existing.is_some() {
        if !may_replace {
            return Err(refuse("already exists; it is never replaced".into()));
        }
        if !replace {
            return Err(refuse("already exists; pass --force to replace it".into()));
        }
    }
    Ok(())
}

/// Where the evidence store of `db` is, its directory resolved but not the store itself: a store
/// that is a link is the store guard's to refuse (exit 3), not a reason to take every path the
/// link reaches for the store.
fn store_of(db: &Path) -> PathBuf {
    let store = with_suffix(db, ".evidence");
    match fs::symlink_metadata(&store) {
        Ok(meta) if meta.file_type().is_symlink() => in_resolved_dir(&store),
        _ => resolved(&store),
    }
}

/// The journal files SQLite keeps beside a database, by suffix.
pub(crate) const JOURNAL_SUFFIXES: [&str; 3] = ["-wal", "-shm", "-journal"];

/// `path` with `suffix` appended to its file name (`ctrlmap.db` -> `ctrlmap.db-wal`).
pub(crate) fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(suffix);
    PathBuf::from(p)
}

/// The database file and its journals: what no output may ever be.
fn database_files(db: &Path) -> impl Iterator<Item = PathBuf> + '_ {
    std::iter::once(db.to_path_buf()).chain(JOURNAL_SUFFIXES.iter().map(|s| with_suffix(db, s)))
}

/// Checks a directory that a command will fill with files (`man --all --out DIR`) before anything
/// is created: it is not the database, one of its journals or inside the evidence store, and if
/// it exists it is a real directory. Each file written into it then passes [`check_output`].
pub(crate) fn check_output_dir(dir: &Path) -> Result<()> {
    let refuse = |why: &str| Error::Invalid(format!("--out {}: {why}; nothing was written", dir.display()));
    match fs::symlink_metadata(dir) {
        Ok(meta) if !meta.is_dir() => return Err(refuse(&format!("is {}, not a directory", describe(&meta)))),
        Ok(_) | Err(_) => {}
    }
    let database = GUARD.lock().ok().and_then(|g| g.database.clone());
    if let Some(db) = database {
        let target = resolved(dir);
        if database_files(&db).any(|p| resolved(&p) == target) {
            return Err(refuse("is the database or one of its journal files"));
        }
        if target.starts_with(store_of(&db)) {
            return Err(refuse("is inside the evidence store"));
        }
    }
    Ok(())
}

/// Whether the output `path` (resolved to `target`, with `meta` when it exists) names
/// `protected`: the same path once directories are resolved, or the same file by another name
/// (a hard link).
fn same_file(path: &Path, meta: Option<&fs::Metadata>, protected: &Path, target: &Path) -> bool {
    if resolved(protected) == target {
        return true;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Some(out), Ok(p)) = (meta, fs::metadata(protected)) {
            return out.dev() == p.dev() && out.ino() == p.ino();
        }
    }
    let _ = (path, meta);
    false
}

/// `path` absolute, with its directory's symbolic links and `..` resolved (the file name itself
/// is kept as it is, since the file may not exist yet).
fn resolved(path: &Path) -> PathBuf {
    fs::canonicalize(path).unwrap_or_else(|_| in_resolved_dir(path))
}

/// `path` absolute, with only its directory resolved: the last component is kept as it is, be it
/// a file not made yet or a link that must not be followed.
fn in_resolved_dir(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    match (absolute.parent(), absolute.file_name()) {
        (Some(dir), Some(name)) => fs::canonicalize(dir).map_or(absolute.clone(), |d| d.join(name)),
        _ => absolute,
    }
}

/// What a file that is not a regular file is, for messages.
pub(crate) fn describe(meta: &fs::Metadata) -> &'static str {
    let t = meta.file_type();
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_block_device() || t.is_char_device() {
            return "a device";
        }
    }
    if t.is_dir() {
        "a directory"
    } else if t.is_symlink() {
        "a symbolic link"
    } else if t.is_file() {
        "a regular file"
    } else {
        "not a regular file"
    }
}

/// Whether this process may create files in the directory of `path` (false on a read-only
/// mount or a directory without write permission for us).
pub(crate) fn writable_dir(path: &Path) -> bool {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let Ok(c) = std::ffi::CString::new(dir.as_os_str().as_bytes()) else {
            return false;
        };
        // SAFETY: `c` is a valid NUL-terminated string that outlives the call; access(2) only
        // reads it.
        unsafe { libc::access(c.as_ptr(), libc::W_OK) == 0 }
    }
    #[cfg(not(unix))]
    {
        fs::metadata(dir).is_ok_and(|m| !m.permissions().readonly())
    }
}

/// A file being written that asks the system, every few megabytes, to start writing what it
/// was given to disk: the sync before the rename then waits for the last few megabytes, not for
/// all of a large report, and the disk works while the report is still being made.
pub(crate) struct WritingAhead<'f> {
    file: &'f File,
    written: u64,
    started: u64,
}

/// How much is written before the system is asked to start writing it to disk.
const AHEAD: u64 = 8 << 20;

impl Write for WritingAhead<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.written += n as u64;
        if self.written - self.started >= AHEAD {
            start_writeback(self.file, self.started, self.written - self.started);
            self.started = self.written;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl io::Seek for WritingAhead<'_> {
    fn seek(&mut self, to: io::SeekFrom) -> io::Result<u64> {
        let at = self.file.seek(to)?;
        // Writing goes on from here (a zip writer goes back to finish an entry's header).
        self.written = at;
        self.started = at;
        Ok(at)
    }
}

/// Asks Linux to start writing back `len` bytes of `file` from `from` without waiting for them
/// (its answer to "don't need" for dirty pages); pages being written stay cached. A refusal
/// only loses the head start, so it is ignored.
#[cfg(target_os = "linux")]
fn start_writeback(file: &File, from: u64, len: u64) {
    let _ = rustix::fs::fadvise(file, from, std::num::NonZeroU64::new(len), rustix::fs::Advice::DontNeed);
}

#[cfg(not(target_os = "linux"))]
fn start_writeback(_: &File, _: u64, _: u64) {}

/// Writes `path` through `fill`; the file is created owner-only (it holds customer data). The
/// path passes [`check_output`] first.
pub(crate) fn write_atomically(
    path: &Path,
    fill: impl FnOnce(&mut BufWriter<WritingAhead<'_>>) -> Result<()>,
) -> Result<u64> {
    check_output(path, true)?;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.part", std::process::id()));
    let file = create_temp(dir, &name, &tmp).map_err(|e| Error::io(path.display(), e))?;
    let result = (|| {
        let mut w = BufWriter::new(WritingAhead {
            file: &file,
            written: 0,
            started: 0,
        });
        fill(&mut w)?;
        w.flush().map_err(|e| Error::io(path.display(), e))?;
        drop(w);
        file.sync_all().map_err(|e| Error::io(path.display(), e))?;
        fs::rename(&tmp, path).map_err(|e| Error::io(path.display(), e))?;
        sync_dir(dir).map_err(|e| Error::io(dir.display(), e))?;
        fs::metadata(path)
            .map(|m| m.len())
            .map_err(|e| Error::io(path.display(), e))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Creates `tmp`, the temporary file for `name` in `dir`, first removing what killed writes to the
/// same name left behind (one of which may even carry this process's id).
fn create_temp(dir: &Path, name: &str, tmp: &Path) -> io::Result<File> {
    let mut attempt = 0;
    loop {
        remove_abandoned(dir, |n| is_temp_name_of(n, name));
        match create_locked(tmp) {
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 3 => attempt += 1,
            other => return other,
        }
    }
}

/// Whether `file_name` is a temporary name [`write_atomically`] gives `name` (`.NAME.PID.part`).
fn is_temp_name_of(file_name: &str, name: &str) -> bool {
    file_name
        .strip_prefix('.')
        .and_then(|n| n.strip_prefix(name))
        .and_then(|n| n.strip_prefix('.'))
        .and_then(|n| n.strip_suffix(".part"))
        .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
}

/// Creates `path` as a new owner-only file, locked for as long as it stays open, so that
/// [`remove_abandoned`] can tell a write in progress from one whose process has died.
pub(crate) fn create_locked(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(path)?;
    match file.lock() {
        Ok(()) => {}
        // Without locks nothing is ever taken for abandoned, so the file is safe unlocked.
        Err(e) if e.kind() == io::ErrorKind::Unsupported => return Ok(file),
        Err(e) => {
            let _ = fs::remove_file(path);
            return Err(e);
        }
    }
    // Another process may have taken the file for abandoned and removed it between its creation
    // and the lock; then its name is free again and the caller should make another.
    if !still_at(&file, path) {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "the temporary file was removed as abandoned before it was locked",
        ));
    }
    Ok(file)
}

/// Whether `path` still names the open `file`.
pub(crate) fn still_at(file: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), fs::symlink_metadata(path)) {
            (Ok(open), Ok(named)) => open.dev() == named.dev() && open.ino() == named.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        path.exists()
    }
}

/// Removes the files in `dir` whose names `is_temp` accepts and that no live process holds locked:
/// temporary files of writes that were killed. Best effort; returns how many it removed.
pub(crate) fn remove_abandoned(dir: &Path, is_temp: impl Fn(&str) -> bool) -> usize {
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name.to_str().is_some_and(&is_temp) || !entry.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        let path = entry.path();
        let Ok(file) = File::open(&path) else {
            continue;
        };
        // The lock is held until the file is removed, so its writer cannot be mid-way.
        if file.try_lock().is_ok() && still_at(&file, &path) && fs::remove_file(&path).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// Makes a rename in `dir` durable (on Unix; elsewhere the rename itself is).
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// The temporary name [`write_atomically`] uses, for tests.
#[cfg(test)]
pub(crate) fn temp_name(path: &Path) -> std::path::PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.part", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_leaves_nothing() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("r.csv");
        let err = write_atomically(&path, |w| {
            w.write_all(b"half").map_err(|e| Error::io("x", e))?;
            Err(Error::Invalid("boom".into()))
        });
        assert!(err.is_err());
        assert!(!path.exists());
        assert!(!temp_name(&path).exists());
        write_atomically(&path, |w| w.write_all(b"whole").map_err(|e| Error::io("x", e))).expect("write");
        assert_eq!(fs::read(&path).expect("read"), b"whole");
    }

    #[test]
    fn a_killed_writes_leftover_is_removed_even_under_this_process_id() {
        // A killed write whose process id comes round again (as it does in containers) used to
        // make every later write to the same file fail with "File exists".
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("r.csv");
        fs::write(temp_name(&path), b"half").expect("leftover");
        let other = dir.path().join(".r.csv.1.part");
        fs::write(&other, b"half").expect("leftover");
        let unrelated = dir.path().join(".r.csv.backup.part");
        fs::write(&unrelated, b"mine").expect("unrelated");
        write_atomically(&path, |w| w.write_all(b"whole").map_err(|e| Error::io("x", e))).expect("write");
        assert_eq!(fs::read(&path).expect("read"), b"whole");
        assert!(!temp_name(&path).exists());
        assert!(!other.exists());
        assert!(unrelated.exists(), "only ctrlmap's temporary names are touched");
    }

    #[test]
    fn a_locked_temporary_file_is_a_write_in_progress() {
        let dir = tempfile::tempdir().expect("dir");
        let busy = dir.path().join("busy.part");
        let file = create_locked(&busy).expect("create");
        // Another open of the file stands for another process: flock locks belong to the open file.
        assert_eq!(remove_abandoned(dir.path(), |n| n.ends_with(".part")), 0);
        assert!(busy.exists());
        drop(file);
        assert_eq!(remove_abandoned(dir.path(), |n| n.ends_with(".part")), 1);
        assert!(!busy.exists());
    }

    #[test]
    fn temporary_names_are_recognised_exactly() {
        assert!(is_temp_name_of(".r.csv.123.part", "r.csv"));
        assert!(!is_temp_name_of(".r.csv..part", "r.csv"));
        assert!(!is_temp_name_of(".r.csv.12a.part", "r.csv"));
        assert!(!is_temp_name_of(".rr.csv.123.part", "r.csv"));
        assert!(!is_temp_name_of("r.csv.123.part", "r.csv"));
    }
}
