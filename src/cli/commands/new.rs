//! `git bug new` / `git bug bug new`: create a bug.

use crate::bug::{self, OpKind, Operation, operation};
use crate::cli::context::Ctx;
use crate::cli::editor::{self, MessageArgs};
use crate::cli::error::{CliError, CliResult};
use crate::cli::terminal::Ui;
use clap::Args;
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct NewArgs {
    /// The title of the bug
    #[arg(short, long)]
    pub title: Option<String>,
    /// The description of the bug
    #[arg(short, long)]
    pub message: Option<String>,
    /// Read the description from FILE (- for standard input); without
    /// --title, its first line is the title
    #[arg(short = 'F', long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Attach the file at PATH (repeat for several); "git bug file get" writes it out
    #[arg(long = "attach", value_name = "PATH")]
    pub attach: Vec<PathBuf>,
    /// Never open an editor
    #[arg(long)]
    pub non_interactive: bool,
}

const TEMPLATE: &str = "\n\n# Please enter the title and the description of the bug. The first non-empty\n# line is the title, the rest is the description. Lines starting with '#' are\n# ignored, and an empty title aborts.\n";

/// Splits composed text into a title (first non-empty line) and the rest.
fn split_title(text: &str) -> (String, String) {
    let mut lines = text.lines().skip_while(|l| l.trim().is_empty());
    let title = lines.next().unwrap_or("").trim().to_string();
    let rest: Vec<&str> = lines.collect();
    (title, rest.join("\n").trim().to_string())
}

pub fn run(ctx: &Ctx, ui: &mut Ui, args: &NewArgs) -> CliResult {
    ctx.check_writer()?;
    let given = editor::given_text(&MessageArgs {
        message: args.message.as_deref(),
        file: args.file.as_deref(),
        non_interactive: args.non_interactive,
    })?;
    let (title, message) = match (&args.title, given) {
        (Some(title), Some(message)) => (title.clone(), message),
        (Some(title), None) => {
            // A description is optional: ask for one only when someone is there to type it.
            if !args.non_interactive && std::io::stdin().is_terminal() {
                let text = editor::edit(ctx.repo, &format!("{title}\n{TEMPLATE}"), false)?;
                split_title(&text)
            } else {
                (title.clone(), String::new())
            }
        }
        (None, Some(text)) if args.message.is_none() => {
            split_title(&editor::strip_comments(&text, "#"))
        }
        (None, Some(message)) => {
            let text = editor::edit(
                ctx.repo,
                &format!("\n{message}\n{TEMPLATE}"),
                args.non_interactive,
            )
            .map_err(|_| {
                CliError::new("the bug needs a title").with_hint("give it with -t TITLE")
            })?;
            split_title(&text)
        }
        (None, None) => split_title(
            &editor::edit(ctx.repo, TEMPLATE, args.non_interactive).map_err(|e| {
                if args.non_interactive {
                    CliError::new("the bug needs a title")
                        .with_hint("give it with -t TITLE and the description with -m MESSAGE")
                } else {
                    e
                }
            })?,
        ),
    };
    let title = operation::cleanup_one_line(&title);
    if title.is_empty() {
        return Err(CliError::new("empty title; no bug was created")
            .with_hint("give a title with -t TITLE"));
    }
    let op = Operation::new(OpKind::Create {
        title,
        message: operation::cleanup(&message),
        files: super::file::attach_all(ctx, &args.attach)?,
    });
    let me = ctx.user_for_write()?;
    let _lock = ctx.lock()?;
    let id = bug::create(ctx.repo, &me, op)?;
    ctx.wrote();
    writeln!(ui.out(), "{} created", crate::entity::id::human(&id))?;
    Ok(())
}
