#!/usr/bin/env bash
# Two bootherd servers on one PostgreSQL 15 (issue 11): a change through
# one server's API is what the other serves next (LISTEN/NOTIFY, within a
# second); a session or token ended on one is refused by both; events and
# discovered machines from both appear in one list naming the server; one
# server killed (-9): the other keeps serving and comes back up to date;
# PostgreSQL stopped for PG_OUTAGE_S (30 s): cached boot scripts are still
# served, the API answers 503, and both recover without a restart.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/_daemon.sh"
source "$ROOT/tests/pg.bash"
in_private_netns "$@"
OUTAGE=${PG_OUTAGE_S:-30}

PGD=$(mktemp -d /tmp/bootherd-pg-XXXXXX)
on_exit "pg_down $PGD immediate; rm -rf $PGD"
pg_start "$PGD"
DB=$(pg_url "$PGD")
sql() { psql -X -q -t -A "$DB" -c "$1"; }

PA=$(free_port)
PB=$(free_port)
# One HTTP thread each: a script cached by a server is then cached for
# every request to it (with several threads each keeps its own cache).
for s in a b; do
	port=$PA
	[ $s = b ] && port=$PB
	write_config "$T/$s.conf" "$port" "[server]" "name = server-$s" "[http]" "threads = 1" \
		"[store]" "url = $DB"
done
A=http://127.0.0.1:$PA
B=http://127.0.0.1:$PB
BH=("$BOOTHERD" --config "$T/a.conf")

"${BH[@]}" image add deb --kernel deb/linux --initrd deb/initrd.gz 2>/dev/null
"${BH[@]}" image add alp --kernel alp/vmlinuz 2>/dev/null
"${BH[@]}" machine add 52:54:00:aa:00:01 --image deb 2>/dev/null
echo 'admin-password-1' | "${BH[@]}" user add admin --role admin 2>/dev/null
TOKEN=$("${BH[@]}" token create ci --role admin 2>/dev/null)
AUTH=(-H "Authorization: Bearer $TOKEN")

start_bootherd "$T/a.conf"
PID_A=$BH_PID
start_bootherd "$T/b.conf"
PID_B=$BH_PID
for u in "$A" "$B"; do
	wait_for 15 curl -sf -o /dev/null "$u/boot.ipxe" || {
		tail -n 20 "$T/bootherd.log" >&2
		exit 1
	}
done

script() { curl -s -m 5 "$1/boot/$2.ipxe"; }
# within_1s URL MAC REGEX: the script matches within a second (10 tries).
within_1s() {
	local i
	for ((i = 0; i < 10; i++)); do
		[[ "$(script "$1" "$2")" =~ $3 ]] && return 0
		sleep 0.1
	done
	return 1
}
api() { # api BASE METHOD PATH [JSON] [curl args...]: prints the status
	local base=$1 method=$2 path=$3 body=${4:-}
	shift 4 || shift $#
	local args=(-s -m 5 -o "$T/resp" -w '%{http_code}' -X "$method" "$@")
	[ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
	curl "${args[@]}" "$base$path" || true
}

log "== a change through one server is what the other serves next"
expect_match "B serves the machine's image" 'deb/linux' "$(script "$B" 52:54:00:aa:00:01)"
expect_eq "assign through A's API" 200 \
	"$(api "$A" PATCH /api/v1/machines/52:54:00:aa:00:01 '{"image": "alp"}' "${AUTH[@]}")"
check "B serves the new image within a second" within_1s "$B" 52:54:00:aa:00:01 'alp/vmlinuz'
expect_eq "an image edited through B's API" 200 \
	"$(api "$B" PATCH /api/v1/images/alp '{"kernel": "alp/vmlinuz-6.1"}' "${AUTH[@]}")"
check "A serves the new kernel within a second" within_1s "$A" 52:54:00:aa:00:01 'vmlinuz-6\.1'

log "== sessions and tokens: one database, refused by all once ended"
api "$A" POST /api/v1/login '{"username": "admin", "password": "admin-password-1"}' \
	-D "$T/hdrs" >/dev/null
SID=$(tr -d '\r' <"$T/hdrs" | sed -n 's/^[Ss]et-[Cc]ookie: \(bh_session=[0-9a-f]*\);.*/\1/p')
CSRF=$(jq -r .csrf "$T/resp")
expect_match "login on A" '^bh_session=[0-9a-f]{64}$' "$SID"
expect_eq "the session works on B" 200 "$(api "$B" GET /api/v1/machines '' -H "Cookie: $SID")"
expect_eq "logout on A" 200 "$(api "$A" POST /api/v1/logout '' -H "Cookie: $SID" \
	-H "X-CSRF-Token: $CSRF" -H "Origin: $A")"
expect_eq "B refuses the ended session" 401 "$(api "$B" GET /api/v1/machines '' -H "Cookie: $SID")"
expect_eq "the token works on B" 200 "$(api "$B" GET /api/v1/machines '' "${AUTH[@]}")"
"${BH[@]}" token revoke ci 2>/dev/null
expect_eq "B refuses the revoked token" 401 "$(api "$B" GET /api/v1/machines '' "${AUTH[@]}")"
expect_eq "A too" 401 "$(api "$A" GET /api/v1/machines '' "${AUTH[@]}")"
TOKEN=$("${BH[@]}" token create ci2 --role admin 2>/dev/null)
AUTH=(-H "Authorization: Bearer $TOKEN")

log "== one list, naming the server"
script "$B" 52:54:00:bb:00:09 >/dev/null
script "$A" 52:54:00:aa:00:01 >/dev/null
seen_by_b() { [ "$(sql "SELECT last_server FROM machine WHERE mac = '52:54:00:bb:00:09'")" = server-b ]; }
check "B's discovery is in the shared database" wait_for 10 seen_by_b
api "$A" GET /api/v1/discovered '' "${AUTH[@]}" >/dev/null
expect_eq "A lists it, naming B" server-b \
	"$(jq -r '.machines[] | select(.mac == "52:54:00:bb:00:09") | .last_server' "$T/resp")"
both_events() { [ "$(sql "SELECT count(DISTINCT server) FROM event")" -ge 2 ]; }
check "events from both servers recorded" wait_for 10 both_events
api "$B" GET '/api/v1/events?limit=100' '' "${AUTH[@]}" >/dev/null
expect_eq "B's event list names both servers" "server-a server-b" \
	"$(jq -r '[.events[].server] | unique | join(" ")' "$T/resp")"

log "== kill -9 of one server: the other serves; it comes back up to date"
kill -9 "$PID_A"
wait "$PID_A" 2>/dev/null || true
expect_match "B still serves scripts" 'vmlinuz-6\.1' "$(script "$B" 52:54:00:aa:00:01)"
expect_eq "B takes writes" 200 \
	"$(api "$B" PATCH /api/v1/machines/52:54:00:aa:00:01 '{"image": "deb"}' "${AUTH[@]}")"
check "B serves its own change" within_1s "$B" 52:54:00:aa:00:01 'deb/linux'
start_bootherd "$T/a.conf"
PID_A=$BH_PID
check "A is back" wait_for 15 curl -sf -o /dev/null "$A/boot.ipxe"
expect_match "A serves what changed while it was dead" 'deb/linux' \
	"$(script "$A" 52:54:00:aa:00:01)"

log "== PostgreSQL stopped for ${OUTAGE}s"
script "$A" 52:54:00:aa:00:01 >/dev/null # cached on both
script "$B" 52:54:00:aa:00:01 >/dev/null
pg_down "$PGD"
end=$((SECONDS + OUTAGE))
ok_scripts=0 bad_scripts=0 api503=0 apiother=0
while [ $SECONDS -lt $end ]; do
	for u in "$A" "$B"; do
		if [[ "$(script "$u" 52:54:00:aa:00:01)" =~ deb/linux ]]; then
			ok_scripts=$((ok_scripts + 1))
		else
			bad_scripts=$((bad_scripts + 1))
		fi
		if [ "$(api "$u" GET /api/v1/machines '' "${AUTH[@]}")" = 503 ]; then
			api503=$((api503 + 1))
		else
			apiother=$((apiother + 1))
		fi
	done
	sleep 1
done
check "known machine's script served throughout ($ok_scripts ok)" test "$bad_scripts" -eq 0
check "API: 503 throughout ($api503 times)" test "$apiother" -eq 0 -a "$api503" -gt 0
expect_match "the 503 says why" 'unavailable' "$(cat "$T/resp")"
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$A/boot/52:54:00:cc:00:77.ipxe")
expect_eq "a script that needs the database: 503" 503 "$code"
check "the log says the database is unavailable" grep -q 'unavailable' "$T/bootherd.log"
pg_up "$PGD"
api_ok() { [ "$(api "$1" GET /api/v1/machines '' "${AUTH[@]}")" = 200 ]; }
check "A's API recovers without a restart" wait_for 10 api_ok "$A"
check "B's API too" wait_for 10 api_ok "$B"
expect_eq "writes work again (through A)" 200 \
	"$(api "$A" PATCH /api/v1/machines/52:54:00:aa:00:01 '{"image": "alp"}' "${AUTH[@]}")"
check "B sees A's change within a second" within_1s "$B" 52:54:00:aa:00:01 'vmlinuz-6\.1'
check "both still running" kill -0 "$PID_A" "$PID_B"
# The boot events of the outage were kept and written once it ended, with
# one error line per server (not one per retry: a busy loop once).
fails=$(grep -c 'cannot record' "$T/bootherd.log" || true)
check "event write failures logged once per server ($fails)" test "$fails" -le 2
check "events recorded again after the outage" wait_for 5 grep -q 'events: recording again' \
	"$T/bootherd.log"

finish
