//! Malformed remote data, class by class (RELIABILITY.md §2.4, M1–M22): a
//! server holds one hostile entity per case beside valid bugs, and every
//! case is checked along the three ways data arrives:
//!
//! - (a) a plain `git fetch` in a clone with `git bug install` (the hooks
//!   merge during the fetch);
//! - (b) a `git fetch` in a clone without hooks, merged by the next command
//!   (`git bug ls`);
//! - (c) one `git push` of everything to a server with
//!   `git bug install --server`, which refuses each bad ref with a reason.
//!
//! The hostile data is written with git plumbing, as a hostile peer would.
//! All cases share one server and one fetch or push per path; failures are
//! collected and reported together, each naming its class.
//!
//! Not here: M15 (signed data is refused as a whole), M21 (needs a
//! case-insensitive filesystem; its rule, lowercase ids, is M10), and the
//! cap on commits per entity (100,000 commits is too slow for the suite).
//! A shallow history (M14) cannot be pushed, so the server does not see it.

use crate::common::TestEnv;
use crate::sync::{
    Shell, bug_ref, clone_in, comment_op, create_op, new_bug, nonce, op, pack_blob as pack_json,
    ref_value, server_in,
};
use git_bug::entity::id::{hash_id, human};
use git_bug::limits;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------------------
// Operations and packs as JSON text
// ---------------------------------------------------------------------------

/// The markers of an ordinary commit: clocks and format version 4.
fn markers(create: Option<u64>, edit: u64) -> Vec<String> {
    let mut names = vec![format!("edit-clock-{edit}"), "version-4".to_string()];
    names.extend(create.map(|c| format!("create-clock-{c}")));
    names
}

// ---------------------------------------------------------------------------
// Writing objects by hand
// ---------------------------------------------------------------------------

/// Writes bug and identity objects into `repo` with git plumbing.
struct Forge<'a> {
    sh: &'a Shell<'a>,
    repo: PathBuf,
    author: String,
}

impl Forge<'_> {
    fn blob(&self, bytes: &[u8]) -> String {
        self.sh
            .git_stdin(&self.repo, &["hash-object", "-w", "--stdin"], bytes)
    }

    /// A tree of `(mode, type, oid, name)` entries.
    fn tree(&self, entries: &[(&str, &str, String, String)]) -> String {
        let listing: String = entries
            .iter()
            .map(|(mode, kind, oid, name)| format!("{mode} {kind} {oid}\t{name}\n"))
            .collect();
        self.sh
            .git_stdin(&self.repo, &["mktree"], listing.as_bytes())
    }

    /// A tree holding `ops` (as a blob) and an empty marker per name.
    fn layout(&self, ops: &[u8], names: &[String]) -> String {
        let empty = self.blob(b"");
        let mut entries = vec![("100644", "blob", self.blob(ops), "ops".to_string())];
        for name in names {
            entries.push(("100644", "blob", empty.clone(), name.clone()));
        }
        self.tree(&entries)
    }

    /// Raw commit text written as it is (`--literally`: git checks nothing).
    fn raw_commit(&self, text: &str) -> String {
        self.sh.git_stdin(
            &self.repo,
            &[
                "hash-object",
                "--literally",
                "-t",
                "commit",
                "-w",
                "--stdin",
            ],
            text.as_bytes(),
        )
    }

    /// A commit of `tree` with git-bug's empty author and committer.
    fn commit(&self, tree: &str, parents: &[&str]) -> String {
        let mut raw = format!("tree {tree}\n");
        for parent in parents {
            raw.push_str(&format!("parent {parent}\n"));
        }
        raw.push_str("author  <> 1700000000 +0000\ncommitter  <> 1700000000 +0000\n\n");
        self.raw_commit(&raw)
    }

    /// A bug commit of `ops` by our author with the given markers.
    fn pack(&self, ops: &[String], names: &[String], parents: &[&str]) -> String {
        let tree = self.layout(&pack_json(&self.author, ops), names);
        self.commit(&tree, parents)
    }

    /// A valid root commit creating the bug `title`: (id, commit).
    fn root(&self, title: &str, edit: u64) -> (String, String) {
        let create = create_op(title);
        let commit = self.pack(std::slice::from_ref(&create), &markers(Some(1), edit), &[]);
        (hash_id(create.as_bytes()), commit)
    }

    /// A root bug commit whose ops blob is exactly `blob`.
    fn root_blob(&self, blob: &[u8], names: &[String]) -> String {
        let tree = self.layout(blob, names);
        self.commit(&tree, &[])
    }

    /// A valid root, then a commit of `ops` above it with `names`.
    fn on_root(&self, title: &str, ops: &[String], names: &[String]) -> (String, String) {
        let (id, root) = self.root(title, 1);
        (id, self.pack(ops, names, &[&root]))
    }

    fn set_ref(&self, name: &str, oid: &str) {
        self.sh.git(&self.repo, &["update-ref", name, oid]).ok();
    }

    /// A bug of `len` commits in one line, written with `git fast-import`:
    /// its id.
    fn chain(&self, title: &str, len: u64) -> String {
        let create = create_op(title);
        let id = hash_id(create.as_bytes());
        let empty = self.blob(b"");
        let mut stream = Vec::new();
        for n in 1..=len {
            let ops = if n == 1 {
                create.clone()
            } else {
                comment_op(&format!("{title} {n}"))
            };
            let blob = pack_json(&self.author, &[ops]);
            stream.extend_from_slice(
                format!(
                    "commit {}\nmark :{n}\ncommitter <> 1700000000 +0000\ndata 0\n",
                    bug_ref(&id)
                )
                .as_bytes(),
            );
            if n > 1 {
                stream.extend_from_slice(format!("from :{}\n", n - 1).as_bytes());
            }
            stream.extend_from_slice(b"deleteall\n");
            stream.extend_from_slice(
                format!("M 100644 inline ops\ndata {}\n", blob.len()).as_bytes(),
            );
            stream.extend_from_slice(&blob);
            stream.push(b'\n');
            let create = if n == 1 { Some(1) } else { None };
            for name in markers(create, n) {
                stream.extend_from_slice(format!("M 100644 {empty} {name}\n").as_bytes());
            }
            stream.push(b'\n');
        }
        self.sh
            .run(
                &self.repo,
                "git",
                &["fast-import", "--quiet"],
                Some(&stream),
            )
            .ok();
        id
    }
}

// ---------------------------------------------------------------------------
// The cases
// ---------------------------------------------------------------------------

/// What must become of one entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Valid data: merged, listed, accepted by the server.
    Merged,
    /// Never acceptable: not merged, listed as refused by `status`.
    Refused,
    /// Waits for its author: not merged, listed as not merged yet.
    Pending,
    /// History missing: not merged, listed as incomplete.
    Incomplete,
    /// Not merged; `status` lists it one way or another.
    Held,
    /// The clone's own copy (seeded before the fetch) stays as it was.
    Kept,
}

struct Case {
    /// The class of RELIABILITY.md §2.4 and what is wrong.
    class: &'static str,
    what: &'static str,
    /// The full ref name on the server.
    name: String,
    expect: Expect,
    /// What the checked server must do; `None`: not pushed there.
    server: Option<Expect>,
    /// A ref of the forge, and its value, each clone copies to `name`
    /// before its fetch.
    seed: Option<(String, String)>,
}

impl Case {
    fn label(&self) -> String {
        format!("{} {}", self.class, self.what)
    }

    /// `bug` or `identity`, and the id, as `status` names them.
    fn kind_and_id(&self) -> (&str, &str) {
        match self.name.strip_prefix("refs/bugs/") {
            Some(id) => ("bug", id),
            None => (
                "identity",
                self.name.strip_prefix("refs/identities/").unwrap(),
            ),
        }
    }
}

/// Records a case; the checked server refuses what a clone holds back.
fn add(
    cases: &mut Vec<Case>,
    class: &'static str,
    what: &'static str,
    name: String,
    expect: Expect,
) {
    let server = match expect {
        Expect::Held | Expect::Pending => Expect::Refused,
        other => other,
    };
    cases.push(Case {
        class,
        what,
        name,
        expect,
        server: Some(server),
        seed: None,
    });
}

/// Writes the hostile entities of every class, and a few valid ones, into
/// the forge: the cases.
fn build_cases(f: &Forge) -> Vec<Case> {
    let mut cases = Vec::new();
    let bug = |id: &str| bug_ref(id);
    let author = f.author.clone();

    // Valid entities beside the hostile ones: the control that the crafted
    // data is right where it is not meant to be wrong.
    let (id, commit) = f.on_root("Crafted and fine", &[comment_op("fine")], &markers(None, 2));
    f.set_ref(&bug(&id), &commit);
    add(
        &mut cases,
        "control",
        "hand-made valid bug",
        bug(&id),
        Expect::Merged,
    );

    // M1: not JSON, truncated JSON.
    let blob = b"this is not json";
    let id = hash_id(b"M1 not json");
    f.set_ref(&bug(&id), &f.root_blob(blob, &markers(Some(1), 1)));
    add(
        &mut cases,
        "M1",
        "ops blob is not JSON",
        bug(&id),
        Expect::Refused,
    );
    let blob = format!(r#"{{"author":{{"id":"{author}"}},"ops":[{{"type":1,"#);
    let id = hash_id(b"M1 truncated");
    f.set_ref(
        &bug(&id),
        &f.root_blob(blob.as_bytes(), &markers(Some(1), 1)),
    );
    add(
        &mut cases,
        "M1",
        "ops blob is truncated JSON",
        bug(&id),
        Expect::Refused,
    );

    // M2: wrong schema. An unknown field is accepted: the format spec
    // (§2.7) has readers ignore unknown keys, as git-bug does, where
    // RELIABILITY.md suggests refusing them.
    let create = create_op("No author");
    let blob = format!(r#"{{"ops":[{create}]}}"#);
    let id = hash_id(create.as_bytes());
    f.set_ref(
        &bug(&id),
        &f.root_blob(blob.as_bytes(), &markers(Some(1), 1)),
    );
    add(
        &mut cases,
        "M2",
        "pack without author",
        bug(&id),
        Expect::Refused,
    );
    let create = op(1, "M2 type", r#""title":5,"message":"","files":null"#);
    let id = hash_id(create.as_bytes());
    f.set_ref(&bug(&id), &f.pack(&[create], &markers(Some(1), 1), &[]));
    add(
        &mut cases,
        "M2",
        "title is a number",
        bug(&id),
        Expect::Refused,
    );
    let create = op(
        1,
        "M2 duplicate",
        r#""title":"One","title":"Two","message":"","files":null"#,
    );
    let id = hash_id(create.as_bytes());
    f.set_ref(&bug(&id), &f.pack(&[create], &markers(Some(1), 1), &[]));
    add(&mut cases, "M2", "duplicate key", bug(&id), Expect::Refused);
    let create = op(
        1,
        "M2 unknown",
        r#""title":"Extra field","message":"","files":null,"priority":"high""#,
    );
    let id = hash_id(create.as_bytes());
    f.set_ref(&bug(&id), &f.pack(&[create], &markers(Some(1), 1), &[]));
    add(
        &mut cases,
        "M2",
        "unknown field in an operation",
        bug(&id),
        Expect::Merged,
    );

    // M3: an operation type from a newer client. Not merged: it is refused
    // with its type named (rather than kept read-only as "unsupported").
    let unknown = op(99, "M3", r#""message":"?","files":null"#);
    let (id, commit) = f.on_root("Unknown op", &[unknown], &markers(None, 2));
    f.set_ref(&bug(&id), &commit);
    add(
        &mut cases,
        "M3",
        "unknown operation type",
        bug(&id),
        Expect::Refused,
    );

    // M4: no `ops`, or `ops` not a blob.
    let create = create_op("No ops entry");
    let id = hash_id(create.as_bytes());
    let empty = f.blob(b"");
    let names = markers(Some(1), 1);
    let entries: Vec<_> = names
        .iter()
        .map(|n| ("100644", "blob", empty.clone(), n.clone()))
        .collect();
    f.set_ref(&bug(&id), &f.commit(&f.tree(&entries), &[]));
    add(
        &mut cases,
        "M4",
        "tree without ops",
        bug(&id),
        Expect::Refused,
    );
    let inner = f.layout(&pack_json(&author, &[create_op("Ops is a tree")]), &[]);
    let id = hash_id(create_op("Ops is a tree").as_bytes());
    let mut entries: Vec<_> = names
        .iter()
        .map(|n| ("100644", "blob", empty.clone(), n.clone()))
        .collect();
    entries.push(("040000", "tree", inner, "ops".into()));
    f.set_ref(&bug(&id), &f.commit(&f.tree(&entries), &[]));
    add(&mut cases, "M4", "ops is a tree", bug(&id), Expect::Refused);
    let create = create_op("Ops is a symlink");
    let id = hash_id(create.as_bytes());
    let mut entries: Vec<_> = names
        .iter()
        .map(|n| ("100644", "blob", empty.clone(), n.clone()))
        .collect();
    entries.push((
        "120000",
        "blob",
        f.blob(&pack_json(&author, &[create])),
        "ops".into(),
    ));
    f.set_ref(&bug(&id), &f.commit(&f.tree(&entries), &[]));
    add(
        &mut cases,
        "M4",
        "ops is a symlink",
        bug(&id),
        Expect::Refused,
    );
    let (_, target) = f.root("Submodule target", 1);
    let id = hash_id(create_op("Ops is a submodule").as_bytes());
    let mut entries: Vec<_> = names
        .iter()
        .map(|n| ("100644", "blob", empty.clone(), n.clone()))
        .collect();
    entries.push(("160000", "commit", target, "ops".into()));
    f.set_ref(&bug(&id), &f.commit(&f.tree(&entries), &[]));
    add(
        &mut cases,
        "M4",
        "ops is a submodule",
        bug(&id),
        Expect::Refused,
    );

    // M5: version and clock entries.
    let layouts: [(&str, Vec<String>); 9] = [
        (
            "no version-N",
            vec!["edit-clock-1".into(), "create-clock-1".into()],
        ),
        (
            "version-5",
            vec![
                "edit-clock-1".into(),
                "create-clock-1".into(),
                "version-5".into(),
            ],
        ),
        ("version-4 and version-5", {
            let mut v = markers(Some(1), 1);
            v.push("version-5".into());
            v
        }),
        (
            "non-numeric edit clock",
            vec![
                "edit-clock-x1".into(),
                "create-clock-1".into(),
                "version-4".into(),
            ],
        ),
        (
            "overflowing edit clock",
            vec![
                "edit-clock-99999999999999999999999".into(),
                "create-clock-1".into(),
                "version-4".into(),
            ],
        ),
        (
            "non-numeric create clock",
            vec![
                "edit-clock-1".into(),
                "create-clock-one".into(),
                "version-4".into(),
            ],
        ),
        ("two edit clocks", {
            let mut v = markers(Some(1), 1);
            v.push("edit-clock-2".into());
            v
        }),
        ("two create clocks", {
            let mut v = markers(Some(1), 1);
            v.push("create-clock-2".into());
            v
        }),
        (
            "edit-clock-+1",
            vec![
                "edit-clock-+1".into(),
                "create-clock-1".into(),
                "version-4".into(),
            ],
        ),
    ];
    for (what, names) in layouts {
        let create = create_op(&format!("Layout {what}"));
        let id = hash_id(create.as_bytes());
        f.set_ref(&bug(&id), &f.pack(&[create], &names, &[]));
        add(&mut cases, "M5", what, bug(&id), Expect::Refused);
    }

    // M6: one past each cap of `git_bug::limits` (far above what a real
    // tracker reaches; the suggested caps of RELIABILITY.md are lower).
    let message = "m".repeat(limits::MAX_MESSAGE_BYTES - 64);
    let many: Vec<String> = (0..=limits::MAX_PACK_BYTES / message.len())
        .map(|n| comment_op(&format!("{n}{message}")))
        .collect();
    let (id, commit) = f.on_root("Huge pack", &many, &markers(None, 2));
    f.set_ref(&bug(&id), &commit);
    add(
        &mut cases,
        "M6",
        "pack above the size cap",
        bug(&id),
        Expect::Refused,
    );
    let noops = |from: usize, to: usize| -> Vec<String> {
        (from..to)
            .map(|n| op(7, &format!("noop {n}"), ""))
            .collect()
    };
    let many = noops(0, limits::MAX_OPS_PER_PACK + 1);
    let (id, commit) = f.on_root("Many ops", &many, &markers(None, 2));
    f.set_ref(&bug(&id), &commit);
    add(
        &mut cases,
        "M6",
        "operations per pack above the cap",
        bug(&id),
        Expect::Refused,
    );
    let half = limits::MAX_OPS_PER_BUG / 2;
    let (id, child) = f.on_root("Many ops in all", &noops(0, half), &markers(None, 2));
    let commit = f.pack(&noops(half, 2 * half), &markers(None, 3), &[&child]);
    f.set_ref(&bug(&id), &commit);
    add(
        &mut cases,
        "M6",
        "operations per bug above the cap",
        bug(&id),
        Expect::Refused,
    );
    let create = create_op(&"T".repeat(limits::MAX_TITLE_BYTES + 1));
    let id = hash_id(create.as_bytes());
    f.set_ref(&bug(&id), &f.pack(&[create], &markers(Some(1), 1), &[]));
    add(
        &mut cases,
        "M6",
        "title above the cap",
        bug(&id),
        Expect::Refused,
    );
    let big = comment_op(&"m".repeat(limits::MAX_MESSAGE_BYTES + 1));
    let (id, commit) = f.on_root("Huge comment", &[big], &markers(None, 2));
    f.set_ref(&bug(&id), &commit);
    add(
        &mut cases,
        "M6",
        "comment above the cap",
        bug(&id),
        Expect::Refused,
    );
    let label_op = |seed: &str, from: usize, to: usize| {
        let labels: Vec<String> = (from..to).map(|n| format!(r#""l{n}""#)).collect();
        op(
            5,
            seed,
            &format!(r#""added":[{}],"removed":null"#, labels.join(",")),
        )
    };
    let many = label_op("M6 labels", 0, limits::MAX_LABELS_PER_OP + 1);
    let (id, commit) = f.on_root("Many labels", &[many], &markers(None, 2));
    f.set_ref(&bug(&id), &commit);
    add(
        &mut cases,
        "M6",
        "labels per operation above the cap",
        bug(&id),
        Expect::Refused,
    );
    let half = limits::MAX_LABELS_PER_BUG / 2 + 1;
    let first = label_op("M6 labels 1", 0, half);
    let (id, child) = f.on_root("Many labels in all", &[first], &markers(None, 2));
    let second = label_op("M6 labels 2", half, 2 * half);
    let commit = f.pack(&[second], &markers(None, 3), &[&child]);
    f.set_ref(&bug(&id), &commit);
    add(
        &mut cases,
        "M6",
        "labels per bug above the cap",
        bug(&id),
        Expect::Refused,
    );

    // M7: a deep chain within the caps is accepted, one above is not.
    let id = f.chain("Deep chain", 2000);
    add(
        &mut cases,
        "M7",
        "chain of 2,000 commits",
        bug(&id),
        Expect::Merged,
    );
    let id = f.chain("Too deep", limits::MAX_COMMITS_PER_BUG as u64 + 1);
    add(
        &mut cases,
        "M7",
        "chain above the commit cap",
        bug(&id),
        Expect::Refused,
    );

    // M8: clocks that violate the DAG.
    let (id, root) = f.root("Clocks backwards", 5);
    let commit = f.pack(&[comment_op("3 after 5")], &markers(None, 3), &[&root]);
    f.set_ref(&bug(&id), &commit);
    add(
        &mut cases,
        "M8",
        "child clock below its parent's",
        bug(&id),
        Expect::Refused,
    );
    let (id, root) = f.root("Clocks equal", 5);
    let commit = f.pack(&[comment_op("5 after 5")], &markers(None, 5), &[&root]);
    f.set_ref(&bug(&id), &commit);
    add(
        &mut cases,
        "M8",
        "child clock equal to its parent's",
        bug(&id),
        Expect::Refused,
    );
    let create = create_op("Zero edit clock");
    let id = hash_id(create.as_bytes());
    f.set_ref(&bug(&id), &f.pack(&[create], &markers(Some(1), 0), &[]));
    add(
        &mut cases,
        "M8",
        "zero edit clock",
        bug(&id),
        Expect::Refused,
    );
    let create = create_op("No create clock");
    let id = hash_id(create.as_bytes());
    f.set_ref(&bug(&id), &f.pack(&[create], &markers(None, 1), &[]));
    add(
        &mut cases,
        "M8",
        "root without a create clock",
        bug(&id),
        Expect::Refused,
    );
    let (id, commit) = f.on_root(
        "Create clock on a child",
        &[comment_op("created again")],
        &markers(Some(2), 2),
    );
    f.set_ref(&bug(&id), &commit);
    add(
        &mut cases,
        "M8",
        "create clock on a non-root",
        bug(&id),
        Expect::Refused,
    );
    let (id, commit) = f.on_root(
        "Jump",
        &[comment_op("far ahead")],
        &markers(None, limits::MAX_CLOCK_JUMP + 2),
    );
    f.set_ref(&bug(&id), &commit);
    add(
        &mut cases,
        "M8",
        "jump of 1,000,001",
        bug(&id),
        Expect::Refused,
    );
    let (id, root) = f.root("Jump in a merge", 1);
    let left = f.pack(&[comment_op("left")], &markers(None, 2), &[&root]);
    let right = f.pack(&[comment_op("right")], &markers(None, 3), &[&root]);
    let merge = f.pack(&[], &markers(None, 5_000_000), &[&left, &right]);
    f.set_ref(&bug(&id), &merge);
    add(
        &mut cases,
        "M8",
        "jump of 5,000,000 in a merge",
        bug(&id),
        Expect::Refused,
    );
    let create = create_op("Clock 2^62");
    let id = hash_id(create.as_bytes());
    let names = vec![
        format!("edit-clock-{}", 1u64 << 62),
        "create-clock-1".into(),
        "version-4".into(),
    ];
    f.set_ref(&bug(&id), &f.pack(&[create], &names, &[]));
    add(
        &mut cases,
        "M8",
        "root edit clock of 2^62",
        bug(&id),
        Expect::Refused,
    );
    let create = create_op("Create clock 2^62+1");
    let id = hash_id(create.as_bytes());
    let names = vec![
        "edit-clock-1".into(),
        format!("create-clock-{}", (1u64 << 62) + 1),
        "version-4".into(),
    ];
    f.set_ref(&bug(&id), &f.pack(&[create], &names, &[]));
    add(
        &mut cases,
        "M8",
        "create clock above 2^62",
        bug(&id),
        Expect::Refused,
    );

    // M9: an author nobody has.
    let create = create_op("Unknown author");
    let id = hash_id(create.as_bytes());
    let tree = f.layout(
        &pack_json(&hash_id(b"nobody"), &[create]),
        &markers(Some(1), 1),
    );
    f.set_ref(&bug(&id), &f.commit(&tree, &[]));
    add(
        &mut cases,
        "M9",
        "author identity does not exist",
        bug(&id),
        Expect::Pending,
    );

    // M10: ref names.
    let (_, commit) = f.root("Under a false name", 1);
    let id = hash_id(b"M10 some other bug");
    f.set_ref(&bug(&id), &commit);
    add(
        &mut cases,
        "M10",
        "ref name is not the bug's id",
        bug(&id),
        Expect::Refused,
    );
    let (_, commit) = f.root("Not an id", 1);
    f.set_ref("refs/bugs/not-an-id", &commit);
    add(
        &mut cases,
        "M10",
        "ref name is not an id",
        "refs/bugs/not-an-id".into(),
        Expect::Refused,
    );
    let (id, commit) = f.root("Upper case", 1);
    let upper = id.to_uppercase();
    f.set_ref(&bug(&upper), &commit);
    add(
        &mut cases,
        "M10",
        "ref name in upper case",
        bug(&upper),
        Expect::Refused,
    );

    // M11: the same operation twice.
    let twice = comment_op("said twice");
    let (id, child) = f.on_root("Replayed", std::slice::from_ref(&twice), &markers(None, 2));
    let commit = f.pack(std::slice::from_ref(&twice), &markers(None, 3), &[&child]);
    f.set_ref(&bug(&id), &commit);
    add(
        &mut cases,
        "M11",
        "operation replayed in a child",
        bug(&id),
        Expect::Refused,
    );
    let (id, commit) = f.on_root("Twice in one", &[twice.clone(), twice], &markers(None, 2));
    f.set_ref(&bug(&id), &commit);
    add(
        &mut cases,
        "M11",
        "operation twice in one commit",
        bug(&id),
        Expect::Refused,
    );

    // M12: octopus merges and merges carrying operations.
    let (id, root) = f.root("Octopus", 1);
    let branches: Vec<String> = (0..=limits::MAX_PARENTS)
        .map(|n| {
            f.pack(
                &[comment_op(&format!("branch {n}"))],
                &markers(None, 2),
                &[&root],
            )
        })
        .collect();
    let parents: Vec<&str> = branches.iter().map(String::as_str).collect();
    f.set_ref(&bug(&id), &f.pack(&[], &markers(None, 3), &parents));
    add(
        &mut cases,
        "M12",
        "merge above the parents cap",
        bug(&id),
        Expect::Refused,
    );
    let (id, root) = f.root("Merge with ops", 1);
    let left = f.pack(&[comment_op("l")], &markers(None, 2), &[&root]);
    let right = f.pack(&[comment_op("r")], &markers(None, 2), &[&root]);
    let merge = f.pack(
        &[comment_op("in the merge")],
        &markers(None, 3),
        &[&left, &right],
    );
    f.set_ref(&bug(&id), &merge);
    add(
        &mut cases,
        "M12",
        "merge carrying an operation",
        bug(&id),
        Expect::Refused,
    );

    // M13: two roots under one ref.
    let (id, root) = f.root("Two roots", 1);
    let (_, other) = f.root("The other root", 1);
    f.set_ref(&bug(&id), &f.pack(&[], &markers(None, 2), &[&root, &other]));
    add(&mut cases, "M13", "two roots", bug(&id), Expect::Refused);

    // M14: a valid bug of two commits, fetched shallow (see `fetch`).
    let (id, commit) = f.on_root("Shallow", &[comment_op("second")], &markers(None, 2));
    f.set_ref(&bug(&id), &commit);
    add(
        &mut cases,
        "M14",
        "parent missing (shallow fetch)",
        bug(&id),
        Expect::Incomplete,
    );
    // A push carries the whole history: the server never sees it cut.
    cases.last_mut().unwrap().server = None;

    // M16: invalid UTF-8, lone surrogates.
    let mut blob = pack_json(&author, &[create_op("Bad UTF-8 XX")]);
    let at = blob.windows(2).position(|w| w == b"XX").unwrap();
    blob[at] = 0xff;
    blob[at + 1] = 0xfe;
    let id = hash_id(&blob);
    f.set_ref(&bug(&id), &f.root_blob(&blob, &markers(Some(1), 1)));
    add(
        &mut cases,
        "M16",
        "invalid UTF-8",
        bug(&id),
        Expect::Refused,
    );
    let create = op(
        1,
        "M16 surrogate",
        r#""title":"lone \ud800 here","message":"","files":null"#,
    );
    let id = hash_id(create.as_bytes());
    f.set_ref(&bug(&id), &f.pack(&[create], &markers(Some(1), 1), &[]));
    add(
        &mut cases,
        "M16",
        "lone surrogate escape",
        bug(&id),
        Expect::Refused,
    );

    // M17: nesting bombs: no stack overflow; an unknown field is ignored
    // (see M2), however deep.
    let depth = 100_000;
    let bomb = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let (id, commit) = f.on_root("Bomb op", std::slice::from_ref(&bomb), &markers(None, 2));
    f.set_ref(&bug(&id), &commit);
    add(
        &mut cases,
        "M17",
        "operation nested 100,000 deep",
        bug(&id),
        Expect::Refused,
    );
    let bombed = op(
        3,
        "M17 field",
        &format!(r#""message":"x","files":null,"x":{bomb}"#),
    );
    let (id, commit) = f.on_root("Bomb field", &[bombed], &markers(None, 2));
    f.set_ref(&bug(&id), &commit);
    add(
        &mut cases,
        "M17",
        "unknown field nested 100,000 deep",
        bug(&id),
        Expect::Merged,
    );

    // M18: objects that are not the commits they should be.
    let (id, _) = f.root("Points at a blob", 1);
    f.set_ref(&bug(&id), &f.blob(b"not a commit"));
    add(
        &mut cases,
        "M18",
        "ref points at a blob",
        bug(&id),
        Expect::Refused,
    );
    let (id, commit) = f.root("Points at a tag", 1);
    let tag = f.sh.git_stdin(
        &f.repo,
        &["mktag"],
        format!(
            "object {commit}\ntype commit\ntag t\ntagger T <t@example.com> 1700000000 +0000\n\na tag\n"
        )
        .as_bytes(),
    );
    f.set_ref(&bug(&id), &tag);
    add(
        &mut cases,
        "M18",
        "ref points at an annotated tag",
        bug(&id),
        Expect::Refused,
    );
    let create = create_op("Bad commit header");
    let id = hash_id(create.as_bytes());
    let tree = f.layout(&pack_json(&author, &[create]), &markers(Some(1), 1));
    let commit = f.raw_commit(&format!("tree {tree}\nauthor nobody\ncommitter nobody\n\n"));
    f.set_ref(&bug(&id), &commit);
    add(
        &mut cases,
        "M18",
        "commit with a bad header",
        bug(&id),
        Expect::Refused,
    );

    // M19: absurd timestamps, accepted when representable.
    for (what, timestamp, expect) in [
        ("negative timestamp", "-1700000000", Expect::Merged),
        ("timestamp in year 9999", "253402300799", Expect::Merged),
        (
            "timestamp overflowing i64",
            "9223372036854775808",
            Expect::Refused,
        ),
    ] {
        let create = format!(
            r#"{{"type":1,"timestamp":{timestamp},"nonce":"{}","title":"Time {what}","message":"","files":null}}"#,
            nonce(what)
        );
        let id = hash_id(create.as_bytes());
        f.set_ref(&bug(&id), &f.pack(&[create], &markers(Some(1), 1), &[]));
        add(&mut cases, "M19", what, bug(&id), expect);
    }

    // M20: a merge clock near u64::MAX.
    let (id, root) = f.root("Merge near the top", 1);
    let left = f.pack(&[comment_op("a")], &markers(None, 2), &[&root]);
    let right = f.pack(&[comment_op("b")], &markers(None, 3), &[&root]);
    let merge = f.pack(&[], &markers(None, u64::MAX - 1), &[&left, &right]);
    f.set_ref(&bug(&id), &merge);
    add(
        &mut cases,
        "M20",
        "merge clock u64::MAX - 1",
        bug(&id),
        Expect::Refused,
    );

    // M22: identities.
    let identity = |blob: &[u8]| {
        let tree = f.tree(&[("100644", "blob", f.blob(blob), "version".into())]);
        (hash_id(blob), f.commit(&tree, &[]))
    };
    let (broken, commit) = identity(b"{\"version\":");
    f.set_ref(&format!("refs/identities/{broken}"), &commit);
    add(
        &mut cases,
        "M22",
        "identity is not JSON",
        format!("refs/identities/{broken}"),
        Expect::Refused,
    );
    let create = create_op("By a broken author");
    let id = hash_id(create.as_bytes());
    let tree = f.layout(&pack_json(&broken, &[create]), &markers(Some(1), 1));
    f.set_ref(&bug(&id), &f.commit(&tree, &[]));
    add(
        &mut cases,
        "M22",
        "bug by a broken identity",
        bug(&id),
        Expect::Held,
    );
    let good = format!(
        r#"{{"version":2,"times":{{}},"unix_time":1700000000,"name":"Mallory","nonce":"{}"}}"#,
        nonce("mallory")
    );
    let (_, commit) = identity(good.as_bytes());
    let false_id = hash_id(b"M22 someone else");
    f.set_ref(&format!("refs/identities/{false_id}"), &commit);
    add(
        &mut cases,
        "M22",
        "identity under another's id",
        format!("refs/identities/{false_id}"),
        Expect::Refused,
    );
    let (real, first) = identity(good.replace("Mallory", "Trudy").as_bytes());
    let (_, other_root) = identity(good.replace("Mallory", "Oscar").as_bytes());
    let second = f.tree(&[(
        "100644",
        "blob",
        f.blob(good.replace("Mallory", "Trudy 2").as_bytes()),
        "version".into(),
    )]);
    let joined = f.commit(&second, &[&first, &other_root]);
    f.set_ref(&format!("refs/identities/{real}"), &joined);
    add(
        &mut cases,
        "M22",
        "identity history with two roots",
        format!("refs/identities/{real}"),
        Expect::Refused,
    );
    let version = |name: &str, times: &str| {
        format!(
            r#"{{"version":2,"times":{{{times}}},"unix_time":1700000000,"name":"{name}","nonce":"{}"}}"#,
            nonce(name)
        )
    };
    let child = |parent: &str, blob: String| {
        let tree = f.tree(&[("100644", "blob", f.blob(blob.as_bytes()), "version".into())]);
        f.commit(&tree, &[parent])
    };
    let (id, root) = identity(version("Clocks back", r#""bugs":5"#).as_bytes());
    let commit = child(&root, version("Clocks back 2", r#""bugs":3"#));
    f.set_ref(&format!("refs/identities/{id}"), &commit);
    add(
        &mut cases,
        "M22",
        "identity clock going backwards",
        format!("refs/identities/{id}"),
        Expect::Refused,
    );
    // History rewritten: each clone holds `ours`, the server `theirs`;
    // both grow from the same first version.
    let (id, root) = identity(version("Rewritten", "").as_bytes());
    let ours = child(&root, version("Rewritten, ours", ""));
    let theirs = child(&root, version("Rewritten, theirs", ""));
    let name = format!("refs/identities/{id}");
    f.set_ref(&name, &theirs);
    f.set_ref(&format!("refs/seed/identities/{id}"), &ours);
    cases.push(Case {
        class: "M22",
        what: "identity history rewritten",
        name,
        expect: Expect::Kept,
        server: Some(Expect::Merged),
        seed: Some((format!("refs/seed/identities/{id}"), ours)),
    });

    cases
}

// ---------------------------------------------------------------------------
// The three paths
// ---------------------------------------------------------------------------

/// What went wrong, one entry per case and path, in the order found.
#[derive(Default)]
struct Failures(Vec<(String, Vec<String>)>);

impl Failures {
    fn add(&mut self, who: String, why: String) {
        match self.0.iter_mut().find(|(w, _)| *w == who) {
            Some((_, whys)) => whys.push(why),
            None => self.0.push((who, vec![why])),
        }
    }

    fn case(&mut self, case: &Case, path: &str, why: String) {
        self.add(format!("{} ({path})", case.label()), why);
    }
}

/// A clone of `server` with its own user and nothing installed.
fn plain_clone(sh: &Shell, env: &TestEnv, server: &Path, name: &str, user: &str) -> PathBuf {
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

/// The one fetch of a path: the shallow case first on its own (a shallow
/// fetch of the rest would make every case incomplete), then a plain
/// `git fetch`, which must succeed.
fn fetch(
    sh: &Shell,
    repo: &Path,
    forge: &Path,
    cases: &[Case],
    failures: &mut Failures,
    path: &str,
) -> String {
    for case in cases {
        if let Some((seed, _)) = &case.seed {
            let spec = format!("+{seed}:{}", case.name);
            let forge = forge.to_str().unwrap();
            sh.git(repo, &["fetch", "-q", forge, &spec]).ok();
        }
    }
    for case in cases.iter().filter(|c| c.expect == Expect::Incomplete) {
        let (_, id) = case.kind_and_id();
        let spec = format!("+{}:refs/remotes/origin/bugs/{id}", case.name);
        let run = sh.git(repo, &["fetch", "-q", "--depth", "1", "origin", &spec]);
        if run.code != 0 {
            failures.case(case, path, format!("shallow fetch failed: {}", run.stderr));
        }
    }
    let run = sh.git(repo, &["fetch"]);
    if run.code != 0 {
        let why = format!("git fetch exited {}: {}", run.code, run.stderr);
        failures.add(format!("({path})"), why);
    }
    run.stderr
}

/// Checks the local refs and `git bug status` of a fetching clone.
fn check_clone(
    env: &TestEnv,
    sh: &Shell,
    repo: &Path,
    server: &Path,
    cases: &[Case],
    failures: &mut Failures,
    path: &str,
) {
    // `ls` first: without hooks, it is the command that merges.
    let listed = sh.git(repo, &["bug", "ls", "--format", "id"]);
    if listed.code != 0 {
        let why = format!("ls exited {}: {}", listed.code, listed.stderr);
        failures.add(format!("({path})"), why);
    }
    let shown: BTreeSet<&str> = listed.stdout.lines().collect();
    let status = sh.git(repo, &["bug", "status"]);
    if status.code != 0 {
        let why = format!("git bug status exited {}: {}", status.code, status.stderr);
        failures.add(format!("({path})"), why);
    }
    let waiting: Vec<&str> = status
        .stdout
        .lines()
        .filter(|l| l.starts_with("  not merged yet:"))
        .collect();
    for case in cases {
        let local = ref_value(env, repo, &case.name);
        let (kind, id) = case.kind_and_id();
        let refused = format!("  refused: {kind} {}: ", human(id));
        let incomplete = format!("  incomplete: {kind} {}: ", human(id));
        let is_refused = status.stdout.contains(&refused);
        let is_incomplete = status.stdout.contains(&incomplete);
        let is_waiting = waiting.iter().any(|l| l.contains(human(id)));
        let mut wrong = |why: String| failures.case(case, path, why);
        if let Some(id) = case.name.strip_prefix("refs/bugs/")
            && shown.contains(id) != (case.expect == Expect::Merged)
        {
            wrong(format!("listed by ls: {}", shown.contains(id)));
        }
        if case.expect == Expect::Kept {
            if local.as_ref() != case.seed.as_ref().map(|(_, oid)| oid) {
                wrong(format!("local copy moved to {local:?}"));
            }
            continue;
        }
        if case.expect == Expect::Merged {
            if local.is_none() || local != ref_value(env, server, &case.name) {
                wrong(format!("not merged, local {local:?}"));
            }
            continue;
        }
        if local.is_some() {
            wrong("merged".into());
            continue;
        }
        let listed = match case.expect {
            Expect::Refused => is_refused,
            Expect::Incomplete => is_incomplete,
            Expect::Pending => is_waiting,
            _ => is_refused || is_incomplete || is_waiting,
        };
        if !listed {
            wrong(format!(
                "status does not list it as {:?} (refused {is_refused}, incomplete {is_incomplete}, waiting {is_waiting})",
                case.expect
            ));
        }
    }
    // No clock moved to a value only hostile data carries (I8): the valid
    // data holds clocks of a few thousand at most.
    let clocks = repo.join(".git/git-bug/clocks");
    for entry in std::fs::read_dir(&clocks).into_iter().flatten().flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        if text.trim().parse::<u64>().is_ok_and(|v| v > 100_000) {
            failures.add(
                format!("({path})"),
                format!(
                    "clock {:?} witnessed the hostile value {}",
                    entry.file_name(),
                    text.trim()
                ),
            );
        }
    }
}

/// M7, cycles: `refs/replace/*` can make a history look cyclic on one
/// replica. Replace the root of the deep chain by a commit whose parent is
/// the chain's head: a write and a read of that bug must still see (and
/// extend) the real history, and end.
fn replaced_history_is_not_read(sh: &Shell, repo: &Path, cases: &[Case], failures: &mut Failures) {
    let Some(chain) = cases.iter().find(|c| c.class == "M7") else {
        return;
    };
    let (_, id) = chain.kind_and_id();
    let found = sh.git(repo, &["rev-parse", "-q", "--verify", &chain.name]);
    if found.code != 0 {
        return; // not merged: reported already
    }
    let head = found.stdout.trim().to_string();
    let git = |args: &[&str]| sh.git(repo, args).ok().stdout.trim().to_string();
    let root = git(&["rev-list", "--max-parents=0", &head]);
    let tree = git(&["rev-parse", &format!("{root}^{{tree}}")]);
    let raw = format!(
        "tree {tree}\nparent {head}\nauthor  <> 1700000000 +0000\ncommitter  <> 1700000000 +0000\n\n"
    );
    let cycle = sh.git_stdin(
        repo,
        &["hash-object", "-t", "commit", "-w", "--stdin"],
        raw.as_bytes(),
    );
    git(&["replace", &root, &cycle]);
    let bounded = |args: &[&str]| {
        let mut all = vec!["60", "git", "bug"];
        all.extend(args);
        sh.run(repo, "timeout", &all, None)
    };
    let mut wrong = |why: String| failures.case(chain, "b", format!("with a replace cycle: {why}"));
    let commented = bounded(&["bug", "comment", "new", id, "-m", "after the cycle"]);
    if commented.code != 0 {
        return wrong(format!(
            "comment exited {}: {}",
            commented.code, commented.stderr
        ));
    }
    let shown = bounded(&["bug", "show", id, "--format", "json"]);
    if shown.code != 0 {
        return wrong(format!(
            "show exited {}: {}{}",
            shown.code, shown.stdout, shown.stderr
        ));
    }
    let comments = shown.json()["comments"].as_array().map_or(0, Vec::len);
    if comments != 2001 {
        wrong(format!("{comments} comments shown, not 2001"));
    }
}

/// The line git prints for a ref the server refused, if any.
fn refusal<'a>(stderr: &'a str, name: &str) -> Option<&'a str> {
    stderr
        .lines()
        .find(|l| l.contains("[remote rejected]") && l.contains(&format!(" -> {name} (")))
}

/// Path (c): one push of every case and the valid bug to a checked server.
fn check_server(env: &TestEnv, sh: &Shell, forge: &Path, cases: &[Case], failures: &mut Failures) {
    let checked = server_in(sh, env, "checked.git");
    sh.git(&checked, &["bug", "install", "--server"]).ok();
    let specs: Vec<String> = cases
        .iter()
        .filter(|c| c.server.is_some())
        .map(|c| format!("{0}:{0}", c.name))
        .collect();
    let mut args = vec!["push", "--no-verify", checked.to_str().unwrap()];
    args.extend(specs.iter().map(String::as_str));
    let pushed = sh.git(forge, &args);
    for case in cases {
        let Some(expect) = case.server else { continue };
        let landed = ref_value(env, &checked, &case.name);
        let mut wrong = |why: String| failures.case(case, "c", why);
        if expect == Expect::Merged {
            if landed.is_none() || landed != ref_value(env, forge, &case.name) {
                wrong(format!(
                    "refused: {:?}",
                    refusal(&pushed.stderr, &case.name)
                ));
            }
            continue;
        }
        if landed.is_some() {
            wrong("accepted by the server".into());
            continue;
        }
        match refusal(&pushed.stderr, &case.name) {
            Some(line) if line.trim_end().ends_with(')') && !line.contains("()") => {}
            Some(line) => wrong(format!("refusal without a reason: {line:?}")),
            None => wrong("no refusal line on the client's stderr".into()),
        }
    }
}

fn malformed_data_along_every_path(git_dir: Option<&Path>, version: &str, paths: &str) {
    let env = match git_dir {
        Some(dir) => TestEnv::with_git_from(dir),
        None => TestEnv::new(),
    };
    let sh = Shell::new(&env, git_dir);
    let seen = sh.git(env.dir.path(), &["version"]).ok().stdout;
    assert!(
        seen.starts_with(&format!("git version {version}")),
        "{seen}"
    );

    // The forge: a clone without hooks where one valid bug is made with the
    // CLI and the hostile data by hand.
    let server = server_in(&sh, &env, "server.git");
    let forge = plain_clone(&sh, &env, &server, "forge", "Alice");
    let valid = new_bug(&env, &forge, "Valid", "fine");
    let author = sh
        .git(&forge, &["config", "git-bug.identity"])
        .ok()
        .stdout
        .trim()
        .to_string();
    let f = Forge {
        sh: &sh,
        repo: forge.clone(),
        author: author.clone(),
    };
    let mut cases = build_cases(&f);
    let names: BTreeSet<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names.len(), cases.len(), "two cases share a ref");
    sh.git(
        &forge,
        &[
            "push",
            "-q",
            "--no-verify",
            "origin",
            "+refs/bugs/*:refs/bugs/*",
            "+refs/identities/*:refs/identities/*",
        ],
    )
    .ok();
    for (what, name) in [
        ("bug made by the CLI", bug_ref(&valid)),
        (
            "identity of its author",
            format!("refs/identities/{author}"),
        ),
    ] {
        cases.push(Case {
            class: "valid",
            what,
            name,
            expect: Expect::Merged,
            server: Some(Expect::Merged),
            seed: None,
        });
    }
    let mut failures = Failures::default();

    // (a) a plain `git fetch` in a clone with the hooks.
    if paths.contains('a') {
        let a = clone_in(&sh, &env, &server, "a", "Bob");
        let fetched = fetch(&sh, &a, &forge, &cases, &mut failures, "a");
        for case in cases.iter().filter(|c| c.expect == Expect::Refused) {
            let (kind, id) = case.kind_and_id();
            let said = format!("{kind} {} refused: ", human(id));
            let merged = ref_value(&env, &a, &case.name).is_some();
            if !merged && !fetched.lines().any(|l| l.contains(&said)) {
                failures.case(case, "a", "the fetch does not say it was refused".into());
            }
        }
        check_clone(&env, &sh, &a, &server, &cases, &mut failures, "a");
    }

    // (b) a fetch without hooks; the next command merges.
    if paths.contains('b') {
        let b = plain_clone(&sh, &env, &server, "b", "Carol");
        for spec in git_bug::sync::install::fetch_refspecs("origin") {
            sh.git(&b, &["config", "--add", "remote.origin.fetch", &spec])
                .ok();
        }
        fetch(&sh, &b, &forge, &cases, &mut failures, "b");
        check_clone(&env, &sh, &b, &server, &cases, &mut failures, "b");
        replaced_history_is_not_read(&sh, &b, &cases, &mut failures);
    }

    // (c) one push to a server that checks.
    if paths.contains('c') {
        check_server(&env, &sh, &forge, &cases, &mut failures);
    }

    let report: Vec<String> = failures
        .0
        .iter()
        .map(|(who, whys)| format!("{who}: {}", whys.join("; ")))
        .collect();
    assert!(
        report.is_empty(),
        "{} failures:\n{}",
        report.len(),
        report.join("\n")
    );
}

#[test]
fn malformed_remote_data_git_default() {
    malformed_data_along_every_path(None, "", "abc");
}

/// Debian's git 2.39 calls the reference-transaction hook differently
/// (once per ref) and is also the git that receives a push.
#[test]
fn malformed_remote_data_git_2_39() {
    malformed_data_along_every_path(Some(Path::new("/usr/bin")), "2.39", "ac");
}
