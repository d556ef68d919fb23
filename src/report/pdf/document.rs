//! Document assembly: paper sizes and dates, printpdf and lopdf around the drawn page contents,
//! outline and metadata, and the trailer `/ID` hash that makes the bytes depend on the data only.

use std::collections::BTreeMap;

use printpdf::{Mm, PageAnnotId, PageAnnotation, PdfDocument, PdfPage, PdfSaveOptions};
use sha2::{Digest, Sha256};

use super::canvas::{FaceUse, paper_mm};
use super::embed::{embed_fonts, lopdf_error};
use super::fontset::Fonts;
use crate::error::{Error, Result};
use crate::report::data::{Paper, ReportData};

/// `generated_on` (YYYY-MM-DD) as midnight UTC.
pub(super) fn parse_date(s: &str) -> Result<printpdf::DateTime> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let day = time::Date::parse(s, &format)
        .map_err(|_| Error::Invalid(format!("report date \"{s}\" is not a valid YYYY-MM-DD date")))?;
    let ts = day.midnight().assume_utc().unix_timestamp();
    printpdf::DateTime::from_unix_timestamp(ts)
        .map_err(|e| Error::Invalid(format!("report date \"{s}\" cannot be used: {e}")))
}

pub(super) fn footer_text(data: &ReportData) -> String {
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

/// Builds the document around the drawn page contents and writes it.
pub(super) fn assemble(
    data: &ReportData,
    paper: Paper,
    date: printpdf::DateTime,
    pages: Vec<Vec<u8>>,
    outline: &[(String, usize)],
    fonts: &Fonts,
    glyphs: &BTreeMap<usize, FaceUse>,
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
    // Pages are empty here: their contents, drawn already, replace printpdf's below.
    let n = pages.len();
    doc.pages = (0..n).map(|_| PdfPage::new(Mm(w_mm), Mm(h_mm), Vec::new())).collect();
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
    embed_fonts(&mut lo, page_ids.first().copied(), fonts, glyphs)?;
    // printpdf always writes a `/GTS_PDFXVersion`, empty here, which makes readers take the file
    // for PDF/X; it is not.
    let info = lo
        .trailer
        .get(b"Info")
        .and_then(lopdf::Object::as_reference)
        .map_err(lopdf_error)?;
    lo.get_dictionary_mut(info)
        .map_err(lopdf_error)?
        .remove(b"GTS_PDFXVersion");
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
    compress(&mut lo);
    let placeholder = lopdf::Object::String(ID_PLACEHOLDER.to_vec(), lopdf::StringFormat::Hexadecimal);
    lo.trailer
        .set("ID", lopdf::Object::Array(vec![placeholder.clone(), placeholder]));
    let mut out = Vec::new();
    lo.save_to(&mut out)
        .map_err(|e| Error::Invalid(format!("could not write the PDF: {e}")))?;
    set_document_id(&mut out)?;
    Ok(out)
}

/// lopdf's `Document::compress` on two cores: every stream is compressed as lopdf compresses it
/// (so the bytes are the same), shared out by size between this thread and another.
fn compress(lo: &mut lopdf::Document) {
    let mut streams: Vec<&mut lopdf::Stream> = lo
        .objects
        .values_mut()
        .filter_map(|o| match o {
            lopdf::Object::Stream(s) if s.allows_compression => Some(s),
            _ => None,
        })
        .collect();
    streams.sort_by_key(|s| std::cmp::Reverse(s.content.len()));
    let (mut here, mut there) = (Vec::new(), Vec::new());
    let (mut here_bytes, mut there_bytes) = (0, 0);
    for s in streams {
        if here_bytes <= there_bytes {
            here_bytes += s.content.len();
            here.push(s);
        } else {
            there_bytes += s.content.len();
            there.push(s);
        }
    }
    // As lopdf does, a stream that fails to compress is left as it is.
    let compress_all = |streams: Vec<&mut lopdf::Stream>| {
        for s in streams {
            let _ = s.compress();
        }
    };
    std::thread::scope(|scope| {
        scope.spawn(|| compress_all(there));
        compress_all(here);
    });
}

/// Replaces the placeholder `/ID` in the trailer by the first 16 bytes of the file's SHA-256.
fn set_document_id(out: &mut [u8]) -> Result<()> {
    let hash = Sha256::digest(&*out);
    let id = crate::support::hex::encode(&hash[..16]);
    let needle = crate::support::hex::encode(&ID_PLACEHOLDER);
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

pub(super) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::pdf::fixtures::{assert_footers, media_box, page_texts, sample};
    use crate::report::pdf::render;

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
    fn a_bad_date_is_refused() {
        let mut data = sample();
        data.generated_on = "01/12/2026".into();
        let err = render(&data, Paper::A4).expect_err("refused");
        assert!(matches!(err, Error::Invalid(_)));
        assert!(err.to_string().contains("01/12/2026"));
    }
}
