#!/usr/bin/env bash
# Runs a command against a real, private PostgreSQL 15:
#   with-pg.sh COMMAND [ARGS...]
# initdb + pg_ctl in a fresh temporary directory (tests/pg.bash), listening
# only on a Unix socket in that directory, trust authentication for the
# database user "bootherd", one database "bootherd".  The command sees the
# libpq URI in BOOTHERD_TEST_PG and the socket directory in PGHOST; the
# server is stopped and the directory removed on every way out (success,
# failure, SIGINT/SIGTERM from meson's timeout).  Exits with the command's
# status.  A missing PostgreSQL is a failure, not a skip: the suite
# installs it (scripts/deps.sh test).
set -euo pipefail
source "$(dirname "$0")/../../pg.bash"

dir=$(mktemp -d /tmp/bootherd-pg-XXXXXX)
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	pg_down "$dir" immediate
	rm -rf "$dir"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

pg_init "$dir"
# Durability off: these runs test behaviour, not crash safety (the fault
# tests run their server with the defaults).
pg_up "$dir" -c fsync=off -c synchronous_commit=off -c full_page_writes=off
_pg_as "$PGBIN/createdb" -h "$dir" -U bootherd bootherd

export PGHOST=$dir
BOOTHERD_TEST_PG=$(pg_url "$dir")
export BOOTHERD_TEST_PG
set +e
"$@"
rc=$?
set -e
if [ "$rc" -ne 0 ] && [ -n "${WITH_PG_LOG:-}" ]; then
	tail -n 50 "$dir/server.log" >&2
fi
exit "$rc"
