//! Tracker history into operations. Each ticket becomes a bug whose create
//! operation carries the ticket's original title and description, and each
//! event after it one operation. Everything in an operation comes from the
//! tracker (the event's own time, a nonce derived from its canonical URL,
//! metadata `origin` and `<kind>-url`), so two machines importing the same
//! ticket make the same operations, with the same ids, and the same bug id.
//!
//! Events already stood for by an operation we hold (its URL in metadata,
//! on the operation or attached after a push) are skipped: that is what
//! keeps a pushed comment from coming back as a second one.

use super::chain::{Chain, tracker_prefix, write_packs};
use super::connector::{Connector, EventKind, Ticket};
use super::state::State;
use super::{BridgeError, Namespace, ORIGIN_KEY, Result, derived_nonce, identity, state};
use crate::bug::operation::{cleanup_one_line, is_blank, is_safe};
use crate::bug::{OpKind, Operation, Status};
use crate::repo::Repo;
use std::collections::{BTreeMap, HashSet};

/// What one sync did.
#[derive(Debug, Default)]
pub struct Report {
    pub tickets: usize,
    pub operations: usize,
    /// Tickets that could not be imported, and why: tried again next time.
    pub failed: Vec<(String, String)>,
}

/// How often a long import stores its progress.
const CHECKPOINT_TICKETS: usize = 50;
const CHECKPOINT_SECONDS: u64 = 10;

/// Brings every ticket changed since the stored cursor (and those that
/// failed last time) into the remote's private refs, moving the cursor
/// behind them as it goes: an interrupted import resumes after the last
/// checkpoint. A ticket that fails is that ticket's problem alone, unless
/// the tracker itself cannot be reached.
pub fn sync(repo: &Repo, conn: &dyn Connector, ns: &Namespace) -> Result<Report> {
    let stored = state::read(repo, ns)?;
    let mut cursor = stored
        .cursor
        .clone()
        .unwrap_or_else(|| conn.initial_cursor());
    let changes = conn.changes_since(&cursor)?;
    let mut report = Report::default();
    let mut failed: Vec<String> = Vec::new();
    let import = |id: &str, report: &mut Report, failed: &mut Vec<String>| -> Result<()> {
        match conn
            .ticket(id)
            .and_then(|ticket| import_ticket(repo, conn, ns, &ticket))
        {
            Ok(count) => {
                report.operations += count;
                report.tickets += 1;
                Ok(())
            }
            Err(e @ BridgeError::Unreachable(_)) => Err(e),
            Err(e) => {
                report.failed.push((id.to_string(), e.to_string()));
                failed.push(id.to_string());
                Ok(())
            }
        }
    };
    for id in stored.retry.iter().filter(|t| !changes.tickets.contains(t)) {
        import(id, &mut report, &mut failed)?;
    }
    let mut since_checkpoint = std::time::Instant::now();
    for (i, id) in changes.tickets.iter().enumerate() {
        import(id, &mut report, &mut failed)?;
        let last = i + 1 == changes.tickets.len();
        let due = (i + 1) % CHECKPOINT_TICKETS == 0
            || since_checkpoint.elapsed().as_secs() >= CHECKPOINT_SECONDS;
        if let Some(checkpoint) = changes.checkpoints.get(i)
            && (last || due)
        {
            cursor = checkpoint.clone();
            since_checkpoint = std::time::Instant::now();
            let state = State {
                cursor: Some(cursor.clone()),
                retry: failed.clone(),
            };
            if state != stored {
                state::write(repo, ns, &state)?;
            }
        }
    }
    // Only retried tickets (or none): the cursor stays, the list changes.
    let state = State {
        cursor: Some(cursor),
        retry: failed,
    };
    if changes.tickets.is_empty() && state != stored {
        state::write(repo, ns, &state)?;
    }
    Ok(report)
}

/// The key of the foreign URL in metadata: `rt-url`, `redmine-url`, ….
pub fn url_key(conn: &dyn Connector) -> String {
    format!("{}-url", conn.kind())
}

/// The create operation of a ticket, the same wherever it is made.
pub fn create_op(conn: &dyn Connector, ticket: &Ticket) -> Operation {
    let title = cleanup_one_line(&ticket.title);
    let title = if is_blank(&title) {
        format!("{} ticket {}", conn.kind(), ticket.id)
    } else {
        title
    };
    Operation {
        timestamp: ticket.time,
        nonce: derived_nonce("event", &ticket.url),
        metadata: BTreeMap::from([
            (ORIGIN_KEY.to_string(), conn.kind().to_string()),
            (url_key(conn), ticket.url.clone()),
        ]),
        kind: OpKind::Create {
            title,
            message: text_as_stored(&ticket.message),
            files: None,
        },
    }
}

/// Foreign text as received, unless our format cannot hold it.
fn text_as_stored(text: &str) -> String {
    if is_safe(text) {
        text.to_string()
    } else {
        crate::bug::operation::cleanup(text)
    }
}

/// Adds what the chain of `ticket` lacks; returns how many operations.
fn import_ticket(
    repo: &Repo,
    conn: &dyn Connector,
    ns: &Namespace,
    ticket: &Ticket,
) -> Result<usize> {
    let create = create_op(conn, ticket);
    let bug_id = create.encode().1;
    let private_name = format!("{}{bug_id}", ns.bugs());
    let private_head = repo.ref_target(&private_name)?;
    let local_head = repo.ref_target(&format!("{}{bug_id}", crate::bug::REF_PREFIX))?;
    let key = url_key(conn);
    // A bug known here (from a peer) but not yet from this tracker grows
    // from the part of the local chain the tracker holds: from all of it,
    // it would claim the local operations not sent yet, and git would find
    // nothing to push; from nothing, it would be a second root.
    let base = match (private_head, local_head) {
        (Some(private), _) => Some(private),
        (None, Some(local)) => tracker_prefix(repo, local, &key)?,
        (None, None) => None,
    };
    // What that chain holds (never written twice along it), and the events
    // any chain of ours stands for (never imported twice).
    let private = Chain::read(repo, base)?;
    let known_ids: HashSet<String> = private.ids();
    let mut known_urls: HashSet<String> = private.urls(&key).into_values().collect();
    known_urls.extend(Chain::read(repo, local_head)?.urls(&key).into_values());

    let mut pending: Vec<(String, Operation)> = Vec::new();
    if !known_ids.contains(&bug_id) {
        pending.push((ticket.author.clone(), create));
    }
    // The tracker's status as its history unfolds: only a change between
    // open and closed is an operation.
    let mut status = Status::Open;
    for event in &ticket.events {
        let kind = match &event.kind {
            EventKind::Status(to) if *to == status => continue,
            EventKind::Status(to) => {
                status = *to;
                OpKind::SetStatus { status: *to }
            }
            _ if known_urls.contains(&event.url) => continue,
            EventKind::Comment => {
                let text = conn.event_text(event)?;
                if is_blank(&text) {
                    continue;
                }
                OpKind::AddComment {
                    message: text_as_stored(&text),
                    files: None,
                }
            }
            EventKind::Title { from, to } => {
                let title = cleanup_one_line(to);
                if is_blank(&title) {
                    continue;
                }
                OpKind::SetTitle {
                    title,
                    was: cleanup_one_line(from),
                }
            }
        };
        if known_urls.contains(&event.url) {
            continue;
        }
        let op = Operation {
            timestamp: event.time,
            nonce: derived_nonce("event", &event.url),
            metadata: BTreeMap::from([(key.clone(), event.url.clone())]),
            kind,
        };
        if !known_ids.contains(&op.encode().1) {
            pending.push((event.author.clone(), op));
        }
    }

    // One pack per run of operations by the same person.
    let mut packs: Vec<(String, Vec<Operation>)> = Vec::new();
    let mut last_login: Option<String> = None;
    for (login, op) in pending {
        if last_login.as_deref() != Some(login.as_str()) {
            let author = identity::ensure(repo, ns, conn.kind(), conn.base(), &login)?;
            packs.push((author, Vec::new()));
            last_login = Some(login);
        }
        if let Some((_, ops)) = packs.last_mut() {
            ops.push(op);
        }
    }
    let count = packs.iter().map(|(_, ops)| ops.len()).sum();
    let Some(head) = write_packs(repo, base, &packs)? else {
        return Ok(0);
    };
    if Some(head) != private_head {
        repo.update_ref(&private_name, head, private_head, "git-bug bridge: import")
            .map_err(crate::entity::EntityError::from)?;
    }
    Ok(count)
}
