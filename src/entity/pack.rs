//! One commit of an entity: its tree layout (format version, clock markers,
//! the `ops` blob, attached files) and the operation pack it carries.

use super::EntityError;
use super::id::hash_id;
use crate::limits::{MAX_OPS_PER_PACK, MAX_PACK_BYTES};
use crate::repo::{Repo, TreeEntry};
use git2::Oid;
use serde::Deserialize;
use serde_json::value::RawValue;

/// The entity format version we read and write.
pub const FORMAT_VERSION: u64 = 4;
/// The empty blob every marker entry points to.
pub const EMPTY_BLOB: &str = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391";

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
    let layout = read_layout(commit, &repo.read_tree(info.tree)?)?;
    if repo.blob_size(layout.ops)? > MAX_PACK_BYTES {
        return Err(EntityError::corrupt(
            commit,
            format!(
                "operation pack is larger than the cap of {} MiB",
                MAX_PACK_BYTES >> 20
            ),
        ));
    }
    let blob = repo.read_blob(layout.ops)?;
    let (author, ops) = decode_pack(&blob).map_err(|e| EntityError::corrupt(commit, e))?;
    Ok(Pack {
        commit,
        parents: info.parents,
        create_clock: layout.create_clock,
        edit_clock: layout.edit_clock,
        id: hash_id(&blob),
        author,
        ops,
    })
}

/// What the tree of a pack commit says.
struct Layout {
    ops: Oid,
    create_clock: u64,
    edit_clock: u64,
}

/// Checks a pack tree against the layout git-bug writes (format spec
/// §1.3): one `version-N`, one `edit-clock-N`, at most one
/// `create-clock-N` and one `ops`, all regular files, numbers in plain
/// decimal. git-bug's reader takes the first of several markers and reads
/// `ops` whatever its mode; trees it never writes are refused here rather
/// than read one way by us and another by it. Other entries (`extra`, the
/// attached files) are ignored, as git-bug does.
fn read_layout(commit: Oid, entries: &[TreeEntry]) -> Result<Layout, EntityError> {
    let corrupt = |why: String| EntityError::corrupt(commit, format!("tree layout: {why}"));
    let mut version = None;
    let mut create_clock = None;
    let mut edit_clock = None;
    let mut ops = None;
    for entry in entries {
        let (slot, value) = if let Some(v) = entry.name.strip_prefix("version-") {
            (&mut version, v)
        } else if let Some(v) = entry.name.strip_prefix("create-clock-") {
            (&mut create_clock, v)
        } else if let Some(v) = entry.name.strip_prefix("edit-clock-") {
            (&mut edit_clock, v)
        } else if entry.name == "ops" {
            if !entry.is_file() {
                return Err(corrupt(format!(
                    "`ops` is not a regular file (mode {:o})",
                    entry.mode
                )));
            }
            ops = Some(entry.oid);
            continue;
        } else {
            continue;
        };
        if !entry.is_file() {
            return Err(corrupt(format!(
                "`{}` is not a regular file (mode {:o})",
                entry.name, entry.mode
            )));
        }
        let Some(number) = parse_decimal(value) else {
            return Err(corrupt(format!("unreadable number in `{}`", entry.name)));
        };
        if slot.replace(number).is_some() {
            let kind = &entry.name[..entry.name.len() - value.len()];
            return Err(corrupt(format!("more than one `{kind}N` entry")));
        }
    }
    check_version(commit, version)?;
    let ops = ops.ok_or_else(|| EntityError::corrupt(commit, "no ops blob in the tree"))?;
    Ok(Layout {
        ops,
        create_clock: create_clock.unwrap_or(0),
        edit_clock: edit_clock.unwrap_or(0),
    })
}

/// A number as git-bug writes it (`%d`): digits, no sign, no leading zero.
fn parse_decimal(text: &str) -> Option<u64> {
    let plain = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    plain.then(|| text.parse().ok()).flatten()
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
            "operation pack holds more than {MAX_OPS_PER_PACK} operations (the cap per commit)"
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
    let tree = write_pack_tree(repo, blob, create_clock, edit_clock)?;
    Ok(repo.write_entity_commit(tree, parents)?)
}

/// The tree of a pack: `ops`, the clock markers, `version-N`, and `extra`
/// when its operations carry files.
fn write_pack_tree(
    repo: &Repo,
    blob: &[u8],
    create_clock: Option<u64>,
    edit_clock: u64,
) -> Result<Oid, EntityError> {
    let empty = repo.write_blob(b"")?;
    let ops = repo.write_blob(blob)?;
    let marker = |name: String| TreeEntry::file(name, empty);
    let mut entries = vec![
        marker(format!("edit-clock-{edit_clock}")),
        TreeEntry::file("ops", ops),
        marker(format!("version-{FORMAT_VERSION}")),
    ];
    if let Some(create) = create_clock {
        entries.push(marker(format!("create-clock-{create}")));
    }
    let files = attached_files(blob);
    if !files.is_empty() {
        let listing: Vec<TreeEntry> = files
            .iter()
            .enumerate()
            .map(|(n, oid)| TreeEntry::file(format!("file{n}"), *oid))
            .collect();
        entries.push(TreeEntry {
            name: "extra".into(),
            oid: repo.write_tree(&listing)?,
            mode: TreeEntry::TREE,
        });
    }
    Ok(repo.write_tree(&entries)?)
}

/// The files the operations of a pack carry (their `files` hashes), each
/// once, in operation and file order: what git-bug lists in the `extra`
/// subtree so that push and fetch carry the blobs along. Readers take the
/// files from the operations, never from `extra`.
pub fn attached_files(blob: &[u8]) -> Vec<Oid> {
    #[derive(serde::Deserialize)]
    struct Files {
        files: Option<Vec<String>>,
    }
    // Most packs have none: skip the parse.
    if !blob.windows(9).any(|w| w == b"\"files\":[") {
        return Vec::new();
    }
    let Ok((_, ops)) = decode_pack(blob) else {
        return Vec::new();
    };
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for op in ops {
        let Ok(Files { files: Some(files) }) = serde_json::from_str::<Files>(&op.json) else {
            continue;
        };
        for oid in files.iter().filter_map(|h| Oid::from_str(h).ok()) {
            if seen.insert(oid) {
                out.push(oid);
            }
        }
    }
    out
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
    let edit_clock = edit_clock.saturating_add(1);
    if edit_clock > super::clock::MAX_CLOCK {
        // Readers would refuse it; remote data cannot get this far.
        return Err(EntityError::Invalid(format!(
            "cannot merge: the edit clock would pass its maximum ({})",
            super::clock::MAX_CLOCK
        )));
    }
    let tree = write_pack_tree(repo, &encode_pack(&author, None), None, edit_clock)?;
    Ok((
        repo.write_entity_commit_at(tree, &parents, time)?,
        edit_clock,
    ))
}

#[cfg(test)]
mod tests {
    use super::parse_decimal;

    #[test]
    fn numbers_are_read_as_git_bug_writes_them() {
        assert_eq!(parse_decimal("0"), Some(0));
        assert_eq!(parse_decimal("42"), Some(42));
        assert_eq!(parse_decimal("18446744073709551615"), Some(u64::MAX));
        for bad in [
            "",
            "+2",
            "-2",
            "02",
            " 2",
            "2 ",
            "0x2",
            "18446744073709551616",
        ] {
            assert_eq!(parse_decimal(bad), None, "{bad:?}");
        }
    }
}
