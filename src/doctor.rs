//! Checking a repository for what killed writers and bad data leave behind:
//! lock files nobody holds, refs that point at nothing readable, bugs and
//! identities that cannot be read, and clock files below the clocks the
//! bugs already use. Repairs only what is safe: removing a lock file that no
//! live process can hold, raising a clock. Bug and identity data is never
//! deleted or rewritten.

use crate::bug::{self, BugRef, CREATE_CLOCK, EDIT_CLOCK, SeenClocks};
use crate::entity::clock::ClockStore;
use crate::identity::{self, IdentityStore};
use crate::repo::{LeftoverLock, Repo, RepoError, human_duration, process_alive};
use git2::{ObjectType, Oid};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A lock file younger than this may belong to a git that is still running.
pub const STALE_AFTER: Duration = Duration::from_secs(10 * 60);

/// What kind of thing a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Lock,
    Ref,
    Bug,
    Identity,
    Clock,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Lock => "lock",
            Kind::Ref => "ref",
            Kind::Bug => "bug",
            Kind::Identity => "identity",
            Kind::Clock => "clock",
        }
    }
}

/// Whether a finding was, or can be, repaired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repair {
    /// Repaired by this run.
    Fixed,
    /// `--fix` would repair it.
    Fixable,
    /// Left alone: it needs a person (or time, for a young lock).
    Manual,
}

/// One problem found.
#[derive(Debug, Clone)]
pub struct Finding {
    pub kind: Kind,
    /// The file, ref, or entity id concerned.
    pub subject: String,
    pub problem: String,
    pub repair: Repair,
}

/// How to run the checks.
#[derive(Debug, Clone)]
pub struct Options {
    pub fix: bool,
    pub stale_after: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            fix: false,
            stale_after: STALE_AFTER,
        }
    }
}

/// Runs every check, repairing as it goes when `options.fix` is set. The
/// caller holds the write lock when fixing.
pub fn check(repo: &Repo, options: &Options) -> Result<Vec<Finding>, RepoError> {
    let mut findings = Vec::new();
    locks(repo, options, &mut findings);
    let commits = refs(repo, &mut findings)?;
    identities(repo, &commits, &mut findings);
    let seen = bugs(repo, &commits, &mut findings);
    clocks(repo, options, seen, &mut findings);
    Ok(findings)
}

/// Lock files of refs, `packed-refs` and `config`, and git-bug's PID lock.
fn locks(repo: &Repo, options: &Options, findings: &mut Vec<Finding>) {
    let common = repo.common_dir();
    let mut paths = Vec::new();
    lock_files_under(&common.join("refs"), &mut paths);
    for name in ["packed-refs.lock", "config.lock"] {
        let path = common.join(name);
        if path.exists() {
            paths.push(path);
        }
    }
    paths.sort();
    for path in paths {
        let Some(lock) = LeftoverLock::at(&path) else {
            continue;
        };
        let age = lock.age.unwrap_or_default();
        let old = age >= options.stale_after;
        let problem = if old {
            format!(
                "lock file {} old, longer than any git holds a lock: a killed git or git-bug left it",
                human_duration(age)
            )
        } else {
            format!(
                "lock file {} old: a git may still be writing; left alone until it is {} old",
                human_duration(age),
                human_duration(options.stale_after)
            )
        };
        findings.push(remove_if(options, old, Kind::Lock, &path, problem));
    }
    go_lock(repo, options, findings);
}

/// git-bug's `<state>/lock` holds the PID of the git-bug that holds the
/// repository; it is stale once that process is gone.
fn go_lock(repo: &Repo, options: &Options, findings: &mut Vec<Finding>) {
    let path = repo.state_dir().join("lock");
    let Ok(text) = std::fs::read_to_string(&path) else {
        return;
    };
    match text.trim().parse::<u32>() {
        Ok(pid) if process_alive(pid) == Some(false) => {
            let problem = format!("git-bug lock of process {pid}, which is no longer running");
            findings.push(remove_if(options, true, Kind::Lock, &path, problem));
        }
        Ok(_) => {}
        Err(_) => findings.push(Finding {
            kind: Kind::Lock,
            subject: path.display().to_string(),
            problem: "git-bug lock file without a process id".into(),
            repair: Repair::Manual,
        }),
    }
}

fn remove_if(options: &Options, safe: bool, kind: Kind, path: &Path, problem: String) -> Finding {
    let repair = match (safe, options.fix) {
        (false, _) => Repair::Manual,
        (true, false) => Repair::Fixable,
        (true, true) => match std::fs::remove_file(path) {
            Ok(()) => Repair::Fixed,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Repair::Fixed,
            Err(e) => {
                return Finding {
                    kind,
                    subject: path.display().to_string(),
                    problem: format!("{problem}; removing it failed: {e}"),
                    repair: Repair::Manual,
                };
            }
        },
    };
    Finding {
        kind,
        subject: path.display().to_string(),
        problem,
        repair,
    }
}

fn lock_files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() => lock_files_under(&path, out),
            Ok(_) if path.extension().is_some_and(|e| e == "lock") => out.push(path),
            _ => {}
        }
    }
}

/// Whether `name` holds a bug or an identity, local or remote-tracking.
fn is_entity_ref(name: &str) -> bool {
    let rest = match name.strip_prefix("refs/remotes/") {
        Some(rest) => rest.split_once('/').map_or("", |(_, r)| r),
        None => name.strip_prefix("refs/").unwrap_or(""),
    };
    rest.starts_with("bugs/") || rest.starts_with("identities/")
}

/// Checks that every bug and identity ref points at a commit; returns the
/// refs that do.
fn refs(repo: &Repo, findings: &mut Vec<Finding>) -> Result<Vec<(String, Oid)>, RepoError> {
    let git = repo.git2();
    let listing_failed = |e: git2::Error| RepoError::Git {
        what: "listing refs".into(),
        source: e,
    };
    let mut commits = Vec::new();
    for reference in git.references().map_err(listing_failed)? {
        let reference = match reference {
            Ok(r) => r,
            Err(e) => {
                findings.push(Finding {
                    kind: Kind::Ref,
                    subject: "refs".into(),
                    problem: format!("a ref cannot be read: {}", e.message()),
                    repair: Repair::Manual,
                });
                continue;
            }
        };
        let Ok(name) = reference.name() else { continue };
        if !is_entity_ref(name) {
            continue;
        }
        let Some(target) = reference.target() else {
            findings.push(broken_ref(name, "is a symbolic ref".into()));
            continue;
        };
        match git.find_object(target, None) {
            Ok(object) if object.kind() == Some(ObjectType::Commit) => {
                commits.push((name.to_string(), target));
            }
            Ok(object) => {
                let kind = object.kind().map_or("unknown object", |k| k.str());
                findings.push(broken_ref(
                    name,
                    format!("points at {kind} {target}, not a commit"),
                ));
            }
            Err(e) if e.code() == git2::ErrorCode::NotFound => {
                findings.push(broken_ref(
                    name,
                    format!("points at {target}, which is missing"),
                ));
            }
            Err(e) => findings.push(broken_ref(
                name,
                format!("its target {target} cannot be read: {}", e.message()),
            )),
        }
    }
    commits.sort();
    Ok(commits)
}

fn broken_ref(name: &str, problem: String) -> Finding {
    Finding {
        kind: Kind::Ref,
        subject: name.to_string(),
        problem: format!(
            "{problem}; left as it is: inspect it, or delete it with \"git update-ref -d {name}\""
        ),
        repair: Repair::Manual,
    }
}

/// Local refs under `prefix` among the refs that point at commits.
fn local<'a>(
    commits: &'a [(String, Oid)],
    prefix: &'a str,
) -> impl Iterator<Item = (&'a str, Oid)> {
    commits
        .iter()
        .filter_map(move |(name, oid)| Some((name.strip_prefix(prefix)?, *oid)))
}

fn identities(repo: &Repo, commits: &[(String, Oid)], findings: &mut Vec<Finding>) {
    for (id, head) in local(commits, identity::REF_PREFIX) {
        let problem = match identity::read(repo, id, head) {
            Ok(found) => match identity::validate_versions(&found) {
                Ok(()) => continue,
                Err(e) => e,
            },
            Err(e) => e.to_string(),
        };
        findings.push(Finding {
            kind: Kind::Identity,
            subject: id.to_string(),
            problem: format!("cannot be used: {problem}"),
            repair: Repair::Manual,
        });
    }
}

/// Reads every local bug; returns the highest clocks the readable ones use.
fn bugs(repo: &Repo, commits: &[(String, Oid)], findings: &mut Vec<Finding>) -> SeenClocks {
    let store = IdentityStore::new(repo);
    let mut seen = SeenClocks::default();
    for (id, head) in local(commits, bug::REF_PREFIX) {
        let found = BugRef {
            id: id.to_string(),
            head,
        };
        if let Err(e) = bug::read(repo, &store, &found, &mut seen) {
            let reason = match e {
                bug::BugError::Unreadable { reason, .. } => reason,
                other => other.to_string(),
            };
            findings.push(Finding {
                kind: Kind::Bug,
                subject: id.to_string(),
                problem: format!("cannot be read: {reason}"),
                repair: Repair::Manual,
            });
        }
    }
    seen
}

/// A clock file below a value a bug already carries would hand that value
/// out again.
fn clocks(repo: &Repo, options: &Options, seen: SeenClocks, findings: &mut Vec<Finding>) {
    let store = ClockStore::new(&repo.state_dir());
    for (name, used) in [(CREATE_CLOCK, seen.create), (EDIT_CLOCK, seen.edit)] {
        let subject = repo
            .state_dir()
            .join("clocks")
            .join(name)
            .display()
            .to_string();
        let current = match store.value(name) {
            // A missing clock file is rebuilt from the bugs on the next write.
            Ok(None) => continue,
            Ok(Some(v)) if v >= used => continue,
            Ok(Some(v)) => v,
            Err(e) => {
                findings.push(Finding {
                    kind: Kind::Clock,
                    subject,
                    problem: format!("clock file cannot be read: {e}"),
                    repair: Repair::Manual,
                });
                continue;
            }
        };
        let problem = format!("clock file says {current}, below {used} used by a bug");
        let repair = match options.fix {
            false => Repair::Fixable,
            true => match store.witness(name, used) {
                Ok(()) => Repair::Fixed,
                Err(e) => {
                    findings.push(Finding {
                        kind: Kind::Clock,
                        subject,
                        problem: format!("{problem}; raising it failed: {e}"),
                        repair: Repair::Manual,
                    });
                    continue;
                }
            },
        };
        findings.push(Finding {
            kind: Kind::Clock,
            subject,
            problem,
            repair,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_refs_local_and_tracking() {
        assert!(is_entity_ref("refs/bugs/abc"));
        assert!(is_entity_ref("refs/identities/abc"));
        assert!(is_entity_ref("refs/remotes/origin/bugs/abc"));
        assert!(is_entity_ref("refs/remotes/up/identities/abc"));
        assert!(!is_entity_ref("refs/heads/bugs/abc"));
        assert!(!is_entity_ref("refs/remotes/origin/main"));
    }
}
