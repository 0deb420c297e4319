//! `git bug hook …`: what the installed hooks run. Never fails the git
//! command that ran the hook; problems are one line on stderr.

use crate::cli::context::Ctx;
use crate::cli::error::CliResult;
use crate::cli::terminal::escape;
use crate::sync::{self, transport};
use clap::Subcommand;
use std::collections::HashSet;
use std::io::Read;

#[derive(Subcommand, Debug)]
pub enum HookCommand {
    /// Merge the bug and identity tracking refs listed on stdin
    ReferenceTransaction,
    /// Check the bug references of a commit message (commit-msg hook)
    CommitMsg {
        /// The file holding the message
        file: std::path::PathBuf,
    },
    /// Push bugs and identities to the remote being pushed to
    PrePush {
        /// The remote's name (or its URL when pushing to a URL)
        remote: String,
        /// The remote's URL
        url: Option<String>,
    },
    /// Check and write the bugs and identities pushed to this repository
    /// (proc-receive hook; speaks git's protocol on stdin and stdout)
    ProcReceive,
}

pub fn run(ctx: &Ctx, command: &HookCommand) -> CliResult {
    match command {
        HookCommand::ReferenceTransaction => reference_transaction(ctx),
        // A tracker remote (`bug::…`): the push itself sends the bugs.
        HookCommand::PrePush { url: Some(url), .. } if url.starts_with("bug::") => Ok(()),
        HookCommand::PrePush { remote, .. } => pre_push(ctx, remote),
        HookCommand::CommitMsg { file } => commit_msg(ctx, file),
        HookCommand::ProcReceive => proc_receive(ctx),
    }
}

fn say(line: &str) {
    eprintln!("git-bug: {}", escape(line, false));
}

/// Merges after git updated bug or identity tracking refs, when one of
/// them really holds its new value (git may list updates that failed).
fn reference_transaction(ctx: &Ctx) -> CliResult {
    let mut input = Vec::new();
    // Unreadable input is no update: the next command merges all the same.
    let _ = std::io::stdin().lock().read_to_end(&mut input);
    let mut moved = HashSet::new();
    for (new, name) in sync::pass::transaction_updates(&input) {
        if matches!(ctx.repo.ref_target(&name), Ok(Some(actual)) if actual == new) {
            moved.insert(name);
        }
    }
    if moved.iter().any(|name| name.starts_with("refs/heads/")) {
        act_on_commits(ctx);
    }
    if !moved.iter().any(|name| name.starts_with("refs/remotes/")) {
        return Ok(());
    }
    let moved: Vec<String> = moved
        .into_iter()
        .filter(|n| n.starts_with("refs/remotes/"))
        .collect();
    match sync::pass::merge_moved_refs(ctx.repo, &moved) {
        // Quiet when all went well (git fetch -q must stay quiet, and on
        // git before 2.51 this runs once per ref): only what needs the
        // user's attention, once per value of each ref; "git bug status"
        // tells the rest.
        Ok(report) => {
            for line in report.warning_lines_settled() {
                say(&line);
            }
        }
        Err(e) => say(&format!(
            "merging fetched bugs failed: {e}; the next git bug command will retry"
        )),
    }
    Ok(())
}

/// Acts on the commits that reached the default branch.
pub fn act_on_commits(ctx: &Ctx) {
    let me = || ctx.user_for_write().ok();
    match crate::links::process_new_commits(ctx.repo, &ctx.identities, &me) {
        Ok(report) => {
            for applied in &report.applied {
                let what = match applied.action {
                    crate::links::Action::Close => "closed",
                    _ => "commented on",
                };
                say(&format!(
                    "{what} bug {} (commit {})",
                    crate::entity::id::human(&applied.bug),
                    &applied.commit.to_string()[..7]
                ));
            }
            for warning in &report.warnings {
                say(warning);
            }
        }
        Err(e) => say(&format!(
            "acting on new commits failed: {e}; the next git bug command will retry"
        )),
    }
}

/// Refuses a commit whose message names no bug or several bugs where it
/// means one; lengthens short ids.
fn commit_msg(ctx: &Ctx, file: &std::path::Path) -> CliResult {
    let message = std::fs::read_to_string(file).map_err(|e| {
        crate::cli::error::CliError::new(format!("reading {}: {e}", file.display()))
    })?;
    let comment = crate::cli::editor::comment_prefix(ctx.repo)?;
    let (bad, expansions) = crate::links::check_message(ctx.repo, &message, &comment)?;
    if !bad.is_empty() {
        for b in &bad {
            eprintln!(
                "error: {}: {}: {}",
                b.reference.key,
                escape(&b.reference.prefix, false),
                escape(&b.problem, false)
            );
        }
        eprintln!("hint: fix the bug references, or commit with --no-verify to skip this check");
        return Err(crate::cli::error::CliError {
            message: String::new(),
            hint: None,
            code: 1,
        });
    }
    if !expansions.is_empty() {
        std::fs::write(file, crate::links::apply_expansions(&message, &expansions)).map_err(
            |e| crate::cli::error::CliError::new(format!("writing {}: {e}", file.display())),
        )?;
        for e in &expansions {
            say(&format!(
                "{}: {} expanded to {}",
                e.reference.key, e.reference.prefix, e.expanded
            ));
        }
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
            for line in &report.remote_lines {
                eprintln!("{}", escape(line, false));
            }
            for (name, why) in &report.refused {
                say(&format!(
                    "{remote}: refused {}: {why}",
                    super::sync::describe_refs(std::slice::from_ref(name))
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

/// Unlike the other hooks, fails when it cannot do its work: git then
/// refuses the bug and identity updates of the push, not the rest.
fn proc_receive(ctx: &Ctx) -> CliResult {
    let mut input = std::io::stdin().lock();
    let mut output = std::io::stdout().lock();
    sync::server::proc_receive(ctx.repo, &mut input, &mut output).map_err(|e| {
        crate::cli::error::CliError::new(format!(
            "checking the pushed bugs failed: {e}; they were refused"
        ))
    })
}
