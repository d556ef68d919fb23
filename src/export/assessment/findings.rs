//! The findings of the assessment results: one per assessed control, targeting its statement,
//! with a state from the control's combined result; and, for a control assessed on only some of
//! its services, one per service that has a result.

use serde_json::{Value, json};

use crate::export::ssp::{line, ns_prop};
use crate::model::evaluation::{Pair, ResultValue};
use crate::model::poam::{Finding, ItemKind};

/// The finding's status for a combined result: (state, reason, implementation status, remarks).
fn status(result: ResultValue) -> (&'static str, &'static str, Option<&'static str>, Option<&'static str>) {
    match result {
        ResultValue::Satisfied => ("satisfied", "pass", None, None),
        ResultValue::NotApplicable => (
            "satisfied",
            "other",
            Some("not-applicable"),
            Some("The control does not apply to the services in scope."),
        ),
        ResultValue::PartiallySatisfied => (
            "not-satisfied",
            "fail",
            Some("partial"),
            Some("Partially satisfied: some of what the control asks is missing."),
        ),
        ResultValue::NotSatisfied => ("not-satisfied", "fail", None, None),
        ResultValue::NotAssessed => (
            "not-satisfied",
            "other",
            None,
            Some("Not assessed in this evaluation: OSCAL has no such state, so it is not shown as satisfied."),
        ),
    }
}

/// The finding of a control from its combined `result` (not "not assessed"): `lines` are the
/// per-service results its description lists, `related` its observations.
pub(super) fn control_finding(
    result: ResultValue,
    (key_text, title): (&str, &str),
    control: &str,
    lines: &[String],
    related: Vec<Value>,
    (key, origins): (&impl Fn(&[&str]) -> String, &Value),
) -> Value {
    let (state, reason, implementation, remarks) = status(result);
    let summary = if lines.is_empty() {
        format!("{result}: no service was in scope.")
    } else {
        format!("{result} over the services in scope:\n\n{}", lines.join("\n"))
    };
    json!({
        "uuid": key(&["finding", key_text]),
        "title": format!("{} {}", key_text, line(title)),
        "description": summary,
        "props": [ns_prop("result", result.as_str()), ns_prop("control-key", key_text)],
        "origins": origins,
        "target": {
            "type": "statement-id",
            "target-id": format!("{control}_smt"),
            "status": { "state": state, "reason": reason, "remarks": remarks },
            "implementation-status": implementation.map(|s| json!({ "state": s })),
        },
        "related-observations": related,
    })
}

/// The finding of one service's result, for a control that combines to "not assessed" because
/// only some of its services were assessed.
pub(super) fn service_finding(
    p: &Pair,
    key_text: &str,
    control: &str,
    key: &impl Fn(&[&str]) -> String,
    origins: &Value,
) -> Value {
    let (state, reason, implementation, remarks) = status(p.result);
    let note = line(&p.note);
    json!({
        "uuid": key(&["finding", key_text, "service", &p.service]),
        "title": format!("{} on {}", key_text, p.service),
        "description": if note.is_empty() {
            format!("{} on {}; its other services are not assessed.", p.result, p.service)
        } else {
            format!("{} on {} ({note}); its other services are not assessed.", p.result, p.service)
        },
        "props": [
            ns_prop("result", p.result.as_str()),
            ns_prop("control-key", key_text),
            ns_prop("service", &p.service),
        ],
        "origins": origins,
        "target": {
            "type": "statement-id",
            "target-id": format!("{control}_smt"),
            "status": { "state": state, "reason": reason, "remarks": remarks },
            "implementation-status": implementation.map(|s| json!({ "state": s })),
        },
        "related-observations": [{ "observation-uuid": key(&["observation", &p.control_key, &p.service]) }],
    })
}

/// The finding of an evidence gap on a control (`no-evidence` or `expired-evidence`): what a POA&M
/// item of that kind answers. Not a verdict on the control's result (that is its own finding):
/// `not-satisfied` with reason `other`, because without current evidence it cannot be shown.
pub(super) fn evidence_finding(gap: &Finding, control: &str, uuid: String, origins: &Value) -> Value {
    let what = match gap.kind {
        ItemKind::ExpiredEvidence => "accepted evidence expired",
        _ => "no accepted, unexpired evidence",
    };
    json!({
        "uuid": uuid,
        "title": format!("{}: {what}", gap.control_key),
        "description": format!(
            "{} ({}) on {}: {}.",
            gap.control_key,
            line(&gap.control_title),
            gap.services.join(", "),
            line(&gap.detail)
        ),
        "props": [
            ns_prop("gap", gap.kind.as_str()),
            ns_prop("control-key", &gap.control_key),
        ],
        "origins": origins,
        "target": {
            "type": "statement-id",
            "target-id": format!("{control}_smt"),
            "status": {
                "state": "not-satisfied",
                "reason": "other",
                "remarks": "A shared or customer control without accepted, unexpired evidence when the evaluation \
                            closed: it cannot be shown to be satisfied. The assessed result is the control's own finding.",
            },
        },
    })
}
