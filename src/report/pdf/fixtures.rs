//! Sample reports and PDF readers shared by the renderer's tests.

use sha2::{Digest, Sha256};

use crate::report::data::{
    CategoryColumn, ControlColumn, ControlLine, EvaluationLine, EvidenceLine, Finding, ReportData, Section,
    ServiceLine, SourceLine, Summary, TeamLine, Texts,
};

pub(super) fn hash(i: usize) -> String {
    let digest = Sha256::digest(format!("evidence {i}").as_bytes());
    crate::support::hex::encode(&digest)
}

pub(super) fn texts() -> Texts {
    Texts {
        intro: "This report sets out, for Example Corp, who is responsible for each control of the Shared \
                responsibility baseline (srm) under the cloud shared responsibility model, which team owns it, \
                what evidence supports it and how it was evaluated in \u{201c}Q4 2026 internal review\u{201d}."
            .into(),
        summary_heading: "Summary".into(),
        matrix_heading: "Responsibility by service category".into(),
        matrix_intro: "What the provider covers and what Example Corp covers for each category of service.".into(),
        controls_heading: "Controls".into(),
        findings_heading: "Findings".into(),
        evidence_heading: "Evidence index".into(),
        checks_heading: "Automated checks".into(),
        signoff_heading: "Sign-off".into(),
        signoff_text: "The undersigned confirm that this report reflects the state of the controls of Example \
                       Corp as frozen when evaluation \"Q4 2026 internal review\" closed on 2026-11-30, and \
                       that the evidence listed was reviewed as shown. Data fingerprint: 3f2a9c4d5e6b7a80."
            .into(),
        footer: "Control evaluation report - Example Corp".into(),
    }
}

pub(super) const FAMILIES: [&str; 6] = [
    "Patch Management",
    "Identity and Access Management",
    "Network Security",
    "Data Protection",
    "Physical and Environmental",
    "Configuration Management",
];
pub(super) const RESPONSIBILITIES: [&str; 4] = ["inherited", "shared", "customer", "undetermined"];
pub(super) const RESULTS: [&str; 5] = [
    "satisfied",
    "partially-satisfied",
    "not-satisfied",
    "not-applicable",
    "not-assessed",
];

/// A realistic report: 20 controls, a few findings, 12 pieces of evidence, 3 services.
pub(super) fn sample() -> ReportData {
    let titles = [
        ("SRM-PHYS", "Physical and environmental protection"),
        ("SRM-HW", "Hardware and global infrastructure"),
        ("SRM-VIRT", "Virtualisation layer security"),
        ("SRM-PATCH", "Patch management"),
        ("SRM-GUESTOS", "Guest operating system management"),
        ("SRM-CONFIG", "Configuration management"),
        ("SRM-TRAIN", "Security awareness and training"),
        ("SRM-FW", "Security group and firewall configuration"),
        (
            "SRM-NET",
            "Network traffic protection (encryption, integrity, identity)",
        ),
        ("SRM-ZONE", "Zone security and segmentation"),
        ("SRM-IAM", "Identity and access management"),
        ("SRM-PIAM", "Platform-level identity and access management"),
        ("SRM-CLASS", "Data classification"),
        ("SRM-CSE", "Client-side encryption and data integrity authentication"),
        ("SRM-SSE", "Server-side encryption (file system and/or data)"),
        ("SRM-BACKUP", "Backups and data protection"),
        ("SRM-REGION", "Region choice and data residency"),
        ("SRM-LOG", "Logging and monitoring of customer workloads"),
        ("SRM-IR", "Incident response for customer-managed resources"),
        ("SRM-KEYS", "Key management and rotation \u{2014} customer-managed keys"),
    ];
    let controls: Vec<ControlLine> = titles
        .iter()
        .enumerate()
        .map(|(i, (key, title))| ControlLine {
            key: key.to_string(),
            title: title.to_string(),
            family: FAMILIES[i % FAMILIES.len()].to_string(),
            responsibility: RESPONSIBILITIES[(i * 7 + 1) % 4].to_string(),
            owner: match i % 4 {
                0 => "platform".into(),
                1 => "data-platform, platform".into(),
                2 => String::new(),
                _ => "security".into(),
            },
            result: RESULTS[i % 5].to_string(),
            evidence_count: (i % 3) as u64,
            freshest: if i % 3 == 0 { String::new() } else { "2026-11-20".into() },
            status: "implemented".into(),
            note: String::new(),
            evidence_sha256: String::new(),
            via: String::new(),
            statement: if i % 4 == 0 {
                "Patched in the Sunday 02:00 maintenance window; reports kept for a year".into()
            } else {
                String::new()
            },
        })
        .collect();
    let mut by_responsibility = Vec::new();
    for r in RESPONSIBILITIES {
        let n = controls.iter().filter(|c| c.responsibility == r).count() as u64;
        by_responsibility.push((r.to_string(), n));
    }
    let mut by_result = Vec::new();
    for r in RESULTS {
        let n = controls.iter().filter(|c| c.result == r).count() as u64;
        by_result.push((r.to_string(), n));
    }
    let shared_or_customer = controls
        .iter()
        .filter(|c| c.responsibility == "shared" || c.responsibility == "customer")
        .count() as u64;
    let evidence: Vec<EvidenceLine> = (1..=12)
        .map(|i| EvidenceLine {
            id: i as i64,
            title: match i % 4 {
                0 => format!("November patch compliance report, batch {i}"),
                1 => "IAM quarterly access review".into(),
                2 => "Firewall rule export (prod VPC)".into(),
                _ => "Training completion 98%, see HR export".into(),
            },
            sha256: if i % 4 == 3 { String::new() } else { hash(i) },
            collected: format!("2026-{:02}-{:02}", 9 + i % 3, 1 + i),
            expires: match i % 3 {
                0 => String::new(),
                1 => "2027-02-18".into(),
                _ => "2026-11-15".into(),
            },
            status: ["accepted", "pending", "rejected"][i % 3].into(),
            reviewer: if i % 3 == 1 { String::new() } else { "bob".into() },
            controls: "SRM-PATCH, SRM-CONFIG".into(),
            integrity: String::new(),
        })
        .collect();
    ReportData {
        title: "Control evaluation report".into(),
        organisation: "Example Corp".into(),
        generated_on: "2026-12-01".into(),
        catalog_key: "srm".into(),
        catalog_title: "Shared responsibility baseline".into(),
        scope_teams: vec!["platform".into(), "data-platform".into()],
        scope_services: vec![
            ServiceLine {
                name: "orders-db".into(),
                offering: "Amazon RDS".into(),
                category: "container".into(),
                team: "data-platform".into(),
            },
            ServiceLine {
                name: "web".into(),
                offering: "Amazon EC2".into(),
                category: "infrastructure".into(),
                team: "platform".into(),
            },
            ServiceLine {
                name: "invoices-bucket".into(),
                offering: "Amazon S3".into(),
                category: "abstracted".into(),
                team: String::new(),
            },
        ],
        evaluation: Some(EvaluationLine {
            id: 1,
            name: "Q4 2026 internal review".into(),
            assessor: "Alice Auditor".into(),
            opened_at: "2026-11-01T09:00:00Z".into(),
            closed_at: Some("2026-11-30T17:30:00Z".into()),
        }),
        fingerprint: "3f2a9c4d5e6b7a8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708".into(),
        controls,
        summary: Summary {
            by_responsibility,
            by_result,
            shared_or_customer,
            with_counting_evidence: shared_or_customer / 2,
            evidence_failed: 0,
            evidence_check: String::new(),
            teams: vec![
                TeamLine {
                    team: "data-platform".into(),
                    pairs: 14,
                    evidenced: 9,
                    satisfied: 6,
                    failing: 2,
                },
                TeamLine {
                    team: "platform".into(),
                    pairs: 11,
                    evidenced: 11,
                    satisfied: 9,
                    failing: 0,
                },
                TeamLine {
                    team: "(no owner)".into(),
                    pairs: 3,
                    evidenced: 0,
                    satisfied: 0,
                    failing: 1,
                },
            ],
        },
        categories: vec![
            CategoryColumn {
                category: "infrastructure".into(),
                provider_summary: "Runs the infrastructure and the foundation services beneath the instances.".into(),
                customer_summary: "Owns the guest operating system and the application platform, and looks \
                                   after its data: encryption, protection and management."
                    .into(),
                provider_controls: vec![
                    "Physical and environmental protection".into(),
                    "Hardware and global infrastructure".into(),
                ],
                shared_controls: vec!["Security awareness and training".into()],
                customer_controls: vec![
                    "Patch management".into(),
                    "Guest operating system management".into(),
                    "Security group and firewall configuration".into(),
                ],
                services: vec!["web".into()],
            },
            CategoryColumn {
                category: "container".into(),
                provider_summary: "Runs the infrastructure, the foundation services, the operating system \
                                   and the application platform."
                    .into(),
                customer_summary: "Looks after its data and its encryption, and guards it with network \
                                   firewalls and backups."
                    .into(),
                provider_controls: vec![
                    "Physical and environmental protection".into(),
                    "Patch management".into(),
                    "Guest operating system management".into(),
                ],
                shared_controls: vec!["Configuration management".into()],
                customer_controls: vec!["Backups and data protection".into()],
                services: vec!["orders-db".into()],
            },
            CategoryColumn {
                category: "abstracted".into(),
                provider_summary: "Runs everything beneath the API: infrastructure, operating system, \
                                   platform, server-side encryption and data protection."
                    .into(),
                customer_summary: "Looks after its data and protects it with client-side encryption.".into(),
                provider_controls: vec![
                    "Physical and environmental protection".into(),
                    "Server-side encryption (file system and/or data)".into(),
                ],
                shared_controls: Vec::new(),
                customer_controls: vec!["Client-side encryption and data integrity authentication".into()],
                services: vec!["invoices-bucket".into()],
            },
        ],
        findings: vec![
            Finding {
                kind: "not-satisfied".into(),
                control: "SRM-FW".into(),
                service: "orders-db".into(),
                detail: "0.0.0.0/0 on 5432".into(),
            },
            Finding {
                kind: "no-evidence".into(),
                control: "SRM-BACKUP".into(),
                service: "orders-db".into(),
                detail: "no accepted, unexpired evidence for a customer control".into(),
            },
            Finding {
                kind: "expired-evidence".into(),
                control: "SRM-PATCH".into(),
                service: "web".into(),
                detail: "evidence 2 (Firewall rule export (prod VPC)) expired on 2026-11-15".into(),
            },
            Finding {
                kind: "no-owner".into(),
                control: "SRM-CSE".into(),
                service: String::new(),
                detail: "no team owns this control organisation-wide".into(),
            },
            Finding {
                kind: "undetermined".into(),
                control: "SRM-REGION".into(),
                service: "invoices-bucket".into(),
                detail: "no rule covers this control for the abstracted category and no override is recorded".into(),
            },
        ],
        checks: Vec::new(),
        evidence,
        texts: texts(),
        sections: vec![
            Section::Cover,
            Section::Summary,
            Section::Matrix,
            Section::Controls,
            Section::Findings,
            Section::Evidence,
            Section::Signoff,
        ],
        control_columns: vec![
            ControlColumn::Key,
            ControlColumn::Title,
            ControlColumn::Responsibility,
            ControlColumn::Owner,
            ControlColumn::Result,
            ControlColumn::Evidence,
            ControlColumn::Freshest,
        ],
        sources: vec![
            SourceLine {
                id: "aws-wa-security-shared".into(),
                citation:
                    "Shared responsibility — AWS Well-Architected Framework, Security Pillar (Amazon Web Services)"
                        .into(),
                url: "https://docs.aws.amazon.com/wellarchitected/latest/security-pillar/shared-responsibility.html"
                    .into(),
            },
            SourceLine {
                id: String::new(),
                citation: "our own review of the landing zone, 2026".into(),
                url: String::new(),
            },
        ],
        poam: Vec::new(),
    }
}

/// 1,200 controls and `evidence` pieces of evidence.
pub(super) fn large(evidence: usize) -> ReportData {
    let mut d = sample();
    d.controls = (0..1200)
        .map(|i| ControlLine {
            key: format!("LRG-{:04}", i + 1),
            title: format!(
                "Generated control number {} with a reasonably long descriptive title",
                i + 1
            ),
            family: FAMILIES[i % FAMILIES.len()].to_string(),
            responsibility: RESPONSIBILITIES[i % 4].to_string(),
            owner: format!("team-{}", i % 10),
            result: RESULTS[i % 5].to_string(),
            evidence_count: (i % 4) as u64,
            freshest: "2026-10-01".into(),
            status: String::new(),
            note: String::new(),
            evidence_sha256: String::new(),
            via: String::new(),
            statement: String::new(),
        })
        .collect();
    d.control_columns = vec![
        ControlColumn::Key,
        ControlColumn::Title,
        ControlColumn::Family,
        ControlColumn::Responsibility,
        ControlColumn::Owner,
        ControlColumn::Result,
        ControlColumn::Evidence,
        ControlColumn::Freshest,
    ];
    for cat in &mut d.categories {
        cat.provider_controls = (0..400).map(|i| format!("Generated control number {i}")).collect();
        cat.shared_controls = (400..800).map(|i| format!("Generated control number {i}")).collect();
        cat.customer_controls = (800..1200).map(|i| format!("Generated control number {i}")).collect();
    }
    d.evidence = (0..evidence)
        .map(|i| EvidenceLine {
            id: i as i64 + 1,
            title: format!("Evidence item {} for the quarterly review", i + 1),
            sha256: hash(i),
            collected: "2026-09-01".into(),
            expires: "2027-09-01".into(),
            status: "accepted".into(),
            reviewer: "reviewer".into(),
            controls: "LRG-0001".into(),
            integrity: String::new(),
        })
        .collect();
    d.findings = (0..300)
        .map(|i| Finding {
            kind: "no-evidence".into(),
            control: format!("LRG-{:04}", i + 1),
            service: format!("svc-{i}"),
            detail: "no accepted, unexpired evidence".into(),
        })
        .collect();
    d
}

pub(super) fn page_texts(bytes: &[u8]) -> Vec<String> {
    let doc = lopdf::Document::load_mem(bytes).expect("a PDF lopdf can read");
    doc.get_pages()
        .keys()
        .map(|n| doc.extract_text(&[*n]).expect("page text"))
        .collect()
}

pub(super) fn media_box(bytes: &[u8]) -> (f32, f32) {
    let doc = lopdf::Document::load_mem(bytes).expect("pdf");
    let (_, page) = doc.get_pages().into_iter().next().expect("a page");
    let dict = doc.get_dictionary(page).expect("page dict");
    let media = dict.get(b"MediaBox").and_then(|m| m.as_array()).expect("MediaBox");
    let num = |o: &lopdf::Object| o.as_float().or_else(|_| o.as_i64().map(|v| v as f32)).expect("number");
    (num(&media[2]), num(&media[3]))
}

pub(super) fn outline_count(bytes: &[u8]) -> i64 {
    let doc = lopdf::Document::load_mem(bytes).expect("pdf");
    let outlines = doc
        .catalog()
        .expect("catalog")
        .get(b"Outlines")
        .and_then(lopdf::Object::as_reference)
        .expect("outline");
    doc.get_dictionary(outlines)
        .expect("outline dict")
        .get(b"Count")
        .and_then(lopdf::Object::as_i64)
        .expect("count")
}

pub(super) fn assert_footers(pages: &[String]) {
    let n = pages.len();
    for (i, text) in pages.iter().enumerate().skip(1) {
        assert!(
            text.contains(&format!("page {} of {n}", i + 1)),
            "page {} footer missing: {text}",
            i + 1
        );
    }
}

pub(super) fn unicode_sample() -> ReportData {
    let mut data = sample();
    data.scope_services[0].name = "d\u{f6}nerdb-\u{3a9}-\u{2713}".into();
    data.controls[0].title = "Backups of d\u{f6}nerdb-\u{3a9}-\u{2713} \u{2192} \u{141}\u{f3}d\u{17a}".into();
    data.findings[0].service = "d\u{f6}nerdb-\u{3a9}-\u{2713}".into();
    data
}

/// Service names in Japanese, Chinese and with an emoji, and a private-use character no font has.
pub(super) fn scripts_sample() -> ReportData {
    let mut data = sample();
    let names = [
        "\u{53d7}\u{6ce8}\u{30c7}\u{30fc}\u{30bf}\u{30d9}\u{30fc}\u{30b9}",
        "\u{8ba2}\u{5355}\u{6570}\u{636e}\u{5e93}",
        "orders-\u{1f680}",
    ];
    for (service, name) in data.scope_services.iter_mut().zip(names) {
        service.name = name.into();
    }
    data.findings[0].service = names[2].into();
    data.controls[0].title = "Backups of \u{8ba2}\u{5355}\u{6570}\u{636e}\u{5e93} \u{10FFFD}".into();
    data
}

/// The sample with automated checks: three controls, one with more failures than are listed,
/// drawn after the findings.
pub(super) fn checks_sample() -> ReportData {
    use crate::report::data::{CheckLine, FAILING_SHOWN, FailingCheck};
    let mut data = sample();
    let failing = |n: usize, service: &str| -> Vec<FailingCheck> {
        (0..n)
            .map(|i| FailingCheck {
                check: format!("s3_bucket_public_access_{i}"),
                resource: format!("arn:aws:s3:::invoices-archive-{i:03}-eu-west-1-111122223333"),
                service: service.to_string(),
                scan: 2,
            })
            .collect()
    };
    data.checks = vec![
        CheckLine {
            control: "SRM-IAM".into(),
            title: "Identity and access management".into(),
            passed: 14,
            failed: 0,
            manual: 1,
            other: 0,
            failing: Vec::new(),
            failing_more: 0,
        },
        CheckLine {
            control: "SRM-CSE".into(),
            title: "Client-side encryption and data integrity authentication".into(),
            passed: 3,
            failed: 2,
            manual: 0,
            other: 1,
            failing: failing(2, ""),
            failing_more: 0,
        },
        CheckLine {
            control: "SRM-FW".into(),
            title: "Network firewall".into(),
            passed: 40,
            failed: 30,
            manual: 2,
            other: 0,
            failing: failing(FAILING_SHOWN, "invoices-bucket"),
            failing_more: 30 - FAILING_SHOWN as u64,
        },
    ];
    let at = data
        .sections
        .iter()
        .position(|s| *s == Section::Findings)
        .map_or(data.sections.len(), |i| i + 1);
    data.sections.insert(at, Section::Checks);
    data
}
