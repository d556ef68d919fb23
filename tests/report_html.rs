//! The HTML report: one self-contained page, the same for the same data and date, every user text
//! escaped, a broken template refused, links into an unzipped package, and (when a browser is
//! installed) loaded in headless Chromium: no network request, the filters, an anchor, a screenshot.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{Env, rejects_unchanged};
use crate::package::{demo, members, signed_package};

fn arg(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

fn read(path: &Path) -> String {
    String::from_utf8(std::fs::read(path).expect("the page")).expect("UTF-8")
}

/// Writes the page with `extra` arguments and returns it.
fn html(env: &Env, db: &str, name: &str, extra: &[&str]) -> String {
    let out = env.path().join(name);
    let mut args = vec!["--db", db, "report", "--format", "html", "--out", arg(&out)];
    args.extend_from_slice(extra);
    env.run(&args).success();
    read(&out)
}

// ---------------------------------------------------------------------------------------------
// What a page must never hold: a tag, attribute or link that runs or fetches something
// ---------------------------------------------------------------------------------------------

/// Elements the built-in template writes; anything else is text that escaped its escaping.
const ELEMENTS: &[&str] = &[
    "html", "head", "meta", "title", "style", "body", "nav", "a", "main", "section", "header", "div", "h1", "h2", "h3",
    "h4", "p", "dl", "dt", "dd", "b", "i", "br", "code", "span", "table", "thead", "tbody", "tr", "th", "td", "ul",
    "ol", "li", "svg", "g", "text", "rect", "form", "label", "select", "option", "button", "footer", "script",
];

/// The tags of `html` as (name, attributes), the content of `<script>` and `<style>` skipped.
fn tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut out = Vec::new();
    let bytes = html.as_bytes();
    let mut i = 0;
    while let Some(at) = html[i..].find('<') {
        let start = i + at + 1;
        i = start;
        if !bytes.get(start).is_some_and(u8::is_ascii_alphabetic) {
            continue;
        }
        let mut j = start;
        while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'-') {
            j += 1;
        }
        let name = html[start..j].to_ascii_lowercase();
        let mut attributes = Vec::new();
        loop {
            while j < bytes.len() && (bytes[j].is_ascii_whitespace() || bytes[j] == b'/') {
                j += 1;
            }
            if j >= bytes.len() || bytes[j] == b'>' {
                break;
            }
            let a = j;
            while j < bytes.len() && !b" \t\n\r/>=".contains(&bytes[j]) {
                j += 1;
            }
            let key = html[a..j].to_ascii_lowercase();
            let mut value = String::new();
            if bytes.get(j) == Some(&b'=') {
                j += 1;
                let quote = bytes[j];
                if quote == b'"' || quote == b'\'' {
                    let end = html[j + 1..].find(char::from(quote)).expect("closing quote") + j + 1;
                    value = html[j + 1..end].to_string();
                    j = end + 1;
                } else {
                    let v = j;
                    while j < bytes.len() && !bytes[j].is_ascii_whitespace() && bytes[j] != b'>' {
                        j += 1;
                    }
                    value = html[v..j].to_string();
                }
            }
            attributes.push((key, value));
        }
        i = j;
        if name == "script" || name == "style" {
            let close = format!("</{name}>");
            i += html[i..].find(&close).expect("closed");
        }
        out.push((name, attributes));
    }
    out
}

/// Asserts that nothing in `html` but the page's own script can run or load anything.
fn assert_inert(html: &str, what: &str) {
    // Not even a reader that does not parse finds an event handler or an image in the page.
    for raw in ["onerror=", "onmouseover=", "<img"] {
        assert!(!html.contains(raw), "{what}: {raw}");
    }
    let tags = tags(html);
    let scripts = tags.iter().filter(|(n, _)| n == "script").count();
    assert_eq!(scripts, 1, "{what}: one script, the page's own");
    for (name, attributes) in &tags {
        assert!(ELEMENTS.contains(&name.as_str()), "{what}: a <{name}> element");
        for (key, value) in attributes {
            assert!(!key.starts_with("on"), "{what}: <{name} {key}=...>");
            assert!(
                !matches!(key.as_str(), "src" | "srcdoc" | "action" | "formaction"),
                "{what}: {key}"
            );
            if key == "href" {
                let v = value.trim().to_ascii_lowercase();
                let web = v.starts_with("http://") || v.starts_with("https://");
                let relative = !v.contains(':') || v.starts_with('#') || v.find(['/', '?', '#']) < v.find(':');
                assert!(web || relative, "{what}: href=\"{value}\"");
            }
        }
    }
    let csp = tags
        .iter()
        .find(|(n, a)| {
            n == "meta"
                && a.iter()
                    .any(|(k, v)| k == "http-equiv" && v == "Content-Security-Policy")
        })
        .expect("a Content-Security-Policy");
    let policy = &csp.1.iter().find(|(k, _)| k == "content").expect("content").1;
    assert!(
        policy.starts_with("default-src &#39;none&#39;; script-src &#39;sha256-"),
        "{policy}"
    );
}

// ---------------------------------------------------------------------------------------------
// Structure and determinism
// ---------------------------------------------------------------------------------------------

#[test]
fn the_page_holds_every_section_and_is_the_same_for_the_same_data_and_date() {
    let (env, db) = demo();
    let first = html(&env, &db, "a.html", &["--evaluation", "1", "--date", "2026-12-01"]);
    let again = html(&env, &db, "b.html", &["--evaluation", "1", "--date", "2026-12-01"]);
    assert_eq!(first, again, "byte-identical for the same database and --date");
    let later = html(&env, &db, "c.html", &["--evaluation", "1", "--date", "2026-12-02"]);
    assert_ne!(first, later);

    for section in [
        "cover", "summary", "matrix", "controls", "findings", "evidence", "signoff",
    ] {
        assert!(first.contains(&format!("<section id=\"{section}\"")), "{section}");
    }
    // One anchor per control, each row linking to it, and findings linking to their control.
    let csv = env.path().join("r.csv");
    env.run([
        "--db",
        &db,
        "report",
        "--format",
        "csv",
        "--out",
        arg(&csv),
        "--evaluation",
        "1",
        "--date",
        "2026-12-01",
    ])
    .success();
    let keys: Vec<String> = read(&csv)
        .lines()
        .skip(1)
        .map(|l| {
            l.trim_start_matches('\u{feff}')
                .split(',')
                .nth(1)
                .expect("control")
                .to_string()
        })
        .collect();
    assert_eq!(keys.len(), 20);
    for key in &keys {
        assert_eq!(first.matches(&format!("<tr id=\"ctrl-{key}\"")).count(), 1, "{key}");
    }
    assert!(first.contains("<a href=\"#ctrl-SRM-FW\"><b>SRM-FW</b></a>"));
    // The control links to its evidence in the index, and every internal link lands somewhere.
    assert!(first.contains("<a href=\"#ev-1\""));
    let ids: BTreeSet<&str> = first
        .split(" id=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .collect();
    for target in first.split("href=\"#").skip(1).filter_map(|s| s.split('"').next()) {
        assert!(ids.contains(target), "#{target} has no element");
    }
    // Cover facts, the fingerprint, the charts and the sources.
    let fingerprint = env.json(["--db", &db, "--json", "evaluation", "show", "1"])["evaluation"]["fingerprint"]
        .as_str()
        .expect("fingerprint")
        .to_string();
    assert!(first.contains(&fingerprint));
    assert!(first.contains("Demo evaluation (#1)"));
    assert_eq!(first.matches("<svg class=\"chart\"").count(), 3);
    assert!(first.contains("<h3>Sources</h3>"));
    assert_inert(&first, "demo");

    // Customer data: not readable by others.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(env.path().join("a.html"))
        .expect("meta")
        .permissions()
        .mode();
    assert_eq!(mode & 0o077, 0, "{mode:o}");
}

#[test]
fn scope_flags_select_what_the_page_shows() {
    let (env, db) = demo();
    let team = html(&env, &db, "t.html", &["--team", "platform", "--date", "2026-12-01"]);
    assert!(team.contains("<dt>Teams</dt><dd>platform</dd>"));
    assert!(team.contains("Live state (not an evaluation)"));
    // A layout with two sections draws those two, in its order.
    let layout = env.file(
        "two.json",
        read(Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/templates/control-evaluation.json"
        )))
        .replace(
            "\"sections\": [\"cover\", \"summary\", \"matrix\", \"controls\", \"findings\", \"checks\", \"evidence\", \"signoff\"]",
            "\"sections\": [\"findings\", \"controls\"]",
        ),
    );
    let two = html(
        &env,
        &db,
        "two.html",
        &["--template", arg(&layout), "--date", "2026-12-01"],
    );
    let sections: Vec<&str> = two
        .split("<section id=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .collect();
    assert_eq!(sections, ["findings", "controls"]);
}

// ---------------------------------------------------------------------------------------------
// Escaping
// ---------------------------------------------------------------------------------------------

const SCRIPT: &str = "<script>alert(1)</script>";
const IMG: &str = "\"><img src=x onerror=alert(1)>";
const JS: &str = "javascript:alert(1)";

#[test]
fn hostile_text_in_every_free_text_field_stays_text() {
    let env = Env::init();
    let p = format!("{SCRIPT}{IMG} {JS}");
    let offerings = env.file(
        "offerings.csv",
        format!(
            "key,name,provider,category\naws.evil,\"{}\",aws,container\n",
            p.replace('"', "\"\"")
        ),
    );
    let quoted = p.replace('"', "\"\"");
    let controls = env.file(
        "mine.csv",
        format!("key,title,family,statement\nK1,\"{quoted}\",\"{quoted}\",\"{quoted}\"\n"),
    );
    let rules = env.file(
        "rules.csv",
        format!("control,category,responsibility,rationale,source\nK1,*,customer,\"{quoted}\",\"{quoted}\"\n"),
    );
    let sources = env.file(
        "sources.csv",
        format!("id,title,publisher_or_author,date,url\nevil,\"{quoted}\",\"{quoted}\",,https://e.example/a\n"),
    );
    let file = env.file("proof.txt", "proof\n");
    let team = format!("team{p}");
    let service = format!("svc{p}");
    let https = format!("https://x.example/{SCRIPT}\"onmouseover=alert(1)");
    env.setup(&[
        &["offering", "import", arg(&offerings)],
        &["source", "import", arg(&sources)],
        &["team", "add", &team, "--contact", &p],
        &["service", "add", &service, "--offering", "aws.evil", "--team", &team],
        &["service", "add", &p, "--offering", "aws.ec2", "--team", &team],
        &["catalog", "import-csv", arg(&controls), "--key", "mine", "--title", &p],
        &["rule", "import", arg(&rules), "--catalog", "mine"],
        &[
            "responsibility",
            "set",
            "SRM-FW",
            "--service",
            &service,
            "--as",
            "customer",
            "--why",
            &p,
        ],
        &["owner", "set", "SRM-PATCH", "--team", &team],
        &[
            "implementation",
            "set",
            "SRM-PATCH",
            "--status",
            "implemented",
            "--statement",
            &p,
        ],
        &[
            "implementation",
            "set",
            "K1",
            "--catalog",
            "mine",
            "--status",
            "partial",
            "--statement",
            &p,
        ],
        &[
            "mapping",
            "add",
            "mine:K1",
            "srm:SRM-PATCH",
            "--relationship",
            "equal",
            "--why",
            &p,
        ],
        &["evidence", "add", "SRM-FW", "--note", &p, "--title", &p],
        &["evidence", "add", "SRM-PATCH", "--url", &https, "--title", &p],
        &[
            "evidence",
            "add",
            "SRM-PATCH",
            arg(&file),
            "--title",
            &p,
            "--service",
            &service,
        ],
        &["evaluation", "open", &p],
        &[
            "evaluation",
            "record",
            "SRM-FW",
            "--service",
            &service,
            "--result",
            "not-satisfied",
            "--note",
            &p,
        ],
        &[
            "evaluation",
            "record",
            "SRM-PATCH",
            "--result",
            "satisfied",
            "--note",
            &p,
        ],
    ]);
    env.run_as(&p, ["evidence", "review", "1", "--accept", "--note", &p])
        .success();
    env.run_as(&p, ["evidence", "review", "2", "--reject", "--note", &p])
        .success();
    env.run(["evaluation", "close"]).success();
    // Addresses that are not http(s) are refused where they enter.
    rejects_unchanged(
        &env,
        &["evidence", "add", "SRM-FW", "--url", "javascript:alert(1)"],
        "not an http(s) URL",
    );

    let runs: Vec<(&str, Vec<&str>)> = vec![
        ("live", vec![]),
        ("evaluation", vec!["--evaluation", "1"]),
        ("mine", vec!["--catalog", "mine"]),
        ("via", vec!["--via", "mine"]),
        ("team", vec!["--team", &team]),
        ("organisation", vec!["--organisation", &p]),
    ];
    let db = arg(&env.db).to_string();
    for (name, extra) in runs {
        let mut args = extra.clone();
        args.extend(["--date", "2026-12-01"]);
        let page = html(&env, &db, &format!("{name}.html"), &args);
        assert_inert(&page, name);
        // The text is there, escaped: it was shown, not dropped.
        assert!(
            page.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src&#61;x onerror&#61;alert(1)&gt; javascript:alert(1)"),
            "{name}"
        );
    }
    let evaluation = read(&env.path().join("evaluation.html"));
    assert!(
        evaluation
            .contains("href=\"https://x.example/&lt;script&gt;alert(1)&lt;/script&gt;&quot;onmouseover&#61;alert(1)\"")
    );
}

// ---------------------------------------------------------------------------------------------
// Templates
// ---------------------------------------------------------------------------------------------

#[test]
fn a_broken_page_template_fails_in_one_line_and_writes_nothing() {
    let (env, db) = demo();
    let cases = [
        (
            "syntax.html",
            "<p>{{ report.title }}</p>\n{% for c in %}\n",
            "syntax.html line 2: syntax error",
        ),
        (
            "undefined.html",
            "<p>{{ report.title }}</p>\n<p>{{ report.no_such_field }}</p>\n",
            "undefined.html line 2: undefined value",
        ),
        ("unclosed.html", "{% if report.title %}\n<p>x</p>\n", "unclosed.html"),
        ("missing.html", "", "missing.html"),
    ];
    for (name, text, message) in cases {
        let template = if text.is_empty() {
            env.path().join(name)
        } else {
            env.file(name, text)
        };
        let out = env.path().join(format!("{name}.out.html"));
        let before = std::fs::read(&db).expect("database");
        let assert = env
            .run([
                "--db",
                &db,
                "report",
                "--format",
                "html",
                "--out",
                arg(&out),
                "--template",
                arg(&template),
            ])
            .code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
        assert!(stderr.contains(message), "{name}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        assert!(!out.exists(), "{name}: nothing written");
        assert_eq!(std::fs::read(&db).expect("database"), before);
    }
    // A page template of one's own renders with the same data; its values are escaped too.
    let mine = env.file(
        "mine.html",
        "<h1>{{ report.organisation }}</h1>{% for c in controls %}<p id=\"{{ c.anchor }}\">{{ c.title }}</p>{% endfor %}\n",
    );
    let page = html(
        &env,
        &db,
        "mine.out.html",
        &["--template", arg(&mine), "--organisation", "<b>Corp</b>"],
    );
    assert!(
        page.starts_with("<h1>&lt;b&gt;Corp&lt;/b&gt;</h1><p id=\"ctrl-SRM-PHYS\">"),
        "{page}"
    );
}

// ---------------------------------------------------------------------------------------------
// The package
// ---------------------------------------------------------------------------------------------

/// `path` with its percent-escapes decoded.
fn decoded(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(u8::from_str_radix(&path[i + 1..i + 3], 16).expect("hex"));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("UTF-8")
}

#[test]
fn the_packaged_page_links_each_file_to_its_member_and_is_in_the_digest() {
    let (env, zip, all) = signed_package();
    let db = arg(&env.path().join("d/demo.db")).to_string();
    let get = |name: &str| all.iter().find(|(n, _)| n == name).map(|(_, b)| b.clone()).expect(name);
    let digest = String::from_utf8(get("digest.txt")).expect("UTF-8");
    let page = get("report.html");
    let line = format!("{}  report.html", hex(&<sha2::Sha256 as sha2::Digest>::digest(&page)));
    assert!(digest.lines().any(|l| l == line), "{digest}");
    env.run(["package", "verify", arg(&zip), "--public-key", "assessor.pub"])
        .success();

    // The page in the package is the page `report` writes for the same evaluation and date,
    // but for its links to the files beside it.
    let page = String::from_utf8(page).expect("UTF-8");
    let alone = html(
        &env,
        &db,
        "alone.html",
        &[
            "--evaluation",
            "1",
            "--date",
            "2026-12-01",
            "--organisation",
            "Example Organisation",
        ],
    );
    assert_eq!(
        page.matches("<tr id=\"ctrl-").count(),
        alone.matches("<tr id=\"ctrl-").count()
    );
    assert!(!alone.contains("class=\"file\""));

    // Unzipped, every file link opens a member.
    let dir = env.path().join("unzipped");
    for (name, bytes) in &all {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("dir");
        std::fs::write(path, bytes).expect("write");
    }
    let files: Vec<&str> = page
        .split("<a class=\"file\" href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .collect();
    assert!(!files.is_empty(), "the demo's file evidence is linked");
    for href in &files {
        assert!(href.starts_with("evidence/"), "{href}");
        assert!(dir.join(decoded(href)).is_file(), "{href} opens nothing");
    }
    assert_inert(&page, "package");
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

// ---------------------------------------------------------------------------------------------
// In a real browser
// ---------------------------------------------------------------------------------------------

/// A Chromium to test with: `CTRLMAP_CHROMIUM`, else the first of the usual names on PATH.
fn browser() -> Option<PathBuf> {
    let names = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];
    let from_env = std::env::var_os("CTRLMAP_CHROMIUM").map(PathBuf::from);
    from_env.into_iter().chain(names.iter().map(PathBuf::from)).find(|b| {
        Command::new(b)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// Runs headless Chromium on `url` with `args`, in a profile of its own under `dir`; its stdout.
fn chromium(browser: &Path, dir: &Path, args: &[&str], url: &str) -> String {
    let profile = tempfile::tempdir_in(dir).expect("profile");
    let out = Command::new(browser)
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(url)
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "chromium: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The addresses the page itself asked for, from a Chromium net log: requests the browser makes
/// for its own sake (updates, accounts) have no initiating origin and are left out.
fn page_requests(net_log: &Path) -> Vec<String> {
    let log: serde_json::Value = serde_json::from_str(&read(net_log)).expect("net log JSON");
    log["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| {
            let params = &e["params"];
            let url = params["url"].as_str()?;
            let initiator = params["initiator"].as_str()?;
            (initiator != "not an origin" && !url.starts_with("file:")).then(|| url.to_string())
        })
        .collect()
}

/// The `<tr>` tags of the control table in a DOM dump, as (id, hidden).
fn rows(dom: &str) -> Vec<(String, bool)> {
    tags(dom)
        .into_iter()
        .filter(|(n, a)| n == "tr" && a.iter().any(|(k, v)| k == "id" && v.starts_with("ctrl-")))
        .map(|(_, a)| {
            let id = a
                .iter()
                .find(|(k, _)| k == "id")
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            (id, a.iter().any(|(k, _)| k == "hidden"))
        })
        .collect()
}

#[test]
fn in_a_browser_the_page_loads_offline_filters_resolves_anchors_and_draws() {
    let Some(browser) = browser() else {
        eprintln!(
            "note: no Chromium installed (chromium, chromium-browser, google-chrome or CTRLMAP_CHROMIUM): \
             the browser check of the HTML report is skipped"
        );
        return;
    };
    let (env, db) = demo();
    html(&env, &db, "q4.html", &["--evaluation", "1", "--date", "2026-12-01"]);
    let page = env.path().join("q4.html");
    let url = format!("file://{}", page.display());
    let dir = env.path();

    // No request leaves the page; a page that does fetch something shows the check sees it.
    let net = dir.join("net.json");
    let dom = chromium(
        &browser,
        dir,
        &[&format!("--log-net-log={}", net.display()), "--dump-dom"],
        &url,
    );
    assert!(dom.contains("id=\"filter-status\""), "the page loaded");
    assert_eq!(page_requests(&net), Vec::<String>::new());
    let fetching = env.file(
        "fetching.html",
        "<!DOCTYPE html><img src=\"http://127.0.0.1:9/x.png\"><p>x</p>",
    );
    let control = dir.join("control.json");
    chromium(
        &browser,
        dir,
        &[&format!("--log-net-log={}", control.display()), "--dump-dom"],
        &format!("file://{}", fetching.display()),
    );
    assert_eq!(page_requests(&control), ["http://127.0.0.1:9/x.png"]);

    // Without a filter every row shows and the filter form is shown (it needs the script).
    let all = rows(&dom);
    assert_eq!(all.len(), 20);
    assert!(all.iter().all(|(_, hidden)| !hidden));
    assert!(
        dom.contains("<form id=\"filters\" class=\"filters\">"),
        "the script showed the form"
    );
    assert!(dom.contains("Showing all 20 controls."));

    // A filter in the fragment hides what does not match, by the control's own value or, with a
    // service, by its value on that service.
    let customer = chromium(
        &browser,
        dir,
        &["--dump-dom"],
        &format!("{url}#filter=responsibility:customer"),
    );
    let html = read(&page);
    let by_value: Vec<(String, bool)> = tags(&html)
        .into_iter()
        .filter(|(n, a)| n == "tr" && a.iter().any(|(k, _)| k == "data-responsibility"))
        .map(|(_, a)| {
            let get = |key: &str| {
                a.iter()
                    .find(|(k, _)| k == key)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            (get("id"), get("data-responsibility") != "customer")
        })
        .collect();
    assert_eq!(rows(&customer), by_value);
    assert!(by_value.iter().any(|(_, hidden)| *hidden) && by_value.iter().any(|(_, hidden)| !hidden));
    let shown = by_value.iter().filter(|(_, hidden)| !hidden).count();
    assert!(customer.contains(&format!("Showing {shown} of 20 controls (responsibility: customer).")));

    // On web-frontend (EC2) patching is the customer's, though shared organisation-wide.
    let on_ec2 = chromium(
        &browser,
        dir,
        &["--dump-dom"],
        &format!("{url}#filter=responsibility:customer;service:web-frontend"),
    );
    let visible: Vec<String> = rows(&on_ec2)
        .into_iter()
        .filter(|(_, h)| !h)
        .map(|(id, _)| id)
        .collect();
    assert!(visible.contains(&"ctrl-SRM-PATCH".to_string()), "{visible:?}");
    assert!(!visible.contains(&"ctrl-SRM-PHYS".to_string()));
    let team = chromium(
        &browser,
        dir,
        &["--dump-dom"],
        &format!("{url}#filter=result:not-satisfied;team:data-platform"),
    );
    let visible: Vec<String> = rows(&team).into_iter().filter(|(_, h)| !h).map(|(id, _)| id).collect();
    assert_eq!(visible, ["ctrl-SRM-FW"]);

    // An anchor resolves: the fragment names exactly one element, the control's visible row.
    let anchored = chromium(&browser, dir, &["--dump-dom"], &format!("{url}#ctrl-SRM-PATCH"));
    let targets: Vec<(String, Vec<(String, String)>)> = tags(&anchored)
        .into_iter()
        .filter(|(_, a)| a.iter().any(|(k, v)| k == "id" && v == "ctrl-SRM-PATCH"))
        .collect();
    assert_eq!(targets.len(), 1);
    assert_eq!(targets[0].0, "tr");
    assert!(!targets[0].1.iter().any(|(k, _)| k == "hidden"));

    // The policy holds: a script that is not the page's own does not run, not even a changed
    // copy of it. Without its script the page still reads in full: every row, no filter form.
    let tampered = env.file("tampered.html", html.replacen("\"use strict\";", "\"use strict\"; ", 1));
    assert_ne!(read(&tampered), html);
    let plain = chromium(
        &browser,
        dir,
        &["--dump-dom"],
        &format!("file://{}#filter=responsibility:customer", tampered.display()),
    );
    assert_eq!(rows(&plain).len(), 20);
    assert!(rows(&plain).iter().all(|(_, hidden)| !hidden));
    assert!(plain.contains("<form id=\"filters\" class=\"filters\" hidden=\"\">"));
    assert!(plain.contains("<p id=\"filter-status\" role=\"status\"></p>"));

    // A screenshot: a PNG of the window's size with something drawn in it.
    let shot = dir.join("shot.png");
    chromium(
        &browser,
        dir,
        &["--window-size=1280,1600", &format!("--screenshot={}", shot.display())],
        &url,
    );
    let png = std::fs::read(&shot).expect("a screenshot");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let size = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().expect("4 bytes"));
    assert_eq!((size(16), size(20)), (1280, 1600));
    assert!(
        png.len() > 50_000,
        "a blank page compresses to a few KiB; this is {} bytes",
        png.len()
    );
}

#[test]
fn printed_the_packaged_page_hides_the_filters_and_shows_where_files_are() {
    let Some(browser) = browser() else {
        eprintln!("note: no Chromium installed: the print check of the HTML report is skipped");
        return;
    };
    let (env, db) = demo();
    let zip = env.path().join("q4.zip");
    env.run([
        "--db",
        &db,
        "package",
        "--evaluation",
        "1",
        "--out",
        arg(&zip),
        "--date",
        "2026-12-01",
    ])
    .success();
    let dir = env.path().join("unzipped");
    for (name, bytes) in members(&zip) {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("dir");
        std::fs::write(path, bytes).expect("write");
    }
    let pdf = env.path().join("printed.pdf");
    chromium(
        &browser,
        env.path(),
        &["--no-pdf-header-footer", &format!("--print-to-pdf={}", pdf.display())],
        &format!("file://{}", dir.join("report.html").display()),
    );
    let Some(text) = crate::common::tool_output("pdftotext", &[pdf.as_os_str(), std::ffi::OsStr::new("-")]) else {
        return;
    };
    assert!(
        text.contains("Evidence index") && text.contains("SRM-PATCH"),
        "the whole page is printed"
    );
    assert!(!text.contains("Showing all"), "the filters are not printed");
    assert!(!text.contains("Show all"));
    // pdftotext joins a target broken over lines and drops a hyphen at a line's end.
    let flat = |t: &str| {
        t.chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect::<String>()
    };
    let (target, flat) = (flat("<evidence/SRM-PATCH/1-patch-report-2026-11.txt>"), flat(&text));
    assert!(flat.contains(&target), "the file link's target is printed");
}

/// The page shows what the PDF shows of scans and the plan of action: the demo's scan gives the
/// SP 800-53 view an automated-checks table naming the failing check and resource, linked to its
/// control, and the demo's closed evaluation gives the srm view its POA&M items.
#[test]
fn the_page_shows_automated_checks_and_the_plan_of_action() {
    let (env, db) = demo();
    let page = html(
        &env,
        &db,
        "n.html",
        &["--catalog", "nist-800-53", "--date", "2026-12-04"],
    );
    let checks = &page[page.find("<section id=\"checks\"").expect("a checks section")..];
    let checks = &checks[..checks.find("</section>").expect("section end")];
    assert!(checks.contains("<a href=\"#ctrl-RA-5\"><b>RA-5</b></a>"), "{checks}");
    assert!(
        checks.contains("<code>Config.1</code> on aws-account:123456789123 (organisation, scan 1)"),
        "{checks}"
    );
    assert!(page.contains("<a href=\"#checks\">Automated checks</a>"));
    assert!(
        page.contains("id=\"ctrl-RA-5\""),
        "the check links to a control row that exists"
    );
    // The failure is on an account no service claims: an organisation-wide finding of the
    // whole organisation's report, not of one team's.
    let findings = &page[page.find("<section id=\"findings\"").expect("findings")..];
    let findings = &findings[..findings.find("</section>").expect("section end")];
    let failed = "check Config.1 failed on aws-account:123456789123 (scan 1)";
    assert_eq!(findings.matches(failed).count(), 2, "RA-5 and SA-11: {findings}");
    assert!(findings.contains("<td class=\"kind kind-failed-check\">failed-check</td>"));
    let team = html(
        &env,
        &db,
        "team.html",
        &["--catalog", "nist-800-53", "--team", "web", "--date", "2026-12-04"],
    );
    assert!(
        !team.contains(failed),
        "a team's report leaves organisation-wide observations out"
    );

    let srm = html(&env, &db, "srm.html", &["--evaluation", "1", "--date", "2026-12-04"]);
    assert!(
        !srm.contains("<section id=\"checks\""),
        "no scan counts for srm: no section, no link"
    );
    assert!(!srm.contains("href=\"#checks\""));
    let poam = &srm[srm.find("<h3 id=\"poam\">").expect("a POA&M table")..];
    let poam = &poam[..poam.find("</table>").expect("table end")];
    let out = env
        .run(["--db", &db, "--json", "poam", "list", "--evaluation", "1"])
        .success();
    let items: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).expect("json");
    let items = items.as_array().expect("a list");
    assert!(!items.is_empty());
    assert_eq!(poam.matches("<tr><td class=\"num\">").count(), items.len(), "{poam}");
    for item in items {
        let control = item["control"].as_str().expect("control");
        assert!(
            poam.contains(&format!("<a href=\"#ctrl-{control}\"><b>{control}</b></a>")),
            "{control}"
        );
    }
}
