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
    // Three pieces, and the demo's scan.
    assert_eq!(v["evidence"]["accepted"], 4);
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

#[test]
fn enum_flags_complete_their_values_and_help_lists_them() {
    let env = Env::new();
    let out = env.run(["completions", "bash"]).success();
    let bash = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    for value in [
        "not-satisfied",
        "partially-satisfied",
        "implemented",
        "alternative",
        "superset",
        "inherited",
    ] {
        assert!(bash.contains(value), "bash completion offers {value}");
    }
    let out = env.run(["completions", "fish"]).success();
    let fish = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(fish.contains("not-satisfied") && fish.contains("customer"), "{fish}");
    let out = env.run(["report", "--help"]).success();
    let help = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(help.contains("xlsx"), "{help}");
    // The vocabulary parser keeps the model's message.
    let env = Env::init();
    crate::common::rejects_unchanged(
        &env,
        &["evaluation", "record", "SRM-FW", "--result", "maybe"],
        "unknown result \"maybe\": expected satisfied",
    );
}

#[test]
fn man_all_writes_every_page_the_others_refer_to() {
    let env = Env::new();
    env.run(["man", "--all", "--out", "man"]).success();
    let dir = env.path().join("man");
    let pages: Vec<String> = std::fs::read_dir(&dir)
        .expect("man dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(pages.len() > 40, "{pages:?}");
    for page in [
        "ctrlmap.1",
        "ctrlmap-service.1",
        "ctrlmap-service-add.1",
        "ctrlmap-package-verify.1",
    ] {
        assert!(pages.iter().any(|p| p == page), "{page} in {pages:?}");
    }
    for page in &pages {
        let text = std::fs::read_to_string(dir.join(page)).expect("page");
        for (i, _) in text.match_indices("ctrlmap\\-") {
            // Every reference `ctrlmap\-x\-y(1)` names a page that exists.
            let rest = &text[i..];
            if let Some(end) = rest.find("(1)") {
                let name = rest[..end].replace("\\-", "-");
                if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                    assert!(pages.contains(&format!("{name}.1")), "{page} refers to {name}(1)");
                }
            }
        }
    }
    assert!(!env.db.exists());
}

#[test]
fn every_write_command_honours_quiet_and_json() {
    let env = Env::estate();
    let log = env.file("restore.log", "restore ok\n");
    let log = log.to_str().expect("utf-8");
    let commands: &[&[&str]] = &[
        &["owner", "set", "SRM-PATCH", "--team", "platform"],
        &[
            "implementation",
            "set",
            "SRM-PATCH",
            "--service",
            "web",
            "--status",
            "implemented",
            "--statement",
            "weekly",
        ],
        &[
            "responsibility",
            "set",
            "SRM-FW",
            "--service",
            "web",
            "--as",
            "shared",
            "--why",
            "split",
        ],
        &["evidence", "add", "SRM-BACKUP", log],
        &["evidence", "link", "1", "SRM-FW"],
        &[
            "mapping",
            "add",
            "srm:SRM-PATCH",
            "srm:SRM-CONFIG",
            "--relationship",
            "related",
            "--why",
            "x",
        ],
        &["evaluation", "open", "Q4"],
        &["evaluation", "record", "SRM-PATCH", "--result", "satisfied"],
        &["evaluation", "close"],
        &["evidence", "export", "1", "--out", "copy.log"],
        &["report", "--format", "csv", "--out", "r.csv"],
    ];
    for args in commands {
        let mut quiet = vec!["-q", "--force"];
        quiet.extend_from_slice(args);
        let out = env.run(&quiet).success();
        assert!(out.get_output().stdout.is_empty(), "{args:?} printed under -q");
    }
    for args in [
        &["team", "add", "security"][..],
        &["owner", "set", "SRM-IAM", "--team", "security"],
        &["service", "add", "api", "--offering", "aws.ec2", "--team", "security"],
        &["--force", "report", "--format", "csv", "--out", "r.csv"],
    ] {
        let mut json = vec!["--json"];
        json.extend_from_slice(args);
        let out = env.run(&json).success();
        let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
        for line in stdout.lines() {
            serde_json::from_str::<serde_json::Value>(line).unwrap_or_else(|e| panic!("{args:?}: {line:?}: {e}"));
        }
        assert!(!stdout.trim().is_empty(), "{args:?}");
    }
}

#[test]
fn oscal_ids_name_controls_and_demo_honours_db() {
    let env = Env::new();
    let db = env.path().join("mine.db");
    env.run(["--db", db.to_str().expect("utf-8"), "demo", "--out", "d"])
        .success();
    assert!(db.exists() && !env.path().join("d/demo.db").exists());
    // Never over a database that is there.
    let before = std::fs::read(&db).expect("db");
    let out = env
        .run(["--db", db.to_str().expect("utf-8"), "demo", "--out", "d"])
        .code(2);
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("already exists"));
    assert_eq!(std::fs::read(&db).expect("db"), before);
    let fixture = format!(
        "{}/tests/fixtures/oscal/NIST_SP-800-53_rev5_LOW-baseline-resolved-profile_catalog-min.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let env = Env::init();
    env.run(["catalog", "import", &fixture, "--key", "low"]).success();
    let by_label = env.json(["control", "show", "AC-2", "--catalog", "low", "--json"]);
    let by_id = env.json(["control", "show", "ac-2", "--catalog", "low", "--json"]);
    assert_eq!(by_label, by_id);
    let out = env.run(["control", "show", "ia-2.1", "--catalog", "low"]).success();
    assert!(String::from_utf8_lossy(&out.get_output().stdout).contains("IA-2(1)"));
}
