//! The bad-input corpus (`tests/fixtures/bad/`): every importer refuses every file with a one-line
//! error and exit 2, and the database stays byte-identical.

use crate::common::{Env, rejects_unchanged};

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

#[test]
fn every_csv_importer_refuses_every_bad_csv() {
    let env = Env::init();
    let huge = env.file(
        "huge-field.csv",
        format!("name,offering\n{},aws.nope\n", "x".repeat(2_000_000)),
    );
    let mut files = corpus("csv");
    files.push(huge);
    assert!(files.len() >= 8);
    for file in &files {
        let f = file.to_str().expect("path");
        let name = file.file_name().and_then(|n| n.to_str()).expect("name");
        for args in [
            vec!["service", "import", f],
            vec!["team", "import", f],
            vec!["offering", "import", f],
            vec!["rule", "import", f, "--catalog", "srm"],
            vec!["mapping", "import", f],
            vec!["catalog", "import-csv", f, "--key", "bad", "--title", "Bad"],
        ] {
            // Each error names the file it is about.
            rejects_unchanged(&env, &args, name);
        }
    }
}

#[test]
fn every_json_importer_refuses_every_bad_json() {
    let env = Env::init();
    let files = corpus("json");
    assert!(files.len() >= 6);
    for file in &files {
        let f = file.to_str().expect("path");
        let name = file.file_name().and_then(|n| n.to_str()).expect("name");
        rejects_unchanged(&env, &["catalog", "import", f], name);
        rejects_unchanged(&env, &["mapping", "import", f], name);
    }
}
