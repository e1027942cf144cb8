#!/usr/bin/env bash
# bench/http/run.sh: bootherd's HTTP side by side with nginx, in one run, on
# loopback.  nginx (Debian nginx-light, started by hand in the foreground with
# its own config in a temp dir, never as a host service) serves the same bytes
# as static files: the hand-written per-MAC scripts of the seed's approach,
# pre-rendered here from bootherd itself, and the same image files.
#
#   (a) wrk on /boot/<mac>.ipxe, 1,000 machines in the store (a Lua script
#       spreads requests over the 1,000 MACs), keep-alive and Connection: close
#   (b) a 512 MiB image, 1 client and 16 clients (MiB/s)
#   (c) boot storm: 500 clients at once, each GETs its script then a 16 MiB
#       kernel on one keep-alive connection (wall time, failures)
#
# Each measurement runs REPS times, nginx and bootherd alternating, and the
# median is reported with the ratio bootherd/nginx (for the storm,
# nginx/bootherd wall time, so > 1 is always "bootherd better").
#
# Usage: bench/http/run.sh [-h]   (from the repository root, after a build)
# Environment (defaults in brackets):
#   BOOTHERD [build/bootherd]  REPS [3]  DURATION [10] seconds per wrk/fetch run
#   THREADS [2] server threads (nginx worker_processes = bootherd [http] threads)
#   WRK_THREADS [2]  WRK_CONNS [64]  FETCH_CLIENTS ["1 16"]  STORM_CLIENTS [500]
#   PARTS [abc]  PORT [18080] (bootherd; nginx uses PORT+1)
#   MAX_IMAGE_TRANSFERS [4096] bootherd's [http] max_image_transfers (its
#   default, 256, answers the rest of a 500-client storm 503 + Retry-After)
#   COPY=1: the (b)/(c) client copies bodies to user space (default: drops
#   them in the kernel with MSG_TRUNC, so the client's copy does not hide
#   the servers' cost; both servers get the same client either way)
#   KEEP=1 keeps the temp dir;  RESULTS=FILE also writes the summary there.
set -euo pipefail

if [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
	sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
	exit 0
fi

here=$(cd "$(dirname "$0")" && pwd)
BOOTHERD=$(realpath "${BOOTHERD:-build/bootherd}")
REPS=${REPS:-3}
DURATION=${DURATION:-10}
THREADS=${THREADS:-2}
WRK_THREADS=${WRK_THREADS:-2}
WRK_CONNS=${WRK_CONNS:-64}
FETCH_CLIENTS=${FETCH_CLIENTS:-"1 16"}
STORM_CLIENTS=${STORM_CLIENTS:-500}
PARTS=${PARTS:-abc}
PORT=${PORT:-18080}
MAX_IMAGE_TRANSFERS=${MAX_IMAGE_TRANSFERS:-4096}
NPORT=$((PORT + 1))
MACHINES=1000
BIG_MIB=512
KERNEL_MIB=16

for tool in wrk nginx python3 curl; do
	command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] ||
		{ echo "run.sh: $tool missing (scripts/deps.sh bench test)" >&2; exit 1; }
done
[ -x "$BOOTHERD" ] || { echo "run.sh: $BOOTHERD not built (ninja -C build)" >&2; exit 1; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

T=$(mktemp -d /tmp/bench-http.XXXXXX)
chmod 755 "$T" # reachable by the user bootherd serve switches to
chmod 755 "$T"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	if [ "${KEEP:-0}" = 1 ]; then echo "kept $T" >&2; else rm -rf "$T"; fi
}
trap cleanup EXIT

log() { printf '%s\n' "$*" >&2; }
out() { printf '%s\n' "$*" | tee -a "$T/summary"; }
load1() { cut -d' ' -f1 /proc/loadavg; }

# Waits until something answers HTTP on port $1 (bounded: 10 s).
wait_port() {
	for _ in $(seq 100); do
		curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0
		sleep 0.1
	done
	log "run.sh: nothing listens on port $1"
	return 1
}

# ---- data: images, store, machines ----
setup_data() {
	mkdir -p "$T/state" "$T/images" "$T/www/boot" "$T/nginx"
	log "setup: ${BIG_MIB} MiB image, ${KERNEL_MIB} MiB kernel, $MACHINES machines"
	head -c "${BIG_MIB}M" /dev/urandom >"$T/images/big.img"
	head -c "${KERNEL_MIB}M" /dev/urandom >"$T/images/vmlinuz"
	head -c 1M /dev/urandom >"$T/images/initrd.img"
	chmod 644 "$T/images/"*

	cat >"$T/bootherd.conf" <<-EOF
		[server]
		state_dir = $T/state
		log_level = warn
		[http]
		listen = 127.0.0.1:$PORT
		threads = $THREADS
		# Default: a storm of $STORM_CLIENTS does not meet the 503 cap (nginx has none).
		max_image_transfers = $MAX_IMAGE_TRANSFERS
		[images]
		root = $T/images
		# HTTP only: TFTP (on by default, UDP 69) is not measured here.
		[tftp]
		enabled = false
	EOF
	local bh=("$BOOTHERD" --config "$T/bootherd.conf")
	"${bh[@]}" image add bench --kernel vmlinuz --initrd initrd.img \
		--cmdline 'console=ttyS0,115200n8 ip=dhcp hostname={{hostname}} BOOTIF=01-{{mac_hyphen}} root=live:{{images_url}}/rootfs.squashfs' \
		--description 'bench image' >/dev/null
	: >"$T/macs"
	for i in $(seq 0 $((MACHINES - 1))); do
		printf '52:54:00:00:%02x:%02x\n' $((i / 256)) $((i % 256)) >>"$T/macs"
	done
	local i=0
	while read -r mac; do
		i=$((i + 1))
		"${bh[@]}" machine add "$mac" --image bench --hostname "node$(printf %04d $i)" \
			--ip "198.18.$((i / 250)).$((i % 250 + 1))" >/dev/null 2>"$T/add.err" ||
			{ cat "$T/add.err" >&2; exit 1; }
	done <"$T/macs"
	{
		echo 'local macs = {'
		sed 's/:/%3A/g; s/.*/"&",/' "$T/macs"
		echo '}'
		cat <<-'EOF'
			local i = math.random(#macs)
			request = function()
			  i = i % #macs + 1
			  return wrk.format("GET", "/boot/" .. macs[i] .. ".ipxe")
			end
		EOF
	} >"$T/macs.lua"
}

start_bootherd() {
	"$BOOTHERD" --config "$T/bootherd.conf" serve 2>/dev/null &
	BH_PID=$!
	pids+=("$BH_PID")
	wait_port "$PORT"
}

# The seed's approach: one hand-written file per MAC, here rendered by
# bootherd once so that both servers send identical bytes.
prerender() {
	local cfg="$T/curl.cfg"
	: >"$cfg"
	while read -r mac; do
		printf 'url = "http://127.0.0.1:%s/boot/%s.ipxe"\noutput = "%s/www/boot/%s.ipxe"\n' \
			"$PORT" "${mac//:/%3A}" "$T" "$mac" >>"$cfg"
	done <"$T/macs"
	curl -sf -K "$cfg"
	chmod -R a+rX "$T/www"
	local n
	n=$(find "$T/www/boot" -name '*.ipxe' | wc -l)
	[ "$n" = "$MACHINES" ] || { log "prerender: only $n scripts"; exit 1; }
	SCRIPT_BYTES=$(wc -c <"$T/www/boot/52:54:00:00:00:00.ipxe")
}

start_nginx() {
	cat >"$T/nginx/nginx.conf" <<-EOF
		daemon off;
		master_process on;
		user root root;
		worker_processes $THREADS;
		pid $T/nginx/nginx.pid;
		error_log $T/nginx/error.log warn;
		events { worker_connections 8192; }
		http {
		    access_log off;
		    sendfile on;
		    tcp_nopush on;
		    keepalive_requests 1000000;
		    keepalive_timeout 60s;
		    client_body_temp_path $T/nginx/body;
		    proxy_temp_path $T/nginx/proxy;
		    fastcgi_temp_path $T/nginx/fastcgi;
		    uwsgi_temp_path $T/nginx/uwsgi;
		    scgi_temp_path $T/nginx/scgi;
		    server {
		        listen 127.0.0.1:$NPORT backlog=1024;
		        location /boot/ { root $T/www; default_type "text/plain; charset=utf-8"; }
		        location /images/ { root $T; default_type application/octet-stream; }
		        location = / { return 200 "ok\n"; }
		    }
		}
	EOF
	"$NGINX" -c "$T/nginx/nginx.conf" -e "$T/nginx/error.log" &
	NG_PID=$!
	pids+=("$NG_PID")
	wait_port "$NPORT"
}

# ---- statistics ----
median() { sort -g | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf (b > 0 ? "%.2f" : "n/a"), a / b}'; }
verdict() { awk -v r="$1" -v t="$2" 'BEGIN {print (r + 0 >= t + 0) ? "ok" : "BELOW TARGET"}'; }
# Median of the per-run ratios a_i/b_i ("a1 a2 ..." "b1 b2 ..."): with the
# machine's load drifting, pairs of neighbouring runs compare better than
# medians taken apart.
pair_ratio() {
	paste <(tr ' ' '\n' <<<"$1") <(tr ' ' '\n' <<<"$2") |
		awk '$2 > 0 {print $1 / $2}' | median | awk '{printf "%.2f", $1}'
}

# CPU time (clock ticks, all threads) of the server on port $1: bootherd's
# process, or nginx's master and workers.
CLK_TCK=$(getconf CLK_TCK)
server_ticks() {
	local p
	if [ "$1" = "$PORT" ]; then p=$BH_PID; else p="$NG_PID $(pgrep -P "$NG_PID" | tr '\n' ' ')"; fi
	for x in $p; do awk '{print $14 + $15}' "/proc/$x/stat"; done | awk '{s += $1} END {print s}'
}

# run_wrk PORT [extra args] -> "req_per_s errors server_cpu_us_per_request"
run_wrk() {
	local port=$1
	shift
	local o t0 t1
	t0=$(server_ticks "$port")
	o=$(wrk -t "$WRK_THREADS" -c "$WRK_CONNS" -d "${DURATION}s" -s "$T/macs.lua" "$@" \
		"http://127.0.0.1:$port/" 2>&1)
	t1=$(server_ticks "$port")
	echo "$o" >>"$T/wrk.log"
	local rps errs n
	rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$o")
	n=$(awk '/requests in/ {print $1}' <<<"$o")
	errs=$(awk '/Socket errors:/ {gsub(",", ""); s += $4 + $6 + $8 + $10}
		/Non-2xx/ {s += $NF} END {print s + 0}' <<<"$o")
	echo "${rps:-0} $errs $(awk -v d=$((t1 - t0)) -v n="${n:-0}" -v hz="$CLK_TCK" \
		'BEGIN {printf "%.1f", (n > 0 ? d / hz * 1e6 / n : 0)}')"
}

part_a() {
	out ""
	out "(a) GET /boot/<mac>.ipxe, $MACHINES machines, $SCRIPT_BYTES-byte scripts;" \
		"wrk -t$WRK_THREADS -c$WRK_CONNS -d${DURATION}s"
	out "    req/s (median), ratio bootherd/nginx; server CPU us per request (median), ratio nginx/bootherd"
	local mode
	for mode in keepalive close; do
		local args=() ng=() bh=() cn=() cb=() errs=0 line load=() v e c
		[ "$mode" = close ] && args=(-H 'Connection: close')
		for _ in $(seq "$REPS"); do
			load+=("$(load1)")
			read -r v e c < <(run_wrk "$NPORT" "${args[@]}")
			ng+=("$v") cn+=("$c")
			errs=$((errs + e))
			read -r v e c < <(run_wrk "$PORT" "${args[@]}")
			bh+=("$v") cb+=("$c")
			errs=$((errs + e))
		done
		local mn mb r target
		mn=$(printf '%s\n' "${ng[@]}" | median)
		mb=$(printf '%s\n' "${bh[@]}" | median)
		r=$(ratio "$mb" "$mn")
		target=$([ "$mode" = close ] && echo 1.0 || echo 0.5)
		line=$(printf '  %-10s nginx %8.0f  bootherd %8.0f  ratio %s (target >= %s: %s)' \
			"$mode" "$mn" "$mb" "$r" "$target" "$(verdict "$r" "$target")")
		out "$line"
		out "$(printf '             CPU us/req nginx %5.1f  bootherd %5.1f  ratio %s;  per-run req/s ratio median %s' \
			"$(printf '%s\n' "${cn[@]}" | median)" "$(printf '%s\n' "${cb[@]}" | median)" \
			"$(ratio "$(printf '%s\n' "${cn[@]}" | median)" "$(printf '%s\n' "${cb[@]}" | median)")" \
			"$(pair_ratio "${bh[*]}" "${ng[*]}")")"
		out "             runs nginx: ${ng[*]}  bootherd: ${bh[*]}  errors: $errs  load1: ${load[*]}"
	done
}

LOAD_OPTS=()
[ "${COPY:-0}" = 1 ] || LOAD_OPTS=(--discard)

# run_fetch PORT CLIENTS -> "MiB/s server_cpu_s_per_GiB"
run_fetch() {
	local o t0 t1
	t0=$(server_ticks "$1")
	o=$(python3 "$here/httpload.py" fetch --port "$1" --clients "$2" --duration "$DURATION" \
		--path /images/big.img "${LOAD_OPTS[@]}")
	t1=$(server_ticks "$1")
	echo "$o" >>"$T/fetch.log"
	python3 -c 'import json,sys
d = json.loads(sys.argv[1]); gib = d["mib_s"] * d["seconds"] / 1024
print(d["mib_s"] if not d["errors"] else 0, "%.2f" % (int(sys.argv[2]) / int(sys.argv[3]) / gib if gib else 0))' \
		"$o" $((t1 - t0)) "$CLK_TCK"
}

part_b() {
	out ""
	out "(b) GET /images/big.img (${BIG_MIB} MiB, keep-alive, repeated for ${DURATION}s);" \
		"client $([ "${COPY:-0}" = 1 ] && echo "copies bodies" || echo "drops bodies in the kernel (MSG_TRUNC)")"
	out "    MiB/s (median), ratio bootherd/nginx; server CPU s per GiB (median), ratio nginx/bootherd"
	local n
	for n in $FETCH_CLIENTS; do
		local ng=() bh=() cn=() cb=() load=() v c
		for _ in $(seq "$REPS"); do
			load+=("$(load1)")
			read -r v c < <(run_fetch "$NPORT" "$n")
			ng+=("$v") cn+=("$c")
			read -r v c < <(run_fetch "$PORT" "$n")
			bh+=("$v") cb+=("$c")
		done
		local mn mb r line
		mn=$(printf '%s\n' "${ng[@]}" | median)
		mb=$(printf '%s\n' "${bh[@]}" | median)
		r=$(ratio "$mb" "$mn")
		line=$(printf '  %2d client%-2s nginx %8.0f  bootherd %8.0f  ratio %s (target >= 0.9: %s)' \
			"$n" "$([ "$n" = 1 ] && echo ' ' || echo s)" "$mn" "$mb" "$r" "$(verdict "$r" 0.9)")
		out "$line"
		out "$(printf '             CPU s/GiB nginx %5.2f  bootherd %5.2f  ratio %s;  per-run MiB/s ratio median %s' \
			"$(printf '%s\n' "${cn[@]}" | median)" "$(printf '%s\n' "${cb[@]}" | median)" \
			"$(ratio "$(printf '%s\n' "${cn[@]}" | median)" "$(printf '%s\n' "${cb[@]}" | median)")" \
			"$(pair_ratio "${bh[*]}" "${ng[*]}")")"
		out "             runs nginx: ${ng[*]}  bootherd: ${bh[*]}  load1: ${load[*]}"
	done
}

# run_storm PORT -> "wall_s failures retries server_cpu_s"
run_storm() {
	local o t0 t1
	t0=$(server_ticks "$1")
	o=$(python3 "$here/httpload.py" storm --port "$1" --clients "$STORM_CLIENTS" \
		--macs "$T/macs" --script '/boot/%s.ipxe' --kernel /images/vmlinuz --timeout 300 \
		"${LOAD_OPTS[@]}")
	t1=$(server_ticks "$1")
	echo "$o" >>"$T/storm.log"
	python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["wall_s"], d["failures"], d["retries_503"], "%.2f" % (int(sys.argv[2]) / int(sys.argv[3])))' \
		"$o" $((t1 - t0)) "$CLK_TCK"
}

part_c() {
	out ""
	out "(c) boot storm: $STORM_CLIENTS clients at once, script + ${KERNEL_MIB} MiB kernel on one" \
		"keep-alive connection each"
	out "    wall s (median), ratio nginx/bootherd; server CPU s per storm (median), ratio nginx/bootherd"
	local ng=() bh=() cn=() cb=() fn=0 fb=0 rb=0 load=() w f r c
	for _ in $(seq "$REPS"); do
		load+=("$(load1)")
		read -r w f r c < <(run_storm "$NPORT")
		ng+=("$w") cn+=("$c")
		fn=$((fn + f))
		read -r w f r c < <(run_storm "$PORT")
		bh+=("$w") cb+=("$c")
		fb=$((fb + f))
		rb=$((rb + r))
	done
	local mn mb rt line ok
	mn=$(printf '%s\n' "${ng[@]}" | median)
	mb=$(printf '%s\n' "${bh[@]}" | median)
	rt=$(ratio "$mn" "$mb")
	ok=$(verdict "$rt" 1.0)
	[ "$fb" = 0 ] || ok="BELOW TARGET (failures)"
	line=$(printf '  wall       nginx %8.2f  bootherd %8.2f  ratio %s (target >= 1.0, 0 failures: %s)' \
		"$mn" "$mb" "$rt" "$ok")
	out "$line"
	out "$(printf '             CPU s nginx %5.2f  bootherd %5.2f  ratio %s;  per-run wall ratio median %s' \
		"$(printf '%s\n' "${cn[@]}" | median)" "$(printf '%s\n' "${cb[@]}" | median)" \
		"$(ratio "$(printf '%s\n' "${cn[@]}" | median)" "$(printf '%s\n' "${cb[@]}" | median)")" \
		"$(pair_ratio "${ng[*]}" "${bh[*]}")")"
	out "             runs nginx: ${ng[*]}  bootherd: ${bh[*]}  failures nginx: $fn bootherd: $fb" \
		" 503-retries bootherd: $rb  load1: ${load[*]}"
}

# ---- main ----
setup_data
start_bootherd
prerender
start_nginx
for f in "$T/www/boot/52:54:00:00:00:00.ipxe" "$T/www/boot/52:54:00:00:03:e7.ipxe"; do
	m=$(basename "$f" .ipxe)
	cmp -s <(curl -s "http://127.0.0.1:$NPORT/boot/${m//:/%3A}.ipxe") \
		<(curl -s "http://127.0.0.1:$PORT/boot/${m//:/%3A}.ipxe") ||
		{ log "run.sh: nginx and bootherd disagree on $m"; exit 1; }
done
# Warm-up: page cache, SQLite pages, connection setup paths.
wrk -t1 -c8 -d2s -s "$T/macs.lua" "http://127.0.0.1:$NPORT/" >/dev/null
wrk -t1 -c8 -d2s -s "$T/macs.lua" "http://127.0.0.1:$PORT/" >/dev/null

out "bench/http $(date -u +%Y-%m-%dT%H:%MZ)  $("$BOOTHERD" --version 2>/dev/null || echo bootherd ?)" \
	"($BOOTHERD, checkout $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo ?))" \
	"vs $("$NGINX" -v 2>&1 | sed 's/.*: //')"
out "  $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')), kernel $(uname -r)"
out "  threads/workers: $THREADS each; clients share the same cores; loopback; medians of $REPS runs"
out "  uptime at start: $(uptime | sed 's/^ *//')"
case $PARTS in *a*) part_a ;; esac
case $PARTS in *b*) part_b ;; esac
case $PARTS in *c*) part_c ;; esac
out ""
out "  uptime at end: $(uptime | sed 's/^ *//')"
if [ -n "${RESULTS:-}" ]; then cp "$T/summary" "$RESULTS"; fi
