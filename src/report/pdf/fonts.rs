//! The faces text is drawn with: the builtin Helvetica and Courier, and DejaVu Sans (regular and
//! bold) embedded as subset Type0 fonts when the report holds text WinAnsi cannot encode. The
//! choice is made once per report and held in a thread-local mode.

use std::cell::Cell as StdCell;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use printpdf::BuiltinFont;
use sha2::{Digest, Sha256};

use super::document::lopdf_error;
use super::subset::subset_ttf;
use super::text::win_ansi_byte;
use crate::error::{Error, Result};
use crate::report::data::ReportData;

/// The builtin faces the report uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Font {
    /// Helvetica.
    Regular,
    /// Helvetica-Bold.
    Bold,
    /// Helvetica-Oblique.
    Italic,
    /// Courier, for hashes.
    Mono,
}

impl Font {
    pub(super) const ALL: [Font; 4] = [Font::Regular, Font::Bold, Font::Italic, Font::Mono];

    pub(super) fn index(self) -> usize {
        match self {
            Font::Regular => 0,
            Font::Bold => 1,
            Font::Italic => 2,
            Font::Mono => 3,
        }
    }

    pub(super) fn builtin(self) -> BuiltinFont {
        match self {
            Font::Regular => BuiltinFont::Helvetica,
            Font::Bold => BuiltinFont::HelveticaBold,
            Font::Italic => BuiltinFont::HelveticaOblique,
            Font::Mono => BuiltinFont::Courier,
        }
    }
}

/// DejaVu Sans and DejaVu Sans Bold (licence: `assets/fonts/LICENSE-DejaVu.txt`).
pub(super) const EMBEDDED_FONTS: [(&[u8], &str); 2] = [
    (include_bytes!("../../../assets/fonts/DejaVuSans.ttf"), "DejaVuSans"),
    (
        include_bytes!("../../../assets/fonts/DejaVuSans-Bold.ttf"),
        "DejaVuSans-Bold",
    ),
];

/// Resource names of the embedded faces, as written in content streams.
pub(super) const EMBEDDED_NAMES: [&str; 2] = ["/DJR", "/DJB"];

thread_local! {
    /// Whether the report being drawn on this thread uses the embedded faces.
    static UNICODE: StdCell<bool> = const { StdCell::new(false) };
}

/// Sets the font mode for the report drawn on this thread; the previous mode comes back
/// when dropped.
pub(super) struct UnicodeMode(bool);

impl UnicodeMode {
    pub(super) fn set(on: bool) -> UnicodeMode {
        UnicodeMode(UNICODE.with(|u| u.replace(on)))
    }
}

impl Drop for UnicodeMode {
    fn drop(&mut self) {
        UNICODE.with(|u| u.set(self.0));
    }
}

pub(super) fn unicode_mode() -> bool {
    UNICODE.with(StdCell::get)
}

/// The embedded face (0 regular, 1 bold) `font` is drawn with, when the embedded faces are in
/// use; Courier stays builtin (hashes are ASCII). Italic is the regular face, slanted.
pub(super) fn unicode_face(font: Font) -> Option<usize> {
    if !unicode_mode() {
        return None;
    }
    match font {
        Font::Regular | Font::Italic => Some(0),
        Font::Bold => Some(1),
        Font::Mono => None,
    }
}

/// One embedded face: its parsed tables and the widths of Latin-1.
pub(super) struct Face {
    bytes: &'static [u8],
    name: &'static str,
    pub(super) parsed: printpdf::ParsedFont,
    latin: [u16; 256],
}

impl Face {
    fn load(bytes: &'static [u8], name: &'static str) -> Option<Face> {
        let mut warnings = Vec::new();
        let parsed = printpdf::ParsedFont::from_bytes(bytes, 0, &mut warnings)?;
        if parsed.units_per_em == 0 || parsed.codepoint_to_glyph.is_empty() {
            return None;
        }
        let mut face = Face {
            bytes,
            name,
            parsed,
            latin: [0; 256],
        };
        for b in 0..=255u8 {
            face.latin[usize::from(b)] = face.glyph_width(face.glyph(char::from(b)));
        }
        Some(face)
    }

    fn lookup(&self, c: char) -> Option<u16> {
        self.parsed.lookup_glyph_index(u32::from(c)).filter(|&g| g != 0)
    }

    /// The glyph drawn for `c`: its own, else the question mark's.
    pub(super) fn glyph(&self, c: char) -> u16 {
        self.lookup(c).or_else(|| self.lookup('?')).unwrap_or(0)
    }

    /// Advance of glyph `gid` in thousandths of an em.
    fn glyph_width(&self, gid: u16) -> u16 {
        let upm = u32::from(self.parsed.units_per_em);
        let w = u32::from(self.parsed.get_glyph_width(gid).unwrap_or(0));
        u16::try_from((w * 1000 + upm / 2) / upm).unwrap_or(u16::MAX)
    }

    pub(super) fn width(&self, c: char) -> u32 {
        match u8::try_from(u32::from(c)) {
            Ok(b) => u32::from(self.latin[usize::from(b)]),
            Err(_) => u32::from(self.glyph_width(self.glyph(c))),
        }
    }
}

/// The embedded face `i` (0 regular, 1 bold), parsed once; `None` if it cannot be read.
pub(super) fn embedded(i: usize) -> Option<&'static Face> {
    static FACES: OnceLock<[Option<Face>; 2]> = OnceLock::new();
    FACES
        .get_or_init(|| EMBEDDED_FONTS.map(|(bytes, name)| Face::load(bytes, name)))
        .get(i)?
        .as_ref()
}

/// Characters [`clean`](super::text::clean) drops or turns into spaces whatever the fonts.
fn ignorable(c: char) -> bool {
    c.is_control()
        || c.is_whitespace()
        || matches!(
            c,
            '\u{AD}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{0300}'..='\u{036F}'
        )
}

/// Whether both embedded faces can draw `c` (outside WinAnsi, it is kept as it is).
pub(super) fn embeddable(c: char) -> bool {
    !ignorable(c) && (0..2).all(|i| embedded(i).is_some_and(|f| f.lookup(c).is_some()))
}

/// Whether some text of `data` needs the embedded faces: a character outside WinAnsi they
/// can draw.
pub(super) fn needs_unicode(data: &ReportData) -> bool {
    let Ok(json) = serde_json::to_string(data) else {
        return false;
    };
    !json.is_ascii() && json.chars().any(|c| win_ansi_byte(c).is_none() && embeddable(c))
}

/// Adds the embedded faces that drew glyphs to the document's font dictionary (shared by every
/// page; `first_page` leads to it): subset TrueType programs as Identity-H Type0 fonts, with
/// widths and a ToUnicode CMap so text extraction gives the characters back.
pub(super) fn embed_fonts(
    lo: &mut lopdf::Document,
    first_page: Option<lopdf::ObjectId>,
    glyphs: &[BTreeMap<u16, char>; 2],
) -> Result<()> {
    use lopdf::Object::{Array, Dictionary, Integer, Name, Reference};
    if glyphs.iter().all(BTreeMap::is_empty) {
        return Ok(());
    }
    let missing = || Error::Invalid("could not build the PDF: no page to hold the fonts".into());
    let page = first_page.ok_or_else(missing)?;
    let resources = lo
        .get_dictionary(page)
        .and_then(|d| d.get(b"Resources"))
        .and_then(lopdf::Object::as_reference)
        .map_err(lopdf_error)?;
    let fonts = lo
        .get_dictionary(resources)
        .and_then(|d| d.get(b"Font"))
        .and_then(lopdf::Object::as_reference)
        .map_err(lopdf_error)?;
    for (i, used) in glyphs.iter().enumerate() {
        if used.is_empty() {
            continue;
        }
        let face = embedded(i).ok_or_else(|| Error::Invalid("could not read the embedded font".into()))?;
        let gids: BTreeSet<u16> = used.keys().copied().collect();
        let (program, name) = match subset_ttf(face.bytes, &gids) {
            Some(program) => {
                // The subset tag: six capitals from the glyphs kept.
                let mut hasher = Sha256::new();
                for g in &gids {
                    hasher.update(g.to_be_bytes());
                }
                let tag: String = hasher.finalize()[..6]
                    .iter()
                    .map(|b| char::from(b'A' + b % 26))
                    .collect();
                (program, format!("{tag}+{}", face.name))
            }
            None => (face.bytes.to_vec(), face.name.to_string()),
        };
        let mut widths = Vec::new();
        let mut run: Option<(u16, u16, Vec<lopdf::Object>)> = None;
        for &g in &gids {
            let w = Integer(i64::from(face.glyph_width(g)));
            match &mut run {
                Some((_, last, ws)) if g == last.wrapping_add(1) => {
                    *last = g;
                    ws.push(w);
                }
                _ => {
                    if let Some((first, _, ws)) = run.take() {
                        widths.extend([Integer(i64::from(first)), Array(ws)]);
                    }
                    run = Some((g, g, vec![w]));
                }
            }
        }
        if let Some((first, _, ws)) = run {
            widths.extend([Integer(i64::from(first)), Array(ws)]);
        }
        let cmap = printpdf::ToUnicodeCMap {
            mappings: used.iter().map(|(&g, &c)| (u32::from(g), vec![u32::from(c)])).collect(),
        };
        let to_unicode = lo.add_object(lopdf::Stream::new(
            lopdf::Dictionary::new(),
            cmap.to_cmap_string(&EMBEDDED_NAMES[i][1..]).into_bytes(),
        ));
        let mut file_dict = lopdf::Dictionary::new();
        file_dict.set("Length1", Integer(i64::try_from(program.len()).unwrap_or(i64::MAX)));
        let file = lo.add_object(lopdf::Stream::new(file_dict, program));
        let m = &face.parsed.pdf_font_metrics;
        let upm = f32::from(face.parsed.units_per_em);
        let scale = |v: i16| (f32::from(v) * 1000.0 / upm).round() as i64;
        let ascent = scale(face.parsed.font_metrics.ascent);
        let stem_v = if m.us_weight_class == 0 {
            80
        } else {
            50 + (f32::from(m.us_weight_class) / 65.0).powi(2).round() as i64
        };
        let descriptor = lo.add_object(lopdf::Dictionary::from_iter(vec![
            ("Type", Name(b"FontDescriptor".to_vec())),
            ("FontName", Name(name.clone().into_bytes())),
            ("Flags", Integer(32)),
            (
                "FontBBox",
                Array(vec![
                    Integer(scale(m.x_min)),
                    Integer(scale(m.y_min)),
                    Integer(scale(m.x_max)),
                    Integer(scale(m.y_max)),
                ]),
            ),
            ("ItalicAngle", Integer(0)),
            ("Ascent", Integer(ascent)),
            ("Descent", Integer(scale(face.parsed.font_metrics.descent))),
            ("CapHeight", Integer(ascent)),
            ("StemV", Integer(stem_v)),
            ("FontFile2", Reference(file)),
        ]));
        let descendant = lopdf::Dictionary::from_iter(vec![
            ("Type", Name(b"Font".to_vec())),
            ("Subtype", Name(b"CIDFontType2".to_vec())),
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
            ("W", Array(widths)),
            ("CIDToGIDMap", Name(b"Identity".to_vec())),
        ]);
        let font = lo.add_object(lopdf::Dictionary::from_iter(vec![
            ("Type", Name(b"Font".to_vec())),
            ("Subtype", Name(b"Type0".to_vec())),
            ("BaseFont", Name(name.into_bytes())),
            ("Encoding", Name(b"Identity-H".to_vec())),
            ("DescendantFonts", Array(vec![Dictionary(descendant)])),
            ("ToUnicode", Reference(to_unicode)),
        ]));
        lo.get_dictionary_mut(fonts)
            .map_err(lopdf_error)?
            .set(&EMBEDDED_NAMES[i][1..], Reference(font));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::data::Paper;
    use crate::report::pdf::document::find;
    use crate::report::pdf::fixtures::{assert_footers, hash, page_texts, sample, unicode_sample};
    use crate::report::pdf::render;

    #[test]
    fn text_outside_win_ansi_embeds_dejavu_sans() {
        let data = unicode_sample();
        let a = render(&data, Paper::A4).expect("render");
        let b = render(&data, Paper::A4).expect("render");
        assert!(a == b, "two renders differ");
        assert!(find(&a, b"/FontFile2").is_some(), "a font is embedded");
        let pages = page_texts(&a);
        let all = pages.join("\n");
        assert!(
            all.contains("d\u{f6}nerdb-\u{3a9}-\u{2713}"),
            "the service name comes back: {all}"
        );
        assert!(
            all.contains("\u{2192} \u{141}\u{f3}d\u{17a}"),
            "the control title comes back"
        );
        // Courier hashes and builtin-independent text still read back.
        assert!(all.contains(&hash(1)));
        assert!(all.contains("Control evaluation report"));
        assert_footers(&pages);
        // The embedded programs are subsets: far smaller than the two faces.
        let full: usize = EMBEDDED_FONTS.iter().map(|(f, _)| f.len()).sum();
        assert!(a.len() < full / 4, "{} bytes", a.len());
    }

    #[test]
    fn win_ansi_text_embeds_no_font() {
        let bytes = render(&sample(), Paper::A4).expect("render");
        assert!(find(&bytes, b"/FontFile2").is_none());
        assert!(find(&bytes, b"DejaVu").is_none());
        // Characters neither encoding nor font can show do not embed it either.
        let mut data = sample();
        data.organisation = "Caf\u{e9} \u{6f22}\u{5b57}".into();
        let bytes = render(&data, Paper::A4).expect("render");
        assert!(find(&bytes, b"/FontFile2").is_none());
        assert!(page_texts(&bytes).join("\n").contains("Caf\u{e9} ??"));
    }
}
