//! The PDF renderer: draws a [`ReportData`] on A4 or US Letter for auditors.
//!
//! Layout: a cover (title band, intro, report details, scope), then one section per entry of
//! `data.sections`, each starting on a new page with an outline entry: summary (key figures, bar
//! charts by responsibility and result, evidence coverage, per-team table), the matrix by service
//! category (columns that flow across pages), the control table, findings, the evidence index and
//! the sign-off block. Every page but the cover's first carries a running header and a footer
//! ("page N of M", the footer text and the generation date); footers are added once every page
//! is drawn, when the total is known.
//!
//! Text uses the builtin Helvetica and Courier faces, which only encode WinAnsi: [`clean`] maps
//! everything else to an equivalent or to `?`. Widths come from printpdf's copies of the faces,
//! and every table cell is wrapped with them ([`wrap`]), so no text leaves its cell. When the
//! data holds text WinAnsi cannot encode, DejaVu Sans (regular and bold, subset to the glyphs
//! drawn, with a ToUnicode map) replaces Helvetica for the whole report; Courier stays.
//!
//! Page contents are written straight into compact content streams (a few bytes per operator)
//! instead of printpdf `Op` values (128 bytes each, several per piece of text), so a report with
//! 50,000 evidence lines stays in tens of megabytes. printpdf builds the document around them:
//! pages, builtin fonts, outline and metadata; lopdf then writes it. Nothing depends on the clock
//! or on randomness: dates come from `generated_on`, outline entries have fixed ids, and the
//! trailer `/ID` (random in printpdf) is replaced by a hash of the bytes, so the same data always
//! gives the same file.

use std::cell::Cell as StdCell;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::sync::OnceLock;

use printpdf::{
    BuiltinFont, Mm, Op, PageAnnotId, PageAnnotation, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Pt,
};
use sha2::{Digest, Sha256};

use super::data::{
    CategoryColumn, ControlColumn, ControlLine, EvidenceLine, Finding, Paper, ReportData, Section, ServiceLine,
};
use crate::error::{Error, Result};

/// Renders `data` as a PDF on `paper`; the same data gives the same bytes.
pub fn render(data: &ReportData, paper: Paper) -> Result<Vec<u8>> {
    if data.sections.is_empty() {
        return Err(Error::Invalid("the report has no sections to draw".into()));
    }
    let date = parse_date(&data.generated_on)?;
    // Text WinAnsi cannot encode switches every face but Courier to embedded DejaVu Sans.
    let _mode = UnicodeMode::set(needs_unicode(data));
    let mut r = Renderer::new(data, paper);
    for section in &data.sections {
        match section {
            Section::Cover => r.cover(),
            Section::Summary => r.summary(),
            Section::Matrix => r.matrix(),
            Section::Controls => r.controls(),
            Section::Findings => r.findings(),
            Section::Evidence => r.evidence(),
            Section::Signoff => r.signoff(),
        }
    }
    let outline = std::mem::take(&mut r.outline);
    let fonts_used = r.c.fonts_used;
    let pages = r.c.finish(&footer_text(data), &data.generated_on);
    let glyphs = std::mem::take(&mut r.c.glyphs);
    assemble(data, paper, date, pages, &outline, fonts_used, &glyphs)
}

// ---------------------------------------------------------------------------------------------
// Dates, paper, document assembly
// ---------------------------------------------------------------------------------------------

/// Page size in millimetres.
fn paper_mm(paper: Paper) -> (f32, f32) {
    match paper {
        Paper::A4 => (210.0, 297.0),
        Paper::Letter => (215.9, 279.4),
    }
}

/// `generated_on` (YYYY-MM-DD) as midnight UTC.
fn parse_date(s: &str) -> Result<printpdf::DateTime> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let day = time::Date::parse(s, &format)
        .map_err(|_| Error::Invalid(format!("report date \"{s}\" is not a valid YYYY-MM-DD date")))?;
    let ts = day.midnight().assume_utc().unix_timestamp();
    printpdf::DateTime::from_unix_timestamp(ts)
        .map_err(|e| Error::Invalid(format!("report date \"{s}\" cannot be used: {e}")))
}

fn footer_text(data: &ReportData) -> String {
    if data.texts.footer.trim().is_empty() {
        data.title.clone()
    } else {
        data.texts.footer.clone()
    }
}

/// The trailer `/ID` written first and replaced by a hash of the file; its hex form is digits
/// only, so it is found whatever case lopdf writes hex in.
const ID_PLACEHOLDER: [u8; 16] = [
    0x19, 0x70, 0x01, 0x01, 0x20, 0x26, 0x12, 0x01, 0x42, 0x42, 0x17, 0x71, 0x03, 0x14, 0x15, 0x92,
];

fn lopdf_error(e: lopdf::Error) -> Error {
    Error::Invalid(format!("could not build the PDF: {e}"))
}

/// Builds the document around the drawn page contents and writes it.
fn assemble(
    data: &ReportData,
    paper: Paper,
    date: printpdf::DateTime,
    pages: Vec<Vec<u8>>,
    outline: &[(String, usize)],
    fonts_used: [bool; 4],
    glyphs: &[BTreeMap<u16, char>; 2],
) -> Result<Vec<u8>> {
    let (w_mm, h_mm) = paper_mm(paper);
    let mut doc = PdfDocument::new(&data.title);
    {
        let info = &mut doc.metadata.info;
        info.creation_date = date;
        info.modification_date = date;
        info.metadata_date = date;
        info.author = data.organisation.clone();
        info.subject = format!("{} ({})", data.catalog_title, data.catalog_key);
        info.creator = "ctrlmap".into();
        info.producer = "ctrlmap".into();
    }
    // printpdf declares the builtin fonts the pages' ops use; page 1 names every font the drawn
    // contents use (its ops are replaced by those contents below).
    let font_ops: Vec<Op> = Font::ALL
        .iter()
        .filter(|f| fonts_used[f.index()])
        .map(|f| Op::SetFont {
            font: PdfFontHandle::Builtin(f.builtin()),
            size: Pt(10.0),
        })
        .collect();
    let n = pages.len();
    doc.pages = (0..n)
        .map(|i| PdfPage::new(Mm(w_mm), Mm(h_mm), if i == 0 { font_ops.clone() } else { Vec::new() }))
        .collect();
    for (i, (name, page)) in outline.iter().enumerate() {
        doc.bookmarks.map.insert(
            PageAnnotId(format!("section-{i:04}")),
            PageAnnotation {
                name: name.clone(),
                page: page + 1,
            },
        );
    }
    let opts = PdfSaveOptions {
        optimize: true,
        subset_fonts: false,
        secure: true,
        image_optimization: None,
    };
    let mut warnings = Vec::new();
    let mut lo = doc.to_lopdf_document(&opts, &mut warnings);
    drop(doc);

    let page_ids: Vec<lopdf::ObjectId> = lo.get_pages().into_values().collect();
    if page_ids.len() != n {
        return Err(Error::Invalid(format!(
            "could not build the PDF: {} pages drawn but {} in the document",
            n,
            page_ids.len()
        )));
    }
    for (id, content) in page_ids.iter().zip(pages) {
        let contents = lo
            .get_dictionary(*id)
            .and_then(|d| d.get(b"Contents"))
            .and_then(lopdf::Object::as_reference)
            .map_err(lopdf_error)?;
        lo.objects.insert(
            contents,
            lopdf::Object::Stream(lopdf::Stream::new(lopdf::Dictionary::new(), content)),
        );
    }
    embed_fonts(&mut lo, page_ids.first().copied(), glyphs)?;
    // printpdf writes /PageMode as a string; viewers want a name.
    if !outline.is_empty() {
        let root = lo
            .trailer
            .get(b"Root")
            .and_then(lopdf::Object::as_reference)
            .map_err(lopdf_error)?;
        lo.get_dictionary_mut(root)
            .map_err(lopdf_error)?
            .set("PageMode", lopdf::Object::Name(b"UseOutlines".to_vec()));
    }
    lo.compress();
    let placeholder = lopdf::Object::String(ID_PLACEHOLDER.to_vec(), lopdf::StringFormat::Hexadecimal);
    lo.trailer
        .set("ID", lopdf::Object::Array(vec![placeholder.clone(), placeholder]));
    let mut out = Vec::new();
    lo.save_to(&mut out)
        .map_err(|e| Error::Invalid(format!("could not write the PDF: {e}")))?;
    set_document_id(&mut out)?;
    Ok(out)
}

/// Replaces the placeholder `/ID` in the trailer by the first 16 bytes of the file's SHA-256.
fn set_document_id(out: &mut [u8]) -> Result<()> {
    let hash = Sha256::digest(&*out);
    let id = crate::hex::encode(&hash[..16]);
    let needle = crate::hex::encode(&ID_PLACEHOLDER);
    let start = rfind(out, b"trailer").unwrap_or(0);
    let mut replaced = 0;
    let mut from = start;
    while let Some(at) = find(&out[from..], needle.as_bytes()) {
        let at = from + at;
        out[at..at + needle.len()].copy_from_slice(id.as_bytes());
        from = at + needle.len();
        replaced += 1;
    }
    if replaced == 0 {
        return Err(Error::Invalid("could not set the PDF document id".into()));
    }
    Ok(())
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

// ---------------------------------------------------------------------------------------------
// Fonts, WinAnsi, measuring and wrapping
// ---------------------------------------------------------------------------------------------

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
    const ALL: [Font; 4] = [Font::Regular, Font::Bold, Font::Italic, Font::Mono];

    fn index(self) -> usize {
        match self {
            Font::Regular => 0,
            Font::Bold => 1,
            Font::Italic => 2,
            Font::Mono => 3,
        }
    }

    fn builtin(self) -> BuiltinFont {
        match self {
            Font::Regular => BuiltinFont::Helvetica,
            Font::Bold => BuiltinFont::HelveticaBold,
            Font::Italic => BuiltinFont::HelveticaOblique,
            Font::Mono => BuiltinFont::Courier,
        }
    }
}

/// WinAnsi bytes 0x80..=0x9F (the rest agrees with Latin-1); '\0' where undefined.
const WIN_ANSI_80: [char; 32] = [
    '\u{20AC}', '\0', '\u{201A}', '\u{0192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}', '\u{02C6}', '\u{2030}',
    '\u{0160}', '\u{2039}', '\u{0152}', '\0', '\u{017D}', '\0', '\0', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}',
    '\u{2022}', '\u{2013}', '\u{2014}', '\u{02DC}', '\u{2122}', '\u{0161}', '\u{203A}', '\u{0153}', '\0', '\u{017E}',
    '\u{0178}',
];

/// Base letters for U+0100..=U+017F (Latin Extended-A), for the letters WinAnsi lacks.
const LATIN_EXT_A: &[u8] = concat!(
    "AaAaAaCcCcCcCcDd",
    "DdEeEeEeEeEeGgGg",
    "GgGgHhHhIiIiIiIi",
    "IiIiJjKkkLlLlLlL",
    "lLlNnNnNnnNnOoOo",
    "OoOoRrRrRrSsSsSs",
    "SsTtTtTtUuUuUuUu",
    "UuUuWwYyYZzZzZzs"
)
.as_bytes();

/// The WinAnsi byte for `c`, if the encoding has it.
fn win_ansi_byte(c: char) -> Option<u8> {
    let cp = u32::from(c);
    if (0x20..=0x7E).contains(&cp) || (0xA0..=0xFF).contains(&cp) {
        return u8::try_from(cp).ok();
    }
    if c == '\0' {
        return None;
    }
    WIN_ANSI_80
        .iter()
        .position(|&k| k == c)
        .and_then(|i| u8::try_from(0x80 + i).ok())
}

/// The character WinAnsi byte `b` stands for.
fn win_ansi_char(b: u8) -> Option<char> {
    match b {
        0x20..=0x7E | 0xA0..=0xFF => Some(char::from(b)),
        0x80..=0x9F => Some(WIN_ANSI_80[usize::from(b - 0x80)]).filter(|&c| c != '\0'),
        _ => None,
    }
}

/// `s` with every character the builtin fonts can show: WinAnsi characters as they are, common
/// others mapped to an equivalent (dashes, quotes, spaces, arrows, accented Latin letters),
/// anything else as `?`. Line breaks become spaces.
pub(crate) fn clean(s: &str) -> String {
    clean_text(s, false)
}

/// Like [`clean`] but keeps line breaks (`\n`), for paragraphs.
fn clean_paragraph(s: &str) -> String {
    clean_text(s, true)
}

fn clean_text(s: &str, keep_newlines: bool) -> String {
    if s.bytes().all(|b| (0x20..=0x7E).contains(&b)) {
        return s.to_string();
    }
    let unicode = unicode_mode();
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c != '\u{AD}' && win_ansi_byte(c).is_some() {
            out.push(c);
            continue;
        }
        if unicode && embeddable(c) {
            out.push(c);
            continue;
        }
        match c {
            '\n' => out.push(if keep_newlines { '\n' } else { ' ' }),
            '\r' => {}
            '\t' | '\u{0B}' | '\u{0C}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' => {
                out.push(' ')
            }
            // Soft hyphen, zero-width characters and combining accents (their base letter stays).
            '\u{AD}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{0300}'..='\u{036F}' => {}
            '\u{2010}'..='\u{2012}' | '\u{2043}' | '\u{2212}' => out.push('-'),
            '\u{2015}' => out.push('\u{2014}'),
            '\u{201B}' | '\u{2032}' | '\u{02B9}' | '\u{02BC}' => out.push('\''),
            '\u{201F}' | '\u{2033}' => out.push('"'),
            '\u{2024}' => out.push('.'),
            '\u{2190}' => out.push_str("<-"),
            '\u{2192}' => out.push_str("->"),
            '\u{2194}' => out.push_str("<->"),
            '\u{21D2}' => out.push_str("=>"),
            '\u{2264}' => out.push_str("<="),
            '\u{2265}' => out.push_str(">="),
            '\u{2260}' => out.push_str("!="),
            '\u{2248}' => out.push('~'),
            '\u{2116}' => out.push_str("No."),
            '\u{0100}'..='\u{017F}' => {
                let i = usize::try_from(u32::from(c) - 0x100).unwrap_or(0);
                out.push(LATIN_EXT_A.get(i).map_or('?', |&b| char::from(b)));
            }
            '\u{0218}' => out.push('S'),
            '\u{0219}' => out.push('s'),
            '\u{021A}' => out.push('T'),
            '\u{021B}' => out.push('t'),
            _ => out.push('?'),
        }
    }
    out
}

/// Glyph advances (thousandths of an em) per WinAnsi byte, per font.
struct Metrics {
    widths: [[u16; 256]; 4],
}

fn metrics() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::load)
}

impl Metrics {
    fn load() -> Metrics {
        let mut widths = [[0u16; 256]; 4];
        for font in Font::ALL {
            let mono = font == Font::Mono;
            let fallback = if mono { 600 } else { 556 };
            let parsed = font.builtin().get_parsed_font();
            let table = &mut widths[font.index()];
            for b in 0..=255u8 {
                table[usize::from(b)] = match win_ansi_char(b) {
                    // printpdf's faces do not map the space: the standard width.
                    Some(' ' | '\u{A0}') => {
                        if mono {
                            600
                        } else {
                            278
                        }
                    }
                    Some(c) => parsed
                        .as_ref()
                        .and_then(|p| {
                            let upm = u32::from(p.units_per_em.max(1));
                            let w = p.get_glyph_width(p.lookup_glyph_index(u32::from(c))?)?;
                            u16::try_from((u32::from(w) * 1000 + upm / 2) / upm).ok()
                        })
                        .filter(|&w| w > 0)
                        .unwrap_or(fallback),
                    None => fallback,
                };
            }
        }
        Metrics { widths }
    }

    fn char_width(&self, font: Font, c: char) -> u32 {
        if let Some(f) = unicode_face(font).and_then(embedded) {
            return f.width(c);
        }
        let b = win_ansi_byte(c).unwrap_or(b'?');
        u32::from(self.widths[font.index()][usize::from(b)])
    }

    fn width(&self, text: &str, font: Font, size: f32) -> f32 {
        let units: u32 = text.chars().map(|c| self.char_width(font, c)).sum();
        units as f32 * size / 1000.0
    }
}

/// The width of `text` (already [`clean`]) in points.
pub(crate) fn text_width(text: &str, font: Font, size: f32) -> f32 {
    metrics().width(text, font, size)
}

/// `text` (already [`clean`]) broken into lines no wider than `width` points: at spaces, and
/// inside words too long for a line (after a `-`, `/`, `_`, `.`, `,` or `:` where one is near).
/// `\n` starts a new line. Only a line of a single character can be wider than `width`.
pub(crate) fn wrap(text: &str, font: Font, size: f32, width: f32) -> Vec<String> {
    let m = metrics();
    let scale = size / 1000.0;
    let space = m.char_width(font, ' ') as f32 * scale;
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut line_w = 0.0f32;
        for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
            let word_w = m.width(word, font, size);
            if !line.is_empty() && line_w + space + word_w <= width {
                line.push(' ');
                line.push_str(word);
                line_w += space + word_w;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            if word_w <= width {
                line.push_str(word);
                line_w = word_w;
            } else {
                // Break the word; the last piece starts the next line.
                let mut pieces = break_word(word, font, size, width);
                let last = pieces.pop().unwrap_or_default();
                lines.extend(pieces);
                line_w = m.width(&last, font, size);
                line = last;
            }
        }
        lines.push(line);
    }
    lines
}

/// Splits a word wider than `width` into pieces that fit.
fn break_word(word: &str, font: Font, size: f32, width: f32) -> Vec<String> {
    let m = metrics();
    let scale = size / 1000.0;
    let mut pieces = Vec::new();
    let mut piece = String::new();
    let mut piece_w = 0.0f32;
    // Byte offset just after the last good break character in `piece`, with its width so far.
    let mut soft: Option<(usize, f32)> = None;
    for c in word.chars() {
        let cw = m.char_width(font, c) as f32 * scale;
        if !piece.is_empty() && piece_w + cw > width {
            match soft {
                Some((at, w)) if w >= width * 0.4 && at < piece.len() => {
                    let rest = piece.split_off(at);
                    pieces.push(std::mem::replace(&mut piece, rest));
                    piece_w -= w;
                }
                _ => {
                    pieces.push(std::mem::take(&mut piece));
                    piece_w = 0.0;
                }
            }
            soft = None;
        }
        piece.push(c);
        piece_w += cw;
        if matches!(c, '-' | '/' | '_' | '.' | ',' | ':') {
            soft = Some((piece.len(), piece_w));
        }
    }
    pieces.push(piece);
    pieces
}

/// `text` cut to fit `width`, ending in an ellipsis when cut.
fn fit(text: &str, font: Font, size: f32, width: f32) -> String {
    let m = metrics();
    if m.width(text, font, size) <= width {
        return text.to_string();
    }
    let budget = width - m.width("\u{2026}", font, size);
    let mut out = String::new();
    let mut w = 0.0;
    for c in text.chars() {
        let cw = m.char_width(font, c) as f32 * size / 1000.0;
        if w + cw > budget {
            break;
        }
        out.push(c);
        w += cw;
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out.push('\u{2026}');
    out
}

// ---------------------------------------------------------------------------------------------
// Embedded Unicode font (DejaVu Sans), for text WinAnsi cannot encode
// ---------------------------------------------------------------------------------------------

/// DejaVu Sans and DejaVu Sans Bold (licence: `assets/fonts/LICENSE-DejaVu.txt`).
const EMBEDDED_FONTS: [(&[u8], &str); 2] = [
    (include_bytes!("../../assets/fonts/DejaVuSans.ttf"), "DejaVuSans"),
    (
        include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf"),
        "DejaVuSans-Bold",
    ),
];

/// Resource names of the embedded faces, as written in content streams.
const EMBEDDED_NAMES: [&str; 2] = ["/DJR", "/DJB"];

thread_local! {
    /// Whether the report being drawn on this thread uses the embedded faces.
    static UNICODE: StdCell<bool> = const { StdCell::new(false) };
}

/// Sets the font mode for the report drawn on this thread; the previous mode comes back
/// when dropped.
struct UnicodeMode(bool);

impl UnicodeMode {
    fn set(on: bool) -> UnicodeMode {
        UnicodeMode(UNICODE.with(|u| u.replace(on)))
    }
}

impl Drop for UnicodeMode {
    fn drop(&mut self) {
        UNICODE.with(|u| u.set(self.0));
    }
}

fn unicode_mode() -> bool {
    UNICODE.with(StdCell::get)
}

/// The embedded face (0 regular, 1 bold) `font` is drawn with, when the embedded faces are in
/// use; Courier stays builtin (hashes are ASCII). Italic is the regular face, slanted.
fn unicode_face(font: Font) -> Option<usize> {
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
struct Face {
    bytes: &'static [u8],
    name: &'static str,
    parsed: printpdf::ParsedFont,
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
    fn glyph(&self, c: char) -> u16 {
        self.lookup(c).or_else(|| self.lookup('?')).unwrap_or(0)
    }

    /// Advance of glyph `gid` in thousandths of an em.
    fn glyph_width(&self, gid: u16) -> u16 {
        let upm = u32::from(self.parsed.units_per_em);
        let w = u32::from(self.parsed.get_glyph_width(gid).unwrap_or(0));
        u16::try_from((w * 1000 + upm / 2) / upm).unwrap_or(u16::MAX)
    }

    fn width(&self, c: char) -> u32 {
        match u8::try_from(u32::from(c)) {
            Ok(b) => u32::from(self.latin[usize::from(b)]),
            Err(_) => u32::from(self.glyph_width(self.glyph(c))),
        }
    }
}

/// The embedded face `i` (0 regular, 1 bold), parsed once; `None` if it cannot be read.
fn embedded(i: usize) -> Option<&'static Face> {
    static FACES: OnceLock<[Option<Face>; 2]> = OnceLock::new();
    FACES
        .get_or_init(|| EMBEDDED_FONTS.map(|(bytes, name)| Face::load(bytes, name)))
        .get(i)?
        .as_ref()
}

/// Characters [`clean`] drops or turns into spaces whatever the fonts.
fn ignorable(c: char) -> bool {
    c.is_control()
        || c.is_whitespace()
        || matches!(
            c,
            '\u{AD}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{0300}'..='\u{036F}'
        )
}

/// Whether both embedded faces can draw `c` (outside WinAnsi, it is kept as it is).
fn embeddable(c: char) -> bool {
    !ignorable(c) && (0..2).all(|i| embedded(i).is_some_and(|f| f.lookup(c).is_some()))
}

/// Whether some text of `data` needs the embedded faces: a character outside WinAnsi they
/// can draw.
fn needs_unicode(data: &ReportData) -> bool {
    let Ok(json) = serde_json::to_string(data) else {
        return false;
    };
    !json.is_ascii() && json.chars().any(|c| win_ansi_byte(c).is_none() && embeddable(c))
}

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
fn subset_ttf(font: &[u8], used: &BTreeSet<u16>) -> Option<Vec<u8>> {
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

/// Adds the embedded faces that drew glyphs to the document's font dictionary (shared by every
/// page; `first_page` leads to it): subset TrueType programs as Identity-H Type0 fonts, with
/// widths and a ToUnicode CMap so text extraction gives the characters back.
fn embed_fonts(
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

// ---------------------------------------------------------------------------------------------
// Colours and styles
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq)]
struct Rgb(f32, f32, f32);

const NAVY: Rgb = Rgb(0.067, 0.176, 0.306);
const INK: Rgb = Rgb(0.122, 0.161, 0.216);
const MUTED: Rgb = Rgb(0.392, 0.427, 0.482);
const RULE: Rgb = Rgb(0.796, 0.835, 0.882);
const ZEBRA: Rgb = Rgb(0.957, 0.965, 0.976);
const TILE: Rgb = Rgb(0.933, 0.949, 0.969);
const TRACK: Rgb = Rgb(0.902, 0.918, 0.937);
const WHITE: Rgb = Rgb(1.0, 1.0, 1.0);
const BAND_TEXT: Rgb = Rgb(0.78, 0.84, 0.92);
const GOOD: Rgb = Rgb(0.086, 0.639, 0.290);
const GOOD_INK: Rgb = Rgb(0.082, 0.502, 0.239);
const WARN: Rgb = Rgb(0.851, 0.467, 0.024);
const WARN_INK: Rgb = Rgb(0.706, 0.325, 0.035);
const BAD: Rgb = Rgb(0.863, 0.149, 0.149);
const BAD_INK: Rgb = Rgb(0.725, 0.110, 0.110);
const GREY: Rgb = Rgb(0.580, 0.639, 0.722);
const GREY_INK: Rgb = Rgb(0.278, 0.333, 0.412);
const PALE: Rgb = Rgb(0.796, 0.835, 0.882);
const PALE_INK: Rgb = Rgb(0.392, 0.455, 0.545);

/// The colours of one responsibility: bars and stripes, cell fill, text on the fill.
#[derive(Debug, Clone, Copy)]
struct Palette {
    strong: Rgb,
    tint: Rgb,
    ink: Rgb,
}

const INHERITED: Palette = Palette {
    strong: Rgb(0.145, 0.388, 0.922),
    tint: Rgb(0.859, 0.918, 0.996),
    ink: Rgb(0.118, 0.251, 0.686),
};
const SHARED: Palette = Palette {
    strong: Rgb(0.486, 0.227, 0.929),
    tint: Rgb(0.929, 0.914, 0.996),
    ink: Rgb(0.357, 0.129, 0.714),
};
const CUSTOMER: Palette = Palette {
    strong: Rgb(0.918, 0.345, 0.047),
    tint: Rgb(1.0, 0.929, 0.835),
    ink: Rgb(0.604, 0.204, 0.071),
};
const UNDETERMINED: Palette = Palette {
    strong: GREY,
    tint: Rgb(0.898, 0.906, 0.922),
    ink: GREY_INK,
};
const NEUTRAL: Palette = Palette {
    strong: GREY,
    tint: Rgb(0.902, 0.918, 0.937),
    ink: NAVY,
};

fn responsibility_palette(value: &str) -> Palette {
    match value.trim().to_ascii_lowercase().as_str() {
        "inherited" => INHERITED,
        "shared" => SHARED,
        "customer" => CUSTOMER,
        _ => UNDETERMINED,
    }
}

/// Bar colour and text colour of a result.
fn result_colors(value: &str) -> (Rgb, Rgb) {
    match value.trim().to_ascii_lowercase().as_str() {
        "satisfied" => (GOOD, GOOD_INK),
        "partially-satisfied" => (WARN, WARN_INK),
        "not-satisfied" => (BAD, BAD_INK),
        "not-applicable" => (GREY, GREY_INK),
        _ => (PALE, PALE_INK),
    }
}

/// Text colour of a finding kind.
fn finding_color(kind: &str) -> Rgb {
    match kind.trim().to_ascii_lowercase().as_str() {
        "not-satisfied" => BAD_INK,
        "partially-satisfied" | "expired-evidence" | "no-evidence" => WARN_INK,
        _ => GREY_INK,
    }
}

/// Text colour of an evidence review status.
fn status_color(status: &str) -> Rgb {
    let s = status.to_ascii_lowercase();
    if s.contains("accept") {
        GOOD_INK
    } else if s.contains("reject") || s.contains("expired") {
        BAD_INK
    } else if s.contains("pending") || s.contains("submitted") || s.contains("review") {
        WARN_INK
    } else {
        INK
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Style {
    font: Font,
    size: f32,
    color: Rgb,
}

impl Style {
    const fn new(font: Font, size: f32, color: Rgb) -> Style {
        Style { font, size, color }
    }

    fn color(self, color: Rgb) -> Style {
        Style { color, ..self }
    }

    fn font(self, font: Font) -> Style {
        Style { font, ..self }
    }

    /// Line height.
    fn lead(self) -> f32 {
        self.size * 1.25
    }

    /// Baseline below the top of a line of height [`Style::lead`].
    fn ascent(self) -> f32 {
        self.size * 0.88
    }
}

const BODY: Style = Style::new(Font::Regular, 7.5, INK);
const BODY_BOLD: Style = Style::new(Font::Bold, 7.5, INK);
const HEAD: Style = Style::new(Font::Bold, 7.5, WHITE);
const SMALL_MUTED: Style = Style::new(Font::Regular, 7.0, MUTED);
const TEXT: Style = Style::new(Font::Regular, 9.5, INK);

// ---------------------------------------------------------------------------------------------
// Canvas: pages, content streams, cursor
// ---------------------------------------------------------------------------------------------

/// Writes `v` with at most `decimals` decimals (0..=3).
fn push_num(buf: &mut Vec<u8>, v: f32, decimals: u32) {
    let scale = 10i64.pow(decimals);
    let scaled = (f64::from(v) * scale as f64).round() as i64;
    if scaled < 0 {
        buf.push(b'-');
    }
    let a = scaled.unsigned_abs();
    let scale = scale.unsigned_abs();
    let _ = write!(buf, "{}", a / scale);
    let mut frac = a % scale;
    if frac != 0 {
        let mut digits = decimals as usize;
        while frac.is_multiple_of(10) {
            frac /= 10;
            digits -= 1;
        }
        let _ = write!(buf, ".{frac:0digits$}");
    }
}

/// The pages being drawn, with a cursor `y` measured down from the top of the page.
struct Canvas {
    page_w: f32,
    page_h: f32,
    left: f32,
    right: f32,
    top: f32,
    bottom: f32,
    y: f32,
    /// Finished pages: content and whether it gets a footer.
    pages: Vec<(Vec<u8>, bool)>,
    cur: Vec<u8>,
    cur_footer: bool,
    started: bool,
    fill: Option<Rgb>,
    font: Option<(Font, f32)>,
    fonts_used: [bool; 4],
    /// Glyphs drawn with each embedded face (regular, bold), with the character each shows.
    glyphs: [BTreeMap<u16, char>; 2],
    /// Running header (left, right) drawn on each new page, if any.
    running: Option<(String, String)>,
}

impl Canvas {
    fn new(paper: Paper) -> Canvas {
        let (w, h) = paper_mm(paper);
        let mm = |v: f32| Pt::from(Mm(v)).0;
        let page_w = mm(w);
        let page_h = mm(h);
        Canvas {
            page_w,
            page_h,
            left: mm(18.0),
            right: page_w - mm(18.0),
            top: mm(18.0),
            bottom: page_h - mm(20.0),
            y: mm(18.0),
            pages: Vec::new(),
            cur: Vec::new(),
            cur_footer: true,
            started: false,
            fill: None,
            font: None,
            fonts_used: [false; 4],
            glyphs: [BTreeMap::new(), BTreeMap::new()],
            running: None,
        }
    }

    fn width(&self) -> f32 {
        self.right - self.left
    }

    /// Index of the page being drawn.
    fn page_index(&self) -> usize {
        self.pages.len()
    }

    fn new_page(&mut self) {
        if self.started {
            let content = std::mem::take(&mut self.cur);
            self.pages.push((content, self.cur_footer));
        }
        self.started = true;
        self.cur = Vec::with_capacity(16 * 1024);
        self.cur_footer = true;
        self.fill = None;
        self.font = None;
        self.y = self.top;
        if let Some((left, right)) = self.running.clone() {
            let st = Style::new(Font::Regular, 7.0, MUTED);
            let base = Pt::from(Mm(11.0)).0;
            let half = self.width() / 2.0 - 8.0;
            let l = fit(&left, st.font, st.size, half);
            let r = fit(&right, st.font, st.size, half);
            self.text(self.left, base, st, &l);
            self.text_right(self.right, base, st, &r);
            self.rect(self.left, Pt::from(Mm(12.8)).0, self.width(), 0.4, RULE);
        }
    }

    /// Starts a new page unless `h` more points fit on this one; true when it did.
    fn ensure(&mut self, h: f32) -> bool {
        if !self.started || self.y + h > self.bottom {
            self.new_page();
            true
        } else {
            false
        }
    }

    fn set_fill(&mut self, c: Rgb) {
        if self.fill != Some(c) {
            push_num(&mut self.cur, c.0, 3);
            self.cur.push(b' ');
            push_num(&mut self.cur, c.1, 3);
            self.cur.push(b' ');
            push_num(&mut self.cur, c.2, 3);
            self.cur.extend_from_slice(b" rg\n");
            self.fill = Some(c);
        }
    }

    /// A filled rectangle; `y` is its top, down from the top of the page.
    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, c: Rgb) {
        if w <= 0.0 || h <= 0.0 {
            return;
        }
        self.set_fill(c);
        let bottom = self.page_h - y - h;
        push_num(&mut self.cur, x, 2);
        self.cur.push(b' ');
        push_num(&mut self.cur, bottom, 2);
        self.cur.push(b' ');
        push_num(&mut self.cur, w, 2);
        self.cur.push(b' ');
        push_num(&mut self.cur, h, 2);
        self.cur.extend_from_slice(b" re f\n");
    }

    /// Text (already [`clean`]) with its baseline at `baseline`, down from the top of the page.
    fn text(&mut self, x: f32, baseline: f32, st: Style, s: &str) {
        if s.is_empty() {
            return;
        }
        self.set_fill(st.color);
        if let Some(face) = unicode_face(st.font) {
            self.text_embedded(x, baseline, st, face, s);
            return;
        }
        self.fonts_used[st.font.index()] = true;
        self.cur.extend_from_slice(b"BT ");
        if self.font != Some((st.font, st.size)) {
            self.cur.push(b'/');
            self.cur.extend_from_slice(st.font.builtin().get_pdf_id().as_bytes());
            self.cur.push(b' ');
            push_num(&mut self.cur, st.size, 2);
            self.cur.extend_from_slice(b" Tf ");
            self.font = Some((st.font, st.size));
        }
        push_num(&mut self.cur, x, 2);
        self.cur.push(b' ');
        push_num(&mut self.cur, self.page_h - baseline, 2);
        self.cur.extend_from_slice(b" Td (");
        for c in s.chars() {
            let b = win_ansi_byte(c).unwrap_or(b'?');
            if matches!(b, b'(' | b')' | b'\\') {
                self.cur.push(b'\\');
            }
            self.cur.push(b);
        }
        self.cur.extend_from_slice(b") Tj ET\n");
    }

    /// [`Canvas::text`] with an embedded face: glyph ids in a hex string (Identity-H), the
    /// italic face slanted.
    fn text_embedded(&mut self, x: f32, baseline: f32, st: Style, face: usize, s: &str) {
        let Some(f) = embedded(face) else {
            return;
        };
        self.cur.extend_from_slice(b"BT ");
        if self.font != Some((st.font, st.size)) {
            self.cur.extend_from_slice(EMBEDDED_NAMES[face].as_bytes());
            self.cur.push(b' ');
            push_num(&mut self.cur, st.size, 2);
            self.cur.extend_from_slice(b" Tf ");
            self.font = Some((st.font, st.size));
        }
        let y = self.page_h - baseline;
        if st.font == Font::Italic {
            self.cur.extend_from_slice(b"1 0 0.2 1 ");
            push_num(&mut self.cur, x, 2);
            self.cur.push(b' ');
            push_num(&mut self.cur, y, 2);
            self.cur.extend_from_slice(b" Tm <");
        } else {
            push_num(&mut self.cur, x, 2);
            self.cur.push(b' ');
            push_num(&mut self.cur, y, 2);
            self.cur.extend_from_slice(b" Td <");
        }
        for c in s.chars() {
            let gid = f.glyph(c);
            self.glyphs[face].entry(gid).or_insert(c);
            let _ = write!(self.cur, "{gid:04X}");
        }
        self.cur.extend_from_slice(b"> Tj ET\n");
    }

    fn text_right(&mut self, right: f32, baseline: f32, st: Style, s: &str) {
        let w = text_width(s, st.font, st.size);
        self.text(right - w, baseline, st, s);
    }

    fn text_center(&mut self, center: f32, baseline: f32, st: Style, s: &str) {
        let w = text_width(s, st.font, st.size);
        self.text(center - w / 2.0, baseline, st, s);
    }

    /// Text aligned in a box of `width` starting at `x`.
    fn text_in(&mut self, x: f32, width: f32, align: Align, baseline: f32, st: Style, s: &str) {
        match align {
            Align::Left => self.text(x, baseline, st, s),
            Align::Right => self.text_right(x + width, baseline, st, s),
        }
    }

    /// Wrapped text over the content width (or `width` from `x`), flowing across pages.
    fn paragraph(&mut self, text: &str, st: Style, lead: f32, x: f32, width: f32) {
        let cleaned = clean_paragraph(text);
        for line in wrap(&cleaned, st.font, st.size, width) {
            self.ensure(lead);
            self.text(x, self.y + (lead - st.lead()) / 2.0 + st.ascent(), st, &line);
            self.y += lead;
        }
    }

    /// Finishes the last page, adds the footers and returns every page's content.
    fn finish(&mut self, footer: &str, date: &str) -> Vec<Vec<u8>> {
        if self.started {
            let content = std::mem::take(&mut self.cur);
            self.pages.push((content, self.cur_footer));
        }
        let total = self.pages.len();
        let footer = clean(footer);
        let generated = clean(&format!("Generated {date}"));
        let st = Style::new(Font::Regular, 7.0, MUTED);
        let rule_y = self.page_h - Pt::from(Mm(15.0)).0;
        let base = self.page_h - Pt::from(Mm(10.5)).0;
        let center = (self.left + self.right) / 2.0;
        let gen_w = text_width(&generated, st.font, st.size);
        let left_room = self.width() / 2.0 - gen_w / 2.0 - 10.0;
        let footer = fit(&footer, st.font, st.size, left_room);
        let pages = std::mem::take(&mut self.pages);
        let mut out = Vec::with_capacity(total);
        for (i, (content, with_footer)) in pages.into_iter().enumerate() {
            self.cur = content;
            self.fill = None;
            self.font = None;
            if with_footer {
                // Contents end in a known state: reset what the footer depends on.
                self.cur.extend_from_slice(b"\n");
                self.rect(self.left, rule_y, self.width(), 0.4, RULE);
                self.text(self.left, base, st, &footer);
                self.text_center(center, base, st, &generated);
                self.text_right(self.right, base, st, &format!("page {} of {total}", i + 1));
            }
            out.push(std::mem::take(&mut self.cur));
        }
        if out.is_empty() {
            out.push(Vec::new());
        }
        out
    }
}

// ---------------------------------------------------------------------------------------------
// Tables
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Align {
    Left,
    Right,
}

/// A column as asked for: a minimum width, a share of what is left, alignment.
struct ColSpec {
    title: String,
    min: f32,
    flex: f32,
    align: Align,
}

impl ColSpec {
    fn new(title: &str, min: f32, flex: f32, align: Align) -> ColSpec {
        ColSpec {
            title: title.to_string(),
            min,
            flex,
            align,
        }
    }
}

/// Column widths that add up to `total`: minimums, then the rest shared by flex.
fn fit_columns(specs: &[ColSpec], total: f32) -> Vec<f32> {
    let fixed: f32 = specs.iter().map(|s| s.min).sum();
    let flex: f32 = specs.iter().map(|s| s.flex).sum();
    if fixed >= total || flex <= 0.0 {
        let fixed = fixed.max(1.0);
        specs.iter().map(|s| s.min * total / fixed).collect()
    } else {
        specs.iter().map(|s| s.min + (total - fixed) * s.flex / flex).collect()
    }
}

/// One piece of a cell: its own text and style, stacked under the previous one.
struct Part {
    text: String,
    style: Style,
}

/// A table cell.
struct Cell {
    parts: Vec<Part>,
    fill: Option<Rgb>,
    bar: Option<Rgb>,
}

impl Cell {
    fn new(text: &str, style: Style) -> Cell {
        Cell {
            parts: vec![Part {
                text: clean(text),
                style,
            }],
            fill: None,
            bar: None,
        }
    }

    /// A cell that shows `placeholder` (muted) when `text` is empty.
    fn or(text: &str, style: Style, placeholder: &str) -> Cell {
        if text.trim().is_empty() {
            Cell::new(placeholder, style.color(MUTED))
        } else {
            Cell::new(text, style)
        }
    }

    fn then(mut self, text: &str, style: Style) -> Cell {
        self.parts.push(Part {
            text: clean(text),
            style,
        });
        self
    }

    fn palette(mut self, p: Palette) -> Cell {
        self.fill = Some(p.tint);
        self.bar = Some(p.strong);
        self
    }
}

struct Table {
    x: f32,
    widths: Vec<f32>,
    aligns: Vec<Align>,
    header: Vec<Vec<String>>,
    header_h: f32,
    pad_x: f32,
    pad_y: f32,
    rows: usize,
    header_page: Option<usize>,
}

impl Table {
    fn width(&self) -> f32 {
        self.widths.iter().sum()
    }
}

/// Wrapped lines of a cell: (text, style), and their height.
type CellLines = Vec<(String, Style)>;

fn cell_lines(cell: &Cell, inner: f32) -> CellLines {
    let mut out = Vec::new();
    for part in &cell.parts {
        for line in wrap(&part.text, part.style.font, part.style.size, inner) {
            out.push((line, part.style));
        }
    }
    out
}

fn lines_height(lines: &CellLines) -> f32 {
    lines.iter().map(|(_, st)| st.lead()).sum()
}

/// Keeps the lines of a cell that fit in `max_h`, marking a cut with an ellipsis.
fn cut_lines(lines: &mut CellLines, max_h: f32, inner: f32) {
    let mut h = 0.0;
    let mut keep = 0;
    for (_, st) in lines.iter() {
        if h + st.lead() > max_h {
            break;
        }
        h += st.lead();
        keep += 1;
    }
    if keep < lines.len() {
        lines.truncate(keep.max(1));
        if let Some((text, st)) = lines.last_mut() {
            let marked = format!("{text} \u{2026}");
            *text = fit(&marked, st.font, st.size, inner);
            if !text.ends_with('\u{2026}') {
                text.push('\u{2026}');
                *text = fit(text, st.font, st.size, inner);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The report
// ---------------------------------------------------------------------------------------------

/// A line of a matrix column.
struct FlowLine {
    text: String,
    style: Style,
    lead: f32,
    indent: f32,
    stripe: Option<Rgb>,
    band: Option<Rgb>,
    keep_with_next: bool,
}

struct Renderer<'a> {
    d: &'a ReportData,
    c: Canvas,
    outline: Vec<(String, usize)>,
}

fn heading_or<'t>(text: &'t str, default: &'t str) -> &'t str {
    if text.trim().is_empty() { default } else { text }
}

/// `n` as a share of `total`, in whole percent ("<1%" and ">99%" near the ends).
fn percent(n: u64, total: u64) -> String {
    if total == 0 {
        return "n/a".into();
    }
    let p = (n.saturating_mul(100) + total / 2) / total;
    if p == 0 && n > 0 {
        "<1%".into()
    } else if p == 100 && n < total {
        ">99%".into()
    } else {
        format!("{p}%")
    }
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(f) => f.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

impl<'a> Renderer<'a> {
    fn new(d: &'a ReportData, paper: Paper) -> Renderer<'a> {
        Renderer {
            d,
            c: Canvas::new(paper),
            outline: Vec::new(),
        }
    }

    fn running(&self, section: &str) -> Option<(String, String)> {
        Some((clean(&self.d.organisation), clean(section)))
    }

    /// Starts a section on a new page, with an outline entry and its heading.
    fn section(&mut self, heading: &str) {
        self.c.running = self.running(heading);
        self.c.new_page();
        self.outline.push((heading.to_string(), self.c.page_index()));
        self.h1(heading);
    }

    fn h1(&mut self, text: &str) {
        let st = Style::new(Font::Bold, 18.0, NAVY);
        for line in wrap(&clean(text), st.font, st.size, self.c.width()) {
            self.c.ensure(24.0);
            self.c.text(self.c.left, self.c.y + 17.0, st, &line);
            self.c.y += 23.0;
        }
        self.c.y += 3.0;
        let (x, y, w) = (self.c.left, self.c.y, self.c.width());
        self.c.rect(x, y, w, 0.6, RULE);
        self.c.rect(x, y - 0.9, 42.0, 2.4, NAVY);
        self.c.y += 14.0;
    }

    /// A subheading, kept with at least `keep` points of what follows.
    fn h2(&mut self, text: &str, keep: f32) {
        let st = Style::new(Font::Bold, 11.0, NAVY);
        if !self.c.ensure(26.0 + keep) {
            self.c.y += 8.0;
        }
        let line = fit(&clean(text), st.font, st.size, self.c.width());
        self.c.text(self.c.left, self.c.y + 11.0, st, &line);
        self.c.y += 19.0;
    }

    fn note(&mut self, text: &str) {
        let st = Style::new(Font::Italic, 9.0, MUTED);
        let (x, w) = (self.c.left, self.c.width());
        self.c.paragraph(text, st, 13.0, x, w);
        self.c.y += 4.0;
    }

    fn table(&self, specs: &[ColSpec]) -> Table {
        let widths = fit_columns(specs, self.c.width());
        let pad_x = 3.5;
        let pad_y = 2.6;
        let header: Vec<Vec<String>> = specs
            .iter()
            .zip(&widths)
            .map(|(s, w)| wrap(&clean(&s.title), HEAD.font, HEAD.size, w - 2.0 * pad_x))
            .collect();
        let lines = header.iter().map(Vec::len).max().unwrap_or(1).max(1);
        Table {
            x: self.c.left,
            aligns: specs.iter().map(|s| s.align).collect(),
            widths,
            header,
            header_h: lines as f32 * HEAD.lead() + 2.0 * (pad_y + 0.8),
            pad_x,
            pad_y,
            rows: 0,
            header_page: None,
        }
    }

    fn table_header(&mut self, t: &mut Table) {
        let top = self.c.y;
        self.c.rect(t.x, top, t.width(), t.header_h, NAVY);
        let mut x = t.x;
        for i in 0..t.widths.len() {
            let mut y = top + t.pad_y + 0.8;
            for line in &t.header[i] {
                self.c.text_in(
                    x + t.pad_x,
                    t.widths[i] - 2.0 * t.pad_x,
                    t.aligns[i],
                    y + HEAD.ascent(),
                    HEAD,
                    line,
                );
                y += HEAD.lead();
            }
            x += t.widths[i];
        }
        self.c.y += t.header_h;
        t.header_page = Some(self.c.page_index());
        t.rows = 0;
    }

    /// Closes the part of a table on this page with a rule.
    fn table_rule(&mut self, t: &Table) {
        let (x, y, w) = (t.x, self.c.y, t.width());
        self.c.rect(x, y, w, 0.6, RULE);
    }

    /// Draws a row: never split across pages, the header repeated on each page.
    fn table_row(&mut self, t: &mut Table, cells: &[Cell]) {
        let mut laid: Vec<CellLines> = cells
            .iter()
            .zip(&t.widths)
            .map(|(c, w)| cell_lines(c, w - 2.0 * t.pad_x))
            .collect();
        let mut h = laid.iter().map(lines_height).fold(0.0, f32::max) + 2.0 * t.pad_y;
        let max_h = self.c.bottom - self.c.top - t.header_h - 4.0;
        if h > max_h {
            for (lines, w) in laid.iter_mut().zip(&t.widths) {
                cut_lines(lines, max_h - 2.0 * t.pad_y, w - 2.0 * t.pad_x);
            }
            h = laid.iter().map(lines_height).fold(0.0, f32::max) + 2.0 * t.pad_y;
        }
        let on_this_page = t.header_page == Some(self.c.page_index()) && self.c.started;
        let needed = if on_this_page { h } else { h + t.header_h };
        if !self.c.started || self.c.y + needed > self.c.bottom {
            if on_this_page {
                self.table_rule(t);
            }
            self.c.new_page();
            self.table_header(t);
        } else if !on_this_page {
            self.table_header(t);
        }
        let top = self.c.y;
        if t.rows % 2 == 1 {
            self.c.rect(t.x, top, t.width(), h, ZEBRA);
        }
        let mut x = t.x;
        for (i, (lines, cell)) in laid.iter().zip(cells).enumerate() {
            let w = t.widths[i];
            if let Some(fill) = cell.fill {
                self.c.rect(x, top, w, h, fill);
            }
            if let Some(bar) = cell.bar {
                self.c.rect(x, top, 2.0, h, bar);
            }
            let mut y = top + t.pad_y;
            for (text, st) in lines {
                self.c
                    .text_in(x + t.pad_x, w - 2.0 * t.pad_x, t.aligns[i], y + st.ascent(), *st, text);
                y += st.lead();
            }
            x += w;
        }
        self.c.y += h;
        t.rows += 1;
    }

    fn table_end(&mut self, t: &Table) {
        if t.header_page.is_some() {
            self.table_rule(t);
        }
        self.c.y += 10.0;
    }

    /// A label and a wrapped value, as on the cover.
    fn field(&mut self, label: &str, value: &str, value_style: Style) {
        let label_w = 118.0;
        let lst = Style::new(Font::Bold, 8.5, MUTED);
        let value_w = self.c.width() - label_w;
        let lines = wrap(&clean(value), value_style.font, value_style.size, value_w);
        let lead = value_style.lead().max(lst.lead()) + 1.5;
        let h = lines.len().max(1) as f32 * lead + 5.0;
        self.c.ensure(h);
        let top = self.c.y + 2.0;
        self.c.text(
            self.c.left,
            top + lst.ascent(),
            lst,
            &fit(&clean(label), lst.font, lst.size, label_w - 8.0),
        );
        let mut y = top;
        for line in &lines {
            self.c
                .text(self.c.left + label_w, y + value_style.ascent(), value_style, line);
            y += lead;
        }
        self.c.y += h;
        let (x, w, yy) = (self.c.left, self.c.width(), self.c.y - 1.5);
        self.c.rect(x, yy, w, 0.3, TRACK);
    }

    /// Coloured swatches for the four responsibilities.
    fn legend(&mut self) {
        self.c.ensure(18.0);
        let st = Style::new(Font::Regular, 7.5, INK);
        let label = Style::new(Font::Bold, 7.5, MUTED);
        let mut x = self.c.left;
        let top = self.c.y;
        self.c.text(x, top + 8.0, label, "Responsibility:");
        x += text_width("Responsibility:", label.font, label.size) + 8.0;
        for (name, p) in [
            ("Inherited (provider)", INHERITED),
            ("Shared", SHARED),
            ("Customer", CUSTOMER),
            ("Undetermined", UNDETERMINED),
        ] {
            self.c.rect(x, top + 1.0, 14.0, 9.0, p.tint);
            self.c.rect(x, top + 1.0, 2.0, 9.0, p.strong);
            x += 18.0;
            self.c.text(x, top + 8.0, st, name);
            x += text_width(name, st.font, st.size) + 14.0;
        }
        self.c.y += 18.0;
    }

    /// Horizontal bars, each as a share of `total`, with counts and a total row.
    fn bar_chart(&mut self, rows: &[(String, u64, Rgb)], total: u64) {
        let row_h = 16.0;
        let label_w = 112.0;
        let value_w = 78.0;
        let track_w = self.c.width() - label_w - value_w - 10.0;
        self.c.ensure(row_h * (rows.len() + 1) as f32 + 4.0);
        let lst = Style::new(Font::Regular, 8.5, INK);
        let vst = Style::new(Font::Regular, 8.5, INK);
        for (label, count, color) in rows {
            let top = self.c.y;
            let x = self.c.left;
            self.c.text(
                x,
                top + 10.5,
                lst,
                &fit(&clean(label), lst.font, lst.size, label_w - 6.0),
            );
            self.c.rect(x + label_w, top + 3.0, track_w, 10.0, TRACK);
            if total > 0 && *count > 0 {
                let w = (track_w * (*count as f32 / total as f32)).clamp(1.5, track_w);
                self.c.rect(x + label_w, top + 3.0, w, 10.0, *color);
            }
            let value = format!("{count}  ({})", percent(*count, total));
            self.c.text(x + label_w + track_w + 10.0, top + 10.5, vst, &value);
            self.c.y += row_h;
        }
        let top = self.c.y;
        let x = self.c.left;
        self.c.rect(x, top + 1.0, self.c.width(), 0.4, RULE);
        let bst = Style::new(Font::Bold, 8.5, INK);
        self.c.text(x, top + 11.5, bst, "Total");
        self.c
            .text(x + label_w + track_w + 10.0, top + 11.5, bst, &total.to_string());
        self.c.y += row_h + 4.0;
    }

    // ---- cover ------------------------------------------------------------------------------

    fn cover(&mut self) {
        let d = self.d;
        self.c.running = None;
        self.c.new_page();
        self.c.cur_footer = false;
        self.outline.push(("Cover".to_string(), self.c.page_index()));
        self.c.running = self.running(&d.title);

        let width = self.c.width();
        let org = Style::new(Font::Regular, 11.0, BAND_TEXT);
        let title = Style::new(Font::Bold, 26.0, WHITE);
        let sub = Style::new(Font::Regular, 9.5, BAND_TEXT);
        let org_lines = wrap(&clean(&d.organisation), org.font, org.size, width);
        let title_lines = wrap(&clean(&d.title), title.font, title.size, width);
        let band_h = self.c.top + 8.0 + org_lines.len() as f32 * 14.0 + 8.0 + title_lines.len() as f32 * 31.0 + 26.0;
        let page_w = self.c.page_w;
        self.c.rect(0.0, 0.0, page_w, band_h, NAVY);
        // A stripe in the four responsibility colours under the band.
        let quarter = page_w / 4.0;
        for (i, p) in [INHERITED, SHARED, CUSTOMER, UNDETERMINED].iter().enumerate() {
            self.c.rect(i as f32 * quarter, band_h, quarter + 0.5, 3.0, p.strong);
        }
        let mut y = self.c.top + 8.0;
        for line in &org_lines {
            self.c.text(self.c.left, y + 10.0, org, line);
            y += 14.0;
        }
        y += 8.0;
        for line in &title_lines {
            self.c.text(self.c.left, y + 24.0, title, line);
            y += 31.0;
        }
        let date_line = clean(&format!("Generated {}", d.generated_on));
        self.c.text(self.c.left, y + 14.0, sub, &date_line);
        self.c.y = band_h + 24.0;

        if !d.texts.intro.trim().is_empty() {
            let (x, w) = (self.c.left, self.c.width());
            self.c.paragraph(&d.texts.intro, TEXT, 14.0, x, w);
            self.c.y += 6.0;
        }

        let value = Style::new(Font::Regular, 9.0, INK);
        self.h2("Report details", 40.0);
        self.field("Organisation", &d.organisation, value);
        self.field("Catalogue", &format!("{} ({})", d.catalog_title, d.catalog_key), value);
        match &d.evaluation {
            Some(e) => {
                self.field("Evaluation", &format!("{} (#{})", e.name, e.id), value.font(Font::Bold));
                self.field("Assessor", heading_or(&e.assessor, "-"), value);
                self.field("Opened", &e.opened_at, value);
                match &e.closed_at {
                    Some(closed) => self.field("Closed", closed, value),
                    None => self.field("Closed", "not closed (results may still change)", value.color(MUTED)),
                }
            }
            None => self.field("Evaluation", "Live state (not an evaluation)", value.font(Font::Bold)),
        }
        self.field("Generated on", &d.generated_on, value);
        let fingerprint = heading_or(&d.fingerprint, "-");
        self.field("Fingerprint (SHA-256)", fingerprint, Style::new(Font::Mono, 8.0, INK));

        self.h2("Scope", 40.0);
        let teams = if d.scope_teams.is_empty() {
            "All teams".to_string()
        } else {
            d.scope_teams.join(", ")
        };
        self.field("Teams", &teams, value);
        self.field(
            "Services",
            &plural(d.scope_services.len(), "service", "services"),
            value,
        );
        self.c.y += 8.0;
        if d.scope_services.is_empty() {
            self.note("No services in scope.");
        } else {
            self.services_table(&d.scope_services);
        }
    }

    fn services_table(&mut self, services: &[ServiceLine]) {
        let cat_w =
            text_width("infrastructure", BODY.font, BODY.size).max(text_width("Category", HEAD.font, HEAD.size));
        let specs = [
            ColSpec::new("Service", 60.0, 1.3, Align::Left),
            ColSpec::new("Offering", 60.0, 1.4, Align::Left),
            ColSpec::new("Category", cat_w + 9.0, 0.0, Align::Left),
            ColSpec::new("Team", 50.0, 1.0, Align::Left),
        ];
        let mut t = self.table(&specs);
        for s in services {
            let cells = [
                Cell::new(&s.name, BODY_BOLD),
                Cell::new(&s.offering, BODY),
                Cell::new(&s.category, BODY),
                Cell::or(&s.team, BODY, "-"),
            ];
            self.table_row(&mut t, &cells);
        }
        self.table_end(&t);
    }

    // ---- summary ----------------------------------------------------------------------------

    fn summary(&mut self) {
        let d = self.d;
        let s = &d.summary;
        self.section(heading_or(&d.texts.summary_heading, "Summary"));
        let total: u64 = if s.by_responsibility.is_empty() {
            d.controls.len() as u64
        } else {
            s.by_responsibility.iter().map(|(_, n)| n).sum()
        };
        let coverage = percent(s.with_counting_evidence, s.shared_or_customer);
        self.tiles(&[
            ("Controls", total.to_string()),
            ("Shared or customer", s.shared_or_customer.to_string()),
            ("Evidence coverage", coverage.clone()),
            ("Findings", d.findings.len().to_string()),
        ]);

        self.h2("Controls by responsibility", 80.0);
        let rows: Vec<(String, u64, Rgb)> = s
            .by_responsibility
            .iter()
            .map(|(label, n)| (capitalise(label), *n, responsibility_palette(label).strong))
            .collect();
        self.bar_chart(&rows, total);

        self.h2("Controls by result", 100.0);
        let result_total: u64 = s.by_result.iter().map(|(_, n)| n).sum();
        let rows: Vec<(String, u64, Rgb)> = s
            .by_result
            .iter()
            .map(|(label, n)| (capitalise(&label.replace('-', " ")), *n, result_colors(label).0))
            .collect();
        self.bar_chart(&rows, result_total);

        self.h2("Evidence coverage", 50.0);
        let rows = [("Shared + customer".to_string(), s.with_counting_evidence, GOOD)];
        self.coverage_bar(&rows[0], s.shared_or_customer);
        let sentence = if s.shared_or_customer == 0 {
            "There are no shared or customer controls, so no evidence is expected.".to_string()
        } else {
            format!(
                "{} of {} shared or customer controls ({coverage}) have accepted, unexpired evidence.",
                s.with_counting_evidence, s.shared_or_customer
            )
        };
        let (x, w) = (self.c.left, self.c.width());
        self.c
            .paragraph(&sentence, Style::new(Font::Regular, 8.5, INK), 12.0, x, w);
        self.c.y += 6.0;

        self.h2("By team", 40.0);
        if s.teams.is_empty() {
            self.note("No team owns shared or customer controls in scope.");
            return;
        }
        let num_w = text_width("Evidenced", HEAD.font, HEAD.size) + 16.0;
        let specs = [
            ColSpec::new("Team", 80.0, 1.0, Align::Left),
            ColSpec::new("Pairs", num_w, 0.0, Align::Right),
            ColSpec::new("Evidenced", num_w, 0.0, Align::Right),
            ColSpec::new("Satisfied", num_w, 0.0, Align::Right),
            ColSpec::new("Failing", num_w, 0.0, Align::Right),
        ];
        let mut t = self.table(&specs);
        let body = Style::new(Font::Regular, 8.0, INK);
        for team in &s.teams {
            let failing = if team.failing > 0 {
                body.font(Font::Bold).color(BAD_INK)
            } else {
                body
            };
            let cells = [
                Cell::new(&team.team, body.font(Font::Bold)),
                Cell::new(&team.pairs.to_string(), body),
                Cell::new(
                    &format!("{}  ({})", team.evidenced, percent(team.evidenced, team.pairs)),
                    body,
                ),
                Cell::new(&team.satisfied.to_string(), body),
                Cell::new(&team.failing.to_string(), failing),
            ];
            self.table_row(&mut t, &cells);
        }
        self.table_end(&t);
    }

    fn tiles(&mut self, tiles: &[(&str, String)]) {
        let gap = 8.0;
        let n = tiles.len().max(1) as f32;
        let w = (self.c.width() - gap * (n - 1.0)) / n;
        let h = 48.0;
        self.c.ensure(h + 8.0);
        let top = self.c.y;
        let value = Style::new(Font::Bold, 18.0, NAVY);
        let label = Style::new(Font::Regular, 7.5, MUTED);
        for (i, (name, v)) in tiles.iter().enumerate() {
            let x = self.c.left + i as f32 * (w + gap);
            self.c.rect(x, top, w, h, TILE);
            self.c.rect(x, top, 3.0, h, NAVY);
            self.c.text(
                x + 10.0,
                top + 24.0,
                value,
                &fit(&clean(v), value.font, value.size, w - 14.0),
            );
            self.c.text(
                x + 10.0,
                top + 38.0,
                label,
                &fit(&clean(name), label.font, label.size, w - 14.0),
            );
        }
        self.c.y += h + 6.0;
    }

    fn coverage_bar(&mut self, row: &(String, u64, Rgb), total: u64) {
        let (label, count, color) = row;
        self.c.ensure(22.0);
        let top = self.c.y;
        let x = self.c.left;
        let label_w = 112.0;
        let value_w = 78.0;
        let track_w = self.c.width() - label_w - value_w - 10.0;
        let st = Style::new(Font::Regular, 8.5, INK);
        self.c.text(x, top + 11.5, st, label);
        self.c.rect(x + label_w, top + 3.0, track_w, 12.0, TRACK);
        if total > 0 && *count > 0 {
            let w = (track_w * (*count as f32 / total as f32)).clamp(1.5, track_w);
            self.c.rect(x + label_w, top + 3.0, w, 12.0, *color);
        }
        let bst = Style::new(Font::Bold, 8.5, INK);
        self.c.text(
            x + label_w + track_w + 10.0,
            top + 11.5,
            bst,
            &format!("{count} / {total}  ({})", percent(*count, total)),
        );
        self.c.y += 22.0;
    }

    // ---- matrix -----------------------------------------------------------------------------

    fn matrix(&mut self) {
        let d = self.d;
        self.section(heading_or(
            &d.texts.matrix_heading,
            "Responsibility by service category",
        ));
        if !d.texts.matrix_intro.trim().is_empty() {
            let (x, w) = (self.c.left, self.c.width());
            self.c.paragraph(&d.texts.matrix_intro, TEXT, 14.0, x, w);
            self.c.y += 6.0;
        }
        self.legend();
        self.c.y += 4.0;
        if d.categories.is_empty() {
            self.note("No service categories.");
            return;
        }
        let n = d.categories.len();
        let gap = 10.0;
        let col_w = (self.c.width() - gap * (n as f32 - 1.0)) / n as f32;
        let columns: Vec<Vec<FlowLine>> = d.categories.iter().map(|cat| matrix_lines(cat, col_w)).collect();
        let mut next = vec![0usize; n];
        let head_h = 20.0;
        let mut first = true;
        loop {
            if self.c.y + head_h + 60.0 > self.c.bottom {
                self.c.new_page();
            }
            let top = self.c.y;
            for (i, cat) in d.categories.iter().enumerate() {
                let x = self.c.left + i as f32 * (col_w + gap);
                self.c.rect(x, top, col_w, head_h, NAVY);
                let name = if first {
                    capitalise(&cat.category)
                } else {
                    format!("{} (continued)", capitalise(&cat.category))
                };
                let st = Style::new(Font::Bold, 9.5, WHITE);
                let name = fit(&clean(&name), st.font, st.size, col_w - 12.0);
                self.c.text(x + 6.0, top + 13.5, st, &name);
            }
            let start = top + head_h + 6.0;
            let mut lowest = start;
            for (i, lines) in columns.iter().enumerate() {
                let x = self.c.left + i as f32 * (col_w + gap);
                let mut y = start;
                while next[i] < lines.len() {
                    let line = &lines[next[i]];
                    let mut need = line.lead;
                    if line.keep_with_next {
                        need += lines.get(next[i] + 1).map_or(0.0, |l| l.lead);
                    }
                    if y + need > self.c.bottom {
                        break;
                    }
                    self.flow_line(line, x, y, col_w);
                    y += line.lead;
                    next[i] += 1;
                }
                lowest = lowest.max(y);
            }
            if next.iter().zip(&columns).all(|(k, c)| *k >= c.len()) {
                self.c.y = lowest + 10.0;
                break;
            }
            first = false;
            self.c.new_page();
        }
    }

    fn flow_line(&mut self, line: &FlowLine, x: f32, y: f32, col_w: f32) {
        if let Some(band) = line.band {
            self.c.rect(x, y + 2.0, col_w, line.lead - 3.0, band);
        }
        if let Some(stripe) = line.stripe {
            self.c.rect(x, y, 2.0, line.lead, stripe);
        }
        let st = line.style;
        let base = if line.band.is_some() {
            y + 2.0 + (line.lead - 3.0) / 2.0 + st.size * 0.35
        } else {
            y + (line.lead - st.lead()) / 2.0 + st.ascent()
        };
        self.c.text(x + line.indent, base, st, &line.text);
    }

    // ---- controls ---------------------------------------------------------------------------

    fn controls(&mut self) {
        let d = self.d;
        self.section(heading_or(&d.texts.controls_heading, "Controls"));
        self.legend();
        let st = Style::new(Font::Regular, 8.5, MUTED);
        let (x, w) = (self.c.left, self.c.width());
        let intro = format!(
            "{} in catalogue order; responsibility is the organisation-wide value over the services in scope.",
            plural(d.controls.len(), "control", "controls")
        );
        self.c.paragraph(&intro, st, 12.0, x, w);
        self.c.y += 6.0;
        if d.controls.is_empty() {
            self.note("No controls.");
            return;
        }
        if d.control_columns.is_empty() {
            self.note("The template selects no control-table columns.");
            return;
        }
        let pad = 7.0;
        let w = |s: &str, st: Style| text_width(s, st.font, st.size);
        let key_w = d
            .controls
            .iter()
            .map(|c| w(&clean(&c.key), BODY_BOLD))
            .fold(w("Control", HEAD), f32::max)
            .clamp(30.0, 90.0)
            + pad
            + 1.0;
        let specs: Vec<ColSpec> = d
            .control_columns
            .iter()
            .map(|col| match col {
                ControlColumn::Key => ColSpec::new("Control", key_w, 0.0, Align::Left),
                ControlColumn::Title => ColSpec::new("Title", 70.0, 3.0, Align::Left),
                ControlColumn::Family => ColSpec::new("Family", 50.0, 1.4, Align::Left),
                ControlColumn::Responsibility => ColSpec::new(
                    "Responsibility",
                    w("undetermined", BODY).max(w("Responsibility", HEAD)) + pad + 3.0,
                    0.0,
                    Align::Left,
                ),
                ControlColumn::Owner => ColSpec::new("Owner", 45.0, 1.0, Align::Left),
                ControlColumn::Result => ColSpec::new(
                    "Result",
                    w("not-applicable", BODY).max(w("Result", HEAD)) + pad + 1.0,
                    0.0,
                    Align::Left,
                ),
                ControlColumn::Evidence => ColSpec::new("Evidence", w("Evidence", HEAD) + pad + 2.0, 0.0, Align::Right),
                ControlColumn::Freshest => ColSpec::new(
                    "Freshest",
                    w("0000-00-00", BODY).max(w("Freshest", HEAD)) + pad + 2.0,
                    0.0,
                    Align::Left,
                ),
            })
            .collect();
        let mut t = self.table(&specs);
        for control in &d.controls {
            let cells: Vec<Cell> = d
                .control_columns
                .iter()
                .map(|col| control_cell(*col, control))
                .collect();
            self.table_row(&mut t, &cells);
        }
        self.table_end(&t);
    }

    // ---- findings ---------------------------------------------------------------------------

    fn findings(&mut self) {
        let d = self.d;
        self.section(heading_or(&d.texts.findings_heading, "Findings"));
        if d.findings.is_empty() {
            self.note("No findings.");
            return;
        }
        let counts = count_by(d.findings.iter().map(|f| f.kind.as_str()));
        let st = Style::new(Font::Regular, 8.5, MUTED);
        let (x, w) = (self.c.left, self.c.width());
        let text = format!("{}: {counts}.", plural(d.findings.len(), "finding", "findings"));
        self.c.paragraph(&text, st, 12.0, x, w);
        self.c.y += 6.0;
        let pad = 7.0;
        let w = |s: &str, st: Style| text_width(s, st.font, st.size);
        let key_w = d
            .findings
            .iter()
            .map(|f| w(&clean(&f.control), BODY_BOLD))
            .fold(w("Control", HEAD), f32::max)
            .clamp(30.0, 90.0)
            + pad
            + 1.0;
        let specs = [
            ColSpec::new("Kind", w("expired-evidence", BODY_BOLD) + pad + 1.0, 0.0, Align::Left),
            ColSpec::new("Control", key_w, 0.0, Align::Left),
            ColSpec::new("Service", 55.0, 1.0, Align::Left),
            ColSpec::new("Detail", 120.0, 3.2, Align::Left),
        ];
        let mut t = self.table(&specs);
        for f in &d.findings {
            let cells = finding_cells(f);
            self.table_row(&mut t, &cells);
        }
        self.table_end(&t);
    }

    // ---- evidence ---------------------------------------------------------------------------

    fn evidence(&mut self) {
        let d = self.d;
        self.section(heading_or(&d.texts.evidence_heading, "Evidence index"));
        if d.evidence.is_empty() {
            self.note("No evidence.");
            return;
        }
        let counts = count_by(d.evidence.iter().map(|e| e.status.as_str()));
        let st = Style::new(Font::Regular, 8.5, MUTED);
        let (x, w) = (self.c.left, self.c.width());
        let text = format!(
            "{}: {counts}. File hashes are SHA-256.",
            plural(d.evidence.len(), "piece of evidence", "pieces of evidence")
        );
        self.c.paragraph(&text, st, 12.0, x, w);
        self.c.y += 6.0;
        let pad = 7.0;
        let w = |s: &str, st: Style| text_width(s, st.font, st.size);
        let max_id = d.evidence.iter().map(|e| e.id).max().unwrap_or(0);
        let id_w = w(&max_id.to_string(), EV_BODY).max(w("ID", HEAD)) + pad + 1.0;
        let date_w = w("0000-00-00", EV_BODY).max(w("Collected", HEAD)) + pad + 2.0;
        let status_w = d
            .evidence
            .iter()
            .map(|e| w(&clean(&e.status), EV_BODY))
            .fold(w("Status", HEAD).max(w("accepted", EV_BODY)), f32::max)
            .min(70.0)
            + pad
            + 1.0;
        let hash_w = w(&"0".repeat(64), EV_HASH) + pad + 2.0;
        let specs = [
            ColSpec::new("ID", id_w, 0.0, Align::Right),
            ColSpec::new("Title / SHA-256", hash_w, 1.0, Align::Left),
            ColSpec::new("Collected", date_w, 0.0, Align::Left),
            ColSpec::new("Expires", date_w, 0.0, Align::Left),
            ColSpec::new("Status", status_w, 0.0, Align::Left),
            ColSpec::new("Reviewer", 42.0, 0.5, Align::Left),
        ];
        let mut t = self.table(&specs);
        for e in &d.evidence {
            let cells = evidence_cells(e, &d.generated_on);
            self.table_row(&mut t, &cells);
        }
        self.table_end(&t);
    }

    // ---- sign-off ---------------------------------------------------------------------------

    fn signoff(&mut self) {
        let d = self.d;
        self.section(heading_or(&d.texts.signoff_heading, "Sign-off"));
        if !d.texts.signoff_text.trim().is_empty() {
            let (x, w) = (self.c.left, self.c.width());
            self.c.paragraph(&d.texts.signoff_text, TEXT, 14.0, x, w);
        }
        self.c.y += 18.0;
        let fields: [(&str, f32); 3] = [("Name", 30.0), ("Signature", 46.0), ("Date", 30.0)];
        let block_h = 22.0 + fields.iter().map(|(_, h)| h + 12.0).sum::<f32>();
        self.c.ensure(block_h);
        let gap = 28.0;
        let col_w = (self.c.width() - gap) / 2.0;
        let top = self.c.y;
        let assessor = d.evaluation.as_ref().map(|e| e.assessor.as_str()).unwrap_or("");
        for (i, (role, prefill)) in [("Assessor", assessor), ("Reviewer", "")].iter().enumerate() {
            let x = self.c.left + i as f32 * (col_w + gap);
            let title = Style::new(Font::Bold, 11.0, NAVY);
            self.c.text(x, top + 11.0, title, role);
            let mut y = top + 22.0;
            for (label, space) in fields {
                let line_y = y + space;
                if label == "Name" && !prefill.trim().is_empty() {
                    let st = Style::new(Font::Regular, 10.0, INK);
                    self.c.text(
                        x + 2.0,
                        line_y - 5.0,
                        st,
                        &fit(&clean(prefill), st.font, st.size, col_w - 4.0),
                    );
                }
                self.c.rect(x, line_y, col_w, 0.7, GREY_INK);
                self.c.text(x, line_y + 9.0, SMALL_MUTED, label);
                y = line_y + 12.0;
            }
        }
        self.c.y = top + block_h;
    }
}

const EV_BODY: Style = Style::new(Font::Regular, 7.0, INK);
const EV_HASH: Style = Style::new(Font::Mono, 6.5, GREY_INK);

/// "2 not-satisfied, 1 no-evidence": counts in order of first appearance.
fn count_by<'s>(values: impl Iterator<Item = &'s str>) -> String {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    let mut index: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for v in values {
        let v = if v.trim().is_empty() { "unknown" } else { v };
        match index.get(v) {
            Some(&i) => counts[i].1 += 1,
            None => {
                index.insert(v, counts.len());
                counts.push((v, 1));
            }
        }
    }
    counts
        .iter()
        .map(|(v, n)| format!("{n} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn control_cell(col: ControlColumn, c: &ControlLine) -> Cell {
    match col {
        ControlColumn::Key => Cell::new(&c.key, BODY_BOLD),
        ControlColumn::Title => Cell::new(&c.title, BODY),
        ControlColumn::Family => Cell::or(&c.family, BODY, "-"),
        ControlColumn::Responsibility => {
            let p = responsibility_palette(&c.responsibility);
            let text = heading_or(&c.responsibility, "undetermined");
            Cell::new(text, BODY.color(p.ink)).palette(p)
        }
        ControlColumn::Owner => Cell::or(&c.owner, BODY, "-"),
        ControlColumn::Result => {
            let (_, ink) = result_colors(&c.result);
            Cell::or(&c.result, BODY.color(ink), "-")
        }
        ControlColumn::Evidence => {
            let st = if c.evidence_count == 0 { BODY.color(MUTED) } else { BODY };
            Cell::new(&c.evidence_count.to_string(), st)
        }
        ControlColumn::Freshest => Cell::or(&c.freshest, BODY, "-"),
    }
}

fn finding_cells(f: &Finding) -> [Cell; 4] {
    [
        Cell::new(&f.kind, BODY_BOLD.color(finding_color(&f.kind))),
        Cell::new(&f.control, BODY_BOLD),
        Cell::or(&f.service, BODY, "organisation"),
        Cell::new(&f.detail, BODY),
    ]
}

fn evidence_cells(e: &EvidenceLine, today: &str) -> [Cell; 6] {
    let title = if e.sha256.is_empty() {
        Cell::or(&e.title, EV_BODY, "(untitled)")
            .then("no file hash (URL or note)", EV_BODY.font(Font::Italic).color(MUTED))
    } else {
        Cell::or(&e.title, EV_BODY, "(untitled)").then(&e.sha256, EV_HASH)
    };
    let expired = !e.expires.is_empty() && e.expires.as_str() < today;
    let expires = if expired {
        Cell::new(&e.expires, EV_BODY.font(Font::Bold).color(BAD_INK)).then("expired", EV_BODY.color(BAD_INK))
    } else {
        Cell::or(&e.expires, EV_BODY, "-")
    };
    [
        Cell::new(&e.id.to_string(), EV_BODY),
        title,
        Cell::or(&e.collected, EV_BODY, "-"),
        expires,
        Cell::or(&e.status, EV_BODY.color(status_color(&e.status)), "-"),
        Cell::or(&e.reviewer, EV_BODY, "-"),
    ]
}

/// The lines of one matrix column: what provider and customer manage, the controls inherited,
/// shared and the customer's, and the services.
fn matrix_lines(cat: &CategoryColumn, width: f32) -> Vec<FlowLine> {
    let mut out = Vec::new();
    let label = |text: &str, color: Rgb| FlowLine {
        text: clean(text),
        style: Style::new(Font::Bold, 7.5, color),
        lead: 11.0,
        indent: 0.0,
        stripe: None,
        band: None,
        keep_with_next: true,
    };
    let summary = Style::new(Font::Regular, 7.5, INK);
    let push_wrapped = |out: &mut Vec<FlowLine>, text: &str, st: Style, indent: f32, stripe: Option<Rgb>| {
        let lines = wrap(&clean(text), st.font, st.size, width - indent - 2.0);
        for (i, line) in lines.into_iter().enumerate() {
            out.push(FlowLine {
                text: line,
                style: st,
                lead: st.lead() + if i == 0 { 1.5 } else { 0.0 },
                indent,
                stripe,
                band: None,
                keep_with_next: false,
            });
        }
    };
    out.push(label("Provider manages", INHERITED.ink));
    push_wrapped(&mut out, heading_or(&cat.provider_summary, "-"), summary, 0.0, None);
    out.push(FlowLine {
        lead: 15.0,
        ..label("Customer manages", CUSTOMER.ink)
    });
    push_wrapped(&mut out, heading_or(&cat.customer_summary, "-"), summary, 0.0, None);

    let item = Style::new(Font::Regular, 7.0, INK);
    let blocks: [(&str, &Vec<String>, Palette); 4] = [
        ("Inherited from provider", &cat.provider_controls, INHERITED),
        ("Shared", &cat.shared_controls, SHARED),
        ("Customer", &cat.customer_controls, CUSTOMER),
        ("Services", &cat.services, NEUTRAL),
    ];
    for (name, items, p) in blocks {
        out.push(FlowLine {
            text: fit(
                &clean(&format!("{name} ({})", items.len())),
                Font::Bold,
                7.5,
                width - 10.0,
            ),
            style: Style::new(Font::Bold, 7.5, p.ink),
            lead: 20.0,
            indent: 6.0,
            stripe: None,
            band: Some(p.tint),
            keep_with_next: true,
        });
        if items.is_empty() {
            out.push(FlowLine {
                text: "None".into(),
                style: Style::new(Font::Italic, 7.0, MUTED),
                lead: 10.0,
                indent: 6.0,
                stripe: None,
                band: None,
                keep_with_next: false,
            });
        }
        for text in items {
            push_wrapped(&mut out, text, item, 6.0, Some(p.strong));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::data::{EvaluationLine, Summary, TeamLine, Texts};

    fn hash(i: usize) -> String {
        let digest = Sha256::digest(format!("evidence {i}").as_bytes());
        crate::hex::encode(&digest)
    }

    fn texts() -> Texts {
        Texts {
            intro: "This report sets out, for Example Corp, who is responsible for each control of the Shared \
                    responsibility baseline (srm) under the cloud shared responsibility model, which team owns it, \
                    what evidence supports it and how it was evaluated in \u{201c}Q4 2026 internal review\u{201d}."
                .into(),
            summary_heading: "Summary".into(),
            matrix_heading: "Responsibility by service category".into(),
            matrix_intro: "What the provider covers and what Example Corp covers for each category of service.".into(),
            controls_heading: "Controls".into(),
            findings_heading: "Findings".into(),
            evidence_heading: "Evidence index".into(),
            signoff_heading: "Sign-off".into(),
            signoff_text: "The undersigned confirm that this report reflects the state of the controls of Example \
                           Corp as frozen when evaluation \"Q4 2026 internal review\" closed on 2026-11-30, and \
                           that the evidence listed was reviewed as shown. Data fingerprint: 3f2a9c4d5e6b7a80."
                .into(),
            footer: "Control evaluation report - Example Corp".into(),
        }
    }

    const FAMILIES: [&str; 6] = [
        "Patch Management",
        "Identity and Access Management",
        "Network Security",
        "Data Protection",
        "Physical and Environmental",
        "Configuration Management",
    ];
    const RESPONSIBILITIES: [&str; 4] = ["inherited", "shared", "customer", "undetermined"];
    const RESULTS: [&str; 5] = [
        "satisfied",
        "partially-satisfied",
        "not-satisfied",
        "not-applicable",
        "not-assessed",
    ];

    /// A realistic report: 20 controls, a few findings, 12 pieces of evidence, 3 services.
    fn sample() -> ReportData {
        let titles = [
            ("SRM-PHYS", "Physical and environmental protection"),
            ("SRM-HW", "Hardware and global infrastructure"),
            ("SRM-VIRT", "Virtualisation layer security"),
            ("SRM-PATCH", "Patch management"),
            ("SRM-GUESTOS", "Guest operating system management"),
            ("SRM-CONFIG", "Configuration management"),
            ("SRM-TRAIN", "Security awareness and training"),
            ("SRM-FW", "Security group and firewall configuration"),
            (
                "SRM-NET",
                "Network traffic protection (encryption, integrity, identity)",
            ),
            ("SRM-ZONE", "Zone security and segmentation"),
            ("SRM-IAM", "Identity and access management"),
            ("SRM-PIAM", "Platform-level identity and access management"),
            ("SRM-CLASS", "Data classification"),
            ("SRM-CSE", "Client-side encryption and data integrity authentication"),
            ("SRM-SSE", "Server-side encryption (file system and/or data)"),
            ("SRM-BACKUP", "Backups and data protection"),
            ("SRM-REGION", "Region choice and data residency"),
            ("SRM-LOG", "Logging and monitoring of customer workloads"),
            ("SRM-IR", "Incident response for customer-managed resources"),
            ("SRM-KEYS", "Key management and rotation \u{2014} customer-managed keys"),
        ];
        let controls: Vec<ControlLine> = titles
            .iter()
            .enumerate()
            .map(|(i, (key, title))| ControlLine {
                key: key.to_string(),
                title: title.to_string(),
                family: FAMILIES[i % FAMILIES.len()].to_string(),
                responsibility: RESPONSIBILITIES[(i * 7 + 1) % 4].to_string(),
                owner: match i % 4 {
                    0 => "platform".into(),
                    1 => "data-platform, platform".into(),
                    2 => String::new(),
                    _ => "security".into(),
                },
                result: RESULTS[i % 5].to_string(),
                evidence_count: (i % 3) as u64,
                freshest: if i % 3 == 0 { String::new() } else { "2026-11-20".into() },
            })
            .collect();
        let mut by_responsibility = Vec::new();
        for r in RESPONSIBILITIES {
            let n = controls.iter().filter(|c| c.responsibility == r).count() as u64;
            by_responsibility.push((r.to_string(), n));
        }
        let mut by_result = Vec::new();
        for r in RESULTS {
            let n = controls.iter().filter(|c| c.result == r).count() as u64;
            by_result.push((r.to_string(), n));
        }
        let shared_or_customer = controls
            .iter()
            .filter(|c| c.responsibility == "shared" || c.responsibility == "customer")
            .count() as u64;
        let evidence: Vec<EvidenceLine> = (1..=12)
            .map(|i| EvidenceLine {
                id: i as i64,
                title: match i % 4 {
                    0 => format!("November patch compliance report, batch {i}"),
                    1 => "IAM quarterly access review".into(),
                    2 => "Firewall rule export (prod VPC)".into(),
                    _ => "Training completion 98%, see HR export".into(),
                },
                sha256: if i % 4 == 3 { String::new() } else { hash(i) },
                collected: format!("2026-{:02}-{:02}", 9 + i % 3, 1 + i),
                expires: match i % 3 {
                    0 => String::new(),
                    1 => "2027-02-18".into(),
                    _ => "2026-11-15".into(),
                },
                status: ["accepted", "pending", "rejected"][i % 3].into(),
                reviewer: if i % 3 == 1 { String::new() } else { "bob".into() },
                controls: "SRM-PATCH, SRM-CONFIG".into(),
            })
            .collect();
        ReportData {
            title: "Control evaluation report".into(),
            organisation: "Example Corp".into(),
            generated_on: "2026-12-01".into(),
            catalog_key: "srm".into(),
            catalog_title: "Shared responsibility baseline".into(),
            scope_teams: vec!["platform".into(), "data-platform".into()],
            scope_services: vec![
                ServiceLine {
                    name: "orders-db".into(),
                    offering: "Amazon RDS".into(),
                    category: "container".into(),
                    team: "data-platform".into(),
                },
                ServiceLine {
                    name: "web".into(),
                    offering: "Amazon EC2".into(),
                    category: "infrastructure".into(),
                    team: "platform".into(),
                },
                ServiceLine {
                    name: "invoices-bucket".into(),
                    offering: "Amazon S3".into(),
                    category: "abstracted".into(),
                    team: String::new(),
                },
            ],
            evaluation: Some(EvaluationLine {
                id: 1,
                name: "Q4 2026 internal review".into(),
                assessor: "Alice Auditor".into(),
                opened_at: "2026-11-01T09:00:00Z".into(),
                closed_at: Some("2026-11-30T17:30:00Z".into()),
            }),
            fingerprint: "3f2a9c4d5e6b7a8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708".into(),
            controls,
            summary: Summary {
                by_responsibility,
                by_result,
                shared_or_customer,
                with_counting_evidence: shared_or_customer / 2,
                teams: vec![
                    TeamLine {
                        team: "data-platform".into(),
                        pairs: 14,
                        evidenced: 9,
                        satisfied: 6,
                        failing: 2,
                    },
                    TeamLine {
                        team: "platform".into(),
                        pairs: 11,
                        evidenced: 11,
                        satisfied: 9,
                        failing: 0,
                    },
                    TeamLine {
                        team: "(no owner)".into(),
                        pairs: 3,
                        evidenced: 0,
                        satisfied: 0,
                        failing: 1,
                    },
                ],
            },
            categories: vec![
                CategoryColumn {
                    category: "infrastructure".into(),
                    provider_summary: "Manages the underlying infrastructure and foundation services.".into(),
                    customer_summary: "Controls the operating system and application platform, and encrypts, \
                                       protects and manages customer data."
                        .into(),
                    provider_controls: vec![
                        "Physical and environmental protection".into(),
                        "Hardware and global infrastructure".into(),
                    ],
                    shared_controls: vec!["Security awareness and training".into()],
                    customer_controls: vec![
                        "Patch management".into(),
                        "Guest operating system management".into(),
                        "Security group and firewall configuration".into(),
                    ],
                    services: vec!["web".into()],
                },
                CategoryColumn {
                    category: "container".into(),
                    provider_summary: "Manages the infrastructure and foundation services, the operating system \
                                       and the application platform."
                        .into(),
                    customer_summary: "Responsible for customer data, encrypting it, and protecting it through \
                                       network firewalls and backups."
                        .into(),
                    provider_controls: vec![
                        "Physical and environmental protection".into(),
                        "Patch management".into(),
                        "Guest operating system management".into(),
                    ],
                    shared_controls: vec!["Configuration management".into()],
                    customer_controls: vec!["Backups and data protection".into()],
                    services: vec!["orders-db".into()],
                },
                CategoryColumn {
                    category: "abstracted".into(),
                    provider_summary: "Operates the infrastructure layer, operating system and platforms, as well \
                                       as server-side encryption and data protection."
                        .into(),
                    customer_summary: "Manages customer data and protects it through client-side encryption.".into(),
                    provider_controls: vec![
                        "Physical and environmental protection".into(),
                        "Server-side encryption (file system and/or data)".into(),
                    ],
                    shared_controls: Vec::new(),
                    customer_controls: vec!["Client-side encryption and data integrity authentication".into()],
                    services: vec!["invoices-bucket".into()],
                },
            ],
            findings: vec![
                Finding {
                    kind: "not-satisfied".into(),
                    control: "SRM-FW".into(),
                    service: "orders-db".into(),
                    detail: "0.0.0.0/0 on 5432".into(),
                },
                Finding {
                    kind: "no-evidence".into(),
                    control: "SRM-BACKUP".into(),
                    service: "orders-db".into(),
                    detail: "no accepted, unexpired evidence for a customer control".into(),
                },
                Finding {
                    kind: "expired-evidence".into(),
                    control: "SRM-PATCH".into(),
                    service: "web".into(),
                    detail: "evidence 2 (Firewall rule export (prod VPC)) expired on 2026-11-15".into(),
                },
                Finding {
                    kind: "no-owner".into(),
                    control: "SRM-CSE".into(),
                    service: String::new(),
                    detail: "no team owns this control organisation-wide".into(),
                },
                Finding {
                    kind: "undetermined".into(),
                    control: "SRM-REGION".into(),
                    service: "invoices-bucket".into(),
                    detail: "no rule covers this control for the abstracted category and no override is recorded"
                        .into(),
                },
            ],
            evidence,
            texts: texts(),
            sections: vec![
                Section::Cover,
                Section::Summary,
                Section::Matrix,
                Section::Controls,
                Section::Findings,
                Section::Evidence,
                Section::Signoff,
            ],
            control_columns: vec![
                ControlColumn::Key,
                ControlColumn::Title,
                ControlColumn::Responsibility,
                ControlColumn::Owner,
                ControlColumn::Result,
                ControlColumn::Evidence,
                ControlColumn::Freshest,
            ],
        }
    }

    /// 1,200 controls and `evidence` pieces of evidence.
    fn large(evidence: usize) -> ReportData {
        let mut d = sample();
        d.controls = (0..1200)
            .map(|i| ControlLine {
                key: format!("LRG-{:04}", i + 1),
                title: format!(
                    "Generated control number {} with a reasonably long descriptive title",
                    i + 1
                ),
                family: FAMILIES[i % FAMILIES.len()].to_string(),
                responsibility: RESPONSIBILITIES[i % 4].to_string(),
                owner: format!("team-{}", i % 10),
                result: RESULTS[i % 5].to_string(),
                evidence_count: (i % 4) as u64,
                freshest: "2026-10-01".into(),
            })
            .collect();
        d.control_columns = vec![
            ControlColumn::Key,
            ControlColumn::Title,
            ControlColumn::Family,
            ControlColumn::Responsibility,
            ControlColumn::Owner,
            ControlColumn::Result,
            ControlColumn::Evidence,
            ControlColumn::Freshest,
        ];
        for cat in &mut d.categories {
            cat.provider_controls = (0..400).map(|i| format!("Generated control number {i}")).collect();
            cat.shared_controls = (400..800).map(|i| format!("Generated control number {i}")).collect();
            cat.customer_controls = (800..1200).map(|i| format!("Generated control number {i}")).collect();
        }
        d.evidence = (0..evidence)
            .map(|i| EvidenceLine {
                id: i as i64 + 1,
                title: format!("Evidence item {} for the quarterly review", i + 1),
                sha256: hash(i),
                collected: "2026-09-01".into(),
                expires: "2027-09-01".into(),
                status: "accepted".into(),
                reviewer: "reviewer".into(),
                controls: "LRG-0001".into(),
            })
            .collect();
        d.findings = (0..300)
            .map(|i| Finding {
                kind: "no-evidence".into(),
                control: format!("LRG-{:04}", i + 1),
                service: format!("svc-{i}"),
                detail: "no accepted, unexpired evidence".into(),
            })
            .collect();
        d
    }

    fn page_texts(bytes: &[u8]) -> Vec<String> {
        let doc = lopdf::Document::load_mem(bytes).expect("a PDF lopdf can read");
        doc.get_pages()
            .keys()
            .map(|n| doc.extract_text(&[*n]).expect("page text"))
            .collect()
    }

    fn media_box(bytes: &[u8]) -> (f32, f32) {
        let doc = lopdf::Document::load_mem(bytes).expect("pdf");
        let (_, page) = doc.get_pages().into_iter().next().expect("a page");
        let dict = doc.get_dictionary(page).expect("page dict");
        let media = dict.get(b"MediaBox").and_then(|m| m.as_array()).expect("MediaBox");
        let num = |o: &lopdf::Object| o.as_float().or_else(|_| o.as_i64().map(|v| v as f32)).expect("number");
        (num(&media[2]), num(&media[3]))
    }

    fn outline_count(bytes: &[u8]) -> i64 {
        let doc = lopdf::Document::load_mem(bytes).expect("pdf");
        let outlines = doc
            .catalog()
            .expect("catalog")
            .get(b"Outlines")
            .and_then(lopdf::Object::as_reference)
            .expect("outline");
        doc.get_dictionary(outlines)
            .expect("outline dict")
            .get(b"Count")
            .and_then(lopdf::Object::as_i64)
            .expect("count")
    }

    fn assert_footers(pages: &[String]) {
        let n = pages.len();
        for (i, text) in pages.iter().enumerate().skip(1) {
            assert!(
                text.contains(&format!("page {} of {n}", i + 1)),
                "page {} footer missing: {text}",
                i + 1
            );
        }
    }

    #[test]
    fn the_sample_has_every_section_totals_and_footers() {
        let bytes = render(&sample(), Paper::A4).expect("render");
        assert!(bytes.starts_with(b"%PDF-"));
        let pages = page_texts(&bytes);
        let all = pages.join("\n");
        for needle in [
            "Control evaluation report",
            "Example Corp",
            "Q4 2026 internal review",
            "Alice Auditor",
            "Summary",
            "Controls by responsibility",
            "Controls by result",
            "Total",
            "Responsibility by service category",
            "Controls",
            "Findings",
            "Evidence index",
            "Sign-off",
            "SRM-PATCH",
            "Patch management",
            "0.0.0.0/0 on 5432",
            "2026-12-01",
            "3f2a9c4d5e6b7a8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708",
            &hash(1),
            "Inherited (provider)",
            "page 2 of",
        ] {
            assert!(all.contains(needle), "{needle:?} missing from the PDF text");
        }
        // The total of the responsibility chart: 20 controls.
        assert!(all.contains("Total\n20"), "responsibility total missing");
        assert!(pages[0].contains("Generated 2026-12-01"));
        assert!(!pages[0].contains("page 1 of"), "the cover has no footer");
        assert!(pages.len() >= 7, "one page per section at least, got {}", pages.len());
        assert_footers(&pages);
        assert_eq!(outline_count(&bytes), 7);
    }

    #[test]
    fn the_same_data_gives_the_same_bytes() {
        let data = sample();
        let a = render(&data, Paper::A4).expect("render");
        let b = render(&data, Paper::A4).expect("render");
        assert!(a == b, "two renders differ");
        let mut later = data.clone();
        later.generated_on = "2026-12-02".into();
        let c = render(&later, Paper::A4).expect("render");
        assert!(a != c, "a different date gives a different PDF");
        let doc = lopdf::Document::load_mem(&a).expect("pdf");
        let id = doc.trailer.get(b"ID").and_then(lopdf::Object::as_array).expect("ID");
        assert_ne!(
            id[0].as_str().expect("id bytes"),
            &ID_PLACEHOLDER[..],
            "the ID was replaced"
        );
        let info = doc
            .trailer
            .get(b"Info")
            .and_then(lopdf::Object::as_reference)
            .and_then(|r| doc.get_dictionary(r))
            .expect("info");
        let created = info.get(b"CreationDate").and_then(lopdf::Object::as_str).expect("date");
        assert!(
            created.starts_with(b"D:20261201000000"),
            "{:?}",
            String::from_utf8_lossy(created)
        );
    }

    #[test]
    fn a4_and_letter_have_their_paper_sizes() {
        for (paper, width, height) in [(Paper::A4, 595.0, 842.0), (Paper::Letter, 612.0, 792.0)] {
            let bytes = render(&sample(), paper).expect("render");
            let (w, h) = media_box(&bytes);
            assert!((w - width).abs() < 1.0, "{paper:?} width {w}");
            assert!((h - height).abs() < 1.0, "{paper:?} height {h}");
            assert_footers(&page_texts(&bytes));
        }
    }

    #[test]
    fn a_large_report_renders_with_a_footer_on_every_page() {
        let data = large(5_000);
        let bytes = render(&data, Paper::Letter).expect("render");
        let pages = page_texts(&bytes);
        assert!(pages.len() > 100, "expected many pages, got {}", pages.len());
        assert_footers(&pages);
        let all = pages.join("\n");
        assert!(all.contains("LRG-1200"));
        assert!(all.contains(&hash(4_999)));
    }

    #[test]
    fn sections_follow_the_template() {
        let mut data = sample();
        data.sections = vec![Section::Cover, Section::Controls];
        let bytes = render(&data, Paper::A4).expect("render");
        let all = page_texts(&bytes).join("\n");
        assert!(all.contains("SRM-PATCH"));
        assert!(!all.contains("Evidence index"));
        assert!(!all.contains("Sign-off"));
        assert_eq!(outline_count(&bytes), 2);

        data.sections.clear();
        assert!(matches!(render(&data, Paper::A4), Err(Error::Invalid(_))));
    }

    #[test]
    fn empty_findings_and_evidence_say_so_and_live_state_is_named() {
        let mut data = sample();
        data.findings.clear();
        data.evidence.clear();
        data.evaluation = None;
        let all = page_texts(&render(&data, Paper::A4).expect("render")).join("\n");
        assert!(all.contains("No findings."));
        assert!(all.contains("No evidence."));
        assert!(all.contains("Live state (not an evaluation)"));
    }

    #[test]
    fn a_bad_date_is_refused() {
        let mut data = sample();
        data.generated_on = "01/12/2026".into();
        let err = render(&data, Paper::A4).expect_err("refused");
        assert!(matches!(err, Error::Invalid(_)));
        assert!(err.to_string().contains("01/12/2026"));
    }

    #[test]
    fn text_outside_win_ansi_is_mapped_not_lost() {
        assert_eq!(LATIN_EXT_A.len(), 128);
        assert_eq!(
            clean("caf\u{e9} \u{2014} \u{201c}q\u{201d} \u{2026}"),
            "caf\u{e9} \u{2014} \u{201c}q\u{201d} \u{2026}"
        );
        assert_eq!(clean("\u{141}\u{f3}d\u{17a} \u{2192} x\u{2264}y"), "L\u{f3}dz -> x<=y");
        assert_eq!(clean("a\tb\nc\u{200b}d"), "a b cd");
        assert_eq!(clean("e\u{301}t\u{e9}"), "et\u{e9}");
        assert_eq!(clean("\u{6f22}\u{5b57} \u{3b1}"), "?? ?");
        assert_eq!(clean_paragraph("one\r\ntwo"), "one\ntwo");
        for c in clean("\u{2018}\u{2019}\u{20ac}\u{2122}\u{2022}\u{2013}").chars() {
            assert!(win_ansi_byte(c).is_some(), "{c:?} is WinAnsi");
        }

        // WinAnsi text keeps the builtin faces; the rest embeds DejaVu Sans, which draws the
        // Polish letters and the arrow but no CJK.
        let mut data = sample();
        data.findings[0].detail = "port (5432) \\ open \u{2014} fix".into();
        let all = page_texts(&render(&data, Paper::A4).expect("render")).join("\n");
        assert!(all.contains("port (5432) \\ open \u{2014} fix"), "escapes");
        data.organisation = "\u{141}\u{f3}d\u{17a} Caf\u{e9} \u{2014} \u{6f22}".into();
        data.findings[0].detail = "port (5432) \\ open \u{2192} fix".into();
        let all = page_texts(&render(&data, Paper::A4).expect("render")).join("\n");
        assert!(
            all.contains("\u{141}\u{f3}d\u{17a} Caf\u{e9} \u{2014} ?"),
            "organisation kept"
        );
        assert!(all.contains("port (5432) \\ open \u{2192} fix"), "arrow kept");
    }

    fn unicode_sample() -> ReportData {
        let mut data = sample();
        data.scope_services[0].name = "d\u{f6}nerdb-\u{3a9}-\u{2713}".into();
        data.controls[0].title = "Backups of d\u{f6}nerdb-\u{3a9}-\u{2713} \u{2192} \u{141}\u{f3}d\u{17a}".into();
        data.findings[0].service = "d\u{f6}nerdb-\u{3a9}-\u{2713}".into();
        data
    }

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

    #[test]
    fn wrapped_lines_fit_their_width() {
        let text = clean(
            "Security group and firewall configuration for every production VPC, reviewed quarterly \
             https://wiki.example.com/security/firewall-review-2026-q4/with/a/very/long/path \
             3f2a9c4d5e6b7a8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708 partially-satisfied",
        );
        for font in Font::ALL {
            for (size, width) in [(7.5, 60.0), (7.0, 120.0), (9.5, 200.0), (6.5, 35.0)] {
                let lines = wrap(&text, font, size, width);
                assert!(lines.len() > 1, "{font:?} {size} {width}: wrapped");
                for line in &lines {
                    let w = text_width(line, font, size);
                    assert!(w <= width + 0.01, "{font:?} {size}: {line:?} is {w} wide, over {width}");
                }
                // Nothing is lost but the spaces the lines broke at.
                let joined: String = lines.concat().split_whitespace().collect();
                let original: String = text.split_whitespace().collect();
                assert_eq!(joined, original);
            }
        }
        assert_eq!(wrap("short", Font::Regular, 8.0, 100.0), vec!["short"]);
        assert_eq!(wrap("a\n\nb", Font::Regular, 8.0, 100.0), vec!["a", "", "b"]);
        let hyphenated = wrap("partially-satisfied", Font::Regular, 7.5, 45.0);
        assert_eq!(hyphenated, vec!["partially-", "satisfied"]);
        // Helvetica widths are the standard ones.
        assert!((text_width("a", Font::Regular, 1000.0) - 556.0).abs() < 1.0);
        assert!((text_width(" ", Font::Regular, 1000.0) - 278.0).abs() < 0.1);
        assert!((text_width(&"0".repeat(64), Font::Mono, 10.0) - 384.0).abs() < 1.0);
    }

    #[test]
    fn a_row_taller_than_a_page_is_cut_not_split() {
        let mut data = sample();
        data.findings[0].detail = "very long detail ".repeat(2_000);
        data.sections = vec![Section::Findings];
        let pages = page_texts(&render(&data, Paper::A4).expect("render"));
        assert!(pages.len() <= 3, "the row is cut to a page, got {} pages", pages.len());
        assert!(pages.concat().contains('\u{2026}'), "the cut is marked");
    }

    #[test]
    fn numbers_are_written_compactly() {
        let mut buf = Vec::new();
        for v in [0.0, 1.0, -2.5, 12.345, 0.1, 841.89] {
            push_num(&mut buf, v, 2);
            buf.push(b' ');
        }
        push_num(&mut buf, 0.067, 3);
        assert_eq!(
            String::from_utf8(buf).expect("ascii"),
            "0 1 -2.5 12.35 0.1 841.89 0.067"
        );
    }

    /// Writes the sample (and a large report) to `$CTRLMAP_PDF_OUT/` for a look.
    #[test]
    fn writes_the_sample_when_asked() {
        let Ok(dir) = std::env::var("CTRLMAP_PDF_OUT") else {
            return;
        };
        let dir = std::path::Path::new(&dir);
        std::fs::create_dir_all(dir).expect("output directory");
        for (name, paper) in [("sample.pdf", Paper::A4), ("sample-letter.pdf", Paper::Letter)] {
            let bytes = render(&sample(), paper).expect("render");
            std::fs::write(dir.join(name), bytes).expect("write");
        }
        let mut live = sample();
        live.evaluation = None;
        live.findings.clear();
        live.evidence.clear();
        std::fs::write(dir.join("live.pdf"), render(&live, Paper::A4).expect("render")).expect("write");
        let unicode = render(&unicode_sample(), Paper::A4).expect("render");
        std::fs::write(dir.join("unicode.pdf"), unicode).expect("write");
        let started = std::time::Instant::now();
        let big = render(&large(50_000), Paper::A4).expect("render");
        eprintln!(
            "large report (1,200 controls, 50,000 evidence): {} bytes in {:?}",
            big.len(),
            started.elapsed()
        );
        std::fs::write(dir.join("large.pdf"), big).expect("write");
    }
}
