//! AWS Security Finding Format (Security Hub, and tools that write it such as Prowler
//! `-M json-asff`): `{"Findings": [...]}`, a bare array, one finding, one finding per line, or
//! EventBridge events wrapping `detail.findings`.

use std::collections::BTreeMap;
use std::io::BufRead;

use serde::Deserialize;

use super::json_stream::{self, Wrap};
use super::{ControlRef, Finding, ObsStatus, Requirements, Tool, bad, ids, present, times};
use crate::error::Result;

/// Where ASFF findings sit in a wrapper object.
const WRAPS: &[Wrap] = &[
    Wrap::Array("Findings"),
    Wrap::Object("detail", &[Wrap::Array("findings")]),
];

/// The fields of an ASFF finding ctrlmap reads; everything else is skipped unread.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Raw {
    id: Option<String>,
    generator_id: Option<String>,
    aws_account_id: Option<String>,
    region: Option<String>,
    title: Option<String>,
    product_name: Option<String>,
    first_observed_at: Option<String>,
    last_observed_at: Option<String>,
    created_at: Option<String>,
    updated_at: Option<String>,
    compliance: Option<Compliance>,
    product_fields: Option<BTreeMap<String, serde_json::Value>>,
    resources: Option<Vec<Resource>>,
    workflow: Option<Workflow>,
    record_state: Option<String>,
    severity: Option<Severity>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Compliance {
    status: Option<String>,
    security_control_id: Option<String>,
    related_requirements: Option<Vec<String>>,
    status_reasons: Option<Vec<Reason>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Reason {
    reason_code: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Resource {
    id: Option<String>,
    region: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Workflow {
    status: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Severity {
    label: Option<String>,
}

/// Reads ASFF findings from `input`, one resource per finding handed to `each`.
pub(super) fn read(file: &str, input: &mut dyn BufRead, each: &mut dyn FnMut(Finding) -> Result<()>) -> Result<Tool> {
    let mut tool = Tool::default();
    json_stream::read::<Raw>(file, input, WRAPS, &mut |locator, raw| {
        if tool.name.is_none() {
            tool = tool_of(&raw);
        }
        for finding in findings(file, &locator, raw)? {
            each(finding)?;
        }
        Ok(())
    })?;
    Ok(tool)
}

/// The product that wrote a finding: Prowler names itself in `ProductFields`, Security Hub in
/// `ProductName`.
fn tool_of(raw: &Raw) -> Tool {
    let field = |key: &str| product_field(raw, key).map(str::to_string);
    Tool {
        name: field("ProviderName").or_else(|| present(raw.product_name.as_deref()).map(str::to_string)),
        version: field("ProviderVersion"),
    }
}

fn product_field<'a>(raw: &'a Raw, key: &str) -> Option<&'a str> {
    present(raw.product_fields.as_ref()?.get(key)?.as_str())
}

/// One finding per resource of `raw`.
fn findings(file: &str, locator: &str, raw: Raw) -> Result<Vec<Finding>> {
    let fail = |message: String| bad(file, locator, message);
    let id = present(raw.id.as_deref()).ok_or_else(|| fail("no Id".to_string()))?;
    let check_id = check_id(&raw).ok_or_else(|| {
        fail(
            "no check id (Compliance.SecurityControlId, ProductFields.ControlId, ProductFields.RuleId or GeneratorId)"
                .into(),
        )
    })?;
    let (status, source_status) = status(&raw).map_err(fail)?;
    let observed_at = observed_at(&raw).map_err(fail)?;
    let (controls, other_requirements) = requirements(&raw);
    let resources: Vec<&Resource> = raw.resources.iter().flatten().collect();
    if !resources.iter().any(|r| present(r.id.as_deref()).is_some()) {
        return Err(fail("no resource (Resources[].Id)".to_string()));
    }
    let account = present(raw.aws_account_id.as_deref()).map(str::to_string);
    let title = present(raw.title.as_deref()).unwrap_or(&check_id).to_string();
    let several = resources.len() > 1;
    let mut out = Vec::with_capacity(resources.len());
    for (i, resource) in resources.iter().enumerate() {
        let here = if several {
            format!("{locator}.Resources[{i}]")
        } else {
            locator.to_string()
        };
        let resource_id =
            present(resource.id.as_deref()).ok_or_else(|| bad(file, &here, "no resource id (Resources[].Id)"))?;
        out.push(Finding {
            locator: here,
            finding_id: id.to_string(),
            check_id: check_id.clone(),
            title: title.clone(),
            resource: resource_name(resource_id),
            account: account.clone(),
            region: present(resource.region.as_deref())
                .or(present(raw.region.as_deref()))
                .map(str::to_string),
            status,
            source_status: source_status.clone(),
            observed_at: observed_at.clone(),
            controls: controls.clone(),
            other_requirements: other_requirements.clone(),
        });
    }
    Ok(out)
}

/// `AWS::::Account:123456789012` (Security Hub's account resource) is `aws-account:123456789012`.
fn resource_name(id: &str) -> String {
    match id.strip_prefix("AWS::::Account:") {
        Some(account) => super::account_resource(account),
        None => id.to_string(),
    }
}

/// The check: the standard-neutral control id, else the standard's control or rule (a rule id is
/// qualified by its standard, since `1.1` means something else in every CIS version), else the
/// generator.
fn check_id(raw: &Raw) -> Option<String> {
    if let Some(id) = raw
        .compliance
        .as_ref()
        .and_then(|c| present(c.security_control_id.as_deref()))
    {
        return Some(id.to_string());
    }
    if let Some(id) = product_field(raw, "ControlId") {
        return Some(id.to_string());
    }
    if let Some(rule) = product_field(raw, "RuleId") {
        let standard = product_field(raw, "StandardsGuideArn")
            .and_then(|arn| arn.rsplit_once("ruleset/").or_else(|| arn.rsplit_once("standards/")))
            .map(|(_, standard)| standard);
        return Some(match standard {
            Some(standard) => format!("{standard}/{rule}"),
            None => rule.to_string(),
        });
    }
    // A consolidated control finding's generator is `security-control/<ID>`: the check is the ID,
    // as `Compliance.SecurityControlId` would name it.
    present(raw.generator_id.as_deref()).map(|g| {
        g.strip_prefix("security-control/")
            .filter(|id| !id.is_empty())
            .unwrap_or(g)
            .to_string()
    })
}

/// The outcome (docs/scanners.md, "ASFF"): `Compliance.Status` for control findings; a finding
/// without one (GuardDuty, Inspector, ...) passes when its severity is INFORMATIONAL and fails
/// otherwise; an archived record no longer applies.
fn status(raw: &Raw) -> Result<(ObsStatus, String), String> {
    let compliance = raw.compliance.as_ref();
    let (mut status, mut words) = match compliance.and_then(|c| present(c.status.as_deref())) {
        Some(word) => {
            let status = match word.to_ascii_uppercase().as_str() {
                "PASSED" => ObsStatus::Passed,
                "FAILED" => ObsStatus::Failed,
                "WARNING" => ObsStatus::Manual,
                "NOT_AVAILABLE" => {
                    let reasons = compliance.and_then(|c| c.status_reasons.as_ref());
                    let not_applicable = reasons.into_iter().flatten().any(|r| {
                        r.reason_code
                            .as_deref()
                            .is_some_and(|code| code.eq_ignore_ascii_case("CONFIG_RETURNS_NOT_APPLICABLE"))
                    });
                    if not_applicable {
                        ObsStatus::NotApplicable
                    } else {
                        ObsStatus::Error
                    }
                }
                _ => {
                    return Err(format!(
                        "unknown Compliance.Status \"{}\": expected PASSED, FAILED, WARNING or NOT_AVAILABLE",
                        crate::error::shorten(word)
                    ));
                }
            };
            (status, word.to_string())
        }
        None => {
            let label = raw
                .severity
                .as_ref()
                .and_then(|s| present(s.label.as_deref()))
                .ok_or("no status: neither Compliance.Status nor Severity.Label".to_string())?;
            let status = match label.to_ascii_uppercase().as_str() {
                "INFORMATIONAL" => ObsStatus::Passed,
                "LOW" | "MEDIUM" | "HIGH" | "CRITICAL" => ObsStatus::Failed,
                _ => {
                    return Err(format!(
                        "unknown Severity.Label \"{}\": expected INFORMATIONAL, LOW, MEDIUM, HIGH or CRITICAL",
                        crate::error::shorten(label)
                    ));
                }
            };
            (status, format!("Severity.Label {label}"))
        }
    };
    if let Some(workflow) = raw.workflow.as_ref().and_then(|w| present(w.status.as_deref())) {
        match workflow.to_ascii_uppercase().as_str() {
            "NEW" | "NOTIFIED" | "RESOLVED" => {}
            "SUPPRESSED" => words.push_str(", Workflow.Status SUPPRESSED"),
            _ => {
                return Err(format!(
                    "unknown Workflow.Status \"{}\": expected NEW, NOTIFIED, RESOLVED or SUPPRESSED",
                    crate::error::shorten(workflow)
                ));
            }
        }
    }
    if let Some(record) = present(raw.record_state.as_deref()) {
        match record.to_ascii_uppercase().as_str() {
            "ACTIVE" => {}
            "ARCHIVED" => {
                status = ObsStatus::NotApplicable;
                words.push_str(", RecordState ARCHIVED");
            }
            _ => {
                return Err(format!(
                    "unknown RecordState \"{}\": expected ACTIVE or ARCHIVED",
                    crate::error::shorten(record)
                ));
            }
        }
    }
    Ok((status, words))
}

/// The latest time the finding says it was observed: `LastObservedAt`, else `UpdatedAt`, else
/// `FirstObservedAt`, else `CreatedAt`.
fn observed_at(raw: &Raw) -> Result<String, String> {
    let candidates = [
        ("LastObservedAt", &raw.last_observed_at),
        ("UpdatedAt", &raw.updated_at),
        ("FirstObservedAt", &raw.first_observed_at),
        ("CreatedAt", &raw.created_at),
    ];
    let (field, text) = candidates
        .iter()
        .find_map(|(field, value)| present(value.as_deref()).map(|v| (*field, v)))
        .ok_or("no time (LastObservedAt, UpdatedAt, FirstObservedAt or CreatedAt)".to_string())?;
    times::parse(text).map_err(|e| format!("{field}: {e}"))
}

/// `Compliance.RelatedRequirements`: entries `NIST.800-53.r5 <id>` are controls; the rest
/// (other frameworks, other revisions, categories) are kept as written.
fn requirements(raw: &Raw) -> (Vec<ControlRef>, Vec<String>) {
    let mut found = Requirements::default();
    let listed = raw.compliance.as_ref().and_then(|c| c.related_requirements.as_ref());
    for requirement in listed.into_iter().flatten() {
        let text = requirement.trim();
        let rev5 = text.get(..14).is_some_and(|p| p.eq_ignore_ascii_case("NIST.800-53.r5"));
        match ids::sp800_53(text).filter(|_| rev5) {
            Some(id) => found.control(text, id, "Compliance.RelatedRequirements"),
            None => found.other(text),
        }
    }
    (found.controls, found.others)
}

#[cfg(test)]
mod tests;
