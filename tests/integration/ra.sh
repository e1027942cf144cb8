#!/usr/bin/env bash
# bootherd's own IPv6 router advertisements ([ra]), heard by a raw-socket
# listener in a client namespace (ra_probe.py): periodic RAs and an answer
# to a router solicitation, from a link-local address with hop limit 255,
# configuring nothing (lifetime 0, M = O = 0, no option); none on an
# interface that is not configured; none when disabled; on by default in
# [dhcp] mode = server and off by default in proxy mode; and silence after
# another router's RA.  IPv6 here is link-local only (fe80::), IPv4 only in
# 198.18.0.0/15.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dhcp_common.bash"

PROBE="python3 $(dirname "$0")/ra_probe.py"

dh_setup
dh_port "$CL" c1
# A second link (br1) where the server has srv1 but no DHCP: no RA there.
ip -n "$SW" link add br1 type bridge
ip -n "$SW" link set br1 up
ip link add name srv1 netns "$SRV" type veth peer name q1 netns "$SW"
ip link add name c2 netns "$CL" type veth peer name q2 netns "$SW"
for q in q1 q2; do ip -n "$SW" link set "$q" master br1 up; done
ip -n "$SRV" addr add 198.19.0.1/24 dev srv1
ip -n "$SRV" link set srv1 up
ip -n "$CL" link set c2 up
# The server is no IPv6 host: it must not act on the test's "router" RA.
ip netns exec "$SRV" sysctl -qw net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.srv0.accept_ra=0

# srv0's link-local address (the source of our RAs), once DAD is done.
srv_ll() { ip -n "$SRV" -6 addr show dev srv0 scope link | awk '/inet6/ && !/tentative/ {sub("/.*", "", $2); print $2}'; }
has_ll() { [ -n "$(srv_ll)" ]; }
wait_for 10 has_ll || true
LL=$(srv_ll)
expect_match "server has a link-local address" '^fe80::' "$LL"

listen() { ip netns exec "$CL" $PROBE listen "$@"; }
log_has() { grep -q "$1" "$T/bootherd.log"; }

# --- enabled, interfaces defaulting to [dhcp] interface (srv0) ---
dh_conf "[ra]
enabled = true
interval_s = 4"
dh_start
# Unsolicited: the interval is 3–4 s, so two in 12 s.
listen c1 12 --from "$LL" --count 2 >"$T/periodic" &
P1=$!
listen c2 8 >"$T/other-link" &
P2=$!
wait $P1 $P2
expect_eq "two unsolicited RAs on srv0's link" 2 "$(wc -l <"$T/periodic")"
expect_eq "RA fields: hop limit 255, nothing configured" \
	"ra src=$LL hop=255 lifetime=0 M=0 O=0 options=0" "$(head -1 "$T/periodic")"
expect_eq "no RA on srv1's link (not a DHCP interface)" "" "$(cat "$T/other-link")"
check "start-up logged" log_has "ra: router advertisements .* on srv0:"

# Solicited: an answer within MIN_DELAY_BETWEEN_RAS + MAX_RA_DELAY_TIME.
out=$(listen c1 6 --rs --from "$LL" --count 1)
expect_eq "RA after a router solicitation" "ra src=$LL hop=255 lifetime=0 M=0 O=0 options=0" "$out"
check "solicitation logged" log_has "ra iface=srv0 peer=fe80::.*: router solicitation, answering"

# Another router on the link: we stop there, and say so once.
ip netns exec "$CL" $PROBE send-ra c1
wait_for 5 log_has "stopped sending router advertisements on srv0" || true
check "foreign RA logged" log_has "ra iface=srv0: router advertisement from fe80::.*lifetime 1800 s, M=1 O=0.*stopped sending"
expect_eq "no RA after the foreign one (8 s, with a solicitation)" "" "$(listen c1 8 --rs --from "$LL")"
expect_eq "stop logged once" 1 "$(grep -c "stopped sending router advertisements on srv0" "$T/bootherd.log")"
check "DHCP still serving" kill -0 "$BH_PID"
dh_stop

# --- an explicit list: srv1 only ---
dh_conf "[ra]
enabled = true
interfaces = srv1
interval_s = 4"
dh_start
listen c2 8 --rs --count 1 >"$T/srv1" &
P1=$!
listen c1 8 --rs --from "$LL" >"$T/srv0-off" &
P2=$!
wait $P1 $P2
expect_match "[ra] interfaces = srv1: RA on srv1's link" '^ra src=fe80::.* hop=255 lifetime=0 M=0 O=0 options=0$' "$(cat "$T/srv1")"
expect_eq "[ra] interfaces = srv1: none on srv0's link" "" "$(cat "$T/srv0-off")"
dh_stop

# --- errors: IPv6 off on srv1, a missing interface: one line each, srv0 keeps going ---
ip netns exec "$SRV" sysctl -qw net.ipv6.conf.srv1.disable_ipv6=1
dh_conf "[ra]
enabled = true
interfaces = srv1 nosuch0 srv0
interval_s = 4"
dh_start
out=$(listen c1 6 --rs --from "$LL" --count 1)
expect_eq "errors elsewhere: RA on srv0 still" "ra src=$LL hop=255 lifetime=0 M=0 O=0 options=0" "$out"
check "IPv6 off on srv1: logged" log_has "ra iface=srv1: IPv6 is disabled on it (net.ipv6.conf.srv1.disable_ipv6 = 1); no router advertisements there"
check "missing interface: logged" log_has "ra iface=nosuch0: no such interface"
check "DHCP serving despite RA errors" kill -0 "$BH_PID"
check "only srv0 in the start-up line" log_has "ra: router advertisements .* on srv0: on solicitation"
dh_stop

# --- the default (enabled = auto): on in mode = server ---
dh_conf
started=$(grep -c "ra: router advertisements .* on srv0" "$T/bootherd.log")
dh_start
expect_eq "default, mode = server: an RA answers a solicitation" \
	"ra src=$LL hop=255 lifetime=0 M=0 O=0 options=0" "$(listen c1 6 --rs --from "$LL" --count 1)"
expect_eq "default, mode = server: the start-up line" "$((started + 1))" \
	"$(grep -c "ra: router advertisements .* on srv0" "$T/bootherd.log")"
dh_stop

# --- disabled explicitly ---
dh_conf "[ra]
enabled = false"
started=$(grep -c "ra: router advertisements" "$T/bootherd.log")
dh_start
expect_eq "disabled: no RA, even after a solicitation" "" "$(listen c1 6 --rs --from "$LL")"
expect_eq "disabled: no start-up line" "$started" "$(grep -c "ra: router advertisements" "$T/bootherd.log")"
dh_stop

# --- the default in proxy mode: off (the site's router and DHCP own the link) ---
sed -e 's/^mode = server/mode = proxy/' -e '/^range\|^router\|^dns\|^domain\|^lease_time/d' "$T/bh.conf" >"$T/bh.proxy"
sed -i '/^\[ra\]/,$d' "$T/bh.proxy"
cp "$T/bh.proxy" "$T/bh.conf"
started=$(grep -c "ra: router advertisements" "$T/bootherd.log")
dh_start
expect_eq "default, mode = proxy: no RA after a solicitation" "" "$(listen c1 6 --rs --from "$LL")"
expect_eq "default, mode = proxy: no start-up line" "$started" "$(grep -c "ra: router advertisements" "$T/bootherd.log")"
dh_stop

finish
