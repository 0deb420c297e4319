//! Leftover lock files name themselves; `git bug doctor` finds stale locks,
//! broken refs, unreadable bugs and clock files out of line, and `--fix`
//! repairs only what is safe.

use crate::common::{Run, TestEnv};
use crate::sync::{clone, server};
use std::path::{Path, PathBuf};

fn backdate(env: &TestEnv, file: &Path) {
    env.run_with_path(
        env.dir.path(),
        &std::env::var("PATH").unwrap_or_default(),
        "touch",
        &["-d", "1 hour ago", file.to_str().unwrap()],
        None,
    )
    .ok();
}

fn doctor(env: &TestEnv, repo: &Path, args: &[&str]) -> Run {
    let mut all = vec!["doctor"];
    all.extend_from_slice(args);
    env.bug(repo, &all)
}

fn git_dir_file(repo: &Path, name: &str) -> PathBuf {
    repo.join(".git").join(name)
}

fn clock(repo: &Path, name: &str) -> u64 {
    std::fs::read_to_string(git_dir_file(repo, &format!("git-bug/clocks/{name}")))
        .expect("clock file")
        .trim()
        .parse()
        .expect("a number")
}

#[test]
fn a_healthy_repository_has_no_problems() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let id = env.new_bug(&repo, "one", "first");
    env.bug(&repo, &["comment", &id, "-m", "more"]).ok();
    let run = doctor(&env, &repo, &[]).ok();
    assert_eq!(run.stdout.trim(), "no problems found", "{}", run.stderr);
    assert_eq!(run.stderr, "");
    let json = doctor(&env, &repo, &["--format", "json"]).ok().json();
    assert_eq!(json, serde_json::json!([]));
}

#[test]
fn a_leftover_bug_lock_is_named_then_removed_by_doctor_fix() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let id = env.new_bug(&repo, "one", "first");
    let lock = git_dir_file(&repo, &format!("refs/bugs/{id}.lock"));
    std::fs::write(&lock, "").unwrap();
    backdate(&env, &lock);

    let refused = env.bug(&repo, &["comment", &id, "-m", "blocked"]).fails(1);
    let shown = lock.display().to_string();
    assert!(refused.stderr.contains(&shown), "{}", refused.stderr);
    assert!(refused.stderr.contains("killed"), "{}", refused.stderr);
    assert!(
        refused.stderr.contains("git bug doctor --fix"),
        "{}",
        refused.stderr
    );
    assert!(
        !refused.stderr.contains("keeps changing"),
        "{}",
        refused.stderr
    );

    let found = doctor(&env, &repo, &[]).fails(1);
    assert!(found.stdout.contains(&shown), "{}", found.stdout);
    assert!(lock.exists(), "doctor without --fix removes nothing");

    let fixed = doctor(&env, &repo, &["--fix"]).ok();
    assert!(fixed.stdout.contains(&shown), "{}", fixed.stdout);
    assert!(fixed.stdout.contains("(fixed)"), "{}", fixed.stdout);
    assert!(!lock.exists());

    env.bug(&repo, &["comment", &id, "-m", "goes through"]).ok();
    let shown_bug = env.bug(&repo, &["show", &id]).ok();
    assert!(
        shown_bug.stdout.contains("goes through"),
        "{}",
        shown_bug.stdout
    );
    doctor(&env, &repo, &[]).ok();
}

#[test]
fn a_young_lock_is_reported_but_left_alone() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let id = env.new_bug(&repo, "one", "first");
    let lock = git_dir_file(&repo, &format!("refs/bugs/{id}.lock"));
    std::fs::write(&lock, "").unwrap();
    let run = doctor(&env, &repo, &["--fix"]).fails(1);
    assert!(
        run.stdout.contains(&lock.display().to_string()),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("may still be writing"),
        "{}",
        run.stdout
    );
    assert!(lock.exists(), "a young lock may belong to a running git");
}

#[test]
fn a_lock_of_a_dead_git_bug_process_is_removed() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    env.new_bug(&repo, "one", "first");
    let mut gone = std::process::Command::new("true").spawn().unwrap();
    let pid = gone.id();
    gone.wait().unwrap();
    let lock = git_dir_file(&repo, "git-bug/lock");
    std::fs::write(&lock, pid.to_string()).unwrap();
    let found = doctor(&env, &repo, &[]).fails(1);
    assert!(found.stdout.contains(&pid.to_string()), "{}", found.stdout);
    doctor(&env, &repo, &["--fix"]).ok();
    assert!(!lock.exists());
}

#[test]
fn lowered_clock_files_are_reported_and_raised() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let id = env.new_bug(&repo, "one", "first");
    env.new_bug(&repo, "two", "second");
    env.bug(&repo, &["comment", &id, "-m", "more"]).ok();
    let (create, edit) = (clock(&repo, "bugs-create"), clock(&repo, "bugs-edit"));
    for name in ["bugs-create", "bugs-edit"] {
        std::fs::write(git_dir_file(&repo, &format!("git-bug/clocks/{name}")), "1").unwrap();
    }

    let found = doctor(&env, &repo, &[]).fails(1);
    assert!(found.stdout.contains("bugs-create"), "{}", found.stdout);
    assert!(found.stdout.contains("bugs-edit"), "{}", found.stdout);
    assert_eq!(
        clock(&repo, "bugs-edit"),
        1,
        "doctor without --fix changes nothing"
    );

    let fixed = doctor(&env, &repo, &["--fix"]).ok();
    assert_eq!(
        fixed.stdout.matches("(fixed)").count(),
        2,
        "{}",
        fixed.stdout
    );
    assert!(clock(&repo, "bugs-create") >= create);
    assert!(clock(&repo, "bugs-edit") >= edit);
    doctor(&env, &repo, &[]).ok();
}

#[test]
fn broken_bug_refs_and_unreadable_bugs_are_reported_never_deleted() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    env.new_bug(&repo, "fine", "a valid bug beside the broken ones");
    let data = env.path("data.txt");
    std::fs::write(&data, "not a commit\n").unwrap();
    let blob = env
        .git(&repo, &["hash-object", "-w", data.to_str().unwrap()])
        .ok()
        .stdout
        .trim()
        .to_string();
    let at_blob = format!("refs/bugs/{}", "a".repeat(64));
    env.git(&repo, &["update-ref", &at_blob, &blob]).ok();
    // A loose ref naming an object that is not in the repository.
    let missing = format!("refs/bugs/{}", "b".repeat(64));
    std::fs::write(
        git_dir_file(&repo, &missing),
        format!("{}\n", "d".repeat(40)),
    )
    .unwrap();
    // A commit that is no bug at all: an empty tree.
    let empty_tree = env
        .git(&repo, &["hash-object", "-t", "tree", "-w", "/dev/null"])
        .ok()
        .stdout
        .trim()
        .to_string();
    let commit = env
        .git(&repo, &["commit-tree", &empty_tree, "-m", "not a bug"])
        .ok()
        .stdout
        .trim()
        .to_string();
    let not_a_bug = "c".repeat(64);
    env.git(
        &repo,
        &["update-ref", &format!("refs/bugs/{not_a_bug}"), &commit],
    )
    .ok();

    let found = doctor(&env, &repo, &[]).fails(1);
    for name in [&at_blob, &missing, &not_a_bug] {
        assert!(
            found.stdout.contains(name.as_str()),
            "{name}:\n{}",
            found.stdout
        );
    }
    assert!(found.stdout.contains("blob"), "{}", found.stdout);
    assert!(found.stdout.contains("missing"), "{}", found.stdout);
    assert_eq!(found.stdout.lines().count(), 3, "{}", found.stdout);

    let json = doctor(&env, &repo, &["--format", "json"]).fails(1).json();
    let kinds: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.iter().filter(|k| **k == "ref").count(), 2, "{json}");
    assert_eq!(kinds.iter().filter(|k| **k == "bug").count(), 1, "{json}");

    doctor(&env, &repo, &["--fix"]).fails(1);
    for name in [
        at_blob.clone(),
        missing.clone(),
        format!("refs/bugs/{not_a_bug}"),
    ] {
        assert!(git_dir_file(&repo, &name).exists(), "{name} was deleted");
    }
}

#[test]
fn a_leftover_lock_on_a_tracking_ref_is_named_by_pull_and_push() {
    let env = TestEnv::new();
    let server = server(&env);
    let alice = clone(&env, &server, "alice", "Alice");
    let bob = clone(&env, &server, "bob", "Bob");
    let id = env.new_bug(&alice, "shared", "first");
    env.bug(&alice, &["push", "origin"]).ok();
    env.bug(&bob, &["pull", "origin"]).ok();
    env.bug(&alice, &["comment", &id, "-m", "second"]).ok();
    env.bug(&alice, &["push", "origin"]).ok();

    let lock = git_dir_file(&bob, &format!("refs/remotes/origin/bugs/{id}.lock"));
    std::fs::write(&lock, "").unwrap();
    backdate(&env, &lock);
    let refused = env.bug(&bob, &["pull", "origin"]);
    assert_ne!(refused.code, 0, "{}", refused.stderr);
    let shown = lock.display().to_string();
    assert!(refused.stderr.contains(&shown), "{}", refused.stderr);
    assert!(
        refused.stderr.contains("git bug doctor --fix"),
        "{}",
        refused.stderr
    );

    // A push the remote refuses fetches to merge, and meets the same lock.
    env.bug(&bob, &["comment", &id, "-m", "from bob"]).ok();
    let refused = env.bug(&bob, &["push", "origin"]);
    assert_ne!(refused.code, 0, "{}", refused.stderr);
    assert!(refused.stderr.contains(&shown), "{}", refused.stderr);

    let fixed = doctor(&env, &bob, &["--fix"]).ok();
    assert!(fixed.stdout.contains(&shown), "{}", fixed.stdout);
    env.bug(&bob, &["pull", "origin"]).ok();
    env.bug(&bob, &["push", "origin"]).ok();
    let shown_bug = env.bug(&bob, &["show", &id]).ok();
    assert!(shown_bug.stdout.contains("second"), "{}", shown_bug.stdout);
}

#[test]
fn a_push_that_cannot_update_its_tracking_ref_names_the_lock() {
    let env = TestEnv::new();
    let server = server(&env);
    let alice = clone(&env, &server, "alice", "Alice");
    let id = env.new_bug(&alice, "shared", "first");
    env.bug(&alice, &["push", "origin"]).ok();
    let lock = git_dir_file(&alice, &format!("refs/remotes/origin/bugs/{id}.lock"));
    std::fs::write(&lock, "").unwrap();
    backdate(&env, &lock);
    env.bug(&alice, &["comment", &id, "-m", "second"]).ok();
    let pushed = env.bug(&alice, &["push", "origin"]).ok();
    assert!(
        pushed.stderr.contains(&lock.display().to_string()),
        "{}",
        pushed.stderr
    );
    assert!(pushed.stderr.contains("warning"), "{}", pushed.stderr);
}

#[test]
fn a_leftover_config_lock_is_named_and_cleared_by_doctor() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let lock = git_dir_file(&repo, "config.lock");
    std::fs::write(&lock, "").unwrap();
    backdate(&env, &lock);
    let refused = env.bug(&repo, &["new", "-t", "one", "-m", "x"]);
    assert_ne!(refused.code, 0, "{}", refused.stderr);
    assert!(
        refused.stderr.contains(&lock.display().to_string()),
        "{}",
        refused.stderr
    );
    doctor(&env, &repo, &["--fix"]).ok();
    assert!(!lock.exists());
    env.bug(&repo, &["new", "-t", "one", "-m", "x"]).ok();
    let identities = env
        .git(&repo, &["for-each-ref", "refs/identities/"])
        .ok()
        .stdout;
    assert_eq!(identities.lines().count(), 1, "{identities}");
}
