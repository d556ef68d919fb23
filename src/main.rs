//! The `ctrlmap` binary: parse arguments, run, turn the outcome into an exit code.

use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;

fn main() -> ExitCode {
    let cli = match ctrlmap::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) if matches!(err.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => {
            let _ = err.print();
            return ExitCode::SUCCESS;
        }
        Err(err) => {
            eprintln!("ctrlmap: {}", usage_error_line(&err.render().to_string()));
            return ExitCode::from(2);
        }
    };
    match ctrlmap::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        // `ctrlmap ... | head` closing the pipe early is not an error.
        Err(err) if err.is_broken_pipe() => ExitCode::SUCCESS,
        Err(err) => {
            // Every message already carries its causes; keep it on one line.
            eprintln!("ctrlmap: {}", err.to_string().replace('\n', " "));
            err.exit_code()
        }
    }
}

/// Clap's usage error on one line: the error itself and any tips, without the usage block.
fn usage_error_line(rendered: &str) -> String {
    let mut out = String::new();
    for line in rendered.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if line.starts_with("Usage:") || line.starts_with("For more information") {
            break;
        }
        if !out.is_empty() {
            out.push_str(if out.ends_with(':') { " " } else { "; " });
        }
        out.push_str(line.strip_prefix("error: ").unwrap_or(line));
    }
    format!("{out} (see --help)")
}
