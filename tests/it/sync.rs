//! Sync: bugs and identities travelling through real `git fetch` and `git
//! push` between clones of a bare server, merged by the installed hooks
//! (DESIGN.md "Merging divergent chains", "Hooks and the refspec
//! installer"; RELIABILITY.md §2.3 and §2.4).
//!
//! Every test runs the built `git-bug` with real git. The helpers at the top
//! are shared with `sync_props.rs`.

use crate::common::{BIN, Run, TestEnv};
use git_bug::entity::id::hash_id;
use git_bug::entity::pack::decode_pack;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------------------
// Running programs with a PATH of our choosing
// ---------------------------------------------------------------------------

/// Runs programs in the environment of a [`TestEnv`] with a PATH we choose:
/// another git first (the harness records `with_git_from`'s directory but
/// its command builder does not put it on PATH), or no `git-bug` at all.
#[derive(Clone)]
pub struct Shell<'a> {
    env: &'a TestEnv,
    path: String,
}

/// The inherited PATH without the directory of the built `git-bug`.
fn path_without_git_bug() -> String {
    let bin_dir = Path::new(BIN).parent().expect("bin dir");
    std::env::var("PATH")
        .unwrap_or_default()
        .split(':')
        .filter(|dir| !dir.is_empty() && Path::new(dir) != bin_dir)
        .collect::<Vec<_>>()
        .join(":")
}

impl<'a> Shell<'a> {
    /// The harness's PATH (the built `git-bug` first), with `git_dir`'s git
    /// before every other git when given.
    pub fn new(env: &'a TestEnv, git_dir: Option<&Path>) -> Shell<'a> {
        let bin_dir = Path::new(BIN).parent().expect("bin dir");
        let mut dirs = vec![bin_dir.display().to_string()];
        if let Some(dir) = git_dir {
            dirs.push(dir.display().to_string());
        }
        dirs.push(path_without_git_bug());
        Shell {
            env,
            path: dirs.join(":"),
        }
    }

    /// A PATH on which no `git-bug` can be found.
    pub fn without_git_bug(env: &'a TestEnv) -> Shell<'a> {
        Shell {
            env,
            path: path_without_git_bug(),
        }
    }

    /// Runs `program ARGS` in `cwd` with `stdin` (or nothing) as input.
    pub fn run(&self, cwd: &Path, program: &str, args: &[&str], stdin: Option<&[u8]>) -> Run {
        self.env
            .run_with_path(cwd, &self.path, program, args, stdin)
    }

    pub fn git(&self, cwd: &Path, args: &[&str]) -> Run {
        self.run(cwd, "git", args, None)
    }

    /// `git ARGS` fed `stdin`, whose output is one line (an object id):
    /// that line; panics when git fails.
    pub fn git_stdin(&self, cwd: &Path, args: &[&str], stdin: &[u8]) -> String {
        self.run(cwd, "git", args, Some(stdin))
            .ok()
            .stdout
            .trim()
            .to_string()
    }
}

// ---------------------------------------------------------------------------
// Repositories, refs and bugs
// ---------------------------------------------------------------------------

/// `git ARGS`, trimmed standard output; panics when git fails.
pub fn git_out(env: &TestEnv, cwd: &Path, args: &[&str]) -> String {
    env.git(cwd, args).ok().stdout.trim().to_string()
}

/// A bare server whose `main` holds one commit (so clones have a branch).
pub fn server_in(sh: &Shell, env: &TestEnv, name: &str) -> PathBuf {
    let server = env.path(name);
    let top = env.dir.path();
    sh.git(top, &["init", "-q", "--bare", "-b", "main", name])
        .ok();
    let seed = env.path(&format!("{name}-seed"));
    sh.git(top, &["init", "-q", "-b", "main", seed.to_str().unwrap()])
        .ok();
    for (key, value) in [("user.name", "Seed"), ("user.email", "seed@example.com")] {
        sh.git(&seed, &["config", key, value]).ok();
    }
    sh.git(&seed, &["commit", "-q", "--allow-empty", "-m", "initial"])
        .ok();
    sh.git(
        &seed,
        &[
            "push",
            "-q",
            server.to_str().unwrap(),
            "main:refs/heads/main",
        ],
    )
    .ok();
    server
}

pub fn server(env: &TestEnv) -> PathBuf {
    server_in(&Shell::new(env, None), env, "server.git")
}

/// Clones `server` as `name`, gives the clone its own git user (so its
/// git-bug identity differs from the others) and runs `git bug install`.
pub fn clone_in(sh: &Shell, env: &TestEnv, server: &Path, name: &str, user: &str) -> PathBuf {
    let path = env.path(name);
    sh.git(
        env.dir.path(),
        &["clone", "-q", server.to_str().unwrap(), name],
    )
    .ok();
    sh.git(&path, &["config", "user.name", user]).ok();
    let email = format!("{}@example.com", user.to_lowercase());
    sh.git(&path, &["config", "user.email", &email]).ok();
    sh.git(&path, &["bug", "install"]).ok();
    path
}

pub fn clone(env: &TestEnv, server: &Path, name: &str, user: &str) -> PathBuf {
    clone_in(&Shell::new(env, None), env, server, name, user)
}

/// Every ref under `prefix` with its value, from `git for-each-ref`.
pub fn refs(env: &TestEnv, repo: &Path, prefix: &str) -> BTreeMap<String, String> {
    env.git(
        repo,
        &["for-each-ref", "--format=%(refname) %(objectname)", prefix],
    )
    .ok()
    .stdout
    .lines()
    .map(|l| {
        let (name, oid) = l.split_once(' ').expect("ref line");
        (name.to_string(), oid.to_string())
    })
    .collect()
}

/// The value of one ref, if it exists.
pub fn ref_value(env: &TestEnv, repo: &Path, name: &str) -> Option<String> {
    let run = env.git(repo, &["rev-parse", "-q", "--verify", name]);
    (run.code == 0).then(|| run.stdout.trim().to_string())
}

pub fn bug_ref(id: &str) -> String {
    format!("refs/bugs/{id}")
}

/// The head of a bug; panics when the bug is absent.
pub fn bug_head(env: &TestEnv, repo: &Path, id: &str) -> String {
    ref_value(env, repo, &bug_ref(id)).unwrap_or_else(|| panic!("{repo:?} has no bug {id}"))
}

/// Creates a bug with `git bug bug new` and returns its full id.
pub fn new_bug(env: &TestEnv, repo: &Path, title: &str, message: &str) -> String {
    let run = env
        .bug(repo, &["bug", "new", "-t", title, "-m", message])
        .ok();
    let human = run
        .stdout
        .trim()
        .strip_suffix(" created")
        .unwrap_or_else(|| panic!("unexpected output: {}", run.stdout))
        .to_string();
    let found: Vec<String> = refs(env, repo, "refs/bugs/")
        .into_keys()
        .filter_map(|r| r.strip_prefix("refs/bugs/").map(str::to_string))
        .filter(|id| id.starts_with(&human))
        .collect();
    assert_eq!(found.len(), 1, "bug {human} among {found:?}");
    found[0].clone()
}

pub fn comment(env: &TestEnv, repo: &Path, id: &str, message: &str) {
    env.bug(repo, &["bug", "comment", "new", id, "-m", message])
        .ok();
}

/// `git bug bug show ID --format json`.
pub fn show(env: &TestEnv, repo: &Path, id: &str) -> Value {
    env.bug(repo, &["bug", "show", id, "--format", "json"])
        .ok()
        .json()
}

/// The messages of a bug's comments, in order (the first is the create message).
pub fn comment_messages(bug: &Value) -> Vec<String> {
    bug["comments"]
        .as_array()
        .expect("comments")
        .iter()
        .map(|c| c["message"].as_str().expect("message").to_string())
        .collect()
}

pub fn labels(bug: &Value) -> Vec<String> {
    bug["labels"]
        .as_array()
        .map(|l| l.iter().map(|v| v.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

/// The parents of a commit.
pub fn parents(env: &TestEnv, repo: &Path, commit: &str) -> Vec<String> {
    git_out(env, repo, &["cat-file", "-p", commit])
        .lines()
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.strip_prefix("parent "))
        .map(str::to_string)
        .collect()
}

/// The edit clock a bug commit's tree names.
pub fn edit_clock(env: &TestEnv, repo: &Path, commit: &str) -> u64 {
    git_out(env, repo, &["ls-tree", "--name-only", commit])
        .lines()
        .find_map(|n| n.strip_prefix("edit-clock-"))
        .unwrap_or_else(|| panic!("{commit} has no edit clock"))
        .parse()
        .expect("numeric clock")
}

/// The operations stored by `commits`, in order, duplicates kept: `(op id,
/// raw JSON)`, the id being the sha256 of those bytes. One `git cat-file
/// --batch` reads every `ops` blob.
pub fn raw_ops_of_commits(env: &TestEnv, repo: &Path, commits: &[String]) -> Vec<(String, String)> {
    let mut ops = Vec::new();
    if commits.is_empty() {
        return ops;
    }
    let input: String = commits.iter().map(|c| format!("{c}:ops\n")).collect();
    let out = Shell::new(env, None).run(
        repo,
        "git",
        &["cat-file", "--batch"],
        Some(input.as_bytes()),
    );
    let bytes = out.ok().stdout.into_bytes();
    let mut rest = bytes.as_slice();
    for commit in commits {
        let eol = rest.iter().position(|&b| b == b'\n').expect("header");
        let header = String::from_utf8_lossy(&rest[..eol]).into_owned();
        let size: usize = header
            .split(' ')
            .nth(2)
            .unwrap_or_else(|| panic!("{commit}: {header}"))
            .parse()
            .expect("size");
        let blob = &rest[eol + 1..eol + 1 + size];
        rest = &rest[eol + 2 + size..];
        let (_, raw_ops) = decode_pack(blob).expect("a valid pack");
        for op in raw_ops {
            assert_eq!(op.id, hash_id(op.json.as_bytes()));
            ops.push((op.id, op.json));
        }
    }
    ops
}

/// The operations stored by `commits`: op id → raw JSON.
pub fn ops_of_commits(env: &TestEnv, repo: &Path, commits: &[String]) -> BTreeMap<String, String> {
    raw_ops_of_commits(env, repo, commits).into_iter().collect()
}

/// The commits reachable from `head`.
pub fn history(env: &TestEnv, repo: &Path, head: &str) -> Vec<String> {
    git_out(env, repo, &["rev-list", head])
        .lines()
        .map(str::to_string)
        .collect()
}

/// Every operation reachable from `head`: op id → raw JSON.
pub fn ops_of(env: &TestEnv, repo: &Path, head: &str) -> BTreeMap<String, String> {
    ops_of_commits(env, repo, &history(env, repo, head))
}

/// The files of a directory (name → bytes and permission bits), to
/// compare a hooks directory before and after.
pub fn dir_snapshot(dir: &Path) -> BTreeMap<String, (Vec<u8>, u32)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return BTreeMap::new();
    };
    entries
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_file())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let mode = std::fs::metadata(&p).unwrap().permissions().mode();
            (name, (std::fs::read(&p).unwrap(), mode))
        })
        .collect()
}

/// Panics, naming each differing file and showing its two versions,
/// unless two directory snapshots are equal.
#[track_caller]
pub fn assert_same_files(
    got: &BTreeMap<String, (Vec<u8>, u32)>,
    want: &BTreeMap<String, (Vec<u8>, u32)>,
    what: &str,
) {
    let report = files_diff(got, want);
    assert!(report.is_empty(), "{what} differ:\n{report}");
}

/// The files that differ between two snapshots, with both versions.
fn files_diff(
    got: &BTreeMap<String, (Vec<u8>, u32)>,
    want: &BTreeMap<String, (Vec<u8>, u32)>,
) -> String {
    let names: BTreeSet<&String> = got.keys().chain(want.keys()).collect();
    let mut report = String::new();
    for name in names {
        let (g, w) = (got.get(name), want.get(name));
        if g != w {
            let show = |f: Option<&(Vec<u8>, u32)>| match f {
                None => "(absent)".to_string(),
                Some((bytes, mode)) => {
                    format!("mode {mode:o}:\n{}", String::from_utf8_lossy(bytes))
                }
            };
            report.push_str(&format!(
                "--- {name}: got {}\n--- wanted {}\n",
                show(g),
                show(w)
            ));
        }
    }
    report
}

/// Lines of stderr written by our hooks or catch-up (`git-bug: …`).
pub fn git_bug_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.starts_with("git-bug:"))
        .collect()
}

pub fn human(id: &str) -> &str {
    &id[..7]
}

/// Writes an executable file.
fn write_script(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

// ---------------------------------------------------------------------------
// 1. Plain git push and git fetch carry bugs, on git 2.47 and 2.39
// ---------------------------------------------------------------------------

/// The whole round trip with the git found in `git_dir` (or the default).
fn plain_git_round_trip(git_dir: Option<&Path>, version: Option<&str>) {
    let env = match git_dir {
        Some(dir) => TestEnv::with_git_from(dir),
        None => TestEnv::new(),
    };
    let sh = Shell::new(&env, git_dir);
    let top = env.dir.path();
    if let Some(version) = version {
        let seen = sh.git(top, &["version"]).ok().stdout;
        assert!(
            seen.starts_with(&format!("git version {version}")),
            "{seen}"
        );
    }

    let server = server_in(&sh, &env, "server.git");
    let a = clone_in(&sh, &env, &server, "a", "Alice");
    // `git bug install` must never configure a push refspec: a plain `git
    // push` would then stop pushing the current branch.
    sh.git(&a, &["config", "--get-all", "remote.origin.push"])
        .fails(1);

    sh.git(&a, &["bug", "new", "-t", "Carried by push", "-m", "hi"])
        .ok();
    let names: Vec<String> = refs(&env, &a, "refs/bugs/").into_keys().collect();
    assert_eq!(names.len(), 1);
    let bug = names[0].clone(); // refs/bugs/<id>
    let identity = refs(&env, &a, "refs/identities/");
    assert_eq!(identity.len(), 1);

    sh.git(&a, &["commit", "-q", "--allow-empty", "-m", "work"])
        .ok();
    let pushed = sh.git(&a, &["push"]).ok();
    let head = sh.git(&a, &["rev-parse", "HEAD"]).ok().stdout;
    let on_server = sh
        .git(&server, &["rev-parse", "refs/heads/main"])
        .ok()
        .stdout;
    assert_eq!(on_server, head, "the branch went as before: {pushed:?}");
    let server_refs = refs(&env, &server, "refs/");
    assert_eq!(
        server_refs.get(&bug),
        refs(&env, &a, "refs/bugs/").get(&bug),
        "{server_refs:?}"
    );
    for (name, oid) in &identity {
        assert_eq!(server_refs.get(name), Some(oid), "{server_refs:?}");
    }
    assert!(
        !pushed.stderr.contains("error") && !pushed.stderr.contains("fatal"),
        "{}",
        pushed.stderr
    );

    // Another clone: install, then a plain fetch brings and merges the bug
    // without any git bug command run afterwards.
    let b = clone_in(&sh, &env, &server, "b", "Bob");
    sh.git(&b, &["config", "--get-all", "remote.origin.push"])
        .fails(1);
    assert!(refs(&env, &b, "refs/bugs/").is_empty());
    let fetched = sh.git(&b, &["fetch"]).ok();
    let b_bugs = refs(&env, &b, "refs/bugs/");
    assert_eq!(
        b_bugs.get(&bug),
        server_refs.get(&bug),
        "fetch stderr:\n{}",
        fetched.stderr
    );
    for (name, oid) in &identity {
        assert_eq!(refs(&env, &b, "refs/identities/").get(name), Some(oid));
    }
    // The user's branch still arrives as before.
    assert_eq!(
        sh.git(&b, &["rev-parse", "refs/remotes/origin/main"])
            .ok()
            .stdout,
        head
    );
}

#[test]
fn plain_push_and_fetch_carry_bugs_git_default() {
    plain_git_round_trip(None, None);
}

#[test]
fn plain_push_and_fetch_carry_bugs_git_2_39() {
    plain_git_round_trip(Some(Path::new("/usr/bin")), Some("2.39"));
}

// ---------------------------------------------------------------------------
// 2. Concurrent edits converge
// ---------------------------------------------------------------------------

/// Asserts that every repository has the same head for `id` and shows it
/// identically; returns that JSON.
fn assert_converged(env: &TestEnv, repos: &[&Path], id: &str) -> Value {
    let heads: Vec<String> = repos.iter().map(|r| bug_head(env, r, id)).collect();
    assert!(
        heads.iter().all(|h| *h == heads[0]),
        "heads of {id} differ: {heads:?}"
    );
    let shown: Vec<Value> = repos.iter().map(|r| show(env, r, id)).collect();
    for (repo, json) in repos.iter().zip(&shown) {
        assert_eq!(*json, shown[0], "{repo:?} shows {id} differently");
    }
    shown[0].clone()
}

/// The operations a repository's bug holds now (to check later that none was lost).
fn op_ids(env: &TestEnv, repo: &Path, id: &str) -> BTreeSet<String> {
    ops_of(env, repo, &bug_head(env, repo, id))
        .into_keys()
        .collect()
}

#[test]
fn three_clones_editing_one_bug_converge() {
    let env = TestEnv::new();
    let server = server(&env);
    let a = clone(&env, &server, "a", "Alice");
    let b = clone(&env, &server, "b", "Bob");
    let c = clone(&env, &server, "c", "Carol");
    let id = new_bug(&env, &a, "Shared", "created by a");
    env.bug(&a, &["push"]).ok();
    env.git(&b, &["fetch"]).ok();
    env.git(&c, &["fetch"]).ok();
    let created = bug_head(&env, &a, &id);
    assert_eq!(bug_head(&env, &b, &id), created);
    assert_eq!(bug_head(&env, &c, &id), created);

    // Everyone edits the same bug, nobody syncs.
    comment(&env, &a, &id, "a-1");
    env.bug(&a, &["bug", "label", "new", &id, "from-a"]).ok();
    env.bug(&a, &["bug", "title", "edit", &id, "-t", "Title by a"])
        .ok();
    comment(&env, &b, &id, "b-1");
    comment(&env, &b, &id, "b-2");
    env.bug(&b, &["bug", "label", "new", &id, "from-b", "shared"])
        .ok();
    env.bug(&b, &["bug", "status", "close", &id]).ok();
    comment(&env, &c, &id, "c-1");
    env.bug(&c, &["bug", "label", "new", &id, "from-c", "shared"])
        .ok();
    env.bug(&c, &["bug", "title", "edit", &id, "-t", "Title by c"])
        .ok();
    env.bug(&c, &["bug", "status", "close", &id]).ok();
    env.bug(&c, &["bug", "status", "open", &id]).ok();
    let mut all_ops = BTreeSet::new();
    for repo in [&a, &b, &c] {
        all_ops.extend(op_ids(&env, repo, &id));
    }

    // a pushes its branch first: the bug goes with it.
    env.git(&a, &["commit", "-q", "--allow-empty", "-m", "a's work"])
        .ok();
    env.git(&a, &["push"]).ok();
    assert_eq!(
        ref_value(&env, &server, &bug_ref(&id)),
        Some(bug_head(&env, &a, &id))
    );

    // b pushes a branch: its bug push is refused (the server moved), so the
    // pre-push hook fetches, rebases b's unpublished edits and pushes again.
    let b_before = bug_head(&env, &b, &id);
    let pushed = env
        .git(&b, &["push", "-q", "origin", "HEAD:refs/heads/b-topic"])
        .ok();
    let b_head = bug_head(&env, &b, &id);
    assert_ne!(b_head, b_before, "b's edits were replayed on a's");
    let a_head = bug_head(&env, &a, &id);
    env.git(&b, &["merge-base", "--is-ancestor", &a_head, &b_head])
        .ok();
    assert_eq!(
        ref_value(&env, &server, &bug_ref(&id)),
        Some(b_head.clone()),
        "b's hook did not get the bug through:\n{}",
        pushed.stderr
    );
    assert!(
        ref_value(&env, &server, "refs/heads/b-topic").is_some(),
        "{}",
        pushed.stderr
    );
    let server_ops = op_ids(&env, &server, &id);
    assert!(server_ops.is_superset(&op_ids(&env, &a, &id)));

    // a edits again before hearing of b; c pushes with `git bug push`,
    // refused at first, then fetched, merged and pushed again.
    comment(&env, &a, &id, "a-2");
    all_ops.extend(op_ids(&env, &a, &id));
    let c_before = bug_head(&env, &c, &id);
    let pushed = env.bug(&c, &["push"]).ok();
    let c_head = bug_head(&env, &c, &id);
    assert_ne!(c_head, c_before, "c's edits were replayed on the server's");
    env.git(&c, &["merge-base", "--is-ancestor", &b_head, &c_head])
        .ok();
    assert_eq!(
        ref_value(&env, &server, &bug_ref(&id)),
        Some(c_head),
        "{}",
        pushed.stderr
    );

    // Fetches in an adverse order: a (with an unpublished comment) first,
    // then b, then a pushes through the hook, then everyone fetches.
    env.git(&a, &["fetch"]).ok();
    env.git(&b, &["fetch"]).ok();
    env.git(&a, &["push", "-q", "origin", "HEAD:refs/heads/a-topic"])
        .ok();
    for repo in [&c, &b, &a] {
        env.git(repo, &["fetch"]).ok();
    }

    let bug = assert_converged(&env, &[&a, &b, &c, &server], &id);
    let mut messages = comment_messages(&bug);
    assert_eq!(messages[0], "created by a");
    messages.sort();
    assert_eq!(
        messages,
        ["a-1", "a-2", "b-1", "b-2", "c-1", "created by a"],
        "{bug:#}"
    );
    assert_eq!(
        labels(&bug),
        ["from-a", "from-b", "from-c", "shared"],
        "{bug:#}"
    );
    let title = bug["title"].as_str().unwrap();
    assert!(["Title by a", "Title by c"].contains(&title), "{title}");
    for repo in [&a, &b, &c] {
        let held = op_ids(&env, repo, &id);
        let missing: Vec<_> = all_ops.difference(&held).collect();
        assert!(missing.is_empty(), "{repo:?} lost operations {missing:?}");
    }
}

#[test]
fn two_peers_fetching_from_each_other_converge() {
    let env = TestEnv::new();
    let p = env.repo("p");
    let q = env.repo("q");
    env.git(&q, &["config", "user.name", "Quentin"]).ok();
    env.git(&q, &["config", "user.email", "q@example.com"]).ok();
    env.git(&p, &["remote", "add", "q", q.to_str().unwrap()])
        .ok();
    env.git(&q, &["remote", "add", "p", p.to_str().unwrap()])
        .ok();
    env.bug(&p, &["install"]).ok();
    env.bug(&q, &["install"]).ok();

    let id = new_bug(&env, &p, "Between peers", "from p");
    env.git(&q, &["fetch", "p"]).ok();
    assert_eq!(bug_head(&env, &q, &id), bug_head(&env, &p, &id));

    // Both comment; p fetches q first (rebases its comment on q's), then q
    // fetches p (fast-forwards).
    comment(&env, &p, &id, "p-1");
    comment(&env, &q, &id, "q-1");
    env.git(&p, &["fetch", "q"]).ok();
    env.git(&q, &["fetch", "p"]).ok();
    assert_converged(&env, &[&p, &q], &id);

    // Again, the other way round, with a label and a status change.
    comment(&env, &p, &id, "p-2");
    env.bug(&p, &["bug", "label", "new", &id, "peer-p"]).ok();
    comment(&env, &q, &id, "q-2");
    env.bug(&q, &["bug", "status", "close", &id]).ok();
    env.git(&q, &["fetch", "p"]).ok();
    env.git(&p, &["fetch", "q"]).ok();
    let bug = assert_converged(&env, &[&p, &q], &id);
    let mut messages = comment_messages(&bug);
    messages.sort();
    assert_eq!(messages, ["from p", "p-1", "p-2", "q-1", "q-2"]);
    assert_eq!(labels(&bug), ["peer-p"]);
    assert_eq!(bug["status"], "closed");

    // One more round brings the tracking refs up to date and changes no
    // bug; after it, another round changes no ref at all.
    let round = || {
        env.git(&q, &["fetch", "p"]).ok();
        env.git(&p, &["fetch", "q"]).ok();
        (refs(&env, &p, "refs/"), refs(&env, &q, "refs/"))
    };
    let head = bug_head(&env, &p, &id);
    let settled = round();
    assert_eq!(settled.0.get(&bug_ref(&id)), Some(&head));
    assert_eq!(settled.1.get(&bug_ref(&id)), Some(&head));
    assert_eq!(round(), settled);
}

/// Three peers, each with the two others as remotes: P pulls S's comment,
/// S then rebases that comment (it never saw it leave), and P, whose
/// history now holds the original while Q holds the rebased copy, joins
/// the two. The result must hold each operation once, be accepted by the
/// others, and every peer must end up with every comment.
#[test]
fn three_peers_converge_after_a_pulled_commit_is_rebased() {
    let env = TestEnv::new();
    let names = ["p", "q", "s"];
    let peers: Vec<PathBuf> = names
        .iter()
        .map(|name| {
            let path = env.repo(name);
            env.git(&path, &["config", "user.name", &name.to_uppercase()])
                .ok();
            let email = format!("{name}@example.com");
            env.git(&path, &["config", "user.email", &email]).ok();
            path
        })
        .collect();
    for (path, name) in peers.iter().zip(names) {
        for (other, other_name) in peers.iter().zip(names) {
            if other_name != name {
                env.git(
                    path,
                    &["remote", "add", other_name, other.to_str().unwrap()],
                )
                .ok();
            }
        }
        env.bug(path, &["install"]).ok();
    }
    let (p, q, s) = (&peers[0], &peers[1], &peers[2]);
    let fetch = |repo: &Path, remote: &str| env.git(repo, &["fetch", "-q", remote]).ok();

    let id = new_bug(&env, p, "Shared by three", "created by p");
    fetch(q, "p");
    fetch(s, "p");
    // S comments; P pulls it straight from S.
    comment(&env, s, &id, "Z by s");
    fetch(p, "s");
    // Q comments; S pulls Q and rebases its comment (unpublished, it thinks).
    comment(&env, q, &id, "Y by q");
    fetch(s, "q");
    fetch(q, "s");
    // P comments, then pulls Q, whose history has the rebased copy of Z.
    comment(&env, p, &id, "X by p");
    fetch(p, "q");

    let mut warnings = Vec::new();
    for _ in 0..2 {
        for (repo, remotes) in [(p, ["q", "s"]), (q, ["p", "s"]), (s, ["p", "q"])] {
            for remote in remotes {
                let run = fetch(repo, remote);
                warnings.extend(
                    git_bug_lines(&run.stderr)
                        .into_iter()
                        .filter(|l| l.contains("refused"))
                        .map(str::to_string),
                );
            }
        }
    }
    // P's own view must not show S's comment twice.
    let mut messages = comment_messages(&show(&env, p, &id));
    messages.sort();
    assert_eq!(
        messages,
        ["X by p", "Y by q", "Z by s", "created by p"],
        "{warnings:?}"
    );
    assert!(
        warnings.is_empty(),
        "peers refused each other: {warnings:?}"
    );
    let stored = raw_ops_of_commits(&env, p, &history(&env, p, &bug_head(&env, p, &id)));
    let distinct: BTreeSet<&String> = stored.iter().map(|(op, _)| op).collect();
    assert_eq!(stored.len(), distinct.len(), "an operation is stored twice");
    assert_converged(&env, &[p, q, s], &id);
}

#[test]
fn published_on_two_remotes_joins_with_a_merge_commit() {
    let env = TestEnv::new();
    let sh = Shell::new(&env, None);
    let one = server_in(&sh, &env, "one.git");
    let two = server_in(&sh, &env, "two.git");
    let a = clone(&env, &one, "a", "Alice");
    env.git(&a, &["remote", "add", "two", two.to_str().unwrap()])
        .ok();
    env.bug(&a, &["install"]).ok();
    let id = new_bug(&env, &a, "On two servers", "from a");
    env.bug(&a, &["push", "origin"]).ok();
    env.bug(&a, &["push", "two"]).ok();

    // b adds to the bug on server one, c on server two.
    let b = clone(&env, &one, "b", "Bob");
    let c = clone(&env, &two, "c", "Carol");
    for (repo, text) in [(&b, "b on one"), (&c, "c on two")] {
        env.git(repo, &["fetch"]).ok();
        comment(&env, repo, &id, text);
        env.bug(repo, &["push"]).ok();
    }

    // a takes b's change from one (fast-forward), then c's from two: the
    // history it holds now was published on one, so no rebase: a merge.
    env.git(&a, &["fetch", "origin"]).ok();
    let from_one = bug_head(&env, &a, &id);
    assert_eq!(Some(from_one.clone()), ref_value(&env, &one, &bug_ref(&id)));
    env.git(&a, &["fetch", "two"]).ok();
    let head = bug_head(&env, &a, &id);
    let from_two = ref_value(&env, &two, &bug_ref(&id)).unwrap();
    let mut expected = [from_one, from_two];
    expected.sort();
    assert_eq!(parents(&env, &a, &head), expected, "parents in id order");
    let pack = git_out(&env, &a, &["cat-file", "-p", &format!("{head}:ops")]);
    assert!(pack.ends_with(r#""ops":null}"#), "{pack}");
    let messages = comment_messages(&show(&env, &a, &id));
    assert_eq!(messages.len(), 3, "{messages:?}");

    // Pushing the merge to both servers is a fast-forward on each; then
    // b and c converge on it.
    env.bug(&a, &["push", "origin"]).ok();
    env.bug(&a, &["push", "two"]).ok();
    env.git(&b, &["fetch"]).ok();
    env.git(&c, &["fetch"]).ok();
    assert_converged(&env, &[&a, &b, &c], &id);
}

// ---------------------------------------------------------------------------
// 3. Unpublished local edits are rebased, bytes and ids kept
// ---------------------------------------------------------------------------

#[test]
fn unpublished_local_edits_are_rebased_linearly() {
    let env = TestEnv::new();
    let server = server(&env);
    let a = clone(&env, &server, "a", "Alice");
    let b = clone(&env, &server, "b", "Bob");
    let id = new_bug(&env, &a, "Rebase me", "created");
    env.bug(&a, &["push"]).ok();
    env.git(&b, &["fetch"]).ok();

    // a comments without pushing; b comments and pushes.
    comment(&env, &a, &id, "a's private comment");
    let a_before = bug_head(&env, &a, &id);
    let a_ops = ops_of_commits(&env, &a, std::slice::from_ref(&a_before));
    assert_eq!(a_ops.len(), 1);
    let comment_id = |bug: &Value, message: &str| {
        bug["comments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["message"] == message)
            .map(|c| c["id"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("no comment {message:?} in {bug:#}"))
    };
    let id_before = comment_id(&show(&env, &a, &id), "a's private comment");
    comment(&env, &b, &id, "b's pushed comment");
    env.bug(&b, &["push"]).ok();
    let b_head = bug_head(&env, &b, &id);

    env.git(&a, &["fetch"]).ok();
    let head = bug_head(&env, &a, &id);
    assert_ne!(head, a_before);
    // Linear: a's commit replayed on top of b's, no merge commit anywhere.
    assert_eq!(parents(&env, &a, &head), [b_head]);
    let merges = git_out(&env, &a, &["rev-list", "--merges", &head]);
    assert!(merges.is_empty(), "merge commits: {merges}");
    // The replayed operation is the same bytes, so the same ids.
    assert_eq!(ops_of_commits(&env, &a, std::slice::from_ref(&head)), a_ops);
    let shown = show(&env, &a, &id);
    assert_eq!(comment_id(&shown, "a's private comment"), id_before);
    assert_eq!(
        comment_messages(&shown),
        ["created", "b's pushed comment", "a's private comment"]
    );
    // Edit clocks strictly increase along the chain.
    let chain: Vec<String> = git_out(&env, &a, &["rev-list", "--reverse", &head])
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(chain.len(), 3);
    let clocks: Vec<u64> = chain.iter().map(|c| edit_clock(&env, &a, c)).collect();
    assert!(clocks.windows(2).all(|w| w[0] < w[1]), "{clocks:?}");

    // Pushed, b fast-forwards onto a's rebased chain.
    env.bug(&a, &["push"]).ok();
    env.git(&b, &["fetch"]).ok();
    assert_converged(&env, &[&a, &b], &id);
}

// ---------------------------------------------------------------------------
// 4. Idempotence, and the catch-up pass when hooks did not run
// ---------------------------------------------------------------------------

#[test]
fn pulling_and_fetching_twice_changes_nothing() {
    let env = TestEnv::new();
    let server = server(&env);
    let a = clone(&env, &server, "a", "Alice");
    let b = clone(&env, &server, "b", "Bob");
    let first = new_bug(&env, &a, "First", "one");
    let second = new_bug(&env, &a, "Second", "two");
    env.bug(&a, &["push"]).ok();

    let pulled = env.bug(&b, &["pull"]).ok();
    for id in [&first, &second] {
        assert!(
            pulled
                .lines()
                .contains(&format!("{}: new", human(id)).as_str()),
            "{}",
            pulled.stdout
        );
    }
    let after_first = refs(&env, &b, "refs/");
    let state = b.join(".git/git-bug/sync/merged");
    let merged_state = std::fs::read(&state).unwrap();
    let again = env.bug(&b, &["pull"]).ok();
    assert_eq!(again.stdout, "", "nothing to report the second time");
    assert_eq!(refs(&env, &b, "refs/"), after_first);
    assert_eq!(std::fs::read(&state).unwrap(), merged_state);

    comment(&env, &a, &first, "more");
    env.bug(&a, &["push"]).ok();
    env.git(&b, &["fetch"]).ok();
    let after_fetch = refs(&env, &b, "refs/");
    assert_eq!(
        after_fetch.get(&bug_ref(&first)),
        ref_value(&env, &server, &bug_ref(&first)).as_ref()
    );
    let again = env.git(&b, &["fetch"]).ok();
    assert_eq!(refs(&env, &b, "refs/"), after_fetch);
    assert!(git_bug_lines(&again.stderr).is_empty(), "{}", again.stderr);
}

#[test]
fn commands_catch_up_on_a_fetch_made_without_hooks() {
    let env = TestEnv::new();
    let server = server(&env);
    let a = clone(&env, &server, "a", "Alice");
    let b = clone(&env, &server, "b", "Bob");
    let id = new_bug(&env, &a, "Fetched quietly", "text");
    env.bug(&a, &["push"]).ok();

    env.git(&b, &["-c", "core.hooksPath=/dev/null", "fetch"])
        .ok();
    // The hooks did not run: only the tracking ref exists.
    assert!(ref_value(&env, &b, &format!("refs/remotes/origin/bugs/{id}")).is_some());
    assert!(refs(&env, &b, "refs/bugs/").is_empty());

    let listed = env.bug(&b, &["ls"]).ok();
    assert!(listed.stdout.contains("Fetched quietly"), "{listed:?}");
    assert_eq!(
        ref_value(&env, &b, &bug_ref(&id)),
        ref_value(&env, &server, &bug_ref(&id))
    );
    assert!(
        ref_value(
            &env,
            &b,
            &format!("refs/identities/{}", author_id(&env, &a))
        )
        .is_some()
    );
}

#[test]
fn a_clone_made_with_bug_refspecs_is_merged_by_the_first_command() {
    let env = TestEnv::new();
    let server = server(&env);
    let a = clone(&env, &server, "a", "Alice");
    let id = new_bug(&env, &a, "Cloned along", "text");
    env.bug(&a, &["push"]).ok();
    env.git(
        env.dir.path(),
        &[
            "clone",
            "-q",
            "-c",
            "remote.origin.fetch=+refs/bugs/*:refs/remotes/origin/bugs/*",
            "-c",
            "remote.origin.fetch=+refs/identities/*:refs/remotes/origin/identities/*",
            server.to_str().unwrap(),
            "fresh",
        ],
    )
    .ok();
    let fresh = env.path("fresh");
    // Clone runs no committed transaction: nothing merged yet.
    assert!(refs(&env, &fresh, "refs/bugs/").is_empty());
    let listed = env.bug(&fresh, &["ls"]).ok();
    assert!(listed.stdout.contains("Cloned along"), "{listed:?}");
    assert_eq!(
        ref_value(&env, &fresh, &bug_ref(&id)),
        ref_value(&env, &server, &bug_ref(&id))
    );
}

/// The identity `git-bug.identity` names in a repository.
pub fn author_id(env: &TestEnv, repo: &Path) -> String {
    git_out(env, repo, &["config", "git-bug.identity"])
}

// ---------------------------------------------------------------------------
// 5. Hostile or incomplete remote data
// ---------------------------------------------------------------------------

/// A 28-character nonce (20 bytes in padded base64), unique per `seed`.
pub fn nonce(seed: &str) -> String {
    format!("{}A=", &hash_id(seed.as_bytes())[..26])
}

/// An operation as the CLI writes one; `fields` (maybe empty) follow the
/// nonce.
pub fn op(kind: u32, seed: &str, fields: &str) -> String {
    let comma = if fields.is_empty() { "" } else { "," };
    format!(
        r#"{{"type":{kind},"timestamp":1700000000,"nonce":"{}"{comma}{fields}}}"#,
        nonce(seed)
    )
}

pub fn create_op(title: &str) -> String {
    op(
        1,
        title,
        &format!(r#""title":"{title}","message":"","files":null"#),
    )
}

pub fn comment_op(message: &str) -> String {
    op(
        3,
        message,
        &format!(r#""message":"{message}","files":null"#),
    )
}

pub fn pack_blob(author: &str, ops: &[String]) -> Vec<u8> {
    format!(
        r#"{{"author":{{"id":"{author}"}},"ops":[{}]}}"#,
        ops.join(",")
    )
    .into_bytes()
}

/// Writes bug commits by hand into a repository, as a hostile peer would.
pub struct Craft<'a> {
    pub sh: Shell<'a>,
    pub repo: &'a Path,
}

impl Craft<'_> {
    pub fn blob(&self, bytes: &[u8]) -> String {
        self.sh
            .git_stdin(self.repo, &["hash-object", "-w", "--stdin"], bytes)
    }

    /// A bug commit: `ops`, clock markers and `version-N`, with git-bug's
    /// empty author and committer (hash-object accepts them).
    pub fn pack_commit(
        &self,
        ops_blob: &[u8],
        create_clock: Option<u64>,
        edit_clock: u64,
        version: u64,
        parents: &[&str],
    ) -> String {
        let empty = self.blob(b"");
        let mut listing = format!(
            "100644 blob {}\tops\n\
             100644 blob {empty}\tedit-clock-{edit_clock}\n\
             100644 blob {empty}\tversion-{version}\n",
            self.blob(ops_blob)
        );
        if let Some(create) = create_clock {
            listing.push_str(&format!("100644 blob {empty}\tcreate-clock-{create}\n"));
        }
        let tree = self
            .sh
            .git_stdin(self.repo, &["mktree"], listing.as_bytes());
        self.commit(&tree, parents)
    }

    /// A commit of `tree` with git-bug's empty author and committer.
    pub fn commit(&self, tree: &str, parents: &[&str]) -> String {
        let mut raw = format!("tree {tree}\n");
        for parent in parents {
            raw.push_str(&format!("parent {parent}\n"));
        }
        raw.push_str("author  <> 1700000000 +0000\ncommitter  <> 1700000000 +0000\n\n");
        self.sh.git_stdin(
            self.repo,
            &["hash-object", "-t", "commit", "-w", "--stdin"],
            raw.as_bytes(),
        )
    }

    /// A root bug commit creating the bug `title` by `author`: (id, commit).
    pub fn root(&self, author: &str, title: &str, edit: u64, version: u64) -> (String, String) {
        let create = create_op(title);
        let commit = self.pack_commit(
            &pack_blob(author, std::slice::from_ref(&create)),
            Some(1),
            edit,
            version,
            &[],
        );
        (hash_id(create.as_bytes()), commit)
    }

    /// An identity of one version holding `blob`: (id, commit).
    pub fn identity(&self, blob: &[u8]) -> (String, String) {
        let listing = format!("100644 blob {}\tversion\n", self.blob(blob));
        let tree = self
            .sh
            .git_stdin(self.repo, &["mktree"], listing.as_bytes());
        (hash_id(blob), self.commit(&tree, &[]))
    }

    pub fn set_ref(&self, name: &str, commit: &str) {
        self.sh.git(self.repo, &["update-ref", name, commit]).ok();
    }
}

#[test]
fn hostile_remote_bugs_are_refused_one_by_one() {
    let env = TestEnv::new();
    let server = server(&env);
    let a = clone(&env, &server, "a", "Alice");
    let b = clone(&env, &server, "b", "Bob");
    let rewritten = new_bug(&env, &a, "Good, later rewritten", "fine");
    let rewound = new_bug(&env, &a, "Rewound on the server", "first");
    comment(&env, &a, &rewound, "second");
    env.bug(&a, &["push"]).ok();
    let author = author_id(&env, &a);
    env.git(&b, &["fetch"]).ok();
    let good_local = bug_head(&env, &b, &rewritten);
    let rewound_local = bug_head(&env, &b, &rewound);

    // Written straight into the bare server.
    let craft = Craft {
        sh: Shell::new(&env, None),
        repo: &server,
    };
    let root = |title: &str, edit: u64, version: u64| {
        let create = create_op(title);
        let commit = craft.pack_commit(
            &pack_blob(&author, std::slice::from_ref(&create)),
            Some(1),
            edit,
            version,
            &[],
        );
        (hash_id(create.as_bytes()), commit)
    };
    let mut bad: Vec<(&str, String)> = Vec::new();

    // A well-formed hand-made bug: the control that the crafting is right.
    let (crafted_good, commit) = root("Crafted and fine", 1, 4);
    craft.set_ref(&bug_ref(&crafted_good), &commit);

    // M1: the ops blob is not JSON.
    let id = hash_id(b"not json");
    let truncated = format!(r#"{{"author":{{"id":"{author}"}},"ops":[{{"type":1,"#);
    let commit = craft.pack_commit(truncated.as_bytes(), Some(1), 1, 4, &[]);
    craft.set_ref(&bug_ref(&id), &commit);
    bad.push(("bad JSON", id));

    // M10: valid data under a ref that is not its id.
    let (_, commit) = root("Under a false name", 1, 4);
    let id = hash_id(create_op("Some other bug").as_bytes());
    craft.set_ref(&bug_ref(&id), &commit);
    bad.push(("id mismatch", id));

    // M8: a child whose edit clock is not above its parent's.
    let (id, parent) = root("Clocks backwards", 5, 4);
    let commit = craft.pack_commit(
        &pack_blob(&author, &[comment_op("clock 3 after 5")]),
        None,
        3,
        4,
        &[&parent],
    );
    craft.set_ref(&bug_ref(&id), &commit);
    bad.push(("clock order", id));

    // M5: a format version from the future.
    let (id, commit) = root("Version five", 1, 5);
    craft.set_ref(&bug_ref(&id), &commit);
    bad.push(("version-5", id));

    // M3: an operation type nobody knows.
    let (id, parent) = root("Unknown op", 1, 4);
    let unknown = op(99, "unknown", r#""message":"?","files":null"#);
    let commit = craft.pack_commit(&pack_blob(&author, &[unknown]), None, 2, 4, &[&parent]);
    craft.set_ref(&bug_ref(&id), &commit);
    bad.push(("unknown op type", id));

    // M11: the same operation twice.
    let (id, parent) = root("Duplicated op", 1, 4);
    let twice = comment_op("said twice");
    let child = craft.pack_commit(
        &pack_blob(&author, std::slice::from_ref(&twice)),
        None,
        2,
        4,
        &[&parent],
    );
    let commit = craft.pack_commit(&pack_blob(&author, &[twice]), None, 3, 4, &[&child]);
    craft.set_ref(&bug_ref(&id), &commit);
    bad.push(("duplicated op", id));

    // A bug b already holds, extended on the server with garbage.
    let server_good = ref_value(&env, &server, &bug_ref(&rewritten)).unwrap();
    assert_eq!(server_good, good_local);
    let commit = craft.pack_commit(b"{\"author\":", None, 99, 4, &[&server_good]);
    craft.set_ref(&bug_ref(&rewritten), &commit);

    // A bug b already holds, rewound on the server to an older commit
    // (the `+` refspec lets the tracking ref go back).
    let older = git_out(&env, &server, &["rev-parse", &format!("{rewound_local}^")]);
    craft.set_ref(&bug_ref(&rewound), &older);

    // And an ordinary new bug in the same fetch.
    let ordinary = new_bug(&env, &a, "Ordinary", "nothing special");
    let spec = format!("{0}:{0}", bug_ref(&ordinary));
    env.git(&a, &["push", "-q", "--no-verify", "origin", &spec])
        .ok();

    let fetched = env.git(&b, &["fetch"]).ok();
    let warnings = git_bug_lines(&fetched.stderr);
    for (class, id) in &bad {
        assert!(
            ref_value(&env, &b, &bug_ref(id)).is_none(),
            "{class}: bug {id} was merged"
        );
        assert!(
            warnings
                .iter()
                .any(|l| l.contains(human(id)) && l.contains("refused")),
            "{class}: no warning naming {}:\n{}",
            human(id),
            fetched.stderr
        );
    }
    assert_eq!(bug_head(&env, &b, &rewritten), good_local);
    assert!(
        warnings
            .iter()
            .any(|l| l.contains(human(&rewritten)) && l.contains("refused")),
        "no warning for the rewritten bug:\n{}",
        fetched.stderr
    );
    assert_eq!(
        ref_value(&env, &b, &bug_ref(&crafted_good)),
        ref_value(&env, &server, &bug_ref(&crafted_good)),
        "{}",
        fetched.stderr
    );
    assert_eq!(
        ref_value(&env, &b, &bug_ref(&ordinary)),
        ref_value(&env, &server, &bug_ref(&ordinary))
    );
    assert_eq!(bug_head(&env, &b, &rewound), rewound_local);
    // The rest of the repository works as before.
    let listed = env.bug(&b, &["ls"]).ok();
    let titles = [
        "Good, later rewritten",
        "Rewound on the server",
        "Crafted and fine",
        "Ordinary",
    ];
    for title in titles {
        assert!(listed.stdout.contains(title), "{}", listed.stdout);
    }
    assert_eq!(listed.lines().len(), titles.len(), "{}", listed.stdout);

    // `git bug pull` in a fresh clone merges the good bugs, lists each
    // refused one and exits non-zero.
    let c = clone(&env, &server, "c", "Carol");
    let pulled = env.bug(&c, &["pull"]).fails(1);
    for (class, id) in &bad {
        assert!(
            pulled
                .lines()
                .iter()
                .any(|l| l.starts_with(&format!("{}: invalid data", human(id)))),
            "{class}: {} not listed:\n{}",
            human(id),
            pulled.stdout
        );
        assert!(ref_value(&env, &c, &bug_ref(id)).is_none(), "{class}");
    }
    for id in [&crafted_good, &ordinary] {
        assert!(
            pulled
                .lines()
                .contains(&format!("{}: new", human(id)).as_str()),
            "{}",
            pulled.stdout
        );
        assert_eq!(
            ref_value(&env, &c, &bug_ref(id)),
            ref_value(&env, &server, &bug_ref(id))
        );
    }
}

/// A clone whose copy of a bug is behind the server's, where the server's
/// newer history is refused as invalid, has nothing of that bug to push:
/// pushing its other bugs must succeed without a warning about it.
#[test]
fn a_refused_remote_bug_does_not_fail_later_pushes() {
    let env = TestEnv::new();
    let server = server(&env);
    let a = clone(&env, &server, "a", "Alice");
    let poisoned = new_bug(&env, &a, "Poisoned on the server", "fine");
    env.bug(&a, &["push"]).ok();
    let good = bug_head(&env, &a, &poisoned);
    let craft = Craft {
        sh: Shell::new(&env, None),
        repo: &server,
    };
    let garbage = craft.pack_commit(b"{\"author\":", None, 99, 4, &[&good]);
    craft.set_ref(&bug_ref(&poisoned), &garbage);
    let fetched = env.git(&a, &["fetch"]).ok();
    assert!(fetched.stderr.contains("refused"), "{}", fetched.stderr);
    assert_eq!(bug_head(&env, &a, &poisoned), good);

    let fresh = new_bug(&env, &a, "Pushed after the poison", "text");
    let bug_push = env.bug(&a, &["push"]);
    assert_eq!(
        ref_value(&env, &server, &bug_ref(&fresh)),
        Some(bug_head(&env, &a, &fresh)),
        "{}",
        bug_push.stderr
    );

    // The same through the pre-push hook of a plain push.
    comment(&env, &a, &fresh, "more");
    env.git(&a, &["commit", "-q", "--allow-empty", "-m", "work"])
        .ok();
    let pushed = env.git(&a, &["push"]).ok();
    assert_eq!(
        ref_value(&env, &server, &bug_ref(&fresh)),
        Some(bug_head(&env, &a, &fresh))
    );
    // status agrees that nothing is left to push.
    let status = env.bug(&a, &["status"]).ok();
    assert!(
        status.lines().contains(&"  not pushed: nothing"),
        "{}",
        status.stdout
    );
    assert!(
        !pushed.stderr.contains(human(&poisoned)),
        "a warning about a bug with nothing to push:\n{}",
        pushed.stderr
    );
    assert_eq!(
        bug_push.code, 0,
        "git bug push failed:\n{}",
        bug_push.stderr
    );
}

#[test]
fn a_bug_waits_for_its_author_identity() {
    let env = TestEnv::new();
    let server = server(&env);
    let d = clone(&env, &server, "d", "Dave");
    let e = clone(&env, &server, "e", "Eve");
    let id = new_bug(&env, &d, "Author comes later", "text");
    let spec = format!("{0}:{0}", bug_ref(&id));
    env.git(&d, &["push", "-q", "--no-verify", "origin", &spec])
        .ok();
    assert!(refs(&env, &server, "refs/identities/").is_empty());

    let fetched = env.git(&e, &["fetch"]).ok();
    assert!(
        ref_value(&env, &e, &format!("refs/remotes/origin/bugs/{id}")).is_some(),
        "{}",
        fetched.stderr
    );
    assert!(ref_value(&env, &e, &bug_ref(&id)).is_none());
    assert!(!fetched.stderr.contains("refused"), "{}", fetched.stderr);
    // A command in between neither merges nor fails, and status says why;
    // the wait is told once, not again by every command.
    let first = env.bug(&e, &["ls"]).ok();
    assert!(first.stderr.contains(human(&id)), "{}", first.stderr);
    let again = env.bug(&e, &["ls"]).ok();
    assert!(!again.stderr.contains(human(&id)), "{}", again.stderr);
    assert!(ref_value(&env, &e, &bug_ref(&id)).is_none());
    let status = env.bug(&e, &["status"]).ok();
    let waiting = format!("  not merged yet: 1 bug ({})", human(&id));
    assert!(
        status.lines().contains(&waiting.as_str()),
        "{}",
        status.stdout
    );

    env.git(
        &d,
        &[
            "push",
            "-q",
            "--no-verify",
            "origin",
            "refs/identities/*:refs/identities/*",
        ],
    )
    .ok();
    let fetched = env.git(&e, &["fetch"]).ok();
    assert_eq!(
        ref_value(&env, &e, &bug_ref(&id)),
        Some(bug_head(&env, &d, &id)),
        "{}",
        fetched.stderr
    );
}

// ---------------------------------------------------------------------------
// 6. Install and uninstall
// ---------------------------------------------------------------------------

/// A clone of `server` with its own user and nothing installed.
fn plain_clone(env: &TestEnv, server: &Path, name: &str, user: &str) -> PathBuf {
    let sh = Shell::new(env, None);
    let path = env.path(name);
    sh.git(
        env.dir.path(),
        &["clone", "-q", server.to_str().unwrap(), name],
    )
    .ok();
    sh.git(&path, &["config", "user.name", user]).ok();
    sh.git(&path, &["config", "user.email", "someone@example.com"])
        .ok();
    path
}

/// `.git/config` and the hooks directory, byte for byte.
type Setup = (Vec<u8>, BTreeMap<String, (Vec<u8>, u32)>);

fn setup_of(git_dir: &Path) -> Setup {
    (
        std::fs::read(git_dir.join("config")).unwrap(),
        dir_snapshot(&git_dir.join("hooks")),
    )
}

/// Panics unless `.git/config` and the hooks are as `want`.
#[track_caller]
fn assert_setup(got: &Setup, want: &Setup, what: &str) {
    let mut report = String::new();
    if got.0 != want.0 {
        report.push_str(&format!(
            "--- .git/config: got\n{}--- wanted\n{}",
            String::from_utf8_lossy(&got.0),
            String::from_utf8_lossy(&want.0)
        ));
    }
    report.push_str(&files_diff(&got.1, &want.1));
    assert!(report.is_empty(), "{what}: differences:\n{report}");
}

/// Pushes a new bug from a fresh clone `name`, so that others can fetch it.
fn bug_from_elsewhere(env: &TestEnv, server: &Path, name: &str, title: &str) -> String {
    let other = clone(env, server, name, "Other");
    let id = new_bug(env, &other, title, "from elsewhere");
    env.bug(&other, &["push"]).ok();
    id
}

#[test]
fn install_twice_changes_nothing_and_uninstall_restores_everything() {
    let env = TestEnv::new();
    let server = server(&env);
    let a = plain_clone(&env, &server, "a", "Alice");
    let git_dir = a.join(".git");
    let before = setup_of(&git_dir);
    assert!(!before.1.contains_key("pre-push"));

    env.bug(&a, &["install"]).ok();
    let installed = setup_of(&git_dir);
    assert_ne!(installed.0, before.0, "refspecs added");
    for hook in ["pre-push", "reference-transaction"] {
        let (text, mode) = &installed.1[hook];
        assert!(text.starts_with(b"#!/bin/sh\n"), "{hook}");
        assert_eq!(mode & 0o111, 0o111, "{hook} is executable");
    }
    env.bug(&a, &["install"]).ok();
    assert_setup(&setup_of(&git_dir), &installed, "second install");

    env.bug(&a, &["uninstall"]).ok();
    assert_setup(&setup_of(&git_dir), &before, "after uninstall");
    // And once more, from the restored state.
    env.bug(&a, &["install"]).ok();
    assert_setup(&setup_of(&git_dir), &installed, "install again");
    env.bug(&a, &["uninstall"]).ok();
    assert_setup(&setup_of(&git_dir), &before, "uninstall again");
}

#[test]
fn user_shell_hooks_keep_running_with_their_input() {
    let env = TestEnv::new();
    let server = server(&env);
    let a = plain_clone(&env, &server, "a", "Alice");
    let hooks = a.join(".git/hooks");
    let push_marker = env.path("pre-push.log");
    let tx_marker = env.path("reference-transaction.log");
    write_script(
        &hooks.join("pre-push"),
        &format!(
            r#"#!/bin/sh
# the user's own pre-push hook
echo "pre-push $1" >>'{}'
while read -r line; do
	echo "$line" >>'{0}'
done
exit 0
"#,
            push_marker.display()
        ),
    );
    write_script(
        &hooks.join("reference-transaction"),
        &format!(
            r#"#!/bin/sh
while read -r old new ref; do
	echo "$1 $old $new $ref" >>'{}'
done
exit 0
"#,
            tx_marker.display()
        ),
    );
    // Created first: it sets git-bug.identity in .git/config.
    let id = new_bug(&env, &a, "Pushed with a user hook", "text");
    let before = setup_of(&a.join(".git"));
    env.bug(&a, &["install"]).ok();

    // A push runs the user's code with git's own input, and carries the bug.
    let old_main = git_out(&env, &a, &["rev-parse", "HEAD"]);
    env.git(&a, &["commit", "-q", "--allow-empty", "-m", "work"])
        .ok();
    let new_main = git_out(&env, &a, &["rev-parse", "HEAD"]);
    let pushed = env.git(&a, &["push", "origin", "main"]).ok();
    assert_eq!(
        std::fs::read_to_string(&push_marker).unwrap_or_default(),
        format!("pre-push origin\nrefs/heads/main {new_main} refs/heads/main {old_main}\n"),
        "{}",
        pushed.stderr
    );
    assert_eq!(
        ref_value(&env, &server, &bug_ref(&id)),
        Some(bug_head(&env, &a, &id))
    );

    // A fetch runs the user's reference-transaction code with each
    // transaction's lines, and merges the fetched bug.
    let other = bug_from_elsewhere(&env, &server, "b", "Fetched with a user hook");
    std::fs::write(&tx_marker, "").unwrap();
    let fetched = env.git(&a, &["fetch"]).ok();
    let tracking = format!("refs/remotes/origin/bugs/{other}");
    let head = ref_value(&env, &server, &bug_ref(&other)).unwrap();
    let seen = std::fs::read_to_string(&tx_marker).unwrap();
    for state in ["prepared", "committed"] {
        let zero = "0".repeat(40);
        let line = format!("{state} {zero} {head} {tracking}");
        assert!(
            seen.lines().any(|l| l == line),
            "no {line:?} in:\n{seen}\n{}",
            fetched.stderr
        );
    }
    assert_eq!(ref_value(&env, &a, &bug_ref(&other)), Some(head));

    env.bug(&a, &["uninstall"]).ok();
    assert_setup(&setup_of(&a.join(".git")), &before, "after uninstall");
}

#[test]
fn install_honours_core_hooks_path() {
    let env = TestEnv::new();
    let server = server(&env);
    let a = plain_clone(&env, &server, "a", "Alice");
    std::fs::create_dir(a.join(".githooks")).unwrap();
    env.git(&a, &["config", "core.hooksPath", ".githooks"]).ok();
    env.bug(&a, &["install"]).ok();
    for hook in ["pre-push", "reference-transaction"] {
        assert!(a.join(".githooks").join(hook).is_file(), "{hook}");
        assert!(!a.join(".git/hooks").join(hook).exists(), "{hook}");
    }
    let status = env.bug(&a, &["status"]).ok();
    assert!(
        status.stdout.contains("reference-transaction: installed"),
        "{}",
        status.stdout
    );

    let id = bug_from_elsewhere(&env, &server, "b", "Through hooksPath");
    let fetched = env.git(&a, &["fetch"]).ok();
    assert_eq!(
        refs(&env, &a, "refs/bugs/").get(&bug_ref(&id)),
        ref_value(&env, &server, &bug_ref(&id)).as_ref(),
        "{}",
        fetched.stderr
    );
    env.bug(&a, &["uninstall"]).ok();
    assert_same_files(
        &dir_snapshot(&a.join(".githooks")),
        &BTreeMap::new(),
        "hooks",
    );
}

#[test]
fn install_from_a_linked_worktree_uses_the_common_hooks() {
    let env = TestEnv::new();
    let server = server(&env);
    let a = plain_clone(&env, &server, "a", "Alice");
    let wt = env.path("wt");
    env.git(
        &a,
        &["worktree", "add", "-q", "-b", "side", wt.to_str().unwrap()],
    )
    .ok();
    env.bug(&wt, &["install"]).ok();
    for hook in ["pre-push", "reference-transaction"] {
        assert!(a.join(".git/hooks").join(hook).is_file(), "{hook}");
        assert!(!a.join(".git/worktrees/wt/hooks").join(hook).exists());
    }
    let id = bug_from_elsewhere(&env, &server, "b", "Into a worktree");
    let fetched = env.git(&wt, &["fetch"]).ok();
    assert_eq!(
        refs(&env, &wt, "refs/bugs/").get(&bug_ref(&id)),
        ref_value(&env, &server, &bug_ref(&id)).as_ref(),
        "{}",
        fetched.stderr
    );
    assert!(ref_value(&env, &a, &bug_ref(&id)).is_some());
}

#[test]
fn install_in_a_bare_repository() {
    let env = TestEnv::new();
    let server = server(&env);
    env.git(
        env.dir.path(),
        &[
            "clone",
            "-q",
            "--bare",
            server.to_str().unwrap(),
            "bare.git",
        ],
    )
    .ok();
    let bare = env.path("bare.git");
    env.bug(&bare, &["install"]).ok();
    for hook in ["pre-push", "reference-transaction"] {
        assert!(bare.join("hooks").join(hook).is_file(), "{hook}");
    }
    let id = bug_from_elsewhere(&env, &server, "b", "Into a bare repository");
    let fetched = env.git(&bare, &["fetch", "origin"]).ok();
    assert_eq!(
        ref_value(&env, &bare, &bug_ref(&id)),
        ref_value(&env, &server, &bug_ref(&id)),
        "{}",
        fetched.stderr
    );
}

#[test]
fn a_hook_that_is_not_shell_is_refused_then_chained_with_force() {
    let env = TestEnv::new();
    let server = server(&env);
    let a = plain_clone(&env, &server, "a", "Alice");
    let git_dir = a.join(".git");
    let hook = git_dir.join("hooks/pre-push");
    let marker = env.path("python.log");
    let script = format!(
        r#"#!/usr/bin/env python3
import sys
with open({:?}, 'a') as log:
    log.write('python pre-push ' + sys.argv[1] + '\n')
    for line in sys.stdin:
        log.write(line)
"#,
        marker.display().to_string()
    );
    write_script(&hook, &script);
    // Created first: it sets git-bug.identity in .git/config.
    let id = new_bug(&env, &a, "Pushed past python", "text");
    let before = setup_of(&git_dir);

    let refused = env.bug(&a, &["install"]).fails(1);
    assert!(
        refused.stderr.contains("--force") && refused.stderr.contains("--manual"),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains("pre-push"), "{}", refused.stderr);
    assert_eq!(std::fs::read_to_string(&hook).unwrap(), script);

    env.bug(&a, &["install", "--force"]).ok();
    assert_ne!(std::fs::read_to_string(&hook).unwrap(), script);
    env.git(&a, &["commit", "-q", "--allow-empty", "-m", "work"])
        .ok();
    let head = git_out(&env, &a, &["rev-parse", "HEAD"]);
    let pushed = env.git(&a, &["push", "origin", "main"]).ok();
    let log = std::fs::read_to_string(&marker).unwrap_or_default();
    assert!(
        log.starts_with("python pre-push origin\n"),
        "{log}\n{}",
        pushed.stderr
    );
    assert!(
        log.contains(&format!("refs/heads/main {head} refs/heads/main ")),
        "{log}"
    );
    assert_eq!(
        ref_value(&env, &server, &bug_ref(&id)),
        Some(bug_head(&env, &a, &id))
    );

    env.bug(&a, &["uninstall"]).ok();
    assert_eq!(std::fs::read_to_string(&hook).unwrap(), script);
    assert_setup(&setup_of(&git_dir), &before, "after uninstall");
}

/// A hook chained by `install --force` stays chained through every later
/// install (another remote, the same again): the user's hook keeps running.
#[test]
fn a_chained_hook_survives_a_later_install() {
    let env = TestEnv::new();
    let server = server(&env);
    let a = plain_clone(&env, &server, "a", "Alice");
    let hook = a.join(".git/hooks/pre-push");
    let marker = env.path("python.log");
    write_script(
        &hook,
        &format!(
            "#!/usr/bin/env python3\nimport sys\nopen({:?}, 'a').write('python ' + sys.argv[1] + '\\n')\n",
            marker.display().to_string()
        ),
    );
    env.bug(&a, &["install", "--force"]).ok();
    let second = env.path("second.git");
    env.git(
        env.dir.path(),
        &["init", "-q", "--bare", second.to_str().unwrap()],
    )
    .ok();
    env.git(&a, &["remote", "add", "second", second.to_str().unwrap()])
        .ok();
    env.bug(&a, &["install", "--remote", "second"]).ok();
    env.bug(&a, &["install"]).ok();
    env.git(&a, &["commit", "-q", "--allow-empty", "-m", "work"])
        .ok();
    env.git(&a, &["push", "-q", "second", "HEAD:main"]).ok();
    env.git(&a, &["push", "-q", "origin", "main"]).ok();
    assert_eq!(
        std::fs::read_to_string(&marker).unwrap_or_default(),
        "python second\npython origin\n"
    );
    env.bug(&a, &["uninstall"]).ok();
    assert!(
        std::fs::read_to_string(&hook)
            .unwrap()
            .starts_with("#!/usr/bin/env python3"),
        "the user's hook is back in place"
    );
}

/// The user's own pre-push code runs before bugs are sent: when it refuses
/// the push, no bug reaches the remote; when it accepts, they go.
#[test]
fn bugs_are_pushed_only_when_the_users_pre_push_accepts() {
    let env = TestEnv::new();
    let server = server(&env);
    let a = plain_clone(&env, &server, "a", "Alice");
    let id = new_bug(&env, &a, "Held back by a refusing hook", "text");
    let hook = a.join(".git/hooks/pre-push");
    let input_log = env.path("input.log");
    write_script(
        &hook,
        &format!(
            "#!/bin/sh\ncat >>'{}'\n[ -e '{}' ] || {{ echo 'tests must pass' >&2; exit 1; }}\n",
            input_log.display(),
            env.path("allow").display()
        ),
    );
    env.bug(&a, &["install"]).ok();
    env.git(&a, &["commit", "-q", "--allow-empty", "-m", "work"])
        .ok();
    let refused = env.git(&a, &["push", "origin", "main"]);
    assert_ne!(refused.code, 0, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("tests must pass"),
        "{}",
        refused.stderr
    );
    assert_eq!(ref_value(&env, &server, &bug_ref(&id)), None);
    let input = std::fs::read_to_string(&input_log).unwrap();
    assert!(input.starts_with("refs/heads/main "), "{input:?}");

    std::fs::write(env.path("allow"), "").unwrap();
    env.git(&a, &["push", "-q", "origin", "main"]).ok();
    assert_eq!(
        ref_value(&env, &server, &bug_ref(&id)),
        Some(bug_head(&env, &a, &id))
    );
}

#[test]
fn a_refused_install_can_be_undone() {
    let env = TestEnv::new();
    let server = server(&env);
    let a = plain_clone(&env, &server, "a", "Alice");
    let git_dir = a.join(".git");
    let hook = git_dir.join("hooks/pre-push");
    write_script(&hook, "#!/usr/bin/env python3\nprint('mine')\n");
    let before = setup_of(&git_dir);
    env.bug(&a, &["install"]).fails(1);
    // Whatever the refused install did, uninstall takes it back.
    env.bug(&a, &["uninstall"]).ok();
    assert_setup(&setup_of(&git_dir), &before, "after uninstall");
}

#[test]
fn git_keeps_working_when_git_bug_is_gone() {
    let env = TestEnv::new();
    let server = server(&env);
    let a = plain_clone(&env, &server, "a", "Alice");
    // Install with a copy of the binary, so that the fallback path baked
    // into the hooks names the copy; then remove the copy.
    let copy_dir = env.path("bin-copy");
    std::fs::create_dir(&copy_dir).unwrap();
    let copy = copy_dir.join("git-bug");
    std::fs::copy(BIN, &copy).unwrap();
    let sh = Shell::without_git_bug(&env);
    sh.run(&a, copy.to_str().unwrap(), &["install"], None).ok();
    std::fs::remove_file(&copy).unwrap();
    assert_ne!(sh.git(&a, &["bug", "version"]).code, 0, "git-bug is gone");

    let id = bug_from_elsewhere(&env, &server, "b", "Waiting for git-bug");
    env.git(&a, &["commit", "-q", "--allow-empty", "-m", "work"])
        .ok();
    let pushed = sh.git(&a, &["push", "origin", "main"]).ok();
    assert_eq!(
        ref_value(&env, &server, "refs/heads/main"),
        ref_value(&env, &a, "HEAD")
    );
    let notes = git_bug_lines(&pushed.stderr);
    assert_eq!(notes.len(), 1, "{}", pushed.stderr);
    assert!(notes[0].contains("not found"), "{}", pushed.stderr);

    let fetched = sh.git(&a, &["fetch"]).ok();
    let notes = git_bug_lines(&fetched.stderr);
    assert!(!notes.is_empty(), "{}", fetched.stderr);
    assert!(
        notes.iter().all(|l| l.contains("not found")),
        "{}",
        fetched.stderr
    );
    assert!(ref_value(&env, &a, &format!("refs/remotes/origin/bugs/{id}")).is_some());
    // With git-bug back, the next command merges what was fetched.
    let listed = env.bug(&a, &["ls"]).ok();
    assert!(listed.stdout.contains("Waiting for git-bug"), "{listed:?}");
}

// ---------------------------------------------------------------------------
// 7. git bug status
// ---------------------------------------------------------------------------

#[test]
fn status_names_hooks_and_unpushed_bugs() {
    let env = TestEnv::new();
    let server = server(&env);
    let a = plain_clone(&env, &server, "a", "Alice");
    let status = env.bug(&a, &["status"]).ok();
    assert!(
        status.stdout.contains("pre-push: not installed"),
        "{}",
        status.stdout
    );

    env.bug(&a, &["install"]).ok();
    let status = env.bug(&a, &["status"]).ok();
    for line in [
        "  reference-transaction: installed",
        "  pre-push: installed",
        "Remote origin:",
        "  fetches bugs: yes",
        "  not pushed: nothing",
    ] {
        assert!(
            status.lines().contains(&line),
            "{line:?} in\n{}",
            status.stdout
        );
    }

    let id = new_bug(&env, &a, "Not pushed yet", "text");
    let status = env.bug(&a, &["status"]).ok();
    let line = status
        .lines()
        .into_iter()
        .find(|l| l.starts_with("  not pushed:"))
        .unwrap_or_default()
        .to_string();
    assert!(
        line.contains(&format!("1 bug ({})", human(&id))),
        "{}",
        status.stdout
    );

    env.git(&a, &["commit", "-q", "--allow-empty", "-m", "work"])
        .ok();
    env.git(&a, &["push"]).ok();
    let status = env.bug(&a, &["status"]).ok();
    assert!(
        status.lines().contains(&"  not pushed: nothing"),
        "{}",
        status.stdout
    );
}

// ---------------------------------------------------------------------------
// 8. git bug pull and git bug push
// ---------------------------------------------------------------------------

#[test]
fn pull_reports_each_bug_and_push_retries_when_refused() {
    let env = TestEnv::new();
    let server = server(&env);
    let a = clone(&env, &server, "a", "Alice");
    let b = clone(&env, &server, "b", "Bob");
    let id = new_bug(&env, &a, "Pulled", "text");
    env.bug(&a, &["push"]).ok();

    let pulled = env.bug(&b, &["pull"]).ok();
    let mut lines = pulled.lines();
    lines.sort();
    let mut expected = vec![
        format!("identity {}: new", human(&author_id(&env, &a))),
        format!("{}: new", human(&id)),
    ];
    expected.sort();
    assert_eq!(lines, expected, "{}", pulled.stderr);

    comment(&env, &a, &id, "from a");
    env.bug(&a, &["push"]).ok();
    let pulled = env.bug(&b, &["pull", "origin"]).ok();
    assert_eq!(pulled.lines(), [format!("{}: updated", human(&id))]);

    // Both comment; b's push is refused, then fetched, merged, pushed.
    comment(&env, &a, &id, "a again");
    env.bug(&a, &["push"]).ok();
    comment(&env, &b, &id, "b's turn");
    let pushed = env.bug(&b, &["push"]).ok();
    assert!(
        pushed
            .stderr
            .contains(&format!("pushed 1 bug ({})", human(&id))),
        "{}",
        pushed.stderr
    );
    let head = bug_head(&env, &b, &id);
    assert_eq!(ref_value(&env, &server, &bug_ref(&id)), Some(head));
    let mut messages = comment_messages(&show(&env, &b, &id));
    messages.sort();
    assert_eq!(messages, ["a again", "b's turn", "from a", "text"]);
}

/// Two clones that merged the same two published heads independently hold
/// different merge commits with the same operations. A pull from the remote
/// that has the other's merge must still make the next push a fast-forward
/// (it once said "up to date" and the push was refused forever).
#[test]
fn independent_merges_of_the_same_heads_do_not_livelock() {
    let env = TestEnv::new();
    let origin = server(&env);
    let other = env.path("other.git");
    env.git(
        env.dir.path(),
        &["init", "-q", "--bare", other.to_str().unwrap()],
    )
    .ok();
    let c1 = clone(&env, &origin, "c1", "Carol");
    let id = new_bug(&env, &c1, "Shared", "text");
    env.bug(&c1, &["push", "origin"]).ok();
    let mut clones = Vec::new();
    for (name, user) in [("c2", "Dan"), ("c3", "Eve")] {
        let c = clone(&env, &origin, name, user);
        env.git(&c, &["remote", "add", "other", other.to_str().unwrap()])
            .ok();
        env.bug(&c, &["install"]).ok();
        env.bug(&c, &["pull", "origin"]).ok();
        clones.push(c);
    }
    let (c2, c3) = (&clones[0], &clones[1]);
    comment(&env, c2, &id, "X from c2");
    env.bug(c2, &["push", "origin"]).ok();
    comment(&env, c3, &id, "Y from c3");
    env.bug(c3, &["push", "other"]).ok();
    // Each merges the other's published head: the same merge commit.
    env.bug(c2, &["pull", "other"]).ok();
    env.bug(c3, &["pull", "origin"]).ok();
    let joined = bug_head(&env, c2, &id);
    assert_eq!(joined, bug_head(&env, c3, &id), "independent joins agree");
    // Another tool's merge of the same heads differs (here: a message);
    // c3 holds that one instead.
    let tree = git_out(&env, c3, &["rev-parse", &format!("{joined}^{{tree}}")]);
    let joined_parents = parents(&env, c3, &joined);
    let mut args = vec!["commit-tree", tree.as_str(), "-m", "merged elsewhere"];
    for p in &joined_parents {
        args.extend(["-p", p.as_str()]);
    }
    let other_merge = git_out(&env, c3, &args);
    env.git(c3, &["update-ref", &bug_ref(&id), &other_merge, &joined])
        .ok();
    env.bug(c3, &["push", "origin"]).ok();
    env.bug(c2, &["push", "other"]).ok();

    // c2 adds an op; after a pull from each remote, a push to each goes.
    comment(&env, c2, &id, "N from c2");
    for remote in ["origin", "other"] {
        env.bug(c2, &["pull", remote]).ok();
        env.bug(c2, &["push", remote]).ok();
    }
    for remote in ["origin", "other"] {
        env.bug(c2, &["pull", remote]).ok();
        let pushed = env.bug(c2, &["push", remote]).ok();
        assert_eq!(
            ref_value(
                &env,
                if remote == "origin" { &origin } else { &other },
                &bug_ref(&id)
            ),
            Some(bug_head(&env, c2, &id)),
            "{remote}: {}",
            pushed.stderr
        );
    }
    // The others get the new op from either remote.
    env.bug(c3, &["pull", "origin"]).ok();
    env.bug(&c1, &["pull", "origin"]).ok();
    for c in [&c1, c3] {
        let messages = comment_messages(&show(&env, c, &id));
        assert!(messages.iter().any(|m| m == "N from c2"), "{messages:?}");
        assert_eq!(messages.len(), 4, "{messages:?}");
    }
}

/// Right after a push, `git bug status` lists nothing as not merged: the
/// tracking refs the push moved hold our own history.
#[test]
fn status_after_a_push_lists_nothing_unmerged() {
    let env = TestEnv::new();
    let server = server(&env);
    let a = clone(&env, &server, "a", "Alice");
    new_bug(&env, &a, "Pushed by git bug push", "text");
    env.bug(&a, &["push"]).ok();
    let status = env.bug(&a, &["status"]).ok().stdout;
    assert!(status.contains("  not merged yet: nothing\n"), "{status}");
    assert!(status.contains("  not pushed: nothing\n"), "{status}");

    new_bug(&env, &a, "Pushed by git push", "text");
    env.git(&a, &["commit", "-q", "--allow-empty", "-m", "work"])
        .ok();
    env.git(&a, &["push", "-q", "origin", "main"]).ok();
    let status = env.bug(&a, &["status"]).ok().stdout;
    assert!(status.contains("  not merged yet: nothing\n"), "{status}");
    assert!(status.contains("  not pushed: nothing\n"), "{status}");
}

/// A push that git cannot make names git's own reason in a short line,
/// never the list of refspecs; a push the remote refuses for another
/// reason than a concurrent update says that reason.
#[test]
fn push_errors_say_what_git_said() {
    let env = TestEnv::new();
    let server = server(&env);
    let a = clone(&env, &server, "a", "Alice");
    for n in 0..3 {
        new_bug(&env, &a, &format!("Bug {n}"), "text");
    }
    let missing = env.path("nowhere.git");
    env.git(&a, &["remote", "add", "broken", missing.to_str().unwrap()])
        .ok();
    let run = env.bug(&a, &["push", "broken"]).fails(1);
    assert!(
        run.stderr
            .contains("does not appear to be a git repository"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("refs/bugs/"), "{}", run.stderr);
    assert!(run.stderr.len() < 400, "{}", run.stderr);

    // A server hook that refuses bugs.
    let hook = server.join("hooks/pre-receive");
    write_script(
        &hook,
        "#!/bin/sh\necho 'bugs are frozen until the release' >&2\nexit 1\n",
    );
    let run = env.bug(&a, &["push", "origin"]).fails(1);
    assert!(
        run.stderr.contains("bugs are frozen until the release"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("hook declined"), "{}", run.stderr);
    assert!(!run.stderr.contains("meanwhile"), "{}", run.stderr);
}

/// One broken entity does not stop the others: a bug ref that points at an
/// annotated tag is refused, a bug whose history lost an object waits, and
/// the valid bug beside them is merged, by the catch-up of a command and by
/// `git bug pull`, which exit 0.
#[test]
fn one_broken_entity_does_not_block_the_others() {
    let env = TestEnv::new();
    let server = server(&env);
    let a = clone(&env, &server, "a", "Alice");
    let good = new_bug(&env, &a, "Good", "fine");
    let tagged = new_bug(&env, &a, "Tagged", "fine");
    let holed = new_bug(&env, &a, "Loses an object", "fine");
    env.bug(&a, &["push"]).ok();
    let tag_target = bug_head(&env, &server, &tagged);
    env.git(
        &server,
        &[
            "-c",
            "user.name=Tagger",
            "-c",
            "user.email=tagger@example.com",
            "tag",
            "-a",
            "-m",
            "a tag",
            "t",
            &tag_target,
        ],
    )
    .ok();
    let tag = git_out(&env, &server, &["rev-parse", "refs/tags/t"]);
    env.git(&server, &["update-ref", &bug_ref(&tagged), &tag])
        .ok();

    // A clone without hooks; the fetch is small, so objects arrive loose.
    let b = plain_clone(&env, &server, "b", "Bob");
    for spec in git_bug::sync::install::fetch_refspecs("origin") {
        env.git(&b, &["config", "--add", "remote.origin.fetch", &spec])
            .ok();
    }
    env.git(&b, &["fetch", "-q"]).ok();
    let ops = git_out(
        &env,
        &b,
        &[
            "rev-parse",
            &format!("refs/remotes/origin/bugs/{holed}:ops"),
        ],
    );
    let loose = b.join(".git/objects").join(&ops[..2]).join(&ops[2..]);
    std::fs::remove_file(&loose).expect("the ops blob is a loose object");

    let listed = env.bug(&b, &["ls", "--format", "id"]).ok();
    assert_eq!(listed.stdout.trim(), good, "{}", listed.stderr);
    assert!(listed.stderr.contains("refused"), "{}", listed.stderr);
    assert!(listed.stderr.contains("tag"), "{}", listed.stderr);
    let pulled = env.bug(&b, &["pull"]);
    assert_ne!(pulled.code, 128, "{}", pulled.stderr);
    let status = env.bug(&b, &["status"]).ok().stdout;
    assert!(
        status.contains(&format!("refused: bug {}", human(&tagged))),
        "{status}"
    );
    assert!(
        status.contains(&format!("incomplete: bug {}", human(&holed))),
        "{status}"
    );
    // Commands after that are quiet about them: said once, kept in status.
    let again = env.bug(&b, &["ls"]).ok();
    assert_eq!(again.stderr, "", "{}", again.stderr);
}

/// A shallow fetch leaves bugs incomplete, not invalid: they are listed as
/// incomplete by status, and merged once `git fetch --unshallow` brings the
/// rest of their history.
#[test]
fn a_shallow_bug_is_merged_once_its_history_arrives() {
    let env = TestEnv::new();
    let server = server(&env);
    let a = clone(&env, &server, "a", "Alice");
    let id = new_bug(&env, &a, "Long history", "one");
    comment(&env, &a, &id, "two");
    comment(&env, &a, &id, "three");
    env.bug(&a, &["push"]).ok();

    let b = plain_clone(&env, &server, "b", "Bob");
    env.bug(&b, &["install"]).ok();
    let shallow = env.git(&b, &["fetch", "--depth", "1", "origin"]).ok();
    assert!(
        ref_value(&env, &b, &format!("refs/remotes/origin/bugs/{id}")).is_some(),
        "{}",
        shallow.stderr
    );
    assert!(!shallow.stderr.contains("refused"), "{}", shallow.stderr);
    assert_eq!(env.bug(&b, &["ls", "--format", "id"]).ok().stdout, "");
    let status = env.bug(&b, &["status"]).ok().stdout;
    assert!(
        status.contains(&format!("incomplete: bug {}", human(&id))),
        "{status}"
    );

    env.git(&b, &["fetch", "-q", "--unshallow", "origin"]).ok();
    assert_eq!(
        env.bug(&b, &["ls", "--format", "id"]).ok().stdout.trim(),
        id
    );
    assert_eq!(comment_messages(&show(&env, &b, &id)).len(), 3);
    let status = env.bug(&b, &["status"]).ok().stdout;
    assert!(!status.contains("incomplete"), "{status}");
}

/// A refused bug stays listed by status, with why, until the remote fixes
/// it; then it is merged and no longer listed.
#[test]
fn status_lists_refused_bugs_until_the_remote_fixes_them() {
    let env = TestEnv::new();
    let server = server(&env);
    let a = clone(&env, &server, "a", "Alice");
    let id = new_bug(&env, &a, "Poisoned, then fixed", "fine");
    env.bug(&a, &["push"]).ok();
    let good = bug_head(&env, &a, &id);
    let b = clone(&env, &server, "b", "Bob");
    let craft = Craft {
        sh: Shell::new(&env, None),
        repo: &server,
    };
    let garbage = craft.pack_commit(b"{\"author\":", None, 99, 4, &[&good]);
    craft.set_ref(&bug_ref(&id), &garbage);

    let fetched = env.git(&b, &["fetch"]).ok();
    assert!(fetched.stderr.contains("refused"), "{}", fetched.stderr);
    let pulled = env.bug(&b, &["pull"]).ok();
    assert!(
        !pulled.stderr.contains("refused"),
        "said once: {}",
        pulled.stderr
    );
    for _ in 0..2 {
        let status = env.bug(&b, &["status"]).ok().stdout;
        assert!(
            status.contains(&format!("  refused: bug {}: ", human(&id))),
            "{status}"
        );
    }
    // The remote is fixed: the next fetch merges it, status forgets it.
    env.git(&server, &["update-ref", &bug_ref(&id), &good]).ok();
    comment(&env, &a, &id, "fixed");
    env.bug(&a, &["push"]).ok();
    env.git(&b, &["fetch", "-q"]).ok();
    let status = env.bug(&b, &["status"]).ok().stdout;
    assert!(!status.contains("refused"), "{status}");
    assert_eq!(comment_messages(&show(&env, &b, &id)).len(), 2);
}

/// `git fetch -q` prints nothing of ours when all goes well.
#[test]
fn a_quiet_fetch_is_quiet() {
    let env = TestEnv::new();
    let server = server(&env);
    let a = clone(&env, &server, "a", "Alice");
    for n in 0..3 {
        bug_from_elsewhere(&env, &server, &format!("o{n}"), "From elsewhere");
    }
    let fetched = env.git(&a, &["fetch", "-q"]).ok();
    assert_eq!(fetched.stderr, "");
    assert_eq!(env.bug(&a, &["ls", "--format", "id"]).ok().lines().len(), 3);
}
