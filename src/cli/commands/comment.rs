//! `git bug bug comment`: list, add and edit comments.

use crate::bug::{self, OpKind, Operation, operation};
use crate::cli::context::Ctx;
use crate::cli::editor::{self, MessageArgs};
use crate::cli::error::{CliError, CliResult};
use crate::cli::terminal::{Ui, escape};
use crate::cli::time;
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct CommentArgs {
    #[command(subcommand)]
    pub command: Option<CommentCommand>,
    /// The bug whose comments to list; the selected bug when omitted
    #[arg(value_name = "BUG_ID")]
    pub bug: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum CommentCommand {
    /// Add a comment to a bug
    New(NewArgs),
    /// Replace the text of a comment (the old text stays in the history)
    Edit(EditArgs),
}

#[derive(Args, Debug)]
pub struct NewArgs {
    /// The bug to comment on; the selected bug when omitted
    #[arg(value_name = "BUG_ID")]
    pub bug: Option<String>,
    /// The comment
    #[arg(short, long)]
    pub message: Option<String>,
    /// Read the comment from FILE (- for standard input)
    #[arg(short = 'F', long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Attach the file at PATH (repeat for several); "git bug file get" writes it out
    #[arg(long = "attach", value_name = "PATH")]
    pub attach: Vec<PathBuf>,
    /// Never open an editor
    #[arg(long)]
    pub non_interactive: bool,
}

#[derive(Args, Debug)]
pub struct EditArgs {
    /// The comment (a prefix of its id, as "bug comment" shows it)
    #[arg(value_name = "COMMENT_ID")]
    pub comment: String,
    /// The new text
    #[arg(short, long)]
    pub message: Option<String>,
    /// Read the new text from FILE (- for standard input)
    #[arg(short = 'F', long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Never open an editor
    #[arg(long)]
    pub non_interactive: bool,
}

const TEMPLATE: &str = "\n\n# Please enter the comment. Lines starting with '#' are ignored,\n# and an empty comment aborts.\n";

pub fn run(ctx: &Ctx, ui: &mut Ui, args: &CommentArgs, pager: Option<String>) -> CliResult {
    match &args.command {
        Some(CommentCommand::New(a)) => run_new(ctx, ui, a),
        Some(CommentCommand::Edit(a)) => run_edit(ctx, a),
        None => {
            let bug = ctx.bug_or_selected(args.bug.as_deref())?.snapshot;
            ui.start_pager(pager);
            for (i, c) in bug.comments.iter().enumerate() {
                if i > 0 {
                    writeln!(ui.out())?;
                }
                let author = ui.paint("35", &escape(&c.author.display_name(), false));
                let id = ui.paint("36", c.human_id());
                writeln!(ui.out(), "Author: {author}")?;
                writeln!(ui.out(), "Id: {id}")?;
                writeln!(ui.out(), "Date: {}\n", time::comment_date(c.created))?;
                for line in escape(&c.message, true).lines() {
                    writeln!(ui.out(), "    {line}")?;
                }
            }
            Ok(())
        }
    }
}

pub fn run_new(ctx: &Ctx, _ui: &mut Ui, args: &NewArgs) -> CliResult {
    let bug = ctx.bug_or_selected(args.bug.as_deref())?;
    ctx.check_writer()?;
    let text = editor::message(
        ctx.repo,
        &MessageArgs {
            message: args.message.as_deref(),
            file: args.file.as_deref(),
            non_interactive: args.non_interactive,
        },
        TEMPLATE,
    )?;
    let message = operation::cleanup(&text);
    if message.is_empty() {
        return Err(CliError::new("empty comment; nothing was added"));
    }
    let files = super::file::attach_all(ctx, &args.attach)?;
    let me = ctx.user_for_write()?;
    let _lock = ctx.lock()?;
    bug::append(
        ctx.repo,
        &bug,
        &me,
        &[Operation::new(OpKind::AddComment { message, files })],
    )?;
    ctx.wrote();
    Ok(())
}

fn run_edit(ctx: &Ctx, args: &EditArgs) -> CliResult {
    let (bug, index) = bug::resolve_comment(ctx.repo, &ctx.identities, &args.comment)?;
    ctx.check_writer()?;
    let comment = &bug.snapshot.comments[index];
    let template = format!("{}\n{TEMPLATE}", comment.message);
    let text = editor::message(
        ctx.repo,
        &MessageArgs {
            message: args.message.as_deref(),
            file: args.file.as_deref(),
            non_interactive: args.non_interactive,
        },
        &template,
    )?;
    let message = operation::cleanup(&text);
    if message.is_empty() {
        return Err(CliError::new("empty comment; nothing was changed"));
    }
    if message == comment.message {
        eprintln!("No change, aborting.");
        return Ok(());
    }
    let op = Operation::new(OpKind::EditComment {
        target: comment.op_id.clone(),
        message,
        files: None,
    });
    let me = ctx.user_for_write()?;
    let _lock = ctx.lock()?;
    bug::append(ctx.repo, &bug, &me, &[op])?;
    ctx.wrote();
    Ok(())
}
