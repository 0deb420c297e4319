//! Every cap on what one bug may hold, in one place.
//!
//! Remote data is refused beyond these caps (for that bug alone, naming the
//! cap), and local commands refuse to go beyond them, so a bug written here
//! is never refused elsewhere. They are far above what a real tracker
//! reaches: the Go git-bug enforces none, and its own bug database (421
//! bugs imported from GitHub) has at most 37 commits per bug, packs of at
//! most 198 KB, titles of at most 146 characters and messages of at most
//! 62,211 characters. GitHub allows 256 characters per title, 65,536 per
//! comment and 100 labels per issue.
//!
//! What only bounds memory while reading (a hostile history must not
//! exhaust it) is separate: [`READ_MAX_COMMITS`], [`MAX_PACK_BYTES`],
//! [`MAX_PARENTS`].

/// Commits in one bug's history, merge commits included.
pub const MAX_COMMITS_PER_BUG: usize = 10_000;
/// Operations in one bug.
pub const MAX_OPS_PER_BUG: usize = 10_000;
/// Operations in one commit.
pub const MAX_OPS_PER_PACK: usize = MAX_OPS_PER_BUG;
/// Operations stored twice in one bug, as two merged histories hold them
/// when one has a rebased copy (rare, and few at a time).
pub const MAX_REPEATED_OPS: usize = 1_000;
/// Labels one operation adds or removes.
pub const MAX_LABELS_PER_OP: usize = 1_000;
/// Labels set on one bug at any point of its history.
pub const MAX_LABELS_PER_BUG: usize = 1_000;
/// Bytes of one label.
pub const MAX_LABEL_BYTES: usize = 1 << 10;
/// Bytes of a title.
pub const MAX_TITLE_BYTES: usize = 4 << 10;
/// Bytes of a description or comment.
pub const MAX_MESSAGE_BYTES: usize = 1 << 20;

/// A step of a Lamport clock larger than this from a commit's latest parent
/// is refused as an attack (git-bug checks it on single-parent edges only).
pub const MAX_CLOCK_JUMP: u64 = 1_000_000;
/// Clock values that remote data may carry. The clocks stored here may go
/// up to `entity::clock::MAX_CLOCK`, which leaves this much room for local
/// writes after witnessing the largest value accepted.
pub const MAX_REMOTE_CLOCK: u64 = crate::entity::clock::MAX_CLOCK - CLOCK_HEADROOM;
/// Local writes left after witnessing [`MAX_REMOTE_CLOCK`].
pub const CLOCK_HEADROOM: u64 = 1 << 32;

/// Commits read from one history before giving up, whatever its origin.
pub const READ_MAX_COMMITS: usize = 1_000_000;
/// Bytes of one `ops` blob, checked from the object header before reading.
pub const MAX_PACK_BYTES: usize = 16 << 20;
/// Parents of one commit.
pub const MAX_PARENTS: usize = 16;

/// Bytes of one attached file. git carries any size, but every clone
/// fetches every attachment forever: this keeps a bug a bug report.
pub const MAX_FILE_BYTES: u64 = 32 << 20;
/// Files attached to one operation.
pub const MAX_FILES_PER_OP: usize = 100;
