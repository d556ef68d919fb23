//! OSCAL assessment results (OSCAL 1.0 to 1.2): each `results[].findings[]` names its control in
//! `target.target-id` and its outcome in `target.status.state`; the resources are the subjects
//! of its related observations, and the time is when they were `collected`. Read whole.

use std::collections::HashMap;
use std::io::BufRead;

use serde::Deserialize;

use super::{Finding, ObsStatus, Requirements, Tool, bad, present, times};
use crate::error::{Error, Result};

#[derive(Deserialize)]
struct Document {
    #[serde(rename = "assessment-results")]
    results: AssessmentResults,
}

#[derive(Deserialize)]
struct AssessmentResults {
    #[serde(rename = "local-definitions")]
    local_definitions: Option<LocalDefinitions>,
    results: Vec<Run>,
}

#[derive(Deserialize, Default)]
struct LocalDefinitions {
    #[serde(default, rename = "inventory-items")]
    inventory_items: Vec<InventoryItem>,
}

#[derive(Deserialize)]
struct InventoryItem {
    uuid: String,
    #[serde(default)]
    props: Vec<Prop>,
}

#[derive(Deserialize)]
struct Prop {
    name: String,
    value: String,
}

#[derive(Deserialize)]
struct Run {
    uuid: Option<String>,
    start: Option<String>,
    end: Option<String>,
    #[serde(rename = "local-definitions")]
    local_definitions: Option<LocalDefinitions>,
    #[serde(default)]
    observations: Vec<Observation>,
    #[serde(default)]
    findings: Vec<OscalFinding>,
}

#[derive(Deserialize)]
struct Observation {
    uuid: String,
    #[serde(default)]
    subjects: Vec<Subject>,
    collected: Option<String>,
}

#[derive(Deserialize)]
struct Subject {
    #[serde(rename = "subject-uuid")]
    subject_uuid: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

#[derive(Deserialize)]
struct OscalFinding {
    uuid: Option<String>,
    title: Option<String>,
    target: Option<Target>,
    #[serde(default, rename = "related-observations")]
    related_observations: Vec<RelatedObservation>,
}

#[derive(Deserialize)]
struct Target {
    #[serde(rename = "target-id")]
    target_id: Option<String>,
    status: Option<TargetStatus>,
}

#[derive(Deserialize)]
struct TargetStatus {
    state: Option<String>,
}

#[derive(Deserialize)]
struct RelatedObservation {
    #[serde(rename = "observation-uuid")]
    observation_uuid: String,
}

/// Reads an OSCAL assessment-results document, handing each finding (one per subject) to `each`.
pub(super) fn read(file: &str, input: &mut dyn BufRead, each: &mut dyn FnMut(Finding) -> Result<()>) -> Result<Tool> {
    let mut bytes = Vec::new();
    input.read_to_end(&mut bytes).map_err(|e| Error::io(file, e))?;
    let document: Document =
        serde_json::from_slice(&bytes).map_err(|e| super::json_error(file, &e, "not OSCAL assessment results"))?;
    let top = document.results.local_definitions.unwrap_or_default();
    for (r, run) in document.results.results.iter().enumerate() {
        let observations: HashMap<&str, &Observation> = run.observations.iter().map(|o| (o.uuid.as_str(), o)).collect();
        let assets = asset_ids(&top, run.local_definitions.as_ref());
        for (f, finding) in run.findings.iter().enumerate() {
            let locator = format!("$.assessment-results.results[{r}].findings[{f}]");
            let fail = |message: String| bad(file, &locator, message);
            let uuid = present(finding.uuid.as_deref()).ok_or_else(|| fail("no uuid".into()))?;
            let target = finding.target.as_ref();
            let target_id = target
                .and_then(|t| present(t.target_id.as_deref()))
                .ok_or_else(|| fail("no target.target-id".into()))?;
            let state = target
                .and_then(|t| t.status.as_ref())
                .and_then(|s| present(s.state.as_deref()))
                .ok_or_else(|| fail("no status (target.status.state)".into()))?;
            let status = match state.to_ascii_lowercase().as_str() {
                "satisfied" => ObsStatus::Passed,
                "not-satisfied" => ObsStatus::Failed,
                _ => {
                    return Err(fail(format!(
                        "unknown target.status.state \"{}\": expected satisfied or not-satisfied",
                        crate::error::shorten(state)
                    )));
                }
            };
            let mut related = Vec::new();
            for (o, link) in finding.related_observations.iter().enumerate() {
                let observation = observations.get(link.observation_uuid.as_str()).ok_or_else(|| {
                    fail(format!(
                        "related-observations[{o}]: no observation {} in this result",
                        crate::error::shorten(&link.observation_uuid)
                    ))
                })?;
                related.push(*observation);
            }
            let observed_at = observed_at(run, &related).map_err(fail)?;
            let mut requirements = Requirements::default();
            requirements.control_or_other(target_id, "target-id");
            let mut resources: Vec<String> = Vec::new();
            for subject in related.iter().flat_map(|o| &o.subjects) {
                let Some(id) = present(subject.subject_uuid.as_deref()) else {
                    continue;
                };
                let name = match assets.get(id) {
                    Some(asset) => asset.to_string(),
                    None => format!("{}:{id}", present(subject.kind.as_deref()).unwrap_or("subject")),
                };
                if !resources.contains(&name) {
                    resources.push(name);
                }
            }
            if resources.is_empty() {
                // No subject: the finding is about the assessed system as a whole.
                let run_id = present(run.uuid.as_deref()).unwrap_or("result");
                resources.push(format!("oscal-system:{run_id}"));
            }
            for resource in resources {
                each(Finding {
                    locator: locator.clone(),
                    finding_id: uuid.to_string(),
                    check_id: target_id.to_string(),
                    title: present(finding.title.as_deref()).unwrap_or(target_id).to_string(),
                    resource,
                    account: None,
                    region: None,
                    status,
                    source_status: state.to_string(),
                    observed_at: observed_at.clone(),
                    controls: requirements.controls.clone(),
                    other_requirements: requirements.others.clone(),
                })?;
            }
        }
    }
    Ok(Tool::default())
}

/// The asset id (`asset-id` prop) of each inventory item, by uuid: a subject that is an
/// inventory item with an asset id is that resource (an ARN, a host name).
fn asset_ids<'a>(top: &'a LocalDefinitions, run: Option<&'a LocalDefinitions>) -> HashMap<&'a str, &'a str> {
    let items = top
        .inventory_items
        .iter()
        .chain(run.into_iter().flat_map(|d| &d.inventory_items));
    items
        .filter_map(|item| {
            let asset = item.props.iter().find(|p| p.name == "asset-id")?;
            present(Some(asset.value.as_str())).map(|v| (item.uuid.as_str(), v))
        })
        .collect()
}

/// The latest `collected` of the related observations, else the result's `end`, else its `start`.
fn observed_at(run: &Run, related: &[&Observation]) -> Result<String, String> {
    let mut latest: Option<String> = None;
    for observation in related {
        if let Some(text) = present(observation.collected.as_deref()) {
            let time = times::parse(text).map_err(|e| format!("observation {}: collected: {e}", observation.uuid))?;
            if latest.as_ref().is_none_or(|l| *l < time) {
                latest = Some(time);
            }
        }
    }
    if let Some(time) = latest {
        return Ok(time);
    }
    for (field, value) in [("end", &run.end), ("start", &run.start)] {
        if let Some(text) = present(value.as_deref()) {
            return times::parse(text).map_err(|e| format!("result {field}: {e}"));
        }
    }
    Err("no time (observations' collected, or the result's end or start)".to_string())
}

#[cfg(test)]
mod tests {
    use super::super::Format;
    use super::super::testing::{controls, error_of, read_fixture, read_text};
    use super::*;

    #[test]
    fn reads_nist_example_results() {
        let (findings, info) = read_fixture(Format::OscalAr, "oscal/ifa_assessment-results-example.json");
        assert_eq!(findings.len(), 1);
        assert_eq!(info.tool, "OSCAL assessment results");
        let f = &findings[0];
        assert_eq!(f.locator, "$.assessment-results.results[0].findings[0]");
        assert_eq!(f.finding_id, "45d8a6c2-1368-4bad-9ba0-7141f0a32889");
        assert_eq!(f.check_id, "ac-6.1_obj");
        assert_eq!(controls(f), ["AC-6(1)"]);
        assert_eq!(f.controls[0].via, "target-id");
        assert_eq!(
            (f.status, f.source_status.as_str()),
            (ObsStatus::Failed, "not-satisfied")
        );
        assert_eq!(f.resource, "component:551b9706-d6a4-4d25-8207-f2ccec548b89");
        assert_eq!(f.observed_at, "2023-06-02T12:31:20Z");
    }

    fn document(finding: &str) -> String {
        format!(
            r#"{{"assessment-results":{{"uuid":"a","metadata":{{"title":"t","oscal-version":"1.2.1"}},"local-definitions":{{"inventory-items":[{{"uuid":"i-1","description":"db","props":[{{"name":"asset-id","value":"arn:aws:rds:eu-west-1:111122223333:db:orders"}}]}}]}},"results":[{{"uuid":"r-1","title":"t","start":"2024-05-01T00:00:00Z","observations":[{{"uuid":"o-1","methods":["TEST"],"subjects":[{{"subject-uuid":"i-1","type":"inventory-item"}},{{"subject-uuid":"c-9","type":"component"}}],"collected":"2024-05-02T10:00:00+02:00"}}],"findings":[{finding}]}}]}}}}"#
        )
    }

    const FINDING: &str = r#"{"uuid":"f-1","title":"Accounts","target":{"type":"statement-id","target-id":"ac-2_smt.a","status":{"state":"satisfied"}},"related-observations":[{"observation-uuid":"o-1"}]}"#;

    #[test]
    fn one_finding_per_subject_named_by_asset_id() {
        let (findings, _) = read_text(Format::OscalAr, &document(FINDING)).expect("ar");
        let resources: Vec<&str> = findings.iter().map(|f| f.resource.as_str()).collect();
        assert_eq!(
            resources,
            ["arn:aws:rds:eu-west-1:111122223333:db:orders", "component:c-9"]
        );
        assert_eq!(findings[0].status, ObsStatus::Passed);
        assert_eq!(findings[0].controls[0].id.to_string(), "AC-2 a");
        assert_eq!(findings[0].observed_at, "2024-05-02T08:00:00Z");
        let alone = FINDING.replace(r#","related-observations":[{"observation-uuid":"o-1"}]"#, "");
        let (findings, _) = read_text(Format::OscalAr, &document(&alone)).expect("ar");
        assert_eq!(findings[0].resource, "oscal-system:r-1");
        assert_eq!(findings[0].observed_at, "2024-05-01T00:00:00Z");
        let other = FINDING.replace("ac-2_smt.a", "pci-10.2.1");
        let (findings, _) = read_text(Format::OscalAr, &document(&other)).expect("ar");
        assert!(findings[0].controls.is_empty());
        assert_eq!(findings[0].other_requirements, ["pci-10.2.1"]);
    }

    #[test]
    fn refuses_bad_input_naming_file_and_record() {
        let at = "scan.json $.assessment-results.results[0].findings[0]";
        let cases = [
            (
                document(&FINDING.replace("\"satisfied\"", "\"partly\"")),
                format!("{at}: unknown target.status.state \"partly\": expected satisfied or not-satisfied"),
            ),
            (
                document(&FINDING.replace(r#","status":{"state":"satisfied"}"#, "")),
                format!("{at}: no status (target.status.state)"),
            ),
            (
                document(&FINDING.replace(r#""target-id":"ac-2_smt.a","#, "")),
                format!("{at}: no target.target-id"),
            ),
            (
                document(&FINDING.replace(r#""uuid":"f-1","#, "")),
                format!("{at}: no uuid"),
            ),
            (
                document(&FINDING.replace("o-1", "o-404")),
                format!("{at}: related-observations[0]: no observation o-404 in this result"),
            ),
            (
                document(FINDING).replace("2024-05-02T10:00:00+02:00", "May 2nd"),
                format!("{at}: observation o-1: collected: \"May 2nd\" is not a time"),
            ),
            (
                r#"{"assessment-results":{"uuid":"a"}}"#.to_string(),
                "scan.json: not OSCAL assessment results: missing field `results`".to_string(),
            ),
            (
                document(FINDING)[..100].to_string(),
                "scan.json: the JSON ends too early (truncated?)".to_string(),
            ),
        ];
        for (text, want) in cases {
            let message = error_of(Format::OscalAr, &text);
            assert!(message.starts_with(&want), "{message}\n  wanted {want}");
        }
    }
}
