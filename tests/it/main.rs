//! Integration tests: the built `git-bug` against real git repositories.

mod common;

mod smoke;
