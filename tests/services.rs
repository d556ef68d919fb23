//! Teams and services: add, list, show, import.

use crate::common::{Env, count, pluck, rejects_unchanged};

const SERVICES_CSV: &str = "name,offering,team,environment,region,data_classification\n\
web,aws.ec2,platform,prod,eu-west-1,internal\n\
bucket,aws.s3,data-platform,prod,eu-west-1,confidential\n";

fn with_teams() -> Env {
    let env = Env::init();
    env.run(["team", "add", "data-platform", "--contact", "data@example.com"])
        .success();
    env.run(["team", "add", "platform"]).success();
    env
}

#[test]
fn teams_are_added_and_listed() {
    let env = with_teams();
    let teams = env.json(["team", "list", "--json"]);
    let names: Vec<_> = pluck(&teams, "name");
    assert_eq!(names, ["data-platform", "platform"]);
    assert_eq!(teams[0]["contact"], "data@example.com");
}

#[test]
fn a_service_is_added_with_its_offering_and_team() {
    let env = with_teams();
    env.run([
        "service",
        "add",
        "orders-db",
        "--offering",
        "aws.rds",
        "--team",
        "data-platform",
        "--env",
        "prod",
        "--region",
        "eu-west-1",
    ])
    .success()
    .stdout(predicates::str::contains("Amazon RDS (container)"));
    let s = env.json(["service", "show", "orders-db", "--json"]);
    assert_eq!(s["offering"], "aws.rds");
    assert_eq!(s["category"], "container");
    assert_eq!(s["team"], "data-platform");
    assert_eq!(s["environment"], "prod");
    assert_eq!(s["region"], "eu-west-1");
    assert_eq!(s["in_scope"], true);
    let entry = env.json(["audit", "log", "--limit", "1", "--json"]);
    assert_eq!(entry[0]["action"], "service.add");
    assert_eq!(entry[0]["actor"], "alice");
    assert_eq!(entry[0]["entity"], "service:orders-db");
}

#[test]
fn services_import_from_csv_in_one_go() {
    let env = with_teams();
    let file = env.file("services.csv", SERVICES_CSV);
    env.run(["service", "import", file.to_str().expect("utf-8 path")])
        .success()
        .stdout(predicates::str::contains("2 added"));
    let list = env.json(["service", "list", "--json"]);
    let names: Vec<_> = pluck(&list, "name");
    assert_eq!(names, ["bucket", "web"]);
    let infra = env.json(["service", "list", "--category", "infrastructure", "--json"]);
    assert_eq!(count(&infra), Some(1));
    let mine = env.json(["service", "list", "--team", "platform", "--json"]);
    assert_eq!(mine[0]["name"], "web");
}

#[test]
fn reimporting_needs_update_and_then_changes_only_what_differs() {
    let env = with_teams();
    let file = env.file("services.csv", SERVICES_CSV);
    let path = file.to_str().expect("utf-8 path");
    env.run(["service", "import", path]).success();
    rejects_unchanged(&env, &["service", "import", path], "service \"web\" already exists");
    let changed = SERVICES_CSV.replace("web,aws.ec2,platform,prod", "web,aws.ec2,platform,staging");
    let file = env.file("services2.csv", changed);
    env.run(["service", "import", "--update", file.to_str().expect("utf-8 path")])
        .success()
        .stdout(predicates::str::contains("0 added, 1 updated, 1 unchanged"));
    assert_eq!(env.json(["service", "show", "web", "--json"])["environment"], "staging");
}

#[test]
fn an_out_of_scope_service_is_left_out_of_the_matrix() {
    let env = with_teams();
    env.run(["service", "add", "legacy", "--offering", "aws.ec2", "--out-of-scope"])
        .success();
    env.run(["service", "add", "bucket", "--offering", "aws.s3"]).success();
    let m = env.json(["responsibility", "matrix", "--json"]);
    let services: Vec<_> = pluck(&m["services"], "name");
    assert_eq!(services, ["bucket"]);
}

#[test]
fn an_update_import_leaves_absent_columns_alone() {
    let env = with_teams();
    env.run([
        "service",
        "add",
        "old",
        "--offering",
        "aws.s3",
        "--team",
        "platform",
        "--region",
        "eu-west-1",
        "--out-of-scope",
    ])
    .success();
    let file = env.file("partial.csv", "name,offering\nold,aws.dynamodb\n");
    env.run(["service", "import", "--update", file.to_str().expect("path")])
        .success();
    let s = env.json(["service", "show", "old", "--json"]);
    assert_eq!(s["offering"], "aws.dynamodb");
    assert_eq!(s["team"], "platform");
    assert_eq!(s["region"], "eu-west-1");
    assert_eq!(s["in_scope"], false);
}

#[test]
fn names_differing_only_in_case_are_the_same_name() {
    let env = with_teams();
    rejects_unchanged(&env, &["team", "add", "Platform"], "team \"Platform\" already exists");
    env.run([
        "service",
        "add",
        "orders-db",
        "--offering",
        "AWS.RDS",
        "--team",
        "PLATFORM",
    ])
    .success();
    rejects_unchanged(
        &env,
        &["service", "add", "Orders-DB", "--offering", "aws.rds"],
        "already exists",
    );
    assert_eq!(env.json(["service", "show", "ORDERS-db", "--json"])["team"], "platform");
}

#[test]
fn an_out_of_scope_service_cannot_be_asked_for_in_the_matrix() {
    let env = with_teams();
    env.run(["service", "add", "legacy", "--offering", "aws.ec2", "--out-of-scope"])
        .success();
    rejects_unchanged(
        &env,
        &["responsibility", "matrix", "--service", "legacy"],
        "out of scope",
    );
    let out = env
        .run(["responsibility", "show", "SRM-FW", "--service", "legacy"])
        .success();
    assert!(String::from_utf8_lossy(&out.get_output().stdout).contains("out of scope"));
}
