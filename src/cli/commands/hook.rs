//! `git bug hook …`: what the installed hooks run. Never fails the git
//! command that ran the hook; problems are one line on stderr.

use crate::cli::context::Ctx;
use crate::cli::error::CliResult;
use crate::cli::terminal::escape;
use crate::sync::{self, transport};
use clap::Subcommand;
use git2::Oid;
use std::collections::HashSet;
use std::io::BufRead;

#[derive(Subcommand, Debug)]
pub enum HookCommand {
    /// Merge the bug and identity tracking refs listed on stdin
    ReferenceTransaction,
    /// Push bugs and identities to the remote being pushed to
    PrePush {
        /// The remote's name (or its URL when pushing to a URL)
        remote: String,
        /// The remote's URL
        url: Option<String>,
    },
}

pub fn run(ctx: &Ctx, command: &HookCommand) -> CliResult {
    match command {
        HookCommand::ReferenceTransaction => reference_transaction(ctx),
        HookCommand::PrePush { remote, .. } => pre_push(ctx, remote),
    }
}

fn say(line: &str) {
    eprintln!("git-bug: {}", escape(line, false));
}

/// Merges after git updated bug or identity tracking refs, when one of
/// them really holds its new value (git may list updates that failed).
fn reference_transaction(ctx: &Ctx) -> CliResult {
    let mut moved = HashSet::new();
    for line in std::io::stdin().lock().lines().map_while(Result::ok) {
        let mut fields = line.split(' ');
        let (Some(_old), Some(new), Some(name)) = (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        let Ok(new) = Oid::from_str(new) else {
            continue;
        };
        if matches!(ctx.repo.ref_target(name), Ok(Some(actual)) if actual == new) {
            moved.insert(name.to_string());
        }
    }
    if moved.is_empty() {
        return Ok(());
    }
    // Everything that moved is merged, not only these refs: a bug whose
    // author arrived in a later transaction of the same fetch is retried.
    match sync::merge_tracking_refs(ctx.repo, None) {
        Ok(report) => {
            for line in report
                .summary_lines_settled()
                .iter()
                .chain(&report.warning_lines_settled())
            {
                say(line);
            }
        }
        Err(e) => say(&format!(
            "merging fetched bugs failed: {e}; the next git bug command will retry"
        )),
    }
    Ok(())
}

fn pre_push(ctx: &Ctx, remote: &str) -> CliResult {
    if transport::is_named_remote(ctx.repo, remote)
        && !matches!(sync::has_unpushed(ctx.repo, remote), Ok(true))
    {
        return Ok(());
    }
    match sync::push(ctx.repo, remote) {
        Ok(report) => {
            if !report.updated.is_empty() {
                say(&format!(
                    "{remote}: pushed {}",
                    super::sync::describe_refs(&report.updated)
                ));
            }
            if !report.unpushed.is_empty() {
                say(&format!(
                    "{remote}: still not pushed: {}; run \"git bug push {remote}\" later",
                    super::sync::describe_refs(&report.unpushed)
                ));
            }
        }
        Err(e) => say(&format!("{remote}: bugs were not pushed: {e}")),
    }
    Ok(())
}
