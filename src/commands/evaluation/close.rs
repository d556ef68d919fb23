//! `ctrlmap evaluation close`: freezes an evaluation's pairs into its snapshot with their
//! fingerprint, refusing when a stored evidence file it names is missing or altered.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;

use serde_json::json;

use crate::commands::Ctx;
use crate::db::{evaluations, observed, poam};
use crate::error::{Error, Result};
use crate::estate::checks;
use crate::estate::fingerprint::Fingerprint;
use crate::estate::pairs::{self, Source};
use crate::evidence::{Check, Store};
use crate::support::output;

/// Closes the current (or given) evaluation: its snapshot, fingerprint and audit entry.
pub(crate) fn close(ctx: &mut Ctx, evaluation: Option<i64>) -> Result<()> {
    let e = evaluations::current(ctx.db.conn(), evaluation)?;
    if e.is_closed() {
        return Err(Error::Invalid(format!("evaluation {} is already closed", e.id)));
    }
    let today = ctx.today;
    let store = Store::beside(ctx.db.path());
    let (fingerprint, pairs_frozen, observations, opened) = ctx.db.write(&ctx.actor, |w| {
        let source = Source::of_evaluation(e.clone(), today);
        let mut fingerprint = Fingerprint::default();
        let mut seq = 0i64;
        // Every stored file the snapshot names, with the evidence that names it.
        let mut files: BTreeMap<String, BTreeMap<i64, String>> = BTreeMap::new();
        // One POA&M item per finding, control by control as the pairs are frozen (a large
        // estate's findings are never all held at once), in the same transaction: a refused
        // close opens none, and an evaluation closes once, so none is opened twice.
        let origin = poam::Origin::Evaluation(e.id);
        let mut opened = 0usize;
        // The scanner observations that count now are frozen with it, so a later scan, review
        // or supersession changes nothing its reports say; their scans' files are checked too.
        let counted = checks::counted(w, &source)?;
        // Who carries the controls with failed checks, for their POA&M items.
        let failing: std::collections::HashSet<&str> = counted
            .iter()
            .filter(|o| o.status == "failed")
            .map(|o| o.control.as_str())
            .collect();
        let mut roles: HashMap<String, checks::ControlRole> = HashMap::new();
        pairs::for_each_control(w, &source, |info, pairs| {
            let findings = crate::model::poam::findings(pairs);
            opened += poam::open_items_for(w, &origin, &e.catalog, &findings, today)?.len();
            if failing.contains(info.key.as_str()) {
                roles.insert(info.key.clone(), checks::ControlRole::of(&info.title, pairs));
            }
            for p in pairs {
                seq += 1;
                evaluations::insert_item(w, e.id, seq, p)?;
                fingerprint.add(p)?;
                for ev in p.evidence.iter() {
                    if let Some(sha) = &ev.sha256 {
                        files
                            .entry(sha.clone())
                            .or_default()
                            .entry(ev.id)
                            .or_insert_with(|| ev.title.clone());
                    }
                }
            }
            Ok(())
        })?;
        observed::freeze(w, e.id, &counted)?;
        for o in &counted {
            files
                .entry(o.sha256.clone())
                .or_default()
                .entry(o.evidence)
                .or_insert_with(|| format!("scan {}", o.scan));
        }
        // The snapshot freezes hashes: the files must have them now, or the evaluation would
        // vouch for bytes nobody can produce. Hashed inside the transaction, so a refusal rolls
        // back everything written above.
        check_frozen_files(&store, e.id, &files)?;
        let fingerprint = fingerprint.finish()?;
        evaluations::close(w, e.id, &crate::support::clock::now_rfc3339(), &fingerprint)?;
        let mut details = json!({ "pairs": seq, "fingerprint": fingerprint });
        if !counted.is_empty() {
            details["observations"] = json!(counted.len());
        }
        w.audit("evaluation.close", &format!("evaluation:{}", e.id), details)?;
        // And one POA&M item per failing scanner check (check, control, services), its origin
        // the check: the same check still failing at the next close opens none while its item
        // is open.
        for (origin, finding) in checks::failing_check_findings(&counted, &roles) {
            opened += poam::open_items_for(w, &poam::Origin::Scan(origin), &e.catalog, &[finding], today)?.len();
        }
        Ok((fingerprint, seq, counted.len(), opened))
    })?;
    let observed = match observations {
        0 => String::new(),
        1 => "; 1 scanner observation frozen".to_string(),
        n => format!("; {n} scanner observations frozen"),
    };
    writeln!(
        output::note(),
        "closed evaluation {} \"{}\": {pairs_frozen} control-service pairs frozen{observed}, fingerprint {fingerprint}; \
         {opened} POA&M {} opened (ctrlmap poam list)",
        e.id,
        e.name,
        if opened == 1 { "item" } else { "items" }
    )?;
    Ok(())
}

/// Re-hashes every stored file an evaluation is about to freeze; any missing or altered one
/// refuses the close, naming the evidence and the file.
fn check_frozen_files(store: &Store, evaluation: i64, files: &BTreeMap<String, BTreeMap<i64, String>>) -> Result<()> {
    let mut failed = Vec::new();
    for (sha, evidence) in files {
        let state = store.check(sha)?;
        if state != Check::Intact {
            failed.push((sha, evidence, state));
        }
    }
    let Some((sha, evidence, state)) = failed.first() else {
        return Ok(());
    };
    let named: Vec<String> = evidence
        .iter()
        .map(|(id, title)| format!("evidence {id} \"{}\"", crate::text::one_line(title)))
        .collect();
    let what = if *state == Check::Missing {
        "is missing"
    } else {
        "was altered (it no longer has the hash it was added with)"
    };
    let more = match failed.len() {
        1 => String::new(),
        n => format!("; {} more stored files failed too", n - 1),
    };
    Err(Error::Integrity(format!(
        "evaluation {evaluation} not closed: {}: stored file {} {what}{more}; see `ctrlmap evidence verify`",
        named.join(", "),
        store.shown_path(sha)
    )))
}
