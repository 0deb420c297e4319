//! Composing text: `-m`, `-F FILE` (`-` for stdin), or the user's editor
//! chosen as git chooses it. Never a prompt when no one is at a terminal.

use super::error::{CliError, CliResult};
use crate::repo::Repo;
use std::io::{IsTerminal, Read};
use std::path::Path;
use std::process::Command;

/// Where a command's text comes from.
pub struct MessageArgs<'a> {
    pub message: Option<&'a str>,
    pub file: Option<&'a Path>,
    pub non_interactive: bool,
}

/// The editor command: `GIT_EDITOR`, `core.editor`, `VISUAL`, `EDITOR`, then
/// `vi` when someone is at a terminal to use it.
pub fn editor_command(repo: &Repo) -> CliResult<Option<String>> {
    let env = |key: &str| std::env::var(key).ok().filter(|v| !v.trim().is_empty());
    if let Some(editor) = env("GIT_EDITOR") {
        return Ok(Some(editor));
    }
    if let Some(editor) = repo
        .config_get("core.editor")?
        .filter(|v| !v.trim().is_empty())
    {
        return Ok(Some(editor));
    }
    let dumb = std::env::var("TERM").map(|t| t == "dumb").unwrap_or(true);
    if !dumb && let Some(editor) = env("VISUAL") {
        return Ok(Some(editor));
    }
    if let Some(editor) = env("EDITOR") {
        return Ok(Some(editor));
    }
    if !dumb && std::io::stdin().is_terminal() {
        return Ok(Some("vi".into()));
    }
    Ok(None)
}

/// Reads the text given with `-m` or `-F`, or `None` when neither was given.
pub fn given_text(args: &MessageArgs) -> CliResult<Option<String>> {
    if let Some(message) = args.message {
        return Ok(Some(message.to_string()));
    }
    match args.file {
        Some(path) if path == Path::new("-") => {
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text).map_err(|e| {
                CliError::new(format!("reading the message from standard input: {e}"))
            })?;
            Ok(Some(text))
        }
        Some(path) => std::fs::read_to_string(path).map(Some).map_err(|e| {
            CliError::new(format!("reading the message from {}: {e}", path.display()))
        }),
        None => Ok(None),
    }
}

/// Opens the editor on `template` and returns what the user wrote, without
/// comment lines. Fails with a hint at `-m`/`-F` when there is no editor.
pub fn edit(repo: &Repo, template: &str, non_interactive: bool) -> CliResult<String> {
    let no_text = || {
        CliError::new("no message given").with_hint(
            "give one with -m MESSAGE or -F FILE (- reads standard input), or set GIT_EDITOR",
        )
    };
    if non_interactive {
        return Err(no_text());
    }
    let editor = editor_command(repo)?.ok_or_else(no_text)?;
    let comment = comment_prefix(repo)?;
    // Templates are written with '#'; the user may comment with something else.
    let template: String = template
        .lines()
        .map(|line| match line.strip_prefix('#') {
            Some(rest) => format!("{comment}{rest}\n"),
            None => format!("{line}\n"),
        })
        .collect();
    let dir = repo.state_dir();
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("BUG_MESSAGE_EDITMSG");
    std::fs::write(&path, template)?;
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$@\""))
        .arg(&editor)
        .arg(&path)
        .status()
        .map_err(|e| CliError::new(format!("could not run the editor {editor:?}: {e}")))?;
    let text = std::fs::read_to_string(&path);
    let _ = std::fs::remove_file(&path);
    if !status.success() {
        return Err(CliError::new(format!(
            "the editor {editor:?} exited with an error; nothing was changed"
        )));
    }
    Ok(strip_comments(&text?, &comment))
}

/// What starts a comment line in a message being edited, as git decides:
/// `core.commentString`, else `core.commentChar`, else `#` (also for "auto").
pub fn comment_prefix(repo: &Repo) -> CliResult<String> {
    let configured = match repo.config_get("core.commentString")? {
        Some(value) => Some(value),
        None => repo.config_get("core.commentChar")?,
    };
    Ok(configured
        .filter(|v| !v.is_empty() && v != "auto")
        .unwrap_or_else(|| "#".to_string()))
}

/// Drops the lines starting with the comment prefix.
pub fn strip_comments(text: &str, comment: &str) -> String {
    text.lines()
        .filter(|l| !l.starts_with(comment))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The text for a command: given, or composed in the editor.
pub fn message(repo: &Repo, args: &MessageArgs, template: &str) -> CliResult<String> {
    match given_text(args)? {
        Some(text) => Ok(text),
        None => edit(repo, template, args.non_interactive),
    }
}
