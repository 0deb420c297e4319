//! `git bug install-man-pages`: the manual, generated from the command
//! definitions so it never drifts from `--help`.

use crate::cli::error::{CliError, CliResult};
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct InstallArgs {
    /// A man directory, e.g. ~/.local/share/man; pages go to DIR/man1
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
}

/// Writes `git-bug.1` and one page per subcommand into `dir`.
pub fn generate(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    clap_mangen::generate_to(crate::cli::command(), dir)
}

pub fn install(args: &InstallArgs) -> CliResult {
    let target = args.dir.join("man1");
    generate(&target)
        .map_err(|e| CliError::new(format!("writing man pages to {}: {e}", target.display())))?;
    eprintln!(
        "Man pages written to {}; \"git help bug\" finds them when {} is in MANPATH",
        target.display(),
        args.dir.display()
    );
    Ok(())
}
