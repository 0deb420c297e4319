//! One commit of an entity: its tree layout (format version, clock markers,
//! the `ops` blob, attached files) and the operation pack it carries.

use super::EntityError;
use super::id::hash_id;
use crate::repo::{Repo, TreeEntry};
use git2::Oid;
use serde::Deserialize;
use serde_json::value::RawValue;

/// The entity format version we read and write.
pub const FORMAT_VERSION: u64 = 4;
/// The empty blob every marker entry points to.
pub const EMPTY_BLOB: &str = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391";

/// Caps on what one pack may hold; remote data beyond them is refused.
const MAX_PACK_BYTES: usize = 64 << 20;
const MAX_OPS_PER_PACK: usize = 100_000;

const MIGRATION_HINT: &str =
    "please use https://github.com/git-bug/git-bug-migration to upgrade to format version 4";

/// An operation exactly as stored: its raw JSON bytes and their hash.
#[derive(Debug, Clone)]
pub struct RawOp {
    pub id: String,
    pub json: String,
}

/// A decoded commit of an entity.
#[derive(Debug, Clone)]
pub struct Pack {
    pub commit: Oid,
    pub parents: Vec<Oid>,
    pub create_clock: u64,
    pub edit_clock: u64,
    /// sha256 of the whole `ops` blob: the tie-breaker between equal clocks.
    pub id: String,
    pub author: String,
    pub ops: Vec<RawOp>,
}

#[derive(Deserialize)]
struct PackJson<'a> {
    #[serde(default)]
    author: Option<AuthorRef>,
    #[serde(borrow, default)]
    ops: Option<Vec<&'a RawValue>>,
}

#[derive(Deserialize)]
struct AuthorRef {
    #[serde(default)]
    id: String,
}

/// Reads the pack stored by `commit`.
pub fn read_pack(repo: &Repo, commit: Oid) -> Result<Pack, EntityError> {
    let info = repo.read_commit(commit)?;
    let entries = repo.read_tree(info.tree)?;
    let mut version = None;
    let mut create_clock = 0;
    let mut edit_clock = 0;
    let mut ops_blob = None;
    for entry in &entries {
        if let Some(v) = entry.name.strip_prefix("version-") {
            if version.is_none() {
                version = Some(v.parse::<u64>().map_err(|_| {
                    EntityError::corrupt(commit, format!("unreadable format version {v:?}"))
                })?);
            }
        } else if let Some(v) = entry.name.strip_prefix("create-clock-") {
            create_clock = parse_clock(commit, v)?;
        } else if let Some(v) = entry.name.strip_prefix("edit-clock-") {
            edit_clock = parse_clock(commit, v)?;
        } else if entry.name == "ops" && !entry.is_tree {
            ops_blob = Some(entry.oid);
        }
    }
    check_version(commit, version)?;
    let ops_blob =
        ops_blob.ok_or_else(|| EntityError::corrupt(commit, "no ops blob in the tree"))?;
    if repo.blob_size(ops_blob)? > MAX_PACK_BYTES {
        return Err(EntityError::corrupt(
            commit,
            "operation pack is larger than 64 MiB",
        ));
    }
    let blob = repo.read_blob(ops_blob)?;
    let (author, ops) = decode_pack(&blob).map_err(|e| EntityError::corrupt(commit, e))?;
    Ok(Pack {
        commit,
        parents: info.parents,
        create_clock,
        edit_clock,
        id: hash_id(&blob),
        author,
        ops,
    })
}

fn parse_clock(commit: Oid, text: &str) -> Result<u64, EntityError> {
    text.parse::<u64>()
        .map_err(|_| EntityError::corrupt(commit, format!("unreadable clock value {text:?}")))
}

fn check_version(commit: Oid, version: Option<u64>) -> Result<(), EntityError> {
    match version {
        None => Err(EntityError::corrupt(
            commit,
            format!(
                "unreadable data, you likely have an outdated repository format, {MIGRATION_HINT}"
            ),
        )),
        Some(v) if v > 4096 => Err(EntityError::corrupt(commit, "format version too big")),
        Some(v) if v < FORMAT_VERSION => Err(EntityError::corrupt(
            commit,
            format!("outdated repository format {v}, {MIGRATION_HINT}"),
        )),
        Some(v) if v > FORMAT_VERSION => Err(EntityError::corrupt(
            commit,
            format!(
                "your version of git-bug is too old for this repository (format version {v}, expected {FORMAT_VERSION}), please upgrade to the latest version"
            ),
        )),
        Some(_) => Ok(()),
    }
}

/// Splits an `ops` blob into its author and the raw bytes of each operation.
pub fn decode_pack(blob: &[u8]) -> Result<(String, Vec<RawOp>), String> {
    let parsed: PackJson = serde_json::from_slice(blob)
        .map_err(|e| format!("operation pack is not valid JSON: {e}"))?;
    let author = parsed.author.map(|a| a.id).unwrap_or_default();
    if author.is_empty() {
        return Err("missing author in operation pack".into());
    }
    let raw_ops = parsed.ops.unwrap_or_default();
    if raw_ops.len() > MAX_OPS_PER_PACK {
        return Err(format!(
            "operation pack holds more than {MAX_OPS_PER_PACK} operations"
        ));
    }
    let ops = raw_ops
        .into_iter()
        .map(|raw| RawOp {
            id: hash_id(raw.get().as_bytes()),
            json: raw.get().to_string(),
        })
        .collect();
    Ok((author, ops))
}

/// The `ops` blob for a pack: `{"author":{"id":…},"ops":[…]}`, or `"ops":null`
/// for a merge commit.
pub fn encode_pack(author: &str, ops: Option<&[Vec<u8>]>) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + ops.map_or(0, |o| o.iter().map(Vec::len).sum()));
    out.extend_from_slice(b"{\"author\":{\"id\":");
    super::gojson::write_string(&mut out, author);
    out.extend_from_slice(b"},\"ops\":");
    match ops {
        None => out.extend_from_slice(b"null"),
        Some(ops) => {
            out.push(b'[');
            for (i, op) in ops.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(op);
            }
            out.push(b']');
        }
    }
    out.push(b'}');
    out
}

/// Writes the blob, tree and commit of a new pack; the caller moves the ref.
pub fn write_pack_commit(
    repo: &Repo,
    parents: &[Oid],
    blob: &[u8],
    create_clock: Option<u64>,
    edit_clock: u64,
) -> Result<Oid, EntityError> {
    let empty = repo.write_blob(b"")?;
    let ops = repo.write_blob(blob)?;
    let marker = |name: String| TreeEntry {
        name,
        oid: empty,
        is_tree: false,
    };
    let mut entries = vec![
        marker(format!("edit-clock-{edit_clock}")),
        TreeEntry {
            name: "ops".into(),
            oid: ops,
            is_tree: false,
        },
        marker(format!("version-{FORMAT_VERSION}")),
    ];
    if let Some(create) = create_clock {
        entries.push(marker(format!("create-clock-{create}")));
    }
    let tree = repo.write_tree(&entries)?;
    Ok(repo.write_entity_commit(tree, parents)?)
}

/// A merge commit joining `parents` that carries no operation, the same on
/// every machine that joins the same heads: parents in id order, the
/// smallest author of theirs, the edit clock after theirs, the latest of
/// their times. Two clones that merge the same heads independently then
/// hold one commit, not two that differ only in who wrote them and when.
pub fn write_join_commit(repo: &Repo, parents: &[Oid]) -> Result<(Oid, u64), EntityError> {
    let mut parents = parents.to_vec();
    parents.sort();
    parents.dedup();
    let mut author: Option<String> = None;
    let mut edit_clock = 0;
    let mut time = 0;
    for &parent in &parents {
        let pack = read_pack(repo, parent)?;
        if author.as_ref().is_none_or(|a| pack.author < *a) {
            author = Some(pack.author);
        }
        edit_clock = edit_clock.max(pack.edit_clock);
        time = time.max(repo.commit_time(parent)?);
    }
    let author = author.ok_or_else(|| EntityError::Invalid("a merge needs parents".into()))?;
    let edit_clock = edit_clock
        .checked_add(1)
        .ok_or_else(|| EntityError::Invalid("edit clock out of range".into()))?;
    let empty = repo.write_blob(b"")?;
    let ops = repo.write_blob(&encode_pack(&author, None))?;
    let marker = |name: String| TreeEntry {
        name,
        oid: empty,
        is_tree: false,
    };
    let entries = vec![
        marker(format!("edit-clock-{edit_clock}")),
        TreeEntry {
            name: "ops".into(),
            oid: ops,
            is_tree: false,
        },
        marker(format!("version-{FORMAT_VERSION}")),
    ];
    let tree = repo.write_tree(&entries)?;
    Ok((
        repo.write_entity_commit_at(tree, &parents, time)?,
        edit_clock,
    ))
}
