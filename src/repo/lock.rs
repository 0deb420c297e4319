//! Serialising writers. Our own writers take an OS advisory lock, which
//! dies with the process; git-bug's PID lock file is respected when live.
//! The lock is re-entrant within a thread: a step that needs it (creating
//! the user's identity) may run inside a write that already holds it.

use super::{Repo, RepoError, Result, io_err};
use std::cell::RefCell;
use std::collections::HashMap;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::rc::{Rc, Weak};

/// Held while a command writes; dropping the last copy releases the lock.
pub struct WriteLock {
    _file: Rc<File>,
}

thread_local! {
    /// The locks this thread holds, by lock file.
    static HELD: RefCell<HashMap<PathBuf, Weak<File>>> = RefCell::new(HashMap::new());
}

impl Repo {
    /// Waits for other writers of this repository, then holds the lock.
    pub fn lock_for_write(&self) -> Result<WriteLock> {
        let dir = self.state_dir();
        fs::create_dir_all(&dir).map_err(io_err(format!("creating {}", dir.display())))?;
        check_go_lock(&dir.join("lock"))?;
        let path = dir.join("write.lock");
        if let Some(file) = HELD.with(|held| held.borrow().get(&path).and_then(Weak::upgrade)) {
            return Ok(WriteLock { _file: file });
        }
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io_err(format!("opening {}", path.display())))?;
        file.lock()
            .map_err(io_err(format!("locking {}", path.display())))?;
        let file = Rc::new(file);
        HELD.with(|held| held.borrow_mut().insert(path, Rc::downgrade(&file)));
        Ok(WriteLock { _file: file })
    }

    /// Drops git-bug's own cache so that a Go git-bug on this repository
    /// rebuilds it instead of showing stale bugs.
    pub fn invalidate_go_cache(&self) {
        let _ = fs::remove_dir_all(self.state_dir().join("cache"));
    }
}

/// git-bug writes its PID to `<state>/lock` while it holds the repository.
fn check_go_lock(path: &Path) -> Result<()> {
    let Ok(text) = fs::read_to_string(path) else {
        return Ok(());
    };
    let Ok(pid) = text.trim().parse::<u32>() else {
        return Ok(());
    };
    if process_alive(pid) == Some(true) && pid != std::process::id() {
        return Err(RepoError::Io {
            what: format!(
                "the repository is in use by git-bug process {pid} ({}); wait for it to finish",
                path.display()
            ),
            source: std::io::Error::from(std::io::ErrorKind::WouldBlock),
        });
    }
    Ok(())
}

/// Whether process `pid` runs, where the system can tell (`/proc`).
pub fn process_alive(pid: u32) -> Option<bool> {
    let proc_dir = Path::new("/proc");
    proc_dir
        .is_dir()
        .then(|| proc_dir.join(pid.to_string()).exists())
}
