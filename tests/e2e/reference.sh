#!/usr/bin/env bash
# Harness self-check: boots the three firmware recipes against a reference
# stack made of stock Debian servers (dnsmasq DHCP+TFTP, python3 http.server
# with hand-written per-MAC scripts), without bootherd.  It proves the VM
# recipes, images and network plumbing work, so a failure in boot.sh points at
# bootherd.  Not part of the regular suite (it tests no bootherd feature); run
# it by hand after changing tests/e2e/lib:  tests/e2e/reference.sh [FIRMWARE...]
#   REF_STACK=isc   ISC dhcpd + tftpd-hpa + nginx instead of dnsmasq + http.server
#   E2E_RA=1        a router advertisement on the link (ends iPXE's IPv6 wait)
#   E2E_PCAP=1      capture the link; E2E_KEEP=DIR keeps logs and capture
source "$(dirname "$0")/../integration/lib.sh"
E2E=$ROOT/tests/e2e
source "$E2E/lib/images.sh"
source "$E2E/lib/net.sh"
source "$E2E/lib/vm.sh"
source "$E2E/lib/refstack.sh"

[ $# -gt 0 ] || set -- bios uefi-pxe uefi-http
images_build alpha beta

SW=${NET_PREFIX}sw
SRV=${NET_PREFIX}srv
IP=198.18.0.1
net_switch "$SW"
net_host "$SW" "$SRV" "$IP/24"
[ -n "${E2E_PCAP:-}" ] && net_pcap "$SW" "$T/boot.pcap"
[ -n "${E2E_RA:-}" ] && net_ra "$SW"

ref_tree "$T/www" "$IP"
if [ "${REF_STACK:-dnsmasq}" = isc ]; then
	ref_isc "$SRV" "$T/www" "$IP"
else
	ref_dnsmasq "$SRV" "$T/www" "$IP"
	ref_http "$SRV" "$T/www" "$IP"
fi

declare -A want
i=0
for fw in "$@"; do
	i=$((i + 1))
	mac=$(printf '52:54:00:e2:e0:%02x' "$i")
	img=$([ $((i % 2)) -eq 1 ] && echo alpha || echo beta)
	ref_assign "$T/www" "$mac" "$img"
	want[$fw]=$img
	vm_start "$SW" "$fw" "$mac" "$fw"
done
for fw in "$@"; do
	line=$(vm_wait_marker "$fw" 240) || line="(no marker)"
	expect_match "$fw boots ${want[$fw]}" "image=${want[$fw]} .*bootherd.image=${want[$fw]}" "$line"
	[ "$line" = "(no marker)" ] || log "       $fw: $(vm_elapsed "$fw") s to marker"
done
if [ -n "${E2E_KEEP:-}" ]; then
	mkdir -p "$E2E_KEEP" && cp -r "$T"/. "$E2E_KEEP"/
fi
finish
