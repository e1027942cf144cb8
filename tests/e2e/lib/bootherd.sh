#!/usr/bin/env bash
# bootherd driven the way an administrator would, for the e2e tests, the
# benchmark and the demo: a config file, images put under its images root,
# images and machines managed with the CLI (or the REST API), `serve` run in a
# host namespace from net.sh.
#
#   bh_init DIR IP MODE [IFACE]   DIR/bootherd.conf + DIR/state; MODE is the
#                                 [dhcp] mode: server, proxy or off
#                                 BH_RA=false: no router advertisements ([ra];
#                                 on by default here: without one Debian's iPXE
#                                 waits ~13 s for IPv6 on every start)
#                                 BH_DHCP_EXTRA: more [dhcp] lines, e.g.
#                                 "boot_efi_x64 = snponly.efi"
#   bh_images DIR NAME...         copies vmlinuz + NAME.cpio.gz from $E2E_CACHE
#                                 into the images root and adds image NAME
#   bh DIR ARGS...                the CLI on that state
#   bh_start NS DIR               `serve` in NS; waits until HTTP answers
#   bh_stop DIR                   stops it (SIGTERM), waits
#   bh_discovered DIR MAC         true when MAC is listed as discovered
#   bh_script_last DIR MAC        the time of MAC's newest script event (an
#                                 unknown machine's retries fold into one
#                                 event whose time moves: docs/security.md)
#
# BOOTHERD: the binary (default build/bootherd of this tree).
# no_timer_check in the images' command line: under a heavily loaded host
# (boot storms under TCG) the guest kernel's IO-APIC timer check can fail and
# panic ("IO-APIC + timer doesn't work!"), which is no fault of the boot server.

BH_ROOT=${BH_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}
BOOTHERD=${BOOTHERD:-$BH_ROOT/build/bootherd}
BH_CMDLINE=${BH_CMDLINE:-'console=ttyS0 quiet panic=-1 no_timer_check bootherd.image={{image}} bootherd.mac={{mac}}'}
declare -A _bh_pid

bh_init() {
	local dir=$1 ip=$2 mode=$3 ifc=${4:-eth0}
	mkdir -p "$dir/state/images"
	echo "$ip" >"$dir/.ip"
	{
		cat <<EOF
# bootherd e2e: $mode mode on $ifc ($ip)
[server]
state_dir = $dir/state
log_level = ${BH_LOG_LEVEL:-info}

[http]
listen = $ip:80

[boot]
unknown_retry_s = ${BH_RETRY_S:-5}

[ra]
enabled = ${BH_RA:-true}
EOF
		case $mode in
		server)
			cat <<EOF

[dhcp]
mode = server
interface = $ifc
range = 198.18.0.100 198.18.0.199
${BH_DHCP_EXTRA:-}
EOF
			;;
		proxy)
			cat <<EOF

[dhcp]
mode = proxy
interface = $ifc
${BH_DHCP_EXTRA:-}
EOF
			;;
		esac
	} >"$dir/bootherd.conf"
}

bh() {
	local dir=$1
	shift
	"$BOOTHERD" --config "$dir/bootherd.conf" "$@"
}

bh_images() {
	local dir=$1 n
	shift
	# Copies, not symlinks: the images root refuses symlinks by design.
	[ -e "$dir/state/images/vmlinuz" ] || cp "$E2E_CACHE/vmlinuz" "$dir/state/images/vmlinuz"
	for n in "$@"; do
		cp "$E2E_CACHE/$n.cpio.gz" "$dir/state/images/$n.cpio.gz"
		bh "$dir" image add "$n" --kernel vmlinuz --initrd "$n.cpio.gz" \
			--cmdline "$BH_CMDLINE" --description "e2e image $n" >/dev/null
	done
}

bh_start() {
	local ns=$1 dir=$2 ip
	ip=$(cat "$dir/.ip")
	ip netns exec "$ns" "$BOOTHERD" --config "$dir/bootherd.conf" serve \
		>>"$dir/bootherd.log" 2>&1 &
	_bh_pid[$dir]=$!
	on_exit "bh_stop $dir"
	local i
	for ((i = 0; i < 100; i++)); do
		ip netns exec "$ns" curl -sf -o /dev/null --max-time 1 "http://$ip/boot.ipxe" && return 0
		kill -0 "${_bh_pid[$dir]}" 2>/dev/null || break
		sleep 0.1
	done
	echo "bh_start: bootherd did not come up; log:" >&2
	tail -n 20 "$dir/bootherd.log" >&2
	return 1
}

bh_stop() {
	local dir=$1 pid=${_bh_pid[$1]:-}
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	unset "_bh_pid[$dir]"
}

bh_discovered() {
	bh "$1" machine list --discovered --json |
		python3 -c 'import json,sys; sys.exit(0 if any(m["mac"] == sys.argv[1] for m in json.load(sys.stdin)) else 1)' "$2"
}

bh_script_last() {
	bh "$1" events --mac "$2" --limit 1000 --json |
		python3 -c 'import json,sys; print(max((e["time"] for e in json.load(sys.stdin) if e.get("stage") == "script"), default=""))'
}

# bh_token DIR: creates an admin API token (once) into BH_TOKEN.
bh_token() {
	local dir=$1
	[ -s "$dir/.token" ] || bh "$dir" token create "e2e-$$" --role admin >"$dir/.token" 2>/dev/null
	BH_TOKEN=$(tail -n 1 "$dir/.token")
}

# bh_api NS DIR METHOD PATH [JSON]: one REST API call from inside NS (the
# server's own namespace: the API is only on the isolated link), as admin.
# Prints the response body; fails on a non-2xx status.
bh_api() {
	local ns=$1 dir=$2 method=$3 path=$4 body=${5:-} ip
	ip=$(cat "$dir/.ip")
	bh_token "$dir"
	local args=(-sS --fail-with-body --max-time 10 -X "$method"
		-H "Authorization: Bearer $BH_TOKEN")
	[ -z "$body" ] || args+=(-H 'Content-Type: application/json' --data "$body")
	ip netns exec "$ns" curl "${args[@]}" "http://$ip/api/v1$path"
}
