#!/usr/bin/env bash
# Secure Boot (docs/firmware.md): a machine with secure_boot on gets the
# signed chain on UEFI x86-64 PXE — DHCP names shimx64.efi (arch 7 and 9,
# busybox udhcpc and a firmware-like DISCOVER) — and bootherd serves the
# three signed binaries from Debian's packages over TFTP (tftp-hpa) and HTTP
# byte-identical to the package files: shimx64.efi (shim-signed), grubx64.efi
# (grub-efi-amd64-signed's grubnetx64.efi.signed), mmx64.efi.  Then the GRUB
# chain: grub/grub.cfg and the machine's grub.cfg-01-<mac>.  Machines
# without the setting, BIOS and iPXE clients are unchanged; the setting is
# visible and editable in the CLI and the API's JSON.  In proxy mode the
# port-4011 answer names shimx64.efi the same way.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dhcp_common.bash"

SHIM=/usr/lib/shim/shimx64.efi.signed
GRUB=/usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed
MM=/usr/lib/shim/mmx64.efi.signed
for f in "$SHIM" "$GRUB" "$MM"; do
	[ -f "$f" ] || {
		log "missing $f: run scripts/deps.sh test (shim-signed, grub-efi-amd64-signed)"
		exit 1
	}
done

dh_setup
dh_port "$CL" c1 02:00:00:00:0b:01 # secure_boot on
dh_port "$CL" c2 02:00:00:00:0b:02 # managed, secure_boot off
dh_port "$CL" c3 02:00:00:00:0b:03 # secure_boot on, iPXE / BIOS
mkdir -p "$T/state/images/deb"
printf 'KERNEL' >"$T/state/images/deb/vmlinuz"
printf 'INITRD' >"$T/state/images/deb/initrd.img"
dh_conf "[tftp]
listen = 198.18.0.1:69
[boot]
unknown_retry_s = 5"
bh image add deb --kernel deb/vmlinuz --initrd deb/initrd.img --cmdline "console=ttyS0" >/dev/null
bh machine add 02:00:00:00:0b:01 --image deb --secure-boot on >/dev/null
bh machine add 02:00:00:00:0b:02 --image deb >/dev/null
bh machine add 02:00:00:00:0b:03 --image deb >/dev/null
bh machine edit 02:00:00:00:0b:03 --secure-boot on >/dev/null
expect_match "CLI: machine show says so" "secure boot: on" "$(bh machine show 02:00:00:00:0b:01)"
expect_eq "CLI --json: secure_boot" "true false true" \
	"$(bh machine list --json | jq -r '[.[] | select(.mac | startswith("02:00:00:00:0b")) | .secure_boot] | join(" ")')"
check "CLI: --secure-boot takes on or off" bash -c "! \"$BOOTHERD\" --config '$T/bh.conf' machine edit 02:00:00:00:0b:02 --secure-boot maybe 2>/dev/null"
dh_start

UEFI=(-V PXEClient:Arch:00007:UNDI:003000 -x 0x5d:0007)
log "== DHCP"
line=$(dh_udhcpc c1 "${UEFI[@]}")
expect_eq "secure_boot machine, UEFI x64 (7): shimx64.efi" "shimx64.efi" "$(field boot_file "$line")"
expect_eq "next-server: bootherd" "198.18.0.1" "$(field siaddr "$line")"
C1_IP=$(field ip "$line")
PXE="python3 $ROOT/tests/integration/dhcp_pxe_client.py"
jget() { python3 -c "import json,sys; l = sys.stdin.readline().strip(); print(json.loads(l).get('$1', '') if l else '')"; }
offer=$(ip netns exec "$CL" $PXE discover c1 02:00:00:00:0b:01 9)
expect_eq "arch 9 (firmware-like DISCOVER): shimx64.efi" "shimx64.efi" "$(jget file <<<"$offer")"
expect_eq "arch 9: option 43 {6: 8}" "060108ff" "$(jget opt43 <<<"$offer")"
line=$(dh_udhcpc c2 "${UEFI[@]}")
expect_eq "secure_boot off: snponly.efi (the default)" "snponly.efi" "$(field boot_file "$line")"
line=$(dh_udhcpc c3 -V PXEClient:Arch:00000:UNDI:002001 -x 0x5d:0000)
expect_eq "secure_boot on, BIOS: undionly.kpxe (no Secure Boot there)" "undionly.kpxe" "$(field boot_file "$line")"
line=$(dh_udhcpc c3 "${UEFI[@]}" -x 0x4d:69505845)
expect_eq "secure_boot on, already iPXE: the script URL" "http://198.18.0.1:$DH_HTTP_PORT/boot.ipxe" \
	"$(field boot_file "$line")"
# Turned off while serving: the next request gets iPXE again.
bh machine edit 02:00:00:00:0b:03 --secure-boot off >/dev/null
line=$(dh_udhcpc c3 "${UEFI[@]}")
expect_eq "after --secure-boot off: snponly.efi" "snponly.efi" "$(field boot_file "$line")"

log "== the signed binaries, byte-identical, over TFTP and HTTP"
# From c1's leased address only: the TFTP events find the MAC by lease.
ip -n "$CL" addr flush dev c2
ip -n "$CL" addr flush dev c3
cd "$T"
for pair in "shimx64.efi $SHIM" "grubx64.efi $GRUB" "mmx64.efi $MM"; do
	set -- $pair
	rm -f "got-$1"
	timeout 60 ip netns exec "$CL" tftp -m binary 198.18.0.1 -c get "$1" "got-$1" >/dev/null 2>&1
	check "TFTP $1 = $2" cmp "got-$1" "$2"
	ip netns exec "$CL" curl -sS -o "http-$1" "http://198.18.0.1:$DH_HTTP_PORT/$1"
	check "HTTP $1 = $2" cmp "http-$1" "$2"
done

log "== what signed GRUB asks next: grub/grub.cfg, then the machine's file"
ip netns exec "$CL" tftp -m binary 198.18.0.1 -c get grub/grub.cfg chain >/dev/null 2>&1
expect_match "grub/grub.cfg chains by \$net_default_mac" "grub.cfg-01-'\"\\\$net_default_mac\"" "$(cat chain)"
ip netns exec "$CL" tftp -m binary 198.18.0.1 -c get grub/grub.cfg-01-02-00-00-00-0b-01 cfg >/dev/null 2>&1
expect_match "the machine's GRUB file: its image (TFTP branch for signed GRUB)" \
	"set bootherd_images='\(tftp,198\.18\.0\.1\)/images'.*linux \"\\\$bootherd_images\"'/deb/vmlinuz' 'console=ttyS0'" \
	"$(tr '\n' ' ' <cfg)"
rm -f kern
ip netns exec "$CL" tftp -m binary 198.18.0.1 -c get images/deb/vmlinuz kern >/dev/null 2>&1
expect_eq "the kernel it names, over TFTP" KERNEL "$(cat kern 2>/dev/null)"

log "== boot events: every step of the chain"
ev() { bh events --mac 02:00:00:00:0b:01 2>/dev/null; }
has() { ev | grep -qE "$1"; }
check "dhcp: file=shimx64.efi" wait_for 10 has "dhcp .*file=shimx64\.efi"
for f in shimx64.efi grubx64.efi mmx64.efi grub/grub.cfg "grub/grub.cfg-01-02-00-00-00-0b-01 .*: deb" images/deb/vmlinuz; do
	check "tftp: $f" wait_for 10 has "tftp .*$f"
done

log "== proxy mode (beside the site's DHCP): the boot-server answer on 4011"
dh_stop
sed -i -e 's/^mode = server/mode = proxy/' -e '/^range\|^router\|^dns\|^domain\|^lease_time/d' "$T/bh.conf"
dh_start
ip -n "$CL" addr add 198.18.0.77/24 dev c2
ack=$(ip netns exec "$CL" $PXE bootserver c2 02:00:00:00:0b:01 7 198.18.0.77 198.18.0.1)
expect_eq "4011 ACK for the secure_boot machine: shimx64.efi" "shimx64.efi" "$(jget file <<<"$ack")"
ack=$(ip netns exec "$CL" $PXE bootserver c2 02:00:00:00:0b:02 7 198.18.0.77 198.18.0.1)
expect_eq "4011 ACK for the other machine: snponly.efi" "snponly.efi" "$(jget file <<<"$ack")"
finish
