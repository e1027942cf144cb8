#!/usr/bin/env bash
# REST API: every endpoint, auth failures (no cookie, bad token, CSRF
# missing, viewer writing), malformed JSON, unknown fields, oversized and
# non-JSON bodies, MAC spellings, paging, /metrics, UI assets.  bootherd runs
# in a private network namespace and is reached on its loopback.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/api/helpers.sh"

NS=$(ns_name api)
ns_add "$NS"
URL=http://127.0.0.1:8080
mkdir -p "$T/state/images/deb"
echo kernel >"$T/state/images/deb/vmlinuz"
printf 'MZ-fake-efi' >"$T/test.efi"
cat >"$T/bootherd.conf" <<CONF
[server]
state_dir = $T/state
[http]
listen = 127.0.0.1:8080
[auth]
# An hour per refill: the rate-limit checks must not depend on how fast
# argon2id hashes run on a loaded machine.
login_refill_s = 3600
[bootfiles]
test.efi = $T/test.efi
CONF
BH="$BOOTHERD --config $T/bootherd.conf"
api_start "$T/bootherd.conf"

log "-- no users yet: no default password, the API and the log say how to create one"
req GET /api/v1/session
expect_eq "session without users: 401" 401 "$ST"
expect_eq "setup_needed" true "$(jf .setup_needed)"
expect_match "hint names the command" 'bootherd user add' "$(jf .error)"
check "log says how to create a user" grep -q 'bootherd user add NAME' "$T/bootherd.log"
req POST /api/v1/login '{"username":"admin","password":"whatever-pw"}'
expect_eq "login without users: 401" 401 "$ST"

printf 'admin-password-1\n' | $BH user add admin 2>/dev/null
printf 'viewer-password-1\n' | $BH user add vera --role viewer 2>/dev/null
check "short password refused by the CLI" sh -c "! printf 'short\n' | $BH user add shorty 2>/dev/null"
ADMIN=$($BH token create ci --role admin 2>/dev/null)
VIEWER=$($BH token create dash 2>/dev/null)
REVOKED=$($BH token create old --role admin 2>/dev/null)
$BH token revoke old
expect_match "token format" '^bht_[0-9a-f]{64}$' "$ADMIN"
check "token list shows no secret" sh -c "$BH token list | grep -q ci && ! $BH token list | grep -q ${ADMIN:4:20}"
check "tokens stored hashed" sh -c "! sqlite3 $T/state/bootherd.db 'select hex(hash) from token' | grep -qi ${ADMIN:4:16}"
AA=(-H "Authorization: Bearer $ADMIN")
AV=(-H "Authorization: Bearer $VIEWER")

log "-- authentication failures"
req GET /api/v1/images
expect_eq "no credentials: 401" 401 "$ST"
expect_match "401 carries WWW-Authenticate" 'Bearer' "$(header WWW-Authenticate)"
req -H "Authorization: Bearer nonsense" GET /api/v1/images
expect_eq "malformed token: 401" 401 "$ST"
req -H "Authorization: Bearer bht_$(printf '%064d' 0)" GET /api/v1/images
expect_eq "unknown token: 401" 401 "$ST"
req -H "Authorization: Bearer $REVOKED" GET /api/v1/images
expect_eq "revoked token: 401" 401 "$ST"
req -H "Authorization: Basic YWRtaW46eA==" GET /api/v1/images
expect_eq "Basic auth is not accepted: 401" 401 "$ST"
req -H "Cookie: bh_session=0000" GET /api/v1/images
expect_eq "bogus session cookie: 401" 401 "$ST"
req "${AV[@]}" GET /api/v1/images
expect_eq "viewer token reads: 200" 200 "$ST"
req "${AV[@]}" POST /api/v1/images '{"name":"x","kernel":"x/vmlinuz"}'
expect_eq "viewer token writes: 403" 403 "$ST"
req "${AA[@]}" GET /api/v1/nothing
expect_eq "unknown resource: 404" 404 "$ST"
req "${AA[@]}" GET /api/v2/images
expect_eq "unknown API version: 404" 404 "$ST"

log "-- sessions, CSRF"
req POST /api/v1/login '{"username":"admin","password":"wrong-password"}'
expect_eq "wrong password: 401" 401 "$ST"
req POST /api/v1/login '{"username":"nobody","password":"wrong-password"}'
expect_eq "unknown user: 401, same message" "wrong user name or password" "$(jf .error)"
req -H "Origin: http://evil.example" POST /api/v1/login '{"username":"admin","password":"admin-password-1"}'
expect_eq "login from a foreign Origin: 403" 403 "$ST"
req -H "Origin: http://127.0.0.1:8080" POST /api/v1/login '{"username":"admin","password":"admin-password-1"}'
expect_eq "login: 200" 200 "$ST"
CSRF=$(jf .csrf)
COOKIE=$(header Set-Cookie)
expect_match "cookie is HttpOnly, SameSite=Strict" '^bh_session=[0-9a-f]{64}; Path=/; Max-Age=[0-9]+; HttpOnly; SameSite=Strict$' "$COOKIE"
expect_match "CSRF token returned" '^[0-9a-f]{64}$' "$CSRF"
SID=${COOKIE%%;*}
check "session id stored hashed" sh -c "! sqlite3 $T/state/bootherd.db 'select hex(hash) from session' | grep -qi ${SID:11:16}"
AC=(-H "Cookie: $SID")
req "${AC[@]}" GET /api/v1/session
expect_eq "session: who" admin "$(jf .user)"
expect_eq "session: csrf again" "$CSRF" "$(jf .csrf)"
req "${AC[@]}" GET /api/v1/images
expect_eq "cookie reads: 200" 200 "$ST"
IMG='{"name":"deb","kernel":"deb/vmlinuz","initrds":["deb/initrd.gz"],"cmdline":"console=ttyS0"}'
req "${AC[@]}" -H "Origin: http://127.0.0.1:8080" POST /api/v1/images "$IMG"
expect_eq "cookie write without CSRF token: 403" 403 "$ST"
req "${AC[@]}" -H "X-CSRF-Token: $CSRF" POST /api/v1/images "$IMG"
expect_eq "cookie write without Origin or Referer: 403" 403 "$ST"
req "${AC[@]}" -H "X-CSRF-Token: $CSRF" -H "Origin: http://evil.example" POST /api/v1/images "$IMG"
expect_eq "cookie write from a foreign Origin: 403" 403 "$ST"
req "${AC[@]}" -H "X-CSRF-Token: ${CSRF/a/b}x" -H "Origin: http://127.0.0.1:8080" POST /api/v1/images "$IMG"
expect_eq "cookie write with a wrong CSRF token: 403" 403 "$ST"
req "${AC[@]}" -H "X-CSRF-Token: $CSRF" -H "Origin: http://127.0.0.1:8080" POST /api/v1/images "$IMG"
expect_eq "cookie write with Origin + CSRF token: 201" 201 "$ST"
req "${AC[@]}" -H "X-CSRF-Token: $CSRF" -H "Referer: http://127.0.0.1:8080/#/images" DELETE /api/v1/images/deb
expect_eq "Referer stands in for a missing Origin: 204" 204 "$ST"
req -H "Origin: http://127.0.0.1:8080" POST /api/v1/login '{"username":"vera","password":"viewer-password-1"}'
VSID=$(header Set-Cookie)
VSID=${VSID%%;*}
VCSRF=$(jf .csrf)
req -H "Cookie: $VSID" -H "X-CSRF-Token: $VCSRF" -H "Origin: http://127.0.0.1:8080" POST /api/v1/images "$IMG"
expect_eq "viewer session writes: 403" 403 "$ST"
req -H "Cookie: $VSID" -H "X-CSRF-Token: $VCSRF" -H "Origin: http://127.0.0.1:8080" POST /api/v1/logout
expect_eq "logout: 200" 200 "$ST"
expect_match "logout clears the cookie" 'Max-Age=0' "$(header Set-Cookie)"
req -H "Cookie: $VSID" GET /api/v1/images
expect_eq "cookie after logout: 401" 401 "$ST"

log "-- request bodies"
req "${AA[@]}" POST /api/v1/images '{"name": "x",'
expect_eq "malformed JSON: 400" 400 "$ST"
expect_match "malformed JSON says where" 'line 1' "$(jf .error)"
req "${AA[@]}" POST /api/v1/images '["not", "an", "object"]'
expect_eq "non-object body: 400" 400 "$ST"
req "${AA[@]}" POST /api/v1/images '{"name":"x","kernel":"x/vmlinuz","colour":"blue"}'
expect_eq "unknown field: 422" 422 "$ST"
expect_eq "unknown field named" colour "$(jf .field)"
req "${AA[@]}" POST /api/v1/images '{"name":"x","kernel":42}'
expect_eq "wrong type: 422" 422 "$ST"
expect_eq "wrong type field" kernel "$(jf .field)"
req "${AA[@]}" POST /api/v1/images '{"name":"x","name":"y","kernel":"k"}'
expect_eq "duplicate key: 400" 400 "$ST"
req "${AA[@]}" -H 'Content-Type: text/plain' -d 'name=x' POST /api/v1/images
expect_eq "non-JSON content type: 415" 415 "$ST"
req "${AA[@]}" -H 'Content-Type: application/x-www-form-urlencoded' -d 'name=x' POST /api/v1/images
expect_eq "form content type: 415" 415 "$ST"
python3 -c 'import json; print(json.dumps({"name":"big","kernel":"k","description":"x"*300000}))' >"$T/big.json"
req "${AA[@]}" -H 'Content-Type: application/json' --data-binary "@$T/big.json" POST /api/v1/images
expect_eq "oversized body (300 KB): 413" 413 "$ST"
head -c 1200000 /dev/zero | tr '\0' 'a' >"$T/huge.json"
req "${AA[@]}" -H 'Content-Type: application/json' --data-binary "@$T/huge.json" POST /api/v1/images
expect_eq "body over the server cap (1.2 MB): 413" 413 "$ST"
req "${AA[@]}" POST /api/v1/images
expect_eq "missing body: 400" 400 "$ST"

log "-- images"
req "${AA[@]}" POST /api/v1/images "$IMG"
expect_eq "create: 201" 201 "$ST"
expect_eq "create: initrds kept" deb/initrd.gz "$(jf '.initrds[0]')"
req "${AA[@]}" POST /api/v1/images "$IMG"
expect_eq "create duplicate: 409" 409 "$ST"
req "${AA[@]}" POST /api/v1/images '{"name":"Bad Name","kernel":"k"}'
expect_eq "invalid name: 422" 422 "$ST"
expect_eq "invalid name field" name "$(jf .field)"
req "${AA[@]}" POST /api/v1/images '{"name":"nokernel"}'
expect_eq "no kernel, no script: 422 on kernel" kernel "$(jf .field)"
req "${AA[@]}" POST /api/v1/images '{"kernel":"k"}'
expect_eq "missing name: 422" 422 "$ST"
req "${AA[@]}" POST /api/v1/images '{"name":"rescue","kernel":"","script":"#!ipxe\nchain {{server}}/x/{{mac}}\n"}'
expect_eq "script-only image: 201" 201 "$ST"
req "${AA[@]}" GET /api/v1/images
expect_eq "list" "deb rescue" "$(jf '[.images[].name] | join(" ")')"
expect_eq "list total" 2 "$(jf .total)"
req "${AA[@]}" GET /api/v1/images/deb
expect_eq "get: 200" 200 "$ST"
expect_eq "get: cmdline" console=ttyS0 "$(jf .cmdline)"
req "${AA[@]}" GET /api/v1/images/missing
expect_eq "get missing: 404" 404 "$ST"
req "${AA[@]}" PATCH /api/v1/images/deb '{"cmdline":"console=ttyS0 quiet"}'
expect_eq "patch: 200" 200 "$ST"
expect_eq "patch keeps other fields" deb/vmlinuz "$(jf .kernel)"
expect_eq "patch changes the field" "console=ttyS0 quiet" "$(jf .cmdline)"
req "${AA[@]}" PUT /api/v1/images/deb '{"kernel":"deb/vmlinuz","description":"Debian"}'
expect_eq "put: 200" 200 "$ST"
expect_eq "put resets absent fields" "0" "$(jf '.initrds | length')"
req "${AA[@]}" PUT /api/v1/images/deb '{"name":"other","kernel":"deb/vmlinuz"}'
expect_eq "rename refused: 422" 422 "$ST"
req "${AA[@]}" PUT /api/v1/images/missing '{"kernel":"deb/vmlinuz"}'
expect_eq "put missing: 404" 404 "$ST"
req "${AA[@]}" PATCH /api/v1/images/deb '{"kernel":"../../etc/passwd"}'
expect_eq "path traversal kernel: 422" 422 "$ST"
req "${AA[@]}" PATCH /api/v1/images/deb '{"kernel_arm64":"deb/arm64/vmlinuz","initrds_arm64":["deb/arm64/initrd.gz"]}'
expect_eq "patch arm64 files: 200" 200 "$ST"
expect_eq "... kernel_arm64 kept" "deb/arm64/vmlinuz deb/arm64/initrd.gz deb/vmlinuz" \
	"$(jf '[.kernel_arm64, .initrds_arm64[0], .kernel] | join(" ")')"
req "${AA[@]}" PATCH /api/v1/images/deb '{"kernel_arm64":"../../etc/shadow"}'
expect_eq "path traversal kernel_arm64: 422 on its field" "422 kernel_arm64" "$ST $(jf .field)"
req "${AA[@]}" PATCH /api/v1/images/deb '{"initrds_arm64":"x"}'
expect_eq "initrds_arm64 not an array: 422 on its field" "422 initrds_arm64" "$ST $(jf .field)"
req "${AA[@]}" PATCH /api/v1/images/deb '{"kernel_arm64":""}'
expect_eq "initrds_arm64 without kernel_arm64: 422" "422 initrds_arm64" "$ST $(jf .field)"
req "${AA[@]}" GET /api/v1/images/deb
expect_eq "... the arm64 files unchanged" "deb/arm64/vmlinuz" "$(jf .kernel_arm64)"
req "${AA[@]}" POST /api/v1/images/deb
expect_eq "POST on an image: 405" 405 "$ST"
expect_match "405 names the allowed methods" 'GET' "$(header Allow)"

log "-- machines"
req "${AA[@]}" POST /api/v1/machines '{"mac":"52-54-00-AB-CD-02","hostname":"node-2","image":"deb","ip":"198.18.5.2","notes":"rack 1"}'
expect_eq "create: 201" 201 "$ST"
expect_eq "MAC returned canonical" 52:54:00:ab:cd:02 "$(jf .mac)"
expect_eq "state follows image" assigned "$(jf .state)"
req "${AA[@]}" POST /api/v1/machines '{"mac":"525400abcd02"}'
expect_eq "create duplicate (other spelling): 409" 409 "$ST"
req "${AA[@]}" POST /api/v1/machines '{"mac":"not-a-mac"}'
expect_eq "invalid MAC: 422" 422 "$ST"
expect_eq "invalid MAC field" mac "$(jf .field)"
req "${AA[@]}" POST /api/v1/machines '{"mac":"52:54:00:ab:cd:03","image":"nope"}'
expect_eq "unknown image: 422" 422 "$ST"
expect_eq "unknown image field" image "$(jf .field)"
req "${AA[@]}" POST /api/v1/machines '{"mac":"52:54:00:ab:cd:03","ip":"300.1.2.3"}'
expect_eq "invalid ip: 422 on ip" ip "$(jf .field)"
req "${AA[@]}" POST /api/v1/machines '{"mac":"52:54:00:ab:cd:03","ip":"198.18.5.2"}'
expect_eq "address taken: 409 on ip" "409 ip" "$ST $(jf .field)"
req "${AA[@]}" POST /api/v1/machines '{"mac":"52:54:00:ab:cd:03","hostname":"bad_host!"}'
expect_eq "invalid hostname: 422" "422 hostname" "$ST $(jf .field)"
req "${AA[@]}" POST /api/v1/machines '{"mac":"52:54:00:ab:cd:03","netboot":"yes"}'
expect_eq "netboot not a boolean: 422" "422 netboot" "$ST $(jf .field)"
req "${AA[@]}" POST /api/v1/machines '{"mac":"5254.00ab.cd03","hostname":"node-3"}'
expect_eq "create (dotted MAC): 201" "201 52:54:00:ab:cd:03 unassigned" "$ST $(jf .mac) $(jf .state)"
for s in 52:54:00:ab:cd:02 52-54-00-ab-cd-02 525400ABCD02 5254.00ab.cd02; do
	req "${AA[@]}" GET "/api/v1/machines/$s"
	expect_eq "get by $s" "200 node-2" "$ST $(jf .hostname)"
done
req "${AA[@]}" GET /api/v1/machines/52:54:00:ff:ff:ff
expect_eq "get unknown machine: 404" 404 "$ST"
req "${AA[@]}" GET /api/v1/machines/bogus
expect_eq "get malformed MAC: 404" 404 "$ST"
req "${AA[@]}" PATCH /api/v1/machines/52:54:00:ab:cd:03 '{"image":"rescue","boot_file":"snponly.efi","netboot":false}'
expect_eq "patch: 200" "200 rescue snponly.efi false node-3" \
	"$ST $(jf .image) $(jf .boot_file) $(jf .netboot) $(jf .hostname)"
req "${AA[@]}" PATCH /api/v1/machines/52:54:00:ab:cd:03 '{"boot_file":"http://evil/x.efi"}'
expect_eq "boot_file URL refused: 422" "422 boot_file" "$ST $(jf .field)"
req "${AA[@]}" PUT /api/v1/machines/52:54:00:ab:cd:03 '{"hostname":"node-3b"}'
expect_eq "put replaces: image cleared, netboot default on" "200 null true unassigned" \
	"$ST $(jf .image) $(jf .netboot) $(jf .state)"
req "${AA[@]}" PUT /api/v1/machines/52:54:00:ab:cd:03 '{"mac":"52:54:00:ab:cd:04"}'
expect_eq "MAC change refused: 422" 422 "$ST"
req "${AA[@]}" PATCH /api/v1/machines/52:54:00:ff:ff:ff '{"hostname":"x"}'
expect_eq "patch unknown machine: 404" 404 "$ST"
for i in 10 11 12 13 14; do
	req "${AA[@]}" POST /api/v1/machines "{\"mac\":\"52:54:00:00:00:$i\",\"notes\":\"batch\"}"
done
req "${AA[@]}" GET '/api/v1/machines?limit=2&offset=1'
expect_eq "paging: 2 of 7" "2 7 52:54:00:00:00:11" "$(jf '.machines | length') $(jf .total) $(jf '.machines[0].mac')"
req "${AA[@]}" GET '/api/v1/machines?state=assigned'
expect_eq "filter by state" "1 52:54:00:ab:cd:02" "$(jf .total) $(jf '.machines[0].mac')"
req "${AA[@]}" GET '/api/v1/machines?image=deb'
expect_eq "filter by image" 1 "$(jf .total)"
req "${AA[@]}" GET '/api/v1/machines?q=BATCH'
expect_eq "free-text search" 5 "$(jf .total)"
req "${AA[@]}" GET '/api/v1/machines?q=node-3b'
expect_eq "search by hostname" 52:54:00:ab:cd:03 "$(jf '.machines[0].mac')"
req "${AA[@]}" GET '/api/v1/machines?q=5254.00AB.CD03'
expect_eq "search by a MAC in another spelling" "1 52:54:00:ab:cd:03" "$(jf .total) $(jf '.machines[0].mac')"
req "${AA[@]}" GET '/api/v1/machines?state=bogus'
expect_eq "bad state filter: 400" 400 "$ST"
req "${AA[@]}" GET '/api/v1/machines?limit=0'
expect_eq "bad limit: 400" 400 "$ST"
req "${AA[@]}" GET '/api/v1/machines?limit=abc'
expect_eq "non-numeric limit: 400" 400 "$ST"
req "${AA[@]}" POST /api/v1/machines/assign '{"macs":["52:54:00:00:00:10","52-54-00-00-00-11"],"image":"deb"}'
expect_eq "bulk assign: 200" "200 2" "$ST $(jf .assigned)"
req "${AA[@]}" GET '/api/v1/machines?image=deb'
expect_eq "bulk assign applied" 3 "$(jf .total)"
req "${AA[@]}" POST /api/v1/machines/assign '{"macs":["52:54:00:00:00:12","52:54:00:99:99:99"],"image":"deb"}'
expect_eq "bulk assign with an unknown MAC: 422 on mac" "422 mac" "$ST $(jf .field)"
req "${AA[@]}" GET /api/v1/machines/52:54:00:00:00:12
expect_eq "bulk assign is all or nothing" null "$(jf .image)"
req "${AA[@]}" POST /api/v1/machines/assign '{"macs":["52:54:00:00:00:10"],"image":null}'
expect_eq "bulk unassign" 200 "$ST"
req "${AA[@]}" POST /api/v1/machines/assign '{"macs":["zz"],"image":"deb"}'
expect_eq "bulk assign bad MAC: 422" "422 macs" "$ST $(jf .field)"
req "${AV[@]}" POST /api/v1/machines/assign '{"macs":["52:54:00:00:00:10"],"image":"deb"}'
expect_eq "viewer bulk assign: 403" 403 "$ST"
req "${AA[@]}" GET /api/v1/machines/52:54:00:ab:cd:02/script
expect_match "script endpoint renders the boot script" 'image deb for 52:54:00:ab:cd:02' "$(jf .script)"
req "${AA[@]}" DELETE /api/v1/machines/52:54:00:00:00:14
expect_eq "delete: 204" 204 "$ST"
req "${AA[@]}" DELETE /api/v1/machines/52:54:00:00:00:14
expect_eq "delete again: 404" 404 "$ST"
req "${AA[@]}" DELETE /api/v1/machines
expect_eq "DELETE on the collection: 405" 405 "$ST"
req "${AV[@]}" DELETE /api/v1/machines/52:54:00:00:00:13
expect_eq "viewer delete: 403" 403 "$ST"

log "-- image delete while assigned"
req "${AA[@]}" DELETE /api/v1/images/deb
expect_eq "delete assigned image: 409" 409 "$ST"
expect_match "409 names the machines" '52:54:00:ab:cd:02' "$(jf .error)"
req "${AA[@]}" DELETE '/api/v1/images/deb?force=1'
expect_eq "forced delete: 204" 204 "$ST"
req "${AA[@]}" GET /api/v1/machines/52:54:00:ab:cd:02
expect_eq "forced delete unassigned the machine" "null unassigned" "$(jf .image) $(jf .state)"
req "${AA[@]}" POST /api/v1/images "$IMG"

log "-- discovered machines and adoption"
DMAC=52:54:00:ab:cd:09
ip netns exec "$NS" curl -fsS --max-time 5 "$URL/boot/52-54-00-AB-CD-09.ipxe" >"$T/before.ipxe"
check "unknown MAC gets the wait script" grep -q 'has no image assigned' "$T/before.ipxe"
discovered() { req "${AA[@]}" GET /api/v1/discovered && [ "$(jf '.machines[0].mac')" = "$DMAC" ]; }
check "MAC appears under discovered" wait_for 10 discovered
expect_eq "discovered state" discovered "$(jf '.machines[0].state')"
req "${AA[@]}" POST /api/v1/machines/assign "{\"macs\":[\"52:54:00:00:00:12\",\"$DMAC\"],\"image\":null}"
expect_eq "bulk assign never adopts a discovered machine silently: 409 on macs" "409 macs" "$ST $(jf .field)"
expect_match "the 409 names the discovered machine" "1 of the machines is discovered.*$DMAC" "$(jf .error)"
req "${AA[@]}" GET "/api/v1/machines/$DMAC"
expect_eq "the refused bulk assign left it discovered" "discovered null" "$(jf .state) $(jf .image)"
req "${AA[@]}" POST /api/v1/machines/assign "{\"macs\":[\"$DMAC\"],\"image\":\"deb\",\"adopt\":\"yes\"}"
expect_eq "adopt not a boolean: 422" "422 adopt" "$ST $(jf .field)"
req "${AA[@]}" POST "/api/v1/discovered/525400abcd09/adopt" '{"image":"nope"}'
expect_eq "adopt with an unknown image: 422" "422 image" "$ST $(jf .field)"
req "${AV[@]}" POST "/api/v1/discovered/525400abcd09/adopt" '{"image":"deb"}'
expect_eq "viewer adopt: 403" 403 "$ST"
req "${AA[@]}" POST "/api/v1/discovered/525400abcd09/adopt" '{"image":"deb","hostname":"found-1"}'
expect_eq "adopt: 200" "200 assigned deb found-1" "$ST $(jf .state) $(jf .image) $(jf .hostname)"
expect_match "adopt keeps the history" '^20' "$(jf .first_seen)"
ip netns exec "$NS" curl -fsS --max-time 5 "$URL/boot/$DMAC.ipxe" >"$T/after.ipxe"
check "boot script changed to the image" grep -q "image deb for $DMAC" "$T/after.ipxe"
req "${AA[@]}" POST "/api/v1/discovered/$DMAC/adopt" '{"image":"deb"}'
expect_eq "adopt a managed machine: 409" 409 "$ST"
req "${AA[@]}" POST "/api/v1/discovered/52:54:00:77:77:77/adopt" '{"image":"deb"}'
expect_eq "adopt unknown MAC: 404" 404 "$ST"
req "${AA[@]}" GET "/api/v1/discovered/$DMAC/adopt"
expect_eq "GET adopt: 405" 405 "$ST"

log "-- preview (the image editor's live preview)"
req "${AA[@]}" POST /api/v1/preview "{\"mac\":\"$DMAC\",\"image\":{\"name\":\"draft\",\"kernel\":\"deb/vmlinuz\",\"cmdline\":\"host={{hostname}}\"}}"
expect_eq "preview: 200" 200 "$ST"
expect_match "preview renders the unsaved image for that machine" 'host=found-1' "$(jf .script)"
req "${AA[@]}" POST /api/v1/preview "{\"mac\":\"$DMAC\",\"image\":{\"name\":\"draft\",\"script\":\"#!ipxe\\necho {{nope}}\"}}"
expect_eq "bad template: 422 on script" "422 script" "$ST $(jf .field)"
req "${AA[@]}" POST /api/v1/preview "{\"mac\":\"$DMAC\",\"image\":{\"colour\":\"red\"}}"
expect_eq "unknown image field in preview: 422" "422 colour" "$ST $(jf .field)"
req "${AV[@]}" POST /api/v1/preview "{\"mac\":\"$DMAC\"}"
expect_eq "viewer may preview (no state change)" 200 "$ST"
expect_match "preview without image = current script" "image deb for $DMAC" "$(jf .script)"

log "-- leases (rows written as the DHCP server will)"
NOW=$(($(date +%s) * 1000))
sqlite3 "$T/state/bootherd.db" "INSERT INTO lease (ip, mac, subnet, state, starts, ends, hostname) VALUES
	($(( (198 << 24) + (18 << 16) + 5 * 256 + 20 )), '52:54:00:ab:cd:09', 'lab', 'bound', $NOW, $((NOW + 3600000)), 'found-1'),
	($(( (198 << 24) + (18 << 16) + 5 * 256 + 21 )), '52:54:00:ab:cd:02', 'lab', 'offered', $NOW, $((NOW + 60000)), NULL),
	($(( (198 << 24) + (18 << 16) + 6 * 256 + 20 )), '52:54:00:00:00:10', 'lab2', 'bound', $NOW - 7200000, $NOW - 3600000, NULL);"
req "${AA[@]}" GET /api/v1/leases
expect_eq "leases listed" "3 198.18.5.20 52:54:00:ab:cd:09 bound" \
	"$(jf .total) $(jf '.leases[0].ip') $(jf '.leases[0].mac') $(jf '.leases[0].state')"
req "${AA[@]}" GET '/api/v1/leases?state=bound'
expect_eq "leases by state" 2 "$(jf .total)"
req "${AA[@]}" GET '/api/v1/leases?mac=525400ABCD02'
expect_eq "leases by MAC (any spelling)" "1 198.18.5.21" "$(jf .total) $(jf '.leases[0].ip')"
req "${AA[@]}" GET '/api/v1/leases?state=weird'
expect_eq "bad lease state: 400" 400 "$ST"

log "-- events and status"
req "${AA[@]}" GET "/api/v1/events?mac=52-54-00-ab-cd-09"
expect_eq "events by MAC" "script $DMAC" "$(jf '.events[0].stage') $(jf '.events[0].mac')"
req "${AA[@]}" GET "/api/v1/events?since=2999-01-01T00:00:00Z"
expect_eq "events since a future time" 0 "$(jf '.events | length')"
req "${AA[@]}" GET "/api/v1/events?since=$(($(date +%s) * 1000 - 600000))&limit=1"
expect_eq "events since ms, limit" 1 "$(jf '.events | length')"
req "${AA[@]}" GET "/api/v1/events?since=yesterday"
expect_eq "bad since: 400" 400 "$ST"
req "${AA[@]}" GET "/api/v1/events?mac=xyz"
expect_eq "bad mac: 400" 400 "$ST"
req "${AV[@]}" GET /api/v1/status
expect_eq "status" "200 0.1.0 viewer" "$ST $(jf .version) $(jf .auth.role)"
expect_eq "status counters" "1 2" "$(jf .counters.leases_in_use) $(jf .counters.images)"
req "${AV[@]}" HEAD /api/v1/status
expect_eq "HEAD status: 200" 200 "$ST"

log "-- /metrics (open by default)"
req GET /metrics
expect_eq "metrics: 200" 200 "$ST"
expect_match "metrics content type" 'text/plain; version=0.0.4' "$(header Content-Type)"
expect_match "HTTP requests by route and status" 'bootherd_http_requests_total\{route="api_images",status="201"\} [0-9]+' "$B"
expect_match "boots by stage" 'bootherd_boot_stages_total\{stage="script"\} [0-9]+' "$B"
expect_match "leases in use per subnet" 'bootherd_leases_in_use\{subnet="lab"\} 1' "$B"
expect_match "refused transfers counter" 'bootherd_image_transfers_refused_total 0' "$B"
expect_match "DHCP family registered" '# TYPE bootherd_dhcp_packets_total counter' "$B"
expect_match "TFTP bytes" 'bootherd_tftp_bytes_total 0' "$B"

log "-- UI and boot paths share the server"
req GET /
expect_eq "UI index: 200" 200 "$ST"
expect_match "UI is HTML" 'text/html' "$(header Content-Type)"
expect_match "UI has a strict CSP" "script-src 'self'" "$(header Content-Security-Policy)"
expect_match "UI may not be framed" "DENY" "$(header X-Frame-Options)"
req GET /ui/app.js
expect_eq "UI script: 200" 200 "$ST"
ETAG=$(header ETag)
req -H "If-None-Match: $ETAG" GET /ui/app.js
expect_eq "UI asset revalidation: 304" 304 "$ST"
req GET /ui/nope.js
expect_eq "unknown UI asset: 404" 404 "$ST"
req GET /test.efi
expect_eq "boot file map still served at /NAME" "200 MZ-fake-efi" "$ST $B"
req GET /boot.ipxe
expect_eq "boot chain unauthenticated" 200 "$ST"
req GET /nothing-here
expect_eq "unknown top-level name: 404" 404 "$ST"

log "-- login rate limiting"
# Earlier failures in this test count too: within 5 more the limit hits.
n=0
while [ $n -lt 8 ]; do
	req POST /api/v1/login '{"username":"admin","password":"wrong-password"}'
	[ "$ST" = 401 ] || break
	n=$((n + 1))
done
expect_eq "repeated failures end in 429" 429 "$ST"
check "at most 5 failures allowed in a burst" test $n -le 5
req POST /api/v1/login '{"username":"admin","password":"admin-password-1"}'
expect_eq "6th attempt rate-limited: 429 even with the right password" 429 "$ST"
expect_match "429 carries Retry-After" '^[0-9]+$' "$(header Retry-After)"
req "${AC[@]}" GET /api/v1/session
expect_eq "existing sessions unaffected" 200 "$ST"

log "-- CLI: users and tokens"
check "user list" sh -c "$BH user list | grep -q '^vera *viewer'"
check "user list --json" sh -c "$BH user list --json | jq -e '.[0].name == \"admin\"' >/dev/null"
printf 'new-password-2\n' | $BH user passwd admin 2>/dev/null
req "${AC[@]}" GET /api/v1/session
expect_eq "password change ends sessions" 401 "$ST"
$BH user remove vera
check "user removed" sh -c "! $BH user list | grep -q vera"
check "removing an unknown user fails" sh -c "! $BH user remove vera 2>/dev/null"
check "token list --json" sh -c "$BH token list --json | jq -e 'map(.name) == [\"ci\", \"dash\", \"ui\"] or map(.name) == [\"ci\", \"dash\"]' >/dev/null"
check "duplicate token name fails" sh -c "! $BH token create ci 2>/dev/null"
check "bad role fails" sh -c "! $BH token create x --role root 2>/dev/null"
api_check_clean_exit
finish
