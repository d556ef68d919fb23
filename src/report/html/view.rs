//! What the page template is given: the report data as it is, and the rows drawn from it with
//! their anchors, links and filter data worked out, so the template only lays them out.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Links;
use super::facets::Collected;
use super::href::{Anchors, member_href, safe_href};
use crate::model::Responsibility;
use crate::model::evaluation::ResultValue;
use crate::report::data::{EvidenceLine, ReportData, capitalise, percent};

/// The template's context.
#[derive(Debug, Serialize)]
pub(super) struct View<'a> {
    /// The report data, as every format has it.
    pub(super) report: &'a ReportData,
    /// The Content-Security-Policy of the page.
    pub(super) csp: String,
    /// The page's one script; its hash is in `csp`.
    pub(super) script: &'static str,
    /// Whether the page sits in a package beside its evidence files.
    pub(super) in_package: bool,
    /// Key figures of the summary.
    pub(super) tiles: Vec<Tile>,
    /// Controls by responsibility, as chart bars.
    pub(super) by_responsibility: Vec<Bar>,
    /// Controls by result, as chart bars.
    pub(super) by_result: Vec<Bar>,
    /// Shared and customer controls with counting evidence.
    pub(super) coverage: Bar,
    /// The per-team table.
    pub(super) teams: Vec<TeamRow>,
    /// The control table.
    pub(super) controls: Vec<ControlRow>,
    /// The findings, linked to their controls.
    pub(super) findings: Vec<FindingRow>,
    /// The plan of action's unfinished items, linked to their controls.
    pub(super) poam: Vec<PoamRow>,
    /// Automated checks per control, linked to their controls (empty when no scan counts).
    pub(super) checks: Vec<CheckRow>,
    /// How many of them are past their due date.
    pub(super) poam_overdue: usize,
    /// The evidence index.
    pub(super) evidence: Vec<EvidenceRow>,
    /// The sources, with safe links.
    pub(super) sources: Vec<SourceRow>,
    /// The filter's choices.
    pub(super) filters: Filters,
    /// How the stored evidence files were checked, as a sentence (empty when they were not).
    pub(super) checked: &'static str,
    /// The integrity warning, or empty.
    pub(super) integrity_warning: String,
}

/// A key figure.
#[derive(Debug, Serialize)]
pub(super) struct Tile {
    label: &'static str,
    value: String,
}

/// One bar of a chart: its share of the widest possible bar in per mille, for the SVG.
#[derive(Debug, Serialize)]
pub(super) struct Bar {
    label: String,
    value: String,
    count: u64,
    total: u64,
    percent: String,
    /// Width in thousandths of the track.
    width: u64,
    class: String,
}

/// A team's row.
#[derive(Debug, Serialize)]
pub(super) struct TeamRow {
    team: String,
    pairs: u64,
    evidenced: u64,
    evidenced_percent: String,
    satisfied: u64,
    failing: u64,
}

/// A control's row.
#[derive(Debug, Serialize)]
pub(super) struct ControlRow {
    anchor: String,
    key: String,
    title: String,
    family: String,
    responsibility: String,
    owner: String,
    result: String,
    evidence_count: u64,
    freshest: String,
    statement: String,
    note: String,
    via: String,
    status: String,
    /// Owning teams as indices into `filters.teams`.
    teams: String,
    /// Pairs as the filter reads them ([`super::facets::ControlFacets::pair_tokens`]).
    pairs: String,
    evidence: Vec<EvidenceLink>,
}

/// A control's link to one piece of its evidence.
#[derive(Debug, Serialize)]
pub(super) struct EvidenceLink {
    id: i64,
    anchor: String,
    title: String,
    counts: bool,
    /// In a package: the relative link to the file member under this control.
    file: Option<String>,
}

/// A finding's row.
#[derive(Debug, Serialize)]
pub(super) struct FindingRow {
    kind: String,
    control: String,
    anchor: Option<String>,
    service: String,
    detail: String,
}

/// A control's automated checks.
#[derive(Debug, Serialize)]
pub(super) struct CheckRow {
    anchor: Option<String>,
    line: crate::report::data::CheckLine,
}

/// An unfinished POA&M item.
#[derive(Debug, Serialize)]
pub(super) struct PoamRow {
    anchor: Option<String>,
    line: crate::report::data::PoamLine,
}

/// A row of the evidence index.
#[derive(Debug, Serialize)]
pub(super) struct EvidenceRow {
    anchor: String,
    line: EvidenceLine,
    kind: String,
    url: String,
    /// `url` when it is safe to link to.
    href: Option<String>,
    note: String,
    expired: bool,
    counts: bool,
    /// In a package: the members holding its file, with their links.
    files: Vec<Member>,
    controls: Vec<ControlRef>,
}

/// A member of the package.
#[derive(Debug, Serialize)]
pub(super) struct Member {
    path: String,
    href: String,
}

/// A link to a control's row.
#[derive(Debug, Serialize)]
pub(super) struct ControlRef {
    key: String,
    anchor: Option<String>,
}

/// A source with its address.
#[derive(Debug, Serialize)]
pub(super) struct SourceRow {
    id: String,
    citation: String,
    url: String,
    href: Option<String>,
}

/// The filter's choices: values with their index in the row data.
#[derive(Debug, Serialize)]
pub(super) struct Filters {
    responsibility: Vec<&'static str>,
    result: Vec<&'static str>,
    teams: Vec<String>,
    services: Vec<String>,
}

/// Builds the view of `data`.
pub(super) fn build<'a>(
    data: &'a ReportData,
    facets: &Collected,
    links: &Links,
    csp: String,
    script: &'static str,
) -> View<'a> {
    let s = &data.summary;
    let total: u64 = s.by_responsibility.iter().map(|(_, n)| n).sum();
    let result_total: u64 = s.by_result.iter().map(|(_, n)| n).sum();
    let tiles = vec![
        Tile {
            label: "Controls",
            value: total.to_string(),
        },
        Tile {
            label: "Shared or customer",
            value: s.shared_or_customer.to_string(),
        },
        Tile {
            label: "Evidence coverage",
            value: percent(s.with_counting_evidence, s.shared_or_customer),
        },
        Tile {
            label: "Findings",
            value: data.findings.len().to_string(),
        },
    ];
    let mut anchors = Anchors::default();
    for c in &data.controls {
        anchors.id("ctrl-", &c.key);
    }
    let evidence_by_id: BTreeMap<i64, &EvidenceLine> = data.evidence.iter().map(|e| (e.id, e)).collect();
    let mut controls_of: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    let controls = data
        .controls
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let empty = Default::default();
            let f = facets.controls.get(i).unwrap_or(&empty);
            let evidence = f
                .evidence()
                .map(|id| {
                    controls_of.entry(id).or_default().push(c.key.clone());
                    let line = evidence_by_id.get(&id);
                    EvidenceLink {
                        id,
                        anchor: format!("ev-{id}"),
                        title: line.map(|e| e.title.clone()).unwrap_or_default(),
                        counts: line.is_some_and(|e| counts(e, &data.generated_on)),
                        file: links.members.get(&(c.key.clone(), id)).map(|p| member_href(p)),
                    }
                })
                .collect();
            ControlRow {
                anchor: anchors.get("ctrl-", &c.key).unwrap_or_default().to_string(),
                key: c.key.clone(),
                title: c.title.clone(),
                family: c.family.clone(),
                responsibility: c.responsibility.clone(),
                owner: c.owner.clone(),
                result: c.result.clone(),
                evidence_count: c.evidence_count,
                freshest: c.freshest.clone(),
                statement: c.statement.clone(),
                note: c.note.clone(),
                via: c.via.clone(),
                status: c.status.clone(),
                teams: f.team_tokens(&facets.teams),
                pairs: f.pair_tokens(facets.services.len()),
                evidence,
            }
        })
        .collect();
    let mut files: BTreeMap<i64, Vec<Member>> = BTreeMap::new();
    for ((_, id), path) in &links.members {
        files.entry(*id).or_default().push(Member {
            path: path.clone(),
            href: member_href(path),
        });
    }
    let evidence = data
        .evidence
        .iter()
        .map(|e| {
            let detail = links.evidence.get(&e.id);
            let url = detail.map(|d| d.url.clone()).unwrap_or_default();
            EvidenceRow {
                anchor: format!("ev-{}", e.id),
                line: e.clone(),
                kind: detail.map(|d| d.kind.clone()).unwrap_or_default(),
                href: safe_href(&url),
                url,
                note: detail.map(|d| d.note.clone()).unwrap_or_default(),
                expired: !e.expires.is_empty() && e.expires < data.generated_on,
                counts: counts(e, &data.generated_on),
                files: files.remove(&e.id).unwrap_or_default(),
                controls: controls_of
                    .get(&e.id)
                    .into_iter()
                    .flatten()
                    .map(|key| ControlRef {
                        key: key.clone(),
                        anchor: anchors.get("ctrl-", key).map(str::to_string),
                    })
                    .collect(),
            }
        })
        .collect();
    View {
        report: data,
        csp,
        script,
        in_package: !links.members.is_empty(),
        tiles,
        by_responsibility: s
            .by_responsibility
            .iter()
            .map(|(label, n)| bar(label, *n, total, format!("r-{label}")))
            .collect(),
        by_result: s
            .by_result
            .iter()
            .map(|(label, n)| bar(label, *n, result_total, format!("x-{label}")))
            .collect(),
        coverage: bar(
            "shared + customer",
            s.with_counting_evidence,
            s.shared_or_customer,
            "good".into(),
        ),
        teams: s
            .teams
            .iter()
            .map(|t| TeamRow {
                team: t.team.clone(),
                pairs: t.pairs,
                evidenced: t.evidenced,
                evidenced_percent: percent(t.evidenced, t.pairs),
                satisfied: t.satisfied,
                failing: t.failing,
            })
            .collect(),
        controls,
        findings: data
            .findings
            .iter()
            .map(|f| FindingRow {
                kind: f.kind.clone(),
                control: f.control.clone(),
                anchor: anchors.get("ctrl-", &f.control).map(str::to_string),
                service: f.service.clone(),
                detail: f.detail.clone(),
            })
            .collect(),
        poam: data
            .poam
            .iter()
            .map(|p| PoamRow {
                anchor: anchors.get("ctrl-", &p.control).map(str::to_string),
                line: p.clone(),
            })
            .collect(),
        poam_overdue: data.poam.iter().filter(|p| p.overdue).count(),
        checks: data
            .checks
            .iter()
            .map(|c| CheckRow {
                anchor: anchors.get("ctrl-", &c.control).map(str::to_string),
                line: c.clone(),
            })
            .collect(),
        evidence,
        sources: data
            .sources
            .iter()
            .map(|s| SourceRow {
                id: s.id.clone(),
                citation: s.citation.clone(),
                url: s.url.clone(),
                href: safe_href(&s.url),
            })
            .collect(),
        filters: Filters {
            responsibility: Responsibility::ALL.iter().map(|r| r.as_str()).collect(),
            result: ResultValue::ALL.iter().map(|r| r.as_str()).collect(),
            teams: facets.teams.clone(),
            services: facets.services.clone(),
        },
        checked: match s.evidence_check.as_str() {
            "size" => {
                "Stored files were checked for presence and recorded size, not re-hashed \
                 (report --verify-evidence re-hashes every file)."
            }
            "hash" => "Every stored file was re-hashed against its recorded SHA-256.",
            _ => "",
        },
        integrity_warning: match s.evidence_failed {
            0 => String::new(),
            1 => "1 evidence file failed the integrity check (missing or altered) and is not counted.".into(),
            n => format!("{n} evidence files failed the integrity check (missing or altered) and are not counted."),
        },
    }
}

/// Whether a piece of evidence counts on the report's date: accepted, unexpired, its file intact.
fn counts(e: &EvidenceLine, today: &str) -> bool {
    e.status == "accepted" && e.integrity.is_empty() && (e.expires.is_empty() || e.expires.as_str() >= today)
}

fn bar(label: &str, count: u64, total: u64, class: String) -> Bar {
    // A bar for a non-zero count stays visible however small its share.
    let width = count
        .saturating_mul(1000)
        .checked_div(total)
        .map_or(0, |w| w.max(u64::from(count > 0) * 3));
    Bar {
        label: capitalise(&label.replace('-', " ")),
        value: label.to_string(),
        count,
        total,
        percent: percent(count, total),
        width,
        class,
    }
}
