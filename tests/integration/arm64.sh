#!/usr/bin/env bash
# ARM64 UEFI (docs/firmware.md): option 93 arch 11 (PXE) gets grubaa64.efi
# (Debian's signed grubnetaa64.efi.signed from the arm64 package, unpacked
# by scripts/deps.sh) over TFTP, byte-identical; arch 19 (HTTP Boot) gets
# the URL of grubaa64-http.efi (a GRUB with the http module, made by
# scripts/deps.sh; HTTPClient echoed) and HTTP serves it; the GRUB chain
# then reads grub/grub.cfg and the machine's grub.cfg-01-<mac>, which names
# its image (and, with kernel_arm64, picks the arm64 files by $grub_cpu).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dhcp_common.bash"

GRUB=/opt/bootherd/arm64/usr/lib/grub/arm64-efi-signed/grubnetaa64.efi.signed
GRUB_HTTP=/opt/bootherd/arm64/grubaa64-http.efi
for f in "$GRUB" "$GRUB_HTTP"; do
	[ -f "$f" ] || {
		log "missing $f: run scripts/deps.sh test (unpacks grub-efi-arm64-*:arm64, makes grubaa64-http.efi)"
		exit 1
	}
done
dh_setup
dh_port "$CL" a1 02:00:00:00:0d:01 # arm64 PXE
dh_port "$CL" a2 02:00:00:00:0d:02 # arm64 HTTP Boot
mkdir -p "$T/state/images/arm"
printf 'KERNEL-ARM64' >"$T/state/images/arm/vmlinuz"
dh_conf "[tftp]
listen = 198.18.0.1:69"
bh image add arm --kernel arm/vmlinuz --cmdline "console=ttyAMA0" >/dev/null
bh image add duo --kernel x86/vmlinuz --kernel-arm64 arm/vmlinuz --initrd-arm64 arm/initrd.gz >/dev/null
bh machine add 02:00:00:00:0d:01 --image arm >/dev/null
bh machine add 02:00:00:00:0d:02 --image duo >/dev/null
dh_start

line=$(dh_udhcpc a1 -V PXEClient:Arch:00011:UNDI:003000 -x 0x5d:000b)
expect_eq "arch 11 (ARM64 PXE): grubaa64.efi" "grubaa64.efi" "$(field boot_file "$line")"
expect_eq "arch 11: next-server bootherd" "198.18.0.1" "$(field siaddr "$line")"
line=$(dh_udhcpc a2 -V HTTPClient:Arch:00019:UNDI:003000 -x 0x5d:0013)
expect_eq "arch 19 (ARM64 HTTP Boot): the grubaa64-http.efi URL" \
	"http://198.18.0.1:$DH_HTTP_PORT/grubaa64-http.efi" "$(field boot_file "$line")"

ip -n "$CL" addr flush dev a2
cd "$T"
timeout 60 ip netns exec "$CL" tftp -m binary 198.18.0.1 -c get grubaa64.efi got.efi >/dev/null 2>&1
check "TFTP grubaa64.efi = grubnetaa64.efi.signed" cmp got.efi "$GRUB"
ip netns exec "$CL" curl -sS -o http.efi "http://198.18.0.1:$DH_HTTP_PORT/grubaa64.efi"
check "HTTP grubaa64.efi = grubnetaa64.efi.signed" cmp http.efi "$GRUB"
ip netns exec "$CL" curl -sS -o http2.efi "http://198.18.0.1:$DH_HTTP_PORT/grubaa64-http.efi"
check "HTTP grubaa64-http.efi = the GRUB deps.sh made" cmp http2.efi "$GRUB_HTTP"
ip netns exec "$CL" tftp -m binary 198.18.0.1 -c get grub/grub.cfg chain >/dev/null 2>&1
expect_match "grub/grub.cfg chains by \$net_default_mac" "grub.cfg-01-'\"\\\$net_default_mac\"" "$(cat chain)"
ip netns exec "$CL" tftp -m binary 198.18.0.1 -c get grub/grub.cfg-01-02-00-00-00-0d-01 cfg >/dev/null 2>&1
expect_match "the arm64 machine's GRUB file names its kernel" \
	"linux \"\\\$bootherd_images\"'/arm/vmlinuz' 'console=ttyAMA0'" "$(tr '\n' ' ' <cfg)"
ip netns exec "$CL" curl -sS -o cfg2 "http://198.18.0.1:$DH_HTTP_PORT/grub/grub.cfg-01-02:00:00:00:0d:02"
expect_match "an image with kernel_arm64: its GRUB file picks by \$grub_cpu (over HTTP: files over HTTP)" \
	"if \[ \"\\\$grub_cpu\" = 'arm64' \]; then linux \"\\\$bootherd_images\"'/arm/vmlinuz' initrd \"\\\$bootherd_images\"'/arm/initrd.gz' else linux \"\\\$bootherd_images\"'/x86/vmlinuz' fi" \
	"$(tr '\n' ' ' <cfg2)"
expect_match "... with the images root over HTTP" "set bootherd_images='\(http,198\.18\.0\.1:$DH_HTTP_PORT\)/images'" "$(cat cfg2)"
finish
