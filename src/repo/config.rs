//! Git config lookups. libgit2 does not see `git -c key=value`, which git
//! passes to us in `GIT_CONFIG_PARAMETERS` (and `GIT_CONFIG_COUNT`), so those
//! are layered above the config files here.

use super::{Repo, Result, git_err};

/// Settings given on git's command line, highest priority first.
#[derive(Debug, Default, Clone)]
pub struct ConfigOverrides {
    pairs: Vec<(String, Option<String>)>,
}

impl ConfigOverrides {
    pub fn from_env() -> ConfigOverrides {
        let mut pairs = Vec::new();
        if let Ok(count) = std::env::var("GIT_CONFIG_COUNT") {
            let count: usize = count.trim().parse().unwrap_or(0);
            for i in 0..count {
                if let Ok(key) = std::env::var(format!("GIT_CONFIG_KEY_{i}")) {
                    let value = std::env::var(format!("GIT_CONFIG_VALUE_{i}")).ok();
                    pairs.push((normalize_key(&key), value));
                }
            }
        }
        if let Ok(params) = std::env::var("GIT_CONFIG_PARAMETERS") {
            pairs.extend(parse_parameters(&params));
        }
        // Later entries win, so look them up from the end.
        pairs.reverse();
        ConfigOverrides { pairs }
    }

    fn get(&self, key: &str) -> Option<Option<&str>> {
        let key = normalize_key(key);
        self.pairs
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_deref())
    }
}

/// Section and variable names are case-insensitive, subsections are not.
fn normalize_key(key: &str) -> String {
    match (key.find('.'), key.rfind('.')) {
        (Some(first), Some(last)) => format!(
            "{}{}{}",
            key[..first].to_ascii_lowercase(),
            &key[first..last],
            key[last..].to_ascii_lowercase()
        ),
        _ => key.to_ascii_lowercase(),
    }
}

/// Parses git's `'key'='value' 'key2'='value2'` (or older `'key=value'`) list.
fn parse_parameters(text: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    let read_quoted = |chars: &mut std::iter::Peekable<std::str::Chars>| -> Option<String> {
        let mut s = String::new();
        loop {
            match chars.next()? {
                '\'' => {
                    // `'\''` is an escaped quote inside a quoted run.
                    if chars.peek() == Some(&'\\') {
                        chars.next();
                        chars.next();
                        s.push('\'');
                        chars.next();
                    } else {
                        return Some(s);
                    }
                }
                c => s.push(c),
            }
        }
    };
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        if c != '\'' {
            break;
        }
        chars.next();
        let Some(first) = read_quoted(&mut chars) else {
            break;
        };
        if chars.peek() == Some(&'=') {
            chars.next();
            let value = if chars.peek() == Some(&'\'') {
                chars.next();
                read_quoted(&mut chars)
            } else {
                None
            };
            out.push((normalize_key(&first), value));
        } else if let Some((k, v)) = first.split_once('=') {
            out.push((normalize_key(k), Some(v.to_string())));
        } else {
            out.push((normalize_key(&first), None));
        }
    }
    out
}

/// How often a write waits for another writer's `config.lock` (about 3 s in all).
const CONFIG_LOCK_RETRIES: u64 = 25;

impl Repo {
    /// A snapshot of the config files, read once: each fresh read stats
    /// every config file again. Writes below drop it.
    fn config_snapshot(&self) -> Result<std::cell::Ref<'_, git2::Config>> {
        if self.config.borrow().is_none() {
            let snapshot = self
                .git
                .config()
                .and_then(|mut c| c.snapshot())
                .map_err(git_err("reading git config"))?;
            *self.config.borrow_mut() = Some(snapshot);
        }
        Ok(std::cell::Ref::map(self.config.borrow(), |c| {
            c.as_ref().expect("filled above")
        }))
    }

    /// The value of `key`, from `git -c` first, then the config files.
    pub fn config_get(&self, key: &str) -> Result<Option<String>> {
        if let Some(value) = self.overrides.get(key) {
            return Ok(Some(value.unwrap_or("true").to_string()));
        }
        let config = self.config_snapshot()?;
        match config.get_string(key) {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
            Err(e) => Err(git_err(format!("reading {key} from git config"))(e)),
        }
    }

    /// Every value of a multi-valued key in the config files.
    pub fn config_get_all(&self, key: &str) -> Result<Vec<String>> {
        let config = self.config_snapshot()?;
        let mut values = Vec::new();
        let mut entries = config
            .multivar(key, None)
            .map_err(git_err(format!("reading {key} from git config")))?;
        while let Some(entry) = entries.next() {
            let entry = entry.map_err(git_err(format!("reading {key} from git config")))?;
            if let Ok(v) = entry.value() {
                values.push(v.to_string());
            }
        }
        Ok(values)
    }

    /// A boolean setting, understanding git's spellings of true and false.
    pub fn config_bool(&self, key: &str) -> Result<Option<bool>> {
        Ok(self
            .config_get(key)?
            .and_then(|v| match v.to_ascii_lowercase().as_str() {
                "true" | "yes" | "on" | "1" | "" => Some(true),
                "false" | "no" | "off" | "0" => Some(false),
                _ => None,
            }))
    }

    /// Forgets what was read, so that the next lookup sees changes made by
    /// other processes meanwhile.
    pub fn reload_config(&self) {
        self.config.borrow_mut().take();
    }

    /// Sets `key` in the repository's own config file. A `git config` run
    /// at the same moment holds `config.lock` for a few milliseconds: wait
    /// for it rather than fail.
    pub fn config_set_local(&self, key: &str, value: &str) -> Result<()> {
        self.config.borrow_mut().take();
        let mut attempt = 0;
        loop {
            let config = self.git.config().map_err(git_err("opening git config"))?;
            let mut local = config
                .open_level(git2::ConfigLevel::Local)
                .map_err(git_err("opening the repository's git config"))?;
            match local.set_str(key, value) {
                Err(e) if e.code() == git2::ErrorCode::Locked && attempt < CONFIG_LOCK_RETRIES => {
                    attempt += 1;
                    std::thread::sleep(std::time::Duration::from_millis(10 * attempt));
                }
                Err(e) if e.code() == git2::ErrorCode::Locked => {
                    let path = self.common_dir().join("config.lock");
                    if let Some(lock) = super::LeftoverLock::at(&path) {
                        return Err(super::RepoError::Locked(lock));
                    }
                    return Err(git_err(format!("setting {key}"))(e));
                }
                result => return result.map_err(git_err(format!("setting {key}"))),
            }
        }
    }

    /// Removes `key` from the repository's own config file, if present.
    pub fn config_unset_local(&self, key: &str) -> Result<()> {
        self.config.borrow_mut().take();
        let config = self.git.config().map_err(git_err("opening git config"))?;
        let mut local = config
            .open_level(git2::ConfigLevel::Local)
            .map_err(git_err("opening the repository's git config"))?;
        match local.remove(key) {
            Ok(()) => Ok(()),
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(()),
            Err(e) => Err(git_err(format!("removing {key}"))(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_git_c_parameters() {
        let pairs = parse_parameters("'user.name'='A '\\''B' 'Core.Editor=vi' 'x.flag'");
        assert_eq!(
            pairs,
            vec![
                ("user.name".to_string(), Some("A 'B".to_string())),
                ("core.editor".to_string(), Some("vi".to_string())),
                ("x.flag".to_string(), None),
            ]
        );
    }

    #[test]
    fn subsection_keeps_case() {
        assert_eq!(normalize_key("Remote.Origin.URL"), "remote.Origin.url");
    }
}
