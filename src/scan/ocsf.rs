//! OCSF Detection Findings as Prowler writes them (`-M json-ocsf`): a JSON array of findings
//! (also read: one finding, or one per line). `status_code` is the check's result; `status` is
//! the OCSF workflow word ("New", "Suppressed"). Prowler's example output is full of
//! placeholders such as `<resource_uid>`: they are values like any other and are kept.

use std::collections::BTreeMap;
use std::io::BufRead;

use serde::Deserialize;

use super::json_stream::{self, Wrap};
use super::{Finding, ObsStatus, Requirements, Tool, bad, ids, present, times};
use crate::error::Result;

/// OCSF findings come as a bare array: no wrapper keys.
const WRAPS: &[Wrap] = &[];

/// Prowler's compliance key for SP 800-53 rev 5: the only one whose ids are controls.
pub(super) const NIST_KEY: &str = "NIST-800-53-Revision-5";

#[derive(Deserialize)]
struct Raw {
    metadata: Option<Metadata>,
    status_code: Option<String>,
    status: Option<String>,
    finding_info: Option<Info>,
    /// OCSF 1.0 (Prowler 3) names `finding_info` `finding`.
    finding: Option<Info>,
    message: Option<String>,
    resources: Option<Vec<Resource>>,
    cloud: Option<Cloud>,
    time: Option<serde_json::Value>,
    time_dt: Option<String>,
    unmapped: Option<Unmapped>,
}

#[derive(Deserialize)]
struct Metadata {
    event_code: Option<String>,
    product: Option<Product>,
}

#[derive(Deserialize)]
struct Product {
    name: Option<String>,
    version: Option<String>,
}

#[derive(Deserialize)]
struct Info {
    uid: Option<String>,
    title: Option<String>,
}

#[derive(Deserialize)]
struct Resource {
    uid: Option<String>,
    region: Option<String>,
}

#[derive(Deserialize)]
struct Cloud {
    account: Option<Account>,
    region: Option<String>,
}

#[derive(Deserialize)]
struct Account {
    uid: Option<String>,
}

#[derive(Deserialize)]
struct Unmapped {
    compliance: Option<BTreeMap<String, serde_json::Value>>,
}

/// Reads OCSF findings from `input`, one resource per finding handed to `each`.
pub(super) fn read(file: &str, input: &mut dyn BufRead, each: &mut dyn FnMut(Finding) -> Result<()>) -> Result<Tool> {
    let mut tool = Tool::default();
    json_stream::read::<Raw>(file, input, WRAPS, &mut |locator, raw| {
        if tool.name.is_none() {
            let product = raw.metadata.as_ref().and_then(|m| m.product.as_ref());
            tool = Tool {
                name: product.and_then(|p| present(p.name.as_deref())).map(str::to_string),
                version: product.and_then(|p| present(p.version.as_deref())).map(str::to_string),
            };
        }
        for finding in findings(file, &locator, raw)? {
            each(finding)?;
        }
        Ok(())
    })?;
    Ok(tool)
}

fn findings(file: &str, locator: &str, raw: Raw) -> Result<Vec<Finding>> {
    let fail = |message: String| bad(file, locator, message);
    let info = raw.finding_info.as_ref().or(raw.finding.as_ref());
    let id = info
        .and_then(|i| present(i.uid.as_deref()))
        .ok_or_else(|| fail("no finding id (finding_info.uid)".to_string()))?;
    let check_id = raw
        .metadata
        .as_ref()
        .and_then(|m| present(m.event_code.as_deref()))
        .ok_or_else(|| fail("no check id (metadata.event_code)".to_string()))?;
    let (status, source_status) = status(&raw).map_err(fail)?;
    let observed_at = observed_at(&raw).map_err(fail)?;
    let requirements = requirements(&raw).map_err(fail)?;
    let resources: Vec<&Resource> = raw.resources.iter().flatten().collect();
    if !resources.iter().any(|r| present(r.uid.as_deref()).is_some()) {
        return Err(fail("no resource (resources[].uid)".to_string()));
    }
    let cloud = raw.cloud.as_ref();
    let account = cloud
        .and_then(|c| c.account.as_ref())
        .and_then(|a| present(a.uid.as_deref()))
        .map(str::to_string);
    let title = info
        .and_then(|i| present(i.title.as_deref()))
        .or(present(raw.message.as_deref()))
        .unwrap_or(check_id)
        .to_string();
    let several = resources.len() > 1;
    let mut out = Vec::with_capacity(resources.len());
    for (i, resource) in resources.iter().enumerate() {
        let here = if several {
            format!("{locator}.resources[{i}]")
        } else {
            locator.to_string()
        };
        let uid = present(resource.uid.as_deref()).ok_or_else(|| bad(file, &here, "no resource (resources[].uid)"))?;
        out.push(Finding {
            locator: here,
            finding_id: id.to_string(),
            check_id: check_id.to_string(),
            title: title.clone(),
            resource: uid.to_string(),
            account: account.clone(),
            region: present(resource.region.as_deref())
                .or(cloud.and_then(|c| present(c.region.as_deref())))
                .map(str::to_string),
            status,
            source_status: source_status.clone(),
            observed_at: observed_at.clone(),
            controls: requirements.controls.clone(),
            other_requirements: requirements.others.clone(),
        });
    }
    Ok(out)
}

/// `status_code` PASS / FAIL / MANUAL; `status` is the workflow: an archived finding no longer
/// applies, a suppressed (muted) one keeps its result and says so.
fn status(raw: &Raw) -> Result<(ObsStatus, String), String> {
    let word = present(raw.status_code.as_deref()).ok_or("no status (status_code)".to_string())?;
    let mut status = match word.to_ascii_uppercase().as_str() {
        "PASS" => ObsStatus::Passed,
        "FAIL" => ObsStatus::Failed,
        // Prowler 3's INFO became MANUAL in Prowler 4.
        "MANUAL" | "INFO" => ObsStatus::Manual,
        _ => {
            return Err(format!(
                "unknown status_code \"{}\": expected PASS, FAIL, MANUAL or INFO",
                crate::error::shorten(word)
            ));
        }
    };
    let mut words = word.to_string();
    if let Some(workflow) = present(raw.status.as_deref()) {
        match workflow.to_ascii_lowercase().as_str() {
            // OCSF 1.0 (Prowler 3) wrote the event's Success or Failure here.
            "new" | "in progress" | "resolved" | "unknown" | "other" | "success" | "failure" => {}
            "suppressed" => words.push_str(", status Suppressed"),
            "archived" => {
                status = ObsStatus::NotApplicable;
                words.push_str(", status Archived");
            }
            _ => {
                return Err(format!(
                    "unknown status \"{}\": expected New, In Progress, Suppressed, Resolved, Archived, Unknown, Other, Success or Failure",
                    crate::error::shorten(workflow)
                ));
            }
        }
    }
    Ok((status, words))
}

/// `time` (epoch seconds or milliseconds), else `time_dt`.
fn observed_at(raw: &Raw) -> Result<String, String> {
    match &raw.time {
        Some(serde_json::Value::Number(n)) => {
            let number = n.as_f64().ok_or(format!("time: {n} is not a time"))?;
            times::from_epoch(number).map_err(|e| format!("time: {e}"))
        }
        Some(serde_json::Value::String(text)) if !text.trim().is_empty() => {
            times::parse(text).map_err(|e| format!("time: {e}"))
        }
        Some(serde_json::Value::Null) | Some(serde_json::Value::String(_)) | None => {
            let text = present(raw.time_dt.as_deref()).ok_or("no time (time or time_dt)".to_string())?;
            times::parse(text).map_err(|e| format!("time_dt: {e}"))
        }
        Some(other) => Err(format!("time: expected epoch seconds, found {other}")),
    }
}

/// `unmapped.compliance`: the ids under Prowler's rev 5 key are controls, every other key's ids
/// are kept as `<key> <id>`.
fn requirements(raw: &Raw) -> Result<Requirements, String> {
    let mut found = Requirements::default();
    let compliance = raw.unmapped.as_ref().and_then(|u| u.compliance.as_ref());
    for (key, value) in compliance.into_iter().flatten() {
        let listed: Vec<&str> = match value {
            serde_json::Value::Array(items) => items.iter().filter_map(|v| v.as_str()).collect(),
            serde_json::Value::String(one) => vec![one.as_str()],
            serde_json::Value::Null => Vec::new(),
            other => {
                return Err(format!(
                    "unmapped.compliance[{key}]: expected a list of ids, found {other}"
                ));
            }
        };
        for id in listed {
            let id = id.trim();
            match ids::sp800_53(id).filter(|_| key.eq_ignore_ascii_case(NIST_KEY)) {
                Some(control) => found.control(id, control, &format!("unmapped.compliance[{NIST_KEY}]")),
                None if id.is_empty() => {}
                None => found.other(&format!("{key} {id}")),
            }
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::super::Format;
    use super::super::testing::{controls, error_of, read_fixture, read_text};
    use super::*;

    #[test]
    fn reads_prowler_ocsf_keeping_placeholders() {
        let (findings, info) = read_fixture(Format::Ocsf, "prowler/example_output_aws.ocsf.json");
        assert_eq!(findings.len(), 5);
        assert_eq!(info.tool, "Prowler");
        assert_eq!(info.tool_version.as_deref(), Some("<prowler_version>"));
        let first = &findings[0];
        assert_eq!(first.locator, "$[0]");
        assert_eq!(first.finding_id, "<finding_uid>");
        assert_eq!(first.check_id, "accessanalyzer_enabled");
        assert_eq!(first.resource, "<resource_uid>");
        assert_eq!(first.account.as_deref(), Some("<account_uid>"));
        assert_eq!(first.region.as_deref(), Some("<region>"));
        assert_eq!(
            (first.status, first.source_status.as_str()),
            (ObsStatus::Failed, "FAIL")
        );
        assert_eq!(first.observed_at, "2025-02-14T13:27:03Z");
        assert!(first.controls.is_empty());
        assert!(first.other_requirements.contains(&"CIS-1.4 1.20".to_string()));
        let words: Vec<&str> = findings.iter().map(|f| f.source_status.as_str()).collect();
        assert_eq!(words, ["FAIL", "MANUAL", "FAIL", "MANUAL", "MANUAL"]);
    }

    fn finding(fields: &str) -> String {
        format!(
            r#"[{{"metadata":{{"event_code":"iam_root_mfa_enabled","product":{{"name":"Prowler","version":"5.0.0"}}}},"finding_info":{{"uid":"u1","title":"Root MFA"}},"status":"New","status_code":"FAIL","time":1739539623,"resources":[{{"uid":"arn:aws:iam::111122223333:root","region":"us-east-1"}}],"cloud":{{"account":{{"uid":"111122223333"}},"region":"us-east-1"}},"unmapped":{{"compliance":{{"NIST-800-53-Revision-5":["ac_2_1","ia_2_1","ac_2_d_1"],"NIST-800-53-Revision-4":["ac_2"],"CIS-1.4":["1.5"]}}}}{fields}}}]"#
        )
    }

    #[test]
    fn maps_the_rev5_compliance_key_only() {
        let (findings, _) = read_text(Format::Ocsf, &finding("")).expect("a finding");
        let f = &findings[0];
        assert_eq!(controls(f), ["AC-2(1)", "IA-2(1)", "AC-2"]);
        assert_eq!(f.controls[2].id.part.as_deref(), Some("d.1"));
        assert_eq!(f.controls[0].via, "unmapped.compliance[NIST-800-53-Revision-5]");
        assert_eq!(f.other_requirements, ["CIS-1.4 1.5", "NIST-800-53-Revision-4 ac_2"]);
    }

    #[test]
    fn maps_every_status_word() {
        let cases = [
            ("PASS", "New", ObsStatus::Passed, "PASS"),
            ("FAIL", "New", ObsStatus::Failed, "FAIL"),
            ("MANUAL", "New", ObsStatus::Manual, "MANUAL"),
            ("FAIL", "Suppressed", ObsStatus::Failed, "FAIL, status Suppressed"),
            ("FAIL", "Archived", ObsStatus::NotApplicable, "FAIL, status Archived"),
            ("pass", "Resolved", ObsStatus::Passed, "pass"),
            ("INFO", "Success", ObsStatus::Manual, "INFO"),
        ];
        for (code, workflow, status, words) in cases {
            let text = finding("")
                .replace(r#""status_code":"FAIL""#, &format!(r#""status_code":"{code}""#))
                .replace(r#""status":"New""#, &format!(r#""status":"{workflow}""#));
            let (findings, _) = read_text(Format::Ocsf, &text).expect("a finding");
            assert_eq!(
                (findings[0].status, findings[0].source_status.as_str()),
                (status, words)
            );
        }
    }

    #[test]
    fn reads_time_in_every_form() {
        let cases = [
            (r#""time":1739539623"#, "2025-02-14T13:27:03Z"),
            (r#""time":1739539623913"#, "2025-02-14T13:27:03Z"),
            (
                r#""time":null,"time_dt":"2025-02-14T14:27:03.913874""#,
                "2025-02-14T14:27:03Z",
            ),
            (r#""time_dt":"2025-02-14T14:27:03+01:00""#, "2025-02-14T13:27:03Z"),
        ];
        for (fields, want) in cases {
            let text = finding("").replace(r#""time":1739539623"#, fields);
            let (findings, _) = read_text(Format::Ocsf, &text).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(findings[0].observed_at, want, "{fields}");
        }
    }

    #[test]
    fn refuses_bad_input_naming_file_and_record() {
        let ok = finding("");
        let cases = [
            (
                ok.replace(r#""uid":"u1","#, ""),
                "scan.json $[0]: no finding id (finding_info.uid)",
            ),
            (
                ok.replace(r#""event_code":"iam_root_mfa_enabled","#, ""),
                "scan.json $[0]: no check id (metadata.event_code)",
            ),
            (
                ok.replace(r#""status_code":"FAIL","#, ""),
                "scan.json $[0]: no status (status_code)",
            ),
            (
                ok.replace(r#""status_code":"FAIL""#, r#""status_code":"OK""#),
                "scan.json $[0]: unknown status_code \"OK\": expected PASS, FAIL, MANUAL or INFO",
            ),
            (
                ok.replace(r#""status":"New""#, r#""status":"Open""#),
                "scan.json $[0]: unknown status \"Open\"",
            ),
            (
                ok.replace(r#"{"uid":"arn:aws:iam::111122223333:root","region":"us-east-1"}"#, "{}"),
                "scan.json $[0]: no resource (resources[].uid)",
            ),
            (
                ok.replace(r#""time":1739539623"#, r#""time":"soon""#),
                "scan.json $[0]: time: \"soon\" is not a time",
            ),
            (
                ok.replace(r#""time":1739539623,"#, ""),
                "scan.json $[0]: no time (time or time_dt)",
            ),
            (
                ok.replace(r#"["ac_2_1","ia_2_1","ac_2_d_1"]"#, "5"),
                "scan.json $[0]: unmapped.compliance[NIST-800-53-Revision-5]: expected a list of ids, found 5",
            ),
            (
                ok.replace(r#""resources":["#, r#""resources":{"#),
                "scan.json $[0]: invalid type: map, expected a sequence",
            ),
            (
                ok[..ok.len() - 40].to_string(),
                "scan.json $[0]: the JSON ends too early (truncated?)",
            ),
        ];
        for (text, want) in cases {
            let message = error_of(Format::Ocsf, &text);
            assert!(message.starts_with(want), "{message}\n  wanted {want}");
        }
    }
}
