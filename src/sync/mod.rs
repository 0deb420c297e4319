//! Sharing bugs through git: the merge of fetched entities, the catch-up
//! pass over remote-tracking refs, fetch and push through the system git,
//! the installer of refspecs and hooks, and the check of a server.

pub mod git;
pub mod install;
pub mod merge;
pub mod pass;
pub mod server;
pub mod transport;

pub use merge::Outcome;
pub use pass::{Report, merge_tracking_refs};

use crate::repo::{Repo, RepoError};
use std::collections::HashSet;

/// Why a sync step failed.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Git(#[from] git::GitError),
    #[error(transparent)]
    Repo(#[from] RepoError),
}

/// Fetches `remote` and merges what it brought.
pub fn pull(repo: &Repo, remote: &str, quiet: bool) -> Result<Report, SyncError> {
    transport::fetch(repo, remote, quiet)?;
    let of_remote: HashSet<String> = pass::tracking_refs(repo)?
        .into_iter()
        .filter(|t| t.remote == remote)
        .map(|t| t.name)
        .collect();
    Ok(merge_tracking_refs(repo, Some(&of_remote))?)
}

/// What a push achieved after its retry.
#[derive(Debug, Default)]
pub struct PushReport {
    pub updated: Vec<String>,
    /// Refs still refused after fetching, merging and pushing again.
    pub unpushed: Vec<String>,
    /// Refs the remote refused for another reason than a concurrent
    /// update, with git's reason.
    pub refused: Vec<(String, String)>,
    /// What the remote said (its `remote:` lines).
    pub remote_lines: Vec<String>,
    /// The merge made between the two pushes, if one was needed.
    pub merged: Option<Report>,
    /// What went wrong beside the push itself.
    pub warnings: Vec<String>,
}

/// Pushes every bug and identity; when the remote refuses some because it
/// moved, fetches, merges and pushes once more.
pub fn push(repo: &Repo, remote: &str) -> Result<PushReport, SyncError> {
    // To a named remote, push only what it lacks: a bug it has newer
    // history of (refused, or not merged yet) has nothing to push.
    let named = transport::is_named_remote(repo, remote);
    let wanted = if named {
        Some(unpushed(repo, remote)?)
    } else {
        None
    };
    let first = transport::push(repo, remote, wanted.as_deref())?;
    pass::record_pushed(repo, &first.tracked)?;
    let mut report = PushReport {
        updated: first.updated,
        warnings: first.warnings,
        refused: first.refused,
        remote_lines: first.remote_lines,
        ..PushReport::default()
    };
    if first.rejected.is_empty() {
        return Ok(report);
    }
    if transport::is_named_remote(repo, remote) {
        report.merged = Some(pull(repo, remote, true)?);
    }
    let wanted = if named {
        Some(unpushed(repo, remote)?)
    } else {
        None
    };
    let second = transport::push(repo, remote, wanted.as_deref())?;
    pass::record_pushed(repo, &second.tracked)?;
    report.updated.extend(second.updated);
    report.warnings.extend(second.warnings);
    report.refused.extend(second.refused);
    report.remote_lines.extend(second.remote_lines);
    report.unpushed = second.rejected;
    Ok(report)
}

/// Whether some local bug or identity differs from what `remote` is known
/// to have (its tracking refs).
pub fn has_unpushed(repo: &Repo, remote: &str) -> Result<bool, RepoError> {
    Ok(!unpushed(repo, remote)?.is_empty())
}

/// Local bug and identity refs that differ from `remote`'s tracking refs.
pub fn unpushed(repo: &Repo, remote: &str) -> Result<Vec<String>, RepoError> {
    let mut out = Vec::new();
    for prefix in ["refs/bugs/", "refs/identities/"] {
        let tracking: std::collections::HashMap<String, git2::Oid> = repo
            .refs_with_prefix(&format!(
                "refs/remotes/{remote}/{}",
                &prefix["refs/".len()..]
            ))?
            .into_iter()
            .map(|(name, oid)| (name.rsplit('/').next().unwrap_or("").to_string(), oid))
            .collect();
        for (name, oid) in repo.refs_with_prefix(prefix)? {
            let id = &name[prefix.len()..];
            let behind_remote = match tracking.get(id) {
                Some(remote_head) => repo.is_ancestor(oid, *remote_head)?,
                None => false,
            };
            if !behind_remote {
                out.push(name);
            }
        }
    }
    Ok(out)
}
