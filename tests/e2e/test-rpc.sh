#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The tool RPC server on the real daemon, driven by rpcclient.py (the
# protocol of src/rpc/nrpc.h packed by hand): sessions in a tenant, a TCP
# server in it reached from a client host over the tap, blocking calls that
# stall no one, POLL and CANCEL, /proc files, garbage, a client killed in
# the middle of a call, who may connect; and `nuse-appliance exec`.
. "$(dirname "$0")/lib.sh"
need_root
command -v jq >/dev/null && command -v nc >/dev/null || { echo "skip: needs jq and nc"; exit 77; }
TAP=nt$ID
RPC=$WORK/run/rpc.sock
CLIENT="python3 $(cd "$(dirname "$0")" && pwd)/rpcclient.py $RPC"
# The other users tried below must reach the socket's directory.
chmod 711 "$WORK"

netns c$ID
write_config "$WORK/base.json" $TAP '[{"name": "a",
  "vnics": [{"name": "eth0", "mac": "02:00:00:86:00:10", "addresses": ["10.86.0.10/24"]}]}]'
jq --arg s "$RPC" '.rpc = {"socket": $s, "group": "users"}' "$WORK/base.json" > "$WORK/a.json"

# scenario NAME ARGS...: one rpcclient.py scenario; its checks count here
scenario() {
	local out rc
	out=$(timeout 60 $CLIENT "$@" 2>&1); rc=$?
	echo "$out"
	[ $rc = 0 ] || fail "scenario $1 exited $rc"
	return $rc
}

# exec_expect WHAT RC MESSAGE ARGS...
exec_expect() {
	local what=$1 want=$2 msg=$3 rc
	shift 3
	"$DAEMON" exec "$@" > "$WORK/exec.out" 2>&1; rc=$?
	[ $rc = "$want" ] && grep -q -- "$msg" "$WORK/exec.out" && pass "exec $what: $rc, \"$msg\"" ||
		fail "exec $what: exit $rc, want $want and \"$msg\": $(cat "$WORK/exec.out")"
}

exec_expect "with no appliance" 125 "cannot reach the appliance at $RPC" --socket "$RPC" a -- true
start_daemon "$WORK/a.json"
tap_to c$ID $TAP
ip -n c$ID addr add 10.86.0.1/24 dev $TAP
pings c$ID 10.86.0.10 || die "no ping reply from the tenant"

# The socket: root's, for the group too, nobody else.
[ "$(stat -c '%U:%G %a' "$RPC")" = "root:users 660" ] && pass "socket root:users 660" ||
	fail "socket: $(stat -c '%U:%G %a' "$RPC")"

echo "--- a TCP server in the tenant; its ACCEPT blocks while another session works"
$CLIENT echo a 10.86.0.10 7000 > "$WORK/echo.out" 2>&1 &
ECHO=$!
undo "kill $ECHO"
for i in $(seq 50); do grep -q listening "$WORK/echo.out" && break; sleep 0.1; done
sleep 1		# let the NULL calls run while ACCEPT waits
reply=$(echo "hello from the client host" | ip netns exec c$ID timeout 5 nc -q 2 10.86.0.10 7000)
wait $ECHO; rc=$?
cat "$WORK/echo.out"
[ $rc = 0 ] || fail "echo scenario exited $rc"
[ "$reply" = "HELLO FROM THE CLIENT HOST" ] && pass "the client host got \"$reply\"" ||
	fail "the client host got \"$reply\""

echo "--- POLL, CANCEL, /proc, garbage, big replies, fork"
scenario poll a
scenario proc a eth0
scenario garbage a
scenario slow a
scenario iptables a
scenario fork a 4242
scenario thread a 4242
scenario forkgone a 7005
scenario recvmsg a
scenario flood 60
kill -0 $DAEMON_PID && pass "the daemon is still running" || die "the daemon died"
n=$(grep -c "rpc: program " "$WORK/daemon.log")
[ "$n" -le 21 ] && pass "$n log lines for 71 bad connections (rate-limited)" ||
	fail "$n log lines for 71 bad connections"

echo "--- the shared channel (version 2), and clients scribbling over theirs"
scenario shm a
bells() { curl -s "http://127.0.0.1:$API_PORT/metrics" | awk '$1 == "nuse_dataplane_bell_wakeups_total" {print $2}'; }
b0=$(bells)
scenario shmwake a 3000 || grep -E "rpc:|error" "$WORK/daemon.log" | grep -v ": pid .* in tenant" | tail -20
b1=$(bells)
[ "${b1:-0}" -gt "${b0:-0}" ] && pass "the doorbell woke the kernel's CPU $((b1 - b0)) times" ||
	fail "the doorbell never woke the kernel's CPU ($b0, then $b1)"
SEED=${NUSE_TEST_SEED:-$RANDOM}
echo "shmfuzz seed $SEED (NUSE_TEST_SEED=$SEED repeats it)"
scenario shmfuzz a 30 $SEED
kill -0 $DAEMON_PID && pass "the daemon is still running" || die "the daemon died"

echo "--- a program killed in the middle of ACCEPT"
$CLIENT listen a 10.86.0.10 7100 block > "$WORK/block.out" 2>&1 &
BLOCK=$!
undo "kill -9 $BLOCK"
for i in $(seq 50); do grep -q accepting "$WORK/block.out" && break; sleep 0.1; done
grep -q accepting "$WORK/block.out" || fail "no listener: $(cat "$WORK/block.out")"
out=$(timeout 10 $CLIENT listen a 10.86.0.10 7100 bind)
[[ $out == *": -98" ]] && pass "while it lives, port 7100 is taken ($out)" || fail "port 7100: $out"
ip netns exec c$ID nc -z -w 2 10.86.0.10 7100 && pass "the client host reaches port 7100" ||
	fail "the client host cannot reach port 7100"
kill -9 $BLOCK
wait $BLOCK 2>/dev/null
for i in $(seq 20); do
	out=$(timeout 10 $CLIENT listen a 10.86.0.10 7100 bind) && break
	sleep 0.1
done
[[ $out == *": 0" ]] && pass "after SIGKILL, a new session binds port 7100 ($out)" ||
	fail "after SIGKILL: $out"
ip netns exec c$ID nc -z -w 2 10.86.0.10 7100 && fail "port 7100 still answers" ||
	pass "port 7100 is closed for the client host"

echo "--- who may connect"
as4242="setpriv --reuid=4242 --regid=4242"
out=$($as4242 --clear-groups timeout 10 $CLIENT refused a 2>&1) &&
	pass "uid 4242: $out" || fail "uid 4242 was let in: $out"
out=$($as4242 --clear-groups --inh-caps=+dac_override --ambient-caps=+dac_override \
	timeout 10 $CLIENT refused a 2>&1) &&
	pass "uid 4242 past the file's mode (CAP_DAC_OVERRIDE): $out" || fail "uid 4242 with CAP_DAC_OVERRIDE: $out"
out=$($as4242 --groups=100 timeout 10 $CLIENT hello a 2>&1) &&
	pass "uid 4242 in group users: $out" || fail "uid 4242 in group users: $out"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=+dac_override \
	--ambient-caps=+dac_override timeout 10 $CLIENT refused a 2>&1) &&
	pass "the appliance's own user (nobody) is refused too: $out" || fail "nobody was let in: $out"

echo "--- nuse-appliance exec"
exec_expect "a tenant that does not exist" 125 "tenant nosuch: no such tenant" --socket "$RPC" nosuch -- true
exec_expect "with no command" 125 "usage:" --socket "$RPC" a
exec_expect "a command that does not exist" 127 "no-such-command: No such file" --socket "$RPC" a -- no-such-command
exec_expect "passing the command's status" 3 "a $RPC .*libnuse-preload.so" --socket "$RPC" a -- \
	sh -c 'echo "$NUSE_TENANT $NUSE_SOCKET $LD_PRELOAD"; exit 3'
NUSE_SOCKET=$RPC exec_expect "taking \$NUSE_SOCKET" 0 "^$RPC\$" a -- sh -c 'echo $NUSE_SOCKET'

echo "--- a program that forks: its sockets go when it and its child have"
# The child _exits at once; its session had a copy of the listener.
tasks() { curl -s "http://127.0.0.1:$API_PORT/metrics" | awk '$1 == "nuse_kernel_host_tasks" { print $2 }'; }
listeners() { "$DAEMON" exec --socket "$RPC" a -- ss -Htln | grep -c ":$1\b"; }
before=$(tasks)
"$DAEMON" exec --socket "$RPC" a -- python3 -c '
import os, socket
s = socket.socket()
s.bind(("0.0.0.0", 7006))
s.listen()
pid = os.fork()
if pid == 0:
    os._exit(0)
s.close()
os.waitpid(pid, 0)' || fail "the forking program failed"
for i in $(seq 50); do
	[ "$(listeners 7006)" = 0 ] && [ "$(tasks)" = "$before" ] && break
	sleep 0.1
done
[ "$(listeners 7006)" = 0 ] && pass "no listener on :7006 left" ||
	fail "left behind: $("$DAEMON" exec --socket "$RPC" a -- ss -Htln | grep ":7006\b")"
[ "$(tasks)" = "$before" ] && pass "the kernel has $before tasks again" ||
	fail "$(tasks) kernel tasks, were $before"

echo "--- a second appliance on the same socket"
jq --arg p "127.0.0.1:$((API_PORT + 1))" --arg t "net_tap$((ID + 1)),iface=nu$ID" \
	'.api.listen = $p | .dpdk.port = $t | .state_dir += "2"' "$WORK/a.json" > "$WORK/b.json"
timeout 20 "$DAEMON" --config "$WORK/b.json" > "$WORK/b.log" 2>&1; rc=$?
[ $rc = 1 ] && grep -q "another appliance answers on $RPC" "$WORK/b.log" &&
	pass "a second appliance refuses to start: $(grep -o 'another appliance.*' "$WORK/b.log")" ||
	fail "second appliance: exit $rc: $(tail -3 "$WORK/b.log")"
scenario hello a

echo "--- the NULL round trip (informative)"
timeout 60 $CLIENT null a 5000

echo "--- a tenant deleted under a session, then a stop with a session blocked"
$CLIENT listen a 10.86.0.10 7200 block > "$WORK/block2.out" 2>&1 &
BLOCK2=$!
undo "kill -9 $BLOCK2"
for i in $(seq 50); do grep -q accepting "$WORK/block2.out" && break; sleep 0.1; done
code=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "http://127.0.0.1:$API_PORT/tenants/a")
[ "$code" = 204 ] && pass "DELETE /tenants/a with a session in it: 204" || fail "DELETE: $code"
out=$(timeout 10 $CLIENT hello a 2>&1)
[[ $out == *"hello a: -2 "* ]] && pass "a new HELLO to the deleted tenant: $out" || fail "HELLO: $out"
kill -0 $BLOCK2 && pass "the session in the deleted tenant is still there" ||
	fail "the session ended with its tenant"
stop_daemon
wait $BLOCK2 2>/dev/null; rc=$?
[ $rc = 1 ] && pass "its program saw the appliance go (exit $rc)" || fail "blocked program: exit $rc"
grep -q "did not answer" "$WORK/daemon.log" && fail "some session's tasks did not end"

echo "--- a restart replaces the socket file left behind"
[ -S "$RPC" ] && pass "the socket file stays (the unprivileged appliance cannot remove it)"
start_daemon "$WORK/a.json"
grep -q "replaced the stale socket $RPC" "$WORK/daemon.log" && pass "the stale socket was replaced" ||
	fail "no \"replaced the stale socket\" in the log"
scenario hello a
stop_daemon
exit $FAILED
