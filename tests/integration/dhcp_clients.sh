#!/usr/bin/env bash
# Real DHCP clients (busybox udhcpc, ISC dhclient) against bootherd in
# server mode: leases, network options, and the right boot file for each
# simulated client type (pxe-facts.md); inventory overrides; renewal;
# unknown MACs recorded as discovered.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dhcp_common.bash"

dh_setup
for n in 1 2 3 4 5 6 7 8 9; do
	dh_port "$CL" "c$n" "02:00:00:00:00:0$n"
done
dh_conf
URL="http://198.18.0.1:$DH_HTTP_PORT"

# Inventory: a boot-file override, a reservation with a hostname, netboot off.
bh machine add 02:00:00:00:00:05 --boot-file snponly.efi >/dev/null
bh machine add 02:00:00:00:00:06 --ip 198.18.0.50 --hostname node6 >/dev/null
bh machine add 02:00:00:00:00:07 --netboot off >/dev/null
dh_start

BIOS=(-V PXEClient:Arch:00000:UNDI:002001 -x 0x5d:0000)
UEFI=(-V PXEClient:Arch:00007:UNDI:003000 -x 0x5d:0007)

line=$(dh_udhcpc c1)
expect_match "plain client gets a pool address" 'ip=198\.18\.0\.1[0-2][0-9] ' "$line"
expect_eq "plain client gets no boot file" "" "$(field boot_file "$line")"
expect_eq "router option" "198.18.0.1" "$(field router "$line")"
expect_eq "domain option" "lab.test" "$(field domain "$line")"
expect_eq "lease time" "600" "$(field lease "$line")"
C1_IP=$(field ip "$line")

line=$(dh_udhcpc c2 "${BIOS[@]}")
expect_eq "BIOS PXE gets undionly.kpxe" "undionly.kpxe" "$(field boot_file "$line")"
expect_eq "BIOS PXE next-server" "198.18.0.1" "$(field siaddr "$line")"

line=$(dh_udhcpc c3 "${UEFI[@]}")
expect_eq "UEFI x64 PXE gets snponly.efi (the default)" "snponly.efi" "$(field boot_file "$line")"

# An inventory change while serving takes effect at the next request.
bh machine add 02:00:00:00:00:03 --boot-file snponly.efi >/dev/null
line=$(dh_udhcpc c3 "${UEFI[@]}")
expect_eq "inventory edit applies to the next request" "snponly.efi" "$(field boot_file "$line")"

line=$(dh_udhcpc c4 "${BIOS[@]}" -x 0x4d:69505845)
expect_eq "iPXE (raw user class) gets the script URL" "$URL/boot.ipxe" "$(field boot_file "$line")"

line=$(dh_udhcpc c9 "${UEFI[@]}" -x 0x4d:0469505845)
expect_eq "iPXE (RFC 3004 user class) gets the script URL" "$URL/boot.ipxe" \
	"$(field boot_file "$line")"

line=$(dh_udhcpc c5 "${UEFI[@]}")
expect_eq "per-machine boot_file override" "snponly.efi" "$(field boot_file "$line")"

line=$(dh_udhcpc c6 "${UEFI[@]}")
expect_eq "reservation from the inventory" "198.18.0.50" "$(field ip "$line")"
expect_eq "hostname from the inventory" "node6" "$(field hostname "$line")"

line=$(dh_udhcpc c7 "${UEFI[@]}")
expect_match "netboot off: an address" 'ip=198\.18\.0\.' "$line"
expect_eq "netboot off: no boot file" "" "$(field boot_file "$line")"

# UEFI HTTP Boot: URL as boot file and 60 HTTPClient echoed (udhcpc
# exports option 60 as $vendor when asked for it).
cat >"$T/env.sh" <<'S'
#!/bin/sh
[ "$1" = bound ] && echo "vendor=$vendor boot_file=$boot_file" >>"$UDHCPC_OUT.env"
exit 0
S
chmod +x "$T/env.sh"
UDHCPC_OUT="$T/c8" timeout 20 ip netns exec "$CL" busybox udhcpc -i c8 -n -q -t 4 -T 1 \
	-s "$T/env.sh" -V HTTPClient:Arch:00016:UNDI:003000 -x 0x5d:0010 -O 60 >/dev/null 2>&1 || true
line=$(cat "$T/c8.env" 2>/dev/null || true)
expect_eq "HTTP Boot gets the URL of snponly.efi" "$URL/snponly.efi" "$(field boot_file "$line")"
expect_eq "HTTP Boot gets 60 HTTPClient" "HTTPClient" "$(field vendor "$line")"
UDHCPC_OUT="$T/c2b" timeout 20 ip netns exec "$CL" busybox udhcpc -i c2 -n -q -t 4 -T 1 \
	-s "$T/env.sh" "${BIOS[@]}" -O 60 >/dev/null 2>&1 || true
expect_eq "BIOS PXE gets 60 PXEClient" "PXEClient" "$(field vendor "$(cat "$T/c2b.env")")"

# ISC dhclient as UEFI iPXE (user class iPXE, arch 7, vendor PXEClient).
cat >"$T/dhclient.conf" <<'CONF'
option pxe-arch code 93 = unsigned integer 16;
send vendor-class-identifier "PXEClient:Arch:00007:UNDI:003016";
send pxe-arch 7;
send user-class "iPXE";
request subnet-mask, routers, domain-name, vendor-class-identifier;
CONF
# dhclient runs its script with a scrubbed environment: the path is baked in.
cat >"$T/dhclient-script" <<S
#!/bin/sh
echo "\$reason ip=\$new_ip_address boot_file=\$new_filename vendor=\$new_vendor_class_identifier" \\
	>>"$T/dhclient.out"
S
chmod +x "$T/dhclient-script"
dhc() {
	timeout 30 ip netns exec "$CL" dhclient -1 -4 \
		-cf "$T/dhclient.conf" -sf "$T/dhclient-script" -lf "$T/dhclient.leases" \
		-pf "$T/dhclient.pid" "$@" >>"$T/dhclient.log" 2>&1 || true
}
on_exit 'kill $(cat $T/dhclient.pid 2>/dev/null) 2>/dev/null'
dhc c9
line=$(grep -h '^BOUND\|^REBOOT' "$T/dhclient.out" 2>/dev/null | tail -1 || true)
[ -n "$line" ] || cat "$T/dhclient.log" >&2
expect_match "dhclient gets a lease" 'ip=198\.18\.0\.' "$line"
expect_eq "dhclient (iPXE) gets the script URL" "$URL/boot.ipxe" "$(field boot_file "$line")"
expect_eq "dhclient (iPXE) gets 60 PXEClient" "PXEClient" "$(field vendor "$line")"

# Renewal keeps the address: a long-running udhcpc on c1, told to renew.
: >"$T/udhcpc-c1.out"
UDHCPC_OUT="$T/udhcpc-c1.out" ip netns exec "$CL" busybox udhcpc -i c1 -f -t 4 -T 1 \
	-s "$T/udhcpc.sh" >>"$T/udhcpc-c1.log" 2>&1 &
UPID=$!
on_exit "kill $UPID 2>/dev/null"
check "long-running udhcpc bound" wait_for 10 grep -q '^bound' "$T/udhcpc-c1.out"
kill -USR1 "$UPID"
check "renewal happened" wait_for 10 grep -q '^renew' "$T/udhcpc-c1.out"
expect_eq "renew keeps the address" "$C1_IP" \
	"$(field ip "$(grep '^renew' "$T/udhcpc-c1.out" | tail -1)")"
check "renew was a unicast REQUEST with ciaddr" \
	grep -q "mac=02:00:00:00:00:01 peer=$C1_IP:68 REQUEST.*-> ACK ip=$C1_IP" "$T/bootherd.log"
kill "$UPID" 2>/dev/null || true

# Every contact is a boot event; unknown MACs become discovered.
sleep 1.5 # the serve loop flushes events once per second
show=$(bh machine show 02:00:00:00:00:01 2>&1 || true)
expect_match "unknown MAC recorded as discovered" 'discovered' "$show"
expect_match "its last stage is dhcp" 'dhcp' "$show"
check "each decision logged with xid, MAC, arch, user class" \
	grep -q 'dhcp xid=[0-9a-f]* mac=02:00:00:00:00:04 .* arch=0 uc=iPXE client=ipxe -> ACK' \
	"$T/bootherd.log"
expect_eq "one bound lease per client, stored" 9 "$(sqlite3 "$T/state/bootherd.db" \
	"select count(*) from lease where state='bound'")"

# /metrics counts DHCP packets by message type and outcome.
M=$(ip netns exec "$SRV" curl -s "http://198.18.0.1:$DH_HTTP_PORT/metrics")
expect_match "metrics: DISCOVERs answered with OFFER" \
	'bootherd_dhcp_packets_total\{type="DISCOVER",outcome="OFFER"\} [1-9]' "$M"
expect_match "metrics: REQUESTs answered with ACK" \
	'bootherd_dhcp_packets_total\{type="REQUEST",outcome="ACK"\} [1-9]' "$M"
expect_match "metrics: leases in use per subnet" 'bootherd_leases_in_use\{subnet="[^"]*"\} [1-9]' "$M"
finish
