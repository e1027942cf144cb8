# A private PostgreSQL 15 for tests (bash library: source it).
#
#   pg_init DIR [AUTH [PASSWORD]]   initdb in DIR/data: superuser "bootherd",
#                                   AUTH trust (default) or scram-sha-256
#   pg_up DIR [-c name=value ...]   starts it: Unix socket in DIR only (no
#                                   TCP), waits until it accepts connections
#   pg_down DIR [MODE]              stops it (fast; immediate if that hangs)
#   pg_start DIR [AUTH [PASSWORD]]  pg_init + pg_up + database "bootherd"
#   pg_url DIR                      the libpq URI of that database
#
# The caller removes DIR (after pg_down) on every exit path.  As root the
# server runs as the postgres user (it refuses root); DIR is handed to it.
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}

_pg_as() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

pg_url() { echo "postgresql:///bootherd?host=$1&user=bootherd"; }

pg_init() {
	local dir=$1 auth=${2:-trust} pw=${3:-}
	if [ ! -x "$PGBIN/pg_ctl" ]; then
		echo "pg: $PGBIN/pg_ctl missing (Debian postgresql-15; scripts/deps.sh test)" >&2
		return 1
	fi
	mkdir -p "$dir"
	[ "$(id -u)" -ne 0 ] || chown postgres: "$dir"
	# The socket lives here: bootherd started as root switches to the user
	# bootherd before its threads connect.
	chmod 755 "$dir"
	local args=(-D "$dir/data" -U bootherd -A "$auth" -E UTF8 --no-instructions)
	if [ -n "$pw" ]; then
		printf '%s\n' "$pw" >"$dir/pwfile"
		[ "$(id -u)" -ne 0 ] || chown postgres: "$dir/pwfile"
		args+=(--pwfile="$dir/pwfile")
	fi
	_pg_as "$PGBIN/initdb" "${args[@]}" >"$dir/initdb.log" 2>&1 || {
		cat "$dir/initdb.log" >&2
		return 1
	}
	rm -f "$dir/pwfile"
}

pg_up() {
	local dir=$1
	shift
	_pg_as "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
		-o "-k $dir -c listen_addresses= -c max_connections=200 $*" start >/dev/null || {
		tail -n 20 "$dir/server.log" >&2
		return 1
	}
}

pg_down() {
	local dir=$1 mode=${2:-fast}
	[ -f "$dir/data/postmaster.pid" ] || return 0
	_pg_as "$PGBIN/pg_ctl" -D "$dir/data" -m "$mode" -w -t 30 stop >/dev/null 2>&1 ||
		_pg_as "$PGBIN/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
}

pg_start() {
	local dir=$1 auth=${2:-trust} pw=${3:-}
	pg_init "$dir" "$auth" "$pw" && pg_up "$dir" &&
		PGPASSWORD=$pw _pg_as "$PGBIN/createdb" -h "$dir" -U bootherd bootherd
}
