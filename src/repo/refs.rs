//! Listing refs by prefix and moving them with compare-and-swap.

use super::{LeftoverLock, Repo, RepoError, Result, git_err};
use git2::{ErrorCode, Oid};

/// A ref update that did not happen because someone else moved the ref.
#[derive(Debug, thiserror::Error)]
pub enum RefUpdateError {
    #[error("{0} was changed by another process; try again")]
    Moved(String),
    #[error(transparent)]
    Repo(#[from] super::RepoError),
}

impl Repo {
    /// Every direct ref whose name starts with `prefix`, with its target.
    pub fn refs_with_prefix(&self, prefix: &str) -> Result<Vec<(String, Oid)>> {
        let glob = format!("{prefix}*");
        let refs = self
            .git
            .references_glob(&glob)
            .map_err(git_err(format!("listing {prefix}")))?;
        let mut out = Vec::new();
        for reference in refs {
            let reference = reference.map_err(git_err(format!("listing {prefix}")))?;
            if let (Ok(name), Some(target)) = (reference.name(), reference.target())
                && name.starts_with(prefix)
            {
                out.push((name.to_string(), target));
            }
        }
        out.sort();
        Ok(out)
    }

    /// The commit a ref points to, or `None` when it does not exist.
    pub fn ref_target(&self, name: &str) -> Result<Option<Oid>> {
        match self.git.find_reference(name) {
            Ok(r) => Ok(r.target()),
            Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
            Err(e) => Err(git_err(format!("reading {name}"))(e)),
        }
    }

    /// Moves `name` to `new` only if it still points to `old` (`None`: only if
    /// it does not exist yet). Keeps a reflog so that every move can be undone.
    pub fn update_ref(
        &self,
        name: &str,
        new: Oid,
        old: Option<Oid>,
        message: &str,
    ) -> std::result::Result<(), RefUpdateError> {
        // libgit2 logs refs outside refs/heads only when a reflog already exists.
        let _ = self.git.reference_ensure_log(name);
        let result = match old {
            None => self.git.reference(name, new, false, message).map(|_| ()),
            Some(old) => self
                .git
                .reference_matching(name, new, true, old, message)
                .map(|_| ()),
        };
        match result {
            Ok(()) => Ok(()),
            // A lock that outlives any live writer blocks this ref for good:
            // say which file it is instead of "try again".
            Err(e) if e.code() == ErrorCode::Locked || self.ref_lock_path(name).exists() => {
                match LeftoverLock::settled(&self.ref_lock_path(name)) {
                    Some(lock) => Err(RepoError::Locked(lock).into()),
                    None => Err(RefUpdateError::Moved(name.to_string())),
                }
            }
            Err(e)
                if matches!(
                    e.code(),
                    ErrorCode::Exists | ErrorCode::Modified | ErrorCode::NotFound
                ) =>
            {
                Err(RefUpdateError::Moved(name.to_string()))
            }
            Err(e) => Err(git_err(format!("updating {name}"))(e).into()),
        }
    }

    /// Deletes a ref if it exists.
    pub fn delete_ref(&self, name: &str) -> Result<bool> {
        match self.git.find_reference(name) {
            Ok(mut r) => {
                r.delete().map_err(git_err(format!("deleting {name}")))?;
                Ok(true)
            }
            Err(e) if e.code() == ErrorCode::NotFound => Ok(false),
            Err(e) => Err(git_err(format!("reading {name}"))(e)),
        }
    }
}
