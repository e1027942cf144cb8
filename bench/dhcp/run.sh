#!/usr/bin/env bash
# DHCP benchmark: perfdhcp full DORA in relay mode (giaddr in 198.19.0.0/16)
# against bootherd (process-durable, and fsync with group commit), Kea 2.2
# (memfile, persist on; as shipped and with multi-threading) and dnsmasq,
# side by side in ONE run: every server runs in its own network namespace
# with the same /16 pool, each with its own perfdhcp namespace.  The
# searches are interleaved (one probe per server in turn), so a change in
# machine load hits every server alike.
#
# Per server: the highest rate with < 1 % drops in both exchanges (doubling,
# then bisecting; a failed probe is retried once, since the machine is
# shared), the latency of that probe and at a common low rate, then ratios.
#
#   bench/dhcp/run.sh [SERVERS...]   (default: bootherd bootherd-fsync kea kea-mt dnsmasq)
#   env: PERIOD=8 (s per probe)  CLIENTS=50000  START=500  MAX=32000  COMMON=200
#        BOOTHERD=build/bootherd  KEEP=1 (keep the state dir)
#        RATES="1000 2000" (after the search, every server is probed at these
#        rates and at each server's best rate: latency at the same rates)
#        SEARCH=0 (skip the search: only COMMON and RATES)
# Needs root, perfdhcp (kea-admin), kea-dhcp4-server, dnsmasq-base.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BOOTHERD=${BOOTHERD:-$ROOT/build/bootherd}
PERIOD=${PERIOD:-8}
CLIENTS=${CLIENTS:-50000}
START=${START:-500}
MAX=${MAX:-32000}
COMMON=${COMMON:-200}
RATES=${RATES:-}
SEARCH=${SEARCH:-1}
SERVERS=("$@")
[ ${#SERVERS[@]} -gt 0 ] || SERVERS=(bootherd bootherd-fsync kea kea-mt dnsmasq)
# More servers from a file defining start_extra NAME NS DIR (bench/dhcp/pg.sh).
[ -z "${EXTRA_SERVERS:-}" ] || source "$EXTRA_SERVERS"
# State on a real disk (not tmpfs), so fsync costs what it costs.
T=$(mktemp -d /var/tmp/bootherd-bench-dhcp.XXXXXX)
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

# Pair i: server 198.18.1.1/24 <-> client 198.18.1.2/24; the client also
# holds 198.19.0.2/16 (the relay's address = giaddr) and the server routes
# the /16 back through it, as it would through a relay.
net_up() {
	local s="$TAG-s$1" c="$TAG-c$1"
	ip netns add "$s"
	ip netns add "$c"
	ip link add name bsrv netns "$s" type veth peer name bcli netns "$c"
	ip -n "$s" addr add 198.18.1.1/24 dev bsrv
	ip -n "$c" addr add 198.18.1.2/24 dev bcli
	ip -n "$c" addr add 198.19.0.2/16 dev bcli
	ip -n "$s" link set dev bsrv up
	ip -n "$c" link set dev bcli up
	ip -n "$s" link set dev lo up
	ip -n "$c" link set dev lo up
	ip -n "$s" route add 198.19.0.0/16 via 198.18.1.2
}

wait_port() { # NS: until something listens on UDP 67
	local i
	for i in $(seq 1 100); do
		ip netns exec "$1" ss -lun 'sport = :67' | grep -q ':67' && return 0
		sleep 0.1
	done
	return 1
}

start_bootherd() { # NS DIR process|fsync
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
[subnet pool]
network = 198.19.0.0/16
range = 198.19.0.10 198.19.255.250
router = 198.19.0.1
lease_time = 3600
CONF
	ip netns exec "$1" "$BOOTHERD" --config "$2/bh.conf" serve 2>"$2/log" &
	PIDS+=($!)
}

start_kea() { # NS DIR false|true (multi-threading)
	mkdir -p "$2"
	cat >"$2/kea.conf" <<CONF
{ "Dhcp4": {
    "interfaces-config": { "interfaces": [ "bsrv" ], "dhcp-socket-type": "udp" },
    "multi-threading": { "enable-multi-threading": $3 },
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
	KEA_PIDFILE_DIR=$2 KEA_LOCKFILE_DIR=$2 ip netns exec "$1" kea-dhcp4 -c "$2/kea.conf" \
		>"$2/stdout" 2>&1 &
	PIDS+=($!)
}

start_dnsmasq() { # NS DIR
	mkdir -p "$2"
	# --no-ping: like Kea and bootherd, no ICMP probe before an offer.
	ip netns exec "$1" dnsmasq --keep-in-foreground --conf-file=/dev/null --port=0 \
		-u root --interface=bsrv --bind-interfaces --no-ping --quiet-dhcp \
		--dhcp-range=198.19.0.10,198.19.255.250,255.255.0.0,1h --dhcp-lease-max=70000 \
		--dhcp-leasefile="$2/leases" --pid-file="$2/pid" --log-facility="$2/log" &
	PIDS+=($!)
}

start_server() { # i
	local name=${SERVERS[$1]} ns="$TAG-s$1" d="$T/$1-${SERVERS[$1]}"
	case "$name" in
	bootherd) start_bootherd "$ns" "$d" process ;;
	bootherd-fsync) start_bootherd "$ns" "$d" fsync ;;
	kea) start_kea "$ns" "$d" false ;;
	kea-mt) start_kea "$ns" "$d" true ;;
	dnsmasq) start_dnsmasq "$ns" "$d" ;;
	*) # servers defined in $EXTRA_SERVERS (e.g. bench/dhcp/pg_servers.bash)
		local rc=2
		if declare -F start_extra >/dev/null; then start_extra "$name" "$ns" "$d" && rc=0 || rc=$?; fi
		[ "$rc" -ne 2 ] || log "unknown server $name"
		[ "$rc" -eq 0 ] || return 1
		;;
	esac
	wait_port "$ns" || { log "$name did not start"; return 1; }
}

# probe i RATE: one perfdhcp run; sets P_RATE (completed DORA/s), P_DROP
# (max drop % of both exchanges), P_DO_AVG / P_AVG / P_MAX (ms), P_NU.
probe() {
	local out
	out=$(ip netns exec "$TAG-c$1" timeout $((PERIOD + 30)) perfdhcp -4 -l 198.19.0.2 \
		-r "$2" -p "$PERIOD" -R "$CLIENTS" -W 1000000 198.18.1.1 2>&1 || true)
	echo "$out" >"$T/probe-$1-${SERVERS[$1]}-$2-$SECONDS.txt"
	# Completed DORAs per second of the sending period (perfdhcp's own
	# "Rate" also counts the exit wait).
	P_RATE=$(awk -v p="$PERIOD" '/Statistics for: REQUEST-ACK/ { s = 1 }
		s && /^received packets:/ { printf "%.0f", $3 / p; exit }' <<<"$out")
	P_DROP=$(awk '/^drops ratio:/ { v = $3 + 0; if (v > m) m = v } END { print m + 0 }' <<<"$out")
	P_DO_AVG=$(awk '/Statistics for: DISCOVER-OFFER/ { s = 1 } s && /^avg delay:/ { print $3; exit }' <<<"$out")
	P_AVG=$(awk '/Statistics for: REQUEST-ACK/ { s = 1 } s && /^avg delay:/ { print $3; exit }' <<<"$out")
	P_MAX=$(awk '/Statistics for: REQUEST-ACK/ { s = 1 } s && /^max delay:/ { print $3; exit }' <<<"$out")
	P_NU=$(awk '/^non unique addresses:/ { n += $4 } END { print n + 0 }' <<<"$out")
	P_RATE=${P_RATE:-0}
	P_DO_AVG=${P_DO_AVG:-nan}
	P_AVG=${P_AVG:-nan}
	P_MAX=${P_MAX:-nan}
}

passes() { # RATE: drops < 1 % and ~the asked rate completed
	awk -v d="$P_DROP" -v r="$P_RATE" -v want="$1" 'BEGIN { exit !(d < 1.0 && r >= 0.9 * want) }'
}

# One probe with one retry on failure; logs it.
try() { # i RATE
	local k
	for k in 1 2; do
		probe "$1" "$2"
		log "  ${SERVERS[$1]} rate=$2 done=$P_RATE/s drops=$P_DROP% avg DO=${P_DO_AVG}ms RA=${P_AVG}ms"
		passes "$2" && return 0
	done
	return 1
}

declare -a LO HI NEXT STEPS DONE BEST_AVG BEST_DO BEST_MAX NU CAVG

command -v perfdhcp >/dev/null || { log "perfdhcp missing (apt install kea-admin)"; exit 1; }
for i in "${!SERVERS[@]}"; do
	net_up "$i"
	start_server "$i"
	LO[$i]=0 HI[$i]=0 NEXT[$i]=$START STEPS[$i]=0 DONE[$i]=0 NU[$i]=0
	BEST_AVG[$i]=nan BEST_DO[$i]=nan BEST_MAX[$i]=nan
done
sleep 1
log "== common rate $COMMON/s"
for i in "${!SERVERS[@]}"; do
	probe "$i" "$COMMON"
	CAVG[$i]=$P_AVG
	log "  ${SERVERS[$i]}: drops=$P_DROP% avg DO=${P_DO_AVG}ms RA=${P_AVG}ms"
done
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

# Latency at the same rates: each server's best rate and RATES, every
# server probed at each (interleaved, one probe each, no retry).
SAME=$(printf '%s\n' $RATES "${LO[@]}" | awk '$1 > 0' | sort -n | uniq | tr '\n' ' ')
declare -A SR
if [ -n "$SAME" ]; then
	log "== same rates: $SAME"
	for r in $SAME; do
		for i in "${!SERVERS[@]}"; do
			probe "$i" "$r"
			SR[$i,$r]="$P_DO_AVG/$P_AVG/$P_MAX/$P_DROP"
			log "  ${SERVERS[$i]} rate=$r done=$P_RATE/s drops=$P_DROP% avg DO=${P_DO_AVG}ms RA=${P_AVG}ms max RA=${P_MAX}ms"
		done
	done
fi

printf '\n%-16s %10s %11s %11s %11s %14s %9s\n' server "DORA/s<1%" "avg DO ms" \
	"avg RA ms" "max RA ms" "RA ms @$COMMON/s" "non-uniq"
for i in "${!SERVERS[@]}"; do
	printf '%-16s %10s %11s %11s %11s %14s %9s\n' "${SERVERS[$i]}" "${LO[$i]}" "${BEST_DO[$i]}" \
		"${BEST_AVG[$i]}" "${BEST_MAX[$i]}" "${CAVG[$i]}" "${NU[$i]}"
done
echo "(latency: at the best passing probe; DO = DISCOVER-OFFER, RA = REQUEST-ACK)"
if [ -n "$SAME" ]; then
	printf '\nsame rates: avg DO ms / avg RA ms / max RA ms / drops %%\n%-8s' "DORA/s"
	for i in "${!SERVERS[@]}"; do printf ' %-30s' "${SERVERS[$i]}"; done
	echo
	for r in $SAME; do
		printf '%-8s' "$r"
		for i in "${!SERVERS[@]}"; do printf ' %-30s' "${SR[$i,$r]}"; done
		echo
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
ratio bootherd kea
ratio bootherd kea-mt
ratio bootherd-fsync kea
ratio bootherd-fsync kea-mt
ratio bootherd dnsmasq
ratio bootherd-fsync dnsmasq
echo "perfdhcp: $PERIOD s per probe, $CLIENTS simulated clients, relay mode (giaddr 198.19.0.2);"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
