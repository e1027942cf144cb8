#!/usr/bin/env bash
# Runs every tests/integration/*.sh (or those named) with a time limit each,
# prints one line per test and a closing "N passed, N failed" line.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/tests/run-scripts.bash"
tests=("$@")
if [ ${#tests[@]} -eq 0 ]; then
	for t in "$ROOT"/tests/integration/[a-z]*.sh; do
		[ "$(basename "$t")" != lib.sh ] && tests+=("$t")
	done
fi
run_test_scripts integration "${TEST_TIMEOUT:-600}" "" 30 "" "${tests[@]}"
