#!/usr/bin/env bash
# TFTP with real clients on loopback: tftp-hpa (octet and netascii),
# atftp (blksize 1468, windowsize 16; lock-step), curl (--tftp-blksize);
# byte-exact compares, block-number wrap, the boot-file map (Debian's
# ipxe.efi symlink), the images root, one log line per transfer.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tftp_setup.inc"

tftp_tree
# 81920 blocks of 512 bytes: the 16-bit block number wraps.
head -c $((81920 * 512 + 100)) /dev/urandom >"$T/root/wrap.bin"
TP=$(udp_port)
HP=$(free_port)
tftp_conf 127.0.0.1 "$TP" "$HP"
tftp_start

cd "$T"
get_hpa() { timeout 60 tftp -m "$1" 127.0.0.1 "$TP" -c get "$2" "$3"; }
get_atftp() { # file out [options...]
	local f=$1 o=$2
	shift 2
	timeout 60 atftp "$@" -g -r "$f" -l "$o" 127.0.0.1 "$TP" >/dev/null 2>&1
}
get_curl() { timeout 120 curl -sS "${@:3}" "tftp://127.0.0.1:$TP/$1" -o "$2"; }

check "tftp-hpa octet: 3 MB byte-exact" bash -c "$(declare -f get_hpa); TP=$TP; get_hpa binary f3m.bin o1 && cmp -s o1 root/f3m.bin"
check "tftp-hpa netascii: binary file round-trips exactly" bash -c "$(declare -f get_hpa); TP=$TP; get_hpa netascii f256k.bin o2 && cmp -s o2 root/f256k.bin"
check "tftp-hpa netascii: text file" bash -c "$(declare -f get_hpa); TP=$TP; get_hpa netascii text.txt o3 && cmp -s o3 root/text.txt"
check "atftp blksize 1468 windowsize 16: byte-exact" \
	bash -c "$(declare -f get_atftp); TP=$TP; get_atftp f3m.bin o4 --option 'blksize 1468' --option 'windowsize 16' && cmp -s o4 root/f3m.bin"
check "atftp lock-step blksize 1468: byte-exact" \
	bash -c "$(declare -f get_atftp); TP=$TP; get_atftp f3m.bin o5 --option 'blksize 1468' && cmp -s o5 root/f3m.bin"
check "curl --tftp-blksize 1468: byte-exact" bash -c "$(declare -f get_curl); TP=$TP; get_curl f3m.bin o6 --tftp-blksize 1468 && cmp -s o6 root/f3m.bin"
# (curl 7.88 fails on empty TFTP files with any server: "getpeername() failed")
check "tftp-hpa: empty file" bash -c "$(declare -f get_hpa); TP=$TP; get_hpa binary empty.bin o7 && [ -f o7 ] && [ ! -s o7 ]"
check "curl: file of exactly 2 blocks (empty final block)" bash -c "$(declare -f get_curl); TP=$TP; get_curl f1024.bin o8 && cmp -s o8 root/f1024.bin"
check "atftp windowsize 16, blksize 512: block numbers wrap, byte-exact" \
	bash -c "$(declare -f get_atftp); TP=$TP; get_atftp wrap.bin o9 --option 'blksize 512' --option 'windowsize 16' && cmp -s o9 root/wrap.bin"
check "curl lock-step 512: block numbers wrap, byte-exact" bash -c "$(declare -f get_curl); TP=$TP; get_curl wrap.bin o10 && cmp -s o10 root/wrap.bin"

# First-stage binaries come from the boot-file map, not the root (Debian's
# ipxe.efi is a symlink the confined root would refuse).
IPXE=$(readlink -f /usr/lib/ipxe/ipxe.efi)
if [ -f "$IPXE" ]; then
	check "boot-file map: ipxe.efi (a symlink in Debian) byte-exact" bash -c "$(declare -f get_hpa); TP=$TP; get_hpa binary ipxe.efi o11 && cmp -s o11 $IPXE"
	check "boot-file map: /undionly.kpxe with a leading slash" bash -c "$(declare -f get_curl); TP=$TP; get_curl undionly.kpxe o12 --tftp-blksize 1432 && cmp -s o12 /usr/lib/ipxe/undionly.kpxe"
fi
check "images root: images/k/linux" bash -c "$(declare -f get_hpa); TP=$TP; get_hpa binary images/k/linux o13 && [ \"\$(cat o13)\" = KERNEL-BYTES ]"
check "windows separators with .. refused" bash -c "$(declare -f get_hpa); TP=$TP; get_hpa binary '\\sub\\..\\f1024.bin' o14 2>/dev/null; ! cmp -s o14 root/f1024.bin"
check "windows path separators (no ..)" bash -c "$(declare -f get_hpa); TP=$TP; get_hpa binary '\\pxelinux.cfg\\default' o15 && cmp -s o15 root/pxelinux.cfg/default"

# One log line per transfer, with peer, file, options, bytes, duration, result.
expect_eq "f3m.bin: one log line per transfer (4 transfers)" 4 "$(tftp_ok_lines f3m.bin)"
expect_match "log line has peer, options, size, duration, result" \
	'tftp peer=127\.0\.0\.1:[0-9]+ file="f3m.bin" source=root mode=octet options=blksize=1468,windowsize=16 negotiated=blksize=1468,windowsize=16 size=3000000 sent=[0-9]+ duration_ms=[0-9]+ retransmits=[0-9]+ result=ok' \
	"$(grep 'windowsize=16 negotiated' "$T/bootherd.log" | grep f3m.bin | head -1)"

# /metrics counts transfers by outcome and the bytes sent.
M=$(curl -s "http://127.0.0.1:$HP/metrics")
expect_match "metrics: TFTP transfers by outcome" 'bootherd_tftp_transfers_total\{outcome="ok"\} [1-9]' "$M"
expect_match "metrics: TFTP bytes sent" 'bootherd_tftp_bytes_total [1-9][0-9]{6,}' "$M"
finish
