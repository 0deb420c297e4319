#!/usr/bin/env bash
# Builds git-bug and shows it at work in a throw-away repository: a bug is
# filed, commented, labelled, closed and listed, then the same commands read
# a sample of git-bug's own bug database, written by the Go git-bug.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cargo build --release --quiet --manifest-path "$top/Cargo.toml"
export PATH="$top/target/release:$PATH"

demo=$(mktemp -d)
trap 'rm -rf "$demo"' EXIT
cd "$demo"
git init -q -b main project && cd project
git config user.name "Ada Lovelace"
git config user.email "ada@example.com"

run() { printf '\n$ %s\n' "$*"; "$@"; }
run git bug new -t "Crash when the config file is empty" -m "Steps: touch config; run app."
id=$(git bug ls --format id | head -n 1)
run git bug comment "${id:0:7}" -m "Reproduced on main."
run git bug bug label new "${id:0:7}" kind/bug priority/high
run git bug new -t "Document the query language" -m "ls accepts qualifiers; say which."
run git bug close "${id:0:7}"
run git bug ls
run git bug ls status:open
run git bug show "${id:0:7}"

# Real data written by the Go git-bug, committed with the tests.
sample="$top/tests/data/gitbug-sample.bundle"
cd "$demo" && git init -q sample && cd sample
git fetch -q "$sample" 'refs/*:refs/*'
run git bug ls 'label:kind/bug' status:open
