#!/usr/bin/env bash
# End-to-end Secure Boot: OVMF with Secure Boot on and Microsoft's keys
# enrolled (OVMF_CODE_4M.secboot.fd + OVMF_VARS_4M.ms.fd, q35 + SMM) boots
# through bootherd alone (DHCP server mode, TFTP) along Debian's signed chain:
# DHCP shimx64.efi (secure_boot on) -> shim -> grubx64.efi (signed GRUB) ->
# grub/grub.cfg -> grub.cfg-01-<mac> -> Debian's signed cloud kernel + the
# image's initramfs, over TFTP.
#
#   s-ok   secure_boot on, image sbok (signed kernel): the console shows the
#          image's marker for its MAC, and the initramfs reports that the
#          kernel saw Secure Boot on (dmesg "Secure boot enabled", lockdown)
#   s-bad  secure_boot on, image sbbad: the same kernel with its Authenticode
#          signature stripped.  The chain must refuse it: no marker, GRUB's
#          configuration says the boot failed, and bootherd records
#          "boot failed, retrying: sbbad".
#
#   E2E_KEEP=DIR   keep logs and serial consoles in DIR
source "$(dirname "$0")/../integration/lib.sh"
E2E=$ROOT/tests/e2e
source "$E2E/lib/images.sh"
source "$E2E/lib/net.sh"
source "$E2E/lib/vm.sh"
source "$E2E/lib/bootherd.sh"

[ -x "$BOOTHERD" ] || { log "no $BOOTHERD: build first"; exit 1; }
for f in "$OVMF_SB_CODE" "$OVMF_SB_VARS" /usr/lib/shim/shimx64.efi.signed \
	/usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed; do
	[ -f "$f" ] || { log "missing $f: scripts/deps.sh e2e"; exit 1; }
done
WAIT=${E2E_WAIT:-420}
VM_TIMEOUT=$((WAIT + 120))
keep() {
	[ -n "${E2E_KEEP:-}" ] || return 0
	mkdir -p "$E2E_KEEP" && cp -a "$T"/. "$E2E_KEEP"/ 2>/dev/null || true
}
on_exit keep

images_build sbok
IP=198.18.0.1
S=${NET_PREFIX}s
net_switch "$S"
net_host "$S" "${S}bh" "$IP/24"
D=$T/bh-s
bh_init "$D" "$IP" server
bh_images "$D" sbok
# The same signed kernel with its signature removed: the PE security
# directory (data directory 4) zeroed and the certificate table cut off.
python3 - "$E2E_CACHE/vmlinuz" "$D/state/images/vmlinuz-nosig" <<'PY'
import struct, sys
d = bytearray(open(sys.argv[1], "rb").read())
pe = struct.unpack_from("<I", d, 0x3c)[0]
assert d[pe:pe + 4] == b"PE\0\0"
opt = pe + 24
sec = opt + (112 if struct.unpack_from("<H", d, opt)[0] == 0x20b else 96) + 4 * 8
off, size = struct.unpack_from("<II", d, sec)
assert off and size, "the kernel is not signed"
struct.pack_into("<II", d, sec, 0, 0)
open(sys.argv[2], "wb").write(d[:off])
PY
cp "$E2E_CACHE/sbok.cpio.gz" "$D/state/images/sbbad.cpio.gz"
bh "$D" image add sbbad --kernel vmlinuz-nosig --initrd sbbad.cpio.gz --cmdline "$BH_CMDLINE" >/dev/null
declare -A mac=([s-ok]=52:54:00:e2:5b:01 [s-bad]=52:54:00:e2:5b:02)
bh "$D" machine add "${mac[s-ok]}" --image sbok --hostname s-ok --secure-boot on >/dev/null
bh "$D" machine add "${mac[s-bad]}" --image sbbad --hostname s-bad --secure-boot on >/dev/null
bh_start "${S}bh" "$D"

vm_start "$S" s-ok "${mac[s-ok]}" uefi-sb
vm_start "$S" s-bad "${mac[s-bad]}" uefi-sb

line=$(vm_wait_marker s-ok "$WAIT") || line="(no marker line)"
expect_match "s-ok (${mac[s-ok]}) boots sbok through shim and signed GRUB" \
	"^BOOTHERD-MARKER image=sbok cmdline=.*bootherd.image=sbok bootherd.mac=${mac[s-ok]}( |\$)" "$line"
[[ "$line" == "(no marker line)" ]] || log "       s-ok: $(vm_elapsed s-ok) s power-on to marker"
sbline=$(grep -a -m1 -o 'BOOTHERD-SECUREBOOT.*' "$VM_DIR/s-ok.serial" | tr -d '\r')
expect_match "s-ok: the kernel saw Secure Boot on (dmesg) and is locked down" \
	'dmesg=on lockdown=.*\[(integrity|confidentiality)\]' "$sbline"
ev() { bh "$D" events --mac "$1" --limit 1000 2>/dev/null; }
has() { ev "$1" | grep -qE "$2"; }
for step in "dhcp .*file=shimx64\.efi" "tftp .*shimx64\.efi" "tftp .*grubx64\.efi" \
	"tftp .*grub/grub\.cfg " "tftp .*grub/grub\.cfg-01-52.54.00.e2.5b.01 .*: sbok" \
	"tftp .*images/vmlinuz" "tftp .*images/sbok\.cpio\.gz"; do
	check "s-ok event: $step" wait_for 10 has "${mac[s-ok]}" "$step"
done

failed() { has "${mac[s-bad]}" "grub\.cfg-failed-01-52-54-00-e2-5b-02 .*boot failed, retrying: sbbad"; }
check "s-bad: bootherd records the refused boot" wait_for "$WAIT" failed
expect_eq "s-bad: the unsigned kernel never ran (no marker)" "" "$(vm_marker s-bad)"
check "s-bad: GRUB's configuration reported the failure on the console" \
	grep -aq "bootherd: booting image sbbad failed" "$VM_DIR/s-bad.serial"
log "       s-bad console: $(grep -aoE 'error: [^\r]*' "$VM_DIR/s-bad.serial" | sort | uniq -c | tr '\n' ';')"
finish
