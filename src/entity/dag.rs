//! Reading an entity's commit DAG into an ordered list of packs, checking the
//! invariants git-bug relies on (format spec §4.4, §5.1, §5.2).

use super::EntityError;
use super::clock::MAX_CLOCK;
use super::pack::{Pack, read_pack};
use crate::repo::Repo;
use git2::Oid;
use std::collections::{HashMap, HashSet};

/// A step larger than this along a single-parent edge is refused as an attack.
const MAX_CLOCK_JUMP: u64 = 1_000_000;
/// Bound on the commits of one entity, so hostile data cannot exhaust memory.
const MAX_COMMITS: usize = 1_000_000;
/// Bound on the parents of one commit.
const MAX_PARENTS: usize = 16;

/// Reads every pack reachable from `head`, validated and sorted by
/// (edit clock, pack id): the order in which their operations apply.
pub fn read_ordered_packs(repo: &Repo, head: Oid) -> Result<Vec<Pack>, EntityError> {
    let mut packs: HashMap<Oid, Pack> = HashMap::new();
    let mut todo = vec![head];
    let mut seen = HashSet::from([head]);
    while let Some(commit) = todo.pop() {
        let pack = read_pack(repo, commit)?;
        if pack.parents.len() > MAX_PARENTS {
            return Err(EntityError::corrupt(commit, "too many parents"));
        }
        for parent in &pack.parents {
            if seen.insert(*parent) {
                if seen.len() > MAX_COMMITS {
                    return Err(EntityError::Invalid("entity has too many commits".into()));
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
        if pack.edit_clock > MAX_CLOCK || pack.create_clock > MAX_CLOCK {
            return Err(EntityError::corrupt(
                pack.commit,
                "lamport clock value is out of range",
            ));
        }
        if pack.parents.len() > 1 && !pack.ops.is_empty() {
            return Err(EntityError::corrupt(
                pack.commit,
                "merge commit cannot have operations",
            ));
        }
        for parent in &pack.parents {
            let parent_clock = packs[parent].edit_clock;
            if parent_clock >= pack.edit_clock {
                return Err(EntityError::corrupt(
                    pack.commit,
                    "lamport clock ordering doesn't match the DAG",
                ));
            }
            if pack.parents.len() == 1 && pack.edit_clock - parent_clock > MAX_CLOCK_JUMP {
                return Err(EntityError::corrupt(
                    pack.commit,
                    "lamport clock jumping too far in the future, likely an attack",
                ));
            }
        }
    }
    Ok(())
}
