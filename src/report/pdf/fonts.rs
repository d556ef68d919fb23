//! The font programs text is drawn with: the bundled DejaVu Sans (regular and bold) and DejaVu
//! Sans Mono, font files named with `--font`, and fallback fonts found on the system. Every face
//! drawn is embedded as a subset (see `embed`), so a report looks the same on every viewer.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use ttf_parser::{GlyphId, Tag};

/// The text styles the report uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Font {
    /// DejaVu Sans.
    Regular,
    /// DejaVu Sans Bold.
    Bold,
    /// DejaVu Sans, slanted.
    Italic,
    /// DejaVu Sans Mono, for hashes.
    Mono,
}

impl Font {
    /// Every style, for tests that check each.
    #[cfg(test)]
    pub(super) const ALL: [Font; 4] = [Font::Regular, Font::Bold, Font::Italic, Font::Mono];

    /// The bundled face (index into [`BUNDLED_FONTS`]) the style is drawn with first.
    pub(super) fn primary(self) -> usize {
        match self {
            Font::Regular | Font::Italic => 0,
            Font::Bold => 1,
            Font::Mono => 2,
        }
    }
}

/// DejaVu Sans, DejaVu Sans Bold and DejaVu Sans Mono (licence: `assets/fonts/LICENSE-DejaVu.txt`).
pub(super) const BUNDLED_FONTS: [(&[u8], &str); 3] = [
    (include_bytes!("../../../assets/fonts/DejaVuSans.ttf"), "DejaVuSans"),
    (
        include_bytes!("../../../assets/fonts/DejaVuSans-Bold.ttf"),
        "DejaVuSans-Bold",
    ),
    (
        include_bytes!("../../../assets/fonts/DejaVuSansMono.ttf"),
        "DejaVuSansMono",
    ),
];

/// One font program, parsed once: its bytes stay for the subset embedded at the end.
pub(super) struct Face {
    pub(super) bytes: &'static [u8],
    /// Index of the face in a collection (`.ttc`), 0 otherwise.
    pub(super) index: u32,
    /// PostScript name, reduced to characters a PDF name may hold.
    pub(super) name: String,
    pub(super) face: ttf_parser::Face<'static>,
    /// Whether the outlines are CFF (embedded as `FontFile3`) rather than TrueType.
    pub(super) cff: bool,
    /// Glyph ids of U+0000..=U+00FF (0 where the face has none), for the common case.
    latin_gid: [u16; 256],
    /// Their advances in thousandths of an em.
    latin_width: [u16; 256],
}

impl Face {
    /// Parses face `index` of `bytes`; refuses fonts without outlines a PDF can embed (colour
    /// bitmap fonts such as Noto Color Emoji, CFF2 variable fonts).
    fn parse(bytes: &'static [u8], index: u32, fallback_name: &str) -> Result<Face, String> {
        let face = ttf_parser::Face::parse(bytes, index).map_err(|e| format!("not a font ({e})"))?;
        let raw = face.raw_face();
        let cff = raw.table(Tag::from_bytes(b"CFF ")).is_some();
        if raw.table(Tag::from_bytes(b"glyf")).is_none() && !cff {
            return Err("it has no TrueType or CFF outlines (a bitmap or colour font cannot be embedded)".into());
        }
        if face.units_per_em() == 0 {
            return Err("its units per em are 0".into());
        }
        let name = face
            .names()
            .into_iter()
            .filter(|n| n.name_id == ttf_parser::name_id::POST_SCRIPT_NAME)
            .find_map(|n| n.to_string())
            .map(|n| {
                n.chars()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                    .collect::<String>()
            })
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| fallback_name.to_string());
        let mut f = Face {
            bytes,
            index,
            name,
            face,
            cff,
            latin_gid: [0; 256],
            latin_width: [0; 256],
        };
        for b in 0..=255u8 {
            let gid = f.lookup(char::from(b)).unwrap_or(0);
            f.latin_gid[usize::from(b)] = gid;
            f.latin_width[usize::from(b)] = f.advance(gid);
        }
        Ok(f)
    }

    fn lookup(&self, c: char) -> Option<u16> {
        self.face.glyph_index(c).map(|g| g.0).filter(|&g| g != 0)
    }

    /// The glyph of `c`, if the face has one.
    pub(super) fn glyph(&self, c: char) -> Option<u16> {
        match u8::try_from(u32::from(c)) {
            Ok(b) => Some(self.latin_gid[usize::from(b)]).filter(|&g| g != 0),
            Err(_) => self.lookup(c),
        }
    }

    /// Advance of glyph `gid` in thousandths of an em.
    pub(super) fn advance(&self, gid: u16) -> u16 {
        let upm = u32::from(self.face.units_per_em());
        let w = u32::from(self.face.glyph_hor_advance(GlyphId(gid)).unwrap_or(0));
        u16::try_from((w * 1000 + upm / 2) / upm).unwrap_or(u16::MAX)
    }

    /// Advance of `c`'s glyph (`gid`, from [`Face::glyph`]) in thousandths of an em.
    pub(super) fn width(&self, c: char, gid: u16) -> u16 {
        match u8::try_from(u32::from(c)) {
            Ok(b) => self.latin_width[usize::from(b)],
            Err(_) => self.advance(gid),
        }
    }

    /// `v` font units in thousandths of an em.
    pub(super) fn scale(&self, v: i16) -> i64 {
        (f32::from(v) * 1000.0 / f32::from(self.face.units_per_em())).round() as i64
    }
}

/// Bundled face `i` (see [`BUNDLED_FONTS`]), parsed once; `None` if it cannot be read.
pub(super) fn bundled(i: usize) -> Option<&'static Face> {
    static FACES: OnceLock<Vec<Option<Face>>> = OnceLock::new();
    FACES
        .get_or_init(|| {
            BUNDLED_FONTS
                .iter()
                .map(|(bytes, name)| Face::parse(bytes, 0, name).ok())
                .collect()
        })
        .get(i)?
        .as_ref()
}

/// Reads face `index` of the font file at `path`, once per process: the file's bytes and the
/// parsed face are kept for the rest of it (a report needs them until its subsets are written,
/// and the set of font files a process reads is small and fixed: `--font` and the fallbacks).
pub(super) fn load_file(path: &Path, index: u32) -> Result<&'static Face, String> {
    type Loaded = BTreeMap<(PathBuf, u32), Result<&'static Face, String>>;
    static FILES: OnceLock<Mutex<Loaded>> = OnceLock::new();
    let files = FILES.get_or_init(|| Mutex::new(BTreeMap::new()));
    let mut files = files.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let key = (path.to_path_buf(), index);
    if let Some(done) = files.get(&key) {
        return done.clone();
    }
    let loaded = std::fs::read(path)
        .map_err(|e| e.to_string())
        .and_then(|bytes| {
            // Checked before the bytes are kept, so a file that is not a font is not held.
            ttf_parser::Face::parse(&bytes, index).map_err(|e| format!("not a font ({e})"))?;
            let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
            let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("Font");
            Face::parse(bytes, index, stem)
        })
        .map(|face| &*Box::leak(Box::new(face)));
    files.insert(key, loaded.clone());
    loaded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_faces_parse_and_cover_latin() {
        for i in 0..BUNDLED_FONTS.len() {
            let face = bundled(i).expect("bundled face");
            assert!(!face.cff);
            for c in ['a', 'Z', '\u{e9}', '\u{20ac}', '\u{141}', '\u{3a9}'] {
                assert!(face.glyph(c).is_some(), "{} lacks {c:?}", face.name);
            }
            assert!(face.glyph('\u{6f22}').is_none(), "no CJK in DejaVu");
        }
        assert_eq!(bundled(0).expect("sans").name, "DejaVuSans");
        let mono = bundled(2).expect("mono");
        let zero = mono.glyph('0').expect("zero");
        assert_eq!(mono.width('0', zero), 602);
    }

    #[test]
    fn files_that_are_not_fonts_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("notes.ttf");
        std::fs::write(&path, b"not a font at all").expect("write");
        let err = load_file(&path, 0).err().expect("refused");
        assert!(err.contains("not a font"), "{err}");
        assert!(load_file(&dir.path().join("missing.ttf"), 0).is_err());
    }
}
