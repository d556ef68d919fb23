//! Bad input of every class: a clear one-line error, exit 2, and the database unchanged byte for byte.

use crate::common::{Env, rejects_unchanged};

fn env_with_team() -> Env {
    let env = Env::init();
    env.run(["team", "add", "platform"]).success();
    env.run(["service", "add", "web", "--offering", "aws.ec2", "--team", "platform"])
        .success();
    env
}

#[test]
fn unknown_names_are_refused_with_a_suggestion() {
    let env = env_with_team();
    rejects_unchanged(
        &env,
        &["service", "add", "db", "--offering", "aws.rdss"],
        // Named by the flag, not by a CSV column: there is no file here.
        "--offering: unknown offering \"aws.rdss\" (did you mean \"aws.rds\"?)",
    );
    rejects_unchanged(
        &env,
        &["service", "add", "db", "--offering", "aws.rds", "--team", "platfrom"],
        "--team: unknown team \"platfrom\"",
    );
    rejects_unchanged(
        &env,
        &["responsibility", "set", "SRM-NOPE", "--as", "shared", "--why", "x"],
        "unknown control \"SRM-NOPE\"",
    );
    rejects_unchanged(
        &env,
        &[
            "responsibility",
            "set",
            "SRM-FW",
            "--service",
            "nope",
            "--as",
            "shared",
            "--why",
            "x",
        ],
        "unknown service \"nope\"",
    );
    rejects_unchanged(
        &env,
        &["control", "list", "--catalog", "nist"],
        "unknown catalog \"nist\"",
    );
}

#[test]
fn unknown_categories_and_responsibilities_are_refused() {
    let env = env_with_team();
    rejects_unchanged(
        &env,
        &["offering", "list", "--category", "iaas"],
        "unknown category \"iaas\"",
    );
    rejects_unchanged(
        &env,
        &["responsibility", "set", "SRM-FW", "--as", "undetermined", "--why", "x"],
        "expected inherited, shared or customer",
    );
    rejects_unchanged(
        &env,
        &["responsibility", "set", "SRM-FW", "--as", "customer", "--why", "  "],
        "--why",
    );
}

#[test]
fn duplicate_names_are_refused() {
    let env = env_with_team();
    rejects_unchanged(&env, &["team", "add", "platform"], "team \"platform\" already exists");
    rejects_unchanged(
        &env,
        &["service", "add", "web", "--offering", "aws.s3"],
        "service \"web\" already exists",
    );
}

#[test]
fn a_bad_row_names_its_line_and_column_and_imports_nothing() {
    let env = env_with_team();
    let file = env.file(
        "services.csv",
        "name,offering,team,environment,region,data_classification\n\
         a,aws.ec2,platform,prod,eu-west-1,internal\n\
         b,aws.rdss,platform,prod,eu-west-1,internal\n",
    );
    rejects_unchanged(
        &env,
        &["service", "import", file.to_str().expect("path")],
        "services.csv line 3: column \"offering\": unknown offering \"aws.rdss\"",
    );
    assert_eq!(env.count("SELECT count(*) FROM service WHERE name = 'a'"), 0);
}

#[test]
fn malformed_csv_of_every_kind_is_refused() {
    let env = env_with_team();
    let header = "name,offering,team,environment,region,data_classification\n";
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.csv", Vec::new(), "empty"),
        (
            "ragged.csv",
            format!("{header}a,aws.ec2\n").into_bytes(),
            "line 2: 2 fields, but the header has 6",
        ),
        (
            "unknown-col.csv",
            b"name,offering,colour\na,aws.ec2,red\n".to_vec(),
            "unknown column \"colour\"",
        ),
        ("missing-col.csv", b"name\na\n".to_vec(), "missing column \"offering\""),
        (
            "latin1.csv",
            [header.as_bytes(), b"caf\xe9,aws.ec2,platform,prod,eu,x\n"].concat(),
            "line 2, field 1: not valid UTF-8",
        ),
        ("utf16.csv", vec![0xff, 0xfe, b'n', 0, b'a', 0], "not valid UTF-8"),
        (
            "dup.csv",
            format!("{header}a,aws.ec2,,,,\na,aws.s3,,,,\n").into_bytes(),
            "line 3: duplicate service \"a\" (first on line 2)",
        ),
        (
            "empty-name.csv",
            format!("{header},aws.ec2,,,,\n").into_bytes(),
            "line 2, column \"name\": must not be empty",
        ),
        (
            "scope.csv",
            b"name,offering,in_scope\na,aws.ec2,perhaps\n".to_vec(),
            "column \"in_scope\": expected yes or no",
        ),
    ];
    for (name, contents, message) in cases {
        let file = env.file(name, contents);
        rejects_unchanged(&env, &["service", "import", file.to_str().expect("path")], message);
    }
}

#[test]
fn a_missing_file_is_named() {
    let env = env_with_team();
    rejects_unchanged(&env, &["service", "import", "no-such.csv"], "no-such.csv");
    rejects_unchanged(&env, &["team", "import", "."], "is a directory");
}

#[test]
fn a_bad_offering_file_is_refused() {
    let env = env_with_team();
    let file = env.file("off.csv", "key,name,provider,category\naws.x,X,aws,iaas\n");
    rejects_unchanged(
        &env,
        &["offering", "import", file.to_str().expect("path")],
        "off.csv line 2, column \"category\": unknown category \"iaas\"",
    );
    let file = env.file("off2.csv", "key,name,provider,category\naws.x,X,oci,container\n");
    rejects_unchanged(
        &env,
        &["offering", "import", file.to_str().expect("path")],
        "unknown provider \"oci\"",
    );
}

#[test]
fn bad_flags_are_usage_errors() {
    let env = env_with_team();
    rejects_unchanged(&env, &["service", "add", "x"], "--offering");
    rejects_unchanged(&env, &["service", "frobnicate"], "unrecognized subcommand");
}

#[test]
fn a_missing_database_says_to_run_init() {
    let env = Env::new();
    let out = env.run(["service", "list"]).code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains("ctrlmap init"), "{stderr}");
    assert!(!env.db.exists(), "a reading command must not create a database");
}

#[test]
fn an_unreadable_database_is_refused_unchanged() {
    let env = Env::new();
    std::fs::write(
        &env.db,
        b"this is not a database, just some bytes that are long enough to look like a header...",
    )
    .expect("write");
    rejects_unchanged(&env, &["service", "list"], "not a ctrlmap database");
    rejects_unchanged(&env, &["init"], "not a ctrlmap database");
}

#[test]
fn a_foreign_sqlite_file_is_refused() {
    let env = Env::new();
    rusqlite::Connection::open(&env.db)
        .expect("create")
        .execute_batch("CREATE TABLE t (x)")
        .expect("table");
    rejects_unchanged(&env, &["service", "list"], "not a ctrlmap database");
    rejects_unchanged(&env, &["init"], "not a ctrlmap database");
}

#[test]
fn a_database_from_a_newer_ctrlmap_is_refused() {
    let env = Env::init();
    env.sql()
        .execute("INSERT INTO refinery_schema_history (version, name, applied_on, checksum) VALUES (999, 'future', '2030-01-01T00:00:00Z', '0')", [])
        .expect("pretend a newer ctrlmap migrated it");
    rejects_unchanged(&env, &["service", "list"], "newer ctrlmap");
    rejects_unchanged(&env, &["init"], "newer ctrlmap");
}

#[test]
fn control_characters_in_imported_names_are_refused() {
    let env = env_with_team();
    let file = env.file("ctl.csv", "name,offering\n\"bad\x01name\",aws.ec2\n");
    rejects_unchanged(
        &env,
        &["service", "import", file.to_str().expect("path")],
        "control characters",
    );
}

#[test]
fn a_database_stamped_by_a_newer_ctrlmap_is_refused() {
    let env = Env::init();
    env.sql().pragma_update(None, "user_version", 999).expect("stamp");
    rejects_unchanged(&env, &["service", "list"], "newer ctrlmap");
    rejects_unchanged(&env, &["init"], "newer ctrlmap");
}
