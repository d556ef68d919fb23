//! Writing output files safely: into a private temporary file beside the target, renamed into
//! place only when complete, so a failed or interrupted write never leaves half a file behind.

use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::Path;

use crate::error::{Error, Result};

/// Writes `path` through `fill`; the file is created owner-only (it holds customer data).
pub(crate) fn write_atomically(path: &Path, fill: impl FnOnce(&mut BufWriter<&File>) -> Result<()>) -> Result<u64> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !dir.is_dir() {
        return Err(Error::Invalid(format!(
            "{}: the directory {} does not exist",
            path.display(),
            dir.display()
        )));
    }
    if path.is_dir() {
        return Err(Error::Invalid(format!("{}: is a directory", path.display())));
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.part", std::process::id()));
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(&tmp).map_err(|e| Error::io(path.display(), e))?;
    let result = (|| {
        let mut w = BufWriter::new(&file);
        fill(&mut w)?;
        w.flush().map_err(|e| Error::io(path.display(), e))?;
        drop(w);
        file.sync_all().map_err(|e| Error::io(path.display(), e))?;
        fs::rename(&tmp, path).map_err(|e| Error::io(path.display(), e))?;
        fs::metadata(path)
            .map(|m| m.len())
            .map_err(|e| Error::io(path.display(), e))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
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
}
