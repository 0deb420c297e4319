//! `git bug help [COMMAND...|TOPIC]`: the long help of git bug, of one
//! command (nested ones too: `git bug help bug comment`), or one topic of
//! the manual, as `git help` does for git.

use crate::cli::error::{CliError, CliResult};
use crate::cli::manual;
use crate::cli::terminal::{Ui, escape};
use clap::Args;

#[derive(Args, Debug)]
pub struct HelpArgs {
    /// A command ("ls", "bug comment"), or a topic: query, messages, config, exit-status
    #[arg(value_name = "COMMAND|TOPIC")]
    pub words: Vec<String>,
}

pub fn run(ui: &mut Ui, args: &HelpArgs) -> CliResult {
    let mut root = crate::cli::command();
    if let [word] = args.words.as_slice()
        && root.find_subcommand(word).is_none()
        && let Some(topic) = manual::topic(word)
    {
        ui.out().write_all(topic.text(manual::width()).as_bytes())?;
        return Ok(());
    }
    let mut command = &root;
    for (depth, word) in args.words.iter().enumerate() {
        command = command
            .find_subcommand(word)
            .ok_or_else(|| unknown(&args.words[..=depth]))?;
    }
    // What "COMMAND --help" prints, from clap itself: the long help where
    // there is more to say than the summary.
    let argv = std::iter::once("git-bug")
        .chain(args.words.iter().map(String::as_str))
        .chain(["--help"]);
    let help = match root.try_get_matches_from_mut(argv) {
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayHelp => e.render(),
        _ => root.render_long_help(),
    };
    let mut text = if ui.color {
        help.ansi().to_string()
    } else {
        help.to_string()
    };
    if !text.ends_with('\n') {
        text.push('\n');
    }
    ui.out().write_all(text.as_bytes())?;
    Ok(())
}

fn unknown(words: &[String]) -> CliError {
    let topics: Vec<&str> = manual::TOPICS.iter().map(|t| t.name).collect();
    CliError::usage(format!(
        "no command or help topic \"{}\" in git bug",
        escape(&words.join(" "), false)
    ))
    .with_hint(format!(
        "\"git bug help\" lists the commands; the topics are {}",
        topics.join(", ")
    ))
}
