//! The parsers that read data from elsewhere (operation packs, tree layouts,
//! queries, commit trailers, the reference-transaction hook's input) fed a
//! few thousand seeded mutations of valid inputs each: errors come back as
//! `Err`, never as a panic, and the properties of `git_bug::fuzzing` hold.
//! `scripts/fuzz.sh` runs the same targets for as long as one wants.

use crate::common::{BIN, TestEnv};
use crate::sync::Shell;

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
