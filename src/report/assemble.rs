//! Builds [`ReportData`] from the pairs of a source (live or frozen): one pass, control by control.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::mpsc::{SyncSender, sync_channel};
use std::thread::JoinHandle;

use sha2::{Digest, Sha256};

use super::data::{
    CategoryColumn, ControlLine, EvaluationLine, EvidenceLine, Finding, ReportData, ServiceLine, SourceLine, Summary,
    TeamLine,
};
use super::pairs::{self, ByAddress, ControlInfo, Source};
use super::template::Template;
use crate::db::sources::{Cited, Sources};
use crate::db::{Connection, catalogs, offerings};
use crate::error::Result;
use crate::evidence::FileCheck;
use crate::model::derive::{RuleBook, rollup};
use crate::model::evaluation::{EvidenceRef, Pair, ResultValue, combine};
use crate::model::evidence::Day;
use crate::model::{Category, Responsibility};

/// What to report on.
#[derive(Debug, Clone)]
pub struct Options<'a> {
    /// Where the pairs come from.
    pub source: Source,
    /// Layout and texts.
    pub template: &'a Template,
    /// Organisation name (else the template's).
    pub organisation: Option<String>,
    /// The report's date.
    pub date: Day,
    /// Only pairs owned by this team.
    pub team: Option<String>,
}

impl Options<'_> {
    /// Whether a pair is in the report.
    pub fn keeps(&self, pair: &Pair) -> bool {
        match &self.team {
            None => true,
            Some(t) => pair.owner.as_deref().is_some_and(|o| o.eq_ignore_ascii_case(t)),
        }
    }
}

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
            Ok(crate::hex::encode(&sha.finalize()))
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

/// Builds the report data in one pass over the source, without looking at the evidence store
/// (the package does: it re-hashes every file it copies and refuses altered ones).
pub fn build(conn: &Connection, opts: &Options<'_>) -> Result<ReportData> {
    build_checked(conn, opts, None)
}

/// Builds the report data in one pass over the source; with `files`, evidence whose stored file
/// fails that check is marked, does not count, and is listed as failed.
pub fn build_checked(conn: &Connection, opts: &Options<'_>, mut files: Option<&mut FileCheck>) -> Result<ReportData> {
    let (catalog_key, evaluation) = (opts.source.catalog().to_string(), opts.source.evaluation().cloned());
    let (catalog_id, catalog) = catalogs::get(conn, &catalog_key)?;
    let book = RuleBook::new(catalogs::rules(conn, catalog_id)?);

    let mut fingerprint = Fingerprint::default();
    let mut controls = Vec::new();
    let mut findings = Vec::new();
    // Hashed while pairs stream in (millions of lookups), sorted once at the end.
    let mut services: HashMap<String, ServiceLine> = HashMap::new();
    let mut evidence: BTreeMap<i64, (EvidenceLine, BTreeSet<String>)> = BTreeMap::new();
    let mut teams: HashMap<String, TeamLine> = HashMap::new();
    let mut by_responsibility: BTreeMap<Responsibility, u64> = BTreeMap::new();
    let mut by_result: BTreeMap<ResultValue, u64> = BTreeMap::new();
    let (mut shared_or_customer, mut with_counting) = (0u64, 0u64);
    // Per category: control title -> responsibilities seen on services of that category.
    let mut per_category: BTreeMap<Category, Vec<(String, Responsibility)>> = BTreeMap::new();

    pairs::for_each_control_owned(conn, &opts.source, |info, mut all| {
        if let Some(check) = files.as_deref_mut() {
            check.mark(&mut all)?;
        }
        let present = !all.is_empty();
        let kept_pairs: Vec<Pair> = all.into_iter().filter(|p| opts.keeps(p)).collect();
        let kept: Vec<&Pair> = kept_pairs.iter().collect();
        let mut control_findings = Findings::default();
        for p in &kept {
            if !services.contains_key(&*p.service) {
                let line = ServiceLine {
                    name: p.service.to_string(),
                    offering: p.offering.to_string(),
                    category: p.category.to_string(),
                    team: p.service_team.as_deref().unwrap_or_default().to_string(),
                };
                services.insert(p.service.to_string(), line);
            }
            for e in &p.evidence {
                let entry = evidence.entry(e.id).or_insert_with(|| {
                    (
                        EvidenceLine {
                            id: e.id,
                            title: e.title.clone(),
                            sha256: e.sha256.clone().unwrap_or_default(),
                            collected: e.collected.clone(),
                            expires: e.valid_until.clone().unwrap_or_default(),
                            status: e.status.clone(),
                            reviewer: e.reviewer.clone().unwrap_or_default(),
                            controls: String::new(),
                            integrity: e.problem.map(|p| p.as_str().to_string()).unwrap_or_default(),
                        },
                        BTreeSet::new(),
                    )
                });
                entry.1.insert(info.key.clone());
            }
            pair_findings(p, &mut control_findings);
            if p.responsibility.customer_has_a_part() {
                let team = p.owner.as_deref().unwrap_or("(no owner)");
                if !teams.contains_key(team) {
                    let line = TeamLine {
                        team: team.to_string(),
                        pairs: 0,
                        evidenced: 0,
                        satisfied: 0,
                        failing: 0,
                    };
                    teams.insert(team.to_string(), line);
                }
                let line = teams.get_mut(team).expect("just inserted");
                line.pairs += 1;
                line.evidenced += u64::from(p.evidence.iter().any(|e| e.counting()));
                line.satisfied += u64::from(p.result == ResultValue::Satisfied);
                line.failing += u64::from(p.result.is_failing());
            }
        }
        findings.extend(control_findings.finish(&info.key));
        let line = control_line(info, &kept);
        let responsibility = line_responsibility(&kept);
        *by_responsibility.entry(responsibility).or_default() += 1;
        *by_result.entry(combine(kept.iter().map(|p| p.result))).or_default() += 1;
        if responsibility.customer_has_a_part() {
            shared_or_customer += 1;
            with_counting += u64::from(line.evidence_count > 0);
        }
        if kept.is_empty() && !present {
            findings.push(Finding {
                kind: "undetermined".into(),
                control: info.key.clone(),
                service: String::new(),
                detail: "no services in scope".into(),
            });
        }
        for category in Category::ALL {
            let seen: Vec<Responsibility> = kept
                .iter()
                .filter(|p| p.category == *category)
                .map(|p| p.responsibility)
                .collect();
            let r = if seen.is_empty() {
                book.find(&info.key, &info.family, *category)
                    .map_or(Responsibility::Undetermined, |r| r.responsibility)
            } else {
                rollup(seen)
            };
            per_category
                .entry(*category)
                .or_default()
                .push((format!("{} {}", info.key, info.title), r));
        }
        controls.push(line);
        drop(kept);
        fingerprint.add_all(kept_pairs)
    })?;

    // A frozen snapshot was checked against its stored fingerprint as it was read (pairs.rs).
    let fingerprint = fingerprint.finish()?;
    let services: BTreeMap<String, ServiceLine> = services.into_iter().collect();
    let teams: BTreeMap<String, TeamLine> = teams.into_iter().collect();
    let categories = Category::ALL
        .iter()
        .map(|c| {
            let entries = per_category.remove(c).unwrap_or_default();
            let pick = |r: Responsibility| {
                entries
                    .iter()
                    .filter(|(_, x)| *x == r)
                    .map(|(t, _)| t.clone())
                    .collect()
            };
            let text = opts.template.categories.get(c.as_str());
            CategoryColumn {
                category: c.to_string(),
                provider_summary: text.map(|t| t.provider.clone()).unwrap_or_default(),
                customer_summary: text.map(|t| t.customer.clone()).unwrap_or_default(),
                provider_controls: pick(Responsibility::Inherited),
                shared_controls: pick(Responsibility::Shared),
                customer_controls: pick(Responsibility::Customer),
                services: services
                    .values()
                    .filter(|s| s.category == c.as_str())
                    .map(|s| s.name.clone())
                    .collect(),
            }
        })
        .collect();

    let organisation = opts
        .organisation
        .clone()
        .unwrap_or_else(|| opts.template.organisation.clone());
    let evaluation_line = evaluation.as_ref().map(|e| EvaluationLine {
        id: e.id,
        name: e.name.clone(),
        assessor: e.assessor.clone(),
        opened_at: e.opened_at.clone(),
        closed_at: e.closed_at.clone(),
    });
    let context = serde_json::json!({
        "organisation": organisation,
        "catalog": { "key": catalog.key, "title": catalog.title },
        "evaluation": evaluation_line,
        "date": opts.date.to_string(),
        "fingerprint": fingerprint,
    });
    let (title, texts) = opts.template.render(&context)?;
    let scope_teams = match (&opts.team, &evaluation) {
        (Some(t), _) => vec![t.clone()],
        (None, Some(e)) => e.teams.clone(),
        (None, None) => Vec::new(),
    };
    let sources = report_sources(
        conn,
        &opts.source,
        &book,
        services.values().map(|s| s.offering.as_str()),
    )?;
    Ok(ReportData {
        title,
        organisation,
        generated_on: opts.date.to_string(),
        catalog_key: catalog.key,
        catalog_title: match &opts.source {
            Source::Via { via, .. } => format!("{} (seen through the crosswalk from {})", catalog.title, via.catalog()),
            _ => catalog.title,
        },
        scope_teams,
        scope_services: services.into_values().collect(),
        evaluation: evaluation_line,
        fingerprint,
        summary: Summary {
            by_responsibility: Responsibility::ALL
                .iter()
                .map(|r| (r.to_string(), by_responsibility.get(r).copied().unwrap_or(0)))
                .collect(),
            by_result: ResultValue::ALL
                .iter()
                .map(|r| (r.to_string(), by_result.get(r).copied().unwrap_or(0)))
                .collect(),
            shared_or_customer,
            with_counting_evidence: with_counting,
            evidence_failed: evidence.values().filter(|(e, _)| !e.integrity.is_empty()).count() as u64,
            teams: teams.into_values().collect(),
        },
        categories,
        controls,
        findings,
        evidence: evidence
            .into_values()
            .map(|(mut line, controls)| {
                line.controls = controls.into_iter().collect::<Vec<_>>().join(", ");
                line
            })
            .collect(),
        texts,
        sections: opts.template.sections.clone(),
        control_columns: opts.template.control_columns.clone(),
        sources,
    })
}

/// The sources a report's matrix rests on: those the rules of its catalogue cite (and, seen
/// through a crosswalk, those of the catalogue it is seen from) and those the offerings of the
/// services in scope cite, each once, ordered by citation so the report stays deterministic.
fn report_sources<'a>(
    conn: &Connection,
    source: &Source,
    book: &RuleBook,
    offerings_in_scope: impl Iterator<Item = &'a str>,
) -> Result<Vec<SourceLine>> {
    let known = Sources::load(conn)?;
    let mut texts: Vec<String> = book.rules().iter().map(|r| r.source.clone()).collect();
    let mut via = source;
    while let Source::Via { via: inner, .. } = via {
        let (id, _) = catalogs::get(conn, inner.catalog())?;
        texts.extend(catalogs::rules(conn, id)?.into_iter().map(|r| r.source));
        via = inner;
    }
    let names: BTreeSet<&str> = offerings_in_scope.collect();
    texts.extend(
        offerings::list(conn, None, None)?
            .into_iter()
            .filter(|o| names.contains(o.name.as_str()))
            .map(|o| o.source),
    );
    let mut lines: BTreeMap<String, SourceLine> = BTreeMap::new();
    for text in &texts {
        for cited in known.cite(text) {
            let line = match cited {
                Cited::Source(s) => SourceLine {
                    id: s.id.clone(),
                    citation: s.reference(),
                    url: s.url.clone(),
                },
                Cited::Text { text } => SourceLine {
                    id: String::new(),
                    citation: text.to_string(),
                    url: String::new(),
                },
            };
            lines
                .entry(format!("{}\u{0}{}", line.citation.to_lowercase(), line.url))
                .or_insert(line);
        }
    }
    Ok(lines.into_values().collect())
}

/// The organisation-wide responsibility of a control over the pairs shown.
pub fn line_responsibility(pairs: &[&Pair]) -> Responsibility {
    rollup(pairs.iter().map(|p| p.responsibility))
}

/// One control's line in the table.
pub fn control_line(info: &ControlInfo, pairs: &[&Pair]) -> ControlLine {
    let owners: BTreeSet<&str> = pairs
        .iter()
        .filter(|p| p.responsibility.customer_has_a_part())
        .filter_map(|p| p.owner.as_deref())
        .collect();
    let counting: BTreeMap<i64, &str> = pairs
        .iter()
        .flat_map(|p| p.evidence.iter())
        .filter(|e| e.counting())
        .map(|e| (e.id, e.collected.as_str()))
        .collect();
    ControlLine {
        key: info.key.clone(),
        title: info.title.clone(),
        family: info.family.clone(),
        responsibility: line_responsibility(pairs).to_string(),
        owner: owners.into_iter().collect::<Vec<_>>().join(", "),
        result: combine(pairs.iter().map(|p| p.result)).to_string(),
        evidence_count: counting.len() as u64,
        freshest: counting.values().max().map(|d| d.to_string()).unwrap_or_default(),
        status: distinct(pairs.iter().map(|p| p.status.as_str()), ", "),
        note: distinct(pairs.iter().map(|p| p.note.as_str()), " | "),
        evidence_sha256: distinct(
            pairs
                .iter()
                .flat_map(|p| p.evidence.iter())
                .filter_map(|e| e.sha256.as_deref()),
            " ",
        ),
        via: distinct(pairs.iter().flat_map(|p| super::csv::via(p)), "; "),
    }
}

/// The distinct non-empty `values`, sorted and joined by `sep`, as the CSV writes them.
fn distinct<'a>(values: impl Iterator<Item = &'a str>, sep: &str) -> String {
    let set: BTreeSet<&str> = values.filter(|s| !s.is_empty()).collect();
    set.into_iter().collect::<Vec<_>>().join(sep)
}

/// Services shown by name in a grouped finding before "and N more".
const NAMED_SERVICES: usize = 8;

/// One control's findings, one per (kind, detail), naming the services each concerns, so a large
/// estate gives a reviewer a list per control rather than one line per service. Pairs are counted
/// in as they come; only the first few service names of a group are kept.
#[derive(Default)]
struct Findings {
    groups: Vec<FindingGroup>,
}

struct FindingGroup {
    kind: &'static str,
    detail: String,
    services: Vec<String>,
    count: usize,
}

impl Findings {
    fn add(&mut self, kind: &'static str, detail: Cow<'_, str>, service: &str) {
        let group = match self
            .groups
            .iter_mut()
            // Kinds are literals: compare where they live before comparing text.
            .position(|g| (std::ptr::eq(g.kind, kind) || g.kind == kind) && g.detail == detail)
        {
            Some(i) => &mut self.groups[i],
            None => {
                self.groups.push(FindingGroup {
                    kind,
                    detail: detail.into_owned(),
                    services: Vec::new(),
                    count: 0,
                });
                self.groups.last_mut().expect("just pushed")
            }
        };
        group.count += 1;
        if group.services.len() < NAMED_SERVICES {
            group.services.push(service.to_string());
        }
    }

    fn finish(self, control: &str) -> impl Iterator<Item = Finding> {
        self.groups.into_iter().map(move |g| {
            let shown = g.services.join(", ");
            Finding {
                kind: g.kind.to_string(),
                control: control.to_string(),
                service: match g.count {
                    n if n > NAMED_SERVICES => format!("{shown} and {} more", n - NAMED_SERVICES),
                    _ => shown,
                },
                detail: g.detail,
            }
        })
    }
}

/// What a reviewer should see about one pair.
fn pair_findings(p: &Pair, out: &mut Findings) {
    let service = &*p.service;
    if p.result.is_failing() {
        let note = if p.note.is_empty() {
            String::new()
        } else {
            format!(": {}", p.note)
        };
        out.add(
            p.result.as_str(),
            format!("assessed {}{note}", p.result).into(),
            service,
        );
    }
    match p.responsibility {
        Responsibility::Undetermined => out.add("undetermined", (&*p.rationale).into(), service),
        r if r.customer_has_a_part() => {
            if p.owner.is_none() {
                let detail = match r {
                    Responsibility::Shared => "shared control with no owning team",
                    _ => "customer control with no owning team",
                };
                out.add("no-owner", detail.into(), service);
            }
            if !p.evidence.iter().any(|e| e.counting()) {
                // Evidence that would count but for its stored file: the reviewer must know why.
                let failed: Vec<String> = p
                    .evidence
                    .iter()
                    .filter_map(|e| {
                        e.problem
                            .filter(|_| e.counts)
                            .map(|f| format!("{} ({})", e.id, f.as_str()))
                    })
                    .collect();
                let expired: Vec<String> = p
                    .evidence
                    .iter()
                    .filter(|e| e.expired)
                    .map(|e| e.id.to_string())
                    .collect();
                if !failed.is_empty() {
                    let detail = format!(
                        "evidence {} failed the integrity check of its stored file; not counted",
                        failed.join(", ")
                    );
                    out.add("failed-integrity", detail.into(), service);
                } else if expired.is_empty() {
                    let detail = match r {
                        Responsibility::Shared => "shared control with no accepted, unexpired evidence",
                        _ => "customer control with no accepted, unexpired evidence",
                    };
                    out.add("no-evidence", detail.into(), service);
                } else {
                    out.add(
                        "expired-evidence",
                        format!("evidence {} expired", expired.join(", ")).into(),
                        service,
                    );
                }
            }
        }
        _ => {}
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
