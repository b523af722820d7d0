#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# What operators' tools need from the preload library, on the real daemon
# through `nuse-appliance exec`: threads that block while others work,
# fcntl's unused argument, the channels spread over the kernel's CPUs,
# sendfile and splice (plsplice.c), close_range/closefrom over the library's
# connection, SIOCETHTOOL and the ARP ioctls (tests/preload/pltools.c
# does each as a tool does), Debian's ethtool and arp, and the log line a
# refused call leaves.
. "$(dirname "$0")/lib.sh"
need_root
for t in ${CC:-cc} ethtool arp; do
	command -v $t >/dev/null || { echo "skip: no $t"; exit 77; }
done
TAP=nw$ID
SOCK=$WORK/rpc.sock
# every worker serves channels (auto would leave them to CPU 0 on 2 cores)
NUSE_TEST_SERVE_CPUS=${NUSE_TEST_CPUS:-1} write_config "$WORK/a.json" $TAP '[
  {"name": "t", "vnics": [{"name": "eth0", "mac": "02:00:00:79:00:10",
			   "addresses": ["10.79.0.10/24"]}]}]'
start_daemon "$WORK/a.json"
wait_for() { local i; for i in $(seq 50); do "$@" && return 0; sleep 0.1; done; return 1; }
wait_for test -S "$SOCK" || die "no RPC socket at $SOCK"
SRC=$(cd "$(dirname "$0")/../preload" && pwd)
${CC:-cc} -O1 -Wall -o "$WORK/pltools" "$SRC/pltools.c" -lpthread || die "cannot build pltools"
X="$DAEMON exec --socket $SOCK t --"

for c in threads fcntl closerange bell ethtool arp; do
	echo "--- $c"
	timeout 90 $X "$WORK/pltools" $c 10.79.0.10 eth0; rc=$?
	[ $rc = 0 ] || fail "pltools $c exited $rc"
done

echo "--- the channels' calls were served on every serving CPU"
m=$(curl -s "http://127.0.0.1:$API_PORT/metrics")
echo "$m" | grep "^nuse_rpc_channel_calls_total"
ncpu=$(echo "$m" | grep -c '^nuse_rpc_channel_calls_total{cpu=')
idle=$(echo "$m" | grep '^nuse_rpc_channel_calls_total{cpu=' | awk '$2 == 0' | wc -l)
[ "$ncpu" = "${NUSE_TEST_CPUS:-1}" ] && [ "$idle" = 0 ] &&
	pass "$ncpu serving CPU(s), each took calls of its channels" ||
	fail "channel calls by CPU: $ncpu CPUs listed, $idle of them took none"
if [ "${NUSE_TEST_CPUS:-1}" -gt 1 ]; then
	grep -q "rpc: the programs' shared channels are served on kernel CPUs 0-$((NUSE_TEST_CPUS - 1))" \
		"$WORK/daemon.log" && pass "the log names the serving CPUs" || fail "no log line of the serving CPUs"
fi
open=$(echo "$m" | awk '/^nuse_rpc_channels\{/ { n += $2 } END { print n + 0 }')
[ "$open" = 0 ] && pass "no channel left open" || fail "$open channels still open"

echo "--- sendfile and splice between host files and pipes and tenant sockets"
${CC:-cc} -O1 -Wall -o "$WORK/plsplice" "$SRC/plsplice.c" -lpthread || die "cannot build plsplice"
timeout 150 $X "$WORK/plsplice" check; rc=$?
[ $rc = 0 ] || fail "plsplice check exited $rc"

echo "--- Debian's ethtool and arp"
out=$($X ethtool -i eth0 2>&1)
echo "$out" | grep -q "^driver: nuse" && pass "ethtool -i eth0: driver nuse" ||
	fail "ethtool -i: [$out]"
out=$($X ethtool eth0 2>&1)
echo "$out" | grep -q "Link detected: yes" && pass "ethtool eth0: link detected" ||
	fail "ethtool eth0: [$out]"
out=$($X ethtool -c eth0 2>&1)
echo "$out" | grep -q "Operation not supported" && pass "ethtool -c: Operation not supported" ||
	fail "ethtool -c: [$out]"
$X arp -i eth0 -s 10.79.0.33 02:00:00:79:00:33 && pass "arp -s" || fail "arp -s"
out=$($X arp -n -a 2>&1)
echo "$out" | grep -q "10.79.0.33.*02:00:00:79:00:33.*PERM" && pass "arp -a shows it" ||
	fail "arp -a: [$out]"
$X arp -i eth0 -d 10.79.0.33 && pass "arp -d" || fail "arp -d"

echo "--- refused and failed calls are logged: tenant, program, reason; rate-limited"
timeout 30 $X "$WORK/pltools" refused 10.79.0.10 eth0 || fail "pltools refused"
L=$WORK/daemon.log
grep "rpc: tenant t: program pltools" "$L" | head -3
grep -q "rpc: tenant t: program pltools (pid [0-9]* uid 0): bind(.*) failed: Cannot assign requested address" "$L" &&
	pass "a failed bind: logged with tenant, program and reason" || fail "no line for a failed bind"
grep -q "rpc: tenant t: program pltools (pid [0-9]* uid 0): setsockopt(.*) refused: Protocol not available" "$L" &&
	pass "a refused setsockopt: logged" || fail "no line for a refused setsockopt"
pid=$(sed -n 's/.*program pltools (pid \([0-9]*\) uid 0): open(.*/\1/p' "$L" | head -1)
n=$(grep -c "program pltools (pid ${pid:-none} " "$L")
[ "$n" -ge 3 ] && [ "$n" -le 5 ] && pass "81 failures of one program, $n lines (rate-limited)" ||
	fail "81 failures of one program, $n lines"
$X sh -c 'echo x > /proc/sys/kernel/domainname' 2>/dev/null
grep -q "rpc: tenant t: program sh (pid [0-9]* uid 0): open(/proc/sys/kernel/domainname) refused: Permission denied" "$L" &&
	pass "another program's refusal in the same 10 s is still logged" ||
	fail "one program's failures used up the others' log lines"
env LD_PRELOAD=$TOP_BUILD/src/libnuse-preload.so NUSE_TENANT=nosuch NUSE_SOCKET=$SOCK \
	ip addr >/dev/null 2>&1
grep -q "rpc: tenant nosuch: program ip (pid [0-9]* uid 0): no session: no such tenant" "$L" &&
	pass "a refused session: logged" || fail "no line for a refused session"
sleep 10		# the next window: what was left out is counted
timeout 30 $X "$WORK/pltools" refused 10.79.0.10 eth0 >/dev/null
grep -q "rpc: [0-9]* more failed tool calls were not logged" "$L" &&
	pass "what the limit left out is counted" || fail "no count of the lines left out"
grep -q "open(/proc/sys/kernel/domainname) refused: Permission denied" "$L" &&
	pass "a refused open names its path" || fail "no line for a refused open"

stop_daemon
exit $FAILED
