//! A writer that hashes (SHA-256) what passes through it: for a document whose identity comes
//! from its own bytes, and for a hash over a serialisation nobody needs to keep.

use std::io::Write;

use sha2::{Digest, Sha256};

/// Passes what is written on to `out` and hashes it; `std::io::sink()` as `out` only hashes.
pub(crate) struct Hashing<W: Write> {
    pub(crate) out: W,
    pub(crate) hasher: Sha256,
}

impl<W: Write> Hashing<W> {
    pub(crate) fn new(out: W) -> Self {
        Hashing {
            out,
            hasher: Sha256::new(),
        }
    }
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.out.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_written_is_passed_on_and_hashed_as_one() {
        let mut out = Hashing::new(Vec::new());
        out.write_all(b"ab").expect("write");
        out.write_all(b"c").expect("write");
        assert_eq!(out.out, b"abc");
        assert_eq!(out.hasher.finalize(), Sha256::digest(b"abc"));
        let mut only = Hashing::new(std::io::sink());
        only.write_all(b"abc").expect("write");
        assert_eq!(only.hasher.finalize(), Sha256::digest(b"abc"));
    }
}
