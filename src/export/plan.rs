//! The OSCAL 1.2.1 assessment plan of an evaluation, so the assessment results' `import-ap`
//! resolves to a document: ctrlmap keeps no plan beyond the evaluation's scope, and this is it.
//! Its `import-ssp` is the `--ssp-href` given, else `ssp.json`: the plan `ctrlmap export oscal-ssp
//! --catalog CATALOG --out ssp.json` writes next to it.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::ssp::{OSCAL_VERSION, identify, line, ns_prop, oscal_id, prune, timestamp};
use crate::db::Connection;
use crate::db::evaluations::Evaluation;
use crate::error::{Error, Result};
use crate::estate::pairs::{self, Source};

/// The default href of the system security plan an assessment plan imports.
pub const SSP_FILE: &str = "ssp.json";

/// The OSCAL 1.2.1 assessment plan of closed evaluation `evaluation` (its scope, frozen).
pub fn assessment_plan(conn: &Connection, evaluation: &Evaluation, ssp_href: Option<&str>) -> Result<Value> {
    let e = evaluation;
    if e.closed_at.is_none() {
        return Err(Error::Invalid(format!(
            "evaluation {} \"{}\" is still open: close it first (ctrlmap evaluation close) so its scope is frozen",
            e.id, e.name
        )));
    }
    let opened = timestamp(&e.opened_at, "the evaluation's opening time")?;
    let mut controls = BTreeSet::new();
    pairs::for_each_control(conn, &Source::Frozen(e.clone()), |info, _| {
        controls.insert(oscal_id(&info.key));
        Ok(())
    })?;
    let selection = if controls.is_empty() {
        json!({ "include-all": {} })
    } else {
        json!({ "include-controls": controls.iter().map(|c| json!({ "control-id": c })).collect::<Vec<_>>() })
    };
    let mut doc = json!({
        "assessment-plan": {
            "metadata": {
                "title": format!("Assessment plan of evaluation {}: {}", e.id, line(&e.name)),
                "oscal-version": OSCAL_VERSION,
                "props": [ns_prop("evaluation-id", &e.id.to_string()), ns_prop("catalog", &e.catalog)],
                "remarks": format!(
                    "The scope of evaluation {} as ctrlmap froze it: catalogue {} over the services {}, \
                     assessed by {}.",
                    e.id,
                    e.catalog,
                    if e.services.is_empty() { "(none)".to_string() } else { e.services.join(", ") },
                    line(&e.assessor)
                ),
            },
            "import-ssp": {
                "href": ssp_href.unwrap_or(SSP_FILE),
                "remarks": format!("The system security plan of catalogue {}.", e.catalog),
            },
            "reviewed-controls": { "control-selections": [selection] },
        }
    });
    crate::export::markup::escape_fields(&mut doc);
    prune(&mut doc);
    identify(&mut doc, "assessment-plan", opened)?;
    Ok(doc)
}
