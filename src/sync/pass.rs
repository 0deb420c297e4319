//! The merge pass over remote-tracking refs: every `refs/remotes/<remote>/
//! bugs/<id>` and `…/identities/<id>` that moved since it was last merged
//! is merged into the local entity, identities first (bugs need their
//! authors). Hooks run it after `git fetch`; every command runs it first,
//! so a fetch made without hooks is merged all the same.

use super::merge::{Outcome, merge_bug, merge_identity};
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
    /// Tracking refs of bugs whose wait for their author an earlier
    /// command already told: said once, not again by every command.
    pub already_waiting: HashSet<String>,
}

impl Report {
    /// One line per remote, e.g. `origin: 2 new, 3 updated, 1 merged`, for
    /// the remotes where something happened.
    pub fn summary_lines(&self) -> Vec<String> {
        let mut per_remote: BTreeMap<&str, [usize; 6]> = BTreeMap::new();
        for e in &self.entries {
            let slot = match (&e.outcome, e.tracking.kind) {
                (Outcome::New, Kind::Bug) => 0,
                (Outcome::Updated, Kind::Bug) => 1,
                (Outcome::Rebased | Outcome::Merged, _) => 2,
                (Outcome::WaitingFor(_), _) => 3,
                (Outcome::Incomplete(_), _) => 4,
                (Outcome::Invalid(_) | Outcome::Diverged, _) => 5,
                _ => continue,
            };
            per_remote.entry(e.tracking.remote.as_str()).or_default()[slot] += 1;
        }
        per_remote
            .into_iter()
            .map(|(remote, counts)| {
                let names = [
                    "new",
                    "updated",
                    "merged",
                    "pending",
                    "incomplete",
                    "refused",
                ];
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

    /// Warnings for what was refused or is incomplete, one line each,
    /// without the bugs waiting for an author: in a hook, a later ref
    /// update of the same fetch usually brings it.
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
                Outcome::WaitingFor(_) if self.already_waiting.contains(&e.tracking.name) => {}
                Outcome::WaitingFor(author) if with_pending => lines.push(format!(
                    "{remote}: {what} {id} not merged yet: author identity {} has not arrived yet",
                    crate::entity::id::human(author)
                )),
                Outcome::Incomplete(why) => {
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

/// Bookkeeping in `<state>/sync/`: `merged` holds `<oid> <ref>` for each
/// tracking ref value merged (or refused) so far, later lines winning;
/// `waiting` holds `<ref> <identity id>` for each bug waiting for an author,
/// `told` the refs among them that a command already said are waiting.
/// Both are appended to by hooks, which must not read everything on every
/// ref of a fetch, and rewritten whole by the full pass.
///
/// `held` holds `<oid> <ref> refused|incomplete|ok <reason>` for tracking
/// ref values that were not merged, later lines winning (`ok` clears): what
/// `status` lists until the remote fixes it, and the incomplete histories
/// (a shallow clone) to judge again once `shallow` records that the shallow
/// boundary moved since.
struct SyncState {
    dir: PathBuf,
    /// git's list of shallow commits, rewritten by every deepening fetch.
    shallow_file: PathBuf,
}

/// Why a tracking ref's value is held back, as `status` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Held {
    Refused(String),
    Incomplete(String),
}

impl SyncState {
    fn new(repo: &Repo) -> SyncState {
        SyncState {
            dir: repo.state_dir().join("sync"),
            shallow_file: repo.git2().commondir().join("shallow"),
        }
    }

    /// What identifies the shallow boundary now: "none" in a full clone.
    fn shallow_stamp(&self) -> String {
        use std::os::unix::fs::MetadataExt;
        match std::fs::metadata(&self.shallow_file) {
            Ok(m) => format!("{}.{}.{}", m.len(), m.mtime(), m.mtime_nsec()),
            Err(_) => "none".into(),
        }
    }

    /// Held-back tracking ref values, by ref name.
    fn held(&self) -> HashMap<String, (Oid, Held)> {
        let mut held = HashMap::new();
        let text = std::fs::read_to_string(self.dir.join("held")).unwrap_or_default();
        for line in text.lines() {
            let mut fields = line.splitn(4, ' ');
            let (Some(oid), Some(name), Some(kind)) = (fields.next(), fields.next(), fields.next())
            else {
                continue;
            };
            let (Ok(oid), reason) = (Oid::from_str(oid), fields.next().unwrap_or("").to_string())
            else {
                continue;
            };
            match kind {
                "refused" => held.insert(name.to_string(), (oid, Held::Refused(reason))),
                "incomplete" => held.insert(name.to_string(), (oid, Held::Incomplete(reason))),
                _ => held.remove(name),
            };
        }
        held
    }

    /// Records what a pass held back or merged. An incomplete history also
    /// records the shallow boundary it was judged against.
    fn record_held(&self, entries: &[Entry]) -> std::io::Result<()> {
        let previously = self.held();
        let mut lines = Vec::new();
        let mut incomplete = false;
        for entry in entries {
            let t = &entry.tracking;
            let line = match &entry.outcome {
                Outcome::Invalid(why) => {
                    format!("{} {} refused {}\n", t.head, t.name, one_line(why))
                }
                Outcome::Diverged => format!(
                    "{} {} refused {}\n",
                    t.head, t.name, "its history diverged from the local identity"
                ),
                Outcome::Incomplete(why) => {
                    incomplete = true;
                    format!("{} {} incomplete {}\n", t.head, t.name, one_line(why))
                }
                Outcome::WaitingFor(_) => continue,
                // Clears what was held; nothing to write otherwise.
                _ if previously.contains_key(&t.name) => format!("{} {} ok\n", t.head, t.name),
                _ => continue,
            };
            lines.push(line);
        }
        if incomplete {
            std::fs::create_dir_all(&self.dir)?;
            std::fs::write(self.dir.join("shallow"), self.shallow_stamp())?;
        }
        self.append("held", &lines)
    }

    fn read_pairs(&self, file: &str) -> Vec<(String, String)> {
        std::fs::read_to_string(self.dir.join(file))
            .unwrap_or_default()
            .lines()
            .filter_map(|line| {
                line.split_once(' ')
                    .map(|(a, b)| (a.to_string(), b.to_string()))
            })
            .collect()
    }

    /// Merged (or settled) tracking-ref values, by ref name. Incomplete
    /// histories count as unmerged again once the shallow boundary moved.
    fn merged(&self) -> HashMap<String, Oid> {
        let mut merged: HashMap<String, Oid> = self
            .read_pairs("merged")
            .into_iter()
            .filter_map(|(oid, name)| Some((name, Oid::from_str(&oid).ok()?)))
            .collect();
        let judged_against = std::fs::read_to_string(self.dir.join("shallow")).ok();
        if judged_against.is_some_and(|stamp| stamp != self.shallow_stamp()) {
            for (name, (_, held)) in self.held() {
                if matches!(held, Held::Incomplete(_)) {
                    merged.remove(&name);
                }
            }
        }
        merged
    }

    /// Bugs waiting for an author: (tracking ref, identity id).
    fn waiting(&self) -> Vec<(String, String)> {
        self.read_pairs("waiting")
    }

    fn append(&self, file: &str, lines: &[String]) -> std::io::Result<()> {
        if lines.is_empty() {
            return Ok(());
        }
        use std::io::Write;
        std::fs::create_dir_all(&self.dir)?;
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join(file))?;
        f.write_all(lines.concat().as_bytes())
    }

    fn rewrite(&self, file: &str, mut lines: Vec<String>) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        lines.sort();
        lines.dedup();
        let tmp = self.dir.join(format!(".{file}.{}.tmp", std::process::id()));
        std::fs::write(&tmp, lines.concat())?;
        std::fs::rename(&tmp, self.dir.join(file))
    }
}

/// Tracking refs that moved since they were last merged, optionally only
/// among `only` (ref names).
pub fn pending_refs(
    repo: &Repo,
    only: Option<&HashSet<String>>,
) -> Result<Vec<TrackingRef>, RepoError> {
    let merged = SyncState::new(repo).merged();
    Ok(tracking_refs(repo)?
        .into_iter()
        .filter(|t| only.is_none_or(|o| o.contains(&t.name)))
        .filter(|t| merged.get(&t.name) != Some(&t.head))
        .collect())
}

/// Merges every tracking ref that moved since the last pass (or only those
/// named in `only`). Cheap when nothing moved: one ref listing, no lock.
pub fn merge_tracking_refs(
    repo: &Repo,
    only: Option<&HashSet<String>>,
) -> Result<Report, RepoError> {
    if pending_refs(repo, only)?.is_empty() {
        return Ok(Report::default());
    }
    let _lock = repo.lock_for_write()?;
    // Re-read under the lock: another process may have merged meanwhile.
    let todo = pending_refs(repo, only)?;
    let all_tracking = tracking_refs(repo)?;
    let state = SyncState::new(repo);
    let mut merged = state.merged();
    let mut report = merge_all(repo, todo, &all_tracking)?;
    // Said by an earlier command: not again by every command.
    let told = std::fs::read_to_string(state.dir.join("told")).unwrap_or_default();
    report.already_waiting = told.lines().map(String::from).collect();
    let waiting_now: Vec<String> = report
        .entries
        .iter()
        .filter(|e| matches!(e.outcome, Outcome::WaitingFor(_)))
        .map(|e| format!("{}\n", e.tracking.name))
        .collect();
    let (settled, waiting) = settle(&report.entries, &all_tracking);
    for (name, head) in settled {
        merged.insert(name, head);
    }
    let merged_lines = merged
        .iter()
        .map(|(name, oid)| format!("{oid} {name}\n"))
        .collect();
    let saved = state.rewrite("merged", merged_lines).and_then(|()| {
        if only.is_none() {
            state.rewrite("waiting", waiting)?;
            state.rewrite("told", waiting_now)
        } else {
            Ok(())
        }
    });
    saved
        .and_then(|()| state.record_held(&report.entries))
        .map_err(crate::repo::io_err(
            "saving the merge state in git-bug/sync",
        ))?;
    finish(repo, &mut report);
    Ok(report)
}

/// Tracking refs whose current value was refused or is incomplete, with
/// why: what `status` lists until the remote fixes it.
pub fn held_refs(repo: &Repo) -> Result<Vec<(TrackingRef, Held)>, RepoError> {
    let mut out = Vec::new();
    let mut held: Vec<(String, (Oid, Held))> = SyncState::new(repo).held().into_iter().collect();
    held.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, (oid, why)) in held {
        if repo.ref_target(&name)? == Some(oid)
            && let Some(tracking) = parse_tracking_ref(&name, oid)
        {
            out.push((tracking, why));
        }
    }
    Ok(out)
}

/// A reason on one line of the state file.
fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

/// Records tracking refs set by a push as merged: they hold our own
/// history, so `status` must not list them as waiting to be merged.
pub fn record_pushed(repo: &Repo, tracked: &[(String, Oid)]) -> Result<(), RepoError> {
    if tracked.is_empty() {
        return Ok(());
    }
    let _lock = repo.lock_for_write()?;
    let lines: Vec<String> = tracked
        .iter()
        .map(|(name, oid)| format!("{oid} {name}\n"))
        .collect();
    SyncState::new(repo)
        .append("merged", &lines)
        .map_err(crate::repo::io_err(
            "saving the merge state in git-bug/sync",
        ))
}

/// The updates git lists to a reference-transaction hook, one
/// `<old> <new> <ref>` line each: the new values and the refs. A line that
/// is not one (or a ref name that is not UTF-8) is skipped alone; the lines
/// after it still count.
pub fn transaction_updates(input: &[u8]) -> Vec<(Oid, String)> {
    input
        .split(|&b| b == b'\n')
        .filter_map(|line| {
            let line = std::str::from_utf8(line).ok()?;
            let mut fields = line.split(' ');
            let (old, new, name) = (fields.next()?, fields.next()?, fields.next()?);
            // git2 would take a short hex string as a zero-padded id.
            let full = |id: &str| id.len() == 40 && id.bytes().all(|b| b.is_ascii_hexdigit());
            if !full(old) || !full(new) || fields.next().is_some() {
                return None;
            }
            Some((Oid::from_str(new).ok()?, name.to_string()))
        })
        .collect()
}

/// Merges the tracking refs a hook was told about, and the bugs that were
/// waiting for an identity among them. Reads nothing else, so that a fetch
/// that updates thousands of refs one transaction at a time stays linear.
pub fn merge_moved_refs(repo: &Repo, names: &[String]) -> Result<Report, RepoError> {
    let mut moved = Vec::new();
    for name in names {
        if let Some(head) = repo.ref_target(name)?
            && let Some(tracking) = parse_tracking_ref(name, head)
        {
            moved.push(tracking);
        }
    }
    if moved.is_empty() {
        return Ok(Report::default());
    }
    let _lock = repo.lock_for_write()?;
    let state = SyncState::new(repo);
    let (identities, mut bugs): (Vec<TrackingRef>, Vec<TrackingRef>) =
        moved.into_iter().partition(|t| t.kind == Kind::Identity);
    let mut report = merge_all(repo, identities, &[])?;
    let arrived: HashSet<String> = report
        .entries
        .iter()
        .filter(|e| {
            matches!(
                e.outcome,
                Outcome::New | Outcome::Updated | Outcome::UpToDate
            )
        })
        .map(|e| e.tracking.id.clone())
        .collect();
    let mut still_waiting = Vec::new();
    if !arrived.is_empty() {
        for (name, author) in state.waiting() {
            if arrived.contains(&author) {
                if let Some(head) = repo.ref_target(&name)?
                    && let Some(t) = parse_tracking_ref(&name, head)
                    && !bugs.iter().any(|b| b.name == t.name)
                {
                    bugs.push(t);
                }
            } else {
                still_waiting.push(format!("{name} {author}\n"));
            }
        }
    }
    // Other remotes' copies of these bugs tell which commits were published.
    let mut others = Vec::new();
    let remotes = crate::sync::install::remotes(repo).unwrap_or_default();
    for bug in &bugs {
        for remote in &remotes {
            let name = format!("refs/remotes/{remote}/bugs/{}", bug.id);
            if name != bug.name
                && let Some(head) = repo.ref_target(&name)?
                && let Some(t) = parse_tracking_ref(&name, head)
            {
                others.push(t);
            }
        }
    }
    let bug_report = merge_all(repo, bugs, &others)?;
    let (settled, waiting_lines) =
        settle(report.entries.iter().chain(&bug_report.entries), &others);
    let merged_lines: Vec<String> = settled
        .iter()
        .map(|(name, head)| format!("{head} {name}\n"))
        .collect();
    report.entries.extend(bug_report.entries);
    report.errors.extend(bug_report.errors);
    let saved = state.append("merged", &merged_lines).and_then(|()| {
        if arrived.is_empty() {
            state.append("waiting", &waiting_lines)
        } else {
            still_waiting.extend(waiting_lines);
            state.rewrite("waiting", still_waiting)
        }
    });
    saved
        .and_then(|()| state.record_held(&report.entries))
        .map_err(crate::repo::io_err(
            "saving the merge state in git-bug/sync",
        ))?;
    finish(repo, &mut report);
    Ok(report)
}

/// Splits merge results for the bookkeeping: the tracking refs now settled
/// (merged, up to date or refused: not to be looked at again until they
/// move), in order, and `<ref> <identity>` lines for the bugs waiting for an
/// author. An incomplete history is settled too: judged again when the
/// shallow boundary moves (see `SyncState::merged`).
///
/// A merge that moved the local bug off its history (a rebase, or a move to
/// the remote's copy) unsettles the bug's other tracking refs (`others`):
/// their heads may no longer be in the local history, and the next pull
/// from their remote must join them again. Unsettled is the zero id.
fn settle<'a>(
    entries: impl IntoIterator<Item = &'a Entry>,
    others: &[TrackingRef],
) -> (Vec<(String, Oid)>, Vec<String>) {
    let mut settled = Vec::new();
    let mut waiting = Vec::new();
    for entry in entries {
        match &entry.outcome {
            Outcome::WaitingFor(author) => {
                waiting.push(format!("{} {author}\n", entry.tracking.name))
            }
            outcome => {
                if matches!(outcome, Outcome::Rebased | Outcome::Updated) {
                    for other in others.iter().filter(|o| {
                        o.kind == Kind::Bug
                            && o.id == entry.tracking.id
                            && o.name != entry.tracking.name
                    }) {
                        settled.push((other.name.clone(), Oid::ZERO_SHA1));
                    }
                }
                settled.push((entry.tracking.name.clone(), entry.tracking.head));
            }
        }
    }
    (settled, waiting)
}

fn finish(repo: &Repo, report: &mut Report) {
    if report.changed_anything() {
        repo.invalidate_go_cache();
    }
}

/// Merges `todo`, identities first (bugs need their authors). The caller
/// holds the write lock. `all_tracking` gives the other remotes' heads.
fn merge_all(
    repo: &Repo,
    mut todo: Vec<TrackingRef>,
    all_tracking: &[TrackingRef],
) -> Result<Report, RepoError> {
    let mut report = Report::default();
    todo.sort_by(|a, b| (a.kind, &a.id, &a.remote).cmp(&(b.kind, &b.id, &b.remote)));
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
                    merge_bug(repo, &identities, &tracking.id, tracking.head, &others)
                }
            }
        };
        // One entity's failure is that entity's: the others are merged.
        match result {
            Ok(outcome) => report.entries.push(Entry { tracking, outcome }),
            Err(e) if e.is_missing_object() => report.entries.push(Entry {
                tracking,
                outcome: Outcome::Incomplete(format!(
                    "history incomplete ({e}); fetch the rest of it"
                )),
            }),
            Err(e) => report.errors.push((tracking, e.to_string())),
        }
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

    #[test]
    fn reads_transaction_lines_past_a_bad_one() {
        let (old, new) = ("0".repeat(40), "1".repeat(40));
        let mut input = format!("{old} {new} refs/heads/caf").into_bytes();
        // A ref name in Latin-1, as git allows.
        input.push(0xe9);
        input.extend(format!("\nnot a line\n{old} {new} refs/remotes/o/bugs/x\n").bytes());
        assert_eq!(
            transaction_updates(&input),
            vec![(
                Oid::from_str(&new).unwrap(),
                "refs/remotes/o/bugs/x".to_string()
            )]
        );
    }
}
