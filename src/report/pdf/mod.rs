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
//! Text is drawn with embedded fonts only: the bundled DejaVu Sans (regular, bold, slanted for
//! italic) and DejaVu Sans Mono, and for characters they lack, `--font` files and then fallback
//! fonts found on the system (`fontset`, `system`); each face is embedded as a subset of the
//! glyphs drawn with a ToUnicode map (`embed`). A character no face has shows as its code point.
//! Widths come from the same faces, and every table cell is wrapped with them (`text::wrap`),
//! so no text leaves its cell.
//!
//! Page contents are written straight into compact content streams (a few bytes per operator)
//! instead of printpdf `Op` values (128 bytes each, several per piece of text), so a report with
//! 50,000 evidence lines stays in tens of megabytes. printpdf builds the document around them:
//! pages, builtin fonts, outline and metadata; lopdf then writes it. Nothing depends on the clock
//! or on randomness: dates come from `generated_on`, outline entries have fixed ids, and the
//! trailer `/ID` (random in printpdf) is replaced by a hash of the bytes, so the same data always
//! gives the same file.

mod canvas;
mod document;
mod embed;
#[cfg(test)]
mod fixtures;
mod fonts;
mod fontset;
mod sections;
mod style;
mod system;
mod table;
mod text;

use std::rc::Rc;

use self::document::{assemble, footer_text, parse_date};
pub use self::fontset::FontOptions;
use self::fontset::{Fonts, FontsGuard};
use self::sections::Renderer;
use super::data::{Paper, ReportData, Section};
use crate::error::{Error, Result};

/// Renders `data` as a PDF on `paper` with the bundled fonts and the system's fallbacks; the
/// same data gives the same bytes on the same machine.
pub fn render(data: &ReportData, paper: Paper) -> Result<Vec<u8>> {
    render_with(data, paper, &FontOptions::with_system(Vec::new()))
}

/// Renders `data` as a PDF on `paper` with the fonts of `fonts`.
pub fn render_with(data: &ReportData, paper: Paper, fonts: &FontOptions) -> Result<Vec<u8>> {
    if data.sections.is_empty() {
        return Err(Error::Invalid("the report has no sections to draw".into()));
    }
    let date = parse_date(&data.generated_on)?;
    let fonts = Rc::new(Fonts::new(fonts)?);
    let _fonts = FontsGuard::set(Rc::clone(&fonts));
    let mut r = Renderer::new(data, paper);
    for section in &data.sections {
        match section {
            Section::Cover => r.cover(),
            Section::Summary => r.summary(),
            Section::Matrix => r.matrix(),
            Section::Controls => r.controls(),
            Section::Findings => r.findings(),
            Section::Checks => r.checks(),
            Section::Evidence => r.evidence(),
            Section::Signoff => r.signoff(),
        }
    }
    let outline = std::mem::take(&mut r.outline);
    let pages = r.c.finish(&footer_text(data), &data.generated_on);
    let glyphs = std::mem::take(&mut r.c.glyphs);
    assemble(data, paper, date, pages, &outline, &fonts, &glyphs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::pdf::fixtures::{
        assert_footers, checks_sample, hash, large, outline_count, page_texts, sample, scripts_sample, unicode_sample,
    };

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
    fn automated_checks_are_drawn_only_when_a_scan_counts() {
        let data = checks_sample();
        let bytes = render(&data, Paper::A4).expect("render");
        let pages = page_texts(&bytes);
        let page = pages
            .iter()
            .find(|p| p.contains("Automated checks"))
            .expect("a page of automated checks");
        for needle in [
            "3 controls with scanner results that count",
            "57 passed, 32 failed, 3 to check by hand",
            "SRM-FW",
            "arn:aws:s3:::invoices-archive-000-eu-west-1-111122223333",
            "organisation-wide",
            "and 18 more",
        ] {
            assert!(pages.join("\n").contains(needle), "{needle:?} missing");
        }
        assert!(page.contains("Failing resources"));
        assert_footers(&pages);
        assert_eq!(outline_count(&bytes), 8);
        // The section in the template, but no scan counts: nothing drawn, the same bytes as without it.
        let mut none = checks_sample();
        none.checks.clear();
        assert_eq!(
            render(&none, Paper::A4).expect("render"),
            render(&sample(), Paper::A4).expect("render")
        );
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
        let checks = render(&checks_sample(), Paper::A4).expect("render");
        std::fs::write(dir.join("checks.pdf"), checks).expect("write");
        let unicode = render(&unicode_sample(), Paper::A4).expect("render");
        std::fs::write(dir.join("unicode.pdf"), unicode).expect("write");
        let scripts = render(&scripts_sample(), Paper::A4).expect("render");
        std::fs::write(dir.join("scripts.pdf"), scripts).expect("write");
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
