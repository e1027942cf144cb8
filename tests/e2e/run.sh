#!/usr/bin/env bash
# Runs the QEMU end-to-end tests (tests/e2e/*.sh except the harness check
# reference.sh, or those named), one line per test and a closing
# "e2e: N passed, N failed" line.  Needs root (network namespaces, taps) and
# the e2e packages (scripts/deps.sh e2e).  Boot images are cached in
# tests/e2e/.cache (E2E_CACHE) across runs.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export BOOTHERD=${BOOTHERD:-$ROOT/build/bootherd}
LIMIT=${E2E_TIMEOUT:-1200}
LOGDIR=${LOGDIR:-$ROOT/build/test-logs}
mkdir -p "$LOGDIR"
pass=0
fail=0
tests=("$@")
if [ ${#tests[@]} -eq 0 ]; then
	for t in "$ROOT"/tests/e2e/*.sh; do
		case $(basename "$t") in run.sh | reference.sh) continue ;; esac
		tests+=("$t")
	done
fi
for t in "${tests[@]}"; do
	name=e2e-$(basename "$t" .sh)
	start=$SECONDS
	if timeout -k 10 "$LIMIT" bash "$t" >"$LOGDIR/$name.log" 2>&1; then
		pass=$((pass + 1))
		echo "PASS $name ($((SECONDS - start)) s)"
	else
		fail=$((fail + 1))
		echo "FAIL $name ($((SECONDS - start)) s) — last lines of $LOGDIR/$name.log:"
		tail -n 40 "$LOGDIR/$name.log" | sed 's/^/    /'
	fi
	grep -E '^  (ok|FAIL) |power-on to marker' "$LOGDIR/$name.log" | sed 's/^/    /'
done
echo "e2e: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
