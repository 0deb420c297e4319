//! Errors as users see them: one line saying what failed, an optional hint
//! saying what to do, and an exit code (documented in git-bug(1)).

use crate::bug::BugError;
use crate::entity::EntityError;
use crate::entity::id::PrefixError;
use crate::identity::IdentityError;
use crate::query::QueryError;
use crate::repo::RepoError;

/// Exit codes: 1 for a refused request or bad data, 2 for bad usage,
/// 128 when the environment is unusable (git's "fatal").
pub const EXIT_ERROR: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_FATAL: u8 = 128;

#[derive(Debug)]
pub struct CliError {
    pub message: String,
    pub hint: Option<String>,
    pub code: u8,
}

impl CliError {
    pub fn new(message: impl Into<String>) -> CliError {
        CliError {
            message: message.into(),
            hint: None,
            code: EXIT_ERROR,
        }
    }

    pub fn usage(message: impl Into<String>) -> CliError {
        CliError {
            message: message.into(),
            hint: None,
            code: EXIT_USAGE,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> CliError {
        self.hint = Some(hint.into());
        self
    }
}

pub type CliResult<T = ()> = Result<T, CliError>;

impl From<RepoError> for CliError {
    fn from(e: RepoError) -> CliError {
        match e {
            RepoError::NotARepository => CliError {
                message: "not a git repository (or any of the parent directories)".into(),
                hint: Some(
                    "run git bug inside a git repository, or create one with \"git init\"".into(),
                ),
                code: EXIT_FATAL,
            },
            other => CliError {
                message: other.to_string(),
                hint: None,
                code: EXIT_FATAL,
            },
        }
    }
}

impl From<PrefixError> for CliError {
    fn from(e: PrefixError) -> CliError {
        let hint = match &e {
            PrefixError::NotFound { kind, .. } if kind == "bug" => "\"git bug ls\" lists the bugs",
            PrefixError::NotFound { kind, .. } if kind == "identity" => {
                "\"git bug user\" lists the identities"
            }
            PrefixError::NotFound { kind, .. } if kind == "file" => {
                "\"git bug file ls\" lists the attached files"
            }
            PrefixError::NotFound { .. } => {
                "\"git bug bug comment BUG_ID\" lists the comments of a bug"
            }
            PrefixError::Ambiguous { .. } => "type more characters of the id",
        };
        CliError::new(e.to_string()).with_hint(hint)
    }
}

impl From<BugError> for CliError {
    fn from(e: BugError) -> CliError {
        match e {
            BugError::Prefix(p) => p.into(),
            BugError::Repo(r) => r.into(),
            BugError::Entity(EntityError::Repo(r)) => r.into(),
            other => CliError::new(other.to_string()),
        }
    }
}

impl From<EntityError> for CliError {
    fn from(e: EntityError) -> CliError {
        BugError::from(e).into()
    }
}

impl From<IdentityError> for CliError {
    fn from(e: IdentityError) -> CliError {
        match e {
            IdentityError::Prefix(p) => p.into(),
            IdentityError::Repo(r) => r.into(),
            IdentityError::Unreadable(m) => CliError::new(m),
        }
    }
}

impl From<QueryError> for CliError {
    fn from(e: QueryError) -> CliError {
        CliError::usage(format!("invalid query: {e}"))
            .with_hint("see \"git bug help query\"; quote values with spaces: author:\"Jane Doe\"")
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> CliError {
        CliError {
            message: format!("I/O error: {e}"),
            hint: None,
            code: EXIT_FATAL,
        }
    }
}
