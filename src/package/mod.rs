//! The reviewer's package: one zip with the report (PDF, CSV, XLSX, HTML), every file evidence of an evaluation,
//! a manifest and a SHA-256 digest of every member, optionally signed with Ed25519.
//!
//! Members are written in a fixed order with fixed timestamps (the package date at midnight) and
//! fixed permissions, so the same data and date give a byte-identical archive. Evidence is streamed
//! from the store and checked against its stored hash while being packed; a mismatch stops the
//! package and nothing is left at the output path.
//!
//! `build` writes a package, `verify` checks one; `sign` holds the keys.

mod build;
mod folder;
mod manifest;
mod names;
mod reader;
mod records;
mod refused;
mod sign;
mod verify;

pub use build::build;
pub use sign::generate_key;
pub use verify::verify;

/// The digest member: `<sha256>  <path>` per member, `sha256sum -c` format.
const DIGEST: &str = "digest.txt";
/// The hex Ed25519 signature over the digest's bytes.
const SIGNATURE: &str = "digest.sig";
/// The manifest member.
const MANIFEST: &str = "manifest.json";
/// The longest sanitised original name kept in an evidence member's path, in characters.
const NAME_MAX: usize = 100;
/// How much is read or written at a time when streaming a member.
const CHUNK: usize = 1 << 20;

/// What `build` wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Members in the zip (digest and signature included).
    pub members: usize,
    /// Size of the package file.
    pub bytes: u64,
    /// SHA-256 (hex) of the package file itself.
    pub digest_sha256: String,
    /// Whether `digest.sig` was added.
    pub signed: bool,
}

/// What `verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// Members listed in `digest.txt`.
    pub members: usize,
    /// One line per changed member or signature problem; empty when all is well.
    pub problems: Vec<String>,
    /// Whether the package holds `digest.sig` (checked only when a public key is given).
    pub signed: bool,
}

/// One member as the digest and manifest list it.
struct Member {
    /// The member's path in the zip.
    path: String,
    /// Its size in bytes, uncompressed.
    size: u64,
    /// Its SHA-256, in lowercase hex.
    sha256: String,
}

#[cfg(test)]
mod tests;
