//! The command line: clap definitions, dispatch, and error reporting.
//! Commands are thin: parse, call the library, render.

mod commands;
mod context;
mod editor;
mod error;
mod manual;
mod render;
mod terminal;
mod time;

pub use error::{CliError, CliResult};

use crate::repo::Repo;
use clap::{CommandFactory, Parser, Subcommand};
use commands::{
    comment, completion, doctor, file, help, hook, label, list, man, new, rm, select, show, status,
    sync, title, user,
};
use context::Ctx;
use terminal::{ColorChoice, Ui};

const ABOUT: &str = "A distributed bug tracker that lives in your git repository";

const LONG_ABOUT: &str = "\
git bug keeps bugs inside the git repository they are about, in the same \
format as the Go git-bug: each bug is a chain of commits under refs/bugs/, \
identities live under refs/identities/. Everything works offline.

Daily use:
  git bug new -t \"Crash on start\" -m \"Steps to reproduce...\"
  git bug ls status:open label:bug
  git bug show 1a2b3c4
  git bug comment 1a2b3c4 -m \"Fixed in the next release\"
  git bug close 1a2b3c4

The full git-bug command tree is under \"git bug bug\" and \"git bug user\".";

/// Command-line interface of `git bug`.
#[derive(Parser, Debug)]
#[command(
    name = "git-bug",
    bin_name = "git bug",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = manual::after_short_help(),
    after_long_help = manual::after_long_help(),
    arg_required_else_help = true,
    // "git bug help" is ours (commands/help.rs): it also knows the topics.
    disable_help_subcommand = true
)]
pub struct Cli {
    /// When to colour output: auto (on a terminal, unless NO_COLOR is set), always, never
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    color: ColorChoice,

    /// Do not send long output through the pager
    #[arg(long, global = true)]
    no_pager: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// List bugs matching a query (shortcut for "bug")
    Ls(list::ListArgs),
    /// Create a new bug (shortcut for "bug new")
    New(new::NewArgs),
    /// Show a bug (shortcut for "bug show")
    Show(show::ShowArgs),
    /// Add a comment to a bug (shortcut for "bug comment new")
    Comment(comment::NewArgs),
    /// Close a bug (shortcut for "bug status close")
    Close(status::BugIdArgs),
    /// Reopen a bug (shortcut for "bug status open")
    Open(status::BugIdArgs),
    /// Work with bugs; without a subcommand, list them
    Bug(list::BugArgs),
    /// Work with identities; without a subcommand, list them
    User(user::UserArgs),
    /// List the labels in use on any bug
    Label,
    /// List and write out files attached to bugs (new and comment take --attach)
    #[command(subcommand)]
    File(file::FileCommand),
    /// Set up this clone so that git fetch and git push carry bugs
    ///
    /// In a clone: adds the fetch refspecs of bugs and identities to each remote,
    /// and hooks that merge what git fetch brings, push bugs along with git push
    /// and act on the bug references of commit messages.
    ///
    /// With --server, in the repository people push to (usually bare): makes
    /// git hand every pushed update of refs/bugs/* and refs/identities/* to
    /// git-bug (a proc-receive hook and receive.procReceiveRefs), which checks it
    /// as a clone merging it would and refuses the invalid ones, each with its
    /// reason, while the rest of the push goes through. Updates must be
    /// fast-forwards; bugs may be deleted (unless receive.denyDeletes is set),
    /// identities may not. "git bug uninstall" removes it.
    Install(sync::InstallArgs),
    /// Undo "git bug install"
    Uninstall(sync::UninstallArgs),
    /// Show what is installed, and which bugs are not pushed or not merged yet
    Status,
    /// Fetch bugs from a remote and merge them
    Pull(sync::RemoteArgs),
    /// Push bugs to a remote
    Push(sync::RemoteArgs),
    /// Find stale locks, broken refs and unreadable bugs (--fix repairs)
    Doctor(doctor::DoctorArgs),
    /// Entry points of the installed git hooks
    #[command(hide = true, subcommand)]
    Hook(hook::HookCommand),
    /// Print the version
    Version,
    /// Print the manual of git bug, of a command, or of a topic (query, exit-status...)
    Help(help::HelpArgs),
    /// Print a shell completion script (bash: source it, and "git bug <TAB>" completes too)
    Completion(completion::CompletionArgs),
    /// Write the man pages where man looks (or into DIR), for "git help bug"
    #[command(name = "install-man-pages")]
    InstallManPages(man::InstallArgs),
    /// Bug id prefixes, for shell completion
    #[command(name = "complete-bug-ids", hide = true)]
    CompleteBugIds(completion::BugIdsArgs),
}

/// The clap command tree, for man pages and completions.
pub fn command() -> clap::Command {
    Cli::command()
}

/// Runs `git bug` with the process arguments and returns the exit code.
pub fn run() -> u8 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { error::EXIT_USAGE } else { 0 };
        }
    };
    let mut ui = Ui::new(cli.color, None);
    let result = dispatch(&cli, &mut ui);
    let finished = ui.finish();
    match result.and(finished.map_err(CliError::from)) {
        Ok(()) => 0,
        Err(e) if e.message.contains("Broken pipe") => 0,
        Err(e) => {
            // An empty message: the command has already said what was wrong.
            if !e.message.is_empty() {
                eprintln!("error: {}", e.message);
            }
            if let Some(hint) = e.hint {
                eprintln!("hint: {hint}");
            }
            e.code
        }
    }
}

fn dispatch(cli: &Cli, ui: &mut Ui) -> CliResult {
    match &cli.command {
        Command::Version => {
            writeln!(ui.out(), "git-bug {}", env!("CARGO_PKG_VERSION"))?;
            return Ok(());
        }
        Command::InstallManPages(args) => return man::install(args),
        Command::Help(args) => return help::run(ui, args),
        Command::CompleteBugIds(args) => return completion::bug_ids(ui, args),
        Command::Completion(args) => return completion::run(ui, args),
        _ => {}
    }
    let repo = Repo::open_from_env()?;
    let color_config = repo
        .config_get("color.bug")?
        .or(repo.config_get("color.ui")?);
    let pager = if cli.no_pager {
        Some(String::new())
    } else {
        pager_command(&repo)?
    };
    *ui = Ui::new(cli.color, color_config);
    let ctx = Ctx::new(&repo);
    if !matches!(
        cli.command,
        Command::Hook(_)
            | Command::Install(_)
            | Command::Uninstall(_)
            | Command::Status
            | Command::Pull(_)
            | Command::Doctor(_)
    ) {
        catch_up(&ctx);
    }
    match &cli.command {
        Command::Ls(args) => list::run(&ctx, ui, args, pager),
        Command::New(args) => new::run(&ctx, ui, args),
        Command::Show(args) => show::run(&ctx, ui, args, pager),
        Command::Comment(args) => comment::run_new(&ctx, ui, args),
        Command::Close(args) => {
            status::set(&ctx, ui, args.bug.as_deref(), crate::bug::Status::Closed)
        }
        Command::Open(args) => status::set(&ctx, ui, args.bug.as_deref(), crate::bug::Status::Open),
        Command::Bug(args) => match &args.command {
            None => list::run(&ctx, ui, &args.list, pager),
            Some(list::BugCommand::New(a)) => new::run(&ctx, ui, a),
            Some(list::BugCommand::Show(a)) => show::run(&ctx, ui, a, pager),
            Some(list::BugCommand::Comment(a)) => comment::run(&ctx, ui, a, pager),
            Some(list::BugCommand::Label(a)) => label::run(&ctx, ui, a),
            Some(list::BugCommand::Status(a)) => status::run(&ctx, ui, a),
            Some(list::BugCommand::Title(a)) => title::run(&ctx, ui, a),
            Some(list::BugCommand::Select(a)) => select::select(&ctx, ui, a),
            Some(list::BugCommand::Deselect) => select::deselect(&ctx),
            Some(list::BugCommand::Rm(a)) => rm::run(&ctx, ui, a),
        },
        Command::User(args) => user::run(&ctx, ui, args),
        Command::Label => label::list_all(&ctx, ui),
        Command::File(command) => file::run(&ctx, ui, command),
        Command::Install(args) => sync::install(&ctx, args),
        Command::Uninstall(args) => sync::uninstall(&ctx, args),
        Command::Status => sync::status(&ctx, ui),
        Command::Pull(args) => sync::pull(&ctx, ui, args),
        Command::Push(args) => sync::push(&ctx, args),
        Command::Doctor(args) => doctor::run(&ctx, ui, args),
        Command::Hook(command) => hook::run(&ctx, command),
        Command::Version
        | Command::InstallManPages(_)
        | Command::Completion(_)
        | Command::Help(_)
        | Command::CompleteBugIds(_) => Ok(()),
    }
}

/// Merges what was fetched without our hooks, and acts on commits that
/// reached the default branch without them, before anything is shown.
fn catch_up(ctx: &Ctx) {
    match crate::sync::merge_tracking_refs(ctx.repo, None) {
        Ok(report) => {
            for line in report.summary_lines().iter().chain(&report.warning_lines()) {
                eprintln!("git-bug: {}", terminal::escape(line, false));
            }
        }
        Err(e) => eprintln!("warning: merging fetched bugs failed: {e}"),
    }
    hook::act_on_commits(ctx);
}

/// `GIT_PAGER`, `core.pager`, `PAGER`, as git picks its pager.
fn pager_command(repo: &Repo) -> CliResult<Option<String>> {
    if let Ok(pager) = std::env::var("GIT_PAGER") {
        return Ok(Some(pager));
    }
    if let Some(pager) = repo.config_get("core.pager")? {
        return Ok(Some(pager));
    }
    Ok(std::env::var("PAGER").ok())
}
