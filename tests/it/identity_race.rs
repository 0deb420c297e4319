//! Several first writes at once in a repository without an identity: they
//! agree on one identity, and none fails.

use crate::common::{BIN, TestEnv, spawn_retrying};
use std::process::Stdio;

const WRITERS: usize = 16;

#[test]
fn concurrent_first_writes_make_one_identity() {
    let env = TestEnv::new();
    for round in 0..3 {
        let repo = env.repo(&format!("r{round}"));
        let children: Vec<_> = (0..WRITERS)
            .map(|i| {
                let mut cmd = env.command(BIN, &repo);
                cmd.args(["new", "-t", &format!("bug {i}"), "-m", "x"])
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped());
                spawn_retrying(&mut cmd)
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().expect("wait");
            assert!(
                out.status.success(),
                "round {round}: a writer failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let identities = env
            .git(
                &repo,
                &["for-each-ref", "--format=%(refname)", "refs/identities/"],
            )
            .ok();
        let identities = identities.lines();
        assert_eq!(identities.len(), 1, "round {round}: {identities:?}");
        let id = identities[0].trim_start_matches("refs/identities/");
        let config = env
            .git(&repo, &["config", "--get-all", "git-bug.identity"])
            .ok();
        assert_eq!(config.stdout.trim(), id, "round {round}");
        let bugs = env.bug(&repo, &["bug", "--format", "json"]).ok().json();
        let bugs = bugs.as_array().expect("a list of bugs");
        assert_eq!(bugs.len(), WRITERS, "round {round}");
        for bug in bugs {
            assert_eq!(
                bug["author"]["id"].as_str(),
                Some(id),
                "round {round}: {bug}"
            );
        }
    }
}
