//! `git bug install-man-pages`: the manual, generated from the command
//! definitions so it never drifts from `--help`.

use crate::cli::error::{CliError, CliResult};
use crate::cli::manual;
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct InstallArgs {
    /// A man directory; pages go to DIR/man1. Default: share/man beside the
    /// directory of this program (~/.cargo/bin/git-bug: ~/.cargo/share/man),
    /// where man looks for the manual of the programs on PATH
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Writes `git-bug.1` and one page per visible subcommand into `dir`.
pub fn generate(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut root = crate::cli::command();
    root.build();
    for sub in root.get_subcommands().filter(|s| !s.is_hide_set()) {
        generate_tree(sub, dir)?;
    }
    // clap_mangen prints the topics as free text, which roff reflows into
    // one paragraph; they get sections of their own instead.
    let mut page = render(root.after_help(None::<&str>).after_long_help(None::<&str>))?;
    let topics: String = manual::TOPICS.iter().map(manual::Topic::roff).collect();
    match page.find("\n.SH VERSION\n") {
        Some(at) => page.insert_str(at + 1, &topics),
        None => page.push_str(&topics),
    }
    std::fs::write(dir.join("git-bug.1"), page)
}

/// The page of `cmd` and of each of its visible subcommands.
fn generate_tree(cmd: &clap::Command, dir: &Path) -> std::io::Result<()> {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        generate_tree(sub, dir)?;
    }
    let man = clap_mangen::Man::new(cmd.clone());
    std::fs::write(dir.join(man.get_filename()), render(cmd.clone())?)
}

fn render(cmd: clap::Command) -> std::io::Result<String> {
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut page)?;
    String::from_utf8(page).map_err(std::io::Error::other)
}

pub fn install(args: &InstallArgs) -> CliResult {
    let dir = match &args.dir {
        Some(dir) => std::path::absolute(dir).unwrap_or_else(|_| dir.clone()),
        None => default_dir()?,
    };
    let target = dir.join("man1");
    generate(&target).map_err(|e| {
        CliError::new(format!("writing man pages to {}: {e}", target.display())).with_hint(
            "name a directory you can write, e.g. git bug install-man-pages ~/.local/share/man",
        )
    })?;
    eprintln!("Man pages written to {}", target.display());
    match man_searches(&dir) {
        Some(true) => eprintln!("\"git help bug\" and \"man git-bug\" find them."),
        Some(false) => eprintln!(
            "man does not look in {}; for \"git help bug\", add this line to your shell's startup file:\n  {}",
            dir.display(),
            manpath_line(&dir)
        ),
        None => eprintln!(
            "If \"git help bug\" does not find them, add this line to your shell's startup file:\n  {}",
            manpath_line(&dir)
        ),
    }
    Ok(())
}

/// `<prefix>/share/man` for a program in `<prefix>/bin`: man derives its
/// search path from PATH this way (man-db and BSD man alike), so pages there
/// are found wherever the program is.
fn default_dir() -> CliResult<PathBuf> {
    let exe = std::env::current_exe()
        .map_err(|e| CliError::new(format!("finding where git-bug is installed: {e}")))?;
    let prefix = exe.parent().and_then(Path::parent).ok_or_else(|| {
        CliError::usage(format!("no directory above {}", exe.display()))
            .with_hint("name the man directory: git bug install-man-pages DIR")
    })?;
    Ok(prefix.join("share/man"))
}

/// Whether `man` searches `dir`, by the search path `manpath` prints; None
/// when there is no `manpath` to ask.
fn man_searches(dir: &Path) -> Option<bool> {
    let output = std::process::Command::new("manpath")
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())?;
    let wanted = std::fs::canonicalize(dir).ok()?;
    let searched = String::from_utf8_lossy(&output.stdout);
    Some(
        searched
            .trim()
            .split(':')
            .filter_map(|entry| std::fs::canonicalize(entry).ok())
            .any(|entry| entry == wanted),
    )
}

/// The shell line that puts `dir` first in MANPATH and keeps man's own
/// search path (a trailing colon means "and the defaults").
fn manpath_line(dir: &Path) -> String {
    let mut quoted = String::new();
    for c in dir.display().to_string().chars() {
        if matches!(c, '"' | '$' | '`' | '\\') {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    format!("export MANPATH=\"{quoted}:$MANPATH\"")
}
