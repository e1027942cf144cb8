#!/usr/bin/env bash
# TFTP limits: concurrent transfers per client address and in total.  Held
# transfers (real clients that acknowledged the OACK and then crawl; a
# never-acknowledged one would be evicted, tftp_flood.sh) fill the limits;
# a real client then gets an ERROR with a clear message; once the held
# clients fall silent and the server gives up on them, service resumes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tftp_setup.inc"

tftp_tree
TP=$(udp_port)
HP=$(free_port)
# Generous timeouts: the held transfers must outlive a slow start of the
# raw clients on a loaded machine (seen failing at load 20 with 2 s).
tftp_conf 127.0.0.1 "$TP" "$HP" "max_per_client = 2" "max_transfers = 3" "timeout_ms = 5000" "retries = 3"
tftp_start
cd "$T"

hold() { # hold BIND-ADDRESS TAG: a transfer held open for 60 s
	$RAW hold 127.0.0.1 "$TP" f3m.bin 60 --bind "$1" >"held.$2" &
	on_exit "kill $! 2>/dev/null"
}
held_is() { [ "$(cat held.* 2>/dev/null | grep -c '^held')" = "$1" ]; }
# A held client that left: its port is closed (unreachable), or silent (timeout).
timeouts_ge() { [ "$(grep -cE 'result=(timeout|unreachable)' "$T/bootherd.log")" -ge "$1" ]; }

hold 127.0.0.1 a
hold 127.0.0.1 b
check "two transfers held from 127.0.0.1" wait_for 20 held_is 2

out=$(timeout 30 tftp -m binary 127.0.0.1 "$TP" -c get f1024.bin o1 2>&1 || true)
expect_match "per-client limit: tftp-hpa gets ERROR 0 with a clear message" \
	'Error code 0: too many transfers from 127\.0\.0\.1 \(max_per_client 2\), try again later' "$out"

hold 127.0.0.2 c
check "a third transfer held from 127.0.0.2" wait_for 20 held_is 3
out=$($RAW get 127.0.0.1 "$TP" f1024.bin o2 --bind 127.0.0.3)
expect_match "total limit: a client from 127.0.0.3 gets ERROR 0 'server busy'" \
	'^ERROR 0 server busy: 3 transfers in progress \(max_transfers\), try again later' "$out"
check "the refused client got no file" test ! -e o2

# The held transfers are abandoned after their retries; then all is well.
check "held transfers end once their clients leave" wait_for 150 timeouts_ge 3
check "service resumes: tftp-hpa byte-exact" bash -c "timeout 30 tftp -m binary 127.0.0.1 $TP -c get f1024.bin o3 && cmp -s o3 root/f1024.bin"
finish
