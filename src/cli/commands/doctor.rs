//! `git bug doctor`: find, and with `--fix` repair, what interrupted writers
//! and bad data left in the repository.

use crate::cli::context::Ctx;
use crate::cli::error::{CliError, CliResult};
use crate::cli::terminal::{Ui, escape};
use crate::doctor::{self, Finding, Options, Repair};
use clap::{Args, ValueEnum};

const LONG_ABOUT: &str = "\
Checks the repository for:
  - lock files (refs/**.lock, packed-refs.lock, config.lock) that a killed git \
or git-bug left behind: each blocks every later write of its file;
  - git-bug's process lock when that process is gone;
  - bug and identity refs, local or remote-tracking, that point at a missing \
object or at something that is not a commit;
  - bugs and identities that cannot be read, with the reason;
  - Lamport clock files below a clock value a bug already uses.

Prints one line per problem; nothing to report prints \"no problems found\".
With --fix, removes lock files older than 10 minutes (younger ones may \
belong to a git still at work) and process locks of processes that are \
gone, and raises clock files. It never deletes or rewrites bugs or \
identities: broken refs and unreadable data are reported for a person to \
look at.

Exit status: 0 when no problem remains, 1 otherwise.";

#[derive(Args, Debug)]
#[command(long_about = LONG_ABOUT)]
pub struct DoctorArgs {
    /// Repair what is safe to repair: stale lock files, clock files
    #[arg(long)]
    pub fix: bool,
    /// Output format
    #[arg(short, long, value_enum, default_value_t = DoctorFormat::Text)]
    pub format: DoctorFormat,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DoctorFormat {
    Text,
    Json,
}

pub fn run(ctx: &Ctx, ui: &mut Ui, args: &DoctorArgs) -> CliResult {
    // Repairs happen under the write lock, so no git-bug writes meanwhile.
    let _lock = if args.fix { Some(ctx.lock()?) } else { None };
    let options = Options {
        fix: args.fix,
        ..Options::default()
    };
    let findings = doctor::check(ctx.repo, &options)?;
    match args.format {
        DoctorFormat::Text => {
            for finding in &findings {
                writeln!(ui.out(), "{}", escape(&line(finding), false))?;
            }
            if findings.is_empty() {
                writeln!(ui.out(), "no problems found")?;
            }
        }
        DoctorFormat::Json => {
            let list: Vec<_> = findings.iter().map(json).collect();
            let text =
                serde_json::to_string_pretty(&list).map_err(|e| CliError::new(e.to_string()))?;
            writeln!(ui.out(), "{text}")?;
        }
    }
    if findings.iter().any(|f| f.repair != Repair::Fixed) {
        // Each problem is on stdout already.
        return Err(CliError::new(""));
    }
    Ok(())
}

fn line(finding: &Finding) -> String {
    let outcome = match finding.repair {
        Repair::Fixed => " (fixed)",
        Repair::Fixable => " (\"git bug doctor --fix\" repairs it)",
        Repair::Manual => "",
    };
    format!(
        "{} {}: {}{outcome}",
        finding.kind.as_str(),
        finding.subject,
        finding.problem
    )
}

fn json(finding: &Finding) -> serde_json::Value {
    serde_json::json!({
        "kind": finding.kind.as_str(),
        "subject": finding.subject,
        "problem": finding.problem,
        "repair": match finding.repair {
            Repair::Fixed => "fixed",
            Repair::Fixable => "fixable",
            Repair::Manual => "manual",
        },
    })
}
