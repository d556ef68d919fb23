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

use super::CHUNK;
use super::names;
use crate::text::one_line;

/// Signature of the end of central directory record.
const END: u32 = 0x0605_4b50;
/// Signature of the ZIP64 end of central directory record.
const END64: u32 = 0x0606_4b50;
/// Signature of the ZIP64 end of central directory locator.
const LOCATOR64: u32 = 0x0706_4b50;
/// Signature of a central directory header.
const CENTRAL: u32 = 0x0201_4b50;
/// Signature of a local header.
const LOCAL: u32 = 0x0403_4b50;
/// Sizes of the fixed parts of the records above.
const END_LEN: u64 = 22;
const END64_LEN: u64 = 56;
const LOCATOR64_LEN: u64 = 20;
const CENTRAL_LEN: usize = 46;
const LOCAL_LEN: usize = 30;
/// A 32-bit field holding this means "see the ZIP64 extra field".
const SENTINEL: u32 = u32::MAX;
/// The one general-purpose flag `build` may set: the name is UTF-8 (bit 11).
const UTF8: u16 = 1 << 11;
/// The only compression method `build` uses.
const DEFLATED: u16 = 8;
/// The ZIP64 extended information extra field, the only extra field `build` writes.
const ZIP64_EXTRA: u16 = 0x0001;
/// "Made by" Unix: the upper half of the external attributes is a file mode.
const UNIX: u16 = 3;
/// File type bits of a mode, and the type of a regular file.
const S_IFMT: u32 = 0o170_000;
const S_IFREG: u32 = 0o100_000;
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
    file: File,
    /// The members in the order they sit in the file.
    pub(super) entries: Vec<Entry>,
}

/// Little-endian fields read off a byte slice.
struct Fields<'a>(&'a [u8]);

impl<'a> Fields<'a> {
    fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = (self.0.len() >= n).then(|| self.0.split_at(n))?;
        self.0 = rest;
        Some(head)
    }

    fn u16(&mut self) -> Option<u16> {
        self.bytes(2).map(|b| u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Option<u32> {
        self.bytes(4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&mut self) -> Option<u64> {
        let b = self.bytes(8)?;
        Some(u64::from_le_bytes(b.try_into().expect("8 bytes were taken")))
    }
}

/// Reads exactly `len` bytes at `offset`.
fn read_at(file: &mut File, offset: u64, len: usize) -> io::Result<Vec<u8>> {
    file.seek(SeekFrom::Start(offset))?;
    let mut buf = vec![0u8; len];
    file.read_exact(&mut buf)?;
    Ok(buf)
}

/// The central directory's place: (offset, size, number of members).
struct Directory {
    offset: u64,
    size: u64,
    count: u64,
    /// Where the central directory must end: the ZIP64 end record, or the end record.
    end: u64,
}

/// Finds the central directory from the end record, which must end the file exactly.
fn directory(file: &mut File) -> Checked<Directory> {
    let len = file.metadata()?.len();
    let not_zip = || Refused::NotZip("not a zip archive, or truncated".to_string());
    if len < END_LEN {
        return Err(not_zip());
    }
    let end = read_at(file, len - END_LEN, END_LEN as usize)?;
    let mut f = Fields(&end);
    if f.u32() != Some(END) {
        // An end record a little earlier means bytes were added after the archive (a comment or
        // appended data); none at all means this is not a zip, or it was cut short.
        let tail_len = len.min(END_LEN + u64::from(u16::MAX));
        let tail = read_at(file, len - tail_len, tail_len as usize)?;
        if tail.windows(4).any(|w| w == END.to_le_bytes()) {
            return Err(Refused::Forged(
                "bytes follow the end of the zip (a comment or appended data)".to_string(),
            ));
        }
        return Err(not_zip());
    }
    let field = |v: Option<u16>| v.ok_or_else(not_zip);
    let (disk, cd_disk, on_disk, count) = (field(f.u16())?, field(f.u16())?, field(f.u16())?, field(f.u16())?);
    let (size, offset) = (f.u32().ok_or_else(not_zip)?, f.u32().ok_or_else(not_zip)?);
    if disk != 0 || cd_disk != 0 || on_disk != count {
        return Err(Refused::Forged("the zip claims to span several disks".to_string()));
    }
    let zip64 = count == u16::MAX || size == SENTINEL || offset == SENTINEL;
    if !zip64 {
        return Ok(Directory {
            offset: u64::from(offset),
            size: u64::from(size),
            count: u64::from(count),
            end: len - END_LEN,
        });
    }
    // ZIP64: the locator sits right before the end record and points at the ZIP64 end record
    // right before it, with no extensible data (`build` writes none).
    let bad = |why: &str| Refused::Forged(format!("its ZIP64 end record {why}"));
    let end64 = len
        .checked_sub(END_LEN + LOCATOR64_LEN + END64_LEN)
        .ok_or_else(|| bad("is missing"))?;
    let locator = read_at(file, len - END_LEN - LOCATOR64_LEN, LOCATOR64_LEN as usize)?;
    let mut l = Fields(&locator);
    if (l.u32(), l.u32(), l.u64(), l.u32()) != (Some(LOCATOR64), Some(0), Some(end64), Some(1)) {
        return Err(bad("is missing or not where it belongs"));
    }
    let record = read_at(file, end64, END64_LEN as usize)?;
    let mut r = Fields(&record);
    if (r.u32(), r.u64()) != (Some(END64), Some(END64_LEN - 12)) {
        return Err(bad("is malformed"));
    }
    let (_made, _needed) = (r.u16(), r.u16());
    let (disk64, cd_disk64) = (r.u32(), r.u32());
    let (on_disk64, count64, size64, offset64) = (r.u64(), r.u64(), r.u64(), r.u64());
    let (Some(count64), Some(size64), Some(offset64)) = (count64, size64, offset64) else {
        return Err(bad("is malformed"));
    };
    // Each 32-bit field holds its value or the sentinel, never a third value.
    let agrees = |short: u64, sentinel: u64, long: u64| short == sentinel || short == long;
    if (disk64, cd_disk64) != (Some(0), Some(0))
        || on_disk64 != Some(count64)
        || !agrees(u64::from(count), u64::from(u16::MAX), count64)
        || !agrees(u64::from(size), u64::from(SENTINEL), size64)
        || !agrees(u64::from(offset), u64::from(SENTINEL), offset64)
    {
        return Err(bad("disagrees with the end record"));
    }
    Ok(Directory {
        offset: offset64,
        size: size64,
        count: count64,
        end: end64,
    })
}

/// The sizes (and offset) in a header, completed from its ZIP64 extra field: the field must be
/// the only extra field and hold exactly the values the header marks with the sentinel.
fn extra_fields(name: &str, extra: &[u8], mut wanted: Vec<&mut u64>) -> Checked<()> {
    let forged = |why: String| Refused::Forged(format!("member {} {why}", shown(name)));
    let sentinels = wanted.iter().filter(|v| ***v == u64::from(SENTINEL)).count();
    if extra.is_empty() {
        return if sentinels == 0 {
            Ok(())
        } else {
            Err(forged("declares ZIP64 sizes but has no ZIP64 field".to_string()))
        };
    }
    let mut f = Fields(extra);
    let (id, len) = (f.u16(), f.u16());
    if id != Some(ZIP64_EXTRA) {
        return Err(forged(format!(
            "has an extra field (0x{:04x}) ctrlmap package never writes",
            id.unwrap_or(0)
        )));
    }
    if len.map(usize::from) != Some(f.0.len()) || f.0.len() != 8 * sentinels {
        return Err(forged("has a malformed ZIP64 field".to_string()));
    }
    for v in wanted.iter_mut().filter(|v| ***v == u64::from(SENTINEL)) {
        **v = f.u64().expect("the length was checked");
    }
    Ok(())
}

/// One central directory header, with its place in the directory; `None` when cut short.
struct Central<'a> {
    needed: u16,
    flags: u16,
    method: u16,
    time: u32,
    crc32: u32,
    compressed: u64,
    size: u64,
    offset: u64,
    raw_name: &'a [u8],
}

impl Archive {
    /// Reads and checks the whole layout of the archive in `file`.
    pub(super) fn open(mut file: File) -> Checked<Archive> {
        let dir = directory(&mut file)?;
        let forged = |why: &str| Refused::Forged(why.to_string());
        if dir.offset.checked_add(dir.size) != Some(dir.end) {
            return Err(forged(
                "its central directory is not where the end record says (bytes before, after or inside it)",
            ));
        }
        if dir.size > CENTRAL_MAX {
            return Err(forged("its central directory is larger than any package's"));
        }
        let table = read_at(&mut file, dir.offset, usize::try_from(dir.size).expect("capped above"))?;
        let mut f = Fields(&table);
        let mut entries: Vec<Entry> = Vec::new();
        let mut folded: HashMap<String, usize> = HashMap::new();
        let mut next = 0u64;
        for i in 0..dir.count {
            let (c, name) = central(&mut f, i)?;
            if let Some(j) = folded.insert(names::fold(&name), entries.len()) {
                let first = &entries[j].name;
                return Err(Refused::Forged(if *first == name {
                    format!("member {} appears twice", shown(&name))
                } else {
                    format!("members {} and {} differ only in case", shown(first), shown(&name))
                }));
            }
            let entry = local(&mut file, c, name, next)?;
            next = entry.data_start + entry.compressed;
            entries.push(entry);
        }
        if !f.0.is_empty() {
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
    /// At most the declared size plus one byte is ever inflated.
    pub(super) fn stream(&mut self, i: usize, mut sink: impl FnMut(&[u8])) -> Checked<()> {
        let e = &self.entries[i];
        let forged = |why: &str| Refused::Forged(format!("member {} {why}", shown(&e.name)));
        self.file.seek(SeekFrom::Start(e.data_start))?;
        let raw = BufReader::with_capacity(CHUNK, (&self.file).take(e.compressed));
        let mut decoder = DeflateDecoder::new(raw);
        let mut crc = Crc::new();
        let mut total = 0u64;
        let mut buf = vec![0u8; CHUNK];
        let mut limited = (&mut decoder).take(e.size.saturating_add(1));
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
        Ok(())
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
        self.stream(i, |chunk| bytes.extend_from_slice(chunk))?;
        Ok(bytes)
    }
}

/// Parses and checks central directory header number `i` (from 0).
fn central<'a>(f: &mut Fields<'a>, i: u64) -> Checked<(Central<'a>, String)> {
    let short = || Refused::Forged(format!("central directory entry {} is cut short", i + 1));
    let head = f.bytes(CENTRAL_LEN).ok_or_else(short)?;
    let mut h = Fields(head);
    let fields = (|| {
        let sig = h.u32()?;
        let made = h.u16()?;
        let (needed, flags, method) = (h.u16()?, h.u16()?, h.u16()?);
        let time = h.u32()?;
        let (crc32, csize, usize_) = (h.u32()?, h.u32()?, h.u32()?);
        let (name_len, extra_len, comment_len) = (h.u16()?, h.u16()?, h.u16()?);
        let (disk, _internal, external, offset) = (h.u16()?, h.u16()?, h.u32()?, h.u32()?);
        Some((
            sig,
            made,
            needed,
            flags,
            method,
            time,
            crc32,
            csize,
            usize_,
            name_len,
            extra_len,
            comment_len,
            disk,
            external,
            offset,
        ))
    })();
    let Some((
        sig,
        made,
        needed,
        flags,
        method,
        time,
        crc32,
        csize,
        usize_,
        name_len,
        extra_len,
        comment_len,
        disk,
        external,
        offset,
    )) = fields
    else {
        return Err(short());
    };
    if sig != CENTRAL {
        return Err(Refused::Forged(format!(
            "central directory entry {} is malformed",
            i + 1
        )));
    }
    let raw_name = f.bytes(usize::from(name_len)).ok_or_else(short)?;
    let extra = f.bytes(usize::from(extra_len)).ok_or_else(short)?;
    let comment = f.bytes(usize::from(comment_len)).ok_or_else(short)?;
    let name = names::decode(raw_name, flags & UTF8 != 0).map_err(|why| {
        Refused::Forged(format!(
            "member {} (entry {}) {why}",
            shown(&String::from_utf8_lossy(raw_name)),
            i + 1
        ))
    })?;
    let forged = |why: String| Refused::Forged(format!("member {} {why}", shown(&name)));
    if let Some(why) = names::problem(&name) {
        return Err(forged(why));
    }
    if flags & 1 != 0 || flags & (1 << 6) != 0 {
        return Err(forged("is encrypted".to_string()));
    }
    if flags & (1 << 3) != 0 {
        return Err(forged(
            "uses a data descriptor, which ctrlmap package never writes".to_string(),
        ));
    }
    if flags & !UTF8 != 0 {
        return Err(forged(format!(
            "has flags 0x{flags:04x}, which ctrlmap package never sets"
        )));
    }
    if method != DEFLATED {
        return Err(forged(format!(
            "uses compression method {method}; ctrlmap package only deflates"
        )));
    }
    if !comment.is_empty() {
        return Err(forged("has a comment".to_string()));
    }
    if disk != 0 {
        return Err(forged("claims to be on another disk".to_string()));
    }
    if made >> 8 != UNIX {
        return Err(forged(
            "was not written with Unix attributes, so its file type cannot be told".to_string(),
        ));
    }
    let mode = external >> 16;
    if mode & S_IFMT != S_IFREG || external & DOS_DIRECTORY != 0 {
        let kind = match mode & S_IFMT {
            0o120_000 => "a symbolic link",
            0o040_000 => "a directory",
            _ => "not a regular file",
        };
        return Err(forged(format!("is {kind}")));
    }
    let (mut size, mut compressed, mut at) = (u64::from(usize_), u64::from(csize), u64::from(offset));
    extra_fields(&name, extra, vec![&mut size, &mut compressed, &mut at])?;
    Ok((
        Central {
            needed,
            flags,
            method,
            time,
            crc32,
            compressed,
            size,
            offset: at,
            raw_name,
        },
        name,
    ))
}

/// Checks the local header of `c` against it; the member must start exactly at `expected`, where
/// the previous one ended (the first at byte 0), so nothing hides between or before members.
fn local(file: &mut File, c: Central<'_>, name: String, expected: u64) -> Checked<Entry> {
    let forged = |why: String| Refused::Forged(format!("member {} {why}", shown(&name)));
    if c.offset != expected {
        return Err(forged(if expected == 0 {
            "does not start the file: bytes sit before the first member (a prepended archive?)".to_string()
        } else {
            "does not start where the member before it ends (bytes between members, or overlapping members)".to_string()
        }));
    }
    let head = read_at(file, c.offset, LOCAL_LEN).map_err(|_| forged("has no local header".to_string()))?;
    let mut h = Fields(&head);
    let (sig, needed, flags, method) = (h.u32(), h.u16(), h.u16(), h.u16());
    let (time, crc32, csize, usize_) = (h.u32(), h.u32(), h.u32(), h.u32());
    let (name_len, extra_len) = (h.u16().unwrap_or(0), h.u16().unwrap_or(0));
    let tail = read_at(
        file,
        c.offset + LOCAL_LEN as u64,
        usize::from(name_len) + usize::from(extra_len),
    )
    .map_err(|_| forged("has a local header cut short".to_string()))?;
    let (raw_name, extra) = tail.split_at(usize::from(name_len));
    if sig != Some(LOCAL) {
        return Err(forged("has no local header".to_string()));
    }
    if raw_name != c.raw_name {
        return Err(forged(format!(
            "is named {} in its local header: the two names differ",
            shown(&String::from_utf8_lossy(raw_name))
        )));
    }
    if (needed, flags, method, time, crc32)
        != (
            Some(c.needed),
            Some(c.flags),
            Some(c.method),
            Some(c.time),
            Some(c.crc32),
        )
    {
        return Err(forged(
            "has a local header that disagrees with the central directory".to_string(),
        ));
    }
    let (mut size, mut compressed) = (u64::from(usize_.unwrap_or(0)), u64::from(csize.unwrap_or(0)));
    extra_fields(&name, extra, vec![&mut size, &mut compressed])?;
    if (size, compressed) != (c.size, c.compressed) {
        return Err(forged(
            "declares other sizes in its local header than in the central directory".to_string(),
        ));
    }
    let data_start = c.offset + (LOCAL_LEN + tail.len()) as u64;
    Ok(Entry {
        name,
        crc32: c.crc32,
        compressed: c.compressed,
        size: c.size,
        data_start,
    })
}
