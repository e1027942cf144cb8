#!/usr/bin/env bash
# The per-thread cache of rendered /boot/<mac>.ipxe scripts never serves a
# stale script: after every kind of change that a script depends on, made
# by the CLI (another process) or the REST API (this process), the very
# next requests — on every server thread, each warmed first — get the new
# script.  Also: a boot contact is still recorded for a cached answer, and
# script_cache = 0 renders every request.  Cached answers record contacts,
# with repeats from one address within a second folded into one.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/_daemon.sh"
in_private_netns "$@"

PORT=$(free_port)
U=http://127.0.0.1:$PORT
CONF=$T/bootherd.conf
# Four threads: more caches to keep right.
write_config "$CONF" "$PORT"
sed -i 's/^\[http\]$/[http]\nthreads = 4/' "$CONF"
BH=("$BOOTHERD" --config "$CONF")
M=52:54:00:c0:00:01
"${BH[@]}" image add deb --kernel deb/linux --initrd deb/initrd.gz \
	--cmdline 'console=ttyS0 hostname={{hostname}} ip={{ip}}' 2>/dev/null
"${BH[@]}" image add alp --kernel alp/vmlinuz 2>/dev/null
"${BH[@]}" machine add "$M" --image deb --hostname node1 2>/dev/null
"${BH[@]}" token create ci --role admin >"$T/token" 2>/dev/null
start_daemon "$CONF"
AUTH=(-H "Authorization: Bearer $(cat "$T/token")")

get() { curl -s -m 10 "$U/boot/$M.ipxe"; }
# Enough requests (each on a new connection) that every thread has the
# script cached; then 12 more must all match.
warm() { for _ in $(seq 24); do get >/dev/null; done; }
expect_all() {
	local what=$1 pattern=$2 i bad=0
	for i in $(seq 12); do
		grep -qE -- "$pattern" <<<"$(get)" || bad=$((bad + 1))
	done
	expect_eq "$what: 12 of 12 requests" 0 "$bad"
}
api() { curl -s -m 10 -o /dev/null -w '%{http_code}' "${AUTH[@]}" -H 'Content-Type: application/json' "$@"; }

warm
expect_all "initial script" "kernel .*/images/deb/linux .*hostname=node1 "

log "== CLI (another process)"
"${BH[@]}" machine edit "$M" --hostname node2 2>/dev/null
expect_all "hostname edit" "hostname=node2 "
warm
"${BH[@]}" machine edit "$M" --ip 198.18.0.77 2>/dev/null
expect_all "IPv4 edit" "ip=198\.18\.0\.77"
warm
"${BH[@]}" image edit deb --cmdline 'quiet hostname={{hostname}}' 2>/dev/null
expect_all "image cmdline edit" "initrd=initrd\.gz quiet hostname=node2"
warm
"${BH[@]}" image edit deb --initrd deb/other.gz 2>/dev/null
expect_all "image initrd edit" "initrd --name other\.gz "
warm
"${BH[@]}" machine assign "$M" alp 2>/dev/null
expect_all "assign" "kernel .*/images/alp/vmlinuz"
warm
"${BH[@]}" machine edit "$M" --netboot off 2>/dev/null
expect_all "netboot off" "network boot is disabled"
warm
"${BH[@]}" machine edit "$M" --netboot on 2>/dev/null
expect_all "netboot on" "images/alp/vmlinuz"
warm
"${BH[@]}" image remove alp --force 2>/dev/null
expect_all "image removed (--force unassigns)" "has no image assigned"
warm
"${BH[@]}" machine remove "$M" 2>/dev/null
"${BH[@]}" machine add "$M" --image deb --hostname again 2>/dev/null
expect_all "machine removed and added again" "hostname=again"

log "== REST API (this process)"
warm
expect_eq "API assign: 200" 200 "$(api -X PATCH "$U/api/v1/machines/$M" -d '{"image":null}')"
expect_all "API unassign" "has no image assigned"
warm
expect_eq "API image create: 201" 201 "$(api -X POST "$U/api/v1/images" \
	-d '{"name":"net","kernel":"net/k","cmdline":"via=api"}')"
expect_eq "API assign: 200" 200 "$(api -X PATCH "$U/api/v1/machines/$M" -d '{"image":"net"}')"
expect_all "API assign" "kernel .*/images/net/k via=api"
warm
expect_eq "API image edit: 200" 200 "$(api -X PATCH "$U/api/v1/images/net" -d '{"cmdline":"via=patch"}')"
expect_all "API image edit" "via=patch"

log "== cached answers still record boot contacts (repeats within a second are one)"
nev() { "${BH[@]}" events --mac "$M" --limit 100000 2>/dev/null | grep -c ' script ' || true; }
warm
sleep 1.2 # past the repeat window of every thread
n0=$(nev)
get >/dev/null
more() { [ "$(nev)" -gt "$1" ]; }
check "a contact after the window is recorded" wait_for 10 more "$n0"
n1=$(nev)
sleep 1.2
get >/dev/null
check "and the next one after another window too" wait_for 10 more "$n1"

log "== script_cache = 0: no cache, same scripts"
stop_daemon
sed -i 's/^threads = 4$/threads = 4\nscript_cache = 0/' "$CONF"
start_daemon "$CONF"
expect_all "uncached script" "via=patch"
"${BH[@]}" machine edit "$M" --hostname nocache 2>/dev/null
"${BH[@]}" image edit net --cmdline 'h={{hostname}}' 2>/dev/null
expect_all "uncached: change seen" "h=nocache"
stop_daemon
finish
