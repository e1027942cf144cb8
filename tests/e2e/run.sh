#!/usr/bin/env bash
# Runs the QEMU end-to-end tests (tests/e2e/*.sh except the harness check
# reference.sh, or those named), one line per test and a closing
# "e2e: N passed, N failed" line.  Needs root (network namespaces, taps) and
# the e2e packages (scripts/deps.sh e2e).  Boot images are cached in
# tests/e2e/.cache (E2E_CACHE) across runs.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/tests/run-scripts.bash"
tests=("$@")
if [ ${#tests[@]} -eq 0 ]; then
	for t in "$ROOT"/tests/e2e/*.sh; do
		case $(basename "$t") in run.sh | reference.sh) continue ;; esac
		tests+=("$t")
	done
fi
run_test_scripts e2e "${E2E_TIMEOUT:-1200}" e2e- 40 '^  (ok|FAIL) |power-on to marker' "${tests[@]}"
