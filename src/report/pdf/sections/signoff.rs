//! The sign-off block: signature lines for the assessor and a reviewer.

use super::{Renderer, heading_or};
use crate::report::pdf::fonts::Font;
use crate::report::pdf::style::{GREY_INK, INK, NAVY, SMALL_MUTED, Style, TEXT};
use crate::report::pdf::text::{clean, fit};

impl Renderer<'_> {
    pub(crate) fn signoff(&mut self) {
        let d = self.d;
        self.section(heading_or(&d.texts.signoff_heading, "Sign-off"));
        if !d.texts.signoff_text.trim().is_empty() {
            let (x, w) = (self.c.left, self.c.width());
            self.c.paragraph(&d.texts.signoff_text, TEXT, 14.0, x, w);
        }
        self.c.y += 18.0;
        let fields: [(&str, f32); 3] = [("Name", 30.0), ("Signature", 46.0), ("Date", 30.0)];
        let block_h = 22.0 + fields.iter().map(|(_, h)| h + 12.0).sum::<f32>();
        self.c.ensure(block_h);
        let gap = 28.0;
        let col_w = (self.c.width() - gap) / 2.0;
        let top = self.c.y;
        let assessor = d.evaluation.as_ref().map(|e| e.assessor.as_str()).unwrap_or("");
        for (i, (role, prefill)) in [("Assessor", assessor), ("Reviewer", "")].iter().enumerate() {
            let x = self.c.left + i as f32 * (col_w + gap);
            let title = Style::new(Font::Bold, 11.0, NAVY);
            self.c.text(x, top + 11.0, title, role);
            let mut y = top + 22.0;
            for (label, space) in fields {
                let line_y = y + space;
                if label == "Name" && !prefill.trim().is_empty() {
                    let st = Style::new(Font::Regular, 10.0, INK);
                    self.c.text(
                        x + 2.0,
                        line_y - 5.0,
                        st,
                        &fit(&clean(prefill), st.font, st.size, col_w - 4.0),
                    );
                }
                self.c.rect(x, line_y, col_w, 0.7, GREY_INK);
                self.c.text(x, line_y + 9.0, SMALL_MUTED, label);
                y = line_y + 12.0;
            }
        }
        self.c.y = top + block_h;
    }
}
