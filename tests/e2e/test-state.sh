#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The desired state survives restarts: a clean stop, kill -9 in the middle
# of changes, a corrupt state file (start-up refused, file untouched), and
# config tenants the state lacks.
. "$(dirname "$0")/lib.sh"
need_root
command -v curl >/dev/null || { echo "skip: no curl"; exit 77; }
# The interpreter itself: a version manager's shim can take a second a run.
PY=$(python3 -c 'import sys; print(sys.executable)') || { echo "skip: no python3"; exit 77; }
TAP=nt$ID
API=http://127.0.0.1:$API_PORT
J='Content-Type: application/json'
LOAD="$PY $(dirname "$0")/apiload.py"
STATE=$WORK/state/tenants.json

# start_daemon waits for "running with" in the log, which the previous
# daemon's log already says until the new one truncates it: empty it first.
# Every daemon leaves its DPDK runtime directory behind: remove ours.
start() {
	: > "$WORK/daemon.log"
	start_daemon "$1"
	undo "rm -rf /var/run/dpdk/nuse-$DAEMON_PID"
}

check() { # WHAT EXPECTED_CODE URL [curl args]
	local what=$1 want=$2 url=$3
	shift 3
	code=$(curl -s -o "$WORK/body" -w '%{http_code}' "$@" "$API$url")
	[ "$code" = "$want" ] && pass "$what: $code" || fail "$what: $code, want $want: $(cat "$WORK/body")"
}

# same_json A B: the two files hold equal JSON values
same_json() {
	$PY -c 'import json,sys; sys.exit(json.load(open(sys.argv[1])) != json.load(open(sys.argv[2])))' "$1" "$2"
}

# names: the names GET /tenants answers, one line
names() {
	curl -s "$API/tenants" | $PY -c 'import json,sys; print(" ".join(t["name"] for t in json.load(sys.stdin)))'
}

CFG='[{"name": "cfg", "vnics": [{"name": "eth0", "mac": "02:00:00:85:00:01", "addresses": ["10.85.0.1/24"]}]}]'
write_config "$WORK/c.json" $TAP "$CFG"

# --- a. a clean stop and start keep every tenant as it was ---
start "$WORK/c.json"
for i in 1 2 3; do
	check "POST /tenants t$i" 201 /tenants -H "$J" -d '{"name": "t'$i'",
	  "vnics": [{"name": "eth0", "mac": "02:00:00:85:01:0'$i'", "addresses": ["10.85.1.'$i'/24", "2001:db8:85::'$i'/64"]}],
	  "routes": [{"dst": "0.0.0.0/0", "via": "10.85.1.254"}]}'
done
check "POST t1 vNIC eth1" 201 /tenants/t1/vnics -H "$J" \
	-d '{"name": "eth1", "mac": "02:00:00:85:01:11", "vlan": 42, "mtu": 1400}'
check "POST t1 eth1 address" 201 /tenants/t1/vnics/eth1/addresses -H "$J" -d '{"address": "10.85.42.1/24"}'
check "POST t1 route" 201 /tenants/t1/routes -H "$J" -d '{"dst": "10.86.0.0/16", "via": "10.85.42.9", "table": 100}'
check "PATCH t1 sysctls" 200 /tenants/t1/sysctls -X PATCH -H "$J" -d '{"net.ipv4.ip_forward": "1"}'
check "DELETE t2" 204 /tenants/t2 -X DELETE
for t in cfg t1 t3; do
	check "GET $t before the restart" 200 /tenants/$t
	cp "$WORK/body" "$WORK/before-$t"
done
for q in "" "?table=100"; do
	check "GET t1 routes$q before the restart" 200 "/tenants/t1/routes$q"
	cp "$WORK/body" "$WORK/before-routes$q"
done
check "GET /tenants before the restart" 200 /tenants
cp "$WORK/body" "$WORK/before-list"
$PY -c 'import json,sys; t = json.load(open(sys.argv[1])); sys.exit(not (t["sysctls"] == {"net.ipv4.ip_forward": "1"} and len(t["vnics"]) == 2 and t["vnics"][1]["addresses"] == ["10.85.42.1/24"] and any(r["dst"] == "10.86.0.0/16" for r in t["routes"])))' "$WORK/before-t1" \
	&& pass "t1 has its vNIC, address, route and sysctl" || fail "t1 before the restart: $(cat "$WORK/before-t1")"
stop_daemon
start "$WORK/c.json"
for t in cfg t1 t3; do
	check "GET $t after the restart" 200 /tenants/$t
	same_json "$WORK/before-$t" "$WORK/body" && pass "$t is as it was" \
		|| fail "$t changed: before $(cat "$WORK/before-$t") after $(cat "$WORK/body")"
done
check "GET t2 after the restart" 404 /tenants/t2
check "GET /tenants after the restart" 200 /tenants
same_json "$WORK/before-list" "$WORK/body" && pass "GET /tenants is as it was" \
	|| fail "GET /tenants: before $(cat "$WORK/before-list") after $(cat "$WORK/body")"
# The sysctl is in the kernel again, not only in the state.
check "GET t1 sysctl" 200 "/tenants/t1/sysctls?name=net.ipv4.ip_forward"
grep -q '"net.ipv4.ip_forward": "1"' "$WORK/body" && pass "ip_forward is 1 again" || fail "sysctl: $(cat "$WORK/body")"
# The kernel's own tables too: the routes in main and in table 100.
for q in "" "?table=100"; do
	check "GET t1 routes$q after the restart" 200 "/tenants/t1/routes$q"
	same_json "$WORK/before-routes$q" "$WORK/body" && pass "t1 routes$q are as they were" \
		|| fail "t1 routes$q: before $(cat "$WORK/before-routes$q") after $(cat "$WORK/body")"
done
grep -q '"10.86.0.0/16"' "$WORK/body" && pass "the table 100 route is in the kernel again" || fail "routes: $(cat "$WORK/body")"
stop_daemon
cp "$STATE" "$WORK/good-state.json"

# --- d. config tenants the state lacks are added ---
rm -rf "$WORK/state"
write_config "$WORK/d.json" $TAP '[{"name": "A", "vnics": [{"name": "eth0", "mac": "02:00:00:85:0a:01"}]}]'
start "$WORK/d.json"
check "DELETE config tenant A" 204 /tenants/A -X DELETE
check "POST B" 201 /tenants -H "$J" -d '{"name": "B", "vnics": [{"name": "eth0", "mac": "02:00:00:85:0b:01"}]}'
[ "$(names)" = "B" ] && pass "only B before the restart" || fail "before the restart: $(names)"
stop_daemon
start "$WORK/d.json"
check "GET B after the restart" 200 /tenants/B
check "GET A after the restart" 200 /tenants/A
grep -q '"02:00:00:85:0a:01"' "$WORK/body" && pass "A is back as the config declares it" || fail "A: $(cat "$WORK/body")"
[ "$(names)" = "B A" ] && pass "B from the state, then A from the config" || fail "after the restart: $(names)"
grep -q "restoring 1 tenant(s) from the state, 1 from the config" "$WORK/daemon.log" \
	&& pass "the log tells state from config" || fail "log: $(grep restoring "$WORK/daemon.log")"
stop_daemon
$PY -c 'import json,sys; sys.exit([t["name"] for t in json.load(open(sys.argv[1]))["tenants"]] != ["B", "A"])' "$STATE" \
	&& pass "the state file now has A too" || fail "state: $(cat "$STATE")"

# --- c. a corrupt state file stops start-up and is left alone ---
# refused WHAT PATTERN: the daemon must refuse $STATE, name it and the
# problem (PATTERN, an extended regexp) in its log, and leave it as it is.
refused() {
	local sum rc pid i
	sum=$(sha256sum < "$STATE")
	"$DAEMON" --config "$WORK/c.json" > "$WORK/refused.log" 2>&1 &
	pid=$!
	undo "kill -9 $pid"
	undo "rm -rf /var/run/dpdk/nuse-$pid"
	for i in $(seq 150); do
		kill -0 $pid 2>/dev/null || break
		grep -q "running with" "$WORK/refused.log" && break
		sleep 0.1
	done
	if kill -0 $pid 2>/dev/null; then
		kill -9 $pid
		wait $pid 2>/dev/null
		fail "$1: the daemon started: $(grep -E "state|running" "$WORK/refused.log")"
	else
		wait $pid
		rc=$?
		[ $rc != 0 ] && pass "$1: start-up refused (exit $rc)" || fail "$1: exit 0"
	fi
	grep -F "$STATE" "$WORK/refused.log" | grep -Eq "$2" && pass "$1: the log names the file and the problem" \
		|| fail "$1: log: $(cat "$WORK/refused.log")"
	[ "$(sha256sum < "$STATE")" = "$sum" ] && pass "$1: the file is unchanged" || fail "$1: the file changed"
	[ ! -e "$STATE.tmp" ] || fail "$1: a $STATE.tmp was left"
	ip link show $TAP >/dev/null 2>&1 && fail "$1: the tap is still there"
}
mkdir -p "$WORK/state"
head -c $(( $(stat -c %s "$WORK/good-state.json") / 2 )) "$WORK/good-state.json" > "$STATE"
refused "truncated JSON" "line [0-9]+, column [0-9]+"
$PY - "$WORK/good-state.json" "$STATE" <<'END'
import json, sys
s = json.load(open(sys.argv[1]))
s["tenants"][1]["vnics"][0]["mac"] = "02:00:00:85:zz:01"
json.dump(s, open(sys.argv[2], "w"), indent=2)
END
refused "a bad MAC" 'tenants\[1\]\.vnics\[0\]\.mac'
printf '{"version": 1, "tenants": [{"name": "x"}, {"name": "x"}]}\n' > "$STATE"
refused "a name twice" 'tenants\[1\]\.name.*twice'
printf '{"version": 2, "tenants": []}\n' > "$STATE"
refused "version 2" 'version'
rm -f "$STATE"
start "$WORK/c.json"
[ "$(names)" = "cfg" ] && pass "without the file: the config's tenants alone" || fail "without the file: $(names)"
stop_daemon

# --- e. a large state: changes are journaled, kill -9 replays them ---
# 500 tenants make the file over 64 KiB: a change is appended to
# tenants.journal, the file is left as it is; after kill -9 in the middle
# of changes the restart has every answered one, in creation order; the
# first save after the start writes the file whole, and so does a clean
# stop (no journal left).
JOURNAL=$WORK/state/tenants.journal
$PY - "$STATE" <<'END'
import json, sys
ts = [{"name": "big%d" % i, "vnics": [{"name": "eth0", "mac": "02:00:02:%02x:%02x:01" % (i >> 8, i & 255),
       "addresses": ["10.%d.%d.1/24" % (120 + (i >> 8), i & 255)]}]} for i in range(500)]
with open(sys.argv[1], "w") as f:
    f.write('{"version": 1, "tenants": [\n' + ",\n".join(json.dumps(t) for t in ts) + "\n]}\n")
END
sed 's|"memory": "[^"]*"|"memory": "512M"|' "$WORK/c.json" > "$WORK/e.json"
start "$WORK/e.json"
[ ! -e "$JOURNAL" ] && pass "the first save after the start is whole" || fail "a journal after the start"
size0=$(stat -c %s "$STATE")
sum0=$(sha256sum < "$STATE")
[ "$size0" -gt 65536 ] || fail "the file is $size0 bytes: too small for a journal"
check "POST j1" 201 /tenants -H "$J" -d '{"name": "j1", "vnics": [{"name": "eth0", "mac": "02:00:00:85:0e:01"}]}'
check "DELETE big7" 204 /tenants/big7 -X DELETE
[ -s "$JOURNAL" ] && [ "$(sha256sum < "$STATE")" = "$sum0" ] \
	&& pass "the changes went to the journal, the file is as it was" \
	|| fail "journal: $(head -c 300 "$JOURNAL" 2>&1)"
$LOAD churn --port $API_PORT --log "$WORK/churnj.log" --prefix jj- \
	--mac-byte $((0x7e)) --max-live 20 --keep cfg j1 --keep-prefix big > "$WORK/churnj.out" 2>&1 &
client=$!
undo "kill $client"
for i in $(seq 100); do
	[ "$(grep -c '^answer' "$WORK/churnj.log" 2>/dev/null)" -ge 30 ] && break
	kill -0 $client 2>/dev/null || break
	sleep 0.1
done
kill -9 $DAEMON_PID
wait $DAEMON_PID 2>/dev/null
wait $client || fail "journal: the client: $(cat "$WORK/churnj.out")"
n=$(grep -c '^answer' "$WORK/churnj.log")
[ -s "$JOURNAL" ] && pass "a journal at the kill ($(wc -l < "$JOURNAL") lines)" || fail "no journal at the kill"
start "$WORK/e.json"
if $LOAD churn-check --port $API_PORT --log "$WORK/churnj.log"; then
	pass "kill -9 with a journal ($n answered): the state has every answered change, in order"
else
	fail "kill -9 with a journal: the state lost or invented a change"
fi
[ ! -e "$JOURNAL" ] && [ "$(sha256sum < "$STATE")" != "$sum0" ] \
	&& pass "the start replayed the journal into the file" || fail "the journal is still there after the start"
check "POST j2" 201 /tenants -H "$J" -d '{"name": "j2", "vnics": [{"name": "eth0", "mac": "02:00:00:85:0e:02"}]}'
[ -s "$JOURNAL" ] || fail "j2 was not journaled"
stop_daemon
[ ! -e "$JOURNAL" ] && grep -q '"name":"j2"' "$STATE" \
	&& pass "a clean stop writes the file whole: j2 in it, no journal" || fail "after the stop: $(ls "$WORK/state")"
rm -f "$STATE" "$JOURNAL"

# --- b. kill -9 at any moment loses no answered change ---
for rep in 1 2 3; do
	# A different moment each time: 0.5-1, 1-1.5, 1.5-2 s.
	ms=$((500 * rep + RANDOM % 500))
	delay=$((ms / 1000)).$(printf %03d $((ms % 1000)))
	start "$WORK/c.json"
	$LOAD churn --port $API_PORT --log "$WORK/churn$rep.log" --prefix k$rep- \
		--mac-byte $((0x70 + rep)) --max-live 20 --keep cfg > "$WORK/churn$rep.out" 2>&1 &
	client=$!
	undo "kill $client"
	# The delay counts from the client's first answer (python can be slow
	# to start on a busy machine).
	for i in $(seq 100); do
		grep -q '^answer' "$WORK/churn$rep.log" 2>/dev/null && break
		kill -0 $client 2>/dev/null || break
		sleep 0.1
	done
	sleep "$delay"
	kill -0 $client 2>/dev/null || fail "kill -9 #$rep: the client stopped early: $(cat "$WORK/churn$rep.out")"
	kill -9 $DAEMON_PID
	wait $DAEMON_PID 2>/dev/null
	wait $client
	rc=$?
	[ $rc = 0 ] || fail "kill -9 #$rep: the client: $(cat "$WORK/churn$rep.out")"
	n=$(grep -c '^answer' "$WORK/churn$rep.log")
	[ "$n" -ge 5 ] || fail "kill -9 #$rep: only $n requests answered before the kill"
	tail -1 "$WORK/churn$rep.log" | grep -q '^gone' || fail "kill -9 #$rep: the client did not see the daemon go"
	start "$WORK/c.json"
	if $LOAD churn-check --port $API_PORT --log "$WORK/churn$rep.log"; then
		pass "kill -9 #$rep after $delay s ($n answered): the state has every answered change"
	else
		fail "kill -9 #$rep after $delay s: the state lost or invented a change"
		tail -5 "$WORK/churn$rep.log"
	fi
	stop_daemon
done
exit $FAILED
