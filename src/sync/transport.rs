//! Fetching and pushing bugs and identities with the system git.

use super::git::{self, GitError};
use super::install::fetch_refspecs;
use crate::repo::{RefUpdateError, Repo, RepoError};
use std::process::Stdio;

/// The refspecs that push every local bug and identity, never forced.
const PUSH_REFSPECS: [&str; 2] = [
    "refs/bugs/*:refs/bugs/*",
    "refs/identities/*:refs/identities/*",
];

/// Whether `name` is a configured remote (rather than a URL or path).
pub fn is_named_remote(repo: &Repo, name: &str) -> bool {
    repo.git2().find_remote(name).is_ok()
}

/// Fetches a remote's bugs and identities into its tracking refs. On git
/// before 2.51 each ref is its own transaction, which is slow for
/// thousands of refs, so an atomic fetch is tried first; it fails as a
/// whole when one ref cannot be written, and then a plain fetch follows.
pub fn fetch(repo: &Repo, remote: &str, quiet: bool) -> Result<(), GitError> {
    let specs = fetch_refspecs(remote);
    let version = git::version(repo)?;
    let mut base: Vec<&str> = vec!["fetch", "--no-write-fetch-head"];
    if quiet {
        base.push("--quiet");
    }
    let attempt = |atomic: bool| -> Result<std::process::ExitStatus, GitError> {
        let mut args = base.clone();
        if atomic {
            args.push("--atomic");
        }
        args.push(remote);
        args.extend(specs.iter().map(String::as_str));
        let mut cmd = git::command(repo)?;
        cmd.args(&args).stdin(Stdio::null());
        if quiet || atomic {
            cmd.stderr(Stdio::piped()).stdout(Stdio::null());
        }
        let output = cmd.output().map_err(|source| GitError::Spawn {
            args: args.join(" "),
            source,
        })?;
        if !output.status.success() && !atomic {
            return Err(GitError::failed(&args, &output));
        }
        Ok(output.status)
    };
    if version < (2, 51) && attempt(true)?.success() {
        return Ok(());
    }
    attempt(false).map(|_| ())
}

/// What a push did.
#[derive(Debug, Default)]
pub struct Pushed {
    /// Refs the remote now has from us.
    pub updated: Vec<String>,
    /// Refs the remote refused because it moved meanwhile.
    pub rejected: Vec<String>,
    /// Refs the remote refused for another reason (a hook, a lock,
    /// permissions), with git's reason.
    pub refused: Vec<(String, String)>,
    /// What the remote said (its `remote:` lines: a hook's reasons).
    pub remote_lines: Vec<String>,
    /// Tracking refs that could not follow the push (a leftover lock file).
    pub warnings: Vec<String>,
    /// Tracking refs that now hold what the remote has from us.
    pub tracked: Vec<(String, git2::Oid)>,
}

/// Above this many refs to push, the command line names them by glob.
const MAX_NAMED_REFS: usize = 500;

/// Pushes bugs and identities to `remote` (never forced): `refs`, or every
/// one when `None`. Then points the tracking refs at what the remote now
/// has, as a fetch would.
pub fn push(repo: &Repo, remote: &str, refs: Option<&[String]>) -> Result<Pushed, GitError> {
    let named: Vec<String> = match refs {
        Some(refs) if refs.len() <= MAX_NAMED_REFS => {
            refs.iter().map(|r| format!("{r}:{r}")).collect()
        }
        _ => PUSH_REFSPECS.iter().map(|s| s.to_string()).collect(),
    };
    if named.is_empty() {
        return Ok(Pushed::default());
    }
    let mut args = vec!["push", "--porcelain", "--no-verify", remote];
    args.extend(named.iter().map(String::as_str));
    let output = git::output(repo, &args)?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut pushed = Pushed::default();
    let mut done = false;
    for line in stdout.lines() {
        if line == "Done" {
            done = true;
        }
        let mut fields = line.split('\t');
        let (Some(flag), Some(refs)) = (fields.next(), fields.next()) else {
            continue;
        };
        let Some((local, remote_ref)) = refs.split_once(':') else {
            continue;
        };
        let summary = fields.next().unwrap_or("");
        match flag {
            "!" if moved_meanwhile(summary) => pushed.rejected.push(remote_ref.to_string()),
            "!" => pushed
                .refused
                .push((remote_ref.to_string(), summary.to_string())),
            " " | "*" | "+" | "=" => {
                if flag != "=" {
                    pushed.updated.push(remote_ref.to_string());
                }
                if is_named_remote(repo, remote) {
                    match track(repo, remote, local) {
                        Ok(Some(tracked)) => pushed.tracked.push(tracked),
                        Ok(None) => {}
                        Err(warning) => pushed.warnings.push(warning),
                    }
                }
            }
            _ => {}
        }
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    pushed.remote_lines = stderr
        .lines()
        .filter(|l| l.starts_with("remote: ") && l.trim() != "remote:")
        .map(String::from)
        .collect();
    let nothing_to_push = stderr.contains("No refs in common")
        || (stdout.trim().is_empty() && output.status.success());
    let answered = !pushed.rejected.is_empty() || !pushed.refused.is_empty();
    if !output.status.success() && !done && !answered && !nothing_to_push {
        return Err(GitError::failed(&args, &output));
    }
    Ok(pushed)
}

/// Whether a refusal in `git push --porcelain` means that the remote ref
/// moved since we last fetched it (fetch, merge and push again), rather
/// than a refusal for good (a hook, a lock, permissions).
fn moved_meanwhile(summary: &str) -> bool {
    ["fetch first", "non-fast-forward", "stale info"]
        .iter()
        .any(|reason| summary.contains(reason))
}

/// Sets `refs/remotes/<remote>/<bugs|identities>/<id>` to the value of the
/// local ref just pushed, and returns it. Only a leftover lock file is worth
/// a warning: the next fetch sets the ref anyway otherwise.
fn track(repo: &Repo, remote: &str, local: &str) -> Result<Option<(String, git2::Oid)>, String> {
    let Some(rest) = local.strip_prefix("refs/") else {
        return Ok(None);
    };
    let tracking = format!("refs/remotes/{remote}/{rest}");
    let (Ok(Some(value)), Ok(current)) = (repo.ref_target(local), repo.ref_target(&tracking))
    else {
        return Ok(None);
    };
    if current != Some(value) {
        match repo.update_ref(&tracking, value, current, "git-bug: pushed") {
            Ok(()) => {}
            Err(RefUpdateError::Repo(RepoError::Locked(lock))) => {
                return Err(format!("{tracking} was not updated: {lock}"));
            }
            Err(_) => return Ok(None),
        }
    }
    Ok(Some((tracking, value)))
}
