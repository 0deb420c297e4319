//! `git bug install`, `uninstall`, `status`, `pull` and `push`: sharing
//! bugs through the remotes of the repository.

use crate::cli::context::Ctx;
use crate::cli::error::{CliError, CliResult};
use crate::cli::terminal::{Ui, escape};
use crate::sync::install::{self, ForeignHooks, InstallError};
use crate::sync::pass::{Held, Kind, held_refs, pending_refs};
use crate::sync::{self, Outcome, Report, SyncError};
use clap::Args;

#[derive(Args, Debug)]
pub struct InstallArgs {
    /// Only set up this remote (hooks are installed either way)
    #[arg(long, value_name = "NAME")]
    pub remote: Option<String>,
    /// Move a hook file that is not a shell script aside and call it from ours
    #[arg(long, conflicts_with = "manual")]
    pub force: bool,
    /// Leave hook files that are not shell scripts alone and print what to add
    #[arg(long)]
    pub manual: bool,
    /// In the repository people push to (usually bare): check every pushed bug and
    /// identity and refuse the invalid ones, each with its reason, while the rest of
    /// the push goes through
    #[arg(long, conflicts_with_all = ["remote", "force", "manual"])]
    pub server: bool,
}

#[derive(Args, Debug)]
pub struct UninstallArgs {
    /// Only undo the refspecs of this remote, and keep the hooks
    #[arg(long, value_name = "NAME")]
    pub remote: Option<String>,
}

#[derive(Args, Debug)]
pub struct RemoteArgs {
    /// The remote [default: origin, or the only remote]
    #[arg(value_name = "REMOTE")]
    pub remote: Option<String>,
}

impl From<InstallError> for CliError {
    fn from(e: InstallError) -> CliError {
        let hint = match &e {
            InstallError::ForeignHook(_) => Some(
                "use --force to move it aside and chain it, or --manual to add the lines yourself",
            ),
            InstallError::NoSuchRemote(_) => Some("\"git remote -v\" lists the remotes"),
            InstallError::HookInUse(_) => {
                Some("move it away, then run \"git bug install --server\" again")
            }
            _ => None,
        };
        let error = CliError::new(e.to_string());
        match hint {
            Some(h) => error.with_hint(h),
            None => error,
        }
    }
}

impl From<SyncError> for CliError {
    fn from(e: SyncError) -> CliError {
        match e {
            SyncError::Repo(r) => r.into(),
            SyncError::Git(g) => CliError::new(g.to_string()),
        }
    }
}

pub fn install(ctx: &Ctx, args: &InstallArgs) -> CliResult {
    if args.server {
        for line in &install::install_server(ctx.repo)?.lines {
            eprintln!("{line}");
        }
        eprintln!(
            "Every bug and identity pushed here is now checked; invalid ones are refused, each with its reason."
        );
        return Ok(());
    }
    let foreign = if args.force {
        ForeignHooks::Chain
    } else if args.manual {
        ForeignHooks::Manual
    } else {
        ForeignHooks::Refuse
    };
    let changes = install::install(ctx.repo, args.remote.as_deref(), foreign)?;
    for line in &changes.lines {
        eprintln!("{line}");
    }
    eprintln!("git fetch now brings bugs in and merges them; git push carries them out.");
    if ctx.repo.is_bare() {
        eprintln!(
            "This is a bare repository: if people push to it, \"git bug install --server\" makes it check every pushed bug and identity and refuse the invalid ones."
        );
    }
    Ok(())
}

pub fn uninstall(ctx: &Ctx, args: &UninstallArgs) -> CliResult {
    let changes = install::uninstall(ctx.repo, args.remote.as_deref())?;
    if changes.lines.is_empty() {
        eprintln!("nothing to uninstall");
    }
    for line in &changes.lines {
        eprintln!("{line}");
    }
    Ok(())
}

/// The remote to use when none is named: origin, or the only one.
fn default_remote(ctx: &Ctx, given: Option<&str>) -> CliResult<String> {
    if let Some(name) = given {
        return Ok(name.to_string());
    }
    let remotes = install::remotes(ctx.repo)?;
    if remotes.iter().any(|r| r == "origin") {
        return Ok("origin".into());
    }
    match remotes.as_slice() {
        [only] => Ok(only.clone()),
        [] => Err(CliError::new("this repository has no remote")
            .with_hint("add one with \"git remote add NAME URL\"")),
        _ => Err(CliError::usage("several remotes and none is called origin")
            .with_hint("name the remote: git bug pull REMOTE")),
    }
}

/// Prints a merge report as `git bug pull` does: one line per entity that changed.
fn print_report(ui: &mut Ui, report: &Report) -> CliResult {
    for entry in &report.entries {
        let status = match &entry.outcome {
            Outcome::New => "new".to_string(),
            Outcome::Updated => "updated".to_string(),
            Outcome::Rebased => "updated (local changes replayed on top)".to_string(),
            Outcome::Merged => "updated (merge commit)".to_string(),
            Outcome::UpToDate => continue,
            Outcome::Incomplete(why) => format!("pending: {why}"),
            Outcome::WaitingFor(author) => format!(
                "pending: author identity {} has not arrived yet",
                crate::entity::id::human(author)
            ),
            Outcome::Invalid(why) => format!("invalid data: {why}"),
            Outcome::Diverged => {
                "invalid data: merge failed: non fast-forward identity merge".to_string()
            }
        };
        let what = if entry.tracking.kind == Kind::Identity {
            "identity "
        } else {
            ""
        };
        writeln!(
            ui.out(),
            "{what}{}: {}",
            crate::entity::id::human(&entry.tracking.id),
            escape(&status, false)
        )?;
    }
    for (tracking, why) in &report.errors {
        eprintln!(
            "error: {}: {}",
            crate::entity::id::human(&tracking.id),
            escape(why, false)
        );
    }
    Ok(())
}

pub fn pull(ctx: &Ctx, ui: &mut Ui, args: &RemoteArgs) -> CliResult {
    let remote = default_remote(ctx, args.remote.as_deref())?;
    let report = sync::pull(ctx.repo, &remote, false)?;
    print_report(ui, &report)?;
    if report
        .entries
        .iter()
        .all(|e| e.outcome == Outcome::UpToDate)
        && report.errors.is_empty()
    {
        eprintln!("already up to date");
    }
    let refused = report
        .entries
        .iter()
        .filter(|e| matches!(e.outcome, Outcome::Invalid(_) | Outcome::Diverged))
        .count();
    if refused > 0 || !report.errors.is_empty() {
        return Err(CliError::new(format!(
            "{} entities from {remote} were refused or failed to merge",
            refused + report.errors.len()
        )));
    }
    Ok(())
}

pub fn push(ctx: &Ctx, args: &RemoteArgs) -> CliResult {
    let remote = default_remote(ctx, args.remote.as_deref())?;
    let report = sync::push(ctx.repo, &remote)?;
    for line in &report.remote_lines {
        eprintln!("{}", escape(line, false));
    }
    if report.updated.is_empty() && report.unpushed.is_empty() && report.refused.is_empty() {
        eprintln!("already up to date");
    } else if !report.updated.is_empty() {
        eprintln!("{remote}: pushed {}", describe_refs(&report.updated));
    }
    for warning in &report.warnings {
        eprintln!("warning: {}", crate::cli::terminal::escape(warning, false));
    }
    for (name, why) in &report.refused {
        eprintln!(
            "error: {remote} refused {}: {}",
            describe_refs(std::slice::from_ref(name)),
            escape(why, false)
        );
    }
    if !report.refused.is_empty() && report.unpushed.is_empty() {
        return Err(CliError::new(format!(
            "{remote} refused {} for the reasons above",
            describe_refs(
                &report
                    .refused
                    .iter()
                    .map(|(name, _)| name.clone())
                    .collect::<Vec<_>>()
            )
        )));
    }
    if !report.unpushed.is_empty() {
        return Err(CliError::new(format!(
            "{remote} refused {}",
            describe_refs(&report.unpushed)
        ))
        .with_hint(format!(
            "someone pushed meanwhile; run \"git bug push {remote}\" again"
        )));
    }
    Ok(())
}

/// "2 bugs (1a2b3c4, 5d6e7f8) and 1 identity".
pub fn describe_refs(refs: &[String]) -> String {
    let ids = |prefix: &str| -> Vec<&str> {
        refs.iter()
            .filter_map(|r| r.strip_prefix(prefix))
            .map(crate::entity::id::human)
            .collect()
    };
    let bugs = ids("refs/bugs/");
    let people = ids("refs/identities/");
    let mut parts = Vec::new();
    if !bugs.is_empty() {
        let plural = if bugs.len() == 1 { "bug" } else { "bugs" };
        let shown: Vec<&str> = bugs.iter().take(5).copied().collect();
        let more = if bugs.len() > 5 { ", …" } else { "" };
        parts.push(format!(
            "{} {plural} ({}{more})",
            bugs.len(),
            shown.join(", ")
        ));
    }
    if !people.is_empty() {
        let plural = if people.len() == 1 {
            "identity"
        } else {
            "identities"
        };
        parts.push(format!("{} {plural}", people.len()));
    }
    parts.join(" and ")
}

pub fn status(ctx: &Ctx, ui: &mut Ui) -> CliResult {
    let install::HookStates { dir, hooks } = install::hook_states(ctx.repo)?;
    let out = ui.out();
    writeln!(out, "Hooks in {}:", dir.display())?;
    for (name, installed) in hooks {
        writeln!(
            out,
            "  {name}: {}",
            if installed {
                "installed"
            } else {
                "not installed"
            }
        )?;
    }
    let remotes = install::remotes(ctx.repo)?;
    if remotes.is_empty() {
        writeln!(out, "No remotes.")?;
    }
    let pending = pending_refs(ctx.repo, None)?;
    let held = held_refs(ctx.repo)?;
    for remote in &remotes {
        let fetch = ctx.repo.config_get_all(&format!("remote.{remote}.fetch"))?;
        let installed = install::fetch_refspecs(remote)
            .iter()
            .all(|s| fetch.contains(s));
        writeln!(out, "Remote {remote}:")?;
        writeln!(
            out,
            "  fetches bugs: {}",
            if installed {
                "yes"
            } else {
                "no (run \"git bug install\")"
            }
        )?;
        let unpushed = sync::unpushed(ctx.repo, remote)?;
        writeln!(
            out,
            "  not pushed: {}",
            if unpushed.is_empty() {
                "nothing".to_string()
            } else {
                describe_refs(&unpushed)
            }
        )?;
        let waiting: Vec<String> = pending
            .iter()
            .filter(|t| &t.remote == remote)
            .map(|t| {
                format!(
                    "refs/{}/{}",
                    if t.kind == Kind::Bug {
                        "bugs"
                    } else {
                        "identities"
                    },
                    t.id
                )
            })
            .collect();
        writeln!(
            out,
            "  not merged yet: {}",
            if waiting.is_empty() {
                "nothing".to_string()
            } else {
                describe_refs(&waiting)
            }
        )?;
        for (tracking, why) in held.iter().filter(|(t, _)| &t.remote == remote) {
            let what = if tracking.kind == Kind::Bug {
                "bug"
            } else {
                "identity"
            };
            let (state, reason) = match why {
                Held::Refused(reason) => ("refused", reason),
                Held::Incomplete(reason) => ("incomplete", reason),
            };
            writeln!(
                out,
                "  {state}: {what} {}: {}",
                crate::entity::id::human(&tracking.id),
                escape(reason, false)
            )?;
        }
    }
    Ok(())
}
