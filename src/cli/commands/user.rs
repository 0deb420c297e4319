//! `git bug user`: list, create, adopt and show identities.

use crate::cli::context::Ctx;
use crate::cli::error::{CliError, CliResult};
use crate::cli::render::identity_json;
use crate::cli::terminal::{Ui, escape};
use crate::cli::time;
use crate::entity::gojson::Json;
use crate::identity::{self, Identity, NewIdentity, USER_IDENTITY_KEY};
use clap::{Args, Subcommand, ValueEnum};
use std::io::{BufRead, IsTerminal};
use std::sync::Arc;

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct UserArgs {
    #[command(subcommand)]
    pub command: Option<UserCommand>,
    /// Output format of the list
    #[arg(short, long, value_enum, default_value_t = UserFormat::Default)]
    pub format: UserFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UserFormat {
    Default,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a new identity (it becomes yours if you have none)
    New(NewArgs),
    /// Make an existing identity yours in this repository
    Adopt(AdoptArgs),
    /// Show an identity (yours when USER_ID is omitted)
    #[command(visible_alias = "show")]
    User(ShowArgs),
}

#[derive(Args, Debug)]
pub struct NewArgs {
    /// Name [default: git's user.name]
    #[arg(short, long)]
    pub name: Option<String>,
    /// Email [default: git's user.email]
    #[arg(short, long)]
    pub email: Option<String>,
    /// Avatar URL
    #[arg(short, long)]
    pub avatar: Option<String>,
    /// Never ask; take the defaults
    #[arg(long)]
    pub non_interactive: bool,
}

#[derive(Args, Debug)]
pub struct AdoptArgs {
    /// The identity to adopt (an id prefix)
    #[arg(value_name = "USER_ID")]
    pub user: String,
}

#[derive(Args, Debug)]
pub struct ShowArgs {
    /// The identity (an id prefix); yours when omitted
    #[arg(value_name = "USER_ID")]
    pub user: Option<String>,
    /// Print only one field: email, humanId, id, lastModification,
    /// lastModificationLamports, login, metadata, name
    #[arg(short, long, value_name = "FIELD")]
    pub field: Option<String>,
}

pub fn run(ctx: &Ctx, ui: &mut Ui, args: &UserArgs) -> CliResult {
    match &args.command {
        Some(UserCommand::New(a)) => new(ctx, ui, a),
        Some(UserCommand::Adopt(a)) => adopt(ctx, ui, a),
        Some(UserCommand::User(a)) => show(ctx, ui, a),
        None => list(ctx, ui, args.format),
    }
}

fn all(ctx: &Ctx) -> CliResult<Vec<Arc<Identity>>> {
    let mut people = Vec::new();
    for id in ctx.identities.ids()? {
        match ctx.identities.get(&id) {
            Ok(who) => people.push(who),
            Err(e) => eprintln!("warning: {}", escape(&e, false)),
        }
    }
    people.sort_by(|a, b| {
        a.display_name()
            .to_lowercase()
            .cmp(&b.display_name().to_lowercase())
            .then(a.id.cmp(&b.id))
    });
    Ok(people)
}

fn list(ctx: &Ctx, ui: &mut Ui, format: UserFormat) -> CliResult {
    let people = all(ctx)?;
    match format {
        UserFormat::Default => {
            for who in people {
                let id = ui.paint("36", who.human_id());
                writeln!(ui.out(), "{id} {}", escape(&who.display_name(), false))?;
            }
        }
        UserFormat::Json => {
            let json = Json::Array(people.iter().map(|p| identity_json(p)).collect());
            writeln!(ui.out(), "{}", json.to_indented())?;
        }
    }
    Ok(())
}

/// Asks on the terminal, showing the default; never when no one is there.
fn ask(question: &str, default: Option<String>, interactive: bool) -> CliResult<Option<String>> {
    if !interactive {
        return Ok(default);
    }
    match &default {
        Some(d) => eprint!("{question} [{d}]: "),
        None => eprint!("{question}: "),
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let answer = line.trim().to_string();
    Ok(if answer.is_empty() {
        default
    } else {
        Some(answer)
    })
}

fn new(ctx: &Ctx, ui: &mut Ui, args: &NewArgs) -> CliResult {
    let interactive =
        !args.non_interactive && std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    let git_name = ctx
        .repo
        .config_get("user.name")?
        .filter(|n| !n.trim().is_empty());
    let git_email = ctx
        .repo
        .config_get("user.email")?
        .filter(|n| !n.trim().is_empty());
    let name = match &args.name {
        Some(n) => Some(n.clone()),
        None => ask("Name", git_name, interactive)?,
    };
    let email = match &args.email {
        Some(e) => Some(e.clone()),
        None => ask("Email", git_email, interactive)?,
    };
    let avatar = match &args.avatar {
        Some(a) => a.clone(),
        None => ask("Avatar URL", None, interactive)?.unwrap_or_default(),
    };
    let Some(name) = name.filter(|n| !n.trim().is_empty()) else {
        return Err(CliError::new("the identity needs a name")
            .with_hint("give it with -n NAME, or set git's user.name"));
    };
    let new = NewIdentity {
        name,
        email: email.unwrap_or_default(),
        avatar_url: avatar,
    };
    identity::validate(&new).map_err(CliError::usage)?;
    let _lock = ctx.lock()?;
    let created = identity::create(ctx.repo, &new)?;
    if ctx.identities.user()?.is_none() {
        ctx.repo.config_set_local(USER_IDENTITY_KEY, &created.id)?;
    }
    ctx.wrote();
    writeln!(ui.out(), "{}", created.id)?;
    Ok(())
}

fn adopt(ctx: &Ctx, ui: &mut Ui, args: &AdoptArgs) -> CliResult {
    let who = ctx.identities.resolve(&args.user)?;
    ctx.repo.config_set_local(USER_IDENTITY_KEY, &who.id)?;
    writeln!(
        ui.out(),
        "Your identity is now: {}",
        escape(&who.display_name(), false)
    )?;
    Ok(())
}

fn show(ctx: &Ctx, ui: &mut Ui, args: &ShowArgs) -> CliResult {
    let who = match &args.user {
        Some(prefix) => ctx.identities.resolve(prefix)?,
        None => ctx.identities.user()?.ok_or_else(|| {
            CliError::new("no identity is set for git-bug in this repository").with_hint(
                "name one (git bug user show USER_ID), or create yours with \"git bug user new\"",
            )
        })?,
    };
    let e = |s: &str| escape(s, false);
    let lamports = || {
        who.last_times()
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
    };
    if let Some(field) = &args.field {
        let lines: Vec<String> = match field.as_str() {
            "email" => vec![e(who.email())],
            "humanId" => vec![who.human_id().to_string()],
            "id" => vec![who.id.clone()],
            "lastModification" => vec![time::comment_date(who.last_unix_time())],
            "lastModificationLamport" | "lastModificationLamports" => lamports(),
            "login" => vec![e(who.login())],
            "metadata" => who
                .metadata()
                .iter()
                .map(|(k, v)| format!("{}\t{}", e(k), e(v)))
                .collect(),
            "name" => vec![e(who.name())],
            other => {
                return Err(CliError::usage(format!("unsupported field: {other}"))
                    .with_hint("fields: email, humanId, id, lastModification, lastModificationLamports, login, metadata, name"));
            }
        };
        for line in lines {
            writeln!(ui.out(), "{line}")?;
        }
        return Ok(());
    }
    let out = ui.out();
    writeln!(out, "Id: {}", who.id)?;
    writeln!(out, "Name: {}", e(who.name()))?;
    writeln!(out, "Email: {}", e(who.email()))?;
    writeln!(out, "Login: {}", e(who.login()))?;
    writeln!(
        out,
        "Last modification: {}",
        time::comment_date(who.last_unix_time())
    )?;
    writeln!(out, "Last modification (lamport):")?;
    for line in lamports() {
        writeln!(out, "\t{line}")?;
    }
    writeln!(out, "Metadata:")?;
    for (k, v) in who.metadata() {
        writeln!(out, "    {} --> {}", e(&k), e(&v))?;
    }
    Ok(())
}
