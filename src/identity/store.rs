//! Loads identities once per command and hands out shared copies.

use super::{Identity, REF_PREFIX, USER_IDENTITY_KEY, read};
use crate::entity::id::{PrefixError, check_id, resolve_prefix};
use crate::repo::Repo;
use git2::Oid;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

/// A lazily filled map of identity id to identity (or why it is unreadable).
pub struct IdentityStore<'r> {
    repo: &'r Repo,
    /// Heads that stand for `refs/identities/<id>`: identities arriving in
    /// a push, before git writes their refs.
    heads: HashMap<String, Oid>,
    loaded: RefCell<HashMap<String, Result<Arc<Identity>, String>>>,
}

impl<'r> IdentityStore<'r> {
    pub fn new(repo: &'r Repo) -> IdentityStore<'r> {
        Self::with_heads(repo, HashMap::new())
    }

    /// A store that reads the identities of `heads` (id to head) from
    /// there, and every other one from its ref.
    pub fn with_heads(repo: &'r Repo, heads: HashMap<String, Oid>) -> IdentityStore<'r> {
        IdentityStore {
            repo,
            heads,
            loaded: RefCell::new(HashMap::new()),
        }
    }

    /// The identity with this full id, read on first use.
    pub fn get(&self, id: &str) -> Result<Arc<Identity>, String> {
        if let Some(found) = self.loaded.borrow().get(id) {
            return found.clone();
        }
        let result = self.load(id);
        self.loaded
            .borrow_mut()
            .insert(id.to_string(), result.clone());
        result
    }

    fn load(&self, id: &str) -> Result<Arc<Identity>, String> {
        check_id(id)?;
        let name = format!("{REF_PREFIX}{id}");
        let head = match self.heads.get(id) {
            Some(head) => Ok(Some(*head)),
            None => self.repo.ref_target(&name),
        };
        match head {
            Ok(Some(head)) => read(self.repo, id, head)
                .map(Arc::new)
                .map_err(|e| e.to_string()),
            Ok(None) => Err(format!("identity {id} doesn't exist")),
            Err(e) => Err(e.to_string()),
        }
    }

    /// Ids of every local identity.
    pub fn ids(&self) -> Result<Vec<String>, crate::repo::RepoError> {
        Ok(self
            .repo
            .refs_with_prefix(REF_PREFIX)?
            .into_iter()
            .map(|(name, _)| name[REF_PREFIX.len()..].to_string())
            .collect())
    }

    /// The identity a prefix names.
    pub fn resolve(&self, prefix: &str) -> Result<Arc<Identity>, IdentityError> {
        let ids = self.ids()?;
        let id = resolve_prefix(prefix, ids.iter().map(String::as_str), "identity")?;
        self.get(&id).map_err(IdentityError::Unreadable)
    }

    /// The user's own identity (`git-bug.identity`), if one is set.
    pub fn user(&self) -> Result<Option<Arc<Identity>>, IdentityError> {
        let values = self.repo.config_get_all(USER_IDENTITY_KEY)?;
        let id = match values.as_slice() {
            [] => match self.repo.config_get(USER_IDENTITY_KEY)? {
                Some(id) => id,
                None => return Ok(None),
            },
            [one] => one.clone(),
            _ => {
                return Err(IdentityError::Unreadable(
                    "multiple user identities set in git-bug.identity".into(),
                ));
            }
        };
        let id = id.trim().to_string();
        if check_id(&id).is_err() {
            return Err(IdentityError::Unreadable(format!(
                "git-bug.identity is set to {id:?}, which is not an identity id; fix it with \"git bug user adopt\""
            )));
        }
        if self
            .repo
            .ref_target(&format!("{REF_PREFIX}{id}"))?
            .is_none()
        {
            return Err(IdentityError::Unreadable(format!(
                "your identity {} (git-bug.identity) doesn't exist in this repository; run \"git bug user adopt\" or \"git bug user new\"",
                crate::entity::id::human(&id)
            )));
        }
        self.get(&id).map(Some).map_err(IdentityError::Unreadable)
    }
}

/// Why an identity could not be found.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error(transparent)]
    Prefix(#[from] PrefixError),
    #[error("{0}")]
    Unreadable(String),
    #[error(transparent)]
    Repo(#[from] crate::repo::RepoError),
}
