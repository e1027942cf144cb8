#!/usr/bin/env bash
# Bounded discovered inventory (issue 12): 10,000 GETs of
# /boot/<random-mac>.ipxe over keep-alive connections leave at most
# [boot] discovered_max discovered machines; one address creates at most its
# burst; the limits are logged and counted; the daemon keeps answering; an
# unknown machine's retry loop is one event.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/_daemon.sh"
in_private_netns "$@"

PORT=$(free_port)
write_config "$T/bh.conf" "$PORT" "discovered_max = 500" "discovered_per_address_burst = 300" \
	"discovered_per_address_per_min = 60"
BH=("$BOOTHERD" --config "$T/bh.conf")
ADMIN=$("${BH[@]}" token create ci --role admin 2>/dev/null)
start_daemon "$T/bh.conf"
U="http://127.0.0.1:$PORT"

flood() { # flood SOURCE-ADDRESS COUNT: GETs of random MACs over one keep-alive connection
	python3 - "$1" "$PORT" "$2" <<'PY'
import http.client, random, sys
src, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
c = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(src, 0))
ok = 0
for i in range(count):
    mac = "52:%02x:%02x:%02x:%02x:%02x" % tuple(random.randrange(256) for _ in range(5))
    try:
        c.request("GET", "/boot/%s.ipxe" % mac)
        r = c.getresponse()
        r.read()
        ok += r.status == 200
    except Exception:
        c.close()
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(src, 0))
print(ok)
PY
}
discovered() {
	curl -s -H "Authorization: Bearer $ADMIN" "$U/api/v1/machines?state=discovered&limit=1" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])'
}

# An unknown machine's retry loop: 20 polls, one event.
for i in $(seq 1 20); do curl -s -o /dev/null "$U/boot/52:54:00:00:00:99.ipxe"; sleep 0.1; done
sleep 2.5
events=$(curl -s -H "Authorization: Bearer $ADMIN" "$U/api/v1/events?mac=52:54:00:00:00:99&limit=100" |
	python3 -c 'import json,sys; j=json.load(sys.stdin); print(len(j["events"] if isinstance(j, dict) else j))')
expect_eq "20 polls of a waiting machine: one event" 1 "$events"

# One address: its burst (300), then the maximum (500) with a second one.
SECONDS=0
ok1=$(flood 127.0.0.2 5000)
sleep 1.5 # recorded before the second address starts
ok2=$(flood 127.0.0.3 5000)
log "    10,000 GETs in ${SECONDS}s"
expect_eq "the flood from 127.0.0.2 was answered (wait scripts)" 5000 "$ok1"
expect_eq "the flood from 127.0.0.3 was answered (wait scripts)" 5000 "$ok2"
code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$U/boot.ipxe")
expect_eq "the daemon answers right after the flood (2 s timeout)" 200 "$code"
sleep 2.5 # the event writer runs every second
n=$(discovered)
log "    discovered machines: $n"
check "discovered machines <= discovered_max (500)" test "$n" -le 500
check "the limit was reached (300 + 200)" test "$n" -ge 490
check "one address created its burst, not more" grep -q 'peer 127.0.0.2 creates discovered machines too fast' "$T/bootherd.log"
check "the rate limit was logged" grep -q 'creates discovered machines too fast' "$T/bootherd.log"
check "the maximum was logged" grep -q 'discovered machines (\[boot\] discovered_max)' "$T/bootherd.log"
metrics=$(curl -s "$U/metrics")
check "refused-rate counted" grep -q 'bootherd_discovered_total{outcome="refused-rate"}' <<<"$metrics"
check "refused-limit counted" grep -q 'bootherd_discovered_total{outcome="refused-limit"}' <<<"$metrics"

code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$U/boot.ipxe")
expect_eq "still answering" 200 "$code"
stop_daemon
finish
