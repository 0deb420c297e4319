//! What every command starts from: the repository, the user's identity,
//! the selected bug, and the rules for turning arguments into bugs.

use super::error::{CliError, CliResult};
use crate::bug::{self, Bug, BugRef, SeenClocks};
use crate::entity::id::PrefixError;
use crate::identity::{self, Identity, IdentityStore, NewIdentity, USER_IDENTITY_KEY};
use crate::repo::{Repo, WriteLock};
use std::sync::Arc;

fn no_identity() -> CliError {
    CliError::new("no identity is set for git-bug in this repository").with_hint(
        "create one with \"git bug user new\" or adopt one with \"git bug user adopt USER_ID\"",
    )
}

/// An open repository with its identities.
pub struct Ctx<'r> {
    pub repo: &'r Repo,
    pub identities: IdentityStore<'r>,
}

impl<'r> Ctx<'r> {
    pub fn new(repo: &'r Repo) -> Ctx<'r> {
        Ctx {
            repo,
            identities: IdentityStore::new(repo),
        }
    }

    /// Takes the write lock; the caller writes while holding it.
    pub fn lock(&self) -> CliResult<WriteLock> {
        Ok(self.repo.lock_for_write()?)
    }

    /// Called after a successful write.
    pub fn wrote(&self) {
        self.repo.invalidate_go_cache();
    }

    /// Fails early, before any editing, when [`Ctx::user_for_write`] could
    /// not find or make an identity; creates nothing.
    pub fn check_writer(&self) -> CliResult {
        if self.identities.user()?.is_some() || self.git_user()?.is_some() {
            return Ok(());
        }
        Err(no_identity())
    }

    /// `user.name` and `user.email` (or `GIT_AUTHOR_NAME`/`EMAIL`), when both are set.
    fn git_user(&self) -> CliResult<Option<(String, String)>> {
        let env = |key: &str| std::env::var(key).ok().filter(|v| !v.trim().is_empty());
        let name = env("GIT_AUTHOR_NAME")
            .or(self.repo.config_get("user.name")?)
            .filter(|n| !n.trim().is_empty());
        let email = env("GIT_AUTHOR_EMAIL")
            .or(self.repo.config_get("user.email")?)
            .filter(|e| !e.trim().is_empty());
        Ok(name.zip(email))
    }

    /// The user's identity for writing. When none is set, adopt the one
    /// identity with the git user's email, or create one from `user.name`
    /// and `user.email`, and say so on stderr.
    pub fn user_for_write(&self) -> CliResult<Arc<Identity>> {
        if let Some(me) = self.identities.user()? {
            return Ok(me);
        }
        let Some((name, email)) = self.git_user()? else {
            return Err(no_identity());
        };
        // Commands started together in a repository without an identity
        // must agree on one: the first creates it under the lock, the
        // others find it set once they get the lock.
        let _lock = self.lock()?;
        self.repo.reload_config();
        if let Some(me) = self.identities.user()? {
            return Ok(me);
        }

        let mut same_email = Vec::new();
        for id in self.identities.ids()? {
            if let Ok(known) = self.identities.get(&id)
                && known.email().eq_ignore_ascii_case(email.trim())
            {
                same_email.push(known);
            }
        }
        let me = if same_email.len() == 1 {
            let me = same_email.remove(0);
            eprintln!(
                "Adopted identity {} {} <{}> (same email as your git config)",
                me.human_id(),
                me.display_name(),
                me.email()
            );
            me
        } else {
            let created = identity::create(
                self.repo,
                &NewIdentity {
                    name,
                    email,
                    avatar_url: String::new(),
                },
            )
            .map_err(|e| CliError::new(format!("creating your identity: {e}")))?;
            eprintln!(
                "Created identity {} {} <{}> from your git config (user.name, user.email)",
                created.human_id(),
                created.display_name(),
                created.email()
            );
            Arc::new(created)
        };
        self.repo.config_set_local(USER_IDENTITY_KEY, &me.id)?;
        Ok(me)
    }

    /// Reads a bug by id prefix.
    pub fn bug(&self, prefix: &str) -> CliResult<Bug> {
        Ok(bug::read_by_prefix(self.repo, &self.identities, prefix)?)
    }

    /// The bug a command acts on: the one named, or else the selected one.
    pub fn bug_or_selected(&self, arg: Option<&str>) -> CliResult<Bug> {
        match arg {
            Some(prefix) => self.bug(prefix),
            None => self.selected_bug(),
        }
    }

    /// For commands whose first argument may be a bug id or something else
    /// (`bug label new [BUG_ID] LABEL...`): uses and removes the first
    /// argument when it names a bug, else falls back on the selection.
    pub fn bug_from_args(&self, args: &mut Vec<String>) -> CliResult<Bug> {
        if let Some(first) = args.first() {
            match bug::resolve(self.repo, first) {
                Ok(found) => {
                    args.remove(0);
                    return self.read(&found);
                }
                Err(bug::BugError::Prefix(PrefixError::NotFound { .. })) => {}
                Err(e) => return Err(e.into()),
            }
        }
        self.selected_bug()
    }

    fn read(&self, found: &BugRef) -> CliResult<Bug> {
        let mut seen = SeenClocks::default();
        let bug = bug::read(self.repo, &self.identities, found, &mut seen)?;
        seen.witness(self.repo);
        Ok(bug)
    }

    fn selection_path(&self) -> std::path::PathBuf {
        self.repo.state_dir().join("select").join("bugs")
    }

    /// The bug chosen with `git bug bug select`.
    pub fn selected_bug(&self) -> CliResult<Bug> {
        let none = || {
            CliError::new("no bug given and none selected")
                .with_hint("give a bug id, or select one with \"git bug bug select BUG_ID\"")
        };
        let path = self.selection_path();
        let Ok(id) = std::fs::read_to_string(&path) else {
            return Err(none());
        };
        let id = id.trim();
        match bug::resolve(self.repo, id) {
            Ok(found) if found.id == id => self.read(&found),
            _ => {
                // The selected bug is gone (removed, or a stale file): forget it.
                let _ = std::fs::remove_file(&path);
                Err(none())
            }
        }
    }

    pub fn select(&self, id: &str) -> CliResult {
        let path = self.selection_path();
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, id)?;
        Ok(())
    }

    pub fn deselect(&self) -> CliResult {
        match std::fs::remove_file(self.selection_path()) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
    }
}
