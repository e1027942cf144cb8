#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan) and runs every one briefly
# on a copy of its named seeds.  Targets are discovered, not listed: any
# executable named fuzz_* that meson builds (tests/fuzz/<dir>/meson.build)
# is run.
#
#   FUZZ_SECONDS   time per target (default 20)
#   FUZZ_BUILD     build directory (default build-fuzz)
#   FUZZ_OUT       crash artifacts and logs (default fuzz-out)
#   tests/run-fuzz.sh [TARGET...]   runs only the named targets
#   tests/run-fuzz.sh --long MINUTES [TARGET...]
#                  runs each target MINUTES long, then merges the inputs that
#                  found new coverage into tests/fuzz/corpus/<target>/ (to be
#                  committed; CI's short run starts from them)
#
# Prints one line per target (runs, inputs, libFuzzer's final edge coverage
# "cov" and feature count "ft") and a closing "fuzz: N passed, N failed".
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SECONDS_EACH=${FUZZ_SECONDS:-20}
KEEP=0
if [ "${1:-}" = --long ]; then
	[[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || {
		echo "usage: tests/run-fuzz.sh --long MINUTES [TARGET...]" >&2
		exit 2
	}
	SECONDS_EACH=$(($2 * 60))
	KEEP=1
	shift 2
fi
BUILD=${FUZZ_BUILD:-build-fuzz}
OUT=${FUZZ_OUT:-fuzz-out}

if [ ! -f "$BUILD/build.ninja" ]; then
	CC=clang meson setup "$BUILD" -Dfuzz=true -Db_sanitize=address,undefined \
		-Db_lundef=false >/dev/null || {
		echo "fuzz: meson setup $BUILD failed" >&2
		exit 1
	}
fi
ninja -C "$BUILD" >/dev/null || {
	echo "fuzz: build failed (ninja -C $BUILD)" >&2
	exit 1
}

# Every fuzz_* executable meson knows about; fall back to the file names.
discover() {
	meson introspect --targets "$BUILD" 2>/dev/null | python3 -c '
import json, os, sys
for t in json.load(sys.stdin):
    if t["type"] == "executable" and t["name"].startswith("fuzz_"):
        for f in t["filename"]:
            if os.access(f, os.X_OK):
                print(f)
' && return
	find "$BUILD/tests/fuzz" -type f -name 'fuzz_*' -perm -u+x 2>/dev/null
}
mapfile -t targets < <(discover | sort -u)
if [ $# -gt 0 ]; then
	wanted=" $* "
	selected=()
	for t in "${targets[@]}"; do
		[[ "$wanted" == *" $(basename "$t") "* ]] && selected+=("$t")
	done
	targets=("${selected[@]}")
fi
if [ ${#targets[@]} -eq 0 ]; then
	echo "fuzz: no fuzz targets found in $BUILD" >&2
	echo "fuzz: 0 passed, 1 failed"
	exit 1
fi

mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/bootherd-fuzz.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
# UBSan only reports by default; a report must stop the fuzzer.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}

pass=0
fail=0
for bin in "${targets[@]}"; do
	name=$(basename "$bin")
	corpus="$WORK/$name"
	mkdir -p "$corpus"
	seeds="$ROOT/tests/fuzz/corpus/$name"
	[ -d "$seeds" ] && cp -R "$seeds/." "$corpus/"
	args=(-max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048
		-print_final_stats=1 -artifact_prefix="$OUT/$name-")
	[ -f "$ROOT/tests/fuzz/corpus/$name.dict" ] &&
		args+=(-dict="$ROOT/tests/fuzz/corpus/$name.dict")
	log="$OUT/$name.log"
	start=$SECONDS
	# A hard stop well past the budget, in case a target hangs outright.
	if timeout -k 10 $((SECONDS_EACH * 3 + 60)) "$bin" "${args[@]}" "$corpus" >"$log" 2>&1; then
		pass=$((pass + 1))
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
		cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -n 1)
		echo "PASS $name ($((SECONDS - start)) s, ${runs:-?} runs, $(find "$corpus" -type f | wc -l) inputs, ${cov:-cov: ?})"
		if [ "$KEEP" = 1 ]; then
			# Only inputs that add coverage to the committed seeds are kept.
			mkdir -p "$seeds"
			before=$(find "$seeds" -type f | wc -l)
			"$bin" -merge=1 -timeout=10 -rss_limit_mb=2048 "$seeds" "$corpus" >"$OUT/$name.merge.log" 2>&1 ||
				echo "    merge into $seeds failed: $OUT/$name.merge.log"
			echo "    kept $(($(find "$seeds" -type f | wc -l) - before)) new inputs in tests/fuzz/corpus/$name"
		fi
	else
		fail=$((fail + 1))
		echo "FAIL $name ($((SECONDS - start)) s) — $log; crash inputs: $(ls "$OUT/$name-"* 2>/dev/null | tr '\n' ' ')"
		grep -E 'ERROR:|runtime error|Assertion|SUMMARY' "$log" | head -n 5 | sed 's/^/    /'
	fi
done
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
