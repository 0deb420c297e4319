//! `git bug bug title`: show or edit a bug's title.

use crate::bug::{self, OpKind, Operation, operation};
use crate::cli::context::Ctx;
use crate::cli::editor::{self, MessageArgs};
use crate::cli::error::{CliError, CliResult};
use crate::cli::terminal::{Ui, escape};
use clap::{Args, Subcommand};

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct TitleArgs {
    #[command(subcommand)]
    pub command: Option<TitleCommand>,
    /// The bug whose title to print; the selected bug when omitted
    #[arg(value_name = "BUG_ID")]
    pub bug: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum TitleCommand {
    /// Change a bug's title
    Edit(EditArgs),
}

#[derive(Args, Debug)]
pub struct EditArgs {
    /// The bug (an id prefix); the selected bug when omitted
    #[arg(value_name = "BUG_ID")]
    pub bug: Option<String>,
    /// The new title
    #[arg(short, long)]
    pub title: Option<String>,
    /// Never open an editor
    #[arg(long)]
    pub non_interactive: bool,
}

const TEMPLATE: &str = "\n# Please enter the new title. Only one line will be used.\n# Lines starting with '#' are ignored, and an empty title aborts.\n";

pub fn run(ctx: &Ctx, ui: &mut Ui, args: &TitleArgs) -> CliResult {
    let Some(TitleCommand::Edit(edit)) = &args.command else {
        let bug = ctx.bug_or_selected(args.bug.as_deref())?;
        writeln!(ui.out(), "{}", escape(&bug.snapshot.title, false))?;
        return Ok(());
    };
    let bug = ctx.bug_or_selected(edit.bug.as_deref())?;
    ctx.check_writer()?;
    let text = editor::message(
        ctx.repo,
        &MessageArgs {
            message: edit.title.as_deref(),
            file: None,
            non_interactive: edit.non_interactive,
        },
        &format!("{}{TEMPLATE}", bug.snapshot.title),
    )?;
    let title =
        operation::cleanup_one_line(text.lines().find(|l| !l.trim().is_empty()).unwrap_or(""));
    if title.is_empty() {
        return Err(CliError::new("empty title; the title was not changed"));
    }
    if title == bug.snapshot.title {
        eprintln!("No change, aborting.");
        return Ok(());
    }
    let op = Operation::new(OpKind::SetTitle {
        title,
        was: bug.snapshot.title.clone(),
    });
    let me = ctx.user_for_write()?;
    let _lock = ctx.lock()?;
    bug::append(ctx.repo, &bug, &me, &[op])?;
    ctx.wrote();
    Ok(())
}
