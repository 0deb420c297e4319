//! A server that refuses bad data (`git bug install --server`): a bare
//! repository checks every bug and identity pushed to it, refuses each
//! invalid one with its reason on the pusher's terminal, and lets the rest
//! of the same push through. Run with the default git and with Debian's
//! 2.39 (the git that pushes is also the git that receives).

use crate::common::TestEnv;
use crate::sync::{
    Craft, Shell, bug_ref, clone_in, comment, comment_op, create_op, dir_snapshot, new_bug, op,
    pack_blob, ref_value, refs, server_in,
};
use git_bug::entity::id::hash_id;
use std::path::Path;

// ---------------------------------------------------------------------------
// Hostile data, written by hand as a hostile client would
// ---------------------------------------------------------------------------

/// The line git prints for a ref the server refused, if any.
fn refusal<'a>(stderr: &'a str, name: &str) -> Option<&'a str> {
    stderr
        .lines()
        .find(|l| l.contains("[remote rejected]") && l.contains(&format!(" -> {name} (")))
}

/// A bare server with `install --server`, and a clone with `install`.
fn setup<'a>(env: &'a TestEnv, sh: &'a Shell<'a>) -> (std::path::PathBuf, std::path::PathBuf) {
    let server = server_in(sh, env, "server.git");
    let installed = sh.git(&server, &["bug", "install", "--server"]).ok();
    assert!(
        installed.stderr.contains("proc-receive"),
        "{}",
        installed.stderr
    );
    let a = clone_in(sh, env, &server, "a", "Alice");
    (server, a)
}

fn hostile_bugs_are_refused_and_the_rest_goes_through(git_dir: Option<&Path>, version: &str) {
    let env = match git_dir {
        Some(dir) => TestEnv::with_git_from(dir),
        None => TestEnv::new(),
    };
    let sh = Shell::new(&env, git_dir);
    let seen = sh.git(env.dir.path(), &["version"]).ok().stdout;
    assert!(
        seen.starts_with(&format!("git version {version}")),
        "{seen}"
    );
    let (server, a) = setup(&env, &sh);

    // Valid bugs whose author identity is new: it travels in the same push.
    let valid = new_bug(&env, &a, "Valid", "fine");
    comment(&env, &a, &valid, "a second commit");
    let doomed = new_bug(&env, &a, "Deleted later", "spam");
    let author = sh
        .git(&a, &["config", "git-bug.identity"])
        .ok()
        .stdout
        .trim()
        .to_string();
    assert_eq!(
        refs(&env, &a, "refs/identities/").len(),
        1,
        "one new identity"
    );

    let craft = Craft {
        sh: sh.clone(),
        repo: &a,
    };
    // (what, ref, part of the reason git must show)
    let mut bad: Vec<(&str, String, &str)> = Vec::new();

    let id = hash_id(b"not json");
    let truncated = format!(r#"{{"author":{{"id":"{author}"}},"ops":[{{"type":1,"#);
    let commit = craft.pack_commit(truncated.as_bytes(), Some(1), 1, 4, &[]);
    craft.set_ref(&bug_ref(&id), &commit);
    bad.push(("bad JSON", bug_ref(&id), "JSON"));

    let (_, commit) = craft.root(&author, "Under a false name", 1, 4);
    let id = hash_id(create_op("Some other bug").as_bytes());
    craft.set_ref(&bug_ref(&id), &commit);
    bad.push(("id mismatch", bug_ref(&id), "does not create this bug"));

    let (id, commit) = craft.root(&author, "Version five", 1, 5);
    craft.set_ref(&bug_ref(&id), &commit);
    bad.push(("wrong version", bug_ref(&id), "format version 5"));

    let (id, parent) = craft.root(&author, "Clocks backwards", 5, 4);
    let commit = craft.pack_commit(
        &pack_blob(&author, &[comment_op("clock 3 after 5")]),
        None,
        3,
        4,
        &[&parent],
    );
    craft.set_ref(&bug_ref(&id), &commit);
    bad.push(("clock order", bug_ref(&id), "lamport clock ordering"));

    let (id, parent) = craft.root(&author, "Clock jump", 1, 4);
    let commit = craft.pack_commit(
        &pack_blob(&author, &[comment_op("five million later")]),
        None,
        5_000_001,
        4,
        &[&parent],
    );
    craft.set_ref(&bug_ref(&id), &commit);
    bad.push(("clock jump", bug_ref(&id), "too far in the future"));

    let (id, parent) = craft.root(&author, "Unknown op", 1, 4);
    let unknown = op(99, "unknown", r#""message":"?","files":null"#);
    let commit = craft.pack_commit(&pack_blob(&author, &[unknown]), None, 2, 4, &[&parent]);
    craft.set_ref(&bug_ref(&id), &commit);
    bad.push(("unknown op type", bug_ref(&id), "unknown operation type 99"));

    let (id, parent) = craft.root(&author, "Duplicated op", 1, 4);
    let twice = comment_op("said twice");
    let child = craft.pack_commit(
        &pack_blob(&author, std::slice::from_ref(&twice)),
        None,
        2,
        4,
        &[&parent],
    );
    let commit = craft.pack_commit(&pack_blob(&author, &[twice]), None, 3, 4, &[&child]);
    craft.set_ref(&bug_ref(&id), &commit);
    bad.push(("duplicated op", bug_ref(&id), "appears twice"));

    let nobody = hash_id(b"nobody");
    let (id, commit) = craft.root(&nobody, "Missing author", 1, 4);
    craft.set_ref(&bug_ref(&id), &commit);
    bad.push((
        "missing author",
        bug_ref(&id),
        "neither on the server nor in this push",
    ));

    // A broken identity, and a bug it authored, in the same push.
    let (broken, commit) = craft.identity(b"{\"version\":");
    let identity_ref = format!("refs/identities/{broken}");
    craft.set_ref(&identity_ref, &commit);
    bad.push(("broken identity", identity_ref, "JSON"));
    let (id, commit) = craft.root(&broken, "By a broken author", 1, 4);
    craft.set_ref(&bug_ref(&id), &commit);
    bad.push(("refused author", bug_ref(&id), "author identity"));

    let (_, commit) = craft.root(&author, "Not an id", 1, 4);
    craft.set_ref("refs/bugs/not-an-id", &commit);
    bad.push(("ref name", "refs/bugs/not-an-id".into(), "not an entity id"));

    let specs = [
        "refs/bugs/*:refs/bugs/*",
        "refs/identities/*:refs/identities/*",
        "HEAD:refs/heads/feature",
    ];
    let push = |atomic: bool| {
        let mut args = vec!["push", "--no-verify"];
        if atomic {
            args.push("--atomic");
        }
        args.push("origin");
        args.extend(specs);
        sh.git(&a, &args)
    };

    // Atomic: one refusal refuses everything.
    let atomic = push(true);
    assert_ne!(atomic.code, 0, "{}", atomic.stderr);
    assert!(
        refs(&env, &server, "refs/bugs/").is_empty()
            && refs(&env, &server, "refs/identities/").is_empty(),
        "{}",
        atomic.stderr
    );
    assert!(ref_value(&env, &server, "refs/heads/feature").is_none());

    // ONE push of everything: the valid part lands, each bad ref is
    // refused with its reason, and the branch goes through.
    let pushed = push(false);
    assert_eq!(pushed.code, 1, "{}", pushed.stderr);
    for id in [&valid, &doomed] {
        assert_eq!(
            ref_value(&env, &server, &bug_ref(id)),
            ref_value(&env, &a, &bug_ref(id)),
            "{}",
            pushed.stderr
        );
    }
    let identity_ref = format!("refs/identities/{author}");
    assert_eq!(
        ref_value(&env, &server, &identity_ref),
        ref_value(&env, &a, &identity_ref)
    );
    assert_eq!(
        ref_value(&env, &server, "refs/heads/feature"),
        ref_value(&env, &a, "HEAD")
    );
    for (what, name, reason) in &bad {
        assert!(
            ref_value(&env, &server, name).is_none(),
            "{what}: {name} reached the server"
        );
        let line = refusal(&pushed.stderr, name)
            .unwrap_or_else(|| panic!("{what}: no refusal of {name}:\n{}", pushed.stderr));
        assert!(
            line.contains(reason),
            "{what}: {line:?} does not say {reason:?}"
        );
    }
    assert_eq!(
        refs(&env, &server, "refs/bugs/").len(),
        2,
        "{}",
        pushed.stderr
    );

    // Updates: a fast-forward goes; garbage on top, a rewind and the
    // deletion of an identity do not; deleting a bug does.
    let before = bug_head_on(&env, &server, &valid);
    let garbage = craft.pack_commit(b"{\"author\":", None, 99, 4, &[&before]);
    let spec = format!("{garbage}:{}", bug_ref(&valid));
    let run = sh.git(&a, &["push", "--no-verify", "origin", &spec]);
    let line = refusal(&run.stderr, &bug_ref(&valid)).unwrap_or_else(|| panic!("{}", run.stderr));
    assert!(line.contains("JSON"), "{line}");
    assert_eq!(bug_head_on(&env, &server, &valid), before);

    let rewound = format!("+{before}^:{}", bug_ref(&valid));
    let run = sh.git(&a, &["push", "--no-verify", "origin", &rewound]);
    let line = refusal(&run.stderr, &bug_ref(&valid)).unwrap_or_else(|| panic!("{}", run.stderr));
    assert!(line.contains("not a fast-forward"), "{line}");
    assert_eq!(bug_head_on(&env, &server, &valid), before);

    let delete_identity = format!(":refs/identities/{author}");
    let run = sh.git(&a, &["push", "--no-verify", "origin", &delete_identity]);
    let name = format!("refs/identities/{author}");
    assert!(
        run.stderr.contains("never deleted"),
        "identity deletion: {}",
        run.stderr
    );
    assert!(ref_value(&env, &server, &name).is_some());

    comment(&env, &a, &valid, "a third commit");
    let forward = format!("{0}:{0}", bug_ref(&valid));
    let delete_bug = format!(":{}", bug_ref(&doomed));
    sh.git(
        &a,
        &["push", "--no-verify", "origin", &forward, &delete_bug],
    )
    .ok();
    assert_eq!(
        ref_value(&env, &server, &bug_ref(&valid)),
        ref_value(&env, &a, &bug_ref(&valid))
    );
    assert!(ref_value(&env, &server, &bug_ref(&doomed)).is_none());

    // A clone of the server sees exactly the valid bug.
    let c = clone_in(&sh, &env, &server, "c", "Carol");
    let pulled = sh.git(&c, &["bug", "pull"]).ok();
    let listed = sh.git(&c, &["bug", "ls"]).ok();
    assert_eq!(listed.stdout.lines().count(), 1, "{}", pulled.stderr);
    assert!(listed.stdout.contains("Valid"), "{}", listed.stdout);
}

fn bug_head_on(env: &TestEnv, repo: &Path, id: &str) -> String {
    ref_value(env, repo, &bug_ref(id)).unwrap_or_else(|| panic!("no bug {id} in {repo:?}"))
}

#[test]
fn hostile_pushes_are_refused_one_by_one_git_default() {
    hostile_bugs_are_refused_and_the_rest_goes_through(None, "");
}

#[test]
fn hostile_pushes_are_refused_one_by_one_git_2_39() {
    hostile_bugs_are_refused_and_the_rest_goes_through(Some(Path::new("/usr/bin")), "2.39");
}

/// `git bug push` from a fresh clone: bugs and the identity they need in
/// one push, all accepted.
#[test]
fn git_bug_push_to_a_checked_server_is_accepted() {
    let env = TestEnv::new();
    let sh = Shell::new(&env, None);
    let (server, a) = setup(&env, &sh);
    let ids: Vec<String> = (0..3)
        .map(|i| new_bug(&env, &a, &format!("Bug {i}"), "text"))
        .collect();
    let pushed = env.bug(&a, &["push"]).ok();
    for id in &ids {
        assert_eq!(
            ref_value(&env, &server, &bug_ref(id)),
            ref_value(&env, &a, &bug_ref(id)),
            "{}",
            pushed.stderr
        );
    }
    assert_eq!(refs(&env, &server, "refs/identities/").len(), 1);
}

#[test]
fn install_in_a_bare_repository_explains_server() {
    let env = TestEnv::new();
    let sh = Shell::new(&env, None);
    let server = server_in(&sh, &env, "server.git");
    let config = || std::fs::read(server.join("config")).unwrap();
    let (config_before, hooks_before) = (config(), dir_snapshot(&server.join("hooks")));

    let plain = env.bug(&server, &["install"]).ok();
    assert!(
        plain.stderr.contains("bare repository")
            && plain.stderr.contains("git bug install --server"),
        "{}",
        plain.stderr
    );
    assert!(!server.join("hooks/proc-receive").exists());

    env.bug(&server, &["install", "--server"]).ok();
    assert!(server.join("hooks/proc-receive").is_file());
    let again = env.bug(&server, &["install", "--server"]).ok();
    assert!(again.stderr.contains("up to date"), "{}", again.stderr);
    let help = env.bug(&server, &["install", "--help"]).ok();
    assert!(help.stdout.contains("--server"), "{}", help.stdout);

    // Uninstall removes the server part with the rest.
    let removed = env.bug(&server, &["uninstall"]).ok();
    assert!(
        removed.stderr.contains("proc-receive"),
        "{}",
        removed.stderr
    );
    assert_eq!(
        String::from_utf8_lossy(&config()),
        String::from_utf8_lossy(&config_before)
    );
    assert_eq!(dir_snapshot(&server.join("hooks")), hooks_before);
}

#[test]
fn a_proc_receive_hook_of_someone_else_is_left_alone() {
    let env = TestEnv::new();
    let sh = Shell::new(&env, None);
    let server = server_in(&sh, &env, "server.git");
    let hook = server.join("hooks/proc-receive");
    std::fs::write(&hook, "#!/bin/sh\nexec other-tool\n").unwrap();
    let refused = env.bug(&server, &["install", "--server"]).fails(1);
    assert!(
        refused.stderr.contains("proc-receive") && refused.stderr.contains("move it away"),
        "{}",
        refused.stderr
    );
    assert_eq!(
        std::fs::read_to_string(&hook).unwrap(),
        "#!/bin/sh\nexec other-tool\n"
    );
    sh.git(&server, &["config", "--get-all", "receive.procReceiveRefs"])
        .fails(1);
}
