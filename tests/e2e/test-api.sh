#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The HTTP API on the real daemon, driven by curl: every endpoint and
# every error status, sub-resources read back from the kernel, bad input
# changing nothing, Idempotency-Key, the bearer token, and 503 while the
# tenants of a large state are being restored.
. "$(dirname "$0")/lib.sh"
need_root
command -v curl >/dev/null || { echo "skip: no curl"; exit 77; }
TAP=nt$ID
write_config "$WORK/a.json" $TAP '[{"name": "alpha",
  "vnics": [{"name": "eth0", "mac": "02:00:00:84:00:10", "addresses": ["10.84.0.10/24"]}]},
 {"name": "beta", "vnics": [{"name": "eth0", "mac": "02:00:00:84:00:20", "addresses": ["10.84.0.20/24"]}]}]'
start_daemon "$WORK/a.json"
API=http://127.0.0.1:$API_PORT

check() { # WHAT EXPECTED_CODE URL [curl args]
	local what=$1 want=$2 url=$3
	shift 3
	code=$(curl -s -o "$WORK/body" -D "$WORK/headers" -w '%{http_code}' "$@" "$API$url")
	[ "$code" = "$want" ] && pass "$what: $code" || fail "$what: $code, want $want: $(cat "$WORK/body")"
}

check "GET /healthz" 200 /healthz
grep -q '"status": "ok"' "$WORK/body" || fail "healthz body: $(cat "$WORK/body")"
check "GET /version" 200 /version
grep -q '"kernel": "6.1.' "$WORK/body" && pass "version names the kernel" || fail "version: $(cat "$WORK/body")"
check "GET /tenants" 200 /tenants
python3 -c 'import json,sys; names = [t["name"] for t in json.load(open(sys.argv[1]))]; sys.exit(names != ["alpha", "beta"])' "$WORK/body" \
	&& pass "tenants listed in order" || fail "tenants: $(cat "$WORK/body")"
pids=()
for i in $(seq 20); do curl -s "$API/tenants" > /dev/null & pids+=($!); done
wait "${pids[@]}"
check "GET /tenants after 20 at once" 200 /tenants
check "GET /nope" 404 /nope
grep -qi "content-type: application/problem+json" "$WORK/headers" && pass "404 is problem+json" || fail "404 content type"
check "POST /healthz" 405 /healthz -X POST
grep -qi "^allow: GET" "$WORK/headers" && pass "405 says Allow: GET" || fail "405 without Allow"
# Tenants over the API: create, read, conflict, bad input, delete.
J='Content-Type: application/json'
GAMMA='{"name": "gamma", "vnics": [{"name": "eth0", "mac": "02:00:00:84:00:30", "vlan": 30, "addresses": ["10.84.3.10/24"]}], "routes": [{"dst": "0.0.0.0/0", "via": "10.84.3.1"}]}'
check "POST /tenants" 201 /tenants -H "$J" -d "$GAMMA"
grep -qi "^location: /tenants/gamma" "$WORK/headers" && pass "Location: /tenants/gamma" || fail "no Location header"
grep -q '"vlan": 30' "$WORK/body" && pass "201 carries the tenant" || fail "201 body: $(cat "$WORK/body")"
check "GET /tenants/gamma" 200 /tenants/gamma
check "POST /tenants again" 409 /tenants -H "$J" -d "$GAMMA"
check "POST malformed JSON" 400 /tenants -H "$J" -d '{"name": '
grep -q "line 1" "$WORK/body" && pass "400 names line and column" || fail "400: $(cat "$WORK/body")"
check "POST not JSON" 415 /tenants -H 'Content-Type: text/plain' -d 'x'
check "POST a bad MAC" 422 /tenants -H "$J" -d '{"name": "d", "vnics": [{"name": "eth0", "mac": "nope"}]}'
grep -q '"field": "vnics\[0\].mac"' "$WORK/body" && pass "422 names the field" || fail "422: $(cat "$WORK/body")"
check "POST an unreachable gateway" 422 /tenants -H "$J" -d '{"name": "d", "vnics": [{"name": "eth0", "mac": "02:00:00:84:00:40", "addresses": ["10.84.4.1/24"]}], "routes": [{"dst": "0.0.0.0/0", "via": "10.99.0.1"}]}'
check "POST a MAC in use" 409 /tenants -H "$J" -d '{"name": "d", "vnics": [{"name": "eth0", "mac": "02:00:00:84:00:10"}]}'
head -c 70000 /dev/zero | tr '\0' ' ' > "$WORK/big"
check "POST 70 KB" 413 /tenants -H "$J" --data-binary @"$WORK/big"
check "PUT /tenants" 405 /tenants -X PUT
check "DELETE /tenants/gamma" 204 /tenants/gamma -X DELETE
check "GET /tenants/gamma after DELETE" 404 /tenants/gamma
check "DELETE /tenants/gamma again" 404 /tenants/gamma -X DELETE
check "GET /tenants at the end" 200 /tenants
python3 -c 'import json,sys; names = [t["name"] for t in json.load(open(sys.argv[1]))]; sys.exit(names != ["alpha", "beta"])' "$WORK/body" \
	&& pass "bad requests changed nothing" || fail "tenants now: $(cat "$WORK/body")"

# Sub-resources, read back from the kernel.
T=/tenants/alpha
check "GET $T/vnics" 200 $T/vnics
jq -e '.[0].name == "eth0" and .[0].addresses == ["10.84.0.10/24"]' "$WORK/body" >/dev/null \
	&& pass "vnics read back" || fail "vnics: $(cat "$WORK/body")"
check "POST $T/vnics" 201 $T/vnics -H "$J" -d '{"name": "eth1", "mac": "02:00:00:84:00:11", "vlan": 7, "addresses": ["10.85.0.1/24"]}'
grep -qi "^location: $T/vnics/eth1" "$WORK/headers" && pass "Location of the vNIC" || fail "vNIC Location"
check "GET $T/vnics/eth1" 200 $T/vnics/eth1
jq -e '.vlan == 7 and .mtu == 1500 and .mac == "02:00:00:84:00:11"' "$WORK/body" >/dev/null \
	&& pass "vNIC read back" || fail "vNIC: $(cat "$WORK/body")"
check "POST a vNIC name taken" 409 $T/vnics -H "$J" -d '{"name": "eth1", "mac": "02:00:00:84:00:12"}'
check "POST a vNIC MAC taken" 409 $T/vnics -H "$J" -d '{"name": "eth2", "mac": "02:00:00:84:00:20"}'
check "POST a vNIC with a bad MTU" 422 $T/vnics -H "$J" -d '{"name": "eth2", "mac": "02:00:00:84:00:12", "mtu": 10}'
grep -q '"field": "mtu"' "$WORK/body" && pass "422 names mtu" || fail "422: $(cat "$WORK/body")"
check "POST an address" 201 $T/vnics/eth1/addresses -H "$J" -d '{"address": "2001:db8:85::1/64"}'
jq -e '. == ["10.85.0.1/24", "2001:db8:85::1/64"]' "$WORK/body" >/dev/null \
	&& pass "addresses read back" || fail "addresses: $(cat "$WORK/body")"
check "POST the address again" 409 $T/vnics/eth1/addresses -H "$J" -d '{"address": "2001:db8:85::1/64"}'
check "POST a bad address" 422 $T/vnics/eth1/addresses -H "$J" -d '{"address": "10.1.2.300/24"}'
check "POST an address to no vNIC" 404 $T/vnics/eth9/addresses -H "$J" -d '{"address": "10.1.2.3/24"}'
check "POST a route" 201 $T/routes -H "$J" -d '{"dst": "10.99.0.0/16", "via": "10.85.0.254"}'
check "GET $T/routes" 200 $T/routes
jq -e 'map(select(.dst == "10.99.0.0/16" and .via == "10.85.0.254" and .dev == "eth1" and .protocol == "static")) | length == 1' "$WORK/body" >/dev/null \
	&& pass "the route is in the kernel's table" || fail "routes: $(cat "$WORK/body")"
jq -e 'map(select(.dst == "10.85.0.0/24" and .protocol == "kernel")) | length == 1' "$WORK/body" >/dev/null \
	&& pass "the real table has the connected route" || fail "routes: $(cat "$WORK/body")"
check "POST a route via nowhere" 422 $T/routes -H "$J" -d '{"dst": "10.98.0.0/16", "via": "10.200.0.1"}'
check "POST a route with a bad type" 422 $T/routes -H "$J" -d '{"dst": "10.98.0.0/16", "type": "nat"}'
grep -q '"field": "type"' "$WORK/body" && pass "422 names type" || fail "422: $(cat "$WORK/body")"
check "GET ?table=local" 200 "$T/routes?table=local"
jq -e 'map(select(.type == "local" and .dst == "10.84.0.10/32")) | length == 1' "$WORK/body" >/dev/null \
	&& pass "the local table" || fail "local: $(cat "$WORK/body")"
check "GET ?table=zero" 422 "$T/routes?table=zero"
# Routes a daemon made show who made them, by name or, without one, number.
$DAEMON exec --socket "$WORK/rpc.sock" alpha -- ip route add 10.96.0.0/16 via 10.85.0.254 proto bird &&
	$DAEMON exec --socket "$WORK/rpc.sock" alpha -- ip route add 10.95.0.0/16 via 10.85.0.254 proto 77 ||
	fail "ip route add proto bird / 77 through exec"
check "GET routes made by bird and by 77" 200 $T/routes
jq -e '(map(select(.dst == "10.96.0.0/16"))[0].protocol == "bird") and
	(map(select(.dst == "10.95.0.0/16"))[0].protocol == 77)' "$WORK/body" >/dev/null &&
	pass "route protocols: \"bird\" by name, 77 by number" || fail "protocols: $(cat "$WORK/body")"
check "DELETE the route" 204 $T/routes/10.99.0.0/16 -X DELETE
check "DELETE it again" 404 $T/routes/10.99.0.0/16 -X DELETE
check "PATCH sysctls" 200 $T/sysctls -X PATCH -H "$J" -d '{"net.ipv4.ip_forward": "1", "net.ipv4.conf.all.rp_filter": "2"}'
jq -e '."net.ipv4.ip_forward" == "1" and ."net.ipv4.conf.all.rp_filter" == "2"' "$WORK/body" >/dev/null \
	&& pass "sysctls read back" || fail "sysctls: $(cat "$WORK/body")"
check "PATCH with one unknown sysctl" 422 $T/sysctls -X PATCH -H "$J" -d '{"net.ipv4.ip_forward": "0", "net.ipv4.nope": "1"}'
check "PATCH a value the kernel refuses" 422 $T/sysctls -X PATCH -H "$J" -d '{"net.ipv4.ip_forward": "0", "net.ipv4.conf.all.rp_filter": "x"}'
check "GET sysctls by name" 200 "$T/sysctls?name=net.ipv4.tcp_congestion_control"
jq -e '."net.ipv4.ip_forward" == "1" and ."net.ipv4.tcp_congestion_control" == "cubic"' "$WORK/body" >/dev/null \
	&& pass "a failed PATCH changed nothing" || fail "sysctls: $(cat "$WORK/body")"
check "GET an unknown sysctl" 404 "$T/sysctls?name=net.ipv4.nope"
check "GET a sysctl outside net" 422 "$T/sysctls?name=kernel.hostname"
grep -q '"field": "kernel.hostname"' "$WORK/body" && pass "the 422 names it" || fail "422: $(cat "$WORK/body")"
check "PUT sysctls" 405 $T/sysctls -X PUT
check "GET $T/stats" 200 $T/stats
jq -e '.vnics.eth0.tx_packets >= 0 and (.snmp.Ip | has("InReceives")) and (.snmp.Tcp | has("ActiveOpens")) and (.snmp.Udp | has("InDatagrams")) and (.snmp.Icmp | has("InEchos"))' "$WORK/body" >/dev/null \
	&& pass "stats: vNIC and SNMP counters" || fail "stats: $(cat "$WORK/body")"
check "GET $T/links" 200 $T/links
jq -e 'map(select(.name == "lo" and .up and .ifindex == 1)) | length == 1' "$WORK/body" >/dev/null \
	&& pass "links: the loopback, up" || fail "links: $(cat "$WORK/body")"
jq -e 'map(select(.name == "eth1" and .mtu > 0 and (.mac | test("^02:")))) | length == 1' "$WORK/body" >/dev/null \
	&& pass "links: the vNIC with its MAC" || fail "links: $(cat "$WORK/body")"
check "POST $T/links" 405 $T/links -X POST
grep -qi "^allow: GET" "$WORK/headers" && pass "links: Allow: GET" || fail "links: no Allow"
check "GET /tenants/nobody/links" 404 /tenants/nobody/links
check "GET a tenant name too long for links" 404 /tenants/$(printf 'x%.0s' $(seq 70))/links
check "GET /tenants/alpha/links/" 404 /tenants/alpha/links/
check "DELETE /tenants/alpha/routes/ (no prefix)" 404 /tenants/alpha/routes/ -X DELETE
check "GET /tenants/alpha/routes/10.0.0.0/8" 405 /tenants/alpha/routes/10.0.0.0/8
grep -qi "^allow: DELETE" "$WORK/headers" && pass "a route: Allow: DELETE" || fail "route: no Allow"
check "DELETE the address" 204 $T/vnics/eth1/addresses/2001:db8:85::1/64 -X DELETE
check "DELETE vNIC eth1" 204 $T/vnics/eth1 -X DELETE
check "GET vNIC eth1 after" 404 $T/vnics/eth1
check "GET /tenants/nobody/routes" 404 /tenants/nobody/routes
check "GET an unknown sub-resource" 404 $T/nope
check "GET /metrics" 200 /metrics
grep -q '^nuse_tenants 2$' "$WORK/body" && pass "metrics count the tenants" || fail "metrics: $(grep nuse_tenants "$WORK/body")"

# Idempotency-Key: a retried POST gets the first answer.
D='{"name": "delta", "vnics": [{"name": "eth0", "mac": "02:00:00:84:00:50"}]}'
check "POST with a key" 201 /tenants -H "$J" -H "Idempotency-Key: k-1" -d "$D"
check "the same POST again" 201 /tenants -H "$J" -H "Idempotency-Key: k-1" -d "$D"
grep -qi "^idempotent-replayed: true" "$WORK/headers" && pass "the answer was replayed" || fail "not a replay"
check "the key with another body" 422 /tenants -H "$J" -H "Idempotency-Key: k-1" -d '{"name": "eps"}'
check "the same POST without the key" 409 /tenants -H "$J" -d "$D"
check "DELETE delta" 204 /tenants/delta -X DELETE
stop_daemon

# A bearer token from a file only root can read.
TOKEN=t0k3n-$RANDOM$RANDOM
echo "$TOKEN" > "$WORK/token"; chmod 644 "$WORK/token"
sed -i "s|\"listen\": \"127.0.0.1:$API_PORT\"|&, \"token_file\": \"$WORK/token\"|" "$WORK/a.json"
out=$(timeout 20 "$DAEMON" --config "$WORK/a.json" 2>&1) && fail "started with a token file others can read" \
	|| { echo "$out" | grep -q "readable by no one else" && pass "a world-readable token file is refused" || fail "token file: $out"; }
chmod 600 "$WORK/token"
start_daemon "$WORK/a.json"
check "no token" 401 /tenants
grep -qi "^www-authenticate: Bearer" "$WORK/headers" && pass "401 says Bearer" || fail "401 headers"
check "a wrong token" 401 /tenants -H "Authorization: Bearer nope"
check "the token" 200 /tenants -H "Authorization: Bearer $TOKEN"
check "healthz needs none" 200 /healthz
stop_daemon

# 503 while a large state is restored.
python3 - "$WORK/state/tenants.json" <<'PY'
import json, sys
ts = [{"name": "s%d" % i, "vnics": [{"name": "eth0", "mac": "02:00:01:%02x:%02x:01" % (i >> 8, i & 255),
       "addresses": ["10.%d.%d.1/24" % (100 + (i >> 8), i & 255)]}]} for i in range(600)]
json.dump({"version": 1, "tenants": ts}, open(sys.argv[1], "w"))
PY
sed -i 's|"memory": "128M"|"memory": "512M"|; s|"token_file": "[^"]*"|"token_file": null|' "$WORK/a.json"
"$DAEMON" --config "$WORK/a.json" > "$WORK/daemon.log" 2>&1 &
DAEMON_PID=$!
undo "kill -9 $DAEMON_PID"
seen503=0 seenstart=0
for i in $(seq 200); do
	code=$(curl -s -o "$WORK/body" -w '%{http_code}' "$API/tenants")
	[ "$code" = 503 ] && seen503=1
	code=$(curl -s -o "$WORK/hbody" -w '%{http_code}' "$API/healthz")
	[ "$code" = 503 ] && grep -q starting "$WORK/hbody" && seenstart=1
	grep -q "running with" "$WORK/daemon.log" && break
	sleep 0.02
done
[ $seen503 = 1 ] && pass "503 while restoring" || fail "no 503 while restoring"
[ $seenstart = 1 ] && pass "healthz says starting" || fail "healthz never said starting"
grep -q "running with 602 tenant" "$WORK/daemon.log" && pass "602 tenants up" || fail "$(grep running "$WORK/daemon.log")"
check "GET /tenants when up" 200 /tenants
stop_daemon
exit $FAILED
