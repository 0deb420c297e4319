//! The cursor of one remote, in git: `refs/bug-bridge/<remote>/state`
//! points to a commit whose tree holds a `cursor` blob. It moves only
//! after the bugs it covers were written, so it never runs ahead of them;
//! an interrupted sync redoes at most the tickets after it, and a redone
//! import writes nothing new (operations are deterministic).

use super::{Namespace, Result};
use crate::repo::{Repo, TreeEntry};

/// The cursor stored for this remote, if a sync ever completed.
pub fn cursor(repo: &Repo, ns: &Namespace) -> Result<Option<String>> {
    let Some(head) = repo.ref_target(&ns.state())? else {
        return Ok(None);
    };
    let commit = repo.read_commit(head)?;
    for entry in repo.read_tree(commit.tree)? {
        if entry.name == "cursor" && entry.is_file() {
            let text = String::from_utf8_lossy(&repo.read_blob(entry.oid)?).into_owned();
            return Ok(Some(text.trim().to_string()));
        }
    }
    Ok(None)
}

/// Records `cursor`, on top of the previous state (its history is the
/// remote's sync log).
pub fn set_cursor(repo: &Repo, ns: &Namespace, cursor: &str) -> Result<()> {
    let name = ns.state();
    let previous = repo.ref_target(&name)?;
    let blob = repo.write_blob(format!("{cursor}\n").as_bytes())?;
    let tree = repo.write_tree(&[TreeEntry::file("cursor", blob)])?;
    let parents: Vec<_> = previous.into_iter().collect();
    let commit = repo.write_entity_commit(tree, &parents)?;
    repo.update_ref(&name, commit, previous, "git-bug bridge: sync")
        .map_err(crate::entity::EntityError::from)?;
    Ok(())
}
