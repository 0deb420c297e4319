//! `git bug ls` / `git bug bug`: list bugs matching a query.

use super::{comment, label, new, rm, select, show, status, title};
use crate::bug::{self, Snapshot};
use crate::cli::context::Ctx;
use crate::cli::error::{CliError, CliResult};
use crate::cli::render;
use crate::cli::terminal::{Ui, escape};
use crate::entity::gojson::Json;
use crate::query::{self, Direction, Query, SortBy};
use clap::{Args, Subcommand, ValueEnum};

/// `git bug bug`: list bugs, or one of the bug subcommands.
#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BugArgs {
    #[command(subcommand)]
    pub command: Option<BugCommand>,
    #[command(flatten)]
    pub list: ListArgs,
}

#[derive(Subcommand, Debug)]
pub enum BugCommand {
    /// List a bug's comments, or add and edit them
    Comment(comment::CommentArgs),
    /// Forget the selected bug
    Deselect,
    /// Show a bug's labels, or add and remove them
    Label(label::LabelArgs),
    /// Create a new bug
    New(new::NewArgs),
    /// Remove a bug from this repository (remotes keep it)
    Rm(rm::RmArgs),
    /// Select a bug for the commands that take an optional BUG_ID
    Select(select::SelectArgs),
    /// Show a bug
    Show(show::ShowArgs),
    /// Show a bug's status, or open and close it
    Status(status::StatusArgs),
    /// Show a bug's title, or edit it
    Title(title::TitleArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Default,
    Plain,
    Id,
    Json,
    OrgMode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ByArg {
    Id,
    Creation,
    Edit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DirectionArg {
    Asc,
    Desc,
}

/// Filters and output of a bug listing.
#[derive(Args, Debug, Default)]
pub struct ListArgs {
    /// A query, e.g. 'status:open label:bug author:"Jane Doe" crash' (see "git bug help query")
    #[arg(value_name = "QUERY")]
    pub query: Vec<String>,
    /// Only bugs with this status: open, closed
    #[arg(short, long, value_delimiter = ',', value_name = "STATUS")]
    pub status: Vec<String>,
    /// Only bugs by this author (name, login or id prefix)
    #[arg(short, long, value_delimiter = ',', value_name = "AUTHOR")]
    pub author: Vec<String>,
    /// Only bugs whose creation metadata has KEY=VALUE
    #[arg(short, long, value_delimiter = ',', value_name = "KEY=VALUE")]
    pub metadata: Vec<String>,
    /// Only bugs this person commented on
    #[arg(short, long, value_delimiter = ',', value_name = "PARTICIPANT")]
    pub participant: Vec<String>,
    /// Only bugs this person acted on
    #[arg(short = 'A', long, value_delimiter = ',', value_name = "ACTOR")]
    pub actor: Vec<String>,
    /// Only bugs with this label (all given labels must be set)
    #[arg(short, long, value_delimiter = ',', value_name = "LABEL")]
    pub label: Vec<String>,
    /// Only bugs whose title contains this text
    #[arg(short, long, value_delimiter = ',', value_name = "TITLE")]
    pub title: Vec<String>,
    /// Only bugs without this: "label"
    #[arg(short, long, value_delimiter = ',', value_name = "WHAT")]
    pub no: Vec<String>,
    /// Sort by id, creation or edit [default: creation, or the query's sort:]
    #[arg(short, long, value_enum)]
    pub by: Option<ByArg>,
    /// Sort direction [default: asc, or the query's sort:]
    #[arg(short, long, value_enum)]
    pub direction: Option<DirectionArg>,
    /// Output format; "default" is "plain" when stdout is not a terminal
    #[arg(short, long, value_enum)]
    pub format: Option<ListFormat>,
}

/// Turns the arguments and flags into one query.
fn build_query(args: &ListArgs) -> CliResult<Query> {
    let mut query = Query::parse(&query::join_args(&args.query))?;
    for s in &args.status {
        query.status.push(
            bug::Status::parse(s).ok_or_else(|| {
                CliError::usage(format!("unknown status {s:?}; use open or closed"))
            })?,
        );
    }
    query.author.extend(args.author.iter().cloned());
    query.participant.extend(args.participant.iter().cloned());
    query.actor.extend(args.actor.iter().cloned());
    query.label.extend(args.label.iter().cloned());
    query.title.extend(args.title.iter().cloned());
    for m in &args.metadata {
        let (k, v) = m
            .split_once('=')
            .ok_or_else(|| CliError::usage(format!("--metadata {m:?} is not KEY=VALUE")))?;
        query.metadata.push((k.to_string(), v.to_string()));
    }
    for n in &args.no {
        match n.as_str() {
            "label" => query.no_label = true,
            other => {
                return Err(CliError::usage(format!(
                    "unknown \"no\" filter {other:?}; only \"label\" is known"
                )));
            }
        }
    }
    // Flags decide when given; otherwise the query's sort:, then creation ascending.
    let (query_by, query_dir) = query.sort.unwrap_or((SortBy::Creation, Direction::Asc));
    let by = match args.by {
        Some(ByArg::Id) => SortBy::Id,
        Some(ByArg::Creation) => SortBy::Creation,
        Some(ByArg::Edit) => SortBy::Edit,
        None => query_by,
    };
    let direction = match args.direction {
        Some(DirectionArg::Asc) => Direction::Asc,
        Some(DirectionArg::Desc) => Direction::Desc,
        None if args.by.is_some() => Direction::Asc,
        None => query_dir,
    };
    query.sort = Some((by, direction));
    Ok(query)
}

/// Reads every bug; an unreadable bug is reported and skipped so that the
/// others still list.
pub fn read_all(ctx: &Ctx) -> CliResult<Vec<Snapshot>> {
    let refs = bug::list(ctx.repo)?;
    let mut bugs = Vec::with_capacity(refs.len());
    for result in bug::read_many(ctx.repo, &refs, true)? {
        match result {
            Ok(bug) => bugs.push(bug.snapshot),
            Err(e) => eprintln!("warning: {}", escape(&e.to_string(), false)),
        }
    }
    Ok(bugs)
}

pub fn run(ctx: &Ctx, ui: &mut Ui, args: &ListArgs, pager: Option<String>) -> CliResult {
    let query = build_query(args)?;
    let mut bugs: Vec<Snapshot> = read_all(ctx)?
        .into_iter()
        .filter(|b| query::matches(&query, b))
        .collect();
    let (by, direction) = query.sort.unwrap_or((SortBy::Creation, Direction::Asc));
    query::sort(&mut bugs, by, direction);

    let format = args.format.unwrap_or(if ui.interactive_stdout {
        ListFormat::Default
    } else {
        ListFormat::Plain
    });
    if format == ListFormat::Default {
        ui.start_pager(pager);
    }
    let width = terminal_size::terminal_size()
        .map(|(w, _)| usize::from(w.0))
        .unwrap_or(80);
    match format {
        ListFormat::Default => {
            for b in &bugs {
                let line = render::default_line(ui, b, width);
                writeln!(ui.out(), "{line}")?;
            }
        }
        ListFormat::Plain => {
            for b in &bugs {
                writeln!(
                    ui.out(),
                    "{}\t{}\t{}",
                    b.human_id(),
                    b.status.as_str(),
                    escape(b.title.trim(), false)
                )?;
            }
        }
        ListFormat::Id => {
            for b in &bugs {
                writeln!(ui.out(), "{}", b.id)?;
            }
        }
        ListFormat::Json => {
            let json = Json::Array(bugs.iter().map(render::excerpt_json).collect());
            writeln!(ui.out(), "{}", json.to_indented())?;
        }
        ListFormat::OrgMode => {
            writeln!(ui.out(), "#+TODO: OPEN | CLOSED")?;
            for b in &bugs {
                write!(ui.out(), "{}", render::org_entry(b))?;
            }
        }
    }
    Ok(())
}
