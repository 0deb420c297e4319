//! The repository people push to (`git bug install --server`): every pushed
//! bug and identity is checked as a clone merging it would check it, and
//! each invalid one is refused with its reason while the rest of the push
//! goes through, so that one bad push cannot poison what everyone fetches.
//!
//! git hands the updates of `refs/bugs/*` and `refs/identities/*` to the
//! `proc-receive` hook (`receive.procReceiveRefs`): one process for the
//! whole push, started once the pushed objects have left the quarantine.
//! The hook writes the refs it accepts and answers `ok` or `ng <reason>`
//! per ref; git shows each reason to the pusher. An `update` hook would be
//! simpler, but git starts it once per ref, which for a push of 1,000 bugs
//! costs several times the push itself.
//!
//! What is accepted, beyond the validation of the merge:
//! - an update must be a fast-forward: the server keeps every operation
//!   pushed to it, and clients never force (they merge and push again);
//! - a bug may be deleted (to remove spam; clones keep their copies),
//!   unless `receive.denyDeletes` is set; an identity is never deleted,
//!   since bugs name it as their author;
//! - a bug's author may be an identity pushed in the same push.

use crate::bug::validate::{Rejection, validate};
use crate::entity::id::{human, is_valid_id};
use crate::identity::{self, IdentityStore};
use crate::repo::Repo;
use git2::{ErrorCode, Oid};
use std::collections::{HashMap, HashSet};
use std::io::{self, Read, Write};

/// The ref prefixes git hands to the hook, as `receive.procReceiveRefs` values.
pub const CHECKED_REFS: [&str; 2] = ["refs/bugs/", "refs/identities/"];

/// One ref update of a push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update {
    pub old: Oid,
    pub new: Oid,
    pub name: String,
}

/// Accepted, or refused with a one-line reason.
pub type Verdict = Result<(), String>;

enum Target<'a> {
    Bug(&'a str),
    Identity(&'a str),
}

fn target(name: &str) -> Result<Target<'_>, String> {
    let (target, id) = if let Some(id) = name.strip_prefix("refs/bugs/") {
        (Target::Bug(id), id)
    } else if let Some(id) = name.strip_prefix("refs/identities/") {
        (Target::Identity(id), id)
    } else {
        return Err("not a bug or identity ref".into());
    };
    if is_valid_id(id) {
        Ok(target)
    } else {
        Err(format!("{id:?} is not an entity id"))
    }
}

/// Checks every update of one push: identities first, so that a bug may
/// name as its author an identity that arrives with it.
pub fn judge(repo: &Repo, updates: &[Update]) -> Vec<Verdict> {
    let mut verdicts: Vec<Option<Verdict>> = vec![None; updates.len()];
    let mut arriving = HashMap::new();
    let mut refused = HashSet::new();
    for (update, verdict) in updates.iter().zip(&mut verdicts) {
        match target(&update.name) {
            Ok(Target::Identity(id)) => {
                let judged = judge_identity(repo, id, update);
                match judged {
                    Ok(()) if !update.new.is_zero() => {
                        arriving.insert(id.to_string(), update.new);
                    }
                    Ok(()) => {}
                    Err(_) => {
                        refused.insert(id.to_string());
                    }
                }
                *verdict = Some(judged);
            }
            Ok(Target::Bug(_)) => {}
            Err(why) => *verdict = Some(Err(why)),
        }
    }
    let identities = IdentityStore::with_heads(repo, arriving);
    let deny_deletes = repo
        .config_bool("receive.denyDeletes")
        .ok()
        .flatten()
        .unwrap_or(false);
    for (update, verdict) in updates.iter().zip(&mut verdicts) {
        if verdict.is_none()
            && let Ok(Target::Bug(id)) = target(&update.name)
        {
            *verdict = Some(judge_bug(
                repo,
                &identities,
                &refused,
                deny_deletes,
                id,
                update,
            ));
        }
    }
    verdicts
        .into_iter()
        .map(|v| v.unwrap_or_else(|| Err("not checked".into())))
        .collect()
}

/// An update of an existing ref must keep everything the ref had.
fn fast_forward(repo: &Repo, update: &Update) -> Verdict {
    if update.old.is_zero() {
        return Ok(());
    }
    match repo.is_ancestor(update.old, update.new) {
        Ok(true) => Ok(()),
        Ok(false) => Err(
            "not a fast-forward: the server keeps every change pushed to it; pull, merge and push again"
                .into(),
        ),
        Err(e) => Err(format!("the server could not check it: {e}")),
    }
}

fn judge_identity(repo: &Repo, id: &str, update: &Update) -> Verdict {
    if update.new.is_zero() {
        return Err("identities are never deleted: bugs name them as their authors".into());
    }
    fast_forward(repo, update)?;
    let identity = identity::read(repo, id, update.new).map_err(|e| e.to_string())?;
    identity::validate_versions(&identity)
}

fn judge_bug(
    repo: &Repo,
    identities: &IdentityStore,
    refused_identities: &HashSet<String>,
    deny_deletes: bool,
    id: &str,
    update: &Update,
) -> Verdict {
    if update.new.is_zero() {
        return if deny_deletes {
            Err("deletion prohibited (receive.denyDeletes)".into())
        } else {
            Ok(())
        };
    }
    fast_forward(repo, update)?;
    match validate(repo, identities, id, update.new) {
        Ok(_) => Ok(()),
        Err(Rejection::MissingAuthor(author)) if refused_identities.contains(&author) => {
            Err(format!("its author identity {} is refused", human(&author)))
        }
        Err(Rejection::MissingAuthor(author)) => Err(format!(
            "its author identity {} is neither on the server nor in this push; push it too",
            human(&author)
        )),
        Err(Rejection::Incomplete(why) | Rejection::Invalid(why)) => Err(why),
    }
}

/// Writes the accepted updates, each only if its ref still holds the value
/// the pusher saw, identities first so that no fetch meanwhile sees a bug
/// before its author. Returns the final verdicts.
pub fn apply(repo: &Repo, updates: &[Update], mut verdicts: Vec<Verdict>) -> Vec<Verdict> {
    let mut order: Vec<usize> = (0..updates.len()).collect();
    order.sort_by_key(|&i| !updates[i].name.starts_with("refs/identities/"));
    for i in order {
        if verdicts[i].is_ok() {
            verdicts[i] = write(repo, &updates[i]);
        }
    }
    verdicts
}

/// One compare-and-swap ref write, logged as git logs the updates of a
/// push (libgit2 follows `core.logAllRefUpdates`).
fn write(repo: &Repo, update: &Update) -> Verdict {
    let git = repo.git2();
    let moved = || "changed on the server meanwhile; pull, merge and push again".to_string();
    let failed = |e: git2::Error| -> String {
        match e.code() {
            ErrorCode::Exists | ErrorCode::Modified | ErrorCode::NotFound | ErrorCode::Locked => {
                moved()
            }
            _ => format!("the server could not write it: {}", e.message()),
        }
    };
    let message = "push";
    if update.new.is_zero() {
        let mut reference = git.find_reference(&update.name).map_err(failed)?;
        if reference.target() != Some(update.old) {
            return Err(moved());
        }
        return reference.delete().map_err(failed);
    }
    let written = if update.old.is_zero() {
        git.reference(&update.name, update.new, false, message)
    } else {
        git.reference_matching(&update.name, update.new, true, update.old, message)
    };
    written.map(|_| ()).map_err(failed)
}

/// Judges and writes one push. In an atomic push one refusal refuses all.
pub fn receive(repo: &Repo, updates: &[Update], atomic: bool) -> Vec<Verdict> {
    let mut verdicts = judge(repo, updates);
    if atomic && let Some(culprit) = verdicts.iter().position(Result::is_err) {
        let why = format!("atomic push refused with {}", updates[culprit].name);
        for (i, verdict) in verdicts.iter_mut().enumerate() {
            if i != culprit && verdict.is_ok() {
                *verdict = Err(why.clone());
            }
        }
        return verdicts;
    }
    apply(repo, updates, verdicts)
}

// ---------------------------------------------------------------------------
// The proc-receive protocol (githooks(5)): pkt-lines on stdin and stdout
// ---------------------------------------------------------------------------

fn protocol_error(what: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.into())
}

/// One pkt-line: `Some(payload)`, or `None` for a flush packet.
fn read_pkt(input: &mut impl Read) -> io::Result<Option<Vec<u8>>> {
    let mut header = [0u8; 4];
    input.read_exact(&mut header)?;
    let len = std::str::from_utf8(&header)
        .ok()
        .and_then(|h| usize::from_str_radix(h, 16).ok())
        .ok_or_else(|| protocol_error("bad pkt-line length"))?;
    if len == 0 {
        return Ok(None);
    }
    if len < 4 {
        return Err(protocol_error("unexpected special pkt-line"));
    }
    let mut payload = vec![0u8; len - 4];
    input.read_exact(&mut payload)?;
    if payload.last() == Some(&b'\n') {
        payload.pop();
    }
    Ok(Some(payload))
}

/// The packets up to the next flush.
fn read_section(input: &mut impl Read) -> io::Result<Vec<Vec<u8>>> {
    let mut packets = Vec::new();
    while let Some(packet) = read_pkt(input)? {
        packets.push(packet);
    }
    Ok(packets)
}

fn write_pkt(output: &mut impl Write, payload: &[u8]) -> io::Result<()> {
    // git's limit on one packet; our lines are far shorter, reasons are cut.
    const MAX_PAYLOAD: usize = 65516;
    let payload = &payload[..payload.len().min(MAX_PAYLOAD)];
    write!(output, "{:04x}", payload.len() + 4)?;
    output.write_all(payload)
}

/// Control characters in a reason would reach the pusher's terminal: git
/// prints it as it is. They are shown escaped instead, on one line.
fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

fn parse_update(line: &[u8]) -> io::Result<Update> {
    let text = std::str::from_utf8(line).map_err(|_| protocol_error("a command is not UTF-8"))?;
    let mut fields = text.splitn(3, ' ');
    let (Some(old), Some(new), Some(name)) = (fields.next(), fields.next(), fields.next()) else {
        return Err(protocol_error(format!("unreadable command {text:?}")));
    };
    let oid = |hex: &str| Oid::from_str(hex).map_err(|_| protocol_error("bad object id"));
    Ok(Update {
        old: oid(old)?,
        new: oid(new)?,
        name: name.to_string(),
    })
}

/// Speaks the proc-receive protocol with git: reads the push's updates of
/// bug and identity refs, writes the valid ones and reports each verdict.
pub fn proc_receive(repo: &Repo, input: &mut impl Read, output: &mut impl Write) -> io::Result<()> {
    let hello = read_section(input)?;
    let first = hello.first().map(Vec::as_slice).unwrap_or_default();
    let (version, capabilities) = match first.iter().position(|&b| b == 0) {
        Some(nul) => (&first[..nul], &first[nul + 1..]),
        None => (first, &[][..]),
    };
    if version != b"version=1" {
        return Err(protocol_error(format!(
            "git speaks {:?}; this git-bug knows version=1",
            String::from_utf8_lossy(version)
        )));
    }
    let atomic = capabilities
        .split(|&b| b == b' ')
        .any(|capability| capability == b"atomic");
    write_pkt(output, b"version=1\0")?;
    output.write_all(b"0000")?;
    output.flush()?;

    let updates = read_section(input)?
        .iter()
        .map(|line| parse_update(line))
        .collect::<io::Result<Vec<Update>>>()?;
    let verdicts = receive(repo, &updates, atomic);
    for (update, verdict) in updates.iter().zip(&verdicts) {
        let line = match verdict {
            Ok(()) => format!("ok {}\n", update.name),
            Err(why) => format!("ng {} {}\n", update.name, printable(why)),
        };
        write_pkt(output, line.as_bytes())?;
    }
    output.write_all(b"0000")?;
    output.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes_pkt_lines() {
        let mut out = Vec::new();
        write_pkt(&mut out, b"ok refs/bugs/x\n").unwrap();
        out.extend_from_slice(b"0000");
        assert_eq!(out, b"0013ok refs/bugs/x\n0000");
        let mut input = out.as_slice();
        assert_eq!(
            read_section(&mut input).unwrap(),
            vec![b"ok refs/bugs/x".to_vec()]
        );
        assert!(read_pkt(&mut b"00".as_slice()).is_err());
        assert!(read_pkt(&mut b"zzzz".as_slice()).is_err());
    }

    #[test]
    fn reasons_stay_on_one_printable_line() {
        assert_eq!(printable("a\nb\x1b[31m"), "a\\u{a}b\\u{1b}[31m");
    }

    #[test]
    fn only_bug_and_identity_ids_are_targets() {
        let id = "a".repeat(64);
        assert!(matches!(
            target(&format!("refs/bugs/{id}")),
            Ok(Target::Bug(_))
        ));
        assert!(matches!(
            target(&format!("refs/identities/{id}")),
            Ok(Target::Identity(_))
        ));
        assert!(target("refs/bugs/short").is_err());
        assert!(target(&format!("refs/bugs/{id}/x")).is_err());
    }
}
