use base64::Engine as _;
use sha2::{Digest, Sha256};

use super::*;
use crate::commands::fixtures::seeded_db;
use crate::estate::pairs::Source;
use crate::model::evidence::Day;
use crate::report::template::Template;

fn day() -> Day {
    Day::parse("2026-12-01").expect("a date")
}

/// The demo organisation's live report data and facets.
fn demo() -> (ReportData, Collected) {
    let dir = tempfile::tempdir().expect("dir");
    let db = seeded_db(dir.path(), true);
    let template = Template::load(None).expect("template");
    let opts = Options {
        source: Source::Live {
            catalog: "srm".into(),
            services: None,
            evaluation: None,
            today: day(),
        },
        template: &template,
        organisation: Some("Example Corp".into()),
        date: day(),
        team: None,
    };
    build_checked(db.conn(), &opts, None).expect("report data")
}

fn page(data: &ReportData, facets: &Collected) -> String {
    let bytes = render(data, facets, &Links::default(), &Page::load(None).expect("page")).expect("renders");
    String::from_utf8(bytes).expect("utf-8")
}

#[test]
fn the_page_has_every_section_an_anchor_per_control_and_its_filter_data() {
    let (data, facets) = demo();
    assert_eq!(facets.controls.len(), data.controls.len());
    let html = page(&data, &facets);
    for section in [
        "cover", "summary", "matrix", "controls", "findings", "evidence", "signoff",
    ] {
        assert!(html.contains(&format!("<section id=\"{section}\"")), "{section}");
    }
    for c in &data.controls {
        assert_eq!(html.matches(&format!("id=\"ctrl-{}\"", c.key)).count(), 1, "{}", c.key);
    }
    assert!(html.contains(&data.fingerprint));
    // Physical security is inherited and not assessed on every service: one value for all.
    let first = html
        .split("data-pairs=\"")
        .nth(1)
        .expect("a row")
        .split('"')
        .next()
        .expect("value");
    assert_eq!(first, "*0.4");
    assert_eq!(html, page(&data, &facets), "the same data gives the same page");
}

#[test]
fn the_policy_allows_exactly_the_pages_script() {
    let (data, facets) = demo();
    let html = page(&data, &facets);
    let script = html
        .split("<script>")
        .nth(1)
        .and_then(|s| s.split("</script>").next())
        .expect("a script");
    assert_eq!(html.matches("<script").count(), 1);
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(script.as_bytes()));
    let policy = format!(
        "default-src &#39;none&#39;; script-src &#39;sha256-{}&#39;;",
        hash.replace('=', "&#61;")
    );
    assert!(html.contains(&policy), "{policy}");
    assert!(!html.contains("http-equiv=\"refresh\""));
    for fetch in ["src=\"http", "href=\"//", "@import", "url(", "<link", "<iframe"] {
        assert!(!html.contains(fetch), "{fetch}");
    }
}

#[test]
fn every_value_is_escaped() {
    let (mut data, facets) = demo();
    let evil = "<script>alert(1)</script>\"><img src=x onerror=alert(1)>";
    data.organisation = evil.into();
    data.controls[0].title = evil.into();
    data.controls[0].statement = evil.into();
    data.findings[0].detail = evil.into();
    data.scope_services[0].name = evil.into();
    data.sources[0].url = "javascript:alert(1)".into();
    data.texts.intro = evil.into();
    let html = page(&data, &facets);
    assert_eq!(html.matches("<script").count(), 1, "only the page's own script");
    assert!(!html.contains("<img"));
    assert!(!html.contains("href=\"javascript:"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src&#61;x onerror&#61;alert(1)&gt;"));
}

#[test]
fn a_broken_template_names_its_file_and_line() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("mine.html");
    std::fs::write(&path, "<p>\n{% for x in %}\n").expect("write");
    let err = Page::load(Some(&path)).expect_err("syntax error").to_string();
    assert!(err.contains("mine.html line 2: syntax error"), "{err}");
    assert!(!err.contains('\n'));

    std::fs::write(&path, "<p>{{ report.title }}</p>\n<p>{{ nothing_here }}</p>\n").expect("write");
    let page = Page::load(Some(&path)).expect("compiles");
    let (data, facets) = demo();
    let err = render(&data, &facets, &Links::default(), &page)
        .expect_err("undefined")
        .to_string();
    assert!(err.contains("mine.html line 2: undefined value"), "{err}");

    let missing = Page::load(Some(&dir.path().join("none.html"))).expect_err("missing");
    assert!(missing.to_string().contains("none.html"), "{missing}");
}
