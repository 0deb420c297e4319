//! `git bug bug status`, `git bug close`, `git bug open`.

use crate::bug::{self, OpKind, Operation, Status};
use crate::cli::context::Ctx;
use crate::cli::error::CliResult;
use crate::cli::terminal::Ui;
use clap::{Args, Subcommand};

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct StatusArgs {
    #[command(subcommand)]
    pub command: Option<StatusCommand>,
    /// The bug whose status to print; the selected bug when omitted
    #[arg(value_name = "BUG_ID")]
    pub bug: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum StatusCommand {
    /// Mark a bug as open
    Open(BugIdArgs),
    /// Mark a bug as closed
    Close(BugIdArgs),
}

#[derive(Args, Debug)]
pub struct BugIdArgs {
    /// The bug (an id prefix); the selected bug when omitted
    #[arg(value_name = "BUG_ID")]
    pub bug: Option<String>,
}

pub fn run(ctx: &Ctx, ui: &mut Ui, args: &StatusArgs) -> CliResult {
    match &args.command {
        Some(StatusCommand::Open(a)) => set(ctx, ui, a.bug.as_deref(), Status::Open),
        Some(StatusCommand::Close(a)) => set(ctx, ui, a.bug.as_deref(), Status::Closed),
        None => {
            let bug = ctx.bug_or_selected(args.bug.as_deref())?;
            writeln!(ui.out(), "{}", bug.snapshot.status.as_str())?;
            Ok(())
        }
    }
}

/// Opens or closes a bug; a bug already in that state is left alone.
pub fn set(ctx: &Ctx, _ui: &mut Ui, bug: Option<&str>, status: Status) -> CliResult {
    let bug = ctx.bug_or_selected(bug)?;
    if bug.snapshot.status == status {
        eprintln!(
            "bug {} is already {}",
            bug.snapshot.human_id(),
            status.as_str()
        );
        return Ok(());
    }
    let me = ctx.user_for_write()?;
    let _lock = ctx.lock()?;
    bug::append(
        ctx.repo,
        &bug,
        &me,
        &[Operation::new(OpKind::SetStatus { status })],
    )?;
    ctx.wrote();
    Ok(())
}
