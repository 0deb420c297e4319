//! `git-remote-bug REMOTE URL`: the engine behind git's remote-helper
//! protocol, for `bug::rt+http://HOST/?queue=NAME` and
//! `bug::redmine+http://HOST/projects/NAME` remotes.

use super::connector::Connector;
use super::credential::Credential;
use super::protocol::{Options, PushAnswer, PushSpec, Remote, serve};
use super::redmine::{Redmine, RedmineUrl};
use super::rt::{Rt, RtUrl};
use super::{BridgeError, Namespace, export, import};
use crate::repo::Repo;
use git2::Oid;

/// Which tracker a remote URL names, by its scheme's prefix.
#[derive(Debug, Clone)]
enum TrackerUrl {
    Rt(RtUrl),
    Redmine(RedmineUrl),
}

impl TrackerUrl {
    fn parse(url: &str) -> super::Result<TrackerUrl> {
        if url.starts_with("rt+") {
            Ok(TrackerUrl::Rt(RtUrl::parse(url)?))
        } else if url.starts_with("redmine+") {
            Ok(TrackerUrl::Redmine(RedmineUrl::parse(url)?))
        } else {
            Err(BridgeError::Usage(format!(
                "{url:?} names no tracker this build knows; use bug::rt+http://HOST/?queue=NAME or bug::redmine+http://HOST/projects/NAME"
            )))
        }
    }

    fn connect(&self) -> super::Result<Box<dyn Connector>> {
        Ok(match self {
            TrackerUrl::Rt(url) => {
                let credential = Credential::fill(&url.scheme, &url.host)?;
                Box::new(Rt::new(url.clone(), credential)?)
            }
            TrackerUrl::Redmine(url) => {
                let credential = Credential::fill(&url.scheme, &url.host)?;
                Box::new(Redmine::new(url.clone(), credential)?)
            }
        })
    }
}

/// One tracker remote of one repository. The connection (and so the
/// credential) is made on first need: `list for-push` needs none.
struct Bridge {
    repo: Repo,
    ns: Namespace,
    name: String,
    url: TrackerUrl,
    conn: Option<Box<dyn Connector>>,
}

impl Bridge {
    fn conn(&mut self) -> Result<&dyn Connector, String> {
        if self.conn.is_none() {
            self.conn = Some(self.url.connect().map_err(|e| e.to_string())?);
        }
        Ok(self.conn.as_deref().expect("connected above"))
    }

    /// The private refs, under the names the tracker "has" them.
    fn refs(&self) -> Result<Vec<(Oid, String)>, String> {
        let mut out = Vec::new();
        for (prefix, public) in [
            (self.ns.identities(), crate::identity::REF_PREFIX),
            (self.ns.bugs(), crate::bug::REF_PREFIX),
        ] {
            for (name, oid) in self
                .repo
                .refs_with_prefix(&prefix)
                .map_err(|e| e.to_string())?
            {
                out.push((oid, format!("{public}{}", &name[prefix.len()..])));
            }
        }
        Ok(out)
    }
}

impl Remote for Bridge {
    fn list(&mut self, for_push: bool, options: &Options) -> Result<Vec<(Oid, String)>, String> {
        if !for_push {
            // One writer at a time, as for every git-bug command; held only
            // while we write, never while git runs the hooks that merge.
            let _lock = self.repo.lock_for_write().map_err(|e| e.to_string())?;
            let name = self.name.clone();
            self.conn()?;
            let conn = self.conn.as_deref().expect("connected above");
            let recovered =
                export::recover(&self.repo, conn, &self.ns).map_err(|e| format!("{name}: {e}"))?;
            if options.verbosity > 0 && recovered > 0 {
                eprintln!("{name}: recorded {recovered} change(s) an interrupted push had made");
            }
            let report =
                import::sync(&self.repo, conn, &self.ns).map_err(|e| format!("{name}: {e}"))?;
            for (ticket, why) in &report.failed {
                eprintln!(
                    "{name}: ticket {ticket} not imported ({why}); tried again on the next fetch"
                );
            }
            if options.verbosity > 0 && report.tickets > 0 {
                eprintln!(
                    "{name}: {} ticket(s) changed, {} operation(s) imported, {} request(s)",
                    report.tickets,
                    report.operations,
                    conn.requests()
                );
            }
        }
        self.refs()
    }

    fn push(&mut self, specs: &[PushSpec], options: &Options) -> Result<Vec<PushAnswer>, String> {
        let _lock = self.repo.lock_for_write().map_err(|e| e.to_string())?;
        if specs
            .iter()
            .any(|s| s.dst.starts_with(crate::bug::REF_PREFIX))
        {
            self.conn()?;
            let conn = self.conn.as_deref().expect("connected above");
            export::recover(&self.repo, conn, &self.ns)
                .map_err(|e| format!("{}: {e}", self.name))?;
        }
        let mut answers = Vec::new();
        for spec in specs {
            let result = self.push_one(spec, options);
            answers.push((spec.dst.clone(), result));
        }
        if let Some(conn) = &self.conn
            && options.verbosity > 0
        {
            eprintln!("{}: {} request(s)", self.name, conn.requests());
        }
        Ok(answers)
    }
}

impl Bridge {
    fn push_one(&mut self, spec: &PushSpec, options: &Options) -> Result<(), String> {
        if spec.dst.starts_with(crate::identity::REF_PREFIX) {
            // Identities have no place on a tracker: it credits our writes
            // to the account of the token. Taking them keeps `git push` and
            // `git bug status` from asking for them again and again.
            return Ok(());
        }
        let Some(id) = spec.dst.strip_prefix(crate::bug::REF_PREFIX) else {
            return Err(format!(
                "only bugs go to a tracker; set remote.{0}.push to refs/bugs/*:refs/bugs/*",
                self.name
            ));
        };
        if spec.src.is_empty() {
            return Err("deleting a ticket is not supported".into());
        }
        let head = match self.repo.ref_target(&spec.src).map_err(|e| e.to_string())? {
            Some(oid) => oid,
            None => Oid::from_str(&spec.src).map_err(|_| format!("no local ref {}", spec.src))?,
        };
        let id = id.to_string();
        let name = self.name.clone();
        self.conn()?;
        let conn = self.conn.as_deref().expect("connected above");
        let pushed = export::push_bug(&self.repo, conn, &self.ns, &id, head, options.dry_run)?;
        if options.verbosity > 0 {
            for warning in &pushed.warnings {
                eprintln!("{name}: bug {}: {warning}", crate::entity::id::human(&id));
            }
            if pushed.requests > 0 {
                let verb = if options.dry_run {
                    "would send"
                } else {
                    "sent"
                };
                eprintln!(
                    "{name}: bug {}: {verb} {} change(s) to {}",
                    crate::entity::id::human(&id),
                    pushed.requests,
                    conn.kind()
                );
            }
        }
        Ok(())
    }
}

/// Runs the helper on standard input and output; the exit code.
pub fn main(args: &[String]) -> i32 {
    match run(args) {
        Ok(()) => 0,
        Err(why) => {
            eprintln!("error: {why}");
            1
        }
    }
}

fn run(args: &[String]) -> Result<(), String> {
    let (name, url) = match args {
        [name, url] => (name.clone(), url.clone()),
        [url] => (url.clone(), url.clone()),
        _ => {
            return Err(
                "git-remote-bug is run by git for bug:: remotes, e.g. git fetch bug::rt+http://HOST/?queue=NAME or bug::redmine+http://HOST/projects/NAME"
                    .into(),
            );
        }
    };
    let url = url.strip_prefix("bug::").unwrap_or(&url).to_string();
    let url = TrackerUrl::parse(&url).map_err(|e| e.to_string())?;
    let repo = Repo::open_from_env().map_err(|e| e.to_string())?;
    let mut bridge = Bridge {
        repo,
        ns: Namespace::new(&name),
        name,
        url,
        conn: None,
    };
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    serve(stdin.lock(), stdout.lock(), &mut bridge)
}
