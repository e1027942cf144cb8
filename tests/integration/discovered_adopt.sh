#!/usr/bin/env bash
# Bulk adoption of discovered machines (issue 13 item 5) through the API
# and the CLI — hostname pattern, address range, all or nothing — and the
# machines search by reserved address (item 4).  bootherd runs in a private
# network namespace, reached on its loopback.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/api/helpers.sh"

NS=$(ns_name adopt)
ns_add "$NS"
URL=http://127.0.0.1:8080
cat >"$T/bootherd.conf" <<CONF
[server]
state_dir = $T/state
[http]
listen = 127.0.0.1:8080
[tftp]
enabled = false
CONF
BH="$BOOTHERD --config $T/bootherd.conf"
$BH init
$BH image add debian-12 --kernel debian/linux >/dev/null
ADMIN=$($BH token create ci --role admin 2>/dev/null)
AA=(-H "Authorization: Bearer $ADMIN")
api_start "$T/bootherd.conf"

log "-- 12 machines try to boot and are discovered"
for i in $(seq 1 12); do
	ip netns exec "$NS" curl -sf -o /dev/null "$URL/boot/52:54:00:aa:00:$(printf %02x "$i").ipxe"
done
wait_for 10 sh -c "$BH machine list --discovered --json | jq -e 'length == 12' >/dev/null"
req "${AA[@]}" GET "/api/v1/discovered?limit=100"
expect_eq "12 discovered" 12 "$(jf .total)"

log "-- API: a range too small changes nothing and says by how much"
MACS='["52:54:00:aa:00:01","52:54:00:aa:00:02","52:54:00:aa:00:03","52:54:00:aa:00:04","52:54:00:aa:00:05"]'
req "${AA[@]}" POST /api/v1/discovered/adopt "{\"macs\":$MACS,\"image\":\"debian-12\",\"hostname_pattern\":\"node{n:03}\",\"ip_from\":\"198.18.1.10\",\"ip_to\":\"198.18.1.12\"}"
expect_eq "range too small: 409" 409 "$ST"
expect_eq "needed" 5 "$(jf .needed)"
expect_eq "available" 3 "$(jf .available)"
req "${AA[@]}" GET "/api/v1/discovered?limit=100"
expect_eq "still 12 discovered" 12 "$(jf .total)"
req "${AA[@]}" POST /api/v1/discovered/adopt "{\"macs\":$MACS,\"image\":\"debian-12\",\"hostname_pattern\":\"node{n\"}"
expect_eq "bad pattern: 422" 422 "$ST"
expect_eq "... naming the field" hostname_pattern "$(jf .field)"
req "${AA[@]}" POST /api/v1/discovered/adopt "{\"macs\":$MACS,\"image\":\"nope\"}"
expect_eq "unknown image: 4xx" 4 "${ST:0:1}"

log "-- API: adopt 5 with names and addresses"
req "${AA[@]}" POST /api/v1/discovered/adopt "{\"macs\":$MACS,\"image\":\"debian-12\",\"hostname_pattern\":\"node{n:03}\",\"ip_from\":\"198.18.1.10\",\"ip_to\":\"198.18.1.99\"}"
expect_eq "adopt: 200" 200 "$ST"
expect_eq "5 adopted" 5 "$(jf .adopted)"
expect_eq "names in order" "node001 node002 node003 node004 node005" "$(jf '[.machines[].hostname] | join(" ")')"
req "${AA[@]}" GET /api/v1/machines/52:54:00:aa:00:03
expect_eq "server state: hostname" node003 "$(jf .hostname)"
expect_eq "server state: address" 198.18.1.12 "$(jf .ip)"
expect_eq "server state: image" debian-12 "$(jf .image)"
expect_eq "server state: assigned" assigned "$(jf .state)"
req "${AA[@]}" POST /api/v1/discovered/adopt "{\"macs\":[\"52:54:00:aa:00:01\"],\"image\":\"debian-12\"}"
expect_eq "a managed machine: 409" 409 "$ST"

log "-- CLI: the rest, --all"
check "CLI refuses a managed MAC" sh -c "! $BH discovered adopt --image debian-12 52:54:00:aa:00:01 2>/dev/null"
OUT=$($BH discovered adopt --image debian-12 --hostname-pattern 'node{n:03}' \
	--ip-range 198.18.1.10-198.18.1.99 --all)
expect_match "CLI reports" "adopted 7 machines" "$OUT"
req "${AA[@]}" GET "/api/v1/discovered?limit=100"
expect_eq "none discovered left" 0 "$(jf .total)"
req "${AA[@]}" GET "/api/v1/machines?q=node0&limit=100"
expect_eq "12 nodes" 12 "$(jf .total)"
expect_eq "names continue after the taken ones" "node006" \
	"$(jf '[.machines[] | select(.ip=="198.18.1.15") | .hostname] | join(" ")')"

log "-- search by address"
req "${AA[@]}" GET "/api/v1/machines?q=198.18.1.15"
expect_eq "exact address: one machine" 1 "$(jf .total)"
expect_eq "... node006" node006 "$(jf '.machines[0].hostname')"
req "${AA[@]}" GET "/api/v1/machines?q=198.18.1."
expect_eq "prefix: all 12" 12 "$(jf .total)"
req "${AA[@]}" GET "/api/v1/machines?q=198.18.1.2"
expect_eq "exact .2: none" 0 "$(jf .total)"
req "${AA[@]}" GET "/api/v1/machines?q=198.18.2."
expect_eq "another /24: none" 0 "$(jf .total)"
api_check_clean_exit
finish
