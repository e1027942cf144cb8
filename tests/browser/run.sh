#!/usr/bin/env bash
# Browser test of the web UI: headless Chromium (Debian) driven by
# playwright-core (npm), against a bootherd in a private network namespace.
#   tests/browser/run.sh            (needs root for the namespace)
# Screenshots land in tests/browser/artifacts/ (git-ignored).  DOCS_IMG=$PWD/docs/img
# also rewrites the README's screenshots (machines.png, machine.png; docs.test.mjs).
source "$(dirname "$0")/../integration/lib.sh"
HERE=$ROOT/tests/browser
ART=${ARTIFACTS:-$HERE/artifacts}

"$ROOT/scripts/deps.sh" browser
# playwright-core from the lock file; its browser download is never used
# (and cannot work here): Debian's chromium is the browser.
(cd "$HERE" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)

# Everything runs inside a namespace of its own, on its private loopback.
NS=$(ns_name ui)
ns_add "$NS"
PORT=8080
URL=http://127.0.0.1:$PORT
mkdir -p "$T/state/images/demo"
echo kernel >"$T/state/images/demo/vmlinuz"
cat >"$T/bootherd.conf" <<CONF
[server]
state_dir = $T/state
[http]
listen = 127.0.0.1:$PORT
CONF
BH="$BOOTHERD --config $T/bootherd.conf"
rm -rf "$ART"
# run_ui TEST [VAR=value...]: runs tests/browser/TEST.test.mjs in the namespace.
# ONLY="layout discovered" runs just those tests (the seeding still runs).
run_ui() {
	local test=$1
	shift
	if [ -n "${ONLY:-}" ] && [[ " $ONLY " != *" $test "* ]]; then
		log "  (skipped $test: ONLY=$ONLY)"
		return 0
	fi
	local t0=$SECONDS rc=0
	ip netns exec "$NS" env BASE_URL="$URL" ARTIFACTS="$ART" HOME="$T" "$@" \
		timeout 240 node "$HERE/$test.test.mjs" || rc=$?
	log "  ($test: $((SECONDS - t0)) s)"
	return $rc
}

# The flows that change the server's state run once at each of these widths,
# each on machines (MACs, hostnames, addresses) of its own: index k = 1, 2, 3.
WIDTHS="1920 1024 400"

ip netns exec "$NS" $BOOTHERD --config "$T/bootherd.conf" serve 2>>"$T/bootherd.log" &
BH_PID=$!
on_exit "kill $BH_PID; wait $BH_PID"
check "bootherd answers" wait_for 10 ip netns exec "$NS" curl -fsS -o /dev/null --max-time 2 "$URL/boot.ipxe"
check "no users yet: the UI says how to create one" run_ui ui SETUP_ONLY=1

printf 'admin-password-1\n' | $BH user add admin >/dev/null 2>&1
printf 'viewer-password-1\n' | $BH user add vera --role viewer >/dev/null 2>&1
$BH image add demo --kernel demo/vmlinuz --cmdline console=ttyS0 --description "Demo image" >/dev/null
$BH image add rescue --kernel https://boot.example/rescue/vmlinuz --cmdline "rescue quiet" >/dev/null
$BH machine add 52:54:00:10:00:01 --image rescue --hostname rack1-a --ip 198.18.10.11 >/dev/null
$BH machine add 52:54:00:10:00:02 --hostname rack1-b --notes "waiting for disks" >/dev/null
# Lease rows as the DHCP server writes them (milliseconds), for the Leases page.
NOW=$(($(date +%s) * 1000))
sqlite3 "$T/state/bootherd.db" "INSERT INTO lease (ip, mac, subnet, state, starts, ends, hostname)
	VALUES ($(( (198 << 24) + (18 << 16) + (10 << 8) + 12 )), '52:54:00:10:00:02', 'rack1', 'bound', $NOW, $((NOW + 3600000)), 'rack1-b'),
	       ($(( (198 << 24) + (18 << 16) + (10 << 8) + 13 )), '52:54:00:10:00:03', 'rack1', 'offered', $NOW, $((NOW + 60000)), NULL)"

# A machine that tried to boot: it becomes "discovered" (events are written
# in batches, so wait until the API lists it).
MAC=52:54:00:ab:cd:01
ip netns exec "$NS" curl -fsS --max-time 5 -o /dev/null "$URL/boot/52-54-00-AB-CD-01.ipxe"
TOKEN=$($BH token create ui-test 2>/dev/null)
# For the tests that set state up through the API (viewer tokens cannot).
ADMIN_TOKEN=$($BH token create ui-test-admin --role admin 2>/dev/null)
check "machine discovered" wait_for 10 sh -c \
	"ip netns exec $NS curl -fsS --max-time 2 -H 'Authorization: Bearer $TOKEN' $URL/api/v1/discovered | grep -q $MAC"

check "browser test" run_ui ui API_TOKEN="$ADMIN_TOKEN" ADMIN_USER=admin ADMIN_PASS=admin-password-1 \
	VIEWER_USER=vera VIEWER_PASS=viewer-password-1 MAC=$MAC IMAGE=demo

# One machine's page: a managed machine on image demo boots (its script,
# then its kernel from /images/, from the same address), then the page is
# opened from the list, edited and checked against the server.
k=0
for w in $WIDTHS; do
	k=$((k + 1))
	MP_MAC=52:54:00:6d:00:0$k
	$BH machine add $MP_MAC --image demo --hostname mp-$k --ip 198.18.10.6$k --notes "page test" >/dev/null
	ip netns exec "$NS" curl -fsS --max-time 5 -o /dev/null "$URL/boot/$MP_MAC.ipxe"
	ip netns exec "$NS" curl -fsS --max-time 5 -o /dev/null "$URL/images/demo/vmlinuz"
	check "machine page test: its boot is recorded" wait_for 10 sh -c \
		"ip netns exec $NS curl -fsS --max-time 2 -H 'Authorization: Bearer $TOKEN' '$URL/api/v1/events?mac=$MP_MAC' | grep -q '\"kernel\"'"
	check "machine page: open from the list, edit, attempts, script, layout ($w px)" run_ui machine \
		API_TOKEN="$ADMIN_TOKEN" ADMIN_USER=admin ADMIN_PASS=admin-password-1 MP_MAC=$MP_MAC MP_IMAGE2=rescue \
		KERNEL_PATH=demo/vmlinuz LEASE_MAC=52:54:00:10:00:02 LEASE_IP=198.18.10.12 VIEWPORT_WIDTH=$w
done

# Bulk assign, the image filter and adoption: 7 managed machines (one with
# an image) and 2 discovered ones per width (52:54:00:2k:..), checked
# against the server's state.
k=0
for w in $WIDTHS; do
	k=$((k + 1))
	net=52:54:00:2$k
	for i in 1 2 3 4 5 6; do $BH machine add $net:00:0$i --hostname bulk-$k-$i >/dev/null 2>&1; done
	$BH machine add $net:00:07 --hostname bulk-$k-7 --image rescue >/dev/null 2>&1
	for m in $net:01:01 $net:01:02; do
		ip netns exec "$NS" curl -fsS --max-time 5 -o /dev/null "$URL/boot/${m//:/-}.ipxe"
	done
	check "bulk test machines discovered" wait_for 10 sh -c \
		"ip netns exec $NS curl -fsS --max-time 2 -H 'Authorization: Bearer $TOKEN' '$URL/api/v1/discovered?q=$net:01' | grep -q '\"total\": *2'"
	check "bulk assign, image filter, adoption ($w px)" run_ui bulk API_TOKEN="$TOKEN" \
		ADMIN_USER=admin ADMIN_PASS=admin-password-1 IMAGE=demo IMAGE2=rescue BULK_NET=$net VIEWPORT_WIDTH=$w
done
# The Discovered page: per width, DISC_N discovered machines, first seen a
# minute apart (52:54:00:3d:0k:01 oldest), more than one page of them.
DISC_N=60
k=0
for w in $WIDTHS; do
	k=$((k + 1))
	NOW=$(($(date +%s) * 1000))
	VALUES=$(for i in $(seq 1 $DISC_N); do
		printf "('52:54:00:3d:0$k:%02x', 'discovered', %d, %d, 'script', %d, %d)," \
			"$i" $((NOW - (DISC_N - i + 10) * 60000)) $((NOW - 5000)) $((NOW - 5000)) $((NOW - (DISC_N - i + 10) * 60000))
	done)
	sqlite3 "$T/state/bootherd.db" "INSERT INTO machine (mac, state, first_seen, last_seen, last_stage,
		last_stage_at, created) VALUES ${VALUES%,}"
	check "discovered: newest first, count, search, paging, refresh keeps a choice ($w px)" run_ui discovered \
		API_TOKEN="$TOKEN" ADMIN_USER=admin ADMIN_PASS=admin-password-1 IMAGE2=rescue DISC_N=$DISC_N \
		DISC_NET=52:54:00:3d:0$k LATE_MAC=52:54:00:3e:00:0$k VIEWPORT_WIDTH=$w
done
# Layout and keyboard at three widths and in dark mode; each run reassigns
# its own machine (52:54:00:4b:00:0N) with the keyboard.
n=0
for run in 1920:light 1024:light 400:light 1280:dark; do
	n=$((n + 1))
	$BH machine add 52:54:00:4b:00:0$n --hostname kbd-$n >/dev/null 2>&1
	check "layout and keyboard at ${run%%:*} px (${run##*:})" run_ui layout API_TOKEN="$TOKEN" \
		ADMIN_USER=admin ADMIN_PASS=admin-password-1 VIEWPORT_WIDTH=${run%%:*} \
		COLOR_SCHEME=${run##*:} KBD_MAC=52:54:00:4b:00:0$n
done
# Sort, filters and paging change nothing on the server: run at each width.
for w in 1920 1024 400; do
	check "machines: server-side sort, filters and page in the URL ($w px)" run_ui sort API_TOKEN="$TOKEN" \
		ADMIN_USER=admin ADMIN_PASS=admin-password-1 VIEWPORT_WIDTH=$w
done
# Images at scale, per width: 1,200 machines (52:54:00:5{e,2,3}:..) on an
# image of their own (more than a page of 1,000), unassigned by the delete;
# then "select all N matching" assigns those same machines again.
BIG_N=1200
k=0
for w in $WIDTHS; do
	k=$((k + 1))
	net=52:54:00:5e
	[ $k -eq 1 ] || net=52:54:00:5$k
	$BH image add big-$k --kernel demo/vmlinuz >/dev/null 2>&1
	NOW=$(($(date +%s) * 1000))
	VALUES=$(for i in $(seq 1 $BIG_N); do
		printf "('$net:%02x:%02x', 'big-$k', 'assigned', %d)," $((i / 256)) $((i % 256)) "$NOW"
	done)
	sqlite3 "$T/state/bootherd.db" "INSERT INTO machine (mac, image, state, created) VALUES ${VALUES%,}"
	check "images: server-side machine counts, unassign N and delete ($w px)" run_ui images API_TOKEN="$TOKEN" \
		ADMIN_USER=admin ADMIN_PASS=admin-password-1 BIG_IMAGE=big-$k BIG_N=$BIG_N BIG_NET=$net VIEWPORT_WIDTH=$w
	$BH image add arm-$k --kernel demo/vmlinuz >/dev/null 2>&1
	check "images: arm64 kernel and initrds through the editor, kept by later edits ($w px)" run_ui image_arm64 \
		API_TOKEN="$TOKEN" ADMIN_USER=admin ADMIN_PASS=admin-password-1 IMAGE=arm-$k VIEWPORT_WIDTH=$w
	$BH image add grubtpl-$k --kernel demo/vmlinuz >/dev/null 2>&1
	check "images: a GRUB template through the editor, previewed as GRUB ($w px)" run_ui image_grub \
		API_TOKEN="$TOKEN" ADMIN_USER=admin ADMIN_PASS=admin-password-1 IMAGE=grubtpl-$k VIEWPORT_WIDTH=$w
	check "machines: select all N matching, bulk assign ($w px)" run_ui selectall API_TOKEN="$TOKEN" \
		ADMIN_USER=admin ADMIN_PASS=admin-password-1 IMAGE=demo BIG_N=$BIG_N SA_NET=$net VIEWPORT_WIDTH=$w
done
# Files and bulk adoption: the daemon (user bootherd) may write the images
# root; BULK_N discovered machines, first seen a minute apart, oldest first.
chown -R bootherd: "$T/state/images"
# Per width: 52:54:00:b0:0k:.., adopted into 198.18.2k.0/24.
BULK_N=10
ADMIN_TOKEN=$($BH token create ui-admin --role admin 2>/dev/null)
k=0
for w in $WIDTHS; do
	k=$((k + 1))
	NOW=$(($(date +%s) * 1000))
	VALUES=$(for i in $(seq 1 $BULK_N); do
		printf "('52:54:00:b0:0$k:%02x', 'discovered', %d, %d, %d)," "$i" $((NOW - (BULK_N - i + 10) * 60000)) \
			$((NOW - 5000)) $((NOW - (BULK_N - i + 10) * 60000))
	done)
	sqlite3 "$T/state/bootherd.db" "INSERT INTO machine (mac, state, first_seen, last_seen, created) VALUES ${VALUES%,}"
	echo "a file whose digest nobody asked for ($w px)" >"$T/state/images/demo/sum-$k.bin"
	check "files: browse, digest, upload, pick in the image editor; bulk adopt 10 ($w px)" run_ui files \
		API_TOKEN="$ADMIN_TOKEN" ADMIN_USER=admin ADMIN_PASS=admin-password-1 IMAGE=demo BULK_N=$BULK_N \
		BULK_NET=52:54:00:b0:0$k BULK_IP_NET=198.18.2$k SUM_FILE=sum-$k.bin VIEWPORT_WIDTH=$w
	# Administration: users, tokens and the audit log, checked through an admin token.
	check "administration: users, a token shown once, revoke, audit ($w px)" run_ui admin \
		API_TOKEN="$ADMIN_TOKEN" ADMIN_USER=admin ADMIN_PASS=admin-password-1 VIEWER_USER=vera \
		VIEWER_PASS=viewer-password-1 VIEWPORT_WIDTH=$w
	# Live updates: a managed machine that never booted, and new MACs, booted
	# with curl while the pages are open (polling stretched to an hour).
	$BH machine add 52:54:00:7e:0$k:00 --hostname live-$k >/dev/null 2>&1
	check "live: boots appear on the open pages (SSE) ($w px)" run_ui live API_TOKEN="$TOKEN" \
		ADMIN_USER=admin ADMIN_PASS=admin-password-1 LIVE_MAC=52:54:00:7e:0$k:00 LIVE_HOST=live-$k \
		IMAGE=demo VIEWPORT_WIDTH=$w
done
# Live stream refused (curl holds the address's 4 streams: 429): polling, then reconnection.
check "live: refused stream (429): the page polls, then reconnects" run_ui live_fallback API_TOKEN="$TOKEN" \
	ADMIN_USER=admin ADMIN_PASS=admin-password-1 FB_NET=52:54:00:7f:00
# Page times at 10,000 more machines (node00000…node09999), measured in the
# browser and printed (never asserted).
SCALE_N=10000
NOW=$(($(date +%s) * 1000))
{
	echo 'BEGIN;'
	for i in $(seq 0 $((SCALE_N - 1))); do
		printf "INSERT INTO machine (mac, hostname, state, last_seen, created) VALUES ('52:54:00:c0:%02x:%02x', 'node%05d', 'unassigned', %d, %d);\n" \
			$((i / 256)) $((i % 256)) "$i" $((NOW - i * 1000)) "$NOW"
	done
	echo 'COMMIT;'
} | sqlite3 "$T/state/bootherd.db"
check "scale: list, search, sort and bulk assign timed at 10,000 machines" run_ui scale API_TOKEN="$TOKEN" \
	ADMIN_USER=admin ADMIN_PASS=admin-password-1 SCALE_N=$SCALE_N IMAGE=demo IMAGE2=rescue
# Failures: a machine whose image names a missing initrd fetches its
# script and kernel, then gets a 404 for the initrd (last: it adds a failing
# machine and two broken images).
$BH image add fbroken --kernel demo/vmlinuz --initrd demo/missing-initrd >/dev/null 2>&1
k=0
for w in $WIDTHS; do
	k=$((k + 1))
	FAIL_MAC=52:54:00:fa:00:0$k
	$BH machine add $FAIL_MAC --image fbroken --hostname fail-$k >/dev/null
	ip netns exec "$NS" curl -fsS --max-time 5 -o /dev/null "$URL/boot/$FAIL_MAC.ipxe"
	ip netns exec "$NS" curl -fsS --max-time 5 -o /dev/null "$URL/images/demo/vmlinuz"
	ip netns exec "$NS" curl -sS --max-time 5 -o /dev/null "$URL/images/demo/missing-initrd"
	check "failures test: the machine is failing" wait_for 10 sh -c \
		"ip netns exec $NS curl -fsS --max-time 2 -H 'Authorization: Bearer $TOKEN' '$URL/api/v1/machines/$FAIL_MAC' | grep -q '\"status\": *\"failing\"'"
	check "failures: list, filter, dashboard, machine page, broken image ($w px)" run_ui failures \
		API_TOKEN="$TOKEN" ADMIN_USER=admin ADMIN_PASS=admin-password-1 FAIL_MAC=$FAIL_MAC \
		FAIL_IMAGE=fbroken FAIL_INITRD=demo/missing-initrd VIEWPORT_WIDTH=$w
done
for w in $WIDTHS; do
	check "events: every machine, host name, stage and failed filters, paging ($w px)" run_ui events \
		API_TOKEN="$TOKEN" ADMIN_USER=admin ADMIN_PASS=admin-password-1 VIEWPORT_WIDTH=$w
done
# The README's screenshots, of the pool the tests left.
if [ -n "${DOCS_IMG:-}" ]; then
	check "README screenshots written to $DOCS_IMG" run_ui docs ADMIN_USER=admin ADMIN_PASS=admin-password-1 \
		DOCS_IMG="$DOCS_IMG" FAIL_MAC=52:54:00:fa:00:01
fi
log "screenshots: $ART"
finish
