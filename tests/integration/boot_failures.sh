#!/usr/bin/env bash
# Failures are data: each failed boot step records its outcome (event
# "outcome", with bytes/size for transfers) and makes its machine "failing"
# with the reason, through the API and the CLI, until a later step at the
# same stage or beyond works.  Steps: DHCP pool exhaustion (a pool of one
# address) and a NAK, TFTP file not found, TFTP transfers abandoned (port
# closed) and stalled (timeout), an aborted kernel download (curl gives up
# on a rate-limited transfer), an initrd that is missing (HTTP 404), an
# image pointing at that missing file (broken, with a warning, until the
# file appears), and a script that cannot be rendered.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dhcp_common.bash"

dh_setup
M1=02:00:00:00:0b:01
M2=02:00:00:00:0b:02
dh_port "$CL" c1 "$M1"
dh_port "$CL" c2 "$M2"
mkdir -p "$T/tftp" "$T/state/images/k"
# Large enough that a rate-limited client cannot have it all when it gives
# up (socket buffers hold a few MB).
head -c 67108864 /dev/zero >"$T/state/images/k/linux"
dh_conf "[tftp]
root = $T/tftp
timeout_ms = 100
retries = 2"
sed -i 's/^range = .*/range = 198.18.0.100 198.18.0.100/' "$T/bh.conf"
B=http://198.18.0.1:$DH_HTTP_PORT

log "== an image naming a missing initrd: saved, with a warning, shown broken"
bh image add deb --kernel k/linux --initrd k/initrd >"$T/add.out" 2>"$T/add.err"
check "image add succeeds" grep -q "image deb added" "$T/add.err"
check "image add warns about the missing initrd" \
	grep -q "warning: image deb: initrd k/initrd does not exist under the images root" "$T/add.err"
image_files() { bh image list | grep -qE "^deb .* $1\$"; }
check "image list shows it broken" image_files broken
bh machine add "$M1" --image deb --hostname n1 >/dev/null 2>&1
dh_start
ADMIN=$(bh token create ci --role admin 2>/dev/null)
api() { ip netns exec "$SRV" curl -sS -m 10 -H "Authorization: Bearer $ADMIN" "$B/api/v1$1"; }
expect_eq "API: the image is broken, with the reason" \
	"true initrd k/initrd does not exist under the images root" \
	"$(api /images/deb | jq -r '"\(.broken) \(.warnings[0])"')"

# status_of MAC: "STATUS STAGE OUTCOME" from the API.
status_of() { api "/machines/$1" | jq -r '"\(.status) \(.failure.stage) \(.failure.outcome)"'; }
status_is() { [ "$(status_of "$1")" = "$2" ]; }
# last_outcome MAC STAGE: the outcome of the MAC's newest STAGE event.
last_outcome() {
	api "/events?mac=$1&limit=50" | jq -r --arg s "$2" '[.events[] | select(.stage == $s)][0].outcome'
}

log "== DHCP: the pool's one address is taken: the second client's step fails"
line=$(dh_udhcpc c1)
IP1=$(field ip "$line")
expect_eq "first client bound" 198.18.0.100 "$IP1"
line=$(dh_udhcpc c2)
expect_eq "second client: no lease" "" "$line"
check "pool exhaustion makes the second machine failing" \
	wait_for 15 status_is "$M2" "failing dhcp pool-exhausted"
expect_eq "its dhcp event's outcome" pool-exhausted "$(last_outcome "$M2" dhcp)"
expect_eq "?status=failing lists it" "$M2" "$(api '/machines?status=failing' | jq -r '[.machines[].mac] | join(" ")')"
expect_eq "?status=other is refused" 400 \
	"$(ip netns exec "$SRV" curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ADMIN" "$B/api/v1/machines?status=bad")"
check "the first machine is not failing" status_is "$M1" "ok null null"

log "== DHCP: the second client asks for an address of another network (INIT-REBOOT): NAK"
ip netns exec "$CL" timeout 20 python3 - "$M2" <<'PY' >"$T/nak.out" || true
import socket, struct, sys
mac = bytes.fromhex(sys.argv[1].replace(":", ""))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"c2")
s.bind(("0.0.0.0", 68))
hdr = struct.pack("!BBBBIHH", 1, 1, 6, 0, 0x0b0b0b0b, 0, 0x8000) + b"\0" * 16 + mac.ljust(16, b"\0") + b"\0" * 192
opts = b"\x63\x82\x53\x63" + bytes([53, 1, 3]) + bytes([50, 4]) + socket.inet_aton("198.18.9.9") + b"\xff"
s.sendto(hdr + opts, ("255.255.255.255", 67))
s.settimeout(3)
try:
    while True:
        data = s.recv(2048)
        if data[4:8] == b"\x0b\x0b\x0b\x0b" and b"\x35\x01\x06" in data[240:]:
            print("NAK")
            break
except socket.timeout:
    pass
PY
expect_eq "the server NAKs it" NAK "$(cat "$T/nak.out")"
check "the NAK is its failure now" wait_for 15 status_is "$M2" "failing dhcp nak"

log "== TFTP: a file that does not exist"
ip netns exec "$CL" timeout 20 curl -sS "tftp://198.18.0.1/nosuch.efi" -o /dev/null 2>/dev/null || true
check "TFTP not found makes the machine failing" wait_for 15 status_is "$M1" "failing tftp not-found"

# tftp_stall QUIT: takes two blocks of the kernel over TFTP, then stops
# acknowledging; QUIT=1 closes its port at once (the server's next packet
# finds it gone), else it keeps the port and drains the retransmissions
# until the server gives up (3 s of silence, at most 20 s).
tftp_stall() {
	ip netns exec "$CL" timeout 20 python3 - "$1" <<'PY' || true
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.18.0.100", 0))
s.settimeout(5)
s.sendto(b"\x00\x01images/k/linux\x00octet\x00", ("198.18.0.1", 69))
for want in (1, 2):
    data, peer = s.recvfrom(1024)
    s.sendto(struct.pack("!HH", 4, want), peer)
if sys.argv[1] != "1":
    s.settimeout(3)
    try:
        while True:
            s.recvfrom(70000)
    except socket.timeout:
        pass
PY
}
tftp_event() {
	api "/events?mac=$M1&limit=50" | jq -r '[.events[] | select(.stage == "tftp")][0] |
		"\(.outcome) \(.size) \(.bytes > 0 and .bytes < .size)"'
}
log "== TFTP: a client takes two blocks of its kernel, then closes its port"
tftp_stall 1
check "the abandoned transfer makes it failing (aborted)" wait_for 15 status_is "$M1" "failing tftp aborted"
expect_eq "the tftp event: aborted, some bytes of the size" "aborted 67108864 true" "$(tftp_event)"
log "== TFTP: a client takes two blocks, then stops acknowledging"
tftp_stall 0
check "the stalled transfer makes it failing (timeout)" wait_for 15 status_is "$M1" "failing tftp timeout"
expect_eq "the tftp event: timeout, some bytes of the size" "timeout 67108864 true" "$(tftp_event)"

log "== HTTP: its script (clears the TFTP failure), an aborted kernel download"
ip netns exec "$CL" curl -sS -m 10 --interface c1 "$B/boot/$M1.ipxe" -o "$T/script"
check "the script names the kernel" grep -q "images/k/linux" "$T/script"
check "a later step (script) clears the TFTP failure" wait_for 15 status_is "$M1" "ok null null"
ip netns exec "$CL" curl -s --interface c1 --limit-rate 200k -m 2 "$B/images/k/linux" -o /dev/null || true
check "the aborted download makes it failing" wait_for 15 status_is "$M1" "failing kernel aborted"
kev=$(api "/events?mac=$M1&limit=50" | jq -c '[.events[] | select(.stage == "kernel")][0]')
expect_eq "the kernel event says aborted, of the file's size" "aborted 67108864" \
	"$(jq -r '"\(.outcome) \(.size)"' <<<"$kev")"
check "bytes sent is below the size" test "$(jq -r .bytes <<<"$kev")" -lt 67108864

log "== HTTP: the whole kernel, then the missing initrd (404)"
ip netns exec "$CL" curl -sS -m 60 --interface c1 "$B/images/k/linux" -o /dev/null
check "the whole kernel clears the failure" wait_for 15 status_is "$M1" "ok null null"
expect_eq "initrd 404" 404 "$(ip netns exec "$CL" curl -s -o /dev/null -w '%{http_code}' --interface c1 "$B/images/k/initrd")"
check "the 404 makes it failing" wait_for 15 status_is "$M1" "failing initrd not-found"
expect_eq "API: the reason" "k/initrd: HTTP 404" "$(api "/machines/$M1" | jq -r .failure.detail)"
expect_eq "API: the last attempt's stages (kernel failed then sent, initrd failed)" "kernel:retried initrd:failed" \
	"$(api "/machines/$M1" | jq -r '[.last_attempt[] | "\(.stage):\(.outcome)"] | join(" ")' | sed 's/^.*kernel/kernel/')"
failing_macs() { bh machine list --failing --json | jq -r '[.[].mac] | sort | join(" ")'; }
expect_match "CLI: machine list says failing" "failing: initrd not-found\$" "$(bh machine list | grep "^$M1 ")"
expect_eq "CLI: machine list --failing has both" "$M1 $M2" "$(failing_macs)"
bh machine show "$M1" >"$T/show"
check "CLI: machine show gives the reason" \
	grep -q '^status: *failing: initrd not-found (k/initrd: HTTP 404)' "$T/show"
check "CLI: machine show lists the outcome" grep -qE 'initrd +not-found' "$T/show"
# The boot so far (DHCP, TFTP failures, script, kernel aborted then sent,
# initrd 404) is one attempt: no pause of 10 minutes, no DHCP after the script.
expect_eq "CLI: machine show: one attempt with every stage" \
	"1 steps:   dhcp tftp script kernel initrd" \
	"$(grep -c '^  [0-9-]*T[0-9:.]*Z  took ' "$T/show") $(grep '^    steps:' "$T/show" | sed 's/^ *//')"
check "CLI: machine show: the attempt failed at the initrd, with the reason" \
	grep -qx '    outcome: failed: initrd not-found (k/initrd: HTTP 404)' "$T/show"
bh events --mac "$M1" --limit 50 >"$T/events"
expect_match "CLI: events shows the initrd 404 in its outcome column" \
	"^[^ ]+  $M1  initrd +not-found +[^ ]+ +k/initrd: HTTP 404" "$(grep ' initrd ' "$T/events" | head -1)"
expect_match "CLI: events shows the successful script as ok" "^[^ ]+  $M1  script +ok " \
	"$(grep ' script ' "$T/events" | head -1)"

log "== the initrd appears: the image mends, the next fetch clears the failure"
echo INITRD >"$T/state/images/k/initrd"
expect_eq "API: the image is no longer broken" "false 0" \
	"$(api /images/deb | jq -r '"\(.broken) \(.warnings | length)"')"
check "image list shows it ok" image_files ok
ip netns exec "$CL" curl -sS -m 10 --interface c1 "$B/images/k/initrd" -o /dev/null
check "a whole initrd clears the failure" wait_for 15 status_is "$M1" "ok null null"
expect_eq "the initrd event: ok, with bytes and size" "ok 7 7" \
	"$(api "/events?mac=$M1&limit=5" | jq -r '[.events[] | select(.stage == "initrd")][0] | "\(.outcome) \(.bytes) \(.size)"')"
expect_eq "CLI: only the other machine is failing" "$M2" "$(failing_macs)"
log "== a script that cannot be rendered (a template written by another tool)"
sqlite3 "$T/state/bootherd.db" "UPDATE image SET cmdline = 'x={{nope}}' WHERE name = 'deb'"
ip netns exec "$CL" curl -sS -m 10 --interface c1 "$B/boot/$M1.ipxe" -o /dev/null
check "the render failure makes it failing" wait_for 15 status_is "$M1" "failing script render-error"
sqlite3 "$T/state/bootherd.db" "UPDATE image SET cmdline = '' WHERE name = 'deb'"
ip netns exec "$CL" curl -sS -m 10 --interface c1 "$B/boot/$M1.ipxe" -o /dev/null
check "the fixed script clears it" wait_for 15 status_is "$M1" "ok null null"
log "== machine show: two more boots as attempts (a missing initrd, then a whole boot)"
# boot_once: a DHCP (after the script: a new attempt), then the script, the
# kernel and the initrd, as iPXE fetches them.
boot_once() {
	dh_udhcpc c1 >/dev/null
	ip netns exec "$CL" curl -sS -m 10 --interface c1 "$B/boot/$M1.ipxe" -o /dev/null
	ip netns exec "$CL" curl -sS -m 60 --interface c1 "$B/images/k/linux" -o /dev/null
	ip netns exec "$CL" curl -s -m 10 --interface c1 "$B/images/k/initrd" -o /dev/null || true
}
mv "$T/state/images/k/initrd" "$T/initrd.away"
boot_once
check "the missing initrd makes it failing again" wait_for 15 status_is "$M1" "failing initrd not-found"
mv "$T/initrd.away" "$T/state/images/k/initrd"
# The DHCP server records a MAC's like contacts once in 5 s (a reboot takes
# longer): without the pause the second boot's DHCP would not be recorded.
sleep 5.5
boot_once
check "the whole boot clears it" wait_for 15 status_is "$M1" "ok null null"
bh machine show "$M1" --attempts 2 >"$T/show2"
expect_eq "CLI: the two newest attempts: the whole boot, then the failed one" \
"    steps:   dhcp script kernel initrd
    sent:    kernel 64.0 MiB, initrd 7 B
    outcome: reached initrd
    steps:   dhcp script kernel initrd
    sent:    kernel 64.0 MiB
    outcome: failed: initrd not-found (k/initrd: HTTP 404)
  (older attempts not shown: --attempts N)" \
	"$(sed -n '/^recent boot attempts/,$p' "$T/show2" | grep -v '^recent' | grep -v '^  [0-9]')"
check "CLI: each attempt starts with its time (UTC) and duration" \
	test "$(grep -cE '^  [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{3}Z  took [0-9]+ (ms|s) \([0-9]+ events\)$' "$T/show2")" = 2
check "CLI: no events listed without --events" bash -c "! grep -q 'recent boot events' '$T/show2'"
bh machine show "$M1" --attempts 2 --json >"$T/show2.json"
expect_eq "CLI --json: attempts with outcome, steps, bytes and failure" \
	"ok dhcp,script,kernel,initrd 67108864 7 null | failed dhcp,script,kernel,initrd 67108864 null initrd:not-found" \
	"$(jq -r '[.attempts[] | "\(.outcome) \(.steps | join(",")) \(.bytes.kernel) \(.bytes.initrd) \(if .failure then "\(.failure.stage):\(.failure.outcome)" else null end)"] | join(" | ")' "$T/show2.json")"
expect_eq "CLI --json: each attempt's events, oldest first, end with the initrd" "initrd initrd" \
	"$(jq -r '[.attempts[] | .events[-1].stage] | join(" ")' "$T/show2.json")"
expect_eq "CLI --json: \"events\" is kept (10 by default)" 10 "$(jq '.events | length' "$T/show2.json")"
expect_eq "API: /machines/MAC/attempts groups as the CLI does" "$(jq -c .attempts "$T/show2.json")" \
	"$(api "/machines/$M1/attempts?limit=2" | jq -c .attempts)"
expect_eq "API: more attempts exist" "true 2" "$(api "/machines/$M1/attempts?limit=2" | jq -r '"\(.more) \(.limit)"')"
expect_eq "API: every attempt (3: the first boot and the two above), no more" "3 false" \
	"$(api "/machines/$M1/attempts" | jq -r '"\(.attempts | length) \(.more)"')"
api_code() { ip netns exec "$SRV" curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ADMIN" "$B/api/v1$1"; }
expect_eq "API: ?limit= above 100 is refused" 400 "$(api_code "/machines/$M1/attempts?limit=101")"
expect_eq "API: an unknown machine's attempts: 404" 404 "$(api_code /machines/02:00:00:00:0b:99/attempts)"
check "no boot-event write failed" bash -c "! grep -q 'cannot record' $T/bootherd.log"
finish
