#!/usr/bin/env bash
# A hostile host on the boot network cannot stop the fleet from booting
# (issue 12 item 7).  For 30 s, from two attacker addresses (198.18.0.10 and
# .11, plus 32 source addresses it "spoofs" for TFTP, 198.18.0.200-231, and
# raw packets with forged sources), all at once:
#   - 100 slow-header connections, one header line every 2 s (.10)
#   - login guessing against the admin user, 5 a second (.10)
#   - 20 downloads of a 256 MiB image that never read (.11)
#   - 150 connections pushing 1 MiB bodies at /boot.ipxe (.11)
#   - GET /boot/<random MAC>.ipxe as fast as answered, keep-alive (.11)
#   - TFTP RRQs for pxelinux.cfg/01-<random MAC>, 300 a second (.11 + spoofed)
#   - 256 never-acknowledged TFTP RRQs from the 32 spoofed sources, 3 rounds
#   - 768 RRQs with forged IP sources (raw socket): 256 of another host's
#     addresses (a victim namespace, 198.18.0.60-63, that counts what it is
#     sent and never answers) and 512 of hosts that do not exist (.70-.77)
#   - PXE DHCPDISCOVERs with random chaddrs, 40 a second, never REQUESTed:
#     4 x the pool (300 addresses) in 30 s, to exhaust it
# Meanwhile, twice, legitimate clients at other addresses (198.18.0.50, a
# DHCP client without an address) fetch /boot.ipxe, a per-MAC script, a
# kernel (8 MiB) and an initrd (32 MiB) over HTTP, a first-stage file over
# TFTP (tftp-hpa), get a DHCP lease (busybox udhcpc), and the admin logs in.
# Asserted: every legitimate operation succeeds within its normal timeout
# (the DHCP lease too, with the pool full of the flood's offers);
# the daemon's peak RSS, open descriptors and database size (db + wal + shm)
# stay within the bounds in docs/security.md ("Under attack: measured
# bounds"); discovered machines <= [boot] discovered_max; each forged TFTP
# source got at most one DATA per RRQ (no amplification) and nothing else;
# the DHCP flood did exhaust the pool; it still answers afterwards.
#
# Scaled down to keep the test short (test config only): [http]
# max_connections = 256 (default 4096) and max_image_transfers = 16 (256),
# so that the attack is big enough to exhaust them on code without per-address
# limits; [boot] discovered_max = 500 (10000), so that the limit bites within
# 30 s; the DHCP range has 300 addresses, so that the 40 DISCOVERs a second
# fill it in 7.5 s (once the pool is full an OFFER nobody requested for 5 s
# goes to the next DISCOVER, so only a flood above pool / 5 s, 60 a second
# here, would keep real clients out: docs/security.md says so).  Every other
# limit is the default.
# Keys the binary does not know (older code, BOOTHERD=...) are left out, so
# that it starts and the checks show what it really does.
#
# Topology: switch namespace with a bridge; server (198.18.0.1/16), attacker,
# victim (forged TFTP sources) and legitimate-client namespaces.  Runs 45-125 s
# (30 s of attack; the rest is set-up, the three rounds of legitimate clients
# and the machine's load).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/dhcp_common.bash"
source "$(dirname "$0")/_daemon.sh"

ATTACK="python3 $ROOT/tests/integration/http_attack.py"
MIX="python3 $ROOT/tests/integration/attack_mix.py"
RAW="python3 $ROOT/tests/integration/tftp_rawclient.py"
S=198.18.0.1
PORT=8080
U=http://$S:$PORT
LEGIT_MAC=52:54:00:ab:cd:01
DUR=30

# Bounds (docs/security.md "Under attack: measured bounds").
MAX_RSS_MB=${MAX_RSS_MB:-192}
MAX_FDS=${MAX_FDS:-700}
MAX_DB_MB=${MAX_DB_MB:-16}
DISCOVERED_MAX=500

# --- topology
dh_setup # $SW (bridge), $SRV (srv0), $CL (legitimate clients)
ip -n "$SRV" addr flush dev srv0
ip -n "$SRV" addr add $S/16 dev srv0
ATK=$(ns_name atk)
ns_add "$ATK"
dh_port "$ATK" atk0
ip -n "$ATK" addr add 198.18.0.10/16 dev atk0
ip -n "$ATK" addr add 198.18.0.11/16 dev atk0
SPOOF=""
for i in $(seq 200 231); do
	ip -n "$ATK" addr add "198.18.0.$i/16" dev atk0
	SPOOF+="198.18.0.$i,"
done
SPOOF=${SPOOF%,}
VIC=$(ns_name vic)
ns_add "$VIC"
dh_port "$VIC" vic0
VICTIMS=198.18.0.60,198.18.0.61,198.18.0.62,198.18.0.63
for a in ${VICTIMS//,/ }; do ip -n "$VIC" addr add "$a/16" dev vic0; done
NOBODY=198.18.0.70,198.18.0.71,198.18.0.72,198.18.0.73,198.18.0.74,198.18.0.75,198.18.0.76,198.18.0.77
dh_port "$CL" leg0
ip -n "$CL" addr add 198.18.0.50/16 dev leg0
dh_port "$CL" leg1 52:54:00:ab:cd:02 # the DHCP client, no address
ip netns exec "$CL" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.leg1.rp_filter=0
inatk() { ip netns exec "$ATK" "$@"; }
inleg() { ip netns exec "$CL" "$@"; }

# --- files, config, inventory
mkdir -p "$T/root" "$T/state/images/deb"
head -c 1048576 /dev/urandom >"$T/root/lab-stage1.efi"
head -c 8388608 /dev/urandom >"$T/state/images/deb/linux"
head -c 33554432 /dev/urandom >"$T/state/images/deb/initrd.gz"
truncate -s 256M "$T/state/images/big"
knows() { grep -qaF "$1" "$BOOTHERD"; }
cat >"$T/bh.conf" <<CONF
[server]
state_dir = $T/state
log_level = info
[http]
listen = $S:$PORT
max_connections = 256
max_image_transfers = 16
[tftp]
listen = $S:69
root = $T/root
[dhcp]
mode = server
interface = srv0
range = 198.18.4.1 198.18.5.44
router = $S
dns = $S
lease_time = 600
[boot]
CONF
if knows discovered_max; then
	echo "discovered_max = $DISCOVERED_MAX" >>"$T/bh.conf"
else
	log "  (this bootherd has no [boot] discovered_max: left out)"
fi
bh image add deb --kernel deb/linux --initrd deb/initrd.gz 2>/dev/null
bh machine add $LEGIT_MAC --image deb --hostname legit1 2>/dev/null
printf 'admin-password-1\n' | bh user add admin 2>/dev/null
dh_start
wait_for 10 inleg curl -sf -o /dev/null "$U/boot.ipxe"
DB=$T/state/bootherd.db
[ -z "${ATTACK_MIX_DEBUG:-}" ] || on_exit "cp -r $T $ATTACK_MIX_DEBUG"

# --- legitimate clients
# op NAME TIMEOUT COMMAND...: runs it, records ok/FAIL and its duration.
op() {
	local name=$1 t0 rc=0 ms
	shift
	t0=$(date +%s%N)
	"$@" >"$T/op.out" 2>&1 || rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	check "$name (${ms} ms)" test "$rc" -eq 0
	[ "$rc" -eq 0 ] || log "       $(head -c 300 "$T/op.out" | tr '\n' ' ')"
}
get_200() { # URL TIMEOUT [SIZE]
	local st
	st=$(inleg curl -s -o "$T/leg.out" -m "$2" -w '%{http_code} %{size_download}' \
		--interface 198.18.0.50 "$1" || true)
	echo "$st"
	[ "${st%% *}" = 200 ] && { [ -z "${3:-}" ] || [ "${st#* }" = "$3" ]; }
}
script_ok() { get_200 "$U/boot/$LEGIT_MAC.ipxe" 10 && grep -q 'deb/linux' "$T/leg.out"; }
tftp_ok() {
	rm -f "$T/leg.efi"
	inleg timeout 10 tftp -m binary "$S" -c get lab-stage1.efi "$T/leg.efi" && cmp -s "$T/leg.efi" "$T/root/lab-stage1.efi"
}
# A new client each round (its own MAC): a client that already holds a
# lease keeps its address whatever the pool, a new one needs a free address.
LEASE_N=2
lease_ok() {
	inleg ip addr flush dev leg1
	inleg ip link set dev leg1 address "52:54:00:ab:cd:$(printf %02x $LEASE_N)"
	LEASE_N=$((LEASE_N + 1))
	rm -f "$T/udhcpc-leg1.out"
	[ -n "$(dh_udhcpc leg1)" ]
}
login_ok() {
	local st
	st=$(inleg curl -s -o /dev/null -m 10 -w '%{http_code}' --interface 198.18.0.50 \
		-H 'Content-Type: application/json' \
		--data '{"username":"admin","password":"admin-password-1"}' "$U/api/v1/login" || true)
	echo "$st"
	[ "$st" = 200 ]
}
legit_round() {
	op "$1: /boot.ipxe (10 s)" get_200 "$U/boot.ipxe" 10
	op "$1: per-MAC script (10 s)" script_ok
	op "$1: kernel, 8 MiB (15 s)" get_200 "$U/images/deb/linux" 15 8388608
	op "$1: initrd, 32 MiB (20 s)" get_200 "$U/images/deb/initrd.gz" 20 33554432
	op "$1: first-stage file over TFTP (10 s)" tftp_ok
	op "$1: DHCP lease (udhcpc, 20 s)" lease_ok
	op "$1: admin logs in (10 s)" login_ok
}

log "== before the attack"
legit_round before

# --- the attack
$MIX sample "$BH_PID" "$DB" 300 >"$T/samples" &
SAMPLER=$!
on_exit "kill $SAMPLER"
sleep 2
log "== attack for $DUR s"
A=()
inatk $MIX dhcpflood atk0 $DUR 40 >"$T/a.dhcp" 2>&1 &
A+=($!)
# One RRQ per forged address and port: the victim's 4 addresses x 64 ports,
# and the same ports of 8 addresses nobody has.
ip netns exec "$VIC" $MIX sink $VICTIMS 41000 64 $((DUR + 5)) >"$T/a.sink" 2>&1 &
A+=($!)
sleep 0.5
inatk $MIX spoofrrq $S 69 lab-stage1.efi "$VICTIMS,$NOBODY" 41000 768 >"$T/a.forged" 2>&1 &
A+=($!)
inatk $MIX login $S $PORT 198.18.0.10 admin $DUR 5 >"$T/a.login" 2>&1 &
A+=($!)
BH_HTTP_HOST=$S inatk $ATTACK noread $PORT 198.18.0.11 20 /images/big $DUR >"$T/a.noread" 2>&1 &
A+=($!)
inatk $MIX httpmac $S $PORT 198.18.0.11 $DUR >"$T/a.httpmac" 2>&1 &
A+=($!)
sleep 1
BH_HTTP_HOST=$S inatk $ATTACK slowheader $PORT 198.18.0.10 100 2 $DUR >"$T/a.slow" 2>&1 &
A+=($!)
BH_HTTP_HOST=$S inatk $ATTACK hold $PORT 198.18.0.11 150 POST /boot.ipxe 1048576 1048576 $DUR \
	>"$T/a.hold" 2>&1 &
A+=($!)
inatk $MIX tftpmac $S 69 "198.18.0.11,$SPOOF" $DUR 300 >"$T/a.tftpmac" 2>&1 &
A+=($!)
inatk bash -c "for r in 1 2 3; do $RAW flood $S 69 lab-stage1.efi 256 8 --bind $SPOOF; done" \
	>"$T/a.spoof" 2>&1 &
A+=($!)
sleep 5
# The legitimate rounds start once the flood has filled the DHCP pool
# (7.5 s in), logged as "pool exhausted" (no offer) or "pool full" (an
# unrequested offer taken over); 15 s at most.
pool_full() { grep -qE "pool (exhausted|full)" "$T/bootherd.log"; }
wait_for 15 pool_full || log "  (the DHCP pool was not full after 20 s)"
log "== legitimate clients during the attack"
legit_round "attack"
legit_round "attack, again"
wait "${A[@]}" || true
log "  attacker: login guesses $(cat "$T/a.login");" \
	"noread $(head -n 1 "$T/a.noread"); $(cat "$T/a.httpmac")"
log "  attacker: slow headers (opened closed refused) $(tail -n 1 "$T/a.slow");" \
	"held bodies still open $(cat "$T/a.hold"); $(cat "$T/a.tftpmac"); $(cat "$T/a.dhcp")"
log "  attacker: spoofed TFTP $(tr '\n' ' ' <"$T/a.spoof")"
log "  attacker: $(cat "$T/a.forged"); the forged sources received $(cat "$T/a.sink")"

log "== after the attack"
sleep 3
legit_round after
[ -z "${ATTACK_MIX_DEBUG:-}" ] || ls -l "/proc/$BH_PID/fd" >"$T/fds.end"
kill "$SAMPLER" 2>/dev/null || true
wait "$SAMPLER" 2>/dev/null || true
read -r rss0 fd0 db0 < <(head -n 1 "$T/samples" | cut -d' ' -f2-)
rss=$(awk 'm < $2 {m = $2} END {print m}' "$T/samples")
fds=$(awk 'm < $3 {m = $3} END {print m}' "$T/samples")
db=$(awk 'm < $4 {m = $4} END {print m}' "$T/samples")
read -r rss_end fd_end db_end < <(tail -n 1 "$T/samples" | cut -d' ' -f2-)
log "  RSS idle $((rss0 / 1024)) MiB, peak $((rss / 1024)) MiB, end $((rss_end / 1024)) MiB;" \
	"descriptors idle $fd0, peak $fds, end $fd_end;" \
	"database idle $((db0 / 1024)) KiB, peak $((db / 1024)) KiB, end $((db_end / 1024)) KiB"
check "peak RSS $((rss / 1024)) MiB <= $MAX_RSS_MB MiB" test "$rss" -le $((MAX_RSS_MB * 1024))
check "peak open descriptors $fds <= $MAX_FDS" test "$fds" -le "$MAX_FDS"
check "peak database size (db + wal + shm) $((db / 1024)) KiB <= $MAX_DB_MB MiB" \
	test "$db" -le $((MAX_DB_MB * 1048576))
n=$(sqlite3 "$DB" "SELECT count(*) FROM machine WHERE state = 'discovered'")
log "  discovered machines: $n"
check "discovered machines $n <= [boot] discovered_max ($DISCOVERED_MAX)" test "$n" -le $DISCOVERED_MAX
check "the daemon is still running" kill -0 "$BH_PID"
check "the discovered-machine limit was logged" grep -q "discovered_max): not recording" \
	"$T/bootherd.log"
# TFTP, forged sources: each got at most one DATA per RRQ, and no more
# packets than RRQs in all (no amplification, no retransmission).
num() { sed -n "s/.*\b$1=\([0-9]*\).*/\1/p" "$2" | head -n 1; }
sdata=$(num data "$T/a.sink")
smax=$(num max_data_per_rrq "$T/a.sink")
serr=$(num error "$T/a.sink")
soth=$(num other "$T/a.sink")
sall=$((${sdata:-0} + ${serr:-0} + ${soth:-0}))
check "forged TFTP sources were answered at all (data=${sdata:-?}: the RRQs arrived)" \
	test "${sdata:-0}" -gt 0
check "at most one DATA per forged RRQ (max ${smax:-?})" test "${smax:-9}" -le 1
check "no more packets to the forged sources ($sall) than RRQs (256)" test "$sall" -le 256
rounds_ok=$(grep -cE 'max_data_per_socket=[01]( |$)' "$T/a.spoof" || true)
check "never-acknowledging sockets got at most one DATA each (3 rounds: $rounds_ok ok)" \
	test "$rounds_ok" -eq 3
# DHCP: the flood did fill the pool (then its offers were taken over).
offers=$(num offers "$T/a.dhcp")
check "the DHCPDISCOVER flood got more offers (${offers:-?}) than the pool's 300 addresses" \
	test "${offers:-0}" -gt 300
check "taking over unrequested offers was logged" grep -q "pool full, offering" "$T/bootherd.log"
finish
