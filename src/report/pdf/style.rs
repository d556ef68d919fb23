//! Colours, palettes and text styles of the report.

use super::fonts::Font;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Rgb(pub(super) f32, pub(super) f32, pub(super) f32);

pub(super) const NAVY: Rgb = Rgb(0.067, 0.176, 0.306);
pub(super) const INK: Rgb = Rgb(0.122, 0.161, 0.216);
pub(super) const MUTED: Rgb = Rgb(0.392, 0.427, 0.482);
pub(super) const RULE: Rgb = Rgb(0.796, 0.835, 0.882);
pub(super) const ZEBRA: Rgb = Rgb(0.957, 0.965, 0.976);
pub(super) const TILE: Rgb = Rgb(0.933, 0.949, 0.969);
pub(super) const TRACK: Rgb = Rgb(0.902, 0.918, 0.937);
pub(super) const WHITE: Rgb = Rgb(1.0, 1.0, 1.0);
pub(super) const BAND_TEXT: Rgb = Rgb(0.78, 0.84, 0.92);
pub(super) const GOOD: Rgb = Rgb(0.086, 0.639, 0.290);
pub(super) const GOOD_INK: Rgb = Rgb(0.082, 0.502, 0.239);
pub(super) const WARN: Rgb = Rgb(0.851, 0.467, 0.024);
pub(super) const WARN_INK: Rgb = Rgb(0.706, 0.325, 0.035);
pub(super) const BAD: Rgb = Rgb(0.863, 0.149, 0.149);
pub(super) const BAD_INK: Rgb = Rgb(0.725, 0.110, 0.110);
pub(super) const GREY: Rgb = Rgb(0.580, 0.639, 0.722);
pub(super) const GREY_INK: Rgb = Rgb(0.278, 0.333, 0.412);
pub(super) const PALE: Rgb = Rgb(0.796, 0.835, 0.882);
pub(super) const PALE_INK: Rgb = Rgb(0.392, 0.455, 0.545);

/// The colours of one responsibility: bars and stripes, cell fill, text on the fill.
#[derive(Debug, Clone, Copy)]
pub(super) struct Palette {
    pub(super) strong: Rgb,
    pub(super) tint: Rgb,
    pub(super) ink: Rgb,
}

pub(super) const INHERITED: Palette = Palette {
    strong: Rgb(0.145, 0.388, 0.922),
    tint: Rgb(0.859, 0.918, 0.996),
    ink: Rgb(0.118, 0.251, 0.686),
};
pub(super) const SHARED: Palette = Palette {
    strong: Rgb(0.486, 0.227, 0.929),
    tint: Rgb(0.929, 0.914, 0.996),
    ink: Rgb(0.357, 0.129, 0.714),
};
pub(super) const CUSTOMER: Palette = Palette {
    strong: Rgb(0.918, 0.345, 0.047),
    tint: Rgb(1.0, 0.929, 0.835),
    ink: Rgb(0.604, 0.204, 0.071),
};
pub(super) const UNDETERMINED: Palette = Palette {
    strong: GREY,
    tint: Rgb(0.898, 0.906, 0.922),
    ink: GREY_INK,
};
pub(super) const NEUTRAL: Palette = Palette {
    strong: GREY,
    tint: Rgb(0.902, 0.918, 0.937),
    ink: NAVY,
};

pub(super) fn responsibility_palette(value: &str) -> Palette {
    match value.trim().to_ascii_lowercase().as_str() {
        "inherited" => INHERITED,
        "shared" => SHARED,
        "customer" => CUSTOMER,
        _ => UNDETERMINED,
    }
}

/// Bar colour and text colour of a result.
pub(super) fn result_colors(value: &str) -> (Rgb, Rgb) {
    match value.trim().to_ascii_lowercase().as_str() {
        "satisfied" => (GOOD, GOOD_INK),
        "partially-satisfied" => (WARN, WARN_INK),
        "not-satisfied" => (BAD, BAD_INK),
        "not-applicable" => (GREY, GREY_INK),
        _ => (PALE, PALE_INK),
    }
}

/// Text colour of a finding kind.
pub(super) fn finding_color(kind: &str) -> Rgb {
    match kind.trim().to_ascii_lowercase().as_str() {
        "not-satisfied" => BAD_INK,
        "partially-satisfied" | "expired-evidence" | "no-evidence" => WARN_INK,
        _ => GREY_INK,
    }
}

/// Text colour of an evidence review status.
pub(super) fn status_color(status: &str) -> Rgb {
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
pub(super) struct Style {
    pub(super) font: Font,
    pub(super) size: f32,
    pub(super) color: Rgb,
}

impl Style {
    pub(super) const fn new(font: Font, size: f32, color: Rgb) -> Style {
        Style { font, size, color }
    }

    pub(super) fn color(self, color: Rgb) -> Style {
        Style { color, ..self }
    }

    pub(super) fn font(self, font: Font) -> Style {
        Style { font, ..self }
    }

    /// Line height.
    pub(super) fn lead(self) -> f32 {
        self.size * 1.25
    }

    /// Baseline below the top of a line of height [`Style::lead`].
    pub(super) fn ascent(self) -> f32 {
        self.size * 0.88
    }
}

pub(super) const BODY: Style = Style::new(Font::Regular, 7.5, INK);
pub(super) const BODY_BOLD: Style = Style::new(Font::Bold, 7.5, INK);
pub(super) const HEAD: Style = Style::new(Font::Bold, 7.5, WHITE);
pub(super) const SMALL_MUTED: Style = Style::new(Font::Regular, 7.0, MUTED);
pub(super) const TEXT: Style = Style::new(Font::Regular, 9.5, INK);
