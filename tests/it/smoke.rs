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
