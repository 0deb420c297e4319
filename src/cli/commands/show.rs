//! `git bug show` / `git bug bug show`: one bug in full.

use crate::cli::context::Ctx;
use crate::cli::error::{CliError, CliResult};
use crate::cli::render;
use crate::cli::terminal::{Ui, escape};
use crate::cli::time;
use clap::{Args, ValueEnum};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShowFormat {
    Default,
    Json,
    OrgMode,
}

#[derive(Args, Debug)]
pub struct ShowArgs {
    /// The bug (an id prefix); the selected bug when omitted
    #[arg(value_name = "BUG_ID")]
    pub bug: Option<String>,
    /// Print only one field: author, authorEmail, createTime, lastEdit,
    /// humanId, id, labels, shortId, status, title, actors, participants
    #[arg(long, value_name = "FIELD")]
    pub field: Option<String>,
    /// Output format
    #[arg(short, long, value_enum, default_value_t = ShowFormat::Default)]
    pub format: ShowFormat,
}

pub fn run(ctx: &Ctx, ui: &mut Ui, args: &ShowArgs, pager: Option<String>) -> CliResult {
    let bug = ctx.bug_or_selected(args.bug.as_deref())?.snapshot;
    if let Some(field) = &args.field {
        let e = |s: &str| escape(s, false);
        let names = |people: &[std::sync::Arc<crate::identity::Identity>]| {
            people
                .iter()
                .map(|p| e(&p.display_name()))
                .collect::<Vec<_>>()
        };
        let lines: Vec<String> = match field.as_str() {
            "author" => vec![e(&bug.author.display_name())],
            "authorEmail" => vec![e(bug.author.email())],
            "createTime" => vec![time::go_default(bug.create_time)],
            "lastEdit" => vec![time::go_default(bug.edit_time)],
            "humanId" | "shortId" => vec![bug.human_id().to_string()],
            "id" => vec![bug.id.clone()],
            "labels" => bug.labels().iter().map(|l| e(l)).collect(),
            "actors" => names(&bug.actors),
            "participants" => names(&bug.participants),
            "status" => vec![bug.status.as_str().to_string()],
            "title" => vec![e(&bug.title)],
            other => {
                return Err(CliError::usage(format!("unsupported field: {other}"))
                    .with_hint("fields: author, authorEmail, createTime, lastEdit, humanId, id, labels, shortId, status, title, actors, participants"));
            }
        };
        for line in lines {
            writeln!(ui.out(), "{line}")?;
        }
        return Ok(());
    }
    match args.format {
        ShowFormat::Default => {
            ui.start_pager(pager);
            let text = render::show_text(ui, &bug);
            write!(ui.out(), "{text}")?;
        }
        ShowFormat::Json => writeln!(ui.out(), "{}", render::show_json(&bug).to_indented())?,
        ShowFormat::OrgMode => write!(ui.out(), "{}", render::show_org(&bug))?,
    }
    Ok(())
}
