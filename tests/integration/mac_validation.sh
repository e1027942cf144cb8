#!/usr/bin/env bash
# MAC validation (issue 12): broadcast, all-zero and multicast MACs are not
# machines.  The CLI and the API refuse them with a clear error (API: 422,
# JSON naming the field); boot requests for them create no discovered machine.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/_daemon.sh"
in_private_netns "$@"

PORT=$(free_port)
write_config "$T/bh.conf" "$PORT"
BH=("$BOOTHERD" --config "$T/bh.conf")
"${BH[@]}" init >/dev/null 2>&1 || true

for m in ff:ff:ff:ff:ff:ff 00:00:00:00:00:00 01:00:5e:00:00:01 33-33-00-00-00-01; do
	rc=0
	"${BH[@]}" machine add "$m" >"$T/out" 2>"$T/err" || rc=$?
	expect_eq "CLI: machine add $m refused" 1 "$rc"
	check "CLI: $m: one line saying why" sh -c "[ \$(wc -l <'$T/err') = 1 ] && grep -q \"not a machine's address\" '$T/err'"
done
check "CLI: a unicast MAC is accepted" "${BH[@]}" machine add 52:54:00:00:00:01

ADMIN=$("${BH[@]}" token create ci --role admin 2>/dev/null)
start_daemon "$T/bh.conf"
U="http://127.0.0.1:$PORT"
for m in ff:ff:ff:ff:ff:ff 00:00:00:00:00:00 01:00:5e:00:00:01; do
	code=$(curl -s -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $ADMIN" \
		-H 'Content-Type: application/json' -d "{\"mac\":\"$m\"}" "$U/api/v1/machines")
	expect_eq "API: POST machine $m is 422 (validation, docs/api.md)" 422 "$code"
	check "API: $m: JSON error naming the field" python3 -c "
import json,sys; j=json.load(open('$T/body'))
sys.exit(0 if j.get('field')=='mac' and \"not a machine's address\" in j.get('error','') else 1)"
done

# Boot paths: scripts for such MACs create no discovered machine (the
# event writer runs once a second).
for m in ff:ff:ff:ff:ff:ff 00:00:00:00:00:00 01:00:5e:00:00:01 52:54:00:00:00:02; do
	curl -s -o /dev/null "$U/boot/$m.ipxe"
done
sleep 2.5
list=$(curl -s -H "Authorization: Bearer $ADMIN" "$U/api/v1/machines?limit=100")
check "the unicast MAC was discovered" grep -q '52:54:00:00:00:02' <<<"$list"
check "no broadcast/zero/multicast machine exists" sh -c "! grep -qE 'ff:ff:ff:ff:ff:ff|00:00:00:00:00:00|01:00:5e' <<'EOF2'
$list
EOF2"
stop_daemon
finish
