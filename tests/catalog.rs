//! Catalogues, controls and rules.

use crate::common::{Env, count, pluck, rejects_unchanged};

#[test]
fn the_baseline_catalogue_is_listed() {
    let env = Env::init();
    let list = env.json(["catalog", "list", "--json"]);
    assert_eq!(list[0]["key"], "srm");
    assert_eq!(list[0]["title"], "Shared responsibility baseline");
    assert_eq!(list[0]["controls"], 20);
}

#[test]
fn controls_are_listed_by_family() {
    let env = Env::init();
    let list = env.json([
        "control",
        "list",
        "--catalog",
        "srm",
        "--family",
        "Patch Management",
        "--json",
    ]);
    let keys: Vec<_> = pluck(&list, "key");
    assert_eq!(keys, ["SRM-PATCH", "SRM-GUESTOS"]);
    let all = env.json(["control", "list", "--json"]);
    assert_eq!(count(&all), Some(20));
    rejects_unchanged(
        &env,
        &["control", "list", "--family", "Patch Managment"],
        "did you mean \"Patch Management\"",
    );
}

#[test]
fn control_show_gives_statement_defaults_rationale_and_source() {
    let env = Env::init();
    let out = env.run(["control", "show", "SRM-PATCH"]).success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(text.contains("Patch management"));
    assert!(text.contains("guest operating system"), "statement missing: {text}");
    // Each rule cites its source as a reader can open it: title, publisher, URL.
    assert!(text.contains(WA_CITATION), "citation missing: {text}");
    assert!(!text.contains("reference/"), "a file name no reader has: {text}");
    let v = env.json(["control", "show", "srm:SRM-PATCH", "--json"]);
    let defaults: Vec<_> = v["defaults"]
        .as_array()
        .expect("array")
        .iter()
        .map(|d| (d["category"].clone(), d["rule"]["responsibility"].clone()))
        .collect();
    assert_eq!(
        defaults,
        [
            ("infrastructure".into(), "customer".into()),
            ("container".into(), "shared".into()),
            ("abstracted".into(), "inherited".into())
        ]
    );
    // Keys are matched ignoring case when nothing matches exactly.
    env.run(["control", "show", "srm-patch"]).success();
    rejects_unchanged(&env, &["control", "show", "SRM-PACH"], "did you mean \"SRM-PATCH\"");
}

#[test]
fn a_csv_catalogue_and_its_rules_can_be_imported() {
    let env = Env::init();
    let controls = env.file(
        "controls.csv",
        "key,title,family,statement\nC-1,Facility access,Physical,Badges\nC-2,Host hardening,Hosts,CIS\nC-3,Data labels,Data,Labels\n",
    );
    env.run([
        "catalog",
        "import-csv",
        controls.to_str().expect("path"),
        "--key",
        "own",
        "--title",
        "Our controls",
    ])
    .success()
    .stdout(predicates::str::contains("3 added"));
    let rules = env.file(
        "rules.csv",
        "control,family,category,responsibility,rationale\n,Physical,*,inherited,provider facilities\nC-2,,infrastructure,customer,we run the OS\n",
    );
    env.run(["rule", "import", rules.to_str().expect("path"), "--catalog", "own"])
        .success()
        .stdout(predicates::str::contains("4 added"));
    env.run(["service", "add", "vm", "--offering", "aws.ec2"]).success();
    let m = env.json(["responsibility", "matrix", "--catalog", "own", "--json"]);
    let org: Vec<_> = pluck(&m["controls"], "organisation");
    assert_eq!(org, ["inherited", "customer", "undetermined"]);
    // A rule for a control the catalogue does not have is refused.
    let bad = env.file(
        "bad-rules.csv",
        "control,category,responsibility,rationale\nC-9,container,shared,x\n",
    );
    rejects_unchanged(
        &env,
        &["rule", "import", bad.to_str().expect("path"), "--catalog", "own"],
        "bad-rules.csv line 2",
    );
}

#[test]
fn rules_are_listed_with_rationale() {
    let env = Env::init();
    let rules = env.json(["rule", "list", "--json"]);
    let rules = rules.as_array().expect("array");
    assert!(rules.len() >= 50);
    assert!(rules.iter().all(|r| !r["rationale"].as_str().unwrap_or("").is_empty()));
    let ids = source_ids(&env);
    for r in rules {
        let source = r["source"].as_str().unwrap_or("");
        assert!(!source.is_empty(), "{r} cites nothing");
        for id in source.split(';') {
            assert!(ids.iter().any(|known| known == id), "{r} cites \"{id}\", not a source");
        }
    }
}

/// The well-architected page's citation as `control show` prints it.
const WA_CITATION: &str = "Shared responsibility — AWS Well-Architected Framework, Security Pillar (Amazon Web Services), \
                           https://docs.aws.amazon.com/wellarchitected/latest/security-pillar/shared-responsibility.html";

/// The ids `source list` knows.
fn source_ids(env: &Env) -> Vec<String> {
    let list = env.json(["source", "list", "--json"]);
    pluck(&list, "id")
        .iter()
        .filter_map(|id| id.as_str().map(str::to_string))
        .collect()
}

#[test]
fn every_seeded_offering_and_rule_cites_a_listed_source() {
    let env = Env::init();
    let ids = source_ids(&env);
    assert!(ids.contains(&"aws-wa-security-shared".to_string()), "{ids:?}");
    let list = env.json(["source", "list", "--json"]);
    for s in list.as_array().expect("array") {
        assert!(!s["title"].as_str().unwrap_or("").is_empty(), "{s}");
        assert!(!s["supports"].as_str().unwrap_or("").is_empty(), "{s}");
    }
    for o in env.json(["offering", "list", "--json"]).as_array().expect("array") {
        for id in o["source"].as_str().unwrap_or("").split(';') {
            assert!(ids.contains(&id.to_string()), "{o} cites \"{id}\", not a source");
        }
    }
    let table = env.run(["source", "list"]).success();
    let text = String::from_utf8_lossy(&table.get_output().stdout).to_string();
    assert!(
        text.contains("aws-srm") && text.contains("https://aws.amazon.com/compliance/shared-responsibility-model/"),
        "{text}"
    );
}

#[test]
fn a_users_rule_may_cite_a_source_id_or_free_text_shown_as_written() {
    let env = Env::init();
    let rules = env.file(
        "our-rules.csv",
        "control,category,responsibility,rationale,source\n\
         SRM-FW,abstracted,customer,We run our own WAF rules,our landing-zone review 2026; aws-srm\n",
    );
    env.run(["rule", "import", rules.to_str().expect("path"), "--update"])
        .success();
    let out = env.run(["control", "show", "SRM-FW"]).success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(text.contains("source: our landing-zone review 2026"), "{text}");
    assert!(
        text.contains("source: Shared Responsibility Model (Amazon Web Services, compliance pages), https://aws.amazon.com/compliance/shared-responsibility-model/"),
        "{text}"
    );
    let v = env.json(["control", "show", "SRM-FW", "--json"]);
    let abstracted = &v["defaults"][2];
    assert_eq!(abstracted["citations"][0]["kind"], "text");
    assert_eq!(abstracted["citations"][1]["kind"], "source");
    assert_eq!(abstracted["citations"][1]["id"], "aws-srm");
}

#[test]
fn sources_can_be_imported_and_a_bad_one_is_refused_where_it_is() {
    let env = Env::init();
    let good = env.file(
        "sources.csv",
        "id,title,publisher_or_author,date,url,supports\n\
         iso-27017,ISO/IEC 27017,ISO,2015-12-15,https://www.iso.org/standard/43757.html,cloud control guidance\n",
    );
    env.run(["source", "import", good.to_str().expect("path")]).success();
    assert!(source_ids(&env).contains(&"iso-27017".to_string()));
    let bad = env.file("bad-sources.csv", "id,title,date,url\nx-1,X,2015-13-01,\n");
    rejects_unchanged(
        &env,
        &["source", "import", bad.to_str().expect("path")],
        "bad-sources.csv line 2, column \"date\"",
    );
    let bad = env.file("bad-url.csv", "id,title,url\nx-2,X,file:///etc/passwd\n");
    rejects_unchanged(
        &env,
        &["source", "import", bad.to_str().expect("path")],
        "bad-url.csv line 2, column \"url\"",
    );
}
