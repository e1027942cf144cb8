#!/usr/bin/env bash
# GRUB as a boot format (src/boot/grub_cfg.c): the names Debian's signed
# grubnetx64.efi asks for (prefix /grub: grub/grub.cfg, which chains to
# grub/grub.cfg-01-$net_default_mac) served over TFTP (tftp-hpa) and HTTP
# (curl), from the same resolver as iPXE: a known MAC gets its image
# (linux/initrd over the protocol the file came over: TFTP or HTTP), an
# unknown MAC gets the wait-and-retry file and becomes discovered, a broken
# template gets the same fallback, and every fetch is a boot event.  An
# image's own GRUB template (grub_script: CLI, API PUT/PATCH, preview)
# replaces the linux/initrd/boot lines, hostile values substituted inert.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/_daemon.sh"
. "$(dirname "$0")/tftp_setup.inc"
in_private_netns "$@"

tftp_tree
TP=$(udp_port)
HP=$(free_port)
tftp_conf 127.0.0.1 "$TP" "$HP" "[boot]" "unknown_retry_s = 7"
BH() { "$BOOTHERD" --config "$T/bh.conf" "$@"; }
M1=52:54:00:00:0e:01 # assigned
M2=52:54:00:00:0e:02 # unknown
M3=52:54:00:00:0e:03 # assigned an image with a broken template
BH image add deb --kernel k/linux --initrd k/initrd --cmdline "console=ttyS0 host={{hostname}}" >/dev/null
BH image add broken --kernel k/linux --cmdline "console=ttyS0" >/dev/null
BH machine add "$M1" --image deb --hostname node1 >/dev/null
BH machine add "$M3" --image broken >/dev/null
sqlite3 "$T/state/bootherd.db" "UPDATE image SET cmdline = 'x={{nope}}' WHERE name = 'broken'"
M4=52:54:00:00:0e:04 # assigned an image with a GRUB template, hostile hostname
printf '%s\n' "linux \$bootherd_images/k/linux h={{hostname}} q='{{hostname}}' d=\"{{hostname}}\"" boot >"$T/grub.tpl"
BH image add tpl --kernel k/linux --grub-script "$T/grub.tpl" >/dev/null
BH machine add "$M4" --image tpl >/dev/null
# The CLI and API refuse such a hostname; an older row (or a DHCP client) may hold one.
sqlite3 "$T/state/bootherd.db" "UPDATE machine SET hostname = 'x'';reboot;\"\$y' WHERE image = 'tpl'"
TOKEN=$(BH token create ci --role admin 2>/dev/null)
tftp_start
cd "$T"
U=http://127.0.0.1:$HP
get() { timeout 30 tftp -m binary 127.0.0.1 "$TP" -c get "$1" "$2" 2>&1; }

IMAGE1="# bootherd: image deb for $M1
set bootherd_images='(tftp,127.0.0.1:$TP)/images'
echo 'bootherd: loading image deb'
linux \"\$bootherd_images\"'/k/linux' 'console=ttyS0' 'host=node1'
initrd \"\$bootherd_images\"'/k/initrd'
boot
echo 'bootherd: booting image deb failed.'
echo 'bootherd: retrying in 7 seconds.'
sleep 7
configfile \"\$prefix\"'/grub.cfg-failed-01-${M1//:/-}'"

log "== grub/grub.cfg: the chain to the per-MAC file"
out=$(get grub/grub.cfg chain)
expect_eq "TFTP grub/grub.cfg: no error" "" "$out"
expect_match "the chain reads grub.cfg-01-\$net_default_mac" \
	"configfile \"\\\$prefix\"'/grub.cfg-01-'\"\\\$net_default_mac\"" "$(cat chain)"
expect_eq "HTTP /grub/grub.cfg: the same chain" "$(cat chain)" "$(curl -sS "$U/grub/grub.cfg")"

log "== a known MAC: its image, both spellings of the MAC, TFTP and HTTP"
out=$(get "grub/grub.cfg-01-${M1//:/-}" known)
expect_eq "TFTP (tftp-hpa) grub.cfg-01-<mac>: no error" "" "$out"
expect_eq "TFTP: the image's GRUB configuration" "$IMAGE1" "$(cat known)"
# A GRUB that fetched its configuration over HTTP has the http module: the
# HTTP answer names its files over HTTP (the same file otherwise).
IMAGE1_HTTP=${IMAGE1/"(tftp,127.0.0.1:$TP)"/"(http,127.0.0.1:$HP)"}
expect_eq "HTTP (curl) /grub/grub.cfg-01-<mac>: the image, files over HTTP" "$IMAGE1_HTTP" \
	"$(curl -sS "$U/grub/grub.cfg-01-${M1//:/-}")"
# GRUB's $net_default_mac has colons: that spelling is served too.
expect_eq "HTTP, colon spelling (what the chain asks)" "$IMAGE1_HTTP" \
	"$(curl -sS "$U/grub/grub.cfg-01-$M1")"
timeout 30 curl -sS "tftp://127.0.0.1:$TP/grub/grub.cfg-01-$M1" -o known_colon
expect_eq "TFTP, colon spelling (curl)" "$IMAGE1" "$(cat known_colon)"
expect_eq "HTTP /boot/grub/ prefix too" "$IMAGE1_HTTP" "$(curl -sS "$U/boot/grub/grub.cfg-01-${M1//:/-}")"
# What the configuration names is served on both protocols.
get images/k/linux kern >/dev/null
expect_eq "TFTP: the kernel at (tftp,…)/images/k/linux" KERNEL-BYTES "$(cat kern)"
expect_eq "HTTP: the kernel at (http,…)/images/k/linux" KERNEL-BYTES "$(curl -sS "$U/images/k/linux")"

# After a failed boot GRUB asks for grub.cfg-failed-01-<mac>: the same file,
# and an event that says the image did not load.
get "grub/grub.cfg-failed-01-${M1//:/-}" failed >/dev/null
expect_eq "TFTP grub.cfg-failed-01-<mac>: the same file" "$IMAGE1" "$(cat failed)"
expect_eq "HTTP grub.cfg-failed-01-<mac>: the same file" "$IMAGE1_HTTP" \
	"$(curl -sS "$U/grub/grub.cfg-failed-01-${M1//:/-}")"

log "== an unknown MAC: wait and retry, then discovered"
out=$(get "grub/grub.cfg-01-${M2//:/-}" unknown)
expect_eq "TFTP: no error" "" "$out"
expect_match "TFTP: the GRUB wait-and-retry file" \
	"machine $M2 has no image assigned.*Assign one at http://127\.0\.0\.1:$HP/ .*sleep 7 configfile \"\\\$prefix\"'/grub.cfg-01-${M2//:/-}'" \
	"$(tr '\n' ' ' <unknown)"
expect_eq "HTTP: the same file" "$(cat unknown)" "$(curl -sS "$U/grub/grub.cfg-01-${M2//:/-}")"
discovered() { BH machine list --discovered 2>/dev/null | grep -q "$M2"; }
check "the unknown MAC is now a discovered machine" wait_for 10 discovered

log "== a broken template: the same fallback as every format"
get "grub/grub.cfg-01-${M3//:/-}" broken >/dev/null
expect_match "TFTP: wait-and-retry, no kernel" "has no image assigned.*sleep 7" "$(tr '\n' ' ' <broken)"
check "TFTP: no linux line" bash -c "! grep -q '^linux' broken"
code=$(curl -s -o broken_http -w '%{http_code}' "$U/grub/grub.cfg-01-${M3//:/-}")
expect_eq "HTTP: 200, not an error" 200 "$code"
check "HTTP: no linux line" bash -c "! grep -q '^linux' broken_http"
check "logged with the reason" grep -qF "file=\"grub/grub.cfg-01-${M3//:/-}\" mac=$M3 image=broken: cannot render (template error" \
	"$T/bootherd.log"

log "== boot events"
events() { BH events --mac "$1" 2>/dev/null; }
has() { events "$1" | grep -qE "$2"; }
check "TFTP fetch recorded with what it was (known)" wait_for 10 has "$M1" \
	"tftp .*grub/grub.cfg-01-${M1//:/-} \([0-9]+ bytes\): deb"
check "HTTP fetch recorded (known)" wait_for 10 has "$M1" "script .*grub: deb"
check "TFTP: the failed boot recorded" wait_for 10 has "$M1" \
	"tftp .*grub/grub.cfg-failed-01-${M1//:/-} \([0-9]+ bytes\): boot failed, retrying: deb"
check "HTTP: the failed boot recorded" wait_for 10 has "$M1" "script .*grub: boot failed, retrying: deb"
check "TFTP fetch recorded (unknown)" wait_for 10 has "$M2" "tftp .*: no image"
check "HTTP fetch recorded (unknown)" wait_for 10 has "$M2" "script .*grub: no image"
check "fallback recorded as script error" wait_for 10 has "$M3" "tftp .*: script error"

log "== an image's GRUB template (grub_script)"
expect_match "CLI: image show prints the template" "grub_script: linux" "$(BH image show tpl | tr '\n' ' ')"
H=x%27%3Breboot%3B%22%24y # the hostname, percent-encoded as in iPXE templates
TPL4="# bootherd: image tpl for $M4
set bootherd_images='(tftp,127.0.0.1:$TP)/images'
linux \$bootherd_images/k/linux h=$H q='$H' d=\"$H\"
boot
echo 'bootherd: booting image tpl failed.'
echo 'bootherd: retrying in 7 seconds.'
sleep 7
configfile \"\$prefix\"'/grub.cfg-failed-01-${M4//:/-}'"
get "grub/grub.cfg-01-${M4//:/-}" tpl >/dev/null
expect_eq "TFTP grub.cfg-01-<mac>: the rendered template" "$TPL4" "$(cat tpl)"
expect_eq "HTTP: the same, files over HTTP" "${TPL4/"(tftp,127.0.0.1:$TP)"/"(http,127.0.0.1:$HP)"}" \
	"$(curl -sS "$U/grub/grub.cfg-01-${M4//:/-}")"
expect_match "iPXE ignores it: kernel/initrd/boot" "kernel http://127.0.0.1:$HP/images/k/linux" \
	"$(curl -sS "$U/boot/$M4.ipxe")"
AUTH=(-H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json")
api() { curl -sS "${AUTH[@]}" -X "$1" "$U/api/v1/$2" ${3:+--data "$3"}; }
expect_eq "API GET: grub_script" "$(cat "$T/grub.tpl")" "$(api GET images/tpl | jq -r .grub_script)"
expect_eq "API PATCH: grub_script replaced" "echo {{image}}" \
	"$(api PATCH images/tpl '{"grub_script":"echo {{image}}"}' | jq -r .grub_script)"
get "grub/grub.cfg-01-${M4//:/-}" tpl2 >/dev/null
expect_eq "TFTP: the new template at once" "echo tpl" "$(sed -n 3p tpl2)"
expect_eq "API preview format grub: the unsaved template" "echo tpl-x" \
	"$(api POST preview "{\"mac\":\"$M4\",\"format\":\"grub\",\"image\":{\"name\":\"tpl\",\"kernel\":\"k/linux\",\"grub_script\":\"echo {{image}}-x\"}}" |
		jq -r .script | sed -n 3p)"
expect_eq "API preview: unknown format is a 422 naming it" "422 format" \
	"$(curl -s -o pv -w '%{http_code}' "${AUTH[@]}" "$U/api/v1/preview" --data "{\"mac\":\"$M4\",\"format\":\"uefi\"}") $(jq -r .field pv)"
expect_eq "API preview: a broken GRUB template is a 422 naming grub_script" "422 grub_script" \
	"$(curl -s -o pv -w '%{http_code}' "${AUTH[@]}" "$U/api/v1/preview" --data "{\"mac\":\"$M4\",\"format\":\"grub-tftp\",\"image\":{\"kernel\":\"k/linux\",\"grub_script\":\"echo {{nope}}\"}}") $(jq -r .field pv)"
expect_eq "API PUT: \"\" is no template" null \
	"$(api PUT images/tpl '{"kernel":"k/linux","grub_script":""}' | jq -r .grub_script)"
get "grub/grub.cfg-01-${M4//:/-}" tpl3 >/dev/null
expect_eq "TFTP: the generated linux line again" "linux \"\$bootherd_images\"'/k/linux'" "$(sed -n 4p tpl3)"
printf 'echo {{mac}}\n' | BH image edit tpl --grub-script - >/dev/null 2>&1
expect_eq "CLI --grub-script -: from stdin" "echo {{mac}}" "$(api GET images/tpl | jq -r .grub_script)"
BH image edit tpl --no-grub-script >/dev/null 2>&1
expect_eq "CLI --no-grub-script" null "$(api GET images/tpl | jq -r .grub_script)"
check "CLI refuses an unknown variable" bash -c "! printf 'echo {{nope}}' | $BOOTHERD --config $T/bh.conf image edit tpl --grub-script - 2>/dev/null"

log "== names that are not GRUB's per-MAC files"
out=$(get grub/x86_64-efi/command.lst lst)
expect_match "grub/x86_64-efi/command.lst: not found (GRUB takes that as optional)" "not found|File not found|Error code 1" "$out"
expect_eq "HTTP /grub/other: 404" 404 "$(curl -s -o /dev/null -w '%{http_code}' "$U/grub/other")"
finish
