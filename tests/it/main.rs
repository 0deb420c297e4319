//! Integration tests: the built `git-bug` against real git repositories.

mod common;

mod bridge_rt;
mod commands;
mod doctor;
mod identity_race;
mod interop;
mod links;
mod man;
mod query;
mod server;
mod smoke;
mod standalone;
mod storage;
mod sync;
mod sync_props;
