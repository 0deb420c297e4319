//! Lock files (`<file>.lock`) that git and git-bug create while they rewrite
//! a ref or the config, and leave behind when they are killed. A leftover one
//! blocks every later write of that file, so errors name it and say how to
//! clear it.

use super::Repo;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// How long a writer may hold a lock file before we call it left over.
pub const SETTLE: Duration = Duration::from_secs(1);

/// A lock file that is in the way.
#[derive(Debug, Clone)]
pub struct LeftoverLock {
    pub path: PathBuf,
    /// Since when it exists, when the file system says.
    pub age: Option<Duration>,
}

impl LeftoverLock {
    /// The lock file at `path`, if there is one.
    pub fn at(path: &Path) -> Option<LeftoverLock> {
        let meta = std::fs::symlink_metadata(path).ok()?;
        let age = meta
            .modified()
            .ok()
            .and_then(|t| SystemTime::now().duration_since(t).ok());
        Some(LeftoverLock {
            path: path.to_path_buf(),
            age,
        })
    }

    /// The lock file at `path` once a live writer would have finished with
    /// it: `None` when it goes away within [`SETTLE`].
    pub fn settled(path: &Path) -> Option<LeftoverLock> {
        let start = std::time::Instant::now();
        while start.elapsed() < SETTLE {
            LeftoverLock::at(path)?;
            std::thread::sleep(Duration::from_millis(20));
        }
        LeftoverLock::at(path)
    }
}

impl std::fmt::Display for LeftoverLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let path = self.path.display();
        let age = match self.age {
            Some(age) => format!(" ({} old)", human_duration(age)),
            None => String::new(),
        };
        write!(
            f,
            "the lock file {path} exists{age}; a git or git-bug process that was killed may have left it: \
             if no git process is running, remove it with \"rm {path}\" or \"git bug doctor --fix\""
        )
    }
}

/// `3 minutes`, `2 hours`: precise enough to tell old from new.
pub fn human_duration(d: Duration) -> String {
    let s = d.as_secs();
    let (n, unit) = match s {
        0..60 => (s, "second"),
        60..3600 => (s / 60, "minute"),
        3600..86400 => (s / 3600, "hour"),
        _ => (s / 86400, "day"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// The lock files git names in its error output ("Unable to create
/// '<path>.lock': File exists."), that still exist.
pub fn named_in_git_output(stderr: &str) -> Vec<LeftoverLock> {
    const START: &str = "Unable to create '";
    let mut found: Vec<LeftoverLock> = Vec::new();
    for line in stderr.lines() {
        let Some(at) = line.find(START) else { continue };
        let rest = &line[at + START.len()..];
        let Some(end) = rest.find(".lock'") else {
            continue;
        };
        let path = Path::new(&rest[..end + ".lock".len()]);
        if found.iter().all(|l| l.path != path)
            && let Some(lock) = LeftoverLock::at(path)
        {
            found.push(lock);
        }
    }
    found
}

impl Repo {
    /// Where git locks the ref `name` while it moves it.
    pub fn ref_lock_path(&self, name: &str) -> PathBuf {
        self.common_dir().join(format!("{name}.lock"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_duration(Duration::from_secs(1)), "1 second");
        assert_eq!(human_duration(Duration::from_secs(600)), "10 minutes");
        assert_eq!(human_duration(Duration::from_secs(7300)), "2 hours");
    }

    #[test]
    fn finds_the_path_git_names() {
        let dir = tempfile::tempdir().unwrap();
        let lock = dir.path().join("x.lock");
        std::fs::write(&lock, "").unwrap();
        let stderr = format!(
            "error: cannot lock ref 'refs/remotes/o/bugs/x': Unable to create '{}': File exists.\n\nAnother git process seems to be running",
            lock.display()
        );
        let found = named_in_git_output(&stderr);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path, lock);
    }
}
