//! One module per command group. Each parses its own arguments (clap derive) and has a
//! `run(&self, ctx)`; they print, but never speak SQL.

pub mod audit;
pub mod catalog;
pub mod completions;
pub mod control;
pub mod coverage;
pub mod demo;
pub mod evaluation;
pub mod evidence;
pub mod export;
#[cfg(test)]
pub(crate) mod fixtures;
pub mod gaps;
pub mod implementation;
pub mod init;
pub mod mapping;
pub mod offering;
pub mod owner;
pub mod package;
pub mod report;
pub mod responsibility;
pub mod rule;
pub mod service;
pub mod source;
pub mod status;
pub mod team;

use std::path::Path;

use crate::cli::{Cli, Command};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::model::evidence::Day;

/// What every command gets: the open database, who is acting, and the output format.
pub struct Ctx {
    /// The database.
    pub db: Db,
    /// Who is making changes (for the audit log).
    pub actor: String,
    /// JSON instead of tables.
    pub json: bool,
    /// The date treated as today.
    pub today: Day,
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
        Command::Completions(c) => return c.run(),
        Command::Key(package::KeyCommand::Generate { out }) => return package::generate(out),
        Command::Package(package::Package {
            command: Some(package::PackageCommand::Verify { file, public_key }),
            ..
        }) => {
            return package::verify(file, public_key.as_deref());
        }
        Command::Man(c) => return c.run(),
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
        Command::Evaluation(c) => c.run(&mut ctx),
        Command::Report(c) => c.run(&mut ctx),
        Command::Export(c) => c.run(&mut ctx),
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

/// Opens a file named on the command line for reading, naming it in the error.
pub(crate) fn open_input(path: &Path) -> Result<std::fs::File> {
    if path.is_dir() {
        return Err(Error::Invalid(format!(
            "{}: is a directory, expected a file",
            path.display()
        )));
    }
    std::fs::File::open(path).map_err(|e| Error::io(path.display(), e))
}

/// The name an input file is called by in messages (the path as given).
pub(crate) fn source_name(path: &Path) -> String {
    path.display().to_string()
}

/// Prints what an import did.
pub(crate) fn report_import(ctx: &Ctx, what: &str, summary: crate::load::Summary) -> Result<()> {
    use std::io::Write;
    let mut out = crate::support::output::stdout();
    if ctx.json {
        return crate::support::output::print_json(&mut out, &summary);
    }
    writeln!(out, "{what}: {summary}")?;
    Ok(())
}

/// Checks a name typed on the command line (or read from the environment), by the one set of
/// text rules ([`crate::text`]).
pub(crate) fn check_name(what: &str, name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::Invalid(format!("{what} name must be non-empty")));
    }
    match crate::text::problem(crate::text::Kind::Name, name) {
        Some(problem) => Err(Error::Invalid(format!("{what} name {problem}"))),
        None => Ok(name.to_string()),
    }
}

/// Checks free text typed on the command line, trimmed: a one-line value (`prose` false) has no
/// control characters at all; prose may hold tabs and line breaks but nothing else of the kind,
/// so no escape sequence reaches the terminals of the people who list it later.
pub(crate) fn check_text(what: &str, text: &str, prose: bool) -> Result<String> {
    let text = text.trim();
    let kind = if prose {
        crate::text::Kind::Prose
    } else {
        crate::text::Kind::Line
    };
    match crate::text::problem(kind, text) {
        Some(problem) => Err(Error::Invalid(format!("{what} {problem}"))),
        None => Ok(text.to_string()),
    }
}

/// A value parser for a closed vocabulary: parses as the model does (with its error message) and
/// tells clap the possible values, so `--help` lists them and shell completion offers them
/// instead of file names.
#[derive(Clone)]
pub(crate) struct OneOf<T> {
    parse: fn(&str) -> std::result::Result<T, crate::model::UnknownValue>,
    names: Vec<&'static str>,
}

/// The parser for every value of `T`.
pub(crate) fn one_of<T: crate::model::Vocabulary>() -> OneOf<T> {
    OneOf {
        parse: T::parse_name,
        names: T::all().iter().map(|v| v.name()).collect(),
    }
}

/// The parser for a decided responsibility (inherited, shared or customer; not undetermined).
pub(crate) fn decided() -> OneOf<crate::model::Responsibility> {
    OneOf {
        parse: crate::model::Responsibility::parse_decided,
        names: vec!["inherited", "shared", "customer"],
    }
}

impl<T: Clone + Send + Sync + 'static> clap::builder::TypedValueParser for OneOf<T> {
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> std::result::Result<T, clap::Error> {
        let text = value.to_string_lossy();
        (self.parse)(&text).map_err(|e| {
            let arg = arg.map_or_else(|| "...".to_string(), ToString::to_string);
            clap::Error::raw(
                clap::error::ErrorKind::InvalidValue,
                format!("invalid value '{text}' for '{arg}': {e}\n"),
            )
            .with_cmd(cmd)
        })
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            self.names.iter().map(|n| clap::builder::PossibleValue::new(*n)),
        ))
    }
}
