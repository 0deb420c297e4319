//! The test harness: a hermetic environment per test (its own HOME, no
//! system or global git config, UTC, no colour, no editor, no pager), real
//! git repositories in a temporary directory, and the built `git-bug`.

#![allow(dead_code)]

pub mod trackers;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_git-bug");

/// The test data committed with the project (`tests/data/`).
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// What a command did.
#[derive(Debug)]
pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

impl Run {
    fn from(output: Output) -> Run {
        Run {
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            code: output.status.code().unwrap_or(-1),
        }
    }

    /// Panics with the whole output unless the command succeeded.
    #[track_caller]
    pub fn ok(self) -> Run {
        assert_eq!(
            self.code, 0,
            "command failed:\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Panics unless the command failed with `code`.
    #[track_caller]
    pub fn fails(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "unexpected exit code:\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", self.stdout))
    }

    pub fn lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }
}

/// A temporary world for one test.
pub struct TestEnv {
    pub dir: tempfile::TempDir,
    /// A directory put before the rest of PATH to pick another git (its
    /// `git` is then what both the tests and `git-bug` run).
    git_dir: Option<PathBuf>,
}

impl Default for TestEnv {
    fn default() -> Self {
        Self::new()
    }
}

impl TestEnv {
    pub fn new() -> TestEnv {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("home")).expect("home");
        std::fs::write(dir.path().join("home/.gitconfig"), "").expect("global config");
        TestEnv { dir, git_dir: None }
    }

    /// An environment whose `git` is the one in `dir` (e.g. `/usr/bin` for
    /// Debian's older git), for behaviour that differs between versions.
    pub fn with_git_from(dir: &Path) -> TestEnv {
        let git_dir = Some(dir.to_path_buf());
        TestEnv {
            git_dir,
            ..TestEnv::new()
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// PATH in the harness: the built `git-bug` first, then the chosen git.
    fn harness_path(&self) -> String {
        let bin_dir = Path::new(BIN).parent().expect("bin dir");
        let path = format!(
            "{}:{}",
            bin_dir.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        match &self.git_dir {
            Some(git_dir) => format!("{}:{path}", git_dir.display()),
            None => path,
        }
    }

    /// `program` with the hermetic environment of this test and `path` as PATH.
    pub fn command_with_path(&self, program: &str, cwd: &Path, path: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(cwd)
            .env_clear()
            .env("PATH", path)
            .env("HOME", self.path("home"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", self.path("home/.gitconfig"))
            .env("TZ", "UTC")
            .env("LC_ALL", "C")
            .env("TERM", "dumb")
            .env("GIT_TERMINAL_PROMPT", "0")
            .stdin(Stdio::null());
        cmd
    }

    /// `program` with the hermetic environment of this test, in `cwd`.
    pub fn command(&self, program: &str, cwd: &Path) -> Command {
        self.command_with_path(program, cwd, &self.harness_path())
    }

    /// Runs `program ARGS` in `cwd` with `path` as PATH and `stdin` as input.
    pub fn run_with_path(
        &self,
        cwd: &Path,
        path: &str,
        program: &str,
        args: &[&str],
        stdin: Option<&[u8]>,
    ) -> Run {
        let mut cmd = self.command_with_path(program, cwd, path);
        cmd.args(args);
        run_with_stdin(cmd, stdin)
    }

    /// Runs `git-bug ARGS` in `cwd`.
    pub fn bug(&self, cwd: &Path, args: &[&str]) -> Run {
        self.bug_with(cwd, args, &[], None)
    }

    /// Runs `git-bug` with extra environment and optional standard input.
    pub fn bug_with(
        &self,
        cwd: &Path,
        args: &[&str],
        env: &[(&str, &str)],
        stdin: Option<&str>,
    ) -> Run {
        let mut cmd = self.command(BIN, cwd);
        cmd.args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        run_with_stdin(cmd, stdin.map(str::as_bytes))
    }

    /// Runs `git ARGS` in `cwd` (git finds `git-bug` on PATH for `git bug`).
    pub fn git(&self, cwd: &Path, args: &[&str]) -> Run {
        let cmd = {
            let mut c = self.command("git", cwd);
            c.args(args);
            c
        };
        run_with_stdin(cmd, None)
    }

    /// A new repository with a git user configured.
    pub fn repo(&self, name: &str) -> PathBuf {
        let path = self.path(name);
        self.git(
            self.dir.path(),
            &[
                "init",
                "-q",
                "-b",
                "main",
                path.to_str().expect("utf-8 path"),
            ],
        )
        .ok();
        self.git(&path, &["config", "user.name", "Jane Doe"]).ok();
        self.git(&path, &["config", "user.email", "jane@example.com"])
            .ok();
        path
    }

    /// A repository holding the 20 bugs of the fixture bundle.
    pub fn sample_repo(&self, name: &str) -> PathBuf {
        let path = self.repo(name);
        let bundle = fixtures().join("gitbug-sample.bundle");
        self.git(
            &path,
            &[
                "fetch",
                "-q",
                bundle.to_str().expect("utf-8 path"),
                "refs/*:refs/*",
            ],
        )
        .ok();
        path
    }

    /// The full id of the most recently created bug.
    pub fn new_bug_id_of_latest(&self, repo: &Path) -> String {
        let ids = self
            .bug(
                repo,
                &[
                    "bug",
                    "--format",
                    "id",
                    "--by",
                    "creation",
                    "--direction",
                    "desc",
                ],
            )
            .ok();
        ids.stdout.lines().next().expect("a bug").to_string()
    }

    /// Creates a bug and returns its full id.
    pub fn new_bug(&self, repo: &Path, title: &str, message: &str) -> String {
        self.bug(repo, &["bug", "new", "-t", title, "-m", message])
            .ok();
        self.new_bug_id_of_latest(repo)
    }
}

/// Starts `cmd`, retrying while the kernel says "text file busy": a test
/// that has just written an executable races with other test threads
/// forking (each child holds the write handle until it execs).
pub fn spawn_retrying(cmd: &mut Command) -> std::process::Child {
    let mut attempts = 0;
    loop {
        match cmd.spawn() {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy && attempts < 100 => {
                attempts += 1;
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            result => return result.expect("spawn"),
        }
    }
}

fn run_with_stdin(mut cmd: Command, stdin: Option<&[u8]>) -> Run {
    if stdin.is_some() {
        cmd.stdin(Stdio::piped());
    }
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = spawn_retrying(&mut cmd);
    // Feed stdin from a thread: the child may fill its stdout pipe first.
    let writer = stdin.map(|bytes| {
        let mut pipe = child.stdin.take().expect("stdin");
        let bytes = bytes.to_vec();
        std::thread::spawn(move || {
            use std::io::Write;
            pipe.write_all(&bytes)
        })
    });
    let output = child.wait_with_output().expect("wait");
    if let Some(writer) = writer {
        writer.join().expect("stdin writer").expect("write stdin");
    }
    Run::from(output)
}
