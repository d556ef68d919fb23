//! `ctrlmap completions` and `ctrlmap man`: generated from the clap definition, so they never
//! drift from the commands.

use clap::Args;
use clap_complete::Shell;

use std::io::Write;
use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::support::output;

/// Prints a shell completion script.
///
/// Example: ctrlmap completions bash > /etc/bash_completion.d/ctrlmap
#[derive(Debug, Args)]
pub struct Completions {
    /// bash, zsh, fish, elvish or powershell.
    pub shell: Shell,
}

impl Completions {
    /// Runs the command for `cli`, the whole command tree (handed down, so this module need
    /// not know the module that defines it).
    pub(crate) fn run(&self, mut cli: clap::Command) -> Result<()> {
        // Generated into memory first: clap_complete panics on a write error such as a closed pipe.
        let mut script = Vec::new();
        clap_complete::generate(self.shell, &mut cli, "ctrlmap", &mut script);
        std::io::Write::write_all(&mut output::stdout(), &script)?;
        Ok(())
    }
}

/// Prints the manual page (roff), or with --all writes one page per command into a directory
/// (`ctrlmap.1`, `ctrlmap-service.1`, `ctrlmap-service-add.1`, ...), so every page a SUBCOMMANDS
/// section refers to exists.
///
/// Example: ctrlmap man > ctrlmap.1 ; ctrlmap man --all --out man/
#[derive(Debug, Args)]
pub struct Man {
    /// Write a page for every command and subcommand, not just the top-level one.
    #[arg(long)]
    pub all: bool,
    /// The directory for --all (created if missing) [default: the current directory].
    #[arg(long, value_name = "DIR", requires = "all")]
    pub out: Option<PathBuf>,
}

impl Man {
    /// Runs the command for `cli`, the whole command tree.
    pub(crate) fn run(&self, cli: clap::Command) -> Result<()> {
        if !self.all {
            let mut out = output::stdout();
            clap_mangen::Man::new(cli).render(&mut out)?;
            return Ok(());
        }
        let dir = self.out.clone().unwrap_or_else(|| PathBuf::from("."));
        crate::support::files::check_output_dir(&dir)?;
        let mut cmd = cli.disable_help_subcommand(true);
        cmd.build();
        let mut pages = Vec::new();
        collect(&cmd, &mut pages);
        // Every page's path is checked before the first is written: a refusal writes nothing.
        if dir.is_dir() {
            for page in &pages {
                let path = dir.join(clap_mangen::Man::new(page.clone()).get_filename());
                crate::support::files::check_output(&path, true)?;
            }
        }
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(dir.display(), e))?;
        for page in &pages {
            let man = clap_mangen::Man::new(page.clone());
            let path = dir.join(man.get_filename());
            crate::support::files::write_atomically(&path, |w| {
                man.render(w).map_err(|e| Error::io(path.display(), e))
            })?;
        }
        writeln!(
            output::note(),
            "wrote {} manual pages to {}",
            pages.len(),
            dir.display()
        )?;
        Ok(())
    }
}

/// `cmd` and every visible subcommand below it, depth first.
fn collect(cmd: &clap::Command, pages: &mut Vec<clap::Command>) {
    pages.push(cmd.clone());
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        collect(sub, pages);
    }
}
