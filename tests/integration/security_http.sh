#!/usr/bin/env bash
# A hostile client on the boot network, HTTP side (issue 12): request bodies
# are refused or limited before they are read (bounded memory), per-address
# fair share (connections, image transfers, header deadline, minimum
# transfer rate), login throttling per (address, user), the TLS listener's
# path decoding, rate-limited 431 warnings, preview limits.
# Loopback inside a private network namespace; attackers and legitimate
# clients use different 127.0.0.0/8 source addresses.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/_daemon.sh"
in_private_netns "$@"

ATTACK="python3 $(dirname "$0")/http_attack.py"
PORT=$(free_port)
U=http://127.0.0.1:$PORT
CONF=$T/bootherd.conf
write_config "$CONF" "$PORT"
BH=("$BOOTHERD" --config "$CONF")
mkdir -p "$T/state/images"
head -c 100000 /dev/urandom >"$T/state/images/small"
printf 'admin-password-1\n' | "${BH[@]}" user add admin 2>/dev/null
start_daemon "$CONF"

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$BH_PID/status"; }
fds() { ls "/proc/$BH_PID/fd" | wc -l; }

log "== bodies nobody takes are refused before they are read"
out=$($ATTACK early "$PORT" POST /boot.ipxe 1048576)
expect_match "1 MiB body announced to /boot.ipxe: 413 at once, body unsent" "^413 " \
	"$(head -n 1 <<<"$out")"
expect_eq "and the connection is closed, not left to read the body" closed "$(tail -n 1 <<<"$out")"
out=$($ATTACK early "$PORT" PUT /images/small 1048576)
expect_match "body to /images: 413 at once" "^413 " "$(head -n 1 <<<"$out")"
out=$($ATTACK early "$PORT" POST /api/v1/machines 1048576 "Content-Type: application/json")
expect_match "unauthenticated POST /api/v1/machines with 1 MiB: 401 before the body" "^401 " \
	"$(head -n 1 <<<"$out")"
expect_eq "and the connection is closed" closed "$(tail -n 1 <<<"$out")"
out=$($ATTACK early "$PORT" POST /api/v1/machines 1048576 "Content-Type: application/json" \
	"Authorization: Bearer bht_nope")
expect_match "bad bearer token with 1 MiB: 401 before the body" "^401 " "$(head -n 1 <<<"$out")"
out=$($ATTACK early "$PORT" POST /api/v1/login 1048576 "Content-Type: application/json")
expect_match "login with 1 MiB announced: 413 from Content-Length, before the body" "^413 " \
	"$(head -n 1 <<<"$out")"
out=$($ATTACK early "$PORT" POST /api/v1/login 100 "Content-Type: text/plain")
expect_match "login with a non-JSON body: 415 before the body" "^415 " "$(head -n 1 <<<"$out")"
ST=$(http_status "$U/api/v1/login" -H 'Content-Type: application/json' \
	--data '{"username":"admin","password":"admin-password-1"}')
expect_eq "a real login with its body still works" 200 "$ST"
TOKEN=$("${BH[@]}" token create sec --role admin 2>/dev/null)
ST=$(http_status "$U/api/v1/machines" -H "Authorization: Bearer $TOKEN" \
	-H 'Content-Type: application/json' --data '{"mac":"52:54:00:00:00:01","hostname":"n1"}')
expect_eq "an authenticated POST with a body still works" 201 "$ST"
ST=$(http_status "$U/api/v1/machines" -H "Authorization: Bearer $TOKEN" \
	-H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' \
	--data-binary @<(printf '{"mac":"52:54:00:00:00:02","hostname":"%s"}' \
		"$(head -c 300000 /dev/zero | tr '\0' a)"))
check "a chunked body over the API limit is not taken (status $ST)" test "$ST" != 201

log "== held bodies: RSS stays bounded"
sleep 1
rss0=$(rss_kb)
fd0=$(fds)
# 200 connections pushing 1 MiB bodies at /boot.ipxe, 200 unauthenticated
# 1 MiB POSTs to the API, 200 logins holding 4 KiB - 1 of their body.
$ATTACK hold "$PORT" 127.0.1 200 POST /boot.ipxe 1048576 1048575 8 >"$T/hold1" &
h1=$!
$ATTACK hold "$PORT" 127.0.2 200 POST /api/v1/machines 1048576 1048575 8 >"$T/hold2" &
h2=$!
$ATTACK hold "$PORT" 127.0.3 200 POST /api/v1/login 4096 4095 8 >"$T/hold3" &
h3=$!
sleep 6
rss1=$(rss_kb)
fd1=$(fds)
wait $h1 $h2 $h3
log "  RSS before ${rss0} kB, with 600 held-body connections ${rss1} kB (+$((rss1 - rss0)) kB);" \
	"descriptors ${fd0} -> ${fd1}"
log "  still open at the end: /boot.ipxe $(cat "$T/hold1"), API $(cat "$T/hold2")," \
	"login $(cat "$T/hold3")"
check "RSS grew by less than 32 MiB (+$((rss1 - rss0)) kB)" test $((rss1 - rss0)) -lt 32768
expect_eq "no /boot.ipxe body connection was kept" 0 "$(cat "$T/hold1")"
expect_eq "no unauthenticated API body connection was kept" 0 "$(cat "$T/hold2")"
ST=$(http_status "$U/boot.ipxe")
expect_eq "still serving afterwards" 200 "$ST"

log "== fair share per address: slow headers and non-reading downloads"
stop_daemon
write_config "$CONF" "$PORT" "[http]" "max_connections = 48" \
	"max_connections_per_address = 16" "header_timeout_s = 3" "max_image_transfers = 6" \
	"max_image_transfers_per_address = 2" "min_transfer_rate = 65536" \
	"transfer_rate_window_s = 3"
truncate -s 256M "$T/state/images/big"
start_daemon "$CONF"
fd0=$(fds)
# One address opens 100 connections that trickle a header line a second;
# another starts 6 downloads of a 256 MiB file and never reads them.
$ATTACK slowheader "$PORT" 127.0.0.2 100 1 10 >"$T/slow" &
slow=$!
$ATTACK noread "$PORT" 127.0.0.3 6 /images/big 10 >"$T/noread" &
noread=$!
_ready() { [ -s "$T/noread" ] && grep -q ready "$T/slow"; }
wait_for 20 _ready
fd1=$(fds)
ST=$(http_status "$U/boot.ipxe" --interface 127.0.0.4 -m 5)
expect_eq "legitimate client (other address) gets /boot.ipxe during the attack" 200 "$ST"
ST=$(http_status "$U/images/small" --interface 127.0.0.4 -m 5)
expect_eq "and an image" 200 "$ST"
ST=$(http_status "$U/images/big" --interface 127.0.0.5 -m 20)
expect_eq "and the 256 MiB image, whole" 200 "$ST"
wait $slow $noread
statuses=$(head -n 1 "$T/noread")
log "  slow headers (opened closed-by-server refused): $(tail -n 1 "$T/slow"); non-reading: $statuses"
expect_eq "the non-reading address got its 2 transfers, then 503" "200 200 503 503 503 503" \
	"$(tr ' ' '\n' <<<"$statuses" | sort | tr '\n' ' ' | sed 's/ $//')"
read -r opened closed refused < <(tail -n 1 "$T/slow")
check "every slow-header connection was closed by the server ($closed of $opened)" \
	test "$closed" -eq "$opened"
check "the header deadline closed them (log)" grep -q "no complete request header in time" \
	"$T/bootherd.log"
check "the per-address connection limit refused the rest (log)" \
	grep -q "max_connections_per_address reached" "$T/bootherd.log"
check "non-reading downloads were dropped for their rate (log)" \
	grep -q "below \[http\] min_transfer_rate" "$T/bootherd.log"
sleep 1
fd2=$(fds)
log "  daemon descriptors: idle $fd0, under attack $fd1, after $fd2"
check "descriptors under attack stay within 16 + 16 + legit ($fd1 - $fd0)" \
	test $((fd1 - fd0)) -le 40
check "descriptors back to idle after the attack ($fd2 vs $fd0)" test $((fd2 - fd0)) -le 2
M=$(curl -s -H "Authorization: Bearer $TOKEN" "$U/metrics" | grep '^bootherd_http_guard_total')
log "  $(tr '\n' ' ' <<<"$M")"
expect_match "the metric counts the dropped downloads" 'reason="slow_transfer"\} [2-9]' "$M"

log "== login throttling: by (address, user) and by address; no lock-out; no race"
stop_daemon
# Eight threads: concurrent password checks really run in parallel.
write_config "$CONF" "$PORT" "[http]" "threads = 8"
printf 'bob-password-1\n' | "${BH[@]}" user add bob 2>/dev/null
start_daemon "$CONF"
login() { # SRC USER PASSWORD -> status
	http_status "$U/api/v1/login" --interface "$1" -H 'Content-Type: application/json' \
		--data "{\"username\":\"$2\",\"password\":\"$3\"}"
}
codes=""
for i in 1 2 3 4 5; do codes+="$(login 127.0.0.6 admin wrong-$i) "; done
expect_eq "5 wrong passwords for admin from one address: 401 each" "401 401 401 401 401 " "$codes"
expect_eq "that address is throttled for admin, even with the right password" 429 \
	"$(login 127.0.0.6 admin admin-password-1)"
expect_eq "the right password from an address that has not failed gets in" 200 \
	"$(login 127.0.0.7 admin admin-password-1)"
pids=()
for i in $(seq 1 20); do
	login 127.0.0.8 bob "wrong-$i" >"$T/race.$i" &
	pids+=($!)
done
wait "${pids[@]}"
n401=$( (grep -o 401 "$T"/race.* || true) | wc -l)
n429=$( (grep -o 429 "$T"/race.* || true) | wc -l)
log "  20 concurrent wrong passwords for bob: $n401 x 401, $n429 x 429"
expect_eq "20 concurrent wrong attempts get exactly login_burst (5) checks" 5 "$n401"
expect_eq "and 429 for the other 15" 15 "$n429"
expect_eq "bob still gets in from another address" 200 "$(login 127.0.0.7 bob bob-password-1)"
codes=""
for i in $(seq 1 25); do codes+="$(login 127.0.0.9 "nobody$i" wrong) "; done
# 20 (4 x login_burst), and one more for each login_refill_s (12 s) the loop takes.
expect_match "one address trying 25 user names is throttled after 4 x login_burst" \
	"^(401 ){20,22}(429 )+$" "$codes"

log "== TLS listener decodes paths as plain HTTP; 431 warnings rate-limited; preview limits"
stop_daemon
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
	-addext "subjectAltName=IP:127.0.0.1" -keyout "$T/key.pem" -out "$T/cert.pem" 2>/dev/null
chmod 600 "$T/key.pem"
TLSPORT=$(free_port)
write_config "$CONF" "$PORT" "[http]" "tls_listen = 127.0.0.1:$TLSPORT" \
	"tls_cert = $T/cert.pem" "tls_key = $T/key.pem"
echo kernel-k >"$T/state/images/k"
start_daemon "$CONF"
S=https://127.0.0.1:$TLSPORT
wait_for 10 curl -s -o /dev/null --cacert "$T/cert.pem" "$S/boot.ipxe"
expect_eq "HTTPS serves /images/k" 200 "$(http_status "$S/images/k" --cacert "$T/cert.pem")"
expect_eq "HTTPS: /images/k%00.txt does not serve k" 404 \
	"$(http_status "$S/images/k%00.txt" --cacert "$T/cert.pem")"
expect_eq "plain HTTP: /images/k%00.txt does not serve k either" 404 \
	"$(http_status "$U/images/k%00.txt")"
big=$(head -c 12000 /dev/zero | tr '\0' a)
expect_eq "HTTPS: a 12 KB header gets 431 (the same header room as plain HTTP)" 431 \
	"$(http_status "$S/boot.ipxe" --cacert "$T/cert.pem" -H "X-Big: $big")"
n0=$(grep -c ' warn  http: ' "$T/bootherd.log" || true)
s0=$SECONDS
for i in $(seq 1 40); do http_status "$U/boot.ipxe" -H "X-Big: $big" >/dev/null; done
n1=$(grep -c ' warn  http: ' "$T/bootherd.log" || true)
# A burst of 10, then one a second.
max=$((11 + SECONDS - s0))
log "  40 requests with oversized headers in $((SECONDS - s0)) s: $((n1 - n0)) warning lines"
check "40 oversized headers log at most $max warning lines ($((n1 - n0)))" test $((n1 - n0)) -le $max
CA=(--cacert "$T/cert.pem" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json')
script="#!ipxe\n$(head -c 70000 /dev/zero | tr '\0' '#')"
ST=$(http_status "$S/api/v1/preview" "${CA[@]}" \
	--data "{\"mac\":\"52:54:00:00:00:09\",\"image\":{\"script\":\"$script\"}}")
expect_eq "preview of a script over 64 KiB: 422" 422 "$ST"
ST=$(http_status "$S/api/v1/preview" "${CA[@]}" \
	--data '{"mac":"52:54:00:00:00:09","image":{"kernel":"../../etc/passwd"}}')
expect_eq "preview of a kernel path escaping the images root: 422" 422 "$ST"
ST=$(http_status "$S/api/v1/preview" "${CA[@]}" \
	--data '{"mac":"52:54:00:00:00:09","image":{"kernel":"debian/linux","cmdline":"a\nb"}}')
expect_eq "preview of a two-line cmdline: 422" 422 "$ST"
ST=$(http_status "$S/api/v1/preview" "${CA[@]}" \
	--data '{"mac":"52:54:00:00:00:09","image":{"kernel":"debian/linux","cmdline":"quiet"}}')
expect_eq "a valid preview still renders" 200 "$ST"

finish
