# Sourced by tests/run-integration.sh and tests/e2e/run.sh: runs test
# scripts one at a time with a time limit each, one PASS/FAIL line per
# script (a failure shows the end of its log) and a closing
# "LABEL: N passed, N failed" line; returns non-zero when any failed.
#
#   run_test_scripts LABEL LIMIT_S PREFIX TAIL_LINES SUMMARY_REGEX SCRIPT...
# PREFIX is put before each log name; lines of a log matching SUMMARY_REGEX
# (when not empty) are echoed after its PASS/FAIL line.
ROOT=${ROOT:?}
export BOOTHERD=${BOOTHERD:-$ROOT/build/bootherd}
LOGDIR=${LOGDIR:-$ROOT/build/test-logs}
mkdir -p "$LOGDIR"

run_test_scripts() {
	local label=$1 limit=$2 prefix=$3 tail_lines=$4 summary=$5
	shift 5
	local pass=0 fail=0 t name start
	for t in "$@"; do
		name=$prefix$(basename "$t" .sh)
		start=$SECONDS
		if timeout -k 10 "$limit" bash "$t" >"$LOGDIR/$name.log" 2>&1; then
			pass=$((pass + 1))
			echo "PASS $name ($((SECONDS - start)) s)"
		else
			fail=$((fail + 1))
			echo "FAIL $name ($((SECONDS - start)) s) — last lines of $LOGDIR/$name.log:"
			tail -n "$tail_lines" "$LOGDIR/$name.log" | sed 's/^/    /'
		fi
		[ -z "$summary" ] || grep -E "$summary" "$LOGDIR/$name.log" | sed 's/^/    /'
	done
	echo "$label: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}
