//! The project stands on its own: a clone anywhere builds and passes its
//! tests, so nothing it contains may read files from outside the checkout.

use std::path::Path;
use std::process::Command;

#[test]
fn no_tracked_file_reaches_outside_the_checkout() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let listed = Command::new("git")
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .current_dir(root)
        .output()
        .expect("git ls-files");
    assert!(listed.status.success(), "git ls-files failed");
    // Spelt in two halves so that this file does not match itself.
    let needle = format!("{}{}", "../", "shared/");
    let mut offenders = Vec::new();
    for name in listed.stdout.split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let name = String::from_utf8_lossy(name).into_owned();
        let Ok(text) = std::fs::read(root.join(&name)) else {
            continue; // listed but deleted in the work tree
        };
        if text.windows(needle.len()).any(|w| w == needle.as_bytes()) {
            offenders.push(name);
        }
    }
    assert!(
        offenders.is_empty(),
        "these files read outside the project: {offenders:?}"
    );
}

#[test]
fn the_sample_repository_is_committed_with_the_tests() {
    let data = crate::common::fixtures();
    assert!(data.starts_with(env!("CARGO_MANIFEST_DIR")));
    for name in [
        "gitbug-sample.bundle",
        "gitbug-sample.expected.json",
        "README.md",
    ] {
        assert!(data.join(name).is_file(), "tests/data/{name} is missing");
    }
}
