//! `status`, shell completions and the man page.

use crate::common::Env;

#[test]
fn status_summarises_the_estate() {
    let env = Env::new();
    env.run(["demo", "--out", "d"]).success();
    let db = env.path().join("d/demo.db");
    let db = db.to_str().expect("path");
    let v = env.json(["--db", db, "--today", "2026-11-23", "status", "--json"]);
    assert_eq!(v["services"]["abstracted"], 2);
    assert_eq!(v["controls"]["inherited"], 4);
    assert_eq!(v["evidence"]["accepted"], 3);
    assert_eq!(v["evidence"]["rejected"], 1);
    assert!(v["gaps_by_team"].as_array().is_some_and(|g| !g.is_empty()));
    let out = env.run(["--db", db, "status"]).success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(text.contains("5 in scope") && text.contains("top gaps"), "{text}");
}

#[test]
fn completions_and_man_page_come_from_the_command_tree() {
    let env = Env::new();
    for shell in ["bash", "zsh", "fish"] {
        let out = env.run(["completions", shell]).success();
        let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
        assert!(text.contains("evidence") && text.contains("responsibility"), "{shell}");
    }
    let out = env.run(["man"]).success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(text.starts_with(".ie") || text.contains(".TH ctrlmap"), "roff expected");
    assert!(!env.db.exists(), "neither needs a database");
}

#[test]
fn quiet_silences_confirmations_but_not_data() {
    let env = Env::init();
    let out = env.run(["--quiet", "team", "add", "platform"]).success();
    assert!(out.get_output().stdout.is_empty());
    let teams = env.json(["-q", "team", "list", "--json"]);
    assert_eq!(teams[0]["name"], "platform");
}
