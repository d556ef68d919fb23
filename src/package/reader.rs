//! The one reader of a package's zip. It accepts what `build` writes, and the same members as a
//! zip tool writes them again (`unzip` then `zip -r`), and refuses everything else before any
//! member is trusted: an archive is read from its own bytes (the end record, the central
//! directory, every local header), never through a general zip library that would quietly pick one
//! of two same-named members, follow a symlink entry, honour a Unicode-path extra field, or skip
//! bytes it does not understand.
//!
//! What makes a package trustworthy is the signed digest (names, hashes) and the manifest (sizes),
//! not the tool that wrote the zip. So members may come in any order, be stored or deflated, carry
//! a data descriptor, Info-ZIP's timestamp and owner extra fields, and any permissions. But the
//! layout stays strict: members one after another from byte 0, each a local header whose name and
//! fields agree with the central directory's, then the central directory, an optional ZIP64 end
//! record and locator, and the end record with no comment, ending the file. Every member is a
//! regular Unix file, not encrypted; the only other entries accepted are real directory entries
//! (see [`check_central`]), which are skipped once checked.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};

use flate2::Crc;
use flate2::bufread::DeflateDecoder;

use super::names::Seen;
use super::records::{self, Header, LOCAL_LEN};
use super::refused::{Checked, Refused, shown};
use super::{CHUNK, names};

/// The general-purpose flag that says the name is UTF-8 (bit 11).
const UTF8: u16 = 1 << 11;
/// The flags that give the deflate level used (bits 1 and 2); they change nothing when reading.
const DEFLATE_LEVEL: u16 = 0b110;
/// Flags that mean the member is encrypted (bits 0 and 6).
const ENCRYPTED: u16 = 1 | 1 << 6;
/// The flag that means sizes and CRC follow the data (bit 3).
const DATA_DESCRIPTOR: u16 = 1 << 3;
/// Compression method: deflated, as `build` writes every member.
const DEFLATED: u16 = 8;
/// Compression method: stored as is, as `zip` writes a member deflate would not shrink.
const STORED: u16 = 0;
/// "Made by" Unix: the upper half of the external attributes is a file mode.
const UNIX: u16 = 3;
/// File type bits of a mode.
const S_IFMT: u32 = 0o170_000;
/// A regular file, the only type of member.
const S_IFREG: u32 = 0o100_000;
/// A symbolic link.
const S_IFLNK: u32 = 0o120_000;
/// A directory.
const S_IFDIR: u32 = 0o040_000;
/// The MS-DOS directory attribute.
const DOS_DIRECTORY: u32 = 0x10;
/// The largest central directory read into memory: about half a million members.
const CENTRAL_MAX: u64 = 64 << 20;

/// Where a package's members are read from: its zip ([`Archive`]) or the folder it was unzipped
/// to ([`super::folder::Folder`]). Either has already refused anything that is not a member (a
/// bad or repeated name, a link, a device) when it is opened; each member is read at most once.
pub(super) trait Source {
    /// The members' paths (`/`-separated), in the order they were found.
    fn names(&self) -> Vec<String>;

    /// The size member `i` declares (the zip's headers, or the file's size).
    fn size(&self, i: usize) -> u64;

    /// Streams member `i` to `sink`, reading at most the smaller of its declared size and
    /// `limit`, plus one byte: `false` when it goes on past `limit`, so that it is not trusted.
    /// Refused when it holds other than the size it declares.
    fn stream(&mut self, i: usize, limit: u64, sink: impl FnMut(&[u8])) -> Checked<bool>;

    /// Member `i` read into memory, refused unless it declares at most `max` bytes: the limit is
    /// checked before anything is read.
    fn read_small(&mut self, i: usize, max: u64) -> Checked<Vec<u8>> {
        let size = self.size(i);
        if size > max {
            let name = &self.names()[i];
            return Err(Refused::Forged(format!(
                "member {} declares {size} bytes, more than the {max} it can hold in this package",
                shown(name),
            )));
        }
        let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        self.stream(i, max, |chunk| bytes.extend_from_slice(chunk))?;
        Ok(bytes)
    }
}

/// One member, as the central directory and its local header (which agree) describe it.
#[derive(Debug)]
struct Entry {
    /// The member's path.
    name: String,
    /// CRC-32 of the uncompressed bytes.
    crc32: u32,
    /// Size of the member's data in the file.
    compressed: u64,
    /// Whether the data is deflated (else stored).
    deflated: bool,
    /// Size of the uncompressed bytes, as declared in both headers.
    size: u64,
    /// Where the deflate stream starts in the file.
    data_start: u64,
}

/// An archive whose layout has been checked; members are read through it, each once.
#[derive(Debug)]
pub(super) struct Archive {
    /// The package, read only at offsets the checked layout gives.
    file: File,
    /// The members (files; directory entries are left out once checked) in the order they sit
    /// in the file.
    entries: Vec<Entry>,
}

impl Archive {
    /// Reads and checks the whole layout of the archive in `file`: every central directory
    /// header, every local header, and that entries fill the file from byte 0 to the central
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
        let mut seen = Seen::default();
        let mut next = 0u64;
        for i in 0..dir.count {
            let mut c = records::central(&mut rest, i)?;
            let unix = c.made_by >> 8 == UNIX;
            let name = names::decode(c.raw_name, c.flags & UTF8 != 0, unix).map_err(|why| {
                let raw = String::from_utf8_lossy(c.raw_name);
                Refused::Forged(format!("member {} (entry {}) {why}", shown(&raw), i + 1))
            })?;
            let directory = name.ends_with('/');
            seen.add(&name, directory).map_err(Refused::Forged)?;
            check_central(&mut c, &name, directory)?;
            let (entry, end) = check_local(&mut file, &c, name, next)?;
            next = end;
            if !directory {
                entries.push(entry);
            }
        }
        seen.finish().map_err(Refused::Forged)?;
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
}

impl Source for Archive {
    fn names(&self) -> Vec<String> {
        self.entries.iter().map(|e| e.name.clone()).collect()
    }

    fn size(&self, i: usize) -> u64 {
        self.entries[i].size
    }

    /// Streams member `i`'s uncompressed bytes to `sink`, refusing it unless its data (a deflate
    /// stream, or stored bytes) fills exactly its compressed size and gives exactly its declared
    /// size and CRC-32.
    /// At most the declared size or `limit`, whichever is smaller, plus one byte is ever inflated:
    /// `false` when the member goes on past `limit` (a size it must not exceed, known from
    /// elsewhere), so that it is neither inflated further nor trusted.
    fn stream(&mut self, i: usize, limit: u64, mut sink: impl FnMut(&[u8])) -> Checked<bool> {
        let e = &self.entries[i];
        let forged = |why: &str| Refused::Forged(format!("member {} {why}", shown(&e.name)));
        self.file.seek(SeekFrom::Start(e.data_start))?;
        let raw = BufReader::with_capacity(CHUNK, (&self.file).take(e.compressed));
        // Stored data is its own bytes; its size equals its compressed size (checked when opened).
        let (mut decoder, mut stored) = (None, None);
        let body: &mut dyn Read = if e.deflated {
            decoder.insert(DeflateDecoder::new(raw))
        } else {
            stored.insert(raw)
        };
        let mut crc = Crc::new();
        let mut total = 0u64;
        let mut buf = vec![0u8; CHUNK];
        let mut limited = body.take(e.size.min(limit).saturating_add(1));
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
        if decoder.is_some_and(|d| d.total_in() != e.compressed) {
            return Err(forged("has bytes after the end of its deflate stream"));
        }
        if crc.sum() != e.crc32 {
            return Err(forged("does not match its CRC-32 (damaged)"));
        }
        Ok(true)
    }
}

/// Refuses a central directory header that is not a plain member as a zip tool writes one: a
/// name outside the package's shape, encryption, flags other than UTF-8, deflate level and data
/// descriptor, methods other than stored and deflated, a comment, another disk, extra fields
/// other than those [`records::zip64`] accepts, anything but a regular Unix file of any mode.
///
/// `directory` (the name ends with `/`) is accepted only as a real directory entry, as `zip -r`
/// writes one: Unix attributes saying directory (or no file type and the DOS directory
/// attribute), and no data at all (sizes and CRC-32 zero). [`Seen::finish`] then checks that some
/// member lies in it.
fn check_central(c: &mut Header<'_>, name: &str, directory: bool) -> Checked<()> {
    let forged = |why: String| Err(Refused::Forged(format!("member {} {why}", shown(name))));
    if c.flags & ENCRYPTED != 0 {
        return forged("is encrypted".to_string());
    }
    let level = if c.method == DEFLATED { DEFLATE_LEVEL } else { 0 };
    if c.flags & !(UTF8 | DATA_DESCRIPTOR | level) != 0 {
        return forged(format!("has flags 0x{:04x}, which ctrlmap does not accept", c.flags));
    }
    if c.method != DEFLATED && c.method != STORED {
        return forged(format!(
            "uses compression method {}; ctrlmap reads only stored and deflated members",
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
    records::zip64(c, name, true)?;
    if c.method == STORED && c.compressed != c.size {
        return forged("is stored, but its stored and declared sizes differ".to_string());
    }
    let (kind, dos_directory) = ((c.external >> 16) & S_IFMT, c.external & DOS_DIRECTORY != 0);
    if directory {
        if kind != S_IFDIR && !(kind == 0 && dos_directory) {
            return forged("ends with '/' but is not a directory".to_string());
        }
        if (c.size, c.compressed, c.crc32) != (0, 0, 0) {
            return forged("is a directory entry holding data".to_string());
        }
        return Ok(());
    }
    if kind != S_IFREG || dos_directory {
        return forged(match kind {
            S_IFLNK => "is a symbolic link".to_string(),
            S_IFDIR => "is a directory".to_string(),
            _ => "is not a regular file".to_string(),
        });
    }
    Ok(())
}

/// Checks the local header of `c` against it, name byte for byte and every field; returns the
/// entry and where it ends. The entry must start exactly at `expected`, where the one before it
/// ended (the first at byte 0), so nothing hides before or between entries and no two overlap.
///
/// A member with a data descriptor may have zeros for its CRC-32 and sizes in the local header
/// (its writer did not know them yet); the descriptor, right after the data and with its
/// signature, must then give exactly the central directory's values.
fn check_local(file: &mut File, c: &Header<'_>, name: String, expected: u64) -> Checked<(Entry, u64)> {
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
    let zip64 = records::zip64(&mut l, &name, false)?;
    let described = c.flags & DATA_DESCRIPTOR != 0;
    let agrees = |local: u64, central: u64| local == central || (described && local == 0);
    if (l.needed, l.flags, l.method, l.stamp) != (c.needed, c.flags, c.method, c.stamp)
        || !agrees(u64::from(l.crc32), u64::from(c.crc32))
        || !agrees(l.compressed, c.compressed)
        || !agrees(l.size, c.size)
    {
        return forged("has a local header that disagrees with the central directory");
    }
    let data_start = c.offset.saturating_add((LOCAL_LEN + buf.len()) as u64);
    let mut end = data_start.saturating_add(c.compressed);
    if described {
        match records::descriptor(file, end, zip64)? {
            Some(d) if (d.crc32, d.compressed, d.size) == (c.crc32, c.compressed, c.size) => end += d.len,
            Some(_) => return forged("has a data descriptor that disagrees with the central directory"),
            None => return forged("has no data descriptor after its data, though its flags say it has"),
        }
    }
    let entry = Entry {
        name,
        crc32: c.crc32,
        compressed: c.compressed,
        deflated: c.method == DEFLATED,
        size: c.size,
        data_start,
    };
    Ok((entry, end))
}
