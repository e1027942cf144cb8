#!/usr/bin/env bash
# DHCP on PostgreSQL, side by side in one run.sh run: bootherd on SQLite
# (process-durable), bootherd on PostgreSQL ([store] url; durability
# process and fsync), Kea 2.2 on its
# PostgreSQL lease backend (multi-threaded, its best setting for a
# database backend, and single-threaded), and Kea on memfile for reference.
# The PostgreSQL-backed servers share one private PostgreSQL 15 (fsync on),
# each with its own database (bench/dhcp/pg_servers.bash).
#
#   bench/dhcp/pg.sh [SERVERS...]
#     default: bootherd bootherd-pg bootherd-pg-fsync kea-pg kea-pg-st kea-mt
#   env: as bench/dhcp/run.sh (PERIOD, CLIENTS, START, MAX, COMMON, RATES, SEARCH ...)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -gt 0 ] || set -- bootherd bootherd-pg bootherd-pg-fsync kea-pg kea-pg-st kea-mt
EXTRA_SERVERS=$here/pg_servers.bash exec "$here/run.sh" "$@"
