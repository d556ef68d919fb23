//! The responsibility matrix: one column per service category, flowing across pages.

use super::{Renderer, capitalise, heading_or};
use crate::report::data::CategoryColumn;
use crate::report::pdf::fonts::Font;
use crate::report::pdf::style::{
    CUSTOMER, INHERITED, INK, MUTED, NAVY, NEUTRAL, Palette, Rgb, SHARED, Style, TEXT, WHITE,
};
use crate::report::pdf::text::{clean, fit, wrap};

/// A line of a matrix column.
struct FlowLine {
    text: String,
    style: Style,
    lead: f32,
    indent: f32,
    stripe: Option<Rgb>,
    band: Option<Rgb>,
    keep_with_next: bool,
}

impl Renderer<'_> {
    pub(crate) fn matrix(&mut self) {
        let d = self.d;
        self.section(heading_or(
            &d.texts.matrix_heading,
            "Responsibility by service category",
        ));
        if !d.texts.matrix_intro.trim().is_empty() {
            let (x, w) = (self.c.left, self.c.width());
            self.c.paragraph(&d.texts.matrix_intro, TEXT, 14.0, x, w);
            self.c.y += 6.0;
        }
        self.legend();
        self.c.y += 4.0;
        if d.categories.is_empty() {
            self.note("No service categories.");
            return;
        }
        let n = d.categories.len();
        let gap = 10.0;
        let col_w = (self.c.width() - gap * (n as f32 - 1.0)) / n as f32;
        let columns: Vec<Vec<FlowLine>> = d.categories.iter().map(|cat| matrix_lines(cat, col_w)).collect();
        let mut next = vec![0usize; n];
        let head_h = 20.0;
        let mut first = true;
        loop {
            if self.c.y + head_h + 60.0 > self.c.bottom {
                self.c.new_page();
            }
            let top = self.c.y;
            for (i, cat) in d.categories.iter().enumerate() {
                let x = self.c.left + i as f32 * (col_w + gap);
                self.c.rect(x, top, col_w, head_h, NAVY);
                let name = if first {
                    capitalise(&cat.category)
                } else {
                    format!("{} (continued)", capitalise(&cat.category))
                };
                let st = Style::new(Font::Bold, 9.5, WHITE);
                let name = fit(&clean(&name), st.font, st.size, col_w - 12.0);
                self.c.text(x + 6.0, top + 13.5, st, &name);
            }
            let start = top + head_h + 6.0;
            let mut lowest = start;
            for (i, lines) in columns.iter().enumerate() {
                let x = self.c.left + i as f32 * (col_w + gap);
                let mut y = start;
                while next[i] < lines.len() {
                    let line = &lines[next[i]];
                    let mut need = line.lead;
                    if line.keep_with_next {
                        need += lines.get(next[i] + 1).map_or(0.0, |l| l.lead);
                    }
                    if y + need > self.c.bottom {
                        break;
                    }
                    self.flow_line(line, x, y, col_w);
                    y += line.lead;
                    next[i] += 1;
                }
                lowest = lowest.max(y);
            }
            if next.iter().zip(&columns).all(|(k, c)| *k >= c.len()) {
                self.c.y = lowest + 10.0;
                break;
            }
            first = false;
            self.c.new_page();
        }
        self.sources();
    }

    /// The sources the matrix rests on, numbered under the columns: title, publisher and date,
    /// then the address on its own line, so an auditor can open each one. The list is kept
    /// together on one page when it fits on one.
    fn sources(&mut self) {
        let d = self.d;
        if d.sources.is_empty() {
            return;
        }
        let indent = 14.0;
        let (x, w) = (self.c.left, self.c.width());
        let number = Style::new(Font::Bold, 7.5, MUTED);
        let cite = Style::new(Font::Regular, 7.5, INK);
        let address = Style::new(Font::Regular, 7.0, NAVY);
        let (cite_lead, address_lead, gap) = (9.5, 9.0, 2.5);
        let lines = |text: &str, st: Style| wrap(&clean(text), st.font, st.size, w - indent).len() as f32;
        let height: f32 = d
            .sources
            .iter()
            .map(|s| {
                let url = if s.url.is_empty() {
                    0.0
                } else {
                    lines(&s.url, address) * address_lead
                };
                lines(&s.citation, cite) * cite_lead + url + gap
            })
            .sum();
        let heading = 27.0;
        let page = self.c.bottom - self.c.top;
        if self.c.y + heading + height > self.c.bottom && heading + height <= page {
            self.c.new_page();
        }
        self.h2("Sources", 2.0 * cite_lead);
        for (i, s) in d.sources.iter().enumerate() {
            self.c.ensure(cite_lead + address_lead);
            let base = self.c.y + (cite_lead - number.lead()) / 2.0 + number.ascent();
            self.c.text(x, base, number, &format!("{}.", i + 1));
            self.c.paragraph(&s.citation, cite, cite_lead, x + indent, w - indent);
            if !s.url.is_empty() {
                self.c.paragraph(&s.url, address, address_lead, x + indent, w - indent);
            }
            self.c.y += gap;
        }
    }

    fn flow_line(&mut self, line: &FlowLine, x: f32, y: f32, col_w: f32) {
        if let Some(band) = line.band {
            self.c.rect(x, y + 2.0, col_w, line.lead - 3.0, band);
        }
        if let Some(stripe) = line.stripe {
            self.c.rect(x, y, 2.0, line.lead, stripe);
        }
        let st = line.style;
        let base = if line.band.is_some() {
            y + 2.0 + (line.lead - 3.0) / 2.0 + st.size * 0.35
        } else {
            y + (line.lead - st.lead()) / 2.0 + st.ascent()
        };
        self.c.text(x + line.indent, base, st, &line.text);
    }
}

/// The lines of one matrix column: what provider and customer manage, the controls inherited,
/// shared and the customer's, and the services.
fn matrix_lines(cat: &CategoryColumn, width: f32) -> Vec<FlowLine> {
    let mut out = Vec::new();
    let label = |text: &str, color: Rgb| FlowLine {
        text: clean(text),
        style: Style::new(Font::Bold, 7.5, color),
        lead: 11.0,
        indent: 0.0,
        stripe: None,
        band: None,
        keep_with_next: true,
    };
    let summary = Style::new(Font::Regular, 7.5, INK);
    let push_wrapped = |out: &mut Vec<FlowLine>, text: &str, st: Style, indent: f32, stripe: Option<Rgb>| {
        let lines = wrap(&clean(text), st.font, st.size, width - indent - 2.0);
        for (i, line) in lines.into_iter().enumerate() {
            out.push(FlowLine {
                text: line,
                style: st,
                lead: st.lead() + if i == 0 { 1.5 } else { 0.0 },
                indent,
                stripe,
                band: None,
                keep_with_next: false,
            });
        }
    };
    out.push(label("Provider manages", INHERITED.ink));
    push_wrapped(&mut out, heading_or(&cat.provider_summary, "-"), summary, 0.0, None);
    out.push(FlowLine {
        lead: 15.0,
        ..label("Customer manages", CUSTOMER.ink)
    });
    push_wrapped(&mut out, heading_or(&cat.customer_summary, "-"), summary, 0.0, None);

    let item = Style::new(Font::Regular, 7.0, INK);
    let blocks: [(&str, &Vec<String>, Palette); 4] = [
        ("Inherited from provider", &cat.provider_controls, INHERITED),
        ("Shared", &cat.shared_controls, SHARED),
        ("Customer", &cat.customer_controls, CUSTOMER),
        ("Services", &cat.services, NEUTRAL),
    ];
    for (name, items, p) in blocks {
        out.push(FlowLine {
            text: fit(
                &clean(&format!("{name} ({})", items.len())),
                Font::Bold,
                7.5,
                width - 10.0,
            ),
            style: Style::new(Font::Bold, 7.5, p.ink),
            lead: 20.0,
            indent: 6.0,
            stripe: None,
            band: Some(p.tint),
            keep_with_next: true,
        });
        if items.is_empty() {
            out.push(FlowLine {
                text: "None".into(),
                style: Style::new(Font::Italic, 7.0, MUTED),
                lead: 10.0,
                indent: 6.0,
                stripe: None,
                band: None,
                keep_with_next: false,
            });
        }
        for text in items {
            push_wrapped(&mut out, text, item, 6.0, Some(p.strong));
        }
    }
    out
}
