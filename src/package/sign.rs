//! Ed25519 keys: generating a pair, reading either half from its file.
//!
//! Keys are written in the forms `openssl` and other tools read: the private key as PKCS#8 PEM
//! (`-----BEGIN PRIVATE KEY-----`, the version-1 form `openssl genpkey -algorithm ed25519`
//! writes), the public key as SubjectPublicKeyInfo PEM (`-----BEGIN PUBLIC KEY-----`). Both are
//! still read in the bare hex form earlier versions wrote, so existing keys keep working.

use std::fs::{self, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, KeypairBytes};
use ed25519_dalek::{SigningKey, VerifyingKey};

use crate::error::{Error, Result};

/// The largest key file read: a PEM key is about 120 bytes, a hex one 65.
const KEY_FILE_MAX: u64 = 64 << 10;
/// How a PEM file starts.
const PEM_START: &str = "-----BEGIN ";

/// Makes a new Ed25519 key pair: the private key as PKCS#8 PEM at `out` (owner-only; refused if
/// `out` exists) and the public key as SPKI PEM at `<out>.pub`. Returns the public key in hex.
pub fn generate_key(out: &Path) -> Result<String> {
    let public_path = public_path(out);
    for p in [out, public_path.as_path()] {
        if p.exists() {
            return Err(Error::Invalid(format!(
                "{}: already exists; refusing to overwrite a key",
                p.display()
            )));
        }
    }
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret)
        .map_err(|e| Error::io(out.display(), io::Error::other(format!("no random bytes: {e}"))))?;
    let key = SigningKey::from_bytes(&secret);
    secret.fill(0);
    let public = crate::support::hex::encode(&key.verifying_key().to_bytes());
    let pem_error =
        |e: &dyn std::fmt::Display| Error::io(out.display(), io::Error::other(format!("cannot encode the key: {e}")));
    // Version 1 (no public key inside): the form every PKCS#8 reader takes.
    let private = KeypairBytes {
        secret_key: key.to_bytes(),
        public_key: None,
    }
    .to_pkcs8_pem(LineEnding::LF)
    .map_err(|e| pem_error(&e))?;
    let public_pem = key
        .verifying_key()
        .to_public_key_pem(LineEnding::LF)
        .map_err(|e| pem_error(&e))?;
    create_new(out, 0o600, &private)?;
    if let Err(e) = create_new(&public_path, 0o644, &public_pem) {
        let _ = fs::remove_file(out);
        return Err(e);
    }
    Ok(public)
}

/// `<out>.pub`.
fn public_path(out: &Path) -> PathBuf {
    let mut s = out.as_os_str().to_owned();
    s.push(".pub");
    PathBuf::from(s)
}

/// Creates a new file (never replacing one) with `mode` and writes `text`.
fn create_new(path: &Path, mode: u32, text: &str) -> Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(path).map_err(|e| Error::io(path.display(), e))?;
    let result = file
        .write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| Error::io(path.display(), e));
    if result.is_err() {
        let _ = fs::remove_file(path);
    }
    result
}

/// The text of the key file at `path`, refused when larger than any key file.
fn read_key_file(path: &Path) -> Result<String> {
    let file = fs::File::open(path).map_err(|e| Error::io(path.display(), e))?;
    let mut text = String::new();
    file.take(KEY_FILE_MAX + 1)
        .read_to_string(&mut text)
        .map_err(|e| Error::io(path.display(), e))?;
    if text.len() as u64 > KEY_FILE_MAX {
        return Err(Error::Invalid(format!("{}: too large for a key file", path.display())));
    }
    Ok(text)
}

/// Why a key file was not read: what was expected instead.
fn not_a_key(path: &Path, what: &str, label: &str) -> Error {
    Error::Invalid(format!(
        "{}: not an Ed25519 {what} key (expected PEM \"-----BEGIN {label}-----\" or 64 hexadecimal digits)",
        path.display()
    ))
}

/// The 32 bytes of a key written as bare hex (whitespace tolerated), the form of older keys.
fn hex_key(text: &str) -> Option<[u8; 32]> {
    decode_hex(text).and_then(|b| <[u8; 32]>::try_from(b).ok())
}

/// The private key in the file at `path`: PKCS#8 PEM, or bare hex.
pub(super) fn read_signing_key(path: &Path) -> Result<SigningKey> {
    let text = read_key_file(path)?;
    let key = if text.trim_start().starts_with(PEM_START) {
        SigningKey::from_pkcs8_pem(text.trim()).ok()
    } else {
        hex_key(&text).map(|bytes| SigningKey::from_bytes(&bytes))
    };
    key.ok_or_else(|| not_a_key(path, "private", "PRIVATE KEY"))
}

/// The public key in the file at `path`: SPKI PEM, or bare hex.
pub(super) fn read_verifying_key(path: &Path) -> Result<VerifyingKey> {
    let text = read_key_file(path)?;
    let key = if text.trim_start().starts_with(PEM_START) {
        VerifyingKey::from_public_key_pem(text.trim()).ok()
    } else {
        let bytes = hex_key(&text).ok_or_else(|| not_a_key(path, "public", "PUBLIC KEY"))?;
        Some(
            VerifyingKey::from_bytes(&bytes)
                .map_err(|_| Error::Invalid(format!("{}: not a valid Ed25519 public key", path.display())))?,
        )
    };
    key.ok_or_else(|| not_a_key(path, "public", "PUBLIC KEY"))
}

/// Decodes hex, ignoring whitespace anywhere; `None` when anything else is off.
pub(super) fn decode_hex(text: &str) -> Option<Vec<u8>> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    let value = |b: u8| char::from(b).to_digit(16).and_then(|v| u8::try_from(v).ok());
    digits
        .chunks(2)
        .map(|pair| Some(value(pair[0])? << 4 | value(pair[1])?))
        .collect()
}
