//! Checking a package, zipped or unzipped: every check goes through the one reader of each
//! ([`super::reader`], [`super::folder`]), which refuses anything that is not a member of a
//! package before any member is trusted. `digest.txt` is read once, into a buffer whose
//! size is capped before anything is inflated; the signature is checked over exactly those bytes,
//! and every other member is streamed once and compared with that same parsed digest.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::path::Path;

use ed25519_dalek::{Signature, VerifyingKey};
use sha2::{Digest, Sha256};

use super::folder::Folder;
use super::reader::{Archive, Source};
use super::refused::{Checked, Refused, shown};
use super::sign::{decode_hex, read_verifying_key};
use super::{DIGEST, MANIFEST, SIGNATURE, Verified};
use crate::error::{Error, Result};
use crate::text::one_line;

/// A digest line: `<64 hex>  <path>\n`, 67 bytes besides the path.
const LINE_OVERHEAD: u64 = 67;
/// Room in `digest.txt` beyond the lines of the members present, so that members removed from
/// the archive are still read and named; anything larger is refused before it is inflated.
const DIGEST_SLACK: u64 = 1 << 20;
/// The largest manifest read: titles and names of tens of thousands of evidence files.
const MANIFEST_MAX: u64 = 64 << 20;
/// `digest.sig`: 128 hex digits and a newline.
const SIGNATURE_LEN: u64 = 129;

/// Re-hashes every member of the package at `zip` (a zip, or the directory it was unzipped to)
/// against its `digest.txt`, and checks `digest.sig` with the key file `public_key` when given.
///
/// A file that is not a zip, or has no `digest.txt`, is [`Error::Invalid`]; a package that holds
/// anything but its members (duplicate, hidden or odd members, links, members not in the digest or
/// missing, headers that disagree, sizes beyond what is declared) is refused as
/// [`Error::Integrity`] naming the member; changed contents and a signature that does not match
/// are listed in [`Verified::problems`].
pub fn verify(zip: &Path, public_key: Option<&Path>) -> Result<Verified> {
    let key = public_key.map(read_verifying_key).transpose()?;
    let path = one_line(&zip.display().to_string()).into_owned();
    let is_dir = std::fs::metadata(zip).map_err(|e| Error::io(&path, e))?.is_dir();
    let checked = if is_dir {
        Folder::open(zip).and_then(|mut folder| check(&mut folder, key.as_ref()))
    } else {
        let file = File::open(zip).map_err(|e| Error::io(&path, e))?;
        Archive::open(file).and_then(|mut archive| check(&mut archive, key.as_ref()))
    };
    checked.map_err(|refused| match refused {
        Refused::NotZip(why) => Error::Invalid(format!("{path}: not a ctrlmap package: {why}")),
        Refused::Forged(why) => Error::Integrity(format!("{path}: refused: {why}")),
        Refused::Io(e) => Error::io(&path, e),
    })
}

/// One line of `digest.txt`.
struct Line {
    /// The member's SHA-256, lowercase hex.
    sha256: String,
    /// The member's path.
    path: String,
}

/// Checks the package in `source`: the digest (and signature), the manifest, and every other
/// member in turn, each read once.
fn check(source: &mut impl Source, key: Option<&VerifyingKey>) -> Checked<Verified> {
    let names = source.names();
    let find = |name: &str| names.iter().position(|n| n == name);
    let Some(digest_at) = find(DIGEST) else {
        return Err(Refused::NotZip(format!("it has no {DIGEST}")));
    };
    let signature_at = find(SIGNATURE);
    // The members the digest should list: all but the digest and its signature.
    let listed: Vec<usize> = (0..names.len())
        .filter(|&i| i != digest_at && Some(i) != signature_at)
        .collect();
    let expected: u64 = listed.iter().map(|&i| LINE_OVERHEAD + names[i].len() as u64).sum();
    let digest = source.read_small(digest_at, expected + DIGEST_SLACK)?;
    let lines = parse_digest(&digest)?;
    // Where each line's member is; the order of the members does not matter, only the digest's.
    let at = same_members(&names, &listed, &lines)?;

    let mut problems = Vec::new();
    let signature = signature_at
        .map(|i| source.read_small(i, SIGNATURE_LEN))
        .transpose()?
        .map(|bytes| parse_signature(&bytes))
        .transpose()?;
    if let Some(key) = key {
        match &signature {
            None => problems.push(format!("{SIGNATURE} is missing: the package is not signed")),
            Some(sig) if key.verify_strict(&digest, sig).is_err() => problems.push(format!(
                "{SIGNATURE}: the signature over {DIGEST} does not match the public key"
            )),
            Some(_) => {}
        }
    }

    // The manifest comes last in the digest; once its hash matches, its sizes are what every
    // other member may inflate to.
    let (manifest_line, others) = lines.split_last().expect("the digest lists the manifest");
    let manifest = source.read_small(at[others.len()], MANIFEST_MAX)?;
    let pairs: Vec<(&str, &str)> = others.iter().map(|l| (l.path.as_str(), l.sha256.as_str())).collect();
    let sizes = if hex_sha256(&manifest) == manifest_line.sha256 {
        Some(
            super::manifest::sizes(&manifest, &pairs)
                .map_err(|why| Refused::Forged(format!("member {} {why}", shown(MANIFEST))))?,
        )
    } else {
        problems.push(format!("changed: {MANIFEST} no longer has the SHA-256 in {DIGEST}"));
        None
    };
    for (k, line) in others.iter().enumerate() {
        let i = at[k];
        let (name, size) = (one_line(&line.path).into_owned(), source.size(i));
        // Nothing is read beyond the size the manifest gives (when it can be trusted).
        let declared = sizes.as_ref().map(|s| s[k]);
        let mut hasher = Sha256::new();
        let whole = source.stream(i, declared.unwrap_or(size), |chunk| hasher.update(chunk))?;
        match declared {
            // More bytes than the signed manifest declares is a forgery, not a change: refused.
            Some(declared) if !whole || size > declared => {
                return Err(Refused::Forged(format!(
                    "member {name} holds more than the {declared} bytes {MANIFEST} declares"
                )));
            }
            Some(declared) if size != declared => {
                problems.push(format!("changed: {name} is {size} bytes; {MANIFEST} says {declared}"))
            }
            _ if crate::support::hex::encode(&hasher.finalize()) != line.sha256 => {
                problems.push(format!("changed: {name} no longer has the SHA-256 in {DIGEST}"));
            }
            _ => {}
        }
    }
    Ok(Verified {
        members: lines.len(),
        problems,
        signed: signature.is_some(),
    })
}

/// Parses `digest.txt` exactly as `build` writes it: `<lowercase hex>  <path>\n` per member.
fn parse_digest(bytes: &[u8]) -> Checked<Vec<Line>> {
    let bad = |why: String| Refused::Forged(format!("member {} {why}", shown(DIGEST)));
    let text = std::str::from_utf8(bytes).map_err(|_| bad("is not UTF-8".to_string()))?;
    if !text.ends_with('\n') {
        return Err(bad("does not end with a newline".to_string()));
    }
    let mut lines = Vec::new();
    for (n, line) in text.split_terminator('\n').enumerate() {
        let parsed = match (line.get(..64), line.get(64..66), line.get(66..)) {
            (Some(hash), Some("  "), Some(path))
                if hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) && !path.is_empty() =>
            {
                Some(Line {
                    sha256: hash.to_string(),
                    path: path.to_string(),
                })
            }
            _ => None,
        };
        lines.push(parsed.ok_or_else(|| bad(format!("line {}: expected \"<sha256>  <path>\"", n + 1)))?);
    }
    Ok(lines)
}

/// Refuses the package unless its members (`names`; `listed` are all but the digest and its
/// signature) are exactly those `digest.txt` lists, each once, the manifest last; names the first
/// member that is not listed, or listed but absent. Returns where each line's member is.
fn same_members(names: &[String], listed: &[usize], lines: &[Line]) -> Checked<Vec<usize>> {
    let forged = |why: String| Err(Refused::Forged(why));
    let in_digest: HashSet<&str> = lines.iter().map(|l| l.path.as_str()).collect();
    let in_package: HashMap<&str, usize> = listed.iter().map(|&i| (names[i].as_str(), i)).collect();
    if let Some(&i) = listed.iter().find(|&&i| !in_digest.contains(names[i].as_str())) {
        return forged(format!("member {} is not listed in {DIGEST}", shown(&names[i])));
    }
    if let Some(line) = lines.iter().find(|l| !in_package.contains_key(l.path.as_str())) {
        return forged(format!(
            "member {} is listed in {DIGEST} but missing from the package",
            shown(&line.path)
        ));
    }
    if lines.len() != listed.len() {
        let mut seen = HashSet::new();
        let twice = lines
            .iter()
            .find(|l| !seen.insert(l.path.as_str()))
            .map(|l| l.path.as_str());
        return forged(format!(
            "member {} is listed twice in {DIGEST}",
            shown(twice.unwrap_or(DIGEST))
        ));
    }
    if lines.last().map(|l| l.path.as_str()) != Some(MANIFEST) {
        return forged(format!(
            "{} does not end with member {}",
            shown(DIGEST),
            shown(MANIFEST)
        ));
    }
    Ok(lines.iter().map(|l| in_package[l.path.as_str()]).collect())
}

/// `digest.sig` as `build` writes it: 128 lowercase hex digits and a newline.
fn parse_signature(bytes: &[u8]) -> Checked<Signature> {
    let text = std::str::from_utf8(bytes).ok().and_then(|t| t.strip_suffix('\n'));
    text.filter(|t| t.len() == 128 && t.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
        .and_then(decode_hex)
        .and_then(|b| <[u8; 64]>::try_from(b).ok())
        .map(|b| Signature::from_bytes(&b))
        .ok_or_else(|| {
            Refused::Forged(format!(
                "member {} is not an Ed25519 signature in hex",
                shown(SIGNATURE)
            ))
        })
}

/// SHA-256 in lowercase hex.
fn hex_sha256(bytes: &[u8]) -> String {
    crate::support::hex::encode(&Sha256::digest(bytes))
}
