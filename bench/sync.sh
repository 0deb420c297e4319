#!/usr/bin/env bash
# Benchmark what sync adds to plain git: hooks on commit and fetch, the
# merge of fetched bugs, `git bug pull`.
#
#   bash bench/sync.sh [BIN]
#
# BIN defaults to target/release/git-bug (built with `cargo build --release`
# when missing).  Every figure is a median wall time in milliseconds, each
# compared with its plain-git baseline measured in the same run; see
# bench/README.md.  Environment knobs:
#   BENCH_SYNC_BUGS       bugs of the first-fetch server (figure 3; default 2000)
#   BENCH_SYNC_SERVER     bugs of the server in figure 2 (default 200)
#   BENCH_SYNC_UPDATED    bugs updated on that server (default 10)
#   BENCH_SYNC_DIVERGENT  divergent bugs merged in figure 4 (default 1000)
#   BENCH_SYNC_RUNS       timed runs per figure (default 20 for commits,
#                         10 for the small fetch, 3 for the large ones)
#   BENCH_SYNC_BUDGET     seconds of timed runs allowed per figure; slower
#                         commands get fewer runs, down to the single probe
#                         run (default 15)
#   BENCH_SYNC_TIMEOUT    seconds after which one run is stopped and reported
#                         as ">N" (default 30)
#   BENCH_SYNC_FIGURES    which figures to measure (default "1 2 3 4")
#   BENCH_SYNC_OLD_GIT    the older git for figure 3 (default /usr/bin/git;
#                         "none" skips it)
#   BENCH_TIMER           "python" to use the built-in timing over hyperfine
#   TMPDIR                where the scratch directory goes (default /tmp);
#                         TMPDIR=/dev/shm gives steadier figures on a busy disk
#   BENCH_KEEP            keep the temporary directory (its path is printed)
set -Eeuo pipefail
# Any unexpected failure says where it happened instead of exiting silently.
trap 'echo "bench/sync: error: exit $? at line $LINENO: $BASH_COMMAND" >&2' ERR

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
n_big=${BENCH_SYNC_BUGS:-2000}
n_server=${BENCH_SYNC_SERVER:-200}
n_updated=${BENCH_SYNC_UPDATED:-10}
n_div=${BENCH_SYNC_DIVERGENT:-1000}
budget=${BENCH_SYNC_BUDGET:-15}
cap=${BENCH_SYNC_TIMEOUT:-30}
figures=" ${BENCH_SYNC_FIGURES:-1 2 3 4} "
old_git=${BENCH_SYNC_OLD_GIT:-/usr/bin/git}

die() { echo "bench/sync: error: $*" >&2; exit 1; }
want() { [[ $figures == *" $1 "* ]]; }
say() { echo "bench/sync: $*" >&2; }
for v in n_big n_server n_updated n_div budget cap; do
    [[ ${!v} =~ ^[0-9]+$ && ${!v} -gt 0 ]] || die "$v must be a positive integer, not '${!v}'"
done
((n_updated <= n_server)) || die "BENCH_SYNC_UPDATED ($n_updated) > BENCH_SYNC_SERVER ($n_server)"
for tool in git python3 timeout awk; do
    command -v "$tool" >/dev/null || die "$tool not found on PATH"
done

# --- the binary -------------------------------------------------------------
if [[ $# -ge 1 ]]; then
    bin=$1
    [[ -x $bin ]] || die "binary not found or not executable: $bin"
else
    bin=$root/target/release/git-bug
    if [[ ! -x $bin ]]; then
        say "$bin missing, running cargo build --release"
        (cd "$root" && cargo build --release) || die "cargo build --release failed"
        [[ -x $bin ]] || die "cargo build did not produce $bin"
    fi
fi
bin=$(realpath "$bin")

# --- the scratch directory and a clean git environment ----------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/git-bug-sync-bench.XXXXXX")
cleanup() {
    local rc=$?
    if [[ -n ${BENCH_KEEP:-} ]]; then say "kept $work"; else rm -rf "$work"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The hooks run `git-bug` from PATH, so the binary goes first on PATH under
# that name (a symlink: BIN may be called anything).
mkdir -p "$work/bin" "$work/home"
ln -s "$bin" "$work/bin/git-bug"
export PATH="$work/bin:$PATH"
# No user or system configuration (core.hooksPath, gc, aliases...) leaks in.
export HOME=$work/home GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=$work/home/.gitconfig
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY GIT_CONFIG_PARAMETERS \
    GIT_CONFIG_COUNT GIT_BUG_HOOK_ACTIVE GIT_TRACE NO_COLOR 2>/dev/null || true
cat >"$GIT_CONFIG_GLOBAL" <<'EOF'
[user]
	name = Bench
	email = bench@example.com
[init]
	defaultBranch = main
[gc]
	auto = 0
[maintenance]
	auto = false
[advice]
	detachedHead = false
EOF

new_path=$PATH
new_ver=$(git version | awk '{print $3}')
old_path= old_ver=
if [[ $old_git != none ]]; then
    if [[ -x $old_git ]]; then
        # git-bug stays first; the old git's directory comes before the default git.
        old_path="$work/bin:$(dirname "$old_git"):$PATH"
        old_ver=$(PATH=$old_path git version | awk '{print $3}')
        [[ $old_ver != "$new_ver" ]] || old_path= old_ver=
    else
        say "warning: $old_git not found; figure 3 runs on git $new_ver only"
    fi
fi
[[ $(git-bug version 2>/dev/null) ]] || die "'$bin version' failed"

log=$work/log
# q CMD...: run quietly; on failure show the end of its output and stop.
q() {
    if ! "$@" >"$log" 2>&1; then
        tail -n 20 "$log" >&2
        die "setup step failed: $*"
    fi
}

# --- timing -------------------------------------------------------------------
if command -v hyperfine >/dev/null && [[ ${BENCH_TIMER:-auto} != python ]]; then
    timer="hyperfine $(hyperfine --version | awk '{print $2}')"
else
    timer="python/bash loop"
fi
RUN=$work/run       # every timed command works on this directory
SHELL_CMD="bash --norc -o pipefail"

now_ns() { date +%s%N; }

# loop_median RUNS PREPARE CMD: median ms of CMD (PREPARE untimed before each
# run) minus the median start-up of the shell, like bench/measure.py.
loop_median() {
    local runs=$1 prep=$2 cmd=$3 i t0 t1 times=() empty=()
    for ((i = 0; i < runs; i++)); do
        [[ -z $prep ]] || $SHELL_CMD -c "$prep" >/dev/null 2>&1 || die "prepare failed: $prep"
        t0=$(now_ns)
        $SHELL_CMD -c "$cmd" </dev/null >/dev/null 2>&1 || die "command failed during timing: $cmd"
        t1=$(now_ns)
        times+=($((t1 - t0)))
    done
    for ((i = 0; i < 10; i++)); do
        t0=$(now_ns); $SHELL_CMD -c '' </dev/null; t1=$(now_ns)
        empty+=($((t1 - t0)))
    done
    python3 -c 'import statistics, sys
a, b = sys.argv[1].split(), sys.argv[2].split()
print("%.1f" % max((statistics.median(map(int, a)) - statistics.median(map(int, b))) / 1e6, 0))' \
        "${times[*]}" "${empty[*]}"
}

# timed VAR RUNS PREPARE CMD [CHECK]
# Sets VAR to the median ms of CMD and VAR_runs to the number of timed runs.
# PREPARE (untimed) runs before every run of CMD.  One probe run comes first,
# stopped after $cap seconds (VAR is then ">cap ms"); its exit status must be
# 0 and CHECK (a shell command, evaluated here) must succeed after it.  The
# probe is the warm-up and fixes the number of runs: at most RUNS, and no
# more than fit in $budget seconds; when that is one, the probe is the figure.
timed() {
    local var=$1 runs=$2 prep=$3 cmd=$4 check=${5:-} rc=0 t0 t1 probe n json
    [[ -z $prep ]] || $SHELL_CMD -c "$prep" >"$log" 2>&1 || { tail -n 20 "$log" >&2; die "prepare failed: $prep"; }
    t0=$(now_ns)
    timeout -k 5 "$cap" $SHELL_CMD -c "$cmd" </dev/null >"$log" 2>&1 || rc=$?
    t1=$(now_ns)
    if ((rc == 124 || rc == 137)); then
        say "  stopped after ${cap} s: $cmd"
        printf -v "$var" '>%d' $((cap * 1000))
        printf -v "${var}_runs" 1
        return
    fi
    if ((rc != 0)); then
        tail -n 20 "$log" >&2
        die "command failed (exit $rc): $cmd"
    fi
    if [[ -n $check ]] && ! eval "$check"; then
        tail -n 20 "$log" >&2
        die "wrong result after: $cmd (check: $check)"
    fi
    probe=$(((t1 - t0) / 1000000))
    n=$((budget * 1000 / (probe + 1)))
    ((n <= runs)) || n=$runs
    if ((n <= 1)); then
        printf -v "$var" '%d' "$probe"
        printf -v "${var}_runs" 1
        return
    fi
    if [[ $timer == hyperfine* ]]; then
        json=$work/hyperfine.json
        local args=(--shell "$SHELL_CMD" --style none --runs "$n" --export-json "$json")
        [[ -z $prep ]] || args+=(--prepare "$prep")
        hyperfine "${args[@]}" "$cmd" </dev/null >/dev/null 2>"$log" || {
            tail -n 20 "$log" >&2
            die "hyperfine failed on: $cmd"
        }
        printf -v "$var" '%s' "$(python3 -c 'import json, sys
print("%.1f" % (json.load(open(sys.argv[1]))["results"][0]["median"] * 1000))' "$json")"
    elif [[ -z $prep ]]; then
        printf -v "$var" '%s' "$(python3 "$here/measure.py" --runs "$n" --warmup 0 --cwd "$work" -- "$cmd")" \
            || die "measurement failed: $cmd"
    else
        printf -v "$var" '%s' "$(loop_median "$n" "$prep" "$cmd")"
    fi
    printf -v "${var}_runs" '%d' "$n"
}

# fresh DIR: the PREPARE step that replaces $RUN by a copy of DIR.
fresh() { printf 'rm -rf %q && cp -a %q %q' "$RUN" "$1" "$RUN"; }

# Refs / commits, for the checks.
count_refs() { git -C "$1" for-each-ref --format=x "$2" | wc -l; }
# Commits of remote-tracking bug refs that no local bug contains (0 = all merged).
unmerged() { git -C "$1" rev-list --count --glob='refs/remotes/origin/bugs' --not --glob='refs/bugs'; }
reachable() { git -C "$1" for-each-ref --format='%(objectname)' refs/bugs | git -C "$1" rev-list --stdin --count; }
# same_as_server DIR SERVER: DIR's tracking refs of bugs are the server's bugs.
same_as_server() {
    [[ $(git -C "$1" for-each-ref --format='%(objectname)' refs/remotes/origin/bugs/) == \
        "$(git -C "$2" for-each-ref --format='%(objectname)' refs/bugs/)" ]]
}
check_merged() { [[ $(count_refs "$RUN" refs/bugs/) -eq $1 && $(unmerged "$RUN") -eq 0 ]]; }

add_refspecs() {
    git -C "$1" config --add remote.origin.fetch '+refs/bugs/*:refs/remotes/origin/bugs/*'
    git -C "$1" config --add remote.origin.fetch '+refs/identities/*:refs/remotes/origin/identities/*'
}
# server DIR N: a bare repository with N generated bugs (1 comment op each).
server() {
    q python3 "$here/gen_repo.py" "$work/gen-$2" "$2" --comments 1
    q git clone -q --mirror "$work/gen-$2" "$1"
    rm -rf "$work/gen-$2"
}
# adopt DIR K: make the K-th identity the user's own in clone DIR.
adopt() {
    local id
    id=$(git -C "$1" for-each-ref --format='%(refname:lstrip=2)' refs/identities | sed -n "${2}p")
    [[ -n $id ]] || die "no identity in $1"
    (cd "$1" && q git-bug user adopt "$id")
}
# comment_all DIR MSG [MAX]: one comment on each bug (the first MAX) in DIR.
comment_all() {
    local id
    git -C "$1" for-each-ref --count="${3:-1000000000}" --format='%(refname:lstrip=2)' refs/bugs >"$1.ids"
    while read -r id; do
        (cd "$1" && git-bug comment "$id" -m "$2" >/dev/null 2>"$1.err") \
            || { cat "$1.err" >&2; die "git-bug comment $id failed in $1"; }
    done <"$1.ids"
}

rows=()
# row ID CASE GIT RUNS MS BASE_LABEL BASE_MS TARGET  (TARGET: "x1.6" or "+150" or "")
row() {
    rows+=("$(awk -v id="$1" -v what="$2" -v git="$3" -v runs="$4" -v ms="$5" -v bl="$6" \
        -v bms="$7" -v tgt="$8" 'BEGIN {
        ratio = added = verdict = ""
        gt = (ms ~ /^>/); v = ms; sub(/^>/, "", v)
        if (bms != "" && bms !~ /^>/ && bms > 0) {
            ratio = sprintf("%s%.2fx", gt ? ">" : "", v / bms)
            added = sprintf("%s%+.0f", gt ? ">" : "", v - bms)
            if (tgt ~ /^x/) verdict = (!gt && v / bms <= substr(tgt, 2) + 0) ? "ok" : "MISS"
            if (tgt ~ /^\+/) verdict = (!gt && v - bms <= substr(tgt, 2) + 0) ? "ok" : "MISS"
        }
        if (tgt ~ /^x/) tgt = "<=" substr(tgt, 2) "x"; else if (tgt ~ /^\+/) tgt = "<=" tgt " ms"
        printf "%-3s %-38s %-7s %4s %9s  %-11s %8s %8s %8s  %s %s", id, what, git, runs, ms, bl, bms, ratio, added, tgt, verdict
    }')")
}

say "work directory $work; git $new_ver${old_ver:+ and $old_ver}; $timer"

# --- 1. git commit with and without hooks --------------------------------------
if want 1; then
say "1: commit in a small repository, hooks vs none"
q git init -q --bare "$work/c-origin.git"
for d in c-plain c-empty c-hooks; do
    q git init -q "$work/$d"
    q git -C "$work/$d" commit -q --allow-empty -m init
    q git -C "$work/$d" remote add origin "$work/c-origin.git"
done
(cd "$work/c-hooks" && q git-bug install)
# The floor of "any hook at all": the same two hooks a commit runs, empty.
for h in commit-msg reference-transaction; do
    printf '#!/bin/sh\nexit 0\n' >"$work/c-empty/.git/hooks/$h"
    chmod +x "$work/c-empty/.git/hooks/$h"
done
[[ -x $work/c-hooks/.git/hooks/reference-transaction ]] || die "git bug install did not install reference-transaction"
runs=${BENCH_SYNC_RUNS:-20}
timed c_plain "$runs" "" "cd $work/c-plain && git commit --allow-empty -q -m x"
timed c_empty "$runs" "" "cd $work/c-empty && git commit --allow-empty -q -m x"
timed c_hooks "$runs" "" "cd $work/c-hooks && git commit --allow-empty -q -m x"
row 1 "commit --allow-empty: no hooks" "$new_ver" "$c_plain_runs" "$c_plain" "" "" ""
row "" "  empty commit-msg + ref-tx hooks" "$new_ver" "$c_empty_runs" "$c_empty" "no hooks" "$c_plain" ""
row "" "  hooks installed" "$new_ver" "$c_hooks_runs" "$c_hooks" "no hooks" "$c_plain" x1.6
row "" "  the same, against the empty hooks" "$new_ver" "$c_hooks_runs" "$c_hooks" "empty hooks" "$c_empty" ""

# The same with a commit of real work: one changed file in a 2,000-file tree.
say "1: commit of one changed file in a 2,000-file repository, hooks vs none"
for d in r-plain r-hooks; do
    q git init -q "$work/$d"
    for i in $(seq 1 40); do
        mkdir -p "$work/$d/dir$i"
        for j in $(seq 1 50); do echo "line $i $j" >"$work/$d/dir$i/file$j.txt"; done
    done
    q git -C "$work/$d" add -A
    q git -C "$work/$d" commit -q -m init
    q git -C "$work/$d" remote add origin "$work/c-origin.git"
done
(cd "$work/r-hooks" && q git-bug install)
change='echo $$-$RANDOM >>dir7/file3.txt && git commit -q -a -m change'
timed r_plain "$runs" "" "cd $work/r-plain && $change"
timed r_hooks "$runs" "" "cd $work/r-hooks && $change"
row 1 "commit -a of 1 file (2,000 files): none" "$new_ver" "$r_plain_runs" "$r_plain" "" "" ""
row "" "  hooks installed" "$new_ver" "$r_hooks_runs" "$r_hooks" "no hooks" "$r_plain" x1.6
fi

# --- 2. a fetch that brings a few updated bugs ----------------------------------
if want 2; then
say "2: fetch of $n_updated updated bugs out of $n_server, hooks+merge vs none"
server "$work/s2.git" "$n_server"
# Hooked clone: installed, everything fetched and merged.
q git clone -q "$work/s2.git" "$work/f-hooks"
(cd "$work/f-hooks" && q git-bug install && q git-bug pull)
# Twin: the same refspecs, no hooks, everything fetched.
q git clone -q "$work/s2.git" "$work/f-plain"
add_refspecs "$work/f-plain"
q git -C "$work/f-plain" fetch -q
[[ $(count_refs "$work/f-hooks" refs/bugs/) -eq $n_server && $(count_refs "$work/f-plain" refs/remotes/origin/bugs/) -eq $n_server ]] \
    || die "figure 2: clones do not hold the $n_server bugs"
# Someone else comments on some bugs and pushes.
q git clone -q "$work/s2.git" "$work/f-other"
(cd "$work/f-other" && q git-bug pull)
adopt "$work/f-other" 2
comment_all "$work/f-other" "update from elsewhere" "$n_updated"
(cd "$work/f-other" && q git-bug push)
changed=$(comm -3 <(git -C "$work/f-plain" for-each-ref refs/remotes/origin/bugs | awk '{print $1}' | sort) \
    <(git -C "$work/s2.git" for-each-ref refs/bugs | awk '{print $1}' | sort) | wc -l)
((changed == 2 * n_updated)) || die "figure 2: the server does not hold $n_updated updated bugs"
runs=${BENCH_SYNC_RUNS:-10}
timed f_plain "$runs" "$(fresh "$work/f-plain")" "cd $RUN && git fetch -q" \
    'same_as_server "$RUN" "$work/s2.git"'
timed f_hooks "$runs" "$(fresh "$work/f-hooks")" "cd $RUN && git fetch -q" \
    'same_as_server "$RUN" "$work/s2.git" && check_merged "$n_server"'
row 2 "fetch $n_updated updated of $n_server bugs: no hooks" "$new_ver" "$f_plain_runs" "$f_plain" "" "" ""
row "" "  hooks installed (incl. merge)" "$new_ver" "$f_hooks_runs" "$f_hooks" "no hooks" "$f_plain" +150
fi

# --- 3. the first fetch of many bugs ------------------------------------------
if want 3; then
say "3: first fetch of $n_big bugs"
server "$work/s3.git" "$n_big"
for d in plain empty hooks; do
    q git clone -q "$work/s3.git" "$work/g-$d"
done
add_refspecs "$work/g-plain"
add_refspecs "$work/g-empty"
printf '#!/bin/sh\nexit 0\n' >"$work/g-empty/.git/hooks/reference-transaction"
chmod +x "$work/g-empty/.git/hooks/reference-transaction"
(cd "$work/g-hooks" && q git-bug install)
runs=${BENCH_SYNC_RUNS:-3}
for which in new old; do
    if [[ $which == new ]]; then p=$new_path v=$new_ver; else p=$old_path v=$old_ver; fi
    [[ -n $p ]] || continue
    say "3: git $v"
    PATH=$p
    [[ $(git version | awk '{print $3}') == "$v" ]] || die "PATH does not select git $v"
    timed g_plain "$runs" "$(fresh "$work/g-plain")" "cd $RUN && git fetch -q" \
        '[[ $(count_refs "$RUN" refs/remotes/origin/bugs/) -eq $n_big ]]'
    timed g_empty "$runs" "$(fresh "$work/g-empty")" "cd $RUN && git fetch -q" \
        '[[ $(count_refs "$RUN" refs/remotes/origin/bugs/) -eq $n_big ]]'
    timed g_hooks "$runs" "$(fresh "$work/g-hooks")" "cd $RUN && git fetch -q" \
        'check_merged "$n_big"'
    timed g_pull "$runs" "$(fresh "$work/g-hooks")" "cd $RUN && git bug pull" \
        'check_merged "$n_big"'
    row 3 "first fetch of $n_big bugs: no hooks" "$v" "$g_plain_runs" "$g_plain" "" "" ""
    row "" "  empty reference-transaction hook" "$v" "$g_empty_runs" "$g_empty" "no hooks" "$g_plain" ""
    row "" "  hooks installed (incl. merge)" "$v" "$g_hooks_runs" "$g_hooks" "no hooks" "$g_plain" ""
    row "" "  the same, against the empty hook" "$v" "$g_hooks_runs" "$g_hooks" "empty hook" "$g_empty" ""
    row "" "  git bug pull (hooks installed)" "$v" "$g_pull_runs" "$g_pull" "no hooks" "$g_plain" ""
    PATH=$new_path
done
fi

# --- 4. merging divergent bugs ----------------------------------------------------
if want 4; then
say "4: $n_div divergent bugs"
server "$work/s4.git" "$n_div"
for d in d-local d-other; do
    q git clone -q "$work/s4.git" "$work/$d"
    (cd "$work/$d" && q git-bug pull)
done
adopt "$work/d-local" 1
adopt "$work/d-other" 2
say "4: commenting on $n_div bugs in two clones"
comment_all "$work/d-other" "remote comment" &
other=$!
comment_all "$work/d-local" "local comment, not pushed"
wait "$other" || die "figure 4: commenting in the other clone failed"
(cd "$work/d-other" && q git-bug push)
before=$(reachable "$work/d-local")
runs=${BENCH_SYNC_RUNS:-3}
# The fetch that `git bug pull` runs on git < 2.51, alone.
timed d_fetch "$runs" "$(fresh "$work/d-local")" \
    "cd $RUN && git fetch --no-write-fetch-head --quiet --atomic origin '+refs/bugs/*:refs/remotes/origin/bugs/*' '+refs/identities/*:refs/remotes/origin/identities/*'" \
    '[[ $(unmerged "$RUN") -eq $n_div ]]'
# Merged: every remote commit is in the local bugs, and the local comments
# survived (a rebase adds one commit per bug on top of the remote's, a merge
# commit two; losing the local comment would add none).
timed d_pull "$runs" "$(fresh "$work/d-local")" "cd $RUN && git bug pull" \
    'check_merged "$n_div" && [[ $(reachable "$RUN") -ge $((before + n_div)) ]]'
row 4 "fetch $n_div divergent bugs, no merge" "$new_ver" "$d_fetch_runs" "$d_fetch" "" "" ""
row "" "  git bug pull (fetch + merge)" "$new_ver" "$d_pull_runs" "$d_pull" "fetch only" "$d_fetch" ""
if [[ $d_pull != \>* ]]; then
    per_bug=$(awk -v a="$d_pull" -v b="$d_fetch" -v n="$n_div" 'BEGIN { printf "%.2f", (a - b) / n }')
    verdict=$(awk -v x="$per_bug" 'BEGIN { print (x <= 2 ? "ok" : "MISS") }')
else
    per_bug=">$(awk -v a="${d_pull#>}" -v b="$d_fetch" -v n="$n_div" 'BEGIN { printf "%.2f", (a - b) / n }')"
    verdict=MISS
fi
merge_ms=$(awk -v a="${d_pull#>}" -v b="$d_fetch" 'BEGIN { printf "%.1f", a - b }')
rows+=("$(printf '%-3s %-38s %-7s %4s %9s  %-11s %8s %8s %8s  %s %s' "" "  merge = pull - fetch" "$new_ver" "" \
    "$merge_ms" "per bug" "" "" "${per_bug}ms" "<=2 ms/bug" "$verdict")")
fi

# --- the table ---------------------------------------------------------------------
echo
echo "git-bug sync benchmark: $bin"
echo "median wall ms ($timer; runs = timed runs after one probe, 1 = the probe alone;"
echo "  >N = stopped after BENCH_SYNC_TIMEOUT=$cap s); ratio and added are against the baseline"
printf '%-3s %-38s %-7s %4s %9s  %-11s %8s %8s %8s  %s\n' "#" case git runs ms baseline "base ms" ratio "added" target
printf '%s\n' "${rows[@]}"
