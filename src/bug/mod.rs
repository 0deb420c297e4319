//! Bugs: an entity whose operations compile into a [`Snapshot`]. This module
//! reads bugs from `refs/bugs/*` and writes new operations to them.

pub mod attachment;
pub mod operation;
pub mod snapshot;
pub mod validate;

pub use operation::{OpKind, Operation, Status};
pub use snapshot::{AppliedOp, Comment, Snapshot, TimelineItem};

use crate::entity::EntityError;
use crate::entity::clock::ClockStore;
use crate::entity::dag::read_ordered_packs;
use crate::entity::id::{PrefixError, resolve_prefix, split_combined_prefix};
use crate::entity::pack::{encode_pack, write_pack_commit};
use crate::identity::{Identity, IdentityStore};
use crate::limits::{MAX_COMMITS_PER_BUG, MAX_OPS_PER_BUG};
use crate::repo::{RefUpdateError, Repo};
use git2::Oid;
use std::collections::HashSet;
use std::sync::Arc;

pub const REF_PREFIX: &str = "refs/bugs/";
pub const CREATE_CLOCK: &str = "bugs-create";
pub const EDIT_CLOCK: &str = "bugs-edit";

/// How often a write is retried when another writer moved the bug meanwhile.
const WRITE_ATTEMPTS: usize = 5;

/// Why a bug could not be read, found or written.
#[derive(Debug, thiserror::Error)]
pub enum BugError {
    #[error(transparent)]
    Entity(#[from] EntityError),
    #[error(transparent)]
    Repo(#[from] crate::repo::RepoError),
    #[error(transparent)]
    Prefix(#[from] PrefixError),
    #[error("bug {}: {reason}", crate::entity::id::human(.id))]
    Unreadable { id: String, reason: String },
    #[error("{0}")]
    Invalid(String),
}

/// A bug ref: the id and the commit it points to.
#[derive(Debug, Clone)]
pub struct BugRef {
    pub id: String,
    pub head: Oid,
}

/// A bug as read: its head and compiled state.
#[derive(Debug, Clone)]
pub struct Bug {
    pub head: Oid,
    /// Commits in its history, for the cap on them.
    pub commits: usize,
    pub snapshot: Snapshot,
}

/// Every local bug ref.
pub fn list(repo: &Repo) -> Result<Vec<BugRef>, BugError> {
    Ok(repo
        .refs_with_prefix(REF_PREFIX)?
        .into_iter()
        .map(|(name, head)| BugRef {
            id: name[REF_PREFIX.len()..].to_string(),
            head,
        })
        .collect())
}

/// The full id of the one bug whose id starts with `prefix`.
pub fn resolve(repo: &Repo, prefix: &str) -> Result<BugRef, BugError> {
    // Ids are lowercase alphanumerics; anything else matches nothing (and
    // must not reach the ref glob below).
    if prefix.is_empty()
        || !prefix
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
    {
        return Err(PrefixError::NotFound {
            kind: "bug".into(),
            prefix: prefix.to_string(),
        }
        .into());
    }
    // A full id needs no listing.
    if prefix.len() == crate::entity::id::ID_LEN
        && let Some(head) = repo.ref_target(&format!("{REF_PREFIX}{prefix}"))?
    {
        return Ok(BugRef {
            id: prefix.to_string(),
            head,
        });
    }
    let refs: Vec<BugRef> = repo
        .refs_with_prefix(&format!("{REF_PREFIX}{prefix}"))?
        .into_iter()
        .map(|(name, head)| BugRef {
            id: name[REF_PREFIX.len()..].to_string(),
            head,
        })
        .collect();
    let id = resolve_prefix(prefix, refs.iter().map(|r| r.id.as_str()), "bug")?;
    refs.into_iter()
        .find(|r| r.id == id)
        .ok_or_else(|| BugError::Invalid(format!("bug {id} vanished")))
}

/// Clock values seen while reading, to be witnessed once at the end.
#[derive(Debug, Default, Clone, Copy)]
pub struct SeenClocks {
    pub create: u64,
    pub edit: u64,
}

impl SeenClocks {
    /// Moves the stored clocks up to what was seen in some bugs. A clock
    /// file that does not exist yet is left alone: only a read of every bug
    /// may create it, or values used by unread bugs would be handed out
    /// again. A read-only repository simply keeps its old values.
    pub fn witness(self, repo: &Repo) {
        self.store(repo, false);
    }

    /// Like [`SeenClocks::witness`], after reading every bug.
    pub fn witness_all(self, repo: &Repo) {
        self.store(repo, true);
    }

    fn store(self, repo: &Repo, complete: bool) {
        let clocks = ClockStore::new(&repo.state_dir());
        for (name, seen) in [(CREATE_CLOCK, self.create), (EDIT_CLOCK, self.edit)] {
            if seen > 0 && (complete || matches!(clocks.value(name), Ok(Some(_)))) {
                let _ = clocks.witness(name, seen);
            }
        }
    }
}

/// Reads and compiles one bug.
pub fn read(
    repo: &Repo,
    identities: &IdentityStore,
    bug: &BugRef,
    seen: &mut SeenClocks,
) -> Result<Bug, BugError> {
    let unreadable = |reason: String| BugError::Unreadable {
        id: bug.id.clone(),
        reason,
    };
    let packs = read_ordered_packs(repo, bug.head).map_err(|e| unreadable(e.to_string()))?;
    let commits = packs.len();
    let mut applied = Vec::new();
    let mut create_lamport = 0;
    let mut edit_lamport = 0;
    let mut authors: Option<(String, Arc<Identity>)> = None;
    let mut applied_ids: HashSet<String> = HashSet::new();
    for pack in packs {
        create_lamport = create_lamport.max(pack.create_clock);
        edit_lamport = edit_lamport.max(pack.edit_clock);
        if pack.ops.is_empty() {
            continue;
        }
        // Consecutive packs usually share an author; skip the map lookup then.
        let author = match &authors {
            Some((id, who)) if *id == pack.author => who.clone(),
            _ => {
                let who = identities
                    .get(&pack.author)
                    .map_err(|e| unreadable(format!("author of commit {}: {e}", pack.commit)))?;
                if who.has_keys() {
                    return Err(unreadable(format!(
                        "author {} signs with OpenPGP keys, which this version cannot verify",
                        who.display_name()
                    )));
                }
                authors = Some((pack.author.clone(), who.clone()));
                who
            }
        };
        for raw in pack.ops {
            // The same operation reached through two merged histories
            // (stored again by a rebase a peer had already pulled) applies once.
            if !applied_ids.insert(raw.id.clone()) {
                continue;
            }
            let op = Operation::decode(&raw.json)
                .map_err(|e| unreadable(format!("commit {}: {e}", pack.commit)))?;
            applied.push(AppliedOp {
                id: raw.id,
                author: author.clone(),
                op,
                edit_clock: pack.edit_clock,
            });
        }
    }
    seen.create = seen.create.max(create_lamport);
    seen.edit = seen.edit.max(edit_lamport);
    let snapshot =
        snapshot::compile(&bug.id, applied, create_lamport, edit_lamport).map_err(unreadable)?;
    Ok(Bug {
        head: bug.head,
        commits,
        snapshot,
    })
}

/// Reads many bugs, on several threads when there are many: each thread
/// has its own repository handle and identity cache. Results keep the
/// order of `refs`; an unreadable bug is an `Err` in its place. `complete`
/// says that `refs` are all the bugs (see [`SeenClocks::witness_all`]).
pub fn read_many(
    repo: &Repo,
    refs: &[BugRef],
    complete: bool,
) -> Result<Vec<Result<Bug, BugError>>, BugError> {
    const MIN_PER_THREAD: usize = 64;
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8)
        .min(refs.len().div_ceil(MIN_PER_THREAD))
        .max(1);
    let read_chunk = |repo: &Repo, chunk: &[BugRef]| {
        let identities = IdentityStore::new(repo);
        let mut seen = SeenClocks::default();
        let bugs: Vec<_> = chunk
            .iter()
            .map(|r| read(repo, &identities, r, &mut seen))
            .collect();
        (bugs, seen)
    };
    let (bugs, seen) = if threads == 1 {
        read_chunk(repo, refs)
    } else {
        let chunk_len = refs.len().div_ceil(threads);
        let opener = repo.opener();
        std::thread::scope(|scope| {
            let mut chunks = refs.chunks(chunk_len);
            let first = chunks.next().unwrap_or(&[]);
            let workers: Vec<_> = chunks
                .map(|chunk| {
                    let opener = opener.clone();
                    scope.spawn(move || opener.open().map(|handle| read_chunk(&handle, chunk)))
                })
                .collect();
            let (mut bugs, mut seen) = read_chunk(repo, first);
            for worker in workers {
                // A panicking reader is a bug in this program; surface it.
                let (more, more_seen) = worker
                    .join()
                    .unwrap_or_else(|e| std::panic::resume_unwind(e))?;
                bugs.extend(more);
                seen.create = seen.create.max(more_seen.create);
                seen.edit = seen.edit.max(more_seen.edit);
            }
            Ok::<_, BugError>((bugs, seen))
        })?
    };
    if complete {
        seen.witness_all(repo);
    } else {
        seen.witness(repo);
    }
    Ok(bugs)
}

/// Reads a single bug by prefix, witnessing its clocks.
pub fn read_by_prefix(
    repo: &Repo,
    identities: &IdentityStore,
    prefix: &str,
) -> Result<Bug, BugError> {
    let bug_ref = resolve(repo, prefix)?;
    let mut seen = SeenClocks::default();
    let bug = read(repo, identities, &bug_ref, &mut seen)?;
    seen.witness(repo);
    Ok(bug)
}

/// Finds a comment by a prefix of its combined id, across all bugs.
pub fn resolve_comment(
    repo: &Repo,
    identities: &IdentityStore,
    prefix: &str,
) -> Result<(Bug, usize), BugError> {
    let (bug_prefix, _) = split_combined_prefix(prefix);
    let mut seen = SeenClocks::default();
    let mut matches = Vec::new();
    for bug_ref in list(repo)?
        .into_iter()
        .filter(|r| r.id.starts_with(&bug_prefix))
    {
        let bug = read(repo, identities, &bug_ref, &mut seen)?;
        let hits: Vec<usize> = (0..bug.snapshot.comments.len())
            .filter(|&i| bug.snapshot.comments[i].id.starts_with(prefix))
            .collect();
        for index in hits {
            matches.push((bug.clone(), index));
        }
    }
    seen.witness(repo);
    match matches.len() {
        0 => Err(PrefixError::NotFound {
            kind: "comment".into(),
            prefix: prefix.to_string(),
        }
        .into()),
        1 => Ok(matches.remove(0)),
        _ => Err(PrefixError::Ambiguous {
            kind: "comment".into(),
            prefix: prefix.to_string(),
            candidates: matches
                .iter()
                .map(|(b, i)| b.snapshot.comments[*i].id.clone())
                .collect(),
        }
        .into()),
    }
}

/// Makes sure the clock files exist; when one is missing (a fresh clone),
/// rebuild it from every bug so no clock value is handed out twice.
pub fn ensure_clocks(repo: &Repo) -> Result<ClockStore, BugError> {
    let clocks = ClockStore::new(&repo.state_dir());
    if clocks
        .value(CREATE_CLOCK)
        .map_err(EntityError::from)?
        .is_some()
        && clocks
            .value(EDIT_CLOCK)
            .map_err(EntityError::from)?
            .is_some()
    {
        return Ok(clocks);
    }
    let mut seen = SeenClocks { create: 1, edit: 1 };
    for bug in list(repo)? {
        // An unreadable bug has nothing trustworthy to witness.
        if let Ok(packs) = read_ordered_packs(repo, bug.head) {
            for pack in packs {
                seen.create = seen.create.max(pack.create_clock);
                seen.edit = seen.edit.max(pack.edit_clock);
            }
        }
    }
    clocks
        .witness(CREATE_CLOCK, seen.create)
        .map_err(EntityError::from)?;
    clocks
        .witness(EDIT_CLOCK, seen.edit)
        .map_err(EntityError::from)?;
    Ok(clocks)
}

/// Creates a bug from a create operation and returns its id.
pub fn create(repo: &Repo, author: &Identity, op: Operation) -> Result<String, BugError> {
    if !matches!(op.kind, OpKind::Create { .. }) {
        return Err(BugError::Invalid(
            "a new bug must start with a create operation".into(),
        ));
    }
    op.validate().map_err(BugError::Invalid)?;
    let clocks = ensure_clocks(repo)?;
    let (bytes, id) = op.encode();
    let blob = encode_pack(&author.id, Some(&[bytes]));
    let edit = clocks.increment(EDIT_CLOCK).map_err(EntityError::from)?;
    let create = clocks.increment(CREATE_CLOCK).map_err(EntityError::from)?;
    let commit = write_pack_commit(repo, &[], &blob, Some(create), edit)?;
    repo.update_ref(
        &format!("{REF_PREFIX}{id}"),
        commit,
        None,
        "git-bug: new bug",
    )
    .map_err(EntityError::from)?;
    Ok(id)
}

/// Appends operations by `author` to a bug in one commit. When another
/// writer moved the bug meanwhile, the commit is redone on the new head.
pub fn append(
    repo: &Repo,
    bug: &Bug,
    author: &Identity,
    ops: &[Operation],
) -> Result<(), BugError> {
    let mut seen_ids: HashSet<String> = bug
        .snapshot
        .operations
        .iter()
        .map(|o| o.id.clone())
        .collect();
    let mut encoded = Vec::with_capacity(ops.len());
    for op in ops {
        op.validate().map_err(BugError::Invalid)?;
        let (bytes, id) = op.encode();
        if !seen_ids.insert(id) {
            return Err(BugError::Invalid("duplicate operation".into()));
        }
        encoded.push(bytes);
    }
    check_caps(bug, ops).map_err(BugError::Invalid)?;
    let clocks = ensure_clocks(repo)?;
    let name = format!("{REF_PREFIX}{}", bug.snapshot.id);
    let blob = encode_pack(&author.id, Some(&encoded));
    let mut head = bug.head;
    for _ in 0..WRITE_ATTEMPTS {
        let edit = clocks.increment(EDIT_CLOCK).map_err(EntityError::from)?;
        let commit = write_pack_commit(repo, &[head], &blob, None, edit)?;
        match repo.update_ref(&name, commit, Some(head), "git-bug: edit bug") {
            Ok(()) => return Ok(()),
            Err(RefUpdateError::Moved(_)) => {
                // Someone else extended the bug: build on their head, above their clocks.
                head = repo.ref_target(&name)?.ok_or_else(|| {
                    BugError::Invalid(format!(
                        "bug {} was removed meanwhile",
                        bug.snapshot.human_id()
                    ))
                })?;
                for pack in read_ordered_packs(repo, head)? {
                    clocks
                        .witness(EDIT_CLOCK, pack.edit_clock)
                        .map_err(EntityError::from)?;
                }
            }
            Err(e) => return Err(EntityError::from(e).into()),
        }
    }
    Err(BugError::Invalid(format!(
        "bug {} keeps changing under us; try again",
        bug.snapshot.human_id()
    )))
}

/// Refuses a write that would take the bug beyond a cap remote readers
/// enforce (see [`crate::limits`]): others would refuse the bug.
fn check_caps(bug: &Bug, ops: &[Operation]) -> Result<(), String> {
    let who = bug.snapshot.human_id();
    if bug.commits + 1 > MAX_COMMITS_PER_BUG {
        return Err(format!(
            "bug {who} has {} commits: one more would pass the cap of {MAX_COMMITS_PER_BUG} per bug; \
             open a new bug to go on",
            bug.commits
        ));
    }
    let count = bug.snapshot.operations.len() + ops.len();
    if count > MAX_OPS_PER_BUG {
        return Err(format!(
            "bug {who} would hold {count} operations, more than {MAX_OPS_PER_BUG} (the cap per bug); \
             open a new bug to go on"
        ));
    }
    let mut labels = snapshot::LabelSet::of(&bug.snapshot);
    for op in ops {
        labels
            .apply_within_cap(&op.kind)
            .map_err(|e| format!("bug {who}: {e}"))?;
    }
    Ok(())
}

/// Deletes a bug locally, with its remote-tracking copies.
pub fn remove(repo: &Repo, id: &str) -> Result<(), BugError> {
    repo.delete_ref(&format!("{REF_PREFIX}{id}"))?;
    for (name, _) in repo.refs_with_prefix("refs/remotes/")? {
        if name.ends_with(&format!("/bugs/{id}")) {
            repo.delete_ref(&name)?;
        }
    }
    Ok(())
}
