//! The seeded providers beyond AWS: Azure and Google Cloud offerings, each in one of the three
//! categories with its citation, and what the categories mean for a service's derived
//! responsibility.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::common::Env;

/// The seeded providers other than AWS, with the key prefix of their offerings.
const PROVIDERS: [(&str, &str); 2] = [("azure", "azure."), ("gcp", "gcp.")];

/// The offerings of `provider`, as `offering list --provider` prints them in JSON.
fn offerings(env: &Env, provider: &str) -> Vec<Value> {
    let list = env.json(["offering", "list", "--provider", provider, "--json"]);
    list.as_array().expect("an array").clone()
}

/// One offering by key.
fn offering(list: &[Value], key: &str) -> Value {
    list.iter()
        .find(|o| o["key"] == key)
        .unwrap_or_else(|| panic!("{key} is not seeded"))
        .clone()
}

#[test]
fn init_seeds_azure_and_google_cloud_with_offerings_in_every_category() {
    let env = Env::init();
    assert_eq!(
        env.count("SELECT count(*) FROM provider WHERE key IN ('azure', 'gcp')"),
        2
    );
    for (provider, prefix) in PROVIDERS {
        let list = offerings(&env, provider);
        assert!(list.len() >= 25, "{provider}: only {} offerings", list.len());
        let mut per_category: BTreeMap<String, usize> = BTreeMap::new();
        for o in &list {
            assert_eq!(o["provider"], provider, "{o}");
            let key = o["key"].as_str().expect("key");
            assert!(key.starts_with(prefix), "{provider} offering {key}");
            *per_category
                .entry(o["category"].as_str().expect("category").to_string())
                .or_default() += 1;
        }
        let categories: Vec<&str> = per_category.keys().map(String::as_str).collect();
        assert_eq!(categories, ["abstracted", "container", "infrastructure"], "{provider}");
        assert!(per_category.values().all(|n| *n >= 5), "{provider}: {per_category:?}");
        // The table a user reads shows them too, and only this provider's.
        let out = env.run(["offering", "list", "--provider", provider]).success();
        let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
        for o in &list {
            assert!(text.contains(o["key"].as_str().expect("key")), "{text}");
        }
        assert!(!text.contains("aws."), "{text}");
    }
    // Together with AWS's, all rows load.
    assert_eq!(
        env.count("SELECT count(*) FROM offering"),
        env.count("SELECT count(*) FROM offering o JOIN provider p ON p.id = o.provider_id")
    );
    let total: usize = ["aws", "azure", "gcp"].iter().map(|p| offerings(&env, p).len()).sum();
    assert_eq!(total as i64, env.count("SELECT count(*) FROM offering"));
}

#[test]
fn the_baselined_azure_services_carry_the_host_access_attribute_that_placed_them() {
    let env = Env::init();
    let list = offerings(&env, "azure");
    // (key, category, what the baseline's host / OS attribute says, as the note words it)
    let cases = [
        ("azure.virtual-machines", "infrastructure", "full access to host / OS"),
        ("azure.batch", "container", "host / OS access is read-only"),
        ("azure.aks", "container", "no host / OS access"),
        ("azure.app-service", "container", "no host / OS access"),
        ("azure.sql", "container", "no host / OS access"),
        ("azure.postgresql-flexible", "container", "no host / OS access"),
        ("azure.storage", "abstracted", "no host / OS access"),
        ("azure.cosmos-db", "abstracted", "no host / OS access"),
        ("azure.key-vault", "abstracted", "no host / OS access"),
        ("azure.functions", "abstracted", "no host / OS access"),
    ];
    for (key, category, attribute) in cases {
        let o = offering(&list, key);
        assert_eq!(o["category"], category, "{key}");
        let sources: BTreeSet<&str> = o["source"].as_str().expect("source").split(';').collect();
        assert!(sources.contains("azure-security-baselines"), "{key}: {o}");
        let note = o["note"].as_str().expect("note");
        assert!(note.contains(attribute), "{key}: {note}");
    }
    // The source names the repository and the exact commit read, and is dated.
    let sources = env.json(["source", "list", "--json"]);
    let baselines = sources
        .as_array()
        .expect("array")
        .iter()
        .find(|s| s["id"] == "azure-security-baselines")
        .expect("the baselines source")
        .clone();
    assert_eq!(baselines["url"], "https://github.com/MicrosoftDocs/SecurityBenchmarks");
    assert!(
        baselines["title"]
            .as_str()
            .expect("title")
            .contains("8b9505a618cf9aa1046eb6c589008663d42f7d4f")
    );
    assert_eq!(baselines["date"], "2023-10-10");
}

#[test]
fn the_common_google_cloud_offerings_are_seeded_in_their_categories() {
    let env = Env::init();
    let list = offerings(&env, "gcp");
    let cases = [
        ("gcp.compute-engine", "infrastructure"),
        ("gcp.vpc", "infrastructure"),
        ("gcp.persistent-disk", "infrastructure"),
        ("gcp.gke", "container"),
        ("gcp.cloud-run", "container"),
        ("gcp.app-engine", "container"),
        ("gcp.cloud-sql", "container"),
        ("gcp.alloydb", "container"),
        ("gcp.dataproc", "container"),
        ("gcp.memorystore", "container"),
        ("gcp.composer", "container"),
        ("gcp.cloud-load-balancing", "container"),
        ("gcp.filestore", "container"),
        ("gcp.dataflow", "container"),
        ("gcp.cloud-functions", "abstracted"),
        ("gcp.cloud-storage", "abstracted"),
        ("gcp.bigquery", "abstracted"),
        ("gcp.firestore", "abstracted"),
        ("gcp.bigtable", "abstracted"),
        ("gcp.spanner", "abstracted"),
        ("gcp.pubsub", "abstracted"),
        ("gcp.cloud-kms", "abstracted"),
        ("gcp.secret-manager", "abstracted"),
        ("gcp.cloud-dns", "abstracted"),
        ("gcp.artifact-registry", "abstracted"),
    ];
    for (key, category) in cases {
        assert_eq!(offering(&list, key)["category"], category, "{key}");
    }
}

#[test]
fn every_azure_and_google_row_cites_a_known_source_or_gives_its_judgement() {
    let env = Env::init();
    let sources = env.json(["source", "list", "--json"]);
    let ids: BTreeSet<&str> = sources
        .as_array()
        .expect("array")
        .iter()
        .map(|s| s["id"].as_str().expect("id"))
        .collect();
    for (provider, _) in PROVIDERS {
        for o in offerings(&env, provider) {
            let key = o["key"].as_str().expect("key");
            let cited: Vec<&str> = o["source"]
                .as_str()
                .expect("source")
                .split(';')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .collect();
            assert!(!cited.is_empty(), "{key} cites nothing");
            for id in &cited {
                assert!(ids.contains(id), "{key} cites {id:?}, not a source");
            }
            // The note says why: one line, more than a word or two.
            let note = o["note"].as_str().expect("note");
            assert!(!note.contains('\n'), "{key}: {note:?}");
            assert!(note.split_whitespace().count() >= 6, "{key}: {note:?}");
            // Nothing Azure or Google publishes is cited for a Google row; only judgement.
            if provider == "gcp" {
                assert_eq!(cited, ["judgement"], "{key}");
            }
        }
    }
}

/// Each control's responsibility on each service, from `responsibility matrix --json`.
fn matrix(env: &Env) -> BTreeMap<(String, String), String> {
    let m = env.json(["responsibility", "matrix", "--json"]);
    let mut out = BTreeMap::new();
    for control in m["controls"].as_array().expect("controls") {
        let key = control["key"].as_str().expect("key");
        for cell in control["services"].as_array().expect("services") {
            out.insert(
                (key.to_string(), cell["service"].as_str().expect("service").to_string()),
                cell["responsibility"].as_str().expect("value").to_string(),
            );
        }
    }
    out
}

#[test]
fn azure_services_derive_what_their_category_says() {
    let env = Env::init();
    env.setup(&[&["team", "add", "ops"]]);
    let services = [
        ("vm", "azure.virtual-machines"),
        ("blobs", "azure.storage"),
        ("sqldb", "azure.sql"),
        ("gce", "gcp.compute-engine"),
        ("gcs", "gcp.cloud-storage"),
        ("ec2", "aws.ec2"),
        ("s3", "aws.s3"),
        ("rds", "aws.rds"),
    ];
    for (name, offering) in services {
        env.run(["service", "add", name, "--offering", offering, "--team", "ops"])
            .success();
    }
    let m = matrix(&env);
    let value = |control: &str, service: &str| m[&(control.to_string(), service.to_string())].as_str();
    // The customer patches and runs a VM's guest OS and its firewall; on storage it does neither.
    for (control, vm, storage) in [
        ("SRM-PATCH", "customer", "inherited"),
        ("SRM-GUESTOS", "customer", "inherited"),
        ("SRM-FW", "customer", "inherited"),
        ("SRM-SSE", "customer", "inherited"),
    ] {
        assert_eq!(value(control, "vm"), vm, "{control} on a VM");
        assert_eq!(value(control, "blobs"), storage, "{control} on storage");
        assert_eq!(value(control, "gce"), vm, "{control} on Compute Engine");
        assert_eq!(value(control, "gcs"), storage, "{control} on Cloud Storage");
    }
    assert_eq!(value("SRM-PATCH", "sqldb"), "shared");
    // Same category, same answer, whichever provider: every control of the baseline.
    let controls: BTreeSet<&String> = m.keys().map(|(c, _)| c).collect();
    assert_eq!(controls.len(), 20);
    for control in controls {
        for (ours, theirs) in [
            ("vm", "ec2"),
            ("gce", "ec2"),
            ("blobs", "s3"),
            ("gcs", "s3"),
            ("sqldb", "rds"),
        ] {
            assert_eq!(
                value(control, ours),
                value(control, theirs),
                "{control}: {ours} vs {theirs}"
            );
        }
    }
}
