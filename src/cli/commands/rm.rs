//! `git bug bug rm`: remove a bug from this repository.

use crate::bug;
use crate::cli::context::Ctx;
use crate::cli::error::CliResult;
use crate::cli::terminal::{Ui, escape};
use clap::Args;

#[derive(Args, Debug)]
pub struct RmArgs {
    /// The bug to remove (an id prefix)
    #[arg(value_name = "BUG_ID")]
    pub bug: String,
}

pub fn run(ctx: &Ctx, ui: &mut Ui, args: &RmArgs) -> CliResult {
    let found = bug::resolve(ctx.repo, &args.bug)?;
    let _lock = ctx.lock()?;
    bug::remove(ctx.repo, &found.id)?;
    ctx.wrote();
    writeln!(ui.out(), "bug {} removed", escape(&args.bug, false))?;
    Ok(())
}
