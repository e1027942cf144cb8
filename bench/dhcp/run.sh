#!/usr/bin/env bash
# DHCP benchmark: perfdhcp full DORA in relay mode (giaddr in 198.19.0.0/16)
# against bootherd (process-durable and fsync/group-commit), Kea 2.2
# (memfile, persist on) and dnsmasq, one after the other in ONE run, each
# server in its own network namespace with the same /16 pool, perfdhcp in
# another.  For each: the highest rate with < 1 % drops (both exchanges),
# latency at that rate and at a common rate, then ratios.
#
#   bench/dhcp/run.sh [SERVERS...]   (default: bootherd bootherd-fsync kea kea-mt dnsmasq)
#   env: PERIOD=8 (s per probe)  CLIENTS=50000  START=500  MAX=40000  COMMON=200
#        BOOTHERD=build/bootherd  KEEP=1 (keep the state dir)
#        KEA_SOCKET=raw
# "kea" is Kea 2.2 as shipped (multi-threading off); "kea-mt" turns it on.
# Needs root, perfdhcp (kea-admin), kea-dhcp4-server, dnsmasq-base.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BOOTHERD=${BOOTHERD:-$ROOT/build/bootherd}
PERIOD=${PERIOD:-8}
CLIENTS=${CLIENTS:-50000}
START=${START:-500}
MAX=${MAX:-40000}
COMMON=${COMMON:-200}
SERVERS=("$@")
[ ${#SERVERS[@]} -gt 0 ] || SERVERS=(bootherd bootherd-fsync kea kea-mt dnsmasq)
# State on a real disk (not tmpfs), so fsync costs what it costs.
T=$(mktemp -d /var/tmp/bootherd-bench-dhcp.XXXXXX)
TAG="bhb$$"
SRV_NS="$TAG-s"
CLI_NS="$TAG-c"
PIDS=()

cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	sleep 0.3
	ip netns del "$SRV_NS" 2>/dev/null || true
	ip netns del "$CLI_NS" 2>/dev/null || true
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '%s\n' "$*" >&2; }

# Topology: server 198.18.1.1/24 <-> client 198.18.1.2/24, the client also
# holds 198.19.0.2/16 (the relay's address = giaddr); the server routes the
# /16 back through the client, as it would through a relay.
net_up() {
	ip netns add "$SRV_NS"
	ip netns add "$CLI_NS"
	ip link add name bsrv netns "$SRV_NS" type veth peer name bcli netns "$CLI_NS"
	ip -n "$SRV_NS" addr add 198.18.1.1/24 dev bsrv
	ip -n "$CLI_NS" addr add 198.18.1.2/24 dev bcli
	ip -n "$CLI_NS" addr add 198.19.0.2/16 dev bcli
	ip -n "$SRV_NS" link set dev bsrv up
	ip -n "$CLI_NS" link set dev bcli up
	ip -n "$SRV_NS" link set dev lo up
	ip -n "$CLI_NS" link set dev lo up
	ip -n "$SRV_NS" route add 198.19.0.0/16 via 198.18.1.2
}

wait_port() { # wait until something listens on UDP 67 in the server ns
	local i
	for i in $(seq 1 100); do
		ip netns exec "$SRV_NS" ss -lun 'sport = :67' | grep -q ':67' && return 0
		sleep 0.1
	done
	return 1
}

start_bootherd() { # $1 = process | fsync
	local d="$T/bootherd-$1"
	mkdir -p "$d"
	cat >"$d/bh.conf" <<CONF
[server]
state_dir = $d
log_level = warn
[http]
listen =
[dhcp]
mode = server
interface = bsrv
durability = $1
[subnet pool]
network = 198.19.0.0/16
range = 198.19.0.10 198.19.255.250
router = 198.19.0.1
lease_time = 3600
CONF
	ip netns exec "$SRV_NS" "$BOOTHERD" --config "$d/bh.conf" serve 2>"$d/log" &
	PIDS+=($!)
	SERVER_PID=$!
	DB_FILES="$d/bootherd.db*"
}

start_kea() { # $1 = false | true (multi-threading)
	local d="$T/kea-$1"
	mkdir -p "$d"
	cat >"$d/kea.conf" <<CONF
{ "Dhcp4": {
    "interfaces-config": { "interfaces": [ "bsrv" ], "dhcp-socket-type": "${KEA_SOCKET:-udp}" },
    "multi-threading": { "enable-multi-threading": $1 },
    "lease-database": { "type": "memfile", "persist": true, "name": "$d/leases.csv",
                        "lfc-interval": 0 },
    "valid-lifetime": 3600,
    "subnet4": [ { "subnet": "198.19.0.0/16",
                   "pools": [ { "pool": "198.19.0.10 - 198.19.255.250" } ],
                   "option-data": [ { "name": "routers", "data": "198.19.0.1" } ] } ],
    "loggers": [ { "name": "kea-dhcp4", "severity": "WARN",
                   "output_options": [ { "output": "$d/kea.log" } ] } ]
} }
CONF
	# Kea keeps its pid file and lock under these.
	KEA_PIDFILE_DIR=$d KEA_LOCKFILE_DIR=$d ip netns exec "$SRV_NS" kea-dhcp4 -c "$d/kea.conf" \
		>"$d/stdout" 2>&1 &
	PIDS+=($!)
	SERVER_PID=$!
	DB_FILES="$d/leases.csv*"
}

start_dnsmasq() {
	local d="$T/dnsmasq"
	mkdir -p "$d"
	# --no-ping: like Kea and bootherd, no ICMP probe before an offer.
	ip netns exec "$SRV_NS" dnsmasq --keep-in-foreground --conf-file=/dev/null --port=0 \
		-u root --interface=bsrv --bind-interfaces --no-ping --quiet-dhcp \
		--dhcp-range=198.19.0.10,198.19.255.250,255.255.0.0,1h --dhcp-lease-max=70000 \
		--dhcp-leasefile="$d/leases" --pid-file="$d/pid" --log-facility="$d/log" &
	PIDS+=($!)
	SERVER_PID=$!
	DB_FILES="$d/leases"
}

stop_server() {
	kill "$SERVER_PID" 2>/dev/null || true
	wait "$SERVER_PID" 2>/dev/null || true
}

# probe RATE: one perfdhcp run; sets P_RATE (achieved 4-way/s), P_DROP (max
# drop % of both exchanges), P_AVG/P_MAX (ms, REQUEST-ACK), P_DO_AVG, P_NONUNIQUE.
probe() {
	local out
	out=$(ip netns exec "$CLI_NS" timeout $((PERIOD + 30)) perfdhcp -4 -l 198.19.0.2 \
		-r "$1" -p "$PERIOD" -R "$CLIENTS" -W 1000000 198.18.1.1 2>&1 || true)
	echo "$out" >"$T/probe-$CUR-$1.txt"
	# Completed DORAs per second of the sending period (perfdhcp's own
	# "Rate" also counts the exit wait).
	P_RATE=$(awk -v p="$PERIOD" '/Statistics for: REQUEST-ACK/ { s = 1 }
		s && /^received packets:/ { printf "%.0f", $3 / p; exit }' <<<"$out")
	P_DROP=$(awk '/^drops ratio:/ { v = $3 + 0; if (v > m) m = v } END { print m + 0 }' <<<"$out")
	P_DO_AVG=$(awk '/Statistics for: DISCOVER-OFFER/ { s = 1 } s && /^avg delay:/ { print $3; exit }' <<<"$out")
	P_AVG=$(awk '/Statistics for: REQUEST-ACK/ { s = 1 } s && /^avg delay:/ { print $3; exit }' <<<"$out")
	P_MAX=$(awk '/Statistics for: REQUEST-ACK/ { s = 1 } s && /^max delay:/ { print $3; exit }' <<<"$out")
	P_NONUNIQUE=$(awk '/^non unique addresses:/ { n += $4 } END { print n + 0 }' <<<"$out")
	P_RATE=${P_RATE:-0}
	P_AVG=${P_AVG:-nan}
	P_DO_AVG=${P_DO_AVG:-nan}
	P_MAX=${P_MAX:-nan}
}

ok_probe() { # drops < 1 % and perfdhcp reached ~the asked rate
	awk -v d="$P_DROP" -v r="$P_RATE" -v want="$1" 'BEGIN { exit !(d < 1.0 && r >= 0.9 * want) }'
}

# Latency figures of the best passing probe.
keep() {
	B_AVG=$P_AVG
	B_DO_AVG=$P_DO_AVG
	B_MAX=$P_MAX
	B_NU=$P_NONUNIQUE
}

# Highest passing rate: double until failure, then bisect (4 steps).
search() {
	local lo=0 hi=0 r=$START
	while [ "$r" -le "$MAX" ]; do
		probe "$r"
		log "  $CUR rate=$r achieved=$P_RATE drops=$P_DROP% avg(RA)=${P_AVG}ms"
		if ok_probe "$r"; then lo=$r; keep; else hi=$r; break; fi
		r=$((r * 2))
	done
	if [ "$hi" -gt 0 ]; then
		local i mid
		for i in 1 2 3 4; do
			mid=$(((lo + hi) / 2))
			[ $((hi - lo)) -gt $((lo / 20 + 10)) ] || break
			probe "$mid"
			log "  $CUR rate=$mid achieved=$P_RATE drops=$P_DROP% avg(RA)=${P_AVG}ms"
			if ok_probe "$mid"; then lo=$mid; keep; else hi=$mid; fi
		done
	fi
	BEST=$lo
}

declare -A R_BEST R_AVG R_DO_AVG R_MAX R_CAVG R_NU R_CLIMIT
run_one() {
	CUR=$1
	case "$1" in
	bootherd) start_bootherd process ;;
	bootherd-fsync) start_bootherd fsync ;;
	kea) start_kea false ;;
	kea-mt) start_kea true ;;
	dnsmasq) start_dnsmasq ;;
	*) log "unknown server $1"; return 1 ;;
	esac
	wait_port || { log "$1 did not start"; return 1; }
	sleep 0.5
	log "== $1"
	probe "$COMMON"
	R_CAVG[$1]=$P_AVG
	log "  $1 common rate $COMMON/s: drops=$P_DROP% avg(DO)=${P_DO_AVG}ms avg(RA)=${P_AVG}ms"
	B_AVG=nan B_DO_AVG=nan B_MAX=nan B_NU=0
	search
	R_BEST[$1]=$BEST
	R_AVG[$1]=$B_AVG
	R_DO_AVG[$1]=$B_DO_AVG
	R_MAX[$1]=$B_MAX
	R_NU[$1]=$B_NU
	stop_server
	log "  $1: best $BEST DORA/s (leases on disk: $(du -ch $DB_FILES 2>/dev/null | tail -1 | cut -f1))"
}

command -v perfdhcp >/dev/null || { log "perfdhcp missing (apt install kea-admin)"; exit 1; }
net_up
for s in "${SERVERS[@]}"; do run_one "$s"; done

printf '\n%-16s %10s %11s %11s %11s %14s %10s\n' server "DORA/s<1%" "avg DO ms" \
	"avg RA ms" "max RA ms" "RA ms @$COMMON/s" "non-uniq"
for s in "${SERVERS[@]}"; do
	printf '%-16s %10s %11s %11s %11s %14s %10s\n' "$s" "${R_BEST[$s]:-0}" "${R_DO_AVG[$s]:-}" \
		"${R_AVG[$s]:-}" "${R_MAX[$s]:-}" "${R_CAVG[$s]:-}" "${R_NU[$s]:-}"
done
echo "(latency columns: the best passing probe; DO = DISCOVER-OFFER, RA = REQUEST-ACK)"
ratio() {
	[ -n "${R_BEST[$1]:-}" ] && [ -n "${R_BEST[$2]:-}" ] && [ "${R_BEST[$2]}" -gt 0 ] &&
		awk -v a="${R_BEST[$1]}" -v b="${R_BEST[$2]}" -v n="$1/$2" \
			'BEGIN { printf "%-30s %.2fx\n", n, a / b }'
	return 0
}
echo
ratio bootherd kea
ratio bootherd kea-mt
ratio bootherd-fsync kea
ratio bootherd-fsync kea-mt
ratio bootherd-fsync dnsmasq
ratio bootherd dnsmasq
echo "perfdhcp probes: $PERIOD s each, $CLIENTS simulated clients, relay mode (giaddr 198.19.0.2)."
