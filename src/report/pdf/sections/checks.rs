//! The automated checks: per control, how many scanner checks passed and failed on the services
//! shown, and which resources failed. Drawn only when a scan counts for the report.

use super::{Renderer, heading_or, plural};
use crate::report::data::CheckLine;
use crate::report::pdf::canvas::Align;
use crate::report::pdf::fonts::Font;
use crate::report::pdf::style::{BAD_INK, BODY, BODY_BOLD, GOOD_INK, MUTED, Style, WARN_INK};
use crate::report::pdf::table::{Cell, ColSpec, Table};

const CHECK: Style = Style::new(Font::Regular, 6.5, MUTED);

impl Renderer<'_> {
    pub(crate) fn checks(&mut self) {
        let d = self.d;
        if d.checks.is_empty() {
            // No scan counts: the report stays as it was before scanners were read.
            return;
        }
        self.section(heading_or(&d.texts.checks_heading, "Automated checks"));
        let sum = |f: fn(&CheckLine) -> u64| d.checks.iter().map(f).sum::<u64>();
        let (passed, failed, manual) = (sum(|c| c.passed), sum(|c| c.failed), sum(|c| c.manual));
        let when = match &d.evaluation {
            Some(e) if e.closed_at.is_some() => format!("as frozen when evaluation {} closed", e.id),
            _ => format!("on {}", d.generated_on),
        };
        let st = Style::new(Font::Regular, 8.5, MUTED);
        let (x, w) = (self.c.left, self.c.width());
        let text = format!(
            "{} with scanner results that count ({when}: accepted, unexpired scans, the newest per check and \
             resource): {passed} passed, {failed} failed, {manual} to check by hand. A check counts once per \
             resource. A pass supports a control but does not make it satisfied: results stay the assessor's.",
            plural(d.checks.len(), "control", "controls"),
        );
        self.c.paragraph(&text, st, 12.0, x, w);
        self.c.y += 6.0;
        let specs = [
            ColSpec::new("Control", 70.0, 0.9, Align::Left),
            ColSpec::new("Passed", 44.0, 0.0, Align::Right),
            ColSpec::new("Failed", 44.0, 0.0, Align::Right),
            ColSpec::new("Manual", 44.0, 0.0, Align::Right),
            ColSpec::new("Failing resources (check, service)", 150.0, 3.0, Align::Left),
        ];
        let mut t = Table::new(&self.c, &specs);
        for line in &d.checks {
            let cells = check_cells(line);
            t.row(&mut self.c, &cells);
        }
        t.end(&mut self.c);
    }
}

fn count(n: u64, style: Style) -> Cell {
    if n == 0 {
        Cell::new("0", BODY.color(MUTED))
    } else {
        Cell::new(&n.to_string(), style)
    }
}

fn check_cells(c: &CheckLine) -> [Cell; 5] {
    let mut failing: Option<Cell> = None;
    for f in &c.failing {
        let service = if f.service.is_empty() {
            "organisation-wide"
        } else {
            f.service.as_str()
        };
        let detail = format!("{} · {service} · scan {}", f.check, f.scan);
        failing = Some(match failing {
            None => Cell::new(&f.resource, BODY),
            Some(cell) => cell.then(&f.resource, BODY),
        });
        failing = failing.map(|cell| cell.then(&detail, CHECK));
    }
    let failing = match (failing, c.failing_more) {
        (None, _) => Cell::new("none", BODY.color(MUTED)),
        (Some(cell), 0) => cell,
        (Some(cell), more) => cell.then(
            &format!(
                "and {more} more (ctrlmap observation list --control {} --status failed)",
                c.control
            ),
            BODY.font(Font::Italic).color(MUTED),
        ),
    };
    [
        Cell::new(&c.control, BODY_BOLD).then(&c.title, BODY.color(MUTED)),
        count(c.passed, BODY_BOLD.color(GOOD_INK)),
        count(c.failed, BODY_BOLD.color(BAD_INK)),
        count(c.manual, BODY_BOLD.color(WARN_INK)),
        failing,
    ]
}
