#!/usr/bin/env bash
# Runs every tests/integration/*.sh (or those named) with a time limit each,
# prints one line per test and a closing "N passed, N failed" line.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export BOOTHERD=${BOOTHERD:-$ROOT/build/bootherd}
LIMIT=${TEST_TIMEOUT:-600}
LOGDIR=${LOGDIR:-$ROOT/build/test-logs}
mkdir -p "$LOGDIR"
pass=0
fail=0
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=("$ROOT"/tests/integration/[a-z]*.sh)
for t in "${tests[@]}"; do
	name=$(basename "$t" .sh)
	[ "$name" != lib ] || continue
	start=$SECONDS
	if timeout -k 10 "$LIMIT" bash "$t" >"$LOGDIR/$name.log" 2>&1; then
		pass=$((pass + 1))
		echo "PASS $name ($((SECONDS - start)) s)"
	else
		fail=$((fail + 1))
		echo "FAIL $name ($((SECONDS - start)) s) — last lines of $LOGDIR/$name.log:"
		tail -n 30 "$LOGDIR/$name.log" | sed 's/^/    /'
	fi
done
echo "integration: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
