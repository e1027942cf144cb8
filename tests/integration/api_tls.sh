#!/usr/bin/env bash
# HTTPS listener ([http] tls_listen): UI and API over TLS with Secure,
# __Host- cookies; plain HTTP keeps serving boot paths but refuses the API
# and redirects the UI; [auth] metrics = token.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/api/helpers.sh"

NS=$(ns_name tls)
ns_add "$NS"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
	-addext "subjectAltName=IP:127.0.0.1" -keyout "$T/key.pem" -out "$T/cert.pem" 2>/dev/null
chmod 600 "$T/key.pem"
cat >"$T/bootherd.conf" <<CONF
[server]
state_dir = $T/state
[http]
listen = 127.0.0.1:8080
tls_listen = 127.0.0.1:8443
tls_cert = $T/cert.pem
tls_key = $T/key.pem
[auth]
metrics = token
session_idle_s = 60
CONF
BH="$BOOTHERD --config $T/bootherd.conf"
printf 'admin-password-1\n' | $BH user add admin 2>/dev/null
TOKEN=$($BH token create prom 2>/dev/null)
URL=http://127.0.0.1:8080
TLS=https://127.0.0.1:8443
api_start "$T/bootherd.conf"
check "HTTPS answers" wait_for 10 ip netns exec "$NS" curl -s -o /dev/null --max-time 2 \
	--cacert "$T/cert.pem" "$TLS/"
check "log names the HTTPS listener" grep -q 'HTTPS listening on 127.0.0.1:8443' "$T/bootherd.log"

CA=(--cacert "$T/cert.pem")
BASE=$TLS req "${CA[@]}" GET /
expect_eq "UI over HTTPS (certificate verified)" 200 "$ST"
BASE=$TLS req "${CA[@]}" -H "Origin: $TLS" POST /api/v1/login '{"username":"admin","password":"admin-password-1"}'
expect_eq "login over HTTPS" 200 "$ST"
COOKIE=$(header Set-Cookie)
expect_match "cookie is Secure with the __Host- prefix" '^__Host-bh_session=[0-9a-f]{64}; Path=/; .*HttpOnly; SameSite=Strict; Secure$' "$COOKIE"
CSRF=$(jf .csrf)
SID=${COOKIE%%;*}
BASE=$TLS req "${CA[@]}" -H "Cookie: $SID" -H "X-CSRF-Token: $CSRF" -H "Origin: $TLS" \
	POST /api/v1/images '{"name":"deb","kernel":"deb/vmlinuz"}'
expect_eq "write over HTTPS with CSRF token" 201 "$ST"
BASE=$TLS req "${CA[@]}" -H "Cookie: $SID" -H "X-CSRF-Token: $CSRF" -H "Origin: $URL" \
	POST /api/v1/images '{"name":"deb2","kernel":"deb/vmlinuz"}'
expect_eq "an http:// Origin is not the https:// site: 403" 403 "$ST"
BASE=$TLS req "${CA[@]}" -H "Cookie: bh_session=${SID#*=}" GET /api/v1/session
expect_eq "the plain cookie name is not accepted over TLS" 401 "$ST"

req -H "Authorization: Bearer $TOKEN" GET /api/v1/images
expect_eq "API on plain HTTP refused when TLS is on: 403" 403 "$ST"
expect_match "refusal names the HTTPS port" '8443' "$(jf .error)"
req GET /
expect_eq "UI on plain HTTP redirects: 308" 308 "$ST"
expect_eq "redirect target" "$TLS/" "$(header Location)"
req GET /boot.ipxe
expect_eq "boot path stays on plain HTTP" 200 "$ST"
expect_match "boot chain points at plain HTTP" "replace $URL/boot/" "$B"
BASE=$TLS req "${CA[@]}" -H "Cookie: $SID" -H "X-CSRF-Token: $CSRF" -H "Origin: $TLS" \
	POST /api/v1/preview '{"mac":"52:54:00:00:00:01","image":{"name":"x","kernel":"x/vmlinuz"}}'
expect_match "preview over HTTPS shows the plain-HTTP boot URLs" "kernel $URL/images/x/vmlinuz" "$(jf .script)"

req GET /metrics
expect_eq "metrics = token: anonymous 401" 401 "$ST"
req -H "Authorization: Bearer bht_$(printf '%064d' 1)" GET /metrics
expect_eq "metrics = token: bad token 401" 401 "$ST"
req -H "Authorization: Bearer $TOKEN" GET /metrics
expect_eq "metrics = token: viewer token 200" 200 "$ST"
expect_match "metrics body" 'bootherd_http_requests_total' "$B"

api_check_clean_exit
sed -i 's/^metrics = token/metrics = sometimes/' "$T/bootherd.conf"
check "bad [auth] metrics value refused at start" sh -c "timeout 5 $BH serve 2>&1 | grep -q 'expected open or token'"
sed -i 's/^metrics = sometimes/metrics = open/; s|^tls_key = .*|tls_key = /nonexistent.pem|' "$T/bootherd.conf"
check "missing TLS key refused at start" sh -c "! ip netns exec $NS timeout 5 $BH serve 2>$T/err.log && grep -q 'tls_key /nonexistent.pem' $T/err.log"
finish
