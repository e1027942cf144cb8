#!/usr/bin/env bash
# Two bootherd DHCP servers on one PostgreSQL against one (issue 11): the
# same total offered rate of full DORAs, either all to one server or half to
# each of two servers sharing one lease table (claims, following; see
# docs/ha.md "DHCP across servers").  One private PostgreSQL 15 (fsync on)
# holds two databases: "one" for the single server, "two" for the pair.
# The probes alternate (one, two, one, two ...) so a change in machine load
# hits both setups alike.
#
# Each server has its own namespace and veth pair to its own perfdhcp
# namespace (relay mode, giaddr 198.19.0.2, as bench/dhcp/run.sh "flat");
# the pair's two perfdhcps use different MACs and run at once.
#
#   bench/dhcp/two_servers.sh
#   env: TOTALS="1000 2000 3000" (total DORA/s offered)  PERIOD=10 (s)
#        CLIENTS=20000 (per perfdhcp)  DURABILITY=process  BOOTHERD=build/bootherd
# Needs root, perfdhcp, postgresql-15.  Prints one line per probe and a table.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BOOTHERD=${BOOTHERD:-$ROOT/build/bootherd}
TOTALS=${TOTALS:-1000 2000 3000}
PERIOD=${PERIOD:-10}
CLIENTS=${CLIENTS:-20000}
DURABILITY=${DURABILITY:-process}
source "$ROOT/tests/pg.bash"
T=$(mktemp -d /var/tmp/bootherd-bench-two.XXXXXX)
TAG="bh2s$$"
PIDS=()
cleanup() {
	local p i
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	sleep 0.5
	pg_down "$T/pg" immediate
	for i in 0 1 2; do
		ip netns del "$TAG-s$i" 2>/dev/null || true
		ip netns del "$TAG-c$i" 2>/dev/null || true
	done
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
log() { printf '%s\n' "$*" >&2; }

chmod 711 "$T"
pg_start "$T/pg" >&2
for db in one two; do _pg_as "$PGBIN/createdb" -h "$T/pg" -U bootherd "$db"; done

# pair i DB: server i in $TAG-s$i on database DB, its perfdhcp in $TAG-c$i.
pair() {
	local s="$TAG-s$1" c="$TAG-c$1" d="$T/s$1"
	ip netns add "$s"
	ip netns add "$c"
	ip link add name bsrv netns "$s" type veth peer name bcli netns "$c"
	for ns in "$s" "$c"; do ip -n "$ns" link set dev lo up; done
	ip -n "$s" addr add 198.19.0.1/16 dev bsrv
	ip -n "$c" addr add 198.19.0.2/16 dev bcli
	ip -n "$s" link set dev bsrv up
	ip -n "$c" link set dev bcli up
	mkdir -p "$d"
	cat >"$d/bh.conf" <<CONF
[server]
name = bench-$1
state_dir = $d
log_level = ${LOG_LEVEL:-warn}
[http]
listen =
[tftp]
enabled = false
[store]
url = postgresql:///$2?host=$T/pg&user=bootherd
[dhcp]
mode = server
interface = bsrv
durability = $DURABILITY
[subnet pool]
network = 198.19.0.0/16
range = 198.19.0.10 198.19.255.250
router = 198.19.0.1
lease_time = 3600
CONF
	ip netns exec "$s" "$BOOTHERD" --config "$d/bh.conf" serve 2>"$d/log" &
	PIDS+=($!)
	local i
	for i in $(seq 1 100); do
		ip netns exec "$s" ss -lun 'sport = :67' | grep -q ':67' && return 0
		sleep 0.1
	done
	log "server $1 did not start"
	return 1
}
pair 0 one
pair 1 two
pair 2 two

# perf i RATE MACBASE: one perfdhcp run against server i, output to a file.
perf() {
	ip netns exec "$TAG-c$1" timeout $((PERIOD + 30)) perfdhcp -4 -l 198.19.0.2 -r "$2" \
		-p "$PERIOD" -R "$CLIENTS" -W 1000000 -b "mac=$3" 198.19.0.1 >"$T/perf-$1.out" 2>&1 || true
}
done_rate() { awk -v p="$PERIOD" '/Statistics for: REQUEST-ACK/ { s = 1 }
	s && /^received packets:/ { print $3 / p; exit }' "$1"; }
drops() { awk '/^drops ratio:/ { v = $3 + 0; if (v > m) m = v } END { print m + 0 }' "$1"; }
ra_avg() { awk '/Statistics for: REQUEST-ACK/ { s = 1 } s && /^avg delay:/ { print $3; exit }' "$1"; }

# CPU time (clock ticks, user + system) of processes; of PostgreSQL: the
# postmaster and its children (the two setups' backends alike: one server).
cpu_ticks() { local p t=0; for p in "$@"; do
	t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo $t; }
PGPID=$(head -n 1 "$T/pg/data/postmaster.pid")
pg_ticks() { cpu_ticks "$PGPID" $(awk -v pp="$PGPID" '$4 == pp { print $1 }' /proc/[0-9]*/stat 2>/dev/null); }
HZ=$(getconf CLK_TCK)
per_dora() { awk -v d="$1" -v hz="$HZ" -v p="$PERIOD" -v r="$2" \
	'BEGIN { if (r > 0) printf "%.0f", d / hz * 1e6 / (r * p); else print "nan" }'; }

declare -A RES
for total in $TOTALS; do
	for setup in one two; do
		if [ $setup = one ]; then srv=("${PIDS[0]}"); else srv=("${PIDS[1]}" "${PIDS[2]}"); fi
		c0=$(cpu_ticks "${srv[@]}")
		g0=$(pg_ticks)
		if [ $setup = one ]; then
			perf 0 "$total" 00:0a:00:00:00:00
			r=$(done_rate "$T/perf-0.out")
			d=$(drops "$T/perf-0.out")
			a=$(ra_avg "$T/perf-0.out")
		else
			half=$((total / 2))
			perf 1 "$half" 00:0b:00:00:00:00 &
			p1=$!
			perf 2 "$half" 00:0c:00:00:00:00 &
			p2=$!
			wait $p1 $p2
			r=$(awk -v a="$(done_rate "$T/perf-1.out")" -v b="$(done_rate "$T/perf-2.out")" \
				'BEGIN { print a + b }')
			d=$(awk -v a="$(drops "$T/perf-1.out")" -v b="$(drops "$T/perf-2.out")" \
				'BEGIN { print (a > b ? a : b) }')
			a=$(awk -v a="$(ra_avg "$T/perf-1.out")" -v b="$(ra_avg "$T/perf-2.out")" \
				'BEGIN { printf "%.1f", (a + b) / 2 }')
		fi
		load=$(cut -d' ' -f1 /proc/loadavg)
		cpu=$(per_dora $(($(cpu_ticks "${srv[@]}") - c0)) "$r")
		pgc=$(per_dora $(($(pg_ticks) - g0)) "$r")
		log "  $setup server(s), offered $total/s: done $r/s, drops $d %, avg REQUEST-ACK $a ms, bootherd CPU $cpu us/DORA, PostgreSQL CPU $pgc us/DORA, load $load"
		RES[$setup-$total]="$r|$d|$a|$load|$cpu|$pgc"
	done
done
dup=$(psql -X -q -t -A "postgresql:///two?host=$T/pg&user=bootherd" -c \
	"SELECT count(*) FROM (SELECT mac FROM lease WHERE state = 'bound' GROUP BY mac HAVING count(*) > 1) x")
printf '| offered DORA/s | one server: done/s, drops, RA ms, CPU us/DORA bootherd + PostgreSQL | two servers: the same (CPU: both servers) | load (1 min) |\n'
printf '|---|---|---|---|\n'
for total in $TOTALS; do
	IFS='|' read -r r1 d1 a1 l1 c1 g1 <<<"${RES[one-$total]}"
	IFS='|' read -r r2 d2 a2 l2 c2 g2 <<<"${RES[two-$total]}"
	printf '| %s | %.0f, %.1f %%, %.1f, %s + %s | %.0f, %.1f %%, %.1f, %s + %s | %s / %s |\n' "$total" \
		"$r1" "$d1" "$a1" "$c1" "$g1" "$r2" "$d2" "$a2" "$c2" "$g2" "$l1" "$l2"
done
log "two servers: clients holding two bound leases in their database: $dup"
