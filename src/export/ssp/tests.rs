//! Tests of the system security plan.

use super::checks::{assert_clean, reference_problems, schema_errors};
use super::*;
use crate::db::Db;

fn day() -> Day {
    Day::parse("2026-11-20").expect("a date")
}

fn options() -> SspOptions {
    SspOptions {
        catalog: "srm".to_string(),
        profile_href: None,
        organisation: "Example Corp".to_string(),
        date: day(),
        via: None,
    }
}

/// A database with the model, and the demo organisation when `demo`.
fn database(dir: &std::path::Path, demo: bool) -> Db {
    crate::commands::fixtures::seeded_db(dir, demo)
}

fn requirement<'a>(doc: &'a Value, control_id: &str) -> &'a Value {
    doc["system-security-plan"]["control-implementation"]["implemented-requirements"]
        .as_array()
        .expect("requirements")
        .iter()
        .find(|r| r["control-id"] == control_id)
        .expect("the control is in the plan")
}

fn originations(req: &Value) -> Vec<&str> {
    req["props"]
        .as_array()
        .expect("props")
        .iter()
        .filter(|p| p["name"] == "control-origination")
        .filter_map(|p| p["value"].as_str())
        .collect()
}

fn by_component<'a>(req: &'a Value, doc: &Value, service: &str) -> &'a Value {
    let component = doc["system-security-plan"]["system-implementation"]["components"]
        .as_array()
        .expect("components")
        .iter()
        .find(|c| c["title"] == service)
        .expect("the service is a component");
    req["by-components"]
        .as_array()
        .expect("by-components")
        .iter()
        .find(|b| b["component-uuid"] == component["uuid"])
        .expect("the service has a by-component")
}

#[test]
fn the_checks_catch_broken_documents() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = database(dir.path(), true);
    let mut doc = system_security_plan(db.conn(), &options()).expect("export");
    let ssp = &mut doc["system-security-plan"];
    ssp["metadata"]["roles"] = json!([]);
    ssp["system-implementation"]["components"][1]["uuid"] = json!("0f6e800c-b5ed-4d46-ad57-4d0faad3ab60");
    ssp["control-implementation"]["implemented-requirements"][0]["props"][0]["value"] = json!("provider");
    let problems = reference_problems(&doc);
    for expected in [
        "empty array",
        "is not a version 5 UUID",
        "is not one of the document's components",
        "is not defined in metadata.roles",
        "control-origination \"provider\" is not allowed",
    ] {
        assert!(
            problems.iter().any(|p| p.contains(expected)),
            "{expected} in {problems:#?}"
        );
    }
    let ssp = &mut doc["system-security-plan"];
    ssp["metadata"]["last-modified"] = json!("2026-11-20T00:00:00");
    ssp["control-implementation"]["implemented-requirements"][0]
        .as_object_mut()
        .expect("an object")
        .remove("uuid");
    let errors = schema_errors("oscal_ssp_schema.json", &doc);
    assert!(errors.iter().any(|e| e.contains("last-modified")), "{errors:#?}");
    assert!(errors.iter().any(|e| e.contains("uuid")), "{errors:#?}");
    assert!(errors.iter().any(|e| e.contains("/metadata/roles")), "{errors:#?}");
}

#[test]
fn oscal_ids_from_control_keys() {
    assert_eq!(oscal_id("AC-2(1)"), "ac-2.1");
    assert_eq!(oscal_id("SRM-PATCH"), "srm-patch");
    assert_eq!(oscal_id("AC-2(1)(a)"), "ac-2.1.a");
    assert_eq!(oscal_id("ac-2"), "ac-2");
    assert_eq!(oscal_id("3 RD party"), "_3_rd_party");
}

#[test]
fn ssp_is_valid_oscal_1_2_1() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = database(dir.path(), true);
    let doc = system_security_plan(db.conn(), &options()).expect("export");
    assert_clean("schema", &schema_errors("oscal_ssp_schema.json", &doc));
    assert_clean("references", &reference_problems(&doc));
}

#[test]
fn ssp_without_services_is_still_valid() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = database(dir.path(), false);
    let opts = SspOptions {
        profile_href: Some("https://example.com/profiles/srm.json".to_string()),
        ..options()
    };
    let doc = system_security_plan(db.conn(), &opts).expect("export");
    assert_clean("schema", &schema_errors("oscal_ssp_schema.json", &doc));
    assert_clean("references", &reference_problems(&doc));
    let ssp = &doc["system-security-plan"];
    assert_eq!(ssp["import-profile"]["href"], "https://example.com/profiles/srm.json");
    assert!(ssp["system-implementation"].get("leveraged-authorizations").is_none());
}

#[test]
fn ssp_parties_components_and_leveraged_authorization() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = database(dir.path(), true);
    let doc = system_security_plan(db.conn(), &options()).expect("export");
    let ssp = &doc["system-security-plan"];
    let metadata = &ssp["metadata"];
    assert_eq!(metadata["oscal-version"], "1.2.1");
    // The newest change of the data (the fixture was built now, after the plan's date).
    let newest = crate::db::audit_log::newest_at(db.conn())
        .expect("log")
        .expect("entries");
    assert_eq!(metadata["last-modified"], newest.as_str());
    let names: Vec<&str> = metadata["parties"]
        .as_array()
        .expect("parties")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    for name in [
        "Example Corp",
        "Amazon Web Services",
        "platform",
        "data-platform",
        "security",
        "web",
    ] {
        assert!(names.contains(&name), "party {name} in {names:?}");
    }
    let implementation = &ssp["system-implementation"];
    let authorizations = implementation["leveraged-authorizations"]
        .as_array()
        .expect("authorizations");
    assert_eq!(authorizations.len(), 1);
    let components = implementation["components"].as_array().expect("components");
    assert_eq!(components.len(), 6, "this-system and five services");
    assert_eq!(components.iter().filter(|c| c["type"] == "this-system").count(), 1);
    for c in components.iter().filter(|c| c["type"] == "service") {
        let link = c["props"]
            .as_array()
            .expect("props")
            .iter()
            .find(|p| p["name"] == "leveraged-authorization-uuid")
            .expect("a link to the leveraged authorization");
        assert_eq!(link["value"], authorizations[0]["uuid"]);
    }
    assert_eq!(ssp["import-profile"]["href"], "srm.json");
    assert_eq!(ssp["back-matter"]["resources"][0]["rlinks"][0]["href"], "srm.json");
}

#[test]
fn ssp_maps_responsibility_to_origination_and_by_components() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = database(dir.path(), true);
    let doc = system_security_plan(db.conn(), &options()).expect("export");
    let reqs = doc["system-security-plan"]["control-implementation"]["implemented-requirements"]
        .as_array()
        .expect("requirements");
    assert_eq!(reqs.len(), 20);

    // Physical security: inherited everywhere.
    let phys = requirement(&doc, "srm-phys");
    assert_eq!(originations(phys), ["inherited"]);
    let b = by_component(phys, &doc, "orders-db");
    assert!(b.get("inherited").is_some() && b.get("satisfied").is_none());
    // Nothing recorded: no invented status, and the description says so.
    assert!(b.get("implementation-status").is_none(), "{b:#}");
    assert_eq!(b["description"], super::requirement::NOT_RECORDED);
    assert!(phys.get("responsible-roles").is_none());

    // Firewalls: the customer's on EC2, the provider's on S3.
    let fw = requirement(&doc, "srm-fw");
    assert_eq!(originations(fw), ["system-specific", "inherited"]);
    let vm = by_component(fw, &doc, "web-frontend");
    assert!(vm.get("inherited").is_none());
    assert_eq!(vm["satisfied"][0]["responsible-roles"][0]["role-id"], "control-owner");
    let bucket = by_component(fw, &doc, "invoices-bucket");
    assert!(bucket.get("inherited").is_some() && bucket.get("satisfied").is_none());

    // Every pair of every control carries its responsibility as a prop, and the entries match it.
    for req in reqs {
        for b in req["by-components"].as_array().expect("by-components") {
            let r = b["props"]
                .as_array()
                .expect("props")
                .iter()
                .find(|p| p["name"] == "responsibility")
                .and_then(|p| p["value"].as_str())
                .expect("responsibility prop");
            let (inherited, satisfied) = (b.get("inherited").is_some(), b.get("satisfied").is_some());
            let expected = match r {
                "inherited" => (true, false),
                "shared" => (true, true),
                "customer" => (false, true),
                _ => (false, false),
            };
            assert_eq!((inherited, satisfied), expected, "{} {r}", req["control-id"]);
        }
    }
}

#[test]
fn an_organisation_wide_owner_makes_a_common_control() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = database(dir.path(), true);
    let mut ctx = crate::commands::Ctx {
        db,
        actor: "alice".to_string(),
        json: false,
        today: day(),
    };
    crate::commands::owner::OwnerCommand::Set {
        key: "SRM-DATA".to_string(),
        team: "security".to_string(),
        service: None,
        catalog: None,
    }
    .run(&mut ctx)
    .expect("owner set");
    let doc = system_security_plan(ctx.db.conn(), &options()).expect("export");
    let data = requirement(&doc, "srm-data");
    assert_eq!(originations(data), ["organization"]);
    assert_eq!(data["responsible-roles"][0]["role-id"], "control-owner");
    assert_clean("references", &reference_problems(&doc));
}

#[test]
fn ssp_export_is_deterministic() {
    let (one, two) = (
        tempfile::tempdir().expect("temp dir"),
        tempfile::tempdir().expect("temp dir"),
    );
    let first = database(one.path(), true);
    let text = |db: &Db| {
        serde_json::to_string_pretty(&system_security_plan(db.conn(), &options()).expect("export")).expect("serialises")
    };
    let a = text(&first);
    assert_eq!(a, text(&first), "twice from one database");
    // A second database with the same data: the same document, but for last-modified, which is
    // the time that database was last changed (its audit log).
    let second = database(two.path(), true);
    let without_time = |db: &Db| {
        let mut doc = system_security_plan(db.conn(), &options()).expect("export");
        doc["system-security-plan"]["metadata"]
            .as_object_mut()
            .expect("metadata")
            .remove("last-modified");
        doc
    };
    assert_eq!(
        without_time(&first),
        without_time(&second),
        "from a second database with the same data"
    );
}

#[test]
fn the_streamed_plan_is_the_plan() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = database(dir.path(), true);
    let mut bytes = Vec::new();
    write_system_security_plan(db.conn(), &options(), &mut bytes).expect("export");
    let streamed: Value = serde_json::from_slice(&bytes).expect("the stream is JSON");
    assert_eq!(streamed, system_security_plan(db.conn(), &options()).expect("export"));
    assert_clean("schema", &schema_errors("oscal_ssp_schema.json", &streamed));
    assert_clean("references", &reference_problems(&streamed));
    assert_eq!(
        bytes,
        serde_json::to_vec(&streamed).expect("serialises"),
        "compact, with keys in the order serde_json writes them"
    );
    let mut again = Vec::new();
    write_system_security_plan(db.conn(), &options(), &mut again).expect("export");
    assert_eq!(bytes, again, "the same bytes twice");
}

#[test]
fn a_failed_write_is_an_io_error_on_the_output() {
    struct Full;
    impl Write for Full {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk full"))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let db = database(dir.path(), true);
    let err = write_system_security_plan(db.conn(), &options(), &mut Full).expect_err("the write fails");
    assert!(matches!(&err, Error::Io { path, .. } if path == OUTPUT), "{err:?}");
}

#[test]
fn bad_options_are_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = database(dir.path(), true);
    let unknown = SspOptions {
        catalog: "nope".to_string(),
        ..options()
    };
    assert!(matches!(
        system_security_plan(db.conn(), &unknown),
        Err(Error::NotFound { .. })
    ));
    let blank = SspOptions {
        organisation: "  ".to_string(),
        ..options()
    };
    assert!(matches!(
        system_security_plan(db.conn(), &blank),
        Err(Error::Invalid(_))
    ));
    let spaced = SspOptions {
        profile_href: Some("a profile.json".to_string()),
        ..options()
    };
    assert!(matches!(
        system_security_plan(db.conn(), &spaced),
        Err(Error::Invalid(_))
    ));
}

#[test]
fn recorded_statements_are_exported_where_recorded_and_markup_is_escaped() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = database(dir.path(), true);
    let before = system_security_plan(db.conn(), &options()).expect("export");
    let mut ctx = crate::commands::Ctx {
        db,
        actor: "alice".to_string(),
        json: false,
        today: day(),
    };
    let set = |key: &str, service: Option<&str>, statement: &str| {
        crate::commands::implementation::ImplementationCommand::Set {
            key: key.to_string(),
            status: crate::model::ImplementationStatus::Implemented,
            statement: statement.to_string(),
            service: service.map(str::to_string),
            catalog: None,
        }
    };
    set(
        "SRM-FW",
        Some("web-frontend"),
        "Security groups <script>alert(1)</script> [x](javascript:alert(1))",
    )
    .run(&mut ctx)
    .expect("set");
    set("SRM-DATA", None, "Encryption <img src=x onerror=alert(1)> everywhere")
        .run(&mut ctx)
        .expect("set");
    let doc = system_security_plan(ctx.db.conn(), &options()).expect("export");
    assert_clean("schema", &schema_errors("oscal_ssp_schema.json", &doc));
    assert_clean("references", &reference_problems(&doc));
    let fw = by_component(requirement(&doc, "srm-fw"), &doc, "web-frontend");
    assert_eq!(
        fw["description"],
        "Security groups &lt;script&gt;alert(1)&lt;/script&gt; \\[x\\](javascript:alert(1))"
    );
    assert_eq!(fw["implementation-status"]["state"], "implemented");
    // The organisation-wide statement is on this system's by-component.
    let data = requirement(&doc, "srm-data");
    let this = data["by-components"]
        .as_array()
        .expect("by-components")
        .iter()
        .find(|b| {
            b["props"]
                .as_array()
                .is_some_and(|p| p.iter().any(|p| p["value"] == "organisation-wide"))
        })
        .expect("an organisation-wide by-component");
    assert_eq!(
        this["description"],
        "Encryption &lt;img src=x onerror=alert(1)&gt; everywhere"
    );
    let text = serde_json::to_string(&doc).expect("serialises");
    for live in ["<script", "<img", "[x](javascript:"] {
        assert!(!text.contains(live), "{live} reaches the document");
    }
    // Different content, different identity.
    let (a, b) = (&before["system-security-plan"], &doc["system-security-plan"]);
    assert_ne!(a["uuid"], b["uuid"]);
    assert_ne!(a["metadata"]["version"], b["metadata"]["version"]);
    assert!(b["metadata"]["last-modified"].as_str() >= a["metadata"]["last-modified"].as_str());
}
