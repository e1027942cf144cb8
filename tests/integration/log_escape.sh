#!/usr/bin/env bash
# Log escaping (issue 12): file names and URLs a peer sends reach the log
# with every byte outside printable ASCII written as \xNN, never raw (no
# terminal escape sequence, no forged line).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/_daemon.sh"
. "$(dirname "$0")/tftp_setup.inc"
in_private_netns "$@"

tftp_tree
TP=$(udp_port)
HP=$(free_port)
tftp_conf 127.0.0.1 "$TP" "$HP"
tftp_start
cd "$T"

# TFTP: an RRQ whose name holds ESC sequences, DEL, a high byte and a newline.
out=$($RAW get 127.0.0.1 "$TP" '\x1b]0;owned\x07\x1b[31mevil\x7f\xff\nFAKE line' o1 || true)
expect_match "TFTP: the name is refused" '^ERROR 2 ' "$out"
check "TFTP: the name is logged escaped" wait_for 5 grep -qF 'file="\x1b]0;owned\x07\x1b[31mevil\x7f\xff\x0aFAKE line"' "$T/bootherd.log"

# HTTP: a URL with the same bytes, percent-encoded (decoded before logging).
curl -s -o /dev/null "http://127.0.0.1:$HP/boot/%1b%5b31m%7f%ff%0aFAKE.ipxe" || true
curl -s -o /dev/null "http://127.0.0.1:$HP/%1b%5b2J" || true
sleep 0.5


raw=$(LC_ALL=C grep -c -P '[\x00-\x08\x0b-\x1f\x7f-\xff]' "$T/bootherd.log" || true)
expect_eq "no log line carries a raw control or high byte" 0 "$raw"
check "no forged line starts with FAKE" sh -c "! grep -q '^FAKE' '$T/bootherd.log'"
finish
