#!/usr/bin/env bash
# Benchmark git-bug against plain git on generated repositories.
#
#   bash bench/run.sh [BIN]
#
# BIN defaults to target/release/git-bug (built with `cargo build --release`
# when missing).  Environment knobs:
#   BENCH_DIR       keep the generated repositories there and reuse them on
#                   later runs (default: a temporary directory, removed at exit)
#   BENCH_SIZES     bug counts to test (default "1000 10000")
#   BENCH_COMMENTS  add-comment ops per bug (default 3)
#   BENCH_RUNS      timed runs per read measurement (default 10)
#   BENCH_NEW_RUNS  timed runs for `bug new` and its baseline (default 20)
#   BENCH_TIMER     "python" to force the built-in timing loop over hyperfine
# Every figure is a median wall time in milliseconds; see bench/README.md.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
sizes=${BENCH_SIZES:-"1000 10000"}
comments=${BENCH_COMMENTS:-3}
runs=${BENCH_RUNS:-10}
new_runs=${BENCH_NEW_RUNS:-20}

die() { echo "bench: $*" >&2; exit 1; }

# --- the binary -------------------------------------------------------------
if [[ $# -ge 1 ]]; then
    bin=$1
    [[ -x $bin ]] || die "binary not found or not executable: $bin"
else
    bin=$root/target/release/git-bug
    if [[ ! -x $bin ]]; then
        echo "bench: $bin missing, running cargo build --release" >&2
        (cd "$root" && cargo build --release) || die "cargo build --release failed"
        [[ -x $bin ]] || die "cargo build did not produce $bin"
    fi
fi
bin=$(realpath "$bin")  # commands below run with the repository as cwd

# --- where the repositories live ------------------------------------------
if [[ -n ${BENCH_DIR:-} ]]; then
    mkdir -p "$BENCH_DIR"
    work=$(realpath "$BENCH_DIR")
else
    work=$(mktemp -d "${TMPDIR:-/tmp}/git-bug-bench.XXXXXX")
    trap 'rm -rf "$work"' EXIT
fi

# Generate (or reuse) the repository for N bugs; prints its path.  A marker
# file records the generator parameters, so a repository is only reused when
# it was made by gen_repo.py with the same settings.
repo_for() {
    local n=$1 dir=$work/bugs-$1 stamp="gen_repo.py n=$1 comments=$comments"
    if [[ -d $dir ]]; then
        if [[ -f $dir/.git/bench-generated && $(<"$dir/.git/bench-generated") == "$stamp" ]]; then
            echo "$dir"; return
        fi
        [[ -f $dir/.git/bench-generated ]] || die "$dir exists but was not made by gen_repo.py; remove it"
        rm -rf "$dir"
    fi
    python3 "$here/gen_repo.py" "$dir" "$n" --comments "$comments" >&2 || die "gen_repo.py failed"
    printf '%s' "$stamp" >"$dir/.git/bench-generated"
    echo "$dir"
}

# measure RUNS DIR CMD: median milliseconds of CMD run in DIR (exits on failure).
measure() {
    python3 "$here/measure.py" --runs "$1" --warmup 2 --cwd "$2" -- "$3" \
        || die "measurement failed: $3"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

# The floor: the least work any bug listing must do -- read every bug commit
# and every `ops` blob once, with plain git and no parsing.  Exactly:
#   1. `git for-each-ref` prints the tip commit of every refs/bugs/* ref;
#   2. `git rev-list --stdin` walks from those tips and prints every commit
#      of every bug (roots included);
#   3. `sed` emits, per commit, the commit itself and `<commit>:ops` (the
#      pack blob; cat-file resolves that path through the commit's tree);
#   4. ONE `git cat-file --batch` prints all of those objects to /dev/null.
# Identities are not read (there are only a few).
floor_cmd="git for-each-ref --format='%(objectname)' refs/bugs | git rev-list --stdin | sed 'p;s/\$/:ops/' | git cat-file --batch >/dev/null"

if command -v hyperfine >/dev/null && [[ ${BENCH_TIMER:-auto} != python ]]; then
    timer="hyperfine $(hyperfine --version | awk '{print $2}')"
else
    timer="python loop"
fi

rows=()
for n in $sizes; do
    repo=$(repo_for "$n")
    echo "bench: $n bugs in $repo" >&2

    # Sanity: the binary must see every bug (a listing of nothing is fast but
    # meaningless).  Only checkable when the output is a JSON array.
    out=$(cd "$repo" && "$bin" bug --format json) || die "'$bin bug --format json' failed in $repo"
    count=$(printf '%s' "$out" | python3 -c 'import json,sys
try: v = json.load(sys.stdin)
except ValueError: v = None
print(len(v) if isinstance(v, list) else "?")')
    if [[ $count == "?" ]]; then
        echo "bench: warning: 'bug --format json' did not print a JSON array; bug count not checked" >&2
    elif [[ $count != "$n" ]]; then
        die "'bug --format json' listed $count bugs, expected $n"
    fi

    # A bug in the middle of the list; 10 hex chars are unambiguous here.
    id=$(cd "$repo" && git for-each-ref --format='%(refname:lstrip=2)' refs/bugs | sed -n "$(( (n + 1) / 2 ))p")
    [[ -n $id ]] || die "no bug found in $repo"

    floor=$(measure "$runs" "$repo" "$floor_cmd")
    list=$(measure "$runs" "$repo" "'$bin' bug --format json >/dev/null")
    show=$(measure "$runs" "$repo" "'$bin' bug show ${id:0:10} >/dev/null")

    # Writes go to a scratch copy so the base repository stays as generated.
    scratch=$work/scratch-$n
    rm -rf "$scratch"
    cp -a "$repo" "$scratch"
    new=$(measure "$new_runs" "$scratch" "'$bin' bug new -t title -m msg --non-interactive >/dev/null")
    # Baseline: one git process writing one small loose object.  $$/$RANDOM
    # differ per run, so every run really writes a new blob.
    hash=$(measure "$new_runs" "$scratch" 'git hash-object -w --stdin <<<"bench $$ $RANDOM" >/dev/null')
    rm -rf "$scratch"

    rows+=("$(printf '%7s %9s %9s %7s %9s %9s %9s %7s' "$n" "$floor" "$list" "$(ratio "$list" "$floor")" \
        "$show" "$new" "$hash" "$(ratio "$new" "$hash")")")
done

echo
echo "git-bug benchmark: $bin"
echo "median wall ms ($timer; $runs runs for reads, $new_runs for writes; $comments comments/bug)"
printf '%7s %9s %9s %7s %9s %9s %9s %7s\n' bugs floor list ratio show new hash-obj ratio
printf '%s\n' "${rows[@]}"
