//! Full validation of a bug before it is accepted from elsewhere (format
//! spec §6.8): every operation decodes and passes git-bug's rules, the bug
//! starts with its one create operation, no operation appears twice along
//! one line of history, and every author is a known identity. The same
//! operation on two merged branches is accepted (readers apply it once):
//! joining a history with a rebased copy of some of its packs does that.
//! Remote data must also stay within the caps of [`crate::limits`] and
//! leave its clocks room to grow.

use super::operation::{OpKind, Operation};
use super::snapshot::LabelSet;
use crate::entity::dag::read_ordered_packs_within;
use crate::entity::id::is_valid_id;
use crate::entity::pack::Pack;
use crate::identity::IdentityStore;
use crate::limits::{MAX_COMMITS_PER_BUG, MAX_OPS_PER_BUG, MAX_REMOTE_CLOCK, MAX_REPEATED_OPS};
use crate::repo::Repo;
use git2::Oid;
use std::collections::{HashMap, HashSet};

/// Why a bug was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// Cannot be judged yet: this author identity has not arrived.
    MissingAuthor(String),
    /// Cannot be judged yet: part of its history has not been fetched
    /// (a shallow clone); judged again once it arrives.
    Incomplete(String),
    /// Never acceptable as it is.
    Invalid(String),
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rejection::MissingAuthor(id) => {
                write!(
                    f,
                    "author identity {} has not arrived yet",
                    crate::entity::id::human(id)
                )
            }
            Rejection::Incomplete(why) | Rejection::Invalid(why) => f.write_str(why),
        }
    }
}

/// A bug that passed validation: its packs in applied order.
pub struct ValidBug {
    pub packs: Vec<Pack>,
}

impl ValidBug {
    /// The ids of every operation.
    pub fn op_ids(&self) -> HashSet<&str> {
        self.packs
            .iter()
            .flat_map(|p| p.ops.iter().map(|o| o.id.as_str()))
            .collect()
    }
}

/// Validates the bug `id` whose history ends at `head`.
pub fn validate(
    repo: &Repo,
    identities: &IdentityStore,
    id: &str,
    head: Oid,
) -> Result<ValidBug, Rejection> {
    let invalid = |why: String| Rejection::Invalid(why);
    if !is_valid_id(id) {
        return Err(invalid(format!("invalid bug id {id:?}")));
    }
    if let Ok(Some(cut)) = repo.shallow_boundary(head) {
        return Err(Rejection::Incomplete(format!(
            "history cut at commit {cut} by a shallow fetch; \"git fetch --unshallow\" brings the rest"
        )));
    }
    let packs = read_ordered_packs_within(repo, head, MAX_COMMITS_PER_BUG).map_err(|e| {
        if e.is_missing_object() {
            Rejection::Incomplete(format!("history incomplete ({e}); fetch the rest of it"))
        } else {
            invalid(e.to_string())
        }
    })?;
    check_caps(&packs).map_err(invalid)?;
    let mut seen: HashMap<&str, Oid> = HashMap::new();
    let mut labels = LabelSet::default();
    let mut repeated = 0;
    let mut along_one_line: HashMap<(Oid, Oid), bool> = HashMap::new();
    let mut first = true;
    for pack in &packs {
        if pack.ops.is_empty() && pack.parents.len() < 2 {
            return Err(invalid(format!("commit {} has no operation", pack.commit)));
        }
        if !pack.ops.is_empty() {
            match identities.get(&pack.author) {
                Ok(author) if author.has_keys() => {
                    return Err(invalid(format!(
                        "author {} signs with OpenPGP keys, which this version cannot verify",
                        author.display_name()
                    )));
                }
                Ok(_) => {}
                Err(_) if is_valid_id(&pack.author) => {
                    return Err(Rejection::MissingAuthor(pack.author.clone()));
                }
                Err(e) => return Err(invalid(format!("commit {}: {e}", pack.commit))),
            }
        }
        let mut in_pack = HashSet::new();
        for raw in &pack.ops {
            let op = Operation::decode(&raw.json)
                .map_err(|e| invalid(format!("commit {}: {e}", pack.commit)))?;
            op.validate()
                .map_err(|e| invalid(format!("commit {}: {e}", pack.commit)))?;
            if !in_pack.insert(raw.id.as_str()) {
                return Err(invalid(format!(
                    "operation {} appears twice in one commit",
                    crate::entity::id::human(&raw.id)
                )));
            }
            if let Some(&earlier) = seen.get(raw.id.as_str()) {
                // Two merged histories may both hold an operation (one has a
                // rebased copy); it then counts once. Along one line of
                // history, a repeated operation is a replay. Each answer
                // walks history, hence the cap and the memo.
                repeated += 1;
                if repeated > MAX_REPEATED_OPS {
                    return Err(invalid(format!(
                        "more than {MAX_REPEATED_OPS} operations stored twice (the cap per bug)"
                    )));
                }
                let replay = *along_one_line
                    .entry((earlier, pack.commit))
                    .or_insert_with(|| repo.is_ancestor(earlier, pack.commit).unwrap_or(true));
                if replay {
                    return Err(invalid(format!(
                        "operation {} appears twice",
                        crate::entity::id::human(&raw.id)
                    )));
                }
                continue;
            }
            seen.insert(raw.id.as_str(), pack.commit);
            labels.apply_within_cap(&op.kind).map_err(invalid)?;
            let is_create = matches!(op.kind, OpKind::Create { .. });
            if first && (!is_create || raw.id != id) {
                return Err(invalid("the first operation does not create this bug (its id does not match the ref name)".into()));
            }
            if !first && is_create {
                return Err(invalid("a second create operation".into()));
            }
            first = false;
        }
    }
    if first {
        return Err(invalid("bug has no operation".into()));
    }
    Ok(ValidBug { packs })
}

/// The caps on the history as a whole: clock values and operation count.
fn check_caps(packs: &[Pack]) -> Result<(), String> {
    for pack in packs {
        if pack.create_clock.max(pack.edit_clock) > MAX_REMOTE_CLOCK {
            return Err(format!(
                "commit {}: lamport clock above {MAX_REMOTE_CLOCK} (the cap on remote clocks, \
                 which leaves room for local writes)",
                pack.commit
            ));
        }
    }
    let ops: usize = packs.iter().map(|p| p.ops.len()).sum();
    if ops > MAX_OPS_PER_BUG {
        return Err(format!(
            "bug has {ops} operations, more than {MAX_OPS_PER_BUG} (the cap per bug)"
        ));
    }
    Ok(())
}
