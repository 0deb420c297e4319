//! Files attached to bugs, in git-bug's format: blob hashes in the `files`
//! of create and comment operations, the blobs listed in the commit's
//! `extra` subtree so that plain git push and fetch carry them.

use crate::common::TestEnv;
use crate::sync::{bug_head, clone, server};
use std::path::Path;

fn ls_tree(env: &TestEnv, repo: &Path, rev: &str) -> String {
    env.git(repo, &["ls-tree", rev]).ok().stdout
}

#[test]
fn attached_files_travel_with_the_bug_and_come_out_byte_for_byte() {
    let env = TestEnv::new();
    let origin = server(&env);
    let a = clone(&env, &origin, "a", "Alice");
    let shot: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let log = b"line one\nline two\n".to_vec();
    std::fs::write(env.path("shot.png"), &shot).unwrap();
    std::fs::write(env.path("crash.log"), &log).unwrap();
    let shot_path = env.path("shot.png");
    let log_path = env.path("crash.log");
    env.bug(
        &a,
        &[
            "new",
            "-t",
            "Crash with a screenshot",
            "-m",
            "See the file",
            "--attach",
            shot_path.to_str().unwrap(),
        ],
    )
    .ok();
    let id = env.new_bug_id_of_latest(&a);
    env.bug(
        &a,
        &[
            "comment",
            &id,
            "-m",
            "And the log, twice by mistake",
            "--attach",
            log_path.to_str().unwrap(),
            "--attach",
            log_path.to_str().unwrap(),
        ],
    )
    .ok();
    let shot_hash = env
        .git(&a, &["hash-object", shot_path.to_str().unwrap()])
        .ok();
    let shot_hash = shot_hash.stdout.trim().to_string();
    let log_hash = env
        .git(&a, &["hash-object", log_path.to_str().unwrap()])
        .ok();
    let log_hash = log_hash.stdout.trim().to_string();

    // The commit lists each distinct file once in `extra`, as git-bug does.
    let head = bug_head(&env, &a, &id);
    let tree = ls_tree(&env, &a, &head);
    assert!(tree.contains("040000 tree "), "{tree}");
    let extra = ls_tree(&env, &a, &format!("{head}:extra"));
    assert_eq!(extra, format!("100644 blob {log_hash}\tfile0\n"));
    let root = ls_tree(&env, &a, &format!("{head}~1:extra"));
    assert_eq!(root, format!("100644 blob {shot_hash}\tfile0\n"));

    // show lists them; JSON gives the hashes.
    let shown = env.bug(&a, &["show", &id]).ok().stdout;
    assert!(
        shown.contains(&format!("files: {}", &shot_hash[..7])),
        "{shown}"
    );
    let json = env.bug(&a, &["show", "--format", "json", &id]).ok().json();
    assert_eq!(json["comments"][1]["files"][0], log_hash.as_str());

    // Another clone gets the blobs by a plain push and fetch.
    env.git(&a, &["push", "-q", "origin", "main"]).ok();
    let b = clone(&env, &origin, "b", "Bob");
    env.git(&b, &["fetch", "-q"]).ok();
    let out = env.path("out");
    std::fs::create_dir(&out).unwrap();
    env.bug(&b, &["file", "get", &shot_hash[..8], out.to_str().unwrap()])
        .ok();
    assert_eq!(std::fs::read(out.join(&shot_hash)).unwrap(), shot);
    let named = env.path("named.log");
    env.bug(
        &b,
        &["file", "get", &log_hash[..7], named.to_str().unwrap()],
    )
    .ok();
    assert_eq!(std::fs::read(&named).unwrap(), log);
    // Never over an existing file unless asked; "-" is standard output.
    env.bug(
        &b,
        &["file", "get", &log_hash[..7], named.to_str().unwrap()],
    )
    .fails(1);
    let stdout = env.bug(&b, &["file", "get", &log_hash[..7], "-"]).ok();
    assert_eq!(stdout.stdout.as_bytes(), log.as_slice());
    let listed = env.bug(&b, &["file", "ls", &id]).ok().stdout;
    assert_eq!(listed.lines().count(), 2, "{listed}");
    assert!(listed.contains("70000 bytes"), "{listed}");
    // An unknown file is named.
    let run = env.bug(&b, &["file", "get", "ffffff"]).fails(1);
    assert!(run.stderr.contains("ffffff"), "{}", run.stderr);
}

#[test]
fn attaching_what_cannot_be_attached_is_refused_clearly() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let id = env.new_bug(&repo, "Crash", "text");
    let before = bug_head(&env, &repo, &id);
    let missing = env.path("missing.txt");
    let run = env
        .bug(
            &repo,
            &[
                "comment",
                &id,
                "-m",
                "x",
                "--attach",
                missing.to_str().unwrap(),
            ],
        )
        .fails(1);
    assert!(run.stderr.contains("missing.txt"), "{}", run.stderr);
    let dir = env.path("a-dir");
    std::fs::create_dir(&dir).unwrap();
    let run = env
        .bug(
            &repo,
            &["comment", &id, "-m", "x", "--attach", dir.to_str().unwrap()],
        )
        .fails(1);
    assert!(run.stderr.contains("not a regular file"), "{}", run.stderr);
    assert_eq!(bug_head(&env, &repo, &id), before);
}
