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
use crate::model::{Catalog, Responsibility, RuleScope};

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
    decisions: HashMap<(i64, i64), Implementation>,
    /// What the provider's documents say, by (control, offering).
    provider: super::provider::ProviderWords,
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
        let decisions = implementations::for_catalog(conn, catalog_id)?
            .into_iter()
            .map(|i| ((i.control_id, i.service_id.unwrap_or(0)), i))
            .collect();
        let provider = super::provider::ProviderWords::load(conn, catalog_id)?;
        Ok(Matrix {
            catalog_id,
            catalog,
            rules,
            services,
            decisions,
            provider,
        })
    }

    fn decision(&self, control_id: i64, service_id: Option<i64>) -> Option<&Implementation> {
        self.decisions.get(&(control_id, service_id.unwrap_or(0)))
    }

    /// The derived state of `control` on `service` (which need not be in scope).
    pub fn cell<'a>(&'a self, control: &'a ControlRow, service: &'a ServiceRow) -> Cell<'a> {
        let org = self.decision(control.id, None);
        let own = self.decision(control.id, Some(service.id));
        let rule = self
            .rules
            .find(&control.control.key, &control.control.family, service.category);
        let word = self.provider.word(control.id, service.id);
        let effective = derive::effective_with_provider(as_override(own), as_override(org), word, rule);
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

    /// The derived state of `control` across the in-scope services.
    pub fn row<'a>(&'a self, control: &'a ControlRow) -> Row<'a> {
        let cells: Vec<Cell<'a>> = self.services.iter().map(|s| self.cell(control, s)).collect();
        let org = self.decision(control.id, None);
        let organisation = match (cells.is_empty(), as_override(org)) {
            // With no services in scope, an organisation-wide decision still says something.
            (true, Some(o)) => o.responsibility,
            _ => derive::rollup(cells.iter().map(|c| c.effective.responsibility)),
        };
        Row {
            organisation,
            owner: org.and_then(|i| i.owner.as_deref()),
            org_override: as_override(org),
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
