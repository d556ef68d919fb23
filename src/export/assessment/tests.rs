//! The assessment results of a demo evaluation: valid OSCAL, findings and observations as the
//! results say, evidence by hash, deterministic, an open evaluation refused.

use super::*;
use crate::commands::Ctx;
use crate::db::evaluations;
use crate::export::ssp::checks::{assert_clean, reference_problems, schema_errors};
use crate::model::evidence::Day;

fn day() -> Day {
    Day::parse("2026-11-20").expect("a date")
}

/// A database with the demo organisation, a file, a URL and a note as evidence, and an
/// evaluation with results; closed when `close`.
fn evaluated(dir: &std::path::Path, close: bool) -> Ctx {
    let mut ctx = crate::commands::fixtures::demo_ctx(dir, "data", day());
    let file = dir.join("restore-log.txt");
    std::fs::write(&file, "restore of orders-db succeeded in 23 minutes\n").expect("write");
    let add = |control: &str,
               service: Option<&str>,
               file: Option<std::path::PathBuf>,
               url: Option<&str>,
               note: Option<&str>| {
        crate::commands::evidence::Add {
            control: control.to_string(),
            file,
            url: url.map(str::to_string),
            note: note.map(str::to_string),
            service: service.map(str::to_string),
            catalog: None,
            title: None,
            collected: Some(day()),
            expires: Some("90d".to_string()),
        }
    };
    add("SRM-BACKUP", Some("orders-db"), Some(file), None, None)
        .run(&mut ctx)
        .expect("file evidence");
    add(
        "SRM-FW",
        Some("orders-db"),
        None,
        Some("https://wiki.example.com/sg/orders-db"),
        None,
    )
    .run(&mut ctx)
    .expect("URL evidence");
    add("SRM-TRAIN", None, None, None, Some("Training completion 98%"))
        .run(&mut ctx)
        .expect("note evidence");
    ctx.actor = "security".to_string();
    crate::commands::evidence::review(&mut ctx, 1, true, "restore log checked").expect("accept");
    crate::commands::evidence::review(&mut ctx, 2, false, "screenshot is from staging").expect("reject");
    crate::commands::evaluation::open(&mut ctx, "Demo evaluation", "srm", &[], &[]).expect("open");
    for (control, service, result, note) in [
        (
            "SRM-FW",
            Some("orders-db"),
            ResultValue::NotSatisfied,
            "0.0.0.0/0 open on 5432",
        ),
        ("SRM-FW", Some("web-frontend"), ResultValue::Satisfied, "only 443"),
        ("SRM-IAM", None, ResultValue::Satisfied, "quarterly review complete"),
        (
            "SRM-TRAIN",
            None,
            ResultValue::PartiallySatisfied,
            "two contractors missing",
        ),
        (
            "SRM-BACKUP",
            Some("orders-db"),
            ResultValue::Satisfied,
            "restore tested",
        ),
        ("SRM-PHYS", None, ResultValue::NotApplicable, ""),
    ] {
        crate::commands::evaluation::record(&mut ctx, control, result, service, note, None).expect("record");
    }
    if close {
        crate::commands::evaluation::close(&mut ctx, None).expect("close");
    }
    ctx
}

fn results(ctx: &Ctx) -> Value {
    let e = evaluations::get(ctx.db.conn(), 1).expect("evaluation 1");
    assessment_results(ctx.db.conn(), &e, None).expect("export")
}

fn finding<'a>(doc: &'a Value, key: &str) -> &'a Value {
    doc["assessment-results"]["results"][0]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["target"]["target-id"] == format!("{}_smt", oscal_id(key)))
        .expect("a finding for the control")
}

#[test]
fn assessment_results_are_valid_oscal_1_2_1() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ctx = evaluated(dir.path(), true);
    let doc = results(&ctx);
    assert_clean("schema", &schema_errors("oscal_assessment-results_schema.json", &doc));
    assert_clean("references", &reference_problems(&doc));
}

#[test]
fn findings_follow_the_combined_results() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ctx = evaluated(dir.path(), true);
    let doc = results(&ctx);
    let result = &doc["assessment-results"]["results"][0];
    let findings = result["findings"].as_array().expect("findings");
    let gap = |f: &&Value| {
        f["props"]
            .as_array()
            .is_some_and(|props| props.iter().any(|p| p["name"] == "gap"))
    };
    let results = findings.iter().filter(|f| !gap(f)).count();
    assert!(results < 20, "only assessed controls have result findings");
    // Evidence gaps are findings of their own, with the uuid a POA&M item points at.
    let e = evaluations::get(ctx.db.conn(), 1).expect("evaluation 1");
    let fw_gap = findings
        .iter()
        .filter(gap)
        .find(|f| f["title"] == "SRM-FW: no accepted, unexpired evidence")
        .expect("SRM-FW has no accepted evidence");
    assert_eq!(
        fw_gap["uuid"].as_str(),
        finding_uuid(&e, "SRM-FW", ItemKind::NoEvidence).as_deref()
    );
    assert_eq!(
        finding(&doc, "SRM-FW")["uuid"].as_str(),
        finding_uuid(&e, "SRM-FW", ItemKind::NotSatisfied).as_deref()
    );
    assert_eq!(
        result["reviewed-controls"]["control-selections"][0]["include-controls"]
            .as_array()
            .map(Vec::len),
        Some(20)
    );
    let state = |key: &str| {
        finding(&doc, key)["target"]["status"]["state"]
            .as_str()
            .map(str::to_string)
    };
    assert_eq!(state("SRM-FW").as_deref(), Some("not-satisfied"));
    assert_eq!(state("SRM-IAM").as_deref(), Some("satisfied"));
    assert_eq!(state("SRM-TRAIN").as_deref(), Some("not-satisfied"));
    assert_eq!(
        finding(&doc, "SRM-TRAIN")["target"]["implementation-status"]["state"],
        "partial"
    );
    assert_eq!(state("SRM-PHYS").as_deref(), Some("satisfied"));
    assert!(
        findings
            .iter()
            .all(|f| !f["title"].as_str().unwrap_or("").starts_with("SRM-HW ")),
        "SRM-HW was not assessed: no finding"
    );
    assert_eq!(
        finding(&doc, "SRM-FW")["related-observations"].as_array().map(Vec::len),
        Some(2)
    );
    let start = result["start"].as_str().expect("start");
    let end = result["end"].as_str().expect("end");
    assert!(start.ends_with('Z') && end.ends_with('Z') && start <= end);
}

#[test]
fn observations_point_to_evidence_by_hash() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ctx = evaluated(dir.path(), true);
    let doc = results(&ctx);
    let ar = &doc["assessment-results"];
    let sha = crate::db::evidence::get(ctx.db.conn(), 1)
        .expect("evidence 1")
        .sha256
        .expect("a file has a hash");
    let backup = ar["results"][0]["observations"]
        .as_array()
        .expect("observations")
        .iter()
        .find(|o| o["title"] == "SRM-BACKUP on orders-db")
        .expect("an observation of the backup");
    let evidence = &backup["relevant-evidence"][0];
    assert!(
        evidence["description"]
            .as_str()
            .expect("description")
            .starts_with("Evidence 1: restore-log.txt")
    );
    let href = evidence["href"].as_str().expect("href");
    let resource = ar["back-matter"]["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .find(|r| format!("#{}", r["uuid"].as_str().expect("uuid")) == href)
        .expect("the evidence is a back-matter resource");
    assert_eq!(resource["rlinks"][0]["href"], format!("urn:sha256:{sha}"));
    assert_eq!(resource["rlinks"][0]["hashes"][0]["algorithm"], "SHA-256");
    assert_eq!(resource["rlinks"][0]["hashes"][0]["value"], sha.as_str());
    let url = ar["back-matter"]["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .find(|r| r["title"] == "https://wiki.example.com/sg/orders-db")
        .expect("the URL evidence");
    assert_eq!(url["rlinks"][0]["href"], "https://wiki.example.com/sg/orders-db");
}

#[test]
fn assessment_results_are_deterministic() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ctx = evaluated(dir.path(), true);
    let text = || serde_json::to_string_pretty(&results(&ctx)).expect("serialises");
    assert_eq!(text(), text());
}

#[test]
fn an_open_evaluation_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ctx = evaluated(dir.path(), false);
    let e = evaluations::get(ctx.db.conn(), 1).expect("evaluation 1");
    let err = assessment_results(ctx.db.conn(), &e, None).expect_err("open");
    assert!(matches!(&err, Error::Invalid(m) if m.contains("still open")), "{err}");
}
