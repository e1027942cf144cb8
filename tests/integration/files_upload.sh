#!/usr/bin/env bash
# The images root through the API (issue 13 item 8): listing with cached
# SHA-256 digests, and uploads — streamed to disk (a 200 MB file while the
# daemon's peak RSS stays low), atomic (an interrupted upload leaves no
# file), size-limited (413 before the body is read), admin-only (403),
# refusing to overwrite (409) and every path escape (403).  bootherd runs
# in a private network namespace, reached on its loopback.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/api/helpers.sh"

NS=$(ns_name files)
ns_add "$NS"
URL=http://127.0.0.1:8080
IMG=$T/state/images
mkdir -p "$IMG/deb" "$IMG/readonly" "$T/outside"
echo kernel >"$IMG/deb/vmlinuz"
echo secret >"$T/outside/secret"
ln -s ../../outside "$IMG/deb/escape"
# The daemon serves as the user bootherd: it may write the images root,
# except readonly/.
chown -R bootherd: "$IMG"
chown root: "$IMG/readonly"
write_conf() {
	cat >"$T/bootherd.conf" <<CONF
[server]
state_dir = $T/state
[http]
listen = 127.0.0.1:8080
[tftp]
enabled = false
[images]
upload_max = 300000000
$1
CONF
}
write_conf ""
BH="$BOOTHERD --config $T/bootherd.conf"
$BH init
ADMIN=$($BH token create ci --role admin 2>/dev/null)
VIEWER=$($BH token create dash 2>/dev/null)
AA=(-H "Authorization: Bearer $ADMIN")
AV=(-H "Authorization: Bearer $VIEWER")
api_start "$T/bootherd.conf"

# put FILE PATH [curl args...]: PUT FILE to /api/v1/files?path=PATH as admin.
put() {
	local file=$1 path=$2
	shift 2
	ST=$(ip netns exec "$NS" curl -sS --max-time 120 -o "$T/resp" -w '%{http_code}' \
		"${AA[@]}" -H 'Content-Type: application/octet-stream' "$@" -T "$file" \
		"$URL/api/v1/files?path=$path") || ST=000
	B=$(cat "$T/resp")
}
leftovers() { find "$IMG" -name '.upload-*' | wc -l; }

log "-- listing"
req "${AV[@]}" GET "/api/v1/files"
expect_eq "root listing: 200" 200 "$ST"
expect_eq "directories first" "deb readonly" "$(jf '[.entries[].name] | join(" ")')"
expect_eq "upload is on by default" true "$(jf .upload)"
req "${AV[@]}" GET "/api/v1/files?path=deb/"
expect_eq "deb: 200" 200 "$ST"
expect_eq "vmlinuz size" 7 "$(jf '.entries[] | select(.name=="vmlinuz") | .size')"
expect_eq "listing does not hash" null "$(jf '.entries[] | select(.name=="vmlinuz") | .sha256')"
expect_eq "a symlink is listed as such" symlink "$(jf '.entries[] | select(.name=="escape") | .type')"
req "${AV[@]}" GET "/api/v1/files?path=readonly"
expect_eq "an empty directory" 0 "$(jf '.entries | length')"
WANT=$(sha256sum "$IMG/deb/vmlinuz" | cut -d' ' -f1)
req "${AV[@]}" GET "/api/v1/files/sha256?path=deb/vmlinuz"
expect_eq "sha256 on request" "$WANT" "$(jf .sha256)"
req "${AV[@]}" GET "/api/v1/files?path=deb"
expect_eq "then cached in the listing" "$WANT" "$(jf '.entries[] | select(.name=="vmlinuz") | .sha256')"
echo changed >"$IMG/deb/vmlinuz"
req "${AV[@]}" GET "/api/v1/files?path=deb"
expect_eq "a changed file's digest is forgotten" null "$(jf '.entries[] | select(.name=="vmlinuz") | .sha256')"

log "-- traversal: nothing outside the root, whatever the spelling"
for p in .. ../ deb/../.. deb/escape deb/escape/secret %2e%2e/outside deb/%2e%2e/%2e%2e; do
	req "${AV[@]}" GET "/api/v1/files?path=$p"
	expect_eq "list $p: 403" 403 "$ST"
done
req "${AV[@]}" GET "/api/v1/files/sha256?path=deb/escape/secret"
expect_eq "sha256 through a symlink: 403" 403 "$ST"
req "${AV[@]}" GET "/api/v1/files?path=/etc"
expect_eq "/etc is the root's etc (absent): 404" 404 "$ST"
printf 'x' >"$T/small"
for p in ../evil deb/../../evil deb/escape/evil %2e%2e/evil; do
	put "$T/small" "$p"
	expect_eq "upload to $p: 403" 403 "$ST"
done
for p in deb/ deb/.hidden "a%20b" ""; do
	put "$T/small" "$p"
	expect_eq "upload to '$p': 400" 400 "$ST"
done
# A path too long is refused whole, never cut short to another name.
LONG="deb/$(head -c 1100 /dev/zero | tr '\0' a)"
req "${AV[@]}" GET "/api/v1/files?path=$LONG"
expect_eq "list with a 1,104-byte path: 400" 400 "$ST"
put "$T/small" "$LONG"
expect_eq "upload to a 1,104-byte path: 400" 400 "$ST"
check "nothing written outside" sh -c "[ ! -e '$T/evil' ] && [ ! -e '$T/state/evil' ] && [ ! -e '$T/outside/evil' ]"

log "-- who may upload"
ST=$(ip netns exec "$NS" curl -sS -o /dev/null -w '%{http_code}' "${AV[@]}" -T "$T/small" \
	"$URL/api/v1/files?path=deb/v") || true
expect_eq "viewer: 403" 403 "$ST"
ST=$(ip netns exec "$NS" curl -sS -o /dev/null -w '%{http_code}' -T "$T/small" \
	"$URL/api/v1/files?path=deb/v") || true
expect_eq "anonymous: 401" 401 "$ST"
put "$T/small" readonly/x
expect_eq "directory the server cannot write: 403" 403 "$ST"
expect_match "... saying why" "cannot write" "$(jf .error)"
check "no file from refused uploads" sh -c "[ ! -e '$IMG/deb/v' ] && [ ! -e '$IMG/readonly/x' ]"

log "-- a 200 MB upload streams to disk"
truncate -s 200M "$T/big"
printf 'head' | dd of="$T/big" conv=notrunc status=none
printf 'tail' | dd of="$T/big" bs=1 seek=$((200 * 1024 * 1024 - 4)) conv=notrunc status=none
BIGSUM=$(sha256sum "$T/big" | cut -d' ' -f1)
hwm() { awk '/^VmHWM/ {print $2}' "/proc/$BH_PID/status"; }
BEFORE=$(hwm)
put "$T/big" deb/big.img
expect_eq "upload: 201" 201 "$ST"
AFTER=$(hwm)
log "peak RSS: ${BEFORE} kB before, ${AFTER} kB after the 200 MB upload"
check "peak RSS grew by less than 32 MB" test $((AFTER - BEFORE)) -lt 32768
expect_eq "stored whole" $((200 * 1024 * 1024)) "$(stat -c %s "$IMG/deb/big.img")"
check "stored intact" cmp -s "$T/big" "$IMG/deb/big.img"
expect_eq "digest in the answer" "$BIGSUM" "$(jf .sha256)"
req "${AV[@]}" GET "/api/v1/files?path=deb"
expect_eq "digest known to the listing at once" "$BIGSUM" \
	"$(jf '.entries[] | select(.name=="big.img") | .sha256')"
expect_eq "no temporary file left" 0 "$(leftovers)"

: >"$T/empty"
put "$T/empty" deb/empty.img
expect_eq "an empty file (no body at all): 201" 201 "$ST"
expect_eq "... stored empty" 0 "$(stat -c %s "$IMG/deb/empty.img")"

log "-- overwrite only when asked"
put "$T/small" deb/big.img
expect_eq "existing file: 409" 409 "$ST"
expect_match "... says how" "overwrite=1" "$(jf .error)"
expect_eq "kept" $((200 * 1024 * 1024)) "$(stat -c %s "$IMG/deb/big.img")"
put "$T/small" "deb/big.img&overwrite=1"
expect_eq "overwrite=1: 201" 201 "$ST"
expect_eq "replaced" 1 "$(stat -c %s "$IMG/deb/big.img")"
put "$T/small" "deb&overwrite=1"
expect_eq "a directory is never replaced: 409" 409 "$ST"

log "-- the audit log records each stored upload, and nothing refused"
req "${AA[@]}" GET "/api/v1/audit?object=deb/big.img"
expect_eq "two entries: the upload and the replacement (not the 409)" \
	"file.replace file.upload" "$(jf '[.entries[].action] | join(" ")')"
expect_eq "... by the token" "token:ci token:ci" "$(jf '[.entries[].actor] | join(" ")')"
expect_eq "the upload: no before, its size and digest after" "null $((200 * 1024 * 1024)) $BIGSUM" \
	"$(jf '.entries[1] | "\(.before) \(.after.size) \(.after.sha256)"')"
expect_eq "the replacement: the old size before, the new digest after" \
	"$((200 * 1024 * 1024)) 1 $(sha256sum "$T/small" | cut -d' ' -f1)" \
	"$(jf '.entries[0] | "\(.before.size) \(.after.size) \(.after.sha256)"')"
req "${AA[@]}" GET "/api/v1/audit?object=deb"
expect_eq "audit query: 200" 200 "$ST"
expect_eq "the refused directory replacement: not recorded" 0 "$(jf '.entries | length')"
expect_eq "bootherd audit shows it too" 1 \
	"$($BH audit --object deb/big.img 2>/dev/null | grep -c 'file.replace')"

log "-- the size limit"
truncate -s 400M "$T/huge"
put "$T/huge" deb/huge.img
expect_eq "over [images] upload_max: 413" 413 "$ST"
expect_match "... naming the knob" "upload_max" "$(jf .error)"
ST=$(ip netns exec "$NS" curl -sS -o "$T/resp" -w '%{http_code}' "${AA[@]}" \
	-H 'Transfer-Encoding: chunked' -T "$T/huge" "$URL/api/v1/files?path=deb/chunked.img") || ST=000
check "chunked over the limit: refused" test "$ST" != 201
check "no file from refused uploads" sh -c "[ ! -e '$IMG/deb/huge.img' ] && [ ! -e '$IMG/deb/chunked.img' ]"
wait_for 10 sh -c "[ \$(find '$IMG' -name '.upload-*' | wc -l) -eq 0 ]" || true
expect_eq "no temporary file left" 0 "$(leftovers)"

log "-- an interrupted upload leaves nothing"
ip netns exec "$NS" curl -sS -o /dev/null --max-time 2 --limit-rate 1M "${AA[@]}" -T "$T/big" \
	"$URL/api/v1/files?path=deb/partial.img" 2>/dev/null || true
wait_for 10 sh -c "[ \$(find '$IMG' -name '.upload-*' | wc -l) -eq 0 ]" || true
expect_eq "no temporary file left" 0 "$(leftovers)"
check "no partial file" test ! -e "$IMG/deb/partial.img"
check "the daemon says so" grep -q "upload of deb/partial.img not completed" "$T/bootherd.log"

log "-- [images] upload = off"
api_stop
write_conf "upload = off"
api_start "$T/bootherd.conf"
put "$T/small" deb/off.img
expect_eq "uploads off: 403" 403 "$ST"
expect_match "... naming the knob" "upload = off" "$(jf .error)"
req "${AV[@]}" GET "/api/v1/files"
expect_eq "listing says so" false "$(jf .upload)"
api_check_clean_exit
finish
