use crate::common::TestEnv;

#[test]
fn creates_lists_and_shows_a_bug() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let created = env
        .bug(&repo, &["new", "-t", "First bug", "-m", "It breaks"])
        .ok();
    assert!(created.stdout.ends_with(" created\n"), "{}", created.stdout);
    assert!(
        created.stderr.contains("Created identity"),
        "{}",
        created.stderr
    );
    let list = env.bug(&repo, &["ls"]).ok();
    assert_eq!(list.lines().len(), 1);
    assert!(list.stdout.contains("\topen\tFirst bug"));
}

#[test]
fn repositories_libgit2_cannot_open_are_named_as_such() {
    let env = TestEnv::new();
    for (name, flag) in [
        ("reftable", "--ref-format=reftable"),
        ("sha256", "--object-format=sha256"),
    ] {
        let path = env.path(name);
        env.git(
            env.dir.path(),
            &["init", "-q", flag, path.to_str().expect("utf-8")],
        )
        .ok();
        let run = env.bug(&path, &["ls"]).fails(128);
        assert!(
            run.stderr
                .starts_with("error: this repository uses a git feature"),
            "{}",
            run.stderr
        );
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    }
}

/// Runs bash completion of `words` (the last one being completed) through
/// the shim that git's own completion calls for `git bug <TAB>`.
fn complete_git_bug(env: &TestEnv, words: &[&str]) -> String {
    let script = env.bug(env.dir.path(), &["completion", "bash"]).ok().stdout;
    let file = env.path("git-bug.bash");
    std::fs::write(&file, script).expect("write script");
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "source '{}'; words=({}); cword={}; _git_bug; echo \"${{COMPREPLY[@]}}\"",
        file.display(),
        quoted.join(" "),
        words.len() - 1
    );
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(program)
        .output()
        .expect("bash");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn bash_completion_completes_git_bug_subcommands() {
    let env = TestEnv::new();
    assert_eq!(complete_git_bug(&env, &["git", "bug", "l"]), "ls label");
    assert_eq!(
        complete_git_bug(&env, &["git", "bug", "bug", "s"]),
        "select show status"
    );
    assert_eq!(
        complete_git_bug(&env, &["git", "bug", "bug", "comment", "e"]),
        "edit"
    );
}

#[test]
fn the_editor_template_uses_the_configured_comment_prefix() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    env.git(&repo, &["config", "core.commentChar", ";"]).ok();
    let seen = env.path("template-seen");
    let editor = env.path("editor.sh");
    std::fs::write(
        &editor,
        format!(
            "#!/bin/sh\ncp \"$1\" '{}'\nprintf 'Title here\\n\\nThe body\\n' >>\"$1\"\n",
            seen.display()
        ),
    )
    .expect("editor");
    env.git(
        &repo,
        &["config", "core.editor", editor.to_str().expect("utf-8")],
    )
    .ok();
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&editor)
        .status()
        .expect("chmod");
    env.bug(&repo, &["new"]).ok();
    let template = std::fs::read_to_string(&seen).expect("template");
    assert!(template.lines().any(|l| l.starts_with(';')), "{template}");
    assert!(!template.lines().any(|l| l.starts_with('#')), "{template}");
    let bug = env
        .bug(
            &repo,
            &["show", "--format", "json", &env.new_bug_id_of_latest(&repo)],
        )
        .ok()
        .json();
    assert_eq!(bug["title"], "Title here");
    assert_eq!(bug["comments"][0]["message"], "The body");
}
