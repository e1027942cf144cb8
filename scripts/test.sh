#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine: installs what is
# missing, builds (normal + ASan/UBSan), then runs unit tests (both builds),
# fuzzers (briefly), integration tests (real clients, network namespaces),
# browser tests and the QEMU end-to-end boots.  Ends with "N passed, N failed".
#
#   SKIP="e2e browser" scripts/test.sh    skip stages (unit asan fuzz integration browser e2e)
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SKIP=" ${SKIP:-} "
LOGDIR=$ROOT/build/test-logs
pass=0
fail=0
failed=()

stage() { # stage NAME COMMAND...
	local name=$1
	shift
	if [[ "$SKIP" == *" $name "* ]]; then
		echo "=== $name: skipped"
		return
	fi
	echo "=== $name"
	local start=$SECONDS
	if "$@"; then
		pass=$((pass + 1))
		echo "=== $name: ok ($((SECONDS - start)) s)"
	else
		fail=$((fail + 1))
		failed+=("$name")
		echo "=== $name: FAILED ($((SECONDS - start)) s)"
	fi
}

scripts/deps.sh build test e2e browser || { echo "dependency installation failed"; exit 1; }
scripts/build.sh --asan || { echo "build failed"; exit 1; }
mkdir -p "$LOGDIR"

stage unit meson test -C build --suite unit --print-errorlogs
stage asan env ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	meson test -C build-asan --suite unit --print-errorlogs
[ -x tests/run-fuzz.sh ] && stage fuzz tests/run-fuzz.sh
stage integration tests/run-integration.sh
[ -x tests/browser/run.sh ] && stage browser tests/browser/run.sh
[ -x tests/e2e/run.sh ] && stage e2e tests/e2e/run.sh

echo
[ ${#failed[@]} -eq 0 ] || echo "failed stages: ${failed[*]}"
echo "stages: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
