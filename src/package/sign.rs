//! Ed25519 keys: generating a pair, reading either half from its hex file.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use ed25519_dalek::{SigningKey, VerifyingKey};

use crate::error::{Error, Result};

/// Makes a new Ed25519 key pair: the private key as hex at `out` (owner-only; refused if `out`
/// exists) and the public key as hex at `<out>.pub`. Returns the public key in hex.
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
    let public = crate::hex::encode(&key.verifying_key().to_bytes());
    create_new(out, 0o600, &format!("{}\n", crate::hex::encode(&key.to_bytes())))?;
    if let Err(e) = create_new(&public_path, 0o644, &format!("{public}\n")) {
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

/// Reads a 32-byte key written as hex (whitespace tolerated).
fn read_key_bytes(path: &Path, what: &str) -> Result<[u8; 32]> {
    let text = fs::read_to_string(path).map_err(|e| Error::io(path.display(), e))?;
    decode_hex(&text)
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| {
            Error::Invalid(format!(
                "{}: not an Ed25519 {what} key (expected 64 hexadecimal digits)",
                path.display()
            ))
        })
}

/// The private key in the hex file at `path`.
pub(super) fn read_signing_key(path: &Path) -> Result<SigningKey> {
    Ok(SigningKey::from_bytes(&read_key_bytes(path, "private")?))
}

/// The public key in the hex file at `path`.
pub(super) fn read_verifying_key(path: &Path) -> Result<VerifyingKey> {
    let bytes = read_key_bytes(path, "public")?;
    VerifyingKey::from_bytes(&bytes)
        .map_err(|_| Error::Invalid(format!("{}: not a valid Ed25519 public key", path.display())))
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
