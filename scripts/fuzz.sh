#!/usr/bin/env bash
# Fuzzes every parser of data from elsewhere for SECONDS each (default 60):
# operation packs, tree layouts, queries, commit trailers and the hook's
# input. Builds the fuzzer in release mode; any finding is written to
# target/fuzz/<target>/ and makes the script exit 1.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Replay a finding: cargo run --release --example fuzz -- replay <target> <file>
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(pack tree query trailers hook)
cargo build --release --quiet --example fuzz --manifest-path "$top/Cargo.toml"
fuzz="$top/target/release/examples/fuzz"
status=0
for target in "${targets[@]}"; do
    "$fuzz" "$target" "$seconds" || status=1
done
exit $status
