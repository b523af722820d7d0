#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# What tools change in a tenant is live, not saved, until the operator
# saves it: GET shows what is unsaved, POST /tenants/NAME/save reads the
# tenant back with its rulesets and makes it survive a restart.  And every
# change asked of the API is logged once, with who asked and the result.
. "$(dirname "$0")/lib.sh"
need_root
command -v jq >/dev/null || { echo "skip: no jq"; exit 77; }
command -v iptables-legacy >/dev/null || { echo "skip: no iptables-legacy"; exit 77; }
TAP=nt$ID
SOCK=$WORK/rpc.sock
write_config "$WORK/a.json" $TAP '[{"name": "t", "vnics": [{"name": "eth0",
  "mac": "02:00:00:96:00:01", "addresses": ["10.96.0.1/24"]}]}]'
start_daemon "$WORK/a.json"
API=http://127.0.0.1:$API_PORT
J='Content-Type: application/json'
for i in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
RUN="$DAEMON exec --socket $SOCK t --"

unsaved() { curl -s "$API/tenants/t" | jq -c .unsaved; }
[ "$(unsaved)" = "[]" ] && pass "nothing unsaved after start" || fail "unsaved after start: $(unsaved)"
$RUN ip addr add 10.96.1.1/24 dev eth0 || fail "ip addr add under exec"
$RUN ip route add 10.97.0.0/24 via 10.96.0.254 || fail "ip route add under exec"
$RUN iptables-legacy -A INPUT -s 10.98.0.0/24 -j DROP || fail "iptables under exec"
[ "$(unsaved)" = '["vnics","routes"]' ] && pass "GET shows vnics and routes unsaved" \
	|| fail "unsaved: $(unsaved)"
grep -q "10.96.1.1" "$WORK/state/tenants.json" && fail "a tool's change is in the state file unsaved" \
	|| pass "the state file does not have it yet"

code=$(curl -s -o "$WORK/body" -w '%{http_code}' -X POST "$API/tenants/t/save")
[ "$code" = 200 ] && pass "POST save: 200" || fail "POST save: $code $(cat "$WORK/body")"
[ "$(unsaved)" = "[]" ] && pass "nothing unsaved after save" || fail "unsaved after save: $(unsaved)"
code=$(curl -s -o /dev/null -w '%{http_code}' "$API/tenants/t/save")
[ "$code" = 405 ] && pass "GET save: 405" || fail "GET save: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$API/tenants/nosuch/save")
[ "$code" = 404 ] && pass "save of no tenant: 404" || fail "save of no tenant: $code"

tail -5 "$WORK/daemon.log"; grep -c "audit: .*POST /tenants/t/save: 200" "$WORK/daemon.log" | grep -q '^1$' \
	&& pass "the save is audited once" || fail "save audited $(grep -c 'save: 200' "$WORK/daemon.log") times"
stop_daemon
start_daemon "$WORK/a.json"
for i in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
$RUN ip -4 addr show dev eth0 | grep -q "10.96.1.1/24" && pass "the saved address is back after a restart" \
	|| fail "the saved address is gone after a restart"
$RUN ip route | grep -q "10.97.0.0/24 via 10.96.0.254" && pass "the saved route is back" \
	|| fail "the saved route is gone: $($RUN ip route)"
$RUN iptables-legacy -S INPUT | grep -q -- "-A INPUT -s 10.98.0.0/24 -j DROP" \
	&& pass "the saved rule is back" || fail "the saved rule is gone: $($RUN iptables-legacy -S INPUT)"
[ "$(unsaved)" = "[]" ] && pass "nothing unsaved after the restart" || fail "unsaved: $(unsaved)"

# The audit: each change once, with the peer, the method, the path and the result.
curl -s -o /dev/null -X POST -H "$J" "$API/tenants" -d '{"name": "a2", "vnics": [{"name": "eth0", "mac": "02:00:00:96:00:02"}]}'
curl -s -o /dev/null -X POST -H "$J" "$API/tenants" -d '{"name": "a3", "vnics": [{"name": "eth0", "mac": "zz"}]}'
curl -s -o /dev/null -X DELETE "$API/tenants/a2"
curl -s -o /dev/null "$API/tenants/t"
sleep 0.2
grep -E "audit: 127\.0\.0\.1:[0-9]+ POST /tenants: 201$" "$WORK/daemon.log" >/dev/null \
	&& pass "a create is audited" || fail "no audit line for the create"
grep -E "audit: 127\.0\.0\.1:[0-9]+ POST /tenants: 422 vnics\[0\]\.mac" "$WORK/daemon.log" >/dev/null \
	&& pass "a refused create is audited with the field" || fail "no audit line for the refusal"
grep -E "audit: 127\.0\.0\.1:[0-9]+ DELETE /tenants/a2: 204$" "$WORK/daemon.log" >/dev/null \
	&& pass "a delete is audited" || fail "no audit line for the delete"
grep -E "audit: .* GET " "$WORK/daemon.log" >/dev/null && fail "a GET was audited" || pass "reads are not audited"
# A flood of refusals is rate-limited.
pids=()
for i in $(seq 200); do
	curl -s -m 5 -o /dev/null -X POST -H "$J" "$API/tenants" -d '{' &
	pids+=($!)
	[ $((i % 50)) = 0 ] && { wait "${pids[@]}"; pids=(); }
done
n=$(grep -c "audit: .* 400" "$WORK/daemon.log")
[ "$n" -lt 200 ] && pass "200 refusals, $n audit lines" || fail "200 refusals, $n audit lines: not rate-limited"
stop_daemon
exit $FAILED
