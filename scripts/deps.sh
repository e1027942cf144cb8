#!/usr/bin/env bash
# Installs the Debian 12 packages a task needs, only those missing.
#   scripts/deps.sh build|test|e2e|bench|browser ...
# test, e2e and bench also create the system user bootherd when missing.
set -euo pipefail

build=(meson ninja-build gcc pkg-config libmicrohttpd-dev libsqlite3-dev libpq-dev libjansson-dev
	libsodium-dev libinih-dev libcmocka-dev libgnutls28-dev libseccomp-dev clang libclang-rt-14-dev
	clang-format sqlite3 python3)
test=(curl iproute2 busybox isc-dhcp-client isc-dhcp-server kea-admin kea-dhcp4-server
	dnsmasq-base tftp-hpa atftp nftables iputils-ping psmisc procps jq openssl postgresql-15 gdb
	shim-signed shim-helpers-amd64-signed grub-efi-amd64-signed)
e2e=(qemu-system-x86 ovmf ipxe ipxe-qemu cpio gzip busybox dnsmasq-base curl iproute2 tcpdump
	postgresql-15 jq shim-signed shim-helpers-amd64-signed grub-efi-amd64-signed qemu-system-arm
	qemu-efi-aarch64)
bench=(wrk nginx-light kea-dhcp4-server tftpd-hpa hyperfine isc-dhcp-server postgresql-15)
browser=(chromium)

want=()
for group in "$@"; do
	declare -n list=$group
	want+=("${list[@]}")
done

# Node.js may come from outside Debian (as on the CI machines); only install
# Debian's when no node/npm is on the PATH, since the two conflict.
for group in "$@"; do
	if [ "$group" = browser ] && ! command -v npm >/dev/null; then
		want+=(nodejs npm)
	fi
done

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

# ARM64 UEFI (docs/firmware.md): Debian's signed network GRUB for arm64
# (grubnetaa64.efi.signed) comes from the arm64 package, unpacked under
# ARM64_ROOT, never installed (a foreign-architecture package).  The
# [bootfiles] map names it grubaa64.efi from there.
# grub-efi-arm64-bin's modules make grubaa64-http.efi below.
ARM64_ROOT=${ARM64_ROOT:-/opt/bootherd/arm64}
arm64=(grub-efi-arm64-signed grub-efi-arm64-bin)
for group in "$@"; do
	case $group in test | e2e) ;; *) continue ;; esac
	for p in "${arm64[@]}"; do
		[ -e "$ARM64_ROOT/.$p" ] && continue
		dpkg --print-foreign-architectures | grep -qx arm64 ||
			{ $SUDO dpkg --add-architecture arm64 && $SUDO apt-get update -qq; }
		d=$(mktemp -d)
		(cd "$d" && chmod 777 . && apt-get download -q "$p:arm64" >/dev/null 2>&1) ||
			{ $SUDO apt-get update -qq && (cd "$d" && apt-get download -q "$p:arm64" >/dev/null); }
		$SUDO mkdir -p "$ARM64_ROOT"
		$SUDO dpkg-deb -x "$d"/*.deb "$ARM64_ROOT"
		$SUDO touch "$ARM64_ROOT/.$p"
		rm -rf "$d"
		echo "deps: unpacked $p:arm64 under $ARM64_ROOT" >&2
	done
	# ARM64 UEFI HTTP Boot (docs/firmware.md): Debian's signed network GRUB
	# has no http module and stops at its prompt after an HTTP Boot, so
	# arch 19 gets this one instead: the same GRUB 2.06 modules (Debian's
	# patched efinet/bootp: prefix (http,SERVER)/grub) with http built in,
	# made by grub-mkimage (grub-common).  Unsigned: Secure Boot off.
	if [ ! -e "$ARM64_ROOT/grubaa64-http.efi" ]; then
		command -v grub-mkimage >/dev/null || $SUDO apt-get install -y -qq grub-common >/dev/null
		$SUDO grub-mkimage -O arm64-efi -d "$ARM64_ROOT/usr/lib/grub/arm64-efi" -p /grub \
			-o "$ARM64_ROOT/grubaa64-http.efi" normal boot configfile echo test sleep linux \
			gzio net efinet tftp http minicmd halt reboot ls cat
		echo "deps: made $ARM64_ROOT/grubaa64-http.efi (grub-mkimage, with http)" >&2
	fi
	break
done

missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
# bootherd started as root runs as the system user bootherd (docs/security.md,
# packaging/sysusers.d/bootherd.conf) and refuses to serve as root without
# it: create it as the package would, for the tests, benchmarks and demo.
for group in "$@"; do
	case $group in test | e2e | bench)
		if ! getent passwd bootherd >/dev/null; then
			echo "deps: creating the system user bootherd" >&2
			$SUDO useradd --system --user-group --no-create-home \
				--home-dir /var/lib/bootherd --shell /usr/sbin/nologin bootherd
		fi
		break
		;;
	esac
done

[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# Daemons installed for benchmarks must not start on the host by themselves.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
	$SUDO chmod +x /usr/sbin/policy-rc.d
	trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
