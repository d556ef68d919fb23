//! The one reader of a package's zip. It accepts only the layout `build` writes and refuses
//! everything else before any member is trusted: an archive is read from its own bytes (the end
//! record, the central directory, every local header), never through a general zip library that
//! would quietly pick one of two same-named members, follow a symlink entry, honour a Unicode-path
//! extra field, or skip bytes it does not understand.
//!
//! What `build` writes, and so all this reader accepts: members one after another from byte 0,
//! each a local header, its name, no extra field except ZIP64 sizes, and a raw deflate stream;
//! then the central directory, an optional ZIP64 end record and locator, and the end record with
//! no comment, ending the file. Every member is a regular Unix file, deflated, not encrypted, with
//! no data descriptor, and local and central headers agree field by field.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};

use flate2::Crc;
use flate2::bufread::DeflateDecoder;

use super::records::{self, Header, LOCAL_LEN};
use super::{CHUNK, names};
use crate::text::one_line;

/// The one general-purpose flag `build` may set: the name is UTF-8 (bit 11).
const UTF8: u16 = 1 << 11;
/// Flags that mean the member is encrypted (bits 0 and 6).
const ENCRYPTED: u16 = 1 | 1 << 6;
/// The flag that means sizes and CRC follow the data (bit 3).
const DATA_DESCRIPTOR: u16 = 1 << 3;
/// The only compression method `build` uses.
const DEFLATED: u16 = 8;
/// "Made by" Unix: the upper half of the external attributes is a file mode.
const UNIX: u16 = 3;
/// File type bits of a mode.
const S_IFMT: u32 = 0o170_000;
/// A regular file, the only type `build` writes.
const S_IFREG: u32 = 0o100_000;
/// A symbolic link.
const S_IFLNK: u32 = 0o120_000;
/// A directory.
const S_IFDIR: u32 = 0o040_000;
/// The MS-DOS directory attribute.
const DOS_DIRECTORY: u32 = 0x10;
/// The largest central directory read into memory: about half a million members.
const CENTRAL_MAX: u64 = 64 << 20;

/// Why an archive is not accepted.
#[derive(Debug)]
pub(super) enum Refused {
    /// Not a zip at all (or truncated): the wrong file was given.
    NotZip(String),
    /// A zip, but not one `build` wrote: forged or damaged.
    Forged(String),
    /// The file could not be read.
    Io(io::Error),
}

impl From<io::Error> for Refused {
    fn from(e: io::Error) -> Refused {
        Refused::Io(e)
    }
}

/// Shorthand for the reader's results.
pub(super) type Checked<T> = std::result::Result<T, Refused>;

/// A member's name as it may be shown: quoted, every control or invisible character escaped.
pub(super) fn shown(name: &str) -> String {
    format!("\"{}\"", one_line(name))
}

/// One member, as the central directory and its local header (which agree) describe it.
#[derive(Debug)]
pub(super) struct Entry {
    /// The member's path.
    pub(super) name: String,
    /// CRC-32 of the uncompressed bytes.
    crc32: u32,
    /// Size of the deflate stream.
    compressed: u64,
    /// Size of the uncompressed bytes, as declared in both headers.
    pub(super) size: u64,
    /// Where the deflate stream starts in the file.
    data_start: u64,
}

/// An archive whose layout has been checked; members are read through it, each once.
#[derive(Debug)]
pub(super) struct Archive {
    /// The package, read only at offsets the checked layout gives.
    file: File,
    /// The members in the order they sit in the file.
    pub(super) entries: Vec<Entry>,
}

impl Archive {
    /// Reads and checks the whole layout of the archive in `file`: every central directory
    /// header, every local header, and that members fill the file from byte 0 to the central
    /// directory with nothing before, between or after them.
    pub(super) fn open(mut file: File) -> Checked<Archive> {
        let dir = records::directory(&mut file)?;
        let forged = |why: &str| Refused::Forged(why.to_string());
        if dir.offset.checked_add(dir.size) != Some(dir.end) {
            return Err(forged(
                "its central directory is not where the end record says (bytes before, after or inside it)",
            ));
        }
        if dir.size > CENTRAL_MAX {
            return Err(forged("its central directory is larger than any package's"));
        }
        let table = records::read_at(&mut file, dir.offset, usize::try_from(dir.size).expect("capped above"))?;
        let mut rest = table.as_slice();
        let mut entries: Vec<Entry> = Vec::new();
        let mut folded: HashMap<String, usize> = HashMap::new();
        let mut next = 0u64;
        for i in 0..dir.count {
            let mut c = records::central(&mut rest, i)?;
            let name = names::decode(c.raw_name, c.flags & UTF8 != 0).map_err(|why| {
                let raw = String::from_utf8_lossy(c.raw_name);
                Refused::Forged(format!("member {} (entry {}) {why}", shown(&raw), i + 1))
            })?;
            check_central(&mut c, &name)?;
            if let Some(j) = folded.insert(names::fold(&name), entries.len()) {
                let first = &entries[j].name;
                return Err(Refused::Forged(if *first == name {
                    format!("member {} appears twice", shown(&name))
                } else {
                    format!(
                        "members {} and {} differ only in case or invisible characters",
                        shown(first),
                        shown(&name)
                    )
                }));
            }
            let entry = check_local(&mut file, &c, name, next)?;
            next = entry.data_start.saturating_add(entry.compressed);
            entries.push(entry);
        }
        if !rest.is_empty() {
            return Err(forged("its central directory holds more than the end record counts"));
        }
        if next != dir.offset {
            return Err(forged("bytes sit between the last member and the central directory"));
        }
        if entries.is_empty() {
            return Err(Refused::NotZip("the zip is empty".to_string()));
        }
        Ok(Archive { file, entries })
    }

    /// Streams member `i`'s uncompressed bytes to `sink`, refusing it unless its deflate stream
    /// fills exactly its compressed size and inflates to exactly its declared size and CRC-32.
    /// At most the declared size or `limit`, whichever is smaller, plus one byte is ever inflated:
    /// `false` when the member goes on past `limit` (a size it must not exceed, known from
    /// elsewhere), so that it is neither inflated further nor trusted.
    pub(super) fn stream(&mut self, i: usize, limit: u64, mut sink: impl FnMut(&[u8])) -> Checked<bool> {
        let e = &self.entries[i];
        let forged = |why: &str| Refused::Forged(format!("member {} {why}", shown(&e.name)));
        self.file.seek(SeekFrom::Start(e.data_start))?;
        let raw = BufReader::with_capacity(CHUNK, (&self.file).take(e.compressed));
        let mut decoder = DeflateDecoder::new(raw);
        let mut crc = Crc::new();
        let mut total = 0u64;
        let mut buf = vec![0u8; CHUNK];
        let mut limited = (&mut decoder).take(e.size.min(limit).saturating_add(1));
        loop {
            let n = match limited.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) if err.kind() == io::ErrorKind::InvalidInput || err.kind() == io::ErrorKind::InvalidData => {
                    return Err(forged("is not a valid deflate stream"));
                }
                Err(err) => return Err(Refused::Io(err)),
            };
            total += n as u64;
            if total > e.size {
                return Err(forged(&format!(
                    "inflates to more than the {} bytes it declares",
                    e.size
                )));
            }
            if total > limit {
                return Ok(false);
            }
            crc.update(&buf[..n]);
            sink(&buf[..n]);
        }
        if total != e.size {
            return Err(forged(&format!(
                "inflates to {total} bytes, not the {} it declares",
                e.size
            )));
        }
        if decoder.total_in() != e.compressed {
            return Err(forged("has bytes after the end of its deflate stream"));
        }
        if crc.sum() != e.crc32 {
            return Err(forged("does not match its CRC-32 (damaged)"));
        }
        Ok(true)
    }

    /// Member `i` read into memory, refused unless it declares at most `max` bytes: the limit is
    /// checked before anything is inflated.
    pub(super) fn read_small(&mut self, i: usize, max: u64) -> Checked<Vec<u8>> {
        let e = &self.entries[i];
        if e.size > max {
            return Err(Refused::Forged(format!(
                "member {} declares {} bytes, more than the {max} it can hold in this package",
                shown(&e.name),
                e.size
            )));
        }
        let mut bytes = Vec::with_capacity(usize::try_from(e.size).unwrap_or(0));
        self.stream(i, max, |chunk| bytes.extend_from_slice(chunk))?;
        Ok(bytes)
    }
}

/// Refuses a central directory header `build` would not write: a name outside the package's
/// shape, encryption, a data descriptor, other flags or compression methods, a comment, another
/// disk, anything but a regular Unix file, extra fields other than ZIP64 sizes.
fn check_central(c: &mut Header<'_>, name: &str) -> Checked<()> {
    let forged = |why: String| Err(Refused::Forged(format!("member {} {why}", shown(name))));
    if let Some(why) = names::problem(name) {
        return forged(why);
    }
    if c.flags & ENCRYPTED != 0 {
        return forged("is encrypted".to_string());
    }
    if c.flags & DATA_DESCRIPTOR != 0 {
        return forged("uses a data descriptor, which ctrlmap package never writes".to_string());
    }
    if c.flags & !UTF8 != 0 {
        return forged(format!("has flags 0x{:04x}, which ctrlmap package never sets", c.flags));
    }
    if c.method != DEFLATED {
        return forged(format!(
            "uses compression method {}; ctrlmap package only deflates",
            c.method
        ));
    }
    if !c.comment.is_empty() {
        return forged("has a comment".to_string());
    }
    if c.disk != 0 {
        return forged("claims to be on another disk".to_string());
    }
    if c.made_by >> 8 != UNIX {
        return forged("was not written with Unix attributes, so its file type cannot be told".to_string());
    }
    let mode = c.external >> 16;
    if mode & S_IFMT != S_IFREG || c.external & DOS_DIRECTORY != 0 {
        return forged(match mode & S_IFMT {
            S_IFLNK => "is a symbolic link".to_string(),
            S_IFDIR => "is a directory".to_string(),
            _ => "is not a regular file".to_string(),
        });
    }
    records::zip64(c, name, true)
}

/// Checks the local header of `c` against it, field by field and name byte for byte. The member
/// must start exactly at `expected`, where the one before it ended (the first at byte 0), so
/// nothing hides before or between members and no two overlap.
fn check_local(file: &mut File, c: &Header<'_>, name: String, expected: u64) -> Checked<Entry> {
    let forged = |why: &str| Err(Refused::Forged(format!("member {} {why}", shown(&name))));
    if c.offset != expected {
        return forged(if expected == 0 {
            "does not start the file: bytes sit before the first member (a prepended archive?)"
        } else {
            "does not start where the member before it ends (bytes between members, or overlapping members)"
        });
    }
    let mut buf = Vec::new();
    let Ok(Some(mut l)) = records::local(file, c.offset, &mut buf) else {
        return forged("has no local header where the central directory says");
    };
    if l.raw_name != c.raw_name {
        let other = shown(&String::from_utf8_lossy(l.raw_name));
        return Err(Refused::Forged(format!(
            "member {} is named {other} in its local header: the two names differ",
            shown(&name)
        )));
    }
    records::zip64(&mut l, &name, false)?;
    let (mine, theirs) = (
        (l.needed, l.flags, l.method, l.stamp, l.crc32, l.compressed, l.size),
        (c.needed, c.flags, c.method, c.stamp, c.crc32, c.compressed, c.size),
    );
    if mine != theirs {
        return forged("has a local header that disagrees with the central directory");
    }
    let data_start = c.offset.saturating_add((LOCAL_LEN + buf.len()) as u64);
    Ok(Entry {
        name,
        crc32: c.crc32,
        compressed: c.compressed,
        size: c.size,
        data_start,
    })
}
