#!/usr/bin/env bash
# End-to-end: real firmware network-boots through bootherd alone (DHCP + TFTP +
# HTTP) into the image assigned to its MAC, checked on each VM's serial
# console.  Everything runs at once to keep the wall time down:
#
#   switch A, bootherd as the DHCP server (198.18.0.1):
#     m-bios   SeaBIOS + NIC iPXE ROM  -> alpha; reassigned through the REST
#              API -> beta, powered on again -> beta
#     m-upxe   OVMF UEFI PXE -> TFTP snponly.efi (the default) -> iPXE -> beta
#     m-uhttp  OVMF UEFI HTTP Boot -> http://…/snponly.efi -> iPXE -> beta
#     m-new    SeaBIOS + iPXE, unknown MAC: discovered, keeps retrying; adopted
#              through the REST API while it waits -> boots alpha, bootherd
#              and the machine untouched
#   switch B, dnsmasq as the site's DHCP server (198.18.0.2) and bootherd in
#   proxyDHCP mode (198.18.0.1):
#     p-bios   SeaBIOS + NIC iPXE ROM  -> beta
#     p-upxe   OVMF UEFI PXE           -> alpha
#     p-uhttp  OVMF UEFI HTTP Boot     -> beta
#
#   E2E_NO_RA=1    bootherd sends no router advertisement ([ra] enabled =
#                  false; Debian's iPXE then waits ~13 s for IPv6 each start)
#   E2E_PCAP=1     capture both links into $E2E_KEEP (or the temp dir)
#   E2E_KEEP=DIR   keep logs, serial consoles and captures in DIR
source "$(dirname "$0")/../integration/lib.sh"
E2E=$ROOT/tests/e2e
source "$E2E/lib/images.sh"
source "$E2E/lib/net.sh"
source "$E2E/lib/vm.sh"
source "$E2E/lib/refstack.sh"
source "$E2E/lib/bootherd.sh"

[ -x "$BOOTHERD" ] || { log "no $BOOTHERD: build first"; exit 1; }
WAIT=${E2E_WAIT:-420}
VM_TIMEOUT=$((WAIT + 120))
keep() {
	[ -n "${E2E_KEEP:-}" ] || return 0
	mkdir -p "$E2E_KEEP" && cp -a "$T"/. "$E2E_KEEP"/ 2>/dev/null || true
}
on_exit keep

images_build alpha beta
IP=198.18.0.1
# bootherd's own router advertisements end iPXE's IPv6 wait ([ra], bh_init).
[ -z "${E2E_NO_RA:-}" ] || export BH_RA=false

# --- switch A: bootherd is the DHCP server --------------------------------
A=${NET_PREFIX}a
net_switch "$A"
net_host "$A" "${A}bh" "$IP/24"
[ -z "${E2E_PCAP:-}" ] || net_pcap "$A" "$T/a.pcap"

BA=$T/bh-a
bh_init "$BA" "$IP" server
bh_images "$BA" alpha beta
declare -A mac=(
	[m-bios]=52:54:00:e2:e0:01 [m-upxe]=52:54:00:e2:e0:02
	[m-uhttp]=52:54:00:e2:e0:03 [m-new]=52:54:00:e2:e0:04
	[p-bios]=52:54:00:e2:e0:11 [p-upxe]=52:54:00:e2:e0:12 [p-uhttp]=52:54:00:e2:e0:13
)
bh "$BA" machine add "${mac[m-bios]}" --image alpha --hostname m-bios >/dev/null
bh "$BA" machine add "${mac[m-upxe]}" --image beta --hostname m-upxe >/dev/null
bh "$BA" machine add "${mac[m-uhttp]}" --image beta --hostname m-uhttp >/dev/null
bh_start "${A}bh" "$BA"

# --- switch B: site DHCP (dnsmasq) + bootherd proxyDHCP --------------------
B=${NET_PREFIX}b
net_switch "$B"
net_host "$B" "${B}site" "198.18.0.2/24"
net_host "$B" "${B}bh" "$IP/24"
[ -z "${E2E_PCAP:-}" ] || net_pcap "$B" "$T/b.pcap"
ref_dnsmasq_site "${B}site" "$T/site"
BB=$T/bh-b
bh_init "$BB" "$IP" proxy
bh_images "$BB" alpha beta
bh "$BB" machine add "${mac[p-bios]}" --image beta --hostname p-bios >/dev/null
bh "$BB" machine add "${mac[p-upxe]}" --image alpha --hostname p-upxe >/dev/null
bh "$BB" machine add "${mac[p-uhttp]}" --image beta --hostname p-uhttp >/dev/null
bh_start "${B}bh" "$BB"

# --- power on ---------------------------------------------------------------
vm_start "$A" m-bios "${mac[m-bios]}" bios
vm_start "$A" m-upxe "${mac[m-upxe]}" uefi-pxe
vm_start "$A" m-uhttp "${mac[m-uhttp]}" uefi-http
vm_start "$A" m-new "${mac[m-new]}" bios
vm_start "$B" p-bios "${mac[p-bios]}" bios
vm_start "$B" p-upxe "${mac[p-upxe]}" uefi-pxe
vm_start "$B" p-uhttp "${mac[p-uhttp]}" uefi-http

# expect_boot VM IMAGE: VM's console shows IMAGE's marker, from the script
# for its own MAC (the cmdline carries what bootherd rendered).
expect_boot() {
	local vm=$1 img=$2 m=${mac[${1%-2}]} line
	line=$(vm_wait_marker "$vm" "$WAIT") || line="(no marker line)"
	expect_match "$vm (${m}) boots $img" \
		"^BOOTHERD-MARKER image=$img cmdline=.*bootherd.image=$img bootherd.mac=$m( |\$)" "$line"
	[[ "$line" == "(no marker line)" ]] || log "       $vm: $(vm_elapsed "$vm") s power-on to marker"
}

# The unknown machine: recorded as discovered, and retrying, with no image.
check "m-new is listed as discovered" wait_for "$WAIT" bh_discovered "$BA" "${mac[m-new]}"
# Its retries fold into one "waiting" event whose time moves on each fetch.
fetched() { [ -n "$(bh_script_last "$BA" "${mac[m-new]}")" ]; }
check "m-new fetched its script" wait_for 120 fetched
first_fetch=$(bh_script_last "$BA" "${mac[m-new]}")
retried() { [[ "$(bh_script_last "$BA" "${mac[m-new]}")" > "$first_fetch" ]]; }
check "m-new keeps asking for its script (a later fetch)" wait_for 120 retried
expect_eq "m-new has booted nothing while unassigned" "" "$(vm_marker m-new)"
# Adopt it through the REST API while it waits: no restart of bootherd or of
# the machine.
api() { bh_api "$@" >>"$T/api.log" && echo >>"$T/api.log"; }
check "m-new adopted with image alpha through the API" \
	api "${A}bh" "$BA" POST "/discovered/${mac[m-new]}/adopt" '{"image": "alpha"}'

expect_boot m-bios alpha
expect_boot m-upxe beta
expect_boot m-uhttp beta
expect_boot m-new alpha
# The default UEFI x86-64 first stage is snponly.efi; it works under OVMF
# (virtio-net), so no fallback to ipxe.efi is recorded.
snp_handed() { bh "$BA" events --mac "${mac[$1]}" 2>/dev/null | grep -q "dhcp .*file=.*snponly\.efi"; }
check "m-upxe was handed snponly.efi (the default)" snp_handed m-upxe
check "m-uhttp was handed the snponly.efi URL" snp_handed m-uhttp
expect_eq "m-upxe: no fallback to ipxe.efi" null \
	"$(bh "$BA" machine show "${mac[m-upxe]}" --json 2>/dev/null | jq -r .snponly_fallback_at)"
check "bootherd (server mode) ran throughout, never restarted" kill -0 "${_bh_pid[$BA]}"
expect_boot p-bios beta
expect_boot p-upxe alpha
expect_boot p-uhttp beta

# --- reassign through the REST API and reboot --------------------------------
vm_wait_exit m-bios 30 || true
vm_stop m-bios
check "m-bios reassigned to beta through the API" \
	api "${A}bh" "$BA" PATCH "/machines/${mac[m-bios]}" '{"image": "beta"}'
vm_start "$A" m-bios-2 "${mac[m-bios]}" bios
expect_boot m-bios-2 beta

check "the site's DHCP server leased the proxy-mode machines' addresses" \
	grep -q "${mac[p-upxe]}" "$T/site/site-dnsmasq.leases"
if [ -z "${E2E_NO_RA:-}" ]; then
	for d in "$BA" "$BB"; do
		check "bootherd ($(basename "$d")) sent router advertisements on eth0" \
			grep -q "ra: router advertisements .* on eth0:" "$d/bootherd.log"
	done
fi
finish
