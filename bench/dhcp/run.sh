#!/usr/bin/env bash
# DHCP benchmark: perfdhcp full DORA in relay mode (giaddr 198.19.0.2)
# against bootherd (process-durable, and fsync with group commit), Kea 2.2
# (memfile, persist on; single- and multi-threaded) and dnsmasq, side by
# side in ONE run: every server runs in its own network namespace with the
# same /16 pool, each with its own perfdhcp namespace.  The searches are
# interleaved (one probe per server in turn), so a change in machine load
# hits every server alike.
#
# Per server: the highest rate with < 1 % drops in both exchanges (doubling,
# then bisecting; a failed probe is retried once, since the machine is
# shared); then every server is probed at the same rates (RATES, each
# server's best, and OVERLOAD), so latencies compare at equal load.  Every
# probe also records the server's CPU time per completed DORA (from
# /proc/PID/stat: the least load-sensitive figure on a shared machine) and
# the load average.
#
#   bench/dhcp/run.sh [SERVER[@TOPO]...]
#     SERVER: bootherd bootherd-fsync kea kea-mt dnsmasq (the default set),
#             kea-udp kea-mt-udp (Kea with "dhcp-socket-type": "udp");
#             bootherd-noshed (max_request_age_ms = 0: queues in overload),
#             bootherd-ageN (max_request_age_ms = N);
#             bootherd-before (the binary $BOOTHERD_BEFORE: before/after in one run);
#             a Kea name ending in -defbuf runs without the receive-buffer
#             shim (the kernel's 208 KiB default); dnsmasq always does, and
#             dnsmasq-bigbuf gets the shim
#     TOPO (per server, default $TOPO):
#       flat    one veth pair; server 198.19.0.1/16, relay (perfdhcp)
#               198.19.0.2/16 on the same link -- issue 15's method
#       routed  server 198.18.1.1/24, relay 198.18.1.2/24 + 198.19.0.2/16,
#               the server routes 198.19.0.0/16 back through the relay
#   env: TOPO=flat  PERIOD=10 (s per probe)  CLIENTS=20000  START=1000
#        MAX=32000  RATES="1000 3000"  OVERLOAD=12000 (0 = none)
#        SEARCH=0 (skip the search: only RATES and OVERLOAD)
#        RCVBUF=4194304 (receive buffer given to Kea's sockets by the
#        LD_PRELOAD shim rcvbuf.c, = bootherd's own; 0 = none)
#        KEA_THREADS=0 (Kea-MT thread-pool-size, 0 = one per core)
#        KEA_QUEUE=64 (Kea-MT packet-queue-size)
#        PRIO="chrt -f 10" (run servers and perfdhcp under this prefix: on a
#        shared machine, real-time priority takes the other sessions' load
#        out of low-rate latency probes; use it with SEARCH=0 and low RATES
#        only, since it can starve everything else)
#        BOOTHERD=build/bootherd  KEEP=1 (keep the state dir)
# Needs root, perfdhcp (kea-admin), kea-dhcp4-server, dnsmasq-base.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BOOTHERD=${BOOTHERD:-$ROOT/build/bootherd}
PERIOD=${PERIOD:-10}
CLIENTS=${CLIENTS:-20000}
START=${START:-1000}
MAX=${MAX:-32000}
RATES=${RATES-1000 3000}
OVERLOAD=${OVERLOAD:-12000}
SEARCH=${SEARCH:-1}
TOPO=${TOPO:-flat}
KEA_THREADS=${KEA_THREADS:-0}
KEA_QUEUE=${KEA_QUEUE:-64}
RCVBUF=${RCVBUF:-4194304}
PRIO=${PRIO:-}
SERVERS=("$@")
[ ${#SERVERS[@]} -gt 0 ] || SERVERS=(bootherd bootherd-fsync kea kea-mt dnsmasq)
# More servers from a file defining start_extra NAME NS DIR (bench/dhcp/pg.sh).
[ -z "${EXTRA_SERVERS:-}" ] || source "$EXTRA_SERVERS"
# State on a real disk (not tmpfs), so fsync costs what it costs.
T=$(mktemp -d /var/tmp/bootherd-bench-dhcp.XXXXXX)
chmod 755 "$T" # reachable by the user bootherd serve switches to
TAG="bhb$$"
PIDS=()

cleanup() {
	local p i
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	sleep 0.5
	for i in "${!SERVERS[@]}"; do
		ip netns del "$TAG-s$i" 2>/dev/null || true
		ip netns del "$TAG-c$i" 2>/dev/null || true
	done
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '%s\n' "$*" >&2; }

# Pair i, one veth pair.  flat: server 198.19.0.1/16, relay 198.19.0.2/16.
# routed: server 198.18.1.1/24 <-> relay 198.18.1.2/24, which also holds
# 198.19.0.2/16 (giaddr); the server routes the /16 back through it.
# Sets DST[i] (where perfdhcp sends).
net_up() { # i TOPO
	local s="$TAG-s$1" c="$TAG-c$1"
	ip netns add "$s"
	ip netns add "$c"
	ip link add name bsrv netns "$s" type veth peer name bcli netns "$c"
	ip -n "$s" link set dev lo up
	ip -n "$c" link set dev lo up
	case "$2" in
	flat)
		ip -n "$s" addr add 198.19.0.1/16 dev bsrv
		ip -n "$c" addr add 198.19.0.2/16 dev bcli
		DST[$1]=198.19.0.1
		;;
	routed)
		ip -n "$s" addr add 198.18.1.1/24 dev bsrv
		ip -n "$c" addr add 198.18.1.2/24 dev bcli
		ip -n "$c" addr add 198.19.0.2/16 dev bcli
		DST[$1]=198.18.1.1
		;;
	*) log "unknown topology $2"; return 1 ;;
	esac
	ip -n "$s" link set dev bsrv up
	ip -n "$c" link set dev bcli up
	[ "$2" = flat ] || ip -n "$s" route add 198.19.0.0/16 via 198.18.1.2
}

wait_port() { # NS: until something listens on UDP 67
	local i
	for i in $(seq 1 100); do
		ip netns exec "$1" ss -lun 'sport = :67' | grep -q ':67' && return 0
		sleep 0.1
	done
	return 1
}

start_bootherd() { # NS DIR process|fsync [MAX_REQUEST_AGE_MS]
	mkdir -p "$2"
	cat >"$2/bh.conf" <<CONF
[server]
state_dir = $2
log_level = warn
[http]
listen =
[dhcp]
mode = server
interface = bsrv
durability = $3
max_request_age_ms = ${4:-1000}
[subnet pool]
network = 198.19.0.0/16
range = 198.19.0.10 198.19.255.250
router = 198.19.0.1
lease_time = 3600
CONF
	ip netns exec "$1" $PRIO "$BOOTHERD" --config "$2/bh.conf" serve 2>"$2/log" &
	PIDS+=($!)
}

start_kea() { # NS DIR false|true (multi-threading) raw|udp (socket type)
	mkdir -p "$2"
	cat >"$2/kea.conf" <<CONF
{ "Dhcp4": {
    "interfaces-config": { "interfaces": [ "bsrv" ], "dhcp-socket-type": "$4" },
    "multi-threading": { "enable-multi-threading": $3, "thread-pool-size": $KEA_THREADS,
                         "packet-queue-size": $KEA_QUEUE },
    "lease-database": { "type": "memfile", "persist": true, "name": "$2/leases.csv",
                        "lfc-interval": 0 },
    "valid-lifetime": 3600,
    "subnet4": [ { "subnet": "198.19.0.0/16",
                   "pools": [ { "pool": "198.19.0.10 - 198.19.255.250" } ],
                   "option-data": [ { "name": "routers", "data": "198.19.0.1" } ] } ],
    "loggers": [ { "name": "kea-dhcp4", "severity": "WARN",
                   "output_options": [ { "output": "$2/kea.log" } ] } ]
} }
CONF
	ip netns exec "$1" $PRIO env KEA_PIDFILE_DIR="$2" KEA_LOCKFILE_DIR="$2" $PRELOAD \
		kea-dhcp4 -c "$2/kea.conf" >"$2/stdout" 2>&1 &
	PIDS+=($!)
}

start_dnsmasq() { # NS DIR
	mkdir -p "$2"
	# --no-ping: like Kea and bootherd, no ICMP probe before an offer.
	ip netns exec "$1" $PRIO env $PRELOAD dnsmasq --keep-in-foreground --conf-file=/dev/null --port=0 \
		-u root --interface=bsrv --bind-interfaces --no-ping --quiet-dhcp \
		--dhcp-range=198.19.0.10,198.19.255.250,255.255.0.0,1h --dhcp-lease-max=70000 \
		--dhcp-leasefile="$2/leases" --pid-file="$2/pid" --log-facility="$2/log" &
	PIDS+=($!)
}

start_server() { # i
	local name=${SERVERS[$1]%@*} ns="$TAG-s$1" d="$T/$1-${SERVERS[$1]}"
	PRELOAD=
	# dnsmasq answers ~150/s here: a 4 MiB queue would hold minutes of
	# work, every answer late; its best is the kernel's default buffer.
	if [[ "$name" == *-defbuf ]]; then
		name=${name%-defbuf}
	elif [[ "$name" == dnsmasq-bigbuf ]]; then
		name=dnsmasq
		PRELOAD="BENCH_RCVBUF=$RCVBUF LD_PRELOAD=$T/rcvbuf.so"
	elif [ "$RCVBUF" != 0 ] && [ "$name" != dnsmasq ]; then
		PRELOAD="BENCH_RCVBUF=$RCVBUF LD_PRELOAD=$T/rcvbuf.so"
	fi
	case "$name" in
	bootherd) start_bootherd "$ns" "$d" process ;;
	bootherd-fsync) start_bootherd "$ns" "$d" fsync ;;
	bootherd-noshed) start_bootherd "$ns" "$d" process 0 ;;
	bootherd-before) BOOTHERD=$BOOTHERD_BEFORE start_bootherd "$ns" "$d" process ;;
	bootherd-age[0-9]*) start_bootherd "$ns" "$d" process "${name#bootherd-age}" ;;
	kea) start_kea "$ns" "$d" false raw ;;
	kea-mt) start_kea "$ns" "$d" true raw ;;
	kea-udp) start_kea "$ns" "$d" false udp ;;
	kea-mt-udp) start_kea "$ns" "$d" true udp ;;
	dnsmasq) start_dnsmasq "$ns" "$d" ;;
	*) # servers defined in $EXTRA_SERVERS (e.g. bench/dhcp/pg_servers.bash)
		local rc=2
		if declare -F start_extra >/dev/null; then start_extra "$name" "$ns" "$d" && rc=0 || rc=$?; fi
		[ "$rc" -ne 2 ] || log "unknown server $name"
		[ "$rc" -eq 0 ] || return 1
		;;
	esac
	SPID[$1]=${PIDS[-1]}
	wait_port "$ns" || { log "$name did not start"; return 1; }
}

# Datagrams the kernel dropped because a server's port-67 UDP socket was
# full (the last column of /proc/net/udp): the server fell behind, e.g.
# while it was not scheduled.  (Kea's raw-socket mode reads from a packet
# socket, whose drops are not counted here.)
sock_drops() { ip netns exec "$TAG-s$1" awk 'NR > 1 && $2 ~ /:0043$/ { d += $NF } END { print d + 0 }' /proc/net/udp; }

# CPU time (user + system, in clock ticks) of a process and its threads.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

# probe i RATE: one perfdhcp run; sets P_RATE (completed DORA/s), P_DROP
# (max drop % of both exchanges), P_DO_AVG / P_AVG / P_MAX (ms), P_DO_MAX,
# P_NU, P_CPU (server CPU µs per completed DORA), P_LOAD (1-min load).
probe() {
	local out c0 c1 hz
	hz=$(getconf CLK_TCK)
	c0=$(cpu_ticks "${SPID[$1]}")
	d0=$(sock_drops "$1")
	out=$(ip netns exec "$TAG-c$1" $PRIO timeout $((PERIOD + 30)) perfdhcp -4 -l 198.19.0.2 \
		-r "$2" -p "$PERIOD" -R "$CLIENTS" -W 1000000 "${DST[$1]}" 2>&1 || true)
	c1=$(cpu_ticks "${SPID[$1]}")
	P_SDROP=$(($(sock_drops "$1") - d0))
	P_LOAD=$(cut -d' ' -f1 /proc/loadavg)
	echo "$out" >"$T/probe-$1-${SERVERS[$1]}-$2-$SECONDS.txt"
	# Completed DORAs per second of the sending period (perfdhcp's own
	# "Rate" also counts the exit wait).
	P_RATE=$(awk -v p="$PERIOD" '/Statistics for: REQUEST-ACK/ { s = 1 }
		s && /^received packets:/ { printf "%.0f", $3 / p; exit }' <<<"$out")
	P_DROP=$(awk '/^drops ratio:/ { v = $3 + 0; if (v > m) m = v } END { print m + 0 }' <<<"$out")
	P_DO_AVG=$(awk '/Statistics for: DISCOVER-OFFER/ { s = 1 } s && /^avg delay:/ { print $3; exit }' <<<"$out")
	P_AVG=$(awk '/Statistics for: REQUEST-ACK/ { s = 1 } s && /^avg delay:/ { print $3; exit }' <<<"$out")
	P_MAX=$(awk '/Statistics for: REQUEST-ACK/ { s = 1 } s && /^max delay:/ { print $3; exit }' <<<"$out")
	P_DO_MAX=$(awk '/Statistics for: DISCOVER-OFFER/ { s = 1 } s && /^max delay:/ { print $3; exit }' <<<"$out")
	P_CPU=$(awk -v d=$((c1 - c0)) -v hz="$hz" -v p="$PERIOD" -v r="${P_RATE:-0}" \
		'BEGIN { if (r > 0) printf "%.0f", d / hz * 1e6 / (r * p); else print "nan" }')
	P_NU=$(awk '/^non unique addresses:/ { n += $4 } END { print n + 0 }' <<<"$out")
	P_RATE=${P_RATE:-0}
	P_DO_AVG=${P_DO_AVG:-nan}
	P_AVG=${P_AVG:-nan}
	P_MAX=${P_MAX:-nan}
	P_DO_MAX=${P_DO_MAX:-nan}
}

passes() { # RATE: drops < 1 % and ~the asked rate completed
	awk -v d="$P_DROP" -v r="$P_RATE" -v want="$1" 'BEGIN { exit !(d < 1.0 && r >= 0.9 * want) }'
}

# One probe with one retry on failure; logs it.
try() { # i RATE
	local k
	for k in 1 2; do
		probe "$1" "$2"
		log "  ${SERVERS[$1]} rate=$2 done=$P_RATE/s drops=$P_DROP% avg DO=${P_DO_AVG}ms RA=${P_AVG}ms cpu=${P_CPU}us/DORA sockdrops=$P_SDROP load=$P_LOAD"
		passes "$2" && return 0
	done
	return 1
}

declare -a LO HI NEXT STEPS DONE BEST_AVG BEST_DO BEST_MAX BEST_CPU NU DST SPID

command -v perfdhcp >/dev/null || { log "perfdhcp missing (apt install kea-admin)"; exit 1; }
cc -O2 -shared -fPIC -o "$T/rcvbuf.so" "$ROOT/bench/dhcp/rcvbuf.c" -ldl
log "uptime at the start: $(uptime)"
for i in "${!SERVERS[@]}"; do
	topo=$TOPO
	[[ "${SERVERS[$i]}" != *@* ]] || topo=${SERVERS[$i]#*@}
	net_up "$i" "$topo"
	start_server "$i"
	LO[$i]=0 HI[$i]=0 NEXT[$i]=$START STEPS[$i]=0 DONE[$i]=0 NU[$i]=0
	BEST_AVG[$i]=nan BEST_DO[$i]=nan BEST_MAX[$i]=nan BEST_CPU[$i]=nan
done
sleep 1
# Warm-up: every server sees the client population once, so the search
# does not compare first allocations with renewals.
log "== warm-up"
for i in "${!SERVERS[@]}"; do probe "$i" 1000; done
log "== search (interleaved)"
left=${#SERVERS[@]}
[ "$SEARCH" = 1 ] || left=0
while [ "$left" -gt 0 ]; do
	for i in "${!SERVERS[@]}"; do
		[ "${DONE[$i]}" -eq 0 ] || continue
		r=${NEXT[$i]}
		if try "$i" "$r"; then
			LO[$i]=$r
			BEST_AVG[$i]=$P_AVG BEST_DO[$i]=$P_DO_AVG BEST_MAX[$i]=$P_MAX NU[$i]=$P_NU
			BEST_CPU[$i]=$P_CPU
		else
			HI[$i]=$r
		fi
		lo=${LO[$i]} hi=${HI[$i]}
		if [ "$hi" -eq 0 ]; then # still doubling
			NEXT[$i]=$((r * 2))
			[ "${NEXT[$i]}" -le "$MAX" ] || DONE[$i]=1
		else # bisecting, 4 steps at most
			STEPS[$i]=$((STEPS[$i] + 1))
			NEXT[$i]=$(((lo + hi) / 2))
			if [ "${STEPS[$i]}" -gt 4 ] || [ $((hi - lo)) -le $((lo / 20 + 10)) ]; then
				DONE[$i]=1
			fi
		fi
		[ "${DONE[$i]}" -eq 0 ] || {
			left=$((left - 1))
			log "  ${SERVERS[$i]}: best ${LO[$i]} DORA/s"
		}
	done
done

# Latency at the same rates: RATES, each server's best rate and OVERLOAD,
# every server probed at each (interleaved, one probe each, no retry).
SAME=$(printf '%s\n' $RATES "${LO[@]}" | awk '$1 > 0' | sort -n | uniq | tr '\n' ' ')
[ "$OVERLOAD" = 0 ] || SAME="$SAME$OVERLOAD"
declare -A SR
if [ -n "$SAME" ]; then
	log "== same rates: $SAME"
	for r in $SAME; do
		for i in "${!SERVERS[@]}"; do
			probe "$i" "$r"
			SR[$i,$r]="$P_DO_AVG/$P_AVG/$P_DO_MAX/$P_MAX/$P_DROP/$P_RATE/$P_CPU/$P_LOAD"
			log "  ${SERVERS[$i]} rate=$r done=$P_RATE/s drops=$P_DROP% avg DO=${P_DO_AVG}ms RA=${P_AVG}ms max DO=${P_DO_MAX}ms RA=${P_MAX}ms cpu=${P_CPU}us/DORA sockdrops=$P_SDROP load=$P_LOAD"
		done
	done
fi

printf '\n%-22s %10s %11s %11s %11s %12s %9s\n' server "DORA/s<1%" "avg DO ms" \
	"avg RA ms" "max RA ms" "cpu us/DORA" "non-uniq"
for i in "${!SERVERS[@]}"; do
	printf '%-22s %10s %11s %11s %11s %12s %9s\n' "${SERVERS[$i]}" "${LO[$i]}" "${BEST_DO[$i]}" \
		"${BEST_AVG[$i]}" "${BEST_MAX[$i]}" "${BEST_CPU[$i]}" "${NU[$i]}"
done
echo "(at the best passing probe of the search; DO = DISCOVER-OFFER, RA = REQUEST-ACK)"
if [ -n "$SAME" ]; then
	echo
	echo "same rates, per server: avg DO / avg RA / max DO / max RA (ms), drops %, done/s, cpu us/DORA, load"
	for r in $SAME; do
		echo "-- $r DORA/s asked"
		for i in "${!SERVERS[@]}"; do
			IFS=/ read -r a b c d e f g h <<<"${SR[$i,$r]}"
			printf '  %-22s %7s / %7s / %8s / %8s ms  %6s %%  %6s/s  %5s us  load %s\n' \
				"${SERVERS[$i]}" "$a" "$b" "$c" "$d" "$e" "$f" "$g" "$h"
		done
	done
fi
echo
ratio() { # A B
	local a=-1 b=-1 i
	for i in "${!SERVERS[@]}"; do
		[ "${SERVERS[$i]}" != "$1" ] || a=${LO[$i]}
		[ "${SERVERS[$i]}" != "$2" ] || b=${LO[$i]}
	done
	[ "$a" -ge 0 ] && [ "$b" -gt 0 ] &&
		awk -v a="$a" -v b="$b" -v n="$1 / $2" 'BEGIN { printf "%-28s %.2fx\n", n, a / b }'
	return 0
}
if [ "$SEARCH" = 1 ]; then
	for a in bootherd bootherd-fsync; do
		for b in kea kea-mt dnsmasq; do ratio "$a" "$b"; done
	done
fi
echo "perfdhcp: $PERIOD s per probe, $CLIENTS simulated clients, relay mode (giaddr 198.19.0.2), topology $TOPO unless named;"
echo "uptime at the end: $(uptime)"
