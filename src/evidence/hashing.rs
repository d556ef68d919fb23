//! Streaming SHA-256: files are hashed in fixed-size chunks, never read whole into memory.

use std::fs;
use std::io::{self, IsTerminal, Read, Write};
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// Bytes read at a time.
pub(super) const CHUNK: usize = 1 << 20;
/// Files larger than this get a progress bar when stderr is a terminal.
const PROGRESS_OVER: u64 = 8 << 20;

/// Hashes a file without storing it.
pub fn hash_file(path: &Path) -> Result<(String, u64)> {
    let mut file = fs::File::open(path).map_err(|e| Error::io(path.display(), e))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    copy_hashing(&mut file, &mut io::sink(), len, path, "nowhere")
}

/// Streams `input` (named `name`) to `out` (named `dest`) in fixed chunks while hashing; shows
/// progress for large inputs on a terminal. Errors name the side that failed: a full disk is the
/// destination's, never the source file's.
pub(super) fn copy_hashing(
    input: &mut impl Read,
    out: &mut impl Write,
    len: u64,
    name: &Path,
    dest: &str,
) -> Result<(String, u64)> {
    let progress = (len > PROGRESS_OVER && io::stderr().is_terminal() && !crate::support::output::quiet()).then(|| {
        let bar = indicatif::ProgressBar::new(len);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{msg} {bar:30} {bytes}/{total_bytes} {bytes_per_sec}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar.set_message("hashing");
        bar
    });
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    let mut size = 0u64;
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::io(name.display(), e)),
        };
        hasher.update(&buf[..n]);
        out.write_all(&buf[..n]).map_err(|e| Error::io(dest, e))?;
        size += n as u64;
        if let Some(bar) = &progress {
            bar.set_position(size);
        }
    }
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    Ok((crate::support::hex::encode(&hasher.finalize()), size))
}
