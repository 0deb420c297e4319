#!/usr/bin/env bash
# First import of N tickets from a real RT 5 (time and requests), then an
# incremental fetch after 10 of them changed, then a push of 10 changed bugs.
# Usage: bench/rt.sh [N]   (RT started by tests/trackers/start-rt.sh; the
# state directory in GIT_BUG_TEST_TRACKERS, default /tmp/trk)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-2000}
state=${GIT_BUG_TEST_TRACKERS:-/tmp/trk}
# shellcheck disable=SC1091
. "$state/rt.env"
api="$GIT_BUG_TEST_RT_URL/REST/2.0"
auth="Authorization: token $GIT_BUG_TEST_RT_TOKEN"
cargo build -q --release
export PATH="$PWD/target/release:$PATH"
queue="bench-$(date +%s)"
curl -fsS -o /dev/null -H "$auth" -H 'Content-Type: application/json' -X POST \
	-d "{\"Name\":\"$queue\"}" "$api/queue"

echo "creating $n tickets in queue $queue"
start=$(date +%s)
seq 1 "$n" | xargs -P 2 -I{} curl -fsS -o /dev/null -H "$auth" -H 'Content-Type: application/json' \
	-X POST -d "{\"Queue\":\"$queue\",\"Subject\":\"Ticket {}\",\"Content\":\"Body of ticket {}\"}" "$api/ticket"
echo "  created in $(($(date +%s) - start)) s"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME="$work" GIT_CONFIG_NOSYSTEM=1
git init -q "$work/repo"
cd "$work/repo"
git config user.name Bench && git config user.email bench@example.com
git bug user new -n Bench -e bench@example.com >/dev/null
git remote add rt "bug::rt+$GIT_BUG_TEST_RT_URL/?queue=$queue"
git config credential.helper "!f() { echo username=root; echo password=$GIT_BUG_TEST_RT_TOKEN; }; f"
git bug install >/dev/null 2>&1

measure() { # label, command...
	local label=$1 t0 t1 out
	shift
	t0=$(date +%s.%N)
	out=$("$@" 2>&1) || { echo "$out"; exit 1; }
	t1=$(date +%s.%N)
	printf '%-34s %6.2f s  %s\n' "$label" "$(echo "$t1 - $t0" | bc)" \
		"$(echo "$out" | grep -Eo '[0-9]+ request\(s\)' | tr '\n' ' ')"
}

measure "first import ($n tickets)" git fetch rt
test "$(git bug ls | wc -l)" = "$n"
measure "fetch, nothing changed" git fetch rt
ids=$(curl -fsS -G -H "$auth" "$api/tickets" --data-urlencode "query=Queue='$queue'" \
	--data-urlencode per_page=10 | grep -Eo '"id" : "[0-9]+"' | grep -Eo '[0-9]+' | head -10)
for id in $ids; do
	curl -fsS -o /dev/null -H "$auth" -H 'Content-Type: application/json' -X POST \
		-d '{"Content":"changed on RT","ContentType":"text/plain"}' "$api/ticket/$id/comment"
done
measure "fetch after 10 tickets changed" git fetch rt
for bug in $(git bug ls --format id | head -10); do
	git bug comment "$bug" -m "changed here" >/dev/null
done
measure "push of 10 changed bugs" git push rt
measure "fetch after that push" git fetch rt
