//! Hostile remote data beyond what `sync.rs` covers: poisoned Lamport
//! clocks, bugs too large to be real, and pack trees laid out in ways
//! git-bug never writes (RELIABILITY.md §2.4, M4, M5, M6, M7, M8, M20).
//!
//! Each test writes its hostile bugs straight into a bare server with git
//! plumbing, beside a valid bug pushed by a clone. Both ways remote data
//! comes in are checked: a plain `git fetch` in a clone with our hooks, and
//! a fetch without them followed by `git bug ls`, which catches up. Either
//! way the valid bug is merged, each hostile one is not, and the refusal is
//! printed with the rule or cap it broke.

use crate::common::TestEnv;
use crate::sync::{
    Craft, Shell, author_id, bug_head, bug_ref, clone, comment, comment_op, create_op,
    git_bug_lines, human, new_bug, op, pack_blob, ref_value, server,
};
use git_bug::entity::clock::MAX_CLOCK;
use git_bug::entity::id::hash_id;
use git_bug::limits::{
    MAX_COMMITS_PER_BUG, MAX_LABELS_PER_BUG, MAX_LABELS_PER_OP, MAX_MESSAGE_BYTES, MAX_OPS_PER_BUG,
    MAX_REMOTE_CLOCK, MAX_REPEATED_OPS, MAX_TITLE_BYTES,
};
use std::path::PathBuf;

/// One hostile bug: what it tries, its id, and a piece of the reason that
/// must be printed when it is refused.
struct Case {
    class: &'static str,
    id: String,
    reason: &'static str,
}

/// A server holding a valid bug and its author's identity, ready for
/// hostile bugs by the same author.
struct World {
    env: TestEnv,
    server: PathBuf,
    author: String,
    valid: String,
}

const VALID_TITLE: &str = "Valid beside the hostile ones";

impl World {
    fn new() -> World {
        let env = TestEnv::new();
        let server = server(&env);
        let a = clone(&env, &server, "a", "Alice");
        let valid = new_bug(&env, &a, VALID_TITLE, "nothing wrong with me");
        env.bug(&a, &["push"]).ok();
        let author = author_id(&env, &a);
        World {
            env,
            server,
            author,
            valid,
        }
    }

    fn craft(&self) -> Craft<'_> {
        Craft {
            sh: Shell::new(&self.env, None),
            repo: &self.server,
        }
    }

    fn pack(&self, ops: &[String]) -> Vec<u8> {
        pack_blob(&self.author, ops)
    }

    /// A root commit creating the bug `title`: its id and commit.
    fn root(&self, title: &str, create: u64, edit: u64) -> (String, String) {
        let create_op = create_op(title);
        let commit = self.craft().pack_commit(
            &self.pack(std::slice::from_ref(&create_op)),
            Some(create),
            edit,
            4,
            &[],
        );
        (hash_id(create_op.as_bytes()), commit)
    }

    /// A commit whose tree is exactly `entries` (`mode name` and content).
    fn commit_with_tree(&self, entries: &[(&str, &str, &[u8])], parents: &[&str]) -> String {
        let craft = self.craft();
        let mut listing = String::new();
        for (mode, name, content) in entries {
            let kind = if *mode == "040000" { "tree" } else { "blob" };
            let oid = if kind == "tree" {
                let file = craft.blob(content);
                craft.sh.git_stdin(
                    &self.server,
                    &["mktree"],
                    format!("100644 blob {file}\tfile0\n").as_bytes(),
                )
            } else {
                craft.blob(content)
            };
            listing.push_str(&format!("{mode} {kind} {oid}\t{name}\n"));
        }
        let tree = craft
            .sh
            .git_stdin(&self.server, &["mktree"], listing.as_bytes());
        let mut raw = format!("tree {tree}\n");
        for parent in parents {
            raw.push_str(&format!("parent {parent}\n"));
        }
        raw.push_str("author  <> 1700000000 +0000\ncommitter  <> 1700000000 +0000\n\n");
        craft.sh.git_stdin(
            &self.server,
            &["hash-object", "-t", "commit", "-w", "--stdin"],
            raw.as_bytes(),
        )
    }

    fn set_bug(&self, id: &str, commit: &str) {
        self.craft().set_ref(&bug_ref(id), commit);
    }

    /// Fetches into a clone with hooks and into one without (then `git bug
    /// ls`): the valid bug and every bug of `accepted` are merged, no case
    /// is, and each refusal is printed with its reason. Returns the clone
    /// with hooks.
    fn check(&self, cases: &[Case], accepted: &[&str]) -> PathBuf {
        let env = &self.env;
        let mut merged = vec![self.valid.as_str()];
        merged.extend_from_slice(accepted);

        let hooked = clone(env, &self.server, "hooked", "Bob");
        let fetched = env.git(&hooked, &["fetch"]).ok();
        self.assert_outcome(&hooked, &fetched.stderr, cases, &merged, "git fetch (hook)");

        let plain = clone(env, &self.server, "plain", "Carol");
        env.git(&plain, &["-c", "core.hooksPath=/dev/null", "fetch"])
            .ok();
        assert!(ref_value(env, &plain, &bug_ref(&self.valid)).is_none());
        let listed = env.bug(&plain, &["ls"]).ok();
        assert!(listed.stdout.contains(VALID_TITLE), "{}", listed.stdout);
        self.assert_outcome(
            &plain,
            &listed.stderr,
            cases,
            &merged,
            "git bug ls (catch-up)",
        );
        hooked
    }

    #[track_caller]
    fn assert_outcome(
        &self,
        repo: &std::path::Path,
        stderr: &str,
        cases: &[Case],
        merged: &[&str],
        path: &str,
    ) {
        let env = &self.env;
        for id in merged {
            assert_eq!(
                ref_value(env, repo, &bug_ref(id)),
                ref_value(env, &self.server, &bug_ref(id)),
                "{path}: bug {} not merged:\n{stderr}",
                human(id)
            );
        }
        let warnings = git_bug_lines(stderr);
        for case in cases {
            assert!(
                ref_value(env, repo, &bug_ref(&case.id)).is_none(),
                "{path}: {}: bug {} was merged",
                case.class,
                human(&case.id)
            );
            assert!(
                warnings.iter().any(|l| l.contains(human(&case.id))
                    && l.contains("refused")
                    && l.contains(case.reason)),
                "{path}: {}: no refusal of {} naming {:?}:\n{stderr}",
                case.class,
                human(&case.id),
                case.reason
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Lamport clocks (C2)
// ---------------------------------------------------------------------------

#[test]
fn poisoned_clocks_are_refused() {
    let w = World::new();
    let mut cases = Vec::new();

    // The old bound itself, on a root commit.
    let (id, commit) = w.root("Clock at 2^62", MAX_CLOCK, MAX_CLOCK);
    w.set_bug(&id, &commit);
    cases.push(Case {
        class: "root clock 2^62",
        id,
        reason: "cap on remote clocks",
    });

    // One above what remote data may carry.
    let (id, commit) = w.root("Clock one above the cap", 1, MAX_REMOTE_CLOCK + 1);
    w.set_bug(&id, &commit);
    cases.push(Case {
        class: "edit clock cap + 1",
        id,
        reason: "cap on remote clocks",
    });

    // A merge commit 5,000,000 after both its parents.
    let (id, root) = w.root("Merge jumps ahead", 1, 1);
    let left = w
        .craft()
        .pack_commit(&w.pack(&[comment_op("left")]), None, 2, 4, &[&root]);
    let right = w
        .craft()
        .pack_commit(&w.pack(&[comment_op("right")]), None, 3, 4, &[&root]);
    let merge = w.craft().pack_commit(
        format!(r#"{{"author":{{"id":"{}"}},"ops":null}}"#, w.author).as_bytes(),
        None,
        5_000_003,
        4,
        &[&left, &right],
    );
    w.set_bug(&id, &merge);
    cases.push(Case {
        class: "merge clock jump",
        id,
        reason: "jumping too far",
    });

    // A creation clock on a commit that is not the root.
    let (id, root) = w.root("Second create clock", 1, 1);
    let child = w.craft().pack_commit(
        &w.pack(&[comment_op("with a create clock")]),
        Some(2),
        2,
        4,
        &[&root],
    );
    w.set_bug(&id, &child);
    cases.push(Case {
        class: "create clock on a non-root",
        id,
        reason: "not the root",
    });

    // A merge 1,000,000 after its latest parent is within the rule.
    let (fine, root) = w.root("Merge within the jump", 1, 1);
    let left = w
        .craft()
        .pack_commit(&w.pack(&[comment_op("l")]), None, 2, 4, &[&root]);
    let right = w
        .craft()
        .pack_commit(&w.pack(&[comment_op("r")]), None, 3, 4, &[&root]);
    let merge = w.craft().pack_commit(
        format!(r#"{{"author":{{"id":"{}"}},"ops":null}}"#, w.author).as_bytes(),
        None,
        1_000_003,
        4,
        &[&left, &right],
    );
    w.set_bug(&fine, &merge);

    let hooked = w.check(&cases, &[&fine]);
    // Nothing refused was witnessed: the next write is near the valid ones.
    comment(&w.env, &hooked, &w.valid, "after the poison");
    let edit = crate::sync::edit_clock(&w.env, &hooked, &bug_head(&w.env, &hooked, &w.valid));
    assert!(edit < 2_000_000, "edit clock {edit}");
}

/// After merging a bug whose clocks are the largest accepted, local writes
/// go on, and the bug stays listed; a clock at its maximum makes writes
/// fail with a clear message instead of writing what readers refuse.
#[test]
fn a_clock_at_the_remote_cap_leaves_room_for_local_writes() {
    let w = World::new();
    let (id, commit) = w.root("Clock at the cap", MAX_REMOTE_CLOCK, MAX_REMOTE_CLOCK);
    w.set_bug(&id, &commit);
    let b = w.check(&[], &[&id]);
    let env = &w.env;

    comment(env, &b, &id, "still writable");
    let fresh = new_bug(env, &b, "Created after the cap", "text");
    let edit = crate::sync::edit_clock(env, &b, &bug_head(env, &b, &id));
    assert_eq!(edit, MAX_REMOTE_CLOCK + 1);
    let listed = env.bug(&b, &["ls"]).ok();
    for title in ["Clock at the cap", "Created after the cap", VALID_TITLE] {
        assert!(listed.stdout.contains(title), "{listed:?}");
    }
    assert!(!listed.stderr.contains("out of range"), "{}", listed.stderr);

    // A clock file at the maximum (written by hand): writes refuse.
    let clock = b.join(".git/git-bug/clocks/bugs-edit");
    std::fs::write(&clock, MAX_CLOCK.to_string()).unwrap();
    let before = bug_head(env, &b, &fresh);
    let refused = env
        .bug(&b, &["bug", "comment", "new", &fresh, "-m", "too late"])
        .fails(1);
    assert!(
        refused.stderr.contains("maximum") && refused.stderr.contains("bugs-edit"),
        "{}",
        refused.stderr
    );
    assert_eq!(bug_head(env, &b, &fresh), before);
    let listed = env.bug(&b, &["ls"]).ok();
    assert!(
        listed.stdout.contains("Created after the cap"),
        "{listed:?}"
    );
}

// ---------------------------------------------------------------------------
// Caps on size (C8)
// ---------------------------------------------------------------------------

fn labels_op(seed: &str, labels: impl Iterator<Item = String>) -> String {
    let list: Vec<String> = labels.map(|l| format!("\"{l}\"")).collect();
    op(
        5,
        seed,
        &format!(r#""added":[{}],"removed":null"#, list.join(",")),
    )
}

/// A bug of `commits` commits (a comment each after the root), written
/// with one `git fast-import` run.
fn long_bug(w: &World, title: &str, commits: usize) -> String {
    let create = create_op(title);
    let id = hash_id(create.as_bytes());
    let mut stream = b"blob\nmark :1\ndata 0\n\n".to_vec();
    for n in 0..commits {
        let ops = if n == 0 {
            create.clone()
        } else {
            comment_op(&format!("comment {n}"))
        };
        let blob = w.pack(&[ops]);
        let edit = n + 1;
        stream.extend_from_slice(
            format!(
                "commit {}\ncommitter <> 1700000000 +0000\ndata 0\ndeleteall\n\
                 M 100644 :1 version-4\nM 100644 :1 edit-clock-{edit}\n",
                bug_ref(&id)
            )
            .as_bytes(),
        );
        if n == 0 {
            stream.extend_from_slice(b"M 100644 :1 create-clock-1\n");
        }
        stream.extend_from_slice(format!("M 100644 inline ops\ndata {}\n", blob.len()).as_bytes());
        stream.extend_from_slice(&blob);
        stream.extend_from_slice(b"\n\n");
    }
    Shell::new(&w.env, None)
        .run(&w.server, "git", &["fast-import", "--quiet"], Some(&stream))
        .ok();
    id
}

#[test]
fn bugs_beyond_the_caps_are_refused() {
    let w = World::new();
    let mut cases = Vec::new();
    let author = w.author.clone();
    let with_ops = |title: &str, more: Vec<String>| {
        let (id, root) = w.root(title, 1, 1);
        let commit = w
            .craft()
            .pack_commit(&pack_blob(&author, &more), None, 2, 4, &[&root]);
        w.set_bug(&id, &commit);
        id
    };

    let id = with_ops(
        "Too many labels in one op",
        vec![labels_op(
            "many",
            (0..=MAX_LABELS_PER_OP).map(|n| format!("l{n}")),
        )],
    );
    cases.push(Case {
        class: "labels per op",
        id,
        reason: "the cap per operation",
    });

    let half = MAX_LABELS_PER_BUG / 2 + 1;
    let id = with_ops(
        "Too many labels in one bug",
        vec![
            labels_op("first half", (0..half).map(|n| format!("a{n}"))),
            labels_op("second half", (0..half).map(|n| format!("b{n}"))),
        ],
    );
    cases.push(Case {
        class: "labels per bug",
        id,
        reason: "labels, more than",
    });

    let title = "t".repeat(MAX_TITLE_BYTES + 1);
    let (id, commit) = w.root(&title, 1, 1);
    w.set_bug(&id, &commit);
    cases.push(Case {
        class: "title size",
        id,
        reason: "the cap on a title",
    });

    let id = with_ops(
        "Comment too long",
        vec![comment_op(&"m".repeat(MAX_MESSAGE_BYTES + 1))],
    );
    cases.push(Case {
        class: "message size",
        id,
        reason: "the cap on a message",
    });

    // Operations over two commits, each within the cap per commit.
    let (id, root) = w.root("Too many operations", 1, 1);
    let mut parent = root;
    let per_commit = MAX_OPS_PER_BUG / 2 + 1;
    for (edit, part) in [(2, "a"), (3, "b")] {
        let ops: Vec<String> = (0..per_commit)
            .map(|n| comment_op(&format!("{part}{n}")))
            .collect();
        parent = w
            .craft()
            .pack_commit(&w.pack(&ops), None, edit, 4, &[&parent]);
    }
    w.set_bug(&id, &parent);
    cases.push(Case {
        class: "ops per bug",
        id,
        reason: "(the cap per bug)",
    });

    // Two branches holding the same operations, joined: each repeat makes
    // validation ask git whether one commit descends from the other.
    let (id, root) = w.root("Too many repeated operations", 1, 1);
    let ops: Vec<String> = (0..=MAX_REPEATED_OPS)
        .map(|n| comment_op(&format!("repeated {n}")))
        .collect();
    let left = w.craft().pack_commit(&w.pack(&ops), None, 2, 4, &[&root]);
    let right = w.craft().pack_commit(&w.pack(&ops), None, 3, 4, &[&root]);
    let merge = w.craft().pack_commit(
        format!(r#"{{"author":{{"id":"{}"}},"ops":null}}"#, w.author).as_bytes(),
        None,
        4,
        4,
        &[&left, &right],
    );
    w.set_bug(&id, &merge);
    cases.push(Case {
        class: "repeated ops",
        id,
        reason: "operations stored twice (the cap per bug)",
    });

    let id = long_bug(&w, "Too many commits", MAX_COMMITS_PER_BUG + 1);
    cases.push(Case {
        class: "commits per bug",
        id,
        reason: "commits (the cap on one history)",
    });

    // At the caps exactly, a bug is fine.
    let at_cap = with_ops(
        "Labels at the cap",
        vec![labels_op(
            "at cap",
            (0..MAX_LABELS_PER_OP).map(|n| format!("c{n}")),
        )],
    );
    w.check(&cases, &[&at_cap]);
}

/// Local commands refuse what remote readers would refuse.
#[test]
fn local_commands_refuse_to_pass_a_cap() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let long_title = "t".repeat(MAX_TITLE_BYTES + 1);
    let refused = env
        .bug(&repo, &["bug", "new", "-t", &long_title, "-m", "x"])
        .fails(1);
    assert!(
        refused.stderr.contains("the cap on a title"),
        "{}",
        refused.stderr
    );

    let id = env.new_bug(&repo, "Within the caps", "text");
    let message = env.path("long-message");
    std::fs::write(&message, "m".repeat(MAX_MESSAGE_BYTES + 1)).unwrap();
    let refused = env
        .bug(
            &repo,
            &[
                "bug",
                "comment",
                "new",
                &id,
                "-F",
                message.to_str().unwrap(),
            ],
        )
        .fails(1);
    assert!(
        refused.stderr.contains("the cap on a message"),
        "{}",
        refused.stderr
    );

    let many: Vec<String> = (0..=MAX_LABELS_PER_OP).map(|n| format!("l{n}")).collect();
    let mut args = vec!["bug", "label", "new", id.as_str()];
    args.extend(many.iter().map(String::as_str));
    let refused = env.bug(&repo, &args).fails(1);
    assert!(
        refused.stderr.contains("the cap per operation"),
        "{}",
        refused.stderr
    );

    // Labels per bug: two commands within the cap per operation.
    let half = MAX_LABELS_PER_BUG / 2 + 1;
    let first: Vec<String> = (0..half).map(|n| format!("a{n}")).collect();
    let mut args = vec!["bug", "label", "new", id.as_str()];
    args.extend(first.iter().map(String::as_str));
    env.bug(&repo, &args).ok();
    let second: Vec<String> = (0..half).map(|n| format!("b{n}")).collect();
    let mut args = vec!["bug", "label", "new", id.as_str()];
    args.extend(second.iter().map(String::as_str));
    let refused = env.bug(&repo, &args).fails(1);
    assert!(
        refused.stderr.contains("(the cap per bug)"),
        "{}",
        refused.stderr
    );
    let shown = env
        .bug(&repo, &["bug", "show", &id, "--format", "json"])
        .ok();
    assert_eq!(shown.json()["labels"].as_array().unwrap().len(), half);
}

// ---------------------------------------------------------------------------
// Pack tree layout (C9)
// ---------------------------------------------------------------------------

#[test]
fn tree_layouts_git_bug_never_writes_are_refused() {
    let w = World::new();
    let mut cases = Vec::new();
    let empty: &[u8] = b"";
    let mut root_with = |class: &'static str, reason: &'static str, entries: &[(&str, &str)]| {
        let create = create_op(class);
        let id = hash_id(create.as_bytes());
        let pack = w.pack(&[create]);
        let tree: Vec<(&str, &str, &[u8])> = entries
            .iter()
            .map(|(mode, name)| (*mode, *name, if *name == "ops" { &pack[..] } else { empty }))
            .collect();
        let commit = w.commit_with_tree(&tree, &[]);
        w.set_bug(&id, &commit);
        if !reason.is_empty() {
            cases.push(Case {
                class,
                id: id.clone(),
                reason,
            });
        }
        id
    };
    let file = "100644";
    root_with(
        "ops is a symlink",
        "`ops` is not a regular file",
        &[
            ("120000", "ops"),
            (file, "version-4"),
            (file, "create-clock-1"),
            (file, "edit-clock-1"),
        ],
    );
    root_with(
        "ops is executable",
        "`ops` is not a regular file",
        &[
            ("100755", "ops"),
            (file, "version-4"),
            (file, "create-clock-1"),
            (file, "edit-clock-1"),
        ],
    );
    root_with(
        "version 4 and 5",
        "more than one `version-N` entry",
        &[
            (file, "ops"),
            (file, "version-4"),
            (file, "version-5"),
            (file, "create-clock-1"),
            (file, "edit-clock-1"),
        ],
    );
    root_with(
        "two edit clocks",
        "more than one `edit-clock-N` entry",
        &[
            (file, "ops"),
            (file, "version-4"),
            (file, "create-clock-1"),
            (file, "edit-clock-1"),
            (file, "edit-clock-2"),
        ],
    );
    root_with(
        "signed edit clock",
        "unreadable number in `edit-clock-+2`",
        &[
            (file, "ops"),
            (file, "version-4"),
            (file, "create-clock-1"),
            (file, "edit-clock-+2"),
        ],
    );
    root_with(
        "leading zero",
        "unreadable number in `create-clock-01`",
        &[
            (file, "ops"),
            (file, "version-4"),
            (file, "create-clock-01"),
            (file, "edit-clock-1"),
        ],
    );
    root_with(
        "version marker as a tree",
        "`version-4` is not a regular file",
        &[
            (file, "ops"),
            ("040000", "version-4"),
            (file, "create-clock-1"),
            (file, "edit-clock-1"),
        ],
    );
    // What git-bug writes with attached files: an `extra` tree, accepted.
    let extra = root_with(
        "Attached files",
        "",
        &[
            (file, "ops"),
            ("040000", "extra"),
            (file, "version-4"),
            (file, "create-clock-1"),
            (file, "edit-clock-1"),
        ],
    );
    w.check(&cases, &[&extra]);
}
