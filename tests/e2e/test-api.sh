#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The HTTP API's first endpoints on the real daemon: /healthz, /version,
# GET /tenants (answered by the dataplane thread, which owns the kernel),
# 404 and 405 as application/problem+json.  (The rest is issue 5.)
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
stop_daemon
exit $FAILED
