# Helpers for the DHCP integration tests (sourced after lib.sh; not a test).
#
# Topology: a switch namespace holding bridge br0; every other namespace
# plugs veth ports into it.  The server namespace $SRV has srv0 =
# 198.18.0.1/24.  Addresses: 198.18.0.0/15 only.

DH_HTTP_PORT=8080
_dh_ports=0

dh_setup() {
	SW=$(ns_name sw)
	SRV=$(ns_name srv)
	CL=$(ns_name cl)
	ns_add "$SW"
	ns_add "$SRV"
	ns_add "$CL"
	ip -n "$SW" link add br0 type bridge
	ip -n "$SW" link set br0 up
	dh_port "$SRV" srv0
	ip -n "$SRV" addr add 198.18.0.1/24 dev srv0
	mkdir -p "$T/state"
}

# dh_port NS IFNAME [MAC]: a veth from NS into the switch.
dh_port() {
	local ns=$1 ifn=$2 peer="p$((++_dh_ports))"
	ip link add name "$ifn" netns "$ns" type veth peer name "$peer" netns "$SW"
	[ -z "${3:-}" ] || ip -n "$ns" link set dev "$ifn" address "$3"
	ip -n "$SW" link set dev "$peer" master br0 up
	ip -n "$ns" link set dev "$ifn" up
}

# dh_conf [EXTRA_DHCP_LINES] — writes $T/bh.conf for server mode on srv0.
dh_conf() {
	cat >"$T/bh.conf" <<CONF
[server]
state_dir = $T/state
log_level = debug
[http]
listen = 198.18.0.1:$DH_HTTP_PORT
[dhcp]
mode = server
interface = srv0
range = 198.18.0.100 198.18.0.120
router = 198.18.0.1
dns = 198.18.0.1
domain = lab.test
lease_time = 600
${1:-}
CONF
}

# bootherd CLI against the test's config (admin commands).
bh() { "$BOOTHERD" --config "$T/bh.conf" "$@"; }

# dh_start: runs bootherd serve in $SRV, waits until DHCP listens.
dh_start() {
	touch "$T/bootherd.log"
	local from=$(($(wc -l <"$T/bootherd.log") + 1))
	ip netns exec "$SRV" "$BOOTHERD" --config "$T/bh.conf" serve 2>>"$T/bootherd.log" &
	BH_PID=$!
	on_exit "kill $BH_PID 2>/dev/null; wait $BH_PID 2>/dev/null"
	_dh_started() { tail -n "+$from" "$T/bootherd.log" | grep -q "dhcp: \(serving\|proxyDHCP\) on"; }
	wait_for 10 _dh_started || {
		log "bootherd did not start:"
		tail -20 "$T/bootherd.log" >&2
		return 1
	}
}

dh_stop() {
	kill "$BH_PID" 2>/dev/null || true
	wait "$BH_PID" 2>/dev/null || true
}

# The udhcpc script: records each event, configures the address (so that
# renewals, which are unicast from the leased address, work).
dh_udhcpc_script() {
	cat >"$T/udhcpc.sh" <<'SCRIPT'
#!/bin/sh
out=$UDHCPC_OUT
case "$1" in
bound|renew)
	ip addr flush dev "$interface" 2>/dev/null
	ip addr add "$ip/${mask:-24}" dev "$interface"
	;;
esac
echo "$1 ip=$ip boot_file=$boot_file siaddr=$siaddr hostname=$hostname domain=$domain router=$router opt60=${opt60:-} lease=$lease" >>"$out"
SCRIPT
	chmod +x "$T/udhcpc.sh"
}

# dh_udhcpc IFNAME ARGS...: one DORA (-q), records to $T/udhcpc-IFNAME.out.
# Prints the "bound ..." line (empty when no lease).
dh_udhcpc() {
	local ifn=$1
	shift
	[ -x "$T/udhcpc.sh" ] || dh_udhcpc_script
	UDHCPC_OUT="$T/udhcpc-$ifn.out" timeout 20 ip netns exec "$CL" \
		busybox udhcpc -i "$ifn" -n -q -t 4 -T 1 -A 1 -s "$T/udhcpc.sh" "$@" \
		>>"$T/udhcpc-$ifn.log" 2>&1 || true
	grep '^bound' "$T/udhcpc-$ifn.out" 2>/dev/null | tail -1 || true
}

# db_eq QUERY VALUE / db_ge QUERY N: the database (WAL: readable while
# bootherd runs) answers VALUE / at least N.  Usable with wait_for.
db_eq() { [ "$(sqlite3 "$T/state/bootherd.db" "$1")" = "$2" ]; }
db_ge() { [ "$(sqlite3 "$T/state/bootherd.db" "$1")" -ge "$2" ]; }

# field NAME LINE: value of NAME=... in an event line.
field() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2"; }
