//! `git bug completion SHELL`: shell completion scripts, generated from the
//! command definitions.

use crate::cli::error::CliResult;
use crate::cli::terminal::Ui;
use clap::Args;
use clap_complete::Shell;

#[derive(Args, Debug)]
pub struct CompletionArgs {
    /// The shell: bash, zsh, fish, elvish or powershell
    #[arg(value_enum)]
    pub shell: Shell,
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

pub fn run(ui: &mut Ui, args: &CompletionArgs) -> CliResult {
    let mut script = Vec::new();
    // The usage lines say "git bug"; completion works on the program name.
    let mut command = crate::cli::command().bin_name("git-bug");
    clap_complete::generate(args.shell, &mut command, "git-bug", &mut script);
    if args.shell == Shell::Bash {
        // clap_complete names the bash states of a hyphenated program two
        // ways ("git__bug__subcmd__x" where it enters them, and
        // "git__subcmd__bug__subcmd__x" where it handles them); unify them.
        let text = String::from_utf8_lossy(&script)
            .replace("git__subcmd__bug__subcmd__", "git__bug__subcmd__");
        ui.out().write_all(text.as_bytes())?;
        ui.out().write_all(GIT_BASH_SHIM.as_bytes())?;
    } else {
        ui.out().write_all(&script)?;
    }
    Ok(())
}
