#!/usr/bin/env bash
# Boot endpoints over HTTP on loopback (inside a private network namespace):
# /boot.ipxe, /boot/<mac>.ipxe in every MAC spelling, malformed MACs,
# unknown MACs (wait script, listed as discovered), assignment changes seen
# on the next request, default_image, netboot off, kernel/initrd stages,
# one access-log line per request.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/_daemon.sh"
in_private_netns "$@"

PORT=$(free_port)
U=http://127.0.0.1:$PORT
CONF=$T/bootherd.conf
write_config "$CONF" "$PORT"
BH=("$BOOTHERD" --config "$CONF")
IMG=$T/state/images
mkdir -p "$IMG/debian" "$IMG/alpine"
head -c 300000 /dev/urandom >"$IMG/debian/linux"
head -c 200000 /dev/urandom >"$IMG/debian/initrd.gz"
echo alpine-kernel >"$IMG/alpine/vmlinuz"
echo other >"$IMG/other.bin"

"${BH[@]}" image add debian-12 --kernel debian/linux --initrd debian/initrd.gz \
	--cmdline 'console=ttyS0 hostname={{hostname}} mac={{mac_hyphen}}' 2>/dev/null
"${BH[@]}" image add alpine --kernel alpine/vmlinuz 2>/dev/null
"${BH[@]}" machine add 52:54:00:ab:cd:01 --image debian-12 --hostname node1 2>/dev/null
start_daemon "$CONF"

get() { curl -s -m 10 "$@"; }

log "== /boot.ipxe"
body=$(get "$U/boot.ipxe")
expect_eq "/boot.ipxe starts with #!ipxe" "#!ipxe" "$(head -n 1 <<<"$body")"
expect_match "/boot.ipxe chains to this server's per-MAC script" \
	"chain --autofree --replace http://127\.0\.0\.1:$PORT/boot/\\\$\{net0/mac\}\.ipxe" "$body"
expect_match "/boot.ipxe is text/plain" "^text/plain" \
	"$(curl -s -o /dev/null -w '%{content_type}' "$U/boot.ipxe")"

log "== /boot/<mac>.ipxe, every spelling"
canon=$(get "$U/boot/52:54:00:ab:cd:01.ipxe")
expect_match "assigned machine gets its kernel line" \
	"kernel http://127\.0\.0\.1:$PORT/images/debian/linux initrd=initrd\.gz console=ttyS0 hostname=node1 mac=52-54-00-ab-cd-01 \|\| goto failed" \
	"$canon"
expect_match "and its initrd line" \
	"initrd --name initrd\.gz http://127\.0\.0\.1:$PORT/images/debian/initrd\.gz \|\| goto failed" "$canon"
expect_match "and boot" $'\nboot \\|\\| goto failed\n' "$canon"$'\n'
for spelling in 52%3A54%3A00%3Aab%3Acd%3A01.ipxe 52%3a54%3a00%3aab%3acd%3a01.ipxe \
	52-54-00-ab-cd-01.ipxe 525400abcd01.ipxe 52:54:00:AB:CD:01.ipxe 52-54-00-AB-CD-01.ipxe \
	5254.00ab.cd01.ipxe 52:54:00:ab:cd:01.gpxe 52%3A54%3A00%3AAB%3ACD%3A01.gpxe; do
	expect_eq "/boot/$spelling is the same script" "$canon" "$(get "$U/boot/$spelling")"
done

log "== malformed MACs: 400, one plain line"
for bad in 52:54:00:ab:cd.ipxe zz:zz:zz:zz:zz:zz.ipxe 52:54:00:ab:cd:01:02.ipxe \
	52:54:00:ab:cd:01.txt 52:54:00:ab:cd:01 .ipxe %0A.ipxe 52:54-00:ab:cd:01.ipxe \
	52:54:00:ab:cd:01%0A.ipxe 52:54:00:ab:cd:01.ipxe%00 "52:54:00:ab:cd:01%20.ipxe"; do
	curl -s -m 10 -D "$T/h" -o "$T/b" "$U/boot/$bad" || true
	expect_match "/boot/$bad → 400" "^HTTP/1\.1 400" "$(head -n 1 "$T/h")"
	expect_eq "/boot/$bad body is one line" 1 "$(wc -l <"$T/b")"
	check "/boot/$bad body is plain text, not a script" \
		grep -qv -e '#!ipxe' -e '<html' "$T/b"
	expect_match "/boot/$bad is text/plain" "[Cc]ontent-[Tt]ype: text/plain" "$(cat "$T/h")"
done

log "== unknown MAC: wait script, recorded as discovered"
wait_body=$(get "$U/boot/52-54-00-00-99-01.ipxe")
expect_eq "wait script starts with #!ipxe" "#!ipxe" "$(head -n 1 <<<"$wait_body")"
expect_match "wait script names the MAC" "machine 52:54:00:00:99:01 has no image" "$wait_body"
expect_match "wait script sleeps unknown_retry_s" $'\nsleep 7\n' "$wait_body"
expect_match "wait script re-chains itself with --replace" \
	"chain --autofree --replace http://127\.0\.0\.1:$PORT/boot/52:54:00:00:99:01\.ipxe" "$wait_body"
check "no kernel in the wait script" bash -c '! grep -q "^kernel" <<<"$1"' _ "$wait_body"
discovered() { "${BH[@]}" machine list --discovered 2>/dev/null | grep -q "^52:54:00:00:99:01 "; }
check "unknown MAC listed by machine list --discovered (within 10 s)" wait_for 10 discovered
"${BH[@]}" machine list --discovered --json >"$T/disc.json"
check "machine list --discovered --json parses" python3 -m json.tool "$T/disc.json" /dev/null
expect_eq "only the unknown MAC is discovered" "52:54:00:00:99:01 discovered script" \
	"$(python3 -c '
import json, sys
print(" ".join("%s %s %s" % (m["mac"], m["state"], m["last_stage"]) for m in json.load(open(sys.argv[1]))))
' "$T/disc.json")"
check "event recorded for the unknown MAC" \
	bash -c '"$@" events --mac 52:54:00:00:99:01 | grep -q "script"' _ "${BH[@]}"

log "== assignment changes are visible on the next request"
for round in 1 2 3; do
	for i in 1 2 3 4; do get "$U/boot/52:54:00:00:99:01.ipxe" >/dev/null; done
	"${BH[@]}" machine assign 52:54:00:00:99:01 alpine 2>/dev/null
	# Several requests: each server thread must see the change at once.
	for i in 1 2 3 4; do
		expect_match "round $round request $i after assign: alpine kernel" \
			"kernel http://127\.0\.0\.1:$PORT/images/alpine/vmlinuz" \
			"$(get "$U/boot/52:54:00:00:99:01.ipxe")"
	done
	"${BH[@]}" machine assign 52:54:00:00:99:01 debian-12 2>/dev/null
	for i in 1 2 3 4; do
		expect_match "round $round request $i after re-assign: debian kernel" \
			"images/debian/linux" "$(get "$U/boot/52:54:00:00:99:01.ipxe")"
	done
	"${BH[@]}" machine unassign 52:54:00:00:99:01 2>/dev/null
	for i in 1 2; do
		expect_match "round $round request $i after unassign: wait script" \
			"has no image assigned" "$(get "$U/boot/52:54:00:00:99:01.ipxe")"
	done
done

log "== netboot off → exit script"
"${BH[@]}" machine edit 52:54:00:ab:cd:01 --netboot off 2>/dev/null
off=$(get "$U/boot/52:54:00:ab:cd:01.ipxe")
expect_match "netboot off: exit script" $'^#!ipxe\necho bootherd: network boot is disabled for 52:54:00:ab:cd:01\nexit$' "$off"
"${BH[@]}" machine edit 52:54:00:ab:cd:01 --netboot on 2>/dev/null
expect_eq "netboot on again: image script" "$canon" "$(get "$U/boot/52:54:00:ab:cd:01.ipxe")"

log "== kernel and initrd stages after whole downloads from the script's address"
stage_of() {
	"${BH[@]}" machine show "$1" --json 2>/dev/null |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["last_stage"])'
}
stage_is() { [ "$(stage_of "$1")" = "$2" ]; }
get "$U/boot/52:54:00:ab:cd:01.ipxe" >/dev/null
check "script stage recorded" wait_for 10 stage_is 52:54:00:ab:cd:01 script
# A partial download is not the stage; an unrelated file is none.
get -r 0-9 -o /dev/null "$U/images/debian/linux"
get -o /dev/null "$U/images/other.bin"
get -o "$T/k" "$U/images/debian/linux"
check "kernel downloaded byte-exact" cmp -s "$T/k" "$IMG/debian/linux"
check "kernel stage recorded after the whole kernel" \
	wait_for 10 stage_is 52:54:00:ab:cd:01 kernel
get -o /dev/null "$U/images/debian/initrd.gz"
check "initrd stage recorded after the whole initrd" \
	wait_for 10 stage_is 52:54:00:ab:cd:01 initrd
"${BH[@]}" events --mac 52:54:00:ab:cd:01 --limit 1000 >"$T/ev"
expect_eq "one kernel event (not the 206, not other.bin)" 1 "$(grep -c ' kernel ' "$T/ev")"
expect_eq "one initrd event" 1 "$(grep -c ' initrd ' "$T/ev")"
check "no event names other.bin" bash -c '! grep -q other.bin "$1"' _ "$T/ev"

log "== access log: one line per request"
before=$(grep -c 'http peer=' "$T/bootherd.log")
get -o /dev/null "$U/boot.ipxe"
get -o /dev/null "$U/boot/52:54:00:ab:cd:01.ipxe"
get -o /dev/null "$U/boot/bad.ipxe"
get -o /dev/null "$U/no/such/path"
get -o /dev/null -I "$U/boot.ipxe"
check "five new access-log lines" wait_log_lines 'http peer=' $((before + 5)) 5
sleep 0.5
expect_eq "exactly five" $((before + 5)) "$(grep -c 'http peer=' "$T/bootherd.log")"
tail -n 5 "$T/bootherd.log" | grep 'http peer=' >"$T/access" || true
expect_match "line: peer, method, path, status, bytes, ms" \
	"http peer=127\.0\.0\.1:[0-9]+ GET /boot\.ipxe status=200 bytes=[1-9][0-9]* ms=[0-9.]+" "$(cat "$T/access")"
expect_match "400 logged" "GET /boot/bad\.ipxe status=400 bytes=[0-9]+ ms=" "$(cat "$T/access")"
expect_match "404 logged" "GET /no/such/path status=404" "$(cat "$T/access")"
expect_match "HEAD logged" "HEAD /boot\.ipxe status=200" "$(cat "$T/access")"

log "== default_image for unknown machines; public_url in scripts"
stop_daemon
write_config "$CONF" "$PORT" "default_image = alpine" "[server]" "public_url = http://boot.example.org:8080"
start_daemon "$CONF"
expect_match "/boot.ipxe chains through public_url" \
	"chain --autofree --replace http://boot\.example\.org:8080/boot/\\\$\{net0/mac\}\.ipxe" \
	"$(get "$U/boot.ipxe")"
dflt=$(get "$U/boot/52:54:00:00:99:02.ipxe")
expect_match "unknown MAC boots the default image (URLs from public_url)" \
	"kernel http://boot\.example\.org:8080/images/alpine/vmlinuz" "$dflt"
expect_match "the script names the default image" "image alpine for 52:54:00:00:99:02" "$dflt"
d2() { "${BH[@]}" machine list --discovered 2>/dev/null | grep -q "^52:54:00:00:99:02 "; }
check "still recorded as discovered" wait_for 10 d2
check "event says default image" \
	bash -c '"$@" events --mac 52:54:00:00:99:02 | grep -q "(default image)"' _ "${BH[@]}"
expect_match "an assignment wins over the default" "images/debian/linux" \
	"$(get "$U/boot/52:54:00:ab:cd:01.ipxe")"
"${BH[@]}" machine edit 52:54:00:00:99:02 --netboot off 2>/dev/null
expect_match "netboot off wins over the default" "exit" "$(get "$U/boot/52:54:00:00:99:02.ipxe")"

log "== the daemon stops cleanly"
stop_daemon
check "no sanitizer or assertion reports in the daemon log" \
	bash -c '! grep -qE "runtime error|AddressSanitizer|LeakSanitizer|Assertion" "$1"' _ "$T/bootherd.log"
finish
