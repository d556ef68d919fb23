use std::cell::Cell;
use std::io::Read;
use std::rc::Rc;

use super::super::testing::{controls, error_of, read_fixture, read_text};
use super::super::{Format, ObsStatus};

#[test]
fn reads_security_hub_findings_wrapped_in_findings() {
    let (findings, info) = read_fixture(Format::Asff, "asff/asff_sample.json");
    assert_eq!(findings.len(), 18);
    assert_eq!(info.findings, 18);
    assert_eq!(info.tool, "Security Hub");
    assert_eq!(info.scanned_at.as_deref(), Some("2021-08-09T11:28:16Z"));
    let first = &findings[0];
    assert_eq!(first.locator, "$.Findings[0]");
    assert_eq!(first.check_id, "cis-aws-foundations-benchmark/v/1.2.0/1.1");
    assert_eq!(first.resource, "aws-account:123456789123");
    assert_eq!(first.account.as_deref(), Some("123456789123"));
    assert_eq!(first.region.as_deref(), Some("us-east-1"));
    assert_eq!(first.status, ObsStatus::Failed);
    assert_eq!(first.source_status, "FAILED");
    assert_eq!(first.observed_at, "2021-08-09T11:28:16Z");
    assert!(first.controls.is_empty() && first.other_requirements.is_empty());
    let s3 = findings.iter().find(|f| f.check_id == "S3.2").expect("S3.2");
    assert_eq!(s3.status, ObsStatus::Passed);
    assert_eq!(s3.resource, "arn:aws:s3:::example-bucket-123456789123-us-east-1");
    let failed = findings.iter().filter(|f| f.status == ObsStatus::Failed).count();
    assert_eq!(failed, 17);
}

#[test]
fn reads_one_prowler_finding_per_line() {
    let (findings, info) = read_fixture(Format::Asff, "asff/prowler-sample.asff-json");
    assert_eq!(findings.len(), 10);
    assert_eq!(info.tool, "Prowler");
    assert_eq!(info.tool_version.as_deref(), Some("2.4.0-07042021"));
    assert_eq!(findings[0].locator, "line 1");
    assert_eq!(findings[9].locator, "line 10");
    assert_eq!(findings[0].check_id, "prowler-check11");
    // No LastObservedAt: UpdatedAt is the next best.
    assert_eq!(findings[0].observed_at, "2021-05-17T23:07:02Z");
    assert_eq!(findings[0].other_requirements, ["Software and Configuration Checks"]);
    assert!(
        findings
            .iter()
            .all(|f| f.status == ObsStatus::Failed && f.controls.is_empty())
    );
}

#[test]
fn reads_single_bare_findings() {
    let (ec2, _) = read_fixture(Format::Asff, "asff/afsbp-ec2.8.json");
    assert_eq!(ec2.len(), 1);
    assert_eq!(ec2[0].check_id, "EC2.8");
    assert_eq!(ec2[0].status, ObsStatus::Failed);
    assert!(ec2[0].resource.starts_with("arn:aws:ec2:"), "{}", ec2[0].resource);
    assert_eq!(ec2[0].locator, "line 1");
    let (s3, _) = read_fixture(Format::Asff, "asff/afsbp-s3.2.json");
    assert_eq!(s3[0].check_id, "S3.2");
    assert_eq!(s3[0].status, ObsStatus::Passed);
    assert!(s3[0].observed_at.starts_with("2021-07-22T"), "{}", s3[0].observed_at);
}

fn finding(id: &str, extra: &str) -> String {
    format!(
        r#"{{"SchemaVersion":"2018-10-08","Id":"{id}","GeneratorId":"security-control/IAM.6","AwsAccountId":"111122223333","Title":"Hardware MFA","UpdatedAt":"2024-01-02T03:04:05Z","Resources":[{{"Type":"AwsAccount","Id":"AWS::::Account:111122223333","Region":"eu-west-1"}}],"Compliance":{{"Status":"FAILED","SecurityControlId":"IAM.6","RelatedRequirements":["NIST.800-53.r5 AC-2(1)","NIST.800-53.r5 IA-2(1)","NIST.800-53.r5 IA-2(1)","CIS AWS Foundations Benchmark v1.4.0/1.6","PCI DSS v3.2.1/8.3.1","NIST.800-53.r4 AC-2"]}}{extra}}}"#
    )
}

#[test]
fn every_wrapper_gives_the_same_findings() {
    let (a, b) = (finding("a", ""), finding("b", ""));
    let forms = [
        (
            format!(r#"{{"Findings":[{a},{b}],"NextToken":null}}"#),
            ["$.Findings[0]", "$.Findings[1]"],
        ),
        (format!("[{a},\n{b}]"), ["$[0]", "$[1]"]),
        (format!("{a}\n{b}\n"), ["line 1", "line 2"]),
        (
            format!(
                r#"{{"version":"0","detail-type":"Security Hub Findings - Imported","source":"aws.securityhub","detail":{{"findings":[{a},{b}]}}}}"#
            ),
            ["$.detail.findings[0]", "$.detail.findings[1]"],
        ),
        (
            format!(
                "{{\"detail-type\":\"Security Hub Findings - Imported\",\"detail\":{{\"findings\":[{a}]}}}}\n{{\"detail-type\":\"Security Hub Findings - Imported\",\"detail\":{{\"findings\":[{b}]}}}}\n"
            ),
            ["$.detail.findings[0]", "line 2 $.detail.findings[0]"],
        ),
    ];
    for (text, locators) in forms {
        let (findings, info) = read_text(Format::Asff, &text).unwrap_or_else(|e| panic!("{e}: {text}"));
        let ids: Vec<&str> = findings.iter().map(|f| f.finding_id.as_str()).collect();
        assert_eq!(ids, ["a", "b"], "{text}");
        let found: Vec<&str> = findings.iter().map(|f| f.locator.as_str()).collect();
        assert_eq!(found, locators);
        assert_eq!(info.scanned_at.as_deref(), Some("2024-01-02T03:04:05Z"));
        let f = &findings[0];
        assert_eq!(f.check_id, "IAM.6");
        assert_eq!(controls(f), ["AC-2(1)", "IA-2(1)"]);
        assert_eq!(f.controls[0].raw, "NIST.800-53.r5 AC-2(1)");
        assert_eq!(f.controls[0].via, "Compliance.RelatedRequirements");
        assert_eq!(
            f.other_requirements,
            [
                "CIS AWS Foundations Benchmark v1.4.0/1.6",
                "PCI DSS v3.2.1/8.3.1",
                "NIST.800-53.r4 AC-2"
            ]
        );
        assert_eq!(f.region.as_deref(), Some("eu-west-1"));
    }
}

#[test]
fn maps_every_status_word() {
    let cases = [
        (r#""Compliance":{"Status":"PASSED"}"#, ObsStatus::Passed, "PASSED"),
        (r#""Compliance":{"Status":"FAILED"}"#, ObsStatus::Failed, "FAILED"),
        (r#""Compliance":{"Status":"WARNING"}"#, ObsStatus::Manual, "WARNING"),
        (
            r#""Compliance":{"Status":"NOT_AVAILABLE"}"#,
            ObsStatus::Error,
            "NOT_AVAILABLE",
        ),
        (
            r#""Compliance":{"Status":"NOT_AVAILABLE","StatusReasons":[{"ReasonCode":"CONFIG_RETURNS_NOT_APPLICABLE"}]}"#,
            ObsStatus::NotApplicable,
            "NOT_AVAILABLE",
        ),
        (r#""Compliance":{"Status":"failed"}"#, ObsStatus::Failed, "failed"),
        (
            r#""Compliance":{"Status":"FAILED"},"Workflow":{"Status":"SUPPRESSED"}"#,
            ObsStatus::Failed,
            "FAILED, Workflow.Status SUPPRESSED",
        ),
        (
            r#""Compliance":{"Status":"PASSED"},"Workflow":{"Status":"RESOLVED"}"#,
            ObsStatus::Passed,
            "PASSED",
        ),
        (
            r#""Compliance":{"Status":"FAILED"},"RecordState":"ARCHIVED""#,
            ObsStatus::NotApplicable,
            "FAILED, RecordState ARCHIVED",
        ),
        (
            r#""Severity":{"Label":"INFORMATIONAL"}"#,
            ObsStatus::Passed,
            "Severity.Label INFORMATIONAL",
        ),
        (
            r#""Severity":{"Label":"HIGH"}"#,
            ObsStatus::Failed,
            "Severity.Label HIGH",
        ),
    ];
    for (fields, status, words) in cases {
        let text = format!(
            r#"{{"Id":"x","GeneratorId":"g","UpdatedAt":"2024-01-02T03:04:05Z","Resources":[{{"Id":"r"}}],{fields}}}"#
        );
        let (findings, _) = read_text(Format::Asff, &text).unwrap_or_else(|e| panic!("{e}: {text}"));
        assert_eq!(
            (findings[0].status, findings[0].source_status.as_str()),
            (status, words),
            "{fields}"
        );
    }
}

#[test]
fn one_finding_per_resource() {
    let text = r#"{"Findings":[{"Id":"x","GeneratorId":"g","UpdatedAt":"2024-01-02T03:04:05Z","Region":"us-east-1","Compliance":{"Status":"FAILED"},"Resources":[{"Id":"arn:a"},{"Id":"arn:b","Region":"eu-west-1"}]}]}"#;
    let (findings, _) = read_text(Format::Asff, text).expect("two resources");
    let got: Vec<(&str, &str, Option<&str>)> = findings
        .iter()
        .map(|f| (f.locator.as_str(), f.resource.as_str(), f.region.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            ("$.Findings[0].Resources[0]", "arn:a", Some("us-east-1")),
            ("$.Findings[0].Resources[1]", "arn:b", Some("eu-west-1")),
        ]
    );
}

#[test]
fn refuses_bad_input_naming_file_and_record() {
    let ok = r#"{"Id":"x","GeneratorId":"g","UpdatedAt":"2024-01-02T03:04:05Z","Resources":[{"Id":"r"}],"Compliance":{"Status":"FAILED"}}"#;
    let cases: Vec<(String, &str)> = vec![
        (
            format!(r#"{{"Findings":[{ok},{ok}"#),
            "scan.json $.Findings[2]: the JSON ends too early (truncated?) (line 1, column 257)",
        ),
        (
            format!(r#"{{"Findings":[{ok},"#),
            "scan.json $.Findings[1]: the JSON ends too early",
        ),
        (
            "{\"Findings\":[\n{\"Id\":\"x\",\n\"Title\": nope}]}".into(),
            "scan.json $.Findings[0]: expected ident (line 3, column 11)",
        ),
        (
            r#"{"Findings":{"Id":"x"}}"#.into(),
            "scan.json $.Findings: expected an array of findings, found an object (line 1, column 13)",
        ),
        (
            r#"{"Findings":[{"Id":5}]}"#.into(),
            "scan.json $.Findings[0]: invalid type: integer `5`, expected a string",
        ),
        (
            r#""just a string""#.into(),
            "scan.json: expected findings: an array, an object holding them, or one finding object (line 1, column 1)",
        ),
        (
            r#"{"detail-type":"Scheduled Event","detail":{}}"#.into(),
            "scan.json $.detail: holds no \"findings\" array of findings (line 1, column 45)",
        ),
        ("".into(), "scan.json: no findings: the file is empty"),
        (ok.replace(r#""Id":"x","#, ""), "scan.json line 1: no Id"),
        (
            ok.replace(r#""Resources":[{"Id":"r"}],"#, ""),
            "scan.json line 1: no resource (Resources[].Id)",
        ),
        (
            ok.replace(r#"{"Id":"r"}"#, r#"{"Id":" "}"#),
            "scan.json line 1: no resource (Resources[].Id)",
        ),
        (
            ok.replace(r#","Compliance":{"Status":"FAILED"}"#, ""),
            "scan.json line 1: no status: neither Compliance.Status nor Severity.Label",
        ),
        (
            ok.replace("FAILED", "BROKEN"),
            "scan.json line 1: unknown Compliance.Status \"BROKEN\": expected PASSED, FAILED, WARNING or NOT_AVAILABLE",
        ),
        (
            ok.replace(r#""Compliance""#, r#""RecordState":"GONE","Compliance""#),
            "scan.json line 1: unknown RecordState \"GONE\"",
        ),
        (
            ok.replace(r#""Compliance""#, r#""Workflow":{"Status":"OPEN"},"Compliance""#),
            "scan.json line 1: unknown Workflow.Status \"OPEN\"",
        ),
        (
            ok.replace("2024-01-02T03:04:05Z", "yesterday"),
            "scan.json line 1: UpdatedAt: \"yesterday\" is not a time",
        ),
        (
            ok.replace("\"UpdatedAt\":\"2024-01-02T03:04:05Z\",", ""),
            "scan.json line 1: no time (LastObservedAt, UpdatedAt, FirstObservedAt or CreatedAt)",
        ),
        (
            ok.replace("\"GeneratorId\":\"g\",", ""),
            "scan.json line 1: no check id",
        ),
        (
            format!("{ok}\n{}", ok.replace(r#""Id":"x","#, "")),
            "scan.json line 2: no Id",
        ),
        (
            format!("{ok}\n{{\"Id\":"),
            "scan.json line 2: the JSON ends too early (truncated?) (line 2, column 7)",
        ),
    ];
    for (text, want) in cases {
        let message = error_of(Format::Asff, &text);
        assert!(message.starts_with(want), "{message}\n  wanted {want}\n  for {text}");
    }
}

/// Generates `count` ASFF findings on demand, counting how many bytes it has handed out.
struct Generated {
    count: usize,
    next: usize,
    wrapped: bool,
    pending: Vec<u8>,
    produced: Rc<Cell<usize>>,
}

impl Read for Generated {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pending.is_empty() {
            let i = self.next;
            if i > self.count {
                return Ok(0);
            }
            self.next += 1;
            let item = finding(&format!("f{i}"), "");
            self.pending = match (self.wrapped, i) {
                (_, i) if i == self.count => (if self.wrapped { "]}\n" } else { "" }).into(),
                (true, 0) => format!(r#"{{"Findings":[{item}"#).into_bytes(),
                (true, _) => format!(",\n{item}").into_bytes(),
                (false, _) => format!("{item}\n").into_bytes(),
            };
            if self.pending.is_empty() {
                return Ok(0);
            }
        }
        let n = self.pending.len().min(buf.len());
        buf[..n].copy_from_slice(&self.pending[..n]);
        self.pending.drain(..n);
        self.produced.set(self.produced.get() + n);
        Ok(n)
    }
}

#[test]
fn streams_twenty_thousand_findings_one_at_a_time() {
    for wrapped in [false, true] {
        let produced = Rc::new(Cell::new(0));
        let generated = Generated {
            count: 20_000,
            next: 0,
            wrapped,
            pending: Vec::new(),
            produced: Rc::clone(&produced),
        };
        let mut input = std::io::BufReader::new(generated);
        let mut calls = 0usize;
        let mut read_before_first = 0usize;
        let info = super::super::read("big.json", &mut input, Format::Asff, &mut |f| {
            if calls == 0 {
                read_before_first = produced.get();
            }
            assert_eq!(f.finding_id, format!("f{calls}"));
            calls += 1;
            Ok(())
        })
        .expect("generated findings");
        assert_eq!(calls, 20_000);
        assert_eq!(info.findings, 20_000);
        // The first finding reached the caller long before the file was read: it is streamed.
        assert!(
            read_before_first < 64 * 1024,
            "{read_before_first} bytes read before the first finding"
        );
        assert!(produced.get() > 10_000_000, "{}", produced.get());
    }
}

#[test]
fn the_callers_error_stops_the_read_and_comes_back_unchanged() {
    let text = format!("{}\n{}\n{}\n", finding("a", ""), finding("b", ""), finding("c", ""));
    for format_text in [text.clone(), format!("[{}]", text.trim_end().replace('\n', ","))] {
        let mut input = std::io::BufReader::new(format_text.as_bytes());
        let mut seen = Vec::new();
        let err = super::super::read("scan.json", &mut input, Format::Asff, &mut |f| {
            seen.push(f.finding_id.clone());
            if f.finding_id == "b" {
                return Err(crate::error::Error::Invalid("the database refused b".into()).at("scan.json line 2"));
            }
            Ok(())
        })
        .expect_err("stopped by the caller");
        assert_eq!(err.to_string(), "scan.json line 2: the database refused b");
        assert_eq!(seen, ["a", "b"]);
    }
}

/// The check a finding is about, whichever field names it: the consolidated generator
/// `security-control/ID` names the same check as `Compliance.SecurityControlId`, so the
/// two forms of one control's findings supersede each other.
#[test]
fn the_check_id_is_the_same_whichever_field_names_it() {
    let finding = |compliance: &str, rest: &str| {
        String::from(
            r#"{"Id":"x","UpdatedAt":"2024-01-02T03:04:05Z","Resources":[{"Id":"r"}],"Compliance":{"Status":"PASSED""#,
        ) + compliance
            + "},"
            + rest
            + "}"
    };
    let cases = [
        (finding("", r#""GeneratorId":"security-control/RDS.2""#), "RDS.2"),
        (
            finding(
                r#","SecurityControlId":"RDS.2""#,
                r#""GeneratorId":"security-control/RDS.2""#,
            ),
            "RDS.2",
        ),
        (finding("", r#""GeneratorId":"security-control/""#), "security-control/"),
        (finding("", r#""GeneratorId":"prowler-check11""#), "prowler-check11"),
        (
            finding(
                "",
                r#""GeneratorId":"aws-foundational-security-best-practices/v/1.0.0/S3.2","ProductFields":{"ControlId":"S3.2"}"#,
            ),
            "S3.2",
        ),
    ];
    for (text, want) in cases {
        let (findings, _) = read_text(Format::Asff, &text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(findings[0].check_id, want, "{text}");
    }
}
