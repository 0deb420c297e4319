//! `git bug file`: the files attached to bugs.

use crate::bug::attachment;
use crate::cli::context::Ctx;
use crate::cli::error::{CliError, CliResult};
use crate::cli::terminal::{Ui, escape};
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};

#[derive(Subcommand, Debug)]
pub enum FileCommand {
    /// List the files attached to a bug (hash and size), or to every bug
    Ls(LsArgs),
    /// Write an attached file out: to DEST, or to a file named after its
    /// hash in the current directory ("-" writes to standard output)
    Get(GetArgs),
}

#[derive(Args, Debug)]
pub struct LsArgs {
    /// The bug; every bug when omitted
    #[arg(value_name = "BUG_ID")]
    pub bug: Option<String>,
}

#[derive(Args, Debug)]
pub struct GetArgs {
    /// The file: a prefix of its hash, as "git bug show" lists it
    #[arg(value_name = "FILE_ID")]
    pub file: String,
    /// Where to write it: a file, a directory, or - for standard output
    #[arg(value_name = "DEST")]
    pub dest: Option<PathBuf>,
    /// Replace DEST if it exists
    #[arg(long)]
    pub force: bool,
}

pub fn run(ctx: &Ctx, ui: &mut Ui, command: &FileCommand) -> CliResult {
    match command {
        FileCommand::Ls(args) => ls(ctx, ui, args),
        FileCommand::Get(args) => get(ctx, ui, args),
    }
}

/// Stores each file to attach; `None` when there is none, as git-bug writes.
pub fn attach_all(ctx: &Ctx, paths: &[PathBuf]) -> CliResult<Option<Vec<String>>> {
    if paths.is_empty() {
        return Ok(None);
    }
    if paths.len() > crate::limits::MAX_FILES_PER_OP {
        return Err(CliError::usage(format!(
            "at most {} files per comment",
            crate::limits::MAX_FILES_PER_OP
        )));
    }
    let mut hashes = Vec::with_capacity(paths.len());
    for path in paths {
        hashes.push(attachment::store(ctx.repo, path)?);
    }
    Ok(Some(hashes))
}

fn ls(ctx: &Ctx, ui: &mut Ui, args: &LsArgs) -> CliResult {
    let bugs = match &args.bug {
        Some(id) => vec![ctx.bug_or_selected(Some(id))?.snapshot],
        None => super::list::read_all(ctx)?,
    };
    for bug in &bugs {
        for file in attachment::files_of(bug) {
            let size = git2::Oid::from_str(file)
                .ok()
                .and_then(|oid| ctx.repo.blob_size(oid).ok());
            let size = size.map_or("missing".to_string(), |n| format!("{n} bytes"));
            writeln!(
                ui.out(),
                "{}\t{}\t{}",
                crate::entity::id::human(file),
                size,
                crate::entity::id::human(&bug.id)
            )?;
        }
    }
    Ok(())
}

fn get(ctx: &Ctx, ui: &mut Ui, args: &GetArgs) -> CliResult {
    let bugs = super::list::read_all(ctx)?;
    let oid = attachment::resolve(&bugs, &args.file)?;
    let bytes = ctx.repo.read_blob(oid).map_err(|e| {
        CliError::new(format!("file {oid} is not in this repository: {e}"))
            .with_hint("fetch the bug again, or ask who attached it")
    })?;
    // The name comes from us (the hash), never from the bug's data.
    let dest = match &args.dest {
        Some(d) if d == Path::new("-") => {
            ui.out().write_all(&bytes)?;
            return Ok(());
        }
        Some(d) if d.is_dir() => d.join(oid.to_string()),
        Some(d) => d.clone(),
        None => PathBuf::from(oid.to_string()),
    };
    if dest.exists() && !args.force {
        return Err(CliError::new(format!(
            "{} exists; nothing was written",
            escape(&dest.display().to_string(), false)
        ))
        .with_hint("use --force to replace it, or name another destination"));
    }
    write_new(&dest, &bytes).map_err(|e| {
        CliError::new(format!(
            "writing {}: {e}",
            escape(&dest.display().to_string(), false)
        ))
    })?;
    eprintln!(
        "wrote {} ({} bytes)",
        escape(&dest.display().to_string(), false),
        bytes.len()
    );
    Ok(())
}

/// Writes through a temporary file beside `dest`, so that a failed write
/// leaves nothing half written.
fn write_new(dest: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = dest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = dir.join(format!(".git-bug-file.{}.tmp", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, dest).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}
