# PostgreSQL-backed servers for bench/dhcp/run.sh (sourced by it when
# EXTRA_SERVERS names this file; see bench/dhcp/pg.sh):
#   bootherd-pg   bootherd with [store] url on PostgreSQL (leases, inventory);
#                 its lease commits with synchronous_commit off ([dhcp]
#                 durability = process); bootherd-pg-fsync: on (= fsync),
#                 as Kea's every lease write
#   kea-pg        Kea 2.2 with its PostgreSQL lease backend (Debian's
#                 kea-dhcp4 is built with libpq), schema from kea-admin,
#                 multi-threaded; kea-pg-st single-threaded
# One private PostgreSQL 15 serves them all, started at first use in the
# run's state directory (a real disk, default durability: fsync on, as for
# the file-backed servers), on a Unix socket only; each server has its own
# database.  Stopped with the run (its postmaster joins run.sh's PIDS).
source "$ROOT/tests/pg.bash"

_PG_DIR=

pg_bench_up() {
	[ -z "$_PG_DIR" ] || return 0
	_PG_DIR=$T/pg
	chmod 711 "$T" # the postgres user reaches its directory inside
	pg_start "$_PG_DIR" >&2
	PIDS+=("$(head -n 1 "$_PG_DIR/data/postmaster.pid")")
}

pg_bench_db() { # NAME: a new empty database; prints its libpq URI
	_pg_as "$PGBIN/createdb" -h "$_PG_DIR" -U bootherd "$1"
	echo "postgresql:///$1?host=$_PG_DIR&user=bootherd"
}

start_bootherd_pg() { # NS DIR process|fsync
	mkdir -p "$2"
	local url
	url=$(pg_bench_db "bh_$(basename "$2" | tr -c 'a-z0-9\n' _)")
	cat >"$2/bh.conf" <<CONF
[server]
state_dir = $2
log_level = warn
[http]
listen =
[store]
url = $url
[dhcp]
mode = server
interface = bsrv
durability = $3
[subnet pool]
network = 198.19.0.0/16
range = 198.19.0.10 198.19.255.250
router = 198.19.0.1
lease_time = 3600
CONF
	ip netns exec "$1" $PRIO "$BOOTHERD" --config "$2/bh.conf" serve 2>"$2/log" &
	PIDS+=($!)
}

start_kea_pg() { # NS DIR true|false (multi-threading)
	mkdir -p "$2"
	local db
	db="kea_$(basename "$2" | tr -c 'a-z0-9\n' _)"
	_pg_as "$PGBIN/createdb" -h "$_PG_DIR" -U bootherd "$db"
	kea-admin db-init pgsql -h "$_PG_DIR" -u bootherd -p '' -n "$db" >"$2/kea-admin.log" 2>&1 || {
		cat "$2/kea-admin.log" >&2
		return 1
	}
	cat >"$2/kea.conf" <<CONF
{ "Dhcp4": {
    "interfaces-config": { "interfaces": [ "bsrv" ], "dhcp-socket-type": "raw" },
    "multi-threading": { "enable-multi-threading": $3, "thread-pool-size": $KEA_THREADS,
                         "packet-queue-size": $KEA_QUEUE },
    "lease-database": { "type": "postgresql", "name": "$db", "host": "$_PG_DIR",
                        "user": "bootherd" },
    "valid-lifetime": 3600,
    "subnet4": [ { "subnet": "198.19.0.0/16",
                   "pools": [ { "pool": "198.19.0.10 - 198.19.255.250" } ],
                   "option-data": [ { "name": "routers", "data": "198.19.0.1" } ] } ],
    "loggers": [ { "name": "kea-dhcp4", "severity": "WARN",
                   "output_options": [ { "output": "$2/kea.log" } ] } ]
} }
CONF
	# As run.sh's Kea: raw sockets, its thread pool and queue settings, the
	# receive-buffer shim ($PRELOAD, set by start_server).
	ip netns exec "$1" $PRIO env KEA_PIDFILE_DIR="$2" KEA_LOCKFILE_DIR="$2" $PRELOAD \
		kea-dhcp4 -c "$2/kea.conf" >"$2/stdout" 2>&1 &
	PIDS+=($!)
}

# start_extra NAME NS DIR: 0 started, 2 not a name of ours.
start_extra() {
	case "$1" in
	bootherd-pg) pg_bench_up && start_bootherd_pg "$2" "$3" process ;;
	bootherd-pg-fsync) pg_bench_up && start_bootherd_pg "$2" "$3" fsync ;;
	kea-pg) pg_bench_up && start_kea_pg "$2" "$3" true ;;
	kea-pg-st) pg_bench_up && start_kea_pg "$2" "$3" false ;;
	*) return 2 ;;
	esac
}
