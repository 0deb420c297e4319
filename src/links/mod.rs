//! Commits that reference bugs. A commit whose message carries
//! `Closes-Bug: <id>` closes that bug, with a comment naming the commit,
//! once the commit reaches the default branch; `Partial-Bug` and
//! `Related-Bug` add the comment only. The operations a commit causes are
//! deterministic (time from the commit, nonce from the bug, commit and
//! action), so every replica that sees the commit writes the same bytes
//! and the merge keeps one copy.

pub mod trailers;

pub use trailers::{Action, Reference};

use crate::bug::{self, BugError, OpKind, Operation, Status};
use crate::entity::id::{hash_id, human, resolve_prefix};
use crate::identity::{Identity, IdentityStore};
use crate::repo::{Repo, RepoError};
use base64::Engine;
use git2::{Oid, Sort};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Config key naming the branch whose commits act on bugs.
pub const DEFAULT_BRANCH_KEY: &str = "git-bug.defaultBranch";
/// Metadata keys of the operations a commit causes.
pub const COMMIT_KEY: &str = "git-commit";
pub const ACTION_KEY: &str = "git-commit-action";
/// Identifies a commit across rebases and amends: author, date, subject.
pub const CHANGE_KEY: &str = "git-commit-change";

/// Bound on the commits looked at in one pass.
const MAX_COMMITS_PER_PASS: usize = 100_000;

/// The default branch: `git-bug.defaultBranch`, else what
/// `refs/remotes/origin/HEAD` points to, else `main` or `master`.
pub fn default_branch(repo: &Repo) -> Result<String, RepoError> {
    if let Some(name) = repo
        .config_get(DEFAULT_BRANCH_KEY)?
        .filter(|n| !n.trim().is_empty())
    {
        return Ok(name.trim().trim_start_matches("refs/heads/").to_string());
    }
    if let Ok(head) = repo.git2().find_reference("refs/remotes/origin/HEAD")
        && let Some(target) = head.symbolic_target().ok().flatten()
        && let Some(name) = target.strip_prefix("refs/remotes/origin/")
    {
        return Ok(name.to_string());
    }
    for name in ["main", "master"] {
        if repo.ref_target(&format!("refs/heads/{name}"))?.is_some() {
            return Ok(name.to_string());
        }
    }
    // A repository without commits yet: the branch HEAD will create.
    if let Ok(head) = repo.git2().find_reference("HEAD")
        && let Some(target) = head.symbolic_target().ok().flatten()
        && let Some(name) = target.strip_prefix("refs/heads/")
    {
        return Ok(name.to_string());
    }
    Ok("main".to_string())
}

/// The last default-branch tip whose commits were acted on, in
/// `<state>/links/processed` as `<branch> <oid>` (a zero oid: act on every
/// commit the branch gets).
struct Processed {
    path: std::path::PathBuf,
}

impl Processed {
    fn new(repo: &Repo) -> Processed {
        Processed {
            path: repo.state_dir().join("links").join("processed"),
        }
    }

    fn load(&self) -> Option<(String, Oid)> {
        let text = std::fs::read_to_string(&self.path).ok()?;
        let (branch, oid) = text.trim().split_once(' ')?;
        Some((branch.to_string(), Oid::from_str(oid).ok()?))
    }

    fn save(&self, branch: &str, tip: Oid) -> Result<(), RepoError> {
        let dir = self.path.parent().unwrap_or(&self.path);
        let what = || format!("saving {}", self.path.display());
        std::fs::create_dir_all(dir).map_err(crate::repo::io_err(what()))?;
        let tmp = dir.join(format!(".processed.{}.tmp", std::process::id()));
        std::fs::write(&tmp, format!("{branch} {tip}\n")).map_err(crate::repo::io_err(what()))?;
        std::fs::rename(&tmp, &self.path).map_err(crate::repo::io_err(what()))
    }
}

/// Starts acting on commits that reach the default branch from now on
/// (or on all of them, when the branch has no commit yet).
pub fn start_tracking(repo: &Repo) -> Result<(), RepoError> {
    let branch = default_branch(repo)?;
    let tip = repo
        .ref_target(&format!("refs/heads/{branch}"))?
        .unwrap_or(Oid::ZERO_SHA1);
    Processed::new(repo).save(&branch, tip)
}

/// What one commit did to one bug.
#[derive(Debug, Clone)]
pub struct Applied {
    pub commit: Oid,
    pub bug: String,
    pub action: Action,
}

/// What a pass did, and what it could not do.
#[derive(Debug, Default)]
pub struct Report {
    pub applied: Vec<Applied>,
    pub warnings: Vec<String>,
}

/// Acts on the commits that reached the default branch since the last
/// pass. `me` gives the identity to write with when the commit's author has
/// none of their own; it is asked only when there is something to write.
pub fn process_new_commits(
    repo: &Repo,
    identities: &IdentityStore,
    me: &dyn Fn() -> Option<Arc<Identity>>,
) -> Result<Report, BugError> {
    let mut report = Report::default();
    let branch = default_branch(repo)?;
    let Some(tip) = repo.ref_target(&format!("refs/heads/{branch}"))? else {
        return Ok(report);
    };
    let processed = Processed::new(repo);
    let since = match processed.load() {
        Some((b, oid)) if b == branch || oid.is_zero() => oid,
        // The default branch changed (origin/HEAD appeared, say) but carries
        // on from where the old one was: carry on from there too.
        Some((_, oid)) if !oid.is_zero() && repo.is_ancestor(oid, tip).unwrap_or(false) => oid,
        // Never tracked, or another history: start from here. A read-only
        // repository cannot keep that, and has nothing to act on anyway.
        _ => {
            let _ = processed.save(&branch, tip);
            return Ok(report);
        }
    };
    if since == tip {
        return Ok(report);
    }
    let _lock = repo.lock_for_write()?;
    for commit in new_commits(repo, tip, since)? {
        apply_commit(repo, identities, me, commit, &mut report)?;
    }
    processed.save(&branch, tip)?;
    if !report.applied.is_empty() {
        repo.invalidate_go_cache();
    }
    Ok(report)
}

/// Commits reachable from `tip` and not from `since`, oldest first.
fn new_commits(repo: &Repo, tip: Oid, since: Oid) -> Result<Vec<Oid>, RepoError> {
    let git_err = |e| RepoError::Git {
        what: "walking the default branch".into(),
        source: e,
    };
    let mut walk = repo.git2().revwalk().map_err(git_err)?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)
        .map_err(git_err)?;
    walk.push(tip).map_err(git_err)?;
    if !since.is_zero() && repo.git2().find_commit(since).is_ok() {
        walk.hide(since).map_err(git_err)?;
    }
    walk.take(MAX_COMMITS_PER_PASS)
        .map(|oid| oid.map_err(git_err))
        .collect()
}

fn apply_commit(
    repo: &Repo,
    identities: &IdentityStore,
    me: &dyn Fn() -> Option<Arc<Identity>>,
    oid: Oid,
    report: &mut Report,
) -> Result<(), BugError> {
    let commit = repo.git2().find_commit(oid).map_err(|e| RepoError::Git {
        what: format!("reading commit {oid}"),
        source: e,
    })?;
    let message = String::from_utf8_lossy(commit.message_bytes()).into_owned();
    if !trailers::mentions_bugs(&message) {
        return Ok(());
    }
    let short = &oid.to_string()[..7];
    for reference in trailers::parse(&message, None) {
        let bug = match bug::resolve(repo, &reference.prefix) {
            Ok(found) => found,
            Err(e) => {
                report.warnings.push(format!(
                    "commit {short}: {}: {}: {e}",
                    reference.key, reference.prefix
                ));
                continue;
            }
        };
        let mut seen = bug::SeenClocks::default();
        let current = bug::read(repo, identities, &bug, &mut seen)?;
        let ops = operations(&current.snapshot.id, &commit, reference.action);
        let change = ops[0].metadata[CHANGE_KEY].clone();
        let done = current.snapshot.operations.iter().any(|o| {
            o.op.metadata.get(CHANGE_KEY) == Some(&change)
                && o.op.metadata.get(ACTION_KEY).map(String::as_str)
                    == Some(reference.action.as_str())
        });
        if done {
            continue;
        }
        let author = author_of(identities, &commit).or_else(me);
        let Some(author) = author else {
            report.warnings.push(format!(
                "commit {short}: no identity to write with; run \"git bug user new\", then any git bug command"
            ));
            return Err(BugError::Invalid(
                "no identity to act on commits with".into(),
            ));
        };
        bug::append(repo, &current, &author, &ops)?;
        report.applied.push(Applied {
            commit: oid,
            bug: current.snapshot.id.clone(),
            action: reference.action,
        });
    }
    Ok(())
}

/// The identity whose email is the commit author's, if exactly one has it.
fn author_of(identities: &IdentityStore, commit: &git2::Commit) -> Option<Arc<Identity>> {
    let email = commit.author().email().ok()?.to_ascii_lowercase();
    let ids = identities.ids().ok()?;
    let mut found = ids
        .iter()
        .filter_map(|id| identities.get(id).ok())
        .filter(|i| i.email().to_ascii_lowercase() == email);
    let first = found.next()?;
    found.next().is_none().then_some(first)
}

/// The operations a commit causes on a bug: a comment naming it, and for
/// `Closes-Bug` a close. Nothing in them depends on who writes them or when.
pub fn operations(bug_id: &str, commit: &git2::Commit, action: Action) -> Vec<Operation> {
    let id = commit.id().to_string();
    let subject = commit
        .summary()
        .ok()
        .flatten()
        .unwrap_or("")
        .trim()
        .to_string();
    let author = commit.author();
    let change = hash_id(
        format!(
            "{}\n{}\n{}",
            author.email().unwrap_or(""),
            author.when().seconds(),
            subject
        )
        .as_bytes(),
    );
    let mut metadata = BTreeMap::new();
    metadata.insert(COMMIT_KEY.to_string(), id.clone());
    metadata.insert(ACTION_KEY.to_string(), action.as_str().to_string());
    metadata.insert(CHANGE_KEY.to_string(), change);
    let verb = match action {
        Action::Close => "Closed by",
        Action::Partial => "Partly addressed by",
        Action::Related => "Referenced by",
    };
    let nonce = |part: &str| {
        let digest = hash_id(format!("{bug_id}\n{id}\n{}\n{part}", action.as_str()).as_bytes());
        let bytes: Vec<u8> = (0..20)
            .map(|i| u8::from_str_radix(&digest[2 * i..2 * i + 2], 16).unwrap_or(0))
            .collect();
        base64::engine::general_purpose::STANDARD.encode(bytes)
    };
    let op = |kind: OpKind, part: &str| Operation {
        timestamp: commit.time().seconds(),
        nonce: nonce(part),
        metadata: metadata.clone(),
        kind,
    };
    let message = format!(
        "{verb} commit {}: {}",
        human(&id),
        crate::bug::operation::cleanup_one_line(&subject)
    );
    let mut ops = vec![op(
        OpKind::AddComment {
            message,
            files: None,
        },
        "comment",
    )];
    if action == Action::Close {
        ops.push(op(
            OpKind::SetStatus {
                status: Status::Closed,
            },
            "status",
        ));
    }
    ops
}

/// A bug reference that does not name exactly one bug.
#[derive(Debug, Clone)]
pub struct BadReference {
    pub reference: Reference,
    pub problem: String,
}

/// A reference whose prefix was lengthened to be readable and unique.
#[derive(Debug, Clone)]
pub struct Expansion {
    pub reference: Reference,
    pub expanded: String,
}

/// Checks the references of a message being committed: each must name
/// exactly one bug. Short prefixes are lengthened to at least 7 characters.
pub fn check_message(
    repo: &Repo,
    message: &str,
    comment: &str,
) -> Result<(Vec<BadReference>, Vec<Expansion>), BugError> {
    let ids: Vec<String> = bug::list(repo)?.into_iter().map(|b| b.id).collect();
    let mut bad = Vec::new();
    let mut expansions = Vec::new();
    for reference in trailers::parse(message, Some(comment)) {
        match resolve_prefix(&reference.prefix, ids.iter().map(String::as_str), "bug") {
            Ok(id) => {
                if reference.prefix.len() < crate::entity::id::HUMAN_LEN {
                    let mut len = crate::entity::id::HUMAN_LEN;
                    while ids
                        .iter()
                        .filter(|other| other.starts_with(&id[..len]))
                        .count()
                        > 1
                    {
                        len += 1;
                    }
                    expansions.push(Expansion {
                        reference,
                        expanded: id[..len].to_string(),
                    });
                }
            }
            Err(e) => bad.push(BadReference {
                reference,
                problem: e.to_string(),
            }),
        }
    }
    Ok((bad, expansions))
}

/// The message with each expanded reference written out in full.
pub fn apply_expansions(message: &str, expansions: &[Expansion]) -> String {
    let mut lines: Vec<String> = message.split('\n').map(String::from).collect();
    // Right to left on each line, so that earlier spans stay where they were.
    let mut ordered: Vec<&Expansion> = expansions.iter().collect();
    ordered.sort_by_key(|e| std::cmp::Reverse((e.reference.line, e.reference.span.0)));
    for e in ordered {
        let (start, end) = e.reference.span;
        if let Some(line) = lines.get_mut(e.reference.line)
            && line.get(start..end).is_some()
        {
            line.replace_range(start..end, &e.expanded);
        }
    }
    lines.join("\n")
}

/// The commits that reference a bug, from its operations' metadata, in
/// order, each once: (commit id, action).
pub fn commit_links(snapshot: &crate::bug::Snapshot) -> Vec<(String, Action)> {
    let mut out: Vec<(String, Action)> = Vec::new();
    for applied in &snapshot.operations {
        let meta = &applied.op.metadata;
        if let (Some(commit), Some(action)) = (
            meta.get(COMMIT_KEY),
            meta.get(ACTION_KEY).and_then(|a| Action::parse(a)),
        ) && !out.iter().any(|(c, a)| c == commit && *a == action)
        {
            out.push((commit.clone(), action));
        }
    }
    out
}
