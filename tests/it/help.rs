//! Help in every form: `-h` and `--help`, `git bug help [COMMAND|TOPIC]`,
//! the man pages (as man renders them, and where `install-man-pages` puts
//! them), and shell completion (bug ids, no hidden commands).

use crate::common::{BIN, TestEnv};
use std::path::Path;

/// Whether `program` runs here. In CI (which installs man-db) a missing
/// man is a failure, so that these tests cannot pass by skipping.
fn have(program: &str) -> bool {
    let found = std::process::Command::new(program)
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok();
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "{program} is missing; CI must install it (apt-get install -y man-db)"
        );
        eprintln!("skipped: {program} is not installed");
    }
    found
}

#[test]
fn short_help_points_to_the_topics_that_long_help_shows() {
    let env = TestEnv::new();
    let short = env.bug(env.dir.path(), &["-h"]).ok().stdout;
    assert!(short.contains("git bug help query"), "{short}");
    assert!(!short.contains("QUERY LANGUAGE"), "{short}");
    let long = env.bug(env.dir.path(), &["--help"]).ok().stdout;
    for heading in [
        "QUERY LANGUAGE:",
        "MESSAGES:",
        "CONFIGURATION:",
        "EXIT STATUS:",
    ] {
        assert!(long.contains(heading), "{heading} missing:\n{long}");
    }
    assert!(long.contains("label:NAME"), "{long}");
}

#[test]
fn help_prints_the_long_help_of_git_bug_or_of_a_command() {
    let env = TestEnv::new();
    let cwd = env.dir.path();
    let same = |help: &[&str], flag: &[&str]| {
        let by_help = env.bug(cwd, help).ok().stdout;
        let by_flag = env.bug(cwd, flag).ok().stdout;
        assert_eq!(by_help.trim_end(), by_flag.trim_end(), "{help:?}");
        by_help
    };
    assert!(same(&["help"], &["--help"]).contains("EXIT STATUS:"));
    assert!(same(&["help", "ls"], &["ls", "--help"]).contains("Usage: git bug ls"));
    let nested = same(
        &["help", "bug", "comment", "edit"],
        &["bug", "comment", "edit", "--help"],
    );
    assert!(
        nested.contains("Usage: git bug bug comment edit"),
        "{nested}"
    );
    // Aliases resolve as on the command line.
    same(&["help", "user", "show"], &["user", "show", "--help"]);
}

#[test]
fn help_prints_a_topic() {
    let env = TestEnv::new();
    let query = env.bug(env.dir.path(), &["help", "query"]).ok().stdout;
    assert!(query.starts_with("QUERY LANGUAGE:"), "{query}");
    assert!(query.contains("label:NAME"), "{query}");
    assert!(!query.contains("EXIT STATUS"), "{query}");
    let exit = env
        .bug(env.dir.path(), &["help", "exit-status"])
        .ok()
        .stdout;
    assert!(exit.contains("128"), "{exit}");
}

#[test]
fn help_on_an_unknown_command_is_one_line_and_a_usage_error() {
    let env = TestEnv::new();
    for words in [&["help", "nope"][..], &["help", "bug", "nope"]] {
        let run = env.bug(env.dir.path(), words).fails(2);
        assert!(run.stdout.is_empty(), "{}", run.stdout);
        let lines: Vec<&str> = run.stderr.lines().collect();
        assert_eq!(lines.len(), 2, "error and hint only:\n{}", run.stderr);
        let asked = words[1..].join(" ");
        assert_eq!(
            lines[0],
            format!("error: no command or help topic \"{asked}\" in git bug")
        );
        assert!(lines[1].starts_with("hint: "), "{}", run.stderr);
    }
}

/// `man -l PAGE` as plain text, 80 columns wide.
fn render_man(env: &TestEnv, page: &Path) -> String {
    let path = std::env::var("PATH").unwrap_or_default();
    let mut cmd = env.command_with_path("man", env.dir.path(), &path);
    cmd.args(["-l", page.to_str().expect("utf-8")])
        .env("MANWIDTH", "80")
        .env("MANPAGER", "cat")
        .env("MAN_KEEP_FORMATTING", "")
        .env("GROFF_NO_SGR", "1");
    let out = cmd.output().expect("man");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Overstrikes (bold, underline) of the terminal output.
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut plain = String::new();
    for c in text.chars() {
        if c == '\u{8}' {
            plain.pop();
        } else {
            plain.push(c);
        }
    }
    plain
}

#[test]
fn man_page_topics_are_lists_not_reflowed_text() {
    let env = TestEnv::new();
    if !have("man") {
        return;
    }
    let page = Path::new(env!("CARGO_MANIFEST_DIR")).join("man/git-bug.1");
    let text = render_man(&env, &page);
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    for heading in ["QUERY LANGUAGE", "MESSAGES", "CONFIGURATION", "EXIT STATUS"] {
        assert!(lines.contains(&heading), "no {heading} section:\n{text}");
    }
    // Each term on its own line, its description below (roff .TP items),
    // and no term run into the text of the one before.
    for term in [
        "status:open|closed",
        "label:NAME",
        "no:label",
        "sort:id|creation|edit[-asc|-desc]",
    ] {
        assert!(lines.contains(&term), "{term} is not an item:\n{text}");
    }
    assert!(
        lines.contains(&"git bug ls 'author:\"Jane Doe\" crash'"),
        "example reflowed:\n{text}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("128") && l.contains("no repository")),
        "exit status 128 is not an item:\n{text}"
    );
    assert!(!text.contains("EXTRA"), "{text}");
    assert!(
        !text.contains("git-bug-hook"),
        "the hidden hook command shows:\n{text}"
    );
}

#[test]
fn install_man_pages_without_a_directory_installs_where_man_looks() {
    let env = TestEnv::new();
    if !have("man") {
        return;
    }
    // An installation like `cargo install --root PREFIX`: PREFIX/bin on PATH.
    let prefix = env.path("prefix");
    std::fs::create_dir_all(prefix.join("bin")).expect("bin dir");
    std::fs::copy(BIN, prefix.join("bin/git-bug")).expect("copy git-bug");
    let path = format!(
        "{}:{}",
        prefix.join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let install = env
        .run_with_path(
            env.dir.path(),
            &path,
            "git-bug",
            &["install-man-pages"],
            None,
        )
        .ok();
    let page = prefix.join("share/man/man1/git-bug.1");
    assert!(page.is_file(), "{}", install.stderr);
    assert!(
        install
            .stderr
            .contains("\"git help bug\" and \"man git-bug\" find them"),
        "{}",
        install.stderr
    );
    assert!(!install.stderr.contains("MANPATH"), "{}", install.stderr);

    let found = env
        .run_with_path(env.dir.path(), &path, "man", &["-w", "git-bug"], None)
        .ok();
    assert_eq!(
        std::fs::canonicalize(found.stdout.trim()).expect("man -w path"),
        std::fs::canonicalize(&page).expect("page")
    );
    let repo = env.repo("r");
    let mut help = env.command_with_path("git", &repo, &path);
    help.args(["help", "bug"])
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "80");
    let out = help.output().expect("git help bug");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("QUERY LANGUAGE"), "{text}");
}

#[test]
fn install_man_pages_says_what_to_add_to_manpath_when_man_would_not_look() {
    let env = TestEnv::new();
    if !have("manpath") {
        return;
    }
    let dir = env.path("man pages");
    let dir_text = dir.to_str().expect("utf-8");
    let run = env
        .bug(env.dir.path(), &["install-man-pages", dir_text])
        .ok();
    assert!(dir.join("man1/git-bug.1").is_file());
    assert!(
        run.stderr
            .contains(&format!("  export MANPATH=\"{dir_text}:$MANPATH\"")),
        "{}",
        run.stderr
    );
    // With that line applied, man finds them and nothing more is asked.
    let run = env
        .bug_with(
            env.dir.path(),
            &["install-man-pages", dir_text],
            &[("MANPATH", &format!("{dir_text}:"))],
            None,
        )
        .ok();
    assert!(run.stderr.contains("find them"), "{}", run.stderr);
    assert!(!run.stderr.contains("export MANPATH"), "{}", run.stderr);
}

/// What bash completion offers for `words`, the last being completed,
/// with the script `git bug completion bash` prints.
fn bash_complete(env: &TestEnv, repo: &Path, words: &[&str]) -> Vec<String> {
    let script = env.path("git-bug.bash");
    let generated = env.bug(repo, &["completion", "bash"]).ok().stdout;
    std::fs::write(&script, generated).expect("script");
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "source '{}'\nCOMP_WORDS=({})\nCOMP_CWORD={}\n_git__bug git-bug '{}' '{}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        script.display(),
        quoted.join(" "),
        words.len() - 1,
        words[words.len() - 1],
        words[words.len() - 2],
    );
    let mut cmd = env.command("bash", repo);
    cmd.args(["--norc", "-c", &program]);
    let out = cmd.output().expect("bash");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn bash_completes_bug_ids_and_hides_hidden_commands() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let ids: Vec<String> = (0..3)
        .map(|i| env.new_bug(&repo, &format!("Bug {i}"), "text"))
        .collect();

    let typed = &ids[0][..3];
    let mut expected: Vec<String> = ids
        .iter()
        .filter(|id| id.starts_with(typed))
        .map(|id| id[..7].to_string())
        .collect();
    expected.sort();
    let mut offered = bash_complete(&env, &repo, &["git-bug", "show", typed]);
    offered.sort();
    assert_eq!(offered, expected);

    // Nested, with the subcommands that may stand there too.
    let offered = bash_complete(&env, &repo, &["git-bug", "bug", "comment", ""]);
    for word in ["new", "edit", &ids[1][..7], &ids[2][..7]] {
        assert!(offered.iter().any(|o| o == word), "{word}: {offered:?}");
    }
    assert!(!offered.iter().any(|o| o.starts_with('-')), "{offered:?}");
    // An option's value is still the option's.
    let offered = bash_complete(&env, &repo, &["git-bug", "show", "--format", ""]);
    assert_eq!(offered, ["default", "json", "org-mode"]);

    let commands = bash_complete(&env, &repo, &["git-bug", ""]);
    assert!(commands.iter().any(|c| c == "show"), "{commands:?}");
    assert!(commands.iter().any(|c| c == "help"), "{commands:?}");
    for hidden in ["hook", "complete-bug-ids"] {
        assert!(
            !commands.iter().any(|c| c == hidden),
            "{hidden}: {commands:?}"
        );
    }
    let script = env.bug(&repo, &["completion", "bash"]).ok().stdout;
    assert!(
        !script.contains("subcmd__hook"),
        "hook is in the bash script"
    );

    // Titles go with the ids where the shell can show them (fish).
    let listed = env.bug(&repo, &["complete-bug-ids", "--titles"]).ok();
    assert!(
        listed
            .stdout
            .contains(&format!("{}\tBug 1\n", &ids[1][..7])),
        "{}",
        listed.stdout
    );
}

/// Whether an optional shell is installed (CI has only bash).
fn have_shell(shell: &str) -> bool {
    let found = std::process::Command::new(shell)
        .args(["-c", "true"])
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        eprintln!("skipped: {shell} is not installed");
    }
    found
}

#[test]
fn fish_completes_bug_ids_with_their_titles() {
    let env = TestEnv::new();
    if !have_shell("fish") {
        return;
    }
    let repo = env.repo("r");
    let id = env.new_bug(&repo, "Crash on start", "text");
    let script = env.path("git-bug.fish");
    let generated = env.bug(&repo, &["completion", "fish"]).ok().stdout;
    std::fs::write(&script, generated).expect("script");
    let complete = |line: &str| {
        let program = format!("source '{}'; complete -C '{line}'", script.display());
        let mut cmd = env.command("fish", &repo);
        cmd.args(["--no-config", "-c", &program]);
        let out = cmd.output().expect("fish");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let offered = complete("git-bug show ");
    assert!(
        offered.contains(&format!("{}\tCrash on start", &id[..7])),
        "{offered}"
    );
    let offered = complete("git-bug ");
    assert!(offered.contains("show\t"), "{offered}");
    assert!(!offered.contains("hook"), "{offered}");
}

#[test]
fn zsh_completes_bug_id_arguments_with_titles() {
    let env = TestEnv::new();
    if !have_shell("zsh") {
        return;
    }
    let repo = env.repo("r");
    let id = env.new_bug(&repo, "Crash on start", "text");
    let script = env.bug(&repo, &["completion", "zsh"]).ok().stdout;
    assert!(
        script.contains(
            "'::bug -- The bug (an id prefix); the selected bug when omitted:_git-bug_bug_ids'"
        ),
        "show's BUG_ID is not completed with bug ids"
    );
    assert!(
        !script.contains("'hook:") && !script.contains("(hook)"),
        "hook is in the zsh script"
    );
    let path = env.path("_git-bug");
    std::fs::write(&path, script).expect("script");
    // The action itself, with zsh's _describe reduced to printing its list.
    let program = format!(
        "compdef() {{ :; }}; source '{}'; _describe() {{ print -rl -- \"${{(@P)4}}\"; }}; _git-bug_bug_ids",
        path.display()
    );
    let mut cmd = env.command("zsh", &repo);
    cmd.args(["-f", "-c", &program]);
    let out = cmd.output().expect("zsh");
    let offered = String::from_utf8_lossy(&out.stdout);
    assert_eq!(offered.trim(), format!("{}:Crash on start", &id[..7]));
}
