#!/usr/bin/env bash
# The live stream (GET /api/v1/stream, Server-Sent Events): a boot contact
# and the new discovered machine it creates reach an open stream within a
# bounded time; no credentials: 401 JSON; the per-address cap: 429 JSON, the
# server's: 503 JSON; Last-Event-ID resumes (and an unknown one says
# resync); streams neither count against [http] max_connections_per_address
# nor fall to header_timeout_s.  bootherd runs in a private network
# namespace and is reached on its loopback (127.0.0.x as other clients).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/api/helpers.sh"

NS=$(ns_name stream)
ns_add "$NS"
URL=http://127.0.0.1:8080
mkdir -p "$T/state"
cat >"$T/bootherd.conf" <<CONF
[server]
state_dir = $T/state
[http]
listen = 0.0.0.0:8080
stream_max = 3
stream_max_per_address = 2
stream_poll_ms = 200
max_connections_per_address = 2
header_timeout_s = 2
[tftp]
enabled = false
CONF
BH="$BOOTHERD --config $T/bootherd.conf"
printf 'admin-password-1\n' | $BH user add admin 2>/dev/null
api_start "$T/bootherd.conf"
req -H "Origin: $URL" POST /api/v1/login '{"username":"admin","password":"admin-password-1"}'
expect_eq "login: 200" 200 "$ST"
SID=$(header Set-Cookie)
SID=${SID%%;*}

# stream NAME [curl args...]: a stream in the background, to $T/NAME.
stream() {
	local name=$1
	shift
	ip netns exec "$NS" curl -sN --max-time 30 -H "Cookie: $SID" "$@" \
		"$URL/api/v1/stream" >"$T/$name" 2>/dev/null &
	on_exit "kill $! 2>/dev/null"
	LAST_STREAM=$!
}
has() { grep -q -- "$2" "$T/$1"; }
# stream_once_free NAME [curl args...]: like stream, but while the server
# has not yet seen earlier streams hang up (their slots still count: a 429
# or 503 body), tries again, at most 20 times in ~10 s.
stream_once_free() {
	local name=$1 i
	for ((i = 0; i < 20; i++)); do
		stream "$@"
		wait_for 2 sh -c "grep -q -e 'event: hello' -e '\"error\"' '$T/$name'" || true
		has "$name" 'event: hello' && return 0
		kill "$LAST_STREAM" 2>/dev/null || true
		sleep 0.5
	done
}
boot() { ip netns exec "$NS" curl -s -o /dev/null --max-time 5 "$URL/boot/$1.ipxe"; }

log "-- authentication"
req GET /api/v1/stream
expect_eq "no credentials: 401" 401 "$ST"
expect_match "401 is JSON" 'authentication required' "$(jf .error)"

log "-- a boot contact and the discovered machine arrive"
stream s1
check "stream opens with hello" wait_for 5 has s1 'event: hello'
check "stream is text/event-stream" sh -c "ip netns exec $NS curl -s -m 2 -D - -o /dev/null -H 'Cookie: $SID' $URL/api/v1/stream | grep -qi '^content-type: text/event-stream'"
# Beyond header_timeout_s (2 s): an open stream is not a slow header.
sleep 3
boot 52-54-00-5e-00-01
check "boot event within 5 s" wait_for 5 has s1 '"mac":"52:54:00:5e:00:01","stage":"script"'
check "discovered machine within 5 s" wait_for 5 has s1 '"state":"discovered"'
check "machine message names the MAC" has s1 'event: machine'
ID1=$(grep '^id: ' "$T/s1" | tail -n1 | cut -d' ' -f2)
expect_match "boot events carry an id" '^[0-9]+$' "$ID1"

log "-- caps: per address 429, per server 503; boot traffic keeps its share"
stream s2
check "second stream from one address opens" wait_for 5 has s2 'event: hello'
S2=$LAST_STREAM
req -H "Cookie: $SID" GET /api/v1/stream
expect_eq "third from one address: 429" 429 "$ST"
expect_match "429 is JSON naming the knob" 'stream_max_per_address' "$(jf .error)"
# Two streams from 127.0.0.1 and max_connections_per_address = 2: a boot
# request from the same address still gets through.
check "boot path still served beside two streams" \
	sh -c "ip netns exec $NS curl -sf -o /dev/null -m 5 $URL/boot/52-54-00-5e-00-02.ipxe"
stream s3 --interface 127.0.0.2
check "stream from another address opens" wait_for 5 has s3 'event: hello'
S3=$LAST_STREAM
ST=$(ip netns exec "$NS" curl -s -o "$T/resp" -w '%{http_code}' -m 5 --interface 127.0.0.3 \
	-H "Cookie: $SID" "$URL/api/v1/stream") || true
B=$(cat "$T/resp")
expect_eq "beyond stream_max: 503" 503 "$ST"
expect_match "503 is JSON naming the knob" 'stream_max' "$(jf .error)"

log "-- Last-Event-ID resumes; an unknown one says resync"
# Their slots free once the server sees the hang-ups.
kill "$S2" "$S3" 2>/dev/null || true
boot 52-54-00-5e-00-03
check "s1 sees the third MAC" wait_for 5 has s1 '52:54:00:5e:00:03'
stream_once_free r1 -H "Last-Event-ID: $ID1"
check "resumed stream replays the events after the id" wait_for 5 has r1 '52:54:00:5e:00:03'
check "... and not the one it had" sh -c "! grep -q '\"mac\":\"52:54:00:5e:00:01\",\"stage\"' $T/r1"
stream_once_free r2 -H "Last-Event-ID: 99999999" --interface 127.0.0.2
check "unknown id: resync" wait_for 5 has r2 'event: resync'

log "-- a message larger than one write goes out whole"
NOTES=$(head -c 4000 /dev/zero | tr '\0' 'n')
$BH machine add 52:54:00:5e:00:04 --hostname big-notes --notes "$NOTES" >/dev/null 2>&1
boot 52-54-00-5e-00-04
check "the machine message with 4,000 bytes of notes arrives" wait_for 5 has s1 '"notes":"nnnn'
check "... whole (valid JSON)" sh -c "grep '^data: .*big-notes' $T/s1 | head -n1 | cut -c7- | jq -e '.notes | length == 4000' >/dev/null"

api_check_clean_exit
finish
