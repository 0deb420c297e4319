//! Local operations the tracker lacks, sent as requests. An operation is
//! on the tracker when it carries the tracker's URL (`<kind>-url`): an
//! imported one in its own metadata, a pushed one through a set-metadata
//! operation written right after the tracker took it. That record is part
//! of the bug, so it reaches every clone through plain git, and the next
//! import skips the event it names (no echo).
//!
//! Only what is still the effective value is sent: a title or status
//! changed and changed back sends nothing, and never an old value over a
//! newer one.

use super::chain::Chain;
use super::connector::{Connector, Intent, Written};
use super::import::url_key;
use super::journal;
use super::{BridgeError, Namespace, ORIGIN_KEY, Result, derived_nonce, state};
use crate::bug::{BugRef, OpKind, Operation, Status};
use crate::identity::IdentityStore;
use crate::repo::Repo;
use git2::Oid;
use std::collections::BTreeMap;

/// What was sent for one bug, or why not.
#[derive(Debug, Default)]
pub struct Pushed {
    pub requests: usize,
    /// Local operations the tracker cannot hold (yet), one line each.
    pub warnings: Vec<String>,
}

/// Set by the tests to stop right after the first tracker write, as a
/// crash would.
const CRASH_AFTER_WRITE: &str = "GIT_BUG_TEST_CRASH_AFTER_WRITE";

/// Sends the operations of the bug at `head` that the tracker lacks.
/// `Err` is the reason to give git for this ref alone.
pub fn push_bug(
    repo: &Repo,
    conn: &dyn Connector,
    ns: &Namespace,
    bug_id: &str,
    head: Oid,
    dry_run: bool,
) -> std::result::Result<Pushed, String> {
    let chain = Chain::read(repo, Some(head)).map_err(|e| e.to_string())?;
    let key = url_key(conn);
    let create = chain.create().ok_or("the bug has no create operation")?;
    let ticket = match (
        create.metadata.get(ORIGIN_KEY).map(String::as_str),
        create.metadata.get(&key),
    ) {
        (Some(origin), Some(url)) if origin == conn.kind() => conn
            .ticket_id(url)
            .ok_or_else(|| format!("the bug comes from another {origin} tracker ({url})"))?,
        (Some(origin), _) => {
            return Err(format!(
                "the bug comes from {origin}, not from this tracker"
            ));
        }
        (None, _) => {
            return Err(
                "not yet supported: a bug made here cannot be sent as a new ticket yet".into(),
            );
        }
    };
    let private_name = format!("{}{bug_id}", ns.bugs());
    let private_head = repo.ref_target(&private_name).map_err(|e| e.to_string())?;
    if let Some(private) = private_head
        && !repo.is_ancestor(private, head).map_err(|e| e.to_string())?
    {
        return Err("fetch first".into());
    }

    let on_tracker = chain.urls(&key);
    let mut pushed = Pushed::default();
    let mut writes: Vec<(String, Intent)> = Vec::new();
    // Effective values here and on the tracker, and the last local change.
    let (mut title_here, mut title_there) = (String::new(), String::new());
    let (mut status_here, mut status_there) = (Status::Open, Status::Open);
    let mut title_op = None;
    let mut status_op = None;
    for (id, op) in &chain.ops {
        let there = on_tracker.contains_key(id);
        match &op.kind {
            OpKind::Create { title, .. } => {
                title_here = title.clone();
                title_there = title.clone();
            }
            OpKind::AddComment { message, .. } if !there => {
                writes.push((id.clone(), Intent::Comment(message.clone())));
            }
            OpKind::SetTitle { title, .. } => {
                title_here = title.clone();
                if there {
                    title_there = title.clone();
                } else {
                    title_op = Some(id.clone());
                }
            }
            OpKind::SetStatus { status } => {
                status_here = *status;
                if there {
                    status_there = *status;
                } else {
                    status_op = Some(id.clone());
                }
            }
            OpKind::LabelChange { .. } if !there => pushed
                .warnings
                .push(format!("labels are not sent to {} yet", conn.kind())),
            OpKind::EditComment { .. } if !there => pushed.warnings.push(format!(
                "{} cannot edit a comment; the edit stays here",
                conn.kind()
            )),
            _ => {}
        }
    }
    if let Some(id) = title_op.filter(|_| title_here != title_there) {
        writes.push((id, Intent::Title(title_here.clone())));
    }
    if let Some(id) = status_op.filter(|_| status_here != status_there) {
        writes.push((id, Intent::Status(status_here.as_str().to_string())));
    }
    pushed.warnings.dedup();
    if writes.is_empty() {
        // All the tracker can hold of this history it holds already.
        if !dry_run && private_head != Some(head) {
            repo.update_ref(&private_name, head, private_head, "git-bug bridge: push")
                .map_err(|e| e.to_string())?;
        }
        return Ok(pushed);
    }

    let user = {
        let identities = IdentityStore::new(repo);
        identities
            .user()
            .map_err(|e| e.to_string())?
            .ok_or("no identity is set for git-bug here; create one with \"git bug user new\"")?
    };
    // The tracker must not have changed since the fetch we merged, but
    // for our own writes.
    let cursor = state::cursor(repo, ns)
        .map_err(|e| e.to_string())?
        .ok_or("fetch first")?;
    let ours: std::collections::HashSet<String> = on_tracker.values().cloned().collect();
    if conn
        .changed_since(&ticket, &cursor, &ours)
        .map_err(|e| e.to_string())?
    {
        return Err("fetch first".into());
    }
    if dry_run {
        pushed.requests = writes.len();
        return Ok(pushed);
    }

    let mut done: Vec<(String, Written)> = Vec::new();
    let mut failure = None;
    for (id, intent) in &writes {
        let entry = journal::Entry {
            bug: bug_id.to_string(),
            op: id.clone(),
            ticket: ticket.clone(),
            cursor: cursor.clone(),
            intent: intent.clone(),
        };
        if let Err(e) = journal::append(repo, ns, &entry) {
            failure = Some(e.to_string());
            break;
        }
        let result = match intent {
            Intent::Comment(text) => conn.comment(&ticket, text),
            Intent::Title(title) => conn.set_title(&ticket, title),
            Intent::Status(status) => {
                conn.set_status(&ticket, Status::parse(status).unwrap_or(Status::Open))
            }
        };
        if result.is_ok() && std::env::var_os(CRASH_AFTER_WRITE).is_some() {
            std::process::exit(3);
        }
        match result {
            Ok(written) => done.push((id.clone(), written)),
            Err(e) => {
                failure = Some(e.to_string());
                break;
            }
        }
    }
    pushed.requests = done.len();
    // Record what the tracker took, even when a later write failed.
    record(repo, ns, &key, bug_id, &user, &done, failure.is_none()).map_err(|e| {
        format!(
            "{} took {} change(s) but they could not be recorded here: {e}",
            conn.kind(),
            done.len()
        )
    })?;
    journal::clear(repo, ns, bug_id).map_err(|e| e.to_string())?;
    match failure {
        Some(why) => Err(why),
        None => Ok(pushed),
    }
}

/// Records the writes that pushes which died after writing made (see
/// [`journal`]); returns how many were found.
pub fn recover(repo: &Repo, conn: &dyn Connector, ns: &Namespace) -> Result<usize> {
    if journal::pending(repo, ns)?.is_empty() {
        return Ok(0);
    }
    let user = IdentityStore::new(repo)
        .user()
        .map_err(|e| BridgeError::Tracker(e.to_string()))?
        .ok_or_else(|| {
            BridgeError::Tracker(
                "no identity is set for git-bug here; create one with \"git bug user new\"".into(),
            )
        })?;
    let key = url_key(conn);
    let recorded = |bug: &str| -> Result<std::collections::HashSet<String>> {
        let head = repo.ref_target(&format!("{}{bug}", crate::bug::REF_PREFIX))?;
        Ok(Chain::read(repo, head)?.urls(&key).into_values().collect())
    };
    journal::recover(repo, conn, ns, recorded, |bug, done| {
        record(repo, ns, &key, bug, &user, done, false)
    })
}

/// Attaches each written URL to the operation it came from, on the local
/// bug. When `complete` (nothing of the bug is left to send), the remote's
/// private ref moves there too: the tracker now holds that history. Until
/// then it stays behind, so that git still sees something to push.
fn record(
    repo: &Repo,
    ns: &Namespace,
    key: &str,
    bug_id: &str,
    user: &crate::identity::Identity,
    done: &[(String, Written)],
    complete: bool,
) -> Result<()> {
    if done.is_empty() {
        return Ok(());
    }
    let local_name = format!("{}{bug_id}", crate::bug::REF_PREFIX);
    let head = repo
        .ref_target(&local_name)?
        .ok_or_else(|| BridgeError::Tracker(format!("bug {bug_id} vanished")))?;
    let ops: Vec<Operation> = done
        .iter()
        .map(|(target, written)| Operation {
            timestamp: written.time,
            nonce: derived_nonce("record", &written.url),
            metadata: BTreeMap::new(),
            kind: OpKind::SetMetadata {
                target: target.clone(),
                new_metadata: BTreeMap::from([(key.to_string(), written.url.clone())]),
            },
        })
        .collect();
    let identities = IdentityStore::new(repo);
    let bug_ref = BugRef {
        id: bug_id.to_string(),
        head,
    };
    let mut seen = crate::bug::SeenClocks::default();
    let bug = crate::bug::read(repo, &identities, &bug_ref, &mut seen)?;
    crate::bug::append(repo, &bug, user, &ops)?;
    let new_head = repo
        .ref_target(&local_name)?
        .ok_or_else(|| BridgeError::Tracker(format!("bug {bug_id} vanished")))?;
    let private_name = format!("{}{bug_id}", ns.bugs());
    let private_head = repo.ref_target(&private_name)?;
    let follows = match private_head {
        Some(private) => repo.is_ancestor(private, new_head)?,
        None => true,
    };
    if complete && follows {
        repo.update_ref(
            &private_name,
            new_head,
            private_head,
            "git-bug bridge: push",
        )
        .map_err(crate::entity::EntityError::from)?;
    }
    Ok(())
}
