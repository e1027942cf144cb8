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

# help_ok DESCRIPTION ARGS... : exit 0, usage on stdout, nothing on stderr.
help_ok() {
	local desc=$1
	shift
	local rc=0
	"${BH[@]}" "$@" >"$T/out" 2>"$T/err" || rc=$?
	_checks=$((_checks + 1))
	if [ "$rc" -eq 0 ] && head -n 1 "$T/out" | grep -q '^usage: bootherd' && [ ! -s "$T/err" ]; then
		log "  ok   $desc"
	else
		log "  FAIL $desc: exit $rc, stdout [$(head -c 120 "$T/out")], stderr [$(head -c 200 "$T/err")]"
		_failures=$((_failures + 1))
	fi
}
# macs DESCRIPTION EXPECTED ARGS... : the sorted MACs `machine list ARGS --json` prints.
macs() {
	local desc=$1 want=$2
	shift 2
	"${BH[@]}" machine list "$@" --json >"$T/json" 2>"$T/err" || true
	expect_eq "$desc" "$want" \
		"$(python3 -c 'import json,sys; print(" ".join(sorted(m["mac"] for m in json.load(open(sys.argv[1])))))' "$T/json" 2>/dev/null)"
}
image_of() { # image_of MAC: the machine's image (None when unassigned)
	"${BH[@]}" machine show "$1" --json 2>/dev/null |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["image"])' 2>/dev/null
}
M1=52:54:00:ab:cd:01 M2=52:54:00:ab:cd:02 M3=52:54:00:ab:cd:03 M4=52:54:00:ab:cd:04

log "== --help on every command (exit 0, usage on stdout)"
help_ok "bootherd --help" --help
help_ok "help machine" help machine
help_ok "help machine assign" help machine assign
for noun in serve init image machine events user token store; do
	help_ok "$noun --help" "$noun" --help
done
for verb in add edit list show remove; do help_ok "image $verb --help" image "$verb" --help; done
for verb in add edit assign unassign list show remove; do
	help_ok "machine $verb --help" machine "$verb" --help
done
help_ok "machine assign -h" machine assign -h
for verb in add passwd list remove; do help_ok "user $verb --help" user "$verb" --help; done
for verb in create list revoke; do help_ok "token $verb --help" token "$verb" --help; done
help_ok "store copy --help" store copy --help
"${BH[@]}" machine list --help >"$T/out" 2>&1 || true
check "machine list --help names --hostname" grep -q -- '--hostname PATTERN' "$T/out"
must_fail "help on an unknown machine command" machine frobnicate --help

log "== machine list filters are applied"
must_work "machine add (alpine, node4)" machine add $M4 --image alpine --hostname Node4
must_work "machine add (web1)" machine add 52:54:00:ab:cd:0a --hostname web1
macs "list --image debian-12" "$M1" --image debian-12
macs "list --image alpine" "$M4" --image alpine
macs "list --hostname (exact, any case)" "$M1" --hostname NODE1
macs "list --hostname pattern" "$M1 $M4" --hostname 'node*'
macs "list --hostname with --state" "$M4" --hostname 'node*' --state assigned --image alpine
"${BH[@]}" machine list --hostname web1 >"$T/out" 2>/dev/null || true
expect_eq "list --hostname (table): header + one row" 2 "$(wc -l <"$T/out")"
must_fail "list --image of an unknown image" machine list --image nope
err_says "names the image" "nope"
must_fail "flag a command does not take (show --ip)" machine show $M1 --ip 198.18.0.99
err_says "names the flag" "--ip"
must_fail "flag a command does not take (add --json)" machine add 52:54:00:ab:cd:0b --json
must_fail "flag a command does not take (remove --image)" machine remove $M2 --image alpine
must_fail "flag a command does not take (list --notes)" machine list --notes x
must_fail "nothing added by the refused add" machine show 52:54:00:ab:cd:0b

log "== duplicate hostnames are refused"
must_fail "add with a taken hostname (other case)" machine add 52:54:00:ab:cd:0c --hostname NODE1
err_says "names the hostname and its machine" "node1|NODE1.*$M1"
must_fail "edit to a taken hostname" machine edit $M2 --hostname web1
err_says "says already used" "already used"
must_work "edit keeping its own hostname" machine edit $M1 --hostname node1 --notes "rack 5"

log "== bulk assign (one transaction)"
must_work "assign IMAGE MAC MAC" machine assign alpine $M2 $M3
expect_eq "both assigned" "alpine alpine" "$(image_of $M2) $(image_of $M3)"
printf '# rack 4\n%s  # first\n\n%s,%s\n' "$M2" "52-54-00-AB-CD-03" "$M4" >"$T/macs.txt"
must_work "assign --from FILE" machine assign win --from "$T/macs.txt"
expect_eq "all three from the file assigned" "win win win" "$(image_of $M2) $(image_of $M3) $(image_of $M4)"
printf '%s\n%s\n' "$M2" "$M3" | "${BH[@]}" machine assign debian-12 - 2>>"$T/stderr-ok" || true
expect_eq "assign IMAGE - (stdin)" "debian-12 debian-12 win" "$(image_of $M2) $(image_of $M3) $(image_of $M4)"
must_fail "one unknown MAC: nothing assigned" machine assign alpine $M2 52:54:00:00:00:77 $M4
err_says "names the unknown MAC" "52:54:00:00:00:77"
expect_eq "transaction: nothing changed" "debian-12 win" "$(image_of $M2) $(image_of $M4)"
printf '%s\nnot-a-mac\n' "$M2" >"$T/bad-macs.txt"
must_fail "invalid MAC in the file: nothing assigned" machine assign alpine --from "$T/bad-macs.txt"
err_says "names the line" "line 2"
expect_eq "file transaction: nothing changed" "debian-12" "$(image_of $M2)"
must_fail "assign without MACs" machine assign alpine
must_work "unassign MAC MAC" machine unassign $M2 $M3
expect_eq "both unassigned" "None None" "$(image_of $M2) $(image_of $M3)"
must_work "old order still works (assign MAC IMAGE)" machine assign $M2 alpine
expect_eq "old order assigned" "alpine" "$(image_of $M2)"

log "== events by hostname, --since, --follow; machine show lists recent events"
NOW=$(($(date +%s) * 1000))
sqlite3 "$S/bootherd.db" "INSERT INTO event (time, mac, stage, detail, peer) VALUES
	($((NOW - 7200000)), '$M1', 'dhcp', 'two hours ago', '198.18.0.10'),
	($((NOW - 60000)), '$M1', 'kernel', 'a minute ago', '198.18.0.10'),
	($((NOW - 30000)), '$M4', 'script', 'half a minute ago', '198.18.0.11')"
ev_count() { # ev_count ARGS...: how many events `events ARGS --json` lists
	"${BH[@]}" events "$@" --json 2>/dev/null | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' 2>/dev/null
}
expect_eq "events --hostname" 2 "$(ev_count --hostname node1)"
expect_eq "events --hostname (other case)" 1 "$(ev_count --hostname NODE4)"
expect_eq "events --since 10m" 2 "$(ev_count --since 10m)"
expect_eq "events --since 3h" 3 "$(ev_count --since 3h)"
expect_eq "events --hostname --since" 1 "$(ev_count --hostname node1 --since 5m)"
expect_eq "events --since ISO (UTC)" 2 "$(ev_count --since "$(date -u -d '-30 min' +%FT%TZ)")"
expect_eq "events --since ISO (+02:00)" 2 "$(ev_count --since "$(TZ=Etc/GMT-2 date -d '-30 min' +%FT%T%:z)")"
expect_eq "events --since ISO (local)" 3 "$(ev_count --since "$(date -d '-3 hours' '+%F %T')")"
must_fail "events --since garbage" events --since yesterday
must_fail "events --since bad date" events --since 2026-13-40
must_fail "events --hostname unknown" events --hostname nobody
err_says "names the hostname" "nobody"
must_fail "events --mac and --hostname" events --mac $M1 --hostname node1
"${BH[@]}" events --hostname node1 --follow >"$T/follow" 2>"$T/follow.err" &
FPID=$!
on_exit "kill $FPID"
sleep 1.5
sqlite3 "$S/bootherd.db" "INSERT INTO event (time, mac, stage, detail, peer) VALUES
	($(($(date +%s) * 1000)), '$M1', 'initrd', 'followed', '198.18.0.10'),
	($(($(date +%s) * 1000)), '$M4', 'initrd', 'not this machine', '198.18.0.11')"
check "events --follow prints a new event" wait_for 5 grep -q followed "$T/follow"
kill $FPID 2>/dev/null || true
wait $FPID 2>/dev/null || true
expect_eq "--follow: old events oldest first, then the new one" "dhcp kernel initrd" \
	"$(awk '{print $3}' "$T/follow" | tr '\n' ' ' | sed 's/ $//')"
check "--follow: only that machine" bash -c "! grep -q 'not this machine' '$T/follow'"
"${BH[@]}" machine show $M1 --events 10 >"$T/out" 2>/dev/null || true
check "machine show --events lists recent boot events" grep -q 'recent boot events' "$T/out"
check "machine show: the newest event" grep -q 'initrd.*followed' "$T/out"
# The dhcp two hours ago is an attempt of its own (a pause of over 10
# minutes); the kernel a minute ago and the initrd just now are one.
"${BH[@]}" machine show $M1 >"$T/out" 2>/dev/null || true
check "machine show lists the attempts, not the events" bash -c \
	"grep -q 'recent boot attempts' '$T/out' && ! grep -q 'recent boot events' '$T/out'"
expect_eq "machine show: two attempts, newest first" "kernel initrd|dhcp" \
	"$(grep '^    steps:' "$T/out" | sed 's/^ *steps: *//' | paste -sd '|')"
must_fail "machine show --attempts out of range" machine show $M1 --attempts 101
must_fail "machine show --attempts not a number" machine show $M1 --attempts x
expect_eq "machine show --attempts 1" 1 "$("${BH[@]}" machine show $M1 --attempts 1 2>/dev/null | grep -c '^    steps:')"
"${BH[@]}" machine show $M1 --events 2 --json >"$T/json" 2>/dev/null || true
expect_eq "machine show --json --events 2" "initrd kernel" \
	"$(python3 -c 'import json,sys; print(" ".join(e["stage"] for e in json.load(open(sys.argv[1]))["events"]))' "$T/json")"

log "== a missing database is an error (except for init, serve and add)"
GOOD_BH=("${BH[@]}")
BH=("$BOOTHERD" --state-dir "$T/typo")
must_fail "machine list on a missing database" machine list
err_says "names the path" "$T/typo/bootherd\.db"
must_fail "events on a missing database" events
must_fail "machine assign on a missing database" machine assign alpine $M1
must_fail "image list on a missing database" image list
must_fail "user list on a missing database" user list
check "nothing was created" test ! -e "$T/typo"
must_work "init creates it" init
check "init made the database" test -s "$T/typo/bootherd.db"
must_work "then machine list works" machine list --json >/dev/null
must_work "init again (existing database)" init
BH=("$BOOTHERD" --state-dir "$T/fresh")
must_work "image add creates a database" image add k --kernel k
check "image add made the database" test -s "$T/fresh/bootherd.db"
BH=("${GOOD_BH[@]}")

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
