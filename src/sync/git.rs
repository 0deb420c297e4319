//! Running the system `git` for what crosses the network, so that the
//! user's credential helpers, SSH setup and `insteadOf` rules apply.

use crate::repo::Repo;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// Set for every git we start and by our hooks: our own hook blocks do
/// nothing while it is set, so nothing we do triggers them again.
pub const HOOK_GUARD: &str = "GIT_BUG_HOOK_ACTIVE";

/// Why a git command failed.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("git was not found on PATH")]
    NotFound,
    #[error("running git {args}: {source}")]
    Spawn {
        args: String,
        source: std::io::Error,
    },
    /// `command` is the git command in short (`push origin`), `stderr` the
    /// lines of git's own that say what went wrong.
    #[error("git {command} failed: {stderr}")]
    Failed { command: String, stderr: String },
    #[error("git {command} failed: {lock}")]
    Locked {
        command: String,
        lock: crate::repo::LeftoverLock,
    },
}

impl GitError {
    /// A failed run, described by the last line git printed on stderr.
    pub fn failed(args: &[&str], output: &Output) -> GitError {
        let stderr = String::from_utf8_lossy(&output.stderr);
        // git names a leftover lock file only in an earlier line.
        if let Some(lock) = crate::repo::named_in_git_output(&stderr).into_iter().next() {
            return GitError::Locked {
                command: args.first().copied().unwrap_or("").to_string(),
                lock,
            };
        }
        GitError::Failed {
            command: short_command(args),
            stderr: error_lines(&stderr),
        }
    }
}

/// A git command line short enough to read: whole when short, else the
/// subcommand and its first operand (`push origin`, not ten thousand
/// refspecs).
fn short_command(args: &[&str]) -> String {
    let whole = args.join(" ");
    if whole.len() <= 80 {
        return whole;
    }
    let mut short: Vec<&str> = args.iter().take(1).copied().collect();
    short.extend(args.iter().skip(1).find(|a| !a.starts_with('-')));
    short.join(" ")
}

/// What git said went wrong: its `fatal:`, `error:` and `remote:` lines and
/// per-ref refusals, without the advice around them; git's last line when
/// it printed none of those.
pub fn error_lines(stderr: &str) -> String {
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim_end)
        .filter(|l| {
            let t = l.trim_start();
            ["fatal:", "error:", "remote:", "! [", "warning:"]
                .iter()
                .any(|p| t.starts_with(p))
        })
        .filter(|l| l.trim() != "remote:")
        .take(8)
        .collect();
    if lines.is_empty() {
        return stderr.trim().lines().last().unwrap_or("").to_string();
    }
    lines
        .iter()
        .map(|l| l.trim())
        .collect::<Vec<_>>()
        .join("; ")
}

fn git_path() -> Result<PathBuf, GitError> {
    which::which("git").map_err(|_| GitError::NotFound)
}

/// A `git` command run where the repository is, with our hooks disarmed.
pub fn command(repo: &Repo) -> Result<Command, GitError> {
    let mut cmd = Command::new(git_path()?);
    let dir = repo
        .workdir()
        .map(PathBuf::from)
        .unwrap_or_else(|| repo.git2().path().to_path_buf());
    cmd.current_dir(dir).env(HOOK_GUARD, "1");
    Ok(cmd)
}

/// Runs git and returns its output, failing on a non-zero exit.
pub fn run(repo: &Repo, args: &[&str]) -> Result<Output, GitError> {
    let output = output(repo, args)?;
    if output.status.success() {
        Ok(output)
    } else {
        Err(GitError::failed(args, &output))
    }
}

/// Runs git and returns its output whatever the exit status.
pub fn output(repo: &Repo, args: &[&str]) -> Result<Output, GitError> {
    command(repo)?
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|source| GitError::Spawn {
            args: args.join(" "),
            source,
        })
}

/// The version of the system git, as (major, minor).
pub fn version(repo: &Repo) -> Result<(u32, u32), GitError> {
    let out = run(repo, &["version"])?;
    let text = String::from_utf8_lossy(&out.stdout);
    let numbers: Vec<u32> = text
        .split_whitespace()
        .nth(2)
        .unwrap_or("")
        .split('.')
        .take(2)
        .filter_map(|n| n.parse().ok())
        .collect();
    match numbers.as_slice() {
        [major, minor] => Ok((*major, *minor)),
        _ => Ok((0, 0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_what_went_wrong_and_drops_refspecs() {
        let stderr = "fatal: 'broken' does not appear to be a git repository\nfatal: Could not read from remote repository.\n\nPlease make sure you have the correct access rights\nand the repository exists.\n";
        assert_eq!(
            error_lines(stderr),
            "fatal: 'broken' does not appear to be a git repository; fatal: Could not read from remote repository."
        );
        let specs: Vec<String> = (0..600)
            .map(|i| format!("refs/bugs/{i}:refs/bugs/{i}"))
            .collect();
        let mut args = vec!["push", "--porcelain", "--no-verify", "broken"];
        args.extend(specs.iter().map(String::as_str));
        assert_eq!(short_command(&args), "push broken");
        assert_eq!(short_command(&["rev-parse", "HEAD"]), "rev-parse HEAD");
    }
}
