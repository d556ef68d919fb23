//! The bad-input corpus (`tests/fixtures/bad/`): every importer refuses every file, and every write
//! command every bad argument, with a one-line error that names where, exit 2, and the database
//! byte-identical.

use crate::common::Env;

fn corpus(ext: &str) -> Vec<std::path::PathBuf> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/bad");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("corpus")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    files.sort();
    files
}

fn arg(path: &std::path::Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// Every CSV importer, reading `file`.
fn csv_importers(file: &str) -> Vec<Vec<&str>> {
    vec![
        vec!["service", "import", file],
        vec!["team", "import", file],
        vec!["offering", "import", file],
        vec!["rule", "import", file, "--catalog", "srm"],
        vec!["mapping", "import", file],
        vec!["catalog", "import-csv", file, "--key", "bad", "--title", "Bad"],
        vec!["evidence", "import", file],
    ]
}

#[test]
fn every_csv_importer_refuses_every_bad_csv() {
    let env = Env::init();
    let huge = env.file(
        "huge-field.csv",
        format!("name,offering\n{},aws.nope\n", "x".repeat(2_000_000)),
    );
    let mut files = corpus("csv");
    files.push(huge);
    assert!(files.len() >= 11);
    for file in &files {
        let name = file.file_name().and_then(|n| n.to_str()).expect("name");
        for args in csv_importers(arg(file)) {
            // Each error names the file it is about.
            refused(&env, &args, name);
        }
    }
}

#[test]
fn every_json_importer_refuses_every_bad_json() {
    let env = Env::init();
    let files = corpus("json");
    assert!(files.len() >= 10);
    for file in &files {
        let name = file.file_name().and_then(|n| n.to_str()).expect("name");
        refused(&env, &["catalog", "import", arg(file)], name);
        refused(&env, &["mapping", "import", arg(file)], name);
    }
}

#[test]
fn utf16_and_utf32_files_are_named_as_such() {
    let env = Env::init();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/bad");
    for (file, says) in [
        ("utf16.csv", "UTF-16 (little-endian byte-order mark FF FE)"),
        ("utf16be.csv", "UTF-16 (big-endian byte-order mark FE FF)"),
        ("utf32.csv", "UTF-32 (little-endian byte-order mark FF FE 00 00)"),
        (
            "utf16-no-bom.csv",
            "UTF-16 or UTF-32 (little-endian, no byte-order mark)",
        ),
        ("utf16.json", "UTF-16 (little-endian byte-order mark FF FE)"),
        ("utf32be.json", "UTF-32 (big-endian byte-order mark 00 00 FE FF)"),
    ] {
        let path = format!("{dir}/{file}");
        let importers = if file.ends_with(".json") {
            vec![
                vec!["catalog", "import", path.as_str()],
                vec!["mapping", "import", path.as_str()],
            ]
        } else {
            csv_importers(&path)
        };
        for args in importers {
            refused(
                &env,
                &args,
                &format!("{file}: not valid UTF-8: the file is {says}; save it as UTF-8"),
            );
        }
    }
}

/// RFC 8259 lets a JSON reader ignore a UTF-8 byte-order mark, and Windows tools write one: both
/// JSON importers read past it.
#[test]
fn json_with_a_utf8_byte_order_mark_is_read() {
    let env = Env::init();
    let catalog = br#"{"catalog": {"uuid": "3a1e0c39-9c5a-4a8b-8d3b-6b1f1f9a0c01",
        "metadata": {"title": "Tiny", "version": "1", "oscal-version": "1.1.2"},
        "controls": [{"id": "t-1", "title": "One"}, {"id": "t-2", "title": "Two"}]}}"#;
    let file = env.file("tiny.json", [&b"\xEF\xBB\xBF"[..], catalog].concat());
    env.run(["catalog", "import", arg(&file), "--key", "tiny"]).success();
    assert_eq!(
        env.count("SELECT count(*) FROM control c JOIN catalog k ON k.id = c.catalog_id WHERE k.key = 'tiny'"),
        2
    );
    env.run([
        "mapping",
        "add",
        "tiny:t-1",
        "srm:SRM-FW",
        "--relationship",
        "subset",
        "--why",
        "one part of it",
    ])
    .success();
    let exported = env.path().join("map.json");
    env.run([
        "export",
        "oscal-mapping",
        "--from",
        "tiny",
        "--to",
        "srm",
        "--out",
        arg(&exported),
    ])
    .success();
    env.run(["mapping", "remove", "tiny:t-1", "srm:SRM-FW"]).success();
    let with_bom = env.file(
        "map-bom.json",
        [&b"\xEF\xBB\xBF"[..], &std::fs::read(&exported).expect("exported")].concat(),
    );
    env.run(["mapping", "import", arg(&with_bom)]).success();
    let list = env.json(["mapping", "list", "--from", "tiny", "--json"]);
    assert_eq!(list[0]["rationale"], "one part of it");
}

#[test]
fn a_row_repeated_in_one_file_is_refused_by_every_importer() {
    let env = Env::init();
    env.setup(&[&["team", "add", "platform"]]);
    let controls = env.file("mine.csv", "key,title\nK1,One\n");
    env.run([
        "catalog",
        "import-csv",
        arg(&controls),
        "--key",
        "mine",
        "--title",
        "Mine",
    ])
    .success();
    let cases: Vec<(&str, &str, Vec<&str>, &str)> = vec![
        (
            "services.csv",
            "name,offering\nweb,aws.ec2\ndb,aws.rds\nweb,aws.ec2\n",
            vec!["service", "import"],
            "services.csv line 4: duplicate service \"web\" (first on line 2)",
        ),
        (
            "teams.csv",
            "name,contact\nops,a\nops,a\n",
            vec!["team", "import"],
            "teams.csv line 3: duplicate team \"ops\" (first on line 2)",
        ),
        (
            "offerings.csv",
            "key,name,provider,category\naws.z,Z,aws,container\naws.z,Z,aws,container\n",
            vec!["offering", "import"],
            "offerings.csv line 3: duplicate offering \"aws.z\" (first on line 2)",
        ),
        (
            "rules.csv",
            "control,category,responsibility,rationale\nK1,container,customer,a\nK1,container,shared,b\n",
            vec!["rule", "import", "--catalog", "mine"],
            "rules.csv line 3: duplicate rule",
        ),
        (
            "controls.csv",
            "key,title\nK2,Two\nK3,Three\nK2,Two again\n",
            vec!["catalog", "import-csv", "--key", "more", "--title", "More"],
            "controls.csv line 4: duplicate control",
        ),
        (
            "crosswalk.csv",
            "source,target,relationship,rationale\nmine:K1,srm:SRM-FW,equal,a\nmine:K1,srm:SRM-FW,equal,a\n",
            vec!["mapping", "import"],
            "crosswalk.csv line 3: duplicate mapping mine:K1 -> srm:SRM-FW (first on line 2)",
        ),
    ];
    for (name, contents, mut args, message) in cases {
        let file = env.file(name, contents);
        args.insert(2, arg(&file));
        refused(&env, &args, message);
    }
}

/// Runs `args`; expects exit 2, one short line on stderr that contains `message`, and the
/// database byte-identical (as `rejects_unchanged`, and the line must stay readable).
fn refused(env: &Env, args: &[&str], message: &str) {
    let before = env.fingerprint();
    let out = env.run(args).code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    let shown: Vec<String> = args.iter().map(|a| a.chars().take(40).collect()).collect();
    assert!(
        stderr.contains(message),
        "{shown:?}: stderr {stderr:?} should contain {message:?}"
    );
    assert!(stderr.starts_with("ctrlmap: "), "{shown:?}: {stderr}");
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "{shown:?}: one-line error expected: {stderr}"
    );
    assert!(
        stderr.chars().count() < 1100,
        "{shown:?}: a {} character error",
        stderr.len()
    );
    assert_eq!(env.fingerprint(), before, "{shown:?} changed the database");
}

#[test]
fn every_write_command_refuses_bad_arguments_and_writes_nothing() {
    let env = Env::estate();
    env.setup(&[
        &["evidence", "add", "SRM-FW", "--note", "firewall rules reviewed"],
        &["owner", "set", "SRM-PATCH", "--team", "platform"],
        &["evaluation", "open", "E"],
    ]);
    let big = "x".repeat(100_000);
    let big = big.as_str();
    let esc = "red \u{1b}[31mtext";
    let good_controls = env.file("good.csv", "key,title\nA-1,One\n");
    let good = arg(&good_controls);
    let cases: Vec<(Vec<&str>, &str)> = vec![
        // team
        (vec!["team", "add", ""], "team name must be non-empty"),
        (vec!["team", "add", "  "], "team name must be non-empty"),
        (vec!["team", "add", "a\nb"], "name must not contain control characters"),
        (
            vec!["team", "add", big],
            "team name is 100000 characters long; at most 200",
        ),
        (
            vec!["team", "add", "ops", "--contact", esc],
            "--contact must not contain control characters",
        ),
        (
            vec!["team", "add", "ops", "--contact", big],
            "--contact is 100000 characters long",
        ),
        (vec!["team", "add", "platform"], "team \"platform\" already exists"),
        // service
        (
            vec!["service", "add", "", "--offering", "aws.ec2"],
            "service name must be non-empty",
        ),
        (
            vec!["service", "add", "s\tx", "--offering", "aws.ec2"],
            "name must not contain control characters",
        ),
        (
            vec!["service", "add", big, "--offering", "aws.ec2"],
            "service name is 100000 characters long",
        ),
        (
            vec!["service", "add", "web", "--offering", "aws.s3"],
            "service \"web\" already exists",
        ),
        (vec!["service", "add", "s", "--offering", ""], "unknown offering \"\""),
        (
            vec!["service", "add", "s", "--offering", "aws.nope"],
            "unknown offering \"aws.nope\"",
        ),
        (vec!["service", "add", "s", "--offering", big], "(100000 characters)\""),
        (
            vec!["service", "add", "s", "--offering", "aws.ec2", "--team", "nope"],
            "unknown team \"nope\"",
        ),
        (
            vec!["service", "add", "s", "--offering", "aws.ec2", "--team", ""],
            "team name must be non-empty",
        ),
        (
            vec!["service", "add", "s", "--offering", "aws.ec2", "--region", "eu\nwest"],
            "--region must not",
        ),
        (
            vec!["service", "add", "s", "--offering", "aws.ec2", "--env", big],
            "--env is 100000 characters",
        ),
        // owner
        (vec!["owner", "set", "SRM-FW", "--team", ""], "unknown team \"\""),
        (vec!["owner", "set", "", "--team", "platform"], "unknown control \"\""),
        (
            vec!["owner", "set", "SRM-FW", "--team", "nope"],
            "unknown team \"nope\"",
        ),
        (
            vec!["owner", "set", "SRM-FW", "--team", "platform", "--service", "nope"],
            "unknown service \"nope\"",
        ),
        (vec!["owner", "set", big, "--team", "platform"], "unknown control"),
        (vec!["owner", "unset", "SRM-FW"], "no owner assigned"),
        // responsibility
        (
            vec!["responsibility", "set", "SRM-FW", "--as", "maybe", "--why", "x"],
            "unknown responsibility \"maybe\"",
        ),
        (
            vec!["responsibility", "set", "SRM-FW", "--as", "shared", "--why", ""],
            "--why",
        ),
        (
            vec!["responsibility", "set", "SRM-FW", "--as", big, "--why", "x"],
            "characters cut",
        ),
        (
            vec![
                "responsibility",
                "set",
                "SRM-FW",
                "--as",
                "shared",
                "--why",
                "x",
                "--catalog",
                "nope",
            ],
            "unknown catalog \"nope\"",
        ),
        // implementation
        (
            vec!["implementation", "set", "SRM-FW", "--status", "done"],
            "unknown implementation status \"done\"",
        ),
        (
            vec![
                "implementation",
                "set",
                "SRM-FW",
                "--status",
                "planned",
                "--service",
                "",
            ],
            "unknown service \"\"",
        ),
        (
            vec![
                "implementation",
                "set",
                "SRM-FW",
                "--status",
                "planned",
                "--statement",
                esc,
            ],
            "--statement must not contain control characters other than tabs and line breaks",
        ),
        (
            vec![
                "implementation",
                "set",
                "SRM-FW",
                "--status",
                "planned",
                "--statement",
                big,
            ],
            "--statement is 100000 characters long; at most 20000",
        ),
        (
            vec!["implementation", "set", big, "--status", "planned"],
            "unknown control",
        ),
        (
            vec!["implementation", "unset", "SRM-FW"],
            "no implementation status or statement recorded",
        ),
        // evidence
        (
            vec!["evidence", "add", "SRM-FW", "--note", ""],
            "--note must not be empty",
        ),
        (
            vec!["evidence", "add", "SRM-FW", "--note", "n", "--collected", "notadate"],
            "not a date",
        ),
        (
            vec!["evidence", "add", "SRM-FW", "--note", "n", "--collected", "2026-02-30"],
            "not a date",
        ),
        (
            vec!["evidence", "add", "SRM-FW", "--note", "n", "--collected", big],
            "characters cut",
        ),
        (
            vec!["evidence", "add", "SRM-FW", "--note", "n", "--expires", "5x"],
            "neither a date",
        ),
        (
            vec!["evidence", "add", "SRM-FW", "--note", "n", "--expires", "-5d"],
            "neither a date",
        ),
        (
            vec!["evidence", "add", "SRM-FW", "--note", "n", "--expires", big],
            "characters cut",
        ),
        (
            vec!["evidence", "add", "SRM-FW", "--note", "n", "--title", "  "],
            "--title must not be empty",
        ),
        (vec!["evidence", "add", "SRM-FW", "--url", ""], "not an http(s) URL"),
        (vec!["evidence", "add", "SRM-FW", "--url", big], "characters cut"),
        (vec!["evidence", "add", "", "--note", "n"], "unknown control \"\""),
        (
            vec!["evidence", "add", "SRM-FW", "--note", "n", "--service", ""],
            "unknown service \"\"",
        ),
        (vec!["evidence", "add", "SRM-FW", "missing.pdf"], "missing.pdf"),
        (vec!["evidence", "link", "x", "SRM-PATCH"], "invalid value 'x'"),
        (vec!["evidence", "link", "1", "SRM-FW"], "already linked"),
        (vec!["evidence", "link", "1", ""], "unknown control \"\""),
        (vec!["evidence", "link", "99", "SRM-PATCH"], "unknown evidence \"99\""),
        (
            vec!["evidence", "link", "1", "SRM-PATCH", "--service", "nope"],
            "unknown service \"nope\"",
        ),
        (
            vec!["evidence", "link", "99999999999999999999", "SRM-PATCH"],
            "number too large",
        ),
        (vec!["evidence", "unlink", "1", "SRM-PATCH"], "not linked"),
        (vec!["evidence", "review", "1", "--accept"], "separation of duties"),
        (vec!["evidence", "review", "1"], "required"),
        (vec!["evidence", "review", "1", "--reject"], "needs a --note"),
        (vec!["evidence", "review", "x", "--accept"], "invalid value 'x'"),
        // evaluation
        (vec!["evaluation", "open", ""], "evaluation name must be non-empty"),
        (
            vec!["evaluation", "open", "a\nb"],
            "name must not contain control characters",
        ),
        (
            vec!["evaluation", "open", big],
            "evaluation name is 100000 characters long",
        ),
        (vec!["evaluation", "open", "E"], "open evaluation \"E\" already exists"),
        (
            vec!["evaluation", "open", "F", "--catalog", "nope"],
            "unknown catalog \"nope\"",
        ),
        (
            vec!["evaluation", "open", "F", "--service", "nope"],
            "unknown service \"nope\"",
        ),
        (
            vec!["evaluation", "open", "F", "--team", "nope"],
            "unknown team \"nope\"",
        ),
        (
            vec!["evaluation", "record", "SRM-FW", "--result", "maybe"],
            "unknown result \"maybe\"",
        ),
        (
            vec![
                "evaluation",
                "record",
                "SRM-FW",
                "--result",
                "satisfied",
                "--service",
                "nope",
            ],
            "unknown service",
        ),
        (
            vec!["evaluation", "record", "SRM-NOPE", "--result", "satisfied"],
            "\"SRM-NOPE\" is not in catalogue",
        ),
        (
            vec!["evaluation", "record", "", "--result", "satisfied"],
            "is not in catalogue",
        ),
        (
            vec![
                "evaluation",
                "record",
                "SRM-FW",
                "--result",
                "satisfied",
                "--evaluation",
                "9",
            ],
            "unknown evaluation",
        ),
        (
            vec![
                "evaluation",
                "record",
                "SRM-FW",
                "--result",
                "satisfied",
                "--evaluation",
                "x",
            ],
            "invalid value 'x'",
        ),
        (
            vec!["evaluation", "record", "SRM-FW", "--result", "satisfied", "--note", esc],
            "--note must not",
        ),
        (
            vec!["evaluation", "record", "SRM-FW", "--result", "satisfied", "--note", big],
            "--note is 100000",
        ),
        (
            vec!["evaluation", "close", "--evaluation", "9"],
            "unknown evaluation \"9\"",
        ),
        (vec!["evaluation", "close", "--evaluation", "x"], "invalid value 'x'"),
        // mapping
        (
            vec![
                "mapping",
                "add",
                "srm:SRM-FW",
                "srm:SRM-PATCH",
                "--relationship",
                "equal",
                "--why",
                "x",
            ],
            "same catalogue",
        ),
        (
            vec![
                "mapping",
                "add",
                "SRM-FW",
                "srm:SRM-PATCH",
                "--relationship",
                "related",
                "--why",
                "x",
            ],
            "write controls as CATALOG:KEY",
        ),
        (
            vec![
                "mapping",
                "add",
                "srm:SRM-FW",
                "srm:SRM-PATCH",
                "--relationship",
                "same",
                "--why",
                "x",
            ],
            "unknown relationship \"same\"",
        ),
        (
            vec![
                "mapping",
                "add",
                "srm:SRM-FW",
                "nope:X",
                "--relationship",
                "related",
                "--why",
                "x",
            ],
            "unknown catalog \"nope\"",
        ),
        (
            vec![
                "mapping",
                "add",
                "srm:SRM-FW",
                "srm:SRM-PATCH",
                "--relationship",
                "related",
                "--why",
                esc,
            ],
            "--why must not contain control characters",
        ),
        (
            vec![
                "mapping",
                "add",
                "srm:SRM-FW",
                "srm:SRM-PATCH",
                "--relationship",
                "related",
                "--why",
                big,
            ],
            "--why is 100000 characters long",
        ),
        (
            vec!["mapping", "remove", "srm:SRM-FW", "srm:SRM-PATCH"],
            "is not mapped to",
        ),
        // importers given what is not a file
        (
            vec!["catalog", "import-csv", "nope.csv", "--key", "k", "--title", "t"],
            "nope.csv",
        ),
        (
            vec!["catalog", "import-csv", good, "--key", "", "--title", "t"],
            "must be non-empty",
        ),
        (vec!["catalog", "import-csv", good, "--key", "new"], "--title"),
        (
            vec!["catalog", "import-csv", good, "--key", "srm", "--title", "t"],
            "srm",
        ),
        (vec!["catalog", "import", "nope.json"], "nope.json"),
        (vec!["catalog", "import", "."], "is a directory"),
        (vec!["evidence", "import", "nope.csv"], "nope.csv"),
        (vec!["rule", "import", "nope.csv", "--catalog", "nope"], "nope"),
        (
            vec!["catalog", "import-csv", big, "--key", "k", "--title", "t"],
            "characters cut",
        ),
    ];
    for (args, message) in &cases {
        refused(&env, args, message);
    }
}

/// The same standard for free text in responsibility set/unset and evidence add/review: escape
/// sequences and 100 KB prose are refused, and so is an unset with nothing to remove.
#[test]
fn write_commands_owned_elsewhere_refuse_bad_text_too() {
    let env = Env::estate();
    env.setup(&[&["evidence", "add", "SRM-FW", "--note", "firewall rules reviewed"]]);
    let big = "x".repeat(100_000);
    let big = big.as_str();
    let esc = "red \u{1b}[31mtext";
    for (args, message) in [
        (
            vec!["responsibility", "set", "SRM-FW", "--as", "shared", "--why", esc],
            "control characters",
        ),
        (
            vec!["responsibility", "set", "SRM-FW", "--as", "shared", "--why", big],
            "100000 characters",
        ),
        (vec!["responsibility", "unset", "SRM-FW"], "no override"),
        (vec!["evidence", "add", "SRM-FW", "--note", esc], "control characters"),
        (vec!["evidence", "add", "SRM-FW", "--note", big], "100000 characters"),
        (
            vec!["evidence", "review", "1", "--reject", "--note", big],
            "100000 characters",
        ),
    ] {
        refused(&env, &args, message);
    }
}
