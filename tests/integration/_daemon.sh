# Helpers for tests that run bootherd on loopback (source after lib.sh).
# Not a test itself: run-integration.sh only runs [a-z]*.sh.
#
#   in_private_netns "$@"   re-runs the calling test inside its own network
#                           namespace (loopback only), so its ports and
#                           traffic never touch the host's interfaces
#   write_config FILE PORT [extra INI lines...]
#   start_daemon CONFIG     starts bootherd, waits until it answers (sets BH_PID)
#   stop_daemon             stops it (SIGTERM, bounded wait)
#   http_status URL [curl args...]   prints the HTTP status code only
#   wait_log_lines PATTERN N SECONDS  waits until $T/bootherd.log has N matches

in_private_netns() {
	if [ -n "${BH_IN_NETNS:-}" ]; then
		return 0
	fi
	local ns
	ns=$(ns_name "$(basename "$0" .sh)")
	ns_add "$ns"
	local rc=0
	BH_IN_NETNS=1 ip netns exec "$ns" bash "$0" "$@" || rc=$?
	exit "$rc"
}

write_config() {
	local file=$1 port=$2
	shift 2
	{
		printf '[server]\nstate_dir = %s\nlog_level = info\n' "$T/state"
		printf '[http]\nlisten = 127.0.0.1:%s\n' "$port"
		# TFTP is on by default (port 69); these tests run two daemons side by side.
		printf '[tftp]\nenabled = false\n'
		# [boot] last: extra lines given without a section belong to it.
		printf '[boot]\nunknown_retry_s = 7\n'
		local line
		for line in "$@"; do
			printf '%s\n' "$line"
		done
	} >"$file"
}

start_daemon() {
	local conf=$1 port
	port=$(sed -n 's/^listen = 127.0.0.1:\([0-9]*\)$/\1/p' "$conf" | tail -n 1)
	start_bootherd "$conf"
	if ! wait_for 15 curl -sf -o /dev/null "http://127.0.0.1:$port/boot.ipxe"; then
		log "bootherd did not start; log:"
		tail -n 20 "$T/bootherd.log" >&2
		exit 1
	fi
}

stop_daemon() {
	local pid=${1:-$BH_PID} i
	kill "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

http_status() {
	local url=$1
	shift
	curl -s -o /dev/null -m 10 -w '%{http_code}' "$@" "$url" || true
}

_log_lines_ge() { [ "$(grep -c -- "$1" "$T/bootherd.log")" -ge "$2" ]; }
wait_log_lines() { wait_for "$3" _log_lines_ge "$1" "$2"; }
