//! One module per command (or per small family of commands).

pub mod comment;
pub mod completion;
pub mod doctor;
pub mod file;
pub mod help;
pub mod hook;
pub mod label;
pub mod list;
pub mod man;
pub mod new;
pub mod rm;
pub mod select;
pub mod show;
pub mod status;
pub mod sync;
pub mod title;
pub mod user;
