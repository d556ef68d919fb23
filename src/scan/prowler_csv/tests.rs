use super::super::testing::{controls, error_of, read_fixture, read_text};
use super::super::{Format, ObsStatus};
use super::compliance;

#[test]
fn reads_prowler_findings_csv() {
    let (findings, info) = read_fixture(Format::ProwlerCsv, "prowler/example_output_aws.csv");
    assert_eq!(findings.len(), 4);
    assert_eq!(info.tool, "Prowler");
    assert_eq!(info.tool_version.as_deref(), Some("<prowler_version>"));
    let first = &findings[0];
    assert_eq!(first.locator, "line 2");
    assert_eq!(first.finding_id, "<finding_uid>");
    assert_eq!(first.check_id, "accessanalyzer_enabled");
    assert_eq!(first.resource, "<resource_uid>");
    assert_eq!(first.account.as_deref(), Some("<account_uid>"));
    assert_eq!(first.observed_at, "2025-02-14T14:27:03Z");
    assert_eq!(first.title, "Check if IAM Access Analyzer is enabled");
    assert!(first.other_requirements.contains(&"CIS-1.4 1.20".to_string()));
    let statuses: Vec<ObsStatus> = findings.iter().map(|f| f.status).collect();
    assert_eq!(statuses.iter().filter(|s| **s == ObsStatus::Failed).count(), 2);
    assert_eq!(statuses.iter().filter(|s| **s == ObsStatus::Manual).count(), 2);
}

#[test]
fn splits_the_compliance_cell() {
    let found = compliance(
        "CIS-1.4: 1.20 | NIST-800-53-Revision-5: ac_2_1, ac_3, ac_2_d_1 | PCI-3.2.1: 8.3.1|NIST-800-53-Revision-4: ac_2",
    );
    let keys: Vec<String> = found.controls.iter().map(|c| c.id.to_string()).collect();
    assert_eq!(keys, ["AC-2(1)", "AC-3", "AC-2 d.1"]);
    assert!(found.controls.iter().all(|c| c.via == "COMPLIANCE"));
    assert_eq!(found.controls[0].raw, "ac_2_1");
    assert_eq!(
        found.others,
        ["CIS-1.4 1.20", "PCI-3.2.1 8.3.1", "NIST-800-53-Revision-4 ac_2"]
    );
    assert!(compliance("").controls.is_empty() && compliance("").others.is_empty());
}

const HEADER: &str = "AUTH_METHOD;TIMESTAMP;ACCOUNT_UID;FINDING_UID;PROVIDER;CHECK_ID;CHECK_TITLE;STATUS;MUTED;RESOURCE_UID;REGION;COMPLIANCE;PROWLER_VERSION";

fn row(status: &str, muted: &str) -> String {
    format!(
        "profile;2025-02-14 14:27:03.913874;111122223333;f-1;aws;iam_root_mfa_enabled;Root MFA;{status};{muted};arn:aws:iam::111122223333:root;us-east-1;CIS-1.4: 1.5 | NIST-800-53-Revision-5: ia_2_1, ac_2_1;5.0.0"
    )
}

#[test]
fn maps_every_status_word_and_the_rev5_key() {
    let cases = [
        ("PASS", "False", ObsStatus::Passed, "PASS"),
        ("FAIL", "False", ObsStatus::Failed, "FAIL"),
        ("MANUAL", "", ObsStatus::Manual, "MANUAL"),
        ("INFO", "", ObsStatus::Manual, "INFO"),
        ("FAIL", "True", ObsStatus::Failed, "FAIL, muted"),
    ];
    for (word, muted, status, words) in cases {
        let text = format!("{HEADER}\r\n{}\r\n", row(word, muted));
        let (findings, info) = read_text(Format::ProwlerCsv, &text).unwrap_or_else(|e| panic!("{e}"));
        let f = &findings[0];
        assert_eq!((f.status, f.source_status.as_str()), (status, words));
        assert_eq!(controls(f), ["IA-2(1)", "AC-2(1)"]);
        assert_eq!(f.other_requirements, ["CIS-1.4 1.5"]);
        assert_eq!(info.tool_version.as_deref(), Some("5.0.0"));
    }
}

/// Prowler's compliance CSV for a NIST framework (header from Prowler's own test).
const COMPLIANCE_HEADER: &str = "PROVIDER;DESCRIPTION;ACCOUNTID;REGION;ASSESSMENTDATE;REQUIREMENTS_ID;REQUIREMENTS_DESCRIPTION;REQUIREMENTS_ATTRIBUTES_SECTION;REQUIREMENTS_ATTRIBUTES_SUBSECTION;REQUIREMENTS_ATTRIBUTES_SUBGROUP;REQUIREMENTS_ATTRIBUTES_SERVICE;REQUIREMENTS_ATTRIBUTES_TYPE;STATUS;STATUSEXTENDED;RESOURCEID;CHECKID;MUTED;RESOURCENAME;FRAMEWORK;NAME;REQUIREMENTS_ATTRIBUTES_COMMENT";

#[test]
fn reads_a_framework_compliance_csv_with_manual_rows() {
    let text = format!(
        "{COMPLIANCE_HEADER}\r\n\
         aws;NIST 800-53 rev5;111122223333;eu-west-1;2025-02-14 14:27:03.913874;ac_2_4;Automated audit actions;Access Control (AC);;;aws;;FAIL;Trail off;arn:aws:cloudtrail:eu-west-1:111122223333:trail/main;cloudtrail_multi_region_enabled;False;main;NIST-800-53-Revision-5;NIST 800-53 Revision 5;\r\n\
         aws;NIST 800-53 rev5;;;2025-02-14 14:27:03.913874;ac_2_d_1;Accounts;Access Control (AC);;;aws;;MANUAL;Manual check;manual_check;manual;False;Manual check;NIST-800-53-Revision-5;NIST 800-53 Revision 5;\r\n"
    );
    let (findings, _) = read_text(Format::ProwlerCsv, &text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(findings.len(), 2);
    let (auto, manual) = (&findings[0], &findings[1]);
    assert_eq!(auto.check_id, "cloudtrail_multi_region_enabled");
    assert_eq!(auto.status, ObsStatus::Failed);
    assert_eq!(controls(auto), ["AC-2(4)"]);
    assert_eq!(auto.controls[0].via, "REQUIREMENTS_ID");
    assert_eq!(auto.account.as_deref(), Some("111122223333"));
    assert_eq!(
        auto.finding_id,
        "NIST-800-53-Revision-5/ac_2_4/cloudtrail_multi_region_enabled/arn:aws:cloudtrail:eu-west-1:111122223333:trail/main"
    );
    assert_eq!(
        (manual.status, manual.resource.as_str()),
        (ObsStatus::Manual, "manual_check")
    );
    assert_eq!(manual.controls[0].id.to_string(), "AC-2 d.1");
    assert_eq!(manual.account, None);
    assert_eq!(manual.locator, "line 3");
    let cis = text.replace("NIST-800-53-Revision-5;", "CIS-1.4;");
    let (findings, _) = read_text(Format::ProwlerCsv, &cis).expect("another framework");
    assert!(findings[0].controls.is_empty());
    assert_eq!(findings[0].other_requirements, ["CIS-1.4 ac_2_4"]);
}

#[test]
fn refuses_bad_input_naming_file_and_line() {
    let good = row("FAIL", "False");
    let cases = [
        (
            HEADER.replace(';', ",") + "\n" + &good.replace(';', ","),
            "scan.json line 1: the header is not separated by ';'",
        ),
        (
            HEADER.replace("CHECK_ID", "CHECK") + "\n" + &good,
            "scan.json line 1: no column CHECK_ID in the header: not a Prowler CSV",
        ),
        (
            HEADER.replace("FINDING_UID", "X") + "\n" + &good,
            "scan.json line 1: no column FINDING_UID or FINDING_UNIQUE_ID",
        ),
        (
            format!("{HEADER}\n{good}\nprofile;2025-02-14 14:27:03;1;f-2;aws"),
            "scan.json line 3: 5 fields where the header has 13",
        ),
        (
            format!("{HEADER}\n{}", row("BROKEN", "False")),
            "scan.json line 2: unknown STATUS \"BROKEN\": expected PASS, FAIL, MANUAL or INFO",
        ),
        (
            format!("{HEADER}\n{}", row("", "False")),
            "scan.json line 2: no status (STATUS)",
        ),
        (
            format!("{HEADER}\n{}", good.replace("arn:aws:iam::111122223333:root", "")),
            "scan.json line 2: no resource (RESOURCE_UID)",
        ),
        (
            format!("{HEADER}\n{}", good.replace(";f-1;", ";;")),
            "scan.json line 2: no finding id (FINDING_UID)",
        ),
        (
            format!("{HEADER}\n{}", good.replace("2025-02-14 14:27:03.913874", "14/02/2025")),
            "scan.json line 2: TIMESTAMP: \"14/02/2025\" is not a time",
        ),
        (String::new(), "scan.json: no header: the file is empty"),
    ];
    for (text, want) in cases {
        let message = error_of(Format::ProwlerCsv, &text);
        assert!(message.starts_with(want), "{message}\n  wanted {want}");
    }
}

#[test]
fn streams_rows_one_at_a_time() {
    let mut text = format!("{HEADER}\n");
    for i in 0..20_000 {
        text.push_str(&row("PASS", "False").replace(";f-1;", &format!(";f-{i};")));
        text.push('\n');
    }
    let mut input = std::io::BufReader::new(text.as_bytes());
    let mut calls = 0;
    super::super::read("big.csv", &mut input, Format::ProwlerCsv, &mut |f| {
        assert_eq!(f.finding_id, format!("f-{calls}"));
        calls += 1;
        Ok(())
    })
    .expect("rows");
    assert_eq!(calls, 20_000);
}

#[test]
fn counts_lines_of_crlf_files() {
    let mut input = "a;b\r\n1;2\r\n3;\"x\r\ny\"\r\n5;6\n7;8\r".as_bytes();
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(super::UnixLines::new(&mut input));
    let mut record = csv::StringRecord::new();
    let mut lines = vec![];
    while reader.read_record(&mut record).expect("rows") {
        lines.push(record.position().expect("a position").line());
    }
    assert_eq!(lines, [2, 3, 5, 6]);
}
