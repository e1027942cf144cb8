#!/usr/bin/env bash
# Dynamic TFTP files from the inventory, the same decision as HTTP:
# pxelinux.cfg/01-<mac> for the machine's image (http URLs for lpxelinux),
# boot.ipxe and boot/<mac>.ipxe for iPXE without HTTP (tftp:// URLs, whose
# kernel then comes over TFTP from the images root), the wait config for an
# unknown MAC (which becomes discovered), and the "tftp" boot stage.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tftp_setup.inc"

tftp_tree
TP=$(udp_port)
HP=$(free_port)
tftp_conf 127.0.0.1 "$TP" "$HP"
BH() { "$BOOTHERD" --config "$T/bh.conf" "$@"; }
BH image add deb --kernel k/linux --initrd k/initrd --cmdline "console=ttyS0 quiet" >/dev/null
BH machine add 52:54:00:00:00:01 --image deb --hostname node1 >/dev/null
tftp_start
cd "$T"
get() { timeout 30 tftp -m binary 127.0.0.1 "$TP" -c get "$1" "$2"; }

get pxelinux.cfg/01-52-54-00-00-00-01 pxe1
expect_eq "pxelinux.cfg/01-<mac>: the machine's image, kernel/initrd over HTTP" \
	"# bootherd: image deb for 52:54:00:00:00:01
DEFAULT bootherd
PROMPT 0
LABEL bootherd
  KERNEL http://127.0.0.1:$HP/images/k/linux
  INITRD http://127.0.0.1:$HP/images/k/initrd
  APPEND console=ttyS0 quiet" "$(cat pxe1)"

get /pxelinux.cfg/01-52-54-00-00-00-99 pxe2
expect_match "unknown MAC: a config that says so and retries" \
	'machine 52:54:00:00:00:99 has no image assigned.*COM32 reboot\.c32' "$(tr '\n' ' ' <pxe2)"
get pxelinux.cfg/default pxe3
check "other pxelinux.cfg names come from the root" cmp -s pxe3 root/pxelinux.cfg/default

get boot.ipxe chain
expect_match "boot.ipxe chains over TFTP" \
	"chain --autofree --replace tftp://127\.0\.0\.1:$TP/boot/\\\$\{net0/mac\}\.ipxe" "$(cat chain)"
timeout 30 curl -sS "tftp://127.0.0.1:$TP/boot/52:54:00:00:00:01.ipxe" -o script
expect_match "boot/<mac>.ipxe: the image script with tftp:// URLs" \
	"kernel tftp://127\.0\.0\.1:$TP/images/k/linux initrd=initrd console=ttyS0 quiet" "$(cat script)"
# What that script asks next: the kernel, over TFTP, from the images root.
url=$(sed -n 's/^kernel \(tftp:[^ ]*\).*/\1/p' script)
check "the script's kernel URL is served (curl)" bash -c "timeout 30 curl -sS '$url' -o kern && [ \"\$(cat kern)\" = KERNEL-BYTES ]"

# Boot stages are flushed by the daemon about once a second.
stage_seen() { BH events 2>/dev/null | grep "$1" | grep -q tftp; }
check "stage tftp recorded for 52:54:00:00:00:01" wait_for 10 stage_seen 52:54:00:00:00:01
discovered() { BH machine list --discovered 2>/dev/null | grep -q 52:54:00:00:00:99; }
check "the unknown MAC is now a discovered machine" wait_for 10 discovered

# Assigning the image makes the next fetch boot it, nothing else to change.
BH machine assign 52:54:00:00:00:99 deb >/dev/null
get pxelinux.cfg/01-52-54-00-00-00-99 pxe4
check "after assignment the same file boots the image" grep -q 'KERNEL http://127.0.0.1:'"$HP"'/images/k/linux' pxe4
# The lookups share the daemon's store connection with the event writer:
# they must not leave a read snapshot open that makes its writes fail.
two_events() { [ "$(BH events 2>/dev/null | grep -c '52:54:00:00:00:99.*tftp')" -ge 2 ]; }
check "the fetch after assignment is recorded too" wait_for 10 two_events
check "no boot-event write failed" bash -c "! grep -q 'cannot record' $T/bootherd.log"
finish
