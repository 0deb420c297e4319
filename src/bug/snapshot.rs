//! Compiling a bug's ordered operations into the state people see
//! (format spec §6). The snapshot is the only truth about a bug.

use super::operation::{OpKind, Operation, Status};
use crate::entity::id::{combine, human};
use crate::identity::Identity;
use crate::limits::MAX_LABELS_PER_BUG;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

/// One operation in applied order, with what the pack said about it.
#[derive(Debug, Clone)]
pub struct AppliedOp {
    pub id: String,
    pub author: Arc<Identity>,
    pub op: Operation,
    pub edit_clock: u64,
}

/// A comment, the description included, after every edit.
#[derive(Debug, Clone)]
pub struct Comment {
    /// The combined id people use to address it.
    pub id: String,
    /// The id of the create or add-comment operation that made it.
    pub op_id: String,
    pub author: Arc<Identity>,
    pub message: String,
    pub files: Option<Vec<String>>,
    pub created: i64,
    pub last_edit: i64,
    /// Every version of the message with its time, the original first.
    pub history: Vec<(String, i64)>,
}

impl Comment {
    pub fn human_id(&self) -> &str {
        human(&self.id)
    }

    pub fn is_edited(&self) -> bool {
        self.history.len() > 1
    }
}

/// What happened to a bug, one entry per visible operation.
#[derive(Debug, Clone)]
pub enum TimelineItem {
    /// The description (index 0) or a later comment, by index into `comments`.
    Comment(usize),
    SetTitle {
        id: String,
        author: Arc<Identity>,
        time: i64,
        title: String,
        was: String,
    },
    SetStatus {
        id: String,
        author: Arc<Identity>,
        time: i64,
        status: Status,
    },
    LabelChange {
        id: String,
        author: Arc<Identity>,
        time: i64,
        added: Vec<String>,
        removed: Vec<String>,
    },
}

/// The compiled state of a bug.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub id: String,
    pub status: Status,
    pub title: String,
    /// `None` until a label operation added something (JSON `null`).
    pub labels: Option<Vec<String>>,
    pub author: Arc<Identity>,
    pub actors: Vec<Arc<Identity>>,
    pub participants: Vec<Arc<Identity>>,
    pub comments: Vec<Comment>,
    pub timeline: Vec<TimelineItem>,
    pub create_time: i64,
    pub edit_time: i64,
    pub create_lamport: u64,
    pub edit_lamport: u64,
    /// Metadata of the create operation, extended by set-metadata operations.
    pub create_metadata: BTreeMap<String, String>,
    pub operations: Vec<AppliedOp>,
}

impl Snapshot {
    pub fn human_id(&self) -> &str {
        human(&self.id)
    }

    pub fn labels(&self) -> &[String] {
        self.labels.as_deref().unwrap_or(&[])
    }

    /// Metadata of an operation: its own keys, then those set later.
    pub fn op_metadata(&self, op_id: &str) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for applied in &self.operations {
            if let OpKind::SetMetadata {
                target,
                new_metadata,
            } = &applied.op.kind
                && target == op_id
            {
                for (k, v) in new_metadata {
                    out.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
        }
        if let Some(op) = self.operations.iter().find(|a| a.id == op_id) {
            out.extend(op.op.metadata.clone());
        }
        out
    }
}

/// The labels of a bug as label changes leave them: sorted, each once, in
/// time linear in the labels changed (a remote may send many).
#[derive(Debug, Default)]
pub struct LabelSet {
    /// `None` until a change added something (JSON `null`, not `[]`).
    labels: Option<BTreeSet<String>>,
}

impl LabelSet {
    /// The labels a snapshot holds.
    pub fn of(snapshot: &Snapshot) -> LabelSet {
        LabelSet {
            labels: snapshot
                .labels
                .as_ref()
                .map(|l| l.iter().cloned().collect()),
        }
    }

    pub fn change(&mut self, added: &Option<Vec<String>>, removed: &Option<Vec<String>>) {
        for label in added.iter().flatten() {
            self.labels
                .get_or_insert_with(BTreeSet::new)
                .insert(label.clone());
        }
        if let Some(labels) = self.labels.as_mut() {
            for label in removed.iter().flatten() {
                labels.remove(label);
            }
        }
    }

    /// Applies `kind` if it changes labels, refusing to hold more than the cap.
    pub fn apply_within_cap(&mut self, kind: &OpKind) -> Result<(), String> {
        if let OpKind::LabelChange { added, removed } = kind {
            self.change(added, removed);
            let count = self.labels.as_ref().map_or(0, BTreeSet::len);
            if count > MAX_LABELS_PER_BUG {
                return Err(format!(
                    "bug would hold {count} labels, more than {MAX_LABELS_PER_BUG} (the cap per bug)"
                ));
            }
        }
        Ok(())
    }

    pub fn into_list(self) -> Option<Vec<String>> {
        self.labels.map(|l| l.into_iter().collect())
    }
}

/// The people of one list (actors, participants), each once, in order of
/// first appearance; a set keeps the cost linear in the operations.
#[derive(Default)]
struct People(HashSet<String>);

impl People {
    fn add(&mut self, list: &mut Vec<Arc<Identity>>, who: &Arc<Identity>) {
        if !self.0.contains(&who.id) {
            self.0.insert(who.id.clone());
            list.push(who.clone());
        }
    }
}

/// Applies `ops`, already in their final order, to an empty bug `bug_id`.
/// Fails only when the first operation does not create the bug.
pub fn compile(
    bug_id: &str,
    ops: Vec<AppliedOp>,
    create_lamport: u64,
    edit_lamport: u64,
) -> Result<Snapshot, String> {
    let first = ops.first().ok_or("bug has no operation")?;
    if !matches!(first.op.kind, OpKind::Create { .. }) || first.id != bug_id {
        return Err("the first operation does not create this bug".into());
    }
    let mut snap = Snapshot {
        id: bug_id.to_string(),
        status: Status::Open,
        title: String::new(),
        labels: None,
        author: first.author.clone(),
        actors: Vec::new(),
        participants: Vec::new(),
        comments: Vec::new(),
        timeline: Vec::new(),
        create_time: first.op.timestamp,
        edit_time: 0,
        create_lamport,
        edit_lamport,
        create_metadata: BTreeMap::new(),
        operations: Vec::with_capacity(ops.len()),
    };
    // Comment and other timeline items by combined id; the first one wins.
    let mut item_by_id: HashMap<String, usize> = HashMap::new();
    let mut labels = LabelSet::default();
    let mut actors = People::default();
    let mut participants = People::default();

    for applied in ops {
        let item_id = combine(bug_id, &applied.id);
        let author = &applied.author;
        let time = applied.op.timestamp;
        match &applied.op.kind {
            OpKind::Create {
                title,
                message,
                files,
            } => {
                if applied.id == bug_id {
                    actors.add(&mut snap.actors, author);
                    participants.add(&mut snap.participants, author);
                    snap.title = title.clone();
                    snap.comments
                        .push(new_comment(&item_id, &applied, message, files));
                    item_by_id.entry(item_id).or_insert(snap.timeline.len());
                    snap.timeline
                        .push(TimelineItem::Comment(snap.comments.len() - 1));
                }
            }
            OpKind::SetTitle { title, was } => {
                snap.title = title.clone();
                actors.add(&mut snap.actors, author);
                item_by_id
                    .entry(item_id.clone())
                    .or_insert(snap.timeline.len());
                snap.timeline.push(TimelineItem::SetTitle {
                    id: item_id,
                    author: author.clone(),
                    time,
                    title: title.clone(),
                    was: was.clone(),
                });
            }
            OpKind::AddComment { message, files } => {
                actors.add(&mut snap.actors, author);
                participants.add(&mut snap.participants, author);
                snap.comments
                    .push(new_comment(&item_id, &applied, message, files));
                item_by_id.entry(item_id).or_insert(snap.timeline.len());
                snap.timeline
                    .push(TimelineItem::Comment(snap.comments.len() - 1));
            }
            OpKind::SetStatus { status } => {
                snap.status = *status;
                actors.add(&mut snap.actors, author);
                item_by_id
                    .entry(item_id.clone())
                    .or_insert(snap.timeline.len());
                snap.timeline.push(TimelineItem::SetStatus {
                    id: item_id,
                    author: author.clone(),
                    time,
                    status: *status,
                });
            }
            OpKind::LabelChange { added, removed } => {
                actors.add(&mut snap.actors, author);
                labels.change(added, removed);
                item_by_id
                    .entry(item_id.clone())
                    .or_insert(snap.timeline.len());
                snap.timeline.push(TimelineItem::LabelChange {
                    id: item_id,
                    author: author.clone(),
                    time,
                    added: added.clone().unwrap_or_default(),
                    removed: removed.clone().unwrap_or_default(),
                });
            }
            OpKind::EditComment {
                target,
                message,
                files,
            } => {
                let target_item = combine(bug_id, target);
                let comment = match item_by_id.get(&target_item).map(|&i| &snap.timeline[i]) {
                    Some(TimelineItem::Comment(index)) => Some(*index),
                    _ => None,
                };
                if let Some(index) = comment {
                    let c = &mut snap.comments[index];
                    c.message = message.clone();
                    c.files = files.clone();
                    c.last_edit = time;
                    c.history.push((message.clone(), time));
                    actors.add(&mut snap.actors, author);
                }
            }
            OpKind::NoOp | OpKind::SetMetadata { .. } => {}
        }
        snap.edit_time = time;
        snap.operations.push(applied);
    }
    snap.labels = labels.into_list();
    snap.create_metadata = snap.op_metadata(bug_id);
    Ok(snap)
}

fn new_comment(
    id: &str,
    applied: &AppliedOp,
    message: &str,
    files: &Option<Vec<String>>,
) -> Comment {
    Comment {
        id: id.to_string(),
        op_id: applied.id.clone(),
        author: applied.author.clone(),
        message: message.to_string(),
        files: files.clone(),
        created: applied.op.timestamp,
        last_edit: applied.op.timestamp,
        history: vec![(message.to_string(), applied.op.timestamp)],
    }
}
