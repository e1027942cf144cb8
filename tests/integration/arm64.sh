#!/usr/bin/env bash
# ARM64 UEFI (docs/firmware.md): option 93 arch 11 (PXE) gets grubaa64.efi
# (Debian's signed grubnetaa64.efi.signed from the arm64 package, unpacked
# by scripts/deps.sh) over TFTP, byte-identical; arch 19 (HTTP Boot) gets
# its URL (HTTPClient echoed) and HTTP serves it; the GRUB chain then reads
# grub/grub.cfg and the machine's grub.cfg-01-<mac>, which names its image.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dhcp_common.bash"

GRUB=/opt/bootherd/arm64/usr/lib/grub/arm64-efi-signed/grubnetaa64.efi.signed
[ -f "$GRUB" ] || {
	log "missing $GRUB: run scripts/deps.sh test (unpacks grub-efi-arm64-signed:arm64)"
	exit 1
}
dh_setup
dh_port "$CL" a1 02:00:00:00:0d:01 # arm64 PXE
dh_port "$CL" a2 02:00:00:00:0d:02 # arm64 HTTP Boot
mkdir -p "$T/state/images/arm"
printf 'KERNEL-ARM64' >"$T/state/images/arm/vmlinuz"
dh_conf "[tftp]
listen = 198.18.0.1:69"
bh image add arm --kernel arm/vmlinuz --cmdline "console=ttyAMA0" >/dev/null
bh machine add 02:00:00:00:0d:01 --image arm >/dev/null
bh machine add 02:00:00:00:0d:02 --image arm >/dev/null
dh_start

line=$(dh_udhcpc a1 -V PXEClient:Arch:00011:UNDI:003000 -x 0x5d:000b)
expect_eq "arch 11 (ARM64 PXE): grubaa64.efi" "grubaa64.efi" "$(field boot_file "$line")"
expect_eq "arch 11: next-server bootherd" "198.18.0.1" "$(field siaddr "$line")"
line=$(dh_udhcpc a2 -V HTTPClient:Arch:00019:UNDI:003000 -x 0x5d:0013)
expect_eq "arch 19 (ARM64 HTTP Boot): the grubaa64.efi URL" \
	"http://198.18.0.1:$DH_HTTP_PORT/grubaa64.efi" "$(field boot_file "$line")"

ip -n "$CL" addr flush dev a2
cd "$T"
timeout 60 ip netns exec "$CL" tftp -m binary 198.18.0.1 -c get grubaa64.efi got.efi >/dev/null 2>&1
check "TFTP grubaa64.efi = grubnetaa64.efi.signed" cmp got.efi "$GRUB"
ip netns exec "$CL" curl -sS -o http.efi "http://198.18.0.1:$DH_HTTP_PORT/grubaa64.efi"
check "HTTP grubaa64.efi = grubnetaa64.efi.signed" cmp http.efi "$GRUB"
ip netns exec "$CL" tftp -m binary 198.18.0.1 -c get grub/grub.cfg chain >/dev/null 2>&1
expect_match "grub/grub.cfg chains by \$net_default_mac" "grub.cfg-01-'\"\\\$net_default_mac\"" "$(cat chain)"
ip netns exec "$CL" tftp -m binary 198.18.0.1 -c get grub/grub.cfg-01-02-00-00-00-0d-01 cfg >/dev/null 2>&1
expect_match "the arm64 machine's GRUB file names its kernel" \
	"linux \"\\\$bootherd_images\"'/arm/vmlinuz' 'console=ttyAMA0'" "$(tr '\n' ' ' <cfg)"
finish
