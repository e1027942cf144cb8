#!/usr/bin/env bash
# A 1,000-character [server] public_url (a reverse proxy's long path, given
# in the config file on indented continuation lines) reaches a machine
# whole on every path:
#   DHCP  option 67 for iPXE: public_url + "/boot.ipxe" (1,010 bytes), sent
#         as RFC 3396 instances and reassembled by ISC dhclient;
#   HTTP  /boot.ipxe chains to it, a machine's script names its kernel
#         under it (curl), from the render and from the script cache;
#   TFTP  pxelinux.cfg/01-<mac> names kernel and initrd under it (atftp);
#         the iPXE files over TFTP name it as the place to assign an image
#         (tftp-hpa).
# And the start-up warning says iPXE and UEFI HTTP Boot firmware read only
# 255 bytes of option 67 (their parsers take the first instance).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dhcp_common.bash"

dh_setup
dh_port "$CL" c1 02:00:00:00:10:01
# 1,000 characters; only bytes iPXE scripts keep as they are.
URL=$(python3 -c '
u = "http://198.18.0.1:8080/proxy"
i = 0
while len(u) < 1000:
    u += "/seg%03d-abcdefghij" % i
    i += 1
print(u[:1000].rstrip("/"))')
[ ${#URL} -ge 999 ] || { log "bad URL"; exit 1; }
TP=6969
mkdir -p "$T/state/images/k" "$T/root"
printf 'KERNEL' >"$T/state/images/k/linux"
dh_conf
{
	# inih reads lines of at most 199 characters: the value continues on
	# indented lines (docs/configuration.md).
	printf '[server]\npublic_url = %s\n' "${URL:0:150}"
	for ((i = 150; i < ${#URL}; i += 150)); do printf '    %s\n' "${URL:i:150}"; done
	printf '[tftp]\nlisten = 198.18.0.1:%s\nroot = %s\n' "$TP" "$T/root"
} >>"$T/bh.conf"
M=52:54:00:00:10:01
bh image add deb --kernel k/linux --initrd k/initrd --cmdline "console=ttyS0" >/dev/null
bh machine add "$M" --image deb >/dev/null
dh_start

log "== the configuration holds it whole"
check "started, no config error" grep -q "dhcp: serving on srv0" "$T/bootherd.log"
check "start-up warning: iPXE reads 255 bytes of option 67" \
	grep -q "boot URL .* is 1010 bytes: DHCP sends it whole (RFC 3396), but iPXE" "$T/bootherd.log"

log "== DHCP: ISC dhclient as iPXE, option 67 reassembled"
cat >"$T/dhclient.conf" <<'CONF'
option pxe-arch code 93 = unsigned integer 16;
send vendor-class-identifier "PXEClient:Arch:00007:UNDI:003016";
send pxe-arch 7;
send user-class "iPXE";
send dhcp-max-message-size 1472;
request subnet-mask, routers, bootfile-name;
CONF
cat >"$T/dhclient-script" <<S
#!/bin/sh
case "\$reason" in BOUND|REBOOT) printf '%s' "\$new_bootfile_name" >"$T/opt67" ;; esac
S
chmod +x "$T/dhclient-script"
on_exit 'kill $(cat $T/dhclient.pid 2>/dev/null) 2>/dev/null'
timeout 30 ip netns exec "$CL" dhclient -1 -4 -cf "$T/dhclient.conf" -sf "$T/dhclient-script" \
	-lf "$T/dhclient.leases" -pf "$T/dhclient.pid" c1 >>"$T/dhclient.log" 2>&1 || true
got=$(cat "$T/opt67" 2>/dev/null || true)
expect_eq "dhclient got option 67 = public_url/boot.ipxe (${#URL} + 10 bytes)" "$URL/boot.ipxe" "$got"
check "the lease records it whole too" grep -qF "option bootfile-name \"$URL/boot.ipxe\"" \
	"$T/dhclient.leases"

log "== HTTP (curl)"
inS() { ip netns exec "$SRV" "$@"; }
body=$(inS curl -s "http://198.18.0.1:8080/boot.ipxe")
expect_eq "/boot.ipxe chains under public_url" \
	"chain --autofree --replace $URL/boot/\${net0/mac}.ipxe" "$(grep chain <<<"$body")"
for n in 1 2; do # rendered, then from the script cache
	body=$(inS curl -s "http://198.18.0.1:8080/boot/$M.ipxe")
	expect_eq "request $n: the kernel under public_url" \
		"kernel $URL/images/k/linux initrd=initrd console=ttyS0 || goto failed" \
		"$(grep '^kernel' <<<"$body")"
	expect_eq "request $n: the retry chains under public_url" \
		"chain --autofree --replace $URL/boot/$M.ipxe || goto failed" \
		"$(grep '^chain' <<<"$body")"
done

log "== TFTP (atftp, tftp-hpa)"
cd "$T"
inS timeout 30 atftp -g -r "pxelinux.cfg/01-${M//:/-}" -l pxe 198.18.0.1 "$TP" >/dev/null 2>&1 || true
expect_eq "pxelinux: KERNEL under public_url" "  KERNEL $URL/images/k/linux" "$(grep KERNEL pxe 2>/dev/null)"
expect_eq "pxelinux: INITRD under public_url" "  INITRD $URL/images/k/initrd" "$(grep INITRD pxe 2>/dev/null)"
inS timeout 30 tftp -m binary 198.18.0.1 "$TP" -c get boot/52-54-00-00-10-99.ipxe wait >/dev/null 2>&1 || true
expect_eq "iPXE over TFTP: where to assign an image is public_url" \
	"echo Assign one at $URL/ (Discovered machines) or with: bootherd machine assign 52:54:00:00:10:99 IMAGE" \
	"$(grep 'Assign one at' wait 2>/dev/null)"
finish
