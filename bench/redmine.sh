#!/usr/bin/env bash
# First import of N issues from a real Redmine 5 (time and requests), then
# an incremental fetch after 10 of them changed, then a push of 10 changed
# bugs. Usage: bench/redmine.sh [N]   (Redmine started by
# tests/trackers/start-redmine.sh; the state directory in
# GIT_BUG_TEST_TRACKERS, default /tmp/trk)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-2000}
state=${GIT_BUG_TEST_TRACKERS:-/tmp/trk}
# shellcheck disable=SC1091
. "$state/redmine.env"
api="$GIT_BUG_TEST_REDMINE_URL"
auth="X-Redmine-API-Key: $GIT_BUG_TEST_REDMINE_KEY"
cargo build -q --release
export PATH="$PWD/target/release:$PATH"
project="bench-$(date +%s)"
curl -fsS -o /dev/null -H "$auth" -H 'Content-Type: application/json' -X POST \
	-d "{\"project\":{\"name\":\"$project\",\"identifier\":\"$project\",\"enabled_module_names\":[\"issue_tracking\"]}}" \
	"$api/projects.json"

echo "creating $n issues in project $project"
start=$(date +%s)
seq 1 "$n" | xargs -P 2 -I{} curl -fsS -o /dev/null -H "$auth" -H 'Content-Type: application/json' \
	-X POST -d "{\"issue\":{\"project_id\":\"$project\",\"subject\":\"Issue {}\",\"description\":\"Body of issue {}\"}}" \
	"$api/issues.json"
echo "  created in $(($(date +%s) - start)) s"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME="$work" GIT_CONFIG_NOSYSTEM=1
git init -q "$work/repo"
cd "$work/repo"
git config user.name Bench && git config user.email bench@example.com
git bug user new -n Bench -e bench@example.com >/dev/null
git remote add redmine "bug::redmine+$api/projects/$project"
git config credential.helper "!f() { echo username=admin; echo password=$GIT_BUG_TEST_REDMINE_KEY; }; f"
git bug install >/dev/null 2>&1
git config remote.redmine.push 'refs/bugs/*:refs/bugs/*'

measure() { # label, command...
	local label=$1 t0 t1 out
	shift
	t0=$(date +%s.%N)
	out=$("$@" 2>&1) || { echo "$out"; exit 1; }
	t1=$(date +%s.%N)
	printf '%-34s %6.2f s  %s\n' "$label" "$(echo "$t1 - $t0" | bc)" \
		"$(echo "$out" | grep -Eo '[0-9]+ request\(s\)' | tr '\n' ' ')"
}

measure "first import ($n issues)" git fetch redmine
test "$(git bug ls | wc -l)" = "$n"
measure "fetch, nothing changed" git fetch redmine
ids=$(curl -fsS -H "$auth" "$api/issues.json?project_id=$project&limit=10&sort=id" |
	grep -Eo '"issues":.*' | grep -Eo '\{"id":[0-9]+' | grep -Eo '[0-9]+' | head -10)
for id in $ids; do
	curl -fsS -o /dev/null -H "$auth" -H 'Content-Type: application/json' -X PUT \
		-d '{"issue":{"notes":"changed on Redmine"}}' "$api/issues/$id.json"
done
measure "fetch after 10 issues changed" git fetch redmine
for bug in $(git bug ls --format id | head -10); do
	git bug comment "$bug" -m "changed here" >/dev/null
done
measure "push of 10 changed bugs" git push redmine
measure "fetch after that push" git fetch redmine
