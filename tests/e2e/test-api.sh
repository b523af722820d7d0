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
stop_daemon
exit $FAILED
