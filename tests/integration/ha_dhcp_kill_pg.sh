#!/usr/bin/env bash
# kill -9 of one of two bootherd DHCP servers (mode = server) on one
# PostgreSQL 15, in the middle of a DORA load (issue 11, item 4; docs/ha.md
# "DHCP across servers"):
#
#   1. every ACK either server put on the wire (captured at the perfdhcp
#      relays, before and after the kill) is that client's bound row in the
#      database: nothing acknowledged is lost;
#   2. B keeps serving: new clients get leases from B after the kill;
#   3. a client whose lease A granted renews at B (RENEWING towards the dead
#      A, then REBINDING) and keeps its address;
#   4. no address ACKed to two clients, no client with two bound addresses.
#
# The kill lands inside one of A's lease commits: each lease write is slowed
# by a statement trigger (pg_sleep, as a loaded database is slow), and A is
# killed while its connection (application_name bh-kill-a) sleeps in it, so
# that turn's transaction never commits.  A server that sent its ACKs before
# the commit would have put those on the wire with no row behind them, and
# check 1 fails.  Addresses: 198.18.0.0/24.  HAKILL_KEEP=DIR keeps the logs
# and captures there.  Why the wire and not the logs: bootherd logs
# "-> ACK" when it decides, before the commit, so a killed server has logged
# ACKs that never went.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/dhcp_common.bash"
source "$ROOT/tests/pg.bash"

PGD=$(mktemp -d /tmp/bootherd-pg-XXXXXX)
on_exit "pg_down $PGD immediate; rm -rf $PGD"
pg_start "$PGD"
DB=$(pg_url "$PGD")
sql() { psql -X -q -t -A "$DB" -c "$1"; }

SW=$(ns_name sw)
SA=$(ns_name sa)
SB=$(ns_name sb)
CL3=$(ns_name cl3)
R1=$(ns_name r1)
R2=$(ns_name r2)
for ns in "$SW" "$SA" "$SB" "$CL3" "$R1" "$R2"; do ns_add "$ns"; done
ip -n "$SW" link add br0 type bridge
ip -n "$SW" link set br0 up
dh_port "$SA" sa0
dh_port "$SB" sb0
ip -n "$SA" addr add 198.18.0.1/24 dev sa0
ip -n "$SB" addr add 198.18.0.2/24 dev sb0
M3=02:00:00:00:03:03
dh_port "$CL3" c3 $M3
dh_port "$R1" r1
dh_port "$R2" r2
ip -n "$R1" addr add 198.18.0.3/24 dev r1
ip -n "$R2" addr add 198.18.0.4/24 dev r2

ip netns exec "$SB" nft add table inet bh
ip netns exec "$SB" nft add chain inet bh in '{ type filter hook input priority 0; }'
ip netns exec "$SB" nft add rule inet bh in ether saddr $M3 drop comment '"c3"'
unblock_c3_at_b() {
	local h
	h=$(ip netns exec "$SB" nft -a list chain inet bh in | sed -n 's/.*comment "c3" # handle \([0-9]*\)/\1/p')
	ip netns exec "$SB" nft delete rule inet bh in handle "$h"
}

# conf NAME ADDR IFACE
conf() {
	mkdir -p "$T/state-$1"
	cat >"$T/$1.conf" <<CONF
[server]
name = server-$1
state_dir = $T/state-$1
log_level = info
[http]
listen = $2:8080
[tftp]
enabled = false
[store]
url = $DB
[dhcp]
mode = server
interface = $3
range = 198.18.0.10 198.18.0.250
router = 198.18.0.254
lease_time = 600
CONF
}
declare -A PID
# start NAME NS: bootherd serve in NS (database connection named bh-kill-NAME),
# stderr to $T/NAME.log; waits for DHCP.
start() {
	: >"$T/$1.log"
	PGAPPNAME="bh-kill-$1" ip netns exec "$2" "$BOOTHERD" --config "$T/$1.conf" serve \
		2>>"$T/$1.log" &
	PID[$1]=$!
	on_exit "kill -9 ${PID[$1]} 2>/dev/null; wait ${PID[$1]} 2>/dev/null"
	_up() { grep -q "dhcp: serving on" "$T/$1.log"; }
	wait_for 15 _up "$1" || {
		log "server $1 did not start:"
		tail -20 "$T/$1.log" >&2
		return 1
	}
}
# The database's leases as "IP MAC STATE" lines.
leases() {
	sql "SELECT (ip >> 24) || '.' || ((ip >> 16) & 255) || '.' || ((ip >> 8) & 255) || '.' ||
	     (ip & 255) || ' ' || mac || ' ' || state FROM lease ORDER BY ip"
}

# capture NS IFACE FILE: DHCP server replies seen at that relay, as pcap.
declare -A CAP
capture() {
	ip netns exec "$1" tcpdump -i "$2" -n -U -s 0 -w - 'udp src port 67' >"$3" 2>"$3.err" &
	CAP[$1]=$!
	on_exit "kill ${CAP[$1]} 2>/dev/null; wait ${CAP[$1]} 2>/dev/null"
	_listening() { grep -q "listening on" "$1"; }
	wait_for 10 _listening "$3.err"
}
# acks PCAP...: "SERVER IP MAC" for every DHCPACK in the captures (Ethernet,
# IPv4, UDP, BOOTP; a record cut short by the end of the capture is skipped).
acks() {
	python3 - "$@" <<'PY'
import struct, sys
for path in sys.argv[1:]:
    data = open(path, 'rb').read()
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack_from('<I', data, off + 8)[0]
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if len(pkt) < incl or len(pkt) < 14 + 20 or pkt[12:14] != b'\x08\x00':
            continue
        ihl = (pkt[14] & 15) * 4
        src = '.'.join(str(b) for b in pkt[26:30])
        b = pkt[14 + ihl + 8:]
        if len(b) < 240 or b[236:240] != b'\x63\x82\x53\x63':
            continue
        i, mt = 240, None
        while i < len(b) and b[i] != 255:
            if b[i] == 0:
                i += 1
                continue
            if i + 1 >= len(b):
                break
            if b[i] == 53 and b[i + 1] >= 1 and i + 2 < len(b):
                mt = b[i + 2]
            i += 2 + b[i + 1]
        if mt == 5:
            print(src, '.'.join(str(x) for x in b[16:20]), ':'.join('%02x' % x for x in b[28:34]))
PY
}
# perf NS RELAY MACBASE SERVER RATE CLIENTS: perfdhcp as a relay, one DORA
# per exchange, bounded by -p (seconds) and timeout.
perf() {
	timeout 60 ip netns exec "$1" perfdhcp -4 -l "$2" -r "$5" -R "$6" -n "$6" -p $(($6 / $5 + 1)) \
		-u -W 2000000 -b "mac=$3" "$4" >"$T/perf-$1-$3.out" 2>&1 || true
}

# Every lease write waits 10 ms inside its transaction (one statement per
# lease in a server's group commit).
sql "CREATE FUNCTION slow_lease() RETURNS trigger LANGUAGE plpgsql AS
       \$\$ BEGIN PERFORM pg_sleep(0.01); RETURN NULL; END \$\$" >/dev/null
conf a 198.18.0.1 sa0
conf b 198.18.0.2 sb0
start a "$SA"
start b "$SB"
# The trigger after the servers' migrations (the lease table exists now).
sql "CREATE TRIGGER slow_lease BEFORE INSERT OR UPDATE ON lease
       FOR EACH STATEMENT EXECUTE FUNCTION slow_lease()" >/dev/null

log "== c3 gets its lease from A"
dh_udhcpc_script
UDHCPC_OUT="$T/udhcpc-c3.out" ip netns exec "$CL3" busybox udhcpc -f -i c3 -t 4 -T 1 -A 1 \
	-s "$T/udhcpc.sh" >>"$T/udhcpc-c3.log" 2>&1 &
U3=$!
on_exit "kill $U3 2>/dev/null; wait $U3 2>/dev/null"
c3_bound() { grep -q '^bound' "$T/udhcpc-c3.out"; }
check "c3 bound through A" wait_for 15 c3_bound
X=$(field ip "$(grep '^bound' "$T/udhcpc-c3.out" | tail -1)")
check "A acked it ($X)" grep -q "mac=$M3 .*REQUEST.* -> ACK ip=$X " "$T/a.log"

log "== DORA load on both servers, A killed (-9) in the middle of one of its commits"
capture "$R1" r1 "$T/r1.pcap"
capture "$R2" r2 "$T/r2.pcap"
t0=$SECONDS
perf "$R1" 198.18.0.3 00:0c:01:00:00:00 198.18.0.1 40 120 &
p1=$!
perf "$R2" 198.18.0.4 00:0c:02:00:00:00 198.18.0.2 20 40 &
p2=$!
on_exit "kill $p1 $p2 2>/dev/null"
a_acked() { [ "$(grep -c ' -> ACK ip=' "$T/a.log")" -ge "$1" ]; }
# A's connection sleeping in the trigger = inside a lease transaction.
a_in_commit() {
	[ "$(sql "SELECT count(*) FROM pg_stat_activity
	          WHERE application_name = 'bh-kill-a' AND wait_event = 'PgSleep'")" -gt 0 ]
}
check "A ACKed 25 clients of the load" wait_for 15 a_acked 26
check "A caught inside a lease commit" wait_for 5 a_in_commit
kill -9 "${PID[a]}"
wait "${PID[a]}" 2>/dev/null || true
log "  A killed $((SECONDS - t0)) s into the load"
wait $p1 $p2
log "== new clients at B after the kill"
perf "$R2" 198.18.0.4 00:0c:03:00:00:00 198.18.0.2 20 40
sleep 1
for f in "$T"/perf-*.out; do
	log "  $(basename "$f"): $(grep -E '^(sent|received) packets|non.unique' "$f" | tr '\n' ';')"
done

log "== c3 renews at B"
unblock_c3_at_b
lines=$(wc -l <"$T/udhcpc-c3.out")
kill -USR1 $U3
c3_again() { tail -n "+$((lines + 1))" "$T/udhcpc-c3.out" | grep -q '^\(renew\|bound\)'; }
check "c3 has a lease again" wait_for 25 c3_again
expect_eq "c3 renewed its address at B" "renew ip=$X" \
	"$(tail -n "+$((lines + 1))" "$T/udhcpc-c3.out" | grep '^\(renew\|bound\|deconfig\)' |
		head -1 | cut -d' ' -f1-2)"
check "B acked c3's renewal" grep -q "mac=$M3 .*REQUEST.* -> ACK ip=$X " "$T/b.log"
kill $U3 2>/dev/null || true
wait $U3 2>/dev/null || true
kill "${CAP[$R1]}" "${CAP[$R2]}" 2>/dev/null || true
wait "${CAP[$R1]}" "${CAP[$R2]}" 2>/dev/null || true

log "== what was ACKed against the database"
acks "$T/r1.pcap" "$T/r2.pcap" | sort -u >"$T/wire"
na=$(grep -c '^198.18.0.1 ' "$T/wire" || true)
nb=$(grep -c '^198.18.0.2 ' "$T/wire" || true)
nb_new=$(grep '^198.18.0.2 ' "$T/wire" | grep -c ' 00:0c:03:' || true)
# ACK decisions A logged for the load (an ACK that lost its claim is logged
# again as a NAK and did not go); those not on the wire were in the commit
# the kill interrupted.
logged_a=$(($(grep ' -> ACK ip=' "$T/a.log" | grep -vc "mac=$M3" || true) -
	$(grep -c 'lost to another server' "$T/a.log" || true)))
log "  on the wire: A ACKed $na, B ACKed $nb ($nb_new of them to the 40 clients after the kill);"
log "  A had logged $logged_a ACK decisions: $((logged_a - na)) never left (killed before its commit ended)"
check "A ACKed before the kill, then stopped" test "$na" -ge 10 -a "$na" -lt 120
check "the kill caught ACKs A had decided but not sent" test $((logged_a - na)) -ge 1
check "B served new clients after the kill (>= 36 of 40)" test "$nb_new" -ge 36
awk '{ print $2, $3 }' "$T/wire" | sort -u >"$T/acked"
leases | awk '$3 == "bound" { print $1, $2 }' | sort >"$T/db-bound"
comm -23 "$T/acked" "$T/db-bound" >"$T/missing"
leases | cut -d' ' -f1 | sort >"$T/db-ips"
log "  ACKed leases not in the database: $(wc -l <"$T/missing"), of which address has no row: \
$(cut -d' ' -f1 "$T/missing" | sort | comm -23 - "$T/db-ips" | wc -l)"
expect_eq "every lease put on the wire is its client's bound row in the database" "" \
	"$(head -5 "$T/missing" | tr '\n' ';')"
expect_eq "no address ACKed to two clients" "" "$(cut -d' ' -f1 "$T/acked" | sort | uniq -d | head -5)"
expect_eq "no client with two bound addresses in the database" "" \
	"$(cut -d' ' -f2 "$T/db-bound" | sort | uniq -d | head -5)"
expect_eq "the database: c3 holds $X" "$X $M3 bound" "$(leases | grep "^$X ")"
for f in "$T"/perf-*.out; do
	nu=$(sed -n 's/.*non.unique[^0-9]*\([0-9]*\).*/\1/p' "$f" | head -1)
	expect_eq "perfdhcp ($(basename "$f")): 0 non-unique addresses" 0 "${nu:-missing}"
done
log "  run time: $SECONDS s"
[ -z "${HAKILL_KEEP:-}" ] || cp -r "$T" "$HAKILL_KEEP"
finish
