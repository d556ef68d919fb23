//! The data `init` loads: the files under `seeds/`, embedded in the binary so `init` works anywhere,
//! and loaded through the same loaders as users' imports.

use crate::db::{OnExisting, Writer};
use crate::error::Result;
use crate::load::{self, Summary};

/// A catalogue shipped in `seeds/<key>/`.
struct SeedCatalog {
    key: &'static str,
    controls: &'static str,
    rules: &'static str,
}

const CATALOGS: &[SeedCatalog] = &[SeedCatalog {
    key: "srm",
    controls: include_str!("../seeds/srm/controls.csv"),
    rules: include_str!("../seeds/srm/rules.csv"),
}];

/// Loads the shared responsibility model: providers, offerings, catalogues, their controls and
/// rules. Adds what is missing and keeps what exists, so a user's changes to seeded records
/// survive `init`; re-import a seed file with `--update` to take its values. Idempotent.
pub fn load_model(w: &Writer<'_>) -> Result<Summary> {
    let on = OnExisting::Keep;
    let mut total = Summary::default();
    total.absorb(load::providers(
        w,
        "seeds/providers.csv",
        include_str!("../seeds/providers.csv").as_bytes(),
        on,
    )?);
    total.absorb(load::offerings(
        w,
        "seeds/offerings.csv",
        include_str!("../seeds/offerings.csv").as_bytes(),
        on,
    )?);
    total.absorb(load::catalogs(
        w,
        "seeds/catalogs.csv",
        include_str!("../seeds/catalogs.csv").as_bytes(),
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
        )?);
    }
    Ok(total)
}

/// Loads the demo organisation: teams and services.
pub fn load_demo(w: &Writer<'_>) -> Result<Summary> {
    let on = OnExisting::Update;
    let mut total = Summary::default();
    total.absorb(load::teams(
        w,
        "seeds/demo/teams.csv",
        include_str!("../seeds/demo/teams.csv").as_bytes(),
        on,
    )?);
    total.absorb(load::services(
        w,
        "seeds/demo/services.csv",
        include_str!("../seeds/demo/services.csv").as_bytes(),
        on,
    )?);
    Ok(total)
}

/// The seeded responsibility rules for NIST SP 800-53 rev5 (and its baselines), applied when such
/// a catalogue is imported: (source name, CSV text).
pub fn sp800_53_rules() -> (&'static str, &'static str) {
    (
        "seeds/nist-800-53/rules.csv",
        include_str!("../seeds/nist-800-53/rules.csv"),
    )
}
