//! The sync state of one remote, in git: `refs/bug-bridge/<remote>/state`
//! points to a commit whose tree holds a `cursor` blob and a `retry` blob
//! (tickets that failed to import, one id a line, tried again next time).
//! It moves only after the bugs it covers were written, so it never runs
//! ahead of them; an interrupted sync redoes at most the tickets after it,
//! and a redone import writes nothing new (operations are deterministic).

use super::{Namespace, Result};
use crate::repo::{Repo, TreeEntry};

/// Where the last sync stopped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct State {
    pub cursor: Option<String>,
    pub retry: Vec<String>,
}

/// The state stored for this remote (empty before the first sync).
pub fn read(repo: &Repo, ns: &Namespace) -> Result<State> {
    let mut state = State::default();
    let Some(head) = repo.ref_target(&ns.state())? else {
        return Ok(state);
    };
    let commit = repo.read_commit(head)?;
    for entry in repo.read_tree(commit.tree)? {
        if !entry.is_file() {
            continue;
        }
        let text = String::from_utf8_lossy(&repo.read_blob(entry.oid)?).into_owned();
        match entry.name.as_str() {
            "cursor" => state.cursor = Some(text.trim().to_string()),
            "retry" => {
                state.retry = text
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_string)
                    .collect()
            }
            _ => {}
        }
    }
    Ok(state)
}

/// The cursor stored for this remote, if a sync ever completed.
pub fn cursor(repo: &Repo, ns: &Namespace) -> Result<Option<String>> {
    Ok(read(repo, ns)?.cursor)
}

/// Records `state`, on top of the previous one (its history is the
/// remote's sync log).
pub fn write(repo: &Repo, ns: &Namespace, state: &State) -> Result<()> {
    let name = ns.state();
    let previous = repo.ref_target(&name)?;
    let mut entries = Vec::new();
    if let Some(cursor) = &state.cursor {
        entries.push(TreeEntry::file(
            "cursor",
            repo.write_blob(format!("{cursor}\n").as_bytes())?,
        ));
    }
    if !state.retry.is_empty() {
        let text: String = state.retry.iter().map(|t| format!("{t}\n")).collect();
        entries.push(TreeEntry::file("retry", repo.write_blob(text.as_bytes())?));
    }
    let tree = repo.write_tree(&entries)?;
    let parents: Vec<_> = previous.into_iter().collect();
    let commit = repo.write_entity_commit(tree, &parents)?;
    repo.update_ref(&name, commit, previous, "git-bug bridge: sync")
        .map_err(crate::entity::EntityError::from)?;
    Ok(())
}
