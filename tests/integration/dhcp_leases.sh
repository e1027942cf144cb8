#!/usr/bin/env bash
# Lease durability and uniqueness: a lease ACKed just before kill -9 is there
# after restart and its client keeps its address (dhclient INIT-REBOOT);
# a clean restart keeps leases; two clients racing for the last free address
# never both get it; expired leases are reclaimed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dhcp_common.bash"

dh_setup
for n in 1 2 3 4; do
	dh_port "$CL" "c$n" "02:00:00:00:01:0$n"
done
# A pool of two addresses and 60 s leases.
dh_conf
sed -i 's/^range = .*/range = 198.18.0.100 198.18.0.101/; s/^lease_time = .*/lease_time = 60/' \
	"$T/bh.conf"
DB="$T/state/bootherd.db"
dh_start

# ISC dhclient keeps a lease file, so after a restart it asks for its old
# address (INIT-REBOOT: REQUEST with option 50, no server id).
cat >"$T/dhclient-script" <<S
#!/bin/sh
echo "\$reason ip=\$new_ip_address" >>"$T/dhclient.out"
S
chmod +x "$T/dhclient-script"
: >"$T/dhclient.conf"
dhc() {
	timeout 30 ip netns exec "$CL" dhclient -1 -4 -cf "$T/dhclient.conf" \
		-sf "$T/dhclient-script" -lf "$T/dhclient.leases" -pf "$T/dhclient.pid" c1 \
		>>"$T/dhclient.log" 2>&1 || true
	kill "$(cat "$T/dhclient.pid" 2>/dev/null)" 2>/dev/null || true
}
on_exit 'kill $(cat $T/dhclient.pid 2>/dev/null) 2>/dev/null'

dhc
A=$(field ip "$(grep '^BOUND' "$T/dhclient.out" | tail -1)")
expect_match "first client bound" '^198\.18\.0\.10[01]$' "$A"
# kill -9 right after the ACK: the lease was committed before it was sent.
kill -9 "$BH_PID"
wait "$BH_PID" 2>/dev/null || true
expect_eq "lease in the database after kill -9" "bound" \
	"$(sqlite3 "$DB" "select state from lease where mac='02:00:00:00:01:01'")"

dh_start
check "restart loaded the lease" grep -q "1 lease(s) loaded" "$T/bootherd.log"
# Another client must not get A.
line=$(dh_udhcpc c2)
B=$(field ip "$line")
expect_match "second client bound" '^198\.18\.0\.10[01]$' "$B"
check "second client got a different address" test "$A" != "$B"
# The first client comes back with its lease file: same address.
: >"$T/dhclient.out"
dhc
expect_eq "INIT-REBOOT after restart keeps the address" "REBOOT ip=$A" \
	"$(grep '^REBOOT\|^BOUND' "$T/dhclient.out" | tail -1)"

# The pool (2 addresses) is full: a third client gets nothing.
line=$(dh_udhcpc c3)
expect_eq "pool exhausted: no lease" "" "$line"
check "exhaustion logged" grep -q "pool exhausted" "$T/bootherd.log"

# Clean restart, then release B and race two clients for the one free address.
dh_stop
dh_start
check "clean restart keeps both leases" grep -q "2 lease(s) loaded" "$T/bootherd.log"
ip netns exec "$CL" python3 - "$B" <<'PY'
import socket, struct, sys
ip = bytes(int(x) for x in sys.argv[1].split("."))
mac = bytes.fromhex("020000000102")
pkt = struct.pack("!BBBBIHHIIII", 1, 1, 6, 0, 0x5eed, 0, 0, int.from_bytes(ip, "big"), 0, 0, 0)
pkt += mac.ljust(16, b"\0") + b"\0" * 192 + b"\x63\x82\x53\x63"
pkt += b"\x35\x01\x07" + b"\x36\x04" + bytes([198, 18, 0, 1]) + b"\x3d\x07\x01" + mac + b"\xff"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"c2")
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.bind(("0.0.0.0", 68))
s.sendto(pkt, ("255.255.255.255", 67))
PY
check "RELEASE stored" wait_for 5 db_eq \
	"select state from lease where mac='02:00:00:00:01:02'" released
: >"$T/udhcpc-c3.out"
: >"$T/udhcpc-c4.out"
dh_udhcpc c3 >/dev/null &
R1=$!
dh_udhcpc c4 >/dev/null &
R2=$!
wait $R1 $R2
won=$(cat "$T/udhcpc-c3.out" "$T/udhcpc-c4.out" | grep -c "^bound ip=$B " || true)
expect_eq "exactly one of two racing clients got the last address" 1 "$won"
expect_eq "the database holds it bound once" 1 "$(sqlite3 "$DB" \
	"select count(*) from lease where state='bound' and ip=(select ip from lease where state='bound' and mac in ('02:00:00:00:01:03','02:00:00:00:01:04'))")"

# Expiry: after 60 s + the sweep the leases turn expired and are reusable.
# (Bounded wait; the sweep runs every 30 s.)
check "expired leases marked in the store" wait_for 100 db_ge \
	"select count(*) from lease where state='expired'" 1
# ... and reusable: the client that found the pool full now gets one.
line=$(dh_udhcpc c2)
expect_match "expired address reclaimed for another client" 'ip=198\.18\.0\.10[01] ' "$line"
finish
