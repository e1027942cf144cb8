#!/usr/bin/env bash
# bench/http/pg.sh: the per-MAC boot script rate of bootherd on PostgreSQL
# against the same bootherd on SQLite, in one run, on loopback (issue 11's
# target: PostgreSQL >= 0.9x SQLite).
#
# One inventory (1,000 machines, made with the CLI on SQLite, then moved
# with `bootherd store copy` into a private PostgreSQL 15 started here on a
# Unix socket, default settings), two servers started one after the other
# with the same configuration but [store] url; wrk on /boot/<mac>.ipxe with
# the Lua script of run.sh spreading requests over the 1,000 MACs:
#   cached    the default: scripts rendered once, then served from the HTTP
#             threads' caches; each request checks the script generation
#             (SQLite: a read; PostgreSQL: a poll() for NOTIFYs)
#   uncached  [http] script_cache = 0: every request reads machine, image
#             and initrds (SQLite: in-process; PostgreSQL: round trips)
# REPS runs each, alternating backends; medians and the PostgreSQL/SQLite
# ratio.  Also the server CPU per request (bootherd's process; for
# PostgreSQL plus the postgres processes).
#
# Usage: bench/http/pg.sh   (from the repository root, after a build)
# Environment: BOOTHERD [build/bootherd]  REPS [3]  DURATION [10]  THREADS [2]
#   WRK_THREADS [2]  WRK_CONNS [64]  PORT [18090]  MODES ["cached uncached"]
#   RESULTS=FILE also writes the summary there.
set -euo pipefail
if [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
	sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
	exit 0
fi
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/tests/pg.bash"
BOOTHERD=$(realpath "${BOOTHERD:-build/bootherd}")
REPS=${REPS:-3}
DURATION=${DURATION:-10}
THREADS=${THREADS:-2}
WRK_THREADS=${WRK_THREADS:-2}
WRK_CONNS=${WRK_CONNS:-64}
PORT=${PORT:-18090}
MODES=${MODES:-"cached uncached"}
MACHINES=1000
command -v wrk >/dev/null || { echo "pg.sh: wrk missing (scripts/deps.sh bench)" >&2; exit 1; }

T=$(mktemp -d /tmp/bench-pg.XXXXXX)
chmod 755 "$T"
PGD=$T/pg
BH_PID=
cleanup() {
	[ -z "$BH_PID" ] || { kill "$BH_PID" 2>/dev/null; wait "$BH_PID" 2>/dev/null; } || true
	pg_down "$PGD" immediate
	rm -rf "$T"
}
trap cleanup EXIT
log() { printf '%s\n' "$*" >&2; }
out() { printf '%s\n' "$*" | tee -a "$T/summary"; }
median() { sort -g | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf (b > 0 ? "%.2f" : "n/a"), a / b}'; }

log "setup: PostgreSQL 15, $MACHINES machines"
pg_start "$PGD"
URL=$(pg_url "$PGD")
conf() { # conf FILE SCRIPT_CACHE [store url]
	{
		printf '[server]\nstate_dir = %s/state\nlog_level = warn\n' "$T"
		printf '[http]\nlisten = 127.0.0.1:%s\nthreads = %s\nscript_cache = %s\n' "$PORT" \
			"$THREADS" "$2"
		printf '[tftp]\nenabled = false\n'
		[ -z "${3:-}" ] || printf '[store]\nurl = %s\n' "$3"
	} >"$1"
}
conf "$T/lite.conf" 16384
BH=("$BOOTHERD" --config "$T/lite.conf")
"${BH[@]}" image add bench --kernel vmlinuz --initrd initrd.img \
	--cmdline 'console=ttyS0,115200n8 ip=dhcp hostname={{hostname}} BOOTIF=01-{{mac_hyphen}}' \
	>/dev/null 2>&1
for i in $(seq 0 $((MACHINES - 1))); do
	printf '52:54:00:00:%02x:%02x\n' $((i / 256)) $((i % 256))
done >"$T/macs"
i=0
while read -r mac; do
	i=$((i + 1))
	"${BH[@]}" machine add "$mac" --image bench --hostname "node$(printf %04d $i)" \
		--ip "198.18.$((i / 250)).$((i % 250 + 1))" >/dev/null 2>&1
done <"$T/macs"
"${BH[@]}" store copy --to "$URL" 2>>"$T/setup.log"
{
	echo 'local macs = {'
	sed 's/:/%3A/g; s/.*/"&",/' "$T/macs"
	echo '}'
	cat <<-'EOF'
		local i = math.random(#macs)
		request = function()
		  i = i % #macs + 1
		  return wrk.format("GET", "/boot/" .. macs[i] .. ".ipxe")
		end
	EOF
} >"$T/macs.lua"

CLK_TCK=$(getconf CLK_TCK)
ticks() { # CPU ticks of bootherd, plus PostgreSQL's processes when $1 = pg
	local p=$BH_PID
	[ "$1" = pg ] && p="$p $(pgrep -u postgres -f "postgres: bootherd" | tr '\n' ' ') $(cat "$PGD/data/postmaster.pid" 2>/dev/null | head -n1)"
	for x in $p; do awk '{print $14 + $15}' "/proc/$x/stat" 2>/dev/null; done |
		awk '{s += $1} END {print s + 0}'
}

# run BACKEND CACHE -> "req/s errors cpu_us_per_req"
run() {
	local cfg=$T/run.conf
	conf "$cfg" "$2" "$([ "$1" = pg ] && echo "$URL")"
	"$BOOTHERD" --config "$cfg" serve 2>>"$T/bootherd.log" &
	BH_PID=$!
	for _ in $(seq 100); do
		curl -s -o /dev/null "http://127.0.0.1:$PORT/boot.ipxe" && break
		sleep 0.1
	done
	# Warm: every script once (the cached mode's steady state).
	wrk -t1 -c4 -d2s -s "$T/macs.lua" "http://127.0.0.1:$PORT/" >/dev/null 2>&1
	local t0 t1 o
	t0=$(ticks "$1")
	o=$(wrk -t "$WRK_THREADS" -c "$WRK_CONNS" -d "${DURATION}s" -s "$T/macs.lua" \
		"http://127.0.0.1:$PORT/" 2>&1)
	t1=$(ticks "$1")
	kill "$BH_PID"
	wait "$BH_PID" 2>/dev/null || true
	BH_PID=
	echo "$o" >>"$T/wrk.log"
	local rps n errs
	rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$o")
	n=$(awk '/requests in/ {print $1}' <<<"$o")
	errs=$(awk '/Socket errors:/ {gsub(",", ""); s += $4 + $6 + $8 + $10}
		/Non-2xx/ {s += $NF} END {print s + 0}' <<<"$o")
	echo "${rps:-0} $errs $(awk -v d=$((t1 - t0)) -v n="${n:-0}" -v hz="$CLK_TCK" \
		'BEGIN {printf "%.1f", (n > 0 ? d / hz * 1e6 / n : 0)}')"
}

out "GET /boot/<mac>.ipxe, $MACHINES machines, wrk -t$WRK_THREADS -c$WRK_CONNS -d${DURATION}s," \
	"keep-alive, [http] threads = $THREADS; median of $REPS runs"
for mode in $MODES; do
	cache=16384
	[ "$mode" = uncached ] && cache=0
	lite=() pg=() cl=() cp=() errs=0
	for _ in $(seq "$REPS"); do
		read -r v e c < <(run sqlite "$cache")
		lite+=("$v") cl+=("$c")
		errs=$((errs + e))
		read -r v e c < <(run pg "$cache")
		pg+=("$v") cp+=("$c")
		errs=$((errs + e))
	done
	ml=$(printf '%s\n' "${lite[@]}" | median)
	mp=$(printf '%s\n' "${pg[@]}" | median)
	out "$(printf '  %-9s SQLite %8.0f req/s  PostgreSQL %8.0f req/s  ratio %s (target >= 0.9)' \
		"$mode" "$ml" "$mp" "$(ratio "$mp" "$ml")")"
	out "$(printf '            CPU us/req SQLite %5.1f  PostgreSQL (bootherd + postgres) %5.1f' \
		"$(printf '%s\n' "${cl[@]}" | median)" "$(printf '%s\n' "${cp[@]}" | median)")"
	out "            runs SQLite: ${lite[*]}  PostgreSQL: ${pg[*]}  errors: $errs  load1: $(cut -d' ' -f1 /proc/loadavg)"
done
[ -z "${RESULTS:-}" ] || cp "$T/summary" "$RESULTS"
