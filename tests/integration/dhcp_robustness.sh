#!/usr/bin/env bash
# Bad input and interface binding: malformed packets (the fuzz corpus'
# bad-* seeds and a burst of garbage) are dropped with rate-limited log lines
# naming the peer, the server keeps answering; a request arriving on an
# interface bootherd is not configured for is never answered.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dhcp_common.bash"

ROOT_DIR=$(cd "$(dirname "$0")/../.." && pwd)
dh_setup
dh_port "$CL" c1 02:00:00:00:03:01
# A second segment on the server that is NOT in [dhcp] interface.
OTHER=$(ns_name other)
ns_add "$OTHER"
ip link add name srv9 netns "$SRV" type veth peer name o1 netns "$OTHER"
ip -n "$SRV" addr add 198.18.9.1/24 dev srv9
ip -n "$SRV" link set dev srv9 up
ip -n "$OTHER" link set dev o1 up
# [subnet nine] covers srv9's network: were bootherd listening there, it
# would serve it.
dh_conf "subnet = 198.18.0.0/24
[subnet nine]
network = 198.18.9.0/24
range = 198.18.9.100 198.18.9.200"
dh_start

PXE="python3 $(dirname "$0")/dhcp_pxe_client.py"
ip netns exec "$CL" $PXE raw c1 "$ROOT_DIR"/tests/fuzz/corpus/fuzz_dhcp_wire/bad-*
# A burst of 200 random datagrams.
mkdir -p "$T/junk"
for i in $(seq 1 200); do head -c $((RANDOM % 600 + 1)) /dev/urandom >"$T/junk/$i"; done
ip netns exec "$CL" $PXE raw c1 "$T"/junk/*
sleep 0.5
check "malformed packets logged with the peer" \
	grep -q "dhcp peer=0.0.0.0:68 if=srv0: dropped malformed packet" "$T/bootherd.log"
for why in "overload option inside an overloaded field" "truncated header" \
	"option overruns its field" "hlen > 16" "not a BOOTREQUEST" "no message type" \
	"too many options"; do
	check "dropped: $why" grep -q "dropped malformed packet: $why" "$T/bootherd.log"
done
lines=$(grep -c "dropped malformed packet" "$T/bootherd.log")
check "log lines are rate-limited ($lines lines for 208 packets)" test "$lines" -lt 60
# The next line after a pause reports how many were suppressed.
sleep 1
ip netns exec "$CL" $PXE raw c1 "$ROOT_DIR"/tests/fuzz/corpus/fuzz_dhcp_wire/bad-hlen
sleep 0.3
check "suppressed lines are counted" grep -q "dropped malformed packet: .* ([1-9][0-9]* similar suppressed)" \
	"$T/bootherd.log"
check "bootherd still running" kill -0 "$BH_PID"
line=$(dh_udhcpc c1)
expect_match "a valid client is still served" 'ip=198\.18\.0\.1[0-2][0-9] ' "$line"

# The unconfigured interface: nothing answers there.
UDHCPC_OUT="$T/o1.out" timeout 20 ip netns exec "$OTHER" busybox udhcpc -i o1 -n -q -t 2 -T 1 \
	-s "$T/udhcpc.sh" >/dev/null 2>&1 || true
no_lease() { ! grep -q '^bound' "$T/o1.out" 2>/dev/null; }
check "no lease on an interface not configured" no_lease
finish
