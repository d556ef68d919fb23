//! The XLSX renderer: draws a [`ReportData`] as a workbook with one sheet per section, for people
//! who want to sort and filter: "Summary" (report details and counts), "Matrix" (one row per
//! category entry: provider and customer summaries, controls by responsibility, services),
//! "Controls", "Findings" and "Evidence".
//!
//! Every table sheet has a bold, frozen header row, an autofilter over the table and column widths
//! fitted to the content; responsibility cells are filled with the report's colours. Every text is
//! written with `write_string`, so nothing a user typed can become a formula; counts and ids are
//! numbers; dates and timestamps are Excel dates (shown `yyyy-mm-dd`, `yyyy-mm-dd hh:mm:ss` in
//! UTC), so they sort and filter as dates. The document's creation time is `generated_on` (midnight UTC), so the same data always
//! gives the same bytes.

use rust_xlsxwriter::{Color, DocProperties, ExcelDateTime, Format, FormatBorder, Workbook, Worksheet, XlsxError};

mod sheets;

use self::sheets::{controls, evidence, findings, matrix, poam, summary};
use super::data::ReportData;
use crate::error::{Error, Result};

/// Excel's limit on the characters in one cell.
const MAX_CELL_CHARS: usize = 32_767;
/// Bounds on a fitted column width, in characters.
const MIN_WIDTH: usize = 8;
const MAX_WIDTH: usize = 60;

/// Renders `data` as an XLSX workbook; the same data gives the same bytes.
pub fn render(data: &ReportData) -> Result<Vec<u8>> {
    let created = creation_datetime(&data.generated_on)?;
    let styles = Styles::new();
    let mut workbook = Workbook::new();
    let properties = DocProperties::new()
        .set_title(clip(&data.title))
        .set_company(clip(&data.organisation))
        .set_creation_datetime(&created);
    workbook.set_properties(&properties);
    summary(workbook.add_worksheet(), data, &styles).map_err(xlsx_error)?;
    matrix(workbook.add_worksheet(), data, &styles).map_err(xlsx_error)?;
    controls(workbook.add_worksheet(), data, &styles).map_err(xlsx_error)?;
    findings(workbook.add_worksheet(), data, &styles).map_err(xlsx_error)?;
    evidence(workbook.add_worksheet(), data, &styles).map_err(xlsx_error)?;
    if !data.poam.is_empty() {
        poam(workbook.add_worksheet(), data, &styles).map_err(xlsx_error)?;
    }
    workbook.save_to_buffer().map_err(xlsx_error)
}

fn xlsx_error(e: XlsxError) -> Error {
    Error::Invalid(format!("XLSX: {e}"))
}

/// Midnight UTC of `generated_on` (YYYY-MM-DD).
fn creation_datetime(generated_on: &str) -> Result<ExcelDateTime> {
    let bad = || Error::Invalid(format!("XLSX: report date \"{generated_on}\" is not YYYY-MM-DD"));
    let mut parts = generated_on.trim().splitn(3, '-');
    let (Some(y), Some(m), Some(d)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    let (y, m, d) = (
        y.parse::<u16>().map_err(|_| bad())?,
        m.parse::<u8>().map_err(|_| bad())?,
        d.parse::<u8>().map_err(|_| bad())?,
    );
    ExcelDateTime::from_ymd(y, m, d).map_err(|_| bad())
}

/// The formats every sheet shares.
struct Styles {
    header: Format,
    title: Format,
    label: Format,
    percent: Format,
    date: Format,
    datetime: Format,
    inherited: Format,
    shared: Format,
    customer: Format,
    undetermined: Format,
}

impl Styles {
    fn new() -> Self {
        let fill = |rgb: u32| Format::new().set_background_color(Color::RGB(rgb));
        Self {
            header: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(0xF2_F2F2))
                .set_border_bottom(FormatBorder::Thin),
            title: Format::new().set_bold().set_font_size(14),
            label: Format::new().set_bold(),
            percent: Format::new().set_num_format("0.0%"),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            datetime: Format::new().set_num_format("yyyy-mm-dd hh:mm:ss"),
            inherited: fill(0xDD_EBF7),
            shared: fill(0xE8_DFF5),
            customer: fill(0xFC_E4D6),
            undetermined: fill(0xE7_E6E6),
        }
    }

    /// The fill for a responsibility label, if it is one.
    fn responsibility(&self, label: &str) -> Option<&Format> {
        match label {
            "inherited" => Some(&self.inherited),
            "shared" => Some(&self.shared),
            "customer" => Some(&self.customer),
            "undetermined" => Some(&self.undetermined),
            _ => None,
        }
    }
}

/// A cell of a table row.
enum Cell<'a> {
    Text(&'a str),
    /// Text filled with its responsibility's colour.
    Responsibility(&'a str),
    Number(f64),
    /// A date (YYYY-MM-DD) or UTC timestamp (RFC 3339), written as an Excel date; other text
    /// (empty, "open") as it is.
    Date(&'a str),
}

impl Cell<'_> {
    /// Characters it takes on screen, roughly.
    fn width(&self) -> usize {
        match self {
            Cell::Text(s) | Cell::Responsibility(s) | Cell::Date(s) => s.chars().take(MAX_WIDTH).count(),
            Cell::Number(n) => format!("{n}").len(),
        }
    }
}

/// Text no longer than Excel accepts in a cell.
fn clip(s: &str) -> &str {
    match s.char_indices().nth(MAX_CELL_CHARS) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

fn put(ws: &mut Worksheet, row: u32, col: u16, cell: &Cell<'_>, styles: &Styles) -> Result<(), XlsxError> {
    match cell {
        Cell::Text(s) => ws.write_string(row, col, clip(s))?,
        Cell::Responsibility(s) => match styles.responsibility(s) {
            Some(f) => ws.write_string_with_format(row, col, clip(s), f)?,
            None => ws.write_string(row, col, clip(s))?,
        },
        Cell::Number(n) => ws.write_number(row, col, *n)?,
        Cell::Date(s) => match excel_date(s) {
            Some((date, false)) => ws.write_datetime_with_format(row, col, &date, &styles.date)?,
            Some((date, true)) => ws.write_datetime_with_format(row, col, &date, &styles.datetime)?,
            None => ws.write_string(row, col, clip(s))?,
        },
    };
    Ok(())
}

/// `s` as an Excel date, with whether it has a time of day; `None` unless it starts with a
/// YYYY-MM-DD date (the parser also takes bare times, which are not dates).
fn excel_date(s: &str) -> Option<(ExcelDateTime, bool)> {
    let b = s.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let date = ExcelDateTime::parse_from_str(s).ok()?;
    Some((date, b.len() > 10))
}

/// Writes a table with its header at row 0: bold frozen header, autofilter, fitted widths.
fn table<'a>(
    ws: &mut Worksheet,
    headers: &[&str],
    rows: impl Iterator<Item = Vec<Cell<'a>>>,
    styles: &Styles,
) -> Result<(), XlsxError> {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count() + 3).collect();
    for (col, h) in (0u16..).zip(headers) {
        ws.write_string_with_format(0, col, *h, &styles.header)?;
    }
    let mut last_row = 0u32;
    for (row, cells) in (1u32..).zip(rows) {
        for ((col, cell), width) in (0u16..).zip(&cells).zip(widths.iter_mut()) {
            put(ws, row, col, cell, styles)?;
            *width = (*width).max(cell.width() + 1);
        }
        last_row = row;
    }
    let last_col = u16::try_from(headers.len().saturating_sub(1)).unwrap_or(u16::MAX);
    ws.set_freeze_panes(1, 0)?;
    ws.autofilter(0, 0, last_row, last_col)?;
    for (col, w) in (0u16..).zip(widths) {
        ws.set_column_width(col, w.clamp(MIN_WIDTH, MAX_WIDTH) as f64)?;
    }
    Ok(())
}

fn num(n: u64) -> Cell<'static> {
    Cell::Number(n as f64)
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Read};

    use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};

    use super::*;
    use crate::report::data::{
        CategoryColumn, ControlLine, EvaluationLine, EvidenceLine, Finding, Section, ServiceLine, Summary, TeamLine,
        Texts,
    };

    fn control(key: &str, title: &str, responsibility: &str, result: &str, evidence: u64) -> ControlLine {
        ControlLine {
            key: key.into(),
            title: title.into(),
            family: "Patch Management".into(),
            responsibility: responsibility.into(),
            owner: "platform".into(),
            result: result.into(),
            evidence_count: evidence,
            freshest: if evidence > 0 {
                "2026-11-20".into()
            } else {
                String::new()
            },
            status: "implemented".into(),
            note: "reviewed with the DBA".into(),
            evidence_sha256: "ab".repeat(32),
            via: "SRM-PATCH (equal)".into(),
            statement: "weekly patching".into(),
        }
    }

    fn sample() -> ReportData {
        let controls = vec![
            control(
                "SRM-PHYS",
                "Physical and environmental protection",
                "inherited",
                "not-applicable",
                0,
            ),
            control("SRM-PATCH", "Patch management", "shared", "satisfied", 2),
            control(
                "SRM-IAM",
                "=HYPERLINK(\"http://evil\",\"x\")",
                "customer",
                "not-satisfied",
                0,
            ),
            control("SRM-ZONE", "+Zone security", "undetermined", "not-assessed", 1),
        ];
        ReportData {
            title: "Control evaluation report".into(),
            organisation: "Example Corp".into(),
            generated_on: "2026-12-01".into(),
            catalog_key: "srm".into(),
            catalog_title: "Shared responsibility baseline".into(),
            scope_teams: vec![],
            scope_services: vec![ServiceLine {
                name: "orders-db".into(),
                offering: "Amazon RDS".into(),
                category: "container".into(),
                team: "platform".into(),
            }],
            evaluation: Some(EvaluationLine {
                id: 3,
                name: "Q4 2026 internal review".into(),
                assessor: "alice".into(),
                opened_at: "2026-11-01T09:00:00Z".into(),
                closed_at: Some("2026-11-30T17:00:00Z".into()),
            }),
            fingerprint: "3f2a9c4d5e6b7a80".into(),
            summary: Summary {
                by_responsibility: vec![
                    ("inherited".into(), 1),
                    ("shared".into(), 1),
                    ("customer".into(), 1),
                    ("undetermined".into(), 1),
                ],
                by_result: vec![
                    ("satisfied".into(), 1),
                    ("partially-satisfied".into(), 0),
                    ("not-satisfied".into(), 1),
                    ("not-applicable".into(), 1),
                    ("not-assessed".into(), 1),
                ],
                shared_or_customer: 2,
                with_counting_evidence: 1,
                evidence_failed: 0,
                evidence_check: String::new(),
                teams: vec![TeamLine {
                    team: "platform".into(),
                    pairs: 2,
                    evidenced: 1,
                    satisfied: 1,
                    failing: 1,
                }],
            },
            categories: vec![CategoryColumn {
                category: "container".into(),
                provider_summary: "Hardware, virtualisation, guest OS".into(),
                customer_summary: "Data, identities, network rules".into(),
                provider_controls: vec!["Physical and environmental protection".into()],
                shared_controls: vec!["Patch management".into()],
                customer_controls: vec!["=HYPERLINK(\"http://evil\",\"x\")".into()],
                services: vec!["orders-db".into()],
            }],
            controls,
            findings: vec![Finding {
                kind: "not-satisfied".into(),
                control: "SRM-IAM".into(),
                service: "orders-db".into(),
                detail: "@SUM(1,2) assessed not satisfied".into(),
            }],
            checks: vec![crate::report::data::CheckLine {
                control: "SRM-PATCH".into(),
                title: "Patch management".into(),
                passed: 3,
                failed: 1,
                ..Default::default()
            }],
            evidence: vec![EvidenceLine {
                id: 7,
                title: "-2+3 patch report".into(),
                sha256: "ab".repeat(32),
                collected: "2026-11-20".into(),
                expires: "2027-02-18".into(),
                status: "accepted".into(),
                reviewer: "bob".into(),
                controls: "SRM-PATCH, SRM-ZONE".into(),
                integrity: String::new(),
            }],
            texts: Texts::default(),
            sections: vec![Section::Cover, Section::Summary],
            control_columns: vec![],
            sources: vec![],
            poam: Vec::new(),
        }
    }

    fn open(bytes: Vec<u8>) -> Xlsx<Cursor<Vec<u8>>> {
        open_workbook_from_rs(Cursor::new(bytes)).expect("open workbook")
    }

    fn text(s: &str) -> Data {
        Data::String(s.into())
    }

    /// The value at `label` in column A of the Summary sheet, column B.
    /// What calamine reads back for a cell written as the date `ymd`.
    fn date(ymd: &str) -> Data {
        let (date, _) = excel_date(ymd).expect("a date");
        Data::DateTime(calamine::ExcelDateTime::new(
            date.to_excel(),
            calamine::ExcelDateTimeType::DateTime,
            false,
        ))
    }

    /// Column `col` of the first row of the Evidence sheet.
    fn evidence_date(wb: &mut Xlsx<Cursor<Vec<u8>>>, col: u32) -> Data {
        let range = wb.worksheet_range("Evidence").expect("Evidence");
        range.get((1, col as usize)).cloned().expect("cell")
    }

    fn summary_value(range: &calamine::Range<Data>, label: &str, after: usize) -> Data {
        let row = range
            .rows()
            .enumerate()
            .skip(after)
            .find(|(_, r)| r.first() == Some(&text(label)))
            .unwrap_or_else(|| panic!("no {label} row"))
            .1;
        row[1].clone()
    }

    #[test]
    fn has_the_five_sheets_in_order() {
        let wb = open(render(&sample()).expect("render"));
        assert_eq!(
            wb.sheet_names(),
            ["Summary", "Matrix", "Controls", "Findings", "Evidence"]
        );
    }

    #[test]
    fn poam_items_add_a_sheet_and_summary_rows() {
        let mut data = sample();
        data.poam = vec![crate::report::data::PoamLine {
            id: 4,
            control: "SRM-FW".into(),
            kind: "not-satisfied".into(),
            services: "orders-db".into(),
            owner: "platform".into(),
            detected: "2026-11-01".into(),
            due: "2026-11-30".into(),
            status: "open".into(),
            overdue: true,
            plan: String::new(),
        }];
        let mut wb = open(render(&data).expect("render"));
        assert_eq!(
            wb.sheet_names(),
            ["Summary", "Matrix", "Controls", "Findings", "Evidence", "POA&M"]
        );
        let range = wb.worksheet_range("POA&M").expect("POA&M");
        assert_eq!(range.get((1, 1)), Some(&text("open (overdue)")));
        let summary = wb.worksheet_range("Summary").expect("Summary");
        assert_eq!(summary_value(&summary, "Of those, overdue", 0), Data::Float(1.0));
    }

    #[test]
    fn controls_sheet_has_header_and_rows() {
        let mut wb = open(render(&sample()).expect("render"));
        let range = wb.worksheet_range("Controls").expect("Controls");
        assert_eq!(range.start(), Some((0, 0)));
        assert_eq!(range.height(), 5);
        let header: Vec<Data> = range.rows().next().expect("header").to_vec();
        assert_eq!(
            header,
            sheets::CONTROL_HEADERS.iter().map(|h| text(h)).collect::<Vec<_>>()
        );
        let row: Vec<Data> = range.rows().nth(2).expect("SRM-PATCH").to_vec();
        assert_eq!(
            row,
            vec![
                text("SRM-PATCH"),
                text("Patch management"),
                text("Patch Management"),
                text("shared"),
                text("platform"),
                text("satisfied"),
                Data::Float(2.0),
                date("2026-11-20"),
                text("implemented"),
                text("reviewed with the DBA"),
                text(&"ab".repeat(32)),
                text("SRM-PATCH (equal)"),
                text("weekly patching"),
                Data::Float(3.0),
                Data::Float(1.0),
            ]
        );
        assert_eq!(evidence_date(&mut wb, 3), date("2026-11-20"), "collected is a date");
        assert_eq!(evidence_date(&mut wb, 4), date("2027-02-18"), "expires is a date");
        let evidence = wb.worksheet_range("Evidence").expect("Evidence");
        assert_eq!(evidence.get((1, 0)), Some(&Data::Float(7.0)));
        assert_eq!(evidence.get((1, 1)), Some(&text("-2+3 patch report")));
        let matrix = wb.worksheet_range("Matrix").expect("Matrix");
        assert_eq!(matrix.height(), 1 + 2 + 3 + 1);
        let findings = wb.worksheet_range("Findings").expect("Findings");
        assert_eq!(findings.get((1, 3)), Some(&text("@SUM(1,2) assessed not satisfied")));
    }

    #[test]
    fn summary_has_details_and_totals() {
        let mut wb = open(render(&sample()).expect("render"));
        let range = wb.worksheet_range("Summary").expect("Summary");
        assert_eq!(range.get((0, 0)), Some(&text("Control evaluation report")));
        assert_eq!(summary_value(&range, "Organisation", 0), text("Example Corp"));
        assert_eq!(summary_value(&range, "Catalogue", 0), text("srm"));
        assert_eq!(summary_value(&range, "Evaluation", 0), Data::Float(3.0));
        assert_eq!(summary_value(&range, "Date", 0), date("2026-12-01"));
        assert_eq!(summary_value(&range, "Fingerprint", 0), text("3f2a9c4d5e6b7a80"));
        assert_eq!(summary_value(&range, "inherited", 0), Data::Float(1.0));
        assert_eq!(summary_value(&range, "Total", 0), Data::Float(4.0));
        let by_result = range
            .rows()
            .position(|r| r.first() == Some(&text("Controls by result")))
            .expect("by result");
        assert_eq!(
            summary_value(&range, "partially-satisfied", by_result),
            Data::Float(0.0)
        );
        assert_eq!(summary_value(&range, "Total", by_result), Data::Float(4.0));
        assert_eq!(summary_value(&range, "Shared or customer", 0), Data::Float(2.0));
        assert_eq!(summary_value(&range, "Coverage", 0), Data::Float(0.5));
        assert_eq!(summary_value(&range, "Findings", 0), Data::Float(1.0));
        assert_eq!(summary_value(&range, "platform", 0), Data::Float(2.0));
    }

    #[test]
    fn formula_like_text_is_stored_as_a_literal_string() {
        let bytes = render(&sample()).expect("render");
        let mut wb = open(bytes.clone());
        let range = wb.worksheet_range("Controls").expect("Controls");
        assert_eq!(range.get((3, 1)), Some(&text("=HYPERLINK(\"http://evil\",\"x\")")));
        assert_eq!(range.get((4, 1)), Some(&text("+Zone security")));
        for name in wb.sheet_names() {
            let formulas = wb.worksheet_formula(&name).expect("formulas");
            assert!(
                formulas.used_cells().all(|(_, _, f)| f.is_empty()),
                "{name} has a formula"
            );
        }
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
        let mut sheets = 0;
        for i in 0..zip.len() {
            let mut file = zip.by_index(i).expect("entry");
            let name = file.name().expect("entry name").into_owned();
            if name.starts_with("xl/worksheets/sheet") {
                let mut xml = String::new();
                file.read_to_string(&mut xml).expect("sheet xml");
                assert!(!xml.contains("<f>") && !xml.contains("<f "), "{name} has a formula");
                sheets += 1;
            }
        }
        assert_eq!(sheets, 5);
    }

    #[test]
    fn same_data_gives_same_bytes() {
        let data = sample();
        let first = render(&data).expect("render");
        std::thread::sleep(std::time::Duration::from_millis(1100));
        assert_eq!(first, render(&data).expect("render again"));
        let mut other = data.clone();
        other.generated_on = "2026-12-02".into();
        assert_ne!(first, render(&other).expect("render other"));
    }

    #[test]
    fn a_bad_date_is_an_error() {
        let mut data = sample();
        data.generated_on = "yesterday".into();
        let err = render(&data).expect_err("bad date");
        assert!(err.to_string().starts_with("XLSX: "), "{err}");
    }

    #[test]
    fn an_empty_report_renders() {
        let mut data = sample();
        data.controls.clear();
        data.findings.clear();
        data.evidence.clear();
        data.categories.clear();
        data.evaluation = None;
        data.summary = Summary::default();
        let mut wb = open(render(&data).expect("render"));
        let range = wb.worksheet_range("Findings").expect("Findings");
        assert_eq!(range.height(), 1);
    }
}
