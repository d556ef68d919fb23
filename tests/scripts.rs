//! Every script renders: service names in Japanese, Chinese and with an emoji come back from the
//! PDF (when the machine has a font for them, or one is given with `--font`), what no font has
//! shows as its code point, every font is embedded and no PDF/X is claimed; CSVs start with a
//! byte-order mark unless `--no-bom`; XLSX dates are dates and the Controls sheet has the CSV's
//! columns.

use std::ffi::OsStr;
use std::path::Path;

use calamine::{Data, Reader};

use crate::common::{Env, find_system_font, tool_output};

const JAPANESE: &str = "受注データベース";
const CHINESE: &str = "订单数据库";
const EMOJI: &str = "orders-🚀";
/// A private-use character no font draws.
const NO_GLYPH: &str = "\u{10FFFD}";

/// CJK fonts with TrueType or CFF outlines, by file name (Debian: fonts-wqy-zenhei,
/// fonts-noto-cjk, fonts-droid-fallback, fonts-wqy-microhei).
const CJK_FONTS: &[&str] = &[
    "wqy-zenhei.ttc",
    "NotoSansCJK-Regular.ttc",
    "DroidSansFallbackFull.ttf",
    "wqy-microhei.ttc",
];

/// An estate whose services are named in three scripts, and an organisation name with a
/// character no font has.
fn scripts_estate() -> Env {
    let env = Env::init();
    env.run(["team", "add", "platform"]).success();
    for name in [JAPANESE, CHINESE, EMOJI, "Zürich"] {
        env.run(["service", "add", name, "--offering", "aws.rds", "--team", "platform"])
            .success();
    }
    env
}

/// Writes the PDF report with `vars` and `extra` arguments and returns its bytes.
fn pdf(env: &Env, name: &str, vars: &[(&str, &str)], extra: &[&str]) -> Vec<u8> {
    let out = env.path().join(name);
    let org = format!("Org {NO_GLYPH}");
    let mut args = vec![
        "report",
        "--format",
        "pdf",
        "--out",
        out.to_str().expect("path"),
        "--date",
        "2026-12-01",
        "--organisation",
        &org,
    ];
    args.extend_from_slice(extra);
    env.run_env(vars, &args).success();
    std::fs::read(&out).expect("pdf written")
}

/// The text of every page (lopdf's extraction, through the ToUnicode maps).
fn text(bytes: &[u8]) -> String {
    let doc = lopdf::Document::load_mem(bytes).expect("a PDF lopdf can read");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    doc.extract_text(&pages).expect("text")
}

/// Checks what poppler reads of `path`: the names, when `expect_names`, and every font embedded.
fn check_with_poppler(path: &Path, expect_names: bool) {
    if let Some(out) = tool_output("pdftotext", &[path.as_os_str(), OsStr::new("-")]) {
        if expect_names {
            for name in [JAPANESE, CHINESE, EMOJI, "Zürich"] {
                assert!(out.contains(name), "pdftotext reads {name:?} back: {out}");
            }
        }
        assert!(out.contains("<U+10FFFD>"), "the code point shows");
        assert!(!question_marks(&out), "nothing is drawn as ?");
    }
    if let Some(out) = tool_output("pdffonts", &[path.as_os_str()]) {
        let rows: Vec<&str> = out.lines().skip(2).collect();
        assert!(!rows.is_empty(), "{out}");
        for row in rows {
            let cols: Vec<&str> = row.split_whitespace().collect();
            // name, type (one or two words), encoding, emb, sub, uni, object, id
            let emb = cols[cols.len() - 5];
            assert_eq!(emb, "yes", "every font is embedded: {row}");
        }
    }
    if let Some(out) = tool_output("pdfinfo", &[path.as_os_str()]) {
        assert!(
            !out.contains("PDF/X") && !out.contains("PDF subtype"),
            "no PDF/X claim: {out}"
        );
    }
}

/// Whether a `?` stands anywhere but in the one source title that really ends with one (the
/// matrix page's Sources list cites "What is Shared Responsibility Model in AWS?").
fn question_marks(text: &str) -> bool {
    let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
    words.replace("Model in AWS?", "").contains('?')
}

#[test]
fn names_in_every_script_come_back_from_the_pdf() {
    let env = scripts_estate();
    let a = pdf(&env, "a.pdf", &[], &[]);
    let b = pdf(&env, "b.pdf", &[], &[]);
    assert!(a == b, "the same data and date give the same bytes");
    assert!(!a.windows(15).any(|w| w == b"GTS_PDFXVersion"), "no PDF/X claim");
    let all = text(&a);
    assert!(
        all.contains("Org <U+10FFFD>"),
        "no font has U+10FFFD: its code point shows"
    );
    assert!(all.contains("Zürich"));
    let has_cjk = CJK_FONTS.iter().any(|f| find_system_font(&[f]).is_some());
    if has_cjk {
        for name in [JAPANESE, CHINESE] {
            assert!(all.contains(name), "{name:?} comes back: {all}");
        }
    } else {
        eprintln!("note: no CJK font on this machine (apt-get install fonts-noto-cjk); CJK shows as code points");
        assert!(all.contains("<U+53D7>"), "受 shows as its code point");
    }
    assert!(!question_marks(&all), "nothing is drawn as ?");
    check_with_poppler(&env.path().join("a.pdf"), has_cjk && all.contains(EMOJI));
}

#[test]
fn font_draws_what_the_bundled_fonts_lack() {
    let env = scripts_estate();
    // No system fallbacks: the bundled fonts alone show the names as code points.
    let no_system = [("CTRLMAP_FONT_DIRS", "")];
    let plain = text(&pdf(&env, "plain.pdf", &no_system, &[]));
    assert!(plain.contains("<U+53D7><U+6CE8>"), "受注 as code points: {plain}");
    assert!(plain.contains("orders-<U+1F680>"));
    assert!(!question_marks(&plain));

    let Some(font) = find_system_font(CJK_FONTS) else {
        eprintln!("note: no CJK font file found to pass with --font (apt-get install fonts-wqy-zenhei); skipped");
        return;
    };
    let font = font.to_str().expect("font path");
    let bytes = pdf(&env, "font.pdf", &no_system, &["--font", font]);
    let all = text(&bytes);
    for name in [JAPANESE, CHINESE] {
        assert!(all.contains(name), "{name:?} drawn with --font {font}: {all}");
    }
    check_with_poppler(&env.path().join("font.pdf"), false);

    // A file that is not a font is refused, naming it.
    let bad = env.file("notes.ttf", "not a font");
    env.run([
        "report",
        "--format",
        "pdf",
        "--out",
        "x.pdf",
        "--font",
        bad.to_str().expect("path"),
    ])
    .code(2)
    .stderr(predicates::str::contains("notes.ttf"));
    env.run(["report", "--format", "csv", "--out", "x.csv", "--font", font])
        .code(2)
        .stderr(predicates::str::contains("--font applies to --format pdf only"));
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

#[test]
fn csv_reports_start_with_a_byte_order_mark_unless_told_not_to() {
    let env = scripts_estate();
    for (args, name) in [
        (&["report", "--format", "csv", "--level", "service"][..], "report"),
        (&["export", "crm", "--format", "csv"][..], "crm"),
    ] {
        let with = env.path().join(format!("{name}.csv"));
        let without = env.path().join(format!("{name}-plain.csv"));
        let mut a = args.to_vec();
        a.extend(["--out", with.to_str().expect("path")]);
        env.run(&a).success();
        let mut b = args.to_vec();
        b.extend(["--out", without.to_str().expect("path"), "--no-bom"]);
        env.run(&b).success();
        let with = std::fs::read(&with).expect("csv");
        let without = std::fs::read(&without).expect("csv");
        assert!(with.starts_with(BOM), "{name}: the BOM comes first");
        assert!(!without.starts_with(BOM), "{name}: --no-bom leaves it out");
        assert_eq!(&with[3..], &without[..], "{name}: the rest is the same");
        if name == "report" {
            let text = String::from_utf8(without).expect("UTF-8");
            assert!(text.contains("Zürich") && text.contains(JAPANESE));
        }
    }
    env.run(["report", "--format", "pdf", "--out", "x.pdf", "--no-bom"])
        .code(2)
        .stderr(predicates::str::contains("--no-bom applies to --format csv only"));
}

#[test]
fn xlsx_dates_are_dates_and_controls_have_the_csv_columns() {
    let env = scripts_estate();
    env.setup(&[&[
        "evidence",
        "add",
        "SRM-PATCH",
        "--note",
        "patched",
        "--collected",
        "2026-11-20",
        "--expires",
        "90d",
    ]]);
    env.run_as("bob", ["evidence", "review", "1", "--accept", "--note", "ok"])
        .success();
    let out = env.path().join("r.xlsx");
    env.run([
        "report",
        "--format",
        "xlsx",
        "--out",
        out.to_str().expect("path"),
        "--date",
        "2026-12-01",
    ])
    .success();
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&out).expect("xlsx");
    let controls = book.worksheet_range("Controls").expect("Controls");
    let header: Vec<String> = controls
        .rows()
        .next()
        .expect("header")
        .iter()
        .map(|c| c.to_string())
        .collect();
    for column in ["Status", "Note", "Evidence SHA-256", "Via", "Freshest evidence"] {
        assert!(header.iter().any(|h| h == column), "{column} in {header:?}");
    }
    let freshest = header.iter().position(|h| h == "Freshest evidence").expect("column");
    let patch = controls
        .rows()
        .find(|r| r.first().is_some_and(|c| *c == "SRM-PATCH"))
        .expect("SRM-PATCH row");
    assert!(matches!(patch[freshest], Data::DateTime(_)), "{:?}", patch[freshest]);
    let evidence = book.worksheet_range("Evidence").expect("Evidence");
    let row = evidence.rows().nth(1).expect("evidence row");
    assert!(matches!(row[3], Data::DateTime(_)), "collected: {:?}", row[3]);
    assert!(matches!(row[4], Data::DateTime(_)), "expires: {:?}", row[4]);
    let summary = book.worksheet_range("Summary").expect("Summary");
    let date = summary
        .rows()
        .find(|r| r.first().is_some_and(|c| *c == "Date"))
        .expect("Date row");
    assert!(matches!(date[1], Data::DateTime(_)), "{:?}", date[1]);
}

#[test]
fn implementation_statements_reach_the_pdf_and_the_xlsx() {
    use calamine::Xlsx;
    let env = crate::common::Env::estate();
    env.run([
        "implementation",
        "set",
        "SRM-PATCH",
        "--service",
        "web",
        "--status",
        "implemented",
        "--statement",
        "Patched in the Sunday maintenance window",
    ])
    .success();
    let pdf = env.path().join("r.pdf");
    env.run([
        "report",
        "--format",
        "pdf",
        "--out",
        pdf.to_str().expect("path"),
        "--date",
        "2026-12-01",
    ])
    .success();
    let words = text(&std::fs::read(&pdf).expect("pdf"))
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        words.contains("Statement: Patched in the Sunday maintenance window"),
        "{words}"
    );
    let xlsx = env.path().join("r.xlsx");
    env.run([
        "report",
        "--format",
        "xlsx",
        "--out",
        xlsx.to_str().expect("path"),
        "--date",
        "2026-12-01",
    ])
    .success();
    let mut book: Xlsx<_> = calamine::open_workbook(&xlsx).expect("xlsx");
    let controls = book.worksheet_range("Controls").expect("Controls");
    let header: Vec<String> = controls
        .rows()
        .next()
        .expect("header")
        .iter()
        .map(|c| c.to_string())
        .collect();
    let at = header
        .iter()
        .position(|h| h == "Statement")
        .expect("a Statement column");
    let patch = controls.rows().find(|r| r[0] == "SRM-PATCH").expect("SRM-PATCH");
    assert_eq!(patch[at].to_string(), "Patched in the Sunday maintenance window");
    let fw = controls.rows().find(|r| r[0] == "SRM-FW").expect("SRM-FW");
    assert_eq!(fw[at].to_string(), "", "nothing recorded, nothing said");
}

#[test]
fn the_organisation_view_points_at_statements_recorded_per_service() {
    let env = crate::common::Env::estate();
    env.run([
        "implementation",
        "set",
        "SRM-PATCH",
        "--service",
        "web",
        "--status",
        "implemented",
        "--statement",
        "weekly",
    ])
    .success();
    let out = env.run(["responsibility", "show", "SRM-PATCH"]).success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        text.contains("(not recorded organisation-wide; 1 service has its own: see --service)"),
        "{text}"
    );
    let v = env.json(["responsibility", "show", "SRM-PATCH", "--json"]);
    assert_eq!(v["services_with_statement"], 1);
    assert!(v["statement"].is_null());
    let out = env.run(["responsibility", "show", "SRM-FW"]).success();
    assert!(String::from_utf8_lossy(&out.get_output().stdout).contains("(not recorded)"));
}
