//! The committed man pages must be what the command definitions generate.

use crate::common::TestEnv;
use std::collections::BTreeMap;
use std::path::Path;

fn pages(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "1"))
        .map(|p| {
            let name = p.file_name().expect("name").to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).expect("page"))
        })
        .collect()
}

#[test]
fn committed_man_pages_are_up_to_date() {
    let env = TestEnv::new();
    let out = env.path("man");
    env.bug(
        env.dir.path(),
        &["install-man-pages", out.to_str().expect("utf-8")],
    )
    .ok();
    let generated = pages(&out.join("man1"));
    let committed = pages(&Path::new(env!("CARGO_MANIFEST_DIR")).join("man"));
    assert!(generated.contains_key("git-bug.1"));
    assert!(generated.contains_key("git-bug-bug-comment-edit.1"));
    assert_eq!(
        generated.keys().collect::<Vec<_>>(),
        committed.keys().collect::<Vec<_>>(),
        "man/ is stale: run `cargo run -- install-man-pages target/man && cp target/man/man1/*.1 man/`"
    );
    for (name, text) in &generated {
        assert_eq!(
            Some(text),
            committed.get(name),
            "man/{name} is stale: regenerate it"
        );
    }
}
