//! MITRE Heimdall Data Format: `profiles[].controls[]`, each control with `tags.nist` and
//! `results[]`. Read whole (a profile, not a bulk export). Each result is a finding; a control
//! with no results is one `manual` finding (Heimdall calls it "not reviewed").
//!
//! The resource is rarely a field: converters write it into `code_desc`
//! ("Resources: [Type: AwsS3Bucket, Id: arn:aws:s3:::bucket, ...]"). ctrlmap takes, in order, the
//! result's `resource_id` (InSpec 5), the ids in `code_desc`, the account at the end of
//! `platform.target_id` (ScoutSuite: "...:Amazon Web Services:916481805664"), and else the
//! placeholder `hdf-target:<target id or profile name>`.

use std::io::BufRead;

use serde::Deserialize;

use super::{Finding, ObsStatus, Requirements, Tool, account_resource, bad, present, times};
use crate::error::{Error, Result};

#[derive(Deserialize)]
struct Hdf {
    platform: Option<Platform>,
    profiles: Vec<Profile>,
}

#[derive(Deserialize)]
struct Platform {
    target_id: Option<String>,
}

#[derive(Deserialize)]
struct Profile {
    name: Option<String>,
    version: Option<String>,
    #[serde(default)]
    controls: Vec<Control>,
}

#[derive(Deserialize)]
struct Control {
    id: Option<String>,
    title: Option<String>,
    impact: Option<f64>,
    tags: Option<serde_json::Value>,
    #[serde(default)]
    results: Vec<Outcome>,
}

#[derive(Deserialize)]
struct Outcome {
    status: Option<String>,
    code_desc: Option<String>,
    start_time: Option<String>,
    resource_id: Option<String>,
}

/// Reads an HDF file, handing each result (one per resource) to `each`.
pub(super) fn read(file: &str, input: &mut dyn BufRead, each: &mut dyn FnMut(Finding) -> Result<()>) -> Result<Tool> {
    let mut bytes = Vec::new();
    input.read_to_end(&mut bytes).map_err(|e| Error::io(file, e))?;
    let hdf: Hdf = serde_json::from_slice(&bytes).map_err(|e| super::json_error(file, &e, "not HDF"))?;
    let target = hdf.platform.as_ref().and_then(|p| present(p.target_id.as_deref()));
    // A control with no results is observed when the rest of the file was.
    let latest = latest_time(&hdf);
    let mut tool = Tool::default();
    for (p, profile) in hdf.profiles.iter().enumerate() {
        if tool.name.is_none() {
            tool.name = present(profile.name.as_deref()).map(str::to_string);
            tool.version = present(profile.version.as_deref()).map(str::to_string);
        }
        let fallback = fallback_resource(target, profile, p);
        for (c, control) in profile.controls.iter().enumerate() {
            let here = format!("$.profiles[{p}].controls[{c}]");
            let id = present(control.id.as_deref()).ok_or_else(|| bad(file, &here, "no control id (id)"))?;
            let requirements = nist_tags(control);
            let base = Finding {
                locator: here.clone(),
                finding_id: id.to_string(),
                check_id: id.to_string(),
                title: present(control.title.as_deref()).unwrap_or(id).to_string(),
                resource: fallback.0.clone(),
                account: fallback.1.clone(),
                region: None,
                status: ObsStatus::Manual,
                source_status: "no results (not reviewed)".to_string(),
                observed_at: String::new(),
                controls: requirements.controls,
                other_requirements: requirements.others,
            };
            if control.results.is_empty() {
                let observed_at = latest
                    .clone()
                    .ok_or_else(|| bad(file, &here, "no results and no time anywhere in the file"))?;
                each(Finding { observed_at, ..base })?;
                continue;
            }
            let not_applicable = control.impact == Some(0.0);
            for (r, outcome) in control.results.iter().enumerate() {
                let locator = format!("{here}.results[{r}]");
                let fail = |message: String| bad(file, &locator, message);
                let (status, source_status) = status(outcome, not_applicable).map_err(fail)?;
                let time = present(outcome.start_time.as_deref()).ok_or_else(|| fail("no time (start_time)".into()))?;
                let observed_at = times::parse(time).map_err(|e| fail(format!("start_time: {e}")))?;
                let finding = Finding {
                    locator: locator.clone(),
                    finding_id: format!("{id}#{r}"),
                    status,
                    source_status,
                    observed_at,
                    ..base.clone()
                };
                let named = resources(outcome);
                if named.is_empty() {
                    each(finding)?;
                    continue;
                }
                for (resource, region) in named {
                    let account = arn_account(&resource).or_else(|| finding.account.clone());
                    each(Finding {
                        resource,
                        region,
                        account,
                        ..finding.clone()
                    })?;
                }
            }
        }
    }
    Ok(tool)
}

/// The latest `start_time` of any result, for controls that have none.
fn latest_time(hdf: &Hdf) -> Option<String> {
    let all = hdf.profiles.iter().flat_map(|p| &p.controls).flat_map(|c| &c.results);
    all.filter_map(|r| times::parse(r.start_time.as_deref()?).ok()).max()
}

/// The resource of results that name none: the account in the target id, else a placeholder.
fn fallback_resource(target: Option<&str>, profile: &Profile, index: usize) -> (String, Option<String>) {
    if let Some(account) = target.and_then(|t| t.rsplit(':').next()).filter(|a| is_account(a)) {
        return (account_resource(account), Some(account.to_string()));
    }
    let name = target
        .map(str::to_string)
        .or_else(|| present(profile.name.as_deref()).map(str::to_string))
        .unwrap_or_else(|| format!("profile {index}"));
    (format!("hdf-target:{name}"), None)
}

fn is_account(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// The account of an ARN (`arn:aws:s3:::b` has none).
fn arn_account(resource: &str) -> Option<String> {
    if let Some(account) = resource.strip_prefix("aws-account:") {
        return Some(account.to_string());
    }
    let account = resource.strip_prefix("arn:")?.split(':').nth(3)?;
    is_account(account).then(|| account.to_string())
}

/// The resources a result names, with their regions: `resource_id`, else every
/// `[Type: ..., Id: ..., Region: ...]` in `code_desc` after "Resources:".
fn resources(outcome: &Outcome) -> Vec<(String, Option<String>)> {
    if let Some(id) = present(outcome.resource_id.as_deref()) {
        return vec![(resource_name(id), None)];
    }
    let Some(text) = outcome.code_desc.as_deref() else {
        return Vec::new();
    };
    let Some(at) = text.find("Resources:") else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for bracket in text[at..].split('[').skip(1) {
        let inside = bracket.split(']').next().unwrap_or("");
        let field = |name: &str| {
            inside
                .split(", ")
                .find_map(|part| part.trim().strip_prefix(name))
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        if let Some(id) = field("Id:") {
            found.push((resource_name(id), field("Region:").map(str::to_string)));
        }
    }
    found
}

/// Security Hub's `AWS::::Account:<id>` is `aws-account:<id>`.
fn resource_name(id: &str) -> String {
    match id.strip_prefix("AWS::::Account:") {
        Some(account) => account_resource(account),
        None => id.to_string(),
    }
}

/// A result's status (docs/scanners.md, "HDF"): passed, failed, skipped (a person must look:
/// manual), error; a control of impact 0 is not applicable whatever its results say, as in
/// Heimdall.
fn status(outcome: &Outcome, not_applicable: bool) -> Result<(ObsStatus, String), String> {
    let word = present(outcome.status.as_deref()).ok_or("no status (status)".to_string())?;
    let status = match word.to_ascii_lowercase().as_str() {
        "passed" => ObsStatus::Passed,
        "failed" => ObsStatus::Failed,
        "skipped" => ObsStatus::Manual,
        "error" => ObsStatus::Error,
        "not applicable" | "not_applicable" => ObsStatus::NotApplicable,
        _ => {
            return Err(format!(
                "unknown status \"{}\": expected passed, failed, skipped, error or not applicable",
                crate::error::shorten(word)
            ));
        }
    };
    if not_applicable {
        return Ok((ObsStatus::NotApplicable, format!("{word} (impact 0)")));
    }
    Ok((status, word.to_string()))
}

/// `tags.nist`: SP 800-53 ids, read as rev 5 unless the list carries the marker `Rev_4`, which
/// makes all of them rev 4 ids, kept and never matched.
fn nist_tags(control: &Control) -> Requirements {
    let mut found = Requirements::default();
    let tags = control.tags.as_ref().and_then(|t| t.get("nist"));
    let listed: Vec<&str> = match tags {
        Some(serde_json::Value::Array(items)) => items.iter().filter_map(|v| v.as_str()).collect(),
        Some(serde_json::Value::String(one)) => vec![one.as_str()],
        _ => Vec::new(),
    };
    let rev4 = listed.iter().any(|t| is_rev_marker(t, "4"));
    for tag in listed {
        if is_rev_marker(tag, "4") || is_rev_marker(tag, "5") {
            continue;
        }
        if rev4 {
            found.other(&format!("Rev_4 {}", tag.trim()));
        } else {
            found.control_or_other(tag, "tags.nist");
        }
    }
    found
}

/// `Rev_4`, `Rev 4`, `rev4`.
fn is_rev_marker(tag: &str, revision: &str) -> bool {
    let compact: String = tag.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    compact.eq_ignore_ascii_case(&format!("rev{revision}"))
}

#[cfg(test)]
mod tests;
