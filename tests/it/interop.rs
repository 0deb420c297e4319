//! Interoperability with data written by the Go git-bug: the fixture bundle
//! (20 bugs, 28 identities taken from git-bug's own bug database) must read
//! as `gitbug-sample.expected.json` says, re-encode byte for byte, and be
//! extended without breaking its invariants (format spec §1-§7, §9).

use crate::common::{TestEnv, fixtures};
use crate::storage::{
    TreeEntry, assert_one_line_error, cat_file_batch, commit_parents, git_line, parse_tree,
    tree_clocks,
};
use git_bug::bug::Operation;
use git_bug::entity::id::{combine, hash_id};
use git_bug::entity::pack::decode_pack;
use git_bug::identity::Version;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

// ---------------------------------------------------------------------------
// The sample's raw objects, read with git (not with the code under test)
// ---------------------------------------------------------------------------

/// One commit of a bug: its raw object, tree and `ops` blob.
struct BugCommit {
    oid: String,
    parents: Vec<String>,
    raw: String,
    tree: Vec<TreeEntry>,
    ops: Vec<u8>,
    create_clock: Option<u64>,
    edit_clock: u64,
}

/// A bug ref and every commit reachable from it.
struct RawBug {
    id: String,
    commits: Vec<BugCommit>,
}

impl RawBug {
    fn root(&self) -> &BugCommit {
        let roots: Vec<&BugCommit> = self
            .commits
            .iter()
            .filter(|c| c.parents.is_empty())
            .collect();
        assert_eq!(roots.len(), 1, "bug {} has one root", self.id);
        roots[0]
    }

    /// Packs in read order: by edit clock, then pack id (sha256 of the blob).
    fn ordered(&self) -> Vec<&BugCommit> {
        let mut packs: Vec<&BugCommit> = self.commits.iter().collect();
        packs.sort_by_key(|c| (c.edit_clock, hash_id(&c.ops)));
        packs
    }

    /// Every op in read order, as (op id, decoded op).
    fn ops(&self) -> Vec<(String, Operation)> {
        self.ordered()
            .iter()
            .flat_map(|c| decode_pack(&c.ops).expect("pack").1)
            .map(|raw| (raw.id, Operation::decode(&raw.json).expect("op")))
            .collect()
    }
}

/// An identity ref and its versions, oldest first: (raw commit, tree, blob).
struct RawIdentity {
    id: String,
    versions: Vec<(String, Vec<TreeEntry>, Vec<u8>)>,
}

fn ref_ids(env: &TestEnv, repo: &Path, prefix: &str) -> Vec<String> {
    let refs = env
        .git(repo, &["for-each-ref", "--format=%(refname)", prefix])
        .ok();
    refs.lines()
        .iter()
        .map(|r| r.strip_prefix(prefix).expect("prefix").to_string())
        .collect()
}

/// Every bug of the repository, from `git rev-list` and one `cat-file --batch`.
fn load_bugs(env: &TestEnv, repo: &Path) -> Vec<RawBug> {
    let mut dags = Vec::new();
    let mut specs = Vec::new();
    for id in ref_ids(env, repo, "refs/bugs/") {
        let revs = env
            .git(repo, &["rev-list", "--parents", &format!("refs/bugs/{id}")])
            .ok();
        let commits: Vec<(String, Vec<String>)> = revs
            .lines()
            .iter()
            .map(|l| {
                let mut words = l.split(' ').map(str::to_string);
                (words.next().expect("commit"), words.collect())
            })
            .collect();
        for (c, _) in &commits {
            specs.extend([c.clone(), format!("{c}^{{tree}}"), format!("{c}:ops")]);
        }
        dags.push((id, commits));
    }
    let mut objects = cat_file_batch(env, repo, &specs).into_iter();
    dags.into_iter()
        .map(|(id, commits)| RawBug {
            id,
            commits: commits
                .into_iter()
                .map(|(oid, parents)| {
                    let (raw, tree, ops) = (
                        objects.next().unwrap(),
                        objects.next().unwrap(),
                        objects.next().unwrap(),
                    );
                    assert_eq!(
                        (raw.kind.as_str(), tree.kind.as_str(), ops.kind.as_str()),
                        ("commit", "tree", "blob")
                    );
                    assert_eq!(raw.oid, oid);
                    let raw = String::from_utf8(raw.data).expect("utf-8 commit");
                    assert_eq!(commit_parents(&raw), parents);
                    let tree = parse_tree(&tree.data);
                    let (create_clock, edit_clock) = tree_clocks(&tree);
                    BugCommit {
                        oid,
                        parents,
                        raw,
                        tree,
                        ops: ops.data,
                        create_clock,
                        edit_clock: edit_clock.expect("edit clock"),
                    }
                })
                .collect(),
        })
        .collect()
}

/// Every identity of the repository, versions oldest first.
fn load_identities(env: &TestEnv, repo: &Path) -> Vec<RawIdentity> {
    let mut chains = Vec::new();
    let mut specs = Vec::new();
    for id in ref_ids(env, repo, "refs/identities/") {
        let revs = env
            .git(
                repo,
                &["rev-list", "--reverse", &format!("refs/identities/{id}")],
            )
            .ok();
        let commits: Vec<String> = revs.lines().iter().map(|s| s.to_string()).collect();
        for c in &commits {
            specs.extend([c.clone(), format!("{c}^{{tree}}"), format!("{c}:version")]);
        }
        chains.push((id, commits.len()));
    }
    let mut objects = cat_file_batch(env, repo, &specs).into_iter();
    chains
        .into_iter()
        .map(|(id, n)| RawIdentity {
            id,
            versions: (0..n)
                .map(|_| {
                    let (raw, tree, blob) = (
                        objects.next().unwrap(),
                        objects.next().unwrap(),
                        objects.next().unwrap(),
                    );
                    (
                        String::from_utf8(raw.data).expect("commit"),
                        parse_tree(&tree.data),
                        blob.data,
                    )
                })
                .collect(),
        })
        .collect()
}

/// `gitbug-sample.expected.json`, sorted by id.
fn expected_state() -> Vec<Value> {
    let path = fixtures().join("gitbug-sample.expected.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut bugs: Vec<Value> = serde_json::from_str::<Value>(&text)
        .expect("expected JSON")
        .as_array()
        .expect("array")
        .clone();
    bugs.sort_by_key(|b| b["id"].as_str().expect("id").to_string());
    bugs
}

/// JSON `null` labels (never labelled) compare as `[]`, as in expected.json.
fn labels_or_empty(labels: &Value) -> Value {
    if labels.is_null() {
        json!([])
    } else {
        labels.clone()
    }
}

fn show_json(env: &TestEnv, repo: &Path, id: &str) -> Value {
    env.bug(repo, &["bug", "show", id, "--format", "json"])
        .ok()
        .json()
}

/// Go's default time layout in UTC: `2025-01-19 05:13:17 +0000 UTC`.
fn go_time(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds)
        .expect("time")
        .strftime("%Y-%m-%d %H:%M:%S +0000 UTC")
        .to_string()
}

/// `name (login)`, or whichever is set (spec §2.6.1).
fn display(who: &Value) -> String {
    let (name, login) = (
        who["name"].as_str().unwrap_or(""),
        who["login"].as_str().unwrap_or(""),
    );
    match (name.is_empty(), login.is_empty()) {
        (false, false) => format!("{name} ({login})"),
        (false, true) => name.to_string(),
        _ => login.to_string(),
    }
}

fn read_clock(repo: &Path, name: &str) -> String {
    let path = repo.join(".git/git-bug/clocks").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

// ---------------------------------------------------------------------------
// 1. The compiled state matches expected.json exactly
// ---------------------------------------------------------------------------

#[test]
fn sample_matches_expected_state() {
    let env = TestEnv::new();
    let repo = env.sample_repo("s");
    let expected = expected_state();
    assert_eq!(expected.len(), 20);

    // The listing: id, title, status, labels, author name, comment count.
    let list = env.bug(&repo, &["bug", "--format", "json"]).ok();
    assert!(list.stderr.is_empty(), "{}", list.stderr);
    let mut listed: Vec<Value> = list
        .json()
        .as_array()
        .expect("array")
        .iter()
        .map(|b| {
            json!({
                "id": b["id"], "title": b["title"], "status": b["status"],
                "labels": labels_or_empty(&b["labels"]), "author": b["author"]["name"],
                "comments": b["comments"],
            })
        })
        .collect();
    listed.sort_by_key(|b| b["id"].as_str().expect("id").to_string());
    let summary: Vec<Value> = expected
        .iter()
        .map(|b| {
            json!({
                "id": b["id"], "title": b["title"], "status": b["status"], "labels": b["labels"],
                "author": b["author"], "comments": b["comments"].as_array().expect("comments").len(),
            })
        })
        .collect();
    assert_eq!(listed, summary);

    // Every bug in full: the same shape as expected.json, compared whole.
    let shown: Vec<Value> = expected
        .iter()
        .map(|b| {
            let v = show_json(&env, &repo, b["id"].as_str().expect("id"));
            let comments: Vec<Value> = v["comments"]
                .as_array()
                .expect("comments")
                .iter()
                .map(|c| json!({"author": c["author"]["name"], "message": c["message"]}))
                .collect();
            json!({
                "id": v["id"], "title": v["title"], "status": v["status"],
                "labels": labels_or_empty(&v["labels"]), "author": v["author"]["name"],
                "comments": comments,
            })
        })
        .collect();
    for (got, want) in shown.iter().zip(&expected) {
        assert_eq!(got, want, "bug {}", want["id"]);
    }
    assert_eq!(shown, expected);
}

// ---------------------------------------------------------------------------
// 2. Re-encoding reproduces every stored byte; ids are hashes of those bytes
// ---------------------------------------------------------------------------

#[test]
fn sample_packs_and_identities_reencode_byte_for_byte() {
    let env = TestEnv::new();
    let repo = env.sample_repo("s");
    // The hash itself, on a spec vector (§2.4 type-1 example → bug 514a428…).
    let spec_op = r#"{"type":1,"timestamp":1737263597,"nonce":"l3G/D0gl2j9JFYDV/SI2dbsbb4s=","metadata":{"github-id":"I_kwDOCGKeh86mvUtt","github-url":"https://github.com/git-bug/git-bug/issues/1325","origin":"github"},"title":"git bug","message":"Hahaha","files":null}"#;
    assert_eq!(
        hash_id(spec_op.as_bytes()),
        "514a42873fec7a84af7ceecf95241e78ff6951aaa6302efd875689f9ffa85a8d"
    );

    let bugs = load_bugs(&env, &repo);
    assert_eq!(bugs.len(), 20);
    assert_eq!(bugs.iter().map(|b| b.commits.len()).sum::<usize>(), 141);
    let mut ops_seen = 0;
    for bug in &bugs {
        for commit in &bug.commits {
            let (author, raw_ops) =
                decode_pack(&commit.ops).unwrap_or_else(|e| panic!("{}: {e}", commit.oid));
            let mut rebuilt = format!(r#"{{"author":{{"id":"{author}"}},"ops":["#).into_bytes();
            for (i, raw) in raw_ops.iter().enumerate() {
                assert_eq!(
                    raw.id,
                    hash_id(raw.json.as_bytes()),
                    "op id = sha256 of its bytes"
                );
                let op =
                    Operation::decode(&raw.json).unwrap_or_else(|e| panic!("{}: {e}", commit.oid));
                let encoded = op.to_json().to_compact();
                assert_eq!(
                    String::from_utf8_lossy(&encoded),
                    raw.json,
                    "op {} of {}",
                    raw.id,
                    commit.oid
                );
                if i > 0 {
                    rebuilt.push(b',');
                }
                rebuilt.extend_from_slice(&encoded);
                ops_seen += 1;
            }
            rebuilt.extend_from_slice(b"]}");
            assert!(
                rebuilt == commit.ops,
                "pack of {} re-encodes identically",
                commit.oid
            );

            // Go's commit layout: empty ident, empty message, version-4, markers on the empty blob.
            assert!(
                commit.raw.contains("\nauthor  <> ") && commit.raw.contains("\ncommitter  <> "),
                "{}",
                commit.raw
            );
            assert!(commit.raw.ends_with("\n\n"), "{}", commit.raw);
            assert!(commit.tree.iter().any(|e| e.name == "version-4"));
            assert_eq!(
                commit.create_clock.is_some(),
                commit.parents.is_empty(),
                "create clock on the root only"
            );
        }
        let root = bug.root();
        let (_, root_ops) = decode_pack(&root.ops).expect("root pack");
        assert_eq!(
            root_ops[0].id, bug.id,
            "ref name = id of the root's first op"
        );
        assert!(
            root_ops[0].json.starts_with(r#"{"type":1,"#),
            "the root starts with a create op"
        );
    }
    assert!(ops_seen > 141, "packs hold several ops");

    let identities = load_identities(&env, &repo);
    assert_eq!(identities.len(), 28);
    for identity in &identities {
        for (raw, tree, blob) in &identity.versions {
            assert_eq!(tree.len(), 1);
            assert_eq!(
                (tree[0].mode.as_str(), tree[0].name.as_str()),
                ("100644", "version")
            );
            assert!(
                raw.contains("\nauthor  <> ") && raw.ends_with("\n\n"),
                "{raw}"
            );
            let version: Version = serde_json::from_slice(blob).expect("version JSON");
            assert_eq!(version.version, 2);
            let encoded = version.to_json().to_compact();
            assert_eq!(
                String::from_utf8_lossy(&encoded),
                String::from_utf8_lossy(blob),
                "identity {}",
                identity.id
            );
        }
        assert_eq!(
            hash_id(&identity.versions[0].2),
            identity.id,
            "identity id = sha256 of its first version"
        );
    }
}

// ---------------------------------------------------------------------------
// 3. Spec vectors present in the sample; combined comment ids
// ---------------------------------------------------------------------------

#[test]
fn sample_comment_ids_and_spec_vectors() {
    let env = TestEnv::new();
    let repo = env.sample_repo("s");

    // §3.6 upstream interleaving vector (no data needed).
    let p = format!(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX{}",
        "_".repeat(14)
    );
    let s = format!("YZ0123456789+/{}", "_".repeat(48));
    assert_eq!(
        combine(&p, &s),
        "aYbZc0def1ghij2klmn3opqr4stuv5wxyz6ABCD7EFGH8IJKL9MNOP+QRST/UVWX"
    );

    // Of the spec's worked bugs (514a428, 97d8166, e124b12) and identities
    // (02cf559, 3f0566f, 4d85ccd), only 4d85ccd (§2.6) is in the sample.
    let bugs = ref_ids(&env, &repo, "refs/bugs/");
    for absent in ["514a428", "97d8166", "e124b12"] {
        assert!(
            !bugs.iter().any(|id| id.starts_with(absent)),
            "{absent} is not in the sample"
        );
    }
    let sudoforge = "4d85ccdde3ad47c902de21b580354b67ed0cb07caa04e32d04ea93112f7f027e";
    let blob = env
        .git(
            &repo,
            &[
                "cat-file",
                "blob",
                &format!("refs/identities/{sudoforge}:version"),
            ],
        )
        .ok();
    assert_eq!(
        blob.stdout,
        r#"{"version":2,"times":{},"unix_time":1747849930,"name":"sudoforge","email":"no-reply@sudoforge.com","nonce":"VvnhVbimMOvtO+7e7LFPpKe3vRE=","metadata":{"github-login":"sudoforge"}}"#
    );
    assert_eq!(hash_id(blob.stdout.as_bytes()), sudoforge);

    // Comment ids = combine(bug id, op id) of the create and add-comment ops
    // in read order; every edit targets one of those ops of the same bug.
    let mut total = 0;
    for bug in load_bugs(&env, &repo) {
        let ops = bug.ops();
        let comment_ops: Vec<&String> = ops
            .iter()
            .filter(|(id, op)| match op.kind.type_code() {
                1 => *id == bug.id,
                3 => true,
                _ => false,
            })
            .map(|(id, _)| id)
            .collect();
        for (_, op) in &ops {
            if let git_bug::bug::OpKind::EditComment { target, .. } = &op.kind {
                assert!(
                    comment_ops.contains(&target),
                    "edit target {target} is a comment of {}",
                    bug.id
                );
            }
        }
        let expected: Vec<String> = comment_ops.iter().map(|op| combine(&bug.id, op)).collect();
        let v = show_json(&env, &repo, &bug.id);
        let shown: Vec<(String, String)> = v["comments"]
            .as_array()
            .expect("comments")
            .iter()
            .map(|c| {
                (
                    c["id"].as_str().unwrap().to_string(),
                    c["human_id"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let wanted: Vec<(String, String)> = expected
            .iter()
            .map(|c| (c.clone(), c[..7].to_string()))
            .collect();
        assert_eq!(shown, wanted, "comment ids of {}", bug.id);
        total += shown.len();
    }
    let expected_total: usize = expected_state()
        .iter()
        .map(|b| b["comments"].as_array().unwrap().len())
        .sum();
    assert_eq!(total, expected_total);
}

// ---------------------------------------------------------------------------
// 4. Text output goldens
// ---------------------------------------------------------------------------

/// Bug `34d274b`: closed, two labels, two comments by two people, one of
/// whom (sudoforge) has an email.
const GOLDEN_BUG: &str = "34d274b";

#[test]
fn sample_text_outputs() {
    let env = TestEnv::new();
    let repo = env.sample_repo("s");
    let bugs = load_bugs(&env, &repo);
    let expected: BTreeMap<String, Value> = expected_state()
        .into_iter()
        .map(|b| (b["id"].as_str().unwrap().to_string(), b))
        .collect();

    // Plain listing: creation (create clock) order, `<human>\t<status>\t<title>`.
    let mut by_creation: Vec<(u64, &str)> = bugs
        .iter()
        .map(|b| (b.root().create_clock.expect("create clock"), b.id.as_str()))
        .collect();
    by_creation.sort();
    let plain: String = by_creation
        .iter()
        .map(|(_, id)| {
            let b = &expected[*id];
            format!(
                "{}\t{}\t{}\n",
                &id[..7],
                b["status"].as_str().unwrap(),
                b["title"].as_str().unwrap().trim()
            )
        })
        .collect();
    let listed = env.bug(&repo, &["bug", "--format", "plain"]).ok();
    assert_eq!(listed.stdout, plain);
    let lines = listed.lines();
    assert_eq!(lines[0], "1954454\tclosed\tSerialization format");
    assert_eq!(
        lines[19],
        "34d274b\tclosed\tgit bug cannot be installed with AUR"
    );
    // Not a terminal: the default format is plain; and git finds `git bug`.
    assert_eq!(env.bug(&repo, &["bug"]).ok().stdout, plain);
    assert_eq!(
        env.git(&repo, &["bug", "bug", "--format", "plain"])
            .ok()
            .stdout,
        plain
    );

    // The golden bug, from its raw objects and identity blobs.
    let raw = bugs
        .iter()
        .find(|b| b.id.starts_with(GOLDEN_BUG))
        .expect("golden bug");
    let ops = raw.ops();
    let created = ops[0].1.timestamp;
    let edited = ops.last().unwrap().1.timestamp;
    let v = show_json(&env, &repo, &raw.id);
    let email = |who: &Value| -> String {
        let spec = format!("refs/identities/{}:version", who["id"].as_str().unwrap());
        let blob = env.git(&repo, &["cat-file", "blob", &spec]).ok().json();
        blob["email"].as_str().unwrap_or("").to_string()
    };
    let names =
        |key: &str| -> Vec<String> { v[key].as_array().unwrap().iter().map(display).collect() };
    let labels: Vec<&str> = v["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    let comments = v["comments"].as_array().unwrap();
    assert_eq!(comments.len(), 2);
    for c in comments {
        let m = c["message"].as_str().unwrap();
        assert!(
            !m.contains('\r') && !m.is_empty(),
            "golden messages print verbatim"
        );
    }

    // Default layout (spec §7.4), built field by field.
    let mut text = format!(
        "{} [closed] git bug cannot be installed with AUR\n\n",
        GOLDEN_BUG
    );
    text += &format!("JoaKing (JoacoG) opened this issue {}\n", go_time(created));
    text += &format!("This was last edited at {}\n\n", go_time(edited));
    text += "labels: area/packaging, resolution/no-action-planned\n";
    text += "actors: JoaKing (JoacoG), sudoforge\n";
    text += "participants: JoaKing (JoacoG), sudoforge\n\n";
    for (i, c) in comments.iter().enumerate() {
        let who = &c["author"];
        text += &format!(
            "  {} #{i} {} <{}>\n\n",
            c["human_id"].as_str().unwrap(),
            display(who),
            email(who)
        );
        text += &format!("  {}\n\n\n", c["message"].as_str().unwrap());
    }
    assert!(text.contains("  3344dd2 #0 JoaKing (JoacoG) <>\n"));
    assert!(text.contains(" #1 sudoforge <no-reply@sudoforge.com>\n"));
    assert_eq!(go_time(created), "2025-05-12 15:14:30 +0000 UTC");
    let shown = env.bug(&repo, &["bug", "show", GOLDEN_BUG]).ok();
    assert_eq!(shown.stdout, text);
    assert_eq!(
        env.bug(&repo, &["show", GOLDEN_BUG]).ok().stdout,
        text,
        "the `show` shortcut"
    );

    // Org-mode layout of `bug show`.
    let mut org = format!(
        "{} [closed] git bug cannot be installed with AUR\n",
        GOLDEN_BUG
    );
    org += "* Author: JoaKing (JoacoG)\n";
    org += &format!(
        "* Creation Time: {}\n* Last Edit: {}\n",
        go_time(created),
        go_time(edited)
    );
    org += "* Labels:\n** area/packaging\n** resolution/no-action-planned\n";
    for (title, key) in [("Actors", "actors"), ("Participants", "participants")] {
        org += &format!("* {title}:\n");
        for who in v[key].as_array().unwrap() {
            org += &format!(
                "** {} {}\n",
                who["human_id"].as_str().unwrap(),
                display(who)
            );
        }
    }
    org += "* Comments:\n";
    for (i, c) in comments.iter().enumerate() {
        org += &format!("** #{i} {}\n", display(&c["author"]));
        org += &format!(
            ": {}\n",
            c["message"].as_str().unwrap().replace('\n', "\n: ")
        );
    }
    assert_eq!(
        env.bug(&repo, &["bug", "show", GOLDEN_BUG, "--format", "org-mode"])
            .ok()
            .stdout,
        org
    );

    // Single fields.
    let field = |f: &str| {
        env.bug(&repo, &["bug", "show", GOLDEN_BUG, "--field", f])
            .ok()
            .stdout
    };
    assert_eq!(field("author"), "JoaKing (JoacoG)\n");
    assert_eq!(field("authorEmail"), format!("{}\n", email(&v["author"])));
    assert_eq!(field("createTime"), format!("{}\n", go_time(created)));
    assert_eq!(field("lastEdit"), format!("{}\n", go_time(edited)));
    assert_eq!(field("humanId"), format!("{GOLDEN_BUG}\n"));
    assert_eq!(field("shortId"), format!("{GOLDEN_BUG}\n"));
    assert_eq!(field("id"), format!("{}\n", raw.id));
    assert_eq!(field("labels"), format!("{}\n", labels.join("\n")));
    assert_eq!(field("status"), "closed\n");
    assert_eq!(field("title"), "git bug cannot be installed with AUR\n");
    assert_eq!(field("actors"), format!("{}\n", names("actors").join("\n")));
    assert_eq!(
        field("participants"),
        format!("{}\n", names("participants").join("\n"))
    );
    let unknown = env
        .bug(&repo, &["bug", "show", GOLDEN_BUG, "--field", "nope"])
        .fails(2);
    assert!(assert_one_line_error(&unknown).contains("unsupported field: nope"));

    // Org-mode listing: header, then one entry per bug in creation order.
    let listing = env.bug(&repo, &["bug", "--format", "org-mode"]).ok();
    let lines = listing.lines();
    assert_eq!(lines[0], "#+TODO: OPEN | CLOSED");
    let entries: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("* "))
        .collect();
    assert_eq!(entries.len(), 20);
    let list_json = env.bug(&repo, &["bug", "--format", "json"]).ok().json();
    for ((_, id), (entry, b)) in by_creation
        .iter()
        .zip(entries.iter().zip(list_json.as_array().unwrap()))
    {
        assert_eq!(b["id"], *id, "json listing in creation order too");
        let status = if b["status"] == "open" {
            "OPEN  "
        } else {
            "CLOSED"
        };
        let day = jiff::Timestamp::from_second(b["create_time"]["timestamp"].as_i64().unwrap())
            .unwrap()
            .strftime("%Y-%m-%d %a %H:")
            .to_string();
        assert!(
            entry.starts_with(&format!("* {status} {} [{day}", &id[..7])),
            "{entry}"
        );
        let labels: Vec<String> = b["labels"]
            .as_array()
            .map(|ls| {
                ls.iter()
                    .map(|l| {
                        l.as_str()
                            .unwrap()
                            .chars()
                            .map(|c| {
                                if c.is_alphanumeric() || c == '_' || c == '@' {
                                    c
                                } else {
                                    '_'
                                }
                            })
                            .collect()
                    })
                    .collect()
            })
            .unwrap_or_default();
        let tags = if labels.is_empty() {
            "::".to_string()
        } else {
            format!(":{}:", labels.join(":"))
        };
        let url = b["metadata"]["github-url"]
            .as_str()
            .expect("every sample bug came from GitHub");
        let tail = format!(
            "] {}: [[{url}][{}]] {tags}",
            display(&b["author"]),
            b["title"].as_str().unwrap()
        );
        assert!(entry.ends_with(&tail), "{entry}\n  should end with\n{tail}");
    }
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.starts_with("** Last Edited: ["))
            .count(),
        20
    );
    assert_eq!(lines.iter().filter(|l| **l == "** Actors:").count(), 20);
    assert_eq!(
        lines.iter().filter(|l| **l == "** Participants:").count(),
        20
    );
}

// ---------------------------------------------------------------------------
// 5. Lamport clocks (spec §4, §9.8 adapted to the sample)
// ---------------------------------------------------------------------------

/// The highest create and edit clocks in the sample's trees.
fn max_clocks(bugs: &[RawBug]) -> (u64, u64) {
    let commits = || bugs.iter().flat_map(|b| &b.commits);
    let create = commits()
        .filter_map(|c| c.create_clock)
        .max()
        .expect("create clocks");
    let edit = commits().map(|c| c.edit_clock).max().expect("edit clocks");
    (create, edit)
}

/// Runs `bug new` and returns the id of the ref it added (found by diffing
/// the refs: listing order depends on the very clocks under test).
fn create_bug(env: &TestEnv, repo: &Path, title: &str) -> String {
    let before = ref_ids(env, repo, "refs/bugs/");
    env.bug(repo, &["bug", "new", "-t", title, "-m", "clock test"])
        .ok();
    let added: Vec<String> = ref_ids(env, repo, "refs/bugs/")
        .into_iter()
        .filter(|id| !before.contains(id))
        .collect();
    assert_eq!(added.len(), 1, "one new bug ref");
    added[0].clone()
}

/// The create and edit clocks in the tree of a bug's head commit.
fn head_clocks(env: &TestEnv, repo: &Path, id: &str) -> (Option<u64>, Option<u64>) {
    let tree = git_line(
        env,
        repo,
        &["rev-parse", &format!("refs/bugs/{id}^{{tree}}")],
    );
    tree_clocks(&parse_tree(&cat_file_batch(env, repo, &[tree])[0].data))
}

#[test]
fn listing_the_sample_witnesses_its_clocks() {
    let env = TestEnv::new();
    let repo = env.sample_repo("s");
    let (create, edit) = max_clocks(&load_bugs(&env, &repo));
    assert!(!repo.join(".git/git-bug").exists());

    env.bug(&repo, &["bug"]).ok();
    assert_eq!(read_clock(&repo, "bugs-create"), create.to_string());
    assert_eq!(read_clock(&repo, "bugs-edit"), edit.to_string());

    let id = create_bug(&env, &repo, "After the sample");
    assert_eq!(
        head_clocks(&env, &repo, &id),
        (Some(create + 1), Some(edit + 1))
    );
    assert_eq!(read_clock(&repo, "bugs-create"), (create + 1).to_string());
    assert_eq!(read_clock(&repo, "bugs-edit"), (edit + 1).to_string());

    // The identity made for that write recorded the clocks of its time.
    let me = git_line(&env, &repo, &["config", "git-bug.identity"]);
    let version = env
        .git(
            &repo,
            &["cat-file", "blob", &format!("refs/identities/{me}:version")],
        )
        .ok()
        .json();
    assert_eq!(
        version["times"],
        json!({"bugs-create": create, "bugs-edit": edit})
    );
}

/// A clone without `.git/git-bug` rebuilds its clocks from the bugs before
/// the first write instead of handing out 2 again.
#[test]
fn fresh_clone_new_bug_does_not_reuse_clocks() {
    let env = TestEnv::new();
    let repo = env.sample_repo("s");
    let (create, edit) = max_clocks(&load_bugs(&env, &repo));
    env.bug(&repo, &["bug"]).ok();
    std::fs::remove_dir_all(repo.join(".git/git-bug")).expect("remove git-bug state");

    let id = create_bug(&env, &repo, "Fresh clone");
    assert_eq!(
        head_clocks(&env, &repo, &id),
        (Some(create + 1), Some(edit + 1))
    );
}

/// The oldest bug of the sample: the one whose clocks are the lowest.
fn oldest_bug(bugs: &[RawBug]) -> &RawBug {
    bugs.iter()
        .min_by_key(|b| b.commits.iter().map(|c| c.edit_clock).max())
        .expect("a bug")
}

/// In a fresh clone, reading one old bug first must not leave clock files
/// holding only that bug's clocks: the next write still gets values above
/// every clock in the repository.
#[test]
fn fresh_clone_show_then_new_does_not_reuse_clocks() {
    let env = TestEnv::new();
    let repo = env.sample_repo("s");
    let bugs = load_bugs(&env, &repo);
    let (create, edit) = max_clocks(&bugs);
    let old = &oldest_bug(&bugs).id;

    env.bug(&repo, &["bug", "show", old]).ok();
    let id = create_bug(&env, &repo, "After a show");
    assert_eq!(
        head_clocks(&env, &repo, &id),
        (Some(create + 1), Some(edit + 1))
    );
}

/// Same, when the first command of a fresh clone writes to an old bug.
#[test]
fn fresh_clone_comment_on_old_bug_does_not_reuse_clocks() {
    let env = TestEnv::new();
    let repo = env.sample_repo("s");
    let bugs = load_bugs(&env, &repo);
    let (create, edit) = max_clocks(&bugs);
    let old = &oldest_bug(&bugs).id;

    env.bug(&repo, &["bug", "comment", "new", old, "-m", "late reply"])
        .ok();
    assert_eq!(
        head_clocks(&env, &repo, old).1,
        Some(edit + 1),
        "edit clock of the new comment"
    );
    let id = create_bug(&env, &repo, "After a comment");
    assert_eq!(
        head_clocks(&env, &repo, &id),
        (Some(create + 1), Some(edit + 2))
    );
}

// ---------------------------------------------------------------------------
// 6. Prefix resolution
// ---------------------------------------------------------------------------

#[test]
fn prefix_resolution_on_sample() {
    let env = TestEnv::new();
    let repo = env.sample_repo("s");
    let ids: Vec<String> = env
        .bug(&repo, &["bug", "--format", "id"])
        .ok()
        .lines()
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(ids.len(), 20);

    // The one-character prefix shared by the most bugs is ambiguous.
    let mut groups: BTreeMap<&str, Vec<&String>> = BTreeMap::new();
    for id in &ids {
        groups.entry(&id[..1]).or_default().push(id);
    }
    let (prefix, candidates) = groups.iter().max_by_key(|(_, v)| v.len()).expect("groups");
    assert!(
        candidates.len() >= 2,
        "the sample has a shared first character"
    );
    let run = env.bug(&repo, &["bug", "show", prefix]).fails(1);
    let line = assert_one_line_error(&run);
    assert!(
        run.stderr
            .lines()
            .nth(1)
            .is_some_and(|h| h.starts_with("hint: ")),
        "{}",
        run.stderr
    );
    for c in candidates {
        assert!(line.contains(&c[..7]), "{line} names {c}");
    }
    // A longer prefix of one of them resolves.
    let title = env.bug(&repo, &["bug", "title", &candidates[0][..7]]).ok();
    assert_eq!(title.lines().len(), 1);

    // A prefix no bug has.
    let unused = "0123456789abcdef"
        .chars()
        .find(|c| !ids.iter().any(|id| id.starts_with(*c)))
        .expect("an unused hex digit");
    let run = env
        .bug(&repo, &["bug", "show", &unused.to_string()])
        .fails(1);
    let line = assert_one_line_error(&run);
    assert!(
        line.contains("doesn't exist") && line.contains(&format!("\"{unused}\"")),
        "{line}"
    );
    assert!(
        run.stderr
            .lines()
            .nth(1)
            .is_some_and(|h| h.starts_with("hint: ")),
        "{}",
        run.stderr
    );

    // Comment ids: the longest prefix (4+ characters) that two comments share.
    let mut comments: Vec<String> = Vec::new();
    for id in &ids {
        let v = show_json(&env, &repo, id);
        comments.extend(
            v["comments"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_string()),
        );
    }
    let unique: BTreeSet<&String> = comments.iter().collect();
    assert_eq!(unique.len(), comments.len(), "comment ids are unique");
    let shared = (4..20)
        .rev()
        .find_map(|n| {
            let mut seen: BTreeMap<&str, Vec<&String>> = BTreeMap::new();
            for c in &comments {
                seen.entry(&c[..n]).or_default().push(c);
            }
            seen.into_iter().find(|(_, v)| v.len() > 1)
        })
        .expect("the sample has comment ids sharing a prefix of 4+ characters");
    let (comment_prefix, matching) = shared;
    let before = env.git(&repo, &["for-each-ref", "refs/bugs/"]).ok().stdout;
    let run = env
        .bug(
            &repo,
            &[
                "bug",
                "comment",
                "edit",
                comment_prefix,
                "-m",
                "never written",
            ],
        )
        .fails(1);
    let line = assert_one_line_error(&run);
    assert!(line.contains("ambiguous"), "{line}");
    for c in &matching {
        assert!(
            line.contains(&c[..comment_prefix.len() + 1]),
            "{line} names {c}"
        );
    }
    assert_eq!(
        env.git(&repo, &["for-each-ref", "refs/bugs/"]).ok().stdout,
        before,
        "nothing written"
    );

    let run = env
        .bug(&repo, &["bug", "comment", "edit", "zzzzzzz", "-m", "x"])
        .fails(1);
    assert!(
        assert_one_line_error(&run).contains("doesn't exist"),
        "{}",
        run.stderr
    );
}
