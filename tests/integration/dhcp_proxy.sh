#!/usr/bin/env bash
# proxyDHCP beside the site's DHCP server (dnsmasq): dnsmasq hands out the
# address, bootherd the boot file.  A PXE client sees both offers; UEFI
# clients get no option 43 on port 67 and are answered on port 4011.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dhcp_common.bash"

dh_setup
SITE=$(ns_name site)
ns_add "$SITE"
dh_port "$SITE" site0
ip -n "$SITE" addr add 198.18.0.2/24 dev site0
dh_port "$CL" c1 02:00:00:00:02:01
dh_port "$CL" c2 02:00:00:00:02:02
dh_port "$CL" c3 02:00:00:00:02:03

# --no-ping: dnsmasq would otherwise ping each new address for ~3 s first.
ip netns exec "$SITE" dnsmasq --keep-in-foreground --conf-file=/dev/null --port=0 -u root --no-ping \
	--interface=site0 --bind-interfaces --dhcp-range=198.18.0.150,198.18.0.199,255.255.255.0,10m \
	--dhcp-leasefile="$T/dnsmasq.leases" --pid-file="$T/dnsmasq.pid" 2>>"$T/dnsmasq.log" &
DNSMASQ=$!
on_exit "kill $DNSMASQ"

cat >"$T/bh.conf" <<CONF
[server]
state_dir = $T/state
log_level = debug
[http]
listen = 198.18.0.1:$DH_HTTP_PORT
[dhcp]
mode = proxy
interface = srv0
CONF
dh_start
check "proxy listens on 4011" ip netns exec "$SRV" ss -lun sport = :4011 | grep -q 4011

PXE="python3 $(dirname "$0")/dhcp_pxe_client.py"
offers() { ip netns exec "$CL" $PXE discover "$@"; }
from() { grep "\"server\": \"$1\"" || true; }
jget() { python3 -c "import json,sys; l = sys.stdin.readline().strip(); print(json.loads(l).get('$1', '') if l else '')"; }

# BIOS PXE: two offers.
out=$(offers c1 02:00:00:00:02:01 0)
site=$(from 198.18.0.2 <<<"$out")
ours=$(from 198.18.0.1 <<<"$out")
expect_match "dnsmasq offers an address" '^198\.18\.0\.1[5-9][0-9]$' "$(jget yiaddr <<<"$site")"
expect_eq "bootherd offers no address" "0.0.0.0" "$(jget yiaddr <<<"$ours")"
expect_eq "bootherd offer: boot file" "undionly.kpxe" "$(jget file <<<"$ours")"
expect_eq "bootherd offer: next-server" "198.18.0.1" "$(jget siaddr <<<"$ours")"
expect_eq "bootherd offer: 60 PXEClient" "PXEClient" "$(jget vendor <<<"$ours")"
expect_eq "bootherd offer: 43 = {6: 8} for BIOS" "060108ff" "$(jget opt43 <<<"$ours")"

# UEFI PXE: no 43 on port 67; the boot-server request on 4011 gets the file.
out=$(offers c2 02:00:00:00:02:02 7)
ours=$(from 198.18.0.1 <<<"$out")
site_ip=$(jget yiaddr <<<"$(from 198.18.0.2 <<<"$out")")
expect_eq "UEFI: bootherd offer has no option 43" "" "$(jget opt43 <<<"$ours")"
expect_eq "UEFI: bootherd offer still says PXEClient" "PXEClient" "$(jget vendor <<<"$ours")"
ip -n "$CL" addr add "$site_ip/24" dev c2
ack=$(ip netns exec "$CL" $PXE bootserver c2 02:00:00:00:02:02 7 "$site_ip" 198.18.0.1)
expect_eq "port 4011 ACK" "5" "$(jget type <<<"$ack")"
expect_eq "port 4011 ACK: boot file" "snponly.efi" "$(jget file <<<"$ack")"
expect_eq "port 4011 ACK: no address" "0.0.0.0" "$(jget yiaddr <<<"$ack")"

# iPXE in proxy mode gets the script URL (no 175.176: we are not authoritative).
out=$(offers c1 02:00:00:00:02:01 0 PXEClient:Arch:00000:UNDI:002001 iPXE)
expect_eq "iPXE: script URL from the proxy" "http://198.18.0.1:$DH_HTTP_PORT/boot.ipxe" \
	"$(jget file <<<"$(from 198.18.0.1 <<<"$out")")"

# A plain client: only the site server answers; the lease is dnsmasq's.
line=$(dh_udhcpc c3)
expect_match "plain client leased by dnsmasq" 'ip=198\.18\.0\.1[5-9][0-9] ' "$line"
check "bootherd stayed silent for it" \
	grep -q "mac=02:00:00:00:02:03 .*proxy: not a PXE client" "$T/bootherd.log"
expect_eq "bootherd stored no lease" "0" "$(sqlite3 "$T/state/bootherd.db" \
	'select count(*) from lease')"
finish
