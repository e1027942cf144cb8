#!/usr/bin/env bash
# docs/dhcp.md "mode = off" snippets, run as written: dnsmasq, ISC dhcpd and
# Kea each serve the segment with bootherd (mode = off, HTTP only) beside
# them; BIOS PXE, UEFI PXE, iPXE and UEFI HTTP Boot clients must be pointed
# at bootherd, and bootherd must answer the URL it is named in.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dhcp_common.bash"

DOC="$(cd "$(dirname "$0")/../.." && pwd)/docs/dhcp.md"
snippet() { # the code block after <!-- snippet:NAME -->
	awk -v tag="<!-- snippet:$1 -->" '
		$0 == tag { on = 1; next }
		on && /^```/ { if (inside) exit; inside = 1; next }
		inside { print }' "$DOC"
}

dh_setup
SITE=$(ns_name site)
ns_add "$SITE"
dh_port "$SITE" site0
ip -n "$SITE" addr add 198.18.0.2/24 dev site0
dh_port "$CL" c1 02:00:00:00:04:01

cat >"$T/bh.conf" <<CONF
[server]
state_dir = $T/state
[http]
listen = 198.18.0.1:80
[dhcp]
mode = off
CONF
ip netns exec "$SRV" "$BOOTHERD" --config "$T/bh.conf" serve 2>>"$T/bootherd.log" &
BH_PID=$!
on_exit "kill $BH_PID"
check "bootherd (mode off) serves HTTP" wait_for 10 \
	ip netns exec "$SRV" curl -sf -o /dev/null http://198.18.0.1/boot.ipxe
check "mode off: nothing on UDP 67" bash -c "! ip netns exec $SRV ss -lun | grep -q ':67 '"

BIOS="-V PXEClient:Arch:00000:UNDI:002001 -x 0x5d:0000"
UEFI="-V PXEClient:Arch:00007:UNDI:003000 -x 0x5d:0007"
IPXE="$UEFI -x 0x4d:69505845"
HTTPB="-V HTTPClient:Arch:00016:UNDI:003000 -x 0x5d:0010 -O 60"
cat >"$T/env.sh" <<S
#!/bin/sh
case "\$1" in bound)
	ip addr flush dev "\$interface"; ip addr add "\$ip/\${mask:-24}" dev "\$interface"
	echo "boot_file=\$boot_file siaddr=\$siaddr vendor=\$vendor" >"$T/last" ;;
esac
exit 0
S
chmod +x "$T/env.sh"
lease() { # ARGS → "boot_file=… siaddr=… vendor=…"
	rm -f "$T/last"
	timeout 20 ip netns exec "$CL" busybox udhcpc -i c1 -n -q -t 4 -T 2 -s "$T/env.sh" $* \
		>/dev/null 2>&1 || true
	cat "$T/last" 2>/dev/null || true
}

check_clients() { # NAME
	local line
	line=$(lease "$BIOS")
	expect_eq "$1: BIOS PXE → undionly.kpxe" "undionly.kpxe" "$(field boot_file "$line")"
	expect_eq "$1: BIOS PXE → next-server bootherd" "198.18.0.1" "$(field siaddr "$line")"
	line=$(lease "$UEFI")
	expect_eq "$1: UEFI PXE → ipxe.efi" "ipxe.efi" "$(field boot_file "$line")"
	line=$(lease "$HTTPB")
	expect_eq "$1: HTTP Boot → URL" "http://198.18.0.1/ipxe.efi" "$(field boot_file "$line")"
	expect_eq "$1: HTTP Boot → 60 HTTPClient" "HTTPClient" "$(field vendor "$line")"
	line=$(lease "$IPXE")
	local url
	url=$(field boot_file "$line")
	expect_eq "$1: iPXE → bootherd's script" "http://198.18.0.1/boot.ipxe" "$url"
	expect_match "$1: bootherd answers that URL" '^#!ipxe' \
		"$(ip netns exec "$CL" curl -sf "$url" 2>/dev/null | head -1)"
	ip -n "$CL" addr flush dev c1
}

# dnsmasq (no ICMP probe before offers, to keep the test quick).
snippet dnsmasq >"$T/dnsmasq.conf"
ip netns exec "$SITE" dnsmasq --keep-in-foreground --port=0 -u root --no-ping \
	--interface=site0 --bind-interfaces --conf-file="$T/dnsmasq.conf" \
	--dhcp-leasefile="$T/dnsmasq.leases" --pid-file="$T/dnsmasq.pid" 2>>"$T/dnsmasq.log" &
P=$!
on_exit "kill $P"
sleep 0.5
check_clients dnsmasq
kill $P
wait $P 2>/dev/null || true

# ISC dhcpd.
snippet dhcpd >"$T/dhcpd.conf"
touch "$T/dhcpd.leases"
ip netns exec "$SITE" dhcpd -4 -f -q -cf "$T/dhcpd.conf" -lf "$T/dhcpd.leases" \
	-pf "$T/dhcpd.pid" site0 2>>"$T/dhcpd.log" &
P=$!
on_exit "kill $P"
sleep 0.5
check_clients dhcpd
kill $P
wait $P 2>/dev/null || true

# Kea: the snippet goes inside a Dhcp4 section.
{
	echo '{ "Dhcp4": { "interfaces-config": { "interfaces": [ "site0" ] },'
	echo '  "lease-database": { "type": "memfile", "persist": false },'
	snippet kea
	echo '} }'
} >"$T/kea.conf"
KEA_PIDFILE_DIR=$T KEA_LOCKFILE_DIR=$T ip netns exec "$SITE" kea-dhcp4 -c "$T/kea.conf" \
	>>"$T/kea.log" 2>&1 &
P=$!
on_exit "kill $P"
check "kea started" wait_for 10 bash -c "ip netns exec $SITE ss -lun | grep -q ':67 '"
check_clients kea
finish
