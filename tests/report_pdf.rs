//! The PDF report, read back: sections, totals, footers, determinism, paper sizes, templates.

use crate::common::Env;

fn estate() -> Env {
    let env = Env::estate();
    env.setup(&[
        &[
            "evidence",
            "add",
            "SRM-PATCH",
            "--note",
            "patched",
            "--collected",
            "2026-11-20",
            "--expires",
            "90d",
        ],
        &["evaluation", "open", "Q4 2026 internal review"],
        &[
            "evaluation",
            "record",
            "SRM-PATCH",
            "--result",
            "satisfied",
            "--note",
            "all hosts patched",
        ],
        &[
            "evaluation",
            "record",
            "SRM-FW",
            "--service",
            "orders-db",
            "--result",
            "not-satisfied",
            "--note",
            "0.0.0.0/0 on 5432",
        ],
    ]);
    env.run_as("bob", ["evidence", "review", "1", "--accept", "--note", "ok"])
        .success();
    env
}

fn pdf(env: &Env, name: &str, args: &[&str]) -> Vec<u8> {
    let out = env.path().join(name);
    let _ = std::fs::remove_file(&out);
    let mut all = vec!["report", "--format", "pdf", "--out", out.to_str().expect("path")];
    all.extend_from_slice(args);
    env.run(&all).success();
    std::fs::read(&out).expect("pdf written")
}

/// The text of every page, in order.
fn pages(bytes: &[u8]) -> Vec<String> {
    let doc = lopdf::Document::load_mem(bytes).expect("a PDF lopdf can read");
    let numbers: Vec<u32> = doc.get_pages().keys().copied().collect();
    numbers.iter().map(|n| doc.extract_text(&[*n]).expect("text")).collect()
}

#[test]
fn the_pdf_has_every_section_and_a_footer_on_every_page() {
    let env = estate();
    let bytes = pdf(
        &env,
        "q4.pdf",
        &[
            "--evaluation",
            "1",
            "--date",
            "2026-12-01",
            "--organisation",
            "Example Corp",
        ],
    );
    assert!(bytes.starts_with(b"%PDF-"));
    let pages = pages(&bytes);
    let all = pages.join("\n");
    for needle in [
        "Control evaluation report",
        "Example Corp",
        "Q4 2026 internal review",
        "Summary",
        "Responsibility by service category",
        "Controls",
        "Findings",
        "Evidence index",
        "Sign-off",
        "SRM-PATCH",
        "SRM-FW",
        "0.0.0.0/0 on 5432",
        "2026-12-01",
    ] {
        assert!(all.contains(needle), "{needle:?} missing from the PDF text");
    }
    let n = pages.len();
    assert!(n >= 5, "expected several pages, got {n}");
    for (i, text) in pages.iter().enumerate().skip(1) {
        assert!(
            text.contains(&format!("page {} of {n}", i + 1)),
            "page {} footer missing: {text}",
            i + 1
        );
    }
}

#[test]
fn the_same_data_and_date_give_the_same_pdf() {
    let env = estate();
    let a = pdf(&env, "a.pdf", &["--evaluation", "1", "--date", "2026-12-01"]);
    let b = pdf(&env, "b.pdf", &["--evaluation", "1", "--date", "2026-12-01"]);
    assert_eq!(a, b);
    let c = pdf(&env, "c.pdf", &["--evaluation", "1", "--date", "2026-12-02"]);
    assert_ne!(a, c);
}

#[test]
fn source_date_epoch_sets_the_date() {
    let env = estate();
    let out = env.path().join("e.pdf");
    let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("ctrlmap");
    cmd.env("CTRLMAP_DB", &env.db)
        .env("SOURCE_DATE_EPOCH", "1764547200") // 2025-12-01T00:00:00Z
        .args(["report", "--format", "pdf", "--out", out.to_str().expect("path")])
        .assert()
        .success();
    let text = pages(&std::fs::read(&out).expect("pdf")).join("\n");
    assert!(text.contains("2025-12-01"), "date from SOURCE_DATE_EPOCH missing");
}

#[test]
fn a4_and_letter_have_their_paper_sizes() {
    let env = estate();
    for (paper, width, height) in [("a4", 595.0, 842.0), ("letter", 612.0, 792.0)] {
        let bytes = pdf(
            &env,
            &format!("{paper}.pdf"),
            &["--paper", paper, "--date", "2026-12-01"],
        );
        let doc = lopdf::Document::load_mem(&bytes).expect("pdf");
        let (_, page) = doc.get_pages().into_iter().next().expect("a page");
        let dict = doc.get_dictionary(page).expect("page dict");
        let media = dict.get(b"MediaBox").and_then(|m| m.as_array()).expect("MediaBox");
        let num = |o: &lopdf::Object| o.as_float().or_else(|_| o.as_i64().map(|v| v as f32)).expect("number");
        assert!((num(&media[2]) - width).abs() < 2.0, "{paper} width");
        assert!((num(&media[3]) - height).abs() < 2.0, "{paper} height");
    }
}

#[test]
fn a_closed_evaluations_pdf_does_not_change_with_the_live_data() {
    let env = estate();
    env.run(["evaluation", "close"]).success();
    let before = pdf(&env, "before.pdf", &["--evaluation", "1", "--date", "2026-12-01"]);
    env.run([
        "responsibility",
        "set",
        "SRM-FW",
        "--service",
        "orders-db",
        "--as",
        "shared",
        "--why",
        "later",
    ])
    .success();
    env.run(["service", "add", "new-one", "--offering", "aws.sqs"])
        .success();
    let after = pdf(&env, "after.pdf", &["--evaluation", "1", "--date", "2026-12-01"]);
    assert_eq!(before, after);
}

#[test]
fn a_template_changes_titles_and_sections() {
    let env = estate();
    let builtin = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/templates/control-evaluation.json"
    ))
    .expect("built-in template");
    let custom = builtin
        .replace(
            "\"title\": \"Control evaluation report\"",
            "\"title\": \"Quarterly control review\"",
        )
        .replace(
            "\"sections\": [\"cover\", \"summary\", \"matrix\", \"controls\", \"findings\", \"checks\", \"evidence\", \"signoff\"]",
            "\"sections\": [\"cover\", \"controls\"]",
        );
    let path = env.file("custom.json", custom);
    let bytes = pdf(
        &env,
        "custom.pdf",
        &["--template", path.to_str().expect("path"), "--date", "2026-12-01"],
    );
    let text = pages(&bytes).join("\n");
    assert!(text.contains("Quarterly control review"));
    assert!(!text.contains("Evidence index"));
}

#[test]
fn the_matrix_page_lists_the_sources_with_their_addresses() {
    let env = estate();
    let bytes = pdf(&env, "sources.pdf", &["--date", "2026-12-01"]);
    let pages = pages(&bytes);
    let matrix = pages
        .iter()
        .position(|p| p.contains("Responsibility by service category"))
        .expect("a matrix page");
    let all = pages[matrix..].join("\n");
    let (_, sources) = all.split_once("Sources").expect("a Sources list after the matrix");
    for needle in [
        "AWS Well-Architected Framework, Security Pillar (Amazon Web Services)",
        "https://docs.aws.amazon.com/wellarchitected/latest/security-pillar/shared-responsibility.html",
        "Shared Responsibility Model (Amazon Web Services, compliance pages)",
        "https://aws.amazon.com/compliance/shared-responsibility-model/",
        "Advanced Shared Responsibility",
        "What is Shared Responsibility Model in AWS? (Nirav Shah, blog post), 2020-08-14",
        "ctrlmap's own judgement",
    ] {
        assert!(
            sources.contains(needle),
            "{needle:?} missing from the Sources list: {sources}"
        );
    }
    assert!(!all.contains("reference/"), "a file name no reader has");
}
