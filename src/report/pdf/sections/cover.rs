//! The cover: title band, introduction, report details and scope.

use super::{Renderer, heading_or, plural};
use crate::report::data::ServiceLine;
use crate::report::pdf::canvas::Align;
use crate::report::pdf::fonts::Font;
use crate::report::pdf::style::{
    BAD_INK, BAND_TEXT, BODY, BODY_BOLD, CUSTOMER, HEAD, INHERITED, INK, MUTED, NAVY, SHARED, Style, TEXT,
    UNDETERMINED, WHITE,
};
use crate::report::pdf::table::{Cell, ColSpec, Table};
use crate::report::pdf::text::{clean, text_width, wrap};

impl Renderer<'_> {
    pub(crate) fn cover(&mut self) {
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
        if d.summary.evidence_failed > 0 {
            let warning = super::summary::integrity_warning(d.summary.evidence_failed);
            self.field("Evidence integrity", &warning, value.font(Font::Bold).color(BAD_INK));
        }

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
        let mut t = Table::new(&self.c, &specs);
        for s in services {
            let cells = [
                Cell::new(&s.name, BODY_BOLD),
                Cell::new(&s.offering, BODY),
                Cell::new(&s.category, BODY),
                Cell::or(&s.team, BODY, "-"),
            ];
            t.row(&mut self.c, &cells);
        }
        t.end(&mut self.c);
    }
}
