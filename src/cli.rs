//! The command line: global flags and the command tree, and the dispatch of a parsed command line
//! to its module under `commands/`. Doc comments here are the `--help` text.

use std::path::PathBuf;

use clap::{CommandFactory, Parser, Subcommand};

use crate::commands::Ctx;
use crate::commands::{
    audit, catalog, check_map, completions, control, coverage, demo, evaluation, evidence, export, gaps,
    implementation, init, mapping, observation, offering, owner, package, poam, report, responsibility, rule, scan,
    service, source, status, team,
};
use crate::db::Db;
use crate::error::{Error, Result};

/// Map security controls onto the cloud shared responsibility model: who is responsible for each
/// control (provider, customer, or both), which team owns it, and why.
#[derive(Debug, Parser)]
#[command(name = "ctrlmap", version, propagate_version = true, max_term_width = 100)]
#[command(after_help = "Start with `ctrlmap init`, or `ctrlmap demo` for a ready-made estate.")]
pub struct Cli {
    /// The database file [env: CTRLMAP_DB] [default: ctrlmap.db].
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// Who is making changes, for the audit log [default: the OS user].
    #[arg(long, global = true, env = "CTRLMAP_ACTOR", value_name = "NAME")]
    pub actor: Option<String>,

    /// Print JSON instead of tables.
    #[arg(long, global = true)]
    pub json: bool,

    /// Replace an existing output file (--out of report, export, package, evidence export); the
    /// database, its journals, the evidence store and keys are never replaced.
    #[arg(long, global = true)]
    pub force: bool,

    /// No confirmations or progress bars; errors and the data asked for still print.
    #[arg(long, short, global = true)]
    pub quiet: bool,

    /// The date to treat as today for expiry and defaults (YYYY-MM-DD) [default: today, UTC].
    #[arg(long, global = true, env = "CTRLMAP_TODAY", value_name = "DATE", value_parser = crate::model::evidence::Day::parse)]
    pub today: Option<crate::model::evidence::Day>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// The database path: `--db`, else `CTRLMAP_DB`, else `ctrlmap.db`. (The environment is read
    /// here rather than by clap so that `demo` can tell a `--db` typed for it from the usual one.)
    pub fn db_path(&self) -> PathBuf {
        self.db
            .clone()
            .or_else(|| {
                std::env::var_os("CTRLMAP_DB")
                    .filter(|v| !v.is_empty())
                    .map(PathBuf::from)
            })
            .unwrap_or_else(|| PathBuf::from("ctrlmap.db"))
    }
}

/// The commands, noun first.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the database (or upgrade it) and load the shared responsibility model from seeds/.
    ///
    /// Example: ctrlmap init
    Init(init::Init),
    /// Build a demo estate from seeds/ in a directory and print its responsibility matrix.
    ///
    /// Example: ctrlmap demo --out ./demo
    Demo(demo::Demo),
    /// The provider's service catalogue and each offering's category.
    #[command(subcommand)]
    Offering(offering::OfferingCommand),
    /// Teams that own services and controls.
    #[command(subcommand)]
    Team(team::TeamCommand),
    /// The organisation's services in scope.
    #[command(subcommand)]
    Service(service::ServiceCommand),
    /// Control catalogues.
    #[command(subcommand)]
    Catalog(catalog::CatalogCommand),
    /// Controls of a catalogue.
    #[command(subcommand)]
    Control(control::ControlCommand),
    /// The model's default responsibility rules.
    #[command(subcommand)]
    Rule(rule::RuleCommand),
    /// The published sources offerings and rules cite, with title, publisher, date and URL.
    #[command(subcommand)]
    Source(source::SourceCommand),
    /// Who is responsible for each control: the matrix, overrides and their provenance.
    #[command(subcommand)]
    Responsibility(responsibility::ResponsibilityCommand),
    /// Which team owns a control, organisation-wide or on one service.
    #[command(subcommand)]
    Owner(owner::OwnerCommand),
    /// Evidence for controls: files (hashed and stored), URLs and notes; review, verify, export.
    #[command(subcommand)]
    Evidence(evidence::EvidenceCommand),
    /// Scanner results as evidence: import Security Hub, Prowler, HDF and OSCAL results; list and show them.
    #[command(subcommand)]
    Scan(scan::ScanCommand),
    /// Which controls a scanner's checks stand for (used when a finding names no control).
    #[command(subcommand, name = "check-map")]
    CheckMap(check_map::CheckMapCommand),
    /// What scanners observed, per check, resource, control and service.
    #[command(subcommand)]
    Observation(observation::ObservationCommand),
    /// What an auditor would flag: unowned, unevidenced or undetermined controls, expiring evidence.
    ///
    /// Example: ctrlmap gaps --team data-platform --within 60d
    Gaps(gaps::Gaps),
    /// Evaluations: assess controls over a scope, record results, close (freeze) them.
    #[command(subcommand)]
    Evaluation(evaluation::EvaluationCommand),
    /// Write the control-evaluation report (PDF, CSV or XLSX).
    ///
    /// Example: ctrlmap report --format pdf --out q4.pdf --evaluation 1 --date 2026-12-01
    Report(report::Report),
    /// The plan of action and milestones: one item per finding, with owner, due date and status.
    #[command(subcommand)]
    Poam(poam::PoamCommand),
    /// Export for other tools: OSCAL SSP and assessment results, customer responsibility matrix.
    #[command(subcommand)]
    Export(export::ExportCommand),
    /// How far each control is implemented: status and statement, per service or organisation-wide.
    #[command(subcommand)]
    Implementation(implementation::ImplementationCommand),
    /// Crosswalks: map controls between catalogues (equal, subset, superset, intersect, related).
    #[command(subcommand)]
    Mapping(mapping::MappingCommand),
    /// Coverage of a catalogue through a crosswalk: covered, partly covered or not, and by what.
    ///
    /// Example: ctrlmap coverage --catalog nist-800-53 --via srm
    Coverage(coverage::CoverageArgs),
    /// The reviewer's package: reports, evidence, digest and manifest in one zip; `package verify` checks one.
    ///
    /// Example: ctrlmap package --evaluation 1 --sign assessor.key --out q4-2026.zip
    Package(package::Package),
    /// Keys that sign packages.
    #[command(subcommand)]
    Key(package::KeyCommand),
    /// One screen: services, controls by responsibility, evaluation progress, evidence, top gaps.
    ///
    /// Example: ctrlmap status --json
    Status(status::Status),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    ///
    /// Example: ctrlmap completions bash > ctrlmap.bash
    Completions(completions::Completions),
    /// Print the manual page (roff).
    ///
    /// Example: ctrlmap man > ctrlmap.1
    Man(completions::Man),
    /// The hash-chained audit log of every change.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
}

/// Runs one command line; an output error (a full disk, a closed pipe) is an error too.
pub(crate) fn dispatch(cli: Cli) -> Result<()> {
    let result = run_command(cli);
    match crate::support::output::take_failure() {
        Some(e) if result.is_ok() => Err(Error::io("<stdout>", e)),
        _ => result,
    }
}

fn run_command(cli: Cli) -> Result<()> {
    crate::support::output::set_quiet(cli.quiet);
    crate::support::output::set_json(cli.json);
    let db = cli.db_path();
    crate::support::files::guard_outputs(&db, cli.force);
    let actor = actor(cli.actor.as_deref())?;
    match &cli.command {
        Command::Init(c) => return c.run(&db, &actor, cli.json),
        Command::Completions(c) => return c.run(Cli::command()),
        Command::Key(package::KeyCommand::Generate { out }) => return package::generate(out, cli.json),
        Command::Package(package::Package {
            command: Some(package::PackageCommand::Verify { file, public_key }),
            ..
        }) => {
            return package::verify(file, public_key.as_deref());
        }
        Command::Man(c) => return c.run(Cli::command()),
        Command::Demo(c) => {
            let today = cli.today.unwrap_or_else(crate::support::clock::today);
            return c.run(cli.db.as_deref(), &actor, cli.json, today);
        }
        Command::Evidence(evidence::EvidenceCommand::Hash { file }) => return evidence::hash(file),
        _ => {}
    }
    let today = cli.today.unwrap_or_else(crate::support::clock::today);
    let mut ctx = Ctx {
        db: Db::open(&db)?,
        actor,
        json: cli.json,
        today,
    };
    match &cli.command {
        Command::Package(c) => c.run(&mut ctx),
        Command::Init(_) | Command::Demo(_) | Command::Completions(_) | Command::Man(_) | Command::Key(_) => {
            unreachable!("handled above")
        }
        Command::Status(c) => c.run(&mut ctx),
        Command::Offering(c) => c.run(&mut ctx),
        Command::Team(c) => c.run(&mut ctx),
        Command::Service(c) => c.run(&mut ctx),
        Command::Catalog(c) => c.run(&mut ctx),
        Command::Control(c) => c.run(&mut ctx),
        Command::Rule(c) => c.run(&mut ctx),
        Command::Source(c) => c.run(&mut ctx),
        Command::Responsibility(c) => c.run(&mut ctx),
        Command::Owner(c) => c.run(&mut ctx),
        Command::Implementation(c) => c.run(&mut ctx),
        Command::Mapping(c) => c.run(&mut ctx),
        Command::Coverage(c) => c.run(&mut ctx),
        Command::Evidence(c) => c.run(&mut ctx),
        Command::Gaps(c) => c.run(&mut ctx),
        Command::Scan(c) => c.run(&mut ctx),
        Command::CheckMap(c) => c.run(&mut ctx),
        Command::Observation(c) => c.run(&mut ctx),
        Command::Evaluation(c) => c.run(&mut ctx),
        Command::Report(c) => c.run(&mut ctx),
        Command::Export(c) => c.run(&mut ctx),
        Command::Poam(c) => c.run(&mut ctx),
        Command::Audit(c) => c.run(&mut ctx),
    }
}

/// The actor: `--actor` / `CTRLMAP_ACTOR`, else the OS user.
fn actor(given: Option<&str>) -> Result<String> {
    let name = given
        .map(str::to_string)
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("LOGNAME").ok())
        .or_else(os_user)
        .unwrap_or_else(|| "unknown".to_string());
    match crate::text::problem(crate::text::Kind::Name, name.trim()) {
        _ if name.trim().is_empty() => Err(Error::Invalid("--actor (or CTRLMAP_ACTOR) must not be empty".into())),
        Some(problem) => Err(Error::Invalid(format!("--actor (or CTRLMAP_ACTOR) {problem}"))),
        None => Ok(name.trim().to_string()),
    }
}

/// The name of the process's user from the password database, when `USER` is not set.
fn os_user() -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let uid = std::fs::metadata("/proc/self").ok()?.uid();
        let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
        let name = passwd.lines().find_map(|line| {
            let mut fields = line.split(':');
            let name = fields.next()?;
            (fields.nth(1)?.parse::<u32>().ok()? == uid).then(|| name.to_string())
        });
        Some(name.unwrap_or_else(|| format!("uid-{uid}")))
    }
    #[cfg(not(unix))]
    {
        None
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_tree_is_consistent() {
        super::Cli::command().debug_assert();
    }

    #[test]
    fn every_command_has_an_example_in_its_help() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            let path = format!("{path} {}", cmd.get_name());
            let leaf = !cmd.has_subcommands() || cmd.is_args_conflicts_with_subcommands_set();
            let help = cmd
                .get_long_about()
                .or(cmd.get_about())
                .map(|t| t.to_string())
                .unwrap_or_default();
            if leaf && path.matches(' ').count() > 1 && !help.contains("Example") {
                missing.push(path.clone());
            }
            for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
                walk(sub, &path, missing);
            }
        }
        let mut missing = Vec::new();
        walk(&super::Cli::command(), "", &mut missing);
        assert_eq!(missing, Vec::<String>::new());
    }
}
