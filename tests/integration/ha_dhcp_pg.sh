#!/usr/bin/env bash
# Two bootherd DHCP servers (mode = server) on one segment and one
# PostgreSQL 15 (issue 11, docs/ha.md "DHCP across servers"): never one
# address to two clients, whichever server answers.
#
#   1. two real clients (udhcpc) race for the last free address, each
#      through a different server: one gets it, the other gets nothing;
#   2. a client whose lease server A granted: server B gives another client
#      another address, and the first client renews at B (A unreachable for
#      it: RENEWING then REBINDING) and keeps its address;
#   3. perfdhcp against both servers at once (each through its own relay
#      address, the same pool): every address ACKed to a client is that
#      client's row in the database (no address ACKed to two clients), and
#      perfdhcp reports no non-unique address.
#
# Which client reaches which server is set with nftables in each server's
# namespace (drop a client's MAC), on one bridge.  Addresses: 198.18.0.0/24.
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
CL=$(ns_name cl)
CL3=$(ns_name cl3) # c3 and c4 alone in theirs: a renewal leaves by the
CL4=$(ns_name cl4) # leased port, and ARP for an address is answered by it
for ns in "$SW" "$SA" "$SB" "$CL" "$CL3" "$CL4"; do ns_add "$ns"; done
ip -n "$SW" link add br0 type bridge
ip -n "$SW" link set br0 up
dh_port "$SA" sa0
dh_port "$SB" sb0
ip -n "$SA" addr add 198.18.0.1/24 dev sa0
ip -n "$SB" addr add 198.18.0.2/24 dev sb0
M1=02:00:00:00:02:01 M2=02:00:00:00:02:02 M3=02:00:00:00:02:03 M4=02:00:00:00:02:04
dh_port "$CL" c1 $M1
dh_port "$CL" c2 $M2
dh_port "$CL3" c3 $M3
dh_port "$CL4" c4 $M4

# block NS MAC / unblock NS MAC: that server no longer hears that client.
for ns in "$SA" "$SB"; do
	ip netns exec "$ns" nft add table inet bh
	ip netns exec "$ns" nft add chain inet bh in '{ type filter hook input priority 0; }'
done
block() { ip netns exec "$1" nft add rule inet bh in ether saddr "$2" drop comment "\"$2\""; }
# hold NS: that server hears no DHCPREQUEST (option 53 first, as udhcpc
# sends it: UDP payload bytes 240-242 = 35 01 03); unblock NS hold ends it.
hold() { ip netns exec "$1" nft add rule inet bh in udp dport 67 @th,1984,24 0x350103 drop comment '"hold"'; }
unblock() {
	local h
	h=$(ip netns exec "$1" nft -a list chain inet bh in | sed -n "s/.*comment \"$2\" # handle \([0-9]*\)/\1/p")
	ip netns exec "$1" nft delete rule inet bh in handle "$h"
}

# conf NAME ADDR IFACE RANGE
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
range = $4
router = 198.18.0.254
lease_time = 600
CONF
}
declare -A PID
# start NAME NS: bootherd serve in NS, stderr to $T/NAME.log; waits for DHCP.
start() {
	touch "$T/$1.log"
	local from=$(($(wc -l <"$T/$1.log") + 1))
	ip netns exec "$2" "$BOOTHERD" --config "$T/$1.conf" serve 2>>"$T/$1.log" &
	PID[$1]=$!
	on_exit "kill ${PID[$1]} 2>/dev/null; wait ${PID[$1]} 2>/dev/null"
	_up() { tail -n "+$from" "$T/$1.log" | grep -q "dhcp: serving on"; }
	wait_for 15 _up "$1" || {
		log "server $1 did not start:"
		tail -20 "$T/$1.log" >&2
		return 1
	}
}
stop() {
	kill "${PID[$1]}" 2>/dev/null || true
	wait "${PID[$1]}" 2>/dev/null || true
}
# The database's leases as "IP MAC STATE" lines.
leases() {
	sql "SELECT (ip >> 24) || '.' || ((ip >> 16) & 255) || '.' || ((ip >> 8) & 255) || '.' ||
	     (ip & 255) || ' ' || mac || ' ' || state FROM lease ORDER BY ip"
}

log "== two clients race for the last free address through different servers"
conf a 198.18.0.1 sa0 "198.18.0.100 198.18.0.100"
conf b 198.18.0.2 sb0 "198.18.0.100 198.18.0.100"
start a "$SA"
start b "$SB"
block "$SB" $M1 # c1 talks to A only, c2 to B only
block "$SA" $M2
# Both offers out before either REQUEST is heard: a real race (each server
# gave the address to its own client), whatever the timing of the clients.
hold "$SA"
hold "$SB"
dh_udhcpc c1 >/dev/null &
r1=$!
dh_udhcpc c2 >/dev/null &
r2=$!
offered() { grep -q "mac=$2 .*DISCOVER.* -> OFFER ip=198.18.0.100" "$T/$1.log"; }
wait_for 10 offered a $M1 && wait_for 10 offered b $M2 || true
unblock "$SA" hold
unblock "$SB" hold
wait $r1 $r2
b1=$(grep -c '^bound ip=198.18.0.100' "$T/udhcpc-c1.out" 2>/dev/null || true)
b2=$(grep -c '^bound ip=198.18.0.100' "$T/udhcpc-c2.out" 2>/dev/null || true)
log "  c1 bound $b1 time(s), c2 bound $b2 time(s); database: $(leases | tr '\n' ';')"
check "each server offered the address to its client" \
	grep -q "mac=$M1 .*DISCOVER.* -> OFFER ip=198.18.0.100" "$T/a.log"
check "  (B to c2)" grep -q "mac=$M2 .*DISCOVER.* -> OFFER ip=198.18.0.100" "$T/b.log"
expect_eq "exactly one of the two clients got it" 1 $((b1 + b2))
winner=$M1
[ "$b2" -gt 0 ] && winner=$M2
expect_eq "the database gives it to that client" "198.18.0.100 $winner bound" "$(leases)"
loser=$M2 lsrv=b
[ $winner = $M2 ] && loser=$M1 lsrv=a
log "  the loser's server: $(grep "mac=$loser" "$T/$lsrv.log" | grep -o '\(REQUEST\|DISCOVER\).*' | tr '\n' ';')"
check "the loser's REQUEST was NAKed" grep -q "mac=$loser .*REQUEST.*\(-> NAK\|lost to another server\)" "$T/$lsrv.log"
unblock "$SB" $M1
unblock "$SA" $M2
stop a
stop b

log "== a lease granted by A renews at B"
conf a 198.18.0.1 sa0 "198.18.0.100 198.18.0.110"
conf b 198.18.0.2 sb0 "198.18.0.100 198.18.0.110"
start a "$SA"
start b "$SB"
block "$SB" $M3 # c3 gets its lease from A
[ -x "$T/udhcpc.sh" ] || dh_udhcpc_script
UDHCPC_OUT="$T/udhcpc-c3.out" ip netns exec "$CL3" busybox udhcpc -f -i c3 -t 4 -T 1 -A 1 \
	-s "$T/udhcpc.sh" >>"$T/udhcpc-c3.log" 2>&1 &
U3=$!
on_exit "kill $U3 2>/dev/null"
c3_bound() { grep -q '^bound' "$T/udhcpc-c3.out"; }
check "c3 bound through A" wait_for 15 c3_bound
X=$(field ip "$(grep '^bound' "$T/udhcpc-c3.out" | tail -1)")
check "A acked it ($X)" grep -q "mac=$M3 .*REQUEST.* -> ACK ip=$X " "$T/a.log"
block "$SA" $M4 # c4 gets its lease from B, which must not hand out c3's
Y=$(field ip "$(CL=$CL4 dh_udhcpc c4)")
check "B acked c4 ($Y)" grep -q "mac=$M4 .*REQUEST.* -> ACK ip=$Y " "$T/b.log"
check "c4's address is not c3's ($Y, $X)" test -n "$Y" -a "$Y" != "$X"
# c3 renews: A no longer hears it, B does.  SIGUSR1 = renew now (unicast
# to A, RENEWING), then REBINDING: broadcast, answered by B.
block "$SA" $M3
unblock "$SB" $M3
lines=$(wc -l <"$T/udhcpc-c3.out")
kill -USR1 $U3
c3_again() { tail -n "+$((lines + 1))" "$T/udhcpc-c3.out" | grep -q '^\(renew\|bound\)'; }
check "c3 has a lease again" wait_for 20 c3_again
log "  c3 after the renewal signal: $(tail -n "+$((lines + 1))" "$T/udhcpc-c3.out" | cut -d' ' -f1-2 | tr '\n' ';')"
log "  B about c3: $(grep "mac=$M3" "$T/b.log" | sed 's/.*\(DISCOVER\|REQUEST\)/\1/' | tr '\n' ';')"
expect_eq "c3 renewed its address at B" "renew ip=$X" \
	"$(tail -n "+$((lines + 1))" "$T/udhcpc-c3.out" | grep '^\(renew\|bound\|deconfig\)' |
		head -1 | cut -d' ' -f1-2)"
check "B acked c3's renewal" grep -q "mac=$M3 .*REQUEST.* -> ACK ip=$X " "$T/b.log"
expect_eq "the database: c3 holds $X" "$X $M3 bound" "$(leases | grep "^$X ")"
kill $U3 2>/dev/null || true
wait $U3 2>/dev/null || true
stop a
stop b

log "== perfdhcp against both servers at once, one pool"
sql "DELETE FROM lease" >/dev/null
conf a 198.18.0.1 sa0 "198.18.0.10 198.18.0.250"
conf b 198.18.0.2 sb0 "198.18.0.10 198.18.0.250"
: >"$T/a.log"
: >"$T/b.log"
start a "$SA"
start b "$SB"
R1=$(ns_name r1)
R2=$(ns_name r2)
ns_add "$R1"
ns_add "$R2"
dh_port "$R1" r1
dh_port "$R2" r2
ip -n "$R1" addr add 198.18.0.3/24 dev r1
ip -n "$R2" addr add 198.18.0.4/24 dev r2
# Each perfdhcp is a relay (giaddr = its address, in the servers' subnet)
# for 110 clients of its own, one DORA each (-u: uniqueness check).
perf() {
	timeout 60 ip netns exec "$1" perfdhcp -4 -l "$2" -r 100 -R 110 -n 110 -u -W 2000000 \
		-b "mac=$3" "$4" >"$T/perf-$1.out" 2>&1 || true
}
perf "$R1" 198.18.0.3 00:0c:01:00:00:00 198.18.0.1 &
p1=$!
perf "$R2" 198.18.0.4 00:0c:02:00:00:00 198.18.0.2 &
p2=$!
wait $p1 $p2
sleep 1
for r in "$R1" "$R2"; do
	log "  perfdhcp $r: $(grep -E '^(sent|received) packets|non.unique' "$T/perf-$r.out" | tr '\n' ';')"
done
# ACKs each server sent: "mac ip" for every ACK not turned into a NAK.
acked() {
	awk '/ -> ACK ip=/ { match($0, /xid=[0-9a-f]+ mac=[0-9a-f:]+/); k = substr($0, RSTART, RLENGTH);
	                      match($0, /ACK ip=[0-9.]+/); ip[k] = substr($0, RSTART + 7, RLENGTH - 7) }
	     / lost to another server.s client -> NAK/ { match($0, /xid=[0-9a-f]+ mac=[0-9a-f:]+/);
	                      lost[substr($0, RSTART, RLENGTH)] = 1 }
	     END { for (k in ip) if (!(k in lost)) { split(k, a, /[ =]/); print ip[k], a[4] } }' "$@" |
		sort -u
}
acked "$T/a.log" >"$T/acked-a"
acked "$T/b.log" >"$T/acked-b"
na=$(wc -l <"$T/acked-a")
nb=$(wc -l <"$T/acked-b")
lost=$(cat "$T/a.log" "$T/b.log" | grep -c 'lost to another server' || true)
log "  ACKed: $na by A, $nb by B; $lost ACK(s) turned into NAKs (lost races)"
check "both servers handed out leases" test "$na" -gt 20 -a "$nb" -gt 20
sort -u "$T/acked-a" "$T/acked-b" >"$T/acked"
dups=$(cut -d' ' -f1 "$T/acked" | sort | uniq -d | wc -l)
expect_eq "no address ACKed to two clients" 0 "$dups"
leases | awk '$3 == "bound" { print $1, $2 }' | sort >"$T/db-bound"
expect_eq "every ACKed lease is its client's row in the database" "" \
	"$(comm -23 "$T/acked" "$T/db-bound" | head -5 | tr '\n' ';')"
for r in "$R1" "$R2"; do
	nu=$(sed -n 's/.*non.unique[^0-9]*\([0-9]*\).*/\1/p' "$T/perf-$r.out" | head -1)
	expect_eq "perfdhcp ($r): 0 non-unique addresses" 0 "${nu:-missing}"
done
finish
