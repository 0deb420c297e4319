//! Commits that reference bugs: `Closes-Bug:`, `Fixes-Bug:`, `Partial-Bug:`
//! and `Related-Bug:` trailers acting on bugs once their commit reaches the
//! default branch, the commit-msg check of those references, the hooks
//! `git bug install` puts in place, and the catch-up every command does.
//!
//! Everything runs real git with the installed hooks and the built
//! `git-bug`. Where it matters whether a hook acted (rather than the
//! catch-up of a later `git bug` command), the test looks at the bug's ref
//! right after the git command, before any `git bug` command runs.

use crate::common::{BIN, Run, TestEnv};
use git_bug::entity::pack::decode_pack;
use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// `git ARGS`, trimmed standard output; panics when git fails.
fn git_out(env: &TestEnv, cwd: &Path, args: &[&str]) -> String {
    env.git(cwd, args).ok().stdout.trim().to_string()
}

/// The full id of `HEAD` (or of any revision).
fn rev(env: &TestEnv, repo: &Path, revision: &str) -> String {
    git_out(env, repo, &["rev-parse", revision])
}

/// A repository with one commit on `main`, then `git bug install` (which
/// starts tracking the default branch from that commit).
fn installed_repo(env: &TestEnv, name: &str) -> PathBuf {
    let repo = env.repo(name);
    env.git(&repo, &["commit", "-q", "--allow-empty", "-m", "Initial"])
        .ok();
    env.git(&repo, &["bug", "install"]).ok();
    repo
}

/// A commit adding a file named after `subject`, whose message is
/// `subject`, a blank line and `body`. Returns the run (for its standard
/// error) and the new `HEAD`.
fn commit(env: &TestEnv, repo: &Path, subject: &str, body: &str) -> (Run, String) {
    let name: String = subject
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let file = format!("{name}.txt");
    std::fs::write(repo.join(&file), format!("{subject}\n")).expect("write file");
    env.git(repo, &["add", &file]).ok();
    let run = env
        .git(repo, &["commit", "-q", "-m", subject, "-m", body])
        .ok();
    (run, rev(env, repo, "HEAD"))
}

/// The value of `refs/bugs/<id>`: moves whenever something is written to the
/// bug, and is read without running `git bug` (so without its catch-up).
fn bug_head(env: &TestEnv, repo: &Path, id: &str) -> String {
    rev(env, repo, &format!("refs/bugs/{id}"))
}

/// `git bug show --format json` (which catches up first).
fn show(env: &TestEnv, repo: &Path, id: &str) -> Value {
    env.bug(repo, &["show", "--format", "json", id]).ok().json()
}

fn status(bug: &Value) -> &str {
    bug["status"].as_str().expect("status")
}

/// The messages of a bug's comments, in order.
fn comments(bug: &Value) -> Vec<String> {
    bug["comments"]
        .as_array()
        .expect("comments")
        .iter()
        .map(|c| c["message"].as_str().expect("message").to_string())
        .collect()
}

/// How many comments of a bug contain `needle`.
fn comments_with(bug: &Value, needle: &str) -> usize {
    comments(bug).iter().filter(|m| m.contains(needle)).count()
}

fn short(id: &str) -> &str {
    &id[..7]
}

/// The raw operations stored in a bug's chain (every commit reachable from
/// its ref, merge commits included), each decoded as JSON.
fn stored_ops(env: &TestEnv, repo: &Path, id: &str) -> Vec<Value> {
    let commits = git_out(env, repo, &["rev-list", &format!("refs/bugs/{id}")]);
    let mut ops = Vec::new();
    for commit in commits.lines() {
        let blob = env
            .git(repo, &["cat-file", "blob", &format!("{commit}:ops")])
            .ok();
        let Ok((_, raw)) = decode_pack(blob.stdout.as_bytes()) else {
            continue; // a merge commit's pack holds no operation
        };
        ops.extend(
            raw.iter()
                .map(|op| serde_json::from_str::<Value>(&op.json).expect("op JSON")),
        );
    }
    ops
}

/// (comments, status changes) stored for `commit` in the bug's chain.
/// Operation types as in git-bug: 3 adds a comment, 4 sets the status.
fn ops_for_commit(env: &TestEnv, repo: &Path, id: &str, commit: &str) -> (usize, usize) {
    let ops = stored_ops(env, repo, id);
    let of = |kind: u64| {
        ops.iter()
            .filter(|op| op["type"] == kind && op["metadata"]["git-commit"] == commit)
            .count()
    };
    (of(3), of(4))
}

/// Lines of standard error that start with `prefix`.
fn lines_starting<'a>(stderr: &'a str, prefix: &str) -> Vec<&'a str> {
    stderr.lines().filter(|l| l.starts_with(prefix)).collect()
}

/// The trailer value of `key` in the message of `HEAD`.
fn head_trailer(env: &TestEnv, repo: &Path, key: &str) -> Option<String> {
    let message = git_out(env, repo, &["log", "-1", "--format=%B"]);
    message.lines().find_map(|l| {
        l.strip_prefix(key)
            .and_then(|rest| rest.strip_prefix(':'))
            .map(|v| v.trim().to_string())
    })
}

fn write_script(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write script");
    let mut perms = std::fs::metadata(path).expect("stat").permissions();
    perms.set_mode(0o755);
    std::fs::set_permissions(path, perms).expect("chmod");
}

/// Runs a program in the environment of a [`TestEnv`] but with `path` as PATH.
fn run_with_path(env: &TestEnv, cwd: &Path, path: &str, program: &str, args: &[&str]) -> Run {
    env.run_with_path(cwd, path, program, args, None)
}

/// The harness's PATH with `first` put before everything.
fn path_with_first(first: &Path) -> String {
    let bin_dir = Path::new(BIN).parent().expect("bin dir");
    format!(
        "{}:{}:{}",
        first.display(),
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

// ---------------------------------------------------------------------------
// 1. Trailers on the default branch
// ---------------------------------------------------------------------------

/// `Closes-Bug` closes with one comment naming the commit; `Related-Bug`
/// and `Partial-Bug` comment only; keys in any case; `Fixes-Bug` closes;
/// plain `Fixes:` does nothing.
#[test]
fn trailers_on_the_default_branch_act_on_bugs() {
    let env = TestEnv::new();
    let repo = installed_repo(&env, "repo");
    let closed = env.new_bug(&repo, "Crash on start", "It crashes");
    let related = env.new_bug(&repo, "Slow parser", "It is slow");
    let partial = env.new_bug(&repo, "Memory leak", "It leaks");
    let lower = env.new_bug(&repo, "Typo in help", "A typo");
    let fixes = env.new_bug(&repo, "Wrong exit code", "Exits 0");
    let kernel = env.new_bug(&repo, "Kernel style", "Fixes: is not ours");

    // Closes-Bug: closed, with exactly one comment naming the commit.
    let (_, c1) = commit(
        &env,
        &repo,
        "Fix the crash on start",
        &format!("Closes-Bug: {}", short(&closed)),
    );
    let bug = show(&env, &repo, &closed);
    assert_eq!(status(&bug), "closed");
    assert_eq!(comments(&bug).len(), 2, "{bug:#}");
    assert_eq!(
        comments(&bug)[1],
        format!("Closed by commit {}: Fix the crash on start", short(&c1))
    );

    // Related-Bug and Partial-Bug: a comment, the bug stays open.
    let (_, c2) = commit(
        &env,
        &repo,
        "Profile the parser",
        &format!("Related-Bug: {}", short(&related)),
    );
    let (_, c3) = commit(
        &env,
        &repo,
        "Free some buffers",
        &format!("Partial-Bug: {}", short(&partial)),
    );
    let bug = show(&env, &repo, &related);
    assert_eq!(status(&bug), "open");
    assert_eq!(
        comments(&bug)[1..],
        [format!(
            "Referenced by commit {}: Profile the parser",
            short(&c2)
        )]
    );
    let bug = show(&env, &repo, &partial);
    assert_eq!(status(&bug), "open");
    assert_eq!(
        comments(&bug)[1..],
        [format!(
            "Partly addressed by commit {}: Free some buffers",
            short(&c3)
        )]
    );

    // Keys in any case (and an upper-case id), Fixes-Bug.
    commit(
        &env,
        &repo,
        "Fix the typo",
        &format!("closes-bug: {}", lower[..8].to_uppercase()),
    );
    commit(
        &env,
        &repo,
        "Exit 1 on errors",
        &format!("FIXES-BUG: {}", short(&fixes)),
    );
    assert_eq!(status(&show(&env, &repo, &lower)), "closed");
    assert_eq!(status(&show(&env, &repo, &fixes)), "closed");

    // Plain `Fixes:` (the kernel's commit reference) is not ours.
    let before = bug_head(&env, &repo, &kernel);
    commit(
        &env,
        &repo,
        "Kernel-style fix",
        &format!("Fixes: {}", short(&kernel)),
    );
    let bug = show(&env, &repo, &kernel);
    assert_eq!(status(&bug), "open");
    assert_eq!(comments(&bug).len(), 1, "{bug:#}");
    assert_eq!(bug_head(&env, &repo, &kernel), before);
}

/// One commit with several trailers acts on several bugs.
#[test]
fn several_trailers_in_one_commit_act_on_several_bugs() {
    let env = TestEnv::new();
    let repo = installed_repo(&env, "repo");
    let a = env.new_bug(&repo, "First", "one");
    let b = env.new_bug(&repo, "Second", "two");
    let c = env.new_bug(&repo, "Third", "three");
    let body = format!(
        "Closes-Bug: {}\nRelated-Bug: {}\nFixes-Bug: {}",
        short(&a),
        short(&b),
        short(&c)
    );
    let (run, head) = commit(&env, &repo, "Rework the core", &body);
    // The hook reports what it did, once per bug.
    assert_eq!(
        lines_starting(&run.stderr, "git-bug: closed bug").len(),
        2,
        "{}",
        run.stderr
    );
    assert_eq!(
        lines_starting(&run.stderr, "git-bug: commented on bug").len(),
        1,
        "{}",
        run.stderr
    );
    for (id, expected) in [(&a, "closed"), (&b, "open"), (&c, "closed")] {
        let bug = show(&env, &repo, id);
        assert_eq!(status(&bug), expected, "{bug:#}");
        assert_eq!(comments_with(&bug, short(&head)), 1, "{bug:#}");
    }
}

// ---------------------------------------------------------------------------
// 2. Branches: only what reaches the default branch acts
// ---------------------------------------------------------------------------

/// A repository with a bug and a feature branch `feature` holding one
/// commit that closes it; `main` checked out again.
fn feature_closing_bug(env: &TestEnv) -> (PathBuf, String, String) {
    let repo = installed_repo(env, "repo");
    let id = env.new_bug(&repo, "Crash", "It crashes");
    env.git(&repo, &["checkout", "-q", "-b", "feature"]).ok();
    let (_, fix) = commit(
        env,
        &repo,
        "Fix the crash",
        &format!("Closes-Bug: {}", short(&id)),
    );
    env.git(&repo, &["checkout", "-q", "main"]).ok();
    (repo, id, fix)
}

#[test]
fn a_feature_branch_commit_acts_once_merged_with_a_merge_commit() {
    let env = TestEnv::new();
    let (repo, id, fix) = feature_closing_bug(&env);
    // On the feature branch: nothing, not even after a catch-up.
    let before = bug_head(&env, &repo, &id);
    let bug = show(&env, &repo, &id);
    assert_eq!(status(&bug), "open");
    assert_eq!(bug_head(&env, &repo, &id), before);

    // main moves on, then merges the feature branch with a merge commit.
    commit(&env, &repo, "Unrelated work", "Nothing to see");
    env.git(
        &repo,
        &["merge", "-q", "--no-ff", "-m", "Merge feature", "feature"],
    )
    .ok();
    assert_ne!(
        bug_head(&env, &repo, &id),
        before,
        "the hooks acted on the merge"
    );
    let bug = show(&env, &repo, &id);
    assert_eq!(status(&bug), "closed");
    assert_eq!(
        comments(&bug)[1..],
        [format!("Closed by commit {}: Fix the crash", short(&fix))]
    );
    assert_eq!(ops_for_commit(&env, &repo, &id, &fix), (1, 1));
}

#[test]
fn a_feature_branch_commit_acts_once_fast_forwarded() {
    let env = TestEnv::new();
    let (repo, id, fix) = feature_closing_bug(&env);
    let before = bug_head(&env, &repo, &id);
    env.git(&repo, &["merge", "-q", "--ff-only", "feature"])
        .ok();
    assert_eq!(rev(&env, &repo, "main"), fix);
    assert_ne!(
        bug_head(&env, &repo, &id),
        before,
        "the hooks acted on the fast-forward"
    );
    let bug = show(&env, &repo, &id);
    assert_eq!(status(&bug), "closed");
    assert_eq!(comments_with(&bug, short(&fix)), 1, "{bug:#}");
}

/// The commit-msg hook leaves a marker telling the reference-transaction
/// hook whether "the commit just made" names a bug. A commit without
/// trailer on a feature branch must not stop a later fast-forward of the
/// default branch (which brings other commits) from acting at once.
#[test]
fn a_fast_forward_after_a_plain_feature_commit_acts_at_once() {
    let env = TestEnv::new();
    let (repo, id, fix) = feature_closing_bug(&env);
    env.git(&repo, &["checkout", "-q", "feature"]).ok();
    commit(&env, &repo, "Tidy up", "No bug here");
    env.git(&repo, &["checkout", "-q", "main"]).ok();
    let before = bug_head(&env, &repo, &id);
    env.git(&repo, &["merge", "-q", "--ff-only", "feature"])
        .ok();
    assert_ne!(
        bug_head(&env, &repo, &id),
        before,
        "the reference-transaction hook did not act on the fast-forward"
    );
    let bug = show(&env, &repo, &id);
    assert_eq!(status(&bug), "closed");
    assert_eq!(comments_with(&bug, short(&fix)), 1, "{bug:#}");
}

/// A rebased commit acts once main is fast-forwarded to it; its comment
/// names the rebased commit, and only that one.
#[test]
fn a_rebased_feature_branch_acts_when_main_is_fast_forwarded() {
    let env = TestEnv::new();
    let (repo, id, fix) = feature_closing_bug(&env);
    commit(&env, &repo, "Meanwhile on main", "Nothing to see");
    env.git(&repo, &["checkout", "-q", "feature"]).ok();
    env.git(&repo, &["rebase", "-q", "main"]).ok();
    let rebased = rev(&env, &repo, "HEAD");
    assert_ne!(rebased, fix);
    // Rebasing the feature branch alone does nothing.
    assert_eq!(status(&show(&env, &repo, &id)), "open");

    env.git(&repo, &["checkout", "-q", "main"]).ok();
    let before = bug_head(&env, &repo, &id);
    env.git(&repo, &["merge", "-q", "--ff-only", "feature"])
        .ok();
    assert_ne!(bug_head(&env, &repo, &id), before, "the hooks acted");
    let bug = show(&env, &repo, &id);
    assert_eq!(status(&bug), "closed");
    assert_eq!(
        comments(&bug)[1..],
        [format!(
            "Closed by commit {}: Fix the crash",
            short(&rebased)
        )]
    );
}

/// A cherry-picked commit acts; when the original reaches main later too
/// (same author, date and subject) it is not acted on a second time.
#[test]
fn a_cherry_picked_commit_acts_once() {
    let env = TestEnv::new();
    let (repo, id, fix) = feature_closing_bug(&env);
    commit(&env, &repo, "Meanwhile on main", "Nothing to see");
    let before = bug_head(&env, &repo, &id);
    env.git(&repo, &["cherry-pick", fix.as_str()]).ok();
    let picked = rev(&env, &repo, "HEAD");
    assert_ne!(picked, fix);
    assert_ne!(bug_head(&env, &repo, &id), before, "the hooks acted");
    let bug = show(&env, &repo, &id);
    assert_eq!(status(&bug), "closed");
    assert_eq!(comments_with(&bug, short(&picked)), 1, "{bug:#}");

    // The original commit reaches main through a merge: nothing more.
    let after_pick = bug_head(&env, &repo, &id);
    env.git(
        &repo,
        &["merge", "-q", "--no-ff", "-m", "Merge feature", "feature"],
    )
    .ok();
    let bug = show(&env, &repo, &id);
    assert_eq!(comments(&bug).len(), 2, "{bug:#}");
    assert_eq!(bug_head(&env, &repo, &id), after_pick);
}

/// A bare server whose `main` holds one commit, and a clone of it.
fn server_and_clone(env: &TestEnv, clone: &str, user: &str) -> (PathBuf, PathBuf) {
    let server = env.path("server.git");
    let top = env.dir.path();
    env.git(top, &["init", "-q", "--bare", "-b", "main", "server.git"])
        .ok();
    let seed = env.repo("seed");
    env.git(&seed, &["commit", "-q", "--allow-empty", "-m", "Initial"])
        .ok();
    let url = server.to_str().expect("utf-8 path");
    env.git(&seed, &["push", "-q", url, "main"]).ok();
    let path = add_clone(env, &server, clone, user);
    (server, path)
}

/// Clones `server` as `name` with its own git user, and installs git-bug.
fn add_clone(env: &TestEnv, server: &Path, name: &str, user: &str) -> PathBuf {
    let url = server.to_str().expect("utf-8 path");
    env.git(env.dir.path(), &["clone", "-q", url, name]).ok();
    let path = env.path(name);
    env.git(&path, &["config", "user.name", user]).ok();
    let email = format!("{}@example.com", user.to_lowercase());
    env.git(&path, &["config", "user.email", &email]).ok();
    env.git(&path, &["bug", "install"]).ok();
    path
}

/// `git pull` bringing a closing commit from another clone acts in the
/// pulling clone, though the other clone never acted on it.
#[test]
fn git_pull_of_a_closing_commit_acts_in_the_pulling_clone() {
    let env = TestEnv::new();
    let (server, a) = server_and_clone(&env, "a", "Jane");
    let b = add_clone(&env, &server, "b", "Bob");
    let id = env.new_bug(&a, "Crash", "It crashes");
    env.git(&a, &["push", "-q", "origin", "main"]).ok(); // the pre-push hook pushes the bug
    env.git(&b, &["fetch", "-q"]).ok(); // the fetch hook merges it
    assert_eq!(bug_head(&env, &b, &id), bug_head(&env, &a, &id));

    // A commits without hooks (so A does not act) and pushes.
    env.git(
        &a,
        &[
            "-c",
            "core.hooksPath=/dev/null",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "Fix the crash",
            "-m",
            &format!("Closes-Bug: {}", short(&id)),
        ],
    )
    .ok();
    let fix = rev(&env, &a, "HEAD");
    env.git(&a, &["-c", "core.hooksPath=/dev/null", "push", "-q"])
        .ok();

    let before = bug_head(&env, &b, &id);
    env.git(&b, &["pull", "-q"]).ok();
    assert_eq!(rev(&env, &b, "HEAD"), fix);
    assert_ne!(bug_head(&env, &b, &id), before, "the pull's hooks acted");
    let bug = show(&env, &b, &id);
    assert_eq!(status(&bug), "closed");
    assert_eq!(comments_with(&bug, short(&fix)), 1, "{bug:#}");
}

/// The same flow with Debian's git 2.39 (reference-transaction hooks have
/// existed since 2.28): a commit on main and a fast-forward act at once.
#[test]
fn hooks_act_with_git_2_39() {
    let env = TestEnv::new();
    let git = Path::new("/usr/bin/git");
    if !git.exists() {
        eprintln!("skipped: no /usr/bin/git");
        return;
    }
    let path = path_with_first(Path::new("/usr/bin"));
    let version = run_with_path(&env, env.dir.path(), &path, "git", &["--version"]).ok();
    assert!(version.stdout.contains("2.39"), "{}", version.stdout);
    let repo = installed_repo(&env, "repo");
    let first = env.new_bug(&repo, "First", "one");
    let second = env.new_bug(&repo, "Second", "two");
    let old_git = |args: &[&str]| run_with_path(&env, &repo, &path, "git", args).ok();

    let before = bug_head(&env, &repo, &first);
    old_git(&[
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "Fix first",
        "-m",
        &format!("Closes-Bug: {}", short(&first)),
    ]);
    assert_ne!(bug_head(&env, &repo, &first), before, "commit on main");

    old_git(&["checkout", "-q", "-b", "feature"]);
    old_git(&[
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "Fix second",
        "-m",
        &format!("Closes-Bug: {}", short(&second)),
    ]);
    old_git(&["checkout", "-q", "main"]);
    let before = bug_head(&env, &repo, &second);
    old_git(&["merge", "-q", "--ff-only", "feature"]);
    assert_ne!(bug_head(&env, &repo, &second), before, "fast-forward");
    assert_eq!(status(&show(&env, &repo, &first)), "closed");
    assert_eq!(status(&show(&env, &repo, &second)), "closed");
}

// ---------------------------------------------------------------------------
// 3. The commit-msg check
// ---------------------------------------------------------------------------

#[test]
fn an_unknown_reference_refuses_the_commit() {
    let env = TestEnv::new();
    let repo = installed_repo(&env, "repo");
    let id = env.new_bug(&repo, "Crash", "It crashes");
    let head = rev(&env, &repo, "HEAD");

    let run = env
        .git(
            &repo,
            &[
                "commit",
                "--allow-empty",
                "-m",
                "Fix",
                "-m",
                &format!("Closes-Bug: zzzz\nRelated-Bug: {}", short(&id)),
            ],
        )
        .fails(1);
    assert_eq!(rev(&env, &repo, "HEAD"), head, "no commit was made");
    let errors = lines_starting(&run.stderr, "error:");
    assert_eq!(errors.len(), 1, "{}", run.stderr);
    assert!(errors[0].contains("Closes-Bug") && errors[0].contains("zzzz"));
    let hints = lines_starting(&run.stderr, "hint:");
    assert_eq!(hints.len(), 1, "{}", run.stderr);
    assert!(hints[0].contains("--no-verify"), "{}", run.stderr);

    // Two bad references: one error line each, still one hint.
    let run = env
        .git(
            &repo,
            &[
                "commit",
                "--allow-empty",
                "-m",
                "Fix",
                "-m",
                "Closes-Bug: zzzz\nPartial-Bug: yyyyyyy",
            ],
        )
        .fails(1);
    let errors = lines_starting(&run.stderr, "error:");
    assert_eq!(errors.len(), 2, "{}", run.stderr);
    assert!(errors[0].contains("zzzz") && errors[1].contains("yyyyyyy"));
    assert_eq!(lines_starting(&run.stderr, "hint:").len(), 1);
    assert_eq!(rev(&env, &repo, "HEAD"), head);

    // --no-verify skips the check: the commit is made, the bug untouched.
    let before = bug_head(&env, &repo, &id);
    env.git(
        &repo,
        &[
            "commit",
            "-q",
            "--no-verify",
            "--allow-empty",
            "-m",
            "Fix anyway",
            "-m",
            "Closes-Bug: zzzz",
        ],
    )
    .ok();
    assert_ne!(rev(&env, &repo, "HEAD"), head);
    assert_eq!(
        head_trailer(&env, &repo, "Closes-Bug").as_deref(),
        Some("zzzz")
    );
    assert_eq!(status(&show(&env, &repo, &id)), "open");
    assert_eq!(bug_head(&env, &repo, &id), before);
}

/// A prefix matching several bugs refuses the commit and lists them; a
/// short unique prefix is written out to at least 7 characters.
#[test]
fn ambiguous_prefixes_refuse_and_short_prefixes_are_expanded() {
    let env = TestEnv::new();
    let repo = installed_repo(&env, "repo");
    // Create bugs until two share their first character.
    let mut ids: Vec<String> = Vec::new();
    let (one, two) = loop {
        assert!(ids.len() <= 16, "17 ids cannot all start differently");
        let id = env.new_bug(&repo, &format!("Bug {}", ids.len()), "body");
        if let Some(other) = ids.iter().find(|o| o[..1] == id[..1]) {
            break (other.clone(), id);
        }
        ids.push(id);
    };
    let head = rev(&env, &repo, "HEAD");
    let run = env
        .git(
            &repo,
            &[
                "commit",
                "--allow-empty",
                "-m",
                "Fix",
                "-m",
                &format!("Closes-Bug: {}", &one[..1]),
            ],
        )
        .fails(1);
    assert_eq!(rev(&env, &repo, "HEAD"), head);
    let errors = lines_starting(&run.stderr, "error:");
    assert_eq!(errors.len(), 1, "{}", run.stderr);
    assert!(errors[0].contains("ambiguous"), "{}", run.stderr);
    for candidate in [&one, &two] {
        assert!(errors[0].contains(short(candidate)), "{}", run.stderr);
    }
    assert!(lines_starting(&run.stderr, "hint:")[0].contains("--no-verify"));

    // A 4-character prefix: written out in the stored message.
    let run = env
        .git(
            &repo,
            &[
                "commit",
                "-q",
                "--allow-empty",
                "-m",
                "Fix two",
                "-m",
                &format!("Closes-Bug: {}", &two[..4]),
            ],
        )
        .ok();
    let stored = head_trailer(&env, &repo, "Closes-Bug").expect("trailer kept");
    assert!(stored.len() >= 7, "{stored}");
    assert!(two.starts_with(&stored), "{stored} is a prefix of {two}");
    assert!(!one.starts_with(&stored), "{stored} is unique");
    assert!(
        run.stderr
            .contains(&format!("{} expanded to {stored}", &two[..4])),
        "{}",
        run.stderr
    );
    assert_eq!(status(&show(&env, &repo, &two)), "closed");
    assert_eq!(status(&show(&env, &repo, &one)), "open");
}

/// With `core.commentChar` set, lines starting with it are comments git
/// strips (`--cleanup=strip`), so the check skips them: here `C`, which
/// makes a `Closes-Bug:` line a comment.
#[test]
fn comment_lines_are_not_checked() {
    let env = TestEnv::new();
    let repo = installed_repo(&env, "repo");
    let id = env.new_bug(&repo, "Crash", "It crashes");
    let file = env.path("message");
    std::fs::write(
        &file,
        format!("Tidy up\n\nCloses-Bug: zzzz\nRelated-Bug: {}\n", &id[..4]),
    )
    .expect("write message");
    let file = file.to_str().expect("utf-8 path");

    // Without the setting the line is a reference, and a bad one.
    let head = rev(&env, &repo, "HEAD");
    env.git(
        &repo,
        &["commit", "--allow-empty", "--cleanup=strip", "-F", file],
    )
    .fails(1);
    assert_eq!(rev(&env, &repo, "HEAD"), head);

    // With it, the comment is skipped; the real reference is still checked
    // (and expanded), and git strips the comment from the commit.
    let run = env
        .git(
            &repo,
            &[
                "-c",
                "core.commentChar=C",
                "commit",
                "-q",
                "--allow-empty",
                "--cleanup=strip",
                "-F",
                file,
            ],
        )
        .ok();
    assert!(run.stderr.contains("expanded to"), "{}", run.stderr);
    let message = git_out(&env, &repo, &["log", "-1", "--format=%B"]);
    assert!(!message.contains("zzzz"), "{message}");
    let related = head_trailer(&env, &repo, "Related-Bug").expect("trailer");
    assert!(related.len() >= 7 && id.starts_with(&related), "{related}");
    let bug = show(&env, &repo, &id);
    assert_eq!(comments_with(&bug, "Referenced by commit"), 1, "{bug:#}");
}

/// Only commits whose message names a bug start `git-bug`: a `git-bug`
/// first on PATH that logs each run sees nothing for a plain commit on
/// main, and runs for a commit with a trailer.
#[test]
fn a_commit_without_trailer_runs_no_git_bug() {
    let env = TestEnv::new();
    let repo = installed_repo(&env, "repo");
    let id = env.new_bug(&repo, "Crash", "It crashes");
    let fake_dir = env.path("fake-bin");
    std::fs::create_dir_all(&fake_dir).expect("mkdir");
    let log = env.path("git-bug.log");
    std::fs::write(&log, "").expect("log");
    write_script(
        &fake_dir.join("git-bug"),
        &format!(
            "#!/bin/sh\nprintf '%s\\n' \"$*\" >>'{}'\nexec '{}' \"$@\"\n",
            log.display(),
            BIN
        ),
    );
    let path = path_with_first(&fake_dir);
    let git = |args: &[&str]| run_with_path(&env, &repo, &path, "git", args).ok();

    git(&[
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "Plain work",
        "-m",
        "No bug",
    ]);
    git(&["commit", "-q", "--allow-empty", "-m", "More plain work"]);
    let logged = std::fs::read_to_string(&log).expect("log");
    assert_eq!(logged, "", "git-bug ran for a commit without trailer");

    git(&[
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "Fix the crash",
        "-m",
        &format!("Closes-Bug: {}", short(&id)),
    ]);
    let logged = std::fs::read_to_string(&log).expect("log");
    assert!(logged.contains("hook commit-msg"), "{logged}");
    assert!(logged.contains("hook reference-transaction"), "{logged}");
    assert_eq!(status(&show(&env, &repo, &id)), "closed");
}

// ---------------------------------------------------------------------------
// 4. A user's own commit-msg hook
// ---------------------------------------------------------------------------

#[test]
fn an_existing_commit_msg_hook_keeps_running() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    env.git(&repo, &["commit", "-q", "--allow-empty", "-m", "Initial"])
        .ok();
    let hook = repo.join(".git/hooks/commit-msg");
    write_script(
        &hook,
        "#!/bin/sh\nprintf 'Signed-off-by: X <x@y>\\n' >>\"$1\"\n",
    );
    env.git(&repo, &["bug", "install"]).ok();
    let text = std::fs::read_to_string(&hook).expect("hook");
    assert!(text.contains("Signed-off-by: X <x@y>"), "{text}");
    let id = env.new_bug(&repo, "Crash", "It crashes");

    // The user's part still runs...
    env.git(&repo, &["commit", "-q", "--allow-empty", "-m", "Plain"])
        .ok();
    let message = git_out(&env, &repo, &["log", "-1", "--format=%B"]);
    assert!(message.contains("Signed-off-by: X <x@y>"), "{message}");

    // ... the check still refuses a bad reference ...
    let head = rev(&env, &repo, "HEAD");
    let run = env
        .git(
            &repo,
            &[
                "commit",
                "--allow-empty",
                "-m",
                "Bad",
                "-m",
                "Closes-Bug: zzzz",
            ],
        )
        .fails(1);
    assert_eq!(
        lines_starting(&run.stderr, "error:").len(),
        1,
        "{}",
        run.stderr
    );
    assert_eq!(rev(&env, &repo, "HEAD"), head);

    // ... and a good one gets both the sign-off and the bug closed.
    let (_, fix) = commit(
        &env,
        &repo,
        "Fix the crash",
        &format!("Closes-Bug: {}", &id[..4]),
    );
    let message = git_out(&env, &repo, &["log", "-1", "--format=%B"]);
    assert!(message.contains("Signed-off-by: X <x@y>"), "{message}");
    let stored = head_trailer(&env, &repo, "Closes-Bug").expect("trailer");
    assert!(stored.len() >= 7 && id.starts_with(&stored), "{message}");
    let bug = show(&env, &repo, &id);
    assert_eq!(status(&bug), "closed");
    assert_eq!(comments_with(&bug, short(&fix)), 1, "{bug:#}");
}

// ---------------------------------------------------------------------------
// 5. Idempotence across replicas, catch-up and amends
// ---------------------------------------------------------------------------

/// Two clones both act on the same closing commit (neither gets the
/// other's operations first); after syncing both ways each holds the bug
/// with one comment and one close for that commit, and the same head.
#[test]
fn two_replicas_acting_on_one_commit_converge_without_duplicates() {
    let env = TestEnv::new();
    let (server, a) = server_and_clone(&env, "a", "Jane");
    let b = add_clone(&env, &server, "b", "Bob");
    let id = env.new_bug(&a, "Crash", "It crashes");
    env.bug(&a, &["push"]).ok();
    env.bug(&b, &["pull"]).ok();

    // A closes the bug with a commit and pushes main only (no bugs).
    let (_, fix) = commit(
        &env,
        &a,
        "Fix the crash",
        &format!("Closes-Bug: {}", short(&id)),
    );
    env.git(&a, &["push", "-q", "--no-verify", "origin", "main"])
        .ok();
    // B writes in another second, so its own bug commit differs from A's.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    env.git(&b, &["pull", "-q"]).ok();
    let head_a = bug_head(&env, &a, &id);
    let head_b = bug_head(&env, &b, &id);
    assert_ne!(head_a, head_b, "both replicas wrote their own commit");
    assert_eq!(ops_for_commit(&env, &a, &id, &fix), (1, 1));
    assert_eq!(ops_for_commit(&env, &b, &id, &fix), (1, 1));

    // Sync both ways, twice.
    env.bug(&a, &["push"]).ok();
    for _ in 0..2 {
        env.bug(&b, &["pull"]).ok();
        env.bug(&b, &["push"]).ok();
        env.bug(&a, &["pull"]).ok();
        env.bug(&a, &["push"]).ok();
    }
    assert_eq!(bug_head(&env, &a, &id), bug_head(&env, &b, &id));
    for repo in [&a, &b] {
        assert_eq!(ops_for_commit(&env, repo, &id, &fix), (1, 1), "{repo:?}");
        let bug = show(&env, repo, &id);
        assert_eq!(status(&bug), "closed");
        assert_eq!(comments_with(&bug, short(&fix)), 1, "{bug:#}");
    }

    // Going over the same commits again (as if the processing state were
    // lost right after install) adds nothing.
    let settled = bug_head(&env, &a, &id);
    let initial = rev(&env, &a, "HEAD~1");
    for repo in [&a, &b] {
        std::fs::write(
            repo.join(".git/git-bug/links/processed"),
            format!("main {initial}\n"),
        )
        .expect("rewind");
        env.bug(repo, &["ls"]).ok();
        assert_eq!(bug_head(&env, repo, &id), settled, "{repo:?}");
    }
}

/// Commands catch up on commits, and doing so again adds nothing; amending
/// a processed commit (same author, date and subject) on main does not
/// comment a second time.
#[test]
fn catch_up_and_amend_do_not_act_twice() {
    let env = TestEnv::new();
    let repo = installed_repo(&env, "repo");
    let id = env.new_bug(&repo, "Crash", "It crashes");
    let (_, fix) = commit(
        &env,
        &repo,
        "Fix the crash",
        &format!("Closes-Bug: {}", short(&id)),
    );
    let settled = bug_head(&env, &repo, &id);
    for args in [&["ls"][..], &["show", short(&id)], &["label"]] {
        env.bug(&repo, args).ok();
    }
    assert_eq!(bug_head(&env, &repo, &id), settled);

    // Amend the processed commit with one more change, same message.
    std::fs::write(repo.join("amended.txt"), "more\n").expect("write file");
    env.git(&repo, &["add", "amended.txt"]).ok();
    env.git(&repo, &["commit", "-q", "--amend", "--no-edit"])
        .ok();
    let amended = rev(&env, &repo, "HEAD");
    assert_ne!(amended, fix);
    let bug = show(&env, &repo, &id);
    assert_eq!(comments_with(&bug, "Closed by commit"), 1, "{bug:#}");
    assert_eq!(bug_head(&env, &repo, &id), settled);
    assert_eq!(ops_for_commit(&env, &repo, &id, &amended), (0, 0));
}

// ---------------------------------------------------------------------------
// 6. `git bug show` lists the commits
// ---------------------------------------------------------------------------

#[test]
fn show_lists_linked_commits() {
    let env = TestEnv::new();
    let repo = installed_repo(&env, "repo");
    let id = env.new_bug(&repo, "Crash", "It crashes");
    let (_, related) = commit(
        &env,
        &repo,
        "Look into it",
        &format!("Related-Bug: {}", short(&id)),
    );
    let (_, fix) = commit(
        &env,
        &repo,
        "Fix the crash",
        &format!("Closes-Bug: {}", short(&id)),
    );

    let text = env.bug(&repo, &["show", short(&id)]).ok().stdout;
    let line = format!(
        "commits: {} (related), {} (closes)",
        short(&related),
        short(&fix)
    );
    assert!(text.lines().any(|l| l == line), "{line:?} in:\n{text}");

    let bug = show(&env, &repo, &id);
    let expected = serde_json::json!([
        {"id": related, "human_id": short(&related), "action": "related"},
        {"id": fix, "human_id": short(&fix), "action": "closes"},
    ]);
    assert_eq!(bug["commits"], expected);

    // A bug no commit names has no such line, and an empty list.
    let other = env.new_bug(&repo, "Other", "Untouched");
    let text = env.bug(&repo, &["show", short(&other)]).ok().stdout;
    assert!(!text.contains("commits:"), "{text}");
    assert_eq!(show(&env, &repo, &other)["commits"], serde_json::json!([]));
}

// ---------------------------------------------------------------------------
// 7. Catch-up without hooks
// ---------------------------------------------------------------------------

#[test]
fn commands_catch_up_on_commits_made_without_hooks() {
    let env = TestEnv::new();
    let repo = installed_repo(&env, "repo");
    let id = env.new_bug(&repo, "Crash", "It crashes");
    let before = bug_head(&env, &repo, &id);
    env.git(
        &repo,
        &[
            "-c",
            "core.hooksPath=/dev/null",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "Fix the crash",
            "-m",
            &format!("Closes-Bug: {}", short(&id)),
        ],
    )
    .ok();
    let fix = rev(&env, &repo, "HEAD");
    assert_eq!(bug_head(&env, &repo, &id), before, "no hook ran");

    let run = env.bug(&repo, &["ls", "status:closed"]).ok();
    assert!(run.stdout.contains(short(&id)), "{}", run.stdout);
    assert!(
        run.stderr.contains(&format!(
            "closed bug {} (commit {})",
            short(&id),
            short(&fix)
        )),
        "{}",
        run.stderr
    );
    let bug = show(&env, &repo, &id);
    assert_eq!(status(&bug), "closed");
    assert_eq!(comments_with(&bug, short(&fix)), 1, "{bug:#}");
}

// ---------------------------------------------------------------------------
// 8. Which branch is the default
// ---------------------------------------------------------------------------

/// With `git-bug.defaultBranch` set, commits on that branch act and commits
/// on main do not, whether the hooks or a command's catch-up sees them.
#[test]
fn the_configured_default_branch_is_the_one_that_acts() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    env.git(&repo, &["commit", "-q", "--allow-empty", "-m", "Initial"])
        .ok();
    env.git(&repo, &["branch", "trunk"]).ok();
    env.git(&repo, &["config", "git-bug.defaultBranch", "trunk"])
        .ok();
    env.git(&repo, &["bug", "install"]).ok();
    let on_main = env.new_bug(&repo, "Named on main", "one");
    let on_trunk = env.new_bug(&repo, "Named on trunk", "two");

    let before = bug_head(&env, &repo, &on_main);
    commit(
        &env,
        &repo,
        "Work on main",
        &format!("Closes-Bug: {}", short(&on_main)),
    );
    assert_eq!(bug_head(&env, &repo, &on_main), before);
    assert_eq!(status(&show(&env, &repo, &on_main)), "open");

    env.git(&repo, &["checkout", "-q", "trunk"]).ok();
    let before = bug_head(&env, &repo, &on_trunk);
    let (_, fix) = commit(
        &env,
        &repo,
        "Work on trunk",
        &format!("Closes-Bug: {}", short(&on_trunk)),
    );
    assert_ne!(
        bug_head(&env, &repo, &on_trunk),
        before,
        "the hooks acted on trunk"
    );
    let bug = show(&env, &repo, &on_trunk);
    assert_eq!(status(&bug), "closed");
    assert_eq!(comments_with(&bug, short(&fix)), 1, "{bug:#}");
    assert_eq!(status(&show(&env, &repo, &on_main)), "open");

    // Without hooks, the catch-up follows the same branch.
    let third = env.new_bug(&repo, "Third", "three");
    env.git(&repo, &["checkout", "-q", "main"]).ok();
    env.git(
        &repo,
        &[
            "-c",
            "core.hooksPath=/dev/null",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "More on main",
            "-m",
            &format!("Closes-Bug: {}", short(&third)),
        ],
    )
    .ok();
    assert_eq!(status(&show(&env, &repo, &third)), "open");
    env.git(&repo, &["checkout", "-q", "trunk"]).ok();
    env.git(
        &repo,
        &[
            "-c",
            "core.hooksPath=/dev/null",
            "merge",
            "-q",
            "--no-ff",
            "-m",
            "Bring main",
            "main",
        ],
    )
    .ok();
    let bug = show(&env, &repo, &third);
    assert_eq!(status(&bug), "closed");
    // The earlier main commit came along too, and now acts.
    assert_eq!(status(&show(&env, &repo, &on_main)), "closed");
}

// ---------------------------------------------------------------------------
// 9. The remote's default branch, install, worktrees, trailer spelling
// ---------------------------------------------------------------------------

/// When `origin/HEAD` names the default branch (no config), that branch
/// acts and `main` does not.
#[test]
fn the_remote_head_names_the_default_branch() {
    let env = TestEnv::new();
    let top = env.dir.path();
    env.git(
        top,
        &["init", "-q", "--bare", "-b", "develop", "server.git"],
    )
    .ok();
    let seed = env.repo("seed");
    env.git(&seed, &["commit", "-q", "--allow-empty", "-m", "Initial"])
        .ok();
    let url = env.path("server.git");
    let url = url.to_str().expect("utf-8 path");
    env.git(&seed, &["push", "-q", url, "main:main", "main:develop"])
        .ok();
    let repo = add_clone(&env, &env.path("server.git"), "clone", "Jane");
    assert_eq!(
        git_out(&env, &repo, &["symbolic-ref", "refs/remotes/origin/HEAD"]),
        "refs/remotes/origin/develop"
    );
    let on_main = env.new_bug(&repo, "Named on main", "one");
    let on_develop = env.new_bug(&repo, "Named on develop", "two");

    env.git(&repo, &["checkout", "-q", "-b", "main", "origin/main"])
        .ok();
    commit(
        &env,
        &repo,
        "Work on main",
        &format!("Closes-Bug: {}", short(&on_main)),
    );
    env.git(&repo, &["checkout", "-q", "develop"]).ok();
    let before = bug_head(&env, &repo, &on_develop);
    commit(
        &env,
        &repo,
        "Work on develop",
        &format!("Closes-Bug: {}", short(&on_develop)),
    );
    assert_ne!(
        bug_head(&env, &repo, &on_develop),
        before,
        "the hooks acted"
    );
    assert_eq!(status(&show(&env, &repo, &on_develop)), "closed");
    assert_eq!(status(&show(&env, &repo, &on_main)), "open");
}

/// `git bug install` starts from the default branch's current tip: older
/// commits naming bugs are left alone, later ones act.
#[test]
fn install_starts_from_the_current_tip() {
    let env = TestEnv::new();
    let repo = env.repo("repo");
    let id = env.new_bug(&repo, "Crash", "It crashes");
    commit(
        &env,
        &repo,
        "Old history",
        &format!("Closes-Bug: {}", short(&id)),
    );
    env.git(&repo, &["bug", "install"]).ok();
    let bug = show(&env, &repo, &id);
    assert_eq!(status(&bug), "open");
    assert_eq!(comments(&bug).len(), 1, "{bug:#}");

    let (_, later) = commit(
        &env,
        &repo,
        "New work",
        &format!("Related-Bug: {}", short(&id)),
    );
    let bug = show(&env, &repo, &id);
    assert_eq!(status(&bug), "open");
    assert_eq!(
        comments(&bug)[1..],
        [format!("Referenced by commit {}: New work", short(&later))]
    );
}

/// Installed in a repository with no commit yet, every commit the default
/// branch gets acts, the first one included, whatever the branch is called
/// (`master` is git's own default).
#[test]
fn install_in_an_empty_repository_acts_from_the_first_commit() {
    let env = TestEnv::new();
    for branch in ["main", "master"] {
        let path = env.path(branch);
        let path_str = path.to_str().expect("utf-8 path");
        env.git(env.dir.path(), &["init", "-q", "-b", branch, path_str])
            .ok();
        env.git(&path, &["config", "user.name", "Jane Doe"]).ok();
        env.git(&path, &["config", "user.email", "jane@example.com"])
            .ok();
        env.git(&path, &["bug", "install"]).ok();
        let id = env.new_bug(&path, "Crash", "It crashes");
        let (_, first) = commit(
            &env,
            &path,
            "First commit",
            &format!("Closes-Bug: {}", short(&id)),
        );
        let bug = show(&env, &path, &id);
        assert_eq!(status(&bug), "closed", "on {branch}: {bug:#}");
        assert_eq!(comments_with(&bug, short(&first)), 1, "on {branch}");
    }
}

/// A commit on the default branch made in a linked worktree acts.
#[test]
fn a_commit_in_a_linked_worktree_acts() {
    let env = TestEnv::new();
    let repo = installed_repo(&env, "repo");
    let id = env.new_bug(&repo, "Crash", "It crashes");
    env.git(&repo, &["checkout", "-q", "-b", "elsewhere"]).ok();
    let tree = env.path("tree");
    env.git(
        &repo,
        &[
            "worktree",
            "add",
            "-q",
            tree.to_str().expect("utf-8"),
            "main",
        ],
    )
    .ok();
    let before = bug_head(&env, &repo, &id);
    let (_, fix) = commit(
        &env,
        &tree,
        "Fix in a worktree",
        &format!("Closes-Bug: {}", &id[..4]),
    );
    assert_ne!(bug_head(&env, &repo, &id), before, "the hooks acted");
    let bug = show(&env, &repo, &id);
    assert_eq!(status(&bug), "closed");
    assert_eq!(comments_with(&bug, short(&fix)), 1, "{bug:#}");
}

/// git reads `Closes-Bug : x` (space before the colon) as the trailer
/// `Closes-Bug: x`, and so does the parser that acts on commits: the
/// commit-msg check must check it too.
#[test]
fn a_trailer_with_a_space_before_the_colon_is_checked() {
    let env = TestEnv::new();
    let repo = installed_repo(&env, "repo");
    env.new_bug(&repo, "Crash", "It crashes");
    // git's own reading of such a message.
    let file = env.path("message");
    std::fs::write(&file, "Fix\n\nCloses-Bug : zzzz\n").expect("write message");
    let file = file.to_str().expect("utf-8 path");
    let parsed = git_out(&env, &repo, &["interpret-trailers", "--parse", file]);
    assert_eq!(parsed, "Closes-Bug: zzzz");

    let head = rev(&env, &repo, "HEAD");
    let run = env.git(&repo, &["commit", "--allow-empty", "-F", file]);
    assert_ne!(
        run.code, 0,
        "a bad reference was not refused:\n{}",
        run.stderr
    );
    assert_eq!(rev(&env, &repo, "HEAD"), head);
}

/// A good `Closes-Bug : <id>` on the default branch is acted on by the
/// hooks when the commit is made, not only by the next command.
#[test]
fn a_trailer_with_a_space_before_the_colon_is_acted_on_at_once() {
    let env = TestEnv::new();
    let repo = installed_repo(&env, "repo");
    let id = env.new_bug(&repo, "Crash", "It crashes");
    let before = bug_head(&env, &repo, &id);
    commit(
        &env,
        &repo,
        "Fix the crash",
        &format!("Closes-Bug : {}", short(&id)),
    );
    assert_ne!(
        bug_head(&env, &repo, &id),
        before,
        "the hooks did not act on the commit"
    );
    assert_eq!(status(&show(&env, &repo, &id)), "closed");
}

/// A commit that names no bug prints nothing, whatever holds the branch
/// ref: an unborn branch, a loose ref file, or packed refs after
/// `git pack-refs` (most real repositories), on both gits of the machine.
#[test]
fn a_commit_without_reference_prints_nothing_on_any_ref_storage() {
    for git_dir in [None, Some(Path::new("/usr/bin"))] {
        let env = match git_dir {
            Some(dir) if dir.join("git").exists() => TestEnv::with_git_from(dir),
            Some(_) => continue,
            None => TestEnv::new(),
        };
        let repo = env.repo("repo");
        env.git(&repo, &["bug", "install"]).ok();
        let quiet_commit = |what: &str| {
            let run = env
                .git(&repo, &["commit", "-q", "--allow-empty", "-m", what])
                .ok();
            assert_eq!(run.stderr, "", "{what} ({git_dir:?})");
            assert_eq!(run.stdout, "", "{what} ({git_dir:?})");
        };
        quiet_commit("first commit on an unborn branch");
        quiet_commit("second commit on a loose ref");
        env.git(&repo, &["pack-refs", "--all"]).ok();
        assert!(!repo.join(".git/refs/heads/main").exists());
        quiet_commit("commit on a packed ref");
        let tree = env.path("tree");
        env.git(
            &repo,
            &[
                "worktree",
                "add",
                "-q",
                "-b",
                "side",
                tree.to_str().unwrap(),
            ],
        )
        .ok();
        let run = env
            .git(
                &tree,
                &["commit", "-q", "--allow-empty", "-m", "in a worktree"],
            )
            .ok();
        assert_eq!(run.stderr, "", "worktree ({git_dir:?})");
    }
}

/// A trailer may list several bugs, separated by commas and/or spaces:
/// each is acted on, short prefixes are expanded in place, and an unknown
/// one refuses the commit, named.
#[test]
fn a_trailer_listing_several_bugs_acts_on_each() {
    let env = TestEnv::new();
    let repo = installed_repo(&env, "repo");
    let a = env.new_bug(&repo, "First", "one");
    let b = env.new_bug(&repo, "Second", "two");
    let c = env.new_bug(&repo, "Third", "three");
    let body = format!(
        "Closes-Bug: {}, {}\nRelated-Bug: {} {}",
        short(&a),
        &b[..4],
        short(&c),
        short(&a)
    );
    let (_, head) = commit(&env, &repo, "Rework the core", &body);
    for (id, expected) in [(&a, "closed"), (&b, "closed"), (&c, "open")] {
        let bug = show(&env, &repo, id);
        assert_eq!(status(&bug), expected, "{bug:#}");
        assert!(comments_with(&bug, short(&head)) >= 1, "{bug:#}");
    }
    let closes = head_trailer(&env, &repo, "Closes-Bug").expect("trailer");
    let (first, second) = closes.split_once(", ").expect("a list");
    assert_eq!(first, short(&a));
    assert!(second.len() >= 7 && b.starts_with(second), "{closes}");

    // One unknown id in a list refuses the commit and is named.
    std::fs::write(repo.join("x.txt"), "x\n").expect("write");
    env.git(&repo, &["add", "x.txt"]).ok();
    let run = env
        .git(
            &repo,
            &[
                "commit",
                "-q",
                "-m",
                "More",
                "-m",
                &format!("Closes-Bug: {} ffff0000", short(&c)),
            ],
        )
        .fails(1);
    assert!(run.stderr.contains("ffff0000"), "{}", run.stderr);
    assert_eq!(status(&show(&env, &repo, &c)), "open");
}
