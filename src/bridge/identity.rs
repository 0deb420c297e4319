//! Identities of tracker users. One per (tracker base, login), made only
//! of those two: every machine that imports the same user writes the same
//! identity, byte for byte, commit included, so clones never disagree on
//! who wrote an imported operation.

use super::{Namespace, Result, derived_nonce};
use crate::entity::id::hash_id;
use crate::identity::{FORMAT_VERSION, Version};
use crate::repo::{Repo, TreeEntry};
use std::collections::BTreeMap;

/// A fixed, non-zero time: the identity must not depend on when it was made.
const IMPORTED_TIME: i64 = 1;

/// The first (and only) version of the identity of `login` on `base`.
pub fn version(kind: &str, base: &str, login: &str) -> Version {
    let login = if login.is_empty() { "unknown" } else { login };
    Version {
        version: FORMAT_VERSION,
        times: BTreeMap::new(),
        unix_time: IMPORTED_TIME,
        name: login.to_string(),
        login: login.to_string(),
        nonce: derived_nonce("identity", &format!("{base}\0{login}")),
        metadata: Some(BTreeMap::from([
            (super::ORIGIN_KEY.to_string(), kind.to_string()),
            (format!("{kind}-login"), login.to_string()),
            (format!("{kind}-url"), base.to_string()),
        ])),
        ..Version::default()
    }
}

/// The id of that identity, writing it under the remote's private
/// identities when it is not there yet (nor already a local identity).
pub fn ensure(repo: &Repo, ns: &Namespace, kind: &str, base: &str, login: &str) -> Result<String> {
    let blob = version(kind, base, login).to_json().to_compact();
    let id = hash_id(&blob);
    let private = format!("{}{id}", ns.identities());
    if repo.ref_target(&private)?.is_some() {
        return Ok(id);
    }
    let blob_oid = repo.write_blob(&blob)?;
    let tree = repo.write_tree(&[TreeEntry::file("version", blob_oid)])?;
    let commit = repo.write_entity_commit_at(tree, &[], IMPORTED_TIME)?;
    // A concurrent sync writing the same identity writes the same commit.
    match repo.update_ref(&private, commit, None, "git-bug bridge: imported identity") {
        Ok(()) | Err(crate::repo::RefUpdateError::Moved(_)) => Ok(id),
        Err(e) => Err(crate::entity::EntityError::from(e).into()),
    }
}
