#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A start-up that fails at any step, in boot order: an unknown user, a
# launcher that cannot become its user, a state directory that cannot be
# made, a corrupt state file, an EAL that cannot start, a DPDK port that
# cannot be opened, an API address in use, a token file others may read,
# an RPC socket whose directory cannot be made, one another appliance
# answers on, an unknown rpc group, an xtables lock that cannot be made.
# Each must exit 1 with one error line naming the cause, and leave
# nothing behind: no RPC socket file, no DPDK runtime directory for its
# file prefix, no tap device, no launcher, the state file as it was.
# Under AddressSanitizer a leak on the way down is a report: any report
# fails the case (the exit status alone would not tell: it is 1 anyway).
. "$(dirname "$0")/lib.sh"
need_root
command -v python3 >/dev/null || { echo "skip: no python3"; exit 77; }

TAP=nf$ID
RPC=$WORK/rpc.sock
STATE=$WORK/state/tenants.json
write_config "$WORK/base.json" $TAP '[]'
mkdir -p "$WORK/state"
printf '{"version": 1, "tenants": [\n]}\n' > "$STATE"
touch -d '2020-01-01' "$STATE"
: > "$WORK/afile"

# variant NAME PYTHON: base.json changed by PYTHON (on the dict c) into NAME.json
variant() {
	python3 -c 'import json, sys
c = json.load(open(sys.argv[1]))
exec(sys.argv[3])
json.dump(c, open(sys.argv[2], "w"), indent=1)' "$WORK/base.json" "$WORK/$1.json" "$2" ||
		die "cannot write $1.json"
}

state_sum() { { sha256sum < "$STATE"; stat -c '%s %Y' "$STATE"; } 2>&1; }

# leftovers PID SOCK: what a daemon of pid PID left, a line each
leftovers() {
	local lp
	[ -e "/var/run/dpdk/nuse-$1" ] &&
		echo "/var/run/dpdk/nuse-$1: $(ls -A "/var/run/dpdk/nuse-$1" | tr '\n' ' ')"
	ip link show "$TAP" >/dev/null 2>&1 && echo "the tap $TAP"
	[ -n "$2" ] && [ -e "$2" ] && echo "the socket file $2"
	lp=$(sed -n 's/.* launcher: pid \([0-9]*\) ready.*/\1/p' "$WORK/fail.log")
	[ -n "$lp" ] && kill -0 "$lp" 2>/dev/null && echo "the launcher, pid $lp"
	[ "$(state_sum)" = "$SUM" ] || echo "a changed $STATE"
}

# startfail WHAT CONFIG WANT [SOCK]: start-up with CONFIG must fail with
# exit 1 and one error line holding WANT; SOCK is the socket file that
# must not be left (none when another's is there already).
startfail() {
	local what=$1 pid rc i errs n left
	SUM=$(state_sum)
	"$DAEMON" --config "$2" > "$WORK/fail.log" 2>&1 &
	pid=$!
	undo "kill -9 $pid"
	undo "rm -rf /var/run/dpdk/nuse-$pid"
	for i in $(seq 300); do
		kill -0 $pid 2>/dev/null || break
		grep -q "running with" "$WORK/fail.log" && break
		sleep 0.1
	done
	if kill -0 $pid 2>/dev/null; then
		kill -9 $pid
		wait $pid 2>/dev/null
		fail "$what: the daemon did not stop: $(tail -3 "$WORK/fail.log")"
		return
	fi
	wait $pid; rc=$?
	[ $rc = 1 ] && pass "$what: exit 1" || fail "$what: exit $rc, want 1"
	if grep -Eq "Sanitizer|runtime error:" "$WORK/fail.log"; then
		fail "$what: a sanitizer report:"
		grep -E -A12 "Sanitizer|runtime error:" "$WORK/fail.log" | head -40
	fi
	errs=$(grep " error: " "$WORK/fail.log" | sed 's/^[^ ]* error: //')
	n=$(grep -c " error: " "$WORK/fail.log")
	if [ "$n" = 1 ] && grep -qF -- "$3" <<< "$errs"; then
		pass "$what: one error: $errs"
	else
		fail "$what: want one error with \"$3\", got $n:${errs:+$'\n'}$errs"
	fi
	left=$(leftovers $pid "${4-}")
	[ -z "$left" ] && pass "$what: nothing left behind" ||
		fail "$what: left behind: ${left//$'\n'/; }"
}

# The checks can fail: a daemon that runs has a tap, a socket, a
# launcher; stopped, it leaves none of them.
: > "$WORK/fail.log"
start_daemon "$WORK/base.json"
cp "$WORK/daemon.log" "$WORK/fail.log"
SUM=$(state_sum)
left=$(leftovers $DAEMON_PID "$RPC")
grep -q "the tap" <<< "$left" && grep -q "socket file" <<< "$left" &&
	grep -q "launcher" <<< "$left" && pass "a running daemon's tap, socket, launcher are seen" ||
	fail "a running daemon's leftovers not seen: $left"
stop_daemon
rm -f "$RPC"	# the unprivileged appliance cannot remove it
printf '{"version": 1, "tenants": [\n]}\n' > "$STATE"
touch -d '2020-01-01' "$STATE"

variant user 'c["user"] = "nuse-nosuch-'$ID'"'
startfail "unknown user" "$WORK/user.json" "user \"nuse-nosuch-$ID\": no such user" "$RPC"

if id nuse-tool >/dev/null 2>&1; then
	variant tooluser 'c["user"] = "nuse-tool"'
	startfail "the tools' user as the appliance's" "$WORK/tooluser.json" \
		"launcher: user nuse-tool" "$RPC"
fi

variant statedir 'c["state_dir"] = "'"$WORK"'/afile/state"'
startfail "state_dir under a file" "$WORK/statedir.json" \
	"state: cannot create $WORK/afile/state: Not a directory" "$RPC"

good=$(cat "$STATE")
printf '{"version": 1, "tenants": [' > "$STATE"
startfail "a truncated state file" "$WORK/base.json" "$STATE: line 1" "$RPC"
printf '%s\n' "$good" > "$STATE"
touch -d '2020-01-01' "$STATE"

variant eal 'c["dpdk"]["port"] = "net_nosuch'$ID'"'
startfail "an EAL that cannot start" "$WORK/eal.json" "dpdk: EAL init failed" "$RPC"

variant port 'c["dpdk"]["port"] = "net_tap'$ID',iface=nuse-name-too-long-for-a-tap"'
startfail "a port that cannot be opened" "$WORK/port.json" "dpdk: no port" "$RPC"

python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen()
open(sys.argv[2], "w").close(); time.sleep(600)' $API_PORT "$WORK/bound" &
holder=$!
undo "kill $holder"
for i in $(seq 50); do [ -e "$WORK/bound" ] && break; sleep 0.1; done
startfail "the API address in use" "$WORK/base.json" \
	"api: cannot listen on 127.0.0.1:$API_PORT: Address already in use" "$RPC"
kill $holder; wait $holder 2>/dev/null

printf 'sekrit\n' > "$WORK/token"
chmod 644 "$WORK/token"
variant token 'c["api"]["token_file"] = "'"$WORK"'/token"'
startfail "a token file others may read" "$WORK/token.json" \
	"api: token file $WORK/token: must belong to root and be readable by no one else" "$RPC"

variant rpcdir 'c["rpc"]["socket"] = "'"$WORK"'/afile/rpc.sock"'
startfail "an RPC socket under a file" "$WORK/rpcdir.json" \
	"rpc: $WORK/afile is not a directory" "$WORK/afile/rpc.sock"

python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(); time.sleep(600)' \
	"$WORK/live.sock" &
holder=$!
undo "kill $holder"
for i in $(seq 50); do [ -S "$WORK/live.sock" ] && break; sleep 0.1; done
variant live 'c["rpc"]["socket"] = "'"$WORK"'/live.sock"'
startfail "an RPC socket another answers on" "$WORK/live.json" \
	"rpc: another appliance answers on $WORK/live.sock"
[ -S "$WORK/live.sock" ] && pass "the other's socket file is still there" ||
	fail "the other's socket file was removed"
kill $holder; wait $holder 2>/dev/null

variant group 'c["rpc"]["group"] = "nuse-nosuch-'$ID'"'
startfail "an unknown rpc group" "$WORK/group.json" \
	"rpc: group \"nuse-nosuch-$ID\": no such group" "$RPC"

mkdir -p "$WORK/lk/xtables.lock"
variant lock 'c["rpc"]["socket"] = "'"$WORK"'/lk/rpc.sock"'
startfail "an xtables lock that cannot be made" "$WORK/lock.json" \
	"iptables: cannot create the lock file $WORK/lk/xtables.lock: Is a directory" \
	"$WORK/lk/rpc.sock"

exit $FAILED
