#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: installs what is missing, builds,
# registers one example image and one machine, and runs `bootherd serve` on
# examples/bootherd.conf (HTTP on 127.0.0.1:8080) until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh build
scripts/deps.sh e2e >/dev/null 2>&1 || true # ipxe: a real bootable image for the example
scripts/build.sh
B="build/bootherd --config examples/bootherd.conf"
state=build/example-state
mkdir -p "$state/images/example"
# ipxe.lkrn is a Linux-kernel-format binary from Debian's ipxe package: a real image to serve.
if [ -f /usr/lib/ipxe/ipxe.lkrn ]; then
	cp -L /usr/lib/ipxe/ipxe.lkrn "$state/images/example/vmlinuz"
else
	echo "example kernel placeholder" >"$state/images/example/vmlinuz"
fi
$B image show example >/dev/null 2>&1 ||
	$B image add example --kernel example/vmlinuz --cmdline "console=ttyS0" \
		--description "example image"
$B machine show 52:54:00:00:00:01 >/dev/null 2>&1 ||
	$B machine add 52:54:00:00:00:01 --image example --hostname demo-1
cat <<MSG

bootherd is serving on http://127.0.0.1:8080 (Ctrl-C to stop). Try:
  curl http://127.0.0.1:8080/boot.ipxe
  curl http://127.0.0.1:8080/boot/52:54:00:00:00:01.ipxe
  build/bootherd --config examples/bootherd.conf machine list

MSG
exec $B serve
