//! The data `init` loads: the files under `seeds/`, embedded in the binary so `init` works anywhere,
//! and loaded through the same loaders as users' imports.

use crate::db::{OnExisting, Writer};
use crate::error::Result;
use crate::load::{self, Citing, Summary};

/// A catalogue shipped in `seeds/<key>/`.
struct SeedCatalog {
    key: &'static str,
    controls: &'static str,
    rules: &'static str,
}

const CATALOGS: &[SeedCatalog] = &[SeedCatalog {
    key: "srm",
    controls: include_str!("../../seeds/srm/controls.csv"),
    rules: include_str!("../../seeds/srm/rules.csv"),
}];

/// Loads the shared responsibility model: the sources it rests on, providers, offerings,
/// catalogues, their controls and rules; every seeded citation must name a source. Adds what is missing and keeps what exists, so a user's changes to seeded records
/// survive `init`; re-import a seed file with `--update` to take its values. Idempotent.
pub fn load_model(w: &Writer<'_>) -> Result<Summary> {
    let on = OnExisting::Keep;
    let mut total = load_sources(w)?;
    total.absorb(load::providers(
        w,
        "seeds/providers.csv",
        include_str!("../../seeds/providers.csv").as_bytes(),
        on,
    )?);
    total.absorb(load::offerings(
        w,
        "seeds/offerings.csv",
        include_str!("../../seeds/offerings.csv").as_bytes(),
        on,
        Citing::Ids,
    )?);
    total.absorb(load::catalogs(
        w,
        "seeds/catalogs.csv",
        include_str!("../../seeds/catalogs.csv").as_bytes(),
        on,
    )?);
    for c in CATALOGS {
        let dir = format!("seeds/{}", c.key);
        total.absorb(load::controls(
            w,
            c.key,
            &format!("{dir}/controls.csv"),
            c.controls.as_bytes(),
            on,
        )?);
        total.absorb(load::rules(
            w,
            c.key,
            &format!("{dir}/rules.csv"),
            c.rules.as_bytes(),
            on,
            Citing::Ids,
        )?);
    }
    Ok(total)
}

/// Loads the sources the seeds cite (`seeds/sources.csv`), keeping rows a user changed; the
/// seeded SP 800-53 rules need them too, in a database created before sources existed.
pub fn load_sources(w: &Writer<'_>) -> Result<Summary> {
    load::sources(w, SOURCES_FILE.0, SOURCES_FILE.1.as_bytes(), OnExisting::Keep)
}

/// The seeded sources file: (name, CSV text).
const SOURCES_FILE: (&str, &str) = ("seeds/sources.csv", include_str!("../../seeds/sources.csv"));

/// Loads the demo organisation: teams and services.
pub fn load_demo(w: &Writer<'_>) -> Result<Summary> {
    let on = OnExisting::Update;
    let mut total = Summary::default();
    total.absorb(load::teams(
        w,
        "seeds/demo/teams.csv",
        include_str!("../../seeds/demo/teams.csv").as_bytes(),
        on,
    )?);
    total.absorb(load::services(
        w,
        "seeds/demo/services.csv",
        include_str!("../../seeds/demo/services.csv").as_bytes(),
        on,
    )?);
    Ok(total)
}

/// The seeded responsibility rules for NIST SP 800-53 rev5 (and its baselines), applied when such
/// a catalogue is imported: (source name, CSV text).
pub fn sp800_53_rules() -> (&'static str, &'static str) {
    (
        "seeds/nist-800-53/rules.csv",
        include_str!("../../seeds/nist-800-53/rules.csv"),
    )
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::import::CsvFile;
    use crate::import::records::{self, OFFERINGS, RULES};
    use crate::model::source_parts;

    /// Every seed file that cites sources: (name, text, is it a rules file).
    fn citing_files() -> Vec<(String, &'static str, bool)> {
        let mut files = vec![(
            "seeds/offerings.csv".to_string(),
            include_str!("../../seeds/offerings.csv"),
            false,
        )];
        for c in CATALOGS {
            files.push((format!("seeds/{}/rules.csv", c.key), c.rules, true));
        }
        let (name, text) = sp800_53_rules();
        files.push((name.to_string(), text, true));
        files
    }

    /// The ids of `seeds/sources.csv`.
    fn source_ids() -> BTreeSet<String> {
        let file =
            CsvFile::read(SOURCES_FILE.0, SOURCES_FILE.1.as_bytes(), records::SOURCES).expect("sources.csv reads");
        records::sources(&file)
            .expect("sources.csv is valid")
            .into_iter()
            .map(|s| s.value.id)
            .collect()
    }

    /// Each file's citations: (file, line, cited id).
    fn citations() -> Vec<(String, u64, String)> {
        let mut out = Vec::new();
        for (name, text, is_rules) in citing_files() {
            let cells: Vec<(u64, String)> = if is_rules {
                let file = CsvFile::read(&name, text.as_bytes(), RULES).expect("rules read");
                records::rules(&file)
                    .expect("rules parse")
                    .into_iter()
                    .map(|r| (r.line, r.value.source))
                    .collect()
            } else {
                let file = CsvFile::read(&name, text.as_bytes(), OFFERINGS).expect("offerings read");
                records::offerings(&file)
                    .expect("offerings parse")
                    .into_iter()
                    .map(|o| (o.line, o.value.source))
                    .collect()
            };
            for (line, cell) in cells {
                let parts: Vec<String> = source_parts(&cell).map(str::to_string).collect();
                assert!(!parts.is_empty(), "{name} line {line} cites no source");
                out.extend(parts.into_iter().map(|p| (name.clone(), line, p)));
            }
        }
        out
    }

    #[test]
    fn every_seed_row_cites_a_source_of_sources_csv() {
        let ids = source_ids();
        for (file, line, id) in citations() {
            assert!(
                ids.contains(&id),
                "{file} line {line} cites \"{id}\", not in seeds/sources.csv"
            );
        }
    }

    #[test]
    fn every_source_is_cited_and_the_published_ones_have_an_address() {
        let cited: BTreeSet<String> = citations().into_iter().map(|(_, _, id)| id).collect();
        assert_eq!(cited, source_ids(), "a source nobody cites, or a citation of none");
        let file =
            CsvFile::read(SOURCES_FILE.0, SOURCES_FILE.1.as_bytes(), records::SOURCES).expect("sources.csv reads");
        for s in records::sources(&file).expect("valid") {
            let s = s.value;
            assert!(!s.supports.is_empty(), "{} says what it supports", s.id);
            if s.id.starts_with("aws-") {
                assert!(s.url.starts_with("https://"), "{} has a URL", s.id);
            }
        }
    }

    #[test]
    fn the_seeds_load_and_an_unknown_source_id_is_refused_with_its_place() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut db = crate::commands::fixtures::seeded_db(dir.path(), false);
        let rules = "control,category,responsibility,rationale,source\n\
                     SRM-FW,container,customer,why,aws-srm\n\
                     SRM-FW,abstracted,customer,why,aws-srm; aws-wa-securty-shared\n";
        let err = db
            .write("alice", |w| {
                load::rules(w, "srm", "mine.csv", rules.as_bytes(), OnExisting::Update, Citing::Ids)
            })
            .expect_err("an unknown id")
            .to_string();
        assert!(err.starts_with("mine.csv line 3, column \"source\": "), "{err}");
        assert!(err.contains("did you mean \"aws-wa-security-shared\""), "{err}");
        // Users' own files may cite in free text, shown as written.
        db.write("alice", |w| {
            load::rules(
                w,
                "srm",
                "mine.csv",
                rules.as_bytes(),
                OnExisting::Update,
                Citing::FreeText,
            )
        })
        .expect("free text is allowed in users' files");
    }
}
