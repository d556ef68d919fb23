//! The derived matrix against the reference tables, overrides, provenance and owners.

use serde_json::Value;

use crate::common::{Env, count, rejects_unchanged};

/// An estate with one service in each category: EC2, RDS, S3.
fn estate() -> Env {
    Env::estate()
}

/// control key -> service name -> cell, from `responsibility matrix --json`.
fn cell<'a>(matrix: &'a Value, control: &str, service: &str) -> &'a Value {
    let row = matrix["controls"]
        .as_array()
        .expect("controls")
        .iter()
        .find(|c| c["key"] == control)
        .unwrap_or_else(|| panic!("{control} missing"));
    row["services"]
        .as_array()
        .expect("services")
        .iter()
        .find(|c| c["service"] == service)
        .unwrap_or_else(|| panic!("{service} missing"))
}

#[test]
fn the_matrix_reproduces_the_reference_tables() {
    let env = estate();
    let m = env.json(["responsibility", "matrix", "--json"]);
    let listed = env.json(["source", "list", "--json"]);
    let ids: Vec<&str> = listed
        .as_array()
        .expect("sources")
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    // (control, EC2 = infrastructure, RDS = container, S3 = abstracted), from the per-category
    // tables of the AWS shared responsibility model and the examples of the other sources
    // (seeds/sources.csv).
    let expected = [
        // The provider secures the cloud itself in every category.
        ("SRM-PHYS", "inherited", "inherited", "inherited"),
        ("SRM-HW", "inherited", "inherited", "inherited"),
        ("SRM-VIRT", "inherited", "inherited", "inherited"),
        // Infrastructure: the customer owns OS and platform. Container: the provider runs both.
        ("SRM-GUESTOS", "customer", "inherited", "inherited"),
        ("SRM-PLATFORM", "customer", "inherited", "inherited"),
        // Security groups / firewall rules: the customer's on EC2 and RDS.
        ("SRM-FW", "customer", "customer", "inherited"),
        // Container: the customer guards its data with firewalls and backups.
        ("SRM-BACKUP", "customer", "customer", "shared"),
        // Abstracted: the provider runs server-side encryption and data protection.
        ("SRM-SSE", "customer", "customer", "inherited"),
        // Customer data and client-side encryption are the customer's everywhere.
        ("SRM-DATA", "customer", "customer", "customer"),
        ("SRM-CSE", "customer", "customer", "customer"),
        // Platform-level identity: container customers manage it separately from IAM.
        ("SRM-PLATIAM", "customer", "customer", "inherited"),
        // The shared controls of the Well-Architected page, and its customer-specific one.
        // Patching: the guest OS is the customer's on infrastructure; nothing to patch on abstracted.
        ("SRM-PATCH", "customer", "shared", "inherited"),
        ("SRM-CONFIG", "shared", "shared", "shared"),
        ("SRM-TRAIN", "shared", "shared", "shared"),
        ("SRM-ZONE", "customer", "customer", "customer"),
        ("SRM-IAM", "customer", "customer", "customer"),
        ("SRM-REGION", "customer", "customer", "customer"),
    ];
    for (control, ec2, rds, s3) in expected {
        for (service, want) in [("web", ec2), ("orders-db", rds), ("bucket", s3)] {
            let c = cell(&m, control, service);
            assert_eq!(c["responsibility"], want, "{control} on {service}");
            assert_eq!(c["provenance"], "rule", "{control} on {service}");
            let source = c["source"].as_str().unwrap_or("");
            assert!(
                !source.is_empty() && source.split(';').all(|id| ids.contains(&id)),
                "{control} on {service} cites its sources by id: {source}"
            );
        }
    }
    // Roll-up: all inherited -> inherited, all customer -> customer, any mix -> shared.
    let org = |k: &str| {
        m["controls"]
            .as_array()
            .expect("controls")
            .iter()
            .find(|c| c["key"] == k)
            .expect("row")["organisation"]
            .clone()
    };
    assert_eq!(org("SRM-PHYS"), "inherited");
    assert_eq!(org("SRM-DATA"), "customer");
    assert_eq!(org("SRM-FW"), "shared");
    // Patch management rolls up to the shared control of the Well-Architected page over a mixed estate.
    assert_eq!(org("SRM-PATCH"), "shared");
}

#[test]
fn the_matrix_of_one_service_as_json_and_as_a_table() {
    let env = estate();
    let m = env.json(["responsibility", "matrix", "--service", "orders-db", "--json"]);
    assert_eq!(count(&m["services"]), Some(1));
    assert_eq!(count(&m["controls"]), Some(20));
    assert_eq!(cell(&m, "SRM-FW", "orders-db")["owner"], "data-platform");
    let out = env.run(["responsibility", "matrix"]).success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(text.contains("orders-db") && text.contains("SRM-GUESTOS") && text.contains("inherited"));
    rejects_unchanged(
        &env,
        &["responsibility", "matrix", "--service", "orders-dv"],
        "did you mean \"orders-db\"",
    );
}

#[test]
fn an_override_wins_says_why_and_can_be_removed() {
    let env = estate();
    let why = "RDS security groups managed by platform team";
    env.run([
        "responsibility",
        "set",
        "SRM-FW",
        "--service",
        "orders-db",
        "--as",
        "shared",
        "--why",
        why,
    ])
    .success();
    let v = env.json(["responsibility", "show", "SRM-FW", "--service", "orders-db", "--json"]);
    assert_eq!(v["cell"]["responsibility"], "shared");
    assert_eq!(v["cell"]["provenance"], "override");
    assert_eq!(v["cell"]["rationale"], why);
    assert_eq!(v["default"]["responsibility"], "customer");
    let out = env
        .run(["responsibility", "show", "SRM-FW", "--service", "orders-db"])
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(text.contains("override") && text.contains(why), "{text}");
    // Other services keep the rule.
    let m = env.json(["responsibility", "matrix", "--json"]);
    assert_eq!(cell(&m, "SRM-FW", "web")["provenance"], "rule");
    let entry = env.json(["audit", "log", "--limit", "1", "--json"]);
    assert_eq!(entry[0]["action"], "responsibility.set");
    assert!(entry[0]["details"].as_str().unwrap_or("").contains(why));

    env.run(["responsibility", "unset", "SRM-FW", "--service", "orders-db"])
        .success();
    let v = env.json(["responsibility", "show", "SRM-FW", "--service", "orders-db", "--json"]);
    assert_eq!(v["cell"]["responsibility"], "customer");
    assert_eq!(v["cell"]["provenance"], "rule");
    assert_eq!(env.count("SELECT count(*) FROM implementation"), 0);
}

#[test]
fn an_organisation_wide_override_applies_to_every_service_unless_one_has_its_own() {
    let env = estate();
    env.run([
        "responsibility",
        "set",
        "SRM-ZONE",
        "--as",
        "shared",
        "--why",
        "landing zone run with the provider",
    ])
    .success();
    env.run([
        "responsibility",
        "set",
        "SRM-ZONE",
        "--service",
        "bucket",
        "--as",
        "customer",
        "--why",
        "bucket routing is ours",
    ])
    .success();
    let m = env.json(["responsibility", "matrix", "--json"]);
    assert_eq!(cell(&m, "SRM-ZONE", "web")["responsibility"], "shared");
    assert_eq!(cell(&m, "SRM-ZONE", "web")["provenance_detail"], "org-override");
    assert_eq!(cell(&m, "SRM-ZONE", "bucket")["responsibility"], "customer");
    assert_eq!(cell(&m, "SRM-ZONE", "bucket")["provenance_detail"], "service-override");
}

#[test]
fn owners_follow_service_override_then_control_then_service_team() {
    let env = estate();
    env.run(["team", "add", "security"]).success();
    env.run(["owner", "set", "SRM-PATCH", "--team", "platform"]).success();
    env.run([
        "owner",
        "set",
        "SRM-PATCH",
        "--team",
        "security",
        "--service",
        "orders-db",
    ])
    .success();
    let m = env.json(["responsibility", "matrix", "--json"]);
    assert_eq!(cell(&m, "SRM-PATCH", "orders-db")["owner"], "security");
    assert_eq!(cell(&m, "SRM-PATCH", "orders-db")["owner_source"], "service-override");
    assert_eq!(cell(&m, "SRM-PATCH", "web")["owner"], "platform");
    assert_eq!(cell(&m, "SRM-PATCH", "web")["owner_source"], "control");
    assert_eq!(cell(&m, "SRM-FW", "bucket")["owner"], "data-platform");
    assert_eq!(cell(&m, "SRM-FW", "bucket")["owner_source"], "service-team");
    rejects_unchanged(
        &env,
        &["owner", "set", "SRM-PATCH", "--team", "nobody"],
        "unknown team \"nobody\"",
    );
    env.run(["owner", "unset", "SRM-PATCH", "--service", "orders-db"])
        .success();
    let m = env.json(["responsibility", "matrix", "--json"]);
    assert_eq!(cell(&m, "SRM-PATCH", "orders-db")["owner"], "platform");
}

#[test]
fn reading_commands_never_write() {
    let env = estate();
    env.run([
        "responsibility",
        "set",
        "SRM-FW",
        "--service",
        "web",
        "--as",
        "shared",
        "--why",
        "x",
    ])
    .success();
    let before = env.fingerprint();
    for args in [
        &["responsibility", "matrix"][..],
        &["responsibility", "matrix", "--json"],
        &["responsibility", "show", "SRM-FW"],
        &["responsibility", "show", "SRM-FW", "--service", "web"],
        &["control", "show", "SRM-FW"],
        &["service", "list"],
        &["audit", "log"],
        &["audit", "verify"],
    ] {
        env.run(args).success();
    }
    assert_eq!(env.fingerprint(), before);
}

#[test]
fn responsibility_show_cites_the_rules_sources_with_their_urls() {
    let env = estate();
    let wa = "Shared responsibility — AWS Well-Architected Framework, Security Pillar (Amazon Web Services), \
              https://docs.aws.amazon.com/wellarchitected/latest/security-pillar/shared-responsibility.html";
    // One service: the rule's sources, one line each.
    let out = env
        .run(["responsibility", "show", "SRM-PATCH", "--service", "web"])
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(text.contains(&format!("source          {wa}")), "{text}");
    let v = env.json(["responsibility", "show", "SRM-PATCH", "--service", "web", "--json"]);
    assert_eq!(v["citations"][0]["id"], "aws-wa-security-shared");
    assert_eq!(
        v["citations"][0]["url"],
        "https://docs.aws.amazon.com/wellarchitected/latest/security-pillar/shared-responsibility.html"
    );
    // Every service: each source of the deciding rules once, under the table.
    let out = env.run(["responsibility", "show", "SRM-PATCH"]).success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let (_, sources) = text
        .split_once("Sources of the rules that decided:")
        .expect("a sources list");
    assert_eq!(sources.matches(wa).count(), 1, "{text}");
    assert!(
        sources.contains("https://aws.amazon.com/compliance/shared-responsibility-model/"),
        "{text}"
    );
    let v = env.json(["responsibility", "show", "SRM-PATCH", "--json"]);
    assert!(count(&v["sources"]).is_some_and(|n| n >= 2), "{v}");
    // An override cites no rule.
    env.run([
        "responsibility",
        "set",
        "SRM-PATCH",
        "--service",
        "web",
        "--as",
        "shared",
        "--why",
        "golden images",
    ])
    .success();
    let out = env
        .run(["responsibility", "show", "SRM-PATCH", "--service", "web"])
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(!text.contains("source   "), "{text}");
}
