#!/usr/bin/env bash
# TFTP under 10 % packet loss in both directions (tc netem on a veth pair
# between two namespaces, 198.18.4.0/24; where the kernel has no netem, an
# nftables rule in each namespace drops a random 10 % of the UDP datagrams
# arriving on the veth — silently, like loss on the wire): tftp-hpa (lock-step), atftp
# (windowsize 16) and curl (blksize 1468) must all complete byte-exact,
# and the server must have retransmitted (the loss was real).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tftp_setup.inc"

S=$(ns_name tftps)
C=$(ns_name tftpc)
ns_add "$S"
ns_add "$C"
ip link add "vs$$" netns "$S" type veth peer name "vc$$" netns "$C"
ip -n "$S" addr add 198.18.4.1/24 dev "vs$$"
ip -n "$C" addr add 198.18.4.2/24 dev "vc$$"
ip -n "$S" link set "vs$$" up
ip -n "$C" link set "vc$$" up
lose10() { # lose10 NETNS DEV: 10 % loss on one direction of the link
	ip netns exec "$1" tc qdisc add dev "$2" root netem loss 10% 2>/dev/null && return
	ip netns exec "$1" nft -f - <<NFT
table inet bhloss {
	chain in {
		type filter hook prerouting priority -300;
		iifname "$2" meta l4proto udp numgen random mod 10 0 counter drop
	}
}
NFT
}
lose10 "$S" "vs$$"
lose10 "$C" "vc$$"

tftp_tree
head -c 1048576 /dev/urandom >"$T/root/f1m.bin"
tftp_conf 198.18.4.1 69 80
tftp_start "$S"
cd "$T"
inC() { ip netns exec "$C" "$@"; }

check "tftp-hpa lock-step 512, 256 KiB: byte-exact" \
	bash -c "$(declare -f inC); C=$C; inC timeout 300 tftp -m binary 198.18.4.1 -c get f256k.bin o1 && cmp -s o1 root/f256k.bin"
check "atftp blksize 1468 windowsize 16, 1 MiB: byte-exact" \
	bash -c "$(declare -f inC); C=$C; inC timeout 300 atftp --option 'blksize 1468' --option 'windowsize 16' -g -r f1m.bin -l o2 198.18.4.1 >/dev/null 2>&1 && cmp -s o2 root/f1m.bin"
check "curl --tftp-blksize 1468, 256 KiB: byte-exact" \
	bash -c "$(declare -f inC); C=$C; inC timeout 300 curl -sS --tftp-blksize 1468 tftp://198.18.4.1/f256k.bin -o o3 && cmp -s o3 root/f256k.bin"
grep 'tftp peer=' "$T/bootherd.log" | sed 's/^/    /' >&2
retrans=$(grep -o 'retransmits=[0-9]*' "$T/bootherd.log" | cut -d= -f2 | awk '{ n += $1 } END { print n + 0 }')
check "the server retransmitted (loss was real): $retrans" test "${retrans:-0}" -gt 0
for ns in "$S" "$C"; do
	ip netns exec "$ns" nft list ruleset 2>/dev/null | grep -o 'counter packets [0-9]*' | sed "s/^/    $ns dropped: /" >&2 || true
done
# The transfers the clients completed are logged ok; a client that left
# while its final ACK was lost shows as "unconfirmed" (or is still being
# retried): never as a failure before the end.
check "at least two transfers logged ok" test "$(grep -c 'tftp peer=.*result=ok' "$T/bootherd.log")" -ge 2
check "no transfer failed" bash -c "! grep -qE 'result=(timeout|peer-error|unreachable|io-error)' $T/bootherd.log"
finish
