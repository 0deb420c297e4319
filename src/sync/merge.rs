//! Merging one fetched entity into the local one (DESIGN.md, "Merging
//! divergent chains"): take what is new, keep what is ours, rebase what was
//! never published, join with a merge commit what was. Remote data is fully
//! validated before anything local changes, and every ref move is a
//! compare-and-swap, redone when the local ref moved meanwhile.

use crate::bug::validate::{Rejection, validate};
use crate::bug::{CREATE_CLOCK, EDIT_CLOCK};
use crate::entity::EntityError;
use crate::entity::dag::read_ordered_packs;
use crate::entity::pack::{encode_pack, write_join_commit, write_pack_commit};
use crate::identity::{self, IdentityStore};
use crate::repo::{RefUpdateError, Repo};
use git2::Oid;
use std::collections::HashSet;

/// What merging one remote entity did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The entity was not known locally and now is.
    New,
    /// The local ref moved forward to the remote's history.
    Updated,
    /// Local operations that were never published were replayed on top of the remote's.
    Rebased,
    /// Both histories were published: a merge commit joins them.
    Merged,
    /// Nothing new on the remote side.
    UpToDate,
    /// Cannot be merged until this author identity arrives.
    WaitingFor(String),
    /// Cannot be judged yet: part of its history has not been fetched (a
    /// shallow clone). Judged again when the shallow boundary moves.
    Incomplete(String),
    /// The remote data is refused; the local entity is untouched.
    Invalid(String),
    /// An identity whose local and remote histories diverged; the local one is kept.
    Diverged,
}

const ATTEMPTS: usize = 3;

fn ref_moved(result: Result<(), RefUpdateError>) -> Result<bool, EntityError> {
    match result {
        Ok(()) => Ok(false),
        Err(RefUpdateError::Moved(_)) => Ok(true),
        Err(e) => Err(e.into()),
    }
}

/// Merges the bug `id` from `remote_head`. `other_remote_heads` are the
/// heads of the same bug on the other remotes: commits they hold were
/// published and must not be rewritten.
pub fn merge_bug(
    repo: &Repo,
    identities: &IdentityStore,
    id: &str,
    remote_head: Oid,
    other_remote_heads: &[Oid],
) -> Result<Outcome, EntityError> {
    let local_name = format!("{}{id}", crate::bug::REF_PREFIX);
    if let Some(outcome) = not_a_commit(repo, remote_head) {
        return Ok(outcome);
    }
    // Our own data coming back (after a push, say) needs no validation.
    if let Some(local) = repo.ref_target(&local_name)?
        && repo.is_ancestor(remote_head, local)?
    {
        return Ok(Outcome::UpToDate);
    }
    let remote = match validate(repo, identities, id, remote_head) {
        Ok(valid) => valid,
        Err(Rejection::MissingAuthor(author)) => return Ok(Outcome::WaitingFor(author)),
        Err(Rejection::Incomplete(why)) => return Ok(Outcome::Incomplete(why)),
        Err(Rejection::Invalid(why)) => return Ok(Outcome::Invalid(why)),
    };
    let clocks =
        crate::bug::ensure_clocks(repo).map_err(|e| EntityError::Invalid(e.to_string()))?;
    for pack in &remote.packs {
        clocks.witness(CREATE_CLOCK, pack.create_clock)?;
        clocks.witness(EDIT_CLOCK, pack.edit_clock)?;
    }
    let remote_ops = remote.op_ids();

    for _ in 0..ATTEMPTS {
        let Some(local) = repo.ref_target(&local_name)? else {
            if ref_moved(repo.update_ref(
                &local_name,
                remote_head,
                None,
                "git-bug: new bug from remote",
            ))? {
                continue;
            }
            return Ok(Outcome::New);
        };
        if repo.is_ancestor(remote_head, local)? {
            return Ok(Outcome::UpToDate);
        }
        let local_packs = read_ordered_packs(repo, local)?;
        // The local commits the remote lacks, and among them those another
        // remote holds (published there).
        let local_only = commits_between(repo, local, &[remote_head])?;
        let mut hidden = vec![remote_head];
        hidden.extend_from_slice(other_remote_heads);
        let unpublished = commits_between(repo, local, &hidden)?;
        let local_only_packs = || {
            local_packs
                .iter()
                .filter(|p| local_only.contains(&p.commit))
        };
        let is_new = |op: &crate::entity::pack::RawOp| !remote_ops.contains(op.id.as_str());
        let adds_ops = local_only_packs().any(|p| p.ops.iter().any(is_new));
        // A published commit with operations the remote lacks cannot be
        // rewritten: a merge commit joins the two. A published commit whose
        // operations the remote has (as a rebased copy) can be left behind.
        let mut published = local_only_packs()
            .any(|p| !unpublished.contains(&p.commit) && p.ops.iter().any(is_new));
        if !adds_ops {
            // Nothing to add; but leaving published commits behind would
            // make the next push to their remote a non-fast-forward (two
            // clones that merged the same heads into different commits):
            // join them too, unless that would store an operation twice.
            let remote_only = commits_between(repo, remote_head, &[local])?;
            let remote_only_ops: HashSet<&str> = remote
                .packs
                .iter()
                .filter(|p| remote_only.contains(&p.commit))
                .flat_map(|p| p.ops.iter().map(|o| o.id.as_str()))
                .collect();
            let duplicates = local_only_packs().any(|p| {
                p.ops
                    .iter()
                    .any(|op| remote_only_ops.contains(op.id.as_str()))
            });
            published = local_only.iter().any(|c| !unpublished.contains(c)) && !duplicates;
            if !published {
                if ref_moved(repo.update_ref(
                    &local_name,
                    remote_head,
                    Some(local),
                    "git-bug: fast-forward from remote",
                ))? {
                    continue;
                }
                return Ok(Outcome::Updated);
            }
        }
        // Whatever follows, the result descends from the remote head: after
        // a pull, a push to that remote is a fast-forward.
        let (new_head, outcome) = if published {
            let (join, edit) = write_join_commit(repo, &[local, remote_head])?;
            clocks.witness(EDIT_CLOCK, edit)?;
            (join, Outcome::Merged)
        } else {
            let mut head = remote_head;
            for pack in local_packs
                .iter()
                .filter(|p| local_only.contains(&p.commit))
            {
                let ops: Vec<Vec<u8>> = pack
                    .ops
                    .iter()
                    .filter(|op| !remote_ops.contains(op.id.as_str()))
                    .map(|op| op.json.as_bytes().to_vec())
                    .collect();
                if ops.is_empty() {
                    continue;
                }
                let edit = clocks.increment(EDIT_CLOCK)?;
                head = write_pack_commit(
                    repo,
                    &[head],
                    &encode_pack(&pack.author, Some(&ops)),
                    None,
                    edit,
                )?;
            }
            (head, Outcome::Rebased)
        };
        if ref_moved(repo.update_ref(
            &local_name,
            new_head,
            Some(local),
            "git-bug: merge from remote",
        ))? {
            continue;
        }
        return Ok(outcome);
    }
    Err(EntityError::Invalid(format!(
        "bug {} kept changing during the merge; try again",
        crate::entity::id::human(id)
    )))
}

/// The outcome for a remote head that is no commit: refused when it is
/// another kind of object (an annotated tag, a blob), pending when the
/// object has not arrived (a shallow fetch).
fn not_a_commit(repo: &Repo, head: Oid) -> Option<Outcome> {
    match repo.git2().find_object(head, None) {
        Ok(object) => match object.kind() {
            Some(git2::ObjectType::Commit) => None,
            kind => Some(Outcome::Invalid(format!(
                "the ref points at a {}, not a commit",
                kind.map_or("object of unknown type", |k| k.str())
            ))),
        },
        Err(e) if e.code() == git2::ErrorCode::NotFound => Some(Outcome::Incomplete(format!(
            "object {head} has not been fetched"
        ))),
        Err(e) => Some(Outcome::Invalid(format!("reading {head}: {e}"))),
    }
}

/// Commits reachable from `from` but from none of `hidden`.
fn commits_between(repo: &Repo, from: Oid, hidden: &[Oid]) -> Result<HashSet<Oid>, EntityError> {
    let git_err = |e: git2::Error| {
        EntityError::Repo(crate::repo::RepoError::Git {
            what: "walking bug history".into(),
            source: e,
        })
    };
    let mut walk = repo.git2().revwalk().map_err(git_err)?;
    walk.push(from).map_err(git_err)?;
    for h in hidden {
        walk.hide(*h).map_err(git_err)?;
    }
    walk.map(|oid| oid.map_err(git_err)).collect()
}

/// Merges the identity `id` from `remote_head`: fast-forward only.
pub fn merge_identity(repo: &Repo, id: &str, remote_head: Oid) -> Result<Outcome, EntityError> {
    let local_name = format!("{}{id}", identity::REF_PREFIX);
    if let Some(outcome) = not_a_commit(repo, remote_head) {
        return Ok(outcome);
    }
    if let Some(local) = repo.ref_target(&local_name)?
        && repo.is_ancestor(remote_head, local)?
    {
        return Ok(Outcome::UpToDate);
    }
    let remote = match identity::read(repo, id, remote_head) {
        Ok(remote) => remote,
        Err(e) => return Ok(Outcome::Invalid(e.to_string())),
    };
    if let Err(why) = identity::validate_versions(&remote) {
        return Ok(Outcome::Invalid(why));
    }
    for _ in 0..ATTEMPTS {
        let local = repo.ref_target(&local_name)?;
        let outcome = match local {
            None => Outcome::New,
            Some(local) if repo.is_ancestor(remote_head, local)? => return Ok(Outcome::UpToDate),
            Some(local) if repo.is_ancestor(local, remote_head)? => Outcome::Updated,
            Some(_) => return Ok(Outcome::Diverged),
        };
        if !ref_moved(repo.update_ref(
            &local_name,
            remote_head,
            local,
            "git-bug: identity from remote",
        ))? {
            return Ok(outcome);
        }
    }
    Err(EntityError::Invalid(format!(
        "identity {} kept changing during the merge; try again",
        crate::entity::id::human(id)
    )))
}
