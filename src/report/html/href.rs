//! What may stand in an `href`: addresses a user recorded are links only when they are http(s) or
//! relative, member paths are percent-encoded, and every control has an anchor of its own.

use std::collections::HashMap;

/// `url` as a link target when it is safe to follow from the page: an `http:` or `https:`
/// address, or a relative one (no scheme, not `//host`). Anything else (`javascript:`, `data:`,
/// `file:`, ...) is `None` and is shown as text only. Tabs and line breaks, which browsers drop
/// from addresses, are dropped first so they cannot hide a scheme.
pub(super) fn safe_href(url: &str) -> Option<String> {
    let cleaned: String = url.chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect();
    let cleaned = cleaned.trim_matches(|c: char| c <= ' ');
    if cleaned.is_empty() || cleaned.chars().any(char::is_control) {
        return None;
    }
    if let Some(colon) = cleaned.find(':') {
        let before = &cleaned[..colon];
        let scheme = before.starts_with(|c: char| c.is_ascii_alphabetic())
            && before
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        if scheme {
            let web = before.eq_ignore_ascii_case("http") || before.eq_ignore_ascii_case("https");
            return web.then(|| cleaned.to_string());
        }
        // A colon after the first `/`, `?` or `#` is part of a relative path; before it, the
        // address is nothing a browser reads as relative for sure.
        if !before.contains(['/', '?', '#']) {
            return None;
        }
    }
    // Browsers read `\\` as `/`: `//host`, `\\host` and mixes name another host.
    let start: String = cleaned.chars().take(2).collect();
    if start.chars().count() == 2 && start.chars().all(|c| c == '/' || c == '\\') {
        return None;
    }
    Some(cleaned.to_string())
}

/// A path inside the package as a relative link: each byte outside the unreserved set and `/` is
/// percent-encoded, so names with spaces, `#`, `?` or non-ASCII letters still resolve.
pub(super) fn member_href(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    // A first part with a colon would read as a scheme; the encoding above leaves none.
    out
}

/// Anchor ids, one per name: `<prefix><name>` with white space as `_`, and `~2`, `~3` ... when
/// two names would give the same id.
#[derive(Debug, Default)]
pub(super) struct Anchors {
    used: HashMap<String, usize>,
    by_name: HashMap<String, String>,
}

impl Anchors {
    /// The id of `name` (the same name always gets the same id).
    pub(super) fn id(&mut self, prefix: &str, name: &str) -> String {
        let key = format!("{prefix}{name}");
        if let Some(id) = self.by_name.get(&key) {
            return id.clone();
        }
        let base: String = key.chars().map(|c| if c.is_whitespace() { '_' } else { c }).collect();
        let n = self.used.entry(base.clone()).or_insert(0);
        *n += 1;
        let id = if *n == 1 { base } else { format!("{base}~{n}") };
        self.by_name.insert(key, id.clone());
        id
    }

    /// The id already given to `name`, if any.
    pub(super) fn get(&self, prefix: &str, name: &str) -> Option<&str> {
        self.by_name.get(&format!("{prefix}{name}")).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_and_relative_addresses_become_links() {
        let cases = [
            ("https://example.com/a?b=c#d", Some("https://example.com/a?b=c#d")),
            ("HTTP://example.com", Some("HTTP://example.com")),
            ("  https://example.com  ", Some("https://example.com")),
            ("evidence/AC-2/3-report.pdf", Some("evidence/AC-2/3-report.pdf")),
            ("#ctrl-AC-2", Some("#ctrl-AC-2")),
            ("reports/a:b.pdf", Some("reports/a:b.pdf")),
            ("javascript:alert(1)", None),
            ("JaVaScRiPt:alert(1)", None),
            ("java\tscript:alert(1)", None),
            ("\u{1}javascript:alert(1)", None),
            (" javascript:alert(1)", None),
            ("data:text/html,<script>alert(1)</script>", None),
            ("vbscript:msgbox", None),
            ("file:///etc/passwd", None),
            ("//evil.example/x", None),
            ("\\\\evil.example\\x", None),
            ("", None),
        ];
        for (url, want) in cases {
            assert_eq!(safe_href(url).as_deref(), want, "{url:?}");
        }
    }

    #[test]
    fn member_paths_are_percent_encoded() {
        assert_eq!(member_href("evidence/AC-2/3-report.pdf"), "evidence/AC-2/3-report.pdf");
        assert_eq!(
            member_href("evidence/A B/4-x#y?z\"<é>.txt"),
            "evidence/A%20B/4-x%23y%3Fz%22%3C%C3%A9%3E.txt"
        );
    }

    #[test]
    fn anchors_are_unique_and_stable() {
        let mut a = Anchors::default();
        assert_eq!(a.id("ctrl-", "AC-2"), "ctrl-AC-2");
        assert_eq!(a.id("ctrl-", "AC 2"), "ctrl-AC_2");
        assert_eq!(a.id("ctrl-", "AC_2"), "ctrl-AC_2~2");
        assert_eq!(a.id("ctrl-", "AC-2"), "ctrl-AC-2");
        assert_eq!(a.get("ctrl-", "AC_2"), Some("ctrl-AC_2~2"));
        assert_eq!(a.get("ctrl-", "nope"), None);
    }
}
