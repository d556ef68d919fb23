//! The reviewer's package: build, verify, sign, tamper.

use std::io::{Read, Write};

use crate::common::{Env, rejects_unchanged};

fn demo() -> (Env, String) {
    let env = Env::new();
    env.run(["demo", "--out", "d"]).success();
    let db = env.path().join("d/demo.db").to_str().expect("path").to_string();
    (env, db)
}

fn members(zip: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(zip).expect("zip")).expect("a zip");
    (0..archive.len())
        .map(|i| {
            let mut f = archive.by_index(i).expect("member");
            let mut bytes = Vec::new();
            f.read_to_end(&mut bytes).expect("read");
            (f.name().expect("member name").to_string(), bytes)
        })
        .collect()
}

/// Rewrites a zip with `edit` applied to its member list.
fn rewrite(from: &std::path::Path, to: &std::path::Path, edit: impl FnOnce(&mut Vec<(String, Vec<u8>)>)) {
    let mut list = members(from);
    edit(&mut list);
    let mut w = zip::ZipWriter::new(std::fs::File::create(to).expect("create"));
    for (name, bytes) in list {
        w.start_file(name, zip::write::SimpleFileOptions::default())
            .expect("member");
        w.write_all(&bytes).expect("write");
    }
    w.finish().expect("finish");
}

#[test]
fn a_signed_package_verifies_and_names_what_changed() {
    let (env, db) = demo();
    env.run(["key", "generate", "--out", "assessor.key"]).success();
    env.run(["key", "generate", "--out", "other.key"]).success();
    let zip = env.path().join("q4.zip");
    let z = zip.to_str().expect("path");
    env.run([
        "--db",
        &db,
        "package",
        "--evaluation",
        "1",
        "--sign",
        "assessor.key",
        "--out",
        z,
        "--date",
        "2026-12-01",
    ])
    .success();
    let names: Vec<String> = members(&zip).into_iter().map(|(n, _)| n).collect();
    assert_eq!(&names[..4], ["README.txt", "report.pdf", "report.csv", "report.xlsx"]);
    assert!(names.contains(&"evidence/SRM-PATCH/1-patch-report-2026-11.txt".to_string()));
    assert_eq!(&names[names.len() - 3..], ["manifest.json", "digest.txt", "digest.sig"]);
    env.run(["package", "verify", z, "--public-key", "assessor.pub"])
        .success();
    env.run(["package", "verify", z, "--public-key", "other.pub"]).code(1);

    // The same data and date give the same bytes.
    let again = env.path().join("again.zip");
    env.run([
        "--db",
        &db,
        "package",
        "--evaluation",
        "1",
        "--sign",
        "assessor.key",
        "--out",
        again.to_str().expect("path"),
        "--date",
        "2026-12-01",
    ])
    .success();
    assert_eq!(std::fs::read(&zip).expect("zip"), std::fs::read(&again).expect("zip"));

    let changed = env.path().join("changed.zip");
    rewrite(&zip, &changed, |m| m[2].1.push(b'!'));
    let out = env.run(["package", "verify", changed.to_str().expect("path")]).code(1);
    assert!(String::from_utf8_lossy(&out.get_output().stdout).contains("report.csv"));
    let removed = env.path().join("removed.zip");
    rewrite(&zip, &removed, |m| {
        m.remove(1);
    });
    let out = env.run(["package", "verify", removed.to_str().expect("path")]).code(3);
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("report.pdf"));
    let added = env.path().join("added.zip");
    rewrite(&zip, &added, |m| m.push(("extra.txt".into(), b"x".to_vec())));
    let out = env.run(["package", "verify", added.to_str().expect("path")]).code(3);
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("extra.txt"));
}

#[test]
fn bad_package_input_is_refused() {
    let (env, db) = demo();
    let zip = env.path().join("q4.zip");
    let z = zip.to_str().expect("path");
    env.run(["--db", &db, "package", "--evaluation", "1", "--out", z])
        .success();
    let out = env
        .run(["--db", &db, "package", "--evaluation", "1", "--out", z])
        .code(2);
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("--force"));
    env.run(["--db", &db, "package", "--evaluation", "1", "--out", z, "--force"])
        .success();
    let missing = env.path().join("no/dir/q.zip");
    env.run([
        "--db",
        &db,
        "package",
        "--evaluation",
        "1",
        "--out",
        missing.to_str().expect("path"),
    ])
    .code(2);
    let not_zip = env.file("not.zip", "hello");
    env.run(["package", "verify", not_zip.to_str().expect("path")]).code(2);
    let bytes = std::fs::read(&zip).expect("zip");
    let cut = env.file("cut.zip", &bytes[..bytes.len() / 2]);
    env.run(["package", "verify", cut.to_str().expect("path")]).code(2);
    let fresh = Env::init();
    rejects_unchanged(
        &fresh,
        &["package", "--evaluation", "9", "--out", "x.zip"],
        "unknown evaluation",
    );
}
