#!/usr/bin/env bash
# Diskless QEMU machines that network-boot, one per firmware path, for the
# end-to-end tests, benchmarks and demo.  Recipes from pxe-facts.md
# ("Working VM recipes"), all q35 + virtio-net-pci with bootindex=1, no disk,
# TCG (KVM hangs Linux guests on this machine), serial console to a file:
#
#   bios       SeaBIOS + QEMU's default iPXE ROM for virtio-net ("NIC flashed
#              with iPXE").  No romfile=: naming the ROM skips its device-id
#              fix-up and SeaBIOS then ignores it ("No bootable device").
#   uefi-pxe   OVMF's own PXE stack (romfile= empty, IPv6 PXE off)
#              -> TFTP ipxe.efi -> iPXE -> HTTP.
#   uefi-http  OVMF UEFI HTTP Boot (IPv4 and IPv6 PXE off).
#   uefi-sb    OVMF with Secure Boot on and Microsoft's keys enrolled
#              (OVMF_CODE_4M.secboot.fd + OVMF_VARS_4M.ms.fd, q35 with SMM,
#              at least 1 GiB: pxe-facts.md) -> UEFI PXE, like uefi-pxe.
#   aavmf-pxe  ARM64: qemu-system-aarch64 -M virt -cpu cortex-a57 with AAVMF
#              (Debian qemu-efi-aarch64; its files are already 64 MiB), 1 GiB;
#              its first boot entry is "UEFI PXEv4" (pxe-facts.md).
#   aavmf-http the same with PXE off (IPv4 and IPv6): UEFI HTTP Boot.
#
#   vm_start SW NAME MAC FIRMWARE   starts a VM in switch namespace SW (needs
#                                   net.sh); serial log in $VM_DIR/NAME.serial
#   vm_wait_marker NAME SECONDS     waits for the image's marker line; prints it
#   vm_wait_exit NAME SECONDS       waits until the VM powered itself off
#   vm_stop NAME                    kills it (if still running)
#   vm_elapsed NAME                 seconds (decimal) from start to marker
#
# Every VM is also bounded by VM_TIMEOUT seconds of wall time (timeout(1)),
# and killed by the cleanup stack on any exit path.

VM_DIR=${VM_DIR:-${T:-/tmp}/vms}
VM_TIMEOUT=${VM_TIMEOUT:-300}
VM_MEM=${VM_MEM:-256}
OVMF_CODE=${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}
OVMF_VARS=${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}
OVMF_SB_CODE=${OVMF_SB_CODE:-/usr/share/OVMF/OVMF_CODE_4M.secboot.fd}
OVMF_SB_VARS=${OVMF_SB_VARS:-/usr/share/OVMF/OVMF_VARS_4M.ms.fd}
VM_SB_MEM=${VM_SB_MEM:-1024}
AAVMF_CODE=${AAVMF_CODE:-/usr/share/AAVMF/AAVMF_CODE.fd}
AAVMF_VARS=${AAVMF_VARS:-/usr/share/AAVMF/AAVMF_VARS.fd}
# -cpu max is much slower under TCG (kernel 8.6 s against ~1.2 s: pxe-facts.md).
VM_ARM64_CPU=${VM_ARM64_CPU:-cortex-a57}
VM_MARKER='BOOTHERD-MARKER image='
# Serial output after which a VM will never boot by itself: SeaBIOS out of
# boot devices, OVMF fallen through to its built-in shell, or GRUB at its
# prompt (it found no configuration).
VM_DEAD_END='No bootable device|Shell> |grub> '

declare -A _vm_pid _vm_start _vm_sw _vm_tap _vm_watcher
_vm_seq=0

# _vm_now: seconds since the epoch with nanoseconds.
_vm_now() { date +%s.%N; }

vm_start() {
	local sw=$1 name=$2 mac=$3 fw=$4
	mkdir -p "$VM_DIR"
	# Tap names must be unique within the switch and at most 15 bytes.
	_vm_seq=$((_vm_seq + 1))
	local tap="vmtap$_vm_seq"
	local machine=q35 mem=$VM_MEM qemu=qemu-system-x86_64
	# Secure Boot firmware needs SMM (its variable store is protected)
	# and, with Debian's signed kernel, more than 256 MiB (pxe-facts.md).
	[ "$fw" != uefi-sb ] || { machine=q35,smm=on; mem=$VM_SB_MEM; }
	case $fw in aavmf-*) machine=virt mem=$VM_SB_MEM qemu=qemu-system-aarch64 ;; esac
	local args=(-M "$machine" -accel tcg -m "$mem" -smp 1 -nodefaults -nographic
		-monitor none -serial "file:$VM_DIR/$name.serial" -no-reboot
		-netdev "tap,id=n0,ifname=$tap,script=no,downscript=no")
	case $fw in
	bios)
		# SeaBIOS is QEMU's default firmware; its default ROM for
		# virtio-net-pci is Debian ipxe-qemu's efi-virtio.rom.
		args+=(-device "virtio-net-pci,netdev=n0,mac=$mac,bootindex=1")
		;;
	uefi-pxe | uefi-http)
		cp "$OVMF_VARS" "$VM_DIR/$name.vars.fd"
		args+=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=$OVMF_CODE"
			-drive "if=pflash,format=raw,unit=1,file=$VM_DIR/$name.vars.fd"
			-device "virtio-net-pci,netdev=n0,mac=$mac,bootindex=1,romfile="
			-fw_cfg name=opt/org.tianocore/IPv6PXESupport,string=no)
		[ "$fw" = uefi-http ] &&
			args+=(-fw_cfg name=opt/org.tianocore/IPv4PXESupport,string=no)
		;;
	uefi-sb)
		cp "$OVMF_SB_VARS" "$VM_DIR/$name.vars.fd"
		args+=(-global driver=cfi.pflash01,property=secure,value=on
			-global ICH9-LPC.disable_s3=1
			-drive "if=pflash,format=raw,unit=0,readonly=on,file=$OVMF_SB_CODE"
			-drive "if=pflash,format=raw,unit=1,file=$VM_DIR/$name.vars.fd"
			-device "virtio-net-pci,netdev=n0,mac=$mac,bootindex=1,romfile="
			-fw_cfg name=opt/org.tianocore/IPv6PXESupport,string=no)
		;;
	aavmf-pxe | aavmf-http)
		cp "$AAVMF_VARS" "$VM_DIR/$name.vars.fd"
		args+=(-cpu "$VM_ARM64_CPU"
			-drive "if=pflash,format=raw,unit=0,readonly=on,file=$AAVMF_CODE"
			-drive "if=pflash,format=raw,unit=1,file=$VM_DIR/$name.vars.fd"
			-device "virtio-net-pci,netdev=n0,mac=$mac,bootindex=1,romfile="
			-fw_cfg name=opt/org.tianocore/IPv6PXESupport,string=no)
		[ "$fw" = aavmf-http ] &&
			args+=(-fw_cfg name=opt/org.tianocore/IPv4PXESupport,string=no)
		;;
	*)
		echo "vm_start: unknown firmware $fw" >&2
		return 1
		;;
	esac
	: >"$VM_DIR/$name.serial"
	rm -f "$VM_DIR/$name.t_marker"
	net_tap "$sw" "$tap"
	_vm_sw[$name]=$sw
	_vm_tap[$name]=$tap
	_vm_start[$name]=$(_vm_now)
	# Power-on time on disk too: lines up packet captures with the boot.
	echo "${_vm_start[$name]}" >"$VM_DIR/$name.t_start"
	timeout -k 5 "$VM_TIMEOUT" ip netns exec "$sw" nice "$qemu" "${args[@]}" \
		>"$VM_DIR/$name.qemu.log" 2>&1 &
	_vm_pid[$name]=$!
	on_exit "vm_stop $name"
	_vm_watch "$name" "${_vm_pid[$name]}" &
	_vm_watcher[$name]=$!
}

# _vm_watch NAME PID: records when NAME's marker line first appears (polled
# every 0.1 s, so power-on -> marker times have that resolution).
_vm_watch() {
	local name=$1 pid=$2 i
	for ((i = 0; i < VM_TIMEOUT * 10; i++)); do
		if grep -aq "$VM_MARKER" "$VM_DIR/$name.serial" 2>/dev/null; then
			_vm_now >"$VM_DIR/$name.t_marker"
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
}

# vm_marker NAME: the marker line of NAME's serial log, if any.  Only a
# complete line counts: QEMU may be half-way through writing it (a poll once
# caught "... bootherd.image=" and failed the match).  The log only grows, so
# its first SIZE bytes are fixed: read them twice, drop a last unfinished line.
vm_marker() {
	local f="$VM_DIR/$1.serial" size last
	size=$(stat -c %s "$f" 2>/dev/null) || return 0
	last=$(head -c "$size" "$f" | tail -c 1 | tr -d '\n')
	head -c "$size" "$f" | { if [ -n "$last" ]; then sed '$d'; else cat; fi; } |
		grep -a -m1 -o "$VM_MARKER.*" | tr -d '\r'
}

vm_running() { kill -0 "${_vm_pid[$1]}" 2>/dev/null; }

vm_wait_marker() {
	local name=$1 deadline=$((SECONDS + $2)) line
	while [ $SECONDS -lt $deadline ]; do
		if line=$(vm_marker "$name") && [ -n "$line" ]; then
			printf '%s\n' "$line"
			return 0
		fi
		# Powered off (or died) without a marker: no point waiting.
		vm_running "$name" || { vm_marker "$name"; return 1; }
		# The firmware gave up on the network and sits at a dead end.
		if grep -aqE "$VM_DEAD_END" "$VM_DIR/$name.serial"; then
			echo "vm $name: firmware gave up: $(grep -aoE -m1 "$VM_DEAD_END" "$VM_DIR/$name.serial")" >&2
			return 1
		fi
		sleep 0.2
	done
	return 1
}

vm_wait_exit() {
	local name=$1 deadline=$((SECONDS + $2))
	while vm_running "$name"; do
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.2
	done
	wait "${_vm_pid[$name]}" 2>/dev/null || true
}

# vm_elapsed NAME: power-on -> marker seen, in seconds (0.1 s resolution).
vm_elapsed() {
	local t0=${_vm_start[$1]} t1 i
	for ((i = 0; i < 20; i++)); do
		[ -s "$VM_DIR/$1.t_marker" ] && break
		sleep 0.1
	done
	t1=$(cat "$VM_DIR/$1.t_marker") || return 1
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", b - a }'
}

vm_stop() {
	local name=$1 pid=${_vm_pid[$1]:-}
	if [ -n "${_vm_watcher[$name]:-}" ]; then
		kill "${_vm_watcher[$name]}" 2>/dev/null || true
	fi
	if [ -n "$pid" ]; then
		# timeout(1) forwards TERM to QEMU, which exits at once.
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	if [ -n "${_vm_tap[$name]:-}" ]; then
		net_tap_del "${_vm_sw[$name]}" "${_vm_tap[$name]}"
	fi
	unset "_vm_pid[$name]" "_vm_tap[$name]" "_vm_watcher[$name]"
}
