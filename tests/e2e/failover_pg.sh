#!/usr/bin/env bash
# End-to-end failover (issue 11): two bootherd servers on one lab switch
# share one PostgreSQL 15; real firmware boots through either.
#
#   switch F: the site's DHCP server (dnsmasq, 198.18.0.2, addresses only)
#   and two bootherd servers in proxyDHCP mode, boot-a (198.18.0.1) and
#   boot-b (198.18.0.3), both with [store] url on the same database.
#     1. both up: f-bios (SeaBIOS + iPXE ROM) boots alpha, f-upxe (OVMF UEFI
#        PXE -> TFTP ipxe.efi -> iPXE) boots beta
#     2. boot-a killed (-9): both machines boot again, through boot-b
#     3. f-bios reassigned to beta through boot-b's REST API: its next boot
#        is beta
#     4. boot-a started again, boot-b stopped: f-upxe, reassigned to alpha
#        through boot-a's API, boots alpha through boot-a
#
# The servers run in proxy mode beside the lab's DHCP server here; two DHCP
# *servers* sharing one lease table are tested by
# tests/integration/ha_dhcp_pg.sh (docs/ha.md).
#
#   E2E_KEEP=DIR   keep logs, serial consoles and the database log in DIR
source "$(dirname "$0")/../integration/lib.sh"
E2E=$ROOT/tests/e2e
source "$E2E/lib/images.sh"
source "$E2E/lib/net.sh"
source "$E2E/lib/vm.sh"
source "$E2E/lib/refstack.sh"
source "$E2E/lib/bootherd.sh"
source "$ROOT/tests/pg.bash"

[ -x "$BOOTHERD" ] || { log "no $BOOTHERD: build first"; exit 1; }
WAIT=${E2E_WAIT:-420}
VM_TIMEOUT=$((WAIT + 120))
keep() {
	[ -n "${E2E_KEEP:-}" ] || return 0
	mkdir -p "$E2E_KEEP" && cp -a "$T"/. "$E2E_KEEP"/ 2>/dev/null || true
	cp "$PGD/server.log" "$E2E_KEEP/postgresql.log" 2>/dev/null || true
}
on_exit keep

images_build alpha beta
PGD=$(mktemp -d /tmp/bootherd-pg-XXXXXX)
on_exit "pg_down $PGD immediate; rm -rf $PGD"
pg_start "$PGD"
URL=$(pg_url "$PGD")

F=${NET_PREFIX}f
net_switch "$F"
net_host "$F" "${F}site" 198.18.0.2/24
net_host "$F" "${F}a" 198.18.0.1/24
net_host "$F" "${F}b" 198.18.0.3/24
ref_dnsmasq_site "${F}site" "$T/site"

DA=$T/boot-a
DB=$T/boot-b
for d in "$DA" "$DB"; do
	ip=198.18.0.1
	[ "$d" = "$DB" ] && ip=198.18.0.3
	bh_init "$d" "$ip" proxy
	printf '\n[server]\nname = %s\n[store]\nurl = %s\n' "$(basename "$d")" "$URL" \
		>>"$d/bootherd.conf"
done
bh_images "$DA" alpha beta # files in boot-a's root, images into the database
cp "$DA"/state/images/* "$DB/state/images/"
declare -A mac=([f-bios]=52:54:00:e2:f0:01 [f-upxe]=52:54:00:e2:f0:02)
bh "$DA" machine add "${mac[f-bios]}" --image alpha --hostname f-bios >/dev/null
bh "$DA" machine add "${mac[f-upxe]}" --image beta --hostname f-upxe >/dev/null
bh_token "$DA"
cp "$DA/.token" "$DB/.token" # one database: one token for both servers
bh_start "${F}a" "$DA"
bh_start "${F}b" "$DB"

# boot VM-NAME MACHINE FIRMWARE IMAGE: powers on a fresh VM with the
# machine's MAC and expects IMAGE's marker, rendered for that MAC.
boot() {
	local vm=$1 m=${mac[$2]} line
	vm_start "$F" "$vm" "$m" "$3"
	BOOTS+=("$vm $m $4")
}
expect_boots() {
	local b vm m img line
	for b in "${BOOTS[@]}"; do
		read -r vm m img <<<"$b"
		line=$(vm_wait_marker "$vm" "$WAIT") || line="(no marker line)"
		expect_match "$vm ($m) boots $img" \
			"^BOOTHERD-MARKER image=$img cmdline=.*bootherd.image=$img bootherd.mac=$m( |\$)" \
			"$line"
		[[ "$line" == "(no marker line)" ]] || log "       $vm: $(vm_elapsed "$vm") s power-on to marker"
		vm_wait_exit "$vm" 30 || true
		vm_stop "$vm"
	done
	BOOTS=()
}
api() { bh_api "$@" >>"$T/api.log" && echo >>"$T/api.log"; }

log "== 1. both servers up"
BOOTS=()
boot f-bios-1 f-bios bios alpha
boot f-upxe-1 f-upxe uefi-pxe beta
expect_boots

log "== 2. boot-a killed (-9): boot-b serves"
kill -9 "${_bh_pid[$DA]}"
wait "${_bh_pid[$DA]}" 2>/dev/null || true
unset "_bh_pid[$DA]"
boot f-bios-2 f-bios bios alpha
boot f-upxe-2 f-upxe uefi-pxe beta
expect_boots
check "boot-b served the per-MAC scripts of that round" \
	grep -qE "GET /boot/[^ ]*f0(:|%3[aA])01\.ipxe status=200" "$DB/bootherd.log"

log "== 3. reassigned through the surviving server's API"
check "f-bios -> beta through boot-b's API" \
	api "${F}b" "$DB" PATCH "/machines/${mac[f-bios]}" '{"image": "beta"}'
boot f-bios-3 f-bios bios beta
expect_boots

log "== 4. boot-a back, boot-b stopped"
bh_start "${F}a" "$DA"
bh_stop "$DB"
check "f-upxe -> alpha through boot-a's API" \
	api "${F}a" "$DA" PATCH "/machines/${mac[f-upxe]}" '{"image": "alpha"}'
boot f-upxe-4 f-upxe uefi-pxe alpha
expect_boots
check "boot-a ran throughout round 4" kill -0 "${_bh_pid[$DA]}"
events=$(bh "$DA" events --mac "${mac[f-bios]}" --limit 1000 --json)
expect_eq "one event list names both servers" "boot-a boot-b" \
	"$(jq -r '[.[].server] | unique | join(" ")' <<<"$events")"
finish
