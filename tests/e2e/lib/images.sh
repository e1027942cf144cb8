#!/usr/bin/env bash
# Boot images for the QEMU end-to-end tests, built once into a cache dir and
# reused across runs:
#   $E2E_CACHE/vmlinuz           Debian's cloud kernel (from the .deb, not installed)
#   $E2E_CACHE/<name>.cpio.gz    a busybox initramfs per image name whose /init
#                                prints one marker line on ttyS0 and powers off:
#     BOOTHERD-MARKER image=<name> cmdline=<contents of /proc/cmdline>
#   preceded by one line on the firmware's Secure Boot state as the kernel
#   saw it (images built before this line existed lack it):
#     BOOTHERD-SECUREBOOT dmesg=<on|off> lockdown=<securityfs lockdown>
# The image name is baked into the initramfs and the cmdline comes from whoever
# booted it (the iPXE script), so a marker line proves both which files were
# fetched and which script chose them.
#
# Why the cloud kernel: it has the 8250 serial console, initramfs (gzip) and
# ACPI power-off built in (checked below), and no module loading is needed
# because the guest never touches a disk or its NIC.
#
#   source tests/e2e/lib/images.sh; images_build alpha beta
#   or: tests/e2e/lib/images.sh alpha beta
set -euo pipefail

E2E_CACHE=${E2E_CACHE:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.cache}

_img_log() { printf 'images: %s\n' "$*" >&2; }

# _img_fetch_deb PACKAGE DIR: downloads PACKAGE's .deb into DIR (apt-get
# download, nothing is installed).  Refreshes the package lists once if the
# package is unknown (a fresh machine may never have run apt-get update).
_img_fetch_deb() {
	local pkg=$1 dir=$2
	(cd "$dir" && apt-get download -q "$pkg" >/dev/null 2>&1) && return 0
	_img_log "apt-get download $pkg failed; refreshing package lists"
	apt-get update -qq >/dev/null
	(cd "$dir" && apt-get download -q "$pkg" >/dev/null 2>&1)
}

# _img_kernel: $E2E_CACHE/vmlinuz from linux-image-cloud-amd64's dependency.
_img_kernel() {
	[ -s "$E2E_CACHE/vmlinuz" ] && return 0
	local tmp pkg
	tmp=$(mktemp -d "$E2E_CACHE/kernel.XXXXXX")
	# The metapackage only depends on the versioned image package.
	pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
	if [ -z "$pkg" ]; then
		apt-get update -qq >/dev/null
		pkg=$(apt-cache depends linux-image-cloud-amd64 |
			awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
	fi
	[ -n "$pkg" ] || { _img_log "cannot resolve linux-image-cloud-amd64"; return 1; }
	_img_log "fetching $pkg"
	_img_fetch_deb "$pkg" "$tmp"
	dpkg-deb -x "$tmp"/*.deb "$tmp/x"
	local cfg
	cfg=$(echo "$tmp"/x/boot/config-*)
	for opt in SERIAL_8250 SERIAL_8250_CONSOLE BLK_DEV_INITRD RD_GZIP DEVTMPFS ACPI BINFMT_ELF; do
		grep -q "^CONFIG_$opt=y" "$cfg" || {
			_img_log "$pkg lacks built-in CONFIG_$opt"
			rm -rf "$tmp"
			return 1
		}
	done
	cp "$tmp"/x/boot/vmlinuz-* "$E2E_CACHE/vmlinuz.part"
	mv "$E2E_CACHE/vmlinuz.part" "$E2E_CACHE/vmlinuz"
	echo "$pkg" >"$E2E_CACHE/vmlinuz.version"
	rm -rf "$tmp"
}

# _img_busybox: a static busybox in $E2E_CACHE/busybox.  Debian's `busybox`
# is dynamically linked, and `busybox-static` conflicts with it, so the static
# one is extracted from its .deb rather than installed.
_img_busybox() {
	[ -x "$E2E_CACHE/busybox" ] && return 0
	local tmp
	tmp=$(mktemp -d "$E2E_CACHE/busybox.XXXXXX")
	_img_log "fetching busybox-static"
	_img_fetch_deb busybox-static "$tmp"
	dpkg-deb -x "$tmp"/*.deb "$tmp/x"
	cp "$tmp/x/bin/busybox" "$E2E_CACHE/busybox.part"
	mv "$E2E_CACHE/busybox.part" "$E2E_CACHE/busybox"
	rm -rf "$tmp"
}

# _img_initramfs NAME [BUSYBOX TTY SUFFIX]: $E2E_CACHE/NAME[SUFFIX].cpio.gz
# (default: the x86-64 busybox, marker on ttyS0, no suffix).
_img_initramfs() {
	local name=$1 out="$E2E_CACHE/$1${4:-}.cpio.gz" bb=${2:-$E2E_CACHE/busybox} tty=${3:-ttyS0}
	[ -s "$out" ] && return 0
	[[ "$name" =~ ^[a-z0-9-]+$ ]] || { _img_log "bad image name $name"; return 1; }
	local root
	root=$(mktemp -d "$E2E_CACHE/initramfs.XXXXXX")
	mkdir -p "$root"/{bin,dev,proc,sys}
	cp "$bb" "$root/bin/busybox"
	for a in sh mount cat echo sleep poweroff dmesg grep; do ln -s busybox "$root/bin/$a"; done
	# The kernel opens /dev/console for init before devtmpfs is mounted.
	mknod -m 600 "$root/dev/console" c 5 1
	cat >"$root/init" <<EOF
#!/bin/sh
# bootherd e2e image "$name": report what booted, then power off.
export PATH=/bin
mount -t proc proc /proc
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t sysfs sysfs /sys 2>/dev/null
mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
sb=off
dmesg | grep -q 'Secure boot enabled' && sb=on
echo "BOOTHERD-SECUREBOOT dmesg=\$sb lockdown=\$(cat /sys/kernel/security/lockdown 2>/dev/null)" >/dev/$tty
echo "BOOTHERD-MARKER image=$name cmdline=\$(cat /proc/cmdline)" >/dev/$tty
# Let the UART drain before the power goes (the line is the whole point).
sleep 1
poweroff -f
EOF
	chmod 755 "$root/init"
	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -9) >"$out.part"
	mv "$out.part" "$out"
	rm -rf "$root"
}

# ARM64 (tests/e2e/arm64.sh): Debian's arm64 cloud kernel and a static arm64
# busybox, both from arm64 .debs unpacked (never installed: a foreign
# architecture; `dpkg --add-architecture arm64` is enough for apt-get
# download), and initramfs NAME.cpio.gz whose /init prints the same marker
# lines on the PL011 UART (ttyAMA0).  The arm64 cloud kernel is an
# uncompressed Image that GRUB boots as is (pxe-facts.md).
#   $E2E_CACHE/vmlinuz-arm64, $E2E_CACHE/busybox-arm64

# _img_kernel_arm64: $E2E_CACHE/vmlinuz-arm64 from linux-image-cloud-arm64's
# versioned dependency.
_img_kernel_arm64() {
	[ -s "$E2E_CACHE/vmlinuz-arm64" ] && return 0
	local tmp pkg cfg
	dpkg --print-foreign-architectures | grep -qx arm64 ||
		{ _img_log "no arm64 architecture in dpkg: scripts/deps.sh e2e"; return 1; }
	tmp=$(mktemp -d "$E2E_CACHE/kernel.XXXXXX")
	pkg=$(apt-cache depends linux-image-cloud-arm64:arm64 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
	[ -n "$pkg" ] || { _img_log "cannot resolve linux-image-cloud-arm64:arm64"; return 1; }
	_img_log "fetching $pkg"
	_img_fetch_deb "$pkg" "$tmp"
	dpkg-deb -x "$tmp"/*.deb "$tmp/x"
	cfg=$(echo "$tmp"/x/boot/config-*)
	for opt in SERIAL_AMBA_PL011 SERIAL_AMBA_PL011_CONSOLE BLK_DEV_INITRD RD_GZIP DEVTMPFS \
		ARM_PSCI_FW BINFMT_ELF EFI_STUB; do
		grep -q "^CONFIG_$opt=y" "$cfg" || {
			_img_log "$pkg lacks built-in CONFIG_$opt"
			rm -rf "$tmp"
			return 1
		}
	done
	cp "$tmp"/x/boot/vmlinuz-* "$E2E_CACHE/vmlinuz-arm64.part"
	mv "$E2E_CACHE/vmlinuz-arm64.part" "$E2E_CACHE/vmlinuz-arm64"
	echo "$pkg" >"$E2E_CACHE/vmlinuz-arm64.version"
	rm -rf "$tmp"
}

# _img_busybox_arm64: busybox-static:arm64's binary in $E2E_CACHE/busybox-arm64.
_img_busybox_arm64() {
	[ -x "$E2E_CACHE/busybox-arm64" ] && return 0
	local tmp
	tmp=$(mktemp -d "$E2E_CACHE/busybox.XXXXXX")
	_img_log "fetching busybox-static:arm64"
	_img_fetch_deb busybox-static:arm64 "$tmp"
	dpkg-deb -x "$tmp"/*.deb "$tmp/x"
	cp "$tmp/x/bin/busybox" "$E2E_CACHE/busybox-arm64.part"
	mv "$E2E_CACHE/busybox-arm64.part" "$E2E_CACHE/busybox-arm64"
	rm -rf "$tmp"
}

# images_build NAME...: makes sure the kernel and one initramfs per NAME are
# in $E2E_CACHE.  Safe to run concurrently (one flock).
images_build() {
	mkdir -p "$E2E_CACHE"
	(
		flock 9
		_img_kernel
		_img_busybox
		local n
		for n in "$@"; do _img_initramfs "$n"; done
	) 9>"$E2E_CACHE/.lock"
}

# images_build_arm64 NAME...: the arm64 kernel, busybox and one initramfs per
# NAME, NAME-arm64.cpio.gz (its marker says image=NAME, as the x86-64 one).
images_build_arm64() {
	mkdir -p "$E2E_CACHE"
	(
		flock 9
		_img_kernel_arm64
		_img_busybox_arm64
		local n
		for n in "$@"; do _img_initramfs "$n" "$E2E_CACHE/busybox-arm64" ttyAMA0 -arm64; done
	) 9>"$E2E_CACHE/.lock"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	[ $# -gt 0 ] || set -- alpha beta
	images_build "$@"
	ls -l "$E2E_CACHE"
fi
