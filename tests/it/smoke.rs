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
