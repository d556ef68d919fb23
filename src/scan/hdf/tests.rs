use super::super::testing::{controls, error_of, read_fixture, read_text};
use super::super::{Format, ObsStatus};

#[test]
fn reads_converted_security_hub_findings_with_resources_in_code_desc() {
    let name = "hdf/asff-aws_foundational_security_best_practices_v1.0.0-hdf.json";
    let (findings, info) = read_fixture(Format::Hdf, name);
    assert_eq!(findings.len(), 2);
    assert_eq!(info.tool, "AWS Security Finding Format");
    let config = &findings[0];
    assert_eq!(config.locator, "$.profiles[0].controls[0].results[0]");
    assert_eq!(config.finding_id, "Config.1#0");
    assert_eq!(config.check_id, "Config.1");
    assert_eq!(config.resource, "aws-account:123456789123");
    assert_eq!(config.account.as_deref(), Some("123456789123"));
    assert_eq!(config.region.as_deref(), Some("us-east-1"));
    assert_eq!(config.status, ObsStatus::Failed);
    assert_eq!(config.observed_at, "2021-08-09T11:21:11Z");
    assert_eq!(controls(config), ["SA-11", "RA-5"]);
    assert_eq!(config.controls[0].via, "tags.nist");
    let s3 = &findings[1];
    assert_eq!(s3.resource, "arn:aws:s3:::example-bucket-123456789123-us-east-1");
    assert_eq!(s3.status, ObsStatus::Passed);
    assert_eq!(controls(s3), ["AC-3", "AC-4", "AC-6", "AC-21", "SC-7", "SC-7(3)"]);
    assert_eq!(s3.controls[3].id.part.as_deref(), Some("b"));
    assert_eq!(info.scanned_at.as_deref(), Some("2021-08-09T11:21:11Z"));
}

#[test]
fn reads_scoutsuite_results_with_the_account_of_the_target() {
    let (findings, _) = read_fixture(Format::Hdf, "hdf/scoutsuite-hdf.json");
    assert_eq!(findings.len(), 8);
    let manual = findings.iter().filter(|f| f.status == ObsStatus::Manual).count();
    let failed = findings.iter().filter(|f| f.status == ObsStatus::Failed).count();
    assert_eq!((manual, failed), (7, 1));
    assert!(
        findings.iter().all(|f| f.resource == "aws-account:916481805664"),
        "{:?}",
        findings[0].resource
    );
    assert!(findings.iter().all(|f| f.observed_at == "2021-02-19T19:16:10Z"));
    let skipped = findings
        .iter()
        .find(|f| f.check_id == "cloudtrail-no-cloudwatch-integration")
        .expect("control");
    assert_eq!(skipped.source_status, "skipped");
    assert_eq!(controls(skipped), ["AU-12", "SI-4(2)"]);
}

fn hdf(target: &str, control: &str) -> String {
    format!(
        r#"{{"platform":{{"name":"Heimdall Tools","release":"2.6","target_id":"{target}"}},"version":"2.6","profiles":[{{"name":"demo","version":"1.0","controls":[{control}]}}]}}"#
    )
}

const RESULT: &str = r#"{"status":"failed","code_desc":"Resources: [Type: AwsEc2Instance, Id: arn:aws:ec2:eu-west-1:111122223333:instance/i-1, Region: eu-west-1], [Type: AwsEc2Instance, Id: arn:aws:ec2:eu-west-1:111122223333:instance/i-2]","start_time":"2021-02-19T19:16:10+00:00"}"#;

#[test]
fn one_finding_per_resource_named_in_code_desc() {
    let control = format!(r#"{{"id":"EC2.8","impact":0.5,"tags":{{"nist":["CM-2"]}},"results":[{RESULT}]}}"#);
    let (findings, _) = read_text(Format::Hdf, &hdf("x", &control)).expect("hdf");
    let got: Vec<(&str, Option<&str>, Option<&str>)> = findings
        .iter()
        .map(|f| (f.resource.as_str(), f.region.as_deref(), f.account.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            (
                "arn:aws:ec2:eu-west-1:111122223333:instance/i-1",
                Some("eu-west-1"),
                Some("111122223333")
            ),
            (
                "arn:aws:ec2:eu-west-1:111122223333:instance/i-2",
                None,
                Some("111122223333")
            ),
        ]
    );
}

#[test]
fn places_results_without_a_resource_and_controls_without_results() {
    let cases = [
        // InSpec 5 names the resource.
        (
            r#"{"status":"passed","resource_id":"sg-123","start_time":"2021-02-19T19:16:10Z"}"#,
            "x",
            "sg-123",
        ),
        (
            r#"{"status":"passed","code_desc":"a test","start_time":"2021-02-19T19:16:10Z"}"#,
            "my laptop",
            "hdf-target:my laptop",
        ),
        (
            r#"{"status":"passed","code_desc":"a test","start_time":"2021-02-19T19:16:10Z"}"#,
            "",
            "hdf-target:demo",
        ),
    ];
    for (result, target, resource) in cases {
        let control = format!(r#"{{"id":"c-1","impact":0.7,"tags":{{"nist":["AC-2"]}},"results":[{result}]}}"#);
        let (findings, _) = read_text(Format::Hdf, &hdf(target, &control)).expect("hdf");
        assert_eq!(findings[0].resource, resource);
    }
    let controls = format!(
        r#"{{"id":"c-1","tags":{{}},"results":[{RESULT}]}},{{"id":"c-2","title":"Manual review","tags":{{"nist":"AC-1"}},"results":[]}}"#
    );
    let (findings, _) = read_text(Format::Hdf, &hdf("x", &controls)).expect("hdf");
    let unreviewed = findings.last().expect("c-2");
    assert_eq!(
        (
            unreviewed.status,
            unreviewed.source_status.as_str(),
            unreviewed.observed_at.as_str()
        ),
        (ObsStatus::Manual, "no results (not reviewed)", "2021-02-19T19:16:10Z")
    );
    assert_eq!(unreviewed.locator, "$.profiles[0].controls[1]");
    assert_eq!(super::super::testing::controls(unreviewed), ["AC-1"]);
}

#[test]
fn maps_every_status_word() {
    let cases = [
        ("passed", 0.5, ObsStatus::Passed, "passed"),
        ("failed", 0.5, ObsStatus::Failed, "failed"),
        ("skipped", 0.5, ObsStatus::Manual, "skipped"),
        ("error", 0.5, ObsStatus::Error, "error"),
        ("not applicable", 0.5, ObsStatus::NotApplicable, "not applicable"),
        ("failed", 0.0, ObsStatus::NotApplicable, "failed (impact 0)"),
    ];
    for (word, impact, status, words) in cases {
        let control = format!(
            r#"{{"id":"c","impact":{impact},"results":[{{"status":"{word}","code_desc":"x","start_time":"2021-02-19 19:16:10+0000"}}]}}"#
        );
        let (findings, _) = read_text(Format::Hdf, &hdf("x", &control)).expect("hdf");
        assert_eq!(
            (findings[0].status, findings[0].source_status.as_str()),
            (status, words)
        );
    }
}

#[test]
fn a_rev4_marker_keeps_the_whole_list_out_of_rev5() {
    let control = r#"{"id":"c","tags":{"nist":["AC-2","SI-4 (2)","Rev_4"]},"results":[{"status":"passed","code_desc":"x","start_time":"2021-02-19T19:16:10Z"}]}"#;
    let (findings, _) = read_text(Format::Hdf, &hdf("x", control)).expect("hdf");
    assert!(findings[0].controls.is_empty());
    assert_eq!(findings[0].other_requirements, ["Rev_4 AC-2", "Rev_4 SI-4 (2)"]);
    let rev5 = control.replace("Rev_4", "unmapped");
    let (findings, _) = read_text(Format::Hdf, &hdf("x", &rev5)).expect("hdf");
    assert_eq!(controls(&findings[0]), ["AC-2", "SI-4(2)"]);
    assert_eq!(findings[0].other_requirements, ["unmapped"]);
}

#[test]
fn refuses_bad_input_naming_file_and_record() {
    let ok = r#"{"id":"c","results":[{"status":"passed","code_desc":"x","start_time":"2021-02-19T19:16:10Z"}]}"#;
    let whole = hdf("x", ok);
    let cases = [
        (
            whole.replace(r#""status":"passed""#, r#""status":"flaky""#),
            "scan.json $.profiles[0].controls[0].results[0]: unknown status \"flaky\": expected passed, failed, skipped, error or not applicable",
        ),
        (
            whole.replace(r#""status":"passed","#, ""),
            "scan.json $.profiles[0].controls[0].results[0]: no status (status)",
        ),
        (
            whole.replace("2021-02-19T19:16:10Z", "Feb 19"),
            "scan.json $.profiles[0].controls[0].results[0]: start_time: \"Feb 19\" is not a time",
        ),
        (
            whole.replace(r#","start_time":"2021-02-19T19:16:10Z""#, ""),
            "scan.json $.profiles[0].controls[0].results[0]: no time (start_time)",
        ),
        (
            whole.replace(r#""id":"c","#, ""),
            "scan.json $.profiles[0].controls[0]: no control id (id)",
        ),
        (
            whole[..whole.len() - 10].to_string(),
            "scan.json: the JSON ends too early (truncated?): EOF while parsing",
        ),
        (
            r#"{"platform":{},"profiles":{"a":1}}"#.to_string(),
            "scan.json: not HDF: invalid type: map, expected a sequence (line 1, column 26)",
        ),
        (
            r#"{"platform":{}}"#.to_string(),
            "scan.json: not HDF: missing field `profiles`",
        ),
    ];
    for (text, want) in cases {
        let message = error_of(Format::Hdf, &text);
        assert!(message.starts_with(want), "{message}\n  wanted {want}");
    }
}
