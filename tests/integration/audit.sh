#!/usr/bin/env bash
# Administration and the audit log: /api/v1/users and /tokens (admin only;
# the token secret shown once; the last admin kept; a revoked token
# refused), and every change made through the API (a session, a token) and
# the CLI shows up in /api/v1/audit and `bootherd audit` with its actor and
# before -> after.  bootherd runs in a private network namespace.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/api/helpers.sh"

NS=$(ns_name audit)
ns_add "$NS"
URL=http://127.0.0.1:8080
ORIGIN=(-H "Origin: $URL")
mkdir -p "$T/state/images/deb"
cat >"$T/bootherd.conf" <<CONF
[server]
state_dir = $T/state
[http]
listen = 127.0.0.1:8080
[auth]
login_refill_s = 3600
CONF
BH="$BOOTHERD --config $T/bootherd.conf"
api_start "$T/bootherd.conf"
ME=$(id -un)

printf 'admin-password-1\n' | $BH user add admin 2>/dev/null
ADMIN=$($BH token create ci --role admin 2>/dev/null)
VIEWER=$($BH token create dash 2>/dev/null)
AA=(-H "Authorization: Bearer $ADMIN")
AV=(-H "Authorization: Bearer $VIEWER")

log "-- administration is for admins only"
for p in users tokens audit; do
	req "${AV[@]}" GET /api/v1/$p
	expect_eq "viewer token GET /$p: 403" 403 "$ST"
	expect_match "403 says why" 'viewer role' "$(jf .error)"
	req GET /api/v1/$p
	expect_eq "anonymous GET /$p: 401" 401 "$ST"
done
req "${AV[@]}" POST /api/v1/users '{"name":"eve","password":"eve-password-1","role":"admin"}'
expect_eq "viewer creates a user: 403" 403 "$ST"

log "-- users through the API"
req "${AA[@]}" POST /api/v1/users '{"name":"bob","password":"bob-password-1","role":"viewer"}'
expect_eq "create user: 201" 201 "$ST"
expect_eq "created as viewer" viewer "$(jf .role)"
check "no password hash in the reply" sh -c "! grep -q argon2 '$T/resp'"
req "${AA[@]}" POST /api/v1/users '{"name":"bob","password":"bob-password-1"}'
expect_eq "duplicate user: 409" 409 "$ST"
req "${AA[@]}" POST /api/v1/users '{"name":"shorty","password":"short"}'
expect_eq "short password: 422" 422 "$ST"
expect_eq "names the field" password "$(jf .field)"
req "${AA[@]}" POST /api/v1/users '{"name":"x","password":"long-enough-1","role":"root"}'
expect_eq "bad role: 422" 422 "$ST"
req "${AA[@]}" POST /api/v1/users '{"name":"x","password":"long-enough-1","admin":true}'
expect_eq "unknown field: 400/422" true "$([[ $ST == 400 || $ST == 422 ]] && echo true)"
req "${AA[@]}" GET /api/v1/users
expect_eq "list users" "admin bob" "$(jf '[.users[].name] | join(" ")')"
req "${AA[@]}" PATCH /api/v1/users/admin '{"role":"viewer"}'
expect_eq "demote the last admin: 409" 409 "$ST"
expect_match "says why" 'last admin' "$(jf .error)"
req "${AA[@]}" DELETE /api/v1/users/admin
expect_eq "remove the last admin: 409" 409 "$ST"
req "${AA[@]}" PATCH /api/v1/users/bob '{"role":"admin"}'
expect_eq "promote bob: 200" 200 "$ST"
check "CLI sees the new role" sh -c "$BH user list | grep -q '^bob *admin'"
req "${AA[@]}" PATCH /api/v1/users/bob '{"password":"bob-password-2"}'
expect_eq "reset bob's password: 200" 200 "$ST"
req POST /api/v1/login '{"username":"bob","password":"bob-password-1"}'
expect_eq "old password refused" 401 "$ST"
req POST /api/v1/login '{"username":"bob","password":"bob-password-2"}'
expect_eq "new password works" 200 "$ST"
CSRF=$(jf .csrf)
SID=$(header Set-Cookie)
AC=(-H "Cookie: ${SID%%;*}" -H "X-CSRF-Token: $CSRF" "${ORIGIN[@]}")
req "${AA[@]}" PATCH /api/v1/users/nobody '{"role":"admin"}'
expect_eq "unknown user: 404" 404 "$ST"

log "-- tokens through the API: the secret once, only its hash kept"
req "${AC[@]}" POST /api/v1/tokens '{"name":"deploy","role":"admin"}'
expect_eq "create token (bob's session): 201" 201 "$ST"
DEPLOY=$(jf .token)
expect_match "secret returned" '^bht_[0-9a-f]{64}$' "$DEPLOY"
req "${AA[@]}" GET /api/v1/tokens
expect_eq "token listed" true "$(jf '[.tokens[].name] | index("deploy") != null')"
check "list holds no secret" sh -c "! grep -q '${DEPLOY:4:20}' '$T/resp'"
check "database holds no secret" sh -c "! sqlite3 $T/state/bootherd.db 'select hex(hash), name from token' | grep -qi ${DEPLOY:4:16}"
req -H "Authorization: Bearer $DEPLOY" POST /api/v1/images '{"name":"deb","kernel":"deb/vmlinuz"}'
expect_eq "new token works: 201" 201 "$ST"
req "${AC[@]}" DELETE /api/v1/tokens/deploy
expect_eq "revoke: 204" 204 "$ST"
req -H "Authorization: Bearer $DEPLOY" GET /api/v1/images
expect_eq "revoked token refused: 401" 401 "$ST"
req "${AA[@]}" DELETE /api/v1/tokens/deploy
expect_eq "revoke again: 404" 404 "$ST"

log "-- changes through the API and the CLI, in the audit log"
req "${AA[@]}" POST /api/v1/machines '{"mac":"52:54:00:aa:00:01","hostname":"n1"}'
expect_eq "machine added (token ci)" 201 "$ST"
req "${AC[@]}" POST /api/v1/machines/assign '{"image":"deb","macs":["52:54:00:aa:00:01"]}'
expect_eq "bulk assign (bob's session)" 200 "$ST"
# A machine that tried to boot is discovered (not audited: the daemon's own
# write), then adopted through the API (audited, before = discovered).
ip netns exec "$NS" curl -fsS --max-time 5 -o /dev/null "$URL/boot/52-54-00-aa-00-02.ipxe"
check "machine discovered" wait_for 10 sh -c \
	"ip netns exec $NS curl -fsS --max-time 2 -H 'Authorization: Bearer $ADMIN' $URL/api/v1/discovered | grep -q 52:54:00:aa:00:02"
req "${AC[@]}" POST /api/v1/discovered/52:54:00:aa:00:02/adopt '{"image":"deb","hostname":"n2"}'
expect_eq "adopted (bob's session)" true "$([[ $ST == 200 || $ST == 201 ]] && echo true)"
$BH machine edit 52:54:00:aa:00:01 --hostname n1-renamed
$BH image edit deb --cmdline quiet 2>/dev/null

req "${AA[@]}" GET '/api/v1/audit?limit=1000'
expect_eq "audit: 200" 200 "$ST"
row() { jq -c "[.entries[] | select(.action == \"$1\" and .object == \"$2\")][0]" <<<"$B"; }
expect_eq "user create by the token" '"token:ci"' "$(row user.create bob | jq .actor)"
expect_eq "role change before -> after" '[{"role":"viewer"},{"role":"admin"}]' \
	"$(row user.role bob | jq -c '[.before, .after]')"
expect_eq "password reset recorded, no secret" '{"password":"changed"}' "$(row user.password bob | jq -c .after)"
expect_eq "token create by bob's session" '"bob"' "$(row token.create deploy | jq .actor)"
expect_eq "token revoke by bob" '"bob"' "$(row token.revoke deploy | jq .actor)"
expect_eq "image create by the deploy token" '"token:deploy"' "$(row image.create deb | jq .actor)"
expect_eq "machine create by token ci" '"token:ci"' "$(row machine.create 52:54:00:aa:00:01 | jq .actor)"
expect_eq "bulk assign: actor bob, image null -> deb" '"bob" null "deb"' \
	"$(row machine.assign 52:54:00:aa:00:01 | jq -c '.actor, .before.image, .after.image' | tr '\n' ' ' | sed 's/ $//')"
expect_eq "adopt: bob, discovered -> assigned" '"bob" "discovered" "assigned"' \
	"$(row machine.adopt 52:54:00:aa:00:02 | jq -c '.actor, .before.state, .after.state' | tr '\n' ' ' | sed 's/ $//')"
expect_eq "discovery itself is not an administrative change" 1 \
	"$(jq '[.entries[] | select(.object == "52:54:00:aa:00:02")] | length' <<<"$B")"
expect_eq "CLI edit: actor cli:$ME, hostname n1 -> n1-renamed" "\"cli:$ME\" \"n1\" \"n1-renamed\"" \
	"$(row machine.update 52:54:00:aa:00:01 | jq -c '.actor, .before.hostname, .after.hostname' | tr '\n' ' ' | sed 's/ $//')"
expect_eq "CLI image edit: cmdline '' -> quiet" '"" "quiet"' \
	"$(row image.update deb | jq -c '.before.cmdline, .after.cmdline' | tr '\n' ' ' | sed 's/ $//')"
expect_eq "refused changes are not recorded" 0 "$(jq '[.entries[] | select(.action != "user.create" and .object == "admin" or .object == "nobody" or .object == "shorty" or .object == "x")] | length' <<<"$B")"
expect_eq "newest first" true "$(jq '[.entries[].id] as $i | $i == ($i | sort | reverse)' <<<"$B")"

req "${AA[@]}" GET "/api/v1/audit?actor=bob&limit=2"
expect_eq "filter by actor, paged" "2 4 bob" "$(jf '[(.entries | length), .total, (.entries | map(.actor) | unique | join(","))] | join(" ")')"
req "${AA[@]}" GET "/api/v1/audit?since=2999-01-01T00:00:00Z"
expect_eq "since the future: nothing" 0 "$(jf .total)"
req "${AA[@]}" GET "/api/v1/audit?since=yesterday"
expect_eq "bad since: 400" 400 "$ST"

log "-- bootherd audit"
check "audit --help" sh -c "$BH audit --help | grep -q -- '--since'"
OUT=$($BH audit --limit 1000)
check "CLI shows the bulk assign by bob, field by field" grep -qE 'bob +machine.assign +52:54:00:aa:00:01 +image: null -> "deb", state: "unassigned" -> "assigned"$' <<<"$OUT"
check "CLI shows a creation whole" grep -qE 'token:ci +user.create +bob +- -> \{"role":"viewer"\}$' <<<"$OUT"
check "CLI shows its own edit" grep -qE "cli:$ME +machine.update +52:54:00:aa:00:01" <<<"$OUT"
expect_eq "--user filters" "token:deploy" "$($BH audit --user token:deploy --json | jq -r '.entries | map(.actor) | unique | join(",")')"
expect_eq "--object filters" 3 "$($BH audit --object 52:54:00:aa:00:01 --json | jq '.total')"
expect_eq "--since 1h keeps all" "$($BH audit --json | jq .total)" "$($BH audit --since 1h --json | jq .total)"
expect_eq "--since in the future: none" 0 "$($BH audit --since 2999-01-01T00:00:00Z --json | jq .total)"
expect_eq "--limit" 2 "$($BH audit --limit 2 --json | jq '.entries | length')"
check "bad --limit refused" sh -c "! $BH audit --limit 0 2>/dev/null"
check "bad --since refused" sh -c "! $BH audit --since soon 2>/dev/null"
$BH token revoke dash
expect_eq "CLI revoke recorded as cli:$ME" "cli:$ME" "$($BH audit --object dash --json | jq -r '.entries[0].actor')"
req "${AV[@]}" GET /api/v1/status
expect_eq "token revoked by the CLI is refused: 401" 401 "$ST"

api_check_clean_exit
finish
