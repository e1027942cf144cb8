# Helpers for the REST API tests (source after lib.sh).  Every request runs
# inside the test's network namespace $NS against $URL.
#
#   req [curl args...] METHOD PATH [JSON]   sets ST (status), B (body), H (headers)
#   jf FILTER                               jq over $B (raw output)

# api_start CONF: starts bootherd in $NS and waits until it answers.
api_start() {
	ip netns exec "$NS" "$BOOTHERD" --config "$1" serve 2>>"$T/bootherd.log" &
	BH_PID=$!
	on_exit "kill $BH_PID 2>/dev/null; wait $BH_PID"
	wait_for 10 ip netns exec "$NS" curl -s -o /dev/null --max-time 2 "${2:-$URL}/boot.ipxe" -k
}

api_stop() {
	kill "$BH_PID" 2>/dev/null || true
	wait "$BH_PID" 2>/dev/null || true
}

req() {
	local args=()
	while [ $# -gt 0 ] && [[ $1 == -* ]]; do
		args+=("$1")
		if [[ $1 != -k ]]; then
			args+=("$2")
			shift
		fi
		shift
	done
	local method=$1 path=$2
	if [ $# -ge 3 ]; then
		printf '%s' "$3" >"$T/req.json"
		args+=(-H 'Content-Type: application/json' --data-binary "@$T/req.json")
	fi
	if [ "$method" = HEAD ]; then args+=(-I); else args+=(-X "$method"); fi
	ST=$(ip netns exec "$NS" curl -sS --max-time 10 -o "$T/resp" -D "$T/hdrs" \
		-w '%{http_code}' "${args[@]}" "${BASE:-$URL}$path") || ST=000
	B=$(cat "$T/resp")
	H=$(tr -d '\r' <"$T/hdrs")
}

jf() { jq -r "$1" <<<"$B" 2>/dev/null; }

# header NAME: value of a response header of the last request.
header() { grep -i "^$1:" <<<"$H" | head -n1 | cut -d' ' -f2-; }

# Stops the daemon and checks its log for sanitizer reports (ASan/UBSan
# builds: BOOTHERD=build-asan/bootherd).
api_check_clean_exit() {
	api_stop
	check "daemon log has no sanitizer reports" \
		sh -c "! grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' '$T/bootherd.log'"
}
