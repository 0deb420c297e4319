//! What a bug chain already says about the tracker: which operations it
//! holds, which foreign events they stand for (their `<kind>-url`, on the
//! operation itself or attached later by a set-metadata operation), and
//! the writing of new operations as packs on top of it.

use super::Result;
use crate::bug::{CREATE_CLOCK, EDIT_CLOCK, OpKind, Operation};
use crate::entity::EntityError;
use crate::entity::dag::read_ordered_packs;
use crate::entity::pack::{encode_pack, write_pack_commit};
use crate::repo::Repo;
use git2::Oid;
use std::collections::{HashMap, HashSet};

/// The operations of a chain, in order, each once.
#[derive(Debug, Default)]
pub struct Chain {
    pub ops: Vec<(String, Operation)>,
}

impl Chain {
    pub fn read(repo: &Repo, head: Option<Oid>) -> Result<Chain> {
        let mut chain = Chain::default();
        let Some(head) = head else {
            return Ok(chain);
        };
        let mut seen = HashSet::new();
        for pack in read_ordered_packs(repo, head)? {
            for raw in pack.ops {
                if seen.insert(raw.id.clone()) {
                    let op = Operation::decode(&raw.json).map_err(|e| {
                        EntityError::Invalid(format!("commit {}: {e}", pack.commit))
                    })?;
                    chain.ops.push((raw.id, op));
                }
            }
        }
        Ok(chain)
    }

    pub fn ids(&self) -> HashSet<String> {
        self.ops.iter().map(|(id, _)| id.clone()).collect()
    }

    /// Operation id to the foreign URL it stands for.
    pub fn urls(&self, key: &str) -> HashMap<String, String> {
        let mut out = HashMap::new();
        for (id, op) in &self.ops {
            if let Some(url) = op.metadata.get(key) {
                out.entry(id.clone()).or_insert_with(|| url.clone());
            }
            if let OpKind::SetMetadata {
                target,
                new_metadata,
            } = &op.kind
                && let Some(url) = new_metadata.get(key)
            {
                out.entry(target.clone()).or_insert_with(|| url.clone());
            }
        }
        out
    }

    /// The create operation, if the chain has one.
    pub fn create(&self) -> Option<&Operation> {
        self.ops
            .iter()
            .map(|(_, op)| op)
            .find(|op| matches!(op.kind, OpKind::Create { .. }))
    }
}

/// The latest commit of the chain at `head` up to which every operation is
/// on the tracker (carries `key`, or is the record that attaches it): the
/// part of a bug known from a peer that a tracker's chain may grow from
/// without claiming local operations not sent yet.
pub fn tracker_prefix(repo: &Repo, head: Oid, key: &str) -> Result<Option<Oid>> {
    let packs = read_ordered_packs(repo, head)?;
    let mut decoded = Vec::with_capacity(packs.len());
    let mut on_tracker: HashSet<String> = HashSet::new();
    for pack in &packs {
        let mut ops = Vec::with_capacity(pack.ops.len());
        for raw in &pack.ops {
            let op = Operation::decode(&raw.json)
                .map_err(|e| EntityError::Invalid(format!("commit {}: {e}", pack.commit)))?;
            if op.metadata.contains_key(key) {
                on_tracker.insert(raw.id.clone());
            }
            if let OpKind::SetMetadata {
                target,
                new_metadata,
            } = &op.kind
                && new_metadata.contains_key(key)
            {
                on_tracker.insert(target.clone());
                on_tracker.insert(raw.id.clone());
            }
            ops.push(raw.id.clone());
        }
        decoded.push((pack.commit, ops));
    }
    let mut prefix = None;
    for (commit, ops) in decoded {
        if !ops.iter().all(|id| on_tracker.contains(id)) {
            break;
        }
        prefix = Some(commit);
    }
    Ok(prefix)
}

/// Writes `packs` (author id, operations) as commits on top of `parent`;
/// without a parent the first pack must start with the create operation.
/// Returns the new head.
pub fn write_packs(
    repo: &Repo,
    parent: Option<Oid>,
    packs: &[(String, Vec<Operation>)],
) -> Result<Option<Oid>> {
    let clocks = crate::bug::ensure_clocks(repo)?;
    let mut head = parent;
    for (author, ops) in packs {
        let encoded: Vec<Vec<u8>> = ops.iter().map(|op| op.encode().0).collect();
        let blob = encode_pack(author, Some(&encoded));
        let edit = clocks.increment(EDIT_CLOCK).map_err(EntityError::from)?;
        let create = match head {
            None => Some(clocks.increment(CREATE_CLOCK).map_err(EntityError::from)?),
            Some(_) => None,
        };
        let parents: Vec<Oid> = head.into_iter().collect();
        head = Some(write_pack_commit(repo, &parents, &blob, create, edit)?);
    }
    Ok(head)
}
