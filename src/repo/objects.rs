//! Blobs, trees and commits. Commits are written as raw objects because
//! git-bug's have an empty author and committer, which libgit2 refuses to build.

use super::{Repo, Result, git_err};
use git2::{ObjectType, Oid};

/// One entry of a tree.
#[derive(Debug, Clone)]
pub struct TreeEntry {
    pub name: String,
    pub oid: Oid,
    /// The git file mode: [`TreeEntry::FILE`], [`TreeEntry::TREE`], or
    /// another (executable, symlink, submodule) in data read.
    pub mode: i32,
}

impl TreeEntry {
    /// A regular, non-executable file.
    pub const FILE: i32 = 0o100644;
    pub const TREE: i32 = 0o040000;

    /// A regular file entry.
    pub fn file(name: impl Into<String>, oid: Oid) -> TreeEntry {
        TreeEntry {
            name: name.into(),
            oid,
            mode: TreeEntry::FILE,
        }
    }

    pub fn is_file(&self) -> bool {
        self.mode == TreeEntry::FILE
    }

    pub fn is_tree(&self) -> bool {
        self.mode == TreeEntry::TREE
    }
}

/// What the entity layer needs from a commit.
#[derive(Debug, Clone)]
pub struct CommitInfo {
    pub tree: Oid,
    pub parents: Vec<Oid>,
}

impl Repo {
    pub fn read_blob(&self, oid: Oid) -> Result<Vec<u8>> {
        let blob = self
            .git
            .find_blob(oid)
            .map_err(git_err(format!("reading blob {oid}")))?;
        Ok(blob.content().to_vec())
    }

    /// Size of a blob without reading its content.
    pub fn blob_size(&self, oid: Oid) -> Result<usize> {
        let odb = self
            .git
            .odb()
            .map_err(git_err("opening the object database"))?;
        let (size, _) = odb
            .read_header(oid)
            .map_err(git_err(format!("reading object {oid}")))?;
        Ok(size)
    }

    pub fn read_commit(&self, oid: Oid) -> Result<CommitInfo> {
        let commit = self
            .git
            .find_commit(oid)
            .map_err(git_err(format!("reading commit {oid}")))?;
        Ok(CommitInfo {
            tree: commit.tree_id(),
            parents: commit.parent_ids().collect(),
        })
    }

    pub fn read_tree(&self, oid: Oid) -> Result<Vec<TreeEntry>> {
        let tree = self
            .git
            .find_tree(oid)
            .map_err(git_err(format!("reading tree {oid}")))?;
        Ok(tree
            .iter()
            .map(|e| TreeEntry {
                name: String::from_utf8_lossy(e.name_bytes()).into_owned(),
                oid: e.id(),
                mode: e.filemode(),
            })
            .collect())
    }

    pub fn write_blob(&self, content: &[u8]) -> Result<Oid> {
        self.git.blob(content).map_err(git_err("writing a blob"))
    }

    /// Writes a tree; entries are sorted into git's canonical order here.
    pub fn write_tree(&self, entries: &[TreeEntry]) -> Result<Oid> {
        let mut builder = self
            .git
            .treebuilder(None)
            .map_err(git_err("building a tree"))?;
        for entry in entries {
            builder
                .insert(&entry.name, entry.oid, entry.mode)
                .map_err(git_err(format!("adding {} to a tree", entry.name)))?;
        }
        builder.write().map_err(git_err("writing a tree"))
    }

    /// Writes a commit with git-bug's empty identity and empty message, dated
    /// now in the local UTC offset.
    pub fn write_entity_commit(&self, tree: Oid, parents: &[Oid]) -> Result<Oid> {
        let now = crate::localtime::now();
        let seconds = now.timestamp().as_second();
        let offset_minutes = now.offset().seconds() / 60;
        let sign = if offset_minutes < 0 { '-' } else { '+' };
        let abs = offset_minutes.abs();
        let stamp = format!("{seconds} {sign}{:02}{:02}", abs / 60, abs % 60);
        self.write_commit_stamped(tree, parents, &stamp)
    }

    /// An entity commit dated `seconds` (UTC): the same inputs give the
    /// same commit on any machine.
    pub fn write_entity_commit_at(&self, tree: Oid, parents: &[Oid], seconds: i64) -> Result<Oid> {
        self.write_commit_stamped(tree, parents, &format!("{seconds} +0000"))
    }

    /// The first commit of the history of `head` that a shallow fetch cut
    /// (listed in git's `shallow` file): that history is incomplete. `None`
    /// at once in a repository that is not shallow.
    pub fn shallow_boundary(&self, head: Oid) -> Result<Option<Oid>> {
        let Ok(text) = std::fs::read_to_string(self.git.commondir().join("shallow")) else {
            return Ok(None);
        };
        let cut: std::collections::HashSet<Oid> = text
            .lines()
            .filter_map(|line| Oid::from_str(line.trim()).ok())
            .collect();
        if cut.is_empty() {
            return Ok(None);
        }
        let mut walk = self.git.revwalk().map_err(git_err("walking a history"))?;
        walk.push(head).map_err(git_err("walking a history"))?;
        for oid in walk {
            let oid = oid.map_err(git_err("walking a history"))?;
            if cut.contains(&oid) {
                return Ok(Some(oid));
            }
        }
        Ok(None)
    }

    /// The time of a commit, in seconds since the epoch.
    pub fn commit_time(&self, commit: Oid) -> Result<i64> {
        let found = self
            .git
            .find_commit(commit)
            .map_err(git_err("reading a commit"))?;
        Ok(found.time().seconds())
    }

    fn write_commit_stamped(&self, tree: Oid, parents: &[Oid], stamp: &str) -> Result<Oid> {
        let mut body = format!("tree {tree}\n");
        for parent in parents {
            body.push_str(&format!("parent {parent}\n"));
        }
        body.push_str(&format!("author  <> {stamp}\ncommitter  <> {stamp}\n\n"));
        let odb = self
            .git
            .odb()
            .map_err(git_err("opening the object database"))?;
        odb.write(ObjectType::Commit, body.as_bytes())
            .map_err(git_err("writing a commit"))
    }

    /// Whether `ancestor` is reachable from `descendant` (or equal to it).
    pub fn is_ancestor(&self, ancestor: Oid, descendant: Oid) -> Result<bool> {
        if ancestor == descendant {
            return Ok(true);
        }
        self.git
            .graph_descendant_of(descendant, ancestor)
            .map_err(git_err("walking commit history"))
    }
}
