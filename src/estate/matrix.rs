//! The responsibility matrix: loads the small inputs of the derivation once (rules, services,
//! sparse overrides), then derives any control's row on demand, so callers can stream controls.

use std::collections::HashMap;

use serde::Serialize;

use crate::db::Connection;
use crate::db::catalogs::{self, ControlRow};
use crate::db::implementations::{self, Implementation};
use crate::db::services::{self, ServiceRow};
use crate::error::Result;
use crate::model::derive::{self, Effective, Override, OwnerSource, RuleBook};
use crate::model::{Catalog, Category, Responsibility, Rule, RuleScope};

/// Everything the derivation needs for one catalogue.
pub struct Matrix {
    /// The catalogue's row id.
    pub catalog_id: i64,
    /// The catalogue.
    pub catalog: Catalog,
    /// Its rules.
    pub rules: RuleBook,
    /// In-scope services, by name: the roll-up runs over these.
    pub services: Vec<ServiceRow>,
    /// The sparse decisions, by control: a control without any costs one lookup.
    decisions: HashMap<i64, Decisions>,
    /// What the provider's documents say, by (control, offering).
    provider: super::provider::ProviderWords,
    /// In-scope services by row id: their position in `services`.
    index: HashMap<i64, usize>,
    /// In-scope services that derive alike (the same offering): the first one's position and how
    /// many there are. A control's roll-up derives one service of each group, not every service.
    groups: Vec<(usize, usize)>,
    /// Per in-scope service (as `services`): its group.
    group_of: Vec<usize>,
}

/// A control's decisions: organisation-wide, and per service by service row id.
#[derive(Debug, Default)]
struct Decisions {
    org: Option<Implementation>,
    own: HashMap<i64, Implementation>,
}

/// What one control's cells are derived from, looked up once: its decisions and its rule for each
/// category. [`Matrix::row`] and the pair streams derive every cell of a control through one.
pub struct ControlInputs<'a> {
    matrix: &'a Matrix,
    /// The control's row id, for the provider's word.
    control_id: i64,
    org: Option<&'a Implementation>,
    own: Option<&'a HashMap<i64, Implementation>>,
    /// The rule for each category, in `Category::ALL` order.
    rules: Vec<Option<&'a Rule>>,
}

/// The derived state of one control on one service.
#[derive(Debug, Clone)]
pub struct Cell<'a> {
    /// The service.
    pub service: &'a ServiceRow,
    /// Responsibility with provenance.
    pub effective: Effective<'a>,
    /// The owning team and why it owns it.
    pub owner: Option<(&'a str, OwnerSource)>,
}

/// The derived state of one control across the estate.
#[derive(Debug, Clone)]
pub struct Row<'a> {
    /// Roll-up over the in-scope services.
    pub organisation: Responsibility,
    /// The control's organisation-wide owner, if assigned.
    pub owner: Option<&'a str>,
    /// The organisation-wide override, if any.
    pub org_override: Option<Override<'a>>,
    /// One cell per in-scope service, in service order.
    pub cells: Vec<Cell<'a>>,
}

impl Matrix {
    /// Loads the inputs for catalogue `catalog_key` over all in-scope services.
    pub fn load(conn: &Connection, catalog_key: &str) -> Result<Matrix> {
        let (catalog_id, catalog) = catalogs::get(conn, catalog_key)?;
        let rules = RuleBook::new(catalogs::rules(conn, catalog_id)?);
        let filter = services::Filter {
            in_scope_only: true,
            ..Default::default()
        };
        let services = services::list(conn, &filter)?;
        let mut decisions: HashMap<i64, Decisions> = HashMap::new();
        for i in implementations::for_catalog(conn, catalog_id)? {
            let at = decisions.entry(i.control_id).or_default();
            match i.service_id {
                None => at.org = Some(i),
                Some(s) => {
                    at.own.insert(s, i);
                }
            }
        }
        let provider = super::provider::ProviderWords::load(conn, catalog_id)?;
        let index = services.iter().enumerate().map(|(at, s)| (s.id, at)).collect();
        let mut groups: Vec<(usize, usize)> = Vec::new();
        let mut group_by_offering: HashMap<&str, usize> = HashMap::new();
        let mut group_of = Vec::with_capacity(services.len());
        for (at, s) in services.iter().enumerate() {
            let g = *group_by_offering.entry(&s.service.offering).or_insert_with(|| {
                groups.push((at, 0));
                groups.len() - 1
            });
            groups[g].1 += 1;
            group_of.push(g);
        }
        Ok(Matrix {
            catalog_id,
            catalog,
            rules,
            services,
            decisions,
            provider,
            index,
            groups,
            group_of,
        })
    }

    /// What `control`'s cells are derived from, looked up once for all its cells.
    pub fn inputs<'a>(&'a self, control: &'a ControlRow) -> ControlInputs<'a> {
        let decisions = self.decisions.get(&control.id);
        let rules = Category::ALL
            .iter()
            .map(|&category| self.rules.find(&control.control.key, &control.control.family, category))
            .collect();
        ControlInputs {
            matrix: self,
            control_id: control.id,
            org: decisions.and_then(|d| d.org.as_ref()),
            own: decisions.map(|d| &d.own).filter(|own| !own.is_empty()),
            rules,
        }
    }

    /// The derived state of `control` on `service` (which need not be in scope).
    pub fn cell<'a>(&'a self, control: &'a ControlRow, service: &'a ServiceRow) -> Cell<'a> {
        self.inputs(control).cell(service)
    }

    /// The derived state of `control` across the in-scope services.
    pub fn row<'a>(&'a self, control: &'a ControlRow) -> Row<'a> {
        let inputs = self.inputs(control);
        let cells: Vec<Cell<'a>> = self.services.iter().map(|s| inputs.cell(s)).collect();
        let organisation = match (cells.is_empty(), as_override(inputs.org)) {
            // With no services in scope, an organisation-wide decision still says something.
            (true, Some(o)) => o.responsibility,
            _ => derive::rollup(cells.iter().map(|c| c.effective.responsibility)),
        };
        inputs.row_with(organisation, cells)
    }

    /// As [`Matrix::row`], with cells only for the in-scope services at positions `shown` (of
    /// `services`, in that order); the roll-up is still over every in-scope service. Costs what
    /// the shown cells cost, not what the estate does.
    pub fn row_of<'a>(&'a self, control: &'a ControlRow, shown: &[usize]) -> Row<'a> {
        let inputs = self.inputs(control);
        let cells = shown.iter().map(|&i| inputs.cell(&self.services[i])).collect();
        inputs.row_with(inputs.organisation(), cells)
    }

    /// The controls (row ids) on which a decision, organisation-wide or on one service, names
    /// `team` as owner.
    pub fn controls_owned_by<'a>(&'a self, team: &'a str) -> impl Iterator<Item = i64> + 'a {
        self.decisions
            .iter()
            .filter(move |(_, d)| {
                d.org
                    .iter()
                    .chain(d.own.values())
                    .any(|i| i.owner.as_deref() == Some(team))
            })
            .map(|(&control, _)| control)
    }

    /// The positions (in `services`) of the in-scope services whose row id is in `ids`.
    pub fn positions(&self, ids: impl IntoIterator<Item = i64>) -> Vec<usize> {
        let mut at: Vec<usize> = ids.into_iter().filter_map(|id| self.index.get(&id).copied()).collect();
        at.sort_unstable();
        at.dedup();
        at
    }
}

impl<'a> ControlInputs<'a> {
    /// The derived state of the control on `service` (which need not be in scope).
    pub fn cell(&self, service: &'a ServiceRow) -> Cell<'a> {
        let org = self.org;
        let own = self.own.and_then(|m| m.get(&service.id));
        let word = self.matrix.provider.word(self.control_id, service.id);
        let effective =
            derive::effective_with_provider(as_override(own), as_override(org), word, self.rule(service.category));
        let owner = derive::effective_owner(
            own.and_then(|i| i.owner.as_deref()),
            org.and_then(|i| i.owner.as_deref()),
            service.service.team.as_deref(),
        );
        Cell {
            service,
            effective,
            owner,
        }
    }

    fn rule(&self, category: Category) -> Option<&'a Rule> {
        let at = Category::ALL.iter().position(|&c| c == category).unwrap_or(0);
        self.rules.get(at).copied().flatten()
    }

    /// The control's organisation-wide owner, if assigned.
    pub fn owner(&self) -> Option<&'a str> {
        self.org.and_then(|i| i.owner.as_deref())
    }

    /// The in-scope services (positions in `services`) with a decision of their own on this control.
    pub fn decided_services(&self) -> Vec<usize> {
        self.matrix
            .positions(self.own.into_iter().flat_map(|own| own.keys().copied()))
    }

    /// The roll-up over every in-scope service without deriving each: the roll-up only asks
    /// which values occur, so each group of alike services (one offering) counts once with the
    /// value of a service without a decision of its own, and each own decision counts as itself.
    pub fn organisation(&self) -> Responsibility {
        let m = self.matrix;
        if let (true, Some(o)) = (m.services.is_empty(), as_override(self.org)) {
            // With no services in scope, an organisation-wide decision still says something.
            return o.responsibility;
        }
        let mut decided = vec![0usize; m.groups.len()];
        let mut values = Vec::new();
        for (id, i) in self.own.into_iter().flatten() {
            if let (Some(&at), Some(o)) = (m.index.get(id), as_override(Some(i))) {
                decided[m.group_of[at]] += 1;
                values.push(o.responsibility);
            }
        }
        for (g, &(first, count)) in m.groups.iter().enumerate() {
            if count > decided[g] {
                let service = &m.services[first];
                let rule = self.rule(service.category);
                // The provider's word is per offering, like the group.
                let word = m.provider.word(self.control_id, service.id);
                values.push(derive::effective_with_provider(None, as_override(self.org), word, rule).responsibility);
            }
        }
        derive::rollup(values)
    }

    fn row_with(&self, organisation: Responsibility, cells: Vec<Cell<'a>>) -> Row<'a> {
        Row {
            organisation,
            owner: self.owner(),
            org_override: as_override(self.org),
            cells,
        }
    }
}

fn as_override(i: Option<&Implementation>) -> Option<Override<'_>> {
    let i = i?;
    Some(Override {
        responsibility: i.responsibility?,
        why: i.why.as_deref().unwrap_or(""),
    })
}

/// A cell as JSON and CSV output show it.
#[derive(Debug, Clone, Serialize)]
pub struct CellView<'a> {
    /// Service name.
    pub service: &'a str,
    /// Offering key.
    pub offering: &'a str,
    /// Offering category.
    pub category: crate::model::Category,
    /// Effective responsibility.
    pub responsibility: Responsibility,
    /// `override`, `provider`, `rule` or `none`.
    pub provenance: &'static str,
    /// Finer provenance: service-override, org-override, rule, none.
    pub provenance_detail: derive::Provenance,
    /// Which rule scope decided, when a rule did.
    pub rule_scope: Option<&'a RuleScope>,
    /// Why.
    pub rationale: &'a str,
    /// Source text of the rule.
    pub source: &'a str,
    /// Owning team.
    pub owner: Option<&'a str>,
    /// Why that team owns it.
    pub owner_source: Option<OwnerSource>,
}

impl<'a> From<&Cell<'a>> for CellView<'a> {
    fn from(c: &Cell<'a>) -> Self {
        CellView {
            service: &c.service.service.name,
            offering: &c.service.service.offering,
            category: c.service.category,
            responsibility: c.effective.responsibility,
            provenance: c.effective.provenance.as_str(),
            provenance_detail: c.effective.provenance,
            rule_scope: c.effective.rule_scope,
            rationale: c.effective.rationale,
            source: c.effective.source,
            owner: c.owner.map(|(t, _)| t),
            owner_source: c.owner.map(|(_, s)| s),
        }
    }
}
