#!/usr/bin/env bash
# Stops the trackers that start-*.sh started.
# Usage: tests/trackers/stop.sh [STATE_DIR]
set -uo pipefail
state=${1:-${TMPDIR:-/tmp}/git-bug-trackers}
for env in "$state"/*.env; do
	[ -f "$env" ] || continue
	pid=$(sed -n 's/^GIT_BUG_TEST_[A-Z]*_PID=//p' "$env")
	# The server leads its own process group: stop all of it.
	[ -n "$pid" ] && { kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null; }
	rm -f "$env"
done
exit 0
