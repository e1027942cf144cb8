#!/usr/bin/env bash
# TFTP confinement: every escape attempt fails with the proper ERROR code,
# and nothing outside the root is ever delivered.  Real client (tftp-hpa)
# where it can express the name, the raw client for the rest.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tftp_setup.inc"

tftp_tree
TP=$(udp_port)
HP=$(free_port)
tftp_conf 127.0.0.1 "$TP" "$HP"
tftp_start
cd "$T"

# ERROR code a stock client reports for NAME ("ok" if it got a file).
hpa_code() {
	local out
	rm -f got
	out=$(timeout 30 tftp -m binary 127.0.0.1 "$TP" -c get "$1" got 2>&1) || true
	if [[ "$out" =~ Error\ code\ ([0-9]+) ]]; then
		echo "${BASH_REMATCH[1]}"
	else
		echo ok
	fi
}
raw_code() {
	local out
	out=$($RAW get 127.0.0.1 "$TP" "$1")
	if [[ "$out" =~ ^ERROR\ ([0-9]+) ]]; then echo "${BASH_REMATCH[1]}"; else echo "$out"; fi
}

# name                         expected ERROR code
while read -r name code why; do
	expect_eq "$name -> ERROR $code ($why)" "$code" "$(hpa_code "$name")"
done <<'LIST'
../outside/secret              2 dot-dot
../../../../../../etc/passwd   2 dot-dot
sub/../../outside/secret       2 dot-dot-inside
..\outside\secret              2 backslash-dot-dot
sub\..\..\outside\secret       2 backslash-dot-dot-inside
/../outside/secret             2 leading-slash-dot-dot
escape                         2 symlink-out-of-root
inner                          2 symlink-inside-root
fifo                           2 fifo
null                           2 device
sub                            2 directory
/etc/passwd                    1 absolute-path-is-relative-to-root
missing.bin                    1 not-found
LIST

long=$(printf 'a%.0s' $(seq 600))
expect_eq "600-byte name -> ERROR 0 (file name too long)" 0 "$(raw_code "$long")"
expect_eq "control character in name -> ERROR 2" 2 "$(raw_code 'a\nb')"
expect_eq "empty name -> ERROR 1" 1 "$(raw_code '')"

# Writes are refused (the server is read-only).
printf 'x' >upload.bin
out=$(timeout 30 tftp -m binary 127.0.0.1 "$TP" -c put upload.bin 2>&1 || true)
expect_match "WRQ -> ERROR 2, read-only" 'Error code 2: write requests are refused' "$out"
check "nothing was written into the root" test ! -e root/upload.bin

# Nothing from outside the root leaked into any file we received.
check "secret never delivered" bash -c "! grep -rqs TOP-SECRET-$$ --exclude-dir=outside --exclude-dir=root $T"
# The root itself still serves normal files.
expect_eq "control: a normal file is served" ok "$(hpa_code f1024.bin)"
finish
