# SPDX-License-Identifier: GPL-2.0
# Unmodified Debian tools through the preload library: sourced by
# tests/preload/test-preload.sh (against the test double) and
# tests/e2e/test-exec.sh (against the real appliance), after
# tests/e2e/lib.sh.  The caller sets:
#   RUN      a command prefix that runs a program in the tenant
#   CLIENT   a host network namespace on the tenant's link
#   T_IF T_ADDR T_ADDR6   the tenant's interface and addresses (no prefix)
#   C_ADDR C_ADDR6        the client's
#   T_ADDRS  the tenant's global addresses as `ip -o addr` prints them, sorted
#   T_ROUTES the tenant's `ip -4 route`, without trailing blanks

# wait_for CMD...: until it succeeds, 5 s at most
wait_for() {
	local i
	for i in $(seq 50); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

tenant_listens() { $RUN ss -tln | grep -q ":$1 "; }
client_listens() { ip netns exec "$CLIENT" ss -tln | grep -q ":$1 "; }

tools_ip() {
	local got
	got=$($RUN ip -o addr show scope global 2>/dev/null | awk '{print $4}' | sort)
	[ "$got" = "$T_ADDRS" ] && pass "ip addr: exactly the tenant's addresses" ||
		fail "ip addr: got [$got], want [$T_ADDRS]"
	got=$($RUN ip -4 route 2>/dev/null | sed 's/ *$//')
	[ "$got" = "$T_ROUTES" ] && pass "ip route: exactly the tenant's routes" ||
		fail "ip route: got [$got], want [$T_ROUTES]"
	$RUN ip -6 route 2>/dev/null | grep -q "dev $T_IF" && pass "ip -6 route" ||
		fail "ip -6 route"
	$RUN ip rule 2>/dev/null | grep -q "lookup main" && pass "ip rule" || fail "ip rule"
	$RUN ip link 2>/dev/null | grep -q ": $T_IF[:@]" && pass "ip link shows $T_IF" ||
		fail "ip link"
}

tools_ping() {
	$RUN ping -n -c 2 -i 0.2 -W 2 "$C_ADDR" > "$WORK/ping.out" 2>&1 &&
		grep -q "2 received" "$WORK/ping.out" && pass "ping -c 2 $C_ADDR" ||
		{ fail "ping $C_ADDR"; cat "$WORK/ping.out"; }
	$RUN ping -n -6 -c 2 -i 0.2 -W 2 "$C_ADDR6" > "$WORK/ping6.out" 2>&1 &&
		grep -q "2 received" "$WORK/ping6.out" && pass "ping -6 -c 2 $C_ADDR6" ||
		{ fail "ping -6 $C_ADDR6"; cat "$WORK/ping6.out"; }
	$RUN ip neigh 2>/dev/null | grep -q "^$C_ADDR " && pass "ip neigh: the client" ||
		fail "ip neigh has no $C_ADDR"
}

tools_iptables() {
	$RUN iptables-legacy -L -n >/dev/null && pass "iptables-legacy -L" ||
		fail "iptables-legacy -L"
	$RUN iptables-legacy -A INPUT -s 192.0.2.7 -j DROP &&
		$RUN iptables-legacy -S INPUT | grep -q -- "-s 192.0.2.7/32 -j DROP" &&
		pass "iptables-legacy -A, -S" || fail "iptables-legacy -A, -S"
	iptables-legacy -S 2>/dev/null | grep -q 192.0.2.7 &&
		fail "the rule is on the host" || pass "the rule is not on the host"
	printf '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n%s\nCOMMIT\n' \
		"-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT" | $RUN iptables-legacy-restore &&
		$RUN iptables-legacy-save > "$WORK/saved" &&
		grep -q -- "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT" "$WORK/saved" &&
		grep -q ":FORWARD DROP" "$WORK/saved" && ! grep -q 192.0.2.7 "$WORK/saved" &&
		pass "iptables-legacy-restore, then -save" ||
		{ fail "iptables-legacy-restore/-save"; cat "$WORK/saved"; }
	$RUN ip6tables-legacy -A INPUT -s 2001:db8::7 -j DROP &&
		$RUN ip6tables-legacy -S INPUT | grep -q "2001:db8::7/128" &&
		pass "ip6tables-legacy -A, -S" || fail "ip6tables-legacy"
}

tools_nc() {
	local pid
	$RUN timeout 10 nc -l 5000 > "$WORK/nc.out" 2>&1 &
	pid=$!
	wait_for tenant_listens 5000 && pass "ss -tln: nc listens in the tenant" ||
		fail "ss -tln: no listener on 5000"
	echo "hello tenant" | ip netns exec "$CLIENT" timeout 5 nc -N "$T_ADDR" 5000
	wait $pid
	grep -q "hello tenant" "$WORK/nc.out" && pass "nc -l: a host client's data" ||
		{ fail "nc -l got [$(cat "$WORK/nc.out")]"; }
	ip netns exec "$CLIENT" timeout 10 nc -l 5001 > "$WORK/nc2.out" 2>&1 &
	pid=$!
	wait_for client_listens 5001
	echo "hello client" | $RUN timeout 5 nc -N "$C_ADDR" 5001
	wait $pid
	grep -q "hello client" "$WORK/nc2.out" && pass "nc: the tenant as client" ||
		fail "nc client: the host got [$(cat "$WORK/nc2.out")]"
}

tools_curl() {
	local got
	mkdir -p "$WORK/www" && echo "fetched through the tenant" > "$WORK/www/index.html"
	(cd "$WORK/www" && exec ip netns exec "$CLIENT" python3 -m http.server 8000 \
		--bind "$C_ADDR") >/dev/null 2>&1 &
	undo "kill $!"
	wait_for client_listens 8000
	got=$($RUN curl -sS --max-time 10 "http://$C_ADDR:8000/")
	[ "$got" = "fetched through the tenant" ] && pass "curl http://$C_ADDR:8000/" ||
		fail "curl got [$got]"
}

tools_iperf3() {
	local pid rc
	$RUN timeout 30 iperf3 -s -1 -p 5201 > "$WORK/iperf-s.log" 2>&1 &
	pid=$!
	wait_for tenant_listens 5201
	ip netns exec "$CLIENT" timeout 20 iperf3 -c "$T_ADDR" -p 5201 -t 1 > "$WORK/iperf-c.log" 2>&1
	rc=$?
	wait $pid
	[ $rc = 0 ] && grep -q receiver "$WORK/iperf-s.log" && pass "iperf3 -s -1 in the tenant: $(
		grep receiver "$WORK/iperf-c.log" | grep -o '[0-9.]* [MG]bits/sec')" ||
		{ fail "iperf3 server in the tenant"; tail -3 "$WORK/iperf-s.log" "$WORK/iperf-c.log"; }
	ip netns exec "$CLIENT" timeout 30 iperf3 -s -1 -p 5202 > "$WORK/iperf-s2.log" 2>&1 &
	pid=$!
	wait_for client_listens 5202
	$RUN timeout 20 iperf3 -c "$C_ADDR" -p 5202 -t 1 > "$WORK/iperf-c2.log" 2>&1
	rc=$?
	wait $pid
	[ $rc = 0 ] && grep -q receiver "$WORK/iperf-c2.log" && pass "iperf3 -c from the tenant" ||
		{ fail "iperf3 client in the tenant"; tail -3 "$WORK/iperf-c2.log"; }
}

tools_exit() {
	$RUN sh -c 'exit 3'
	[ $? = 3 ] && pass "the command's exit status comes back" || fail "exit status"
}

# The library's own checks (plcheck.c), built here: no build rule needed.
tools_plcheck() {
	local dir
	dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	${CC:-cc} -O1 -Wall -o "$WORK/plcheck" "$dir/plcheck.c" -lpthread ||
		{ fail "cannot build plcheck"; return; }
	$RUN timeout 120 "$WORK/plcheck" "$T_ADDR" "$T_IF" || FAILED=1
}

tools_all() {
	tools_ip
	tools_ping
	tools_iptables
	tools_nc
	tools_curl
	tools_iperf3
	tools_exit
	tools_plcheck
}
