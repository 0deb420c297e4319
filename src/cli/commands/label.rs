//! `git bug bug label` and `git bug label`: show, add and remove labels.

use super::list::read_all;
use crate::bug::{self, OpKind, Operation, operation};
use crate::cli::context::Ctx;
use crate::cli::error::{CliError, CliResult};
use crate::cli::terminal::{Ui, escape};
use clap::{Args, Subcommand};
use std::collections::BTreeSet;

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct LabelArgs {
    #[command(subcommand)]
    pub command: Option<LabelCommand>,
    /// The bug whose labels to print; the selected bug when omitted
    #[arg(value_name = "BUG_ID")]
    pub bug: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum LabelCommand {
    /// Add labels to a bug
    New(ChangeArgs),
    /// Remove labels from a bug
    Rm(ChangeArgs),
}

#[derive(Args, Debug)]
pub struct ChangeArgs {
    /// An optional bug id prefix (else the selected bug), then the labels
    #[arg(value_name = "[BUG_ID] LABEL", required = true)]
    pub args: Vec<String>,
}

pub fn run(ctx: &Ctx, ui: &mut Ui, args: &LabelArgs) -> CliResult {
    match &args.command {
        Some(LabelCommand::New(a)) => change(ctx, ui, a, true),
        Some(LabelCommand::Rm(a)) => change(ctx, ui, a, false),
        None => {
            let bug = ctx.bug_or_selected(args.bug.as_deref())?.snapshot;
            for label in bug.labels() {
                writeln!(ui.out(), "{}", escape(label, false))?;
            }
            Ok(())
        }
    }
}

fn change(ctx: &Ctx, ui: &mut Ui, args: &ChangeArgs, add: bool) -> CliResult {
    let mut words = args.args.clone();
    let bug = ctx.bug_from_args(&mut words)?;
    if words.is_empty() {
        return Err(CliError::usage("no label given").with_hint("name the labels after the bug id"));
    }
    ctx.check_writer()?;
    let current = bug.snapshot.labels();
    let mut changed: Vec<String> = Vec::new();
    for word in &words {
        let label = operation::cleanup_one_line(word);
        operation::check_label(&label).map_err(CliError::usage)?;
        let shown = escape(&label, false);
        if changed.contains(&label) {
            writeln!(ui.out(), "label {shown} is a duplicate")?;
        } else if add && current.contains(&label) {
            writeln!(ui.out(), "label {shown} was already set")?;
        } else if !add && !current.contains(&label) {
            writeln!(ui.out(), "label {shown} doesn't exist on this bug")?;
        } else {
            writeln!(
                ui.out(),
                "label {shown} {}",
                if add { "added" } else { "removed" }
            )?;
            changed.push(label);
        }
    }
    // Already as asked: success, and nothing to write.
    if changed.is_empty() {
        eprintln!("no label added or removed; nothing was written");
        return Ok(());
    }
    let kind = if add {
        OpKind::LabelChange {
            added: Some(changed),
            removed: None,
        }
    } else {
        OpKind::LabelChange {
            added: None,
            removed: Some(changed),
        }
    };
    let me = ctx.user_for_write()?;
    let _lock = ctx.lock()?;
    bug::append(ctx.repo, &bug, &me, &[Operation::new(kind)])?;
    ctx.wrote();
    Ok(())
}

/// `git bug label`: every label set on some bug, sorted.
pub fn list_all(ctx: &Ctx, ui: &mut Ui) -> CliResult {
    let labels: BTreeSet<String> = read_all(ctx)?
        .into_iter()
        .flat_map(|b| b.labels.unwrap_or_default())
        .collect();
    for label in labels {
        writeln!(ui.out(), "{}", escape(&label, false))?;
    }
    Ok(())
}
