#!/usr/bin/env bash
# bootherd's main job, end to end, on one machine: a diskless virtual machine
# network-boots through bootherd (DHCP + TFTP + HTTP) into the image assigned
# to its MAC address, is reassigned to another image, reboots into that one.
#
# On a fresh Debian 12 machine (as root, or with sudo) it installs what is
# missing (scripts/deps.sh build e2e), builds into build/, builds two small
# boot images (Debian's cloud kernel + a busybox initramfs each, cached in
# tests/e2e/.cache), and runs everything inside private network namespaces
# (198.18.0.0/24, no link to this machine's network).  It leaves nothing behind
# when it ends or is interrupted (Ctrl-C).
#
#   scripts/demo.sh                 run the demo; at the end the web UI stays up
#                                   until Enter or Ctrl-C (when run from a terminal)
#   DEMO_FIRMWARE=uefi-pxe|uefi-http   boot the VM with OVMF instead of SeaBIOS+iPXE
#   DEMO_UI_PORT=8080               host port where the UI is forwarded
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
if [ -n "$SUDO" ]; then
	# Namespaces, taps and DHCP ports need root: re-run the whole demo as root.
	exec sudo -E "$0" "$@"
fi

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

say "Installing missing Debian packages and building bootherd"
scripts/deps.sh build e2e
scripts/build.sh

T=$(mktemp -d /tmp/bootherd-demo.XXXXXX)
chmod 755 "$T" # reachable by the user bootherd serve switches to
export VM_DIR=$T/vms VM_TIMEOUT=600
source tests/e2e/lib/net.sh # defines the cleanup stack (on_exit) first
on_exit "rm -rf $T"
source tests/e2e/lib/images.sh
source tests/e2e/lib/vm.sh
source tests/e2e/lib/bootherd.sh

say "Building two boot images, alpha and beta (cached after the first run)"
images_build alpha beta

FW=${DEMO_FIRMWARE:-bios}
MAC=52:54:00:de:e0:01
IP=198.18.0.1
PORT=${DEMO_UI_PORT:-8080}
SW=${NET_PREFIX}sw
NS=${NET_PREFIX}bh

say "Creating an isolated network: bridge + bootherd at $IP"
net_switch "$SW"
net_host "$SW" "$NS" "$IP/24"

BH=$T/bootherd
# bh_init turns on [ra]: bootherd's own router advertisement ends Debian
# iPXE's ~13 s wait for IPv6 (docs/dhcp.md, "Router advertisements").
bh_init "$BH" "$IP" server
bh_images "$BH" alpha beta
bh "$BH" machine add "$MAC" --image alpha --hostname demo-1
say "Starting bootherd (config $BH/bootherd.conf, log $BH/bootherd.log)"
bh_start "$NS" "$BH"
python3 tests/e2e/lib/portfwd.py --listen "127.0.0.1:$PORT" --netns "$NS" --to "$IP:80" &
on_exit "kill $!"
echo "bootherd is up; its machines:"
bh "$BH" machine list

# boot NAME: powers the VM on, shows the line its image prints, waits for it
# to power off.
boot() {
	local name=$1 line
	say "Powering on the VM $MAC ($FW firmware, software-emulated: 20-60 s)"
	vm_start "$SW" "$name" "$MAC" "$FW"
	if ! line=$(vm_wait_marker "$name" 400); then
		echo "the VM did not boot; last console lines:" >&2
		tr -d '\r' <"$VM_DIR/$name.serial" | tail -n 20 >&2
		exit 1
	fi
	echo "VM console: $line"
	echo "The VM booted image \"$(sed -n 's/^[^=]*image=\([^ ]*\).*/\1/p' <<<"$line")\"" \
		"($(vm_elapsed "$name") s after power-on)."
	vm_wait_exit "$name" 30 || true
	vm_stop "$name"
}

boot demo-boot-1

say "Reassigning $MAC to image beta through the REST API"
bh_token "$BH"
echo "curl -X PATCH -H 'Authorization: Bearer bht_…' -H 'Content-Type: application/json' \\"
echo "     http://$IP/api/v1/machines/$MAC -d '{\"image\": \"beta\"}'"
bh_api "$NS" "$BH" PATCH "/machines/$MAC" '{"image": "beta"}'
echo

boot demo-boot-2

say "Boot history of $MAC"
bh "$BH" events --mac "$MAC" --limit 20

PASSWORD=$(head -c 12 /dev/urandom | base64 | tr -d '/+=')
bh "$BH" user add admin --role admin <<<"$PASSWORD" 2>/dev/null
say "Web UI: http://127.0.0.1:$PORT/  (forwarded into the demo network)"
echo "Login: admin / $PASSWORD"
if [ -t 0 ]; then
	echo "Press Enter or Ctrl-C to stop the demo and clean up."
	read -r _ || true
fi
say "Cleaning up (namespaces, VMs, bootherd, temp files)"
