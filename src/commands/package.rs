//! `ctrlmap package` and `ctrlmap key`: the reviewer's package (reports, evidence, digest,
//! manifest, optional Ed25519 signature) and the keys that sign it.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::Ctx;
use crate::db::evaluations;
use crate::error::{Error, Result};
use crate::model::evidence::Day;
use crate::support::output;

/// Builds a zip a reviewer can archive and check: report.pdf, report.csv, report.xlsx, report.html
/// (unzipped, its file links open the evidence beside it), the evidence files (checked against their hashes on the way in), README.txt, manifest.json and digest.txt
/// (SHA-256 of every member), plus digest.sig with --sign. The same data and --date give the same
/// bytes.
///
/// Example: ctrlmap package --evaluation 1 --sign assessor.key --out q4-2026.zip
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct Package {
    /// Check a package instead of building one.
    #[command(subcommand)]
    pub command: Option<PackageCommand>,
    /// The evaluation to package.
    #[arg(long, required = true)]
    pub evaluation: Option<i64>,
    /// Where to write the zip.
    #[arg(long, required = true)]
    pub out: Option<PathBuf>,
    /// Sign digest.txt with this Ed25519 private key: PKCS#8 PEM (from `ctrlmap key generate` or
    /// `openssl genpkey -algorithm ed25519`), or the bare hex of older versions.
    #[arg(long, value_name = "KEY")]
    pub sign: Option<PathBuf>,
    /// The package's date [default: SOURCE_DATE_EPOCH, else --today, else today].
    #[arg(long, value_parser = Day::parse)]
    pub date: Option<Day>,
    /// A font for characters the bundled fonts lack in report.pdf, as for `report --font`;
    /// repeat to try several in order.
    #[arg(long = "font", value_name = "FILE")]
    pub fonts: Vec<PathBuf>,
}

/// Package subcommands.
#[derive(Debug, Subcommand)]
pub enum PackageCommand {
    /// Re-hash every member against digest.txt (and check the signature with --public-key); exit 1
    /// naming what differs, exit 3 naming the member when the package holds anything but its
    /// members (duplicate, unlisted, missing or odd members, links, headers that disagree, sizes
    /// beyond those declared). Takes the zip (also unzipped and zipped again, e.g. with `zip -r`)
    /// or the directory it was unzipped to.
    ///
    /// Example: ctrlmap package verify q4-2026.zip --public-key assessor.pub
    Verify {
        /// The package: a zip, or the directory it was unzipped to.
        file: PathBuf,
        /// The signer's public key: SPKI PEM (as `key generate` writes it), or bare hex.
        #[arg(long, value_name = "PUB")]
        public_key: Option<PathBuf>,
    },
}

/// Key commands.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Generate an Ed25519 key pair: the private key at --out as PKCS#8 PEM (owner-only), the
    /// public key beside it with the extension .pub as SPKI PEM, both readable by openssl; prints
    /// the public key in hex.
    ///
    /// Example: ctrlmap key generate --out assessor.key
    Generate {
        /// Where to write the private key.
        #[arg(long)]
        out: PathBuf,
    },
}

impl Package {
    /// Builds a package (needs the database).
    pub(crate) fn run(&self, ctx: &mut Ctx) -> Result<()> {
        let (Some(id), Some(out)) = (self.evaluation, &self.out) else {
            return Err(Error::Invalid("package needs --evaluation ID and --out FILE".into()));
        };
        if let Some(key) = &self.sign {
            crate::support::files::protect_input(key);
        }
        crate::support::files::check_output(out, true)?;
        let e = evaluations::get(ctx.db.conn(), id)?;
        let date = match self.date {
            Some(d) => d,
            None => super::report::source_date_epoch()?.unwrap_or(ctx.today),
        };
        let summary = crate::package::build(
            ctx.db.conn(),
            ctx.db.path(),
            &e,
            date,
            self.sign.as_deref(),
            &crate::report::pdf::FontOptions::with_system(self.fonts.clone()),
            out,
        )?;
        let mut note = output::note();
        writeln!(
            note,
            "wrote {} ({} members, {} bytes{}; sha256 {})",
            out.display(),
            summary.members,
            summary.bytes,
            if summary.signed { ", signed" } else { "" },
            summary.digest_sha256
        )?;
        Ok(())
    }
}

/// `package verify`: needs no database. A refused archive is an error (exit 3) before anything is
/// printed; problems are listed on stdout (exit 1); only a package with none says it matches.
pub(crate) fn verify(file: &Path, public_key: Option<&Path>) -> Result<()> {
    let checked = crate::package::verify(file, public_key)?;
    // The problems name members already escaped; the path is the user's, escaped all the same.
    let shown = crate::text::one_line(&file.display().to_string()).into_owned();
    let mut out = output::stdout();
    for p in &checked.problems {
        writeln!(out, "{}", crate::text::one_line(p))?;
    }
    if checked.problems.is_empty() {
        let signed = match (public_key.is_some(), checked.signed) {
            (true, _) => ", signature valid",
            (false, true) => "; digest.sig not checked (pass --public-key)",
            (false, false) => "; not signed",
        };
        writeln!(out, "{shown}: {} members match digest.txt{signed}", checked.members)?;
        return Ok(());
    }
    out.flush()?;
    let n = checked.problems.len();
    Err(Error::CheckFailed(format!(
        "{shown}: {n} {}",
        if n == 1 { "problem" } else { "problems" }
    )))
}

/// `key generate`: needs no database.
pub(crate) fn generate(out: &Path, json: bool) -> Result<()> {
    let public = out.with_extension("pub");
    if public == out {
        // The public key would be renamed over the private one.
        return Err(Error::Invalid(format!(
            "--out {}: name the private key something not ending in .pub (the public key is written beside it as .pub)",
            out.display()
        )));
    }
    // Keys are never replaced, not even with --force: a lost private key cannot be made again.
    crate::support::files::check_output(out, false)?;
    crate::support::files::check_output(&public, false)?;
    crate::support::files::check_output(&PathBuf::from(format!("{}.pub", out.display())), false)?;
    let hex = crate::package::generate_key(out)?;
    // The library writes `<out>.pub`; people expect `assessor.pub` beside `assessor.key`.
    let written = PathBuf::from(format!("{}.pub", out.display()));
    if written != public {
        std::fs::rename(&written, &public).map_err(|e| Error::io(public.display(), e))?;
    }
    if json {
        return output::print_json(
            &mut output::stdout(),
            &serde_json::json!({ "public_key": hex, "private_key_file": out, "public_key_file": public }),
        );
    }
    writeln!(output::stdout(), "{hex}")?;
    writeln!(
        output::note(),
        "private key: {} (owner-only); public key: {}",
        out.display(),
        public.display()
    )?;
    Ok(())
}
