#!/bin/bash
# Confinement (issue 12): serve runs under Landlock and a seccomp
# allow-list, on every thread.  Landlock: a boot-file map directory swapped
# for a symlink to elsewhere after start-up is refused (read outside every
# rule), while boot scripts, images, TFTP and the boot-file map itself still
# work.  seccomp: a call off the list fails with EPERM, a forbidden one
# (unshare) kills the daemon; the same calls made into the daemon with gdb
# succeed with [server] seccomp = log (and are logged) or off.  On a kernel
# without either, or under an outer filter refusing them (simulated by
# confine_nokernel.c): one warning line each, and it serves.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/_daemon.sh"
in_private_netns "$@"
[ "$(id -u)" = 0 ] || { log "confine.sh: needs root"; exit 1; }
command -v gdb >/dev/null || { log "confine.sh: needs gdb (scripts/deps.sh test)"; exit 1; }
getent passwd bootherd >/dev/null || { log "confine.sh: needs the system user bootherd"; exit 1; }
ulimit -c 0 # the daemon killed by SIGSYS below must not leave a core file in the tree

PORT=$(free_port)
TFTP_PORT=$(free_port)
mkdir -p "$T/images/k" "$T/tftp" "$T/bf/a" "$T/elsewhere"
chmod -R a+rX "$T/images" "$T/tftp" "$T/bf" "$T/elsewhere"
echo kernel >"$T/images/k/vmlinuz"
echo first-stage >"$T/tftp/first.bin"
echo confined >"$T/bf/a/site.efi"
echo outside >"$T/elsewhere/site.efi"
chmod a+r "$T"/images/k/vmlinuz "$T"/tftp/first.bin "$T"/bf/a/site.efi "$T"/elsewhere/site.efi

# conf NAME [server lines...]
conf() {
	local f=$T/$1.conf
	shift
	write_config "$f" "$PORT" '[server]' "$@" '[http]' 'threads = 3' \
		'[images]' "root = $T/images" '[bootfiles]' "site.efi = $T/bf/a/site.efi" \
		'[tftp]' 'enabled = true' "root = $T/tftp" \
		"listen=127.0.0.1:$TFTP_PORT" # no spaces: start_daemon takes the last "listen = " as HTTP's
	echo "$f"
}

# gdb_call EXPR: calls EXPR inside the daemon, prints what it returned
# ("killed" when the daemon died of it).
gdb_call() {
	local out
	out=$(timeout 60 gdb -q -batch -p "$BH_PID" -ex "call (long)$1" 2>&1 || true)
	if grep -q 'signaled while in a function' <<<"$out" || wait_for 2 dead "$BH_PID"; then
		echo killed
	else
		sed -n 's/^\$1 = //p' <<<"$out"
	fi
}
# dead PID: gone, or a zombie not yet reaped (kill -0 still succeeds then).
dead() { [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ] || ! kill -0 "$1" 2>/dev/null; }

# swap_bootfile_dir: after start-up, the boot file's directory becomes a
# symlink to a directory no rule covers (the path the daemon resolved at
# start-up now leads elsewhere).
swap_bootfile_dir() {
	rm -rf "$T/bf/a.old"
	mv "$T/bf/a" "$T/bf/a.old"
	ln -s "$T/elsewhere" "$T/bf/a"
}
unswap_bootfile_dir() { rm "$T/bf/a" && mv "$T/bf/a.old" "$T/bf/a"; }

normal_flow() {
	expect_eq "$1: /boot.ipxe" 200 "$(http_status "http://127.0.0.1:$PORT/boot.ipxe")"
	local i
	for i in $(seq 1 12); do # every HTTP thread opens its database
		curl -s -o /dev/null "http://127.0.0.1:$PORT/boot/52:54:00:00:01:$(printf %02x "$i").ipxe"
	done
	expect_eq "$1: per-MAC script" 200 \
		"$(http_status "http://127.0.0.1:$PORT/boot/52:54:00:00:01:01.ipxe")"
	expect_eq "$1: image file" kernel "$(curl -s -m 10 "http://127.0.0.1:$PORT/images/k/vmlinuz")"
	expect_eq "$1: boot-file map" confined "$(curl -s -m 10 "http://127.0.0.1:$PORT/site.efi")"
	expect_eq "$1: TFTP root" first-stage "$(curl -s -m 30 "tftp://127.0.0.1:$TFTP_PORT/first.bin")"
}

# 1. Defaults: both on.
start_daemon "$(conf on)"
check "Landlock applied (log line)" grep -q 'confine: Landlock ABI [0-9]' "$T/bootherd.log"
check "seccomp enforced (log line)" grep -q 'confine: seccomp allow-list loaded (enforce' "$T/bootherd.log"
normal_flow confined
nthreads=0 bad=0
for st in /proc/"$BH_PID"/task/*/status; do
	nthreads=$((nthreads + 1))
	s=$(awk '/^Seccomp:/ {print $2}' "$st")
	nnp=$(awk '/^NoNewPrivs:/ {print $2}' "$st")
	if [ "$s" != 2 ] || [ "$nnp" != 1 ]; then
		log "    thread $(awk '/^Name:/ {print $2}' "$st"): Seccomp $s NoNewPrivs $nnp"
		bad=$((bad + 1))
	fi
done
check "all threads seen ($nthreads >= 6: main, 3 HTTP, guard, checkpointer)" test "$nthreads" -ge 6
expect_eq "threads without seccomp filter or NoNewPrivs" 0 "$bad"

swap_bootfile_dir
expect_eq "Landlock: boot file behind a swapped-in symlink refused" 404 \
	"$(http_status "http://127.0.0.1:$PORT/site.efi")"
check "refusal logged" grep -q 'boot file site.efi .* unavailable' "$T/bootherd.log"
unswap_bootfile_dir
expect_eq "boot file back in place: served" confined "$(curl -s -m 10 "http://127.0.0.1:$PORT/site.efi")"

# getpriority is on no list: EPERM.  unshare is forbidden: the process dies.
expect_eq "seccomp enforce: unlisted call fails" -1 "$(gdb_call 'syscall(140, 0, 0)')"
expect_eq "seccomp enforce: forbidden call kills" killed "$(gdb_call 'unshare(0)')"
stop_daemon # reaps it (bounded, and stops it if it lived)

# 2. The same with Landlock off and seccomp = log: the swap serves the
#    other file, the unlisted call succeeds (and is logged), the forbidden
#    one fails without killing.
: >"$T/bootherd.log"
start_daemon "$(conf log 'landlock = false' 'seccomp = log')"
check "Landlock off (log line)" grep -q 'confine: Landlock off' "$T/bootherd.log"
check "seccomp log (log line)" grep -q 'confine: seccomp allow-list loaded (log' "$T/bootherd.log"
normal_flow "seccomp log"
expect_eq "seccomp log: Seccomp 2" 2 "$(awk '/^Seccomp:/ {print $2}' /proc/"$BH_PID"/status)"
swap_bootfile_dir
expect_eq "without Landlock the swapped-in file is served" outside \
	"$(curl -s -m 10 "http://127.0.0.1:$PORT/site.efi")"
unswap_bootfile_dir
check "seccomp log: unlisted call allowed" test "$(gdb_call 'syscall(140, 0, 0)')" -ge 0
if dmesg >/dev/null 2>&1; then
	check "seccomp log: logged by the kernel (audit, syscall=140)" \
		bash -c "dmesg | grep -q 'pid=$BH_PID .*syscall=140 '"
fi
expect_eq "seccomp log: forbidden call fails, daemon lives" -1 "$(gdb_call 'unshare(0)')"
check "still serving" test "$(http_status "http://127.0.0.1:$PORT/boot.ipxe")" = 200
stop_daemon

# 3. seccomp = off: no filter.
: >"$T/bootherd.log"
start_daemon "$(conf off 'seccomp = off')"
check "seccomp off (log line)" grep -q 'confine: seccomp off' "$T/bootherd.log"
expect_eq "seccomp off: Seccomp 0" 0 "$(awk '/^Seccomp:/ {print $2}' /proc/"$BH_PID"/status)"
expect_eq "seccomp off: forbidden call allowed" 0 "$(gdb_call 'unshare(0)')"
stop_daemon

# 4. A kernel without Landlock or seccomp filters (simulated): one warning
#    line each, and bootherd serves unconfined.
cc -O2 -o "$T/nokernel" "$(dirname "$0")/confine_nokernel.c" $(pkg-config --cflags --libs libseccomp)
: >"$T/bootherd.log"
printf '#!/bin/sh\nexec %s %s "$@"\n' "$T/nokernel" "$BOOTHERD" >"$T/bh-nokernel"
chmod +x "$T/bh-nokernel"
BOOTHERD_REAL=$BOOTHERD
BOOTHERD=$T/bh-nokernel
start_daemon "$(conf on)"
BOOTHERD=$BOOTHERD_REAL
expect_eq "no Landlock: one warning line" 1 "$(grep -c 'warn  confine: this kernel has no Landlock' "$T/bootherd.log")"
expect_eq "no seccomp: one warning line" 1 "$(grep -c 'warn  confine: this kernel has no seccomp filters' "$T/bootherd.log")"
expect_eq "no other confine: lines" 2 "$(grep -c 'confine:' "$T/bootherd.log")"
normal_flow "no Landlock, no seccomp"
stop_daemon

# 5. Under an outer filter that refuses both (systemd's SystemCallFilter=
#    without @sandbox): the same, one warning line each.
: >"$T/bootherd.log"
printf '#!/bin/sh\nexec %s --eperm %s "$@"\n' "$T/nokernel" "$BOOTHERD" >"$T/bh-eperm"
chmod +x "$T/bh-eperm"
BOOTHERD=$T/bh-eperm
start_daemon "$(conf on)"
BOOTHERD=$BOOTHERD_REAL
expect_eq "Landlock refused: one warning line" 1 "$(grep -c "warn  confine: Landlock's system calls are refused" "$T/bootherd.log")"
expect_eq "seccomp refused: one warning line" 1 "$(grep -c 'warn  confine: loading a seccomp filter is refused' "$T/bootherd.log")"
normal_flow "outer filter"
stop_daemon
finish
