//! `matrix --json` at scale: five million cells repeat a few dozen distinct texts, so each distinct
//! piece of a cell is serialised by serde_json and passed through the terminal filter once, then
//! copied. A cell is three pieces: its service (name, offering, category), what decided it
//! (responsibility, provenance, rule, rationale, source) and its owner. The bytes are exactly those
//! of serialising each [`CellView`] and filtering the stream (the tests compare both).

use std::borrow::Cow;

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::db::services::ServiceRow;
use crate::error::Result;
use crate::estate::matrix::{Cell, CellView};
use crate::model::Responsibility;
use crate::model::derive::OwnerSource;
use crate::support::address;
use crate::support::json;

/// One control's row as `matrix --json` streams it.
#[derive(Serialize)]
pub(super) struct ControlView<'a> {
    pub(super) key: &'a str,
    pub(super) title: &'a str,
    pub(super) family: &'a str,
    pub(super) organisation: Responsibility,
    pub(super) owner: Option<&'a str>,
    pub(super) services: Vec<CellView<'a>>,
}

/// Where what decided a cell lives: responsibility and provenance, and the addresses of the rule
/// scope, rationale and source (borrowed from the matrix, so equal addresses mean equal texts).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Said {
    responsibility: Responsibility,
    provenance: u8,
    scope: usize,
    rationale: (usize, usize),
    source: (usize, usize),
}

/// Where a cell's owner lives and why it owns it.
type Owner = (Option<(usize, usize)>, Option<u8>);

/// The pieces of the cells written so far, and the service pieces of the services shown.
pub(super) struct CellPieces {
    /// Per service shown, in order: `{"service":…,"offering":…,"category":…`.
    services: Vec<Vec<u8>>,
    /// Per service shown, in order: the end of a cell its own team owns as the service's team.
    team_owned: Vec<Vec<u8>>,
    /// What decided a cell: `,"responsibility":…,"source":…`. Cleared per control, so the
    /// addresses in the keys are of texts alive while it is written.
    said: FxHashMap<Said, Vec<u8>>,
    /// Who owns a cell: `,"owner":…,"owner_source":…}`. Cleared per control, like `said`.
    owners: FxHashMap<Owner, Vec<u8>>,
}

impl CellPieces {
    /// The pieces for cells of `shown`, in that order.
    pub(super) fn new<'s>(shown: impl IntoIterator<Item = &'s ServiceRow>) -> Result<CellPieces> {
        let shown: Vec<&ServiceRow> = shown.into_iter().collect();
        let team_owned = shown
            .iter()
            .map(|s| {
                owner_piece(
                    s.service.team.as_deref(),
                    s.service.team.as_ref().map(|_| OwnerSource::ServiceTeam),
                )
            })
            .collect::<Result<_>>()?;
        let services = shown
            .iter()
            .map(|s| {
                let mut piece = b"{\"service\":".to_vec();
                json::append(&mut piece, &s.service.name)?;
                piece.extend_from_slice(b",\"offering\":");
                json::append(&mut piece, &s.service.offering)?;
                piece.extend_from_slice(b",\"category\":");
                json::append(&mut piece, &s.category)?;
                Ok(filtered(piece))
            })
            .collect::<Result<_>>()?;
        Ok(CellPieces {
            services,
            team_owned,
            said: FxHashMap::default(),
            owners: FxHashMap::default(),
        })
    }

    /// Appends `control` (whose `services` are left empty) with `cells`, one per service shown,
    /// to `out`: the JSON object, as the terminal filter lets it through.
    pub(super) fn control(&mut self, out: &mut Vec<u8>, control: &ControlView<'_>, cells: &[Cell<'_>]) -> Result<()> {
        debug_assert!(control.services.is_empty() && cells.len() == self.services.len());
        self.said.clear();
        self.owners.clear();
        let mut head = Vec::with_capacity(256);
        json::append(&mut head, control)?;
        // The object ends `"services":[]}`: the cells go between the brackets.
        head.truncate(head.len() - 2);
        out.extend_from_slice(&filtered(head));
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(&self.services[i]);
            let e = &cell.effective;
            let said = Said {
                responsibility: e.responsibility,
                provenance: e.provenance as u8,
                scope: e.rule_scope.map_or(0, |s| std::ptr::from_ref(s) as usize),
                rationale: address::of_text(e.rationale),
                source: address::of_text(e.source),
            };
            match self.said.get(&said) {
                Some(piece) => out.extend_from_slice(piece),
                None => {
                    let piece = said_piece(&CellView::from(cell))?;
                    out.extend_from_slice(&piece);
                    self.said.insert(said, piece);
                }
            }
            let team = cell.service.service.team.as_deref();
            if let (Some((t, OwnerSource::ServiceTeam)), Some(own)) = (cell.owner, team)
                && std::ptr::eq(t, own)
            {
                // The service's own team: the same for every control.
                out.extend_from_slice(&self.team_owned[i]);
                continue;
            }
            let owner = (
                cell.owner.map(|(t, _)| address::of_text(t)),
                cell.owner.map(|(_, why)| why as u8),
            );
            match self.owners.get(&owner) {
                Some(piece) => out.extend_from_slice(piece),
                None => {
                    let piece = owner_piece(cell.owner.map(|(t, _)| t), cell.owner.map(|(_, why)| why))?;
                    out.extend_from_slice(&piece);
                    self.owners.insert(owner, piece);
                }
            }
        }
        out.extend_from_slice(b"]}");
        Ok(())
    }
}

/// `,"responsibility":…` to `"source":…` of a cell, as serde_json writes them.
fn said_piece(v: &CellView<'_>) -> Result<Vec<u8>> {
    let mut piece = b",\"responsibility\":".to_vec();
    json::append(&mut piece, &v.responsibility)?;
    piece.extend_from_slice(b",\"provenance\":");
    json::append(&mut piece, &v.provenance)?;
    piece.extend_from_slice(b",\"provenance_detail\":");
    json::append(&mut piece, &v.provenance_detail)?;
    piece.extend_from_slice(b",\"rule_scope\":");
    json::append(&mut piece, &v.rule_scope)?;
    piece.extend_from_slice(b",\"rationale\":");
    json::append(&mut piece, &v.rationale)?;
    piece.extend_from_slice(b",\"source\":");
    json::append(&mut piece, &v.source)?;
    Ok(filtered(piece))
}

/// `,"owner":…,"owner_source":…}`: the end of a cell.
fn owner_piece(owner: Option<&str>, owner_source: Option<OwnerSource>) -> Result<Vec<u8>> {
    let mut piece = b",\"owner\":".to_vec();
    json::append(&mut piece, &owner)?;
    piece.extend_from_slice(b",\"owner_source\":");
    json::append(&mut piece, &owner_source)?;
    piece.push(b'}');
    Ok(filtered(piece))
}

/// `piece` (serde_json's output: whole UTF-8 characters) as the terminal filter lets it through.
/// The filter works character by character, so filtering each piece once is filtering the stream.
fn filtered(piece: Vec<u8>) -> Vec<u8> {
    let text = String::from_utf8(piece).expect("serde_json writes UTF-8");
    match crate::text::block(&text) {
        Cow::Borrowed(_) => text.into_bytes(),
        Cow::Owned(changed) => changed.into_bytes(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::services::ServiceRow;
    use crate::model::derive::{Effective, OwnerSource, Provenance};
    use crate::model::{Category, RuleScope};

    fn service(name: &str, offering: &str, category: Category) -> ServiceRow {
        ServiceRow {
            id: 1,
            service: crate::model::Service {
                name: name.into(),
                offering: offering.into(),
                team: Some(format!("team of {name}")),
                environment: "prod".into(),
                region: "eu-west-1".into(),
                data_classification: "internal".into(),
                in_scope: true,
            },
            offering_name: format!("{offering} name"),
            category,
        }
    }

    /// The stream as the generic path writes it: each control serialised whole, then filtered.
    fn generic(controls: &[(ControlView<'_>, Vec<Cell<'_>>)]) -> Vec<u8> {
        let mut out = Vec::new();
        for (i, (c, cells)) in controls.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            let view = ControlView {
                key: c.key,
                title: c.title,
                family: c.family,
                organisation: c.organisation,
                owner: c.owner,
                services: cells.iter().map(CellView::from).collect(),
            };
            out.extend(serde_json::to_vec(&view).expect("serialises"));
        }
        let mut filter = crate::text::TerminalFilter::default();
        let mut shown = Vec::new();
        filter.filter(&out, &mut shown);
        shown
    }

    #[test]
    fn pieces_make_the_bytes_serde_json_and_the_filter_make() {
        let tricky = [
            "plain",
            "quote \" and backslash \\ and / slash",
            "line\nbreak\ttab\r",
            "esc \u{1b}[31m red, del \u{7f}, c1 \u{9b}",
            "bidi \u{202e}reversed\u{2066} zero\u{200b}width \u{feff}",
            "Zürich — naïve ’quotes’ 日本 🚀",
            "",
        ];
        let services: Vec<ServiceRow> = tricky
            .iter()
            .enumerate()
            .map(|(i, t)| service(&format!("svc-{i} {t}"), &format!("off {t}"), Category::ALL[i % 3]))
            .collect();
        let scopes = [
            RuleScope::Control("AC-1 \"x\"".into()),
            RuleScope::Family("Access\nControl".into()),
            RuleScope::Catalog,
        ];
        let teams: Vec<String> = tricky.iter().map(|t| format!("team {t}")).collect();
        let provenances = [
            Provenance::Rule,
            Provenance::None,
            Provenance::Provider,
            Provenance::ServiceOverride,
            Provenance::OrgOverride,
        ];
        let owner_sources = [
            OwnerSource::ServiceTeam,
            OwnerSource::Control,
            OwnerSource::ServiceOverride,
        ];
        let mut controls = Vec::new();
        for (k, title) in tricky.iter().enumerate() {
            let cells: Vec<Cell<'_>> = services
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    // Cells that share texts and cells that do not, by turns.
                    let pick = (i * (k + 1)) % tricky.len();
                    Cell {
                        service: s,
                        effective: Effective {
                            responsibility: Responsibility::ALL[pick % Responsibility::ALL.len()],
                            provenance: provenances[pick % provenances.len()],
                            rationale: tricky[pick],
                            source: tricky[(pick + k) % tricky.len()],
                            rule_scope: (pick % 4 < 3).then(|| &scopes[pick % 3]),
                        },
                        owner: match (pick % 3, s.service.team.as_deref()) {
                            (0, _) => None,
                            // The service's own team, as the derivation hands it over.
                            (1, Some(own)) if i % 2 == 0 => Some((own, OwnerSource::ServiceTeam)),
                            _ => Some((teams[pick].as_str(), owner_sources[(i + k) % 3])),
                        },
                    }
                })
                .collect();
            let view = ControlView {
                key: tricky[(k + 1) % tricky.len()],
                title,
                family: tricky[(k + 2) % tricky.len()],
                organisation: Responsibility::ALL[k % Responsibility::ALL.len()],
                owner: (k % 2 == 0).then_some(teams[k].as_str()),
                services: Vec::new(),
            };
            controls.push((view, cells));
        }
        let mut pieces = CellPieces::new(&services).expect("pieces");
        let mut fast = Vec::new();
        for (i, (view, cells)) in controls.iter().enumerate() {
            if i > 0 {
                fast.push(b',');
            }
            pieces.control(&mut fast, view, cells).expect("written");
        }
        let want = generic(&controls);
        assert_eq!(String::from_utf8_lossy(&fast), String::from_utf8_lossy(&want));
        assert_eq!(fast, want);
    }
}
