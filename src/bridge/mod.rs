//! Other trackers as git remotes. `git fetch rt` runs `git-remote-bug`,
//! which copies the tracker's tickets into private refs as ordinary bug
//! chains ([`import`]) and lists them, so git only moves refs and the
//! usual merge pass does the rest; `git push rt` sends the local operations
//! the tracker lacks ([`export`]). A [`connector::Connector`] does the HTTP
//! and the mapping of one tracker ([`rt`], [`redmine`]); [`protocol`] speaks git's
//! remote-helper protocol.
//!
//! State lives in git, under `refs/bug-bridge/<remote>/`: `bugs/<id>` and
//! `identities/<id>` (what the tracker holds, as our own entities) and
//! `state` (the cursor of the last complete sync).

pub mod chain;
pub mod connector;
pub mod credential;
pub mod export;
pub mod helper;
pub mod identity;
pub mod import;
pub mod journal;
pub mod protocol;
pub mod redmine;
pub mod rt;
pub mod state;

use base64::Engine;
use sha2::{Digest, Sha256};

/// The metadata key naming where an operation came from (git-bug's own).
pub const ORIGIN_KEY: &str = "origin";

/// Why a sync with a tracker failed.
#[derive(Debug, thiserror::Error)]
pub enum BridgeError {
    #[error("{0}")]
    Tracker(String),
    /// The tracker cannot be reached, or refuses us: nothing can be synced.
    #[error("{0}")]
    Unreachable(String),
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Repo(#[from] crate::repo::RepoError),
    #[error(transparent)]
    Entity(#[from] crate::entity::EntityError),
    #[error(transparent)]
    Bug(#[from] crate::bug::BugError),
}

pub type Result<T> = std::result::Result<T, BridgeError>;

/// The private refs of one remote.
#[derive(Debug, Clone)]
pub struct Namespace {
    prefix: String,
}

impl Namespace {
    /// The namespace of `remote`; a URL given in place of a remote name
    /// gets a stable name of its own.
    pub fn new(remote: &str) -> Namespace {
        let usable = !remote.is_empty()
            && !remote.contains("://")
            && remote
                .split('/')
                .all(|part| !part.is_empty() && !part.starts_with('.') && !part.ends_with(".lock"))
            && remote
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c));
        let name = if usable {
            remote.to_string()
        } else {
            format!(
                "url-{}",
                &crate::entity::id::hash_id(remote.as_bytes())[..16]
            )
        };
        Namespace {
            prefix: format!("refs/bug-bridge/{name}/"),
        }
    }

    /// The remote's name as one path component, for local side files.
    pub fn file_name(&self) -> String {
        let name = self.prefix["refs/bug-bridge/".len()..].trim_end_matches('/');
        name.replace('/', "%2F")
    }

    pub fn bugs(&self) -> String {
        format!("{}bugs/", self.prefix)
    }

    pub fn identities(&self) -> String {
        format!("{}identities/", self.prefix)
    }

    pub fn state(&self) -> String {
        format!("{}state", self.prefix)
    }
}

/// A nonce derived from `what` (a canonical URL): the same foreign event
/// gives the same operation, and so the same id, on every machine.
pub fn derived_nonce(purpose: &str, what: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"git-bug bridge\0");
    hasher.update(purpose.as_bytes());
    hasher.update(b"\0");
    hasher.update(what.as_bytes());
    let digest = hasher.finalize();
    base64::engine::general_purpose::STANDARD.encode(&digest[..20])
}
