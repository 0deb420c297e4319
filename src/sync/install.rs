//! `git bug install` / `uninstall`: fetch refspecs on each remote and our
//! blocks in the hooks git runs; with `--server`, the check of what is
//! pushed to this repository. Installing twice changes nothing, and
//! uninstalling restores what was there: what we add is recorded in
//! `<state>/install`, and our part of a hook file is one marked block.

use super::git::{self, GitError};
use crate::repo::Repo;
use std::path::{Path, PathBuf};

const BEGIN: &str =
    "# >>> git-bug >>> managed by \"git bug install\"; \"git bug uninstall\" removes it";
const END: &str = "# <<< git-bug <<<";
const SAVED_SUFFIX: &str = ".git-bug-saved";

/// The hooks we install, with the shell text of our block.
pub const HOOKS: &[(&str, &str)] = &[
    (
        "reference-transaction",
        include_str!("../../hooks/reference-transaction"),
    ),
    ("pre-push", include_str!("../../hooks/pre-push")),
    ("commit-msg", include_str!("../../hooks/commit-msg")),
];

/// The hook of a repository people push to (`install --server`): git
/// gives it the pushed updates of [`super::server::CHECKED_REFS`].
pub const SERVER_HOOKS: &[(&str, &str)] =
    &[("proc-receive", include_str!("../../hooks/proc-receive"))];

/// The configuration that hands those updates to the hook.
const SERVER_CONFIG: &str = "receive.procReceiveRefs";

/// The fetch refspecs that bring a remote's bugs and identities.
pub fn fetch_refspecs(remote: &str) -> [String; 2] {
    [
        format!("+refs/bugs/*:refs/remotes/{remote}/bugs/*"),
        format!("+refs/identities/*:refs/remotes/{remote}/identities/*"),
    ]
}

/// What `git push` sends to a tracker remote.
pub const TRACKER_PUSH_REFSPEC: &str = "refs/bugs/*:refs/bugs/*";

/// Why installing failed.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error(transparent)]
    Git(#[from] GitError),
    #[error("{0}")]
    Io(String),
    #[error("no remote named {0:?}")]
    NoSuchRemote(String),
    #[error("{} is not a shell script, so git-bug cannot add its part to it safely", .0.display())]
    ForeignHook(PathBuf),
    #[error("{} is already there, and git runs a single proc-receive hook that cannot be shared", .0.display())]
    HookInUse(PathBuf),
}

fn io(what: &str, path: &Path) -> impl FnOnce(std::io::Error) -> InstallError {
    let what = format!("{what} {}", path.display());
    move |e| InstallError::Io(format!("{what}: {e}"))
}

/// How to treat a hook file we cannot edit safely.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ForeignHooks {
    /// Stop with an error naming the file.
    #[default]
    Refuse,
    /// Move it aside and call it from our hook.
    Chain,
    /// Leave it alone and print what to add by hand.
    Manual,
}

/// What install or uninstall did, in lines for the user.
#[derive(Debug, Default)]
pub struct Changes {
    pub lines: Vec<String>,
}

/// The state file listing what install added.
struct Record {
    path: PathBuf,
    lines: Vec<String>,
}

impl Record {
    fn load(repo: &Repo) -> Record {
        let path = repo.state_dir().join("install");
        let lines = std::fs::read_to_string(&path)
            .unwrap_or_default()
            .lines()
            .map(String::from)
            .collect();
        Record { path, lines }
    }

    fn has(&self, line: &str) -> bool {
        self.lines.iter().any(|l| l == line)
    }

    fn add(&mut self, line: String) {
        if !self.has(&line) {
            self.lines.push(line);
        }
    }

    fn remove(&mut self, line: &str) {
        self.lines.retain(|l| l != line);
    }

    fn save(&self) -> Result<(), InstallError> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(io("creating", dir))?;
        }
        if self.lines.is_empty() {
            let _ = std::fs::remove_file(&self.path);
            return Ok(());
        }
        std::fs::write(&self.path, self.lines.join("\n") + "\n").map_err(io("writing", &self.path))
    }
}

/// Where git looks for hooks: `core.hooksPath`, or the common hooks dir.
pub fn hooks_dir(repo: &Repo) -> Result<PathBuf, InstallError> {
    let out = git::run(repo, &["rev-parse", "--git-path", "hooks"])?;
    let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    let base = repo
        .workdir()
        .map(PathBuf::from)
        .unwrap_or_else(|| repo.git2().path().to_path_buf());
    Ok(if path.is_absolute() {
        path
    } else {
        base.join(path)
    })
}

/// Names of the configured remotes.
pub fn remotes(repo: &Repo) -> Result<Vec<String>, InstallError> {
    let names = repo
        .git2()
        .remotes()
        .map_err(|e| InstallError::Io(format!("listing remotes: {e}")))?;
    Ok(names.iter().flatten().flatten().map(String::from).collect())
}

fn selected_remotes(repo: &Repo, only: Option<&str>) -> Result<Vec<String>, InstallError> {
    let all = remotes(repo)?;
    match only {
        Some(name) if all.iter().any(|r| r == name) => Ok(vec![name.to_string()]),
        Some(name) => Err(InstallError::NoSuchRemote(name.to_string())),
        None => Ok(all),
    }
}

/// Our block for a hook: its text with the path of this executable (for
/// when git-bug is not on PATH) and the default branch filled in.
fn block(text: &str, default_branch: &str) -> String {
    let fallback = std::env::current_exe()
        .ok()
        .map(|p| shell_quote(&p.to_string_lossy()))
        .unwrap_or_else(|| "git-bug".into());
    let text = text
        .replace("@GIT_BUG_FALLBACK@", &fallback)
        .replace("@GIT_BUG_DEFAULT_BRANCH@", default_branch);
    format!("{BEGIN}\n{text}{END}\n")
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Whether a hook file is a script we can add shell lines to.
fn is_shell_script(text: &str) -> bool {
    let first = text.lines().next().unwrap_or("");
    let interpreter = first.strip_prefix("#!").map(str::trim).unwrap_or("");
    let program = interpreter
        .strip_prefix("/usr/bin/env ")
        .unwrap_or(interpreter)
        .trim();
    let name = program
        .split_whitespace()
        .next()
        .unwrap_or("")
        .rsplit('/')
        .next()
        .unwrap_or("");
    matches!(name, "sh" | "bash" | "dash" | "ksh")
}

/// Removes our block from a hook's text; `None` when there is none.
fn without_block(text: &str) -> Option<String> {
    let start = text.find(BEGIN)?;
    let end_marker = text[start..].find(END)? + start;
    let mut end = end_marker + END.len();
    if text[end..].starts_with('\n') {
        end += 1;
    }
    Some(format!("{}{}", &text[..start], &text[end..]))
}

fn set_executable(path: &Path) -> Result<(), InstallError> {
    use std::os::unix::fs::PermissionsExt;
    let mut perms = std::fs::metadata(path)
        .map_err(io("reading", path))?
        .permissions();
    perms.set_mode(perms.mode() | 0o755);
    std::fs::set_permissions(path, perms).map_err(io("making executable", path))
}

#[allow(clippy::too_many_arguments)]
fn install_hook(
    dir: &Path,
    name: &str,
    text: &str,
    default_branch: &str,
    foreign: ForeignHooks,
    record: &mut Record,
    changes: &mut Changes,
) -> Result<(), InstallError> {
    let path = dir.join(name);
    let ours = block(text, default_branch);
    let shown = path.display();
    let existing = match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(io("reading", &path)(e)),
    };
    let new_text = match existing.as_deref().map(std::str::from_utf8) {
        None => {
            record.add(format!("created {}", path.display()));
            changes.lines.push(format!("created {shown}"));
            format!("#!/bin/sh\n{ours}")
        }
        Some(Ok(current)) if current.contains(BEGIN) => {
            let Some(mut rest) = without_block(current) else {
                return Err(InstallError::Io(format!(
                    "{shown} has a damaged git-bug block; remove it by hand"
                )));
            };
            // A hook we moved aside stays called, whatever wrote this file
            // (an older install kept the call inside the block).
            let chain = chain_line(name);
            if dir.join(format!("{name}{SAVED_SUFFIX}")).exists() && !rest.contains(&chain) {
                rest.push_str(&chain);
            }
            let start = current.find(BEGIN).unwrap_or(0);
            let updated = format!("{}{ours}{}", &rest[..start], &rest[start..]);
            if updated == current {
                changes.lines.push(format!("{shown} is up to date"));
                return Ok(());
            }
            changes
                .lines
                .push(format!("updated the git-bug block in {shown}"));
            updated
        }
        Some(Ok(current)) if is_shell_script(current) => {
            // Our block goes first, so that an `exit` in the user's code cannot skip it.
            let split = current.find('\n').map_or(current.len(), |i| i + 1);
            changes
                .lines
                .push(format!("added the git-bug block to {shown}"));
            let newline = if split == current.len() && !current.ends_with('\n') {
                "\n"
            } else {
                ""
            };
            format!("{}{newline}{ours}{}", &current[..split], &current[split..])
        }
        Some(_) => match foreign {
            ForeignHooks::Refuse => return Err(InstallError::ForeignHook(path)),
            ForeignHooks::Manual => {
                changes.lines.push(format!(
                    "left {shown} alone; make it run this shell code first:\n{ours}"
                ));
                return Ok(());
            }
            ForeignHooks::Chain => {
                let saved = dir.join(format!("{name}{SAVED_SUFFIX}"));
                std::fs::rename(&path, &saved).map_err(io("moving aside", &path))?;
                record.add(format!("created {}", path.display()));
                changes.lines.push(format!(
                    "moved {shown} to {} and call it from the new hook",
                    saved.display()
                ));
                // The call is outside our block: the user's part of the hook.
                format!("#!/bin/sh\n{ours}{}", chain_line(name))
            }
        },
    };
    std::fs::create_dir_all(dir).map_err(io("creating", dir))?;
    std::fs::write(&path, new_text).map_err(io("writing", &path))?;
    set_executable(&path)
}

/// The line of a hook we wrote that runs the user's hook moved aside.
fn chain_line(name: &str) -> String {
    format!("exec \"${{0%/*}}/{name}{SAVED_SUFFIX}\" \"$@\"\n")
}

fn uninstall_hook(
    dir: &Path,
    name: &str,
    record: &mut Record,
    changes: &mut Changes,
) -> Result<(), InstallError> {
    let path = dir.join(name);
    let Ok(current) = std::fs::read_to_string(&path) else {
        return Ok(());
    };
    let Some(rest) = without_block(&current) else {
        return Ok(());
    };
    let created = format!("created {}", path.display());
    let saved = dir.join(format!("{name}{SAVED_SUFFIX}"));
    let only_ours = rest.replace(&chain_line(name), "").trim() == "#!/bin/sh";
    if record.has(&created) && only_ours {
        std::fs::remove_file(&path).map_err(io("removing", &path))?;
        if saved.exists() {
            std::fs::rename(&saved, &path).map_err(io("restoring", &saved))?;
            changes.lines.push(format!("restored {}", path.display()));
        } else {
            changes.lines.push(format!("removed {}", path.display()));
        }
        record.remove(&created);
    } else {
        std::fs::write(&path, rest).map_err(io("writing", &path))?;
        changes
            .lines
            .push(format!("removed the git-bug block from {}", path.display()));
    }
    Ok(())
}

/// Adds the fetch refspecs (to every remote, or to `remote`) and our hooks.
pub fn install(
    repo: &Repo,
    remote: Option<&str>,
    foreign: ForeignHooks,
) -> Result<Changes, InstallError> {
    // Refuse before changing anything, so that a refusal leaves nothing to undo.
    let dir = hooks_dir(repo)?;
    if foreign == ForeignHooks::Refuse {
        for (name, _) in HOOKS {
            let path = dir.join(name);
            if let Ok(bytes) = std::fs::read(&path) {
                let editable = std::str::from_utf8(&bytes)
                    .is_ok_and(|t| t.contains(BEGIN) || is_shell_script(t));
                if !editable {
                    return Err(InstallError::ForeignHook(path));
                }
            }
        }
    }
    let mut changes = Changes::default();
    let mut record = Record::load(repo);
    for name in selected_remotes(repo, remote)? {
        let key = format!("remote.{name}.fetch");
        let present = repo
            .config_get_all(&key)
            .map_err(|e| InstallError::Io(e.to_string()))?;
        for spec in fetch_refspecs(&name) {
            if present.contains(&spec) {
                continue;
            }
            git::run(repo, &["config", "--add", &key, &spec])?;
            record.add(format!("refspec {name} {spec}"));
            changes.lines.push(format!("{name}: fetch {spec}"));
        }
        // A tracker (a `bug::` remote) takes bugs only: `git push` to it
        // pushes them, where a plain remote keeps pushing the branch.
        let url = repo
            .config_get(&format!("remote.{name}.url"))
            .map_err(|e| InstallError::Io(e.to_string()))?;
        if url.is_some_and(|u| u.starts_with("bug::")) {
            let key = format!("remote.{name}.push");
            let present = repo
                .config_get_all(&key)
                .map_err(|e| InstallError::Io(e.to_string()))?;
            if !present.iter().any(|p| p == TRACKER_PUSH_REFSPEC) {
                git::run(repo, &["config", "--add", &key, TRACKER_PUSH_REFSPEC])?;
                record.add(format!("pushspec {name} {TRACKER_PUSH_REFSPEC}"));
                changes
                    .lines
                    .push(format!("{name}: push {TRACKER_PUSH_REFSPEC}"));
            }
        }
    }
    let branch = crate::links::default_branch(repo).map_err(|e| InstallError::Io(e.to_string()))?;
    for (name, text) in HOOKS {
        install_hook(
            &dir,
            name,
            text,
            &branch,
            foreign,
            &mut record,
            &mut changes,
        )?;
    }
    if !repo.state_dir().join("links").join("processed").exists() {
        crate::links::start_tracking(repo).map_err(|e| InstallError::Io(e.to_string()))?;
    }
    record.save()?;
    Ok(changes)
}

/// Makes this repository check every bug and identity pushed to it: hands
/// their updates to our proc-receive hook.
pub fn install_server(repo: &Repo) -> Result<Changes, InstallError> {
    let dir = hooks_dir(repo)?;
    for (name, _) in SERVER_HOOKS {
        let path = dir.join(name);
        if let Ok(bytes) = std::fs::read(&path)
            && !String::from_utf8_lossy(&bytes).contains(BEGIN)
        {
            return Err(InstallError::HookInUse(path));
        }
    }
    let mut changes = Changes::default();
    let mut record = Record::load(repo);
    let present = repo
        .config_get_all(SERVER_CONFIG)
        .map_err(|e| InstallError::Io(e.to_string()))?;
    for prefix in super::server::CHECKED_REFS {
        if !present.iter().any(|p| p == prefix) {
            git::run(repo, &["config", "--add", SERVER_CONFIG, prefix])?;
            record.add(format!("config {SERVER_CONFIG} {prefix}"));
            changes
                .lines
                .push(format!("{SERVER_CONFIG}: added {prefix}"));
        }
    }
    for (name, text) in SERVER_HOOKS {
        install_hook(
            &dir,
            name,
            text,
            "",
            ForeignHooks::Refuse,
            &mut record,
            &mut changes,
        )?;
    }
    record.save()?;
    Ok(changes)
}

/// Removes what `install` added.
pub fn uninstall(repo: &Repo, remote: Option<&str>) -> Result<Changes, InstallError> {
    let mut changes = Changes::default();
    let mut record = Record::load(repo);
    let remotes = selected_remotes(repo, remote)?;
    for line in record.lines.clone() {
        let (direction, rest) = if let Some(rest) = line.strip_prefix("refspec ") {
            ("fetch", rest)
        } else if let Some(rest) = line.strip_prefix("pushspec ") {
            ("push", rest)
        } else {
            continue;
        };
        let Some((name, spec)) = rest.split_once(' ') else {
            continue;
        };
        if !remotes.iter().any(|r| r == name) {
            continue;
        }
        let key = format!("remote.{name}.{direction}");
        let pattern = format!("^{}$", regex_escape(spec));
        // The remote may be gone, or the value removed by hand: nothing to undo then.
        let _ = git::run(repo, &["config", "--unset", &key, &pattern]);
        record.remove(&line);
        changes
            .lines
            .push(format!("{name}: no longer {direction} {spec}"));
    }
    if remote.is_none() {
        for line in record.lines.clone() {
            let Some((key, value)) = line.strip_prefix("config ").and_then(|r| r.split_once(' '))
            else {
                continue;
            };
            let pattern = format!("^{}$", regex_escape(value));
            // Removed by hand meanwhile: nothing to undo then.
            let _ = git::run(repo, &["config", "--unset", key, &pattern]);
            record.remove(&line);
            changes.lines.push(format!("{key}: removed {value}"));
        }
        let dir = hooks_dir(repo)?;
        for (name, _) in HOOKS.iter().chain(SERVER_HOOKS) {
            uninstall_hook(&dir, name, &mut record, &mut changes)?;
        }
    }
    record.save()?;
    Ok(changes)
}

fn regex_escape(s: &str) -> String {
    s.chars()
        .map(|c| {
            if "\\^$.|?*+()[]{}".contains(c) {
                format!("\\{c}")
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Where the hooks are, and whether each holds our block.
pub struct HookStates {
    pub dir: PathBuf,
    pub hooks: Vec<(&'static str, bool)>,
}

/// Whether each hook holds our block, for `git bug status` (the server
/// hook in a bare repository only).
pub fn hook_states(repo: &Repo) -> Result<HookStates, InstallError> {
    let dir = hooks_dir(repo)?;
    let server: &[(&str, &str)] = if repo.is_bare() { SERVER_HOOKS } else { &[] };
    let states = HOOKS
        .iter()
        .chain(server)
        .map(|(name, _)| {
            let installed =
                std::fs::read_to_string(dir.join(name)).is_ok_and(|t| t.contains(BEGIN));
            (*name, installed)
        })
        .collect();
    Ok(HookStates { dir, hooks: states })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_shell_scripts() {
        assert!(is_shell_script("#!/bin/sh\necho"));
        assert!(is_shell_script("#!/usr/bin/env bash\n"));
        assert!(!is_shell_script("#!/usr/bin/env python3\n"));
        assert!(!is_shell_script("\x7fELF"));
    }

    #[test]
    fn removes_exactly_the_block() {
        let original = "#!/bin/sh\necho user\n";
        let with = format!("#!/bin/sh\n{}echo user\n", block("echo ours\n", "main"));
        assert_eq!(without_block(&with).unwrap(), original);
    }
}
