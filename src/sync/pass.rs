//! The merge pass over remote-tracking refs: every `refs/remotes/<remote>/
//! bugs/<id>` and `…/identities/<id>` that moved since it was last merged
//! is merged into the local entity, identities first (bugs need their
//! authors). Hooks run it after `git fetch`; every command runs it first,
//! so a fetch made without hooks is merged all the same.

use super::merge::{Outcome, merge_bug, merge_identity};
use crate::entity::EntityError;
use crate::entity::id::is_valid_id;
use crate::identity::IdentityStore;
use crate::repo::{Repo, RepoError};
use git2::Oid;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

/// Which kind of entity a tracking ref holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Identity,
    Bug,
}

/// A remote-tracking ref of a bug or an identity.
#[derive(Debug, Clone)]
pub struct TrackingRef {
    pub name: String,
    pub remote: String,
    pub kind: Kind,
    pub id: String,
    pub head: Oid,
}

/// Splits `refs/remotes/<remote>/<bugs|identities>/<id>`; remote names may
/// contain slashes.
pub fn parse_tracking_ref(name: &str, head: Oid) -> Option<TrackingRef> {
    let rest = name.strip_prefix("refs/remotes/")?;
    let (before, id) = rest.rsplit_once('/')?;
    let (remote, namespace) = before.rsplit_once('/')?;
    let kind = match namespace {
        "bugs" => Kind::Bug,
        "identities" => Kind::Identity,
        _ => return None,
    };
    Some(TrackingRef {
        name: name.to_string(),
        remote: remote.to_string(),
        kind,
        id: id.to_string(),
        head,
    })
}

/// Every bug and identity tracking ref.
pub fn tracking_refs(repo: &Repo) -> Result<Vec<TrackingRef>, RepoError> {
    Ok(repo
        .refs_with_prefix("refs/remotes/")?
        .into_iter()
        .filter_map(|(name, head)| parse_tracking_ref(&name, head))
        .collect())
}

/// One merged entity.
#[derive(Debug, Clone)]
pub struct Entry {
    pub tracking: TrackingRef,
    pub outcome: Outcome,
}

/// What a merge pass did.
#[derive(Debug, Default)]
pub struct Report {
    pub entries: Vec<Entry>,
    /// Entities that could not be merged because of a local problem.
    pub errors: Vec<(TrackingRef, String)>,
}

impl Report {
    /// One line per remote, e.g. `origin: 2 new, 3 updated, 1 merged`, for
    /// the remotes where something happened.
    pub fn summary_lines(&self) -> Vec<String> {
        self.summary(true)
    }

    /// The summary without the pending entities: in a hook, a bug waiting
    /// for its author is usually merged by a later ref update of the same fetch.
    pub fn summary_lines_settled(&self) -> Vec<String> {
        self.summary(false)
    }

    fn summary(&self, with_pending: bool) -> Vec<String> {
        let mut per_remote: BTreeMap<&str, [usize; 5]> = BTreeMap::new();
        for e in &self.entries {
            let slot = match (&e.outcome, e.tracking.kind) {
                (Outcome::New, Kind::Bug) => 0,
                (Outcome::Updated, Kind::Bug) => 1,
                (Outcome::Rebased | Outcome::Merged, _) => 2,
                (Outcome::Pending(_), _) if with_pending => 3,
                (Outcome::Invalid(_) | Outcome::Diverged, _) => 4,
                _ => continue,
            };
            per_remote.entry(e.tracking.remote.as_str()).or_default()[slot] += 1;
        }
        per_remote
            .into_iter()
            .map(|(remote, counts)| {
                let names = ["new", "updated", "merged", "pending", "refused"];
                let parts: Vec<String> = counts
                    .iter()
                    .zip(names)
                    .filter(|(n, _)| **n > 0)
                    .map(|(n, name)| format!("{n} {name}"))
                    .collect();
                format!("{remote}: {}", parts.join(", "))
            })
            .collect()
    }

    /// Warnings for what was refused or left pending, one line each.
    pub fn warning_lines(&self) -> Vec<String> {
        self.warnings(true)
    }

    /// Warnings for what was refused, one line each.
    pub fn warning_lines_settled(&self) -> Vec<String> {
        self.warnings(false)
    }

    fn warnings(&self, with_pending: bool) -> Vec<String> {
        let mut lines = Vec::new();
        for e in &self.entries {
            let what = match e.tracking.kind {
                Kind::Bug => "bug",
                Kind::Identity => "identity",
            };
            let id = crate::entity::id::human(&e.tracking.id);
            let remote = &e.tracking.remote;
            match &e.outcome {
                Outcome::Invalid(why) => {
                    lines.push(format!("{remote}: {what} {id} refused: {why}"))
                }
                Outcome::Pending(why) if with_pending => {
                    lines.push(format!("{remote}: {what} {id} not merged yet: {why}"))
                }
                Outcome::Diverged => lines.push(format!(
                    "{remote}: identity {id} has diverged from the local one; the local one is kept"
                )),
                _ => {}
            }
        }
        for (t, why) in &self.errors {
            lines.push(format!(
                "{}: {} could not be merged: {why}",
                t.remote,
                crate::entity::id::human(&t.id)
            ));
        }
        lines
    }

    pub fn changed_anything(&self) -> bool {
        self.entries.iter().any(|e| {
            matches!(
                e.outcome,
                Outcome::New | Outcome::Updated | Outcome::Rebased | Outcome::Merged
            )
        })
    }
}

/// The tracking-ref values merged so far, kept in `<state>/sync/merged`.
struct MergedState {
    path: PathBuf,
    heads: HashMap<String, Oid>,
}

impl MergedState {
    fn load(repo: &Repo) -> MergedState {
        let path = repo.state_dir().join("sync").join("merged");
        let heads = std::fs::read_to_string(&path)
            .unwrap_or_default()
            .lines()
            .filter_map(|line| {
                let (oid, name) = line.split_once(' ')?;
                Some((name.to_string(), Oid::from_str(oid).ok()?))
            })
            .collect();
        MergedState { path, heads }
    }

    fn save(&self) -> std::io::Result<()> {
        let dir = self.path.parent().unwrap_or(&self.path);
        std::fs::create_dir_all(dir)?;
        let mut lines: Vec<String> = self
            .heads
            .iter()
            .map(|(name, oid)| format!("{oid} {name}\n"))
            .collect();
        lines.sort();
        let tmp = dir.join(format!(".merged.{}.tmp", std::process::id()));
        std::fs::write(&tmp, lines.concat())?;
        std::fs::rename(&tmp, &self.path)
    }
}

/// Tracking refs that moved since they were last merged, optionally only
/// among `only` (ref names).
pub fn pending_refs(
    repo: &Repo,
    only: Option<&HashSet<String>>,
) -> Result<Vec<TrackingRef>, RepoError> {
    let state = MergedState::load(repo);
    Ok(tracking_refs(repo)?
        .into_iter()
        .filter(|t| only.is_none_or(|o| o.contains(&t.name)))
        .filter(|t| state.heads.get(&t.name) != Some(&t.head))
        .collect())
}

/// Merges every tracking ref that moved since the last pass (or only those
/// named in `only`). Cheap when nothing moved: one ref listing, no lock.
pub fn merge_tracking_refs(
    repo: &Repo,
    only: Option<&HashSet<String>>,
) -> Result<Report, RepoError> {
    let mut report = Report::default();
    if pending_refs(repo, only)?.is_empty() {
        return Ok(report);
    }
    let _lock = repo.lock_for_write()?;
    // Re-read under the lock: another process may have merged meanwhile.
    let mut todo = pending_refs(repo, only)?;
    if todo.is_empty() {
        return Ok(report);
    }
    todo.sort_by(|a, b| (a.kind, &a.id, &a.remote).cmp(&(b.kind, &b.id, &b.remote)));
    let all_tracking = tracking_refs(repo)?;
    let mut state = MergedState::load(repo);

    let mut identities = IdentityStore::new(repo);
    let mut store_refreshed = false;
    for tracking in todo {
        if tracking.kind == Kind::Bug && !store_refreshed {
            // Identities merged just now must be visible to the bugs' checks.
            identities = IdentityStore::new(repo);
            store_refreshed = true;
        }
        let result = if !is_valid_id(&tracking.id) {
            Ok(Outcome::Invalid(format!(
                "{:?} is not an entity id",
                tracking.id
            )))
        } else {
            match tracking.kind {
                Kind::Identity => merge_identity(repo, &tracking.id, tracking.head),
                Kind::Bug => {
                    let others: Vec<Oid> = all_tracking
                        .iter()
                        .filter(|t| {
                            t.kind == Kind::Bug && t.id == tracking.id && t.name != tracking.name
                        })
                        .map(|t| t.head)
                        .collect();
                    let me = identities.user().ok().flatten();
                    merge_bug(
                        repo,
                        &identities,
                        me.as_deref(),
                        &tracking.id,
                        tracking.head,
                        &others,
                    )
                }
            }
        };
        match result {
            Ok(outcome) => {
                // Pending entities are tried again on the next pass.
                if !matches!(outcome, Outcome::Pending(_)) {
                    state.heads.insert(tracking.name.clone(), tracking.head);
                }
                report.entries.push(Entry { tracking, outcome });
            }
            Err(EntityError::Repo(e)) => return Err(e),
            Err(e) => report.errors.push((tracking, e.to_string())),
        }
    }
    state.save().map_err(crate::repo::io_err(
        "saving the merge state in git-bug/sync/merged",
    ))?;
    if report.changed_anything() {
        repo.invalidate_go_cache();
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_tracking_refs() {
        let t = parse_tracking_ref("refs/remotes/up/stream/bugs/abc", Oid::ZERO_SHA1).unwrap();
        assert_eq!(
            (t.remote.as_str(), t.kind, t.id.as_str()),
            ("up/stream", Kind::Bug, "abc")
        );
        assert!(parse_tracking_ref("refs/remotes/origin/main", Oid::ZERO_SHA1).is_none());
        assert!(parse_tracking_ref("refs/heads/bugs/x", Oid::ZERO_SHA1).is_none());
    }
}
