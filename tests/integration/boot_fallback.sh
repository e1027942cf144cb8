#!/usr/bin/env bash
# One fallback on a render failure, the same on every path (docs/boot.md):
# a machine whose image cannot be rendered gets the format's wait-and-retry
# file — over HTTP (curl), over TFTP as an iPXE script (tftp-hpa) and as a
# pxelinux config (atftp) — never an error; the failure is logged with its
# reason and recorded as "script error"; nothing is cached, so the fixed
# image boots at the next request.  Two failures: a template the API would
# refuse today (written into the database by hand, as an older version or
# another tool could have), and a [boot] default_image that does not exist.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/_daemon.sh"
. "$(dirname "$0")/tftp_setup.inc"
in_private_netns "$@"

tftp_tree
TP=$(udp_port)
HP=$(free_port)
tftp_conf 127.0.0.1 "$TP" "$HP" "[boot]" "unknown_retry_s = 7" "default_image = ghost"
BH() { "$BOOTHERD" --config "$T/bh.conf" "$@"; }
M1=52:54:00:00:0f:01 # assigned an image with a broken template
M2=52:54:00:00:0f:02 # unknown: gets the default image, which does not exist
H1=${M1//:/-}        # tftp-hpa reads "a:b" as host:file: the hyphen spelling
BH image add broken --kernel k/linux --initrd k/initrd --cmdline "console=ttyS0" >/dev/null
BH machine add "$M1" --image broken >/dev/null
sqlite3 "$T/state/bootherd.db" "UPDATE image SET cmdline = 'console=ttyS0 x={{nope}}' WHERE name = 'broken'"
tftp_start
cd "$T"
U=http://127.0.0.1:$HP
get_hpa() { timeout 30 tftp -m binary 127.0.0.1 "$TP" -c get "$1" "$2" 2>&1; }
get_atftp() { timeout 30 atftp -g -r "$1" -l "$2" 127.0.0.1 "$TP" 2>&1; }
WAIT_IPXE="has no image assigned.*Retrying in 7 seconds.*chain --autofree --replace"

log "== a broken template: HTTP, TFTP iPXE, TFTP pxelinux"
code=$(curl -s -o http1 -w '%{http_code}' "$U/boot/$M1.ipxe")
expect_eq "HTTP: 200, not an error" 200 "$code"
expect_match "HTTP: the iPXE wait-and-retry script" "$WAIT_IPXE.*http://127\.0\.0\.1:$HP/boot/$M1\.ipxe" \
	"$(tr '\n' ' ' <http1)"
out=$(get_hpa "boot/$H1.ipxe" tftp1)
expect_eq "TFTP iPXE (tftp-hpa): no error" "" "$out"
expect_match "TFTP iPXE: the iPXE wait-and-retry script, tftp:// URLs" \
	"$WAIT_IPXE tftp://127\.0\.0\.1:$TP/boot/$M1\.ipxe" "$(tr '\n' ' ' <tftp1 2>/dev/null)"
expect_match "TFTP iPXE: where to assign it is the web UI" "Assign one at http://127\.0\.0\.1:$HP/" \
	"$(cat tftp1 2>/dev/null)"
out=$(get_atftp "pxelinux.cfg/01-$H1" pxe1)
expect_eq "TFTP pxelinux (atftp): no error" "" "$out"
expect_match "TFTP pxelinux: the pxelinux wait-and-retry config" \
	"has no image assigned.*TIMEOUT 70.*COM32 reboot\.c32" "$(tr '\n' ' ' <pxe1 2>/dev/null)"
for how in "cannot render script (template error: unknown template variable" \
	"file=\"boot/$H1.ipxe\" mac=$M1 image=broken: cannot render (template error" \
	"file=\"pxelinux.cfg/01-$H1\" mac=$M1 image=broken: cannot render (template error"; do
	check "logged: ${how:0:60}" grep -qF "$how" "$T/bootherd.log"
done
events() { BH events --mac "$1" 2>/dev/null; }
has_events() { [ "$(events "$1" | grep -c "script error")" -ge "$2" ]; }
check "events: script error on all three paths" wait_for 10 has_events "$M1" 3
expect_match "event: HTTP stage script" "script .*script error" "$(events "$M1")"
expect_match "event: TFTP stage tftp names the file" \
	"tftp .*boot/$H1\.ipxe \([0-9]+ bytes\): script error" "$(events "$M1")"

log "== fixed: the next request boots the image on every path (nothing cached)"
BH image edit broken --cmdline "console=ttyS0 fixed=1" >/dev/null
expect_match "HTTP: the image's kernel" "kernel http://127\.0\.0\.1:$HP/images/k/linux .*fixed=1" \
	"$(curl -s "$U/boot/$M1.ipxe")"
get_hpa "boot/$H1.ipxe" tftp2 >/dev/null
expect_match "TFTP iPXE: the image's kernel over TFTP" "kernel tftp://127\.0\.0\.1:$TP/images/k/linux" \
	"$(cat tftp2 2>/dev/null)"
get_atftp "pxelinux.cfg/01-$H1" pxe2 >/dev/null
expect_match "TFTP pxelinux: the image's kernel" "KERNEL http://127\.0\.0\.1:$HP/images/k/linux" \
	"$(cat pxe2 2>/dev/null)"

log "== a default_image that does not exist"
code=$(curl -s -o http3 -w '%{http_code}' "$U/boot/$M2.ipxe")
expect_eq "HTTP: 200" 200 "$code"
expect_match "HTTP: wait-and-retry" "$WAIT_IPXE" "$(tr '\n' ' ' <http3)"
get_atftp "pxelinux.cfg/01-${M2//:/-}" pxe3 >/dev/null
expect_match "TFTP pxelinux: wait-and-retry" "COM32 reboot\.c32" "$(cat pxe3 2>/dev/null)"
check "logged: image missing" grep -qF "image=ghost: cannot render script (image missing: image \"ghost\" does not exist" \
	"$T/bootherd.log"
check "event: script error (default image)" wait_for 10 bash -c \
	"\"$BOOTHERD\" --config '$T/bh.conf' events --mac $M2 2>/dev/null | grep -q 'script error (default image)'"
finish
