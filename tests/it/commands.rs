//! Every command of `git bug`, its messages, exit codes and side effects,
//! run as a user would: through the built binary (and through git) against
//! real repositories. Expected behaviour: spec §7 (gitbug-format.md) and the
//! conventions of git-bug(1) (exit 0 ok, 1 refused, 2 usage, 128 no repo).

use crate::common::{Run, TestEnv};
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// Whether `s` is exactly `len` lowercase hex digits.
fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Asserts a refused command: exit `code`, and stderr made of exactly one
/// `error: …` line containing `needle`, then optional `hint: …` lines —
/// never a panic, a backtrace or anything on stdout.
#[track_caller]
fn assert_error(run: &Run, code: i32, needle: &str) {
    assert_eq!(
        run.code, code,
        "unexpected exit code:\nstdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert!(
        lines.first().is_some_and(|l| l.starts_with("error: ")),
        "stderr should start with `error: `:\n{}",
        run.stderr
    );
    assert!(
        lines[0].contains(needle),
        "the error line should mention {needle:?}:\n{}",
        run.stderr
    );
    assert!(
        lines[1..].iter().all(|l| l.starts_with("hint: ")),
        "only hints may follow the error line:\n{}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(
        run.stdout.is_empty(),
        "stdout should be empty:\n{}",
        run.stdout
    );
}

/// The hint lines of a refused command, joined.
fn hints(run: &Run) -> String {
    run.stderr
        .lines()
        .filter(|l| l.starts_with("hint: "))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Full names of the refs under `prefix`, sorted.
fn refs(env: &TestEnv, repo: &Path, prefix: &str) -> Vec<String> {
    let run = env
        .git(repo, &["for-each-ref", "--format=%(refname)", prefix])
        .ok();
    let mut names: Vec<String> = run.lines().iter().map(|s| s.to_string()).collect();
    names.sort();
    names
}

/// The commit `refs/bugs/<id>` points to: equal before and after a command
/// proves that the command wrote nothing.
fn bug_head(env: &TestEnv, repo: &Path, id: &str) -> String {
    env.git(repo, &["rev-parse", &format!("refs/bugs/{id}")])
        .ok()
        .stdout
        .trim()
        .to_string()
}

/// A value of the repository's git config, if set.
fn config(env: &TestEnv, repo: &Path, key: &str) -> Option<String> {
    let run = env.git(repo, &["config", "--get", key]);
    (run.code == 0).then(|| run.stdout.trim().to_string())
}

/// The JSON of `bug show ID`.
fn show_json(env: &TestEnv, repo: &Path, id: &str) -> serde_json::Value {
    env.bug(repo, &["bug", "show", id, "--format", "json"])
        .ok()
        .json()
}

/// The keys of the JSON objects printed at `indent` spaces, in print order
/// (`MarshalIndent` puts one key per line).
fn keys_at_indent(text: &str, indent: usize) -> Vec<String> {
    let prefix = format!("{}\"", " ".repeat(indent));
    text.lines()
        .filter_map(|l| l.strip_prefix(&prefix))
        .filter_map(|rest| rest.split_once("\":").map(|(k, _)| k.to_string()))
        .collect()
}

/// Writes an executable shell script into the test's temporary directory.
fn script(env: &TestEnv, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = env.path(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}")).expect("write script");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

/// An editor (for GIT_EDITOR / core.editor) that replaces the file it is
/// given with `text`.
fn editor_writing(env: &TestEnv, name: &str, text: &str) -> String {
    let path = env.path(&format!("{name}.txt"));
    std::fs::write(&path, text).expect("editor text");
    script(env, name, &format!("cat '{}' > \"$1\"\n", path.display()))
        .to_str()
        .expect("utf-8")
        .to_string()
}

/// Runs a shell command line inside the hermetic environment (as a git
/// alias, so that it gets the same variables as every other command).
fn shell(env: &TestEnv, cwd: &Path, command: &str) -> Run {
    env.git(
        cwd,
        &["-c", &format!("alias.test-sh=!{command}"), "test-sh"],
    )
}

/// A repository where Jane's identity already exists, so that a command's
/// stderr holds only what that command has to say.
fn repo_with_identity(env: &TestEnv) -> PathBuf {
    let repo = env.repo("r");
    env.bug(&repo, &["user", "new", "--non-interactive"]).ok();
    repo
}

/// A repository with one bug (which also creates Jane's identity).
fn repo_with_bug(env: &TestEnv) -> (PathBuf, String) {
    let repo = env.repo("r");
    let id = env.new_bug(&repo, "First bug", "It breaks");
    (repo, id)
}

// ---------------------------------------------------------------------------
// Dispatch, help, version, no repository
// ---------------------------------------------------------------------------

#[test]
fn git_dispatches_to_git_bug() {
    let env = TestEnv::new();
    let (repo, id) = repo_with_bug(&env);
    let via_git = env.git(&repo, &["bug", "ls"]).ok();
    let direct = env.bug(&repo, &["ls"]).ok();
    assert_eq!(via_git.stdout, direct.stdout);
    assert_eq!(via_git.stdout, format!("{}\topen\tFirst bug\n", &id[..7]));
    // `git bug bug` is the long form of `git bug ls`.
    assert_eq!(env.git(&repo, &["bug", "bug"]).ok().stdout, direct.stdout);
    // Writes work through git too.
    env.git(&repo, &["bug", "new", "-t", "Second", "-m", "x"])
        .ok();
    assert_eq!(env.bug(&repo, &["ls"]).ok().lines().len(), 2);
}

#[test]
fn version_and_help() {
    let env = TestEnv::new();
    // `version` needs no repository.
    let version = env.bug(env.dir.path(), &["version"]).ok();
    assert_eq!(
        version.stdout.trim_end(),
        format!("git-bug {}", env!("CARGO_PKG_VERSION"))
    );
    let repo = env.repo("r");
    let via_git = env.git(&repo, &["bug", "version"]).ok();
    assert_eq!(via_git.stdout, version.stdout);

    let help = env.git(&repo, &["bug", "-h"]).ok();
    assert!(help.stdout.contains("Usage: git bug"), "{}", help.stdout);
    for command in [
        "ls", "new", "show", "comment", "close", "open", "bug", "user", "label",
    ] {
        assert!(
            help.stdout.contains(&format!("\n  {command} ")),
            "help should list {command}:\n{}",
            help.stdout
        );
    }
    // Every subcommand has -h.
    for args in [
        &["bug", "-h"][..],
        &["bug", "comment", "edit", "-h"],
        &["bug", "label", "new", "-h"],
        &["bug", "status", "close", "-h"],
        &["bug", "title", "edit", "-h"],
        &["user", "adopt", "-h"],
        &["user", "new", "-h"],
    ] {
        let run = env.bug(&repo, args).ok();
        assert!(
            run.stdout.contains("Usage: git bug"),
            "{args:?}: {}",
            run.stdout
        );
    }
    // Without a command: the help, as a usage error.
    let bare = env.bug(&repo, &[]).fails(2);
    assert!(bare.stderr.contains("Usage: git bug"), "{}", bare.stderr);
}

#[test]
fn usage_errors_exit_2() {
    let env = TestEnv::new();
    let (repo, id) = repo_with_bug(&env);
    for args in [
        &["frobnicate"][..],
        &["ls", "--frobnicate"],
        &["ls", "--format", "yaml"],
        &["ls", "--by", "size"],
        &["show", &id, "--format", "yaml"],
        &["bug", "rm"],
        &["user", "adopt"],
        &["bug", "comment", "edit"],
    ] {
        let run = env.bug(&repo, args).fails(2);
        assert!(!run.stderr.contains("panicked"), "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.starts_with("error: "),
            "{args:?}: {}",
            run.stderr
        );
    }
}

#[test]
fn outside_a_repository_exits_128() {
    let env = TestEnv::new();
    let outside = env.path("outside");
    std::fs::create_dir_all(&outside).expect("dir");
    for args in [
        &["ls"][..],
        &["bug"],
        &["new", "-t", "t", "-m", "m"],
        &["show", "abc"],
        &["user"],
        &["label"],
        &["bug", "select", "abc"],
    ] {
        let run = env.bug(&outside, args);
        assert_error(&run, 128, "not a git repository");
        assert!(
            run.stderr.starts_with("error: not a git repository"),
            "{args:?}: {}",
            run.stderr
        );
    }
    // Through git as well (git runs the external command from the cwd).
    let run = env.git(&outside, &["bug", "ls"]);
    assert_error(&run, 128, "not a git repository");
    // Nothing was created there.
    assert!(!outside.join(".git").exists());
}

#[test]
fn works_from_a_subdirectory() {
    let env = TestEnv::new();
    let (repo, id) = repo_with_bug(&env);
    let sub = repo.join("src/deep");
    std::fs::create_dir_all(&sub).expect("dir");
    let run = env.bug(&sub, &["show", &id, "--field", "title"]).ok();
    assert_eq!(run.stdout, "First bug\n");
}

// ---------------------------------------------------------------------------
// Identities
// ---------------------------------------------------------------------------

#[test]
fn first_write_creates_an_identity_from_git_config() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    assert!(refs(&env, &repo, "refs/identities/").is_empty());
    let first = env.bug(&repo, &["new", "-t", "One", "-m", "m"]).ok();
    assert!(
        first.stderr.contains("Created identity"),
        "{}",
        first.stderr
    );
    assert!(first.stderr.contains("Jane Doe"), "{}", first.stderr);

    // The identity is stored, and recorded as the user's in the local config.
    let identities = refs(&env, &repo, "refs/identities/");
    assert_eq!(identities.len(), 1);
    let me = config(&env, &repo, "git-bug.identity").expect("git-bug.identity set");
    assert!(is_hex(&me, 64), "{me}");
    assert_eq!(identities[0], format!("refs/identities/{me}"));
    let shown = env.bug(&repo, &["user", "show"]).ok();
    assert!(
        shown.stdout.contains("Name: Jane Doe\n"),
        "{}",
        shown.stdout
    );
    assert!(
        shown.stdout.contains("Email: jane@example.com\n"),
        "{}",
        shown.stdout
    );

    // Later writes reuse it silently.
    let second = env.bug(&repo, &["new", "-t", "Two", "-m", "m"]).ok();
    assert!(!second.stderr.contains("identity"), "{}", second.stderr);
    assert_eq!(refs(&env, &repo, "refs/identities/").len(), 1);
}

#[test]
fn writing_without_any_identity_fails_with_a_hint() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    env.git(&repo, &["config", "--unset", "user.name"]).ok();
    env.git(&repo, &["config", "--unset", "user.email"]).ok();
    let run = env.bug(&repo, &["new", "-t", "One", "-m", "m"]);
    assert_error(&run, 1, "identity");
    assert!(hints(&run).contains("git bug user new"), "{}", run.stderr);
    assert!(
        refs(&env, &repo, "refs/").is_empty(),
        "nothing may be written"
    );
    assert_eq!(config(&env, &repo, "git-bug.identity"), None);

    // A name alone is not enough either.
    env.git(&repo, &["config", "user.name", "Jane Doe"]).ok();
    let run = env.bug(&repo, &["new", "-t", "One", "-m", "m"]);
    assert_error(&run, 1, "identity");
    assert!(refs(&env, &repo, "refs/").is_empty());
}

/// Creating the user's identity is a write: a command that ends up writing
/// no bug (refused, or nothing to change) must not create one either.
#[test]
fn commands_that_write_no_bug_create_no_identity() {
    let env = TestEnv::new();
    // Sample bugs: 03b2195 is open with label kind/bug, 077be5e is closed.
    let missing = env.path("missing.txt");
    let cases: [(&[&str], i32); 11] = [
        (&["new", "-t", "   ", "-m", "body"], 1),
        (&["new", "--non-interactive"], 1),
        (&["new"], 1),
        (&["new", "-F", missing.to_str().expect("utf-8")], 1),
        (&["comment", "03b2195"], 1),
        (&["comment", "03b2195", "-m", "  "], 1),
        (&["bug", "label", "new", "03b2195", "kind/bug"], 0),
        (&["bug", "label", "rm", "03b2195", "nope"], 0),
        (&["bug", "title", "edit", "03b2195", "-t", " "], 1),
        (
            &[
                "bug",
                "title",
                "edit",
                "03b2195",
                "-t",
                "git-bug does not load custom ssh configuration",
            ],
            0,
        ),
        (&["close", "077be5e"], 0),
    ];
    let mut offenders = Vec::new();
    for (i, (args, code)) in cases.into_iter().enumerate() {
        // A fresh copy per case: once an identity exists, later cases
        // would not show the problem.
        let repo = env.sample_repo(&format!("s{i}"));
        let run = env.bug(&repo, args);
        assert_eq!(run.code, code, "{args:?}: {}", run.stderr);
        let created = run.stderr.contains("Created identity")
            || refs(&env, &repo, "refs/identities/").len() != 28
            || config(&env, &repo, "git-bug.identity").is_some();
        if created {
            offenders.push(format!("{args:?}"));
        }
    }
    assert!(
        offenders.is_empty(),
        "these commands wrote no bug but created an identity:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn other_writes_without_identity_fail_and_write_nothing() {
    let env = TestEnv::new();
    let repo = env.sample_repo("s");
    env.git(&repo, &["config", "--unset", "user.name"]).ok();
    env.git(&repo, &["config", "--unset", "user.email"]).ok();
    // 03b2195 is open in the sample, 077be5e closed.
    let open = "03b21953aeecd3973a887579bc71fef021e8f163528cdfd65a5f3f13586a77b8";
    let before = bug_head(&env, &repo, open);
    for args in [
        &["close", "03b2195"][..],
        &["comment", "03b2195", "-m", "hello"],
        &["bug", "label", "new", "03b2195", "newlabel"],
        &["bug", "title", "edit", "03b2195", "-t", "New title"],
    ] {
        let run = env.bug(&repo, args);
        assert_error(&run, 1, "identity");
        assert!(
            hints(&run).contains("git bug user new"),
            "{args:?}: {}",
            run.stderr
        );
    }
    assert_eq!(bug_head(&env, &repo, open), before);
    assert_eq!(refs(&env, &repo, "refs/identities/").len(), 28);
    // Reading needs no identity.
    env.bug(&repo, &["show", "03b2195"]).ok();
}

#[test]
fn user_new_prints_the_id_and_sets_the_identity_once() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let run = env
        .bug(
            &repo,
            &[
                "user",
                "new",
                "-n",
                "Bob",
                "-e",
                "bob@example.com",
                "--non-interactive",
            ],
        )
        .ok();
    let bob = run.stdout.trim().to_string();
    assert!(
        is_hex(&bob, 64),
        "stdout should be the full id: {:?}",
        run.stdout
    );
    assert_eq!(run.stdout, format!("{bob}\n"));
    assert_eq!(
        config(&env, &repo, "git-bug.identity").as_deref(),
        Some(bob.as_str())
    );
    assert_eq!(
        refs(&env, &repo, "refs/identities/"),
        vec![format!("refs/identities/{bob}")]
    );

    // A second identity does not take over.
    let alice = env
        .bug(
            &repo,
            &[
                "user",
                "new",
                "-n",
                "Alice",
                "-e",
                "alice@example.com",
                "--non-interactive",
            ],
        )
        .ok()
        .stdout
        .trim()
        .to_string();
    assert!(is_hex(&alice, 64));
    assert_ne!(alice, bob);
    assert_eq!(
        config(&env, &repo, "git-bug.identity").as_deref(),
        Some(bob.as_str())
    );

    // Bugs are now written as Bob, and no identity is created from git config.
    let created = env.bug(&repo, &["new", "-t", "t", "-m", "m"]).ok();
    assert!(
        !created.stderr.contains("Created identity"),
        "{}",
        created.stderr
    );
    let listed = env.bug(&repo, &["ls", "--format", "json"]).ok().json();
    assert_eq!(listed[0]["author"]["id"], bob.as_str());
    assert_eq!(refs(&env, &repo, "refs/identities/").len(), 2);
}

#[test]
fn user_new_defaults_to_git_config_and_needs_a_name() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let id = env
        .bug(&repo, &["user", "new", "--non-interactive"])
        .ok()
        .stdout
        .trim()
        .to_string();
    let email = env
        .bug(&repo, &["user", "show", &id, "--field", "email"])
        .ok();
    assert_eq!(email.stdout, "jane@example.com\n");
    let name = env
        .bug(&repo, &["user", "show", &id, "--field", "name"])
        .ok();
    assert_eq!(name.stdout, "Jane Doe\n");

    env.git(&repo, &["config", "--unset", "user.name"]).ok();
    let run = env.bug(&repo, &["user", "new", "--non-interactive"]);
    assert_error(&run, 1, "name");
    assert_eq!(refs(&env, &repo, "refs/identities/").len(), 1);
}

#[test]
fn user_lists_identities() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let mut ids = Vec::new();
    for (name, email) in [("Bob", "bob@example.com"), ("Alice", "alice@example.com")] {
        let run = env
            .bug(
                &repo,
                &["user", "new", "-n", name, "-e", email, "--non-interactive"],
            )
            .ok();
        ids.push((run.stdout.trim().to_string(), name));
    }
    // Default format: `<human id> <display name>` per identity.
    let list = env.bug(&repo, &["user"]).ok();
    let mut lines = list.lines();
    lines.sort();
    let mut expected: Vec<String> = ids
        .iter()
        .map(|(id, name)| format!("{} {name}", &id[..7]))
        .collect();
    expected.sort();
    assert_eq!(lines, expected);

    // JSON: an array of {id, human_id, name, login}, keys in that order.
    let json = env.bug(&repo, &["user", "--format", "json"]).ok();
    let keys = keys_at_indent(&json.stdout, 8);
    assert_eq!(keys.len(), 8, "{}", json.stdout);
    assert_eq!(keys[..4], ["id", "human_id", "name", "login"]);
    assert_eq!(keys[4..], ["id", "human_id", "name", "login"]);
    let value = json.json();
    let array = value.as_array().expect("array");
    assert_eq!(array.len(), 2);
    for (id, name) in &ids {
        let who = array
            .iter()
            .find(|p| p["id"] == id.as_str())
            .unwrap_or_else(|| panic!("{id} missing from {}", json.stdout));
        assert_eq!(who["human_id"], &id[..7]);
        assert_eq!(who["name"], *name);
        assert_eq!(who["login"], "");
    }
}

#[test]
fn user_adopt_changes_the_identity() {
    let env = TestEnv::new();
    let (repo, bug) = repo_with_bug(&env);
    let jane = config(&env, &repo, "git-bug.identity").expect("identity");
    let bob = env
        .bug(
            &repo,
            &[
                "user",
                "new",
                "-n",
                "Bob",
                "-e",
                "bob@example.com",
                "--non-interactive",
            ],
        )
        .ok()
        .stdout
        .trim()
        .to_string();
    assert_eq!(config(&env, &repo, "git-bug.identity"), Some(jane.clone()));

    let run = env.bug(&repo, &["user", "adopt", &bob[..6]]).ok();
    assert_eq!(run.stdout, "Your identity is now: Bob\n");
    assert_eq!(config(&env, &repo, "git-bug.identity"), Some(bob.clone()));

    // The next write is Bob's.
    env.bug(&repo, &["comment", &bug, "-m", "From Bob"]).ok();
    let shown = show_json(&env, &repo, &bug);
    assert_eq!(shown["comments"][1]["author"]["id"], bob.as_str());
    assert_eq!(shown["comments"][1]["author"]["name"], "Bob");

    // Unknown identity: refused, config unchanged.
    let run = env.bug(&repo, &["user", "adopt", "ffffffff"]);
    assert_error(&run, 1, "doesn't exist");
    assert_eq!(config(&env, &repo, "git-bug.identity"), Some(bob));
    // Adopting back by full id works too.
    let run = env.bug(&repo, &["user", "adopt", &jane]).ok();
    assert_eq!(run.stdout, "Your identity is now: Jane Doe\n");
}

#[test]
fn user_show_and_fields() {
    let env = TestEnv::new();
    let (repo, _) = repo_with_bug(&env);
    let me = config(&env, &repo, "git-bug.identity").expect("identity");

    // `user show` is an alias of `user user`; both show "me" by default.
    let show = env.bug(&repo, &["user", "show"]).ok();
    let user = env.bug(&repo, &["user", "user"]).ok();
    assert_eq!(show.stdout, user.stdout);
    let lines = show.lines();
    assert_eq!(lines[0], format!("Id: {me}"));
    assert_eq!(lines[1], "Name: Jane Doe");
    assert_eq!(lines[2], "Email: jane@example.com");
    assert_eq!(lines[3], "Login: ");
    assert!(
        lines[4].starts_with("Last modification: "),
        "{}",
        show.stdout
    );

    // By prefix.
    let by_prefix = env.bug(&repo, &["user", "show", &me[..5]]).ok();
    assert_eq!(by_prefix.stdout, show.stdout);

    for (field, expected) in [
        ("email", "jane@example.com".to_string()),
        ("name", "Jane Doe".to_string()),
        ("id", me.clone()),
        ("humanId", me[..7].to_string()),
        ("login", String::new()),
    ] {
        let run = env.bug(&repo, &["user", "show", "--field", field]).ok();
        assert_eq!(run.stdout, format!("{expected}\n"), "--field {field}");
    }
    let run = env.bug(&repo, &["user", "show", "--field", "shoe_size"]);
    assert_error(&run, 2, "unsupported field");

    let run = env.bug(&repo, &["user", "show", "0000000"]);
    assert_error(&run, 1, "doesn't exist");
}

#[test]
fn user_show_without_identity_is_refused() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let run = env.bug(&repo, &["user", "show"]);
    assert_error(&run, 1, "identity");
    // Listing with no identity at all is fine and empty.
    assert_eq!(env.bug(&repo, &["user"]).ok().stdout, "");
}

#[test]
fn first_write_adopts_a_fetched_identity_with_the_same_email() {
    let env = TestEnv::new();
    let a = env.repo("a");
    env.new_bug(&a, "In A", "m");
    let mine = config(&env, &a, "git-bug.identity").expect("identity in A");

    // Clone B gets A's identities (as `git bug pull` would), but no config.
    let b = env.repo("b");
    env.git(
        &b,
        &[
            "fetch",
            "-q",
            a.to_str().expect("utf-8"),
            "refs/identities/*:refs/identities/*",
        ],
    )
    .ok();
    let run = env.bug(&b, &["new", "-t", "In B", "-m", "m"]).ok();
    assert!(run.stderr.contains("Adopted identity"), "{}", run.stderr);
    assert!(!run.stderr.contains("Created identity"), "{}", run.stderr);
    assert_eq!(config(&env, &b, "git-bug.identity"), Some(mine.clone()));
    assert_eq!(
        refs(&env, &b, "refs/identities/"),
        vec![format!("refs/identities/{mine}")],
        "no duplicate identity"
    );
    let list = env.bug(&b, &["ls", "--format", "json"]).ok().json();
    assert_eq!(list[0]["author"]["id"], mine.as_str());
}

// ---------------------------------------------------------------------------
// bug new
// ---------------------------------------------------------------------------

/// The only bug of `repo`, as JSON.
fn only_bug(env: &TestEnv, repo: &Path) -> serde_json::Value {
    let ids = env.bug(repo, &["ls", "--format", "id"]).ok();
    assert_eq!(ids.lines().len(), 1, "expected one bug:\n{}", ids.stdout);
    show_json(env, repo, ids.lines()[0])
}

#[test]
fn new_with_title_and_message() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let run = env
        .bug(
            &repo,
            &["bug", "new", "-t", "Crash on start", "-m", "Steps"],
        )
        .ok();
    let human = run.stdout.strip_suffix(" created\n").expect(&run.stdout);
    assert!(is_hex(human, 7), "{}", run.stdout);
    let bug = only_bug(&env, &repo);
    assert_eq!(bug["human_id"], human);
    assert_eq!(bug["title"], "Crash on start");
    assert_eq!(bug["status"], "open");
    assert_eq!(bug["comments"][0]["message"], "Steps");
    assert_eq!(bug["comments"].as_array().map(Vec::len), Some(1));
    assert!(bug["labels"].is_null());
    // The ref is named after the full id.
    let id = bug["id"].as_str().expect("id");
    assert_eq!(
        refs(&env, &repo, "refs/bugs/"),
        vec![format!("refs/bugs/{id}")]
    );

    // Long options and the shortcut.
    env.bug(&repo, &["new", "--title", "Second", "--message", "More"])
        .ok();
    assert_eq!(refs(&env, &repo, "refs/bugs/").len(), 2);
}

#[test]
fn new_with_a_title_only_has_an_empty_description() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    // stdin is not a terminal: no editor is opened for the description.
    env.bug(&repo, &["new", "-t", "Only a title"]).ok();
    let bug = only_bug(&env, &repo);
    assert_eq!(bug["title"], "Only a title");
    assert_eq!(bug["comments"][0]["message"], "");
    let text = env
        .bug(&repo, &["show", bug["id"].as_str().expect("id")])
        .ok();
    assert!(
        text.stdout.contains("  No description provided.\n"),
        "{}",
        text.stdout
    );
}

#[test]
fn new_from_a_file_takes_the_first_line_as_title() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let file = env.path("bug.txt");
    std::fs::write(
        &file,
        "\n# a comment line\n  Title from file  \n\nFirst paragraph.\n# dropped\nSecond line.\n\n",
    )
    .expect("write");
    env.bug(&repo, &["new", "-F", file.to_str().expect("utf-8")])
        .ok();
    let bug = only_bug(&env, &repo);
    assert_eq!(bug["title"], "Title from file");
    assert_eq!(
        bug["comments"][0]["message"],
        "First paragraph.\nSecond line."
    );
}

#[test]
fn new_from_a_file_with_a_title() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let file = env.path("bug.txt");
    std::fs::write(&file, "The whole\ndescription\n").expect("write");
    env.bug(
        &repo,
        &[
            "new",
            "-t",
            "Given",
            "--file",
            file.to_str().expect("utf-8"),
        ],
    )
    .ok();
    let bug = only_bug(&env, &repo);
    assert_eq!(bug["title"], "Given");
    assert_eq!(bug["comments"][0]["message"], "The whole\ndescription");
}

#[test]
fn new_from_stdin() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    env.bug_with(
        &repo,
        &["new", "-F", "-"],
        &[],
        Some("Title from stdin\n\nBody from stdin\n"),
    )
    .ok();
    let bug = only_bug(&env, &repo);
    assert_eq!(bug["title"], "Title from stdin");
    assert_eq!(bug["comments"][0]["message"], "Body from stdin");
}

#[test]
fn new_from_a_missing_file_is_refused() {
    let env = TestEnv::new();
    let repo = repo_with_identity(&env);
    let missing = env.path("missing.txt");
    let run = env.bug(&repo, &["new", "-F", missing.to_str().expect("utf-8")]);
    assert_error(&run, 1, "missing.txt");
    assert!(refs(&env, &repo, "refs/bugs/").is_empty());
}

#[test]
fn new_in_the_editor_from_git_editor() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let editor = editor_writing(
        &env,
        "editor",
        "Title from editor\n\nBody line\n# a comment line, dropped\nLast line\n",
    );
    env.bug_with(&repo, &["new"], &[("GIT_EDITOR", &editor)], None)
        .ok();
    let bug = only_bug(&env, &repo);
    assert_eq!(bug["title"], "Title from editor");
    assert_eq!(bug["comments"][0]["message"], "Body line\nLast line");
    // The temporary message file is cleaned up.
    assert!(!repo.join(".git/git-bug/BUG_MESSAGE_EDITMSG").exists());
}

#[test]
fn new_in_the_editor_from_core_editor() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let editor = editor_writing(&env, "editor", "# only a comment\nConfigured editor\n");
    env.git(&repo, &["config", "core.editor", &editor]).ok();
    env.bug(&repo, &["new"]).ok();
    let bug = only_bug(&env, &repo);
    assert_eq!(bug["title"], "Configured editor");
    assert_eq!(bug["comments"][0]["message"], "");

    // GIT_EDITOR wins over core.editor.
    let other = editor_writing(&env, "other", "From GIT_EDITOR\n");
    env.bug_with(&repo, &["new"], &[("GIT_EDITOR", &other)], None)
        .ok();
    let titles = env.bug(&repo, &["ls"]).ok().stdout;
    assert!(titles.contains("\tFrom GIT_EDITOR\n"), "{titles}");
}

#[test]
fn new_with_an_empty_title_creates_nothing() {
    let env = TestEnv::new();
    let repo = repo_with_identity(&env);
    let run = env.bug(&repo, &["new", "-t", "   ", "-m", "body"]);
    assert_error(&run, 1, "title");
    // An editor that leaves only comments behind.
    let editor = editor_writing(&env, "editor", "# nothing here\n\n");
    let run = env.bug_with(&repo, &["new"], &[("GIT_EDITOR", &editor)], None);
    assert_error(&run, 1, "title");
    // An editor that fails.
    let run = env.bug_with(&repo, &["new"], &[("GIT_EDITOR", "false")], None);
    assert_error(&run, 1, "editor");
    assert!(refs(&env, &repo, "refs/bugs/").is_empty());
}

#[test]
fn new_non_interactive_needs_a_title() {
    let env = TestEnv::new();
    let repo = repo_with_identity(&env);
    let editor = editor_writing(&env, "editor", "Should not be used\n");
    for args in [
        &["new", "--non-interactive"][..],
        &["new", "--non-interactive", "-m", "body"],
    ] {
        let run = env.bug_with(&repo, args, &[("GIT_EDITOR", &editor)], None);
        assert_error(&run, 1, "title");
    }
    assert!(refs(&env, &repo, "refs/bugs/").is_empty());
}

#[test]
fn new_without_an_editor_never_waits() {
    let env = TestEnv::new();
    let repo = repo_with_identity(&env);
    // No GIT_EDITOR/core.editor/VISUAL/EDITOR, stdin not a terminal: an
    // error that points at -m, whatever the terminal type.
    for term in ["dumb", "xterm"] {
        let run = env.bug_with(&repo, &["new"], &[("TERM", term)], None);
        assert_eq!(run.code, 1, "TERM={term}: {}", run.stderr);
        assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
        assert!(run.stderr.contains("-m"), "TERM={term}: {}", run.stderr);
    }
    // Same with an open but empty stdin.
    let run = env.bug_with(&repo, &["new"], &[], Some(""));
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("-m"), "{}", run.stderr);
    assert!(refs(&env, &repo, "refs/bugs/").is_empty());
}

#[test]
fn messages_are_cleaned_up() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    env.bug(
        &repo,
        &["new", "-t", "  Padded title \t", "-m", "  text \r\n more  "],
    )
    .ok();
    let bug = only_bug(&env, &repo);
    assert_eq!(bug["title"], "Padded title");
    assert_eq!(bug["comments"][0]["message"], "text \n more");
    // Stored that way in git, too.
    let id = bug["id"].as_str().expect("id");
    let ops = env
        .git(&repo, &["cat-file", "blob", &format!("refs/bugs/{id}:ops")])
        .ok();
    assert!(
        ops.stdout
            .contains(r#""title":"Padded title","message":"text \n more""#),
        "{}",
        ops.stdout
    );

    // Comments are cleaned the same way.
    env.bug(&repo, &["comment", id, "-m", "\r\n  reply\r\n\r\n"])
        .ok();
    assert_eq!(
        show_json(&env, &repo, id)["comments"][1]["message"],
        "reply"
    );
}

// ---------------------------------------------------------------------------
// bug show
// ---------------------------------------------------------------------------

#[test]
fn show_default_text() {
    let env = TestEnv::new();
    let (repo, id) = repo_with_bug(&env);
    env.bug(&repo, &["comment", &id, "-m", "Line one\nLine two"])
        .ok();
    env.bug(&repo, &["bug", "label", "new", &id, "ux", "crash"])
        .ok();
    let json = show_json(&env, &repo, &id);
    let c0 = json["comments"][0]["human_id"]
        .as_str()
        .expect("comment id");
    let c1 = json["comments"][1]["human_id"]
        .as_str()
        .expect("comment id");

    let text = env.bug(&repo, &["show", &id]).ok().stdout;
    let lines: Vec<&str> = text.split('\n').collect();
    assert_eq!(lines[0], format!("{} [open] First bug", &id[..7]));
    assert_eq!(lines[1], "");
    assert!(
        lines[2].starts_with("Jane Doe opened this issue ") && lines[2].ends_with(" +0000 UTC"),
        "{text}"
    );
    assert!(
        lines[3].starts_with("This was last edited at ") && lines[3].ends_with(" +0000 UTC"),
        "{text}"
    );
    assert_eq!(lines[4], "");
    assert_eq!(lines[5], "labels: crash, ux");
    assert_eq!(lines[6], "actors: Jane Doe");
    assert_eq!(lines[7], "participants: Jane Doe");
    assert_eq!(lines[8], "");
    let rest = lines[9..].join("\n");
    assert_eq!(
        rest,
        format!(
            "  {c0} #0 Jane Doe <jane@example.com>\n\n  It breaks\n\n\n  {c1} #1 Jane Doe <jane@example.com>\n\n  Line one\nLine two\n\n\n"
        )
    );

    // `git bug show` and `git bug bug show` are the same command.
    assert_eq!(env.bug(&repo, &["bug", "show", &id]).ok().stdout, text);
}

#[test]
fn show_json_keys_and_values() {
    let env = TestEnv::new();
    let (repo, id) = repo_with_bug(&env);
    let run = env.bug(&repo, &["show", &id, "--format", "json"]).ok();
    assert!(run.stdout.ends_with("}\n"), "{}", run.stdout);
    assert_eq!(
        keys_at_indent(&run.stdout, 4),
        [
            "id",
            "human_id",
            "create_time",
            "edit_time",
            "status",
            "labels",
            "title",
            "author",
            "actors",
            "participants",
            "comments",
            "commits"
        ]
    );
    // Comment keys: id, human_id, author, message (indent 12 inside the array).
    let (_, comments) = run.stdout.split_once("\"comments\": [").expect("comments");
    let comment_keys = keys_at_indent(comments, 12);
    assert_eq!(comment_keys, ["id", "human_id", "author", "message"]);

    let json = run.json();
    let me = config(&env, &repo, "git-bug.identity").expect("identity");
    assert_eq!(json["id"], id.as_str());
    assert_eq!(json["human_id"], &id[..7]);
    assert_eq!(json["status"], "open");
    assert_eq!(json["title"], "First bug");
    assert!(json["labels"].is_null());
    assert_eq!(json["author"]["id"], me.as_str());
    assert_eq!(json["author"]["name"], "Jane Doe");
    assert_eq!(json["actors"][0]["id"], me.as_str());
    assert_eq!(json["participants"][0]["id"], me.as_str());
    let ts = json["create_time"]["timestamp"]
        .as_i64()
        .expect("timestamp");
    assert!(ts > 1_600_000_000, "{ts}");
    let time = json["create_time"]["time"].as_str().expect("time");
    assert!(time.ends_with('Z') && time.len() == 20, "{time}");
    // `show` never prints lamport times.
    assert!(json["create_time"].get("lamport").is_none());
    let comment_id = json["comments"][0]["id"].as_str().expect("comment id");
    assert!(is_hex(comment_id, 64));
    assert_eq!(json["comments"][0]["human_id"], &comment_id[..7]);
    assert_eq!(json["comments"][0]["message"], "It breaks");
}

#[test]
fn show_fields() {
    let env = TestEnv::new();
    let (repo, id) = repo_with_bug(&env);
    env.bug(&repo, &["bug", "label", "new", &id, "zeta", "alpha"])
        .ok();
    for (field, expected) in [
        ("title", "First bug\n".to_string()),
        ("status", "open\n".to_string()),
        ("labels", "alpha\nzeta\n".to_string()),
        ("id", format!("{id}\n")),
        ("humanId", format!("{}\n", &id[..7])),
        ("shortId", format!("{}\n", &id[..7])),
        ("author", "Jane Doe\n".to_string()),
        ("authorEmail", "jane@example.com\n".to_string()),
        ("actors", "Jane Doe\n".to_string()),
        ("participants", "Jane Doe\n".to_string()),
    ] {
        let run = env.bug(&repo, &["show", &id, "--field", field]).ok();
        assert_eq!(run.stdout, expected, "--field {field}");
    }
    let created = env.bug(&repo, &["show", &id, "--field", "createTime"]).ok();
    assert!(
        created.stdout.ends_with(" +0000 UTC\n"),
        "{}",
        created.stdout
    );
    let run = env.bug(&repo, &["show", &id, "--field", "color"]);
    assert_error(&run, 2, "unsupported field");
}

#[test]
fn show_org_mode() {
    let env = TestEnv::new();
    let (repo, id) = repo_with_bug(&env);
    let run = env.bug(&repo, &["show", &id, "--format", "org-mode"]).ok();
    let lines = run.lines();
    assert_eq!(lines[0], format!("{} [open] First bug", &id[..7]));
    assert_eq!(lines[1], "* Author: Jane Doe");
    assert!(
        run.stdout
            .contains("* Comments:\n** #0 Jane Doe\n: It breaks\n"),
        "{}",
        run.stdout
    );
}

// ---------------------------------------------------------------------------
// Comments
// ---------------------------------------------------------------------------

#[test]
fn comment_list_format() {
    let env = TestEnv::new();
    let (repo, id) = repo_with_bug(&env);
    env.bug(&repo, &["comment", &id, "-m", "Second\n\nwith a gap"])
        .ok();
    let json = show_json(&env, &repo, &id);
    let c0 = json["comments"][0]["human_id"].as_str().expect("id");
    let c1 = json["comments"][1]["human_id"].as_str().expect("id");

    let run = env.bug(&repo, &["bug", "comment", &id]).ok();
    let blocks: Vec<&str> = run.stdout.split("\n\nAuthor: ").collect();
    assert_eq!(blocks.len(), 2, "{}", run.stdout);
    let lines = run.lines();
    assert_eq!(lines[0], "Author: Jane Doe");
    assert_eq!(lines[1], format!("Id: {c0}"));
    // `Date: Sun Jan 19 05:13:17 2025 +0000`: weekday, month, day, time, year, zone.
    let date: Vec<&str> = lines[2]
        .strip_prefix("Date: ")
        .expect(lines[2])
        .split(' ')
        .collect();
    assert_eq!(date.len(), 6, "{}", lines[2]);
    assert_eq!(date[3].matches(':').count(), 2, "{}", lines[2]);
    assert_eq!(date[5], "+0000");
    assert_eq!(lines[3], "");
    assert_eq!(lines[4], "    It breaks");
    assert_eq!(lines[5], "");
    assert_eq!(lines[6], "Author: Jane Doe");
    assert_eq!(lines[7], format!("Id: {c1}"));
    assert_eq!(lines[9], "");
    assert_eq!(lines[10..], ["    Second", "    ", "    with a gap"]);
}

/// `bug comment` on real data: authors and messages as in the expected
/// compiled state of the sample (edits applied), each line indented.
#[test]
fn comment_list_of_a_sample_bug() {
    let env = TestEnv::new();
    let repo = env.sample_repo("s");
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(crate::common::fixtures().join("gitbug-sample.expected.json"))
            .expect("expected.json"),
    )
    .expect("json");
    for bug in expected.as_array().expect("bugs").iter().take(6) {
        let id = bug["id"].as_str().expect("id");
        let run = env.bug(&repo, &["bug", "comment", &id[..7]]).ok();
        let comments = bug["comments"].as_array().expect("comments");
        let blocks: Vec<&str> = run.stdout.split("\n\nAuthor: ").collect();
        assert_eq!(blocks.len(), comments.len(), "{id}");
        for (block, comment) in blocks.iter().zip(comments) {
            let block = block.strip_prefix("Author: ").unwrap_or(block);
            let name = comment["author"].as_str().expect("author");
            assert!(block.starts_with(name), "{id}: {block:?} is not by {name}");
            let (_, body) = block.split_once("\n\n").expect("header, blank line, body");
            let message = comment["message"].as_str().expect("message");
            let indented: Vec<String> = message
                .replace("\r\n", "\n")
                .lines()
                .map(|l| format!("    {l}"))
                .collect();
            assert_eq!(body.trim_end_matches('\n'), indented.join("\n"), "{id}");
        }
    }
}

#[test]
fn comment_new_from_message_file_and_stdin() {
    let env = TestEnv::new();
    let (repo, id) = repo_with_bug(&env);
    env.bug(&repo, &["bug", "comment", "new", &id, "-m", "Via -m"])
        .ok();
    let file = env.path("comment.txt");
    std::fs::write(&file, "Via -F\n").expect("write");
    env.bug(
        &repo,
        &[
            "bug",
            "comment",
            "new",
            &id,
            "-F",
            file.to_str().expect("utf-8"),
        ],
    )
    .ok();
    env.bug_with(
        &repo,
        &["bug", "comment", "new", &id, "-F", "-"],
        &[],
        Some("Via stdin\n"),
    )
    .ok();
    // The shortcut.
    env.git(&repo, &["bug", "comment", &id, "-m", "Via the shortcut"])
        .ok();
    // The editor.
    let editor = editor_writing(&env, "editor", "Via the editor\n# dropped\n");
    env.bug_with(&repo, &["comment", &id], &[("GIT_EDITOR", &editor)], None)
        .ok();

    let json = show_json(&env, &repo, &id);
    let messages: Vec<&str> = json["comments"]
        .as_array()
        .expect("comments")
        .iter()
        .map(|c| c["message"].as_str().expect("message"))
        .collect();
    assert_eq!(
        messages,
        [
            "It breaks",
            "Via -m",
            "Via -F",
            "Via stdin",
            "Via the shortcut",
            "Via the editor"
        ]
    );
}

#[test]
fn comment_new_refusals_write_nothing() {
    let env = TestEnv::new();
    let (repo, id) = repo_with_bug(&env);
    let before = bug_head(&env, &repo, &id);
    // No message and no editor.
    let run = env.bug(&repo, &["comment", &id]);
    assert_error(&run, 1, "message");
    assert!(run.stderr.contains("-m"), "{}", run.stderr);
    let run = env.bug(&repo, &["comment", &id, "--non-interactive"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    // An empty message.
    let run = env.bug(&repo, &["comment", &id, "-m", "  \n "]);
    assert_error(&run, 1, "empty");
    // An unknown bug.
    let run = env.bug(&repo, &["comment", "fffffff", "-m", "hello"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(bug_head(&env, &repo, &id), before);
}

#[test]
fn comment_edit_replaces_the_message_and_keeps_history() {
    let env = TestEnv::new();
    let (repo, id) = repo_with_bug(&env);
    env.bug(&repo, &["comment", &id, "-m", "Original text"])
        .ok();
    let json = show_json(&env, &repo, &id);
    let comment = json["comments"][1]["id"].as_str().expect("id").to_string();

    let run = env
        .bug(
            &repo,
            &["bug", "comment", "edit", &comment[..7], "-m", "Edited text"],
        )
        .ok();
    assert_eq!(run.stdout, "");
    let json = show_json(&env, &repo, &id);
    assert_eq!(json["comments"][1]["message"], "Edited text");
    assert_eq!(
        json["comments"][1]["id"],
        comment.as_str(),
        "the comment keeps its id"
    );
    assert_eq!(json["comments"][0]["message"], "It breaks");
    let text = env.bug(&repo, &["show", &id]).ok().stdout;
    assert!(text.contains("  Edited text\n"), "{text}");
    assert!(!text.contains("Original text"), "{text}");

    // The old text stays in the history: a new commit was added on top.
    let count = env
        .git(&repo, &["rev-list", "--count", &format!("refs/bugs/{id}")])
        .ok();
    assert_eq!(count.stdout.trim(), "3");
    let previous = env
        .git(
            &repo,
            &["cat-file", "blob", &format!("refs/bugs/{id}~1:ops")],
        )
        .ok();
    assert!(
        previous.stdout.contains("Original text"),
        "{}",
        previous.stdout
    );

    // The description (comment #0) can be edited too, from a file.
    let file = env.path("edit.txt");
    std::fs::write(&file, "New description\n").expect("write");
    let first = json["comments"][0]["id"].as_str().expect("id");
    env.bug(
        &repo,
        &[
            "bug",
            "comment",
            "edit",
            first,
            "-F",
            file.to_str().expect("utf-8"),
        ],
    )
    .ok();
    assert_eq!(
        show_json(&env, &repo, &id)["comments"][0]["message"],
        "New description"
    );
}

#[test]
fn comment_edit_with_the_same_text_writes_nothing() {
    let env = TestEnv::new();
    let (repo, id) = repo_with_bug(&env);
    let json = show_json(&env, &repo, &id);
    let comment = json["comments"][0]["id"].as_str().expect("id").to_string();
    let before = bug_head(&env, &repo, &id);
    let run = env
        .bug(
            &repo,
            &["bug", "comment", "edit", &comment, "-m", "It breaks"],
        )
        .ok();
    assert!(run.stderr.contains("No change"), "{}", run.stderr);
    assert_eq!(bug_head(&env, &repo, &id), before);

    // Unknown comment: refused.
    let run = env.bug(&repo, &["bug", "comment", "edit", "fffffff", "-m", "x"]);
    assert_error(&run, 1, "doesn't exist");
    // Empty replacement: refused.
    let run = env.bug(&repo, &["bug", "comment", "edit", &comment, "-m", " "]);
    assert_error(&run, 1, "empty");
    assert_eq!(bug_head(&env, &repo, &id), before);
}

// ---------------------------------------------------------------------------
// Labels
// ---------------------------------------------------------------------------

#[test]
fn label_add_list_and_remove() {
    let env = TestEnv::new();
    let (repo, id) = repo_with_bug(&env);
    let run = env
        .bug(&repo, &["bug", "label", "new", &id, "ux", "bug", "ux"])
        .ok();
    assert_eq!(
        run.stdout,
        "label ux added\nlabel bug added\nlabel ux is a duplicate\n"
    );
    // Printed sorted.
    let labels = env.bug(&repo, &["bug", "label", &id]).ok();
    assert_eq!(labels.stdout, "bug\nux\n");

    // Adding one already set, with a new one.
    let run = env
        .bug(&repo, &["bug", "label", "new", &id, "bug", "crash"])
        .ok();
    assert_eq!(run.stdout, "label bug was already set\nlabel crash added\n");

    let run = env
        .bug(&repo, &["bug", "label", "rm", &id, "ux", "nope", "ux"])
        .ok();
    assert_eq!(
        run.stdout,
        "label ux removed\nlabel nope doesn't exist on this bug\nlabel ux is a duplicate\n"
    );
    assert_eq!(
        env.bug(&repo, &["bug", "label", &id]).ok().stdout,
        "bug\ncrash\n"
    );
    let json = show_json(&env, &repo, &id);
    assert_eq!(json["labels"], serde_json::json!(["bug", "crash"]));

    // Labels with spaces are one argument each.
    env.bug(&repo, &["bug", "label", "new", &id, "good first issue"])
        .ok();
    assert_eq!(
        env.bug(&repo, &["show", &id, "--field", "labels"])
            .ok()
            .stdout,
        "bug\ncrash\ngood first issue\n"
    );
}

/// The one rule for a request already satisfied: exit 0, nothing written,
/// a note on stderr. Closing a closed bug, opening an open one, adding a
/// label already set, removing one not set, an unchanged title.
#[test]
fn requests_already_satisfied_succeed_and_write_nothing() {
    let env = TestEnv::new();
    let (repo, id) = repo_with_bug(&env);
    env.bug(&repo, &["bug", "label", "new", &id, "ux"]).ok();
    env.bug(&repo, &["close", &id]).ok();
    let before = bug_head(&env, &repo, &id);
    for args in [
        &["close", id.as_str()][..],
        &["bug", "status", "close", &id],
        &["bug", "label", "new", &id, "ux"],
        &["bug", "label", "rm", &id, "nope"],
        &["bug", "title", "edit", &id, "-t", "First bug"],
    ] {
        let run = env.bug(&repo, args).ok();
        assert!(!run.stderr.is_empty(), "{args:?}: says so");
        assert!(!run.stderr.starts_with("error"), "{args:?}: {}", run.stderr);
        assert_eq!(bug_head(&env, &repo, &id), before, "{args:?} wrote");
    }
    env.bug(&repo, &["open", &id]).ok();
    let before = bug_head(&env, &repo, &id);
    env.bug(&repo, &["open", &id]).ok();
    assert_eq!(bug_head(&env, &repo, &id), before);
}

#[test]
fn label_changes_that_change_nothing_write_nothing() {
    let env = TestEnv::new();
    let (repo, id) = repo_with_bug(&env);
    env.bug(&repo, &["bug", "label", "new", &id, "ux"]).ok();
    let before = bug_head(&env, &repo, &id);

    let run = env.bug(&repo, &["bug", "label", "new", &id, "ux"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "label ux was already set\n");
    assert!(
        run.stderr.starts_with("no label added or removed"),
        "{}",
        run.stderr
    );

    let run = env.bug(&repo, &["bug", "label", "rm", &id, "nope", "nope"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // As in git-bug, "duplicate" is only said of a label already accepted
    // in this command; a repeated refused label is refused again.
    assert_eq!(
        run.stdout,
        "label nope doesn't exist on this bug\nlabel nope doesn't exist on this bug\n"
    );
    assert!(
        run.stderr.contains("no label added or removed"),
        "{}",
        run.stderr
    );
    assert_eq!(bug_head(&env, &repo, &id), before);

    // A label that is empty once cleaned up is invalid.
    let run = env.bug(&repo, &["bug", "label", "new", &id, " \t "]);
    assert_ne!(run.code, 0, "{}", run.stdout);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    // A bug id but no label: usage error.
    let run = env.bug(&repo, &["bug", "label", "new", &id]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(bug_head(&env, &repo, &id), before);
}

#[test]
fn label_lists_every_label_in_use() {
    let env = TestEnv::new();
    let (repo, a) = repo_with_bug(&env);
    let b = env.new_bug(&repo, "Second", "m");
    env.bug(&repo, &["bug", "label", "new", &a, "zeta", "beta"])
        .ok();
    env.bug(&repo, &["bug", "label", "new", &b, "beta", "alpha", "gone"])
        .ok();
    env.bug(&repo, &["bug", "label", "rm", &b, "gone"]).ok();
    let run = env.bug(&repo, &["label"]).ok();
    assert_eq!(run.stdout, "alpha\nbeta\nzeta\n");
}

#[test]
fn label_in_sample_repo_matches_expected_labels() {
    let env = TestEnv::new();
    let repo = env.sample_repo("s");
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(crate::common::fixtures().join("gitbug-sample.expected.json"))
            .expect("expected.json"),
    )
    .expect("json");
    let mut all: Vec<String> = expected
        .as_array()
        .expect("bugs")
        .iter()
        .flat_map(|b| b["labels"].as_array().cloned().unwrap_or_default())
        .map(|l| l.as_str().expect("label").to_string())
        .collect();
    all.sort();
    all.dedup();
    let run = env.bug(&repo, &["label"]).ok();
    assert_eq!(run.lines(), all);
}

// ---------------------------------------------------------------------------
// Status and title
// ---------------------------------------------------------------------------

#[test]
fn status_close_and_open() {
    let env = TestEnv::new();
    let (repo, id) = repo_with_bug(&env);
    assert_eq!(
        env.bug(&repo, &["bug", "status", &id]).ok().stdout,
        "open\n"
    );

    env.bug(&repo, &["bug", "status", "close", &id]).ok();
    assert_eq!(
        env.bug(&repo, &["bug", "status", &id]).ok().stdout,
        "closed\n"
    );
    env.bug(&repo, &["bug", "status", "open", &id]).ok();
    assert_eq!(
        env.bug(&repo, &["bug", "status", &id]).ok().stdout,
        "open\n"
    );

    // Shortcuts.
    env.bug(&repo, &["close", &id[..5]]).ok();
    assert_eq!(show_json(&env, &repo, &id)["status"], "closed");
    assert!(env.bug(&repo, &["ls"]).ok().stdout.contains("\tclosed\t"));
    env.git(&repo, &["bug", "open", &id]).ok();
    assert_eq!(show_json(&env, &repo, &id)["status"], "open");
}

#[test]
fn closing_a_closed_bug_writes_nothing() {
    let env = TestEnv::new();
    let (repo, id) = repo_with_bug(&env);
    env.bug(&repo, &["close", &id]).ok();
    let before = bug_head(&env, &repo, &id);
    let run = env.bug(&repo, &["close", &id]).ok();
    assert!(run.stderr.contains("already closed"), "{}", run.stderr);
    assert_eq!(bug_head(&env, &repo, &id), before);

    env.bug(&repo, &["open", &id]).ok();
    let before = bug_head(&env, &repo, &id);
    let run = env.bug(&repo, &["bug", "status", "open", &id]).ok();
    assert!(run.stderr.contains("already open"), "{}", run.stderr);
    assert_eq!(bug_head(&env, &repo, &id), before);
}

#[test]
fn title_show_and_edit() {
    let env = TestEnv::new();
    let (repo, id) = repo_with_bug(&env);
    assert_eq!(
        env.bug(&repo, &["bug", "title", &id]).ok().stdout,
        "First bug\n"
    );
    env.bug(
        &repo,
        &["bug", "title", "edit", &id, "-t", "  Better title  "],
    )
    .ok();
    assert_eq!(
        env.bug(&repo, &["bug", "title", &id]).ok().stdout,
        "Better title\n"
    );
    assert!(
        env.bug(&repo, &["ls"])
            .ok()
            .stdout
            .contains("\tBetter title\n")
    );

    // From the editor: the first non-empty line.
    let editor = editor_writing(&env, "editor", "\nEditor title\nignored\n");
    env.bug_with(
        &repo,
        &["bug", "title", "edit", &id],
        &[("GIT_EDITOR", &editor)],
        None,
    )
    .ok();
    assert_eq!(
        env.bug(&repo, &["bug", "title", &id]).ok().stdout,
        "Editor title\n"
    );
}

#[test]
fn title_edit_without_change_writes_nothing() {
    let env = TestEnv::new();
    let (repo, id) = repo_with_bug(&env);
    let before = bug_head(&env, &repo, &id);
    let run = env
        .bug(&repo, &["bug", "title", "edit", &id, "-t", "First bug"])
        .ok();
    assert!(run.stderr.contains("No change"), "{}", run.stderr);
    assert_eq!(bug_head(&env, &repo, &id), before);

    let run = env.bug(&repo, &["bug", "title", "edit", &id, "-t", "  "]);
    assert_error(&run, 1, "title");
    let run = env.bug(&repo, &["bug", "title", "edit", &id, "--non-interactive"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(bug_head(&env, &repo, &id), before);
}

// ---------------------------------------------------------------------------
// Selection
// ---------------------------------------------------------------------------

#[test]
fn select_and_deselect() {
    let env = TestEnv::new();
    let (repo, id) = repo_with_bug(&env);
    let other = env.new_bug(&repo, "Other bug", "m");

    let run = env.bug(&repo, &["bug", "select", &id[..6]]).ok();
    assert_eq!(
        run.stdout,
        format!("selected bug {}: First bug\n", &id[..7])
    );

    // Commands without an id act on the selection.
    let shown = env.bug(&repo, &["bug", "show"]).ok();
    assert!(
        shown
            .stdout
            .starts_with(&format!("{} [open] First bug\n", &id[..7]))
    );
    assert_eq!(
        env.bug(&repo, &["show", "--field", "id"]).ok().stdout,
        format!("{id}\n")
    );
    assert_eq!(env.bug(&repo, &["bug", "status"]).ok().stdout, "open\n");
    assert_eq!(env.bug(&repo, &["bug", "title"]).ok().stdout, "First bug\n");
    let run = env.bug(&repo, &["bug", "label", "new", "ux"]).ok();
    assert_eq!(run.stdout, "label ux added\n");
    assert_eq!(env.bug(&repo, &["bug", "label"]).ok().stdout, "ux\n");
    env.bug(&repo, &["comment", "-m", "On the selection"]).ok();
    env.bug(&repo, &["bug", "status", "close"]).ok();
    let json = show_json(&env, &repo, &id);
    assert_eq!(json["status"], "closed");
    assert_eq!(json["comments"][1]["message"], "On the selection");
    // An explicit id still wins.
    assert_eq!(
        env.bug(&repo, &["bug", "title", &other]).ok().stdout,
        "Other bug\n"
    );
    assert!(show_json(&env, &repo, &other)["labels"].is_null());

    env.bug(&repo, &["bug", "deselect"]).ok();
    let run = env.bug(&repo, &["bug", "show"]);
    assert_error(&run, 1, "");
    assert!(hints(&run).contains("select"), "{}", run.stderr);
    // Deselecting twice is fine.
    env.bug(&repo, &["bug", "deselect"]).ok();
}

#[test]
fn without_selection_commands_need_an_id() {
    let env = TestEnv::new();
    let (repo, id) = repo_with_bug(&env);
    let before = bug_head(&env, &repo, &id);
    for args in [
        &["bug", "show"][..],
        &["bug", "status"],
        &["bug", "title"],
        &["bug", "label"],
        &["bug", "comment"],
        &["close"],
        &["bug", "label", "new", "ux"],
    ] {
        let run = env.bug(&repo, args);
        assert_error(&run, 1, "");
        assert!(hints(&run).contains("select"), "{args:?}: {}", run.stderr);
    }
    assert_eq!(bug_head(&env, &repo, &id), before);
}

#[test]
fn select_unknown_bug_is_refused() {
    let env = TestEnv::new();
    let (repo, _) = repo_with_bug(&env);
    let run = env.bug(&repo, &["bug", "select", "zzzz"]);
    assert_error(&run, 1, "doesn't exist");
    assert!(!repo.join(".git/git-bug/select/bugs").exists());
}

// ---------------------------------------------------------------------------
// Removal
// ---------------------------------------------------------------------------

#[test]
fn rm_deletes_local_and_remote_refs() {
    let env = TestEnv::new();
    let (repo, id) = repo_with_bug(&env);
    let keep = env.new_bug(&repo, "Keep me", "m");
    let head = bug_head(&env, &repo, &id);
    // As if fetched from two remotes.
    for remote in ["origin", "upstream"] {
        env.git(
            &repo,
            &[
                "update-ref",
                &format!("refs/remotes/{remote}/bugs/{id}"),
                &head,
            ],
        )
        .ok();
    }
    env.git(
        &repo,
        &[
            "update-ref",
            &format!("refs/remotes/origin/bugs/{keep}"),
            &bug_head(&env, &repo, &keep),
        ],
    )
    .ok();

    let run = env.bug(&repo, &["bug", "rm", &id[..8]]).ok();
    assert_eq!(run.stdout, format!("bug {} removed\n", &id[..8]));
    let remaining = refs(&env, &repo, "refs/");
    assert!(
        !remaining.iter().any(|r| r.ends_with(&id)),
        "refs left for the removed bug: {remaining:?}"
    );
    assert!(remaining.contains(&format!("refs/bugs/{keep}")));
    assert!(remaining.contains(&format!("refs/remotes/origin/bugs/{keep}")));
    assert_eq!(
        refs(&env, &repo, "refs/identities/").len(),
        1,
        "identities stay"
    );
    assert_eq!(
        env.bug(&repo, &["ls", "--format", "id"]).ok().stdout,
        format!("{keep}\n")
    );

    // Gone: further commands say so.
    let run = env.bug(&repo, &["show", &id]);
    assert_error(&run, 1, "doesn't exist");
    let run = env.bug(&repo, &["bug", "rm", &id]);
    assert_error(&run, 1, "doesn't exist");
}

#[test]
fn removing_the_selected_bug_clears_the_selection() {
    let env = TestEnv::new();
    let (repo, id) = repo_with_bug(&env);
    env.new_bug(&repo, "Another", "m");
    env.bug(&repo, &["bug", "select", &id]).ok();
    env.bug(&repo, &["bug", "rm", &id]).ok();
    let run = env.bug(&repo, &["bug", "show"]);
    assert_error(&run, 1, "");
    assert!(hints(&run).contains("select"), "{}", run.stderr);
    assert!(!repo.join(".git/git-bug/select/bugs").exists());
}

// ---------------------------------------------------------------------------
// Id prefixes
// ---------------------------------------------------------------------------

#[test]
fn unknown_prefix_is_refused() {
    let env = TestEnv::new();
    let (repo, id) = repo_with_bug(&env);
    // A prefix that is not the bug's.
    let wrong = if id.starts_with('f') { "0000" } else { "ffff" };
    for args in [
        &["show", wrong][..],
        &["bug", "status", wrong],
        &["bug", "title", wrong],
        &["bug", "comment", wrong],
        &["bug", "rm", wrong],
        &["bug", "select", wrong],
        &["close", wrong],
    ] {
        let run = env.bug(&repo, args);
        assert_error(&run, 1, "doesn't exist");
    }
}

#[test]
fn ambiguous_prefix_lists_the_candidates() {
    let env = TestEnv::new();
    let repo = env.sample_repo("s");
    // From the expected data: the sample bugs whose id starts with "0".
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(crate::common::fixtures().join("gitbug-sample.expected.json"))
            .expect("expected.json"),
    )
    .expect("json");
    let zeros: Vec<String> = expected
        .as_array()
        .expect("bugs")
        .iter()
        .map(|b| b["id"].as_str().expect("id").to_string())
        .filter(|id| id.starts_with('0'))
        .collect();
    assert!(
        zeros.len() >= 2,
        "the sample has several bugs starting with 0"
    );
    let before = bug_head(&env, &repo, &zeros[0]);

    for args in [
        &["show", "0"][..],
        &["bug", "status", "close", "0"],
        &["bug", "rm", "0"],
        &["bug", "select", "0"],
        // Ambiguous is an error even where a non-id would be a label.
        &["bug", "label", "new", "0", "x"],
    ] {
        let run = env.bug(&repo, args);
        assert_error(&run, 1, "ambiguous");
        for id in &zeros {
            assert!(
                run.stderr.contains(&id[..7]),
                "{args:?}: {id} not listed:\n{}",
                run.stderr
            );
        }
    }
    assert_eq!(bug_head(&env, &repo, &zeros[0]), before);
    assert_eq!(refs(&env, &repo, "refs/bugs/").len(), 20);
    // One more character makes it unique.
    let unique = &zeros[0][..3];
    env.bug(&repo, &["show", unique]).ok();
}

// ---------------------------------------------------------------------------
// Output: formats, colour, terminal safety
// ---------------------------------------------------------------------------

#[test]
fn list_formats() {
    let env = TestEnv::new();
    let (repo, a) = repo_with_bug(&env);
    let b = env.new_bug(&repo, "Second bug", "m");
    env.bug(&repo, &["close", &b]).ok();

    // Not a terminal: plain `<human id>\t<status>\t<title>`.
    let piped = env.bug(&repo, &["ls"]).ok();
    assert_eq!(
        piped.stdout,
        format!(
            "{}\topen\tFirst bug\n{}\tclosed\tSecond bug\n",
            &a[..7],
            &b[..7]
        )
    );
    assert_eq!(
        env.bug(&repo, &["ls", "--format", "plain"]).ok().stdout,
        piped.stdout
    );
    assert_eq!(
        env.bug(&repo, &["ls", "--format", "id"]).ok().stdout,
        format!("{a}\n{b}\n")
    );

    // Explicit default format: aligned columns with the author.
    let default = env.bug(&repo, &["ls", "--format", "default"]).ok();
    let lines = default.lines();
    assert_eq!(lines.len(), 2);
    assert!(
        lines[0].starts_with(&format!("{}\topen\tFirst bug ", &a[..7])),
        "{}",
        default.stdout
    );
    assert!(lines[0].contains("Jane Doe"), "{}", default.stdout);
    assert!(!default.stdout.contains('\x1b'), "no colour when piped");

    // JSON: keys in git-bug's order.
    let json = env.bug(&repo, &["ls", "--format", "json"]).ok();
    let keys = keys_at_indent(&json.stdout, 8);
    let per_bug = [
        "id",
        "human_id",
        "create_time",
        "edit_time",
        "status",
        "labels",
        "title",
        "actors",
        "participants",
        "author",
        "comments",
        "metadata",
    ];
    assert_eq!(keys, [per_bug, per_bug].concat());
    let value = json.json();
    assert_eq!(value[0]["id"], a.as_str());
    assert_eq!(value[1]["status"], "closed");
    assert_eq!(value[0]["comments"], 1);
    assert_eq!(value[0]["metadata"], serde_json::json!({}));
    assert!(
        value[0]["create_time"]["lamport"]
            .as_u64()
            .is_some_and(|l| l >= 2)
    );

    // org-mode.
    let org = env.bug(&repo, &["ls", "--format", "org-mode"]).ok();
    assert_eq!(org.lines()[0], "#+TODO: OPEN | CLOSED");
    assert!(
        org.stdout.contains(&format!("* OPEN   {} [", &a[..7])),
        "{}",
        org.stdout
    );
    assert!(
        org.stdout.contains(&format!("* CLOSED {} [", &b[..7])),
        "{}",
        org.stdout
    );

    // No bug: no output.
    let empty = env.repo("empty");
    assert_eq!(env.bug(&empty, &["ls"]).ok().stdout, "");
    assert_eq!(
        env.bug(&empty, &["ls", "--format", "json"]).ok().json(),
        serde_json::json!([])
    );
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let env = TestEnv::new();
    let (repo, id) = repo_with_bug(&env);
    env.bug(&repo, &["bug", "label", "new", &id, "ux"]).ok();

    let always = env
        .bug(&repo, &["--color", "always", "ls", "--format", "default"])
        .ok();
    assert!(always.stdout.contains("\x1b["), "{:?}", always.stdout);
    let always_show = env.bug(&repo, &["show", &id, "--color", "always"]).ok();
    assert!(
        always_show.stdout.contains("\x1b["),
        "{:?}",
        always_show.stdout
    );

    // Piped, default options, with or without NO_COLOR: plain text.
    for vars in [&[][..], &[("NO_COLOR", "1")]] {
        let run = env
            .bug_with(&repo, &["ls", "--format", "default"], vars, None)
            .ok();
        assert!(!run.stdout.contains('\x1b'), "{vars:?}: {:?}", run.stdout);
        let run = env.bug_with(&repo, &["show", &id], vars, None).ok();
        assert!(!run.stdout.contains('\x1b'), "{vars:?}: {:?}", run.stdout);
    }
    let never = env
        .bug(&repo, &["--color", "never", "ls", "--format", "default"])
        .ok();
    assert!(!never.stdout.contains('\x1b'));
}

/// Runs `git-bug --no-pager ARGS` on a pseudo-terminal with util-linux
/// `script`, with `vars` (`NAME=value ...`) set; `None` when `script` is
/// not installed or no terminal can be allocated.
fn on_terminal(env: &TestEnv, repo: &Path, vars: &str, args: &str) -> Option<String> {
    // Missing, or unable to allocate a terminal here.
    if shell(env, repo, "script -qec true /dev/null").code != 0 {
        return None;
    }
    let run = shell(
        env,
        repo,
        &format!("{vars} script -qec 'git-bug --no-pager {args}' /dev/null"),
    )
    .ok();
    Some(run.stdout.replace("\r\n", "\n"))
}

#[test]
fn terminal_output_is_coloured_unless_no_color() {
    let env = TestEnv::new();
    let (repo, _) = repo_with_bug(&env);
    let Some(coloured) = on_terminal(&env, &repo, "TERM=xterm", "ls") else {
        eprintln!("skipped: util-linux `script` cannot run here");
        return;
    };
    // On a terminal `ls` uses the default (coloured, aligned) format.
    assert!(coloured.contains("\x1b[36m"), "{coloured:?}");
    assert!(coloured.contains("Jane Doe"), "{coloured:?}");

    let plain = on_terminal(&env, &repo, "TERM=xterm NO_COLOR=1", "ls").expect("script");
    assert!(!plain.contains('\x1b'), "{plain:?}");
    assert!(
        plain.contains("Jane Doe"),
        "still the default format: {plain:?}"
    );

    let dumb = on_terminal(&env, &repo, "TERM=dumb", "ls").expect("script");
    assert!(!dumb.contains('\x1b'), "{dumb:?}");
}

#[test]
fn control_characters_given_on_the_command_line_are_not_stored() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    // Spec §6.9: titles go through CleanupOneLine, messages through Cleanup,
    // both of which drop control characters (ESC included).
    env.bug(
        &repo,
        &["new", "-t", "\u{1b}[31mRED", "-m", "body \u{1b}[0m end"],
    )
    .ok();
    let bug = only_bug(&env, &repo);
    assert_eq!(bug["title"], "[31mRED");
    assert_eq!(bug["comments"][0]["message"], "body [0m end");
    let id = bug["id"].as_str().expect("id");
    for args in [
        &["ls"][..],
        &["show", id],
        &["bug", "title", id],
        &["bug", "comment", id],
    ] {
        let run = env.bug(&repo, args).ok();
        assert!(!run.stdout.contains('\x1b'), "{args:?}: {:?}", run.stdout);
    }
}

#[test]
fn bidi_overrides_are_stored_but_shown_escaped() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    // U+202E (right-to-left override) is not a control character: it is
    // kept, but must not reorder the terminal's text.
    let title = "Invoice \u{202e}fdp.exe";
    env.bug(&repo, &["new", "-t", title, "-m", "m"]).ok();
    let bug = only_bug(&env, &repo);
    assert_eq!(bug["title"], title, "JSON gives the exact text");
    let id = bug["id"].as_str().expect("id");
    for args in [
        &["ls"][..],
        &["show", id],
        &["bug", "title", id],
        &["bug", "select", id],
    ] {
        let run = env.bug(&repo, args).ok();
        assert!(
            !run.stdout.contains('\u{202e}'),
            "{args:?}: {:?}",
            run.stdout
        );
        assert!(
            run.stdout.contains("Invoice \\u{202e}fdp.exe"),
            "{args:?}: {:?}",
            run.stdout
        );
    }
}

/// Appends to bug `id` a commit written with git plumbing, as another
/// implementation (or an attacker) could: one SetTitle and one AddComment op
/// whose texts hold raw terminal escape sequences.
fn append_raw_ops(env: &TestEnv, repo: &Path, id: &str, title: &str, message: &str) {
    let author = config(env, repo, "git-bug.identity").expect("identity");
    let head = bug_head(env, repo, id);
    let tree = env.git(repo, &["ls-tree", "--name-only", &head]).ok();
    let edit_clock: u64 = tree
        .lines()
        .iter()
        .find_map(|l| l.strip_prefix("edit-clock-"))
        .and_then(|n| n.parse().ok())
        .expect("edit clock");
    let text = |s: &str| serde_json::to_string(s).expect("json string");
    let pack = format!(
        concat!(
            r#"{{"author":{{"id":"{author}"}},"ops":["#,
            r#"{{"type":2,"timestamp":1700000000,"nonce":"AAAAAAAAAAAAAAAAAAAAAAAAAAA=","title":{title},"was":"First bug"}},"#,
            r#"{{"type":3,"timestamp":1700000001,"nonce":"AQAAAAAAAAAAAAAAAAAAAAAAAAA=","message":{message},"files":null}}"#,
            "]}}"
        ),
        author = author,
        title = text(title),
        message = text(message),
    );
    let pack_file = env.path("pack.json");
    std::fs::write(&pack_file, pack).expect("pack");
    let hash = |path: &str| {
        env.git(repo, &["hash-object", "-w", path])
            .ok()
            .stdout
            .trim()
            .to_string()
    };
    let ops = hash(pack_file.to_str().expect("utf-8"));
    let empty = hash("/dev/null");
    let listing = env.path("tree.txt");
    std::fs::write(
        &listing,
        format!(
            "100644 blob {empty}\tedit-clock-{}\n100644 blob {ops}\tops\n100644 blob {empty}\tversion-4\n",
            edit_clock + 1
        ),
    )
    .expect("tree listing");
    let tree = shell(env, repo, &format!("git mktree < '{}'", listing.display()))
        .ok()
        .stdout
        .trim()
        .to_string();
    let commit = env
        .git(repo, &["commit-tree", &tree, "-p", &head, "-m", ""])
        .ok()
        .stdout
        .trim()
        .to_string();
    env.git(repo, &["update-ref", &format!("refs/bugs/{id}"), &commit])
        .ok();
}

#[test]
fn stored_escape_sequences_are_shown_escaped() {
    let env = TestEnv::new();
    let (repo, id) = repo_with_bug(&env);
    let title = "\u{1b}[31mRED";
    let message = "line \u{1b}]0;pwned\u{7} end\nsecond \u{1b}[2J";
    append_raw_ops(&env, &repo, &id, title, message);

    // Text outputs make every control character visible.
    let human = &id[..7];
    let ls = env.bug(&repo, &["ls"]).ok();
    assert_eq!(ls.stdout, format!("{human}\topen\t\\x1b[31mRED\n"));
    let title_run = env.bug(&repo, &["bug", "title", &id]).ok();
    assert_eq!(title_run.stdout, "\\x1b[31mRED\n");
    for args in [
        &["ls", "--format", "default"][..],
        &["ls", "--format", "org-mode"],
        &["show", &id],
        &["show", &id, "--format", "org-mode"],
        &["show", &id, "--field", "title"],
        &["bug", "comment", &id],
        &["bug", "select", &id],
    ] {
        let run = env.bug(&repo, args).ok();
        assert!(
            !run.stdout.contains(['\x1b', '\x07']),
            "{args:?} printed a raw control character: {:?}",
            run.stdout
        );
        // Everything but the comment list shows the title.
        if args[1] != "comment" {
            assert!(
                run.stdout.contains("\\x1b[31mRED"),
                "{args:?}: {:?}",
                run.stdout
            );
        }
    }
    let comments = env.bug(&repo, &["bug", "comment", &id]).ok();
    assert!(
        comments
            .stdout
            .contains("    line \\x1b]0;pwned\\x07 end\n    second \\x1b[2J\n"),
        "{:?}",
        comments.stdout
    );

    // JSON gives the exact text back, JSON-escaped.
    let show = env.bug(&repo, &["show", &id, "--format", "json"]).ok();
    assert!(!show.stdout.contains('\x1b'), "{:?}", show.stdout);
    assert!(
        show.stdout.contains(r#""title": "\u001b[31mRED""#),
        "{}",
        show.stdout
    );
    let json = show.json();
    assert_eq!(json["title"], title);
    assert_eq!(json["comments"][1]["message"], message);
    let list = env.bug(&repo, &["ls", "--format", "json"]).ok();
    assert!(!list.stdout.contains('\x1b'));
    assert_eq!(list.json()[0]["title"], title);
}

// ---------------------------------------------------------------------------
// Side effects
// ---------------------------------------------------------------------------

#[test]
fn writes_invalidate_the_go_cache() {
    let env = TestEnv::new();
    let (repo, id) = repo_with_bug(&env);
    let cache = repo.join(".git/git-bug/cache");
    let write_dummy = || {
        std::fs::create_dir_all(&cache).expect("cache dir");
        std::fs::write(cache.join("bugs"), "stale").expect("dummy cache");
    };
    let writes: [&[&str]; 6] = [
        &["new", "-t", "Another", "-m", "m"],
        &["comment", &id, "-m", "reply"],
        &["bug", "label", "new", &id, "ux"],
        &["close", &id],
        &["bug", "title", "edit", &id, "-t", "Renamed"],
        &[
            "user",
            "new",
            "-n",
            "Bob",
            "-e",
            "bob@example.com",
            "--non-interactive",
        ],
    ];
    for args in writes {
        write_dummy();
        env.bug(&repo, args).ok();
        assert!(
            !cache.join("bugs").exists(),
            "{args:?} left the Go cache behind"
        );
    }
    // Reading leaves it alone.
    write_dummy();
    env.bug(&repo, &["ls"]).ok();
    env.bug(&repo, &["show", &id]).ok();
    assert!(
        cache.join("bugs").exists(),
        "reads must not touch the cache"
    );
}
