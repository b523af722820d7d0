#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Kernel memory is admitted, never exhausted: tenants are created in a
# small kernel until the API refuses with 507; every tenant made before
# still answers ping and GET; deleting some makes room again; the kernel's
# OOM killer never runs.  A restart with a kernel too small for the state
# stops start-up with a clear error and leaves the state file as it was.
. "$(dirname "$0")/lib.sh"
need_root
command -v jq >/dev/null || { echo "skip: no jq"; exit 77; }
TAP=nt$ID
MAX=1500		# far more than 64M holds
netns c$ID
write_config "$WORK/a.json" $TAP '[]'
sed -i 's/"memory": "128M"/"memory": "64M"/' "$WORK/a.json"
start_daemon "$WORK/a.json"
tap_to c$ID $TAP
ip -n c$ID addr add 10.90.255.254/16 dev $TAP
API=http://127.0.0.1:$API_PORT
J='Content-Type: application/json'

tenant_body() { # N
	printf '{"name": "m%d", "vnics": [{"name": "eth0", "mac": "02:00:00:90:%02x:%02x", "addresses": ["10.90.%d.%d/16"]}]}' \
		"$1" $(($1 / 256)) $(($1 % 256)) $(($1 / 250)) $(($1 % 250 + 1))
}
tenant_ip() { echo "10.90.$(($1 / 250)).$(($1 % 250 + 1))"; }

n=0 code=
while [ $n -lt $MAX ]; do
	code=$(curl -s -o "$WORK/body" -w '%{http_code}' -X POST -H "$J" -d "$(tenant_body $n)" "$API/tenants")
	[ "$code" = 201 ] || break
	n=$((n + 1))
done
[ "$code" = 507 ] && pass "tenant $n refused with 507 after $n were made" \
	|| die "after $n tenants: $code, want 507: $(cat "$WORK/body")"
jq -e '.status == 507 and (.detail | test("kernel memory: [0-9.]+ MiB available, a tenant needs about [0-9.]+ MiB"))' \
	"$WORK/body" >/dev/null && pass "the problem names kernel memory: $(jq -r .detail "$WORK/body")" \
	|| fail "507 body: $(cat "$WORK/body")"
[ $n -ge 20 ] && pass "$n tenants fit in 64M" || fail "only $n tenants fit in 64M"
code=$(curl -s -o /dev/null -w '%{http_code}' "$API/tenants/m$n")
[ "$code" = 404 ] && pass "the refused tenant does not exist" || fail "the refused tenant: GET $code"

bad=0
for ((i = 0; i < n; i++)); do
	code=$(curl -s -o /dev/null -w '%{http_code}' "$API/tenants/m$i")
	[ "$code" = 200 ] || { bad=$((bad + 1)); echo "GET m$i: $code"; }
done
[ $bad = 0 ] && pass "all $n tenants answer GET" || fail "$bad of $n tenants do not answer GET"
for i in 0 $((n / 2)) $((n - 1)); do
	pings c$ID "$(tenant_ip $i)" 2 && pass "tenant m$i answers ping" || fail "tenant m$i does not answer ping"
done

curl -s "$API/metrics" > "$WORK/metrics"
for m in total used free available reserve; do
	grep -q "^nuse_kernel_memory_${m}_bytes [0-9]" "$WORK/metrics" \
		&& pass "/metrics has nuse_kernel_memory_${m}_bytes" || fail "no nuse_kernel_memory_${m}_bytes"
done

for ((i = n - 10; i < n; i++)); do
	code=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$API/tenants/m$i")
	[ "$code" = 204 ] || fail "DELETE m$i: $code"
done
made=0
for ((i = n - 10; i < n; i++)); do
	code=$(curl -s -o "$WORK/body" -w '%{http_code}' -X POST -H "$J" -d "$(tenant_body $i)" "$API/tenants")
	[ "$code" = 201 ] && made=$((made + 1))
done
[ $made -ge 5 ] && pass "after 10 deletes, $made of 10 creates succeed again" \
	|| fail "after 10 deletes only $made of 10 creates succeed: $(cat "$WORK/body")"
pings c$ID "$(tenant_ip $((n - 10)))" 2 && pass "a tenant made again answers ping" \
	|| fail "tenant m$((n - 10)), made again, does not answer ping"

# A vNIC is admitted too: fill what is left with vNICs of one tenant.
for ((i = 0; i < 200; i++)); do
	code=$(curl -s -o "$WORK/body" -w '%{http_code}' -X POST -H "$J" \
		-d "{\"name\": \"v$i\", \"mac\": \"02:00:00:91:$(printf %02x $i):01\"}" "$API/tenants/m0/vnics")
	[ "$code" = 201 ] || break
done
[ "$code" = 507 ] && pass "vNIC $i of m0 refused with 507" || fail "vNIC $i of m0: $code, want 507: $(cat "$WORK/body")"
pings c$ID "$(tenant_ip 0)" 2 && pass "m0 still answers ping" || fail "m0 no longer answers ping"

# And a ruleset: 5,000 rules need more than is left.
python3 -c "
print('*filter')
print(':INPUT ACCEPT [0:0]')
for i in range(5000):
    print('-A INPUT -s 10.%d.%d.%d/32 -j DROP' % (i >> 16, (i >> 8) & 255, i & 255))
print('COMMIT')" > "$WORK/rules"
code=$(curl -s -o "$WORK/body" -w '%{http_code}' -X PUT -H 'Content-Type: text/plain' \
	--data-binary @"$WORK/rules" "$API/tenants/m0/iptables")
[ "$code" = 507 ] && pass "a ruleset of 5,000 rules refused with 507" \
	|| fail "PUT of 5,000 rules: $code, want 507: $(head -c 300 "$WORK/body")"
curl -s "$API/tenants/m0/iptables" | grep -q -- "-A INPUT -s 10.0.0.1/32" \
	&& fail "the refused ruleset is in force" || pass "the refused ruleset is not in force"

grep -Eqi "out of memory|killed process|oom" "$WORK/daemon.log" \
	&& fail "the log speaks of OOM: $(grep -Ei 'out of memory|killed process|oom' "$WORK/daemon.log" | head -3)" \
	|| pass "no OOM-killer line in the log"
stop_daemon

# The state now holds more tenants than a 32M kernel takes.
sum=$(sha256sum < "$WORK/state/tenants.json")
sed -i 's/"memory": "64M"/"memory": "32M"/' "$WORK/a.json"
"$DAEMON" --config "$WORK/a.json" > "$WORK/small.log" 2>&1 &
pid=$!
for i in $(seq 300); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
kill -0 $pid 2>/dev/null && { kill -9 $pid; die "a kernel too small for the state: still running after 30 s"; }
wait $pid; rc=$?
[ $rc != 0 ] && pass "start-up with too small a kernel fails (exit $rc)" || fail "start-up with too small a kernel: exit 0"
grep -E "start-up: [0-9]+ tenant\(s\) to restore \([0-9]+ from the state file\), but only [0-9]+ fit" "$WORK/small.log" \
	&& pass "the log says how many fit" ||
	fail "no clear error: $(grep -E ' (error|warn): ' "$WORK/small.log" | head -8) ... $(tail -3 "$WORK/small.log")"
[ "$(sha256sum < "$WORK/state/tenants.json")" = "$sum" ] && pass "the state file is untouched" \
	|| fail "the state file changed"
exit $FAILED
