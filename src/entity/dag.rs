//! Reading an entity's commit DAG into an ordered list of packs, checking the
//! invariants git-bug relies on (format spec §4.4, §5.1, §5.2).

use super::EntityError;
use super::clock::MAX_CLOCK;
use super::pack::{Pack, read_pack};
use crate::limits::{MAX_CLOCK_JUMP, MAX_PARENTS, READ_MAX_COMMITS};
use crate::repo::Repo;
use git2::Oid;
use std::collections::{HashMap, HashSet};

/// Reads every pack reachable from `head`, validated and sorted by
/// (edit clock, pack id): the order in which their operations apply.
pub fn read_ordered_packs(repo: &Repo, head: Oid) -> Result<Vec<Pack>, EntityError> {
    read_ordered_packs_within(repo, head, READ_MAX_COMMITS)
}

/// Like [`read_ordered_packs`], giving up as soon as the history holds
/// more than `max_commits` commits: the cost is bounded by the cap, not by
/// what a remote sent.
pub fn read_ordered_packs_within(
    repo: &Repo,
    head: Oid,
    max_commits: usize,
) -> Result<Vec<Pack>, EntityError> {
    let mut packs: HashMap<Oid, Pack> = HashMap::new();
    let mut todo = vec![head];
    let mut seen = HashSet::from([head]);
    while let Some(commit) = todo.pop() {
        let pack = read_pack(repo, commit)?;
        if pack.parents.len() > MAX_PARENTS {
            return Err(EntityError::corrupt(
                commit,
                format!("more than {MAX_PARENTS} parents (the cap per commit)"),
            ));
        }
        for parent in &pack.parents {
            if seen.insert(*parent) {
                if seen.len() > max_commits {
                    return Err(EntityError::Invalid(format!(
                        "history has more than {max_commits} commits (the cap on one history)"
                    )));
                }
                todo.push(*parent);
            }
        }
        packs.insert(commit, pack);
    }

    check_invariants(&packs)?;
    let mut ordered: Vec<Pack> = packs.into_values().collect();
    ordered.sort_by(|a, b| {
        a.edit_clock
            .cmp(&b.edit_clock)
            .then_with(|| a.id.cmp(&b.id))
    });
    Ok(ordered)
}

fn check_invariants(packs: &HashMap<Oid, Pack>) -> Result<(), EntityError> {
    let roots = packs.values().filter(|p| p.parents.is_empty()).count();
    if roots != 1 {
        return Err(EntityError::Invalid(
            "multiple leafs in the entity DAG".into(),
        ));
    }
    for pack in packs.values() {
        if pack.parents.is_empty() && pack.create_clock == 0 {
            return Err(EntityError::corrupt(
                pack.commit,
                "creation lamport time not set",
            ));
        }
        if pack.edit_clock == 0 {
            return Err(EntityError::corrupt(
                pack.commit,
                "lamport edit time is zero",
            ));
        }
        if !pack.parents.is_empty() && pack.create_clock != 0 {
            return Err(EntityError::corrupt(
                pack.commit,
                "creation lamport time set on a commit that is not the root",
            ));
        }
        if pack.edit_clock > MAX_CLOCK || pack.create_clock > MAX_CLOCK {
            return Err(EntityError::corrupt(
                pack.commit,
                format!("lamport clock value is out of range (above {MAX_CLOCK})"),
            ));
        }
        if pack.parents.len() > 1 && !pack.ops.is_empty() {
            return Err(EntityError::corrupt(
                pack.commit,
                "merge commit cannot have operations",
            ));
        }
        let mut latest_parent = 0;
        for parent in &pack.parents {
            let parent_clock = packs[parent].edit_clock;
            if parent_clock >= pack.edit_clock {
                return Err(EntityError::corrupt(
                    pack.commit,
                    "lamport clock ordering doesn't match the DAG",
                ));
            }
            latest_parent = latest_parent.max(parent_clock);
        }
        // Measured from the latest parent, so a merge of a branch far
        // behind is fine, but a merge commit is no way around the check.
        if !pack.parents.is_empty() && pack.edit_clock - latest_parent > MAX_CLOCK_JUMP {
            return Err(EntityError::corrupt(
                pack.commit,
                format!(
                    "lamport clock jumping too far in the future (more than {MAX_CLOCK_JUMP} \
                     after its latest parent), likely an attack"
                ),
            ));
        }
    }
    Ok(())
}
