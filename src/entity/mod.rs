//! The generic engine under bugs: entities stored as DAGs of commits, each
//! carrying a pack of operations, ordered by Lamport clocks. It knows nothing
//! of what the operations mean.

pub mod clock;
pub mod dag;
pub mod gojson;
pub mod id;
pub mod pack;

use crate::repo::{RefUpdateError, RepoError};
use git2::Oid;

/// Why an entity could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum EntityError {
    #[error(transparent)]
    Repo(#[from] RepoError),
    #[error("invalid data in commit {commit}: {reason}")]
    Corrupt { commit: Oid, reason: String },
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    RefMoved(#[from] RefUpdateError),
    #[error("Lamport clocks: {0}")]
    Clock(#[from] std::io::Error),
}

impl EntityError {
    /// Whether the error is an object missing from the repository: a
    /// history not fetched yet (a shallow clone), rather than bad data.
    pub fn is_missing_object(&self) -> bool {
        matches!(self, EntityError::Repo(e) if e.is_missing_object())
    }

    pub fn corrupt(commit: Oid, reason: impl Into<String>) -> EntityError {
        EntityError::Corrupt {
            commit,
            reason: reason.into(),
        }
    }
}
