#!/usr/bin/env bash
# Isolated test networks for the QEMU end-to-end tests, benchmarks and demo.
#
# Topology: one "switch" namespace holds a bridge (br0) and the VMs' tap
# devices (QEMU runs inside it); each server (bootherd, dnsmasq, the reference
# stack) lives in its own "host" namespace wired to the bridge by a veth pair,
# so two DHCP servers can share the link (proxyDHCP tests) without fighting
# over port 67 on one stack.  Addresses are only ever in 198.18.0.0/24; no
# namespace has a link to the host's own network and none has a default route.
#
#   net_switch SW                  namespace SW with bridge br0
#   net_host SW NS ADDR/LEN        namespace NS, eth0=ADDR, plugged into SW's br0
#   net_tap SW TAP                 tap device TAP on SW's br0 (for QEMU)
#   net_pcap SW FILE               capture everything on br0 into FILE
#   net_ra SW                      a router advertisement sender on br0 (see below)
#
# Every namespace made here is deleted (its processes killed first) by the
# cleanup stack: `on_exit` from tests/integration/lib.sh when sourced after it,
# otherwise the small stack below, run on EXIT/INT/TERM.

if ! declare -F on_exit >/dev/null; then
	_e2e_cleanups=()
	on_exit() { _e2e_cleanups+=("$*"); }
	_e2e_run_cleanups() {
		local i
		for ((i = ${#_e2e_cleanups[@]} - 1; i >= 0; i--)); do
			eval "${_e2e_cleanups[$i]}" >/dev/null 2>&1 || true
		done
		_e2e_cleanups=()
	}
	trap _e2e_run_cleanups EXIT
	trap 'exit 130' INT TERM
fi

# Prefix for namespace names: unique per run (pid), short (IFNAMSIZ-friendly).
NET_PREFIX=${NET_PREFIX:-bhe$$}

# _net_ns_del NS: kills every process left in NS, then deletes it.
_net_ns_del() {
	local ns=$1 i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		local pids
		pids=$(ip netns pids "$ns" 2>/dev/null) || break
		[ -n "$pids" ] || break
		# shellcheck disable=SC2086
		kill $([ "$i" -gt 5 ] && echo -9) $pids 2>/dev/null || true
		sleep 0.2
	done
	ip netns del "$ns" 2>/dev/null || true
}

net_switch() {
	local sw=$1
	ip netns add "$sw"
	on_exit "_net_ns_del $sw"
	ip -n "$sw" link set lo up
	# forward_delay 0: ports forward at once (firmware DHCPs the moment the
	# link is up); STP is off by default on Linux bridges.
	ip -n "$sw" link add br0 type bridge forward_delay 0
	# No IPv6 on the bridge itself: the switch is not a host on the link.
	ip netns exec "$sw" sysctl -qw net.ipv6.conf.br0.disable_ipv6=1
	ip -n "$sw" link set br0 up
}

# net_host SW NS ADDR/LEN: a host namespace on the switch.  The veth's outer
# end is named after NS (<= 15 chars) inside SW.
net_host() {
	local sw=$1 ns=$2 addr=$3
	case $addr in 198.18.0.*/*) ;; *)
		echo "net_host: $addr is outside 198.18.0.0/24" >&2
		return 1
		;;
	esac
	local port="p${ns:${#ns}>14?${#ns}-14:0}"
	ip netns add "$ns"
	on_exit "_net_ns_del $ns"
	ip -n "$ns" link set lo up
	ip -n "$ns" link add eth0 type veth peer name "$port" netns "$sw"
	ip -n "$ns" addr add "$addr" dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$sw" link set "$port" master br0
	ip -n "$sw" link set "$port" up
}

# net_tap SW TAP: a tap device for one VM, on the bridge.
net_tap() {
	local sw=$1 tap=$2
	ip -n "$sw" tuntap add dev "$tap" mode tap
	ip -n "$sw" link set "$tap" master br0
	ip -n "$sw" link set "$tap" up
}

# net_tap_del SW TAP
net_tap_del() { ip -n "$1" link del "$2" 2>/dev/null || true; }

# net_pcap SW FILE: tcpdump on br0 into FILE until cleanup.
net_pcap() {
	local sw=$1 file=$2
	ip netns exec "$sw" tcpdump -q -U -s 0 -i br0 -w "$file" 2>/dev/null &
	local pid=$!
	on_exit "kill $pid; wait $pid"
}

# net_ra SW: sends an IPv6 router advertisement on br0 every 2 s from a
# link-local address in a small host namespace of its own.  Why: Debian's iPXE
# (2019) waits ~13 s for IPv6 autoconfiguration after its DHCPv4 completes
# when no router answers (pxe-facts.md, pitfall 1); any RA ends the wait.  The
# RA carries no prefix and router lifetime 0: it configures no address and no
# route on anything, it only says "no IPv6 router here".
net_ra() {
	local sw=$1 ns="${1}ra"
	local port="p${ns:${#ns}>14?${#ns}-14:0}"
	ip netns add "$ns"
	on_exit "_net_ns_del $ns"
	ip -n "$ns" link add eth0 type veth peer name "$port" netns "$sw"
	ip -n "$ns" link set eth0 up
	ip -n "$sw" link set "$port" master br0
	ip -n "$sw" link set "$port" up
	ip netns exec "$ns" python3 "$(dirname "${BASH_SOURCE[0]}")/ra.py" eth0 ${NET_RA_ARGS:-} &
	local pid=$!
	on_exit "kill $pid"
}
