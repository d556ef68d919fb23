//! `ctrlmap completions` and `ctrlmap man`: generated from the clap definition, so they never
//! drift from the commands.

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use crate::cli::Cli;
use crate::error::Result;
use crate::output;

/// Prints a shell completion script.
///
/// Example: ctrlmap completions bash > /etc/bash_completion.d/ctrlmap
#[derive(Debug, Args)]
pub struct Completions {
    /// bash, zsh, fish, elvish or powershell.
    pub shell: Shell,
}

impl Completions {
    /// Runs the command.
    pub(crate) fn run(&self) -> Result<()> {
        // Generated into memory first: clap_complete panics on a write error such as a closed pipe.
        let mut script = Vec::new();
        clap_complete::generate(self.shell, &mut Cli::command(), "ctrlmap", &mut script);
        std::io::Write::write_all(&mut output::stdout(), &script)?;
        Ok(())
    }
}

/// Prints the manual page (roff).
///
/// Example: ctrlmap man > ctrlmap.1
#[derive(Debug, Args)]
pub struct Man {}

impl Man {
    /// Runs the command.
    pub(crate) fn run(&self) -> Result<()> {
        let mut out = output::stdout();
        clap_mangen::Man::new(Cli::command()).render(&mut out)?;
        Ok(())
    }
}
