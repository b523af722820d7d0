#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A tenant's conntrack, nftables and socket diagnostics through Debian's
# conntrack, nft and ss via exec: conntrack -L lists the flow curl made
# to the client host and -D deletes it, conntrack -E reports a new flow
# as it happens, nft's fib and ct count expressions work on real
# packets (a second connection over the limit is refused), and ss -K
# aborts a program's connection.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../preload/tools.sh"
need_root
for t in conntrack nft ss curl python3 ping; do
	command -v $t >/dev/null || { echo "skip: no $t"; exit 77; }
done
TAP=nk$ID
CLIENT=c$ID
netns $CLIENT
write_config "$WORK/a.json" $TAP '[
  {"name": "t", "vnics": [{"name": "eth0", "mac": "02:00:00:7c:00:10",
			   "addresses": ["10.78.0.10/24"]}]}]'
start_daemon "$WORK/a.json"
tap_to $CLIENT $TAP
ip -n $CLIENT addr add 10.78.0.1/24 dev $TAP
wait_for test -S "$WORK/rpc.sock" || die "no RPC socket"
X() { $DAEMON exec --socket "$WORK/rpc.sock" t -- "$@"; }
mkdir "$WORK/www" && echo hello > "$WORK/www/index.html"
ip netns exec $CLIENT python3 -m http.server -b 10.78.0.1 -d "$WORK/www" 8000 \
	> /dev/null 2>&1 &
undo "kill $!"
RUN="X" CLIENT=$CLIENT
wait_for client_listens 8000 || die "no HTTP server on the client"

# nft: fib (the address is local) and ct count (one connection to :5000).
# A rule that needs conntrack is what turns it on in a namespace, as on
# any Linux host: without one, conntrack -L lists nothing.
cat > "$WORK/rules.nft" <<'EOF'
table inet f {
	chain in {
		type filter hook input priority 0; policy accept;
		fib daddr type local ip protocol icmp counter
		tcp dport 5000 ct count over 1 counter reject with tcp reset
	}
}
EOF
X nft -f "$WORK/rules.nft" || fail "nft -f with fib and ct count"

# conntrack -L/-D: the flow curl made.
[ "$(X curl -s http://10.78.0.1:8000/)" = hello ] && pass "curl from t" || fail "curl from t"
X conntrack -L -p tcp --dport 8000 > "$WORK/ct" 2>&1
grep -q "^tcp .* src=10.78.0.10 dst=10.78.0.1 sport=[0-9]* dport=8000 .*src=10.78.0.1 dst=10.78.0.10 sport=8000" "$WORK/ct" &&
	pass "conntrack -L lists curl's flow" || fail "conntrack -L: $(cat "$WORK/ct")"
X conntrack -D -p tcp --dport 8000 2>&1 | grep -q "1 flow entries have been deleted" &&
	pass "conntrack -D deleted it" || fail "conntrack -D"
X conntrack -L -p tcp --dport 8000 2>&1 | grep -q "^tcp" && fail "the flow is still there" ||
	pass "conntrack -L: gone"
X conntrack -C | grep -qx "[0-9]*" && pass "conntrack -C: $(X conntrack -C)" || fail "conntrack -C"

# conntrack -E: events as they happen.
X timeout 4 conntrack -E -e NEW -p icmp > "$WORK/ev" 2>&1 &
EV=$!
sleep 1.5
ip netns exec $CLIENT ping -n -c 2 -i 0.2 -W 1 10.78.0.10 > /dev/null
wait $EV
grep -q "\[NEW\] icmp .* src=10.78.0.1 dst=10.78.0.10 type=8" "$WORK/ev" &&
	pass "conntrack -E: the client's ping, as it came" || fail "conntrack -E: $(cat "$WORK/ev")"

fibcount() { X nft list chain inet f in | awk '/fib daddr type local/ {for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1)}'; }
n0=$(fibcount)
ip netns exec $CLIENT ping -n -c 3 -i 0.2 -W 1 10.78.0.10 > /dev/null
n1=$(fibcount)
[ $((n1 - n0)) = 3 ] && pass "nft fib: counted the 3 pings to a local address" ||
	fail "nft fib: $n0 then $n1: $(X nft list chain inet f in)"
X python3 -c '
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 5000)); s.listen(8)
held = []
while True:
    c, _ = s.accept(); held.append(c)' > /dev/null 2>&1 &
undo "kill $!"
RUN=X wait_for tenant_listens 5000 || fail "no server on t:5000"
ip netns exec $CLIENT python3 -c '
import socket, sys
a = socket.create_connection(("10.78.0.10", 5000), timeout=2)
try:
    b = socket.create_connection(("10.78.0.10", 5000), timeout=2)
    b.send(b"x"); b.recv(1)
    print("second connected")
except OSError as e:
    print("second refused", e.errno)' > "$WORK/cc" 2>&1
grep -q "second refused" "$WORK/cc" && pass "ct count: the second connection refused" ||
	fail "ct count: $(cat "$WORK/cc")"

# ss: a program's connection listed, and aborted by ss -K.
ip netns exec $CLIENT python3 -c '
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.78.0.1", 8001)); s.listen(1)
c, _ = s.accept(); time.sleep(30)' &
undo "kill $!"
wait_for client_listens 8001 || fail "no server on the client's 8001"
X python3 -c '
import socket
s = socket.create_connection(("10.78.0.1", 8001))
print("connected", flush=True)
try:
    print("eof", s.recv(10))
except OSError as e:
    print("error", e.errno)' > "$WORK/k" 2>&1 &
K=$!
wait_for grep -q connected "$WORK/k" || fail "t's program did not connect"
X ss -tn state established dst 10.78.0.1 | grep -q "10.78.0.1:8001" &&
	pass "ss lists the program's connection" || fail "ss: $(X ss -tan)"
X ss -K dst 10.78.0.1 dport = 8001 > /dev/null || fail "ss -K"
wait_for grep -q "error\|eof" "$WORK/k"
grep -q "error 103" "$WORK/k" && pass "ss -K: the program's recv failed ECONNABORTED" ||
	fail "ss -K: the program says $(cat "$WORK/k")"
X ss -tn dst 10.78.0.1 | grep -q ":8001" && fail "ss: still listed after -K" ||
	pass "ss -K: gone from ss"
wait $K

stop_daemon
grep -E 'BUG|WARNING|Oops' "$WORK/daemon.log" && fail "kernel complained" ||
	pass "the kernel said nothing wrong"
exit $FAILED
