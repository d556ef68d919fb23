//! The fonts of one report and the choice of a face per character: the style's bundled face,
//! then DejaVu Sans, then each `--font` file in the order given, then the system fallbacks in
//! their fixed order ([`super::system`]); the first that has a glyph draws it. A character no
//! face has is written as its code point (`<U+1F600>`) by `text::clean`, never as `?`.
//!
//! The set is held in a thread-local while a report is drawn, so the text helpers the sections
//! call (`clean`, `wrap`, `text_width`) see the same fonts the canvas draws with.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::PathBuf;
use std::rc::Rc;

use super::fonts::{BUNDLED_FONTS, Face, Font, bundled, load_file};
use super::system::{find_fallbacks, font_dirs};
use crate::error::{Error, Result};

/// Where the fonts of a report come from, besides the bundled DejaVu faces.
#[derive(Debug, Clone, Default)]
pub struct FontOptions {
    /// Font files (`--font`), tried in this order after DejaVu Sans.
    pub files: Vec<PathBuf>,
    /// Directories searched for fallback fonts (see `system::FALLBACKS`); empty for none.
    pub system_dirs: Vec<PathBuf>,
}

impl FontOptions {
    /// `files`, then the fallbacks found in the usual directories (or `CTRLMAP_FONT_DIRS`).
    pub fn with_system(files: Vec<PathBuf>) -> FontOptions {
        FontOptions {
            files,
            system_dirs: font_dirs(),
        }
    }
}

/// A font file the report may draw with, read the first time a character needs it.
enum Slot {
    Ready(&'static Face),
    Pending(PathBuf, u32),
    /// A fallback that could not be read: skipped.
    Unusable,
}

/// A face (by number) and a glyph id in it.
type Choice = Option<(usize, u16)>;

/// The faces of one report, numbered: bundled ones first, then `--font`, then fallbacks.
pub(super) struct Fonts {
    slots: RefCell<Vec<Slot>>,
    /// The face and glyph chosen for (style, character), or none.
    chosen: RefCell<HashMap<(usize, char), Choice>>,
}

impl Fonts {
    /// Reads the bundled faces and every `--font` file (an unreadable one is an error) and finds
    /// the system fallbacks (read only when needed).
    pub(super) fn new(opts: &FontOptions) -> Result<Fonts> {
        let mut slots = Vec::new();
        for i in 0..BUNDLED_FONTS.len() {
            let face = bundled(i).ok_or_else(|| Error::Invalid("could not read the bundled fonts".into()))?;
            slots.push(Slot::Ready(face));
        }
        for file in &opts.files {
            let face = load_file(file, 0)
                .map_err(|e| Error::Invalid(format!("--font {}: cannot be used: {e}", file.display())))?;
            slots.push(Slot::Ready(face));
        }
        for (path, index) in find_fallbacks(&opts.system_dirs) {
            slots.push(Slot::Pending(path, index));
        }
        Ok(Fonts {
            slots: RefCell::new(slots),
            chosen: RefCell::new(HashMap::new()),
        })
    }

    /// Face `i`, read now if it was pending; `None` if it cannot be used.
    pub(super) fn face(&self, i: usize) -> Option<&'static Face> {
        let mut slots = self.slots.borrow_mut();
        let slot = slots.get_mut(i)?;
        if let Slot::Pending(path, index) = slot {
            *slot = match load_file(path, *index) {
                Ok(face) => Slot::Ready(face),
                Err(_) => Slot::Unusable,
            };
        }
        match slot {
            Slot::Ready(face) => Some(face),
            _ => None,
        }
    }

    /// The face (by number) and glyph that draw `c` in `font`, if any face has it.
    pub(super) fn resolve(&self, font: Font, c: char) -> Choice {
        let primary = font.primary();
        if let Some(face) = self.face(primary)
            && let Some(g) = face.glyph(c)
        {
            return Some((primary, g));
        }
        let key = (primary, c);
        if let Some(&done) = self.chosen.borrow().get(&key) {
            return done;
        }
        let count = self.slots.borrow().len();
        // DejaVu Sans (for the bold and mono styles), then the rest in order.
        let order = std::iter::once(0).chain(BUNDLED_FONTS.len()..count);
        let found = order
            .filter(|&i| i != primary)
            .find_map(|i| self.face(i)?.glyph(c).map(|g| (i, g)));
        self.chosen.borrow_mut().insert(key, found);
        found
    }

    /// Whether some face can draw `c`.
    pub(super) fn has(&self, c: char) -> bool {
        self.resolve(Font::Regular, c).is_some()
    }

    /// Advance of `c` in `font` in thousandths of an em (0 for a character no face has).
    pub(super) fn width(&self, font: Font, c: char) -> u32 {
        match self.resolve(font, c) {
            Some((i, g)) => self.face(i).map_or(0, |f| u32::from(f.width(c, g))),
            None => 0,
        }
    }
}

thread_local! {
    /// The fonts of the report being drawn on this thread.
    static CURRENT: RefCell<Option<Rc<Fonts>>> = const { RefCell::new(None) };
    /// The bundled faces alone, for text measured outside a report.
    static BUNDLED_ONLY: Rc<Fonts> = Rc::new(Fonts {
        slots: RefCell::new((0..BUNDLED_FONTS.len()).filter_map(bundled).map(Slot::Ready).collect()),
        chosen: RefCell::new(HashMap::new()),
    });
}

/// Makes `fonts` the fonts of this thread until dropped; the previous ones come back then.
pub(super) struct FontsGuard(Option<Rc<Fonts>>);

impl FontsGuard {
    pub(super) fn set(fonts: Rc<Fonts>) -> FontsGuard {
        FontsGuard(CURRENT.with(|c| c.replace(Some(fonts))))
    }
}

impl Drop for FontsGuard {
    fn drop(&mut self) {
        let previous = self.0.take();
        CURRENT.with(|c| *c.borrow_mut() = previous);
    }
}

/// The fonts of the report being drawn (the bundled faces alone outside one).
pub(super) fn current() -> Rc<Fonts> {
    CURRENT
        .with(|c| c.borrow().clone())
        .unwrap_or_else(|| BUNDLED_ONLY.with(Rc::clone))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_style_starts_with_its_face_then_dejavu_sans() {
        let fonts = Fonts::new(&FontOptions::default()).expect("fonts");
        assert_eq!(fonts.resolve(Font::Bold, 'a').map(|r| r.0), Some(1));
        assert_eq!(fonts.resolve(Font::Mono, 'a').map(|r| r.0), Some(2));
        assert_eq!(fonts.resolve(Font::Italic, 'a').map(|r| r.0), Some(0));
        // A character the style's face lacks comes from DejaVu Sans, or else shows as missing.
        assert!(fonts.resolve(Font::Mono, '\u{2713}').is_some());
        assert!(!fonts.has('\u{10FFFD}'));
        assert_eq!(fonts.width(Font::Regular, '\u{10FFFD}'), 0);
    }

    #[test]
    fn an_unreadable_font_file_is_an_error_naming_it() {
        let opts = FontOptions {
            files: vec![PathBuf::from("/nonexistent/Font.ttf")],
            system_dirs: Vec::new(),
        };
        let err = Fonts::new(&opts).err().expect("refused").to_string();
        assert!(err.contains("--font /nonexistent/Font.ttf"), "{err}");
    }
}
