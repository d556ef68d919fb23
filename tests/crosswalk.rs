//! Crosswalks between catalogues and coverage through them.

use crate::common::{Env, count, pluck, rejects_unchanged};

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/oscal/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// The baseline and SP 800-53 (with its seeded crosswalk from srm), one EC2 service.
fn with_nist() -> Env {
    let env = Env::init();
    env.run(["catalog", "import", &fixture("NIST_SP-800-53_rev5.0.1_catalog.json")])
        .success()
        .stdout(predicates::str::contains("crosswalk from srm:"));
    env.run(["team", "add", "platform"]).success();
    env.run(["service", "add", "vm", "--offering", "aws.ec2", "--team", "platform"])
        .success();
    env
}

#[test]
fn mappings_are_added_listed_and_replaced() {
    let env = with_nist();
    // The seeded crosswalk already maps SRM-PATCH to SI-2 as equal: the same relationship with new
    // words updates the rationale.
    env.run([
        "mapping",
        "add",
        "srm:SRM-PATCH",
        "nist-800-53:SI-2",
        "--relationship",
        "equal",
        "--why",
        "both require timely flaw remediation",
    ])
    .success();
    env.run([
        "mapping",
        "add",
        "srm:SRM-ZONE",
        "nist-800-53:SC-7",
        "--relationship",
        "subset",
        "--why",
        "zone routing is one part of boundary protection",
    ])
    .success();
    let list = env.json(["mapping", "list", "--from", "srm", "--to", "nist-800-53", "--json"]);
    let patch = list
        .as_array()
        .expect("array")
        .iter()
        .find(|m| m["source"] == "SRM-PATCH" && m["target"] == "SI-2");
    let patch = patch.expect("mapped").clone();
    assert_eq!(patch["relationship"], "equal");
    assert_eq!(patch["rationale"], "both require timely flaw remediation");
    assert_eq!(patch["origin"], "user");
    rejects_unchanged(
        &env,
        &[
            "mapping",
            "add",
            "srm:SRM-PATCH",
            "nist-800-53:SI-2",
            "--relationship",
            "subset",
            "--why",
            "x",
        ],
        "already exists (equal, user); pass --replace",
    );
    env.run([
        "mapping",
        "add",
        "srm:SRM-PATCH",
        "nist-800-53:SI-2",
        "--relationship",
        "subset",
        "--why",
        "x",
        "--replace",
    ])
    .success();
    env.run(["mapping", "remove", "srm:SRM-PATCH", "nist-800-53:SI-2"])
        .success();
    let after = env.json(["mapping", "list", "--from", "srm", "--to", "nist-800-53", "--json"]);
    assert_eq!(count(&after), count(&list).map(|n| n - 1));
}

#[test]
fn bad_mappings_are_refused() {
    let env = with_nist();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "mapping",
                "add",
                "srm:SRM-NOPE",
                "nist-800-53:SI-2",
                "--relationship",
                "equal",
                "--why",
                "x",
            ],
            "unknown control",
        ),
        (
            vec![
                "mapping",
                "add",
                "srm:SRM-PATCH",
                "nist-800-53:SI-99",
                "--relationship",
                "equal",
                "--why",
                "x",
            ],
            "unknown control",
        ),
        (
            vec![
                "mapping",
                "add",
                "nope:X",
                "nist-800-53:SI-2",
                "--relationship",
                "equal",
                "--why",
                "x",
            ],
            "unknown catalog \"nope\"",
        ),
        (
            vec![
                "mapping",
                "add",
                "SRM-PATCH",
                "nist-800-53:SI-2",
                "--relationship",
                "equal",
                "--why",
                "x",
            ],
            "CATALOG:KEY",
        ),
        (
            vec![
                "mapping",
                "add",
                "srm:SRM-PATCH",
                "nist-800-53:SI-2",
                "--relationship",
                "same",
                "--why",
                "x",
            ],
            "unknown relationship",
        ),
        (
            vec![
                "mapping",
                "add",
                "srm:SRM-FW",
                "srm:SRM-ZONE",
                "--relationship",
                "equal",
                "--why",
                "x",
            ],
            "only be mapped as related",
        ),
        (vec!["mapping", "list", "--from", "nope"], "unknown catalog"),
    ];
    for (args, message) in cases {
        rejects_unchanged(&env, &args, message);
    }
    env.run([
        "mapping",
        "add",
        "srm:SRM-FW",
        "srm:SRM-ZONE",
        "--relationship",
        "related",
        "--why",
        "neighbours",
    ])
    .success();
    let bad = env.file("bad.csv", "source,target,relationship,rationale\nsrm:SRM-FW,nist-800-53:AC-3,equal,ok\nsrm:SRM-FW,nist-800-53:AC-3,subset,again\n");
    rejects_unchanged(
        &env,
        &["mapping", "import", bad.to_str().expect("path")],
        "bad.csv line 3: duplicate mapping",
    );
    let bad = env.file(
        "bad2.csv",
        "source,target,relationship,rationale\nsrm:SRM-FW,nist-800-53:AC-3,sideways,ok\n",
    );
    rejects_unchanged(
        &env,
        &["mapping", "import", bad.to_str().expect("path")],
        "bad2.csv line 2, column \"relationship\"",
    );
    let good = env.file(
        "good.csv",
        "source,target,relationship,rationale\nsrm:SRM-FW,nist-800-53:AC-3,intersect,both limit access\n",
    );
    env.run(["mapping", "import", good.to_str().expect("path")])
        .success()
        .stdout(predicates::str::contains("1 added"));
}

#[test]
fn coverage_follows_the_relationship_and_carries_source_evidence() {
    let env = with_nist();
    env.run([
        "mapping",
        "add",
        "srm:SRM-REGION",
        "nist-800-53:SA-9",
        "--relationship",
        "related",
        "--why",
        "x",
        "--replace",
    ])
    .success();
    env.run(["evidence", "add", "SRM-PATCH", "--service", "vm", "--note", "patched"])
        .success();
    env.run_as("bob", ["evidence", "review", "1", "--accept"]).success();
    let all = env.json(["coverage", "--catalog", "nist-800-53", "--via", "srm", "--json"]);
    let find = |key: &str| {
        all.as_array()
            .expect("array")
            .iter()
            .find(|t| t["key"] == key)
            .expect("target")
            .clone()
    };
    // equal -> covered, with the source's evidence.
    assert_eq!(find("SI-2")["coverage"], "covered");
    assert_eq!(find("SI-2")["evidence"], 1);
    assert_eq!(find("SI-2")["sources"][0]["key"], "SRM-PATCH");
    assert_eq!(find("SI-2")["sources"][0]["state"]["evidence_count"], 1);
    // subset -> partly.
    assert_eq!(find("SC-7")["coverage"], "partly");
    assert!(pluck(&find("SC-7")["sources"], "key").contains(&"SRM-ZONE".into()));
    // related -> not covered, and its evidence does not count.
    assert_eq!(find("SA-9")["coverage"], "not-covered");
    // nothing mapped -> not covered, no sources.
    assert_eq!(find("AU-2")["coverage"], "not-covered");
    assert_eq!(count(&find("AU-2")["sources"]), Some(0));
    let out = env
        .run([
            "coverage",
            "--catalog",
            "nist-800-53",
            "--via",
            "srm",
            "--only",
            "covered",
        ])
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(text.contains("SI-2") && text.contains("SRM-PATCH (equal)") && !text.contains("AU-2 "));
}

#[test]
fn a_report_through_the_crosswalk_carries_the_source_evidence_and_results() {
    let env = with_nist();
    env.run([
        "evidence",
        "add",
        "SRM-PATCH",
        "--service",
        "vm",
        "--note",
        "patch report",
        "--title",
        "November patching",
    ])
    .success();
    env.run_as("bob", ["evidence", "review", "1", "--accept"]).success();
    env.run(["evaluation", "open", "Q4", "--catalog", "srm"]).success();
    env.run([
        "evaluation",
        "record",
        "SRM-PATCH",
        "--result",
        "satisfied",
        "--note",
        "all patched",
    ])
    .success();
    env.run(["evaluation", "record", "SRM-ZONE", "--result", "satisfied"])
        .success();
    env.run(["evaluation", "close"]).success();
    let out = env.path().join("nist-view.csv");
    env.run([
        "report",
        "--format",
        "csv",
        "--level",
        "service",
        "--catalog",
        "nist-800-53",
        "--via",
        "srm",
        "--evaluation",
        "1",
        "--out",
        out.to_str().expect("path"),
        "--date",
        "2026-12-01",
    ])
    .success();
    let text = std::fs::read_to_string(&out).expect("csv");
    let row = |key: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("nist-800-53,{key},")))
            .expect("row")
            .to_string()
    };
    // SI-2 is equal to SRM-PATCH: satisfied, with SRM-PATCH's evidence.
    assert!(
        row("SI-2").contains(",crosswalk,platform,,satisfied,SRM-PATCH: all patched,1,"),
        "{}",
        row("SI-2")
    );
    // SC-7 is only partly covered by SRM-ZONE (and SRM-FW): satisfied sources make it partial at best.
    assert!(!row("SC-7").contains(",satisfied,"), "{}", row("SC-7"));
    // AU-2 has no source: its own derivation, not assessed.
    assert!(
        row("AU-2").contains(",rule,") && row("AU-2").contains(",not-assessed,"),
        "{}",
        row("AU-2")
    );

    let pdf = env.path().join("nist-view.pdf");
    env.run([
        "report",
        "--format",
        "pdf",
        "--catalog",
        "nist-800-53",
        "--via",
        "srm",
        "--evaluation",
        "1",
        "--out",
        pdf.to_str().expect("path"),
        "--date",
        "2026-12-01",
    ])
    .success();
    let doc = lopdf::Document::load(&pdf).expect("pdf");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    let text = doc.extract_text(&pages).expect("text");
    assert!(
        text.contains("[via SRM-PATCH] November patching"),
        "the evidence index names the source"
    );
    rejects_unchanged(
        &env,
        &[
            "report",
            "--format",
            "csv",
            "--catalog",
            "nist-800-53",
            "--via",
            "nist-800-53",
            "--evaluation",
            "1",
            "--out",
            "x.csv",
        ],
        "not of --via",
    );
}

#[test]
fn the_oscal_mapping_collection_is_valid_and_round_trips() {
    let env = with_nist();
    env.run([
        "mapping",
        "add",
        "srm:SRM-FW",
        "nist-800-53:AC-3",
        "--relationship",
        "intersect",
        "--why",
        "both limit access",
    ])
    .success();
    let out = env.path().join("map.json");
    env.run([
        "--today",
        "2026-12-01",
        "export",
        "oscal-mapping",
        "--from",
        "srm",
        "--to",
        "nist-800-53",
        "--out",
        out.to_str().expect("path"),
    ])
    .success();
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).expect("map")).expect("json");
    assert_eq!(
        crate::common::schema_errors("oscal_mapping_schema.json", &doc),
        Vec::<String>::new()
    );
    let maps = doc["mapping-collection"]["mappings"][0]["maps"]
        .as_array()
        .expect("maps");
    let fw = maps
        .iter()
        .find(|m| m["targets"][0]["id-ref"] == "ac-3")
        .expect("the added mapping");
    assert_eq!(fw["relationship"], "intersects-with");
    assert_eq!(fw["sources"][0]["id-ref"], "srm-fw");
    assert_eq!(fw["remarks"], "both limit access");

    // Into a fresh database with the same catalogues: the same mappings come back.
    let other = Env::init();
    other
        .run(["catalog", "import", &fixture("NIST_SP-800-53_rev5.0.1_catalog.json")])
        .success();
    other
        .run(["mapping", "remove", "srm:SRM-PATCH", "nist-800-53:SI-2"])
        .success();
    other
        .run(["mapping", "import", out.to_str().expect("path"), "--replace"])
        .success();
    let strip = |v: serde_json::Value| -> Vec<(
        serde_json::Value,
        serde_json::Value,
        serde_json::Value,
        serde_json::Value,
    )> {
        let mut rows: Vec<_> = v
            .as_array()
            .expect("array")
            .iter()
            .map(|m| {
                (
                    m["source"].clone(),
                    m["target"].clone(),
                    m["relationship"].clone(),
                    m["rationale"].clone(),
                )
            })
            .collect();
        rows.sort_by_key(|r| format!("{r:?}"));
        rows
    };
    assert_eq!(
        strip(other.json(["mapping", "list", "--from", "srm", "--to", "nist-800-53", "--json"])),
        strip(env.json(["mapping", "list", "--from", "srm", "--to", "nist-800-53", "--json"]))
    );
    // Bad documents name the JSON path.
    let bad = std::fs::read_to_string(&out)
        .expect("map")
        .replace("\"ac-3\"", "\"ac-999\"");
    let bad = other.file("bad.json", bad);
    rejects_unchanged(
        &other,
        &["mapping", "import", bad.to_str().expect("path")],
        ".targets[0].id-ref: no control \"ac-999\"",
    );
    let truncated = other.file("cut.json", "{\"mapping-collection\": {");
    rejects_unchanged(
        &other,
        &["mapping", "import", truncated.to_str().expect("path")],
        "truncated JSON",
    );
    let wrong = other.file("ssp.json", "{\"system-security-plan\": {}}");
    rejects_unchanged(
        &other,
        &["mapping", "import", wrong.to_str().expect("path")],
        "not an OSCAL mapping collection",
    );
}

#[test]
fn the_ssp_can_be_seen_through_the_crosswalk() {
    let env = with_nist();
    env.run(["evidence", "add", "SRM-PATCH", "--service", "vm", "--note", "patched"])
        .success();
    let out = env.path().join("ssp.json");
    env.run([
        "--today",
        "2026-12-01",
        "export",
        "oscal-ssp",
        "--catalog",
        "nist-800-53",
        "--via",
        "srm",
        "--out",
        out.to_str().expect("path"),
    ])
    .success();
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).expect("ssp")).expect("json");
    assert_eq!(
        crate::common::schema_errors("oscal_ssp_schema.json", &doc),
        Vec::<String>::new()
    );
    let text = doc.to_string();
    assert!(
        text.contains("via SRM-PATCH (equal)"),
        "the SI-2 requirement says where it comes from"
    );
}

#[test]
fn reimporting_the_catalogue_keeps_mappings_people_made() {
    let env = with_nist();
    env.run([
        "mapping",
        "add",
        "srm:SRM-PATCH",
        "nist-800-53:SI-2",
        "--relationship",
        "equal",
        "--why",
        "mine",
    ])
    .success();
    env.run([
        "mapping",
        "add",
        "srm:SRM-FW",
        "nist-800-53:SC-7",
        "--relationship",
        "equal",
        "--why",
        "x",
        "--replace",
    ])
    .success();
    env.run([
        "catalog",
        "import",
        &fixture("NIST_SP-800-53_rev5.0.1_catalog.json"),
        "--replace",
    ])
    .success();
    let list = env.json(["mapping", "list", "--from", "srm", "--to", "nist-800-53", "--json"]);
    let find = |s: &str, t: &str| {
        list.as_array()
            .expect("array")
            .iter()
            .find(|m| m["source"] == s && m["target"] == t)
            .expect("mapping")
            .clone()
    };
    assert_eq!(find("SRM-PATCH", "SI-2")["rationale"], "mine");
    assert_eq!(find("SRM-FW", "SC-7")["relationship"], "equal");
    // A withdrawn control cannot be mapped; an unclosed quote is named.
    rejects_unchanged(
        &env,
        &[
            "mapping",
            "add",
            "srm:SRM-PATCH",
            "nist-800-53:SI-2(1)",
            "--relationship",
            "equal",
            "--why",
            "x",
        ],
        "withdrawn",
    );
    let bad = env.file(
        "q.csv",
        "source,target,relationship,rationale\nsrm:SRM-APP,nist-800-53:SA-10,related,\"abc\n",
    );
    rejects_unchanged(
        &env,
        &["mapping", "import", bad.to_str().expect("path")],
        "q.csv line 2: a quoted field",
    );
}

#[test]
fn oscal_maps_must_name_controls_once() {
    let env = with_nist();
    let out = env.path().join("map.json");
    env.run([
        "export",
        "oscal-mapping",
        "--from",
        "srm",
        "--to",
        "nist-800-53",
        "--out",
        out.to_str().expect("path"),
    ])
    .success();
    let text = std::fs::read_to_string(&out).expect("map");
    let doc: serde_json::Value = serde_json::from_str(&text).expect("json");
    let edit = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut d = doc.clone();
        f(&mut d["mapping-collection"]["mappings"][0]["maps"]);
        d.to_string()
    };
    let cases = [
        (
            "empty.json",
            edit(&|m| m[0]["sources"] = serde_json::json!([])),
            "maps[0].sources: must name at least one control",
        ),
        (
            "stmt.json",
            edit(&|m| m[0]["targets"][0]["type"] = serde_json::json!("statement")),
            "maps[0].targets[0].type",
        ),
        (
            "dup.json",
            edit(&|m| {
                let first = m[0].clone();
                m.as_array_mut().expect("maps").push(first);
            }),
            "again (first at",
        ),
    ];
    for (name, contents, message) in cases {
        let file = env.file(name, contents);
        rejects_unchanged(
            &env,
            &["mapping", "import", file.to_str().expect("path"), "--replace"],
            message,
        );
    }
}

/// Exports the crosswalk from srm to SP 800-53 and returns it.
fn export_mapping(env: &Env, name: &str) -> (std::path::PathBuf, serde_json::Value) {
    let out = env.path().join(name);
    env.run([
        "export",
        "oscal-mapping",
        "--from",
        "srm",
        "--to",
        "nist-800-53",
        "--out",
        out.to_str().expect("path"),
    ])
    .success();
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).expect("map")).expect("json");
    assert_eq!(
        crate::common::schema_errors("oscal_mapping_schema.json", &doc),
        Vec::<String>::new()
    );
    (out, doc)
}

/// (source id-ref, target id-ref) -> (ns, relationship) of every map of a collection.
fn relationships(doc: &serde_json::Value) -> std::collections::BTreeMap<(String, String), (String, String)> {
    doc["mapping-collection"]["mappings"][0]["maps"]
        .as_array()
        .expect("maps")
        .iter()
        .map(|m| {
            (
                (
                    m["sources"][0]["id-ref"].as_str().expect("source").to_string(),
                    m["targets"][0]["id-ref"].as_str().expect("target").to_string(),
                ),
                (
                    m["ns"].as_str().unwrap_or("").to_string(),
                    m["relationship"].as_str().expect("relationship").to_string(),
                ),
            )
        })
        .collect()
}

#[test]
fn an_oscal_mapping_keeps_every_allowed_relationship_through_import_and_export() {
    let env = with_nist();
    // Every relationship OSCAL 1.2.1 allows, and ctrlmap's own `related` in its namespace.
    let written = [
        ("au-1", "", "equivalent-to"),
        ("au-2", "", "equal-to"),
        ("au-3", "", "subset-of"),
        ("au-4", "", "superset-of"),
        ("au-5", "", "intersects-with"),
        ("au-6", "", "no-relationship"),
        ("au-7", "urn:ctrlmap:oscal", "related"),
    ];
    let maps: Vec<serde_json::Value> = written
        .iter()
        .enumerate()
        .map(|(i, (target, ns, relationship))| {
            let mut map = serde_json::json!({
                "uuid": format!("00000000-0000-4000-8000-00000000001{i}"),
                "relationship": relationship,
                "sources": [{"type": "control", "id-ref": "srm-fw"}],
                "targets": [{"type": "control", "id-ref": target}],
                "remarks": format!("written as {relationship}"),
            });
            if !ns.is_empty() {
                map["ns"] = (*ns).into();
            }
            map
        })
        .collect();
    let collection = serde_json::json!({"mapping-collection": {
        "uuid": "00000000-0000-4000-8000-000000000002",
        "metadata": {"title": "m", "last-modified": "2026-01-01T00:00:00Z", "version": "1", "oscal-version": "1.2.1"},
        "mappings": [{"uuid": "00000000-0000-4000-8000-000000000003",
            "source-resource": {"type": "catalog", "href": "https://example.com/srm.json"},
            "target-resource": {"type": "catalog", "href": "https://example.com/nist.json"},
            "maps": maps}]}});
    let file = env.file("theirs.json", collection.to_string());
    env.run([
        "mapping",
        "import",
        file.to_str().expect("path"),
        "--from",
        "srm",
        "--to",
        "nist-800-53",
    ])
    .success();
    // Stored as what they mean: no-relationship is not `related`, equivalent-to is not `equal`.
    let list = env.json(["mapping", "list", "--from", "srm", "--to", "nist-800-53", "--json"]);
    let stored = |target: &str| {
        list.as_array()
            .expect("array")
            .iter()
            .find(|m| m["source"] == "SRM-FW" && m["target"] == target)
            .map(|m| m["relationship"].clone())
            .expect("imported")
    };
    assert_eq!(stored("AU-1"), "equivalent");
    assert_eq!(stored("AU-6"), "unrelated");
    assert_eq!(stored("AU-7"), "related");
    // Exported as written.
    let (_, doc) = export_mapping(&env, "ours.json");
    let exported = relationships(&doc);
    for (target, ns, relationship) in written {
        assert_eq!(
            exported.get(&("srm-fw".to_string(), target.to_string())),
            Some(&(ns.to_string(), relationship.to_string())),
            "{target}"
        );
    }
    // No word outside OSCAL's vocabulary without a namespace that says whose word it is.
    let oscal = [
        "equivalent-to",
        "equal-to",
        "subset-of",
        "superset-of",
        "intersects-with",
        "no-relationship",
    ];
    for ((s, t), (ns, r)) in &exported {
        assert!(
            oscal.contains(&r.as_str()) || (ns == "urn:ctrlmap:oscal" && r == "related"),
            "{s} -> {t}: {ns} {r}"
        );
    }
    // Another vocabulary's word, or the old `related-to`, is refused rather than guessed.
    for (i, (ns, token)) in [("", "related-to"), ("https://example.com/ns", "equal-to")]
        .into_iter()
        .enumerate()
    {
        let mut bad = collection.clone();
        let map = &mut bad["mapping-collection"]["mappings"][0]["maps"][0];
        map["relationship"] = token.into();
        if !ns.is_empty() {
            map["ns"] = ns.into();
        }
        let bad = env.file(&format!("bad{i}.json"), bad.to_string());
        rejects_unchanged(
            &env,
            &[
                "mapping",
                "import",
                bad.to_str().expect("path"),
                "--from",
                "srm",
                "--to",
                "nist-800-53",
                "--replace",
            ],
            "maps[0].relationship",
        );
    }
}

#[test]
fn ctrlmap_relationships_survive_export_and_import() {
    let env = with_nist();
    let made = [
        ("AU-1", "equal"),
        ("AU-2", "equivalent"),
        ("AU-3", "subset"),
        ("AU-4", "superset"),
        ("AU-5", "intersect"),
        ("AU-6", "related"),
        ("AU-7", "unrelated"),
    ];
    for (target, relationship) in made {
        env.run([
            "mapping",
            "add",
            "srm:SRM-FW",
            &format!("nist-800-53:{target}"),
            "--relationship",
            relationship,
            "--why",
            "test",
        ])
        .success();
    }
    let (out, _) = export_mapping(&env, "map.json");
    let other = Env::init();
    other
        .run(["catalog", "import", &fixture("NIST_SP-800-53_rev5.0.1_catalog.json")])
        .success();
    other
        .run(["mapping", "import", out.to_str().expect("path"), "--replace"])
        .success();
    let list = other.json(["mapping", "list", "--from", "srm", "--to", "nist-800-53", "--json"]);
    for (target, relationship) in made {
        let back = list
            .as_array()
            .expect("array")
            .iter()
            .find(|m| m["source"] == "SRM-FW" && m["target"] == target)
            .expect("imported back");
        assert_eq!(back["relationship"], relationship, "{target}");
    }
}
