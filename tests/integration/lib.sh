# Shared helpers for integration tests (bash).  Source it; it sets `set -eu`,
# creates $T (a temp dir removed on exit) and runs registered cleanups on
# every exit path.
#
#   BOOTHERD   path of the binary (default: build/bootherd)
#   netns names must be unique per test: use "$(ns_name tag)".
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BOOTHERD=${BOOTHERD:-$ROOT/build/bootherd}
T=$(mktemp -d /tmp/bootherd-it.XXXXXX)
# Started as root, bootherd switches to the user bootherd (or [server] user)
# once its sockets are bound; it must still reach its state directory here.
chmod 755 "$T"
_cleanups=()
_failures=0
_checks=0

on_exit() { _cleanups+=("$*"); }

_run_cleanups() {
	local i
	for ((i = ${#_cleanups[@]} - 1; i >= 0; i--)); do
		eval "${_cleanups[$i]}" >/dev/null 2>&1 || true
	done
	rm -rf "$T"
}
trap _run_cleanups EXIT
trap 'exit 130' INT TERM

log() { printf '%s\n' "$*" >&2; }

# check DESCRIPTION COMMAND...: runs the command, records pass/fail.
check() {
	local desc=$1
	shift
	_checks=$((_checks + 1))
	if "$@"; then
		log "  ok   $desc"
	else
		log "  FAIL $desc"
		_failures=$((_failures + 1))
	fi
}

# expect_eq DESCRIPTION EXPECTED ACTUAL
expect_eq() {
	_checks=$((_checks + 1))
	if [ "$2" == "$3" ]; then
		log "  ok   $1"
	else
		log "  FAIL $1: expected [$2], got [$3]"
		_failures=$((_failures + 1))
	fi
}

# expect_match DESCRIPTION REGEX ACTUAL
expect_match() {
	_checks=$((_checks + 1))
	if [[ "$3" =~ $2 ]]; then
		log "  ok   $1"
	else
		log "  FAIL $1: [$3] does not match /$2/"
		_failures=$((_failures + 1))
	fi
}

# Call at the end of every test: prints a summary, exit status = failures.
finish() {
	log "$(basename "$0"): $((_checks - _failures)) passed, $_failures failed"
	[ "$_failures" -eq 0 ]
}

# wait_for SECONDS COMMAND...: polls the command every 0.1 s.
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.1
	done
}

# A free TCP/UDP port on loopback.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

ns_name() { echo "bh-$1-$$"; }

# Creates a namespace and registers its deletion.
ns_add() {
	ip netns add "$1"
	on_exit "ip netns pids $1 | xargs -r kill -9; ip netns del $1"
	ip -n "$1" link set lo up
}

# start_bootherd CONFIG [ARGS...]: starts the daemon in the background
# (stderr to $T/bootherd.log), registers its stop.  Sets BH_PID.
start_bootherd() {
	local conf=$1
	shift
	"$BOOTHERD" --config "$conf" "$@" serve 2>>"$T/bootherd.log" &
	BH_PID=$!
	on_exit "kill $BH_PID; wait $BH_PID"
}
