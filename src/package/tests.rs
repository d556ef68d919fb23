//! Building and verifying packages end to end, against a demo database.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde_json::json;
use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;
use zip::{ZipArchive, ZipWriter};

use super::build::sanitise;
use super::sign::decode_hex;
use super::*;
use crate::commands::Ctx;
use crate::db::evaluations;
use crate::error::Error;
use crate::evidence::Store;
use crate::model::evaluation::ResultValue;
use crate::model::evidence::Day;

/// The bundled fonts only, so the package's bytes do not depend on the machine.
fn fonts() -> crate::report::pdf::FontOptions {
    crate::report::pdf::FontOptions {
        files: Vec::new(),
        system_dirs: Vec::new(),
    }
}

fn day() -> Day {
    Day::parse("2026-11-20").expect("a date")
}

/// A database with the demo organisation, two file evidence and a URL, and an evaluation with
/// results; closed when `close`.
fn evaluated(dir: &Path, close: bool) -> Ctx {
    let mut ctx = crate::commands::fixtures::demo_ctx(dir, "data", day());
    let restore = dir.join("restore-log.txt");
    fs::write(&restore, "restore of orders-db succeeded in 23 minutes\n").expect("write");
    let odd = dir.join("fw..rules\u{7}:export.txt");
    fs::write(&odd, "allow 443 from 0.0.0.0/0\n").expect("write");
    let add = |control: &str, service: Option<&str>, file: Option<PathBuf>, url: Option<&str>| {
        crate::commands::evidence::Add {
            control: control.to_string(),
            file,
            url: url.map(str::to_string),
            note: None,
            service: service.map(str::to_string),
            catalog: None,
            title: None,
            collected: Some(day()),
            expires: Some("90d".to_string()),
        }
    };
    add("SRM-BACKUP", Some("orders-db"), Some(restore), None)
        .run(&mut ctx)
        .expect("file evidence");
    add("SRM-FW", Some("orders-db"), Some(odd.clone()), None)
        .run(&mut ctx)
        .expect("file evidence");
    add("SRM-FW", Some("web-frontend"), Some(odd), None)
        .run(&mut ctx)
        .expect("same file for another service");
    add(
        "SRM-FW",
        Some("orders-db"),
        None,
        Some("https://wiki.example.com/sg/orders-db"),
    )
    .run(&mut ctx)
    .expect("URL evidence");
    ctx.actor = "security".to_string();
    crate::commands::evidence::review(&mut ctx, 1, true, "restore log checked").expect("accept");
    crate::commands::evaluation::open(&mut ctx, "Demo evaluation", "srm", &[], &[]).expect("open");
    for (control, service, result) in [
        ("SRM-FW", Some("orders-db"), ResultValue::NotSatisfied),
        ("SRM-BACKUP", Some("orders-db"), ResultValue::Satisfied),
    ] {
        crate::commands::evaluation::record(&mut ctx, control, result, service, "", None).expect("record");
    }
    if close {
        crate::commands::evaluation::close(&mut ctx, None).expect("close");
    }
    ctx
}

fn package(ctx: &Ctx, out: &Path, key: Option<&Path>) -> Summary {
    let e = evaluations::get(ctx.db.conn(), 1).expect("evaluation 1");
    build(ctx.db.conn(), ctx.db.path(), &e, day(), key, &fonts(), out).expect("package")
}

fn members(zip: &Path) -> Vec<(String, Vec<u8>)> {
    let mut archive = ZipArchive::new(File::open(zip).expect("open")).expect("a zip");
    (0..archive.len())
        .map(|i| {
            let mut m = archive.by_index(i).expect("member");
            let mut bytes = Vec::new();
            m.read_to_end(&mut bytes).expect("read");
            (m.name().expect("name").into_owned(), bytes)
        })
        .collect()
}

/// Rewrites `src` to `dst` member by member through `edit` (None drops a member), then adds `extra`.
fn rewrite(src: &Path, dst: &Path, edit: impl Fn(&str, Vec<u8>) -> Option<Vec<u8>>, extra: Option<(&str, &[u8])>) {
    let mut zip = ZipWriter::new(File::create(dst).expect("create"));
    let options = SimpleFileOptions::default();
    for (name, bytes) in members(src) {
        if let Some(bytes) = edit(&name, bytes) {
            zip.start_file(name, options).expect("start");
            zip.write_all(&bytes).expect("write");
        }
    }
    if let Some((name, bytes)) = extra {
        zip.start_file(name, options).expect("start");
        zip.write_all(bytes).expect("write");
    }
    zip.finish().expect("finish");
}

#[test]
fn the_same_data_and_date_give_the_same_bytes() {
    let dir = tempfile::tempdir().expect("dir");
    let ctx = evaluated(dir.path(), true);
    let (a, b) = (dir.path().join("a.zip"), dir.path().join("b.zip"));
    let first = package(&ctx, &a, None);
    let second = package(&ctx, &b, None);
    assert_eq!(fs::read(&a).expect("a"), fs::read(&b).expect("b"));
    assert_eq!(first, second);
    assert_eq!(first.digest_sha256, crate::evidence::hash_file(&a).expect("hash").0);
    assert!(!first.signed);
}

#[test]
fn members_digest_and_manifest_agree() {
    let dir = tempfile::tempdir().expect("dir");
    let ctx = evaluated(dir.path(), true);
    let out = dir.path().join("p.zip");
    let summary = package(&ctx, &out, None);
    let all = members(&out);
    let names: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "README.txt",
            "report.pdf",
            "report.csv",
            "report.xlsx",
            "report.html",
            "evidence/SRM-FW/2-fw_rules__export.txt",
            "evidence/SRM-FW/3-fw_rules__export.txt",
            "evidence/SRM-BACKUP/1-restore-log.txt",
            "manifest.json",
            "digest.txt",
        ]
    );
    assert_eq!(summary.members, all.len());
    assert!(all[1].1.starts_with(b"%PDF"));
    assert_eq!(all[7].1, b"restore of orders-db succeeded in 23 minutes\n");
    // The page links each control's evidence to its member, relative to the page.
    let html = String::from_utf8(all[4].1.clone()).expect("utf-8");
    for member in [
        "evidence/SRM-FW/2-fw_rules__export.txt",
        "evidence/SRM-BACKUP/1-restore-log.txt",
    ] {
        assert!(html.contains(&format!("href=\"{member}\"")), "{member}");
    }
    let readme = String::from_utf8(all[0].1.clone()).expect("utf-8");
    assert!(readme.contains("ctrlmap package verify FILE [--public-key PUB]"));
    assert!(readme.contains("sha256sum -c digest.txt"));

    let digest = String::from_utf8(all[9].1.clone()).expect("utf-8");
    let lines: Vec<&str> = digest.lines().collect();
    assert_eq!(lines.len(), 9);
    for ((name, bytes), line) in all.iter().zip(&lines) {
        assert_eq!(
            *line,
            format!("{}  {name}", crate::support::hex::encode(&Sha256::digest(bytes)))
        );
    }

    let manifest: serde_json::Value = serde_json::from_slice(&all[8].1).expect("json");
    assert_eq!(manifest["evaluation"]["id"], 1);
    assert_eq!(manifest["evaluation"]["name"], "Demo evaluation");
    assert_eq!(manifest["evaluation"]["catalog"], "srm");
    assert_eq!(manifest["evaluation"]["closed"], true);
    assert_eq!(manifest["evaluation"]["fingerprint"].as_str().map(str::len), Some(64));
    assert_eq!(manifest["date"], "2026-11-20");
    let listed = manifest["members"].as_array().expect("members");
    assert_eq!(listed.len(), 8);
    for (m, (name, bytes)) in listed.iter().zip(&all) {
        assert_eq!(m["path"], name.as_str());
        assert_eq!(m["size"], bytes.len());
        assert_eq!(m["sha256"], crate::support::hex::encode(&Sha256::digest(bytes)));
    }
    let evidence = manifest["evidence"].as_array().expect("evidence");
    assert_eq!(evidence.len(), 3);
    assert_eq!(evidence[0]["id"], 1);
    assert_eq!(evidence[0]["members"], json!(["evidence/SRM-BACKUP/1-restore-log.txt"]));
    assert_eq!(evidence[0]["controls"], json!(["SRM-BACKUP"]));
    assert_eq!(evidence[1]["id"], 2);
    assert_eq!(evidence[1]["controls"], json!(["SRM-FW"]));

    let checked = verify(&out, None).expect("verify");
    assert_eq!(checked.members, 9);
    assert!(checked.problems.is_empty(), "{:?}", checked.problems);
}

#[test]
fn an_open_evaluation_can_be_packaged() {
    let dir = tempfile::tempdir().expect("dir");
    let ctx = evaluated(dir.path(), false);
    let out = dir.path().join("open.zip");
    package(&ctx, &out, None);
    let manifest: serde_json::Value = serde_json::from_slice(&members(&out)[8].1).expect("manifest json");
    assert_eq!(manifest["evaluation"]["closed"], false);
    assert!(verify(&out, None).expect("verify").problems.is_empty());
}

#[test]
fn verify_lists_changed_members_and_refuses_removed_and_added_ones() {
    let dir = tempfile::tempdir().expect("dir");
    let ctx = evaluated(dir.path(), true);
    let out = dir.path().join("p.zip");
    package(&ctx, &out, None);

    let changed = dir.path().join("changed.zip");
    rewrite(
        &out,
        &changed,
        |name, mut bytes| {
            if name == "report.csv" {
                bytes[0] ^= 1;
            }
            Some(bytes)
        },
        None,
    );
    let problems = verify(&changed, None).expect("verify").problems;
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].starts_with("changed: report.csv"), "{problems:?}");

    let removed = dir.path().join("removed.zip");
    rewrite(
        &out,
        &removed,
        |name, b| (name != "evidence/SRM-BACKUP/1-restore-log.txt").then_some(b),
        None,
    );
    let refused = verify(&removed, None).expect_err("a member is missing");
    assert_eq!(refused.code(), 3);
    assert!(
        refused
            .to_string()
            .contains("member \"evidence/SRM-BACKUP/1-restore-log.txt\" is listed in digest.txt but missing"),
        "{refused}"
    );

    let added = dir.path().join("added.zip");
    rewrite(
        &out,
        &added,
        |_, b| Some(b),
        Some(("evidence/SRM-FW/9-later.txt", b"slipped in")),
    );
    let refused = verify(&added, None).expect_err("a member is not listed");
    assert_eq!(refused.code(), 3);
    assert!(
        refused
            .to_string()
            .contains("member \"evidence/SRM-FW/9-later.txt\" is not listed in digest.txt"),
        "{refused}"
    );
}

#[test]
fn signatures_are_checked_against_the_public_key() {
    let dir = tempfile::tempdir().expect("dir");
    let ctx = evaluated(dir.path(), true);
    let (alice, mallory) = (dir.path().join("alice.key"), dir.path().join("mallory.key"));
    let alice_pub = generate_key(&alice).expect("alice's key");
    generate_key(&mallory).expect("mallory's key");
    // PEM that openssl reads: PKCS#8 for the private key, SPKI for the public one.
    let public_pem = fs::read_to_string(dir.path().join("alice.key.pub")).expect("pub");
    assert!(public_pem.starts_with("-----BEGIN PUBLIC KEY-----\n"), "{public_pem}");
    let read = super::sign::read_verifying_key(&dir.path().join("alice.key.pub")).expect("public key");
    assert_eq!(crate::support::hex::encode(&read.to_bytes()), alice_pub);
    let private_pem = fs::read_to_string(&alice).expect("key");
    assert!(
        private_pem.starts_with("-----BEGIN PRIVATE KEY-----\n"),
        "{private_pem}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&alice).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert!(matches!(generate_key(&alice), Err(Error::Invalid(_))));

    let signed = dir.path().join("signed.zip");
    let summary = package(&ctx, &signed, Some(&alice));
    assert!(summary.signed);
    assert_eq!(members(&signed).last().map(|(n, _)| n.as_str()), Some("digest.sig"));
    let good = verify(&signed, Some(&dir.path().join("alice.key.pub"))).expect("verify");
    assert!(good.problems.is_empty(), "{:?}", good.problems);
    let bad = verify(&signed, Some(&dir.path().join("mallory.key.pub"))).expect("verify");
    assert_eq!(bad.problems.len(), 1, "{:?}", bad.problems);
    assert!(bad.problems[0].starts_with("digest.sig"));

    let unsigned = dir.path().join("unsigned.zip");
    package(&ctx, &unsigned, None);
    let problems = verify(&unsigned, Some(&dir.path().join("alice.key.pub")))
        .expect("verify")
        .problems;
    assert_eq!(problems, ["digest.sig is missing: the package is not signed"]);

    // Keys in the bare hex form of earlier versions still sign and verify.
    let secret = super::sign::read_signing_key(&alice).expect("private key").to_bytes();
    let old = dir.path().join("old.key");
    fs::write(&old, format!("{}\n", crate::support::hex::encode(&secret))).expect("write");
    let by_old = dir.path().join("by-old.zip");
    package(&ctx, &by_old, Some(&old));
    assert_eq!(fs::read(&by_old).expect("zip"), fs::read(&signed).expect("zip"));

    // Key files tolerate whitespace; garbage is refused naming the file.
    let spaced = dir.path().join("spaced.pub");
    fs::write(&spaced, format!("  {}\n {}\n\n", &alice_pub[..32], &alice_pub[32..])).expect("write");
    assert!(verify(&signed, Some(&spaced)).expect("verify").problems.is_empty());
    let garbage = dir.path().join("garbage.pub");
    fs::write(&garbage, "not a key\n").expect("write");
    match verify(&signed, Some(&garbage)) {
        Err(Error::Invalid(m)) => assert!(m.contains("garbage.pub"), "{m}"),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn a_tampered_store_file_stops_the_package() {
    let dir = tempfile::tempdir().expect("dir");
    let ctx = evaluated(dir.path(), true);
    let sha = crate::db::evidence::get(ctx.db.conn(), 1)
        .expect("evidence 1")
        .sha256
        .expect("a file");
    let stored = Store::beside(ctx.db.path()).path_of(&sha).expect("path");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&stored, fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    fs::write(&stored, "restore of orders-db FAILED\n").expect("tamper");
    let out = dir.path().join("p.zip");
    let e = evaluations::get(ctx.db.conn(), 1).expect("evaluation 1");
    let err = build(ctx.db.conn(), ctx.db.path(), &e, day(), None, &fonts(), &out).expect_err("tampered");
    assert!(matches!(err, Error::Integrity(_)), "{err}");
    assert_eq!(err.code(), 3);
    assert!(!out.exists());
    assert!(!crate::support::files::temp_name(&out).exists());

    fs::remove_file(&stored).expect("remove");
    let err = build(ctx.db.conn(), ctx.db.path(), &e, day(), None, &fonts(), &out).expect_err("missing");
    assert!(matches!(err, Error::Integrity(_)), "{err}");
    assert!(!out.exists());
}

#[test]
fn not_a_zip_truncated_or_without_digest_is_invalid() {
    let dir = tempfile::tempdir().expect("dir");
    let ctx = evaluated(dir.path(), true);
    let out = dir.path().join("p.zip");
    package(&ctx, &out, None);

    let text = dir.path().join("notes.zip");
    fs::write(&text, "just some text\n").expect("write");
    let bytes = fs::read(&out).expect("read");
    let truncated = dir.path().join("truncated.zip");
    fs::write(&truncated, &bytes[..bytes.len() / 2]).expect("write");
    let no_digest = dir.path().join("no-digest.zip");
    rewrite(&out, &no_digest, |name, b| (name != DIGEST).then_some(b), None);
    for path in [&text, &truncated, &no_digest] {
        match verify(path, None) {
            Err(e @ Error::Invalid(_)) => {
                assert_eq!(e.code(), 2);
                assert!(e.to_string().contains(&path.display().to_string()), "{e}");
            }
            other => panic!("{}: expected Invalid, got {other:?}", path.display()),
        }
    }
}

#[test]
fn names_are_sanitised() {
    assert_eq!(sanitise("../../etc/passwd"), "____etc_passwd");
    assert_eq!(sanitise("a\\b\u{0}c\nd"), "a_b_c_d");
    assert_eq!(sanitise(".."), "_");
    assert_eq!(sanitise(""), "_");
    assert_eq!(sanitise(&"x".repeat(300)).chars().count(), NAME_MAX);
    assert_eq!(decode_hex(" 0a ff\n"), Some(vec![0x0a, 0xff]));
    assert_eq!(decode_hex("0g"), None);
}

#[test]
fn non_ascii_names_are_read_as_info_zip_on_unix_writes_them() {
    use super::names::decode;
    // `zip` on Unix stores a file's UTF-8 name as it is, without the UTF-8 flag.
    assert_eq!(
        decode("1-café.txt".as_bytes(), false, true).as_deref(),
        Ok("1-café.txt")
    );
    assert_eq!(
        decode("1-café.txt".as_bytes(), true, false).as_deref(),
        Ok("1-café.txt")
    );
    // From another system, or not UTF-8 at all, unzip would read another name.
    for (raw, unix) in [("1-café.txt".as_bytes(), false), (b"1-caf\xe9.txt".as_slice(), true)] {
        assert!(decode(raw, false, unix).is_err_and(|why| why.contains("not marked as UTF-8")));
    }
    assert!(decode(b"1-caf\xe9.txt", true, true).is_err_and(|why| why.contains("not valid UTF-8")));
}
