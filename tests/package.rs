//! The reviewer's package: build, verify, sign, tamper.

use std::io::{Read, Write};

use crate::common::{Env, rejects_unchanged};

/// The demo estate in `d/` and its database path (also the HTML report tests' start).
pub(crate) fn demo() -> (Env, String) {
    let env = Env::new();
    env.run(["demo", "--out", "d"]).success();
    let db = env.path().join("d/demo.db").to_str().expect("path").to_string();
    (env, db)
}

pub(crate) fn members(zip: &std::path::Path) -> Vec<(String, Vec<u8>)> {
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
    // The same size, other bytes: changed (exit 1, listed).
    rewrite(&zip, &changed, |m| {
        let last = m[2].1.len() - 2;
        m[2].1[last] ^= 0x20;
    });
    let out = env.run(["package", "verify", changed.to_str().expect("path")]).code(1);
    assert!(String::from_utf8_lossy(&out.get_output().stdout).contains("report.csv"));
    // More bytes than the signed manifest declares: refused (exit 3, named).
    let grown = env.path().join("grown.zip");
    rewrite(&zip, &grown, |m| m[2].1.push(b'!'));
    let out = env.run(["package", "verify", grown.to_str().expect("path")]).code(3);
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("report.csv"));
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

/// A signed package from the demo database, its members, and the environment holding the keys
/// `assessor` (the signer) and `mallory`.
pub(crate) fn signed_package() -> (Env, std::path::PathBuf, Vec<(String, Vec<u8>)>) {
    let (env, db) = demo();
    env.run(["key", "generate", "--out", "assessor.key"]).success();
    env.run(["key", "generate", "--out", "mallory.key"]).success();
    let zip = env.path().join("q4.zip");
    env.run([
        "--db",
        &db,
        "package",
        "--evaluation",
        "1",
        "--sign",
        "assessor.key",
        "--out",
        zip.to_str().expect("path"),
        "--date",
        "2026-12-01",
    ])
    .success();
    let list = members(&zip);
    (env, zip, list)
}

/// One member of a hand-built zip: by default exactly what `ctrlmap package` writes (deflated, a
/// regular Unix file 0644, no extra field); each field can be bent the way an attacker would.
#[derive(Clone)]
struct Raw {
    name: Vec<u8>,
    /// The local header's name, when it differs from the central directory's.
    local_name: Option<Vec<u8>>,
    data: Vec<u8>,
    /// A deflate stream to store instead of deflating `data`.
    stream: Option<Vec<u8>>,
    /// The uncompressed size both headers declare, when not `data.len()`.
    size: Option<u32>,
    crc: Option<u32>,
    flags: u16,
    method: u16,
    made_by: u16,
    mode: u32,
    /// The low (DOS) half of the external attributes.
    dos: u32,
    extra: Vec<u8>,
    /// The local header's extra field, when it differs from the central directory's.
    local_extra: Option<Vec<u8>>,
    /// A data descriptor written after the data; the local header then holds zero CRC and sizes.
    descriptor: Option<Vec<u8>>,
    comment: Vec<u8>,
}

fn raw(name: &str, data: &[u8]) -> Raw {
    Raw {
        name: name.as_bytes().to_vec(),
        local_name: None,
        data: data.to_vec(),
        stream: None,
        size: None,
        crc: None,
        flags: if name.is_ascii() { 0 } else { 1 << 11 },
        method: 8,
        made_by: 0x0314,
        mode: 0o100_644,
        dos: 0,
        extra: Vec::new(),
        local_extra: None,
        descriptor: None,
        comment: Vec::new(),
    }
}

/// A directory entry as Info-ZIP `zip -r` writes one: stored, empty, mode 0755 and the DOS
/// directory attribute.
fn dir_entry(name: &str) -> Raw {
    let mut m = raw(name, b"");
    (m.method, m.stream, m.mode, m.dos) = (0, Some(Vec::new()), 0o040_755, 0x10);
    m
}

/// The data descriptor `zip` writes after `m` when it cannot seek: signature, CRC-32, sizes.
fn descriptor_of(m: &Raw) -> Vec<u8> {
    let mut c = flate2::Crc::new();
    c.update(&m.data);
    let stream = m.stream.clone().unwrap_or_else(|| deflate(&m.data));
    let mut d = 0x0807_4b50u32.to_le_bytes().to_vec();
    for v in [
        c.sum(),
        u32::try_from(stream.len()).expect("small"),
        u32::try_from(m.data.len()).expect("small"),
    ] {
        d.extend_from_slice(&v.to_le_bytes());
    }
    d
}

/// Info-ZIP's extra fields: the extended timestamp (mtime and atime in the local header, mtime in
/// the central directory) and the Unix owner ids.
fn info_zip_extra(local: bool) -> Vec<u8> {
    let mut e = if local {
        vec![0x55, 0x54, 9, 0, 3, 0x3f, 0xcd, 0x12, 0x6b, 0x3f, 0xcd, 0x12, 0x6b]
    } else {
        vec![0x55, 0x54, 5, 0, 3, 0x3f, 0xcd, 0x12, 0x6b]
    };
    e.extend_from_slice(&[0x75, 0x78, 11, 0, 1, 4, 0xe8, 3, 0, 0, 4, 0xe8, 3, 0, 0]);
    e
}

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::new(6));
    e.write_all(data).expect("deflate");
    e.finish().expect("deflate")
}

/// Writes `members` as a zip: `prefix` first (with offsets counted from the start of the file,
/// as `zip -A` leaves them), then local headers and data, the central directory and the end
/// record, then `suffix`.
fn write_zip(members: &[Raw], prefix: &[u8], suffix: &[u8]) -> Vec<u8> {
    let mut out = prefix.to_vec();
    let mut central = Vec::new();
    let le16 = |v: &mut Vec<u8>, x: u16| v.extend_from_slice(&x.to_le_bytes());
    let le32 = |v: &mut Vec<u8>, x: u32| v.extend_from_slice(&x.to_le_bytes());
    for m in members {
        let stream = m.stream.clone().unwrap_or_else(|| deflate(&m.data));
        let crc = m.crc.unwrap_or_else(|| {
            let mut c = flate2::Crc::new();
            c.update(&m.data);
            c.sum()
        });
        let size = m.size.unwrap_or(u32::try_from(m.data.len()).expect("small"));
        let csize = u32::try_from(stream.len()).expect("small");
        let offset = u32::try_from(out.len()).expect("small");
        let local_name = m.local_name.as_ref().unwrap_or(&m.name);
        let local_extra = m.local_extra.as_ref().unwrap_or(&m.extra);
        le32(&mut out, 0x0403_4b50);
        for v in [20, m.flags, m.method, 0, 23937] {
            le16(&mut out, v);
        }
        let local = if m.descriptor.is_some() {
            [0; 3]
        } else {
            [crc, csize, size]
        };
        for v in local {
            le32(&mut out, v);
        }
        le16(&mut out, u16::try_from(local_name.len()).expect("short"));
        le16(&mut out, u16::try_from(local_extra.len()).expect("short"));
        out.extend_from_slice(local_name);
        out.extend_from_slice(local_extra);
        out.extend_from_slice(&stream);
        out.extend_from_slice(m.descriptor.as_deref().unwrap_or_default());

        le32(&mut central, 0x0201_4b50);
        for v in [m.made_by, 20, m.flags, m.method, 0, 23937] {
            le16(&mut central, v);
        }
        for v in [crc, csize, size] {
            le32(&mut central, v);
        }
        for v in [m.name.len(), m.extra.len(), m.comment.len(), 0, 0] {
            le16(&mut central, u16::try_from(v).expect("short"));
        }
        le32(&mut central, m.mode << 16 | m.dos);
        le32(&mut central, offset);
        central.extend_from_slice(&m.name);
        central.extend_from_slice(&m.extra);
        central.extend_from_slice(&m.comment);
    }
    let cd_offset = u32::try_from(out.len()).expect("small");
    out.extend_from_slice(&central);
    le32(&mut out, 0x0605_4b50);
    let count = u16::try_from(members.len()).expect("few");
    for v in [0, 0, count, count] {
        le16(&mut out, v);
    }
    le32(&mut out, u32::try_from(central.len()).expect("small"));
    le32(&mut out, cd_offset);
    le16(&mut out, 0);
    out.extend_from_slice(suffix);
    out
}

/// A raw deflate stream of `mib` MiB of zeros in about a thousandth of that: one MiB deflated and
/// flushed to a byte boundary, repeated (each copy inflates to another MiB of zeros), then an
/// empty final block.
fn zeros(mib: usize) -> Vec<u8> {
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(&vec![0u8; 1 << 20]).expect("deflate");
    e.flush().expect("sync flush");
    let block = e.get_ref().clone();
    let mut out = Vec::with_capacity(block.len() * mib + 2);
    for _ in 0..mib {
        out.extend_from_slice(&block);
    }
    out.extend_from_slice(&[0x03, 0x00]);
    out
}

/// The genuine members, as `Raw`.
fn genuine(list: &[(String, Vec<u8>)]) -> Vec<Raw> {
    list.iter().map(|(n, b)| raw(n, b)).collect()
}

/// The genuine members with member `name` changed by `edit`.
fn with(list: &[(String, Vec<u8>)], name: &str, edit: impl Fn(&mut Raw)) -> Vec<u8> {
    let mut all = genuine(list);
    let m = all.iter_mut().find(|m| m.name == name.as_bytes()).expect("member");
    edit(m);
    write_zip(&all, &[], &[])
}

/// A sha256sum line.
fn line(name: &str, bytes: &[u8]) -> String {
    use sha2::Digest;
    let hash: String = sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect();
    format!("{hash}  {name}\n")
}

#[test]
fn a_hand_built_copy_of_a_package_verifies() {
    // The test's zip writer writes what `package` writes, so every refusal below is due to the
    // one thing each case bends.
    let (env, _zip, list) = signed_package();
    let copy = env.file("copy.zip", write_zip(&genuine(&list), &[], &[]));
    let out = env.run([
        "package",
        "verify",
        copy.to_str().expect("path"),
        "--public-key",
        "assessor.pub",
    ]);
    let stdout = String::from_utf8_lossy(&out.success().get_output().stdout).to_string();
    assert!(stdout.contains("members match digest.txt, signature valid"), "{stdout}");
}

#[test]
fn hostile_archives_are_refused_naming_the_member() {
    let (env, _zip, list) = signed_package();
    let get = |name: &str| list.iter().find(|(n, _)| n == name).expect("member").1.clone();
    let csv = get("report.csv");
    let digest = get("digest.txt");
    let evidence = "evidence/SRM-PATCH/1-patch-report-2026-11.txt";
    let at = |name: &str| list.iter().position(|(n, _)| n == name).expect("member");
    let inserted = |i: usize, extra: Raw| {
        let mut all = genuine(&list);
        all.insert(i, extra);
        write_zip(&all, &[], &[])
    };
    let renamed = |from: &str, to: &[u8]| with(&list, from, |m| m.name = to.to_vec());
    let manifest_says = |edit: &dyn Fn(&mut serde_json::Value)| {
        // A manifest edited, and the digest's line for it recomputed (no key needed to see this).
        let mut doc: serde_json::Value = serde_json::from_slice(&get("manifest.json")).expect("json");
        edit(&mut doc);
        let text = serde_json::to_vec_pretty(&doc).expect("json");
        let digest = String::from_utf8(digest.clone()).expect("utf-8");
        let digest: String = digest
            .lines()
            .map(|l| {
                if l.ends_with("  manifest.json") {
                    line("manifest.json", &text)
                } else {
                    format!("{l}\n")
                }
            })
            .collect();
        let mut all = genuine(&list);
        for m in &mut all {
            if m.name == b"manifest.json" {
                m.data = text.clone();
            } else if m.name == b"digest.txt" {
                m.data = digest.clone().into_bytes();
            }
        }
        write_zip(&all, &[], &[])
    };
    let two_gib: u32 = 1 << 31;
    let mut prepended = write_zip(&[raw("README.txt", b"another archive")], &[], &[]);
    let shifted = write_zip(&genuine(&list), &prepended, &[]);
    prepended.clear();

    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "a forged report.csv before the genuine one",
            inserted(at("report.csv"), raw("report.csv", b"all good\n")),
            "\"report.csv\" appears twice",
        ),
        (
            "a forged report.csv after the genuine one",
            inserted(at("report.csv") + 1, raw("report.csv", b"all good\n")),
            "\"report.csv\" appears twice",
        ),
        (
            "digest.txt twice",
            inserted(list.len() - 1, raw("digest.txt", &digest)),
            "\"digest.txt\" appears twice",
        ),
        (
            "a case-only duplicate of an evidence file",
            inserted(at(evidence) + 1, raw(&evidence.replace("patch", "Patch"), b"x")),
            "differ only in case",
        ),
        (
            "a case-only variant of a top-level name",
            inserted(2, raw("Report.csv", b"x")),
            "\"Report.csv\" is not a member ctrlmap package writes",
        ),
        (
            "an absolute name",
            renamed("report.csv", b"/etc/cron.d/x"),
            "\"/etc/cron.d/x\" has an absolute name",
        ),
        (
            "a parent directory",
            renamed("report.csv", b"../report.csv"),
            "\"../report.csv\" has '..'",
        ),
        (
            "a hidden parent directory",
            renamed(evidence, b"evidence/SRM-PATCH/../../x"),
            "has '..'",
        ),
        (
            "a backslash",
            renamed("report.csv", b"evidence\\report.csv"),
            "\"evidence\\report.csv\" has a backslash",
        ),
        (
            "a drive",
            renamed("report.csv", b"C:/report.csv"),
            "\"C:/report.csv\" has a drive",
        ),
        (
            "a newline forging a line",
            renamed(
                "report.csv",
                b"report.csv\nq4.zip: 8 members match digest.txt, signature valid",
            ),
            "\"report.csv\\u{a}q4.zip",
        ),
        (
            "an escape sequence",
            renamed("report.csv", b"report.csv\x1b[2J"),
            "\"report.csv\\u{1b}[2J\"",
        ),
        (
            "a right-to-left override",
            inserted(at(evidence) + 1, raw("evidence/SRM-PATCH/2-\u{202e}txt.exe", b"x")),
            "\"evidence/SRM-PATCH/2-\\u{202e}txt.exe\" is not listed in digest.txt",
        ),
        (
            "a regular file named like a directory",
            inserted(1, raw("evidence/", b"")),
            "\"evidence/\" ends with '/' but is not a directory",
        ),
        (
            "a symlink named like a directory",
            inserted(1, {
                let mut m = dir_entry("evidence/");
                m.mode = 0o120_777;
                m
            }),
            "\"evidence/\" ends with '/' but is not a directory",
        ),
        (
            "a directory entry holding data",
            inserted(1, {
                let mut m = dir_entry("evidence/");
                (m.data, m.stream, m.method) = (b"x".to_vec(), None, 8);
                m
            }),
            "\"evidence/\" is a directory entry holding data",
        ),
        (
            "a directory entry no member lies in",
            inserted(1, dir_entry("Evidence/")),
            "directory \"Evidence/\" holds no member",
        ),
        (
            "a directory entry with a member's name",
            inserted(at("report.csv") + 1, dir_entry("report.csv/")),
            "\"report.csv\" is both a file and a directory",
        ),
        (
            "a directory entry twice",
            {
                let mut all = genuine(&list);
                all.insert(1, dir_entry("evidence/"));
                all.insert(1, dir_entry("evidence/"));
                write_zip(&all, &[], &[])
            },
            "\"evidence/\" appears twice",
        ),
        (
            "a directory entry with '..'",
            inserted(1, dir_entry("evidence/../")),
            "\"evidence/../\" has '..'",
        ),
        (
            "a directory entry with a drive",
            inserted(1, dir_entry("C:/")),
            "\"C:/\" has a drive",
        ),
        (
            "an absolute directory entry",
            inserted(1, dir_entry("/evidence/")),
            "\"/evidence/\" has an absolute name",
        ),
        (
            "a name outside the package's shape",
            inserted(1, raw("evidence/x.txt", b"x")),
            "\"evidence/x.txt\" is not a member",
        ),
        (
            "a name not marked UTF-8",
            with(&list, evidence, |m| {
                m.name = b"evidence/SRM-PATCH/1-caf\xe9.txt".to_vec();
                m.flags = 0;
            }),
            "not marked as UTF-8",
        ),
        (
            "a symlink",
            with(&list, "report.csv", |m| m.mode = 0o120_777),
            "\"report.csv\" is a symbolic link",
        ),
        (
            "a directory",
            with(&list, "report.csv", |m| m.mode = 0o040_755),
            "\"report.csv\" is a directory",
        ),
        (
            "a device",
            with(&list, "report.csv", |m| m.mode = 0o020_644),
            "\"report.csv\" is not a regular file",
        ),
        (
            "DOS attributes",
            with(&list, "report.csv", |m| m.made_by = 0x0014),
            "\"report.csv\" was not written with Unix attributes",
        ),
        (
            "a local name that differs",
            with(&list, "report.csv", |m| m.local_name = Some(b"../x.csv".to_vec())),
            "\"report.csv\" is named \"../x.csv\" in its local header",
        ),
        (
            "a member not in the digest",
            inserted(at(evidence) + 1, raw("evidence/SRM-PATCH/9-later.txt", b"slipped in")),
            "\"evidence/SRM-PATCH/9-later.txt\" is not listed in digest.txt",
        ),
        (
            "a listed member missing",
            {
                let mut all = genuine(&list);
                all.remove(at(evidence));
                write_zip(&all, &[], &[])
            },
            "is listed in digest.txt but missing",
        ),
        (
            "a digest.txt bomb declaring 2 GiB",
            with(&list, "digest.txt", |m| {
                m.stream = Some(zeros(2048));
                m.size = Some(two_gib);
            }),
            "\"digest.txt\" declares 2147483648 bytes",
        ),
        (
            "a digest.txt bomb declaring its genuine size",
            with(&list, "digest.txt", |m| m.stream = Some(zeros(2048))),
            "\"digest.txt\" inflates to more than",
        ),
        (
            "a report bomb declaring its genuine size",
            with(&list, "report.pdf", |m| m.stream = Some(zeros(2048))),
            "\"report.pdf\" inflates to more than",
        ),
        (
            "a manifest declaring 2 GiB",
            with(&list, "manifest.json", |m| {
                m.stream = Some(zeros(2048));
                m.size = Some(two_gib);
            }),
            "\"manifest.json\" declares 2147483648 bytes",
        ),
        (
            "an oversized digest.sig",
            with(&list, "digest.sig", |m| {
                m.data.extend_from_slice(&[b'0'; 64]);
            }),
            "\"digest.sig\" declares",
        ),
        (
            "a size smaller than the data",
            with(&list, "report.csv", |m| {
                m.size = Some(u32::try_from(csv.len() - 1).expect("small"))
            }),
            "\"report.csv\" inflates to more than",
        ),
        (
            "a size larger than the data",
            with(&list, "report.csv", |m| {
                m.size = Some(u32::try_from(csv.len() + 1).expect("small"))
            }),
            "\"report.csv\" inflates to",
        ),
        (
            "a wrong CRC",
            with(&list, "report.csv", |m| m.crc = Some(0)),
            "\"report.csv\" does not match its CRC-32",
        ),
        (
            "bytes after the deflate stream",
            with(&list, "report.csv", |m| {
                let mut s = deflate(&m.data);
                s.extend_from_slice(b"hidden");
                m.stream = Some(s);
            }),
            "\"report.csv\" has bytes after the end of its deflate stream",
        ),
        (
            "not a deflate stream",
            with(&list, "report.csv", |m| m.stream = Some(vec![0xff; 64])),
            "\"report.csv\" is not a valid deflate stream",
        ),
        (
            "encryption",
            with(&list, "report.csv", |m| m.flags = 1),
            "\"report.csv\" is encrypted",
        ),
        (
            "a data descriptor flag without a descriptor",
            with(&list, "report.csv", |m| m.flags = 1 << 3),
            "\"report.csv\" has no data descriptor after its data",
        ),
        (
            "a data descriptor that disagrees",
            with(&list, "report.csv", |m| {
                m.flags = 1 << 3;
                let mut d = descriptor_of(m);
                d[12] ^= 1;
                m.descriptor = Some(d);
            }),
            "\"report.csv\" has a data descriptor that disagrees",
        ),
        (
            "a data descriptor without its signature",
            with(&list, "report.csv", |m| {
                m.flags = 1 << 3;
                m.descriptor = Some(descriptor_of(m)[4..].to_vec());
            }),
            "\"report.csv\" has no data descriptor after its data",
        ),
        (
            "a stored member whose sizes differ",
            with(&list, "report.csv", |m| {
                m.method = 0;
                let mut s = m.data.clone();
                s.push(b'!');
                m.stream = Some(s);
            }),
            "\"report.csv\" is stored, but its stored and declared sizes differ",
        ),
        (
            "an unknown compression method",
            with(&list, "report.csv", |m| m.method = 99),
            "\"report.csv\" uses compression method 99",
        ),
        (
            "a Unicode path extra field",
            with(&list, "report.csv", |m| {
                m.extra = vec![0x75, 0x70, 5, 0, 1, 0, 0, 0, 0];
            }),
            "\"report.csv\" has an extra field (0x7075)",
        ),
        (
            "a Unicode path field among Info-ZIP's",
            with(&list, "report.csv", |m| {
                m.extra = info_zip_extra(false);
                m.extra.extend_from_slice(&[0x75, 0x70, 5, 0, 1, 0, 0, 0, 0]);
            }),
            "\"report.csv\" has an extra field (0x7075)",
        ),
        (
            "an extra field twice",
            with(&list, "report.csv", |m| {
                m.extra = info_zip_extra(false);
                m.extra.extend_from_slice(&info_zip_extra(false)[..9]);
            }),
            "\"report.csv\" has the extra field 0x5455 twice",
        ),
        (
            "a member comment",
            with(&list, "report.csv", |m| m.comment = b"ok".to_vec()),
            "\"report.csv\" has a comment",
        ),
        ("a prepended archive", shifted, "\"README.txt\" does not start the file"),
        (
            "trailing garbage",
            write_zip(&genuine(&list), &[], b"PK\x05\x06 and more"),
            "bytes follow the end of the zip",
        ),
        (
            "an archive comment",
            {
                let mut z = write_zip(&genuine(&list), &[], b"hello");
                let n = z.len();
                z[n - 7] = 5;
                z
            },
            "bytes follow the end of the zip",
        ),
        (
            "a digest line sha256sum reads but package never writes",
            with(&list, "digest.txt", |m| {
                let t = String::from_utf8(m.data.clone()).expect("utf-8");
                m.data = t.replacen("  ", " *", 1).into_bytes();
            }),
            "\"digest.txt\" line 1",
        ),
        (
            "a malformed signature",
            with(&list, "digest.sig", |m| {
                m.data = [b'z'; 128].iter().copied().chain([b'\n']).collect()
            }),
            "\"digest.sig\" is not an Ed25519 signature",
        ),
        (
            "a manifest that disagrees with the digest",
            manifest_says(&|doc| doc["members"][2]["sha256"] = "0".repeat(64).into()),
            "\"manifest.json\" disagrees with digest.txt about member \"report.csv\"",
        ),
    ];
    // A manifest that lists a smaller size is believed (the digest vouches for it): the member
    // holds more than declared and is refused, after inflating no more than that many bytes.
    let smaller = env.file(
        "smaller.zip",
        manifest_says(&|doc| doc["members"][2]["size"] = 1.into()),
    );
    let out = env.run(["package", "verify", smaller.to_str().expect("path")]).code(3);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr.contains("report.csv holds more than the 1 bytes manifest.json declares"),
        "{stderr}"
    );
    assert!(!String::from_utf8_lossy(&out.get_output().stdout).contains("match"));

    for (what, bytes, expected) in cases {
        let path = env.file("hostile.zip", &bytes);
        for key in [None, Some("assessor.pub")] {
            let mut args = vec!["package", "verify", path.to_str().expect("path")];
            args.extend(key.iter().flat_map(|k| ["--public-key", *k]));
            let out = env.run(&args);
            let output = out.get_output();
            let stderr = String::from_utf8_lossy(&output.stderr).to_string();
            let stdout = String::from_utf8_lossy(&output.stdout).to_string();
            assert_eq!(output.status.code(), Some(3), "{what}: {stderr} {stdout}");
            assert!(
                stderr.contains(expected),
                "{what}: stderr {stderr:?} should name {expected:?}"
            );
            assert!(
                stderr.starts_with("ctrlmap: ") && stderr.trim_end().lines().count() == 1,
                "{what}: {stderr:?}"
            );
            assert!(
                !stdout.contains("valid") && !stdout.contains("match"),
                "{what}: {stdout}"
            );
        }
    }
}

#[test]
fn a_package_re_signed_with_another_key_fails_with_the_signers_key() {
    let (env, zip, list) = signed_package();
    let z = zip.to_str().expect("path");
    let out = env.run(["package", "verify", z]).success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(stdout.contains("digest.sig not checked"), "{stdout}");
    assert!(!stdout.contains("valid"), "{stdout}");

    // Mallory changes the CSV, rewrites the manifest and digest to match, and signs with her key.
    let mut all = genuine(&list);
    let csv = b"control,result\nSRM-PATCH,satisfied\n".to_vec();
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&all.iter().find(|m| m.name == b"manifest.json").expect("manifest").data).expect("json");
    manifest["members"][2]["size"] = csv.len().into();
    manifest["members"][2]["sha256"] = line("report.csv", &csv)[..64].into();
    let manifest = serde_json::to_vec_pretty(&manifest).expect("json");
    let mut digest = String::new();
    for m in &mut all {
        if m.name == b"report.csv" {
            m.data = csv.clone();
        } else if m.name == b"manifest.json" {
            m.data = manifest.clone();
        }
        if m.name != b"digest.txt" && m.name != b"digest.sig" {
            digest.push_str(&line(std::str::from_utf8(&m.name).expect("utf-8"), &m.data));
        }
    }
    let pem = std::fs::read_to_string(env.path().join("mallory.key")).expect("key");
    let key =
        <ed25519_dalek::SigningKey as ed25519_dalek::pkcs8::DecodePrivateKey>::from_pkcs8_pem(&pem).expect("PKCS#8");
    let sig = ed25519_dalek::Signer::sign(&key, digest.as_bytes()).to_bytes();
    let sig: String = sig
        .iter()
        .map(|b| format!("{b:02x}"))
        .chain(["\n".to_string()])
        .collect();
    for m in &mut all {
        if m.name == b"digest.txt" {
            m.data = digest.clone().into_bytes();
        } else if m.name == b"digest.sig" {
            m.data = sig.clone().into_bytes();
        }
    }
    let forged = env.file("forged.zip", write_zip(&all, &[], &[]));
    let f = forged.to_str().expect("path");
    let out = env
        .run(["package", "verify", f, "--public-key", "assessor.pub"])
        .code(1);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        stdout.contains("digest.sig: the signature over digest.txt does not match the public key"),
        "{stdout}"
    );
    assert!(!stdout.contains("signature valid"), "{stdout}");
    // It is a consistent package, validly signed by Mallory: only the signer's key tells.
    env.run(["package", "verify", f, "--public-key", "mallory.pub"])
        .success();
}

#[test]
fn members_written_with_zip64_sizes_verify() {
    // `package` writes an evidence file of 4 GiB or more with ZIP64 sizes; the same layout on a
    // small file must verify, and a change to it must still be found.
    let (env, _zip, list) = signed_package();
    let rezip = |to: &str, edit: &dyn Fn(&str, &mut Vec<u8>)| {
        let path = env.path().join(to);
        let mut w = zip::ZipWriter::new(std::fs::File::create(&path).expect("create"));
        for (name, bytes) in &list {
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated)
                .unix_permissions(0o644)
                .last_modified_time(zip::DateTime::from_date_and_time(2026, 12, 1, 0, 0, 0).expect("date"))
                .large_file(name.starts_with("evidence/"));
            let mut bytes = bytes.clone();
            edit(name, &mut bytes);
            w.start_file(name.as_str(), options).expect("member");
            w.write_all(&bytes).expect("write");
        }
        w.finish().expect("finish");
        path
    };
    let big = rezip("zip64.zip", &|_, _| {});
    let bytes = std::fs::read(&big).expect("zip");
    assert!(
        bytes.windows(4).any(|w| w == [1, 0, 16, 0]),
        "no ZIP64 sizes were written"
    );
    env.run([
        "package",
        "verify",
        big.to_str().expect("path"),
        "--public-key",
        "assessor.pub",
    ])
    .success();
    let changed = rezip("zip64-changed.zip", &|name, bytes| {
        if name.starts_with("evidence/") {
            bytes[0] ^= 1;
        }
    });
    let out = env
        .run([
            "package",
            "verify",
            changed.to_str().expect("path"),
            "--public-key",
            "assessor.pub",
        ])
        .code(1);
    assert!(String::from_utf8_lossy(&out.get_output().stdout).contains("changed: evidence/SRM-PATCH/"));
}

#[test]
fn members_as_zip_tools_write_them_verify() {
    // What makes a package trustworthy is its signed digest and manifest, not the tool that wrote
    // the zip: each way `zip` may write the same members is accepted, and all of them at once.
    let (env, _zip, list) = signed_package();
    let at = |name: &str| list.iter().position(|(n, _)| n == name).expect("member");
    let mut folders: Vec<String> = vec!["evidence/".to_string()];
    for (name, _) in &list {
        if let Some((folder, _)) = name.rsplit_once('/') {
            folders.push(format!("{folder}/"));
        }
    }
    folders.dedup();
    let with_folders = |mut all: Vec<Raw>| {
        for (k, folder) in folders.iter().enumerate() {
            all.insert(k, dir_entry(folder));
        }
        all
    };
    let each = |edit: &dyn Fn(&mut Raw)| {
        let mut all = genuine(&list);
        all.iter_mut().for_each(edit);
        all
    };
    let stored = |m: &mut Raw| (m.method, m.stream) = (0, Some(m.data.clone()));
    let described = |m: &mut Raw| {
        m.flags |= 1 << 3;
        m.descriptor = Some(descriptor_of(m));
    };
    let info_zip = |m: &mut Raw| (m.extra, m.local_extra) = (info_zip_extra(false), Some(info_zip_extra(true)));
    let cases: Vec<(&str, Vec<Raw>)> = vec![
        ("members out of order", {
            let mut all = genuine(&list);
            all.swap(1, 2);
            all
        }),
        ("digest.sig before digest.txt", {
            let mut all = genuine(&list);
            let n = all.len();
            all.swap(n - 1, n - 2);
            all
        }),
        ("the manifest first", {
            let mut all = genuine(&list);
            let manifest = all.remove(at("manifest.json"));
            all.insert(0, manifest);
            all
        }),
        ("stored instead of deflated", each(&stored)),
        ("directory entries", with_folders(genuine(&list))),
        ("a directory entry with only the DOS attribute", {
            let mut all = genuine(&list);
            let mut folder = dir_entry("evidence/");
            folder.mode = 0;
            all.insert(0, folder);
            all
        }),
        ("data descriptors", each(&described)),
        ("Info-ZIP extra fields", each(&info_zip)),
        (
            "modes 0600 and 0664",
            each(&|m: &mut Raw| {
                m.mode = if m.data.len().is_multiple_of(2) {
                    0o100_600
                } else {
                    0o100_664
                }
            }),
        ),
        ("the deflate level flag", each(&|m: &mut Raw| m.flags |= 1 << 1)),
        ("all of them", {
            let mut all = with_folders(each(&|m: &mut Raw| {
                if m.name.ends_with(b".sig") {
                    stored(m);
                }
                info_zip(m);
                described(m);
                m.mode = 0o100_600;
            }));
            all.reverse();
            all
        }),
    ];
    for (what, members) in cases {
        let path = env.file("rezipped.zip", write_zip(&members, &[], &[]));
        let out = env.run([
            "package",
            "verify",
            path.to_str().expect("path"),
            "--public-key",
            "assessor.pub",
        ]);
        let output = out.get_output();
        let stdout = String::from_utf8_lossy(&output.stdout).to_string();
        let stderr = String::from_utf8_lossy(&output.stderr).to_string();
        assert_eq!(output.status.code(), Some(0), "{what}: {stderr} {stdout}");
        assert!(
            stdout.contains("members match digest.txt, signature valid"),
            "{what}: {stdout}"
        );
    }
}

#[test]
fn a_package_takes_fonts_and_its_csv_opens_in_spreadsheets() {
    let (env, db) = demo();
    let font = format!("{}/assets/fonts/DejaVuSans.ttf", env!("CARGO_MANIFEST_DIR"));
    let zip = env.path().join("q4.zip");
    let z = zip.to_str().expect("path");
    env.run([
        "--db",
        &db,
        "package",
        "--evaluation",
        "1",
        "--out",
        z,
        "--font",
        &font,
        "--date",
        "2026-12-01",
    ])
    .success();
    let csv = members(&zip)
        .into_iter()
        .find(|(n, _)| n == "report.csv")
        .expect("report.csv")
        .1;
    assert!(
        csv.starts_with(b"\xEF\xBB\xBF"),
        "the package's CSV has the byte-order mark"
    );
    env.run(["package", "verify", z]).success();
    // A file that is not a font is refused before anything is written.
    let not_font = env.file("notes.txt", "not a font");
    let other = env.path().join("other.zip");
    let out = env
        .run([
            "--db",
            &db,
            "package",
            "--evaluation",
            "1",
            "--out",
            other.to_str().expect("path"),
            "--font",
            not_font.to_str().expect("path"),
        ])
        .code(2);
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("notes.txt"));
    assert!(!other.exists());
}
