//! `git bug bug select` / `deselect`: a default bug for later commands.

use crate::cli::context::Ctx;
use crate::cli::error::CliResult;
use crate::cli::terminal::{Ui, escape};
use clap::Args;

#[derive(Args, Debug)]
pub struct SelectArgs {
    /// The bug to select (an id prefix)
    #[arg(value_name = "BUG_ID")]
    pub bug: String,
}

pub fn select(ctx: &Ctx, ui: &mut Ui, args: &SelectArgs) -> CliResult {
    let bug = ctx.bug(&args.bug)?.snapshot;
    ctx.select(&bug.id)?;
    writeln!(
        ui.out(),
        "selected bug {}: {}",
        bug.human_id(),
        escape(&bug.title, false)
    )?;
    Ok(())
}

pub fn deselect(ctx: &Ctx) -> CliResult {
    ctx.deselect()
}
