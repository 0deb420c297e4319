//! The write-ahead journal of pushes: before each tracker write, a line
//! saying which operation is about to be sent, to which ticket, and the
//! cursor the ticket was unchanged since. A push that dies between the
//! write and its record leaves the line behind; the next fetch or push
//! looks for that write on the tracker (only our writes can follow the
//! cursor: a push needs the ticket unchanged since it) and records it
//! instead of writing again. Local to this clone, under the git dir.

use super::connector::{Connector, Intent, Written};
use super::{Namespace, Result};
use crate::repo::Repo;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::PathBuf;

/// One write about to be made.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    pub bug: String,
    pub op: String,
    pub ticket: String,
    pub cursor: String,
    pub intent: Intent,
}

fn path(repo: &Repo, ns: &Namespace) -> PathBuf {
    repo.common_dir()
        .join("git-bug")
        .join("bridge")
        .join(ns.file_name())
        .join("journal")
}

fn io(what: &str, e: std::io::Error) -> super::BridgeError {
    super::BridgeError::Tracker(format!("{what} the push journal: {e}"))
}

/// The entries left by pushes that did not finish.
pub fn pending(repo: &Repo, ns: &Namespace) -> Result<Vec<Entry>> {
    match std::fs::read_to_string(path(repo, ns)) {
        Ok(text) => Ok(text
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(io("reading", e)),
    }
}

/// Records an intent durably, before the write it announces.
pub fn append(repo: &Repo, ns: &Namespace, entry: &Entry) -> Result<()> {
    let file = path(repo, ns);
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).map_err(|e| io("creating", e))?;
    }
    let mut out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&file)
        .map_err(|e| io("opening", e))?;
    let line = serde_json::to_string(entry).expect("an entry serialises");
    writeln!(out, "{line}").map_err(|e| io("writing", e))?;
    out.sync_all().map_err(|e| io("writing", e))
}

/// Forgets the entries of `bug`: their writes are recorded on it.
pub fn clear(repo: &Repo, ns: &Namespace, bug: &str) -> Result<()> {
    let rest: Vec<Entry> = pending(repo, ns)?
        .into_iter()
        .filter(|e| e.bug != bug)
        .collect();
    let file = path(repo, ns);
    if rest.is_empty() {
        return match std::fs::remove_file(&file) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io("clearing", e)),
        };
    }
    let text: String = rest
        .iter()
        .map(|e| serde_json::to_string(e).expect("an entry serialises") + "\n")
        .collect();
    let tmp = file.with_extension("tmp");
    std::fs::write(&tmp, text).map_err(|e| io("writing", e))?;
    std::fs::rename(&tmp, &file).map_err(|e| io("writing", e))
}

/// Finds on the tracker the writes that unfinished pushes made, and hands
/// each bug's to `record`; then forgets them. A write not found never
/// happened: its operation is still pending and the next push sends it.
pub fn recover(
    repo: &Repo,
    conn: &dyn Connector,
    ns: &Namespace,
    recorded: impl Fn(&str) -> Result<std::collections::HashSet<String>>,
    mut record: impl FnMut(&str, &[(String, Written)]) -> Result<()>,
) -> Result<usize> {
    let entries = pending(repo, ns)?;
    let mut bugs: Vec<String> = entries.iter().map(|e| e.bug.clone()).collect();
    bugs.dedup();
    let mut found = 0;
    for bug in bugs {
        let mut done = Vec::new();
        // Writes recorded already are not the ones we look for.
        let mut taken = recorded(&bug)?;
        for entry in entries.iter().filter(|e| e.bug == bug) {
            if let Some(written) =
                conn.find_written(&entry.ticket, &entry.cursor, &entry.intent, &taken)?
            {
                taken.insert(written.url.clone());
                done.push((entry.op.clone(), written));
            }
        }
        found += done.len();
        record(&bug, &done)?;
        clear(repo, ns, &bug)?;
    }
    Ok(found)
}
