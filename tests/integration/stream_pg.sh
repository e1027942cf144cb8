#!/usr/bin/env bash
# The live stream with two servers on one PostgreSQL 15: a stream open on
# server A carries the boot contacts that server B records (and the new
# discovered machine), because A's watcher reads new events from the shared
# database by id, not from its own process.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/_daemon.sh"
source "$ROOT/tests/pg.bash"
in_private_netns "$@"

PGD=$(mktemp -d /tmp/bootherd-pg-XXXXXX)
on_exit "pg_down $PGD immediate; rm -rf $PGD"
pg_start "$PGD"
DB=$(pg_url "$PGD")
PA=$(free_port)
PB=$(free_port)
for s in a b; do
	port=$PA
	[ $s = b ] && port=$PB
	write_config "$T/$s.conf" "$port" "[server]" "name = server-$s" "[http]" "stream_poll_ms = 200" \
		"[store]" "url = $DB"
done
BH=("$BOOTHERD" --config "$T/a.conf")
TOKEN=$("${BH[@]}" token create ci --role viewer 2>/dev/null)
start_bootherd "$T/a.conf"
start_bootherd "$T/b.conf"
for p in "$PA" "$PB"; do
	wait_for 15 curl -sf -o /dev/null "http://127.0.0.1:$p/boot.ipxe" || {
		tail -n 20 "$T/bootherd.log" >&2
		exit 1
	}
done

curl -sN --max-time 30 -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PA/api/v1/stream" >"$T/sa" 2>/dev/null &
on_exit "kill $! 2>/dev/null"
has() { grep -q -- "$1" "$T/sa"; }
check "stream on server A opens (bearer token)" wait_for 5 has 'event: hello'
curl -s -o /dev/null -m 5 "http://127.0.0.1:$PB/boot/52-54-00-5f-00-01.ipxe"
check "B's boot contact reaches A's stream within 5 s" wait_for 5 has '"mac":"52:54:00:5f:00:01","stage":"script"'
check "... naming server B" has '"server":"server-b"'
check "... and the discovered machine" has '"state":"discovered"'
curl -s -o /dev/null -m 5 "http://127.0.0.1:$PA/boot/52-54-00-5f-00-02.ipxe"
check "A's own contact too" wait_for 5 has '"mac":"52:54:00:5f:00:02"'
finish
