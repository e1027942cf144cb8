#!/usr/bin/env bash
# Relayed requests: perfdhcp acts as a relay agent (giaddr = its address in
# 198.19.7.0/24); bootherd picks [subnet far] by giaddr and answers the
# relay on port 67.  Full DORA for a few hundred clients, no drops.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dhcp_common.bash"

dh_setup
RL=$(ns_name relay)
ns_add "$RL"
dh_port "$RL" rl0
ip -n "$RL" addr add 198.18.0.3/24 dev rl0
ip -n "$RL" addr add 198.19.7.2/24 dev rl0
ip -n "$SRV" route add 198.19.7.0/24 via 198.18.0.3
dh_conf "
[subnet far]
network = 198.19.7.0/24
range = 198.19.7.10 198.19.7.250
router = 198.19.7.1
lease_time = 900"
dh_start

out=$(timeout 60 ip netns exec "$RL" perfdhcp -4 -l 198.19.7.2 -r 100 -n 300 -R 200 -W 2000000 \
	198.18.0.1 2>&1 || true)
echo "$out" >"$T/perfdhcp.out"
sent=$(sed -n 's/^sent packets: \([0-9]*\)/\1/p' <<<"$out" | head -1)
recv=$(sed -n 's/^received packets: \([0-9]*\)/\1/p' <<<"$out" | head -1)
log "perfdhcp DISCOVER-OFFER: sent=$sent received=$recv"
check "perfdhcp ran" test -n "$sent"
expect_eq "every relayed DISCOVER answered" "$sent" "$recv"
check "second exchange (REQUEST-ACK) completed" grep -q "^collected packets: 0" "$T/perfdhcp.out"
expect_eq "leases come from the relayed subnet" "0" "$(sqlite3 "$T/state/bootherd.db" \
	"select count(*) from lease where subnet != 'far'")"
check "at least one lease per simulated client" db_ge \
	"select count(*) from lease where state='bound' and subnet='far'" 150
check "replies went to the relay (giaddr)" \
	grep -q "peer=198.19.7.2:67 REQUEST .* -> ACK ip=198.19.7." "$T/bootherd.log"
finish
