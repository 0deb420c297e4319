//! What the tests against real trackers share: where the servers' settings
//! are, an HTTP client to talk to them as another user would, and the
//! operations a repository holds, to count what a sync added.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The settings `tests/trackers/start-<kind>.sh` wrote (`<kind>.env` in
/// `$GIT_BUG_TEST_TRACKERS`), or `None` (with a note) when no tracker tests
/// were asked for outside CI. Asked for but missing is a failure.
pub fn settings(kind: &str, name: &str) -> Option<BTreeMap<String, String>> {
    let Some(dir) = std::env::var_os("GIT_BUG_TEST_TRACKERS") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run the tracker tests: set GIT_BUG_TEST_TRACKERS (see tests/trackers/start-{kind}.sh)"
        );
        eprintln!("skipped: GIT_BUG_TEST_TRACKERS is not set (see README, \"Other trackers\")");
        return None;
    };
    let file = PathBuf::from(dir).join(format!("{kind}.env"));
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| {
        panic!(
            "GIT_BUG_TEST_TRACKERS is set but {} is unreadable: {e}; start {name} with tests/trackers/start-{kind}.sh",
            file.display()
        )
    });
    Some(
        text.lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
}

/// An HTTP client that returns every status as an answer, not an error.
pub fn http_agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(std::time::Duration::from_secs(30)))
        .build()
        .into()
}

/// Every bug id with the ids of its operations, in order.
pub fn operations(repo: &Path) -> BTreeMap<String, Vec<String>> {
    let handle = git_bug::repo::Repo::open(repo).expect("repository");
    git_bug::bug::list(&handle)
        .expect("bugs")
        .into_iter()
        .map(|bug| {
            let ops = git_bug::entity::dag::read_ordered_packs(&handle, bug.head)
                .expect("packs")
                .into_iter()
                .flat_map(|p| p.ops.into_iter().map(|o| o.id))
                .collect();
            (bug.id, ops)
        })
        .collect()
}

/// How many operations the bugs of `repo` hold.
pub fn op_count(repo: &Path) -> usize {
    operations(repo).values().map(Vec::len).sum()
}
