//! Builds [`ReportData`] from the pairs of a source (live or frozen): one pass, control by control.

use std::collections::{BTreeMap, BTreeSet};

use sha2::{Digest, Sha256};

use super::data::{
    CategoryColumn, ControlLine, EvaluationLine, EvidenceLine, Finding, ReportData, ServiceLine, Summary, TeamLine,
};
use super::pairs::{self, ControlInfo, Source};
use super::template::Template;
use crate::db::{Connection, catalogs};
use crate::error::Result;
use crate::model::derive::{RuleBook, rollup};
use crate::model::evaluation::{Pair, ResultValue, combine};
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

/// Hashes pairs the same way at close and at report time: one canonical JSON line each.
#[derive(Default)]
pub struct Fingerprint(Sha256);

impl Fingerprint {
    /// Adds a pair.
    pub fn add(&mut self, pair: &Pair) -> Result<()> {
        let line = serde_json::to_string(pair).map_err(std::io::Error::from)?;
        self.0.update(line.as_bytes());
        self.0.update(b"\n");
        Ok(())
    }

    /// The hex digest.
    pub fn finish(self) -> String {
        crate::hex::encode(&self.0.finalize())
    }
}

/// Builds the report data in one pass over the source.
pub fn build(conn: &Connection, opts: &Options<'_>) -> Result<ReportData> {
    let (catalog_key, evaluation) = (opts.source.catalog().to_string(), opts.source.evaluation().cloned());
    let (catalog_id, catalog) = catalogs::get(conn, &catalog_key)?;
    let book = RuleBook::new(catalogs::rules(conn, catalog_id)?);

    let mut fingerprint = Fingerprint::default();
    let mut controls = Vec::new();
    let mut findings = Vec::new();
    let mut services: BTreeMap<String, ServiceLine> = BTreeMap::new();
    let mut evidence: BTreeMap<i64, (EvidenceLine, BTreeSet<String>)> = BTreeMap::new();
    let mut teams: BTreeMap<String, TeamLine> = BTreeMap::new();
    let mut by_responsibility: BTreeMap<Responsibility, u64> = BTreeMap::new();
    let mut by_result: BTreeMap<ResultValue, u64> = BTreeMap::new();
    let (mut shared_or_customer, mut with_counting) = (0u64, 0u64);
    // Per category: control title -> responsibilities seen on services of that category.
    let mut per_category: BTreeMap<Category, Vec<(String, Responsibility)>> = BTreeMap::new();

    pairs::for_each_control(conn, &opts.source, |info, all| {
        let kept: Vec<&Pair> = all.iter().filter(|p| opts.keeps(p)).collect();
        let mut control_findings = Vec::new();
        for p in &kept {
            fingerprint.add(p)?;
            services.entry(p.service.clone()).or_insert_with(|| ServiceLine {
                name: p.service.clone(),
                offering: p.offering.clone(),
                category: p.category.to_string(),
                team: p.service_team.clone().unwrap_or_default(),
            });
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
                        },
                        BTreeSet::new(),
                    )
                });
                entry.1.insert(info.key.clone());
            }
            pair_findings(info, p, &mut control_findings);
            if p.responsibility.customer_has_a_part() {
                let team = p.owner.clone().unwrap_or_else(|| "(no owner)".to_string());
                let line = teams.entry(team.clone()).or_insert_with(|| TeamLine {
                    team,
                    pairs: 0,
                    evidenced: 0,
                    satisfied: 0,
                    failing: 0,
                });
                line.pairs += 1;
                line.evidenced += u64::from(p.evidence.iter().any(|e| e.counts));
                line.satisfied += u64::from(p.result == ResultValue::Satisfied);
                line.failing += u64::from(p.result.is_failing());
            }
        }
        findings.extend(group_findings(control_findings));
        let line = control_line(info, &kept);
        let responsibility = line_responsibility(&kept);
        *by_responsibility.entry(responsibility).or_default() += 1;
        *by_result.entry(combine(kept.iter().map(|p| p.result))).or_default() += 1;
        if responsibility.customer_has_a_part() {
            shared_or_customer += 1;
            with_counting += u64::from(line.evidence_count > 0);
        }
        if kept.is_empty() && all.is_empty() {
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
        Ok(())
    })?;

    let fingerprint = fingerprint.finish();
    if let (Source::Frozen(e), None) = (&opts.source, &opts.team)
        && e.fingerprint.as_deref() != Some(fingerprint.as_str())
    {
        return Err(crate::Error::Integrity(format!(
            "evaluation {}: its frozen snapshot no longer matches the fingerprint taken when it closed",
            e.id
        )));
    }
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
    })
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
        .filter(|e| e.counts)
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
    }
}

/// Services shown by name in a grouped finding before "and N more".
const NAMED_SERVICES: usize = 8;

/// One finding per (kind, detail) of a control, naming the services it concerns, so a large
/// estate gives a reviewer a list per control rather than one line per service.
fn group_findings(found: Vec<Finding>) -> Vec<Finding> {
    let mut groups: Vec<(Finding, Vec<String>)> = Vec::new();
    for f in found {
        match groups
            .iter_mut()
            .find(|(g, _)| g.kind == f.kind && g.detail == f.detail)
        {
            Some((_, services)) => services.push(f.service),
            None => {
                let service = f.service.clone();
                groups.push((f, vec![service]));
            }
        }
    }
    groups
        .into_iter()
        .map(|(mut f, services)| {
            let shown: Vec<&str> = services.iter().take(NAMED_SERVICES).map(String::as_str).collect();
            f.service = match services.len() {
                n if n > NAMED_SERVICES => format!("{} and {} more", shown.join(", "), n - NAMED_SERVICES),
                _ => shown.join(", "),
            };
            f
        })
        .collect()
}

/// What a reviewer should see about one pair.
fn pair_findings(info: &ControlInfo, p: &Pair, out: &mut Vec<Finding>) {
    let finding = |kind: &str, detail: String| Finding {
        kind: kind.to_string(),
        control: info.key.clone(),
        service: p.service.clone(),
        detail,
    };
    if p.result.is_failing() {
        let note = if p.note.is_empty() {
            String::new()
        } else {
            format!(": {}", p.note)
        };
        out.push(finding(p.result.as_str(), format!("assessed {}{note}", p.result)));
    }
    match p.responsibility {
        Responsibility::Undetermined => out.push(finding("undetermined", p.rationale.clone())),
        r if r.customer_has_a_part() => {
            if p.owner.is_none() {
                out.push(finding("no-owner", format!("{r} control with no owning team")));
            }
            if !p.evidence.iter().any(|e| e.counts) {
                let expired: Vec<String> = p
                    .evidence
                    .iter()
                    .filter(|e| e.expired)
                    .map(|e| e.id.to_string())
                    .collect();
                if expired.is_empty() {
                    out.push(finding(
                        "no-evidence",
                        format!("{r} control with no accepted, unexpired evidence"),
                    ));
                } else {
                    out.push(finding(
                        "expired-evidence",
                        format!("evidence {} expired", expired.join(", ")),
                    ));
                }
            }
        }
        _ => {}
    }
}
