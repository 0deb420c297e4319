//! Storage: the bytes `git-bug` writes into git (commits, trees, operation
//! packs, identity versions, clock files) and how it reads hand-made data,
//! broken or unusual (format spec §1-§6).
//!
//! The git plumbing helpers at the top are shared with `interop.rs`.

use crate::common::{Run, TestEnv};
use git_bug::entity::id::{combine, hash_id};
use git_bug::entity::pack::decode_pack;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};

/// The empty blob every `version-*` and `*-clock-*` tree entry points to.
pub const EMPTY_BLOB: &str = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391";

// ---------------------------------------------------------------------------
// Plumbing helpers (shared with interop.rs)
// ---------------------------------------------------------------------------

/// Runs `git ARGS` in `cwd` with `stdin` as standard input, in the same
/// hermetic environment as [`TestEnv::git`], and returns standard output as
/// bytes (binary objects survive). Panics when git fails.
pub fn git_bytes(env: &TestEnv, cwd: &Path, args: &[&str], stdin: &[u8]) -> Vec<u8> {
    let mut cmd = Command::new("git");
    cmd.current_dir(cwd)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", env.path("home"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", env.path("home/.gitconfig"))
        .env("TZ", "UTC")
        .env("LC_ALL", "C")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn git");
    let mut pipe = child.stdin.take().expect("stdin");
    let input = stdin.to_vec();
    // Feed stdin from a thread: git may fill its stdout pipe before reading all of it.
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        pipe.write_all(&input)
    });
    let out = child.wait_with_output().expect("wait for git");
    writer.join().expect("stdin writer").expect("write stdin");
    assert!(
        out.status.success(),
        "git {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// `git ARGS` whose output is one line: that line, trimmed.
pub fn git_line(env: &TestEnv, cwd: &Path, args: &[&str]) -> String {
    env.git(cwd, args).ok().stdout.trim().to_string()
}

/// One object out of `git cat-file --batch`.
#[derive(Debug, Clone)]
pub struct GitObject {
    pub oid: String,
    pub kind: String,
    pub data: Vec<u8>,
}

/// Reads many objects (any revision syntax: `c`, `c^{tree}`, `c:ops`) in a
/// single `git cat-file --batch`, in the order asked.
pub fn cat_file_batch(env: &TestEnv, repo: &Path, specs: &[String]) -> Vec<GitObject> {
    let mut input = specs.join("\n").into_bytes();
    input.push(b'\n');
    let out = git_bytes(env, repo, &["cat-file", "--batch"], &input);
    let mut objects = Vec::with_capacity(specs.len());
    let mut rest = out.as_slice();
    for spec in specs {
        let eol = rest.iter().position(|&b| b == b'\n').expect("batch header");
        let header = String::from_utf8_lossy(&rest[..eol]).into_owned();
        let fields: Vec<&str> = header.split(' ').collect();
        assert_eq!(fields.len(), 3, "{spec}: {header}");
        let size: usize = fields[2].parse().expect("object size");
        let data = rest[eol + 1..eol + 1 + size].to_vec();
        assert_eq!(rest[eol + 1 + size], b'\n', "batch object terminator");
        rest = &rest[eol + 2 + size..];
        objects.push(GitObject {
            oid: fields[0].to_string(),
            kind: fields[1].to_string(),
            data,
        });
    }
    assert!(rest.is_empty(), "unexpected trailing batch output");
    objects
}

/// One entry of a raw git tree object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeEntry {
    pub mode: String,
    pub name: String,
    pub oid: String,
}

/// Parses a raw tree object: `<mode> <name>\0<20-byte hash>` per entry.
pub fn parse_tree(data: &[u8]) -> Vec<TreeEntry> {
    let mut entries = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let space = rest.iter().position(|&b| b == b' ').expect("tree mode");
        let nul = rest.iter().position(|&b| b == 0).expect("tree name");
        let hash = &rest[nul + 1..nul + 21];
        entries.push(TreeEntry {
            mode: String::from_utf8_lossy(&rest[..space]).into_owned(),
            name: String::from_utf8_lossy(&rest[space + 1..nul]).into_owned(),
            oid: hash.iter().map(|b| format!("{b:02x}")).collect(),
        });
        rest = &rest[nul + 21..];
    }
    entries
}

/// The create and edit clocks named by a bug tree (`None` when absent).
pub fn tree_clocks(entries: &[TreeEntry]) -> (Option<u64>, Option<u64>) {
    let clock = |prefix: &str| {
        entries
            .iter()
            .find_map(|e| e.name.strip_prefix(prefix))
            .map(|v| v.parse::<u64>().expect("numeric clock"))
    };
    (clock("create-clock-"), clock("edit-clock-"))
}

/// The parent ids of a raw commit object.
pub fn commit_parents(raw: &str) -> Vec<String> {
    raw.lines()
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.strip_prefix("parent "))
        .map(str::to_string)
        .collect()
}

/// Writes objects by hand, as a foreign or hostile writer would.
pub struct Plumbing<'a> {
    env: &'a TestEnv,
    repo: &'a Path,
}

impl<'a> Plumbing<'a> {
    pub fn new(env: &'a TestEnv, repo: &'a Path) -> Plumbing<'a> {
        Plumbing { env, repo }
    }

    fn oid(&self, args: &[&str], stdin: &[u8]) -> String {
        let out = git_bytes(self.env, self.repo, args, stdin);
        String::from_utf8(out).expect("oid").trim().to_string()
    }

    pub fn blob(&self, bytes: &[u8]) -> String {
        self.oid(&["hash-object", "-w", "--stdin"], bytes)
    }

    /// A tree of blobs, `(name, blob oid)`; `git mktree` sorts them.
    pub fn tree(&self, entries: &[(String, String)]) -> String {
        let listing: String = entries
            .iter()
            .map(|(name, oid)| format!("100644 blob {oid}\t{name}\n"))
            .collect();
        self.oid(&["mktree"], listing.as_bytes())
    }

    /// A commit with git-bug's empty identity and empty message (git
    /// commit-tree refuses an empty name, hash-object does not).
    pub fn commit(&self, tree: &str, parents: &[&str]) -> String {
        let mut raw = format!("tree {tree}\n");
        for parent in parents {
            raw.push_str(&format!("parent {parent}\n"));
        }
        raw.push_str("author  <> 1700000000 +0000\ncommitter  <> 1700000000 +0000\n\n");
        self.oid(
            &["hash-object", "-t", "commit", "-w", "--stdin"],
            raw.as_bytes(),
        )
    }

    /// A bug commit: the `ops` blob, the clock markers and a `version-N`
    /// marker (`None` leaves the version entry out).
    pub fn pack_commit(
        &self,
        ops_blob: &[u8],
        create_clock: Option<u64>,
        edit_clock: u64,
        version: Option<u64>,
        parents: &[&str],
    ) -> String {
        let empty = self.blob(b"");
        assert_eq!(empty, EMPTY_BLOB);
        let mut entries = vec![
            ("ops".to_string(), self.blob(ops_blob)),
            (format!("edit-clock-{edit_clock}"), empty.clone()),
        ];
        if let Some(create) = create_clock {
            entries.push((format!("create-clock-{create}"), empty.clone()));
        }
        if let Some(v) = version {
            entries.push((format!("version-{v}"), empty));
        }
        let tree = self.tree(&entries);
        self.commit(&tree, parents)
    }

    pub fn set_ref(&self, name: &str, commit: &str) {
        self.env.git(self.repo, &["update-ref", name, commit]).ok();
    }
}

/// A 28-character nonce (20 bytes in padded base64), unique per `seed`.
pub fn nonce(seed: &str) -> String {
    format!("{}A=", &hash_id(seed.as_bytes())[..26])
}

/// A create operation as the CLI writes it (no metadata, no files).
pub fn create_op(title: &str) -> String {
    format!(
        r#"{{"type":1,"timestamp":1700000000,"nonce":"{}","title":"{title}","message":"","files":null}}"#,
        nonce(title)
    )
}

/// An add-comment operation.
pub fn comment_op(message: &str) -> String {
    format!(
        r#"{{"type":3,"timestamp":1700000100,"nonce":"{}","message":"{message}","files":null}}"#,
        nonce(message)
    )
}

/// An `ops` blob: `{"author":{"id":…},"ops":[…]}`, or `"ops":null` for `None`.
pub fn pack_blob(author: &str, ops: Option<&[String]>) -> Vec<u8> {
    let ops = match ops {
        Some(ops) => format!("[{}]", ops.join(",")),
        None => "null".to_string(),
    };
    format!(r#"{{"author":{{"id":"{author}"}},"ops":{ops}}}"#).into_bytes()
}

/// The identity `git-bug.identity` names.
pub fn my_identity(env: &TestEnv, repo: &Path) -> String {
    git_line(env, repo, &["config", "git-bug.identity"])
}

/// The commit a bug ref points to.
fn bug_head(env: &TestEnv, repo: &Path, id: &str) -> String {
    git_line(env, repo, &["rev-parse", &format!("refs/bugs/{id}")])
}

/// The raw bytes of an object, as text (commits, JSON blobs).
fn object_text(env: &TestEnv, repo: &Path, spec: &str) -> String {
    let objects = cat_file_batch(env, repo, &[spec.to_string()]);
    String::from_utf8(objects[0].data.clone()).expect("utf-8 object")
}

/// The entries of the tree of `commit`.
fn tree_of(env: &TestEnv, repo: &Path, commit: &str) -> Vec<TreeEntry> {
    parse_tree(&cat_file_batch(env, repo, &[format!("{commit}^{{tree}}")])[0].data)
}

fn read_clock(repo: &Path, name: &str) -> String {
    let path = repo.join(".git/git-bug/clocks").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64
}

/// Checks a commit object is exactly what git-bug writes: `tree`, the given
/// parents, empty author and committer dated now in UTC (TZ=UTC), empty
/// message. Returns the tree id.
#[track_caller]
fn assert_entity_commit(raw: &str, parents: &[&str], written_between: (i64, i64)) -> String {
    let tree = raw
        .strip_prefix("tree ")
        .and_then(|r| r.get(..40))
        .unwrap_or_else(|| panic!("no tree line:\n{raw}"))
        .to_string();
    let author = raw
        .lines()
        .find_map(|l| l.strip_prefix("author  <> "))
        .unwrap_or_else(|| panic!("author line is not `author  <> …`:\n{raw}"));
    let (secs, tz) = author.split_once(' ').expect("author date");
    let secs: i64 = secs.parse().expect("author seconds");
    assert!(
        (written_between.0..=written_between.1).contains(&secs),
        "commit time {secs} not within {written_between:?}"
    );
    assert_eq!(tz, "+0000", "TZ=UTC gives a +0000 offset");
    let mut expected = format!("tree {tree}\n");
    for parent in parents {
        expected.push_str(&format!("parent {parent}\n"));
    }
    expected.push_str(&format!(
        "author  <> {secs} {tz}\ncommitter  <> {secs} {tz}\n\n"
    ));
    assert_eq!(raw, expected, "commit object bytes");
    assert!(raw.ends_with("\n\n"), "empty message");
    tree
}

/// Checks a bug tree: the marker entries (mode 100644, empty blob) and the
/// ops blob, in git's order. Returns the ops blob id.
#[track_caller]
fn assert_bug_tree(entries: &[TreeEntry], create: Option<u64>, edit: u64) -> String {
    let mut names: Vec<String> = Vec::new();
    if let Some(c) = create {
        names.push(format!("create-clock-{c}"));
    }
    names.push(format!("edit-clock-{edit}"));
    names.push("ops".into());
    names.push("version-4".into());
    let actual: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(actual, names, "tree entries");
    for entry in entries {
        assert_eq!(entry.mode, "100644", "mode of {}", entry.name);
        if entry.name != "ops" {
            assert_eq!(
                entry.oid, EMPTY_BLOB,
                "{} points to the empty blob",
                entry.name
            );
        }
    }
    entries
        .iter()
        .find(|e| e.name == "ops")
        .expect("ops")
        .oid
        .clone()
}

/// Splits a CLI-written ops blob into its author and its single operation,
/// checking the envelope bytes.
#[track_caller]
fn single_op(blob: &str) -> (String, String) {
    let rest = blob
        .strip_prefix(r#"{"author":{"id":""#)
        .unwrap_or_else(|| panic!("pack envelope: {blob}"));
    let (author, rest) = rest.split_at(64);
    let op = rest
        .strip_prefix(r#""},"ops":["#)
        .and_then(|r| r.strip_suffix("]}"))
        .unwrap_or_else(|| panic!("pack envelope: {blob}"));
    (author.to_string(), op.to_string())
}

/// Checks the common op prefix `{"type":T,"timestamp":S,"nonce":"<28>",`
/// and returns what follows it.
#[track_caller]
fn op_fields_after_nonce(op: &str, op_type: u8, written_between: (i64, i64)) -> String {
    let rest = op
        .strip_prefix(&format!(r#"{{"type":{op_type},"timestamp":"#))
        .unwrap_or_else(|| panic!("op prefix: {op}"));
    let (secs, rest) = rest.split_once(',').expect("timestamp");
    let secs: i64 = secs.parse().expect("timestamp seconds");
    assert!(
        (written_between.0..=written_between.1).contains(&secs),
        "op timestamp {secs}"
    );
    let rest = rest
        .strip_prefix(r#""nonce":""#)
        .unwrap_or_else(|| panic!("nonce: {op}"));
    let (nonce, rest) = rest.split_at(28);
    assert!(
        nonce.ends_with('=') && !nonce[..27].contains('='),
        "20-byte nonce in padded base64: {nonce}"
    );
    assert!(
        nonce[..27]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/'),
        "base64 nonce: {nonce}"
    );
    rest.strip_prefix("\",")
        .unwrap_or_else(|| panic!("after nonce: {op}"))
        .to_string()
}

/// Standard error is one `error:` line, optionally followed by one `hint:`.
#[track_caller]
pub fn assert_one_line_error(run: &Run) -> String {
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert!(
        !lines.is_empty() && lines.len() <= 2,
        "expected one error line (and a hint):\n{}",
        run.stderr
    );
    assert!(lines[0].starts_with("error: "), "{}", run.stderr);
    if let Some(hint) = lines.get(1) {
        assert!(hint.starts_with("hint: "), "{}", run.stderr);
    }
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    lines[0].to_string()
}

// ---------------------------------------------------------------------------
// 7. Writer byte layout
// ---------------------------------------------------------------------------

/// `bug new` in a fresh repository: one root commit with empty ident and
/// message, tree {create-clock-2, edit-clock-2, ops, version-4}, a compact
/// pack, ref named after the create op, clock files holding "2".
#[test]
fn new_bug_writes_go_layout() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let start = now();
    env.bug(&repo, &["bug", "new", "-t", "Layout", "-m", "Bytes matter"])
        .ok();
    let written = (start, now());
    let me = my_identity(&env, &repo);

    let refs = env
        .git(
            &repo,
            &["for-each-ref", "--format=%(refname)", "refs/bugs/"],
        )
        .ok();
    let refs = refs.lines();
    assert_eq!(refs.len(), 1, "{refs:?}");
    let id = refs[0]
        .strip_prefix("refs/bugs/")
        .expect("bug ref")
        .to_string();

    let head = bug_head(&env, &repo, &id);
    let commit = object_text(&env, &repo, &head);
    assert_entity_commit(&commit, &[], written);
    let ops_oid = assert_bug_tree(&tree_of(&env, &repo, &head), Some(2), 2);

    let blob = object_text(&env, &repo, &ops_oid);
    let (author, op) = single_op(&blob);
    assert_eq!(author, me, "pack author is the user's identity");
    let fields = op_fields_after_nonce(&op, 1, written);
    assert_eq!(
        fields,
        r#""title":"Layout","message":"Bytes matter","files":null}"#
    );
    assert_eq!(
        hash_id(op.as_bytes()),
        id,
        "ref name = sha256 of the create op bytes"
    );

    env.git(&repo, &["cat-file", "-e", EMPTY_BLOB]).ok();
    let fsck = env.git(&repo, &["fsck", "--strict"]).ok();
    assert!(
        !fsck.stderr.contains("error") && !fsck.stderr.contains("warning"),
        "{}",
        fsck.stderr
    );

    assert_eq!(read_clock(&repo, "bugs-create"), "2");
    assert_eq!(read_clock(&repo, "bugs-edit"), "2");
}

/// Edits chain commits: a comment gives a child of the previous head with
/// edit-clock-3 and no create clock; label changes write `null` for the
/// unused side.
#[test]
fn edits_append_child_commits() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let id = env.new_bug(&repo, "Chain", "first");
    let me = my_identity(&env, &repo);
    let root = bug_head(&env, &repo, &id);

    // (command, edit clock, expected op type, expected fields after the nonce)
    let steps: [(&[&str], u64, u8, &str); 3] = [
        (
            &["bug", "comment", "new", id.as_str(), "-m", "second"],
            3,
            3,
            r#""message":"second","files":null}"#,
        ),
        (
            &["bug", "label", "new", id.as_str(), "x"],
            4,
            5,
            r#""added":["x"],"removed":null}"#,
        ),
        (
            &["bug", "label", "rm", id.as_str(), "x"],
            5,
            5,
            r#""added":null,"removed":["x"]}"#,
        ),
    ];
    let mut parent = root;
    for (args, edit, op_type, fields) in steps {
        let start = now();
        env.bug(&repo, args).ok();
        let written = (start, now());
        let head = bug_head(&env, &repo, &id);
        assert_ne!(head, parent, "{args:?} wrote a commit");
        assert_entity_commit(&object_text(&env, &repo, &head), &[&parent], written);
        let ops_oid = assert_bug_tree(&tree_of(&env, &repo, &head), None, edit);
        let (author, op) = single_op(&object_text(&env, &repo, &ops_oid));
        assert_eq!(author, me);
        assert_eq!(
            op_fields_after_nonce(&op, op_type, written),
            fields,
            "{args:?}"
        );
        assert_eq!(read_clock(&repo, "bugs-edit"), edit.to_string());
        assert_eq!(
            read_clock(&repo, "bugs-create"),
            "2",
            "edits leave the create clock"
        );
        parent = head;
    }
    env.git(&repo, &["fsck", "--strict"]).ok();
}

/// The identity made for the user: a single commit whose tree has only a
/// `version` blob with Go's key order; ref name = sha256 of that blob.
#[test]
fn identity_written_like_go() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let start = now();
    env.bug(&repo, &["bug", "new", "-t", "Who", "-m", "me"])
        .ok();
    let written = (start, now());
    let me = my_identity(&env, &repo);
    assert_eq!(me.len(), 64);

    let refs = env
        .git(
            &repo,
            &["for-each-ref", "--format=%(refname)", "refs/identities/"],
        )
        .ok();
    assert_eq!(refs.lines(), vec![format!("refs/identities/{me}").as_str()]);
    let head = git_line(
        &env,
        &repo,
        &["rev-parse", &format!("refs/identities/{me}")],
    );
    assert_entity_commit(&object_text(&env, &repo, &head), &[], written);
    let entries = tree_of(&env, &repo, &head);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(
        (entries[0].mode.as_str(), entries[0].name.as_str()),
        ("100644", "version")
    );

    let blob = object_text(&env, &repo, &entries[0].oid);
    assert_eq!(
        hash_id(blob.as_bytes()),
        me,
        "identity id = sha256 of the first version"
    );
    // Rebuild the exact bytes from the decoded values, in Go's key order.
    let v: serde_json::Value = serde_json::from_str(&blob).expect("version JSON");
    let times: BTreeMap<String, u64> = serde_json::from_value(v["times"].clone()).expect("times");
    let times: Vec<String> = times.iter().map(|(k, n)| format!("\"{k}\":{n}")).collect();
    let unix_time = v["unix_time"].as_i64().expect("unix_time");
    assert!((written.0..=written.1).contains(&unix_time));
    let nonce = v["nonce"].as_str().expect("nonce");
    assert_eq!(nonce.len(), 28);
    let expected = format!(
        r#"{{"version":2,"times":{{{}}},"unix_time":{unix_time},"name":"Jane Doe","email":"jane@example.com","nonce":"{nonce}"}}"#,
        times.join(",")
    );
    assert_eq!(blob, expected);
    env.git(&repo, &["fsck", "--strict"]).ok();
}

// ---------------------------------------------------------------------------
// 8. Go escaping on write
// ---------------------------------------------------------------------------

/// `<`, `>`, `&` are stored as `\u003c`, `\u003e`, `\u0026`, U+2028 as
/// `\u2028`, non-ASCII raw, `/` unescaped; everything reads back unchanged.
#[test]
fn text_is_escaped_like_go() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let title = "Fix <b> & \"quotes\" — café 日本 \\ a/b";
    let message = "line <tag> & more\n\tindented é ü 😀\u{2028}end";
    let comment = "x < y && y > z: ✓";
    let label = "a<b>&c";
    let id = env.new_bug(&repo, title, message);
    env.bug(&repo, &["bug", "comment", "new", &id, "-m", comment])
        .ok();
    env.bug(&repo, &["bug", "label", "new", &id, label]).ok();

    // Oldest first: create, comment, label.
    let commits = env
        .git(
            &repo,
            &["rev-list", "--reverse", &format!("refs/bugs/{id}")],
        )
        .ok();
    let blobs: Vec<String> = commits
        .lines()
        .iter()
        .map(|c| object_text(&env, &repo, &format!("{c}:ops")))
        .collect();
    assert_eq!(blobs.len(), 3);
    // Raw strings: exactly the bytes stored.
    let (_, create) = single_op(&blobs[0]);
    let stored_title = r#""title":"Fix \u003cb\u003e \u0026 \"quotes\" — café 日本 \\ a/b","#;
    let stored_message =
        r#""message":"line \u003ctag\u003e \u0026 more\n\tindented é ü 😀\u2028end","files":null}"#;
    assert!(
        create.ends_with(&format!("{stored_title}{stored_message}")),
        "{create}"
    );
    assert_eq!(hash_id(create.as_bytes()), id);
    let (_, added) = single_op(&blobs[1]);
    let stored_comment = r#""message":"x \u003c y \u0026\u0026 y \u003e z: ✓","files":null}"#;
    assert!(added.ends_with(stored_comment), "{added}");
    let (_, labelled) = single_op(&blobs[2]);
    let stored_label = r#""added":["a\u003cb\u003e\u0026c"],"removed":null}"#;
    assert!(labelled.ends_with(stored_label), "{labelled}");

    // Read back through the binary: the same text comes out.
    let show = env
        .bug(&repo, &["bug", "show", &id, "--format", "json"])
        .ok();
    assert!(
        show.stdout.contains("\\u003c"),
        "JSON output escapes like Go:\n{}",
        show.stdout
    );
    let v = show.json();
    assert_eq!(v["title"], title);
    assert_eq!(v["comments"][0]["message"], message);
    assert_eq!(v["comments"][1]["message"], comment);
    assert_eq!(v["labels"], serde_json::json!([label]));
    assert_eq!(
        env.bug(&repo, &["bug", "title", &id]).ok().stdout,
        format!("{title}\n")
    );
}

// ---------------------------------------------------------------------------
// 9. Corrupt, unknown and unusual data
// ---------------------------------------------------------------------------

/// One hand-made bad bug: its ref id and what the error must say.
struct BadBug {
    what: &'static str,
    id: String,
    expect: &'static str,
}

/// Builds bad bugs by plumbing next to two good ones: `bug show` of each bad
/// one fails with exit 1 and a one-line error naming the problem, while the
/// listing still shows the good bugs and warns about each bad one.
#[test]
fn corrupt_bugs_fail_alone() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let good = [
        env.new_bug(&repo, "Good one", "fine"),
        env.new_bug(&repo, "Good two", "fine too"),
    ];
    let me = my_identity(&env, &repo);
    let p = Plumbing::new(&env, &repo);
    let mut bad = Vec::new();

    // A bug whose root pack holds `ops` by `author`, named after its first op.
    let mut root_bug = |what, title: &str, extra: &[String], version, expect| {
        let mut ops = vec![create_op(title)];
        ops.extend_from_slice(extra);
        let commit = p.pack_commit(&pack_blob(&me, Some(&ops)), Some(10), 10, version, &[]);
        let id = hash_id(ops[0].as_bytes());
        p.set_ref(&format!("refs/bugs/{id}"), &commit);
        bad.push(BadBug { what, id, expect });
    };
    let unknown = format!(
        r#"{{"type":99,"timestamp":1700000000,"nonce":"{}"}}"#,
        nonce("99")
    );
    root_bug(
        "unknown op type",
        "Unknown op",
        &[unknown],
        Some(4),
        "unknown operation type 99",
    );
    root_bug(
        "version-3",
        "Old format",
        &[],
        Some(3),
        "outdated repository format",
    );
    root_bug("version-5", "New format", &[], Some(5), "too old");
    root_bug(
        "no version entry",
        "No format",
        &[],
        None,
        "unreadable data",
    );

    // The ops blob is not JSON.
    let commit = p.pack_commit(b"this is not JSON", Some(10), 10, Some(4), &[]);
    let id = hash_id(b"not json");
    p.set_ref(&format!("refs/bugs/{id}"), &commit);
    bad.push(BadBug {
        what: "ops not JSON",
        id,
        expect: "not valid JSON",
    });

    // The pack author has no identity in the repository.
    let ops = [create_op("Ghost author")];
    let ghost = hash_id(b"nobody");
    let commit = p.pack_commit(&pack_blob(&ghost, Some(&ops)), Some(10), 10, Some(4), &[]);
    let id = hash_id(ops[0].as_bytes());
    p.set_ref(&format!("refs/bugs/{id}"), &commit);
    bad.push(BadBug {
        what: "missing author identity",
        id,
        expect: "doesn't exist",
    });

    // A child whose edit clock is not above its parent's (equal, then lower).
    for (what, title, child_clock) in [
        ("equal clocks", "Equal clock", 20),
        ("clock going back", "Back clock", 19),
    ] {
        let ops = [create_op(title)];
        let root = p.pack_commit(&pack_blob(&me, Some(&ops)), Some(10), 20, Some(4), &[]);
        let child = p.pack_commit(
            &pack_blob(&me, Some(&[comment_op(title)])),
            None,
            child_clock,
            Some(4),
            &[&root],
        );
        let id = hash_id(ops[0].as_bytes());
        p.set_ref(&format!("refs/bugs/{id}"), &child);
        bad.push(BadBug {
            what,
            id,
            expect: "lamport clock ordering",
        });
    }

    // A merge commit carrying operations.
    let ops = [create_op("Busy merge")];
    let root = p.pack_commit(&pack_blob(&me, Some(&ops)), Some(10), 10, Some(4), &[]);
    let a = p.pack_commit(
        &pack_blob(&me, Some(&[comment_op("a")])),
        None,
        11,
        Some(4),
        &[&root],
    );
    let b = p.pack_commit(
        &pack_blob(&me, Some(&[comment_op("b")])),
        None,
        12,
        Some(4),
        &[&root],
    );
    let merge = p.pack_commit(
        &pack_blob(&me, Some(&[comment_op("m")])),
        None,
        13,
        Some(4),
        &[&a, &b],
    );
    let id = hash_id(ops[0].as_bytes());
    p.set_ref(&format!("refs/bugs/{id}"), &merge);
    bad.push(BadBug {
        what: "merge with ops",
        id,
        expect: "merge commit cannot have operations",
    });

    // The ref name is not the id of the first op.
    let ops = [create_op("Misnamed")];
    let commit = p.pack_commit(&pack_blob(&me, Some(&ops)), Some(10), 10, Some(4), &[]);
    let id = hash_id(b"some other id");
    p.set_ref(&format!("refs/bugs/{id}"), &commit);
    bad.push(BadBug {
        what: "ref name is not the op id",
        id,
        expect: "first operation does not create this bug",
    });

    // The first op is not a create.
    let ops = [comment_op("No create")];
    let commit = p.pack_commit(&pack_blob(&me, Some(&ops)), Some(10), 10, Some(4), &[]);
    let id = hash_id(ops[0].as_bytes());
    p.set_ref(&format!("refs/bugs/{id}"), &commit);
    bad.push(BadBug {
        what: "first op not create",
        id,
        expect: "first operation does not create this bug",
    });

    for b in &bad {
        let run = env.bug(&repo, &["bug", "show", &b.id]).fails(1);
        let line = assert_one_line_error(&run);
        assert!(
            line.contains(b.expect),
            "{}: expected {:?} in {line:?}",
            b.what,
            b.expect
        );
        assert!(
            line.contains(&b.id[..7]),
            "{}: the error names the bug: {line:?}",
            b.what
        );
    }

    for args in [&["ls"][..], &["bug", "--format", "plain"][..]] {
        let run = env.bug(&repo, args).ok();
        let lines = run.lines();
        assert_eq!(
            lines.len(),
            2,
            "{args:?} lists only the good bugs:\n{}",
            run.stdout
        );
        assert_eq!(lines[0], format!("{}\topen\tGood one", &good[0][..7]));
        assert_eq!(lines[1], format!("{}\topen\tGood two", &good[1][..7]));
        let warnings: Vec<&str> = run.stderr.lines().collect();
        assert_eq!(
            warnings.len(),
            bad.len(),
            "one warning per bad bug:\n{}",
            run.stderr
        );
        for b in &bad {
            let found = warnings.iter().find(|w| w.contains(&b.id[..7]));
            let w =
                found.unwrap_or_else(|| panic!("{}: no warning names it:\n{}", b.what, run.stderr));
            assert!(
                w.starts_with("warning: ") && w.contains(b.expect),
                "{}: {w}",
                b.what
            );
        }
    }
}

/// A hand-made merge DAG (two branches, a merge commit with `"ops":null`,
/// parents [a, b]) reads fine; ops are ordered by (edit clock, pack id),
/// not by DAG shape; a new comment builds on the merge head.
#[test]
fn merge_dag_reads_in_clock_then_pack_id_order() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    env.new_bug(&repo, "Written by the CLI", "so that an identity exists");
    let me = my_identity(&env, &repo);
    let p = Plumbing::new(&env, &repo);

    // Both branches at edit clock 6: the pack with the smaller id comes first.
    let create = [create_op("Tie")];
    let root = p.pack_commit(&pack_blob(&me, Some(&create)), Some(5), 5, Some(4), &[]);
    let alpha = pack_blob(&me, Some(&[comment_op("alpha")]));
    let beta = pack_blob(&me, Some(&[comment_op("beta")]));
    let a = p.pack_commit(&alpha, None, 6, Some(4), &[&root]);
    let b = p.pack_commit(&beta, None, 6, Some(4), &[&root]);
    let merge = p.pack_commit(&pack_blob(&me, None), None, 7, Some(4), &[&a, &b]);
    let after = p.pack_commit(
        &pack_blob(&me, Some(&[comment_op("after")])),
        None,
        8,
        Some(4),
        &[&merge],
    );
    let tie = hash_id(create[0].as_bytes());
    p.set_ref(&format!("refs/bugs/{tie}"), &after);
    let mut branches = [(hash_id(&alpha), "alpha"), (hash_id(&beta), "beta")];
    branches.sort();

    // The first parent has the higher clock: clocks decide, not parent order.
    let create = [create_op("Clocks")];
    let root = p.pack_commit(&pack_blob(&me, Some(&create)), Some(6), 6, Some(4), &[]);
    let second = p.pack_commit(
        &pack_blob(&me, Some(&[comment_op("second")])),
        None,
        9,
        Some(4),
        &[&root],
    );
    let first = p.pack_commit(
        &pack_blob(&me, Some(&[comment_op("first")])),
        None,
        8,
        Some(4),
        &[&root],
    );
    let merge = p.pack_commit(&pack_blob(&me, None), None, 10, Some(4), &[&second, &first]);
    let clocks = hash_id(create[0].as_bytes());
    p.set_ref(&format!("refs/bugs/{clocks}"), &merge);

    env.git(&repo, &["fsck", "--strict"]).ok();
    let messages = |id: &str| -> Vec<String> {
        let v = env
            .bug(&repo, &["bug", "show", id, "--format", "json"])
            .ok()
            .json();
        let comments = v["comments"].as_array().expect("comments").clone();
        comments
            .iter()
            .map(|c| c["message"].as_str().expect("message").to_string())
            .collect()
    };
    assert_eq!(messages(&tie), ["", branches[0].1, branches[1].1, "after"]);
    assert_eq!(messages(&clocks), ["", "first", "second"]);

    let list = env.bug(&repo, &["ls"]).ok();
    assert_eq!(list.lines().len(), 3, "{}", list.stdout);
    assert!(list.stderr.is_empty(), "{}", list.stderr);

    // Writing on top of the merge: parent = merge commit, clock above it.
    env.bug(&repo, &["bug", "comment", "new", &clocks, "-m", "third"])
        .ok();
    let head = bug_head(&env, &repo, &clocks);
    assert_eq!(commit_parents(&object_text(&env, &repo, &head)), [merge]);
    let (_, edit) = tree_clocks(&tree_of(&env, &repo, &head));
    assert_eq!(edit, Some(11));
    assert_eq!(messages(&clocks), ["", "first", "second", "third"]);
}

// ---------------------------------------------------------------------------
// 10. Ids
// ---------------------------------------------------------------------------

/// Comment ids are combine(bug id, op id) of the create / add-comment ops;
/// an edit targets the op id (not the combined id) of the comment it edits.
#[test]
fn comment_ids_combine_bug_and_op_ids() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let id = env.new_bug(&repo, "Ids", "description");
    env.bug(&repo, &["bug", "comment", "new", &id, "-m", "one"])
        .ok();
    env.bug(&repo, &["bug", "comment", "new", &id, "-m", "two"])
        .ok();

    let v = env
        .bug(&repo, &["bug", "show", &id, "--format", "json"])
        .ok()
        .json();
    let shown: Vec<String> = v["comments"]
        .as_array()
        .expect("comments")
        .iter()
        .map(|c| c["id"].as_str().expect("id").to_string())
        .collect();

    let commits = env
        .git(
            &repo,
            &["rev-list", "--reverse", &format!("refs/bugs/{id}")],
        )
        .ok();
    let specs: Vec<String> = commits.lines().iter().map(|c| format!("{c}:ops")).collect();
    let op_ids: Vec<String> = cat_file_batch(&env, &repo, &specs)
        .iter()
        .flat_map(|o| decode_pack(&o.data).expect("pack").1)
        .map(|op| op.id)
        .collect();
    assert_eq!(op_ids.len(), 3);
    assert_eq!(op_ids[0], id, "the bug id is the id of its create op");
    let expected: Vec<String> = op_ids.iter().map(|op| combine(&id, op)).collect();
    assert_eq!(shown, expected);
    for (i, c) in v["comments"]
        .as_array()
        .expect("comments")
        .iter()
        .enumerate()
    {
        assert_eq!(c["human_id"], expected[i][..7], "human id of comment {i}");
    }
    let listed = env.bug(&repo, &["bug", "comment", &id]).ok();
    let listed: Vec<&str> = listed
        .lines()
        .into_iter()
        .filter_map(|l| l.strip_prefix("Id: "))
        .collect();
    let humans: Vec<&str> = expected.iter().map(|c| &c[..7]).collect();
    assert_eq!(listed, humans);

    // Edit comment "one" through its human id: the op targets its op id.
    env.bug(
        &repo,
        &[
            "bug",
            "comment",
            "edit",
            &expected[1][..7],
            "-m",
            "one, edited",
        ],
    )
    .ok();
    let head = bug_head(&env, &repo, &id);
    let (_, edit) = single_op(&object_text(&env, &repo, &format!("{head}:ops")));
    assert!(
        edit.contains(&format!(
            r#""target":"{}","message":"one, edited","files":null}}"#,
            op_ids[1]
        )),
        "{edit}"
    );
    let v = env
        .bug(&repo, &["bug", "show", &id, "--format", "json"])
        .ok()
        .json();
    assert_eq!(v["comments"][1]["message"], "one, edited");
    assert_eq!(
        v["comments"][1]["id"], expected[1],
        "editing keeps the comment id"
    );
}
