//! The fingerprint of a stream of pairs: SHA-256 over one canonical JSON line per pair. Taken when
//! an evaluation closes, checked whenever its snapshot is read, and printed on every report, so a
//! reviewer can tell that two reports rest on the same pairs.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use rustc_hash::FxHashMap;
use sha2::{Digest, Sha256};

use crate::error::Result;
use crate::model::evaluation::{EvidenceRef, Pair};
use crate::model::{Category, Responsibility};
use crate::support::address;
use crate::support::json;

/// Hashes pairs the same way at close and at report time: one canonical JSON line each. The
/// caller's thread writes the lines, mostly by copying pieces it wrote before ([`LineWriter`]),
/// and a second thread does nothing but hash them: the hashing (gigabytes on a large estate) runs
/// beside the caller's own work, and no pair, nor the reference counts of its shared texts, is
/// touched by two threads.
pub struct Fingerprint {
    writer: LineWriter,
    chunk: Vec<u8>,
    to_hasher: Option<SyncSender<Vec<u8>>>,
    /// Chunks the hashing thread is done with, to be written into again.
    spare: Receiver<Vec<u8>>,
    hasher: Option<JoinHandle<String>>,
}

/// Bytes of JSON lines handed to the hashing thread at a time.
const CHUNK: usize = 1 << 18;

/// Chunks on their way to the hashing thread at most, and spare chunks kept for writing: 4 MB,
/// about the lines of one control over 5,000 services, so the hashing goes on while the next
/// control's pairs are derived instead of holding up the writer; and a bound whichever thread
/// falls behind.
const IN_FLIGHT: usize = 16;

fn json_optional(out: &mut Vec<u8>, text: Option<&Arc<str>>) -> Result<()> {
    match text {
        Some(t) => json::append_str(out, t),
        None => {
            out.extend_from_slice(b"null");
            Ok(())
        }
    }
}

fn at_optional(value: Option<&Arc<str>>) -> usize {
    value.map_or(0, address::of)
}

/// Whether a value is held elsewhere too, so that other pairs are likely to repeat it and caching
/// its JSON pays (a value held by this pair alone, as in a snapshot read back, is written as is).
fn shared<T: ?Sized>(value: &Arc<T>) -> bool {
    Arc::strong_count(value) > 1
}

/// JSON written once for texts that live at the addresses of its key; holding them keeps the
/// addresses from being reused for other texts while the JSON is cached.
struct Cached {
    _texts: [Option<Arc<str>>; 3],
    bytes: Vec<u8>,
}

/// Writes the same JSON line as serde_json writes for a [`Pair`], byte for byte, but writes the
/// parts that pairs repeat once and copies them after: the control's fields (every pair of a
/// control), a service's fields (every control repeats them), a derivation's responsibility,
/// provenance and rationale, an owner, and a list of evidence. A part is cached only when its texts
/// are shared ([`shared`]), keyed by where they live.
#[derive(Default)]
struct LineWriter {
    /// `{"control_key":..,"control_title":..,"family":..` of the last control, and its texts.
    control: Option<([Arc<str>; 3], Vec<u8>)>,
    /// `,"service":..,"offering":..,"category":..,"service_team":..`.
    services: FxHashMap<(usize, usize, usize, Category), Cached>,
    /// `,"responsibility":..,"provenance":..,"rationale":..`.
    cells: FxHashMap<(usize, usize, Responsibility), Cached>,
    /// An owner's JSON.
    owners: FxHashMap<usize, Cached>,
    /// The last list of shared evidence and its JSON (without the brackets).
    evidence_list: (Vec<Arc<EvidenceRef>>, Vec<u8>),
    /// Each shared piece of evidence as JSON.
    evidence: FxHashMap<usize, (Arc<EvidenceRef>, Vec<u8>)>,
}

impl LineWriter {
    /// One pair's line: the fields in `Pair`'s declaration order, as its derived `Serialize` writes them.
    fn line(&mut self, out: &mut Vec<u8>, p: &Pair) -> Result<()> {
        self.control(out, p)?;
        self.service(out, p)?;
        self.cell(out, p)?;
        out.extend_from_slice(b",\"status\":");
        json::append_str(out, &p.status)?;
        out.extend_from_slice(b",\"result\":");
        json::append_str(out, p.result.as_str())?;
        out.extend_from_slice(b",\"note\":");
        json::append_str(out, &p.note)?;
        out.extend_from_slice(b",\"evidence\":[");
        self.evidence_list(out, &p.evidence)?;
        out.push(b']');
        // Serialised only when recorded (`skip_serializing_if` on the field).
        if !p.statement.is_empty() {
            out.extend_from_slice(b",\"statement\":");
            json::append_str(out, &p.statement)?;
        }
        out.extend_from_slice(b"}\n");
        Ok(())
    }

    fn control(&mut self, out: &mut Vec<u8>, p: &Pair) -> Result<()> {
        let texts = [&p.control_key, &p.control_title, &p.family];
        if let Some((last, bytes)) = &self.control
            && last.iter().zip(texts).all(|(a, b)| Arc::ptr_eq(a, b))
        {
            out.extend_from_slice(bytes);
            return Ok(());
        }
        let start = out.len();
        out.extend_from_slice(b"{\"control_key\":");
        json::append_str(out, &p.control_key)?;
        out.extend_from_slice(b",\"control_title\":");
        json::append_str(out, &p.control_title)?;
        out.extend_from_slice(b",\"family\":");
        json::append_str(out, &p.family)?;
        if texts.iter().all(|t| shared(t)) {
            self.control = Some((texts.map(Arc::clone), out[start..].to_vec()));
        }
        Ok(())
    }

    fn service(&mut self, out: &mut Vec<u8>, p: &Pair) -> Result<()> {
        let team = p.service_team.as_ref();
        let key = (
            address::of(&p.service),
            address::of(&p.offering),
            at_optional(team),
            p.category,
        );
        if let Some(cached) = self.services.get(&key) {
            out.extend_from_slice(&cached.bytes);
            return Ok(());
        }
        let start = out.len();
        out.extend_from_slice(b",\"service\":");
        json::append_str(out, &p.service)?;
        out.extend_from_slice(b",\"offering\":");
        json::append_str(out, &p.offering)?;
        out.extend_from_slice(b",\"category\":");
        json::append_str(out, p.category.as_str())?;
        out.extend_from_slice(b",\"service_team\":");
        json_optional(out, team)?;
        if shared(&p.service) && shared(&p.offering) && team.is_none_or(shared) {
            let texts = [Some(p.service.clone()), Some(p.offering.clone()), team.cloned()];
            let bytes = out[start..].to_vec();
            self.services.insert(key, Cached { _texts: texts, bytes });
        }
        Ok(())
    }

    fn cell(&mut self, out: &mut Vec<u8>, p: &Pair) -> Result<()> {
        let key = (address::of(&p.provenance), address::of(&p.rationale), p.responsibility);
        match self.cells.get(&key) {
            Some(cached) => out.extend_from_slice(&cached.bytes),
            None => {
                let start = out.len();
                out.extend_from_slice(b",\"responsibility\":");
                json::append_str(out, p.responsibility.as_str())?;
                out.extend_from_slice(b",\"provenance\":");
                json::append_str(out, &p.provenance)?;
                out.extend_from_slice(b",\"rationale\":");
                json::append_str(out, &p.rationale)?;
                if shared(&p.provenance) && shared(&p.rationale) {
                    let texts = [Some(p.provenance.clone()), Some(p.rationale.clone()), None];
                    let bytes = out[start..].to_vec();
                    self.cells.insert(key, Cached { _texts: texts, bytes });
                }
            }
        }
        // The owner apart: its combinations with rationales would be many more.
        out.extend_from_slice(b",\"owner\":");
        let Some(owner) = &p.owner else {
            out.extend_from_slice(b"null");
            return Ok(());
        };
        if let Some(cached) = self.owners.get(&address::of(owner)) {
            out.extend_from_slice(&cached.bytes);
            return Ok(());
        }
        let start = out.len();
        json::append_str(out, owner)?;
        if shared(owner) {
            let bytes = out[start..].to_vec();
            self.owners.insert(
                address::of(owner),
                Cached {
                    _texts: [Some(owner.clone()), None, None],
                    bytes,
                },
            );
        }
        Ok(())
    }

    fn evidence_list(&mut self, out: &mut Vec<u8>, list: &[Arc<EvidenceRef>]) -> Result<()> {
        let (last, bytes) = &self.evidence_list;
        if last.len() == list.len() && last.iter().zip(list).all(|(a, b)| Arc::ptr_eq(a, b)) {
            out.extend_from_slice(bytes);
            return Ok(());
        }
        let start = out.len();
        for (i, e) in list.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            self.evidence(out, e)?;
        }
        if list.iter().all(shared) {
            self.evidence_list = (list.to_vec(), out[start..].to_vec());
        }
        Ok(())
    }

    fn evidence(&mut self, out: &mut Vec<u8>, e: &Arc<EvidenceRef>) -> Result<()> {
        if !shared(e) {
            return json::append(out, &**e);
        }
        if let Some((_, bytes)) = self.evidence.get(&address::of(e)) {
            out.extend_from_slice(bytes);
            return Ok(());
        }
        let start = out.len();
        json::append(out, &**e)?;
        self.evidence
            .insert(address::of(e), (Arc::clone(e), out[start..].to_vec()));
        Ok(())
    }
}

impl Default for Fingerprint {
    fn default() -> Self {
        let (to_hasher, work) = sync_channel::<Vec<u8>>(IN_FLIGHT);
        let (give_back, spare) = sync_channel::<Vec<u8>>(IN_FLIGHT);
        let hasher = std::thread::spawn(move || {
            let mut sha = Sha256::new();
            for mut chunk in work {
                sha.update(&chunk);
                chunk.clear();
                // Dropped when the writer holds enough spares already.
                let _ = give_back.try_send(chunk);
            }
            crate::support::hex::encode(&sha.finalize())
        });
        Fingerprint {
            writer: LineWriter::default(),
            chunk: Vec::with_capacity(CHUNK + 4096),
            to_hasher: Some(to_hasher),
            spare,
            hasher: Some(hasher),
        }
    }
}

impl Fingerprint {
    /// Adds a pair.
    pub fn add(&mut self, pair: &Pair) -> Result<()> {
        self.writer.line(&mut self.chunk, pair)?;
        if self.chunk.len() >= CHUNK {
            self.flush();
        }
        Ok(())
    }

    /// Adds pairs, in order.
    pub fn add_all(&mut self, pairs: Vec<Pair>) -> Result<()> {
        pairs.iter().try_for_each(|p| self.add(p))
    }

    fn flush(&mut self) {
        if self.chunk.is_empty() {
            return;
        }
        let next = self
            .spare
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(CHUNK + 4096));
        let chunk = std::mem::replace(&mut self.chunk, next);
        if let Some(tx) = &self.to_hasher {
            // A send fails only if the thread stopped early: finish() says so.
            let _ = tx.send(chunk);
        }
    }

    /// The hex digest.
    pub fn finish(mut self) -> Result<String> {
        self.flush();
        // Closing the channel ends the hashing thread's loop.
        self.to_hasher = None;
        self.hasher
            .take()
            .and_then(|h| h.join().ok())
            .ok_or_else(|| std::io::Error::other("the fingerprint's hashing thread failed").into())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use sha2::{Digest, Sha256};

    use super::{Fingerprint, LineWriter};
    use crate::model::evaluation::{EvidenceRef, Pair, ResultValue};
    use crate::model::{Category, Responsibility};

    /// The line serde_json writes for a pair: what every fingerprint ever taken rests on.
    fn serde_line(pair: &Pair) -> Vec<u8> {
        let mut out = serde_json::to_vec(pair).expect("serde");
        out.push(b'\n');
        out
    }

    use crate::support::json::AWKWARD as ODD;

    fn evidence(id: i64, title: &str) -> Arc<EvidenceRef> {
        Arc::new(EvidenceRef {
            id,
            title: title.into(),
            sha256: (id % 2 == 0).then(|| "ab".repeat(32)),
            collected: "2026-11-01".into(),
            valid_until: (id % 3 == 0).then(|| "2026-12-01".into()),
            status: "accepted".into(),
            reviewer: Some("bob".into()),
            counts: id % 2 == 1,
            expired: id % 2 == 0,
            problem: None,
        })
    }

    /// Pairs as live derivation makes them (texts shared between pairs) and as a snapshot is read
    /// back (every text its own), with every variant of each field and every odd text.
    fn pairs() -> Vec<Pair> {
        let shared: Vec<Arc<str>> = ODD.iter().map(|t| Arc::from(*t)).collect();
        let org = evidence(1, "Org-wide \"policy\"");
        let own = evidence(2, ODD[4]);
        let mut pairs = Vec::new();
        for (i, odd) in ODD.iter().enumerate() {
            for (j, category) in Category::ALL.iter().enumerate() {
                let pick = |k: usize| shared[(i + j + k) % shared.len()].clone();
                let fresh = |k: usize| -> Arc<str> { Arc::from(&*pick(k)) };
                let lone = (i + j) % 4 == 3;
                let text = |k: usize| if lone { fresh(k) } else { pick(k) };
                pairs.push(Pair {
                    control_key: text(0),
                    control_title: if j == 1 { fresh(1) } else { text(1) },
                    family: text(2),
                    service: text(3),
                    offering: text(4),
                    category: *category,
                    service_team: (j != 2).then(|| text(5)),
                    responsibility: Responsibility::ALL[(i + j) % Responsibility::ALL.len()],
                    provenance: text(6),
                    rationale: text(7),
                    owner: (i % 2 == 0).then(|| text(8)),
                    status: odd.to_string(),
                    result: ResultValue::ALL[(i + j) % ResultValue::ALL.len()],
                    note: ODD[(i + 3) % ODD.len()].to_string(),
                    evidence: match (i + j) % 4 {
                        0 => Vec::new().into(),
                        1 => vec![org.clone()].into(),
                        2 => vec![own.clone(), org.clone()].into(),
                        _ => vec![evidence(3 + i as i64, odd), org.clone()].into(),
                    },
                    statement: ODD[(i + j) % ODD.len()].to_string(),
                });
            }
        }
        // The same pairs again, so the cached parts are copied.
        let again = pairs.clone();
        pairs.extend(again);
        pairs
    }

    #[test]
    fn the_caching_line_writer_writes_what_serde_writes() {
        let pairs = pairs();
        let mut writer = LineWriter::default();
        for (i, p) in pairs.iter().enumerate() {
            let mut ours = Vec::new();
            writer.line(&mut ours, p).expect("line");
            assert_eq!(
                String::from_utf8_lossy(&ours),
                String::from_utf8_lossy(&serde_line(p)),
                "pair {i}"
            );
        }
        assert!(!writer.services.is_empty(), "shared service fields are cached");
        assert!(!writer.cells.is_empty(), "shared derivations are cached");
        assert!(writer.control.is_some(), "a shared control is cached");
        assert!(!writer.evidence.is_empty(), "shared evidence is cached");
    }

    #[test]
    fn the_fingerprint_is_the_sha256_of_the_serde_lines() {
        // Enough pairs for several chunks, so the hashing thread's spare chunks are reused.
        let pairs: Vec<Pair> = pairs().into_iter().cycle().take(20_000).collect();
        let mut expected = Sha256::new();
        for p in &pairs {
            expected.update(serde_line(p));
        }
        let mut one_by_one = Fingerprint::default();
        for p in &pairs {
            one_by_one.add(p).expect("add");
        }
        let mut all = Fingerprint::default();
        all.add_all(pairs).expect("add");
        let expected = crate::support::hex::encode(&expected.finalize());
        assert_eq!(one_by_one.finish().expect("digest"), expected);
        assert_eq!(all.finish().expect("digest"), expected);
        assert_eq!(
            Fingerprint::default().finish().expect("digest"),
            crate::support::hex::encode(&Sha256::digest(b"")),
            "no pairs, the hash of nothing"
        );
    }
}
