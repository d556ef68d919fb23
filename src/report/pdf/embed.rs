//! Embedding the faces a report drew with: each as a subset (the `subsetter` crate keeps the
//! outlines of the glyphs drawn, numbered as the content streams number them) in a Type0 font
//! with Identity-H encoding, its widths and a ToUnicode map, so text extraction gives the
//! characters back. TrueType outlines go in a `FontFile2`, CFF ones (Noto Sans CJK) in a
//! `FontFile3` of subtype `CIDFontType0C`.

use std::collections::BTreeMap;

use lopdf::Object::{Array, Dictionary, Integer, Name, Reference};
use sha2::{Digest, Sha256};
use ttf_parser::Tag;

use super::canvas::{FaceUse, resource_name};
use super::fonts::Face;
use super::fontset::Fonts;
use crate::error::{Error, Result};

pub(super) fn lopdf_error(e: lopdf::Error) -> Error {
    Error::Invalid(format!("could not build the PDF: {e}"))
}

/// Adds the faces in `used` to the document's font dictionary (shared by every page;
/// `first_page` leads to it).
pub(super) fn embed_fonts(
    lo: &mut lopdf::Document,
    first_page: Option<lopdf::ObjectId>,
    fonts: &Fonts,
    used: &BTreeMap<usize, FaceUse>,
) -> Result<()> {
    if used.is_empty() {
        return Ok(());
    }
    let missing = || Error::Invalid("could not build the PDF: no page to hold the fonts".into());
    let page = first_page.ok_or_else(missing)?;
    let resources = lo
        .get_dictionary(page)
        .and_then(|d| d.get(b"Resources"))
        .and_then(lopdf::Object::as_reference)
        .map_err(lopdf_error)?;
    let font_dict = lo
        .get_dictionary(resources)
        .and_then(|d| d.get(b"Font"))
        .and_then(lopdf::Object::as_reference)
        .map_err(lopdf_error)?;
    for (&i, face_use) in used {
        let face = fonts
            .face(i)
            .ok_or_else(|| Error::Invalid("could not read a font the report was drawn with".into()))?;
        let font = embed_face(lo, face, face_use)?;
        lo.get_dictionary_mut(font_dict)
            .map_err(lopdf_error)?
            .set(resource_name(i), Reference(font));
    }
    Ok(())
}

/// Writes one face's subset and dictionaries; returns the Type0 font's id.
fn embed_face(lo: &mut lopdf::Document, face: &Face, used: &FaceUse) -> Result<lopdf::ObjectId> {
    let subset = subsetter::subset(face.bytes, face.index, &used.remapper)
        .map_err(|e| Error::Invalid(format!("could not subset font {}: {e}", face.name)))?;
    // The subset tag: six capitals from the glyphs kept.
    let mut hasher = Sha256::new();
    for (new, (old, _)) in &used.chars {
        hasher.update(new.to_be_bytes());
        hasher.update(old.to_be_bytes());
    }
    let tag: String = hasher.finalize()[..6]
        .iter()
        .map(|b| char::from(b'A' + b % 26))
        .collect();
    let name = format!("{tag}+{}", face.name);

    let file = if face.cff {
        // A CID font of type 0 takes the bare CFF program.
        let cff = ttf_parser::RawFace::parse(&subset, 0)
            .ok()
            .and_then(|raw| raw.table(Tag::from_bytes(b"CFF ")))
            .ok_or_else(|| Error::Invalid(format!("could not subset font {}: no CFF table", face.name)))?
            .to_vec();
        let dict = lopdf::Dictionary::from_iter(vec![("Subtype", Name(b"CIDFontType0C".to_vec()))]);
        lo.add_object(lopdf::Stream::new(dict, cff))
    } else {
        let mut dict = lopdf::Dictionary::new();
        dict.set("Length1", Integer(i64::try_from(subset.len()).unwrap_or(i64::MAX)));
        lo.add_object(lopdf::Stream::new(dict, subset))
    };

    let f = &face.face;
    let bbox = f.global_bounding_box();
    let ascent = face.scale(f.ascender());
    let weight = f.weight().to_number();
    let stem_v = 50 + (f32::from(weight) / 65.0).powi(2).round() as i64;
    let descriptor = lo.add_object(lopdf::Dictionary::from_iter(vec![
        ("Type", Name(b"FontDescriptor".to_vec())),
        ("FontName", Name(name.clone().into_bytes())),
        ("Flags", Integer(if f.is_monospaced() { 33 } else { 32 })),
        (
            "FontBBox",
            Array(vec![
                Integer(face.scale(bbox.x_min)),
                Integer(face.scale(bbox.y_min)),
                Integer(face.scale(bbox.x_max)),
                Integer(face.scale(bbox.y_max)),
            ]),
        ),
        ("ItalicAngle", Integer(0)),
        ("Ascent", Integer(ascent)),
        ("Descent", Integer(face.scale(f.descender()))),
        (
            "CapHeight",
            Integer(f.capital_height().map_or(ascent, |h| face.scale(h))),
        ),
        ("StemV", Integer(stem_v)),
        (if face.cff { "FontFile3" } else { "FontFile2" }, Reference(file)),
    ]));

    let mut descendant = lopdf::Dictionary::from_iter(vec![
        ("Type", Name(b"Font".to_vec())),
        (
            "Subtype",
            Name(if face.cff {
                b"CIDFontType0".to_vec()
            } else {
                b"CIDFontType2".to_vec()
            }),
        ),
        ("BaseFont", Name(name.clone().into_bytes())),
        (
            "CIDSystemInfo",
            Dictionary(lopdf::Dictionary::from_iter(vec![
                ("Registry", lopdf::Object::string_literal("Adobe")),
                ("Ordering", lopdf::Object::string_literal("Identity")),
                ("Supplement", Integer(0)),
            ])),
        ),
        ("FontDescriptor", Reference(descriptor)),
        ("DW", Integer(1000)),
        ("W", Array(widths(face, used))),
    ]);
    if !face.cff {
        // The subset's glyph ids are the codes drawn.
        descendant.set("CIDToGIDMap", Name(b"Identity".to_vec()));
    }
    let cmap = printpdf::ToUnicodeCMap {
        mappings: used
            .chars
            .iter()
            .map(|(&new, &(_, c))| (u32::from(new), vec![u32::from(c)]))
            .collect(),
    };
    let to_unicode = lo.add_object(lopdf::Stream::new(
        lopdf::Dictionary::new(),
        cmap.to_cmap_string(&face.name).into_bytes(),
    ));
    Ok(lo.add_object(lopdf::Dictionary::from_iter(vec![
        ("Type", Name(b"Font".to_vec())),
        ("Subtype", Name(b"Type0".to_vec())),
        ("BaseFont", Name(name.into_bytes())),
        ("Encoding", Name(b"Identity-H".to_vec())),
        ("DescendantFonts", Array(vec![Dictionary(descendant)])),
        ("ToUnicode", Reference(to_unicode)),
    ])))
}

/// The `/W` array: runs of consecutive codes with their advances.
fn widths(face: &Face, used: &FaceUse) -> Vec<lopdf::Object> {
    let mut out = Vec::new();
    let mut run: Option<(u16, u16, Vec<lopdf::Object>)> = None;
    for (&new, &(old, _)) in &used.chars {
        let w = Integer(i64::from(face.advance(old)));
        match &mut run {
            Some((_, last, ws)) if new == last.wrapping_add(1) => {
                *last = new;
                ws.push(w);
            }
            _ => {
                if let Some((first, _, ws)) = run.take() {
                    out.extend([Integer(i64::from(first)), Array(ws)]);
                }
                run = Some((new, new, vec![w]));
            }
        }
    }
    if let Some((first, _, ws)) = run {
        out.extend([Integer(i64::from(first)), Array(ws)]);
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::report::data::Paper;
    use crate::report::pdf::document::find;
    use crate::report::pdf::fixtures::{assert_footers, hash, page_texts, sample, scripts_sample, unicode_sample};
    use crate::report::pdf::fonts::BUNDLED_FONTS;
    use crate::report::pdf::fontset::FontOptions;
    use crate::report::pdf::{render, render_with};

    /// Every font of `bytes`: its base name and whether its program is embedded.
    fn fonts_of(bytes: &[u8]) -> Vec<(String, bool)> {
        let doc = lopdf::Document::load_mem(bytes).expect("pdf");
        let mut out = Vec::new();
        for object in doc.objects.values() {
            let Ok(dict) = object.as_dict() else { continue };
            if dict.get(b"Type").and_then(lopdf::Object::as_name).ok() != Some(b"Font".as_slice()) {
                continue;
            }
            let name = dict
                .get(b"BaseFont")
                .and_then(lopdf::Object::as_name)
                .expect("BaseFont");
            let descendant = dict
                .get(b"DescendantFonts")
                .and_then(lopdf::Object::as_array)
                .ok()
                .and_then(|a| a.first()?.as_dict().ok());
            let Some(descendant) = descendant else {
                out.push((String::from_utf8_lossy(name).into_owned(), false));
                continue;
            };
            let descriptor = descendant
                .get(b"FontDescriptor")
                .and_then(lopdf::Object::as_reference)
                .and_then(|r| doc.get_dictionary(r))
                .expect("descriptor");
            let embedded = descriptor.has(b"FontFile2") || descriptor.has(b"FontFile3");
            out.push((String::from_utf8_lossy(name).into_owned(), embedded));
        }
        out.sort();
        out
    }

    #[test]
    fn latin_reports_embed_their_fonts_and_claim_no_pdf_x() {
        let bytes = render_with(&sample(), Paper::A4, &FontOptions::default()).expect("render");
        let fonts = fonts_of(&bytes);
        assert_eq!(fonts.len(), 3, "{fonts:?}");
        assert!(fonts.iter().all(|(_, embedded)| *embedded), "{fonts:?}");
        assert!(find(&bytes, b"Helvetica").is_none() && find(&bytes, b"Courier").is_none());
        assert!(find(&bytes, b"GTS_PDFX").is_none(), "no PDF/X claim");
        // The programs are subsets: far smaller than the faces.
        let full: usize = BUNDLED_FONTS.iter().map(|(f, _)| f.len()).sum();
        assert!(bytes.len() < full / 4, "{} bytes", bytes.len());
    }

    #[test]
    fn text_outside_latin_1_comes_back_and_renders_the_same_twice() {
        let data = unicode_sample();
        let opts = FontOptions::default();
        let a = render_with(&data, Paper::A4, &opts).expect("render");
        let b = render_with(&data, Paper::A4, &opts).expect("render");
        assert!(a == b, "two renders differ");
        let pages = page_texts(&a);
        let all = pages.join("\n");
        assert!(all.contains("d\u{f6}nerdb-\u{3a9}-\u{2713}"), "the service name: {all}");
        assert!(all.contains("\u{2192} \u{141}\u{f3}d\u{17a}"), "the control title");
        assert!(all.contains(&hash(1)));
        assert_footers(&pages);
    }

    #[test]
    fn cjk_and_emoji_use_system_fonts_when_there_are_some() {
        let data = scripts_sample();
        let bytes = render(&data, Paper::A4).expect("render");
        let all = page_texts(&bytes).join("\n");
        assert!(all.contains("<U+10FFFD>"), "no font has U+10FFFD: {all}");
        assert!(fonts_of(&bytes).iter().all(|(_, embedded)| *embedded));
        let names = data.scope_services.iter().map(|s| s.name.clone());
        let fonts = crate::report::pdf::fontset::Fonts::new(&FontOptions::with_system(Vec::new())).expect("fonts");
        for name in names {
            if !name.chars().all(|c| fonts.has(c)) {
                eprintln!("note: no font on this machine draws {name:?}; install fonts-noto-cjk and fonts-symbola");
                assert!(all.contains("<U+"), "shown as code points");
                continue;
            }
            assert!(all.contains(&name), "{name:?} comes back: {all}");
        }
        assert!(!all.contains('?'), "nothing drawn as ?");
    }
}
