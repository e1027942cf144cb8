#!/usr/bin/env bash
# [store] url: the CLI and the server on a real PostgreSQL 15 instead of
# SQLite; a database that cannot be used stops bootherd with one line (no
# password in it) and a non-zero exit; the password from the URI or from
# PGPASSFILE; a multi-host URI with target_session_attrs=read-write skips a
# read-only server.  PostgreSQL listens on Unix sockets only.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/_daemon.sh"
source "$ROOT/tests/pg.bash"
in_private_netns "$@"

new_pg_dir() { # new_pg_dir VAR: a directory the postgres user can use, cleaned up
	local d
	d=$(mktemp -d /tmp/bootherd-pg-XXXXXX)
	on_exit "pg_down $d immediate; rm -rf $d"
	printf -v "$1" '%s' "$d"
}

new_pg_dir PG1
pg_start "$PG1"
URL=$(pg_url "$PG1")
sql() { psql -X -q -t -A "$URL" -c "$1"; }

PORT=$(free_port)
CONF=$T/pg.conf
write_config "$CONF" "$PORT" "[store]" "url = $URL"
BH=("$BOOTHERD" --config "$CONF")

log "== the CLI on PostgreSQL"
check "image add" "${BH[@]}" image add debian-12 --kernel debian/linux --initrd debian/initrd.gz \
	--cmdline 'console=ttyS0'
check "image add (second)" "${BH[@]}" image add alpine --kernel alpine/vmlinuz
check "machine add" "${BH[@]}" machine add 52:54:00:ab:cd:01 --image debian-12 --hostname node1 \
	--ip 198.18.0.10
check "machine list --json" sh -c "'$BOOTHERD' --config '$CONF' machine list --json |
	jq -e '.[0].mac == \"52:54:00:ab:cd:01\" and .[0].image == \"debian-12\"'"
expect_eq "the machine is in PostgreSQL" "1" "$(sql 'SELECT count(*) FROM machine')"
expect_eq "its reservation too" "3323068426" "$(sql 'SELECT ipv4 FROM machine')"
check "no SQLite file was made" test ! -e "$T/state/bootherd.db"
check "user add (password on stdin)" sh -c "echo 'a-long-password' |
	'$BOOTHERD' --config '$CONF' user add admin --role admin"
TOKEN=$("${BH[@]}" token create ci --role admin 2>/dev/null)
expect_match "token create" '^bht_[0-9a-f]{64}$' "$TOKEN"
check "token list" sh -c "'$BOOTHERD' --config '$CONF' token list | grep -q ci"
expect_eq "token stored hashed (32 bytes)" "32" "$(sql 'SELECT length(hash) FROM token')"
rc=0
"${BH[@]}" machine add 52:54:00:ab:cd:01 >"$T/out" 2>"$T/err" || rc=$?
check "duplicate machine: non-zero exit" test "$rc" -ne 0
expect_eq "duplicate machine: one line on stderr" 1 "$(wc -l <"$T/err")"
expect_match "duplicate machine: says so" 'already exists' "$(cat "$T/err")"

log "== the server on PostgreSQL"
start_daemon "$CONF"
body=$(curl -s -m 5 "http://127.0.0.1:$PORT/boot/52:54:00:ab:cd:01.ipxe")
expect_match "script names the assigned image's kernel" 'debian/linux' "$body"
# Another process (the CLI) reassigns: the next request shows it (the
# script cache re-checks the generation the PostgreSQL triggers bump).
check "machine assign (CLI)" "${BH[@]}" machine assign 52:54:00:ab:cd:01 alpine
body=$(curl -s -m 5 "http://127.0.0.1:$PORT/boot/52:54:00:ab:cd:01.ipxe")
expect_match "next request: the new image" 'alpine/vmlinuz' "$body"
code=$(http_status "http://127.0.0.1:$PORT/api/v1/machines" -H "Authorization: Bearer $TOKEN")
expect_eq "API answers from PostgreSQL" 200 "$code"
curl -s -m 5 "http://127.0.0.1:$PORT/boot/52:54:00:00:99:01.ipxe" >/dev/null
discovered() { [ "$(sql "SELECT state FROM machine WHERE mac = '52:54:00:00:99:01'")" = discovered ]; }
wait_for 10 discovered || true
expect_eq "an unknown MAC is discovered in PostgreSQL" discovered \
	"$(sql "SELECT state FROM machine WHERE mac = '52:54:00:00:99:01'")"
stop_daemon

log "== store copy: a SQLite site moves into an empty PostgreSQL database"
_pg_as "$PGBIN/createdb" -h "$PG1" -U bootherd moved
MOVED="postgresql:///moved?host=$PG1&user=bootherd"
OLD=("$BOOTHERD" --state-dir "$T/old-site")
check "old site: image" "${OLD[@]}" image add deb --kernel deb/linux --initrd deb/initrd.gz
check "old site: machine" "${OLD[@]}" machine add 52:54:00:cc:00:01 --image deb --ip 198.18.0.77
check "old site: token" sh -c "'$BOOTHERD' --state-dir '$T/old-site' token create ops >/dev/null 2>&1"
rc=0
"${OLD[@]}" store copy --to "$MOVED" >"$T/out" 2>"$T/err" || rc=$?
expect_eq "store copy: exit 0" 0 "$rc"
expect_match "store copy: says what it copied, verified" \
	'copied 1 images \(1 initrds\), 1 machines, 0 leases, 0 users, 1 API tokens .*counts verified' \
	"$(cat "$T/err")"
write_config "$T/moved.conf" "$(free_port)" "[store]" "url = $MOVED"
out=$("$BOOTHERD" --config "$T/moved.conf" machine show 52:54:00:cc:00:01 2>&1 || true)
expect_match "the moved site's machine, on PostgreSQL" '198\.18\.0\.77' "$out"
check "its token too" sh -c "'$BOOTHERD' --config '$T/moved.conf' token list | grep -q ops"
rc=0
"${OLD[@]}" store copy --to "$MOVED" >"$T/out" 2>"$T/err" || rc=$?
check "copy into a non-empty database: refused" test "$rc" -eq 1
expect_eq "... in one line" 1 "$(wc -l <"$T/err")"
expect_match "... saying why" 'already holds 1 images' "$(cat "$T/err")"
rc=0
"${OLD[@]}" store copy --to "$T/old-site/bootherd.db" 2>"$T/err" || rc=$?
check "copy onto itself: refused" test "$rc" -eq 1

log "== a database bootherd cannot use: one line, non-zero exit"
# must_refuse DESCRIPTION URL REGEX [SECRET]: serve exits non-zero at once
# with exactly one stderr line matching REGEX (and not containing SECRET).
must_refuse() {
	local desc=$1 url=$2 re=$3 secret=${4:-}
	write_config "$T/bad.conf" "$(free_port)" "[store]" "url = $url"
	local rc=0
	timeout 60 "$BOOTHERD" --config "$T/bad.conf" serve >"$T/out" 2>"$T/err" || rc=$?
	_checks=$((_checks + 1))
	local lines msg
	lines=$(wc -l <"$T/err")
	msg=$(cat "$T/err")
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && [ "$lines" -eq 1 ] && [[ "$msg" =~ $re ]] &&
		{ [ -z "$secret" ] || [[ "$msg" != *"$secret"* ]]; }; then
		log "  ok   $desc: $msg"
	else
		log "  FAIL $desc: exit $rc, $lines lines: $msg"
		_failures=$((_failures + 1))
	fi
}
must_refuse "no server at that socket" "postgresql:///bootherd?host=$T/nowhere" \
	'^bootherd: cannot open database .*nowhere.*No such file'
must_refuse "no such database" "postgresql:///nodb?host=$PG1&user=bootherd" \
	'does not exist'
must_refuse "connection refused" "postgresql://127.0.0.1:1/bootherd" 'Connection refused'
must_refuse "unreachable network" "postgresql://198.18.99.1/bootherd?connect_timeout=5" \
	'cannot open database postgresql://198.18.99.1/'

log "== passwords: in the URI, or from PGPASSFILE"
new_pg_dir PG2
pg_start "$PG2" scram-sha-256 's3cret-pw'
must_refuse "wrong password (not shown)" "postgresql://bootherd:wrong-pw@/bootherd?host=$PG2" \
	'password authentication failed' 'wrong-pw'
must_refuse "no password" "postgresql://bootherd@/bootherd?host=$PG2" 'password'
write_config "$T/pw.conf" "$(free_port)" "[store]" \
	"url = postgresql://bootherd:s3cret-pw@/bootherd?host=$PG2"
check "password in the URI" "$BOOTHERD" --config "$T/pw.conf" image add a --kernel a/k
printf '*:*:bootherd:bootherd:s3cret-pw\n' >"$T/pgpass"
chmod 600 "$T/pgpass"
write_config "$T/pass.conf" "$(free_port)" "[store]" "url = postgresql://bootherd@/bootherd?host=$PG2"
check "password from PGPASSFILE" env PGPASSFILE="$T/pgpass" "$BOOTHERD" --config "$T/pass.conf" \
	image show a

log "== multi-host: target_session_attrs=read-write skips a read-only server"
new_pg_dir PG3
pg_start "$PG3"
pg_down "$PG3"
pg_up "$PG3" -c default_transaction_read_only=on
must_refuse "a read-only server alone" "postgresql:///bootherd?host=$PG3&user=bootherd" \
	'read-only \(a standby\?\).*target_session_attrs=read-write'
write_config "$T/multi.conf" "$(free_port)" "[store]" \
	"url = postgresql:///bootherd?host=$PG3,$PG1&user=bootherd&target_session_attrs=read-write"
out=$("$BOOTHERD" --config "$T/multi.conf" machine show 52:54:00:ab:cd:01 2>&1 || true)
expect_match "the writable host's inventory" 'alpine' "$out"
check "writes go there" "$BOOTHERD" --config "$T/multi.conf" machine add 52:54:00:ab:cd:02
expect_eq "... and land in it" 1 "$(sql "SELECT count(*) FROM machine WHERE mac = '52:54:00:ab:cd:02'")"

finish
