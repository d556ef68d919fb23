//! `ctrlmap responsibility matrix`: the control x service grid, printed as a table or streamed
//! as JSON control by control, with the organisation-wide roll-up.

use std::io::Write;

use serde_json::json;

use super::Matrix;
use super::matrix_json::{CellPieces, ControlView};
use crate::commands::Ctx;
use crate::db::catalogs;
use crate::db::services::{self, ServiceRow};
use crate::error::{Error, Result};
use crate::estate::matrix;
use crate::model::derive::Provenance;
use crate::support::output;

impl Matrix {
    /// Prints the matrix as a table or streams it as JSON, control by control.
    pub(crate) fn print(&self, ctx: &mut Ctx) -> Result<()> {
        let conn = ctx.db.conn();
        let m = matrix::Matrix::load(conn, &self.catalog)?;
        if let Some(team) = &self.team {
            crate::db::teams::id(conn, team)?;
        }
        for name in &self.service {
            let s = services::get(conn, name)?;
            if !s.service.in_scope {
                return Err(Error::Invalid(format!(
                    "service \"{}\" is out of scope, so it is in no matrix or roll-up; bring it back with `ctrlmap service import --update` and in_scope=yes",
                    s.service.name
                )));
            }
        }
        // Which of the in-scope services to show; the roll-up is always over all of them.
        let shown: Vec<usize> = m
            .services
            .iter()
            .enumerate()
            .filter(|(_, s)| self.service.is_empty() || self.service.contains(&s.service.name))
            .filter(|(_, s)| self.team.is_none() || s.service.team == self.team)
            .map(|(i, _)| i)
            .collect();
        let mut out = output::stdout();
        if ctx.json {
            let services: Vec<&ServiceRow> = shown.iter().map(|&i| &m.services[i]).collect();
            let head = json!({ "catalog": m.catalog, "services": services });
            let head = head.to_string();
            // Stream: the head object without its closing brace, then one control at a time.
            write!(out, "{},\"controls\":[", &head[..head.len() - 1])?;
            let mut pieces = CellPieces::new(shown.iter().map(|&i| &m.services[i]))?;
            // Written in blocks of about a megabyte, each control's pieces filtered already.
            let mut block = Vec::with_capacity(8 << 20);
            let mut first = true;
            catalogs::for_each_control(conn, m.catalog_id, None, |c| {
                if c.control.withdrawn {
                    // Withdrawn controls stay in the catalogue for history, not in the matrix.
                    return Ok(());
                }
                let row = m.row_of(&c, &shown);
                let item = ControlView {
                    key: &c.control.key,
                    title: &c.control.title,
                    family: &c.control.family,
                    organisation: row.organisation,
                    owner: row.owner,
                    services: Vec::new(),
                };
                if !first {
                    block.push(b',');
                }
                first = false;
                pieces.control(&mut block, &item, &row.cells)?;
                if block.len() >= 1 << 20 {
                    out.write_filtered(&block)?;
                    block.clear();
                }
                Ok(())
            })?;
            out.write_filtered(&block)?;
            writeln!(out, "]}}")?;
            return Ok(());
        }
        let mut headers = vec!["control".to_string(), "title".to_string(), "organisation".to_string()];
        headers.extend(shown.iter().map(|&i| {
            let s = &m.services[i];
            format!("{}\n{}", s.service.name, s.category)
        }));
        let mut rows = Vec::new();
        let mut overrides = false;
        let mut from_provider = false;
        catalogs::for_each_control(conn, m.catalog_id, None, |c| {
            if c.control.withdrawn {
                // Withdrawn controls stay in the catalogue for history, not in the matrix.
                return Ok(());
            }
            let row = m.row_of(&c, &shown);
            let mut cells = vec![
                c.control.key.clone(),
                c.control.title.clone(),
                row.organisation.to_string(),
            ];
            for cell in &row.cells {
                let e = &cell.effective;
                let mark = match e.provenance {
                    Provenance::Rule | Provenance::None => "",
                    Provenance::Provider => "+",
                    Provenance::ServiceOverride | Provenance::OrgOverride => "*",
                };
                overrides |= mark == "*";
                from_provider |= mark == "+";
                cells.push(format!("{}{mark}", e.responsibility));
            }
            rows.push(cells);
            Ok(())
        })?;
        output::print_table(&mut out, &output::table(&headers, rows))?;
        if m.services.is_empty() {
            writeln!(out, "No services in scope yet: add one with `ctrlmap service add`.")?;
        }
        if overrides {
            writeln!(
                out,
                "* override; `ctrlmap responsibility show KEY --service NAME` says why"
            )?;
        }
        if from_provider {
            writeln!(
                out,
                "+ the provider's own document says so; `ctrlmap responsibility show KEY --service NAME` names it"
            )?;
        }
        Ok(())
    }
}
