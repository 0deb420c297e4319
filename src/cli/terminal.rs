//! Where output goes and how it looks: colour only on a terminal and never
//! with NO_COLOR, long output through the user's pager, and text from bugs
//! with its control characters made visible.

use std::io::{self, IsTerminal, Write};
use std::process::{Child, Command, Stdio};

/// When to colour, as in git's `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Output settings for one command.
pub struct Ui {
    pub color: bool,
    /// Whether stdout is a terminal (or git's pager, which is one).
    pub interactive_stdout: bool,
    pager: Option<Child>,
    out: Box<dyn Write>,
}

impl Ui {
    pub fn new(choice: ColorChoice, config_color: Option<String>) -> Ui {
        let tty = io::stdout().is_terminal() || std::env::var_os("GIT_PAGER_IN_USE").is_some();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => match config_color
                .as_deref()
                .map(str::to_ascii_lowercase)
                .as_deref()
            {
                Some("always") => true,
                Some("never" | "false" | "no" | "off" | "0") => false,
                _ => tty && !no_color && !dumb,
            },
        };
        Ui {
            color,
            interactive_stdout: tty,
            pager: None,
            out: Box::new(io::BufWriter::new(io::stdout())),
        }
    }

    pub fn out(&mut self) -> &mut dyn Write {
        &mut self.out
    }

    /// Sends what follows through the pager when stdout is a terminal and
    /// git has not started one already. `pager` is the configured command.
    pub fn start_pager(&mut self, pager: Option<String>) {
        if !io::stdout().is_terminal() || std::env::var_os("GIT_PAGER_IN_USE").is_some() {
            return;
        }
        let command = pager.unwrap_or_else(|| "less".to_string());
        if command.trim().is_empty() || command.trim() == "cat" {
            return;
        }
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg(&command).stdin(Stdio::piped());
        if std::env::var_os("LESS").is_none() {
            cmd.env("LESS", "FRX");
        }
        if std::env::var_os("LV").is_none() {
            cmd.env("LV", "-c");
        }
        if let Ok(mut child) = cmd.spawn()
            && let Some(stdin) = child.stdin.take()
        {
            self.out = Box::new(io::BufWriter::new(stdin));
            self.pager = Some(child);
        }
    }

    /// Flushes output and waits for the pager to be closed.
    pub fn finish(&mut self) -> io::Result<()> {
        let flushed = self.out.flush();
        self.out = Box::new(io::sink());
        if let Some(mut pager) = self.pager.take() {
            let _ = pager.wait();
        }
        flushed
    }

    /// `text` in an ANSI colour when colour is on.
    pub fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// Makes control characters visible so that text stored in a bug cannot
/// drive the terminal: escape sequences, C1 controls and bidirectional
/// overrides are shown as `\x1b`, `\u{202e}` and so on. Line breaks and tabs
/// stay when `multiline`.
pub fn escape(text: &str, multiline: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let keep = multiline && matches!(c, '\n' | '\t');
        let bidi = matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}');
        if keep {
            out.push(c);
        } else if c == '\r' && multiline {
            // Windows line ends in stored messages: the newline follows.
        } else if (c as u32) < 0x80 && c.is_control() {
            out.push_str(&format!("\\x{:02x}", c as u32));
        } else if c.is_control() || bidi {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}
