#!/usr/bin/env bash
# TFTP under a request flood (issue 12).  Requests that are never
# acknowledged, as from spoofed source addresses, get exactly one DATA
# packet each (no retransmission, no window: no amplification) and cannot
# keep a real client at another address out, whether they come from one
# address or from 32 (which fill max_transfers = 256 at max_per_client 8).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/_daemon.sh"
. "$(dirname "$0")/tftp_setup.inc"
in_private_netns "$@"

tftp_tree
TP=$(udp_port)
HP=$(free_port)
tftp_conf 127.0.0.1 "$TP" "$HP" # defaults: max_transfers 256, max_per_client 8, timeout 1 s
tftp_start
cd "$T"

# 1. 40 RRQs from one address, never acknowledged, watched for 5 s (the
#    server's own timer fires at 1 s and 3 s in that time).
out=$($RAW flood 127.0.0.1 "$TP" f1024.bin 40 5 --bind 127.0.0.2)
log "    $out"
expect_match "40 unacknowledged RRQs: exactly one DATA each, no ERROR" \
	'^data=40 error=0 sockets=40 max_data_per_socket=1 min_data_per_socket=1$' "$out"

# 2. 256 RRQs from one address while a client at another fetches a file.
$RAW flood 127.0.0.1 "$TP" f3m.bin 256 8 --bind 127.0.0.4 >flood1.out &
F1=$!
on_exit "kill $F1 2>/dev/null"
sleep 1
out=$($RAW get 127.0.0.1 "$TP" f256k.bin o1 --bind 127.0.0.3)
expect_eq "a client at another address during 256 RRQs from one address" "OK 262144" "$out"
check "and its file is intact" cmp -s o1 root/f256k.bin
wait "$F1"
check "flood 1: at most one DATA per RRQ" grep -q 'max_data_per_socket=1 ' flood1.out

# 3. 256 RRQs from 32 addresses (8 each: every transfer slot) while the
#    client fetches again; then a first-stage-sized file with options.
addrs=$(for i in $(seq 10 41); do printf '127.0.0.%d,' "$i"; done)
$RAW flood 127.0.0.1 "$TP" f3m.bin 256 8 --bind "${addrs%,}" >flood2.out &
F2=$!
on_exit "kill $F2 2>/dev/null"
sleep 1
out=$($RAW get 127.0.0.1 "$TP" f256k.bin o2 --bind 127.0.0.3)
expect_eq "a client during 256 RRQs from 32 addresses (all slots)" "OK 262144" "$out"
out=$($RAW get 127.0.0.1 "$TP" f3m.bin o3 --bind 127.0.0.5 --opt blksize=1468 --opt windowsize=8)
expect_eq "a windowed transfer during the flood" "OK 3000000" "$out"
wait "$F2"
log "    $(cat flood2.out)"
check "flood 2: at most one DATA per RRQ" grep -q 'max_data_per_socket=1 ' flood2.out
check "evictions are logged" grep -q 'result=evicted' "$T/bootherd.log"
check "and counted" sh -c "curl -s http://127.0.0.1:$HP/metrics | grep -q 'bootherd_tftp_transfers_total{outcome=\"evicted\"}'"
finish
