//! Files attached to a bug: blobs of the repository named by hash in the
//! `files` of create, comment and comment-edit operations (git-bug's
//! format). The commit that carries the operation lists them in its
//! `extra` subtree, so git push and fetch carry the blobs along.

use super::{BugError, Snapshot};
use crate::limits::MAX_FILE_BYTES;
use crate::repo::Repo;
use git2::Oid;
use std::path::Path;

/// Stores the file at `path` as a blob and returns its hash, to name in an
/// operation's `files`.
pub fn store(repo: &Repo, path: &Path) -> Result<String, BugError> {
    let shown = path.display();
    let meta = std::fs::metadata(path)
        .map_err(|e| BugError::Invalid(format!("cannot attach {shown}: {e}")))?;
    if !meta.is_file() {
        return Err(BugError::Invalid(format!(
            "cannot attach {shown}: not a regular file"
        )));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(BugError::Invalid(format!(
            "cannot attach {shown}: {} bytes is more than the {} MiB an attachment may hold",
            meta.len(),
            MAX_FILE_BYTES >> 20
        )));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| BugError::Invalid(format!("cannot attach {shown}: {e}")))?;
    Ok(repo.write_blob(&bytes)?.to_string())
}

/// Every file attached to the comments of `bug`, each once, in order.
pub fn files_of(bug: &Snapshot) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for comment in &bug.comments {
        for file in comment.files.iter().flatten() {
            if !out.contains(&file.as_str()) {
                out.push(file);
            }
        }
    }
    out
}

/// The file attached to one of `bugs` whose hash starts with `prefix`.
pub fn resolve<'a>(bugs: &'a [Snapshot], prefix: &str) -> Result<Oid, BugError> {
    let prefix = prefix.to_ascii_lowercase();
    let all: Vec<&'a str> = bugs.iter().flat_map(files_of).collect();
    let hash = crate::entity::id::resolve_prefix(&prefix, all, "file")?;
    Oid::from_str(&hash).map_err(|_| BugError::Invalid(format!("{hash:?} is not a file hash")))
}
