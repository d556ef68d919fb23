//! A TrueType subsetter: keeps the outlines of the glyphs drawn, with the same glyph ids.

use std::collections::{BTreeMap, BTreeSet};

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Sum of the big-endian words of `b` (zero-padded), as TrueType checksums are.
fn ttf_checksum(b: &[u8]) -> u32 {
    b.chunks(4).fold(0u32, |sum, w| {
        let mut word = [0u8; 4];
        word[..w.len()].copy_from_slice(w);
        sum.wrapping_add(u32::from_be_bytes(word))
    })
}

/// The TrueType font `font` with only the outlines of `used` (and of glyph 0 and the
/// components they use); glyph ids stay the same, so content streams need no remapping. Keeps
/// the tables PDF needs of an embedded TrueType program.
pub(super) fn subset_ttf(font: &[u8], used: &BTreeSet<u16>) -> Option<Vec<u8>> {
    let num_tables = usize::from(be16(font, 4)?);
    let mut tables: BTreeMap<[u8; 4], &[u8]> = BTreeMap::new();
    for i in 0..num_tables {
        let rec = 12 + 16 * i;
        let tag: [u8; 4] = font.get(rec..rec + 4)?.try_into().ok()?;
        let off = usize::try_from(be32(font, rec + 8)?).ok()?;
        let len = usize::try_from(be32(font, rec + 12)?).ok()?;
        tables.insert(tag, font.get(off..off.checked_add(len)?)?);
    }
    let head = *tables.get(b"head")?;
    let loca = *tables.get(b"loca")?;
    let glyf = *tables.get(b"glyf")?;
    let n = usize::from(be16(tables.get(b"maxp")?, 4)?);
    if head.len() < 54 {
        return None;
    }
    let long = be16(head, 50)? == 1;
    let offset = |g: usize| -> Option<usize> {
        if long {
            usize::try_from(be32(loca, 4 * g)?).ok()
        } else {
            Some(usize::from(be16(loca, 2 * g)?) * 2)
        }
    };
    let glyph = |g: usize| -> Option<&[u8]> { glyf.get(offset(g)?..offset(g + 1)?) };

    let mut keep: BTreeSet<u16> = used.clone();
    keep.insert(0);
    let mut todo: Vec<u16> = keep.iter().copied().collect();
    while let Some(g) = todo.pop() {
        if usize::from(g) >= n {
            return None;
        }
        let data = glyph(usize::from(g))?;
        if data.len() < 10 || be16(data, 0)? & 0x8000 == 0 {
            continue;
        }
        // A composite glyph: its components are kept too.
        let mut at = 10;
        loop {
            let flags = be16(data, at)?;
            let component = be16(data, at + 2)?;
            if keep.insert(component) {
                todo.push(component);
            }
            at += 4 + if flags & 0x0001 != 0 { 4 } else { 2 };
            at += if flags & 0x0008 != 0 {
                2
            } else if flags & 0x0040 != 0 {
                4
            } else if flags & 0x0080 != 0 {
                8
            } else {
                0
            };
            if flags & 0x0020 == 0 {
                break;
            }
        }
    }

    let mut new_glyf = Vec::new();
    let mut new_loca = Vec::with_capacity(4 * (n + 1));
    for g in 0..n {
        new_loca.extend_from_slice(&u32::try_from(new_glyf.len()).ok()?.to_be_bytes());
        if keep.contains(&u16::try_from(g).ok()?) {
            new_glyf.extend_from_slice(glyph(g)?);
            new_glyf.resize(new_glyf.len().next_multiple_of(4), 0);
        }
    }
    new_loca.extend_from_slice(&u32::try_from(new_glyf.len()).ok()?.to_be_bytes());
    let mut new_head = head.to_vec();
    new_head[8..12].copy_from_slice(&[0; 4]);
    new_head[50..52].copy_from_slice(&[0, 1]);

    // Sorted by tag, as the table directory must be.
    let mut out_tables: Vec<(&[u8; 4], &[u8])> = Vec::new();
    for tag in [
        b"OS/2", b"cvt ", b"fpgm", b"glyf", b"head", b"hhea", b"hmtx", b"loca", b"maxp", b"prep",
    ] {
        let data: &[u8] = match tag {
            b"glyf" => &new_glyf,
            b"loca" => &new_loca,
            b"head" => &new_head,
            _ => match tables.get(tag) {
                Some(t) => t,
                None => continue,
            },
        };
        out_tables.push((tag, data));
    }
    let count = out_tables.len();
    let entry_selector = count.max(1).ilog2();
    let search_range = 16usize << entry_selector;
    let mut out = Vec::new();
    out.extend_from_slice(&0x0001_0000u32.to_be_bytes());
    for v in [
        count,
        search_range,
        usize::try_from(entry_selector).ok()?,
        count * 16 - search_range,
    ] {
        out.extend_from_slice(&u16::try_from(v).ok()?.to_be_bytes());
    }
    let mut data_at = 12 + 16 * count;
    let mut head_at = 0;
    for (tag, data) in &out_tables {
        if *tag == b"head" {
            head_at = data_at;
        }
        out.extend_from_slice(*tag);
        out.extend_from_slice(&ttf_checksum(data).to_be_bytes());
        out.extend_from_slice(&u32::try_from(data_at).ok()?.to_be_bytes());
        out.extend_from_slice(&u32::try_from(data.len()).ok()?.to_be_bytes());
        data_at += data.len().next_multiple_of(4);
    }
    for (_, data) in &out_tables {
        out.extend_from_slice(data);
        out.resize(out.len().next_multiple_of(4), 0);
    }
    let adjustment = 0xB1B0_AFBAu32.wrapping_sub(ttf_checksum(&out));
    out[head_at + 8..head_at + 12].copy_from_slice(&adjustment.to_be_bytes());
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::pdf::fonts::{EMBEDDED_FONTS, embedded};

    #[test]
    fn subsets_keep_glyph_ids_and_composites() {
        let (font, _) = EMBEDDED_FONTS[0];
        let face = embedded(0).expect("DejaVu Sans");
        let used: BTreeSet<u16> = "d\u{f6}\u{3a9}\u{2713}\u{1e9b}"
            .chars()
            .map(|c| face.glyph(c))
            .collect();
        let sub = subset_ttf(font, &used).expect("subset");
        assert!(sub.len() < font.len() / 4, "{} bytes", sub.len());
        assert_eq!(ttf_checksum(&sub), 0xB1B0_AFBA, "checksum adjustment");
        let mut warnings = Vec::new();
        let parsed = printpdf::ParsedFont::from_bytes(&sub, 0, &mut warnings).expect("the subset parses");
        assert_eq!(parsed.units_per_em, face.parsed.units_per_em);
        for g in &used {
            assert_eq!(parsed.get_glyph_width(*g), face.parsed.get_glyph_width(*g));
        }
    }
}
