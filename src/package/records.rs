//! The zip records a package is made of, read off their bytes with no policy beyond the format
//! itself: the end record (and its ZIP64 form), central directory headers, local headers and the
//! extra fields, and data descriptors. What a package may hold is decided in [`super::reader`].

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

use super::refused::{Checked, Refused, shown};

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
/// The end record without a comment.
const END_LEN: u64 = 22;
/// The ZIP64 end record without extensible data.
const END64_LEN: u64 = 56;
/// The ZIP64 locator.
const LOCATOR64_LEN: u64 = 20;
/// The fixed part of a central directory header.
const CENTRAL_LEN: usize = 46;
/// The fixed part of a local header.
pub(super) const LOCAL_LEN: usize = 30;
/// A 32-bit size or offset holding this means "see the ZIP64 extra field".
const SENTINEL: u32 = u32::MAX;
/// The ZIP64 extended information extra field, the only extra field `build` writes.
const ZIP64_EXTRA: u16 = 0x0001;
/// Info-ZIP's extended timestamp ("UT"), which `zip` adds unless given `-X`.
const EXTENDED_TIME: u16 = 0x5455;
/// Info-ZIP's Unix owner ids ("ux"), which `zip` adds unless given `-X`.
const UNIX_OWNER: u16 = 0x7875;
/// Signature of a data descriptor, which `zip` writes after a member when it cannot seek back.
const DESCRIPTOR: u32 = 0x0807_4b50;

/// Little-endian fields read off a record whose length is known to suffice.
struct Fields<'a>(&'a [u8]);

impl<'a> Fields<'a> {
    /// The next `n` bytes, `None` when fewer are left.
    fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = (self.0.len() >= n).then(|| self.0.split_at(n))?;
        self.0 = rest;
        Some(head)
    }

    /// The next `N` bytes; the caller checked the record is long enough.
    fn array<const N: usize>(&mut self) -> [u8; N] {
        let b = self.bytes(N).expect("the record's length was checked");
        b.try_into().expect("exactly N bytes were taken")
    }

    /// The next little-endian `u16`.
    fn u16(&mut self) -> u16 {
        u16::from_le_bytes(self.array())
    }

    /// The next little-endian `u32`.
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.array())
    }

    /// The next little-endian `u64`.
    fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.array())
    }
}

/// Reads exactly `len` bytes at `offset`.
pub(super) fn read_at(file: &mut File, offset: u64, len: usize) -> io::Result<Vec<u8>> {
    file.seek(SeekFrom::Start(offset))?;
    let mut buf = vec![0u8; len];
    file.read_exact(&mut buf)?;
    Ok(buf)
}

/// Where the central directory is, as the end record says.
pub(super) struct Directory {
    /// Where it starts.
    pub(super) offset: u64,
    /// Its size in bytes.
    pub(super) size: u64,
    /// How many headers it holds.
    pub(super) count: u64,
    /// Where the central directory must end: at the ZIP64 end record, or at the end record.
    pub(super) end: u64,
}

/// Finds the central directory from the end record, which must end the file exactly: no comment,
/// nothing appended, one disk; in ZIP64 form, the locator and the ZIP64 end record sit right
/// before it, with no extensible data.
pub(super) fn directory(file: &mut File) -> Checked<Directory> {
    let len = file.metadata()?.len();
    let not_zip = || Refused::NotZip("not a zip archive, or truncated".to_string());
    if len < END_LEN {
        return Err(not_zip());
    }
    let end = read_at(file, len - END_LEN, END_LEN as usize)?;
    let mut f = Fields(&end);
    if f.u32() != END {
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
    let (disk, cd_disk, on_disk, count) = (f.u16(), f.u16(), f.u16(), f.u16());
    let (size, offset) = (f.u32(), f.u32());
    if disk != 0 || cd_disk != 0 || on_disk != count {
        return Err(Refused::Forged("the zip claims to span several disks".to_string()));
    }
    if count != u16::MAX && size != SENTINEL && offset != SENTINEL {
        return Ok(Directory {
            offset: u64::from(offset),
            size: u64::from(size),
            count: u64::from(count),
            end: len - END_LEN,
        });
    }
    let bad = |why: &str| Refused::Forged(format!("its ZIP64 end record {why}"));
    let end64 = len
        .checked_sub(END_LEN + LOCATOR64_LEN + END64_LEN)
        .ok_or_else(|| bad("is missing"))?;
    let locator = read_at(file, len - END_LEN - LOCATOR64_LEN, LOCATOR64_LEN as usize)?;
    let mut l = Fields(&locator);
    if (l.u32(), l.u32(), l.u64(), l.u32()) != (LOCATOR64, 0, end64, 1) {
        return Err(bad("is missing or not where it belongs"));
    }
    let record = read_at(file, end64, END64_LEN as usize)?;
    let mut r = Fields(&record);
    if (r.u32(), r.u64()) != (END64, END64_LEN - 12) {
        return Err(bad("is malformed"));
    }
    let (_made, _needed, disk64, cd_disk64) = (r.u16(), r.u16(), r.u32(), r.u32());
    let (on_disk64, count64, size64, offset64) = (r.u64(), r.u64(), r.u64(), r.u64());
    // Each short field holds its value or the sentinel, never a third value.
    let agrees = |short: u64, sentinel: u64, long: u64| short == sentinel || short == long;
    if (disk64, cd_disk64) != (0, 0)
        || on_disk64 != count64
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

/// The fields of a central directory header or a local header that a package's reader checks.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Header<'a> {
    /// "Version made by" (central only; 0 in a local header).
    pub(super) made_by: u16,
    /// "Version needed to extract".
    pub(super) needed: u16,
    /// General-purpose flags.
    pub(super) flags: u16,
    /// Compression method.
    pub(super) method: u16,
    /// Modification time and date.
    pub(super) stamp: u32,
    /// CRC-32 of the uncompressed bytes.
    pub(super) crc32: u32,
    /// Size of the compressed data (from the ZIP64 field once [`zip64`] has run).
    pub(super) compressed: u64,
    /// Size of the uncompressed data (likewise).
    pub(super) size: u64,
    /// Where the local header is (central only; 0 in a local header).
    pub(super) offset: u64,
    /// The disk the member starts on (central only).
    pub(super) disk: u16,
    /// External attributes: a Unix mode in the upper half (central only).
    pub(super) external: u32,
    /// The name, as stored.
    pub(super) raw_name: &'a [u8],
    /// The member's comment (central only).
    pub(super) comment: &'a [u8],
    /// The extra fields, as stored.
    pub(super) extra: &'a [u8],
}

/// Takes central directory header number `i` (from 0) off the front of `table`.
pub(super) fn central<'a>(table: &mut &'a [u8], i: u64) -> Checked<Header<'a>> {
    let short = || Refused::Forged(format!("central directory entry {} is cut short or malformed", i + 1));
    let mut f = Fields(table);
    let mut h = Fields(f.bytes(CENTRAL_LEN).ok_or_else(short)?);
    if h.u32() != CENTRAL {
        return Err(short());
    }
    let (made_by, needed, flags, method, stamp) = (h.u16(), h.u16(), h.u16(), h.u16(), h.u32());
    let (crc32, compressed, size) = (h.u32(), h.u32(), h.u32());
    let (name_len, extra_len, comment_len) = (h.u16(), h.u16(), h.u16());
    let (disk, _internal, external, offset) = (h.u16(), h.u16(), h.u32(), h.u32());
    let raw_name = f.bytes(usize::from(name_len)).ok_or_else(short)?;
    let extra = f.bytes(usize::from(extra_len)).ok_or_else(short)?;
    let comment = f.bytes(usize::from(comment_len)).ok_or_else(short)?;
    *table = f.0;
    Ok(Header {
        made_by,
        needed,
        flags,
        method,
        stamp,
        crc32,
        compressed: u64::from(compressed),
        size: u64::from(size),
        offset: u64::from(offset),
        disk,
        external,
        raw_name,
        comment,
        extra,
    })
}

/// Reads the local header at `offset`, `None` when there is none; its name and extra field are
/// in the returned buffer, which the header borrows.
pub(super) fn local<'b>(file: &mut File, offset: u64, buf: &'b mut Vec<u8>) -> io::Result<Option<Header<'b>>> {
    let head = read_at(file, offset, LOCAL_LEN)?;
    let mut h = Fields(&head);
    if h.u32() != LOCAL {
        return Ok(None);
    }
    let (needed, flags, method, stamp) = (h.u16(), h.u16(), h.u16(), h.u32());
    let (crc32, compressed, size) = (h.u32(), h.u32(), h.u32());
    let (name_len, extra_len) = (usize::from(h.u16()), usize::from(h.u16()));
    *buf = read_at(file, offset.saturating_add(LOCAL_LEN as u64), name_len + extra_len)?;
    let (raw_name, extra) = buf.split_at(name_len);
    Ok(Some(Header {
        made_by: 0,
        needed,
        flags,
        method,
        stamp,
        crc32,
        compressed: u64::from(compressed),
        size: u64::from(size),
        offset: 0,
        disk: 0,
        external: 0,
        raw_name,
        comment: &[],
        extra,
    }))
}

/// The extra fields of a header, as (id, data), refused unless each is one of those a zip tool
/// adds without changing what the member is: ZIP64 sizes, and Info-ZIP's timestamps and Unix
/// owner ids (only metadata, never used here). Each may appear once. Anything else, such as a
/// Unicode path field that some readers would take as the member's name, is refused.
fn extra_fields<'a>(extra: &'a [u8], name: &str) -> Checked<Vec<(u16, &'a [u8])>> {
    let forged = |why: String| Refused::Forged(format!("member {} {why}", shown(name)));
    let mut f = Fields(extra);
    let mut fields: Vec<(u16, &[u8])> = Vec::new();
    while !f.0.is_empty() {
        let head = f
            .bytes(4)
            .ok_or_else(|| forged("has a malformed extra field".to_string()))?;
        let id = u16::from_le_bytes([head[0], head[1]]);
        let len = usize::from(u16::from_le_bytes([head[2], head[3]]));
        if ![ZIP64_EXTRA, EXTENDED_TIME, UNIX_OWNER].contains(&id) {
            return Err(forged(format!(
                "has an extra field (0x{id:04x}) that ctrlmap does not accept"
            )));
        }
        if fields.iter().any(|(seen, _)| *seen == id) {
            return Err(forged(format!("has the extra field 0x{id:04x} twice")));
        }
        let data = f
            .bytes(len)
            .ok_or_else(|| forged("has a malformed extra field".to_string()))?;
        fields.push((id, data));
    }
    Ok(fields)
}

/// Completes `h`'s sizes (and, in a central header, offset) from its ZIP64 field, which must hold
/// exactly the values the header marks with the sentinel, in the order the format gives them; its
/// other extra fields must be ones [`extra_fields`] accepts. Returns whether it has a ZIP64 field.
pub(super) fn zip64(h: &mut Header<'_>, name: &str, central: bool) -> Checked<bool> {
    let forged = |why: String| Refused::Forged(format!("member {} {why}", shown(name)));
    let sentinel = u64::from(SENTINEL);
    let fields = extra_fields(h.extra, name)?;
    let mut wanted = vec![&mut h.size, &mut h.compressed];
    if central {
        wanted.push(&mut h.offset);
    }
    let marked = wanted.iter().filter(|v| ***v == sentinel).count();
    let Some(&(_, data)) = fields.iter().find(|(id, _)| *id == ZIP64_EXTRA) else {
        if marked > 0 {
            return Err(forged("declares ZIP64 sizes but has no ZIP64 field".to_string()));
        }
        return Ok(false);
    };
    if data.len() != 8 * marked {
        return Err(forged("has a malformed ZIP64 field".to_string()));
    }
    let mut f = Fields(data);
    for v in wanted.into_iter().filter(|v| **v == sentinel) {
        *v = f.u64();
    }
    Ok(true)
}

/// A data descriptor: what follows a member's data when its writer could not seek back to fill
/// in the local header.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Descriptor {
    /// CRC-32 of the uncompressed bytes.
    pub(super) crc32: u32,
    /// Size of the compressed data.
    pub(super) compressed: u64,
    /// Size of the uncompressed data.
    pub(super) size: u64,
    /// How many bytes it takes in the file.
    pub(super) len: u64,
}

/// Reads the data descriptor at `offset`, `None` unless it starts with its signature (which the
/// format leaves optional but every zip tool writes; without it a descriptor cannot be told from
/// data). Sizes are 8 bytes each when the member has a ZIP64 field, else 4.
pub(super) fn descriptor(file: &mut File, offset: u64, zip64: bool) -> io::Result<Option<Descriptor>> {
    let len: u64 = if zip64 { 24 } else { 16 };
    let bytes = match read_at(file, offset, len as usize) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut f = Fields(&bytes);
    if f.u32() != DESCRIPTOR {
        return Ok(None);
    }
    let crc32 = f.u32();
    let (compressed, size) = if zip64 {
        (f.u64(), f.u64())
    } else {
        (u64::from(f.u32()), u64::from(f.u32()))
    };
    Ok(Some(Descriptor {
        crc32,
        compressed,
        size,
        len,
    }))
}
