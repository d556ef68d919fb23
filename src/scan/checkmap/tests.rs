use super::*;

fn fixture() -> Vec<u8> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/scanners/prowler/nist_800_53_revision_5_aws.json"
    );
    std::fs::read(path).expect("fixture")
}

#[test]
fn reads_prowlers_rev5_framework() {
    let map = read("nist.json", &fixture()).expect("framework");
    assert_eq!(map.framework.as_deref(), Some("NIST-800-53-Revision-5"));
    let first = &map.rows[0];
    assert_eq!(first.locator, "$.Requirements[0].Checks[0]");
    assert_eq!(first.check, "iam_password_policy_minimum_length_14");
    assert_eq!((first.raw.as_str(), first.id.control.as_str()), ("ac_2_1", "AC-2(1)"));
    assert_eq!(first.relationship, Relationship::Related);
    assert_eq!(
        first.rationale,
        "NIST-800-53-Revision-5 requirement ac_2_1: AC-2(1) Automated System Account Management"
    );
    let part = map.rows.iter().find(|r| r.raw == "ac_2_d_1").expect("ac_2_d_1");
    assert_eq!(
        (part.id.control.as_str(), part.id.part.as_deref()),
        ("AC-2", Some("d.1"))
    );
    assert_eq!(map.skipped_not_implemented, 0);
    assert_eq!(map.skipped_other_framework, 0);
}

/// Every requirement of Prowler's file either becomes rows or is counted: nothing is lost.
#[test]
fn every_requirement_id_is_mapped_or_counted() {
    let bytes = fixture();
    let framework: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
    let requirements = framework["Requirements"].as_array().expect("Requirements");
    assert_eq!(requirements.len(), 288);
    let map = read("nist.json", &bytes).expect("framework");
    let entries: usize = requirements
        .iter()
        .map(|r| r["Checks"].as_array().map_or(0, |c| c.len()))
        .sum();
    assert_eq!(
        map.rows.len() + map.duplicates + map.skipped_not_implemented,
        entries,
        "each check entry is a row, a duplicate or skipped"
    );
    for (i, requirement) in requirements.iter().enumerate() {
        let id = requirement["Id"].as_str().expect("Id");
        let read = ids::sp800_53(id).unwrap_or_else(|| panic!("$.Requirements[{i}].Id {id} does not normalise"));
        // Prowler's Name names the control as SP 800-53 writes it: `AC-2(3)(a) ...`,
        // `Access Enforcement (AC-3)`.
        let name = requirement["Name"].as_str().unwrap_or("");
        assert!(name.contains(&read.control), "{id}: {name} vs {}", read.control);
    }
}

#[test]
fn skips_not_implemented_checks_and_other_frameworks() {
    let text = r#"{"Framework":"NIST-800-53-Revision-5","Requirements":[
        {"Id":"ac_2_1","Name":"AC-2(1)","Checks":["iam_a","iam_b NOT IMPLEMENTED","Not Implemented yet","iam_a"]},
        {"Id":"ac_2_3_a","Checks":["iam_c"]},{"Id":"ac_2_3_b","Checks":["iam_c"]},
        {"Id":"PCI DSS 8.3.1","Checks":["iam_d"]},{"Id":"ac_3","Checks":[]}]}"#;
    let map = read("nist.json", text.as_bytes()).expect("framework");
    let rows: Vec<(&str, String)> = map.rows.iter().map(|r| (r.check.as_str(), r.id.to_string())).collect();
    assert_eq!(
        rows,
        [("iam_a", "AC-2(1)".to_string()), ("iam_c", "AC-2(3) a".to_string())]
    );
    assert_eq!(map.skipped_not_implemented, 2);
    assert_eq!(map.skipped_other_framework, 1);
    assert_eq!(map.duplicates, 2);
    assert_eq!(map.rows[1].rationale, "NIST-800-53-Revision-5 requirement ac_2_3_a");
}

#[test]
fn reads_a_csv_of_your_own() {
    let text = "check,control,relationship,rationale\r\n\
                iam_root_mfa_enabled,IA-2(1),subset,Root MFA is part of IA-2(1)\r\n\
                s3_bucket_public_access,ac_3,,Public buckets\r\n\
                s3_encryption,SC-28,intersects-with,\r\n\
                s3_versioning,NIST.800-53.r5 CP-9,EQUAL,\r\n";
    let map = read("map.csv", text.as_bytes()).expect("csv");
    let rows: Vec<(&str, &str, Relationship, &str, &str)> = map
        .rows
        .iter()
        .map(|r| {
            (
                r.locator.as_str(),
                r.check.as_str(),
                r.relationship,
                r.id.control.as_str(),
                r.rationale.as_str(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (
                "line 2",
                "iam_root_mfa_enabled",
                Relationship::Subset,
                "IA-2(1)",
                "Root MFA is part of IA-2(1)"
            ),
            (
                "line 3",
                "s3_bucket_public_access",
                Relationship::Related,
                "AC-3",
                "Public buckets"
            ),
            ("line 4", "s3_encryption", Relationship::Intersect, "SC-28", ""),
            ("line 5", "s3_versioning", Relationship::Equal, "CP-9", ""),
        ]
    );
    assert_eq!(map.framework, None);
    let short = read("map.csv", b"check,control\niam_x,AC-2\n").expect("two columns");
    assert_eq!(short.rows[0].relationship, Relationship::Related);
}

#[test]
fn refuses_bad_check_maps_naming_file_and_place() {
    let cases: &[(&str, &str)] = &[
        (
            "check;control;relationship;rationale\na;AC-2;;\n",
            "map.csv line 1: the header is not separated by ','",
        ),
        (
            "name,value\na,b\n",
            "map.csv line 1: expected the header check,control,relationship,rationale, found name,value",
        ),
        (
            "check,control\na,PCI DSS 8.3.1\n",
            "map.csv line 2, column \"control\": \"PCI DSS 8.3.1\" is not an SP 800-53 rev 5 control id",
        ),
        ("check,control\na,\n", "map.csv line 2, column \"control\": no control"),
        (
            "check,control\n,AC-2\n",
            "map.csv line 2, column \"check\": no check id",
        ),
        (
            "check,control,relationship\na,AC-2,sibling\n",
            "map.csv line 2, column \"relationship\": unknown relationship \"sibling\": expected equal, equivalent, subset, superset, intersect, related, unrelated (or empty: related)",
        ),
        (
            "check,control\r\na,AC-2\r\nb,AC-3,extra\r\n",
            "map.csv line 3: 3 fields where the header has 2",
        ),
        ("", "map.csv: the file is empty"),
        ("[]", "map.csv: a JSON array is not a check map"),
        (
            r#"{"Framework":"CIS-1.4","Requirements":[]}"#,
            "map.csv $.Framework: framework \"CIS-1.4\" is not NIST SP 800-53 revision 5",
        ),
        (
            r#"{"Framework":"NIST-800-53-Revision-5","Requirements":[{"Id":"1.20","Checks":["x"]}]}"#,
            "map.csv $.Requirements[0].Id: \"1.20\" is not an SP 800-53 rev 5 control id",
        ),
        (
            r#"{"Framework":"NIST-800-53-Revision-5","Requirements":[{"Id":"ac_2_1_1","Checks":["x"]}]}"#,
            "map.csv $.Requirements[0].Id: \"ac_2_1_1\" is not an SP 800-53 rev 5 control id",
        ),
        (
            r#"{"Framework":"NIST-800-53-Revision-5","Requirements":[{"Checks":["x"]}]}"#,
            "map.csv $.Requirements[0]: no Id",
        ),
        (
            r#"{"Framework":"NIST-800-53-Revision-5","Requirements":[{"Id":"ac_2","Checks":"x"}]}"#,
            "map.csv: not a Prowler framework file: invalid type: string \"x\", expected a sequence (line 1, column",
        ),
        (
            r#"{"Framework":"NIST-800-53-Revision-5","Requirements":[{"Id":"ac_2""#,
            "map.csv: the JSON ends too early (truncated?)",
        ),
    ];
    for (text, want) in cases {
        let err = read("map.csv", text.as_bytes()).expect_err(text);
        let message = err.to_string();
        assert_eq!(err.code(), 2);
        assert!(message.starts_with(want), "{message}\n  wanted {want}");
    }
}
