#!/bin/bash
# Least privilege (issue 12): started as root, bootherd binds, then drops to
# an unprivileged user, then starts its threads.  Every thread runs with a
# non-zero uid and NoNewPrivs; the database is 0600 and the state directory
# 0700; started as root with no user to switch to, it refuses in one line.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/_daemon.sh"
in_private_netns "$@"
[ "$(id -u)" = 0 ] || { log "privdrop.sh: needs root"; exit 1; }

PORT=$(free_port)
write_config "$T/bh.conf" "$PORT" '[http]' 'threads = 3'

# 1. No [server] user and no system user bootherd (a passwd file without
#    it, in a private mount namespace): refused, one line, nothing served.
grep -v '^bootherd:' /etc/passwd >"$T/passwd"
rc=0
unshare -m sh -c "mount --bind $T/passwd /etc/passwd && exec timeout 10 $BOOTHERD --config $T/bh.conf serve" \
	>"$T/out1" 2>"$T/err1" || rc=$?
expect_eq "root without a user to switch to: refused" 1 "$rc"
expect_eq "refusal is one line" 1 "$(wc -l <"$T/err1")"
check "refusal says why" grep -q 'running as root: set \[server\] user, or create the system user bootherd' "$T/err1"

# 2. [server] user = root: refused too (never serves as uid 0).
write_config "$T/root.conf" "$PORT" '[server]' 'user = root'
rc=0
timeout 10 "$BOOTHERD" --config "$T/root.conf" serve >"$T/out2" 2>"$T/err2" || rc=$?
expect_eq "[server] user = root: refused" 1 "$rc"
check "uid 0 refusal says why" grep -q 'refusing to serve as uid/gid 0' "$T/err2"

# 3. No [server] user, system user bootherd present: switches to it.
if ! getent passwd bootherd >/dev/null; then
	log "privdrop.sh: no system user bootherd (packaging/sysusers.d/bootherd.conf); cannot test the switch"
	exit 1
fi
BH_UID=$(id -u bootherd)
start_daemon "$T/bh.conf"
check "serves after the switch" test "$(http_status "http://127.0.0.1:$PORT/boot.ipxe")" = 200
check "logs the switch" grep -q 'serve: running as user bootherd' "$T/bootherd.log"
# A request on every HTTP thread, so that each has opened its database.
for i in $(seq 1 20); do curl -s -o /dev/null "http://127.0.0.1:$PORT/boot/52:54:00:00:00:$(printf %02x "$i").ipxe"; done
nthreads=0 bad=0
for st in /proc/"$BH_PID"/task/*/status; do
	nthreads=$((nthreads + 1))
	uid=$(awk '/^Uid:/ {print $2" "$3" "$4" "$5}' "$st")
	nnp=$(awk '/^NoNewPrivs:/ {print $2}' "$st")
	if [ "$uid" != "$BH_UID $BH_UID $BH_UID $BH_UID" ] || [ "$nnp" != 1 ]; then
		log "    thread $(awk '/^Name:/ {print $2}' "$st"): Uid $uid NoNewPrivs $nnp"
		bad=$((bad + 1))
	fi
done
# main + 3 HTTP + WAL checkpoint at least
check "all threads seen ($nthreads >= 5)" test "$nthreads" -ge 5
expect_eq "threads with uid 0 or without NoNewPrivs" 0 "$bad"
eff=$(awk '/^CapEff:/ {print $2}' /proc/"$BH_PID"/status)
expect_eq "no capability left (DHCP off)" 0000000000000000 "$eff"
expect_eq "state directory mode" 700 "$(stat -c %a "$T/state")"
for f in bootherd.db bootherd.db-wal bootherd.db-shm; do
	expect_eq "$f mode" 600 "$(stat -c %a "$T/state/$f")"
	expect_eq "$f owner" bootherd "$(stat -c %U "$T/state/$f")"
done
stop_daemon
finish
