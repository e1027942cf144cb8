#!/usr/bin/env bash
# Overload sheds, never queues (issue 15): requests that waited in the
# socket longer than [dhcp] max_request_age_ms (default 1000) are dropped
# unanswered and counted; a fresh request right after is answered.
# The server is frozen (SIGSTOP) while DISCOVERs queue, then resumed
# (SIGCONT) 2 s later.  With max_request_age_ms = 0 the same stale
# DISCOVERs are all answered (the old behaviour), which shows the test
# tells the two apart.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dhcp_common.bash"

dh_setup
dh_port "$CL" c1 02:00:00:00:0f:01

# burst PID DIR [N STOP_S MACS]: freezes PID, broadcasts N (8) DISCOVERs
# (xids 0x570000NN, from MACS (8) MACs), waits STOP_S (2) s, resumes PID, sends one fresh DISCOVER (xid 0x5800000F), and
# prints "stale=<offers to the stale ones> fresh=<offers to the fresh one>"
# after listening 3 s more.
cat >"$T/burst.py" <<'PY'
import os, signal, socket, sys, time
# dhcp_pxe_client.py's helpers, without running its main()
exec(open(sys.argv[2] + "/dhcp_pxe_client.py").read().rsplit("\nmain()", 1)[0])
pid = int(sys.argv[1])
n, stop_s, macs = (int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])) if len(sys.argv) > 5 \
    else (8, 2.0, 8)
s = sock("c1")
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
os.kill(pid, signal.SIGSTOP)
try:
    for i in range(n):
        mac = bytes([2, 0, 0, 0, 0x0f, 0x10 + i % macs])
        _, pkt = build(1, mac, 0, "PXEClient:Arch:00000:UNDI:002001", xid=0x57000000 + i)
        s.sendto(pkt, ("255.255.255.255", 67))
    time.sleep(stop_s)
finally:
    os.kill(pid, signal.SIGCONT)
_, pkt = build(1, bytes([2, 0, 0, 0, 0x0f, 0x20]), 0, "PXEClient:Arch:00000:UNDI:002001",
               xid=0x5800000F)
s.sendto(pkt, ("255.255.255.255", 67))
stale = fresh = 0
end = time.time() + 3
while time.time() < end:
    s.settimeout(max(0.01, end - time.time()))
    try:
        data, _ = s.recvfrom(4096)
    except socket.timeout:
        break
    r = parse(data)
    if not r or r["type"] != 2:
        continue
    if r["xid"] >> 8 == 0x570000:
        stale += 1
    elif r["xid"] == 0x5800000F:
        fresh += 1
print("stale=%d fresh=%d" % (stale, fresh))
PY

metrics() { ip netns exec "$SRV" curl -s "http://198.18.0.1:$DH_HTTP_PORT/metrics"; }

dh_conf
dh_start
out=$(ip netns exec "$CL" python3 "$T/burst.py" "$BH_PID" "$(dirname "$0")")
expect_match "no OFFER for the DISCOVERs that waited 2 s ($out)" 'stale=0 ' "$out"
expect_match "the fresh DISCOVER after them is answered ($out)" 'fresh=1$' "$out"
check "the server is running again" kill -0 "$BH_PID"
expect_match "metrics count the 8 shed requests" \
	'bootherd_dhcp_packets_total\{type="stale",outcome="shed"\} 8' "$(metrics)"
check "one rate-limited line says so" \
	grep -q "dhcp if=srv0: over capacity: shed 8 request(s) older than 1000 ms unanswered (oldest [12][0-9][0-9][0-9] ms" \
	"$T/bootherd.log"

# A backlog younger than the bound is answered in full, each request once,
# also when the turn reads it in several recvmmsg batches (OFFERs are sent
# after each batch of 32): 48 DISCOVERs queued for 0.3 s.
out=$(ip netns exec "$CL" python3 "$T/burst.py" "$BH_PID" "$(dirname "$0")" 48 0.3 12)
expect_match "48 DISCOVERs queued 0.3 s: 48 OFFERs, one each ($out)" 'stale=48 fresh=1' "$out"
dh_stop

# The control: shedding off, the same stale DISCOVERs are answered late.
rm -rf "$T/state" && mkdir -p "$T/state"
dh_conf "max_request_age_ms = 0"
dh_start
out=$(ip netns exec "$CL" python3 "$T/burst.py" "$BH_PID" "$(dirname "$0")")
expect_match "max_request_age_ms = 0: the stale DISCOVERs are answered ($out)" \
	'stale=8 fresh=1' "$out"
check "max_request_age_ms = 0: nothing shed" \
	bash -c "! ip netns exec $SRV curl -s http://198.18.0.1:$DH_HTTP_PORT/metrics | grep -q 'outcome=\"shed\"'"
dh_stop
finish
