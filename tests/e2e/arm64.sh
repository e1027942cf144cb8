#!/usr/bin/env bash
# End-to-end ARM64 UEFI: an arm64 QEMU machine (qemu-system-aarch64 -M virt,
# cortex-a57, AAVMF firmware from Debian's qemu-efi-aarch64) boots through
# bootherd alone (DHCP server mode, TFTP) over UEFI PXE:
# DHCP option 93 arch 11 -> grubaa64.efi (Debian's signed grubnetaa64) ->
# grub/grub.cfg -> grub.cfg-01-<mac> -> Debian's arm64 cloud kernel + the
# image's initramfs (a static arm64 busybox), over TFTP.
#
# One image, "duo", serves both architectures: kernel + initrd are x86-64's
# (Debian's amd64 cloud kernel), kernel_arm64 + initrds_arm64 arm64's.
#
#   a-pxe   arm64 (AAVMF PXE): GRUB picks the arm64 files ($grub_cpu); the
#           console shows duo's marker for its MAC (printed by the arm64
#           initramfs on ttyAMA0); every step is in the event log, with the
#           arm64 files.
#   x-bios  x86-64 (SeaBIOS + iPXE) with the same image at the same time:
#           iPXE's script skips the arm64 branch (${buildarch}) and boots the
#           x86-64 files.
#   a-http  arm64 over UEFI HTTP Boot (AAVMF, PXE off), afterwards: DHCP
#           arch 19 -> http://server/grubaa64-http.efi (GRUB with the http
#           module, made by scripts/deps.sh) -> grub/grub.cfg and the
#           machine's grub.cfg-01-<mac> over HTTP -> kernel + initramfs over
#           HTTP; duo's marker; no TFTP at all.
#
#   E2E_KEEP=DIR   keep logs and serial consoles in DIR
source "$(dirname "$0")/../integration/lib.sh"
E2E=$ROOT/tests/e2e
source "$E2E/lib/images.sh"
source "$E2E/lib/net.sh"
source "$E2E/lib/vm.sh"
source "$E2E/lib/bootherd.sh"

GRUB=/opt/bootherd/arm64/usr/lib/grub/arm64-efi-signed/grubnetaa64.efi.signed
GRUB_HTTP=/opt/bootherd/arm64/grubaa64-http.efi
[ -x "$BOOTHERD" ] || { log "no $BOOTHERD: build first"; exit 1; }
command -v qemu-system-aarch64 >/dev/null || { log "no qemu-system-aarch64: scripts/deps.sh e2e"; exit 1; }
for f in "$AAVMF_CODE" "$AAVMF_VARS" "$GRUB" "$GRUB_HTTP"; do
	[ -f "$f" ] || { log "missing $f: scripts/deps.sh e2e"; exit 1; }
done
WAIT=${E2E_WAIT:-420}
VM_TIMEOUT=$((WAIT + 120))
keep() {
	[ -n "${E2E_KEEP:-}" ] || return 0
	mkdir -p "$E2E_KEEP" && cp -a "$T"/. "$E2E_KEEP"/ 2>/dev/null || true
}
on_exit keep

images_build duo
images_build_arm64 duo
IP=198.18.0.1
S=${NET_PREFIX}s
net_switch "$S"
net_host "$S" "${S}bh" "$IP/24"
D=$T/bh-s
bh_init "$D" "$IP" server
cp "$E2E_CACHE/vmlinuz" "$E2E_CACHE/duo.cpio.gz" "$D/state/images/"
mkdir -p "$D/state/images/arm64"
cp "$E2E_CACHE/vmlinuz-arm64" "$D/state/images/arm64/vmlinuz"
cp "$E2E_CACHE/duo-arm64.cpio.gz" "$D/state/images/arm64/duo.cpio.gz"
# Both consoles: the kernel ignores the one its machine does not have.
bh "$D" image add duo --kernel vmlinuz --initrd duo.cpio.gz \
	--kernel-arm64 arm64/vmlinuz --initrd-arm64 arm64/duo.cpio.gz \
	--cmdline "${BH_CMDLINE/console=ttyS0/console=ttyAMA0 console=ttyS0}" >/dev/null
declare -A mac=([a-pxe]=52:54:00:e2:a6:01 [x-bios]=52:54:00:e2:a6:02 [a-http]=52:54:00:e2:a6:03)
for vm in a-pxe x-bios a-http; do
	bh "$D" machine add "${mac[$vm]}" --image duo --hostname "$vm" >/dev/null
done
bh_start "${S}bh" "$D"

vm_start "$S" a-pxe "${mac[a-pxe]}" aavmf-pxe
vm_start "$S" x-bios "${mac[x-bios]}" bios
want() { echo "^BOOTHERD-MARKER image=duo cmdline=.*bootherd.image=duo bootherd.mac=$1( |\$)"; }
line=$(vm_wait_marker a-pxe "$WAIT") || line="(no marker line)"
expect_match "a-pxe (${mac[a-pxe]}, arm64) boots duo's arm64 files through AAVMF PXE and grubaa64.efi" \
	"$(want "${mac[a-pxe]}")" "$line"
[[ "$line" == "(no marker line)" ]] || log "       a-pxe: $(vm_elapsed a-pxe) s power-on to marker"
line=$(vm_wait_marker x-bios "$WAIT") || line="(no marker line)"
expect_match "x-bios (${mac[x-bios]}, x86-64) boots duo's x86-64 files through iPXE" \
	"$(want "${mac[x-bios]}")" "$line"
[[ "$line" == "(no marker line)" ]] || log "       x-bios: $(vm_elapsed x-bios) s power-on to marker"

ev() { bh "$D" events --mac "$1" --limit 1000 2>/dev/null; }
has() { ev "$1" | grep -qE "$2"; }
for step in "dhcp .*file=grubaa64\.efi" "tftp .*grubaa64\.efi" "tftp .*grub/grub\.cfg " \
	"tftp .*grub/grub\.cfg-01-52.54.00.e2.a6.01 .*: duo" "tftp .*images/arm64/vmlinuz" \
	"tftp .*images/arm64/duo\.cpio\.gz"; do
	check "a-pxe event: $step" wait_for 10 has "${mac[a-pxe]}" "$step"
done
expect_eq "a-pxe fetched none of the x86-64 files" "" \
	"$(ev "${mac[a-pxe]}" | grep -E 'images/(vmlinuz|duo\.cpio\.gz)')"
# The default [tftp] grub_send_ahead = 16: GRUB's kernel blocks went ahead of its ACKs, whole.
check "a-pxe's kernel was sent ahead of GRUB's ACKs (the default), complete" \
	grep -qE 'file="/?images/arm64/vmlinuz" .*result=ok send_ahead=16' "$D/bootherd.log"

# HTTP Boot after the two above (at most two VMs at a time).
vm_stop a-pxe
vm_stop x-bios
vm_start "$S" a-http "${mac[a-http]}" aavmf-http
line=$(vm_wait_marker a-http "$WAIT") || line="(no marker line)"
expect_match "a-http (${mac[a-http]}, arm64) boots duo's arm64 files over UEFI HTTP Boot and grubaa64-http.efi" \
	"$(want "${mac[a-http]}")" "$line"
[[ "$line" == "(no marker line)" ]] || log "       a-http: $(vm_elapsed a-http) s power-on to marker"
for step in "dhcp .*file=http://198\.18\.0\.1/grubaa64-http\.efi" \
	"script .*grub: duo" "kernel .* arm64/vmlinuz" "initrd .* arm64/duo\.cpio\.gz"; do
	check "a-http event: $step" wait_for 10 has "${mac[a-http]}" "$step"
done
expect_eq "a-http used no TFTP" "" "$(ev "${mac[a-http]}" | grep -E ' tftp ')"
finish
