#!/usr/bin/env bash
# /images over HTTP on loopback (inside a private network namespace): HEAD,
# byte-exact GET, ranges, ETag/If-None-Match, keep-alive, a traversal suite
# that must all fail, and 503 + Retry-After at the transfer cap.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/_daemon.sh"
in_private_netns "$@"

PORT=$(free_port)
U=http://127.0.0.1:$PORT
CONF=$T/bootherd.conf
write_config "$CONF" "$PORT"
BH=("$BOOTHERD" --config "$CONF")
IMG=$T/state/images
mkdir -p "$IMG/sub" "$IMG/debian"
head -c $((1024 * 1024 + 123)) /dev/urandom >"$IMG/kernel.bin"
SIZE=$(stat -c %s "$IMG/kernel.bin")
head -c 5000 /dev/urandom >"$IMG/debian/initrd.gz"
echo inner >"$IMG/sub/inner.txt"
echo spaced >"$IMG/my file.bin"
: >"$IMG/empty.bin"
echo TOPSECRET >"$T/state/secret.txt"
ln -s ../secret.txt "$IMG/link-out"
ln -s /etc/passwd "$IMG/link-abs"
ln -s kernel.bin "$IMG/link-in"
ln -s sub "$IMG/dirlink"
mkfifo "$IMG/fifo"
"${BH[@]}" image add deb --kernel kernel.bin --initrd debian/initrd.gz 2>/dev/null
"${BH[@]}" machine add 52:54:00:ab:cd:01 --image deb 2>/dev/null
start_daemon "$CONF"

slice() { python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); sys.stdout.buffer.write(d[int(sys.argv[2]):int(sys.argv[3])])' "$@"; }
header() { grep -i "^$1:" "$2" | head -n 1 | cut -d' ' -f2- | tr -d '\r'; }
# Raw HEAD over a socket: prints the number of body bytes the server sent.
raw_head_body_len() {
	python3 - "$PORT" "$1" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(("HEAD %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" % sys.argv[2]).encode())
data = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    data += b
print(len(data.partition(b"\r\n\r\n")[2]))
PY
}

log "== HEAD"
curl -s -m 10 -I -o /dev/null -D "$T/h" "$U/images/kernel.bin"
expect_match "HEAD 200" "^HTTP/1\.1 200" "$(head -n 1 "$T/h")"
expect_eq "HEAD Content-Length is the file size" "$SIZE" "$(header Content-Length "$T/h")"
ETAG=$(header ETag "$T/h")
expect_match "HEAD has a quoted ETag" '^"[^"]+"$' "$ETAG"
expect_match "HEAD has Last-Modified (IMF-fixdate)" \
	'^[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$' \
	"$(header Last-Modified "$T/h")"
expect_eq "HEAD Accept-Ranges" "bytes" "$(header Accept-Ranges "$T/h")"
expect_eq "HEAD sends no body" 0 "$(raw_head_body_len /images/kernel.bin)"

log "== GET"
curl -s -m 30 -D "$T/h" -o "$T/get" "$U/images/kernel.bin"
check "GET is byte-exact" cmp "$T/get" "$IMG/kernel.bin"
expect_eq "GET Content-Length" "$SIZE" "$(header Content-Length "$T/h")"
expect_eq "GET ETag equals HEAD's" "$ETAG" "$(header ETag "$T/h")"
curl -s -m 10 -o "$T/get2" "$U/images/debian/initrd.gz"
check "GET in a subdirectory is byte-exact" cmp "$T/get2" "$IMG/debian/initrd.gz"
curl -s -m 10 -o "$T/get3" "$U/images/my%20file.bin"
check "GET of a percent-encoded name" cmp "$T/get3" "$IMG/my file.bin"
expect_eq "GET of an empty file" "200 0" "$(curl -s -m 10 -o /dev/null -w '%{http_code} %{size_download}' "$U/images/empty.bin")"
expect_eq "'..' that stays inside the root is fine" 200 \
	"$(http_status "$U/images/sub/../kernel.bin" --path-as-is)"

log "== Range"
range() { # range SPEC -> status, writes $T/r and $T/rh
	curl -s -m 10 -r "$1" -D "$T/rh" -o "$T/r" -w '%{http_code}' "$U/images/kernel.bin"
}
expect_eq "bytes=100-199 → 206" 206 "$(range 100-199)"
expect_eq "Content-Range 100-199" "bytes 100-199/$SIZE" "$(header Content-Range "$T/rh")"
expect_eq "Content-Length 100" 100 "$(header Content-Length "$T/rh")"
slice "$IMG/kernel.bin" 100 200 >"$T/want"
check "range bytes are the file's" cmp "$T/r" "$T/want"
expect_eq "suffix bytes=-100 → 206" 206 "$(range -100)"
expect_eq "suffix Content-Range" "bytes $((SIZE - 100))-$((SIZE - 1))/$SIZE" "$(header Content-Range "$T/rh")"
slice "$IMG/kernel.bin" $((SIZE - 100)) "$SIZE" >"$T/want"
check "suffix bytes are the file's last 100" cmp "$T/r" "$T/want"
expect_eq "open-ended bytes=1000- → 206" 206 "$(range 1000-)"
expect_eq "open-ended Content-Range" "bytes 1000-$((SIZE - 1))/$SIZE" "$(header Content-Range "$T/rh")"
slice "$IMG/kernel.bin" 1000 "$SIZE" >"$T/want"
check "open-ended bytes" cmp "$T/r" "$T/want"
expect_eq "last beyond the end is clipped" "bytes 10-$((SIZE - 1))/$SIZE" \
	"$(range 10-999999999 >/dev/null; header Content-Range "$T/rh")"
expect_eq "bytes=SIZE- → 416" 416 "$(range "$SIZE-")"
expect_eq "416 Content-Range bytes */SIZE" "bytes */$SIZE" "$(header Content-Range "$T/rh")"
expect_eq "bytes=-0 → 416" 416 "$(range -0)"
expect_eq "several ranges are ignored → 200" 200 "$(range 0-1,5-6)"
check "…with the whole file" cmp "$T/r" "$IMG/kernel.bin"
expect_eq "reversed range is ignored → 200" 200 "$(range 50-10)"
expect_eq "overflowing digits are ignored → 200" 200 "$(range 99999999999999999999999-)"
expect_eq "If-Range with another ETag → 200" 200 \
	"$(curl -s -m 10 -r 0-9 -H 'If-Range: "other"' -o /dev/null -w '%{http_code}' "$U/images/kernel.bin")"
expect_eq "If-Range with the ETag → 206" 206 \
	"$(curl -s -m 10 -r 0-9 -H "If-Range: $ETAG" -o /dev/null -w '%{http_code}' "$U/images/kernel.bin")"

log "== ETag / If-None-Match"
inm() { : >"$T/ib"; curl -s -m 10 -H "If-None-Match: $1" -D "$T/ih" -o "$T/ib" -w '%{http_code}' "$U/images/kernel.bin"; }
expect_eq "If-None-Match: ETag → 304" 304 "$(inm "$ETAG")"
expect_eq "304 has no body" 0 "$(stat -c %s "$T/ib")"
expect_eq "304 repeats the ETag" "$ETAG" "$(header ETag "$T/ih")"
expect_eq "If-None-Match: W/ETag → 304" 304 "$(inm "W/$ETAG")"
expect_eq "If-None-Match in a list → 304" 304 "$(inm "\"x\", $ETAG")"
expect_eq "If-None-Match: * → 304" 304 "$(inm '*')"
expect_eq "If-None-Match: other → 200" 200 "$(inm '"other"')"
check "…with the whole file" cmp "$T/ib" "$IMG/kernel.bin"
cp "$IMG/kernel.bin" "$T/k.orig"
head -c 100 /dev/urandom >>"$IMG/kernel.bin"
expect_eq "changed file: old ETag → 200" 200 "$(inm "$ETAG")"
check "…with the new content" cmp "$T/ib" "$IMG/kernel.bin"
cp "$T/k.orig" "$IMG/kernel.bin"
SIZE=$(stat -c %s "$IMG/kernel.bin")
ETAG=$(curl -s -m 10 -I "$U/images/kernel.bin" | tr -d '\r' | sed -n 's/^[Ee][Tt]ag: //p')

log "== keep-alive"
reused() { # URLs... -> number of reused connections
	local args=() u
	for u in "$@"; do args+=(-o /dev/null "$u"); done
	curl -sv -m 30 "${args[@]}" 2>&1 | grep -c 'Re-using existing connection' || true
}
expect_eq "two images on one connection" 1 "$(reused "$U/images/kernel.bin" "$U/images/debian/initrd.gz")"
expect_eq "script, kernel, initrd on one connection (as iPXE does)" 2 \
	"$(reused "$U/boot/52:54:00:ab:cd:01.ipxe" "$U/images/kernel.bin" "$U/images/debian/initrd.gz")"
expect_eq "after a 404 and a 206" 2 \
	"$(reused "$U/images/missing" "$U/images/kernel.bin" "$U/images/debian/initrd.gz")"
curl -sv -m 10 -r 0-9 -o /dev/null "$U/images/kernel.bin" -o /dev/null "$U/images/debian/initrd.gz" \
	>"$T/ka" 2>&1 || true
expect_eq "after a range request" 1 "$(grep -c 'Re-using existing connection' "$T/ka")"
curl -s -m 30 -o "$T/ka1" "$U/images/kernel.bin" -o "$T/ka2" "$U/images/debian/initrd.gz"
check "keep-alive bodies are byte-exact (1)" cmp "$T/ka1" "$IMG/kernel.bin"
check "keep-alive bodies are byte-exact (2)" cmp "$T/ka2" "$IMG/debian/initrd.gz"

log "== traversal: every one must fail"
for p in \
	/images/../secret.txt /images/sub/../../secret.txt /images/%2e%2e/secret.txt \
	/images/%2E%2E/secret.txt /images/%2E%2E/ /images/..%2fsecret.txt /images/..%2Fsecret.txt \
	/images/%2e%2e%2fsecret.txt /images/sub/%2e%2e/%2e%2e/secret.txt /images/.. /images/../ \
	/images/../../../../../../etc/passwd /images/..%2f..%2f..%2f..%2f..%2fetc%2fpasswd \
	/etc/passwd /images//etc/passwd /images/%2Fetc%2Fpasswd /images/%2F%2Fetc%2Fpasswd \
	"/images/$T/state/secret.txt" /images/link-out /images/link-abs /images/link-in \
	/images/dirlink/inner.txt /images/sub /images/sub/ /images/ /images /images/fifo \
	/images/%00 /images/kernel.bin%00 /images/kernel.bin%00.txt /images/%00../secret.txt \
	/images/sub%00/inner.txt /../secret.txt /%2e%2e/secret.txt /boot/../images/../secret.txt \
	/images/./../secret.txt /images/%5c..%5csecret.txt; do
	st=$(curl -s -m 10 --path-as-is -o "$T/tb" -w '%{http_code}' "$U$p" || true)
	expect_match "$p refused (got $st)" '^(400|403|404)$' "$st"
	check "$p leaks nothing" bash -c '! grep -qaE "TOPSECRET|root:x:|^inner" "$1" && ! cmp -s "$1" "$2"' \
		_ "$T/tb" "$IMG/kernel.bin"
done
expect_eq "the server is still up after the suite" 200 "$(http_status "$U/images/sub/inner.txt")"

log "== 503 + Retry-After at max_image_transfers"
PORT2=$(free_port)
U2=http://127.0.0.1:$PORT2
write_config "$T/capped.conf" "$PORT2" "[http]" "max_image_transfers = 1" "retry_after_s = 3"
truncate -s 4G "$IMG/big.bin" # sparse: large enough to outlast the socket buffers
start_bootherd "$T/capped.conf"
CAPPED=$BH_PID
check "capped daemon answers" wait_for 15 curl -sf -o /dev/null "$U2/boot.ipxe"
# Its status and error are kept: if it ends early, the log says why.
curl -sS --limit-rate 100k -o /dev/null -w 'slow transfer ended: HTTP %{http_code}, %{size_download} bytes' \
	"$U2/images/big.bin" >"$T/slow.out" 2>&1 &
SLOW=$!
on_exit "kill $SLOW"
# The probes below take the slot themselves for a moment: they start only
# once the slow transfer holds it, or one of them may win the race to it.
in_flight() { curl -s -m 5 "$U2/metrics" | grep -qx 'bootherd_image_transfers_in_flight 1'; }
check "the slow transfer holds the only slot" wait_for 10 in_flight
busy() { [ "$(curl -s -m 10 -D "$T/bh" -o "$T/bb" -w '%{http_code}' "$U2/images/kernel.bin")" = 503 ]; }
check "a second transfer gets 503 while the slow one holds the slot" wait_for 10 busy ||
	log "       $(cat "$T/slow.out" 2>/dev/null)"
expect_eq "503 carries Retry-After = retry_after_s" 3 "$(header Retry-After "$T/bh")"
check "503 body says why" grep -q 'too many image transfers' "$T/bb"
codes=""
for i in 1 2 3 4 5; do codes+="$(http_status "$U2/images/debian/initrd.gz") "; done
expect_eq "every request over the cap is answered at once with 503" "503 503 503 503 503 " "$codes"
expect_eq "boot scripts are not capped" 200 "$(http_status "$U2/boot/52:54:00:ab:cd:01.ipxe")"
expect_eq "HEAD is not capped" 200 "$(http_status "$U2/images/kernel.bin" -I)"
expect_eq "304 is not capped" 304 "$(http_status "$U2/images/kernel.bin" -H "If-None-Match: $ETAG")"
check "the slow transfer is still running" kill -0 "$SLOW"
kill "$SLOW" 2>/dev/null
wait "$SLOW" 2>/dev/null || true
free_slot() { [ "$(http_status "$U2/images/kernel.bin")" = 200 ]; }
check "the slot is released when the slow client goes away" wait_for 10 free_slot
curl -s -m 30 -o "$T/after" "$U2/images/kernel.bin"
check "…and transfers work again" cmp "$T/after" "$IMG/kernel.bin"
check "503s are in the access log" grep -q "GET /images/kernel.bin status=503" "$T/bootherd.log"
stop_daemon "$CAPPED"
stop_daemon
check "no sanitizer or assertion reports in the daemon log" \
	bash -c '! grep -qE "runtime error|AddressSanitizer|LeakSanitizer|Assertion" "$1"' _ "$T/bootherd.log"
finish
