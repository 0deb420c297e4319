#!/usr/bin/env bash
# Benchmark the check of a server (`git bug install --server`): a push of
# 1,000 new bugs (and their identities) to a bare repository with the
# check, against the same push to a bare repository without it.
#
#   bash bench/server.sh [BIN]
#
# BIN defaults to target/release/git-bug (built with `cargo build --release`
# when missing).  Prints the median wall time of each push in milliseconds
# and their ratio (target: checked / plain <= 2), with the default git and
# again with BENCH_SERVER_OLD_GIT.  Also shown: the same push to a server
# whose `update` hook is `exit 0`, i.e. what git charges for starting a hook
# once per ref (why the check is a proc-receive hook).  Environment knobs:
#   BENCH_SERVER_BUGS      bugs pushed (default 1000)
#   BENCH_SERVER_COMMENTS  comments per bug (default 3, as gen_repo.py)
#   BENCH_SERVER_RUNS      timed pushes of each kind (default 5)
#   BENCH_SERVER_OLD_GIT   another git to measure with (default /usr/bin/git;
#                          "none" skips it)
#   TMPDIR                 where the scratch directory goes (default /tmp)
#   BENCH_KEEP             keep the scratch directory (its path is printed)
set -Eeuo pipefail
trap 'echo "bench/server: error: exit $? at line $LINENO: $BASH_COMMAND" >&2' ERR

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
n_bugs=${BENCH_SERVER_BUGS:-1000}
n_comments=${BENCH_SERVER_COMMENTS:-3}
runs=${BENCH_SERVER_RUNS:-5}
old_git=${BENCH_SERVER_OLD_GIT:-/usr/bin/git}

die() { echo "bench/server: error: $*" >&2; exit 1; }
say() { echo "bench/server: $*" >&2; }
for v in n_bugs runs; do
    [[ ${!v} =~ ^[0-9]+$ && ${!v} -gt 0 ]] || die "$v must be a positive integer, not '${!v}'"
done
for tool in git python3; do
    command -v "$tool" >/dev/null || die "$tool not found on PATH"
done

if [[ $# -ge 1 ]]; then
    bin=$1
    [[ -x $bin ]] || die "binary not found or not executable: $bin"
else
    bin=$root/target/release/git-bug
    if [[ ! -x $bin ]]; then
        say "$bin missing, running cargo build --release"
        (cd "$root" && cargo build --release) || die "cargo build --release failed"
    fi
fi
bin=$(realpath "$bin")

work=$(mktemp -d "${TMPDIR:-/tmp}/git-bug-server-bench.XXXXXX")
cleanup() {
    local rc=$?
    if [[ -n ${BENCH_KEEP:-} ]]; then say "kept $work"; else rm -rf "$work"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The hook runs `git-bug` from PATH; no user or system git configuration.
mkdir -p "$work/bin" "$work/home"
ln -s "$bin" "$work/bin/git-bug"
export PATH="$work/bin:$PATH"
export HOME=$work/home GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=$work/home/.gitconfig
unset GIT_DIR GIT_WORK_TREE GIT_OBJECT_DIRECTORY GIT_CONFIG_PARAMETERS GIT_CONFIG_COUNT \
    GIT_BUG_HOOK_ACTIVE GIT_TRACE 2>/dev/null || true
printf '[gc]\n\tauto = 0\n[init]\n\tdefaultBranch = main\n' >"$GIT_CONFIG_GLOBAL"

log=$work/log
q() {
    if ! "$@" >"$log" 2>&1; then
        tail -n 20 "$log" >&2
        die "setup step failed: $*"
    fi
}

say "generating $n_bugs bugs"
q python3 "$here/gen_repo.py" "$work/src" "$n_bugs" --comments "$n_comments"
want=$(git -C "$work/src" for-each-ref refs/bugs refs/identities | wc -l)

# push_ms KIND: a fresh bare repository (with the check when KIND is
# "checked", an empty update hook when "update"), then the timed push of every bug and identity into it;
# prints milliseconds, and stops unless the server got every ref.
push_ms() {
    local kind=$1 dest=$work/dest.git t0 t1 got
    rm -rf "$dest"
    q git init -q --bare "$dest"
    if [[ $kind == checked ]]; then
        (cd "$dest" && q git-bug install --server)
    elif [[ $kind == update ]]; then
        printf '#!/bin/sh\nexit 0\n' >"$dest/hooks/update"
        chmod +x "$dest/hooks/update"
    fi
    t0=$(date +%s%N)
    git -C "$work/src" push -q "$dest" 'refs/bugs/*:refs/bugs/*' \
        'refs/identities/*:refs/identities/*' >"$log" 2>&1 ||
        { tail -n 20 "$log" >&2; die "the $kind push failed"; }
    t1=$(date +%s%N)
    got=$(git -C "$dest" for-each-ref refs/bugs refs/identities | wc -l)
    [[ $got == "$want" ]] || die "the $kind server has $got of $want refs"
    echo $(((t1 - t0) / 1000000))
}

median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

# measure LABEL: plain and checked pushes, interleaved, then one table row.
measure() {
    local label=$1 i plain=() checked=() update=() p c u
    push_ms plain >/dev/null # warm the caches
    for ((i = 0; i < runs; i++)); do
        plain+=("$(push_ms plain)")
        checked+=("$(push_ms checked)")
        update+=("$(push_ms update)")
    done
    p=$(printf '%s\n' "${plain[@]}" | median)
    c=$(printf '%s\n' "${checked[@]}" | median)
    u=$(printf '%s\n' "${update[@]}" | median)
    printf '%-10s %8s %8s %7s %14s %7s\n' "$label" "$p" "$c" \
        "$(awk -v p="$p" -v c="$c" 'BEGIN {printf "%.2fx", c / p}')" "$u" \
        "$(awk -v p="$p" -v u="$u" 'BEGIN {printf "%.2fx", u / p}')"
}

echo "push of $n_bugs new bugs ($n_comments comments each) and their identities; median of $runs, ms"
printf '%-10s %8s %8s %7s %14s %7s\n' git plain checked ratio "empty update" ratio
measure "$(git version | awk '{print $3}')"
if [[ $old_git != none && -x $old_git ]]; then
    PATH="$work/bin:$(dirname "$old_git"):$PATH" measure "$("$old_git" version | awk '{print $3}')"
fi
