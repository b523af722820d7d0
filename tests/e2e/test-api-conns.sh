#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The API is not held hostage by idle connections: with 2,000 of them
# held open from 20 loopback addresses (each one the server closes opened
# again), a new client still gets /healthz at once; one address gets no
# more than api.max_connections_per_client; an idle connection is closed
# after api.idle_timeout.
. "$(dirname "$0")/lib.sh"
need_root
command -v python3 >/dev/null || { echo "skip: no python3"; exit 77; }
TAP=nc$ID
FLOOD="python3 $(dirname "$0")/connflood.py"
TENANTS='[{"name": "alpha", "vnics": [{"name": "eth0", "mac": "02:00:00:87:00:10"}]}]'

# The defaults.
write_config "$WORK/a.json" $TAP "$TENANTS"
start_daemon "$WORK/a.json"
(ulimit -n 8192; timeout 60 $FLOOD flood $API_PORT --addrs 20 --per 100) > "$WORK/flood.out" 2>&1 \
	&& pass "2,000 idle connections from 20 addresses: a new client is answered" \
	|| fail "a new client is not answered during the flood: $(cat "$WORK/flood.out")"
cat "$WORK/flood.out"
kill -0 $DAEMON_PID 2>/dev/null || die "the daemon died in the flood"
code=$(curl -s -m 3 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$API_PORT/healthz")
[ "$code" = 200 ] && pass "healthz after the flood" || fail "healthz after the flood: $code"
grep -q "idle connection(s) closed to make room" "$WORK/daemon.log" \
	&& pass "the log says idle connections were closed" || fail "no log line for closed connections"
stop_daemon

# Smaller limits, from the config.
sed -i "s|\"listen\": \"127.0.0.1:$API_PORT\"|&, \"max_connections\": 64, \"max_connections_per_client\": 16, \"idle_timeout\": 2|" "$WORK/a.json"
start_daemon "$WORK/a.json"
(ulimit -n 8192; timeout 60 $FLOOD flood $API_PORT --addrs 20 --per 50) > "$WORK/flood.out" 2>&1 \
	&& pass "max_connections 64: a new client is answered" \
	|| fail "max_connections 64: a new client is not answered: $(cat "$WORK/flood.out")"
n=$(timeout 20 $FLOOD perclient $API_PORT 127.0.0.250 40)
[ "$n" -ge 24 ] 2>/dev/null && pass "40 connections from one address: $n closed (limit 16)" \
	|| fail "40 connections from one address: $n closed, want >= 24"
t=$(timeout 20 $FLOOD idle $API_PORT 127.0.0.251 8)
python3 -c "import sys; t = float(sys.argv[1]); sys.exit(not 1.5 <= t <= 5)" "$t" \
	&& pass "an idle connection closed after $t s (idle_timeout 2)" \
	|| fail "an idle connection closed after $t s, want about 2"
code=$(curl -s -m 3 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$API_PORT/tenants/alpha")
[ "$code" = 200 ] && pass "GET a tenant after all that" || fail "GET a tenant: $code"
stop_daemon
exit $FAILED
