//! The reviewer's package with standard tools: `unzip` and Info-ZIP `zip` (a package unzipped and
//! zipped again verifies, and so does the unzipped directory), and `openssl` (reads the keys and
//! checks `digest.sig` with the commands the README gives). A test whose tool is missing prints a
//! note and passes.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::Env;
use crate::package::{members, signed_package};

/// Whether `tool` runs here; prints why the test is skipped when it does not.
fn have(tool: &str, test: &str) -> bool {
    let found = Command::new(tool)
        .arg(if tool == "openssl" { "version" } else { "-v" })
        .output()
        .is_ok();
    if !found {
        eprintln!("note: {test} skipped: `{tool}` is not installed");
    }
    found
}

/// Runs `script` with `sh` in `dir`; its status and output.
fn sh(dir: &Path, script: &str) -> std::process::Output {
    Command::new("sh")
        .args(["-c", script])
        .current_dir(dir)
        .output()
        .expect("sh runs")
}

/// Runs `script` and fails the test unless it succeeds.
fn sh_ok(dir: &Path, script: &str) -> String {
    let out = sh(dir, script);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{script}: {stdout} {stderr}");
    format!("{stdout}{stderr}")
}

/// `package verify` on `path` with the signer's key: its exit code, stdout and stderr.
fn verify(env: &Env, path: &Path) -> (Option<i32>, String, String) {
    let out = env.run([
        "package",
        "verify",
        path.to_str().expect("path"),
        "--public-key",
        "assessor.pub",
    ]);
    let o = out.get_output();
    let text = |b: &[u8]| String::from_utf8_lossy(b).to_string();
    (o.status.code(), text(&o.stdout), text(&o.stderr))
}

/// Asserts `path` verifies with a valid signature.
fn verifies(env: &Env, path: &Path) {
    let (code, stdout, stderr) = verify(env, path);
    assert_eq!(code, Some(0), "{}: {stderr} {stdout}", path.display());
    assert!(stdout.contains("members match digest.txt, signature valid"), "{stdout}");
}

/// Asserts `path` is refused with exit 3 naming `expected`.
fn refused(env: &Env, path: &Path, expected: &str) {
    let (code, stdout, stderr) = verify(env, path);
    assert_eq!(code, Some(3), "{}: {stderr} {stdout}", path.display());
    assert!(stderr.contains(expected), "stderr {stderr:?} should name {expected:?}");
    assert!(!stdout.contains("match"), "{stdout}");
}

/// The package unzipped into `name` with the zip crate (no `unzip` needed).
fn unpacked(env: &Env, zip: &Path, name: &str) -> PathBuf {
    let dir = env.path().join(name);
    for (member, bytes) in members(zip) {
        let path = dir.join(&member);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, bytes).expect("write");
    }
    dir
}

#[test]
fn a_package_zipped_again_with_info_zip_verifies() {
    if !have("zip", "zip -r") || !have("unzip", "zip -r") {
        return;
    }
    let (env, zip, _) = signed_package();
    let root = env.path();
    sh_ok(
        root,
        "unzip -q q4.zip -d x && chmod 600 x/report.csv && chmod 664 x/README.txt",
    );
    // Plain, without extra fields, streamed through a pipe (data descriptors), stored.
    sh_ok(root, "cd x && zip -qr ../again.zip .");
    sh_ok(root, "cd x && zip -qr -X ../again-x.zip .");
    sh_ok(root, "cd x && zip -qr - . | cat > ../streamed.zip");
    sh_ok(root, "cd x && zip -qr -0 ../stored.zip .");
    let listing = sh_ok(root, "unzip -Z1 again.zip");
    assert!(listing.lines().any(|l| l == "evidence/"), "{listing}");
    assert!(listing.lines().any(|l| l == "evidence/SRM-PATCH/"), "{listing}");
    let streamed = std::fs::read(root.join("streamed.zip")).expect("zip");
    assert!(
        streamed.windows(4).any(|w| w == b"PK\x07\x08"),
        "zip wrote no data descriptor"
    );
    for name in ["again.zip", "again-x.zip", "streamed.zip", "stored.zip"] {
        verifies(&env, &root.join(name));
    }
    verifies(&env, &root.join("x"));
    verifies(&env, &zip);

    // What zip adds beyond the members is still refused.
    sh_ok(
        root,
        "cp -r x y && echo later > y/evidence/SRM-PATCH/9-later.txt && cd y && zip -qr ../added.zip .",
    );
    refused(
        &env,
        &root.join("added.zip"),
        "\"evidence/SRM-PATCH/9-later.txt\" is not listed in digest.txt",
    );
    sh_ok(root, "cp -r x z && mkdir z/extra && cd z && zip -qr ../folder.zip .");
    refused(&env, &root.join("folder.zip"), "directory \"extra/\" holds no member");
    sh_ok(
        root,
        "cp -r x w && rm w/report.csv && ln -s /etc/passwd w/report.csv && cd w && zip -qry ../link.zip .",
    );
    refused(&env, &root.join("link.zip"), "\"report.csv\" is a symbolic link");
    sh_ok(root, "cp -r x v && rm v/report.pdf && cd v && zip -qr ../removed.zip .");
    refused(
        &env,
        &root.join("removed.zip"),
        "\"report.pdf\" is listed in digest.txt but missing",
    );
    // Zipped from outside the folder, every name has the folder in front: not a package's names.
    sh_ok(root, "zip -qr outside.zip x");
    refused(&env, &root.join("outside.zip"), "\"x/");
}

#[test]
fn an_unzipped_package_verifies_as_a_directory() {
    let (env, zip, _) = signed_package();
    let root = env.path();
    let dir = unpacked(&env, &zip, "x");
    verifies(&env, &dir);
    let copy = |name: &str| {
        let to = root.join(name);
        for (member, bytes) in members(&zip) {
            let path = to.join(&member);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, bytes).expect("write");
        }
        to
    };

    let changed = copy("changed");
    let csv = changed.join("report.csv");
    let mut bytes = std::fs::read(&csv).expect("csv");
    bytes[0] ^= 0x20;
    std::fs::write(&csv, bytes).expect("write");
    let (code, stdout, _) = verify(&env, &changed);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("changed: report.csv"), "{stdout}");

    let grown = copy("grown");
    let mut bytes = std::fs::read(grown.join("report.csv")).expect("csv");
    bytes.push(b'!');
    std::fs::write(grown.join("report.csv"), bytes).expect("write");
    refused(&env, &grown, "report.csv holds more than");

    let added = copy("added");
    std::fs::write(added.join("evidence/SRM-PATCH/9-later.txt"), "x").expect("write");
    refused(
        &env,
        &added,
        "\"evidence/SRM-PATCH/9-later.txt\" is not listed in digest.txt",
    );
    let removed = copy("removed");
    std::fs::remove_file(removed.join("report.pdf")).expect("rm");
    refused(&env, &removed, "\"report.pdf\" is listed in digest.txt but missing");
    let empty = copy("empty");
    std::fs::create_dir(empty.join("evidence/OTHER")).expect("mkdir");
    refused(&env, &empty, "directory \"evidence/OTHER/\" holds no member");
    let deep = copy("deep");
    std::fs::create_dir_all(deep.join("evidence/SRM-PATCH/a/b")).expect("mkdir");
    std::fs::write(deep.join("evidence/SRM-PATCH/a/b/c"), "x").expect("write");
    refused(&env, &deep, "deeper than any a package has");
    let escaped = copy("escaped");
    std::fs::write(escaped.join("report.csv\x1b[2J"), "x").expect("write");
    refused(&env, &escaped, "\"report.csv\\u{1b}[2J\"");
    let case = copy("case");
    std::fs::write(case.join("evidence/SRM-PATCH/1-Patch-report-2026-11.txt"), "x").expect("write");
    refused(&env, &case, "differ only in case");

    #[cfg(unix)]
    {
        use std::os::unix::fs::symlink;
        let linked = copy("linked");
        std::fs::remove_file(linked.join("report.csv")).expect("rm");
        symlink(dir.join("report.csv"), linked.join("report.csv")).expect("symlink");
        refused(&env, &linked, "\"report.csv\" is a symbolic link");
        let folder = copy("folder");
        std::fs::remove_dir_all(folder.join("evidence")).expect("rm");
        symlink(dir.join("evidence"), folder.join("evidence")).expect("symlink");
        refused(&env, &folder, "\"evidence\" is a symbolic link");
        let fifo = copy("fifo");
        sh_ok(&fifo, "mkfifo pipe");
        refused(&env, &fifo, "\"pipe\" is not a regular file");
    }
}

#[test]
fn openssl_reads_the_keys_and_checks_the_signature() {
    if !have("openssl", "openssl") || !have("xxd", "openssl") {
        return;
    }
    let (env, zip, _) = signed_package();
    let root = env.path();
    sh_ok(root, "openssl pkey -in assessor.key -noout");
    let public = sh_ok(root, "openssl pkey -in assessor.key -pubout");
    assert_eq!(public, std::fs::read_to_string(root.join("assessor.pub")).expect("pub"));
    // The README's commands, as written there, in the unzipped package with the public key.
    let dir = unpacked(&env, &zip, "x");
    std::fs::copy(root.join("assessor.pub"), dir.join("assessor.pub")).expect("copy");
    let readme_check = "xxd -r -p digest.sig > digest.sig.bin\n\
        openssl pkeyutl -verify -pubin -inkey assessor.pub -rawin -in digest.txt -sigfile digest.sig.bin";
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    let inside = std::fs::read_to_string(dir.join("README.txt")).expect("README.txt");
    for line in readme_check.lines() {
        assert!(readme.contains(line.trim()), "README lacks {line:?}");
        assert!(inside.contains(line.trim()), "README.txt lacks {line:?}");
    }
    let out = sh_ok(&dir, readme_check);
    assert!(out.contains("Signature Verified Successfully"), "{out}");
    // Another key, or a changed digest, fails.
    std::fs::copy(root.join("mallory.pub"), dir.join("assessor.pub")).expect("copy");
    assert!(!sh(&dir, readme_check).status.success());
    std::fs::copy(root.join("assessor.pub"), dir.join("assessor.pub")).expect("copy");
    let digest = std::fs::read(dir.join("digest.txt")).expect("digest");
    std::fs::write(dir.join("digest.txt"), b"changed\n").expect("write");
    assert!(!sh(&dir, readme_check).status.success());
    std::fs::write(dir.join("digest.txt"), digest).expect("write");

    // The signer's public key in the old hex form, wrapped in DER as the README says.
    let pem = std::fs::read_to_string(root.join("assessor.pub")).expect("pub");
    let key = <ed25519_dalek::VerifyingKey as ed25519_dalek::pkcs8::DecodePublicKey>::from_public_key_pem(&pem)
        .expect("SPKI");
    let hex: String = key.to_bytes().iter().map(|b| format!("{b:02x}")).collect();
    std::fs::write(dir.join("assessor.pub"), format!("{hex}\n")).expect("write");
    let wrap = "{ printf 302a300506032b6570032100; cat assessor.pub; } | xxd -r -p > assessor.der";
    assert!(readme.contains(wrap), "README lacks {wrap:?}");
    let old_check = readme_check.replace("-inkey assessor.pub", "-inkey assessor.der -keyform DER");
    assert!(readme.contains("-inkey assessor.der -keyform DER"));
    sh_ok(&dir, &format!("{wrap}\n{old_check}"));

    // A key openssl made signs a package ctrlmap and openssl both verify.
    sh_ok(
        root,
        "openssl genpkey -algorithm ed25519 -out ossl.key && openssl pkey -in ossl.key -pubout -out ossl.pub",
    );
    let db = root.join("d/demo.db");
    env.run([
        "--db",
        db.to_str().expect("path"),
        "package",
        "--evaluation",
        "1",
        "--sign",
        "ossl.key",
        "--out",
        "ossl.zip",
    ])
    .success();
    env.run(["package", "verify", "ossl.zip", "--public-key", "ossl.pub"])
        .success();
    let dir = unpacked(&env, &root.join("ossl.zip"), "o");
    std::fs::copy(root.join("ossl.pub"), dir.join("assessor.pub")).expect("copy");
    sh_ok(&dir, readme_check);
}
