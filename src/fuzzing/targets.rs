//! The fuzz targets: each feeds one input to a parser of data from
//! elsewhere and checks what a correct parser keeps true. A target returns
//! a short outcome (what happened) or the property that failed; a panic is
//! caught by the caller.

use crate::bug::snapshot::{AppliedOp, Snapshot, compile};
use crate::bug::{OpKind, Operation, Status};
use crate::entity::gojson::write_string;
use crate::entity::id::hash_id;
use crate::entity::pack::{decode_pack, encode_pack, read_pack};
use crate::identity::{Identity, Version};
use crate::links::{Expansion, apply_expansions, trailers};
use crate::query::{Query, join_args, matches};
use crate::repo::Repo;
use crate::sync::pass::{parse_tracking_ref, transaction_updates};
use git2::{ObjectType, Oid};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// One parser under test.
pub trait Target {
    /// Valid inputs to start from.
    fn seeds(&self) -> Vec<Vec<u8>>;
    /// Words of the input's language, worth inserting.
    fn dictionary(&self) -> &'static [&'static [u8]];
    /// Whether inputs are JSON, whose values are then mutated too.
    fn is_json(&self) -> bool {
        false
    }
    /// Runs the parser: what happened, or the property that failed.
    fn check(&mut self, input: &[u8]) -> Result<String, String>;
}

/// The targets by name, with what each covers.
pub const TARGETS: [(&str, &str); 5] = [
    (
        "pack",
        "operation pack JSON: decode_pack, Operation::decode/validate/encode, compile",
    ),
    (
        "tree",
        "tree layout of an entity commit: read_pack on raw trees in a real repository",
    ),
    (
        "query",
        "the query language: Query::parse, join_args, matches",
    ),
    ("trailers", "bug references in commit messages"),
    (
        "hook",
        "the reference-transaction hook's input: <old> <new> <ref> lines",
    ),
];

/// The target `name`; `dir` is an empty directory for those needing a repository.
pub fn target(name: &str, dir: &Path) -> Result<Box<dyn Target>, String> {
    Ok(match name {
        "pack" => Box::new(PackTarget),
        "tree" => Box::new(TreeTarget::new(dir)?),
        "query" => Box::new(QueryTarget::new()),
        "trailers" => Box::new(TrailersTarget),
        "hook" => Box::new(HookTarget::new(dir)?),
        _ => {
            let names: Vec<&str> = TARGETS.iter().map(|(n, _)| *n).collect();
            return Err(format!(
                "unknown target {name:?}; targets: {}",
                names.join(", ")
            ));
        }
    })
}

// ---------------------------------------------------------------------------
// Valid data to start from
// ---------------------------------------------------------------------------

const NONCE: &str = "l3G/D0gl2j9JFYDV/SI2dbsbb4s=";
const AUTHOR: &str = "1f4ab9c43a8b4e1e5c7bb8f7a0f5e16a2e1b3dd4c0f3b0d4b1c0e0a1b2c3d4e5";

fn op(kind: OpKind) -> Operation {
    Operation {
        timestamp: 1_737_263_597,
        nonce: NONCE.into(),
        metadata: BTreeMap::new(),
        kind,
    }
}

/// Packs built by the library: every operation type, a merge pack.
fn library_packs() -> Vec<Vec<u8>> {
    let create = op(OpKind::Create {
        title: "Crash on start".into(),
        message: "It <crashes> & \"burns\"\n\té".into(),
        files: None,
    });
    let (create_bytes, create_id) = create.encode();
    let mut with_meta = op(OpKind::AddComment {
        message: "Reproduced.".into(),
        files: Some(vec!["e69de29bb2d1d6434b8b29ae775ad8c2e48c5391".into()]),
    });
    with_meta
        .metadata
        .insert("github-url".into(), "https://x/y".into());
    let later = [
        op(OpKind::SetTitle {
            title: "Crash at start".into(),
            was: "Crash on start".into(),
        }),
        with_meta,
        op(OpKind::SetStatus {
            status: Status::Closed,
        }),
        op(OpKind::LabelChange {
            added: Some(vec!["kind/bug".into(), "prio: high".into()]),
            removed: Some(vec![]),
        }),
        op(OpKind::EditComment {
            target: create_id.clone(),
            message: "Edited".into(),
            files: None,
        }),
        op(OpKind::NoOp),
        op(OpKind::SetMetadata {
            target: create_id,
            new_metadata: [("k".to_string(), "v".to_string())].into_iter().collect(),
        }),
    ];
    let mut all = vec![create_bytes.clone()];
    all.extend(later.iter().map(|o| o.encode().0));
    vec![
        encode_pack(AUTHOR, Some(&all)),
        encode_pack(AUTHOR, Some(&[create_bytes])),
        encode_pack(AUTHOR, Some(&all[1..])),
        encode_pack(AUTHOR, None),
    ]
}

/// The `ops` blobs of the bugs in a git bundle (the test data's sample of
/// git-bug's own bugs), fetched into a new repository at `dir`.
pub fn sample_blobs(bundle: &Path, dir: &Path) -> Result<Vec<Vec<u8>>, String> {
    let git = |args: &[&str]| -> Result<(), String> {
        let status = std::process::Command::new("git")
            .args(args)
            .current_dir(dir)
            .stdout(std::process::Stdio::null())
            .status()
            .map_err(|e| format!("running git: {e}"))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("git {} failed", args.join(" ")))
        }
    };
    std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    git(&["init", "-q", "--bare", "."])?;
    let bundle = bundle.to_str().ok_or("the bundle path is not UTF-8")?;
    git(&["fetch", "-q", bundle, "refs/bugs/*:refs/bugs/*"])?;
    let repo = git2::Repository::open(dir).map_err(|e| e.to_string())?;
    let mut walk = repo.revwalk().map_err(|e| e.to_string())?;
    walk.push_glob("refs/bugs/*").map_err(|e| e.to_string())?;
    let mut blobs = Vec::new();
    for commit in walk {
        let commit = repo
            .find_commit(commit.map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
        let tree = commit.tree().map_err(|e| e.to_string())?;
        if let Some(entry) = tree.get_name("ops")
            && let Ok(blob) = repo.find_blob(entry.id())
        {
            blobs.push(blob.content().to_vec());
        }
    }
    Ok(blobs)
}

fn someone() -> Arc<Identity> {
    Arc::new(Identity {
        id: AUTHOR.into(),
        head: Oid::ZERO_SHA1,
        versions: vec![Version {
            version: 2,
            name: "René Descartes".into(),
            login: "rene".into(),
            ..Version::default()
        }],
    })
}

/// Compiles the operations of a pack that decode, as a reader would.
fn compile_pack(ops: &[crate::entity::pack::RawOp]) -> Option<Snapshot> {
    let author = someone();
    let applied: Vec<AppliedOp> = ops
        .iter()
        .filter_map(|raw| {
            Some(AppliedOp {
                id: raw.id.clone(),
                author: author.clone(),
                op: Operation::decode(&raw.json).ok()?,
                edit_clock: 1,
            })
        })
        .collect();
    let id = applied.first()?.id.clone();
    compile(&id, applied, 1, 1).ok()
}

// ---------------------------------------------------------------------------
// Operation packs
// ---------------------------------------------------------------------------

struct PackTarget;

impl Target for PackTarget {
    fn seeds(&self) -> Vec<Vec<u8>> {
        library_packs()
    }

    fn dictionary(&self) -> &'static [&'static [u8]] {
        &[
            b"\"type\":",
            b"\"timestamp\":",
            b"\"nonce\":",
            b"\"metadata\":",
            b"\"title\":",
            b"\"message\":",
            b"\"files\":",
            b"\"was\":",
            b"\"status\":",
            b"\"added\":",
            b"\"removed\":",
            b"\"target\":",
            b"\"new_metadata\":",
            b"\"author\":",
            b"\"ops\":",
            b"\"id\":",
            b"null",
            b"true",
            b"[]",
            b"{}",
            b",\"type\":5",
        ]
    }

    fn is_json(&self) -> bool {
        true
    }

    fn check(&mut self, input: &[u8]) -> Result<String, String> {
        // Go's string escapes read back as the same text, whatever it is.
        let text = String::from_utf8_lossy(input);
        let mut quoted = Vec::new();
        write_string(&mut quoted, &text);
        match serde_json::from_slice::<String>(&quoted) {
            Ok(back) if back == text => {}
            other => return Err(format!("write_string does not read back: {other:?}")),
        }

        let (author, ops) = match decode_pack(input) {
            Ok(pack) => pack,
            Err(e) => return Ok(format!("refused: {e}")),
        };
        for raw in &ops {
            if raw.id != hash_id(raw.json.as_bytes()) {
                return Err(format!(
                    "operation id {} is not the hash of its bytes",
                    raw.id
                ));
            }
        }
        // parse(serialize(pack)) gives the same author and operations.
        let jsons: Vec<Vec<u8>> = ops.iter().map(|o| o.json.clone().into_bytes()).collect();
        let again = decode_pack(&encode_pack(&author, Some(&jsons)))
            .map_err(|e| format!("a re-encoded pack does not decode: {e}"))?;
        let ids = |ops: &[crate::entity::pack::RawOp]| -> Vec<String> {
            ops.iter().map(|o| o.id.clone()).collect()
        };
        if again.0 != author || ids(&again.1) != ids(&ops) {
            return Err("a re-encoded pack differs from the original".into());
        }

        let mut outcome = format!("pack of {} ops:", ops.len().min(3));
        for raw in &ops {
            let op = match Operation::decode(&raw.json) {
                Ok(op) => op,
                Err(e) => {
                    outcome.push_str(&format!(" refused op: {e}"));
                    continue;
                }
            };
            // An operation re-encoded decodes to itself.
            let bytes = op.to_json().to_compact();
            let text = std::str::from_utf8(&bytes)
                .map_err(|_| "an encoded operation is not UTF-8".to_string())?;
            match Operation::decode(text) {
                Ok(back) if back == op => {}
                Ok(back) => {
                    return Err(format!(
                        "operation changes when re-encoded: {op:?} became {back:?}"
                    ));
                }
                Err(e) => return Err(format!("a re-encoded operation does not decode: {e}")),
            }
            match op.validate() {
                Ok(()) => {
                    const NAMES: [&str; 9] = [
                        "", "create", "title", "comment", "status", "labels", "edit", "noop",
                        "metadata",
                    ];
                    let name = NAMES.get(op.kind.type_code() as usize).unwrap_or(&"");
                    outcome.push_str(&format!(" valid {name}"));
                }
                Err(e) => outcome.push_str(&format!(" invalid: {e}")),
            }
        }
        if let Some(snapshot) = compile_pack(&ops) {
            for query in [
                "status:open crash",
                "label:kind/bug",
                "author:rené no:label",
            ] {
                if let Ok(q) = Query::parse(query) {
                    matches(&q, &snapshot);
                }
            }
            outcome.push_str(" compiled");
        }
        Ok(outcome)
    }
}

// ---------------------------------------------------------------------------
// Tree layouts
// ---------------------------------------------------------------------------

/// Trees written as raw objects (any mode, name, order, duplicates) into
/// an in-memory object store of a real repository, read by `read_pack`.
///
/// Input: one entry per line, `<mode> <name> <what>`, where `<what>` is
/// `empty` (the empty blob), `ops` (a valid pack), `json` (a broken pack),
/// `tree` (the empty tree), or an object id; or `raw` and a line break
/// followed by the bytes of a tree object.
struct TreeTarget {
    dir: std::path::PathBuf,
    repo: Repo,
    cases: usize,
    empty_blob: Oid,
    ops_blob: Oid,
    ops_content: Vec<u8>,
    broken_blob: Oid,
    empty_tree: Oid,
}

/// Cases between two fresh object stores (the in-memory one only grows).
const CASES_PER_STORE: usize = 20_000;

fn open_with_mempack(dir: &Path) -> Result<Repo, String> {
    let repo = Repo::open(dir).map_err(|e| e.to_string())?;
    {
        // The backend stays with the repository's object database.
        let odb = repo.git2().odb().map_err(|e| e.to_string())?;
        odb.add_new_mempack_backend(1000)
            .map_err(|e| e.to_string())?;
    }
    Ok(repo)
}

impl TreeTarget {
    fn new(dir: &Path) -> Result<TreeTarget, String> {
        let dir = dir.join("tree");
        let git = git2::Repository::init_bare(&dir).map_err(|e| e.to_string())?;
        let ops_content = library_packs().remove(0);
        let blob = |bytes: &[u8]| git.blob(bytes).map_err(|e| e.to_string());
        let (empty_blob, ops_blob, broken_blob) =
            (blob(b"")?, blob(&ops_content)?, blob(b"{\"author\":")?);
        let empty_tree = git
            .treebuilder(None)
            .and_then(|b| b.write())
            .map_err(|e| e.to_string())?;
        Ok(TreeTarget {
            repo: open_with_mempack(&dir)?,
            dir,
            cases: 0,
            empty_blob,
            ops_blob,
            ops_content,
            broken_blob,
            empty_tree,
        })
    }

    fn tree_bytes(&self, input: &[u8]) -> Vec<u8> {
        if let Some(raw) = input.strip_prefix(b"raw\n") {
            return raw.to_vec();
        }
        let mut tree = Vec::new();
        for line in input.split(|&b| b == b'\n') {
            let mut fields = line.splitn(3, |&b| b == b' ');
            let (Some(mode), Some(name)) = (fields.next(), fields.next()) else {
                continue;
            };
            let oid = match fields.next().unwrap_or(b"") {
                b"empty" => self.empty_blob,
                b"ops" => self.ops_blob,
                b"json" => self.broken_blob,
                b"tree" => self.empty_tree,
                other => std::str::from_utf8(other)
                    .ok()
                    .and_then(|hex| Oid::from_str(hex).ok())
                    .unwrap_or(self.empty_blob),
            };
            tree.extend_from_slice(mode);
            tree.push(b' ');
            tree.extend_from_slice(name);
            tree.push(0);
            tree.extend_from_slice(oid.as_bytes());
        }
        tree
    }
}

impl Target for TreeTarget {
    fn seeds(&self) -> Vec<Vec<u8>> {
        let valid = "100644 create-clock-1 empty\n100644 edit-clock-1 empty\n100644 ops ops\n100644 version-4 empty";
        let mut raw = b"raw\n".to_vec();
        raw.extend(self.tree_bytes(valid.as_bytes()));
        vec![
            valid.into(),
            "100644 edit-clock-7 empty\n100644 ops ops\n100644 version-4 empty".into(),
            "100644 version-4 empty\n100644 ops ops\n100644 edit-clock-2 empty\n100644 create-clock-9 empty".into(),
            "100644 create-clock-1 empty\n100644 edit-clock-1 empty\n100644 ops ops\n100644 version-4 empty\n40000 files tree\n100644 zzz empty".into(),
            "100644 edit-clock-1 empty\n100644 ops json\n100644 version-4 empty".into(),
            raw,
        ]
    }

    fn dictionary(&self) -> &'static [&'static [u8]] {
        &[
            b"100644 ",
            b"100755 ",
            b"120000 ",
            b"40000 ",
            b"160000 ",
            b"0 ",
            b"version-",
            b"version-4",
            b"version-5",
            b"create-clock-",
            b"edit-clock-",
            b"ops",
            b" empty",
            b" ops",
            b" json",
            b" tree",
            b"\n100644 ops ops",
            b"\n100644 version-4 empty",
            b"\n100644 edit-clock-1 empty",
            b"18446744073709551616",
            b"4611686018427387904",
            b"+1",
            b"-1",
        ]
    }

    fn check(&mut self, input: &[u8]) -> Result<String, String> {
        self.cases += 1;
        if self.cases.is_multiple_of(CASES_PER_STORE) {
            self.repo = open_with_mempack(&self.dir)?;
        }
        let tree_bytes = self.tree_bytes(input);
        let odb = self.repo.git2().odb().map_err(|e| e.to_string())?;
        let tree = odb
            .write(ObjectType::Tree, &tree_bytes)
            .map_err(|e| e.to_string())?;
        let commit_body =
            format!("tree {tree}\nauthor  <> 1700000000 +0000\ncommitter  <> 1700000000 +0000\n\n");
        let commit = odb
            .write(ObjectType::Commit, commit_body.as_bytes())
            .map_err(|e| e.to_string())?;
        let pack = match read_pack(&self.repo, commit) {
            Ok(pack) => pack,
            Err(e) => return Ok(format!("refused: {e}")),
        };
        // What was accepted is in the tree.
        let names: Vec<String> = match self.repo.read_tree(tree) {
            Ok(entries) => entries.into_iter().map(|e| e.name).collect(),
            Err(e) => return Err(format!("read_pack accepted an unreadable tree: {e}")),
        };
        // A number as git-bug writes and reads it: decimal digits only.
        let has_number = |prefix: &str, value: u64| {
            names.iter().any(|n| {
                n.strip_prefix(prefix).is_some_and(|digits| {
                    digits.bytes().all(|b| b.is_ascii_digit()) && digits.parse() == Ok(value)
                })
            })
        };
        if !names.iter().any(|n| n == "ops") || !has_number("version-", 4) {
            return Err(format!(
                "accepted without an ops or version-4 entry: {names:?}"
            ));
        }
        if pack.id != hash_id(&self.ops_content) {
            return Err("accepted a pack that is not the ops blob".into());
        }
        for (prefix, value) in [
            ("create-clock-", pack.create_clock),
            ("edit-clock-", pack.edit_clock),
        ] {
            if value != 0 && !has_number(prefix, value) {
                return Err(format!("clock {prefix}{value} is in no entry: {names:?}"));
            }
        }
        Ok(format!(
            "accepted, {} entries, create clock {}",
            names.len(),
            pack.create_clock > 0
        ))
    }
}

// ---------------------------------------------------------------------------
// Queries
// ---------------------------------------------------------------------------

struct QueryTarget {
    snapshot: Option<Snapshot>,
}

impl QueryTarget {
    fn new() -> QueryTarget {
        let pack = library_packs().remove(0);
        let snapshot = decode_pack(&pack)
            .ok()
            .and_then(|(_, ops)| compile_pack(&ops));
        QueryTarget { snapshot }
    }
}

/// How a query given as one argument, as one argument per word, or as
/// pairs of words parses, when those must agree (no quotes to split).
pub fn query_groupings(text: &str) -> Option<Vec<(String, Result<Query, String>)>> {
    if text.contains(['"', '\'']) {
        return None;
    }
    let words: Vec<String> = text.split_whitespace().map(str::to_string).collect();
    let pairs: Vec<String> = words.chunks(2).map(|pair| pair.join(" ")).collect();
    let parse = |args: &[String]| Query::parse(&join_args(args)).map_err(|e| e.0);
    Some(vec![
        ("split into words".into(), parse(&words)),
        ("one argument".into(), parse(&[text.to_string()])),
        (format!("as {pairs:?}"), parse(&pairs)),
    ])
}

impl Target for QueryTarget {
    fn seeds(&self) -> Vec<Vec<u8>> {
        [
            "status:open author:\"René Descartes\" label:a label:'b c' no:label metadata:github-url:\"https://x/y\" sort:edit-asc word",
            "label:kind/bug crash",
            "crash label:kind/bug status:open",
            "status:closed sort:id-desc",
            "title:crash participant:jane actor:bob state:open",
            "'parser crashes' sort:creation",
            "author:rené metadata:origin:github",
            "no:label sort:edit",
        ]
        .iter()
        .map(|q| q.as_bytes().to_vec())
        .collect()
    }

    fn dictionary(&self) -> &'static [&'static [u8]] {
        &[
            b"status:",
            b"state:",
            b"author:",
            b"actor:",
            b"participant:",
            b"label:",
            b"title:",
            b"no:label",
            b"metadata:",
            b"sort:",
            b"open",
            b"closed",
            b"id-desc",
            b"creation-asc",
            b"edit",
            b" ",
            b":",
            b"\"",
            b"'",
        ]
    }

    fn check(&mut self, input: &[u8]) -> Result<String, String> {
        let text = String::from_utf8_lossy(input);
        let parsed = Query::parse(&text);
        if let (Ok(query), Some(snapshot)) = (&parsed, &self.snapshot) {
            matches(query, snapshot);
        }
        if let Some(groupings) = query_groupings(&text) {
            let (first_how, first) = &groupings[0];
            for (how, other) in &groupings[1..] {
                if first.as_ref().ok() != other.as_ref().ok() {
                    return Err(format!(
                        "{text:?} parses differently {first_how} ({first:?}) and {how} ({other:?})"
                    ));
                }
            }
        }
        Ok(match parsed {
            Ok(q) => format!(
                "ok {} {} {} {}",
                q.text.len().min(2),
                q.label.len().min(2),
                q.metadata.len().min(1),
                q.sort.is_some()
            ),
            Err(e) => format!("refused: {e}"),
        })
    }
}

// ---------------------------------------------------------------------------
// Commit trailers
// ---------------------------------------------------------------------------

struct TrailersTarget;

impl Target for TrailersTarget {
    fn seeds(&self) -> Vec<Vec<u8>> {
        [
            "Fix the parser\n\nCloses-Bug: 9e77a1b\n",
            "Fix\n\nFixes: 1234abcd (kernel style)\ncloses-bug: ABC1234\nRelated-Bug: def\n# Partial-Bug: 999\n  Closes-Bug: 555\nPartial-Bug:  777 \n",
            "x\n# ------------------------ >8 ------------------------\nCloses-Bug: abc\n",
            "Several\n\nCloses-Bug: 9e77, d6ad\nFixes-Bug: d6ad 3d52\r\n",
            "Subject\r\n\r\nRELATED-BUG:\t0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\r\n",
        ]
        .iter()
        .map(|m| m.as_bytes().to_vec())
        .collect()
    }

    fn dictionary(&self) -> &'static [&'static [u8]] {
        &[
            b"Closes-Bug:",
            b"closes-bug: ",
            b"Fixes-Bug:",
            b"Partial-Bug:",
            b"Related-Bug:",
            b"Fixes:",
            b"\n",
            b"# ",
            b"; ",
            b", ",
            b"------------------------ >8 ------------------------",
            b"9e77a1b",
        ]
    }

    fn check(&mut self, input: &[u8]) -> Result<String, String> {
        let message = String::from_utf8_lossy(input);
        let lines: Vec<&str> = message.lines().collect();
        let mut outcome = Vec::new();
        for comment in [None, Some("#"), Some(";")] {
            let refs = trailers::parse(&message, comment);
            if !refs.is_empty() && !trailers::mentions_bugs(&message) {
                return Err("references found where mentions_bugs says there are none".into());
            }
            for r in &refs {
                // Never an id that is not in the input, where it says it is.
                let Some(line) = lines.get(r.line) else {
                    return Err(format!("reference on line {} of {}", r.line, lines.len()));
                };
                let at = line.get(r.span.0..r.span.1);
                if r.prefix.is_empty() || at.map(str::to_ascii_lowercase) != Some(r.prefix.clone())
                {
                    return Err(format!(
                        "id {:?} is not at {:?} of line {line:?}",
                        r.prefix, r.span
                    ));
                }
                if !line.starts_with(&r.key) {
                    return Err(format!("key {:?} does not start line {line:?}", r.key));
                }
                if comment.is_some_and(|c| line.starts_with(c)) {
                    return Err(format!("reference read from comment line {line:?}"));
                }
                {
                    let kind = if r.prefix.bytes().all(|b| b.is_ascii_hexdigit()) {
                        "hex"
                    } else if r.prefix.is_ascii() {
                        "text"
                    } else {
                        "unicode"
                    };
                    outcome.push(format!(
                        "{} {kind} {}",
                        r.action.as_str(),
                        comment.is_some()
                    ));
                }
            }
            // Lengthening every id in place leaves the other trailers as they were.
            const FULL: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
            let expansions: Vec<Expansion> = refs
                .iter()
                .map(|r| Expansion {
                    reference: r.clone(),
                    expanded: FULL.into(),
                })
                .collect();
            let expanded = apply_expansions(&message, &expansions);
            let again = trailers::parse(&expanded, comment);
            if again.len() != refs.len() || again.iter().any(|r| r.prefix != FULL) {
                return Err(format!(
                    "expanding {} ids gave {:?}",
                    refs.len(),
                    again.iter().map(|r| &r.prefix).collect::<Vec<_>>()
                ));
            }
        }
        outcome.sort();
        outcome.dedup();
        Ok(outcome.join(", "))
    }
}

// ---------------------------------------------------------------------------
// The reference-transaction hook's input
// ---------------------------------------------------------------------------

/// Parses hook input and looks its refs up in a repository that has a
/// bug, an identity and a branch.
struct HookTarget {
    repo: Repo,
    head: Oid,
}

impl HookTarget {
    fn new(dir: &Path) -> Result<HookTarget, String> {
        let dir = dir.join("hook");
        let git = git2::Repository::init_bare(&dir).map_err(|e| e.to_string())?;
        let err = |e: git2::Error| e.to_string();
        let tree = git.treebuilder(None).and_then(|b| b.write()).map_err(err)?;
        let sig = git2::Signature::new("a", "a@b", &git2::Time::new(0, 0)).map_err(err)?;
        let tree = git.find_tree(tree).map_err(err)?;
        let head = git.commit(None, &sig, &sig, "x", &tree, &[]).map_err(err)?;
        for name in [
            format!("refs/remotes/origin/bugs/{AUTHOR}"),
            format!("refs/remotes/up/stream/identities/{AUTHOR}"),
            "refs/heads/main".to_string(),
        ] {
            git.reference(&name, head, true, "").map_err(err)?;
        }
        Ok(HookTarget {
            repo: Repo::open(&dir).map_err(|e| e.to_string())?,
            head,
        })
    }
}

impl Target for HookTarget {
    fn seeds(&self) -> Vec<Vec<u8>> {
        let zero = "0".repeat(40);
        let head = self.head;
        vec![
            format!("{zero} {head} refs/remotes/origin/bugs/{AUTHOR}\n").into_bytes(),
            format!(
                "{zero} {head} refs/heads/main\n{head} {zero} refs/remotes/up/stream/identities/{AUTHOR}\n{zero} {head} refs/remotes/origin/bugs/{AUTHOR}"
            )
            .into_bytes(),
            format!("{head} {head} refs/remotes/origin/main\r\n").into_bytes(),
        ]
    }

    fn dictionary(&self) -> &'static [&'static [u8]] {
        &[
            b"refs/remotes/",
            b"refs/heads/",
            b"/bugs/",
            b"/identities/",
            b"0000000000000000000000000000000000000000",
            b" ",
            b"\n",
            b"..",
            b"@{",
            b".lock",
        ]
    }

    fn check(&mut self, input: &[u8]) -> Result<String, String> {
        let updates = transaction_updates(input);
        let lines = input.split(|&b| b == b'\n').count();
        if updates.len() > lines {
            return Err(format!("{} updates from {lines} lines", updates.len()));
        }
        let lower = input.to_ascii_lowercase();
        let mut outcome = Vec::new();
        for (new, name) in &updates {
            let line = format!(" {new} {name}").to_ascii_lowercase();
            if !lower.windows(line.len()).any(|w| w == line.as_bytes()) {
                return Err(format!("update {line:?} is not in the input"));
            }
            let found = match self.repo.ref_target(name) {
                Ok(Some(target)) => match parse_tracking_ref(name, target) {
                    Some(tracking) => {
                        if tracking.name != *name || !name.ends_with(&format!("/{}", tracking.id)) {
                            return Err(format!("tracking ref {name:?} read as {tracking:?}"));
                        }
                        format!("{:?}", tracking.kind)
                    }
                    None => "a ref".into(),
                },
                Ok(None) => "no ref".into(),
                Err(crate::repo::RepoError::Git { source, .. }) => {
                    format!("error {:?} {:?}", source.class(), source.code())
                }
                Err(_) => "error".into(),
            };
            outcome.push(found);
        }
        outcome.sort();
        outcome.dedup();
        Ok(outcome.join(", "))
    }
}
