#!/usr/bin/env bash
# End-to-end ARM64 UEFI: an arm64 QEMU machine (qemu-system-aarch64 -M virt,
# cortex-a57, AAVMF firmware from Debian's qemu-efi-aarch64) boots through
# bootherd alone (DHCP server mode, TFTP) over UEFI PXE:
# DHCP option 93 arch 11 -> grubaa64.efi (Debian's signed grubnetaa64) ->
# grub/grub.cfg -> grub.cfg-01-<mac> -> Debian's arm64 cloud kernel + the
# image's initramfs (a static arm64 busybox), over TFTP.
#
#   a-pxe  image arma: the console shows the image's marker for its MAC and
#          every step is in the event log.
#
#   E2E_KEEP=DIR   keep logs and serial consoles in DIR
source "$(dirname "$0")/../integration/lib.sh"
E2E=$ROOT/tests/e2e
source "$E2E/lib/images.sh"
source "$E2E/lib/net.sh"
source "$E2E/lib/vm.sh"
source "$E2E/lib/bootherd.sh"

GRUB=/opt/bootherd/arm64/usr/lib/grub/arm64-efi-signed/grubnetaa64.efi.signed
[ -x "$BOOTHERD" ] || { log "no $BOOTHERD: build first"; exit 1; }
command -v qemu-system-aarch64 >/dev/null || { log "no qemu-system-aarch64: scripts/deps.sh e2e"; exit 1; }
for f in "$AAVMF_CODE" "$AAVMF_VARS" "$GRUB"; do
	[ -f "$f" ] || { log "missing $f: scripts/deps.sh e2e"; exit 1; }
done
WAIT=${E2E_WAIT:-420}
VM_TIMEOUT=$((WAIT + 120))
keep() {
	[ -n "${E2E_KEEP:-}" ] || return 0
	mkdir -p "$E2E_KEEP" && cp -a "$T"/. "$E2E_KEEP"/ 2>/dev/null || true
}
on_exit keep

images_build_arm64 arma
IP=198.18.0.1
S=${NET_PREFIX}s
net_switch "$S"
net_host "$S" "${S}bh" "$IP/24"
D=$T/bh-s
bh_init "$D" "$IP" server
cp "$E2E_CACHE/vmlinuz-arm64" "$E2E_CACHE/arma.cpio.gz" "$D/state/images/"
bh "$D" image add arma --kernel vmlinuz-arm64 --initrd arma.cpio.gz \
	--cmdline "${BH_CMDLINE/ttyS0/ttyAMA0}" >/dev/null
declare -A mac=([a-pxe]=52:54:00:e2:a6:01)
bh "$D" machine add "${mac[a-pxe]}" --image arma --hostname a-pxe >/dev/null
bh_start "${S}bh" "$D"

vm_start "$S" a-pxe "${mac[a-pxe]}" aavmf-pxe
line=$(vm_wait_marker a-pxe "$WAIT") || line="(no marker line)"
expect_match "a-pxe (${mac[a-pxe]}) boots arma through AAVMF PXE and grubaa64.efi" \
	"^BOOTHERD-MARKER image=arma cmdline=.*bootherd.image=arma bootherd.mac=${mac[a-pxe]}( |\$)" "$line"
[[ "$line" == "(no marker line)" ]] || log "       a-pxe: $(vm_elapsed a-pxe) s power-on to marker"
ev() { bh "$D" events --mac "$1" --limit 1000 2>/dev/null; }
has() { ev "$1" | grep -qE "$2"; }
for step in "dhcp .*file=grubaa64\.efi" "tftp .*grubaa64\.efi" "tftp .*grub/grub\.cfg " \
	"tftp .*grub/grub\.cfg-01-52.54.00.e2.a6.01 .*: arma" "tftp .*images/vmlinuz-arm64" \
	"tftp .*images/arma\.cpio\.gz"; do
	check "a-pxe event: $step" wait_for 10 has "${mac[a-pxe]}" "$step"
done
finish
