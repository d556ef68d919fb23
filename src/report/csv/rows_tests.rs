//! The service-level rows, rendered once per control and shared between pairs, against writing
//! every cell of every pair through the csv crate (what the report did before).

use std::sync::Arc;

use super::*;
use crate::commands::fixtures::seeded_db;
use crate::estate::pairs::Source;
use crate::model::evaluation::{EvidenceRef, ResultValue};
use crate::model::evidence::Day;
use crate::model::{Category, Responsibility};
use crate::report::template::Template;

use super::record::TRICKY;

fn text(i: usize) -> &'static str {
    TRICKY[i % TRICKY.len()]
}

fn evidence(id: i64, problem: Option<FileProblem>) -> Arc<EvidenceRef> {
    Arc::new(EvidenceRef {
        id,
        title: format!("evidence {id}"),
        sha256: (id % 2 == 0).then(|| format!("{id:064x}")),
        collected: format!("2026-0{}-01", 1 + id % 9),
        valid_until: None,
        status: "accepted".into(),
        reviewer: None,
        counts: id % 3 != 0,
        expired: id % 3 == 0,
        problem,
    })
}

/// Pairs of one control that share texts and evidence the way live pairs do, and some that
/// have texts and evidence of their own.
fn pairs(k: usize, names: &[Arc<str>]) -> Vec<Pair> {
    let shared: Vec<Arc<str>> = TRICKY.iter().map(|t| Arc::from(*t)).collect();
    let crosswalk: Arc<str> = Arc::from("crosswalk");
    let org = [evidence(7, None), evidence(8, Some(FileProblem::Altered))];
    let key: Arc<str> = Arc::from(text(k + 1));
    (0..60)
        .map(|i| {
            let pick = (i * (k + 1)) % 5;
            let own = i % 7 == 0;
            let mut ev: Vec<Arc<EvidenceRef>> = match i % 4 {
                0 => Vec::new(),
                1 => org.to_vec(),
                2 => vec![org[0].clone()],
                _ => vec![
                    evidence(i as i64, (i % 8 == 3).then_some(FileProblem::Missing)),
                    org[1].clone(),
                ],
            };
            if i % 11 == 0 {
                // Out of order: the cells sort them.
                ev.reverse();
            }
            Pair {
                control_key: key.clone(),
                control_title: Arc::from(text(k)),
                family: Arc::from(text(k + 2)),
                // Live pairs share a service's name across controls; pairs read back do not.
                service: if k.is_multiple_of(2) {
                    names[i].clone()
                } else {
                    Arc::from(format!("svc-{i} {}", text(i)))
                },
                // One control sees a shared service on another offering.
                offering: Arc::from(text(i % 3 + usize::from(k == 4))),
                category: Category::ALL[i % 3],
                service_team: None,
                responsibility: Responsibility::ALL[pick % Responsibility::ALL.len()],
                provenance: if pick == 4 {
                    crosswalk.clone()
                } else {
                    shared[pick].clone()
                },
                rationale: if own {
                    Arc::from(text(i))
                } else {
                    shared[(pick + k) % TRICKY.len()].clone()
                },
                owner: (pick > 0).then(|| shared[pick + 5].clone()),
                status: if i % 13 == 0 {
                    text(i).to_string()
                } else {
                    String::new()
                },
                result: ResultValue::ALL[pick % ResultValue::ALL.len()],
                note: if i % 17 == 0 {
                    text(i + 3).to_string()
                } else {
                    String::new()
                },
                evidence: ev.into(),
                statement: if i % 5 == 0 {
                    text(i + 6).to_string()
                } else {
                    String::new()
                },
            }
        })
        .collect()
}

/// The rows as the csv crate writes them, every cell of every pair.
fn generic(columns: &[String], controls: &[(ControlInfo, Vec<Pair>)]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    w.write_record(columns).expect("written");
    for (info, pairs) in controls {
        for p in pairs {
            let evidence = evidence_cells(std::iter::once(p));
            for c in columns {
                let cell = match checks_cell(c, &Tally::default()) {
                    Some(n) => n,
                    None => pair_cell(c, "srm", info, p, &evidence),
                };
                w.write_field(neutralise(&cell).as_bytes()).expect("written");
            }
            w.write_record(None::<&[u8]>).expect("written");
        }
    }
    w.into_inner().expect("flushed")
}

#[test]
fn service_rows_are_what_writing_every_cell_writes() {
    let dir = tempfile::tempdir().expect("dir");
    let db = seeded_db(dir.path(), false);
    let template = Template::load(None).expect("template");
    let day = Day::parse("2026-12-01").expect("a date");
    let opts = Options {
        source: Source::Live {
            catalog: "srm".into(),
            services: None,
            evaluation: None,
            today: day,
        },
        template: &template,
        organisation: None,
        date: day,
        team: None,
    };
    let names: Vec<Arc<str>> = (0..60).map(|i| Arc::from(format!("svc-{i} {}", text(i)))).collect();
    let controls: Vec<(ControlInfo, Vec<Pair>)> = (0..TRICKY.len())
        .map(|k| {
            let info = ControlInfo {
                key: text(k + 1).into(),
                title: text(k).into(),
                family: text(k + 2).into(),
            };
            (info, pairs(k, &names))
        })
        .collect();
    let mut all: Vec<&str> = CONTROL_COLUMNS.iter().chain(SERVICE_ONLY).copied().collect();
    let mut layouts: Vec<Vec<String>> = vec![
        template.csv_columns.service.clone(),
        all.iter().map(|c| c.to_string()).collect(),
        vec!["note".into()],
        vec!["catalog".into()],
        vec!["service".into(), "statement".into()],
        Vec::new(),
    ];
    all.reverse();
    layouts.push(all.iter().map(|c| c.to_string()).collect());
    // Interleaved: each kind of column between the others.
    layouts.push(
        [
            "owner",
            "control",
            "service",
            "evidence_ids",
            "title",
            "category",
            "via",
            "rationale",
        ]
        .iter()
        .map(|c| c.to_string())
        .collect(),
    );
    for columns in &layouts {
        let mut fast = Vec::new();
        let mut rows = Rows::start(db.conn(), &opts, Level::Service, columns, &mut fast).expect("header");
        for (info, pairs) in &controls {
            rows.add(info, pairs).expect("rows");
        }
        rows.finish().expect("flushed");
        let want = generic(columns, &controls);
        assert_eq!(
            String::from_utf8_lossy(&fast),
            String::from_utf8_lossy(&want),
            "columns {columns:?}"
        );
    }
}
