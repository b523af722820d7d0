#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Least privilege (doc/privileges.md) on the real daemon: once up, every
# thread is the configured user (default nuse-appliance, a system user of
# its own that scripts/install-deps creates) with no supplementary
# groups, exactly the documented capabilities in every set (none), and
# no_new_privs; it still serves the API, passes traffic and stops with 0.
# A numeric uid works as well, "root" keeps root with a warning, and an
# unknown user stops the daemon before it sets up the port.  An rpc.group
# that the appliance's user is in is refused, by --check and at start-up.
. "$(dirname "$0")/lib.sh"
need_root
command -v curl >/dev/null || { echo "skip: no curl"; exit 77; }
id nuse-appliance >/dev/null 2>&1 ||
	die "no user nuse-appliance: scripts/install-deps creates it"
APP_UID=$(id -u nuse-appliance)
APP_GID=$(id -g nuse-appliance)

# The capabilities doc/privileges.md says the appliance keeps, by number:
# none.  The control thread holds them in its effective and permitted sets,
# every thread in its bounding set.
KEPT=()
mask() { local m=0 c; for c in "$@"; do m=$((m | 1 << c)); done; printf '%016x' $m; }
KEPT_MASK=$(mask "${KEPT[@]}")
NONE=$(mask)

# thread_bad STATUS UID GID HELD: what in one thread's status (the text)
# differs from the documented state, a line each, HELD being what its
# effective and permitted sets must be
thread_bad() {
	local want k got
	for want in "Uid:$2 $2 $2 $2" "Gid:$3 $3 $3 $3" "Groups:" "CapInh:$NONE" \
		    "CapPrm:$4" "CapEff:$4" "CapBnd:$KEPT_MASK" "CapAmb:$NONE" "NoNewPrivs:1"; do
		k=${want%%:*}
		got=$(echo "$1" | sed -n "s/^$k:[[:space:]]*//p" | tr -s '\t ' '  ' | sed 's/ *$//')
		[ "$got" = "${want#*:}" ] || echo "$k is \"$got\", want \"${want#*:}\""
	done
}

# threads_ok PID UID GID: every thread of PID as documented; says which not.
# THREADS is left as the names of those checked.
threads_ok() {
	local t tid st name held bad ok=0 n=0
	THREADS=
	for t in /proc/$1/task/*; do
		tid=${t##*/}
		st=$(cat "$t/status" 2>/dev/null) && name=$(cat "$t/comm" 2>/dev/null) ||
			continue	# it has ended since
		held=$NONE
		[ "$tid" = "$1" ] && held=$KEPT_MASK
		bad=$(thread_bad "$st" "$2" "$3" "$held")
		[ -z "$bad" ] || { fail "thread $tid ($name): ${bad//$'\n'/; }"; ok=1; }
		n=$((n + 1))
		THREADS="$THREADS $name"
	done
	echo "$n threads:$THREADS"
	[ -d "/proc/$1/task/$1" ] || { fail "the main thread $1 is not among them"; ok=1; }
	# Ours are the control and the dataplane thread; the EAL adds more.
	[ $n -ge 3 ] || { fail "only $n thread(s)"; ok=1; }
	return $ok
}

# The check can fail: it rejects this root shell.
[ -n "$(thread_bad "$(cat /proc/$$/status)" "$APP_UID" "$APP_GID" "$KEPT_MASK")" ] \
	&& pass "the check rejects a root process" || fail "the check accepts a root process"

# with_user CONFIG USER: "user" set, and a state directory of its own
with_user() {
	sed -i -e "s|\"$WORK/state\"|\"$WORK/state-$2\"|" \
	       -e "/\"state_dir\"/a\\  \"user\": \"$2\"," "$1"
}

# --- the default user: nuse-appliance ---
TAP=nt$ID
netns c$ID
write_config "$WORK/a.json" $TAP '[{"name": "alpha",
  "vnics": [{"name": "eth0", "mac": "02:00:00:85:00:10", "addresses": ["10.85.0.10/24"]}]}]'
start_daemon "$WORK/a.json"
API=http://127.0.0.1:$API_PORT
threads_ok $DAEMON_PID "$APP_UID" "$APP_GID" &&
	pass "every thread: uid/gid nuse-appliance, no groups, capabilities $KEPT_MASK, no_new_privs"
caps=none
[ ${#KEPT[@]} = 0 ] || caps="[a-z_, ]* on the control thread, none on the others"
grep -q "privileges: now uid $APP_UID (nuse-appliance) gid $APP_GID (nuse-appliance) .*capabilities: $caps\$" \
	"$WORK/daemon.log" && pass "the log says so" || fail "no privileges line in the log"
grep "privileges:" "$WORK/daemon.log"
if [ -d "$WORK/state" ]; then
	[ "$(stat -c %u "$WORK/state")" = "$APP_UID" ] && pass "state_dir belongs to nuse-appliance" \
		|| fail "state_dir belongs to uid $(stat -c %u "$WORK/state")"
fi

# Still working with nothing: the API, a tenant made and removed, traffic.
code=$(curl -s -o "$WORK/body" -w '%{http_code}' "$API/tenants")
[ "$code" = 200 ] && grep -q '"alpha"' "$WORK/body" && pass "GET /tenants: 200" \
	|| fail "GET /tenants: $code $(cat "$WORK/body")"
code=$(curl -s -o "$WORK/body" -w '%{http_code}' -H 'Content-Type: application/json' \
	-d '{"name": "beta", "vnics": [{"name": "eth0", "mac": "02:00:00:85:00:20", "addresses": ["10.85.0.20/24"]}]}' \
	"$API/tenants")
[ "$code" = 201 ] && pass "POST /tenants: 201" || fail "POST /tenants: $code $(cat "$WORK/body")"
tap_to c$ID $TAP
ip -n c$ID addr add 10.85.0.1/24 dev $TAP
pings c$ID 10.85.0.10 && pass "ping alpha" || fail "no ping reply from alpha"
pings c$ID 10.85.0.20 && pass "ping beta, made after the drop" || fail "no ping reply from beta"
code=$(curl -s -o "$WORK/body" -w '%{http_code}' -X DELETE "$API/tenants/beta")
[ "$code" = 204 ] && pass "DELETE /tenants/beta: 204" || fail "DELETE /tenants/beta: $code"

# A thread born after the drop (DPDK's telemetry serves each client on a
# new one) inherits it.
sock=/var/run/dpdk/nuse-$DAEMON_PID/dpdk_telemetry.v2
if [ -S "$sock" ] && command -v python3 >/dev/null; then
	tele() { grep -c telemetry "/proc/$DAEMON_PID/task/"*/comm | awk -F: '{n += $2} END {print n}'; }
	before=$(tele)
	python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1]); s.recv(1024); time.sleep(60)' "$sock" &
	client=$!
	undo "kill $client"
	for i in $(seq 50); do [ "$(tele)" -gt "$before" ] && break; sleep 0.1; done
	if [ "$(tele)" -gt "$before" ]; then
		threads_ok $DAEMON_PID "$APP_UID" "$APP_GID" &&
			[ "$(echo $THREADS | grep -o telemetry | wc -l)" -gt "$before" ] &&
			pass "a thread started after the drop is alike"
	else
		fail "no telemetry client thread came"
	fi
	kill $client 2>/dev/null; wait $client 2>/dev/null
else
	echo "no telemetry socket: threads started later not checked"
fi
stop_daemon && pass "SIGTERM: exit 0"
grep -q " error: " "$WORK/daemon.log" && fail "errors logged: $(grep ' error: ' "$WORK/daemon.log")"

# --- a numeric uid ---
write_config "$WORK/n.json" nn$ID '[]'
with_user "$WORK/n.json" "$APP_UID"
start_daemon "$WORK/n.json"
threads_ok $DAEMON_PID "$APP_UID" "$APP_GID" &&
	pass "\"user\": \"$APP_UID\" is nuse-appliance on every thread"
stop_daemon

# --- root: kept, with a warning ---
write_config "$WORK/r.json" nr$ID '[]'
with_user "$WORK/r.json" root
start_daemon "$WORK/r.json"
grep -q "warn: privileges: \"user\" is root: privileges are not dropped" "$WORK/daemon.log" \
	&& pass "\"user\": \"root\" warns" || fail "no warning for root: $(grep privileges "$WORK/daemon.log")"
[ "$(sed -n 's/^Uid:[[:space:]]*//p' /proc/$DAEMON_PID/status | tr -s '\t' ' ')" = "0 0 0 0" ] \
	&& pass "and stays root" || fail "root did not stay root"
stop_daemon

# --- an unknown user: a clear error before the port ---
write_config "$WORK/u.json" nu$ID '[]'
with_user "$WORK/u.json" no-such-user-xyz
timeout 30 "$DAEMON" --config "$WORK/u.json" > "$WORK/u.log" 2>&1; rc=$?
cat "$WORK/u.log"
[ $rc != 0 ] && [ $rc != 124 ] && pass "unknown user: exit $rc" || fail "unknown user: exit $rc"
grep -q 'error: .*no-such-user-xyz.*no such user' "$WORK/u.log" \
	&& pass "the error names the user" || fail "no clear error naming the user"
grep -q "dpdk: port" "$WORK/u.log" && fail "the port was set up before the user was checked"

# --- rpc.group admitting the appliance's user: refused ---
# group_refused WHAT USER GROUP: --check and start-up both say no
group_refused() {
	write_config "$WORK/g.json" ng$ID '[]'
	with_user "$WORK/g.json" "$2"
	sed -i "s|\"socket\": \"$WORK/rpc.sock\"|&, \"group\": \"$3\"|" "$WORK/g.json"
	grep -q "\"group\": \"$3\"" "$WORK/g.json" || die "rpc.group not set in the config"
	"$DAEMON" --config "$WORK/g.json" --check > "$WORK/g.log" 2>&1; rc=$?
	[ $rc = 1 ] && grep -q "rpc.group: .*$4" "$WORK/g.log" && pass "--check, $1: exit 1: $(cat "$WORK/g.log")" ||
		fail "--check, $1: exit $rc: $(cat "$WORK/g.log")"
	timeout 30 "$DAEMON" --config "$WORK/g.json" > "$WORK/g.log" 2>&1; rc=$?
	[ $rc = 1 ] && grep -q "rpc.group: .*$4" "$WORK/g.log" && pass "start-up, $1: exit 1" ||
		fail "start-up, $1: exit $rc: $(cat "$WORK/g.log")"
	grep -q "dpdk: port" "$WORK/g.log" && fail "start-up, $1: the port was set up first"
}
group_refused "the user's own group" nuse-appliance "$(id -gn nuse-appliance)" "the group of the appliance's user"
group_refused "the user's own gid" "$APP_UID" "$APP_GID" "the group of the appliance's user"
groupadd "nt$ID" || die "groupadd"
undo "groupdel nt$ID"
usermod -a -G "nt$ID" nuse-appliance || die "usermod"
group_refused "a group the user is a member of" nuse-appliance "nt$ID" "is a member"
groupdel "nt$ID"
# And a group of its own is fine.
groupadd "nt$ID" || die "groupadd"
write_config "$WORK/g.json" ng$ID '[]'
sed -i "s|\"socket\": \"$WORK/rpc.sock\"|&, \"group\": \"nt$ID\"|" "$WORK/g.json"
"$DAEMON" --config "$WORK/g.json" --check > "$WORK/g.log" 2>&1 && pass "--check, a group of its own: exit 0" ||
	fail "--check, a group of its own: $(cat "$WORK/g.log")"
exit $FAILED
