//! `git bug completion SHELL`: shell completion scripts, generated from the
//! command definitions, plus what the generator cannot know: which
//! arguments are bug ids, completed by asking `git bug complete-bug-ids`.

use crate::cli::error::CliResult;
use crate::cli::terminal::{Ui, escape};
use clap::Args;
use clap_complete::Shell;

#[derive(Args, Debug)]
pub struct CompletionArgs {
    /// The shell: bash, zsh, fish, elvish or powershell
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(Args, Debug)]
pub struct BugIdsArgs {
    /// Follow each id with a tab and the bug's title
    #[arg(long)]
    pub titles: bool,
}

/// git's bash completion completes `git bug <TAB>` by calling `_git_bug`
/// with git's words; this hands them to the generated `_git__bug`.
const GIT_BASH_SHIM: &str = r#"
# "git bug <TAB>": git's completion calls _git_bug with its own words.
_git_bug() {
	local COMP_WORDS=(git-bug "${words[@]:2}")
	local COMP_CWORD=$((cword - 1))
	_git__bug git-bug "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
}
"#;

/// Completes a BUG_ID argument: the subcommand names among `$1` (the
/// generated option list) and the bugs of the repository.
const BASH_BUG_IDS: &str = r#"
# A BUG_ID argument: subcommands, then the bugs of this repository.
_git_bug_bug_ids() {
	local names=() word
	for word in $1; do
		[[ $word == -* ]] || names+=("$word")
	done
	COMPREPLY=( $(compgen -W "${names[*]} $(git-bug complete-bug-ids 2>/dev/null)" -- "${cur}") )
}
"#;

/// Completes a BUG_ID argument in zsh: ids described by their titles.
const ZSH_BUG_IDS: &str = r#"(( $+functions[_git-bug_bug_ids] )) ||
_git-bug_bug_ids() {
    local -a bugs
    local line
    for line in ${(f)"$(git-bug complete-bug-ids --titles 2>/dev/null)"}; do
        bugs+=("${line/$'\t'/:}")
    done
    _describe -t bugs 'bug' bugs
}

"#;

pub fn run(ui: &mut Ui, args: &CompletionArgs) -> CliResult {
    let mut script = Vec::new();
    // The usage lines say "git bug"; completion works on the program name.
    let mut command = visible(&crate::cli::command()).bin_name("git-bug");
    command.build();
    let bug_id_commands = bug_id_commands(&command);
    clap_complete::generate(args.shell, &mut command, "git-bug", &mut script);
    let text = String::from_utf8_lossy(&script);
    match args.shell {
        Shell::Bash => {
            // clap_complete names the bash states of a hyphenated program two
            // ways ("git__bug__subcmd__x" where it enters them, and
            // "git__subcmd__bug__subcmd__x" where it handles them); unify them.
            let mut text = text.replace("git__subcmd__bug__subcmd__", "git__bug__subcmd__");
            for path in &bug_id_commands {
                text = complete_bug_ids_in_bash(&text, path);
            }
            ui.out().write_all(text.as_bytes())?;
            ui.out().write_all(BASH_BUG_IDS.as_bytes())?;
            ui.out().write_all(GIT_BASH_SHIM.as_bytes())?;
        }
        Shell::Zsh => {
            let ids = bug_id_arg_ids(&command);
            let text = complete_bug_ids_in_zsh(&text, &ids);
            ui.out().write_all(text.as_bytes())?;
        }
        Shell::Fish => {
            ui.out().write_all(text.as_bytes())?;
            for path in &bug_id_commands {
                writeln!(
                    ui.out(),
                    "complete -c git-bug -n \"{}\" -f -a \"(git-bug complete-bug-ids --titles)\"",
                    fish_condition(&command, path)
                )?;
            }
        }
        _ => ui.out().write_all(text.as_bytes())?,
    }
    Ok(())
}

/// `cmd` without its hidden subcommands, at every depth: clap_complete
/// offers every subcommand, hidden or not.
fn visible(cmd: &clap::Command) -> clap::Command {
    let mut shown = clap::Command::new(cmd.get_name().to_string())
        .args(cmd.get_arguments().cloned())
        .subcommands(
            cmd.get_subcommands()
                .filter(|s| !s.is_hide_set())
                .map(visible),
        )
        .visible_aliases(cmd.get_visible_aliases().map(str::to_string))
        .args_conflicts_with_subcommands(cmd.is_args_conflicts_with_subcommands_set())
        .subcommand_required(cmd.is_subcommand_required_set())
        .disable_help_subcommand(true);
    if let Some(about) = cmd.get_about() {
        shown = shown.about(about.clone());
    }
    if let Some(about) = cmd.get_long_about() {
        shown = shown.long_about(about.clone());
    }
    if let Some(version) = cmd.get_version() {
        shown = shown.version(version.to_string());
    }
    shown
}

/// The paths of the commands with a bug id argument (its value name says
/// BUG_ID), e.g. `["show"]`, `["bug", "comment", "new"]`.
fn bug_id_commands(root: &clap::Command) -> Vec<Vec<String>> {
    fn walk(cmd: &clap::Command, path: &mut Vec<String>, found: &mut Vec<Vec<String>>) {
        if cmd.get_positionals().any(is_bug_id) {
            found.push(path.clone());
        }
        for sub in cmd.get_subcommands() {
            path.push(sub.get_name().to_string());
            walk(sub, path, found);
            path.pop();
        }
    }
    let mut found = Vec::new();
    walk(root, &mut Vec::new(), &mut found);
    found
}

fn is_bug_id(arg: &clap::Arg) -> bool {
    arg.get_value_names()
        .is_some_and(|names| names.iter().any(|n| n.as_str().contains("BUG_ID")))
}

/// The generated bash handles each command in a `case` branch that sets
/// `opts` first; after that line, a word that is neither an option nor an
/// option's value completes as a bug id.
fn complete_bug_ids_in_bash(script: &str, path: &[String]) -> String {
    let state: String = path
        .iter()
        .map(|name| format!("__subcmd__{}", name.replace('-', "__subcmd__")))
        .collect();
    let branch = format!("\n        git__bug{state})\n            opts=");
    let Some(start) = script.find(&branch) else {
        return script.to_string();
    };
    let opts_line_end = start
        + branch.len()
        + script[start + branch.len()..]
            .find('\n')
            .unwrap_or(script.len() - start - branch.len());
    let mut out = script.to_string();
    out.insert_str(
        opts_line_end + 1,
        "            if [[ ${cur} != -* && ${prev} != -* ]] ; then\n                \
         _git_bug_bug_ids \"${opts}\"\n                return 0\n            fi\n",
    );
    out
}

/// The ids of the BUG_ID arguments ("bug", ...), as zsh's specs name them.
fn bug_id_arg_ids(root: &clap::Command) -> Vec<String> {
    let mut ids: Vec<String> = bug_id_commands(root)
        .iter()
        .filter_map(|path| {
            let cmd = path
                .iter()
                .try_fold(root, |cmd, name| cmd.find_subcommand(name))?;
            cmd.get_positionals()
                .find(|arg| is_bug_id(arg))
                .map(|arg| arg.get_id().to_string())
        })
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// zsh completes an argument with the action after the last colon of its
/// spec (`'::bug -- The bug...:_default'`); BUG_ID arguments get ours.
fn complete_bug_ids_in_zsh(script: &str, ids: &[String]) -> String {
    let mut out = String::with_capacity(script.len() + ZSH_BUG_IDS.len());
    for line in script.split_inclusive('\n') {
        let spec = line.trim_start_matches(['\'', '*', ':']);
        let is_bug_id =
            line.starts_with('\'') && ids.iter().any(|id| spec.starts_with(&format!("{id} -- ")));
        match line.strip_suffix(":_default' \\\n") {
            Some(head) if is_bug_id => {
                out += head;
                out += ":_git-bug_bug_ids' \\\n";
            }
            _ => {
                if line.starts_with("if [ \"$funcstack[1]\" = \"_git-bug\" ]") {
                    out += ZSH_BUG_IDS;
                }
                out += line;
            }
        }
    }
    out
}

/// Fish's test for "the command line is at `path`", in the helpers the
/// generated script defines.
fn fish_condition(root: &clap::Command, path: &[String]) -> String {
    let mut condition = format!("__fish_git_bug_using_subcommand {}", path[0]);
    let mut cmd = root.find_subcommand(&path[0]);
    for name in &path[1..] {
        condition += &format!("; and __fish_seen_subcommand_from {name}");
        cmd = cmd.and_then(|c| c.find_subcommand(name));
    }
    let subs: Vec<&str> = cmd
        .map(|c| c.get_subcommands().map(|s| s.get_name()).collect())
        .unwrap_or_default();
    if !subs.is_empty() {
        condition += &format!("; and not __fish_seen_subcommand_from {}", subs.join(" "));
    }
    condition
}

/// `git bug complete-bug-ids`: each bug's shortest unambiguous id prefix
/// (at least 7 characters, as git bug shows them), for completion. It
/// only reads refs (titles need the bugs) and never merges or writes.
pub fn bug_ids(ui: &mut Ui, args: &BugIdsArgs) -> CliResult {
    let repo = crate::repo::Repo::open_from_env()?;
    let mut ids: Vec<String> = crate::bug::list(&repo)?.into_iter().map(|r| r.id).collect();
    ids.sort();
    let prefixes = shortest_prefixes(&ids, 7);
    if args.titles {
        let refs = crate::bug::list(&repo)?;
        let mut titles = std::collections::HashMap::new();
        for bug in crate::bug::read_many(&repo, &refs, true)?
            .into_iter()
            .flatten()
        {
            titles.insert(bug.snapshot.id.clone(), bug.snapshot.title.clone());
        }
        for (id, prefix) in ids.iter().zip(&prefixes) {
            let title = titles.get(id).map_or(String::new(), |t| escape(t, false));
            writeln!(ui.out(), "{prefix}\t{}", title.replace('\t', " "))?;
        }
    } else {
        for prefix in prefixes {
            writeln!(ui.out(), "{prefix}")?;
        }
    }
    Ok(())
}

/// For sorted `ids`, the shortest prefix of each, of at least `min`
/// characters, that no other id shares: one longer than its common prefix
/// with either neighbour.
fn shortest_prefixes(ids: &[String], min: usize) -> Vec<&str> {
    let common = |a: &str, b: &str| a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    (0..ids.len())
        .map(|i| {
            let before = if i > 0 {
                common(&ids[i - 1], &ids[i])
            } else {
                0
            };
            let after = ids.get(i + 1).map_or(0, |next| common(&ids[i], next));
            let len = (before.max(after) + 1).max(min).min(ids[i].len());
            &ids[i][..len]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::shortest_prefixes;

    #[test]
    fn prefixes_grow_past_what_neighbours_share() {
        let ids: Vec<String> = ["aaaaaaa1", "aaaaaaa2", "aaaaaab", "b"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            shortest_prefixes(&ids, 7),
            ["aaaaaaa1", "aaaaaaa2", "aaaaaab", "b"]
        );
        let ids: Vec<String> = ["0123456789", "0123499999"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(shortest_prefixes(&ids, 7), ["0123456", "0123499"]);
    }
}
