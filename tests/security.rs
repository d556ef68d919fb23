//! Security: what hostile text, file names and edits behind ctrlmap's back can do, and cannot.
//!
//! Covered elsewhere and not repeated here: a service and a team named as formulas in the
//! service-level CSV (`evaluation::csv_cells_cannot_become_formulas`); formula-like text in the
//! XLSX renderer (`src/report/xlsx.rs`); a symbolic link passed as evidence and bad evidence input
//! (`evidence::bad_evidence_input_writes_nothing_and_stores_nothing`); a private database after
//! `init` (`init.rs`); stored files 0400 in owner-only directories and altered or missing files in
//! verify, export and review (`evidence.rs`); an edited, deleted or re-hashed audit entry, a
//! removed guard and a truncated log (`audit.rs`); an edited snapshot behind a PDF report
//! (`evaluation::a_tampered_snapshot_is_detected`); a changed package member or signature and
//! sanitised member names (`package.rs`, `src/package.rs`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use calamine::{Data, Reader, Xlsx, open_workbook};

use crate::common::{Env, rejects_unchanged};

fn arg(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// The characters a spreadsheet reads as the start of a formula (or that hide one).
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

// ---------------------------------------------------------------------------------------------
// Formula injection
// ---------------------------------------------------------------------------------------------

/// An estate in which every text a user controls, and that a report or export shows, starts like
/// a formula: team, service and offering names, a catalogue's keys, titles, families and
/// statements, rule and override rationales, a crosswalk, result notes and evidence.
fn hostile_estate() -> Env {
    let env = Env::init();
    let offerings = env.file(
        "offerings.csv",
        "key,name,provider,category\naws.evil,=offering name,aws,container\n",
    );
    let controls = env.file(
        "mine.csv",
        "key,title,family,statement\n\
         =K1,=title,+family,@statement\n\
         K2,-title,\"\t=family\",\"\r=statement\"\n",
    );
    let rules = env.file(
        "rules.csv",
        "family,category,responsibility,rationale\n+family,*,customer,=rule rationale\n",
    );
    env.setup(&[
        &["offering", "import", arg(&offerings)],
        &["team", "add", "=HYPERLINK(\"http://evil.example\",\"team\")"],
        &["team", "add", "+team-two"],
        &[
            "service",
            "add",
            "@svc",
            "--offering",
            "aws.ec2",
            "--team",
            "=HYPERLINK(\"http://evil.example\",\"team\")",
        ],
        &[
            "service",
            "add",
            "--offering",
            "aws.evil",
            "--team",
            "+team-two",
            "--",
            "-svc",
        ],
        &[
            "catalog",
            "import-csv",
            arg(&controls),
            "--key",
            "mine",
            "--title",
            "=catalog",
        ],
        &["rule", "import", arg(&rules), "--catalog", "mine"],
        &[
            "responsibility",
            "set",
            "SRM-FW",
            "--service",
            "@svc",
            "--as",
            "shared",
            "--why=-why",
        ],
        &[
            "responsibility",
            "set",
            "K2",
            "--catalog",
            "mine",
            "--as",
            "shared",
            "--why=@why",
        ],
        &["owner", "set", "SRM-PATCH", "--team", "+team-two"],
        &[
            "mapping",
            "add",
            "mine:=K1",
            "srm:SRM-PATCH",
            "--relationship",
            "equal",
            "--why",
            "=mapping why",
        ],
        &[
            "evidence",
            "add",
            "SRM-FW",
            "--note",
            "=evidence note",
            "--title",
            "+evidence title",
        ],
        &["evaluation", "open", "=evaluation"],
        &[
            "evaluation",
            "record",
            "SRM-FW",
            "--service",
            "@svc",
            "--result",
            "not-satisfied",
            "--note",
            "@note",
        ],
        &[
            "evaluation",
            "record",
            "SRM-PATCH",
            "--result",
            "satisfied",
            "--note",
            "\t=tab note",
        ],
        &["evaluation", "close"],
    ]);
    env
}

/// The built-in template with every service-level column, rationale included.
fn all_columns_template(env: &Env) -> PathBuf {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/templates/control-evaluation.json");
    let mut template: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("template")).expect("template JSON");
    template["csv_columns"]["service"]
        .as_array_mut()
        .expect("service columns")
        .push("rationale".into());
    env.file("all-columns.json", template.to_string())
}

/// Every CSV a user can ask for from the hostile estate, by name.
fn every_csv(env: &Env) -> Vec<(String, Vec<u8>)> {
    let template = all_columns_template(env);
    let t = arg(&template);
    let runs: Vec<(&str, Vec<&str>)> = vec![
        ("live-control", vec!["report", "--format", "csv"]),
        (
            "live-service",
            vec!["report", "--format", "csv", "--level", "service", "--template", t],
        ),
        ("mine-control", vec!["report", "--format", "csv", "--catalog", "mine"]),
        (
            "mine-service",
            vec![
                "report",
                "--format",
                "csv",
                "--catalog",
                "mine",
                "--level",
                "service",
                "--template",
                t,
            ],
        ),
        ("via-control", vec!["report", "--format", "csv", "--via", "mine"]),
        (
            "via-service",
            vec![
                "report",
                "--format",
                "csv",
                "--via",
                "mine",
                "--level",
                "service",
                "--template",
                t,
            ],
        ),
        ("frozen-control", vec!["report", "--format", "csv", "--evaluation", "1"]),
        (
            "frozen-service",
            vec![
                "report",
                "--format",
                "csv",
                "--evaluation",
                "1",
                "--level",
                "service",
                "--template",
                t,
            ],
        ),
        ("crm", vec!["export", "crm", "--format", "csv"]),
        (
            "crm-mine",
            vec!["export", "crm", "--format", "csv", "--catalog", "mine"],
        ),
    ];
    let mut out = Vec::new();
    for (name, mut args) in runs {
        let path = env.path().join(format!("{name}.csv"));
        args.extend(["--out", arg(&path)]);
        env.run(&args).success();
        out.push((name.to_string(), std::fs::read(&path).expect("csv written")));
    }
    let zip = env.path().join("package.zip");
    env.run(["package", "--evaluation", "1", "--out", arg(&zip)]).success();
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&zip).expect("zip")).expect("a zip");
    let mut csv = Vec::new();
    std::io::Read::read_to_end(&mut archive.by_name("report.csv").expect("report.csv"), &mut csv).expect("read");
    out.push(("package report.csv".to_string(), csv));
    out
}

fn csv_cells(bytes: &[u8]) -> Vec<String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    reader
        .records()
        .flat_map(|r| r.expect("valid CSV").iter().map(str::to_string).collect::<Vec<_>>())
        .collect()
}

#[test]
fn no_csv_cell_a_user_controls_can_start_a_formula() {
    let env = hostile_estate();
    let mut seen = BTreeSet::new();
    for (name, bytes) in every_csv(&env) {
        for cell in csv_cells(&bytes) {
            assert!(
                !cell.starts_with(FORMULA_START),
                "{name}: cell {cell:?} would be read as a formula"
            );
            seen.insert(cell);
        }
    }
    // Each hostile field reached some CSV (neutralised), so the check above saw it.
    for cell in [
        "'=HYPERLINK(\"http://evil.example\",\"team\")",
        "'+team-two",
        "'@svc",
        "'-svc",
        "'=offering name",
        "'=K1",
        "'=title",
        "'-title",
        "'+family",
        "'=family",
        "'=rule rationale",
        "'-why",
        "'@why",
        "'@note",
        "'=tab note",
        "'=K1 (equal)",
    ] {
        assert!(seen.contains(cell), "no CSV has the cell {cell:?}");
    }
}

#[test]
fn xlsx_reports_hold_formula_like_text_as_plain_strings() {
    let env = hostile_estate();
    let mut strings = BTreeSet::new();
    for (name, extra) in [
        ("live", vec![]),
        ("mine", vec!["--catalog", "mine"]),
        ("via", vec!["--via", "mine"]),
        ("frozen", vec!["--evaluation", "1"]),
    ] {
        let path = env.path().join(format!("{name}.xlsx"));
        let mut args = vec![
            "report",
            "--format",
            "xlsx",
            "--out",
            arg(&path),
            "--organisation",
            "=org",
        ];
        args.extend(extra);
        env.run(&args).success();
        let mut book: Xlsx<_> = open_workbook(&path).expect("an xlsx");
        for sheet in book.sheet_names() {
            let formulas = book.worksheet_formula(&sheet).expect("formulas");
            assert!(
                formulas.used_cells().all(|(_, _, f)| f.is_empty()),
                "{name}.xlsx sheet {sheet} has a formula"
            );
            let range = book.worksheet_range(&sheet).expect("sheet");
            for (_, _, cell) in range.used_cells() {
                match cell {
                    Data::String(s) => {
                        strings.insert(s.clone());
                    }
                    Data::Float(_) | Data::Int(_) | Data::DateTime(_) | Data::Empty => {}
                    other => panic!("{name}.xlsx sheet {sheet}: unexpected cell {other:?}"),
                }
            }
        }
    }
    for text in [
        "=HYPERLINK(\"http://evil.example\",\"team\")",
        "@svc",
        "-svc",
        "=title",
        "+team-two",
        "=org",
        "+evidence title",
    ] {
        assert!(
            strings.contains(text),
            "no XLSX holds {text:?} as a string: {strings:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Evidence file names and the store's boundary
// ---------------------------------------------------------------------------------------------

/// Every file and directory under `dir`, relative to it.
fn tree(dir: &Path) -> BTreeSet<PathBuf> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeSet<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
            let path = entry.path();
            out.insert(path.strip_prefix(root).expect("under root").to_path_buf());
            if entry.file_type().expect("type").is_dir() {
                walk(root, &path, out);
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(dir, dir, &mut out);
    out
}

#[cfg(unix)]
#[test]
fn odd_evidence_file_names_are_only_metadata_and_nothing_escapes_the_store() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;

    let env = Env::estate();
    let dir = env.path();
    let outside = tempfile::tempdir().expect("a directory elsewhere");
    std::fs::create_dir_all(dir.join("real/sub")).expect("dirs");
    std::os::unix::fs::symlink(dir.join("real"), dir.join("linked")).expect("symlink to a directory");
    let long = format!("{}.txt", "L".repeat(251));
    // (path passed, file name expected in the metadata)
    let cases: Vec<(PathBuf, String)> = vec![
        (dir.join("new\nline.txt"), "new\nline.txt".into()),
        (dir.join(OsStr::from_bytes(b"caf\xe9.txt")), "caf\u{fffd}.txt".into()),
        (dir.join(&long), long.clone()),
        (dir.join("..\\..\\evil.txt"), "..\\..\\evil.txt".into()),
        (dir.join("-rf *.txt"), "-rf *.txt".into()),
        (dir.join("real/sub/../../dots.txt"), "dots.txt".into()),
        (outside.path().join("outside.txt"), "outside.txt".into()),
        (dir.join("linked/sub/through-a-link.txt"), "through-a-link.txt".into()),
    ];
    assert_eq!(long.len(), 255);
    for (i, (path, _)) in cases.iter().enumerate() {
        let real = path
            .to_str()
            .map_or(path.clone(), |p| PathBuf::from(p.replace("linked/", "real/")));
        std::fs::write(&real, format!("evidence {i}\n")).expect("write evidence file");
    }
    let before = tree(dir);
    for (path, _) in &cases {
        let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("ctrlmap");
        cmd.current_dir(dir)
            .env("CTRLMAP_DB", &env.db)
            .env("CTRLMAP_ACTOR", "alice")
            .args(["evidence", "add", "SRM-BACKUP", "--service", "orders-db", "--"])
            .arg(path)
            .assert()
            .success();
    }
    // Nothing new outside the store but the database's own companions.
    let store = PathBuf::from(format!(
        "{}.evidence",
        env.db.file_name().expect("name").to_string_lossy()
    ));
    for path in tree(dir).difference(&before) {
        let ok = path.starts_with(&store) || path.to_string_lossy().starts_with("ctrlmap.db-");
        assert!(ok, "evidence add wrote {path:?} outside the store");
    }
    // Inside it, only files named by their hash, and no temporary left over.
    for path in tree(&dir.join(&store)) {
        let full = dir.join(&store).join(&path);
        if full.is_file() {
            let name = path.file_name().expect("name").to_string_lossy().to_string();
            assert!(path.starts_with("sha256"), "{path:?}");
            assert_eq!(name.len(), 62, "{path:?} is not named by its hash");
            assert!(name.bytes().all(|b| b.is_ascii_hexdigit()), "{path:?}");
        }
    }
    let list = env.json(["evidence", "list", "--json"]);
    let names: Vec<String> = list
        .as_array()
        .expect("list")
        .iter()
        .map(|e| e["evidence"]["original_name"].as_str().expect("name").to_string())
        .collect();
    let expected: Vec<String> = cases.iter().map(|(_, n)| n.clone()).collect();
    assert_eq!(names, expected);
    // People see names on one line.
    let shown = env.run(["evidence", "show", "1"]).success().get_output().stdout.clone();
    assert!(
        !String::from_utf8_lossy(&shown)
            .lines()
            .any(|l| l.starts_with("line.txt")),
        "a newline in a file name broke the output"
    );

    // The package's member names stay inside it, whatever the original names were.
    env.run(["evaluation", "open", "names"]).success();
    let zip = dir.join("p.zip");
    env.run(["package", "--evaluation", "1", "--out", arg(&zip)]).success();
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&zip).expect("zip")).expect("zip");
    let mut evidence_members = 0;
    for i in 0..archive.len() {
        let member = archive.by_index(i).expect("member");
        let name = member.name().expect("a UTF-8 member name").to_string();
        assert!(member.enclosed_name().is_some(), "{name:?} escapes the package");
        assert!(!name.starts_with('/') && !name.contains('\\'), "{name:?}");
        assert!(
            !name.split('/').any(|c| c == ".." || c == "." || c.is_empty()),
            "{name:?}"
        );
        assert!(!name.chars().any(char::is_control), "{name:?}");
        assert!(name.split('/').all(|c| c.len() <= 255), "{name:?}");
        if name.starts_with("evidence/") {
            evidence_members += 1;
        }
    }
    assert_eq!(evidence_members, cases.len());

    // Exports write the verified bytes where asked, and only there.
    for (i, _) in cases.iter().enumerate() {
        let out = dir.join(format!("export-{i}.bin"));
        env.run(["evidence", "export", &(i + 1).to_string(), "--out", arg(&out)])
            .success();
        assert_eq!(
            std::fs::read(&out).expect("exported"),
            format!("evidence {i}\n").as_bytes()
        );
    }
}

#[cfg(unix)]
#[test]
fn devices_pipes_and_links_are_not_evidence_and_export_never_writes_through_a_link() {
    let env = Env::estate();
    let store = PathBuf::from(format!("{}.evidence", env.db.display()));
    rejects_unchanged(
        &env,
        &["evidence", "add", "SRM-BACKUP", "/dev/null"],
        "not a regular file",
    );
    let fifo = env.path().join("pipe");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|s| s.success()) {
        // Refused without reading, so it cannot hang waiting for a writer.
        rejects_unchanged(
            &env,
            &["evidence", "add", "SRM-BACKUP", arg(&fifo)],
            "not a regular file",
        );
    }
    let dir_link = env.path().join("dir-link");
    std::os::unix::fs::symlink(env.path(), &dir_link).expect("symlink");
    rejects_unchanged(
        &env,
        &["evidence", "add", "SRM-BACKUP", arg(&dir_link)],
        "symbolic link",
    );
    assert!(!store.join("sha256").exists(), "a refused add stored something");

    let file = env.file("restore.log", "restore ok\n");
    env.run(["evidence", "add", "SRM-BACKUP", arg(&file)]).success();
    // --out is a dangling link to somewhere else: the link is not followed.
    let victim = env.path().join("victim.txt");
    let link = env.path().join("out.txt");
    std::os::unix::fs::symlink(&victim, &link).expect("symlink");
    let _ = env.run(["evidence", "export", "1", "--out", arg(&link)]);
    assert!(!victim.exists(), "export wrote through a symbolic link");
    // --out in a directory that does not exist.
    rejects_unchanged(
        &env,
        &[
            "evidence",
            "export",
            "1",
            "--out",
            arg(&env.path().join("no/such/dir/x")),
        ],
        "does not exist",
    );
}

// ---------------------------------------------------------------------------------------------
// SQL metacharacters
// ---------------------------------------------------------------------------------------------

const SQL_TEXTS: [&str; 10] = [
    "'",
    "\"",
    ";",
    "--",
    "%",
    "_",
    "\\",
    "' OR 1=1 --",
    "Robert'); DROP TABLE service;--",
    "50% of a_b \\' \"q\" ; --x",
];

fn text(env: &Env, sql: &str, param: &str) -> String {
    env.sql()
        .query_row(sql, [param], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{sql} with {param:?}: {e}"))
}

#[test]
fn sql_metacharacters_round_trip_in_every_text_field() {
    let env = Env::init();
    let controls = {
        let mut csv = String::from("key,title,family,statement\n");
        for (i, t) in SQL_TEXTS.iter().enumerate() {
            let q = t.replace('"', "\"\"");
            csv.push_str(&format!("\"K{i}{q}\",\"{q}\",\"{q}\",\"{q}\"\n"));
        }
        env.file("controls.csv", csv)
    };
    env.run([
        "catalog",
        "import-csv",
        arg(&controls),
        "--key",
        "odd",
        "--title",
        SQL_TEXTS[8],
    ])
    .success();
    for (i, t) in SQL_TEXTS.iter().enumerate() {
        let contact = format!("--contact={t}");
        env.run(["team", "add", &contact, "--", t]).success();
        let service = format!("svc {t}");
        let team = format!("--team={t}");
        let (e, r, d) = (
            format!("--env={t}"),
            format!("--region={t}"),
            format!("--data-classification={t}"),
        );
        env.run([
            "service",
            "add",
            "--offering",
            "aws.ec2",
            &team,
            &e,
            &r,
            &d,
            "--",
            &service,
        ])
        .success();
        let shown = env.json(["service", "show", "--json", "--", &service]);
        for field in ["team", "environment", "region", "data_classification"] {
            assert_eq!(shown[field], *t, "service {field}");
        }
        let on = format!("--service={service}");
        let why = format!("--why={t}");
        env.run(["responsibility", "set", "SRM-FW", &on, "--as", "shared", &why])
            .success();
        let cell = env.json(["responsibility", "show", "SRM-FW", &on, "--json"]);
        assert_eq!(cell["cell"]["rationale"], *t);
        let statement = format!("--statement={t}");
        env.run([
            "implementation",
            "set",
            "SRM-PATCH",
            &on,
            "--status",
            "planned",
            &statement,
        ])
        .success();
        let (note, title) = (format!("--note={t}"), format!("--title={t}"));
        env.run(["evidence", "add", "SRM-FW", &on, &note, &title]).success();
        let evidence = env.json(["evidence", "show", &(i + 1).to_string(), "--json"]);
        assert_eq!(evidence["evidence"]["note"], *t);
        assert_eq!(evidence["evidence"]["title"], *t);
        let key = format!("odd:K{i}{t}");
        env.run(["mapping", "add", &key, "srm:SRM-FW", "--relationship", "related", &why])
            .success();
        let control = env.json([
            "control",
            "show",
            "--catalog",
            "odd",
            "--json",
            "--",
            &format!("K{i}{t}"),
        ]);
        for field in ["title", "family", "statement"] {
            assert_eq!(control[field], *t, "control {field}");
        }
    }
    let url = "https://wiki.example.com/a'b\"c;d--e%25f_g\\h?q='OR'1'='1';--x";
    env.run(["evidence", "add", "SRM-IAM", "--url", url]).success();
    assert_eq!(env.json(["evidence", "show", "11", "--json"])["evidence"]["url"], url);
    env.run(["evaluation", "open", "--", SQL_TEXTS[7]]).success();
    for t in SQL_TEXTS {
        let on = format!("--service=svc {t}");
        let note = format!("--note={t}");
        env.run(["evaluation", "record", "SRM-FW", &on, "--result", "satisfied", &note])
            .success();
    }
    assert_eq!(
        env.json(["evaluation", "show", "1", "--json"])["evaluation"]["name"],
        SQL_TEXTS[7]
    );

    // Stored exactly, whatever the characters.
    let teams = env.json(["team", "list", "--json"]);
    let list: BTreeSet<(String, String)> = teams
        .as_array()
        .expect("teams")
        .iter()
        .map(|t| {
            (
                t["name"].as_str().expect("name").into(),
                t["contact"].as_str().expect("c").into(),
            )
        })
        .collect();
    let expected: BTreeSet<(String, String)> = SQL_TEXTS.iter().map(|t| (t.to_string(), t.to_string())).collect();
    assert_eq!(list, expected);
    for t in SQL_TEXTS {
        let service = format!("svc {t}");
        let sql = "SELECT i.statement FROM implementation i JOIN service s ON s.id = i.service_id
                   JOIN control c ON c.id = i.control_id WHERE s.name = ?1 AND c.key = 'SRM-PATCH'";
        assert_eq!(text(&env, sql, &service), t);
        let sql = "SELECT r.note FROM evaluation_result r JOIN service s ON s.id = r.service_id WHERE s.name = ?1";
        assert_eq!(text(&env, sql, &service), t);
    }
    let mappings = env.json(["mapping", "list", "--from", "odd", "--json"]);
    let rationales: BTreeSet<&str> = mappings
        .as_array()
        .expect("mappings")
        .iter()
        .map(|m| m["rationale"].as_str().expect("rationale"))
        .collect();
    assert_eq!(rationales, SQL_TEXTS.iter().copied().collect());
    assert_eq!(
        env.count("SELECT count(*) FROM service"),
        10,
        "no statement dropped or added rows"
    );
    env.run(["audit", "verify"]).success();

    // Filters match names literally: % and _ are not wildcards.
    for t in ["%", "_"] {
        let services = env.json(["service", "list", "--json", &format!("--team={t}")]);
        let names: Vec<&str> = services
            .as_array()
            .expect("services")
            .iter()
            .map(|s| s["name"].as_str().expect("name"))
            .collect();
        assert_eq!(names, [format!("svc {t}")], "service list --team {t}");
        let evidence = env.json(["evidence", "list", "--json", &format!("--team={t}")]);
        assert_eq!(evidence.as_array().map(Vec::len), Some(1), "evidence list --team {t}");
        let log = env.json(["audit", "log", "--json", &format!("--entity=team:{t}")]);
        assert_eq!(log.as_array().map(Vec::len), Some(1), "audit log --entity team:{t}");
    }
    rejects_unchanged(&env, &["control", "list", "--family", "%"], "unknown family \"%\"");
    rejects_unchanged(&env, &["service", "show", "%svc%"], "unknown service");
}

// ---------------------------------------------------------------------------------------------
// File permissions
// ---------------------------------------------------------------------------------------------

/// Runs ctrlmap under `umask 022`, as on a typical shared machine.
#[cfg(unix)]
fn run_umask_022(env: &Env, args: &[&str]) -> Output {
    let out = Command::new("sh")
        .arg("-c")
        .arg("umask 022 && exec \"$0\" \"$@\"")
        .arg(assert_cmd::cargo::cargo_bin!("ctrlmap"))
        .args(args)
        .current_dir(env.path())
        .env("CTRLMAP_DB", &env.db)
        .env("CTRLMAP_ACTOR", "alice")
        .output()
        .expect("run ctrlmap under sh");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[cfg(unix)]
fn assert_private(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::symlink_metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode();
    assert_eq!(
        mode & 0o077,
        0,
        "{} is open to others: {:o}",
        path.display(),
        mode & 0o777
    );
}

#[cfg(unix)]
#[test]
fn nothing_ctrlmap_writes_is_readable_by_others_even_under_umask_022() {
    let env = Env::new();
    // (An empty file that was already there is never chmodded: see
    // trust::init_never_changes_a_file_it_did_not_create.)
    run_umask_022(&env, &["init"]);
    assert_private(&env.db);
    let evidence = env.file("restore.log", "restore ok\n");
    let controls = env.file("mine.csv", "key,title\nM-1,Backups\n");
    for args in [
        &["team", "add", "platform"][..],
        &[
            "catalog",
            "import-csv",
            arg(&controls),
            "--key",
            "mine",
            "--title",
            "Mine",
        ],
        &[
            "mapping",
            "add",
            "mine:M-1",
            "srm:SRM-BACKUP",
            "--relationship",
            "equal",
            "--why",
            "same",
        ],
        &["service", "add", "web", "--offering", "aws.ec2", "--team", "platform"],
        &["evidence", "add", "SRM-BACKUP", "--service", "web", arg(&evidence)],
        &["evaluation", "open", "perms"],
        &["evaluation", "record", "SRM-BACKUP", "--result", "satisfied"],
        &["evaluation", "close"],
    ] {
        run_umask_022(&env, args);
    }
    let out = |name: &str| env.path().join(name);
    let written = [
        "r.pdf",
        "r.csv",
        "r.xlsx",
        "crm.csv",
        "crm.json",
        "ssp.json",
        "ar.json",
        "map.json",
        "p.zip",
        "copy.log",
        "signer.key",
    ];
    for args in [
        vec!["report", "--format", "pdf", "--out", "r.pdf"],
        vec!["report", "--format", "csv", "--out", "r.csv"],
        vec!["report", "--format", "xlsx", "--out", "r.xlsx"],
        vec!["export", "crm", "--out", "crm.csv"],
        vec!["export", "crm", "--format", "json", "--out", "crm.json"],
        vec!["export", "oscal-ssp", "--out", "ssp.json"],
        vec![
            "export",
            "oscal-assessment-results",
            "--evaluation",
            "1",
            "--out",
            "ar.json",
        ],
        vec![
            "export",
            "oscal-mapping",
            "--from",
            "mine",
            "--to",
            "srm",
            "--out",
            "map.json",
        ],
        vec!["key", "generate", "--out", "signer.key"],
        vec!["package", "--evaluation", "1", "--sign", "signer.key", "--out", "p.zip"],
        vec!["evidence", "export", "1", "--out", "copy.log"],
    ] {
        run_umask_022(&env, &args);
    }
    for name in written {
        assert_private(&out(name));
    }
    // The public key is meant to be handed out.
    assert!(out("signer.pub").exists());
    // The evidence store: every directory and file.
    let store = PathBuf::from(format!("{}.evidence", env.db.display()));
    assert_private(&store);
    for path in tree(&store) {
        assert_private(&store.join(path));
    }
    wal_companions_are_private(&env);
}

/// The WAL and shared-memory files exist only while a connection is open: hold ctrlmap open
/// on a named pipe it reads from (after opening the database) and look at them then.
#[cfg(target_os = "linux")]
fn wal_companions_are_private(env: &Env) {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let fifo = env.path().join("services.pipe");
    if !Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success()) {
        eprintln!("mkfifo not available; WAL permissions not checked");
        return;
    }
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", env.db.display()));
    }
    let mut child = Command::new("sh")
        .arg("-c")
        .arg("umask 022 && exec \"$0\" \"$@\"")
        .arg(assert_cmd::cargo::cargo_bin!("ctrlmap"))
        .args(["service", "import", arg(&fifo)])
        .env("CTRLMAP_DB", &env.db)
        .env("CTRLMAP_ACTOR", "alice")
        .spawn()
        .expect("spawn");
    // Opening the pipe for writing without blocking succeeds once ctrlmap has opened it to read.
    const O_NONBLOCK: i32 = 0o4000;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut pipe = loop {
        match std::fs::OpenOptions::new()
            .write(true)
            .custom_flags(O_NONBLOCK)
            .open(&fifo)
        {
            Ok(p) => break p,
            Err(_) if std::time::Instant::now() < deadline => {
                assert!(child.try_wait().expect("wait").is_none(), "ctrlmap ended early");
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Err(e) => panic!("ctrlmap never opened the pipe: {e}"),
        }
    };
    for suffix in ["-wal", "-shm"] {
        assert_private(Path::new(&format!("{}{suffix}", env.db.display())));
    }
    pipe.write_all(b"name,offering\nfrom-pipe,aws.s3\n").expect("write");
    drop(pipe);
    assert!(child.wait().expect("wait").success());
}

#[cfg(all(unix, not(target_os = "linux")))]
fn wal_companions_are_private(_env: &Env) {}

// ---------------------------------------------------------------------------------------------
// Tampering
// ---------------------------------------------------------------------------------------------

/// The audit hash of an entry, as `src/db/audit.rs` computes it.
fn entry_hash(row: &rusqlite::Row<'_>, prev: &str) -> String {
    use sha2::Digest;
    let (id, at, actor, action, entity, details): (i64, String, String, String, String, String) = (
        row.get(0).expect("id"),
        row.get(1).expect("at"),
        row.get(2).expect("actor"),
        row.get(3).expect("action"),
        row.get(4).expect("entity"),
        row.get(5).expect("details"),
    );
    let canonical = serde_json::json!([id, at, actor, action, entity, details, prev]).to_string();
    sha2::Sha256::digest(canonical.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn a_forged_entry_appended_to_the_audit_log_is_named() {
    let env = Env::estate();
    let next = env.count("SELECT max(id) + 1 FROM audit_log");
    // INSERT is what ctrlmap itself does, so no trigger stops it; the chain does.
    env.sql()
        .execute(
            "INSERT INTO audit_log (id, at, actor, action, entity, details, prev_hash, hash)
             SELECT ?1, at, 'mallory', 'team.add', 'team:mallory', '{}', hash, 'forged' FROM audit_log WHERE id = ?1 - 1",
            [next],
        )
        .expect("append");
    let out = env.run(["audit", "verify"]).code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains(&format!("entry {next}")), "{stderr}");
}

#[test]
fn only_a_kept_head_catches_a_chain_rewritten_from_the_start() {
    let env = Env::estate();
    let verified = env.run(["audit", "verify"]).success().get_output().stdout.clone();
    let head = String::from_utf8_lossy(&verified)
        .lines()
        .find_map(|l| l.strip_prefix("head: "))
        .expect("head printed")
        .to_string();
    // Someone with the file and the algorithm rewrites an early entry and re-hashes every later
    // one, putting the guard back afterwards.
    let conn = env.sql();
    let guard: String = conn
        .query_row(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'audit_log_no_update'",
            [],
            |r| r.get(0),
        )
        .expect("guard");
    conn.execute_batch("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor = 'mallory' WHERE id = 2;")
        .expect("edit");
    let rows: Vec<(i64, String)> = {
        let mut stmt = conn
            .prepare("SELECT id, at, actor, action, entity, details FROM audit_log ORDER BY id")
            .expect("select");
        let mut prev = String::new();
        let mut out = Vec::new();
        let mut rows = stmt.query([]).expect("query");
        while let Some(row) = rows.next().expect("row") {
            let id: i64 = row.get(0).expect("id");
            if id == 1 {
                prev = conn
                    .query_row("SELECT hash FROM audit_log WHERE id = 1", [], |r| r.get(0))
                    .expect("first hash");
                continue;
            }
            let hash = entry_hash(row, &prev);
            out.push((id, hash.clone()));
            prev = hash;
        }
        out
    };
    for (id, hash) in &rows {
        conn.execute(
            "UPDATE audit_log SET prev_hash = (SELECT hash FROM audit_log WHERE id = ?1 - 1), hash = ?2 WHERE id = ?1",
            rusqlite::params![id, hash],
        )
        .expect("rehash");
    }
    conn.execute_batch(&guard).expect("guard back");
    drop(conn);
    // The chain alone is consistent again: this is why verify prints the head to keep.
    env.run(["audit", "verify"]).success();
    let out = env.run(["audit", "verify", "--expect", &head]).code(1);
    assert!(!out.get_output().stderr.is_empty());
}

#[test]
fn a_missing_stored_file_is_never_accepted_or_packaged() {
    let env = Env::estate();
    let file = env.file("restore.log", "restore ok\n");
    let added = env.json([
        "evidence",
        "add",
        "SRM-BACKUP",
        "--service",
        "orders-db",
        arg(&file),
        "--json",
    ]);
    let sha = added["sha256"].as_str().expect("sha").to_string();
    env.run(["evaluation", "open", "q4"]).success();
    let stored = PathBuf::from(format!(
        "{}.evidence/sha256/{}/{}",
        env.db.display(),
        &sha[..2],
        &sha[2..]
    ));
    std::fs::remove_file(&stored).expect("delete the stored copy");

    let out = env.run(["evidence", "verify", "--json"]).code(1);
    let report: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).expect("JSON");
    assert_eq!(report["problems"][0]["sha256"], sha.as_str());
    assert_eq!(report["problems"][0]["state"], "missing");
    let before = env.fingerprint();
    env.run_as("bob", ["evidence", "review", "1", "--accept"]).code(3);
    assert_eq!(env.fingerprint(), before);
    let zip = env.path().join("p.zip");
    let out = env.run(["package", "--evaluation", "1", "--out", arg(&zip)]).code(3);
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("missing"));
    assert!(!zip.exists(), "a package was left behind");
}

/// A closed evaluation whose snapshot was edited behind ctrlmap's back.
fn tampered_snapshot() -> Env {
    let env = Env::estate();
    env.setup(&[
        &["evaluation", "open", "q4"],
        &[
            "evaluation",
            "record",
            "SRM-FW",
            "--service",
            "web",
            "--result",
            "not-satisfied",
        ],
        &["evaluation", "close"],
    ]);
    env.sql()
        .execute_batch(
            "DROP TRIGGER evaluation_item_no_update;
             UPDATE evaluation_item SET result = 'satisfied' WHERE result = 'not-satisfied';",
        )
        .expect("tamper");
    env
}

#[test]
fn every_reader_of_a_tampered_snapshot_refuses_it() {
    let env = tampered_snapshot();
    for args in [
        vec!["evaluation", "show", "1"],
        vec!["evaluation", "status", "--evaluation", "1"],
        vec!["report", "--format", "xlsx", "--evaluation", "1", "--out", "x.xlsx"],
        vec![
            "export",
            "oscal-assessment-results",
            "--evaluation",
            "1",
            "--out",
            "ar.json",
        ],
        vec!["package", "--evaluation", "1", "--out", "p.zip"],
    ] {
        let out = env.run(&args).code(3);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(
            stderr.contains("no longer matches the fingerprint"),
            "{args:?}: {stderr}"
        );
    }
    for name in ["x.xlsx", "ar.json", "p.zip"] {
        assert!(
            !env.path().join(name).exists(),
            "{name} was written from a tampered snapshot"
        );
    }
    // A deleted snapshot row is caught the same way.
    env.sql()
        .execute_batch(
            "DROP TRIGGER evaluation_item_no_delete; DELETE FROM evaluation_item WHERE rowid = (SELECT max(rowid) FROM evaluation_item);",
        )
        .expect("delete");
    env.run(["evaluation", "show", "1"]).code(3);
}

#[test]
fn a_csv_report_of_a_tampered_snapshot_is_refused() {
    let env = tampered_snapshot();
    for level in ["control", "service"] {
        let out = env.path().join(format!("{level}.csv"));
        env.run([
            "report",
            "--format",
            "csv",
            "--evaluation",
            "1",
            "--level",
            level,
            "--out",
            arg(&out),
        ])
        .code(3);
        assert!(!out.exists());
    }
}

#[test]
fn a_report_of_a_tampered_snapshot_by_team_or_through_a_crosswalk_is_refused() {
    let env = Env::estate();
    let controls = env.file("mine.csv", "key,title\nM-1,Firewall\n");
    env.setup(&[
        &[
            "catalog",
            "import-csv",
            arg(&controls),
            "--key",
            "mine",
            "--title",
            "Mine",
        ],
        &[
            "mapping",
            "add",
            "srm:SRM-FW",
            "mine:M-1",
            "--relationship",
            "equal",
            "--why",
            "same",
        ],
        &["evaluation", "open", "q4"],
        &[
            "evaluation",
            "record",
            "SRM-FW",
            "--service",
            "web",
            "--result",
            "not-satisfied",
        ],
        &["evaluation", "close"],
    ]);
    env.sql()
        .execute_batch(
            "DROP TRIGGER evaluation_item_no_update;
             UPDATE evaluation_item SET result = 'satisfied' WHERE result = 'not-satisfied';",
        )
        .expect("tamper");
    for format in ["pdf", "xlsx", "csv"] {
        for (name, extra) in [
            ("team", vec!["--team", "platform"]),
            ("via", vec!["--catalog", "mine", "--via", "srm"]),
        ] {
            let out = env.path().join(format!("{name}.{format}"));
            let mut args = vec!["report", "--format", format, "--evaluation", "1", "--out", arg(&out)];
            args.extend(extra);
            env.run(&args).code(3);
            assert!(!out.exists(), "{name}.{format} was written from a tampered snapshot");
        }
    }
}

#[test]
fn a_private_key_is_never_overwritten_by_its_public_half() {
    let env = Env::new();
    // Before, --out signer.pub wrote the private key there and then renamed the public key over it.
    refused_without_database(&env, &["key", "generate", "--out", "signer.pub"], "not ending in .pub");
    assert!(!env.path().join("signer.pub").exists());
    env.run(["key", "generate", "--out", "signer.key"]).success();
    let private = std::fs::read_to_string(env.path().join("signer.key")).expect("private key");
    let public = std::fs::read_to_string(env.path().join("signer.pub")).expect("public key");
    assert_ne!(private, public);
}

/// For commands that need no database: exit 2 with `message`, on one line.
fn refused_without_database(env: &Env, args: &[&str], message: &str) {
    let out = env.run(args).code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains(message), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
}
