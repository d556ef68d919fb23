//! Text placed into OSCAL markup fields. OSCAL's JSON markup is Markdown (with HTML in some
//! readers), so a name or note written there verbatim can become live markup in a viewer: a
//! `<script>` or `<img onerror=...>` tag, or a `[link](javascript:...)`. Every user text goes
//! through the function of its field's type, which escapes it so it reads as the text it is.
//!
//! - `&`, `<` and `>` become the entities `&amp;`, `&lt;` and `&gt;`: no tag or autolink.
//! - The Markdown characters that open links, images, emphasis and code (`\ [ ] * _ ` `) get a
//!   backslash: no link is live, whatever its target.

use serde_json::Value;

/// Text on one line with single spaces (OSCAL strings allow no line breaks or outer spaces).
pub(crate) fn line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Escapes `text` for a markup-line field (a title): on one line, with single spaces.
pub(crate) fn markup_line(text: &str) -> String {
    escape(&line(text))
}

/// Escapes `text` for a markup-multiline field (a description, remarks): line breaks are kept,
/// each line escaped as in [`markup_line`], outer blank lines dropped.
pub(crate) fn markup_multiline(text: &str) -> String {
    let lines: Vec<String> = text.trim().lines().map(|l| escape(l.trim_end())).collect();
    lines.join("\n")
}

/// Escapes, in place, every markup field of an OSCAL document (or part of one) built from plain
/// text: `title` and a citation's `text` are markup-line, `description`, `remarks` and
/// `prose` markup-multiline, wherever they are. Every other string (props, ids, names, hrefs) is plain
/// text in OSCAL and is left as it is. Run it once on what ctrlmap built, never on markup.
pub(crate) fn escape_fields(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                match (key.as_str(), &mut *item) {
                    ("title", Value::String(s)) => *s = markup_line(s),
                    ("description" | "remarks" | "prose", Value::String(s)) => *s = markup_multiline(s),
                    ("citation", Value::Object(c)) => {
                        if let Some(Value::String(s)) = c.get_mut("text") {
                            *s = markup_line(s);
                        }
                    }
                    _ => escape_fields(item),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(escape_fields),
        _ => {}
    }
}

/// Reads a markup field as the plain text it says: the entities and backslash escapes of
/// [`escape_fields`] undone, so text ctrlmap exported comes back as it was written.
pub(crate) fn plain(markup: &str) -> String {
    let mut out = String::with_capacity(markup.len());
    let mut rest = markup;
    while let Some(c) = rest.chars().next() {
        if c == '\\'
            && let Some(next) = rest[1..].chars().next()
            && next.is_ascii_punctuation()
        {
            out.push(next);
            rest = &rest[1 + next.len_utf8()..];
            continue;
        }
        if c == '&' {
            let entity = [
                ("&amp;", '&'),
                ("&lt;", '<'),
                ("&gt;", '>'),
                ("&quot;", '"'),
                ("&#39;", '\''),
            ]
            .into_iter()
            .find(|(e, _)| rest.starts_with(e));
            if let Some((e, ch)) = entity {
                out.push(ch);
                rest = &rest[e.len()..];
                continue;
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '[' | ']' | '*' | '_' | '`' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn tags_and_links_are_escaped() {
        assert_eq!(
            markup_line("<script>alert(1)</script>"),
            "&lt;script&gt;alert(1)&lt;/script&gt;"
        );
        assert_eq!(
            markup_line("<img src=x onerror=alert(1)>"),
            "&lt;img src=x onerror=alert(1)&gt;"
        );
        assert_eq!(markup_line("[x](javascript:alert(1))"), "\\[x\\](javascript:alert(1))");
        assert_eq!(markup_line("![i](javascript:x)"), "!\\[i\\](javascript:x)");
        assert_eq!(markup_line("<javascript:alert(1)>"), "&lt;javascript:alert(1)&gt;");
        assert_eq!(
            markup_line("a \\[b] &amp; *c* `d`"),
            "a \\\\\\[b\\] &amp;amp; \\*c\\* \\`d\\`"
        );
        assert_eq!(markup_line("  two\n lines "), "two lines");
        assert_eq!(markup_line("orders-db (AC-2(1))"), "orders-db (AC-2(1))");
    }

    #[test]
    fn plain_undoes_the_escaping() {
        for text in [
            "<script>x</script>",
            "[x](javascript:alert(1))",
            "a \\ b & c *d* `e` _f_",
            "AC-2(1)",
        ] {
            assert_eq!(plain(&markup_line(text)), text);
        }
    }

    #[test]
    fn every_markup_field_is_escaped_and_nothing_else() {
        let mut doc = json!({
            "title": "<b>t</b>",
            "props": [{ "name": "n", "value": "<v>" }],
            "parts": [{ "description": "[d](javascript:x)", "remarks": "<r>", "name": "<n>" }],
            "citation": { "text": "<c>" },
        });
        escape_fields(&mut doc);
        assert_eq!(
            doc,
            json!({
                "title": "&lt;b&gt;t&lt;/b&gt;",
                "props": [{ "name": "n", "value": "<v>" }],
                "parts": [{ "description": "\\[d\\](javascript:x)", "remarks": "&lt;r&gt;", "name": "<n>" }],
                "citation": { "text": "&lt;c&gt;" },
            })
        );
    }

    #[test]
    fn multiline_keeps_its_lines() {
        assert_eq!(
            markup_multiline("\n<b>one</b>\n[two](x)  \n"),
            "&lt;b&gt;one&lt;/b&gt;\n\\[two\\](x)"
        );
    }
}
