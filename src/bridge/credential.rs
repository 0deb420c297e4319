//! Credentials come from `git credential` only: the user's own helpers,
//! stores and caches. We store nothing; a good token is `approve`d and a
//! refused one `reject`ed, so the helpers keep what works. Nothing prompts:
//! the remote helper has no terminal to ask on.

use super::{BridgeError, Result};
use std::io::Write;
use std::process::{Command, Stdio};

/// What `git credential fill` gave for one tracker.
#[derive(Debug, Clone)]
pub struct Credential {
    protocol: String,
    host: String,
    pub username: String,
    /// For RT, the authentication token.
    pub password: String,
}

impl Credential {
    /// Asks git's credential helpers for `protocol://host`.
    pub fn fill(protocol: &str, host: &str) -> Result<Credential> {
        let answer = run("fill", &format!("protocol={protocol}\nhost={host}\n\n")).map_err(|why| {
            BridgeError::Usage(format!(
                "no credential for {protocol}://{host} ({why}); store the tracker's token with: printf 'protocol={protocol}\\nhost={host}\\nusername=USER\\npassword=TOKEN\\n\\n' | git credential approve"
            ))
        })?;
        let field = |name: &str| {
            answer
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{name}=")))
                .unwrap_or("")
                .to_string()
        };
        let credential = Credential {
            protocol: protocol.to_string(),
            host: host.to_string(),
            username: field("username"),
            password: field("password"),
        };
        if credential.password.is_empty() {
            return Err(BridgeError::Usage(format!(
                "git credential gave no token for {protocol}://{host}; store one with git credential approve"
            )));
        }
        Ok(credential)
    }

    fn describe(&self) -> String {
        format!(
            "protocol={}\nhost={}\nusername={}\npassword={}\n\n",
            self.protocol, self.host, self.username, self.password
        )
    }

    /// Tells the helpers that this credential works.
    pub fn approve(&self) {
        let _ = run("approve", &self.describe());
    }

    /// Tells the helpers to forget this credential.
    pub fn reject(&self) {
        let _ = run("reject", &self.describe());
    }
}

fn run(action: &str, input: &str) -> std::result::Result<String, String> {
    let mut child = Command::new("git")
        .args(["credential", action])
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run git credential: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(input.as_bytes());
    }
    let output = child
        .wait_with_output()
        .map_err(|e| format!("git credential: {e}"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(stderr
            .lines()
            .last()
            .unwrap_or("git credential failed")
            .trim()
            .to_string());
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}
