//! What a reviewer should see: findings per control, grouped by kind and detail, from the pairs
//! of the report.

use std::borrow::Cow;

use super::data::Finding;
use crate::model::Responsibility;
use crate::model::evaluation::Pair;

/// Services shown by name in a grouped finding before "and N more".
const NAMED_SERVICES: usize = 8;

/// One control's findings, one per (kind, detail), naming the services each concerns, so a large
/// estate gives a reviewer a list per control rather than one line per service. Pairs are counted
/// in as they come; only the first few service names of a group are kept.
#[derive(Default)]
pub(super) struct Findings {
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

    pub(super) fn finish(self, control: &str) -> impl Iterator<Item = Finding> {
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
pub(super) fn pair_findings(p: &Pair, out: &mut Findings) {
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

/// What a reviewer should see of scanners' current failed and manual observations on one pair:
/// on a shared or customer pair each is a finding; a failure on an inherited pair is listed as
/// the provider's scope, not the customer's gap. `service` is empty for observations on no
/// service (account-wide or unclaimed resources), which take the control's organisation-wide
/// `responsibility`.
pub(super) fn check_findings(
    responsibility: Responsibility,
    service: &str,
    open: &[crate::db::scans::Open],
    out: &mut Findings,
) {
    for o in open {
        let kind = match (o.status.as_str(), responsibility) {
            ("failed", r) if r.customer_has_a_part() => "failed-check",
            ("failed", Responsibility::Inherited) => "provider-scope",
            ("manual", r) if r.customer_has_a_part() => "manual-check",
            _ => continue,
        };
        let detail = match kind {
            "manual-check" => format!(
                "check {} on {} needs a manual check (scan {})",
                o.check, o.resource, o.scan
            ),
            "provider-scope" => format!(
                "check {} failed on {} (scan {}): inherited, the provider's scope",
                o.check, o.resource, o.scan
            ),
            _ => format!("check {} failed on {} (scan {})", o.check, o.resource, o.scan),
        };
        out.add(kind, detail.into(), service);
    }
}
