//! Builds [`ReportData`] from the pairs of a source (live or frozen): one pass, control by control.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, channel, sync_channel};
use std::thread::JoinHandle;

use rustc_hash::{FxHashMap, FxHashSet};

use super::data::{
    CategoryColumn, CheckLine, EvaluationLine, EvidenceLine, FAILING_SHOWN, FailingCheck, Finding, PoamLine,
    ReportData, ServiceLine, SourceLine, Summary, TeamLine,
};
use super::findings::{Findings, check_findings, pair_findings};
use super::template::Template;
use crate::db::evaluations::Evaluation;
use crate::db::sources::{Cited, Sources};
use crate::db::{Connection, catalogs, offerings};
use crate::error::Result;
use crate::estate::checks::Checks;
use crate::estate::control::{ControlInfo, ControlLine, control_line, line_responsibility};
use crate::estate::fingerprint::Fingerprint;
use crate::estate::pairs::{self, Source};
use crate::evidence::FileCheck;
use crate::model::derive::{RuleBook, rollup};
use crate::model::evaluation::{EvidenceList, Pair, ResultValue, combine};
use crate::model::evidence::Day;
use crate::model::poam::ItemStatus;
use crate::model::{Category, Responsibility};
use crate::support::address;

/// Scanners' open observations: control key -> service name (empty: on no service) -> list.
type OpenChecks = FxHashMap<String, FxHashMap<String, Vec<crate::db::scans::Open>>>;

/// Controls' pairs on their way to the fingerprint's line writer at most: the writer runs a
/// control or two behind the roll-up, and the pairs waiting bound the memory it may hold.
const CONTROLS_IN_FLIGHT: usize = 2;

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

/// Builds the report data in one pass over the source; with `files`, evidence whose stored file
/// fails that check is marked, does not count, and is listed as failed.
pub fn build_checked(conn: &Connection, opts: &Options<'_>, mut files: Option<&mut FileCheck>) -> Result<ReportData> {
    let mut assembly = Assembly::start(conn, opts)?;
    pairs::for_each_control_owned(conn, &opts.source, |info, mut all| {
        if let Some(check) = files.as_deref_mut() {
            check.mark(&mut all)?;
        }
        assembly.add(info, all)
    })?;
    let mut data = assembly.finish(conn)?;
    data.summary.evidence_check = files.map_or("", |f| f.depth_name()).to_string();
    Ok(data)
}

/// Report data being built, control by control, from pairs handed in (by [`build_checked`], or by
/// a caller that renders other things from the same pass).
pub struct Assembly<'o> {
    opts: &'o Options<'o>,
    catalog: crate::model::Catalog,
    evaluation: Option<Evaluation>,
    book: RuleBook,
    /// The thread that writes the fingerprint's lines of the pairs rolled up, then drops them.
    lines: Lines,
    controls: Vec<ControlLine>,
    findings: Vec<Finding>,
    // Hashed while pairs stream in (millions of lookups), sorted once at the end.
    services: FxHashMap<String, ServiceLine>,
    /// Services already listed, by where their shared name lives (held, so the address stays
    /// theirs): most pairs are told apart from new services without reading their names.
    listed: FxHashMap<usize, Arc<str>>,
    /// Evidence lines and the keys of the controls showing each (in the order they came, once
    /// each: a control is rolled up once; sorted when the report is finished).
    evidence: BTreeMap<i64, (EvidenceLine, Vec<String>)>,
    /// The evidence of the control being added, each piece once however many pairs show it.
    seen: FxHashSet<i64>,
    teams: FxHashMap<String, TeamLine>,
    by_responsibility: BTreeMap<Responsibility, u64>,
    by_result: BTreeMap<ResultValue, u64>,
    shared_or_customer: u64,
    with_counting: u64,
    /// Per category: control title -> responsibilities seen on services of that category.
    per_category: BTreeMap<Category, Vec<(String, Responsibility)>>,
    /// Scanners' current failed and manual observations, by control key, then service name
    /// (empty for observations on no service).
    open_checks: OpenChecks,
    /// Scanners' observations that count for the report (frozen ones for a closed evaluation).
    checks: Checks,
    check_lines: Vec<CheckLine>,
}

impl<'o> Assembly<'o> {
    /// Starts the report of `opts`: its catalogue and rules are read here, once.
    pub fn start(conn: &Connection, opts: &'o Options<'o>) -> Result<Assembly<'o>> {
        let (catalog_key, evaluation) = (opts.source.catalog().to_string(), opts.source.evaluation().cloned());
        let (catalog_id, catalog) = catalogs::get(conn, &catalog_key)?;
        let book = RuleBook::new(catalogs::rules(conn, catalog_id)?);
        let mut open_checks = OpenChecks::default();
        if let Source::Live { today, .. } = &opts.source {
            for list in crate::db::scans::current_open(conn, catalog_id, *today)?.into_values() {
                for o in list {
                    // Observations on no service count organisation-wide, in a report of the
                    // whole organisation (not one narrowed to a team).
                    match o.service.clone() {
                        Some(service) => open_checks
                            .entry(o.control.clone())
                            .or_default()
                            .entry(service)
                            .or_default()
                            .push(o),
                        None if opts.team.is_none() => open_checks
                            .entry(o.control.clone())
                            .or_default()
                            .entry(String::new())
                            .or_default()
                            .push(o),
                        None => {}
                    }
                }
            }
        }
        let checks = Checks::load(conn, &opts.source)?;
        if let Source::Frozen(_) = &opts.source {
            // A closed evaluation's failed and manual checks are those it froze.
            for o in checks
                .all()
                .filter(|o| matches!(o.status.as_str(), "failed" | "manual"))
            {
                if o.service.is_some() || opts.team.is_none() {
                    let service = o.service.clone();
                    open_checks
                        .entry(o.control.clone())
                        .or_default()
                        .entry(service.clone().unwrap_or_default())
                        .or_default()
                        .push(crate::db::scans::Open {
                            control_id: 0,
                            control: o.control.clone(),
                            service_id: None,
                            service,
                            check: o.check.clone(),
                            resource: o.resource.clone(),
                            scan: o.scan,
                            evidence: o.evidence,
                            status: o.status.clone(),
                        });
                }
            }
            for list in open_checks.values_mut().flat_map(|m| m.values_mut()) {
                list.sort_by(|a, b| (&a.status, &a.check, &a.resource).cmp(&(&b.status, &b.check, &b.resource)));
            }
        }
        Ok(Assembly {
            opts,
            catalog,
            evaluation,
            book,
            lines: Lines::start(),
            controls: Vec::new(),
            findings: Vec::new(),
            services: FxHashMap::default(),
            listed: FxHashMap::default(),
            evidence: BTreeMap::new(),
            seen: FxHashSet::default(),
            teams: FxHashMap::default(),
            by_responsibility: BTreeMap::new(),
            by_result: BTreeMap::new(),
            shared_or_customer: 0,
            with_counting: 0,
            per_category: BTreeMap::new(),
            open_checks,
            checks,
            check_lines: Vec::new(),
        })
    }

    /// Adds one control's pairs, in catalogue order.
    pub fn add(&mut self, info: &ControlInfo, all: Vec<Pair>) -> Result<()> {
        let present = !all.is_empty();
        let kept: Vec<Pair> = match &self.opts.team {
            None => all,
            Some(_) => all.into_iter().filter(|p| self.opts.keeps(p)).collect(),
        };
        self.roll_up(info, present, &kept.iter().collect::<Vec<_>>());
        // Their fingerprint's lines are written on another thread, while this one goes on with
        // the next control.
        self.lines.write(kept)
    }

    /// Rolls one control's kept pairs up into the report's lines, findings and counts.
    fn roll_up(&mut self, info: &ControlInfo, present: bool, kept: &[&Pair]) {
        let mut control_findings = Findings::default();
        // This control's open observations, looked up once.
        let open = self.open_checks.get(&info.key);
        self.seen.clear();
        // The evidence list of the pair before: pairs showing only the organisation-wide evidence
        // share one list, looked at once.
        let mut last_list: Option<&EvidenceList> = None;
        let mut tallies = TeamTallies::default();
        for p in kept {
            let shared = Arc::strong_count(&p.service) > 1;
            let at = address::of(&p.service);
            if !(shared && self.listed.contains_key(&at)) {
                if !self.services.contains_key(&*p.service) {
                    let line = ServiceLine {
                        name: p.service.to_string(),
                        offering: p.offering.to_string(),
                        category: p.category.to_string(),
                        team: p.service_team.as_deref().unwrap_or_default().to_string(),
                    };
                    self.services.insert(p.service.to_string(), line);
                }
                if shared {
                    self.listed.insert(at, Arc::clone(&p.service));
                }
            }
            let same_list = last_list.is_some_and(|l| Arc::ptr_eq(l, &p.evidence));
            last_list = Some(&p.evidence);
            for e in p.evidence.iter().filter(|_| !same_list) {
                // Every pair of a control may show the same organisation-wide evidence: its line
                // is made (from the first pair that shows it) and the control noted once.
                if !self.seen.insert(e.id) {
                    continue;
                }
                let entry = self.evidence.entry(e.id).or_insert_with(|| {
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
                        Vec::new(),
                    )
                });
                entry.1.push(info.key.clone());
            }
            pair_findings(p, &mut control_findings);
            if let Some(list) = open.and_then(|o| o.get(&*p.service)) {
                check_findings(p.responsibility, &p.service, list, &mut control_findings);
            }
            if p.responsibility.customer_has_a_part() {
                let team = p.owner.as_deref().unwrap_or("(no owner)");
                let counts = [
                    1,
                    u64::from(p.evidence.iter().any(|e| e.counting())),
                    u64::from(p.result == ResultValue::Satisfied),
                    u64::from(p.result.is_failing()),
                ];
                if !tallies.add(team, counts) {
                    add_to_team(&mut self.teams, team, counts);
                }
            }
        }
        for (team, counts) in tallies.teams {
            add_to_team(&mut self.teams, team, counts);
        }
        if let Some(list) = open.and_then(|o| o.get("")) {
            check_findings(line_responsibility(kept), "", list, &mut control_findings);
        }
        self.findings.extend(control_findings.finish(&info.key));
        let line = control_line(info, kept);
        let responsibility = line_responsibility(kept);
        *self.by_responsibility.entry(responsibility).or_default() += 1;
        *self
            .by_result
            .entry(combine(kept.iter().map(|p| p.result)))
            .or_default() += 1;
        if responsibility.customer_has_a_part() {
            self.shared_or_customer += 1;
            self.with_counting += u64::from(line.evidence_count > 0);
        }
        if kept.is_empty() && !present {
            self.findings.push(Finding {
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
                self.book
                    .find(&info.key, &info.family, *category)
                    .map_or(Responsibility::Undetermined, |r| r.responsibility)
            } else {
                rollup(seen)
            };
            self.per_category
                .entry(*category)
                .or_default()
                .push((format!("{} {}", info.key, info.title), r));
        }
        self.controls.push(line);
        if !self.checks.is_empty() {
            let shown: BTreeSet<&str> = kept.iter().map(|p| &*p.service).collect();
            self.add_checks(info, &shown);
        }
    }

    /// The automated-checks line of one control, when any observation of it counts on the
    /// services shown (or organisation-wide, in a report not narrowed to one team).
    fn add_checks(&mut self, info: &ControlInfo, shown: &BTreeSet<&str>) {
        let mut line = CheckLine {
            control: info.key.clone(),
            title: info.title.clone(),
            ..CheckLine::default()
        };
        let mut any = false;
        for o in self.checks.of(&info.key, shown, self.opts.team.is_none()) {
            any = true;
            match o.status.as_str() {
                "passed" => line.passed += 1,
                "failed" => {
                    line.failed += 1;
                    if line.failing.len() < FAILING_SHOWN {
                        line.failing.push(FailingCheck {
                            check: o.check.clone(),
                            resource: o.resource.clone(),
                            service: o.service.clone().unwrap_or_default(),
                            scan: o.scan,
                        });
                    } else {
                        line.failing_more += 1;
                    }
                }
                "manual" => line.manual += 1,
                _ => line.other += 1,
            }
        }
        if any {
            self.check_lines.push(line);
        }
    }

    /// The report data, once every control was added.
    pub fn finish(self, conn: &Connection) -> Result<ReportData> {
        let Assembly {
            opts,
            catalog,
            evaluation,
            book,
            lines,
            controls,
            findings,
            services,
            listed: _,
            evidence,
            seen: _,
            teams,
            by_responsibility,
            by_result,
            shared_or_customer,
            with_counting,
            mut per_category,
            open_checks: _,
            checks: _,
            check_lines,
        } = self;
        // A frozen snapshot was checked against its stored fingerprint as it was read (pairs.rs).
        let fingerprint = lines.finish()?;
        release_freed_memory();
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
        let poam = poam_lines(conn, opts, evaluation.as_ref(), &catalog.key)?;
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
                Source::Via { via, .. } => {
                    format!("{} (seen through the crosswalk from {})", catalog.title, via.catalog())
                }
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
                evidence_check: String::new(),
                teams: teams.into_values().collect(),
            },
            categories,
            controls,
            findings,
            checks: check_lines,
            evidence: evidence
                .into_values()
                .map(|(mut line, mut controls)| {
                    controls.sort_unstable();
                    controls.dedup();
                    line.controls = controls.join(", ");
                    line
                })
                .collect(),
            texts,
            sections: opts.template.sections.clone(),
            control_columns: opts.template.control_columns.clone(),
            sources,
            poam,
        })
    }
}

/// A control's per-team counts (pairs, evidenced, satisfied, failing) for the few teams that own
/// most of its pairs, told apart by where the team's shared name lives (no hashing per pair), and
/// added to the report's by name once the control is done.
#[derive(Default)]
struct TeamTallies<'p> {
    teams: Vec<(&'p str, [u64; 4])>,
}

/// Teams a [`TeamTallies`] keeps apart; the counts of others go to the report's directly.
const TALLIED_TEAMS: usize = 16;

impl<'p> TeamTallies<'p> {
    /// Counts `counts` for `team`; false when this tally is full and `team` not in it.
    fn add(&mut self, team: &'p str, counts: [u64; 4]) -> bool {
        let at = self.teams.iter().position(|(t, _)| std::ptr::eq(*t, team));
        let at = match at {
            Some(at) => at,
            None if self.teams.len() < TALLIED_TEAMS => {
                self.teams.push((team, [0; 4]));
                self.teams.len() - 1
            }
            None => return false,
        };
        for (total, n) in self.teams[at].1.iter_mut().zip(counts) {
            *total += n;
        }
        true
    }
}

/// Adds one control's counts for `team` to the report's team lines.
fn add_to_team(teams: &mut FxHashMap<String, TeamLine>, team: &str, [pairs, evidenced, satisfied, failing]: [u64; 4]) {
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
    line.pairs += pairs;
    line.evidenced += evidenced;
    line.satisfied += satisfied;
    line.failing += failing;
}

/// The fingerprint's line writer, on a thread of its own: it takes each control's pairs once they
/// are rolled up and writes their lines (which its [`Fingerprint`] hashes on a third thread),
/// while the roll-up and the derivation of the next control go on. It hands the pairs back to be
/// dropped here: their shared texts' reference counts are then only ever changed by this thread,
/// instead of bouncing between two cores.
struct Lines {
    to_writer: Option<SyncSender<Vec<Pair>>>,
    written: Receiver<Vec<Pair>>,
    writer: Option<JoinHandle<Result<Fingerprint>>>,
}

impl Lines {
    fn start() -> Lines {
        let (to_writer, pairs) = sync_channel::<Vec<Pair>>(CONTROLS_IN_FLIGHT);
        let (give_back, written) = channel::<Vec<Pair>>();
        let writer = std::thread::spawn(move || {
            let mut fingerprint = Fingerprint::default();
            for control in pairs {
                control.iter().try_for_each(|p| fingerprint.add(p))?;
                // Dropped here only if this side already stopped.
                let _ = give_back.send(control);
            }
            Ok(fingerprint)
        });
        Lines {
            to_writer: Some(to_writer),
            written,
            writer: Some(writer),
        }
    }

    /// Hands one control's pairs over, in order, and drops those written already.
    fn write(&mut self, pairs: Vec<Pair>) -> Result<()> {
        while let Ok(done) = self.written.try_recv() {
            drop(done);
        }
        let sent = self.to_writer.as_ref().is_some_and(|tx| tx.send(pairs).is_ok());
        if sent {
            return Ok(());
        }
        // The writer stopped early: its error says why.
        self.to_writer = None;
        match self.writer.take().map(JoinHandle::join) {
            Some(Ok(Err(e))) => Err(e),
            _ => Err(std::io::Error::other("the fingerprint's line writer failed").into()),
        }
    }

    /// The fingerprint of every pair written.
    fn finish(mut self) -> Result<String> {
        // Closing the channel ends the writer's loop, and then the pairs it hands back.
        self.to_writer = None;
        for done in self.written.iter() {
            drop(done);
        }
        match self.writer.take().map(JoinHandle::join) {
            Some(Ok(fingerprint)) => fingerprint?.finish(),
            _ => Err(std::io::Error::other("the fingerprint's line writer failed").into()),
        }
    }
}

/// Gives the memory freed so far back to the system. glibc keeps freed pages, per thread's arena:
/// by now the pairs and the fingerprint's caches (built on the line-writing thread) are freed,
/// and the renderer, on this thread, could not reuse what other threads' arenas hold, so without
/// this they would add to the report's peak memory.
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only hands free pages back to the system; no allocation is touched.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Services a POA&M line names before "and N more" (as a finding does).
const NAMED_SERVICES: usize = 8;

/// The POA&M items a report shows: those of its evaluation (else of its catalogue) owned by its
/// team, if any, and not completed, as they stand on the report's date; overdue first, then by
/// due date and number.
fn poam_lines(
    conn: &Connection,
    opts: &Options<'_>,
    evaluation: Option<&Evaluation>,
    catalog: &str,
) -> Result<Vec<PoamLine>> {
    let filter = crate::estate::poam::Filter {
        catalog: Some(catalog),
        evaluation: evaluation.map(|e| e.id),
        team: opts.team.as_deref(),
    };
    let mut items: Vec<_> = crate::estate::poam::items(conn, &filter, opts.date)?
        .into_iter()
        .filter(|s| s.state.status != ItemStatus::Completed)
        .collect();
    items.sort_by_key(|s| (!s.state.overdue, s.item.due, s.item.id));
    Ok(items
        .into_iter()
        .map(|s| {
            let i = s.item;
            let plan = match (s.state.status, i.accepted_until, &i.accepted_why) {
                (ItemStatus::RiskAccepted, Some(until), Some(why)) => format!("risk accepted until {until}: {why}"),
                _ => i
                    .milestones
                    .last()
                    .map_or_else(String::new, |m| format!("{} {}", m.date, m.text)),
            };
            PoamLine {
                id: i.id,
                control: i.control,
                kind: i.kind.to_string(),
                services: match i.services.len() {
                    n if n > NAMED_SERVICES => format!(
                        "{} and {} more",
                        i.services[..NAMED_SERVICES].join(", "),
                        n - NAMED_SERVICES
                    ),
                    _ => i.services.join(", "),
                },
                owner: i.owner.unwrap_or_default(),
                detected: i.detected.to_string(),
                due: i.due.to_string(),
                status: s.state.status.to_string(),
                overdue: s.state.overdue,
                plan,
            }
        })
        .collect())
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
