//! git-bug: a distributed bug tracker that keeps its bugs inside the git
//! repository it tracks, in the same format as the Go git-bug.
//!
//! Layers, bottom up: [`repo`] (git), [`entity`] (commit DAGs of operation
//! packs), [`identity`] and [`bug`] (what the operations mean), [`query`]
//! (filtering and sorting), [`cli`] (the commands).

pub mod bridge;
pub mod bug;
pub mod cli;
pub mod doctor;
pub mod entity;
#[doc(hidden)]
pub mod fuzzing;
pub mod identity;
pub mod limits;
pub mod links;
pub mod localtime;
pub mod query;
pub mod repo;
pub mod sync;
