#!/usr/bin/env bash
# snponly.efi by default on UEFI x86-64 with a per-machine fallback
# (docs/firmware.md): a PXE arch-7 client gets snponly.efi; one that never
# comes back as iPXE (user class iPXE) within [dhcp] snponly_fallback
# seconds (2 here) gets ipxe.efi on its next DISCOVER, from then on, and the
# fallback is recorded on the machine (CLI, JSON, kept across a restart,
# cleared by a boot_file change); one that came back as iPXE keeps
# snponly.efi; a boot_file override wins; UEFI HTTP Boot (16) gets the
# snponly.efi URL.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dhcp_common.bash"

dh_setup
dh_port "$CL" c1 02:00:00:00:0c:01 # never comes back as iPXE
dh_port "$CL" c2 02:00:00:00:0c:02 # comes back as iPXE
dh_port "$CL" c3 02:00:00:00:0c:03 # boot_file = snponly.efi
dh_port "$CL" c4 02:00:00:00:0c:04 # unknown MAC, never iPXE
dh_port "$CL" c5 02:00:00:00:0c:05 # UEFI HTTP Boot
mkdir -p "$T/state/images/deb"
printf 'KERNEL' >"$T/state/images/deb/vmlinuz"
dh_conf "snponly_fallback = 2"
bh image add deb --kernel deb/vmlinuz >/dev/null
for i in 1 2 5; do bh machine add 02:00:00:00:0c:0$i --image deb >/dev/null; done
bh machine add 02:00:00:00:0c:03 --image deb --boot-file snponly.efi >/dev/null
dh_start

UEFI=(-V PXEClient:Arch:00007:UNDI:003000 -x 0x5d:0007)
IPXE=(-V PXEClient:Arch:00007:UNDI:003000 -x 0x5d:0007 -x 0x4d:69505845)
fb() { bh machine show "$1" --json 2>/dev/null | jq -r '.snponly_fallback_at // "none"'; }
file_of() { field boot_file "$(dh_udhcpc "$@")"; }

log "== first attempt: snponly.efi"
expect_eq "c1 arch 7: snponly.efi" "snponly.efi" "$(file_of c1 "${UEFI[@]}")"
expect_eq "c2 arch 7: snponly.efi" "snponly.efi" "$(file_of c2 "${UEFI[@]}")"
expect_eq "c3 boot_file override: snponly.efi" "snponly.efi" "$(file_of c3 "${UEFI[@]}")"
expect_eq "c4 unknown arch 7: snponly.efi" "snponly.efi" "$(file_of c4 "${UEFI[@]}")"
line=$(dh_udhcpc c5 -V HTTPClient:Arch:00016:UNDI:003000 -x 0x5d:0010)
expect_eq "c5 HTTP Boot (16): the snponly.efi URL" "http://198.18.0.1:$DH_HTTP_PORT/snponly.efi" \
	"$(field boot_file "$line")"
log "c2 comes back as iPXE"
expect_eq "c2 as iPXE: the script" "http://198.18.0.1:$DH_HTTP_PORT/boot.ipxe" "$(file_of c2 "${IPXE[@]}")"
expect_eq "no fallback recorded yet (c1)" "none" "$(fb 02:00:00:00:0c:01)"

log "== after the bound (2 s)"
sleep 3
expect_eq "c1 never came back as iPXE: ipxe.efi" "ipxe.efi" "$(file_of c1 "${UEFI[@]}")"
expect_eq "c2 came back as iPXE: snponly.efi still" "snponly.efi" "$(file_of c2 "${UEFI[@]}")"
expect_eq "c3 override wins: snponly.efi" "snponly.efi" "$(file_of c3 "${UEFI[@]}")"
expect_eq "c4 unknown MAC falls back too: ipxe.efi" "ipxe.efi" "$(file_of c4 "${UEFI[@]}")"
line=$(dh_udhcpc c5 -V HTTPClient:Arch:00016:UNDI:003000 -x 0x5d:0010)
expect_eq "c5 HTTP Boot never came back: the ipxe.efi URL" "http://198.18.0.1:$DH_HTTP_PORT/ipxe.efi" \
	"$(field boot_file "$line")"
check "c1: fallback recorded (JSON snponly_fallback_at)" bash -c "[ '$(fb 02:00:00:00:0c:01)' != none ]"
expect_eq "c2: no fallback" "none" "$(fb 02:00:00:00:0c:02)"
expect_eq "c3: no fallback" "none" "$(fb 02:00:00:00:0c:03)"
expect_match "CLI machine show says so" "fallback: *ipxe.efi" "$(bh machine show 02:00:00:00:0c:01)"
expect_match "machine list --json carries it" '"snponly_fallback_at": *"' \
	"$(bh machine list --json | jq -c '.[] | select(.mac == "02:00:00:00:0c:01")' | sed 's/:"/: "/g')"
expect_match "API machine JSON carries it" "snponly_fallback_at" \
	"$(ip netns exec "$CL" curl -sS -H "Authorization: Bearer $(bh token create fbtest --role admin 2>/dev/null | tail -1)" \
		"http://198.18.0.1:$DH_HTTP_PORT/api/v1/machines/02:00:00:00:0c:01" 2>/dev/null || true)"
check "log says why" grep -q "02:00:00:00:0c:01: no iPXE .* falling back to ipxe.efi" "$T/bootherd.log"
log "c1 now comes back as iPXE (ipxe.efi works); it keeps ipxe.efi"
file_of c1 "${IPXE[@]}" >/dev/null
sleep 3
expect_eq "c1 sticky: ipxe.efi" "ipxe.efi" "$(file_of c1 "${UEFI[@]}")"

log "== kept across a restart (recorded on the machine)"
dh_stop
dh_start
expect_eq "c1 after restart: ipxe.efi" "ipxe.efi" "$(file_of c1 "${UEFI[@]}")"
log "== a boot_file change clears it"
bh machine edit 02:00:00:00:0c:01 --boot-file ipxe.efi >/dev/null
expect_eq "cleared by the boot_file change" "none" "$(fb 02:00:00:00:0c:01)"
bh machine edit 02:00:00:00:0c:01 --boot-file "" >/dev/null
dh_stop
dh_start
expect_eq "c1 back to the default: snponly.efi" "snponly.efi" "$(file_of c1 "${UEFI[@]}")"
finish
