#!/usr/bin/env bash
# The admin CLI: every error exits non-zero with exactly one line on stderr
# ("bootherd: ..."), --json output parses, config errors name file:line.
source "$(dirname "$0")/lib.sh"

S=$T/state
BH=("$BOOTHERD" --state-dir "$S")

# must_fail DESCRIPTION ARGS... : non-zero exit, one stderr line, nothing on stdout.
must_fail() {
	local desc=$1
	shift
	local rc=0
	"${BH[@]}" "$@" >"$T/out" 2>"$T/err" || rc=$?
	_checks=$((_checks + 1))
	local lines
	lines=$(wc -l <"$T/err")
	if [ "$rc" -ne 0 ] && [ "$lines" -eq 1 ] && grep -q '^bootherd: ' "$T/err" && [ ! -s "$T/out" ]; then
		cat "$T/err" >>"$T/stderr-all"
		log "  ok   $desc: $(cat "$T/err")"
	else
		log "  FAIL $desc: exit $rc, $lines stderr lines: $(cat -A "$T/err" | head -n 5)"
		_failures=$((_failures + 1))
	fi
}
# must_work DESCRIPTION ARGS... : exit 0.
must_work() {
	local desc=$1
	shift
	check "$desc" "${BH[@]}" "$@" 2>>"$T/stderr-ok"
}
err_says() { expect_match "$1" "$2" "$(cat "$T/err")"; }
json_ok() { # json_ok DESCRIPTION ARGS...
	local desc=$1
	shift
	"${BH[@]}" "$@" >"$T/json" 2>"$T/err" || true
	check "$desc: --json parses" python3 -m json.tool "$T/json" /dev/null
}

log "== set-up"
must_work "image add" image add debian-12 --kernel debian/linux --initrd debian/initrd.gz \
	--cmdline 'console=ttyS0 hostname={{hostname}}' --description "Debian 12"
must_work "image add (URL kernel)" image add alpine --kernel http://mirror.example.org/alpine/vmlinuz
printf '#!ipxe\nsanboot {{server}}/iso/{{hostname}}.iso\n' >"$T/script.ipxe"
must_work "image add --script" image add win --script "$T/script.ipxe"
must_work "machine add" machine add 52:54:00:ab:cd:01 --image debian-12 --hostname node1 \
	--ip 198.18.0.10 --notes "rack 4"
must_work "machine add (hyphen, no image)" machine add 52-54-00-AB-CD-02
must_work "machine add (second user of the image)" machine add 525400abcd03 --image debian-12

log "== errors: one line on stderr, non-zero exit"
must_fail "bad MAC (add)" machine add 52:54:00:zz:cd:01
must_fail "bad MAC (show)" machine show 52:54:00:ab:cd
must_fail "bad MAC (assign)" machine assign 52:54:00:ab:cd:01:02 debian-12
must_fail "bad MAC (remove)" machine remove not-a-mac
must_fail "bad MAC (events)" events --mac 52:54
must_fail "MAC with a newline" machine add $'52:54:00:ab:cd:09\nx'
must_fail "unknown image (machine add)" machine add 52:54:00:ab:cd:04 --image nope
err_says "unknown image is named" "nope"
must_fail "unknown image (assign)" machine assign 52:54:00:ab:cd:02 nope
must_fail "unknown image (show)" image show nope
must_fail "unknown image (edit)" image edit nope --cmdline x
must_fail "unknown image (remove)" image remove nope
must_fail "unknown machine (show)" machine show 52:54:00:00:00:77
must_fail "unknown machine (assign)" machine assign 52:54:00:00:00:77 debian-12
must_fail "unknown machine (unassign)" machine unassign 52:54:00:00:00:77
must_fail "unknown machine (remove)" machine remove 52:54:00:00:00:77
must_fail "duplicate image" image add debian-12 --kernel other/linux
err_says "duplicate image says so" "already exists"
must_fail "duplicate machine" machine add 52:54:00:ab:cd:01
must_fail "invalid image name (upper case)" image add Debian --kernel k
must_fail "invalid image name (space)" image add "deb ian" --kernel k
must_fail "invalid image name (newline)" image add $'deb\nian' --kernel k
must_fail "invalid image name (assign)" machine assign 52:54:00:ab:cd:02 'Bad/Name'
must_fail "kernel path with .." image add bad --kernel ../etc/passwd
must_fail "kernel with a newline" image add bad --kernel $'linux\nboot'
must_fail "initrd absolute path" image add bad --kernel k --initrd /etc/shadow
must_fail "cmdline with a newline" image add bad --kernel k --cmdline $'quiet\nchain http://x'
must_fail "cmdline with an unknown variable" image add bad --kernel k --cmdline 'x={{nope}}'
printf 'chain {{server}}/{{unterminated\n' >"$T/bad.ipxe"
must_fail "script with an unterminated variable" image add bad --script "$T/bad.ipxe"
must_fail "script file missing" image add bad --script "$T/absent.ipxe"
must_fail "image add without kernel or script" image add bad
must_fail "image in use, no --force" image remove debian-12
err_says "names the first machine" "52:54:00:ab:cd:01"
err_says "names the second machine" "52:54:00:ab:cd:03"
must_fail "unknown option (image add)" image add bad --kernel k --bogus
must_fail "unknown option (machine list)" machine list --bogus
must_fail "unknown option (events)" events --bogus
must_fail "unknown global option" --bogus image list
must_fail "unknown command" frobnicate
must_fail "unknown image command" image frobnicate
must_fail "unknown machine command" machine frobnicate
must_fail "missing argument (--kernel)" image add bad --kernel
must_fail "missing argument (--ip)" machine add 52:54:00:ab:cd:05 --ip
must_fail "missing argument (--config)" --config
must_fail "missing argument (image add NAME)" image add
must_fail "missing argument (assign IMAGE)" machine assign 52:54:00:ab:cd:02
must_fail "missing argument (show MAC)" machine show
must_fail "extra argument" machine show 52:54:00:ab:cd:01 extra
must_fail "bad --ip (range)" machine add 52:54:00:ab:cd:05 --ip 300.1.1.1
must_fail "bad --ip (short)" machine add 52:54:00:ab:cd:05 --ip 198.18.0
must_fail "bad --ip (loopback)" machine add 52:54:00:ab:cd:05 --ip 127.0.0.1
must_fail "bad --ip (newline)" machine add 52:54:00:ab:cd:05 --ip $'198.18.0.5\n'
must_fail "--ip already reserved" machine add 52:54:00:ab:cd:05 --ip 198.18.0.10
err_says "reserved address is named" "198\.18\.0\.10"
must_fail "hostname with a newline" machine add 52:54:00:ab:cd:05 --hostname $'node\nkernel http://evil/x'
must_fail "hostname with a space" machine add 52:54:00:ab:cd:05 --hostname 'node 5'
must_fail "hostname with \$" machine edit 52:54:00:ab:cd:01 --hostname 'n${x}'
must_fail "notes with a control character" machine add 52:54:00:ab:cd:05 --notes $'a\x1bb'
must_fail "bad --netboot" machine add 52:54:00:ab:cd:05 --netboot maybe
must_fail "bad --state" machine list --state lost
must_fail "bad --limit" events --limit 0
must_fail "bad --log-level" --log-level loud image list
must_fail "nothing was added by the failures above" machine show 52:54:00:ab:cd:05

log "== --force"
must_work "image remove --force" image remove debian-12 --force
"${BH[@]}" machine show 52:54:00:ab:cd:01 --json >"$T/m.json"
expect_eq "machine unassigned by --force" "None unassigned" \
	"$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(m["image"], m["state"])' "$T/m.json")"
must_fail "the removed image is gone" image show debian-12

log "== --json"
must_work "image add again" image add debian-12 --kernel debian/linux
must_work "assign" machine assign 52:54:00:ab:cd:01 debian-12
json_ok "image list" image list --json
expect_eq "image list --json has the three images" "alpine debian-12 win" \
	"$(python3 -c 'import json,sys; print(" ".join(i["name"] for i in json.load(open(sys.argv[1]))))' "$T/json")"
json_ok "image show" image show win --json
json_ok "machine list" machine list --json
expect_eq "machine list --json has the three machines" 3 \
	"$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$T/json")"
json_ok "machine list --discovered" machine list --discovered --json
json_ok "machine show" machine show 52:54:00:ab:cd:01 --json
expect_eq "machine show --json fields" "52:54:00:ab:cd:01 debian-12 198.18.0.10 node1 assigned True" \
	"$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(m["mac"], m["image"], m["ip"], m["hostname"], m["state"], m["netboot"])' "$T/json")"
json_ok "events" events --json
json_ok "events --mac" events --mac 52:54:00:ab:cd:01 --limit 5 --json

log "== config errors name file:line"
CONF=$T/bad.conf
printf '[server]\nstate_dir = %s\n\n[http]\nthreads = 0\n' "$S" >"$CONF"
BH=("$BOOTHERD" --config "$CONF")
must_fail "out-of-range value" image list
err_says "names file:line" "^bootherd: $CONF:5: "
printf '[server]\nstate_dir = %s\nlog_levle = debug\n' "$S" >"$CONF"
must_fail "unknown key" machine list
err_says "names file:line and the key" "^bootherd: $CONF:3: .*log_levle"
printf '[server]\nstate_dir = %s\n[srever]\nx = 1\n' "$S" >"$CONF"
must_fail "unknown section" machine list
err_says "names file:line and the section" "^bootherd: $CONF:4: .*srever"
printf '[server]\nlog_level = chatty\n' >"$CONF"
must_fail "bad log level" machine list
err_says "names file:line" "^bootherd: $CONF:2: "
printf '[server\nstate_dir = %s\n' "$S" >"$CONF"
must_fail "syntax error" machine list
err_says "names file:line" "^bootherd: $CONF:1: .*syntax"
BH=("$BOOTHERD" --config "$T/absent.conf")
must_fail "missing config file" machine list
err_says "names the file" "absent\.conf"

log "== a database newer than this bootherd"
sqlite3 "$S/bootherd.db" 'PRAGMA user_version = 999'
BH=("$BOOTHERD" --state-dir "$S")
must_fail "newer schema refused" image list
err_says "says why" "newer"

# Under ASan/UBSan a report would also break the one-line rule; successful
# commands are checked here.
check "no sanitizer reports from any command" \
	bash -c '! cat "$@" 2>/dev/null | grep -qE "runtime error|Sanitizer"' _ "$T/stderr-ok" "$T/stderr-all"
finish
