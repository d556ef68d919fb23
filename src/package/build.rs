//! Writing a package: members in a fixed order with fixed metadata, evidence streamed from the
//! store and checked against its stored hash on the way in.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};

use ed25519_dalek::Signer;
use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use super::manifest::{self, Packed};
use super::{CHUNK, DIGEST, MANIFEST, Member, NAME_MAX, SIGNATURE, Summary};
use crate::db::Connection;
use crate::db::evaluations::Evaluation;
use crate::error::{Error, Result};
use crate::estate::pairs::{self, ControlInfo, Source};
use crate::evidence::Store;
use crate::model::evaluation::Pair;
use crate::model::evidence::Day;
use crate::report::assemble::{Assembly, Options};
use crate::report::csv::Level;
use crate::report::csv::Rows;
use crate::report::data::Paper;
use crate::report::template::Template;

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
                sha256: crate::support::hex::encode(&Sha256::digest(bytes)),
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
        let actual = crate::support::hex::encode(&hasher.finalize());
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
/// file `signing_key` when given, its PDF drawn with `fonts`. Nothing is left at `out` when
/// anything fails.
pub fn build(
    conn: &Connection,
    db_path: &Path,
    evaluation: &Evaluation,
    date: Day,
    signing_key: Option<&Path>,
    fonts: &crate::report::pdf::FontOptions,
    out: &Path,
) -> Result<Summary> {
    let key = signing_key.map(super::sign::read_signing_key).transpose()?;
    let template = Template::load(None)?;
    let opts = Options {
        source: Source::of_evaluation(evaluation.clone(), date),
        template: &template,
        organisation: None,
        date,
        team: None,
    };
    // One pass over the pairs feeds the report data, the CSV and the list of evidence files.
    let mut assembly = Assembly::start(conn, &opts)?;
    // With the byte-order mark, as `report --format csv` writes it: reviewers open it in a spreadsheet.
    let mut csv = crate::report::csv::BOM.to_vec();
    let mut rows = Rows::start(conn, &opts, Level::Control, &template.csv_columns.control, &mut csv)?;
    let mut files = EvidenceFiles::default();
    let mut facets = crate::report::html::Facets::default();
    pairs::for_each_control_owned(conn, &opts.source, |info, all| {
        rows.add(info, &all)?;
        files.add(info, all.iter().filter(|p| opts.keeps(p)));
        facets.add(all.iter().filter(|p| opts.keeps(p)));
        assembly.add(info, all)
    })?;
    rows.finish()?;
    let data = assembly.finish(conn)?;
    let evidence = files.finish(conn);
    // Member paths are fixed before anything is written: the HTML page links to them.
    let mut used = HashMap::new();
    let paths: Vec<(usize, String)> = evidence
        .iter()
        .enumerate()
        .map(|(i, e)| (i, evidence_path(e, &mut used)))
        .collect();
    let mut links = crate::report::html::Links::of(conn, &data)?;
    for (i, path) in &paths {
        let e = &evidence[*i];
        links.members.insert((e.control.clone(), e.id), path.clone());
    }
    let page = crate::report::html::Page::load(None)?;
    let html = crate::report::html::render(&data, &facets.finish(), &links, &page)?;
    // The generated members after README.txt, in order; one line per report format.
    let generated: Vec<(&str, Vec<u8>)> = vec![
        ("report.pdf", crate::report::pdf::render_with(&data, Paper::A4, fonts)?),
        ("report.csv", csv),
        ("report.xlsx", crate::report::xlsx::render(&data)?),
        ("report.html", html),
    ];
    let readme = readme(evaluation, date, &generated);
    let store = Store::beside(db_path);

    let mut count = 0;
    let bytes = crate::support::files::write_atomically(out, |w| {
        let mut p = Packer::new(w, date, out);
        p.add("README.txt", readme.as_bytes(), true)?;
        for (path, bytes) in &generated {
            p.add(path, bytes, true)?;
        }
        for (i, path) in &paths {
            p.add_evidence(path, &store, &evidence[*i])?;
        }
        let manifest = manifest::write(evaluation, date, &data, &p.members, &evidence, &paths)?;
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
            let text = format!("{}\n", crate::support::hex::encode(&sig.to_bytes()));
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
#[derive(Default)]
struct EvidenceFiles {
    /// Per control in catalogue order: its key and its files.
    per_control: Vec<(String, Files)>,
}

/// One control's file evidence: evidence number -> (title, sha256).
type Files = BTreeMap<i64, (String, String)>;

impl EvidenceFiles {
    /// Adds the file evidence of one control's pairs (those the package keeps).
    fn add<'p>(&mut self, info: &ControlInfo, kept: impl Iterator<Item = &'p Pair>) {
        let mut files = BTreeMap::new();
        for p in kept {
            for e in p.evidence.iter() {
                if let Some(sha) = &e.sha256 {
                    files.entry(e.id).or_insert_with(|| (e.title.clone(), sha.clone()));
                }
            }
        }
        if !files.is_empty() {
            self.per_control.push((info.key.clone(), files));
        }
    }

    /// The evidence to pack, each with the name it was stored under.
    fn finish(self, conn: &Connection) -> Vec<Packed> {
        let mut names: HashMap<i64, String> = HashMap::new();
        let mut out = Vec::new();
        for (control, files) in self.per_control {
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
        out
    }
}

/// `evidence/<CONTROL>/<id>-<name>`, unique within the package even when sanitised keys collide.
pub(super) fn evidence_path(e: &Packed, used: &mut HashMap<String, usize>) -> String {
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
pub(super) fn sanitise(name: &str) -> String {
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
         (FILE: this zip, or the directory it was unzipped to)\n\
         re-hashes every member against digest.txt and names any changed, missing or extra member;\n\
         with --public-key it also checks digest.sig. Without ctrlmap, after unzipping:\n\
         \x20 sha256sum -c digest.txt\n\
         and with openssl 3 and the signer's public key (PEM):\n\
         \x20 xxd -r -p digest.sig > digest.sig.bin\n\
         \x20 openssl pkeyutl -verify -pubin -inkey assessor.pub -rawin -in digest.txt -sigfile digest.sig.bin\n",
        id = evaluation.id,
        name = evaluation.name,
        catalog = evaluation.catalog,
    )
}
