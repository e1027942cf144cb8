#!/usr/bin/env bash
# Runs a command against a real, private PostgreSQL 15:
#   with-pg.sh COMMAND [ARGS...]
# initdb + pg_ctl in a fresh temporary directory, listening only on a Unix
# socket in that directory (no TCP port), trust authentication for the
# database user "bootherd", one database "bootherd".  The command sees the
# libpq URI in BOOTHERD_TEST_PG and the socket directory in PGHOST; the
# server is stopped and the directory removed on every way out (success,
# failure, SIGINT/SIGTERM from meson's timeout).  Exits with the command's
# status; 77 (meson: skipped) never: a missing PostgreSQL is a failure, the
# suite installs it (scripts/deps.sh test).
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
if [ ! -x "$PGBIN/pg_ctl" ]; then
	echo "with-pg: $PGBIN/pg_ctl missing (Debian postgresql-15; scripts/deps.sh test)" >&2
	exit 1
fi

dir=$(mktemp -d /tmp/bootherd-pg-XXXXXX)
# PostgreSQL refuses to run as root: the server runs as the postgres user
# (the package creates it), the command itself as whoever called us.
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
	chown postgres: "$dir"
	as_pg=(runuser -u postgres --)
fi

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [ -f "$dir/data/postmaster.pid" ]; then
		"${as_pg[@]}" "$PGBIN/pg_ctl" -D "$dir/data" -m immediate -w -t 20 stop \
			>/dev/null 2>&1 || true
	fi
	rm -rf "$dir"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"${as_pg[@]}" "$PGBIN/initdb" -D "$dir/data" -U bootherd -A trust -E UTF8 --no-instructions \
	>"$dir/initdb.log" 2>&1 || {
	cat "$dir/initdb.log" >&2
	exit 1
}
# Durability settings off: these runs test behaviour, not crash safety
# (the fault tests start their own server with the defaults).
"${as_pg[@]}" "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
	-o "-k $dir -c listen_addresses= -c fsync=off -c synchronous_commit=off \
-c full_page_writes=off -c max_connections=200" start >/dev/null || {
	cat "$dir/server.log" >&2
	exit 1
}
"${as_pg[@]}" "$PGBIN/createdb" -h "$dir" -U bootherd bootherd

export PGHOST=$dir
export BOOTHERD_TEST_PG="postgresql:///bootherd?host=$dir&user=bootherd"
set +e
"$@"
rc=$?
set -e
if [ "$rc" -ne 0 ] && [ -n "${WITH_PG_LOG:-}" ]; then
	tail -n 50 "$dir/server.log" >&2
fi
exit "$rc"
