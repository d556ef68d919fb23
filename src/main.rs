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
            eprintln!(
                "ctrlmap: {}",
                ctrlmap::text::one_line(&readable(&usage_error_line(&err.render().to_string())))
            );
            return ExitCode::from(2);
        }
    };
    match ctrlmap::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        // `ctrlmap ... | head` closing the pipe early is not an error.
        Err(err) if err.is_broken_pipe() => ExitCode::SUCCESS,
        Err(err) => {
            // Every message already carries its causes; keep it on one line.
            eprintln!(
                "ctrlmap: {}",
                ctrlmap::text::one_line(&readable(&err.to_string().replace('\n', " ")))
            );
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

/// The longest error message printed whole, in characters.
const MESSAGE_MAX: usize = 1000;

/// A message a person can read: one that quotes a huge argument (a 100 KB name, a wrong path)
/// keeps its start, which says what is wrong, and its end, which usually says what was expected.
fn readable(message: &str) -> String {
    let chars = message.chars().count();
    if chars <= MESSAGE_MAX {
        return message.to_string();
    }
    let head: String = message.chars().take(MESSAGE_MAX / 2).collect();
    let tail: String = message.chars().skip(chars - MESSAGE_MAX / 4).collect();
    format!(
        "{head} [... {} characters cut ...] {tail}",
        chars - head.chars().count() - tail.chars().count()
    )
}

#[cfg(test)]
mod tests {
    use super::readable;

    #[test]
    fn huge_messages_keep_their_start_and_end() {
        assert_eq!(readable("short"), "short");
        let long = format!("unknown thing \"{}\": expected a date", "x".repeat(100_000));
        let out = readable(&long);
        assert!(out.len() < 1100, "{}", out.len());
        assert!(out.starts_with("unknown thing \"xxx"));
        assert!(out.ends_with("xxx\": expected a date"));
        assert!(out.contains("characters cut"));
    }
}
