//! `ctrlmap provider`: import what a provider says it provides and leaves to the customer (an
//! OSCAL leveraged SSP or component definition, an Azure security baseline; the Microsoft cloud
//! security benchmark workbook as the crosswalk a baseline needs), list and remove documents.

use std::io::{Read, Write};
use std::path::PathBuf;

use clap::Subcommand;
use sha2::{Digest, Sha256};

use super::{Ctx, open_input, source_name};
use crate::db::provider_docs;
use crate::error::{Error, Result};
use crate::import::provider::{self as reader, Read as Parsed};
use crate::load::provider::{self as loader, Moved, Request};
use crate::support::output;

/// Provider document commands.
#[derive(Debug, Subcommand)]
pub enum ProviderCommand {
    /// Import a provider's statements per control: an OSCAL leveraged SSP (`by-components[].export`
    /// with provided and responsibilities), an OSCAL component definition, or an Azure security
    /// baseline workbook (.xlsx). Importing the Microsoft cloud security benchmark workbook stores
    /// the benchmark as catalogue `mcsb` with its crosswalk onto --catalog, which baselines need.
    /// A newer document for the same provider and offerings replaces the older one's statements
    /// and reports the controls that moved.
    ///
    /// Example: ctrlmap provider import leveraged-ssp.json --provider aws --offering aws.rds
    Import {
        /// The document (OSCAL JSON or xlsx).
        file: PathBuf,
        /// The provider that publishes it.
        #[arg(long)]
        provider: String,
        /// The offerings it speaks for (repeatable) [default: all the provider's offerings].
        #[arg(long)]
        offering: Vec<String>,
        /// The catalogue the statements' controls belong to.
        #[arg(long, default_value = "nist-800-53")]
        catalog: String,
    },
    /// The documents imported: id, provider, kind, title, SHA-256, offerings, statements.
    ///
    /// Example: ctrlmap provider documents --json
    Documents,
    /// Remove a document and its statements; reports the controls whose provider word moved.
    ///
    /// Example: ctrlmap provider remove 2
    Remove {
        /// The document's id (see `provider documents`).
        #[arg(value_name = "DOC-ID")]
        id: i64,
    },
}

impl ProviderCommand {
    /// Runs the command.
    pub(crate) fn run(&self, ctx: &mut Ctx) -> Result<()> {
        match self {
            ProviderCommand::Import {
                file,
                provider,
                offering,
                catalog,
            } => import(ctx, file, provider, offering, catalog),
            ProviderCommand::Documents => documents(ctx),
            ProviderCommand::Remove { id } => {
                let (title, moved) = ctx.db.write(&ctx.actor, |w| loader::remove(w, *id))?;
                if ctx.json {
                    let view = serde_json::json!({ "removed": id, "title": title, "moved": moved });
                    return output::print_json(&mut output::stdout(), &view);
                }
                writeln!(output::note(), "removed provider document {id} \"{title}\"")?;
                print_moves(&moved)
            }
        }
    }
}

fn import(ctx: &mut Ctx, file: &std::path::Path, provider: &str, offerings: &[String], catalog: &str) -> Result<()> {
    let name = source_name(file);
    let mut bytes = Vec::new();
    open_input(file)?
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(file.display(), e))?;
    let sha256 = crate::support::hex::encode(&Sha256::digest(&bytes));
    match reader::read(&name, &bytes)? {
        Parsed::Benchmark(bench) => {
            if !offerings.is_empty() {
                return Err(Error::Invalid(format!(
                    "{name}: the Microsoft cloud security benchmark is a crosswalk for every offering: import it without --offering"
                )));
            }
            crate::db::offerings::provider_id(ctx.db.conn(), provider).map_err(|e| e.at("--provider"))?;
            let done = ctx
                .db
                .write(&ctx.actor, |w| loader::import_benchmark(w, &name, &bench, catalog))?;
            if ctx.json {
                return output::print_json(&mut output::stdout(), &done);
            }
            let mut out = output::note();
            writeln!(
                out,
                "{name}: benchmark catalogue {}: controls {}; crosswalk onto {catalog}: mappings {}",
                loader::BENCHMARK_CATALOG,
                done.controls,
                done.mappings
            )?;
            if !done.not_carried.is_empty() {
                writeln!(
                    out,
                    "rev4 ids with no current control of the same id in {catalog} (not carried): {}",
                    done.not_carried.join(", ")
                )?;
            }
            Ok(())
        }
        Parsed::Document(document) => {
            let request = Request {
                file: &name,
                sha256: &sha256,
                document: &document,
                provider,
                offerings,
                catalog,
            };
            let done = ctx.db.write(&ctx.actor, |w| loader::import(w, &request))?;
            if ctx.json {
                return output::print_json(&mut output::stdout(), &done);
            }
            let mut out = output::note();
            if done.unchanged {
                writeln!(
                    out,
                    "{name}: already imported as provider document {} for {}; nothing changed",
                    done.document,
                    done.offerings.join(", ")
                )?;
                return Ok(());
            }
            writeln!(
                out,
                "imported \"{}\" ({}) as provider document {} for {}: {} statements on {} controls",
                document.title,
                document.kind,
                done.document,
                done.offerings.join(", "),
                done.statements,
                done.controls
            )?;
            if done.skipped > 0 {
                writeln!(
                    out,
                    "{} rows carry no statement (Not Applicable, no control id, or repeated)",
                    done.skipped
                )?;
            }
            if !done.unmapped.is_empty() {
                writeln!(
                    out,
                    "benchmark controls with no {catalog} control in the crosswalk (not imported): {}",
                    done.unmapped.join(", ")
                )?;
            }
            if !done.replaced.is_empty() {
                let ids: Vec<String> = done.replaced.iter().map(|i| i.to_string()).collect();
                writeln!(out, "replaced what provider document {} said", ids.join(", "))?;
            }
            drop(out);
            print_moves(&done.moved)
        }
    }
}

fn print_moves(moved: &[Moved]) -> Result<()> {
    let mut out = output::note();
    if moved.is_empty() {
        return Ok(());
    }
    writeln!(out, "controls whose provider word moved ({}):", moved.len())?;
    let say = |r: Option<crate::model::Responsibility>| r.map_or("(not stated)".to_string(), |r| r.to_string());
    for m in moved {
        writeln!(
            out,
            "  {} on {}: {} -> {}",
            m.control,
            m.offering,
            say(m.from),
            say(m.to)
        )?;
    }
    Ok(())
}

fn documents(ctx: &mut Ctx) -> Result<()> {
    let list = provider_docs::documents(ctx.db.conn())?;
    let mut out = output::stdout();
    if ctx.json {
        return output::print_json(&mut out, &list);
    }
    let rows = list.iter().map(|d| {
        vec![
            d.id.to_string(),
            d.provider.clone(),
            d.kind.to_string(),
            d.title.clone(),
            d.sha256.clone(),
            d.offerings.join(", "),
            d.statements.to_string(),
            d.imported_at.clone(),
        ]
    });
    let headers = [
        "id",
        "provider",
        "kind",
        "title",
        "sha256",
        "offerings",
        "statements",
        "imported",
    ];
    output::print_table(&mut out, &output::table(&headers, rows))
}
