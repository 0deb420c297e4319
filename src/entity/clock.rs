//! Lamport clocks, kept where git-bug keeps them: one decimal file per clock
//! in `<common dir>/git-bug/clocks/` (format spec §4). The files are a cache
//! of what the refs prove; a missing one is rebuilt from the data.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The largest clock value read or written. Remote data may carry less
/// (`limits::MAX_REMOTE_CLOCK`), so local writes always have room left.
pub const MAX_CLOCK: u64 = 1 << 62;

/// The directory of clock files.
#[derive(Debug, Clone)]
pub struct ClockStore {
    dir: PathBuf,
}

impl ClockStore {
    pub fn new(state_dir: &Path) -> ClockStore {
        ClockStore {
            dir: state_dir.join("clocks"),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The current value, or `None` when the clock was never written.
    pub fn value(&self, name: &str) -> io::Result<Option<u64>> {
        match fs::read_to_string(self.path(name)) {
            Ok(text) => {
                let digits: String = text
                    .trim()
                    .chars()
                    .take_while(|c| c.is_ascii_digit())
                    .collect();
                Ok(digits.parse().ok())
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Advances the clock and returns the new value. A clock that does not
    /// exist starts at 1, so the first value handed out is 2, as in git-bug.
    /// Refuses to hand out a value above [`MAX_CLOCK`], which readers refuse.
    pub fn increment(&self, name: &str) -> io::Result<u64> {
        let next = self.value(name)?.unwrap_or(1).saturating_add(1);
        if next > MAX_CLOCK {
            return Err(io::Error::other(format!(
                "{name} is at its maximum ({MAX_CLOCK}); if no bug carries such a value, \
                 remove {}: it is rebuilt from the bugs",
                self.path(name).display()
            )));
        }
        self.store(name, next)?;
        Ok(next)
    }

    /// Moves the clock up to `seen` if it is behind.
    pub fn witness(&self, name: &str, seen: u64) -> io::Result<()> {
        match self.value(name)? {
            Some(current) if current >= seen => Ok(()),
            _ => self.store(name, seen.max(1)),
        }
    }

    /// Every clock with its value, as recorded in identity versions.
    pub fn all(&self) -> io::Result<BTreeMap<String, u64>> {
        let mut out = BTreeMap::new();
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(e),
        };
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            if let Some(v) = self.value(&name)? {
                out.insert(name, v);
            }
        }
        Ok(out)
    }

    /// Writes through a temporary file and a rename, so a reader never sees
    /// a half-written number.
    fn store(&self, name: &str, value: u64) -> io::Result<()> {
        fs::create_dir_all(&self.dir)?;
        let tmp = self.dir.join(format!(".{name}.{}.tmp", std::process::id()));
        fs::write(&tmp, value.to_string())?;
        fs::rename(&tmp, self.path(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn increment_stops_at_the_maximum() {
        let dir = tempfile::tempdir().unwrap();
        let clocks = ClockStore::new(dir.path());
        clocks.witness("c", MAX_CLOCK - 1).unwrap();
        assert_eq!(clocks.increment("c").unwrap(), MAX_CLOCK);
        let err = clocks.increment("c").unwrap_err().to_string();
        assert!(err.contains("maximum"), "{err}");
        assert_eq!(clocks.value("c").unwrap(), Some(MAX_CLOCK));
    }
}
