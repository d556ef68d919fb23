//! The `ctrlmap` binary: parse arguments, run, turn the outcome into an exit code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = ctrlmap::cli::Cli::parse();
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
