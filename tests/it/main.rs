//! Integration tests: the built `git-bug` against real git repositories.

mod common;

mod attachments;
mod bridge_redmine;
mod bridge_rt;
mod commands;
mod doctor;
mod help;
mod hostile;
mod identity_race;
mod interop;
mod links;
mod malformed;
mod man;
mod mutation;
mod query;
mod server;
mod smoke;
mod standalone;
mod storage;
mod sync;
mod sync_props;
