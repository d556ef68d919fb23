//! The reviewer's package: one zip with the report (PDF, CSV), every file evidence of an evaluation,
//! a manifest and a SHA-256 digest of every member, optionally signed with Ed25519.
//!
//! Members are written in a fixed order with fixed timestamps (the package date at midnight) and
//! fixed permissions, so the same data and date give a byte-identical archive. Evidence is streamed
//! from the store and checked against its stored hash while being packed; a mismatch stops the
//! package and nothing is left at the output path.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde_json::json;
use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use crate::db::Connection;
use crate::db::evaluations::Evaluation;
use crate::error::{Error, Result};
use crate::evidence::Store;
use crate::model::evidence::Day;
use crate::report::assemble::{self, Options};
use crate::report::csv::Level;
use crate::report::data::{Paper, ReportData};
use crate::report::pairs::{self, Source};
use crate::report::template::Template;

/// The digest member: `<sha256>  <path>` per member, `sha256sum -c` format.
const DIGEST: &str = "digest.txt";
/// The hex Ed25519 signature over the digest's bytes.
const SIGNATURE: &str = "digest.sig";
/// The manifest member.
const MANIFEST: &str = "manifest.json";
/// The longest sanitised original name kept in an evidence member's path, in characters.
const NAME_MAX: usize = 100;
const CHUNK: usize = 1 << 20;

/// What `build` wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Members in the zip (digest and signature included).
    pub members: usize,
    /// Size of the package file.
    pub bytes: u64,
    /// SHA-256 (hex) of the package file itself.
    pub digest_sha256: String,
    /// Whether `digest.sig` was added.
    pub signed: bool,
}

/// What `verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// Members listed in `digest.txt`.
    pub members: usize,
    /// One line per changed, missing or extra member or signature problem; empty when all is well.
    pub problems: Vec<String>,
}

/// One member as the digest and manifest list it.
struct Member {
    path: String,
    size: u64,
    sha256: String,
}

/// A file evidence to pack: under which control, and where its bytes are.
struct Packed {
    control: String,
    id: i64,
    title: String,
    sha256: String,
    original_name: String,
}

/// Writes members in order with fixed metadata, hashing each on the way.
struct Packer<W: Write + Seek> {
    zip: ZipWriter<W>,
    options: SimpleFileOptions,
    members: Vec<Member>,
    out: PathBuf,
}

impl<W: Write + Seek> Packer<W> {
    fn new(inner: W, date: Day, out: &Path) -> Packer<W> {
        let d = date.0;
        let stamp = u16::try_from(d.year())
            .ok()
            .and_then(|y| zip::DateTime::from_date_and_time(y, u8::from(d.month()), d.day(), 0, 0, 0).ok())
            .unwrap_or_default();
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .compression_level(Some(6))
            .system(zip::System::Unix)
            .last_modified_time(stamp)
            .unix_permissions(0o644);
        Packer {
            zip: ZipWriter::new(inner),
            options,
            members: Vec::new(),
            out: out.to_path_buf(),
        }
    }

    fn zip_error(&self, e: zip::result::ZipError) -> Error {
        Error::io(self.out.display(), io::Error::other(e))
    }

    /// Adds a member from memory; it is listed in the digest when `listed`.
    fn add(&mut self, path: &str, bytes: &[u8], listed: bool) -> Result<()> {
        self.zip.start_file(path, self.options).map_err(|e| self.zip_error(e))?;
        self.zip
            .write_all(bytes)
            .map_err(|e| Error::io(self.out.display(), e))?;
        if listed {
            self.members.push(Member {
                path: path.to_string(),
                size: bytes.len() as u64,
                sha256: crate::hex::encode(&Sha256::digest(bytes)),
            });
        }
        Ok(())
    }

    /// Streams a stored evidence file into the package, checking it against its stored hash.
    fn add_evidence(&mut self, path: &str, store: &Store, e: &Packed) -> Result<()> {
        let stored = store.path_of(&e.sha256)?;
        let mut file = File::open(&stored).map_err(|err| match err.kind() {
            io::ErrorKind::NotFound => Error::Integrity(format!(
                "evidence {} (control {}): stored file {} is missing from the evidence store; refusing to package it",
                e.id,
                e.control,
                &e.sha256[..12]
            )),
            _ => Error::io(stored.display(), err),
        })?;
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        let options = self.options.large_file(len >= u64::from(u32::MAX));
        self.zip.start_file(path, options).map_err(|err| self.zip_error(err))?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; CHUNK];
        let mut size = 0u64;
        loop {
            let n = match file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => return Err(Error::io(stored.display(), err)),
            };
            hasher.update(&buf[..n]);
            self.zip
                .write_all(&buf[..n])
                .map_err(|err| Error::io(self.out.display(), err))?;
            size += n as u64;
        }
        let actual = crate::hex::encode(&hasher.finalize());
        if actual != e.sha256 {
            return Err(Error::Integrity(format!(
                "evidence {} (control {}): stored file {} was altered: its content now hashes to {}; refusing to package it",
                e.id,
                e.control,
                &e.sha256[..12],
                &actual[..12]
            )));
        }
        self.members.push(Member {
            path: path.to_string(),
            size,
            sha256: actual,
        });
        Ok(())
    }

    fn finish(self) -> Result<()> {
        let out = self.out.clone();
        let mut inner = self
            .zip
            .finish()
            .map_err(|e| Error::io(out.display(), io::Error::other(e)))?;
        inner.flush().map_err(|e| Error::io(out.display(), e))
    }
}

/// Builds the package of `evaluation` (open or closed) as of `date` at `out`, signed with the key
/// file `signing_key` when given. Nothing is left at `out` when anything fails.
pub fn build(
    conn: &Connection,
    db_path: &Path,
    evaluation: &Evaluation,
    date: Day,
    signing_key: Option<&Path>,
    out: &Path,
) -> Result<Summary> {
    let key = signing_key.map(read_signing_key).transpose()?;
    let template = Template::load(None)?;
    let opts = Options {
        source: Source::of_evaluation(evaluation.clone(), date),
        template: &template,
        organisation: None,
        date,
        team: None,
    };
    let data = assemble::build(conn, &opts)?;
    let mut csv = Vec::new();
    crate::report::csv::write(conn, &opts, Level::Control, &template.csv_columns.control, &mut csv)?;
    // The generated members after README.txt, in order; one line per report format.
    let generated: Vec<(&str, Vec<u8>)> = vec![
        ("report.pdf", crate::report::pdf::render(&data, Paper::A4)?),
        ("report.csv", csv),
        ("report.xlsx", crate::report::xlsx::render(&data)?),
    ];
    let evidence = file_evidence(conn, &opts)?;
    let readme = readme(evaluation, date, &generated);
    let store = Store::beside(db_path);

    let mut count = 0;
    let bytes = crate::files::write_atomically(out, |w| {
        let mut p = Packer::new(w, date, out);
        p.add("README.txt", readme.as_bytes(), true)?;
        for (path, bytes) in &generated {
            p.add(path, bytes, true)?;
        }
        let mut paths: Vec<(usize, String)> = Vec::with_capacity(evidence.len());
        let mut used = HashMap::new();
        for (i, e) in evidence.iter().enumerate() {
            let path = evidence_path(e, &mut used);
            p.add_evidence(&path, &store, e)?;
            paths.push((i, path));
        }
        let manifest = manifest(evaluation, date, &data, &p.members, &evidence, &paths)?;
        p.add(MANIFEST, manifest.as_bytes(), true)?;
        let digest: String = p
            .members
            .iter()
            .map(|m| format!("{}  {}\n", m.sha256, m.path))
            .collect();
        p.add(DIGEST, digest.as_bytes(), false)?;
        count = p.members.len() + 1;
        if let Some(key) = &key {
            let sig = key.sign(digest.as_bytes());
            let text = format!("{}\n", crate::hex::encode(&sig.to_bytes()));
            p.add(SIGNATURE, text.as_bytes(), false)?;
            count += 1;
        }
        p.finish()
    })?;
    let (digest_sha256, _) = crate::evidence::hash_file(out)?;
    Ok(Summary {
        members: count,
        bytes,
        digest_sha256,
        signed: key.is_some(),
    })
}

/// Every file evidence linked to a control in the source's pairs: once per control, in catalogue
/// order, then by evidence number.
fn file_evidence(conn: &Connection, opts: &Options<'_>) -> Result<Vec<Packed>> {
    // Per control in catalogue order: evidence number -> (title, sha256).
    type Files = BTreeMap<i64, (String, String)>;
    let mut per_control: Vec<(String, Files)> = Vec::new();
    pairs::for_each_control(conn, &opts.source, |info, all| {
        let mut files = BTreeMap::new();
        for p in all.iter().filter(|p| opts.keeps(p)) {
            for e in &p.evidence {
                if let Some(sha) = &e.sha256 {
                    files.entry(e.id).or_insert_with(|| (e.title.clone(), sha.clone()));
                }
            }
        }
        if !files.is_empty() {
            per_control.push((info.key.clone(), files));
        }
        Ok(())
    })?;
    let mut names: HashMap<i64, String> = HashMap::new();
    let mut out = Vec::new();
    for (control, files) in per_control {
        for (id, (title, sha256)) in files {
            let original_name = match names.get(&id) {
                Some(n) => n.clone(),
                None => {
                    let n = crate::db::evidence::get(conn, id)
                        .ok()
                        .and_then(|e| e.original_name)
                        .unwrap_or_else(|| "file".to_string());
                    names.insert(id, n.clone());
                    n
                }
            };
            out.push(Packed {
                control: control.clone(),
                id,
                title,
                sha256,
                original_name,
            });
        }
    }
    Ok(out)
}

/// `evidence/<CONTROL>/<id>-<name>`, unique within the package even when sanitised keys collide.
fn evidence_path(e: &Packed, used: &mut HashMap<String, usize>) -> String {
    let base = format!(
        "evidence/{}/{}-{}",
        sanitise(&e.control),
        e.id,
        sanitise(&e.original_name)
    );
    let n = used.entry(base.clone()).or_insert(0);
    *n += 1;
    if *n == 1 { base } else { format!("{base}~{n}") }
}

/// A name safe as one zip path component: no separators, no `..`, no control characters, at most
/// [`NAME_MAX`] characters, never empty.
fn sanitise(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c == ':' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    let mut cleaned = cleaned;
    while cleaned.contains("..") {
        cleaned = cleaned.replace("..", "_");
    }
    let cleaned: String = cleaned.trim().chars().take(NAME_MAX).collect();
    if cleaned.is_empty() || cleaned == "." {
        "_".to_string()
    } else {
        cleaned
    }
}

fn readme(evaluation: &Evaluation, date: Day, generated: &[(&str, Vec<u8>)]) -> String {
    let reports: String = generated.iter().map(|(p, _)| format!("  {p}\n")).collect();
    format!(
        "ctrlmap evidence package\n\
         ========================\n\
         \n\
         Evaluation {id}: {name} (catalogue {catalog}), as of {date}.\n\
         \n\
         Contents\n\
         \x20 README.txt        this file\n\
         {reports}\
         \x20 evidence/<CONTROL>/<id>-<name>   every file evidence linked to a control of the evaluation\n\
         \x20 manifest.json     the evaluation, every member's size and SHA-256, and what each evidence is\n\
         \x20 digest.txt        the SHA-256 of every member above (sha256sum format)\n\
         \x20 digest.sig        when present: a hex Ed25519 signature over digest.txt\n\
         \n\
         How to verify\n\
         \x20 ctrlmap package verify FILE [--public-key PUB]\n\
         re-hashes every member against digest.txt and names any changed, missing or extra member;\n\
         with --public-key it also checks digest.sig. Without ctrlmap, after unzipping:\n\
         \x20 sha256sum -c digest.txt\n",
        id = evaluation.id,
        name = evaluation.name,
        catalog = evaluation.catalog,
    )
}

fn manifest(
    evaluation: &Evaluation,
    date: Day,
    data: &ReportData,
    members: &[Member],
    evidence: &[Packed],
    paths: &[(usize, String)],
) -> Result<String> {
    let mut by_id: BTreeMap<i64, (&Packed, BTreeSet<&str>, Vec<&str>)> = BTreeMap::new();
    for (i, path) in paths {
        let e = &evidence[*i];
        let entry = by_id.entry(e.id).or_insert_with(|| (e, BTreeSet::new(), Vec::new()));
        entry.1.insert(&e.control);
        entry.2.push(path);
    }
    let doc = json!({
        "format": "ctrlmap-package/1",
        "evaluation": {
            "id": evaluation.id,
            "name": evaluation.name,
            "catalog": evaluation.catalog,
            "closed": evaluation.is_closed(),
            "fingerprint": evaluation.fingerprint.clone().unwrap_or_else(|| data.fingerprint.clone()),
        },
        "date": date.to_string(),
        "members": members.iter().map(|m| json!({"path": m.path, "size": m.size, "sha256": m.sha256})).collect::<Vec<_>>(),
        "evidence": by_id.values().map(|(e, controls, paths)| json!({
            "id": e.id,
            "title": e.title,
            "sha256": e.sha256,
            "original_name": e.original_name,
            "controls": controls,
            "members": paths,
        })).collect::<Vec<_>>(),
    });
    let mut text = serde_json::to_string_pretty(&doc).map_err(io::Error::from)?;
    text.push('\n');
    Ok(text)
}

/// Re-hashes every member of the package at `zip` against its `digest.txt`, and checks `digest.sig`
/// with the key file `public_key` when given.
pub fn verify(zip: &Path, public_key: Option<&Path>) -> Result<Verified> {
    let key = public_key.map(read_verifying_key).transpose()?;
    let file = File::open(zip).map_err(|e| Error::io(zip.display(), e))?;
    let not_ours = |why: String| Error::Invalid(format!("{}: not a ctrlmap package: {why}", zip.display()));
    let mut archive = ZipArchive::new(file).map_err(|e| not_ours(format!("not a zip archive or truncated ({e})")))?;
    let digest = match read_member(&mut archive, DIGEST) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return Err(not_ours(format!("it has no {DIGEST}"))),
        Err(e) => return Err(not_ours(format!("{DIGEST} cannot be read ({e})"))),
    };
    let listed = parse_digest(&digest).map_err(not_ours)?;
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for i in 0..archive.len() {
        let mut member = match archive.by_index(i) {
            Ok(m) => m,
            Err(e) => {
                problems.push(format!("member {}: cannot be read ({e})", i + 1));
                continue;
            }
        };
        let name = member
            .name()
            .map(|n| n.into_owned())
            .unwrap_or_else(|_| format!("#{}", i + 1));
        if name == DIGEST || name == SIGNATURE {
            continue;
        }
        let Some(expected) = listed.get(&name) else {
            problems.push(format!("extra: {name} is in the package but not in {DIGEST}"));
            continue;
        };
        if !seen.insert(name.clone()) {
            problems.push(format!("extra: {name} is in the package more than once"));
            continue;
        }
        let mut hasher = Sha256::new();
        match io::copy(&mut member, &mut HashWriter(&mut hasher)) {
            Ok(_) => {
                let actual = crate::hex::encode(&hasher.finalize());
                if &actual != expected {
                    problems.push(format!("changed: {name} no longer has the SHA-256 in {DIGEST}"));
                }
            }
            Err(e) => problems.push(format!("changed: {name} is damaged ({e})")),
        }
    }
    for name in listed.keys() {
        if !seen.contains(name) {
            problems.push(format!("missing: {name} is in {DIGEST} but not in the package"));
        }
    }
    if let Some(key) = key {
        match read_member(&mut archive, SIGNATURE) {
            Ok(None) => problems.push(format!("{SIGNATURE} is missing: the package is not signed")),
            Err(e) => problems.push(format!("{SIGNATURE} cannot be read ({e})")),
            Ok(Some(bytes)) => {
                let good = std::str::from_utf8(&bytes)
                    .ok()
                    .and_then(decode_hex)
                    .and_then(|b| <[u8; 64]>::try_from(b).ok())
                    .map(|b| Signature::from_bytes(&b))
                    .is_some_and(|sig| key.verify_strict(&digest, &sig).is_ok());
                if !good {
                    problems.push(format!(
                        "{SIGNATURE}: the signature over {DIGEST} does not match the public key"
                    ));
                }
            }
        }
    }
    Ok(Verified {
        members: listed.len(),
        problems,
    })
}

/// Feeds written bytes to a hasher.
struct HashWriter<'a>(&'a mut Sha256);

impl Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The bytes of member `name`, or `None` when there is none.
fn read_member<R: Read + Seek>(archive: &mut ZipArchive<R>, name: &str) -> io::Result<Option<Vec<u8>>> {
    let mut member = match archive.by_name(name) {
        Ok(m) => m,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(io::Error::other(e)),
    };
    let mut bytes = Vec::new();
    member.read_to_end(&mut bytes)?;
    Ok(Some(bytes))
}

/// Parses `sha256sum` lines (`<hex>  <path>` or `<hex> *<path>`) into path -> hash.
fn parse_digest(bytes: &[u8]) -> std::result::Result<BTreeMap<String, String>, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| format!("{DIGEST} is not UTF-8"))?;
    let mut out = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let parsed = line
            .split_once("  ")
            .or_else(|| line.split_once(" *"))
            .filter(|(hash, path)| hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) && !path.is_empty());
        let Some((hash, path)) = parsed else {
            return Err(format!("{DIGEST} line {}: expected \"<sha256>  <path>\"", n + 1));
        };
        if out.insert(path.to_string(), hash.to_ascii_lowercase()).is_some() {
            return Err(format!("{DIGEST} line {}: {path} is listed twice", n + 1));
        }
    }
    Ok(out)
}

/// Makes a new Ed25519 key pair: the private key as hex at `out` (owner-only; refused if `out`
/// exists) and the public key as hex at `<out>.pub`. Returns the public key in hex.
pub fn generate_key(out: &Path) -> Result<String> {
    let public_path = public_path(out);
    for p in [out, public_path.as_path()] {
        if p.exists() {
            return Err(Error::Invalid(format!(
                "{}: already exists; refusing to overwrite a key",
                p.display()
            )));
        }
    }
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret)
        .map_err(|e| Error::io(out.display(), io::Error::other(format!("no random bytes: {e}"))))?;
    let key = SigningKey::from_bytes(&secret);
    secret.fill(0);
    let public = crate::hex::encode(&key.verifying_key().to_bytes());
    create_new(out, 0o600, &format!("{}\n", crate::hex::encode(&key.to_bytes())))?;
    if let Err(e) = create_new(&public_path, 0o644, &format!("{public}\n")) {
        let _ = fs::remove_file(out);
        return Err(e);
    }
    Ok(public)
}

/// `<out>.pub`.
fn public_path(out: &Path) -> PathBuf {
    let mut s = out.as_os_str().to_owned();
    s.push(".pub");
    PathBuf::from(s)
}

/// Creates a new file (never replacing one) with `mode` and writes `text`.
fn create_new(path: &Path, mode: u32, text: &str) -> Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(path).map_err(|e| Error::io(path.display(), e))?;
    let result = file
        .write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| Error::io(path.display(), e));
    if result.is_err() {
        let _ = fs::remove_file(path);
    }
    result
}

/// Reads a 32-byte key written as hex (whitespace tolerated).
fn read_key_bytes(path: &Path, what: &str) -> Result<[u8; 32]> {
    let text = fs::read_to_string(path).map_err(|e| Error::io(path.display(), e))?;
    decode_hex(&text)
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| {
            Error::Invalid(format!(
                "{}: not an Ed25519 {what} key (expected 64 hexadecimal digits)",
                path.display()
            ))
        })
}

fn read_signing_key(path: &Path) -> Result<SigningKey> {
    Ok(SigningKey::from_bytes(&read_key_bytes(path, "private")?))
}

fn read_verifying_key(path: &Path) -> Result<VerifyingKey> {
    let bytes = read_key_bytes(path, "public")?;
    VerifyingKey::from_bytes(&bytes)
        .map_err(|_| Error::Invalid(format!("{}: not a valid Ed25519 public key", path.display())))
}

/// Decodes hex, ignoring whitespace anywhere; `None` when anything else is off.
fn decode_hex(text: &str) -> Option<Vec<u8>> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    let value = |b: u8| char::from(b).to_digit(16).and_then(|v| u8::try_from(v).ok());
    digits
        .chunks(2)
        .map(|pair| Some(value(pair[0])? << 4 | value(pair[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::Ctx;
    use crate::db::evaluations;
    use crate::model::evaluation::ResultValue;

    fn day() -> Day {
        Day::parse("2026-11-20").expect("a date")
    }

    /// A database with the demo organisation, two file evidence and a URL, and an evaluation with
    /// results; closed when `close`.
    fn evaluated(dir: &Path, close: bool) -> Ctx {
        let mut ctx = crate::fixtures::demo_ctx(dir, "data", day());
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
        build(ctx.db.conn(), ctx.db.path(), &e, day(), key, out).expect("package")
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
                "evidence/SRM-FW/2-fw_rules__export.txt",
                "evidence/SRM-FW/3-fw_rules__export.txt",
                "evidence/SRM-BACKUP/1-restore-log.txt",
                "manifest.json",
                "digest.txt",
            ]
        );
        assert_eq!(summary.members, all.len());
        assert!(all[1].1.starts_with(b"%PDF"));
        assert_eq!(all[6].1, b"restore of orders-db succeeded in 23 minutes\n");
        let readme = String::from_utf8(all[0].1.clone()).expect("utf-8");
        assert!(readme.contains("ctrlmap package verify FILE [--public-key PUB]"));
        assert!(readme.contains("sha256sum -c digest.txt"));

        let digest = String::from_utf8(all[8].1.clone()).expect("utf-8");
        let lines: Vec<&str> = digest.lines().collect();
        assert_eq!(lines.len(), 8);
        for ((name, bytes), line) in all.iter().zip(&lines) {
            assert_eq!(*line, format!("{}  {name}", crate::hex::encode(&Sha256::digest(bytes))));
        }

        let manifest: serde_json::Value = serde_json::from_slice(&all[7].1).expect("json");
        assert_eq!(manifest["evaluation"]["id"], 1);
        assert_eq!(manifest["evaluation"]["name"], "Demo evaluation");
        assert_eq!(manifest["evaluation"]["catalog"], "srm");
        assert_eq!(manifest["evaluation"]["closed"], true);
        assert_eq!(manifest["evaluation"]["fingerprint"].as_str().map(str::len), Some(64));
        assert_eq!(manifest["date"], "2026-11-20");
        let listed = manifest["members"].as_array().expect("members");
        assert_eq!(listed.len(), 7);
        for (m, (name, bytes)) in listed.iter().zip(&all) {
            assert_eq!(m["path"], name.as_str());
            assert_eq!(m["size"], bytes.len());
            assert_eq!(m["sha256"], crate::hex::encode(&Sha256::digest(bytes)));
        }
        let evidence = manifest["evidence"].as_array().expect("evidence");
        assert_eq!(evidence.len(), 3);
        assert_eq!(evidence[0]["id"], 1);
        assert_eq!(evidence[0]["members"], json!(["evidence/SRM-BACKUP/1-restore-log.txt"]));
        assert_eq!(evidence[0]["controls"], json!(["SRM-BACKUP"]));
        assert_eq!(evidence[1]["id"], 2);
        assert_eq!(evidence[1]["controls"], json!(["SRM-FW"]));

        let checked = verify(&out, None).expect("verify");
        assert_eq!(checked.members, 8);
        assert!(checked.problems.is_empty(), "{:?}", checked.problems);
    }

    #[test]
    fn an_open_evaluation_can_be_packaged() {
        let dir = tempfile::tempdir().expect("dir");
        let ctx = evaluated(dir.path(), false);
        let out = dir.path().join("open.zip");
        package(&ctx, &out, None);
        let manifest: serde_json::Value = serde_json::from_slice(&members(&out)[7].1).expect("manifest json");
        assert_eq!(manifest["evaluation"]["closed"], false);
        assert!(verify(&out, None).expect("verify").problems.is_empty());
    }

    #[test]
    fn verify_names_changed_removed_and_added_members() {
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
        let problems = verify(&removed, None).expect("verify").problems;
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].starts_with("missing: evidence/SRM-BACKUP/1-restore-log.txt"),
            "{problems:?}"
        );

        let added = dir.path().join("added.zip");
        rewrite(
            &out,
            &added,
            |_, b| Some(b),
            Some(("evidence/SRM-FW/9-later.txt", b"slipped in")),
        );
        let problems = verify(&added, None).expect("verify").problems;
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].starts_with("extra: evidence/SRM-FW/9-later.txt"),
            "{problems:?}"
        );
    }

    #[test]
    fn signatures_are_checked_against_the_public_key() {
        let dir = tempfile::tempdir().expect("dir");
        let ctx = evaluated(dir.path(), true);
        let (alice, mallory) = (dir.path().join("alice.key"), dir.path().join("mallory.key"));
        let alice_pub = generate_key(&alice).expect("alice's key");
        generate_key(&mallory).expect("mallory's key");
        assert_eq!(
            fs::read_to_string(dir.path().join("alice.key.pub")).expect("pub"),
            format!("{alice_pub}\n")
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
        let err = build(ctx.db.conn(), ctx.db.path(), &e, day(), None, &out).expect_err("tampered");
        assert!(matches!(err, Error::Integrity(_)), "{err}");
        assert_eq!(err.code(), 3);
        assert!(!out.exists());
        assert!(!crate::files::temp_name(&out).exists());

        fs::remove_file(&stored).expect("remove");
        let err = build(ctx.db.conn(), ctx.db.path(), &e, day(), None, &out).expect_err("missing");
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
}
