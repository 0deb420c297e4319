//! The only layer that touches git: opening the repository as git does,
//! objects, refs and config. Everything above speaks in ids and bytes.

mod config;
mod lock;
mod lockfile;
mod objects;
mod refs;

pub use config::ConfigOverrides;
pub use lock::{WriteLock, process_alive};
pub use lockfile::{LeftoverLock, human_duration, named_in_git_output};
pub use objects::{CommitInfo, TreeEntry};
pub use refs::RefUpdateError;

use std::path::{Path, PathBuf};

/// Errors of the git layer, each naming what failed.
#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    #[error("not a git repository (or any of the parent directories)")]
    NotARepository,
    #[error("this repository uses a git feature git-bug cannot read yet ({0})")]
    Unsupported(String),
    #[error("{what}: {source}")]
    Git {
        what: String,
        #[source]
        source: git2::Error,
    },
    #[error("{0}")]
    Locked(LeftoverLock),
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
}

impl RepoError {
    /// Whether git reported an object missing from the object database.
    pub fn is_missing_object(&self) -> bool {
        matches!(self, RepoError::Git { source, .. }
            if source.code() == git2::ErrorCode::NotFound
                && source.class() == git2::ErrorClass::Odb)
    }
}

pub type Result<T> = std::result::Result<T, RepoError>;

/// Wraps a git2 error with a description of what we were doing.
pub(crate) fn git_err(what: impl Into<String>) -> impl FnOnce(git2::Error) -> RepoError {
    let what = what.into();
    move |source| RepoError::Git { what, source }
}

pub fn io_err(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> RepoError {
    let what = what.into();
    move |source| RepoError::Io { what, source }
}

/// A repository that exists but that libgit2 cannot open (reftable refs,
/// sha256 objects, a newer extension) is not "no repository".
fn open_error(e: git2::Error) -> RepoError {
    if e.code() == git2::ErrorCode::NotFound {
        RepoError::NotARepository
    } else {
        RepoError::Unsupported(e.message().to_string())
    }
}

/// Like git, trust the object store on read: re-hashing every object read
/// costs a tenth of a full listing.
fn tune_libgit2() {
    git2::opts::strict_hash_verification(false);
}

/// Opens a repository again (a [`Repo`] stays on its thread).
#[derive(Debug, Clone)]
pub struct Opener {
    from_env: bool,
    path: PathBuf,
}

impl Opener {
    pub fn open(&self) -> Result<Repo> {
        if self.from_env {
            Repo::open_from_env()
        } else {
            Repo::open(&self.path)
        }
    }
}

/// An open repository.
pub struct Repo {
    git: git2::Repository,
    overrides: ConfigOverrides,
    from_env: bool,
    config: std::cell::RefCell<Option<git2::Config>>,
}

impl Repo {
    /// Opens the repository the way git would from the current directory,
    /// honouring `GIT_DIR`, `GIT_WORK_TREE`, `GIT_CEILING_DIRECTORIES` and friends.
    pub fn open_from_env() -> Result<Repo> {
        tune_libgit2();
        let git = git2::Repository::open_from_env().map_err(open_error)?;
        Ok(Repo {
            git,
            overrides: ConfigOverrides::from_env(),
            from_env: true,
            config: Default::default(),
        })
    }

    /// Opens the repository at `path` (used by tests and benchmarks).
    pub fn open(path: &Path) -> Result<Repo> {
        tune_libgit2();
        let git = git2::Repository::open(path).map_err(open_error)?;
        Ok(Repo {
            git,
            overrides: ConfigOverrides::from_env(),
            from_env: false,
            config: Default::default(),
        })
    }

    /// How to open this repository again, from another thread.
    pub fn opener(&self) -> Opener {
        Opener {
            from_env: self.from_env,
            path: self.git.path().to_path_buf(),
        }
    }

    /// The directory shared by all worktrees (`git rev-parse --git-common-dir`).
    pub fn common_dir(&self) -> &Path {
        self.git.commondir()
    }

    /// Where git-bug keeps its local state: `<common dir>/git-bug`.
    pub fn state_dir(&self) -> PathBuf {
        self.common_dir().join("git-bug")
    }

    pub fn is_bare(&self) -> bool {
        self.git.is_bare()
    }

    /// The working tree, if any.
    pub fn workdir(&self) -> Option<&Path> {
        self.git.workdir()
    }

    /// Escape hatch for layers that need more of git2 than this module wraps.
    pub fn git2(&self) -> &git2::Repository {
        &self.git
    }
}
