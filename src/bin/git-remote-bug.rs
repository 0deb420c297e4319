//! `git-remote-bug`: git runs it for `bug::` remotes (other trackers).

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::ExitCode::from(git_bug::bridge::helper::main(&args) as u8)
}
