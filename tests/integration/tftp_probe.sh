#!/usr/bin/env bash
# The UEFI (EDK2/OVMF) size probe: RRQ "tsize 0 blksize 1468 windowsize 4",
# OACK, the client aborts with ERROR 8, then asks again and downloads.  The
# abort must be taken silently (no ERROR back, logged as a size probe) and
# the second request served byte-exact with the negotiated options.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tftp_setup.inc"

tftp_tree
TP=$(udp_port)
HP=$(free_port)
tftp_conf 127.0.0.1 "$TP" "$HP"
tftp_start
cd "$T"

IPXE=$(readlink -f /usr/lib/ipxe/ipxe.efi)
SIZE=$(stat -c %s "$IPXE")
out=$($RAW probe 127.0.0.1 "$TP" ipxe.efi got.efi)
expect_eq "OACK carries tsize, then the file arrives with blksize 1468 windowsize 4" \
	"tsize $SIZE got $SIZE blksize 1468 windowsize 4" "$out"
check "byte-exact" cmp -s got.efi "$IPXE"
wait_for 5 grep -q 'file="ipxe.efi".*result=ok' "$T/bootherd.log" || true
expect_eq "the abort is logged once as a size probe" 1 \
	"$(grep -c 'file="ipxe.efi" source=bootfile .*options=blksize=1468,tsize=0,windowsize=4 negotiated=blksize=1468,tsize='"$SIZE"',windowsize=4 .*result=size-probe' "$T/bootherd.log")"
expect_eq "the second request is one ok transfer" 1 "$(tftp_ok_lines ipxe.efi)"
check "no warning for the probe" bash -c "! grep -q '^.* warn .*ipxe.efi' $T/bootherd.log"
finish
