//! Checking a package against its digest and signature.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{self, Read, Seek, Write};
use std::path::Path;

use ed25519_dalek::Signature;
use sha2::{Digest, Sha256};
use zip::ZipArchive;

use super::sign::{decode_hex, read_verifying_key};
use super::{DIGEST, SIGNATURE, Verified};
use crate::error::{Error, Result};

/// Re-hashes every member of the package at `zip` against its `digest.txt`, and checks `digest.sig`
/// with the key file `public_key` when given.
pub fn verify(zip: &Path, public_key: Option<&Path>) -> Result<Verified> {
    let key = public_key.map(read_verifying_key).transpose()?;
    let file = File::open(zip).map_err(|e| Error::io(zip.display(), e))?;
    let not_ours = |why: String| Error::Invalid(format!("{}: not a ctrlmap package: {why}", zip.display()));
    let mut archive = ZipArchive::new(file).map_err(|e| not_ours(format!("not a zip archive or truncated ({e})")))?;
    let digest = match read_member(&mut archive, DIGEST) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return Err(not_ours(format!("it has no {DIGEST}"))),
        Err(e) => return Err(not_ours(format!("{DIGEST} cannot be read ({e})"))),
    };
    let listed = parse_digest(&digest).map_err(not_ours)?;
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for i in 0..archive.len() {
        let mut member = match archive.by_index(i) {
            Ok(m) => m,
            Err(e) => {
                problems.push(format!("member {}: cannot be read ({e})", i + 1));
                continue;
            }
        };
        let name = member
            .name()
            .map(|n| n.into_owned())
            .unwrap_or_else(|_| format!("#{}", i + 1));
        if name == DIGEST || name == SIGNATURE {
            continue;
        }
        let Some(expected) = listed.get(&name) else {
            problems.push(format!("extra: {name} is in the package but not in {DIGEST}"));
            continue;
        };
        if !seen.insert(name.clone()) {
            problems.push(format!("extra: {name} is in the package more than once"));
            continue;
        }
        let mut hasher = Sha256::new();
        match io::copy(&mut member, &mut HashWriter(&mut hasher)) {
            Ok(_) => {
                let actual = crate::hex::encode(&hasher.finalize());
                if &actual != expected {
                    problems.push(format!("changed: {name} no longer has the SHA-256 in {DIGEST}"));
                }
            }
            Err(e) => problems.push(format!("changed: {name} is damaged ({e})")),
        }
    }
    for name in listed.keys() {
        if !seen.contains(name) {
            problems.push(format!("missing: {name} is in {DIGEST} but not in the package"));
        }
    }
    if let Some(key) = key {
        match read_member(&mut archive, SIGNATURE) {
            Ok(None) => problems.push(format!("{SIGNATURE} is missing: the package is not signed")),
            Err(e) => problems.push(format!("{SIGNATURE} cannot be read ({e})")),
            Ok(Some(bytes)) => {
                let good = std::str::from_utf8(&bytes)
                    .ok()
                    .and_then(decode_hex)
                    .and_then(|b| <[u8; 64]>::try_from(b).ok())
                    .map(|b| Signature::from_bytes(&b))
                    .is_some_and(|sig| key.verify_strict(&digest, &sig).is_ok());
                if !good {
                    problems.push(format!(
                        "{SIGNATURE}: the signature over {DIGEST} does not match the public key"
                    ));
                }
            }
        }
    }
    Ok(Verified {
        members: listed.len(),
        problems,
    })
}

/// Feeds written bytes to a hasher.
struct HashWriter<'a>(&'a mut Sha256);

impl Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The bytes of member `name`, or `None` when there is none.
fn read_member<R: Read + Seek>(archive: &mut ZipArchive<R>, name: &str) -> io::Result<Option<Vec<u8>>> {
    let mut member = match archive.by_name(name) {
        Ok(m) => m,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(io::Error::other(e)),
    };
    let mut bytes = Vec::new();
    member.read_to_end(&mut bytes)?;
    Ok(Some(bytes))
}

/// Parses `sha256sum` lines (`<hex>  <path>` or `<hex> *<path>`) into path -> hash.
fn parse_digest(bytes: &[u8]) -> std::result::Result<BTreeMap<String, String>, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| format!("{DIGEST} is not UTF-8"))?;
    let mut out = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let parsed = line
            .split_once("  ")
            .or_else(|| line.split_once(" *"))
            .filter(|(hash, path)| hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) && !path.is_empty());
        let Some((hash, path)) = parsed else {
            return Err(format!("{DIGEST} line {}: expected \"<sha256>  <path>\"", n + 1));
        };
        if out.insert(path.to_string(), hash.to_ascii_lowercase()).is_some() {
            return Err(format!("{DIGEST} line {}: {path} is listed twice", n + 1));
        }
    }
    Ok(out)
}
