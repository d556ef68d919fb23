//! One module per command group. Each parses its own arguments (clap derive) and has a
//! `run(&self, ctx)`; they print, but never speak SQL.

pub mod audit;
pub mod catalog;
pub mod check_map;
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
pub mod observation;
pub mod offering;
pub mod owner;
pub mod package;
pub mod poam;
pub mod report;
pub mod responsibility;
pub mod rule;
pub mod scan;
pub mod service;
pub mod source;
pub mod status;
pub mod team;

use std::path::Path;

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

impl<T> OneOf<T> {
    /// A parser of some values only, with the names it offers.
    pub(crate) fn new(
        parse: fn(&str) -> std::result::Result<T, crate::model::UnknownValue>,
        names: Vec<&'static str>,
    ) -> OneOf<T> {
        OneOf { parse, names }
    }
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
