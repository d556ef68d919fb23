//! The workbook's sheets, one function each: "Summary", "Matrix", "Controls", "Findings" and
//! "Evidence", drawn from the report data with the cells and styles of the workbook.

use rust_xlsxwriter::{Worksheet, XlsxError};

use super::{Cell, MAX_WIDTH, MIN_WIDTH, Styles, clip, num, put, table};
use crate::report::data::ReportData;

pub(super) fn summary(ws: &mut Worksheet, d: &ReportData, styles: &Styles) -> Result<(), XlsxError> {
    ws.set_name("Summary")?;
    let s = &d.summary;
    ws.write_string_with_format(0, 0, clip(&d.title), &styles.title)?;
    let mut row = 2u32;
    let pair = |ws: &mut Worksheet, row: &mut u32, label: &str, cells: &[Cell<'_>]| -> Result<(), XlsxError> {
        ws.write_string_with_format(*row, 0, label, &styles.label)?;
        for (col, cell) in (1u16..).zip(cells) {
            put(ws, *row, col, cell, styles)?;
        }
        *row += 1;
        Ok(())
    };
    pair(ws, &mut row, "Organisation", &[Cell::Text(&d.organisation)])?;
    pair(
        ws,
        &mut row,
        "Catalogue",
        &[Cell::Text(&d.catalog_key), Cell::Text(&d.catalog_title)],
    )?;
    match &d.evaluation {
        Some(e) => {
            pair(
                ws,
                &mut row,
                "Evaluation",
                &[Cell::Number(e.id as f64), Cell::Text(&e.name)],
            )?;
            pair(ws, &mut row, "Assessor", &[Cell::Text(&e.assessor)])?;
            pair(ws, &mut row, "Opened", &[Cell::Date(&e.opened_at)])?;
            let closed = e.closed_at.as_deref().unwrap_or("open");
            pair(ws, &mut row, "Closed", &[Cell::Date(closed)])?;
        }
        None => pair(ws, &mut row, "Evaluation", &[Cell::Text("none (live state)")])?,
    }
    pair(ws, &mut row, "Date", &[Cell::Date(&d.generated_on)])?;
    pair(ws, &mut row, "Fingerprint", &[Cell::Text(&d.fingerprint)])?;
    let teams = if d.scope_teams.is_empty() {
        "all".to_string()
    } else {
        d.scope_teams.join(", ")
    };
    pair(ws, &mut row, "Teams in scope", &[Cell::Text(&teams)])?;
    let services = d
        .scope_services
        .iter()
        .map(|s| s.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    pair(ws, &mut row, "Services in scope", &[Cell::Text(&services)])?;

    row += 1;
    ws.write_string_with_format(row, 0, "Controls by responsibility", &styles.header)?;
    ws.write_string_with_format(row, 1, "Controls", &styles.header)?;
    row += 1;
    let total: u64 = if s.by_responsibility.is_empty() {
        d.controls.len() as u64
    } else {
        s.by_responsibility.iter().map(|(_, n)| n).sum()
    };
    row = counts(ws, row, &s.by_responsibility, total, true, styles)?;

    row += 1;
    ws.write_string_with_format(row, 0, "Controls by result", &styles.header)?;
    ws.write_string_with_format(row, 1, "Controls", &styles.header)?;
    row += 1;
    let result_total: u64 = s.by_result.iter().map(|(_, n)| n).sum();
    row = counts(ws, row, &s.by_result, result_total, false, styles)?;

    row += 1;
    ws.write_string_with_format(row, 0, "Evidence coverage", &styles.header)?;
    ws.write_string_with_format(row, 1, "Controls", &styles.header)?;
    row += 1;
    ws.write_string(row, 0, "Shared or customer")?;
    ws.write_number(row, 1, s.shared_or_customer as f64)?;
    row += 1;
    ws.write_string(row, 0, "With accepted, unexpired evidence")?;
    ws.write_number(row, 1, s.with_counting_evidence as f64)?;
    row += 1;
    ws.write_string(row, 0, "Coverage")?;
    if s.shared_or_customer == 0 {
        ws.write_string(row, 1, "n/a")?;
    } else {
        let ratio = s.with_counting_evidence as f64 / s.shared_or_customer as f64;
        ws.write_number_with_format(row, 1, ratio, &styles.percent)?;
    }
    row += 1;
    if s.evidence_failed > 0 {
        ws.write_string(row, 0, "Evidence files that failed the integrity check (not counted)")?;
        ws.write_number(row, 1, s.evidence_failed as f64)?;
        row += 1;
    }
    ws.write_string_with_format(row, 0, "Findings", &styles.label)?;
    ws.write_number(row, 1, d.findings.len() as f64)?;
    row += 1;
    if !d.poam.is_empty() {
        ws.write_string_with_format(row, 0, "POA&M items not completed", &styles.label)?;
        ws.write_number(row, 1, d.poam.len() as f64)?;
        row += 1;
        ws.write_string_with_format(row, 0, "Of those, overdue", &styles.label)?;
        ws.write_number(row, 1, d.poam.iter().filter(|p| p.overdue).count() as f64)?;
        row += 1;
    }
    row += 1;

    let headers = ["Team", "Pairs", "Evidenced", "Satisfied", "Failing"];
    ws.write_string_with_format(row, 0, "By team", &styles.title)?;
    row += 1;
    for (col, h) in (0u16..).zip(headers) {
        ws.write_string_with_format(row, col, h, &styles.header)?;
    }
    let header_row = row;
    for t in &s.teams {
        row += 1;
        ws.write_string(row, 0, clip(&t.team))?;
        for (col, n) in (1u16..).zip([t.pairs, t.evidenced, t.satisfied, t.failing]) {
            ws.write_number(row, col, n as f64)?;
        }
    }
    if !s.teams.is_empty() {
        ws.autofilter(header_row, 0, row, 4)?;
    }

    let label_width = s
        .teams
        .iter()
        .map(|t| t.team.chars().take(MAX_WIDTH).count())
        .chain([34])
        .max()
        .unwrap_or(34);
    ws.set_column_width(0, (label_width + 2).clamp(MIN_WIDTH, MAX_WIDTH) as f64)?;
    let value_width = [d.organisation.as_str(), &d.catalog_key, &d.generated_on, &d.fingerprint]
        .iter()
        .map(|s| s.chars().take(MAX_WIDTH).count())
        .max()
        .unwrap_or(0);
    ws.set_column_width(1, (value_width + 2).clamp(14, 70) as f64)?;
    ws.set_column_width(2, 40)?;
    for col in 3..=4 {
        ws.set_column_width(col, 12)?;
    }
    Ok(())
}

/// Writes (label, count) rows from `row` and a total; returns the row after them.
fn counts(
    ws: &mut Worksheet,
    mut row: u32,
    rows: &[(String, u64)],
    total: u64,
    responsibility: bool,
    styles: &Styles,
) -> Result<u32, XlsxError> {
    for (label, n) in rows {
        let cell = if responsibility {
            Cell::Responsibility(label)
        } else {
            Cell::Text(label)
        };
        put(ws, row, 0, &cell, styles)?;
        ws.write_number(row, 1, *n as f64)?;
        row += 1;
    }
    ws.write_string_with_format(row, 0, "Total", &styles.label)?;
    ws.write_number_with_format(row, 1, total as f64, &styles.label)?;
    Ok(row + 1)
}

pub(super) fn matrix(ws: &mut Worksheet, d: &ReportData, styles: &Styles) -> Result<(), XlsxError> {
    ws.set_name("Matrix")?;
    let rows = d.categories.iter().flat_map(|c| {
        let cat = c.category.as_str();
        let summaries = [
            ("provider summary", "", c.provider_summary.as_str()),
            ("customer summary", "", c.customer_summary.as_str()),
        ]
        .into_iter();
        let controls = [
            ("inherited", &c.provider_controls),
            ("shared", &c.shared_controls),
            ("customer", &c.customer_controls),
        ]
        .into_iter()
        .flat_map(|(resp, list)| list.iter().map(move |t| ("control", resp, t.as_str())));
        let services = c.services.iter().map(|s| ("service", "", s.as_str()));
        summaries
            .chain(controls)
            .chain(services)
            .map(move |(kind, resp, text)| {
                vec![
                    Cell::Text(cat),
                    Cell::Text(kind),
                    Cell::Responsibility(resp),
                    Cell::Text(text),
                ]
            })
    });
    table(ws, &["Category", "Entry", "Responsibility", "Text"], rows, styles)
}

pub(super) fn controls(ws: &mut Worksheet, d: &ReportData, styles: &Styles) -> Result<(), XlsxError> {
    ws.set_name("Controls")?;
    let checks: std::collections::HashMap<&str, &crate::report::data::CheckLine> =
        d.checks.iter().map(|c| (c.control.as_str(), c)).collect();
    let rows = d.controls.iter().map(|c| {
        let tally = checks.get(c.key.as_str());
        vec![
            Cell::Text(&c.key),
            Cell::Text(&c.title),
            Cell::Text(&c.family),
            Cell::Responsibility(&c.responsibility),
            Cell::Text(&c.owner),
            Cell::Text(&c.result),
            num(c.evidence_count),
            Cell::Date(&c.freshest),
            Cell::Text(&c.status),
            Cell::Text(&c.note),
            Cell::Text(&c.evidence_sha256),
            Cell::Text(&c.via),
            Cell::Text(&c.statement),
            num(tally.map_or(0, |t| t.passed)),
            num(tally.map_or(0, |t| t.failed)),
        ]
    });
    table(ws, &CONTROL_HEADERS, rows, styles)
}

/// The header row of the Controls sheet: the CSV's control columns, the implementation
/// statements recorded for the control, and its automated checks passed and failed.
pub(super) const CONTROL_HEADERS: [&str; 15] = [
    "Key",
    "Title",
    "Family",
    "Responsibility",
    "Owner",
    "Result",
    "Evidence",
    "Freshest evidence",
    "Status",
    "Note",
    "Evidence SHA-256",
    "Via",
    "Statement",
    "Checks passed",
    "Checks failed",
];

pub(super) fn findings(ws: &mut Worksheet, d: &ReportData, styles: &Styles) -> Result<(), XlsxError> {
    ws.set_name("Findings")?;
    let rows = d.findings.iter().map(|f| {
        vec![
            Cell::Text(&f.kind),
            Cell::Text(&f.control),
            Cell::Text(&f.service),
            Cell::Text(&f.detail),
        ]
    });
    table(ws, &["Kind", "Control", "Service", "Detail"], rows, styles)
}

/// The "POA&M" sheet: the items not completed, as they stand on the report's date. Added only
/// when there are any, so a workbook without items is unchanged.
pub(super) fn poam(ws: &mut Worksheet, d: &ReportData, styles: &Styles) -> Result<(), XlsxError> {
    ws.set_name("POA&M")?;
    let statuses: Vec<String> = d
        .poam
        .iter()
        .map(|p| {
            if p.overdue {
                format!("{} (overdue)", p.status)
            } else {
                p.status.clone()
            }
        })
        .collect();
    let rows = d.poam.iter().zip(&statuses).map(|(p, status)| {
        vec![
            Cell::Number(p.id as f64),
            Cell::Text(status),
            Cell::Text(&p.control),
            Cell::Text(&p.kind),
            Cell::Text(&p.services),
            Cell::Text(&p.owner),
            Cell::Date(&p.detected),
            Cell::Date(&p.due),
            Cell::Text(&p.plan),
        ]
    });
    table(
        ws,
        &[
            "Item", "Status", "Control", "Finding", "Services", "Owner", "Detected", "Due", "Plan",
        ],
        rows,
        styles,
    )
}

pub(super) fn evidence(ws: &mut Worksheet, d: &ReportData, styles: &Styles) -> Result<(), XlsxError> {
    ws.set_name("Evidence")?;
    // A file that failed the integrity check says so where its status is read.
    let statuses: Vec<String> = d
        .evidence
        .iter()
        .map(|e| match e.integrity.as_str() {
            "" => e.status.clone(),
            problem => format!("{}; file {problem}, not counted", e.status),
        })
        .collect();
    let rows = d.evidence.iter().zip(&statuses).map(|(e, status)| {
        vec![
            Cell::Number(e.id as f64),
            Cell::Text(&e.title),
            Cell::Text(&e.sha256),
            Cell::Date(&e.collected),
            Cell::Date(&e.expires),
            Cell::Text(status),
            Cell::Text(&e.reviewer),
            Cell::Text(&e.controls),
        ]
    });
    table(
        ws,
        &[
            "Id",
            "Title",
            "SHA-256",
            "Collected",
            "Expires",
            "Status",
            "Reviewer",
            "Controls",
        ],
        rows,
        styles,
    )
}
