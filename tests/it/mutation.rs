//! The parsers that read data from elsewhere (operation packs, tree layouts,
//! queries, commit trailers, the reference-transaction hook's input) fed a
//! few thousand seeded mutations of valid inputs each: errors come back as
//! `Err`, never as a panic, and the properties of `git_bug::fuzzing` hold.
//! `scripts/fuzz.sh` runs the same targets for as long as one wants.

use crate::common::{BIN, TestEnv, fixtures};
use crate::sync::{Shell, git_out};
use git_bug::fuzzing::{Failure, Fuzzer, query_groupings, run_cases, sample_blobs};
use std::path::Path;

/// Mutations per target and seed; two seeds each.
const CASES: usize = 1000;
const SEEDS: [u64; 2] = [1, 0x5eed];

fn no_failure(target: &str, extra: impl Fn(&Path) -> Vec<Vec<u8>>) {
    for seed in SEEDS {
        let dir = tempfile::tempdir().expect("temporary directory");
        let seeds = extra(dir.path());
        if let Err(Failure { input, problem }) = run_cases(target, seed, CASES, dir.path(), seeds) {
            panic!(
                "{target}, seed {seed}: {problem}\ninput ({} bytes): {:?}",
                input.len(),
                String::from_utf8_lossy(&input[..input.len().min(2000)])
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Seeded mutations of every target
// ---------------------------------------------------------------------------

#[test]
fn operation_packs_survive_mutation() {
    no_failure("pack", |dir| {
        sample_blobs(
            &fixtures().join("gitbug-sample.bundle"),
            &dir.join("sample"),
        )
        .expect("the sample bundle")
    });
}

#[test]
fn tree_layouts_survive_mutation() {
    no_failure("tree", |_| Vec::new());
}

#[test]
fn queries_survive_mutation() {
    no_failure("query", |_| Vec::new());
}

#[test]
fn trailers_survive_mutation() {
    no_failure("trailers", |_| Vec::new());
}

#[test]
fn hook_input_survives_mutation() {
    no_failure("hook", |_| Vec::new());
}

// ---------------------------------------------------------------------------
// Properties on chosen inputs (each can fail)
// ---------------------------------------------------------------------------

/// A query reads the same as one argument, one argument per word, or pairs.
#[test]
fn a_query_parses_the_same_however_it_is_split() {
    for query in [
        "label:kind/bug crash",
        "label:kind/bug status:open crash",
        "crash label:kind/bug sort:edit-asc status:closed",
        "author:jane metadata:origin:github no:label word",
    ] {
        let groupings = query_groupings(query).expect("no quotes");
        let (_, first) = &groupings[0];
        assert!(first.is_ok(), "{query}: {first:?}");
        for (how, other) in &groupings[1..] {
            assert_eq!(first, other, "{query} {how}");
        }
    }
}

/// The sample's packs, written by the Go git-bug, decode, re-encode and
/// decode again to the same operations (the pack target checks each).
#[test]
fn sample_packs_round_trip() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let blobs = sample_blobs(
        &fixtures().join("gitbug-sample.bundle"),
        &dir.path().join("s"),
    )
    .expect("the sample bundle");
    assert!(blobs.len() >= 20, "{} packs", blobs.len());
    let mut fuzzer = Fuzzer::new("pack", 0, dir.path()).expect("pack target");
    for blob in &blobs {
        if let Err(f) = fuzzer.run(blob) {
            panic!("{}", f.problem);
        }
    }
}

/// An edit clock entry with a sign (`edit-clock-+5`) is refused: git-bug
/// reads decimal digits only.
#[test]
fn tree_entry_numbers_with_a_sign_are_refused() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut fuzzer = Fuzzer::new("tree", 0, dir.path()).expect("tree target");
    for layout in [
        "100644 create-clock-+11 empty\n100644 edit-clock-1 empty\n100644 ops ops\n100644 version-4 empty",
        "100644 edit-clock-+1 empty\n100644 ops ops\n100644 version-4 empty",
        "100644 edit-clock-1 empty\n100644 ops ops\n100644 version-+4 empty",
    ] {
        if let Err(f) = fuzzer.run(layout.as_bytes()) {
            panic!("{layout:?}: {}", f.problem);
        }
    }
}

/// The same through the binary: a bug whose head commit says
/// `edit-clock-+N` is reported unreadable, not shown.
#[test]
fn a_bug_with_a_signed_clock_is_unreadable() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let id = env.new_bug(&repo, "Crash on start", "It crashes.");
    let head = git_out(&env, &repo, &["rev-parse", &format!("refs/bugs/{id}")]);
    let tree = git_out(&env, &repo, &["ls-tree", &head]);
    let signed = tree.replace("\tedit-clock-", "\tedit-clock-+");
    assert_ne!(signed, tree);
    let sh = Shell::new(&env, None);
    let new_tree = sh.git_stdin(&repo, &["mktree"], format!("{signed}\n").as_bytes());
    let commit = sh.git_stdin(&repo, &["commit-tree", &new_tree], b"");
    env.git(&repo, &["update-ref", &format!("refs/bugs/{id}"), &commit])
        .ok();
    let run = env.bug(&repo, &["bug", "show", &id[..7]]);
    assert!(run.code != 0, "shown: {}", run.stdout);
    assert!(
        run.stderr.contains("unreadable number in `edit-clock-+"),
        "{}",
        run.stderr
    );
}

// ---------------------------------------------------------------------------
// The hook's input, through the real binary
// ---------------------------------------------------------------------------

/// A ref name that is not UTF-8 (git allows any bytes but a few) does not
/// make the hook drop the lines after it.
#[test]
fn hook_reads_past_a_ref_name_that_is_not_utf8() {
    let env = TestEnv::new();
    let a = env.repo("a");
    let id = env.new_bug(&a, "Crash on start", "It crashes.");
    let b = env.repo("b");
    // Fetched without hooks: the tracking refs wait for the next command.
    env.git(
        &b,
        &[
            "fetch",
            "-q",
            a.to_str().expect("utf-8 path"),
            "refs/bugs/*:refs/remotes/origin/bugs/*",
            "refs/identities/*:refs/remotes/origin/identities/*",
        ],
    )
    .ok();
    let tracking = env
        .git(
            &b,
            &[
                "for-each-ref",
                "--format=%(objectname) %(refname)",
                "refs/remotes/",
            ],
        )
        .ok()
        .stdout;
    let zero = "0".repeat(40);
    let mut stdin = format!("{zero} {} refs/heads/caf", "1".repeat(40)).into_bytes();
    stdin.push(0xe9);
    stdin.push(b'\n');
    for line in tracking.lines() {
        stdin.extend(format!("{zero} {line}\n").bytes());
    }
    let sh = Shell::new(&env, None);
    let run = sh.run(&b, BIN, &["hook", "reference-transaction"], Some(&stdin));
    assert_eq!(run.code, 0, "{}", run.stderr);
    // The hook merged the bug (it runs no catch-up pass of its own).
    let listed = env
        .git(&b, &["for-each-ref", "--format=%(refname)", "refs/bugs/"])
        .ok()
        .stdout;
    assert_eq!(listed.trim(), format!("refs/bugs/{id}"));
}
