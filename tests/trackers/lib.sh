# What the start scripts share; sourced, not run.

# wait_until_answering NAME PID LOG URL [CURL ARGS...]: waits up to a
# minute for URL to answer, failing with the server's log when the server
# PID died or never answers.
wait_until_answering() {
	local name=$1 pid=$2 log=$3 url=$4
	shift 4
	for _ in $(seq 1 120); do
		curl -fsS -o /dev/null "$@" "$url" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; echo "$name did not start" >&2; exit 1; }
		sleep 0.5
	done
	cat "$log" >&2
	echo "$name does not answer on $url" >&2
	exit 1
}
