//! The fingerprint of a stream of pairs: SHA-256 over one canonical JSON line per pair. Taken when
//! an evaluation closes, checked whenever its snapshot is read, and printed on every report, so a
//! reviewer can tell that two reports rest on the same pairs.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::mpsc::{SyncSender, sync_channel};
use std::thread::JoinHandle;

use sha2::{Digest, Sha256};

use super::live::ByAddress;
use crate::error::Result;
use crate::model::evaluation::{EvidenceRef, Pair};

/// Hashes pairs the same way at close and at report time: one canonical JSON line each. A second
/// thread does the hashing, and for pairs handed over whole ([`Fingerprint::add_all`]) the
/// serialising too, so a report over millions of pairs keeps both cores busy.
pub struct Fingerprint {
    chunk: Vec<u8>,
    to_hasher: Option<SyncSender<Work>>,
    hasher: Option<JoinHandle<Result<String>>>,
}

/// What the hashing thread is given: JSON lines already written, or pairs to write and hash.
enum Work {
    Lines(Vec<u8>),
    Pairs(Vec<Pair>),
}

/// Bytes of JSON lines handed to the hashing thread at a time.
const CHUNK: usize = 1 << 20;

fn json_line(out: &mut Vec<u8>, pair: &Pair) -> Result<()> {
    serde_json::to_writer(&mut *out, pair).map_err(std::io::Error::from)?;
    out.push(b'\n');
    Ok(())
}

/// Writes the same JSON line as [`json_line`], byte for byte, but escapes each shared text (the
/// control, service and rationale every pair repeats, and shared evidence) once: a string held by
/// more than one pair is escaped the first time and copied after. The cache keeps a reference to
/// each text it holds, so an address can never be reused for other text while it is cached.
#[derive(Default)]
struct LineWriter {
    texts: HashMap<usize, (Arc<str>, Vec<u8>), ByAddress>,
    evidence: HashMap<usize, (Arc<EvidenceRef>, Vec<u8>), ByAddress>,
}

fn json_value(out: &mut Vec<u8>, value: &(impl serde::Serialize + ?Sized)) -> Result<()> {
    serde_json::to_writer(&mut *out, value).map_err(|e| std::io::Error::from(e).into())
}

impl LineWriter {
    fn text(&mut self, out: &mut Vec<u8>, text: &Arc<str>) -> Result<()> {
        if Arc::strong_count(text) == 1 {
            return json_value(out, &**text);
        }
        let at = Arc::as_ptr(text).cast::<u8>() as usize;
        if let Some((_, bytes)) = self.texts.get(&at) {
            out.extend_from_slice(bytes);
            return Ok(());
        }
        let mut bytes = Vec::new();
        json_value(&mut bytes, &**text)?;
        out.extend_from_slice(&bytes);
        self.texts.insert(at, (Arc::clone(text), bytes));
        Ok(())
    }

    fn optional(&mut self, out: &mut Vec<u8>, text: Option<&Arc<str>>) -> Result<()> {
        match text {
            Some(t) => self.text(out, t),
            None => {
                out.extend_from_slice(b"null");
                Ok(())
            }
        }
    }

    fn evidence(&mut self, out: &mut Vec<u8>, e: &Arc<EvidenceRef>) -> Result<()> {
        if Arc::strong_count(e) == 1 {
            return json_value(out, &**e);
        }
        let at = Arc::as_ptr(e) as usize;
        if let Some((_, bytes)) = self.evidence.get(&at) {
            out.extend_from_slice(bytes);
            return Ok(());
        }
        let mut bytes = Vec::new();
        json_value(&mut bytes, &**e)?;
        out.extend_from_slice(&bytes);
        self.evidence.insert(at, (Arc::clone(e), bytes));
        Ok(())
    }

    /// One pair's line: the fields in `Pair`'s declaration order, as its derived `Serialize` writes them.
    fn line(&mut self, out: &mut Vec<u8>, p: &Pair) -> Result<()> {
        out.extend_from_slice(b"{\"control_key\":");
        self.text(out, &p.control_key)?;
        out.extend_from_slice(b",\"control_title\":");
        self.text(out, &p.control_title)?;
        out.extend_from_slice(b",\"family\":");
        self.text(out, &p.family)?;
        out.extend_from_slice(b",\"service\":");
        self.text(out, &p.service)?;
        out.extend_from_slice(b",\"offering\":");
        self.text(out, &p.offering)?;
        out.extend_from_slice(b",\"category\":");
        json_value(out, &p.category)?;
        out.extend_from_slice(b",\"service_team\":");
        self.optional(out, p.service_team.as_ref())?;
        out.extend_from_slice(b",\"responsibility\":");
        json_value(out, &p.responsibility)?;
        out.extend_from_slice(b",\"provenance\":");
        self.text(out, &p.provenance)?;
        out.extend_from_slice(b",\"rationale\":");
        self.text(out, &p.rationale)?;
        out.extend_from_slice(b",\"owner\":");
        self.optional(out, p.owner.as_ref())?;
        out.extend_from_slice(b",\"status\":");
        json_value(out, &p.status)?;
        out.extend_from_slice(b",\"result\":");
        json_value(out, &p.result)?;
        out.extend_from_slice(b",\"note\":");
        json_value(out, &p.note)?;
        out.extend_from_slice(b",\"evidence\":[");
        for (i, e) in p.evidence.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            self.evidence(out, e)?;
        }
        out.push(b']');
        // Serialised only when recorded (`skip_serializing_if` on the field).
        if !p.statement.is_empty() {
            out.extend_from_slice(b",\"statement\":");
            json_value(out, &p.statement)?;
        }
        out.extend_from_slice(b"}\n");
        Ok(())
    }
}

impl Default for Fingerprint {
    fn default() -> Self {
        let (to_hasher, work) = sync_channel::<Work>(4);
        let hasher = std::thread::spawn(move || {
            let mut sha = Sha256::new();
            let mut lines = Vec::with_capacity(CHUNK + 4096);
            let mut writer = LineWriter::default();
            for item in work {
                match item {
                    Work::Lines(chunk) => sha.update(&chunk),
                    Work::Pairs(pairs) => {
                        for p in &pairs {
                            writer.line(&mut lines, p)?;
                            if lines.len() >= CHUNK {
                                sha.update(&lines);
                                lines.clear();
                            }
                        }
                        sha.update(&lines);
                        lines.clear();
                    }
                }
            }
            Ok(crate::support::hex::encode(&sha.finalize()))
        });
        Fingerprint {
            chunk: Vec::with_capacity(CHUNK + 4096),
            to_hasher: Some(to_hasher),
            hasher: Some(hasher),
        }
    }
}

impl Fingerprint {
    /// Adds a pair.
    pub fn add(&mut self, pair: &Pair) -> Result<()> {
        json_line(&mut self.chunk, pair)?;
        if self.chunk.len() >= CHUNK {
            self.flush()?;
        }
        Ok(())
    }

    /// Adds pairs, in order, handing them to the hashing thread to serialise.
    pub fn add_all(&mut self, pairs: Vec<Pair>) -> Result<()> {
        self.flush()?;
        self.send(Work::Pairs(pairs))
    }

    fn flush(&mut self) -> Result<()> {
        if self.chunk.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.chunk, Vec::with_capacity(CHUNK + 4096));
        self.send(Work::Lines(chunk))
    }

    fn send(&mut self, work: Work) -> Result<()> {
        match &self.to_hasher {
            Some(tx) if tx.send(work).is_ok() => Ok(()),
            // The thread stopped early: finish() says why.
            _ => Ok(()),
        }
    }

    /// The hex digest.
    pub fn finish(mut self) -> Result<String> {
        self.flush()?;
        // Closing the channel ends the hashing thread's loop.
        self.to_hasher = None;
        self.hasher
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_else(|| Err(std::io::Error::other("the fingerprint's hashing thread failed").into()))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::{LineWriter, json_line};
    use crate::model::evaluation::{EvidenceRef, Pair, ResultValue};
    use crate::model::{Category, Responsibility};

    fn pair(shared: &Arc<str>, evidence: &Arc<EvidenceRef>, odd: &str, owner: Option<Arc<str>>) -> Pair {
        Pair {
            control_key: shared.clone(),
            control_title: Arc::from(format!("Title with \"quotes\", a \\ and {odd}")),
            family: shared.clone(),
            service: Arc::from("svc-\u{e9}\u{1}\n"),
            offering: shared.clone(),
            category: Category::Container,
            service_team: None,
            responsibility: Responsibility::Shared,
            provenance: Arc::from("rule"),
            rationale: shared.clone(),
            owner,
            status: "implemented".into(),
            result: ResultValue::PartiallySatisfied,
            note: format!("note \u{7f} {odd}"),
            evidence: vec![evidence.clone(), Arc::new(EvidenceRef::clone(evidence))],
            statement: format!("statement <{odd}>"),
        }
    }

    #[test]
    fn the_caching_line_writer_writes_what_serde_writes() {
        let shared: Arc<str> = Arc::from("shared \"text\" \u{2028} \t end");
        let evidence = Arc::new(EvidenceRef {
            id: 7,
            title: "Scan \"7\"".into(),
            sha256: Some("ab".repeat(32)),
            collected: "2026-11-01".into(),
            valid_until: None,
            status: "accepted".into(),
            reviewer: Some("bob".into()),
            counts: true,
            expired: false,
            problem: None,
        });
        let mut writer = LineWriter::default();
        for (i, odd) in ["", "\u{0}", "日本", "\u{1f600}"].iter().enumerate() {
            let owner = (i % 2 == 0).then(|| shared.clone());
            let p = pair(&shared, &evidence, odd, owner);
            let (mut ours, mut serde) = (Vec::new(), Vec::new());
            writer.line(&mut ours, &p).expect("line");
            json_line(&mut serde, &p).expect("serde");
            assert_eq!(
                String::from_utf8_lossy(&ours),
                String::from_utf8_lossy(&serde),
                "case {i}"
            );
        }
        assert!(!writer.texts.is_empty(), "shared texts are cached");
        assert_eq!(
            writer.evidence.len(),
            1,
            "the shared evidence is cached, the lone copy is not"
        );
    }
}
