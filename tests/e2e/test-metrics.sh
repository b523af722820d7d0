#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# /metrics on a live appliance: `promtool check metrics` finds nothing to
# say, and the numbers move with what happened (pings counted on the
# tenant's vNIC, API requests counted by method, route and code, the
# dataplane's time, the kernel's memory, conntrack per tenant, tool
# calls by op and sessions by transport).
. "$(dirname "$0")/lib.sh"
need_root
command -v promtool >/dev/null || { echo "skip: no promtool"; exit 77; }
TAP=nt$ID
netns c$ID
write_config "$WORK/a.json" $TAP '[{"name": "m1",
  "vnics": [{"name": "eth0", "mac": "02:00:00:89:00:10", "addresses": ["10.89.0.10/24"]}]},
 {"name": "m2", "vnics": [{"name": "eth0", "mac": "02:00:00:89:00:20", "addresses": ["10.89.0.20/24"]},
  {"name": "eth1", "mac": "02:00:00:89:00:21", "vlan": 9}]}]'
start_daemon "$WORK/a.json"
tap_to c$ID $TAP
ip -n c$ID addr add 10.89.0.1/24 dev $TAP
API=http://127.0.0.1:$API_PORT

scrape() { curl -s -D "$WORK/h" -o "$1" "$API/metrics"; }
value() { # FILE SERIES
	awk -v s="$2" '$1 == s { print $2 }' "$1"
}

scrape "$WORK/m0"
grep -qi '^content-type: text/plain; version=0.0.4' "$WORK/h" && pass "content type 0.0.4" \
	|| fail "content type: $(grep -i content-type "$WORK/h")"
out=$(promtool check metrics < "$WORK/m0" 2>&1); rc=$?
[ $rc = 0 ] && [ -z "$out" ] && pass "promtool: clean" || fail "promtool ($rc): $out"
grep -v '^#' "$WORK/m0" | grep -v '^nuse_' && fail "a name without the nuse_ prefix" || pass "every name starts with nuse_"
[ "$(value "$WORK/m0" nuse_tenants)" = 2 ] && pass "nuse_tenants 2" || fail "nuse_tenants: $(value "$WORK/m0" nuse_tenants)"
n=$(grep -c '^nuse_vnic_rx_packets_total{tenant="m2",vnic="eth1"}' "$WORK/m0")
[ "$n" = 1 ] && pass "per-vNIC series with tenant and vnic labels" || fail "no series for m2/eth1"
[ "$(value "$WORK/m0" 'nuse_conntrack_entries{tenant="m1"}')" != "" ] && pass "conntrack per tenant" || fail "no conntrack series"
total=$(value "$WORK/m0" nuse_kernel_memory_total_bytes); used=$(value "$WORK/m0" nuse_kernel_memory_used_bytes)
[ "${total%%.*}" -gt 100000000 ] && [ "${used%%.*}" -gt 0 ] && [ "${used%%.*}" -lt "${total%%.*}" ] \
	&& pass "kernel memory: $((used >> 20)) of $((total >> 20)) MiB" || fail "kernel memory: $used of $total"

S='nuse_vnic_rx_packets_total{tenant="m1",vnic="eth0"}'
T='nuse_vnic_tx_packets_total{tenant="m1",vnic="eth0"}'
rx0=$(value "$WORK/m0" "$S"); tx0=$(value "$WORK/m0" "$T")
pings c$ID 10.89.0.10 5 || fail "no ping reply"
curl -s "$API/nope" > /dev/null
scrape "$WORK/m1"
rx1=$(value "$WORK/m1" "$S"); tx1=$(value "$WORK/m1" "$T")
[ $((rx1 - rx0)) -ge 5 ] && [ $((tx1 - tx0)) -ge 5 ] && pass "5 pings counted on m1/eth0: rx +$((rx1 - rx0)), tx +$((tx1 - tx0))" \
	|| fail "pings not counted: rx $rx0 -> $rx1, tx $tx0 -> $tx1"
p0=$(value "$WORK/m0" nuse_port_rx_packets_total); p1=$(value "$WORK/m1" nuse_port_rx_packets_total)
[ $((p1 - p0)) -ge 5 ] && pass "port counted them too" || fail "port rx $p0 -> $p1"
r=$(value "$WORK/m1" 'nuse_api_requests_total{method="GET",route="/metrics",code="200"}')
[ "${r:-0}" -ge 1 ] && pass "API requests counted by route: /metrics $r" || fail "no count for GET /metrics"
r=$(value "$WORK/m1" 'nuse_api_requests_total{method="GET",route="other",code="404"}')
[ "${r:-0}" = 1 ] && pass "a 404 counted once, as route other" || fail "404 count: $r"
c=$(value "$WORK/m1" 'nuse_api_request_duration_seconds_count{method="GET",route="/metrics"}')
i=$(value "$WORK/m1" 'nuse_api_request_duration_seconds_bucket{method="GET",route="/metrics",le="+Inf"}')
[ "${c:-0}" -ge 1 ] && [ "$c" = "$i" ] && pass "histogram: count $c = +Inf bucket" || fail "histogram: count $c, +Inf $i"
b0=$(value "$WORK/m0" 'nuse_dataplane_seconds_total{state="idle"}'); b1=$(value "$WORK/m1" 'nuse_dataplane_seconds_total{state="idle"}')
python3 -c "import sys; sys.exit(not float('$b1') > float('$b0'))" && pass "dataplane idle time moves: $b0 -> $b1 s" \
	|| fail "idle time: $b0 -> $b1"
out=$(promtool check metrics < "$WORK/m1" 2>&1); rc=$?
[ $rc = 0 ] && [ -z "$out" ] && pass "promtool: clean after traffic" || fail "promtool ($rc): $out"

# The tool RPC: calls by op, refusals, sessions by transport.
X() { "$DAEMON" exec --socket "$WORK/rpc.sock" "$@"; }
s0=$(value "$WORK/m1" 'nuse_rpc_calls_total{op="socket"}')
o0=$(value "$WORK/m1" 'nuse_rpc_calls_refused_total{op="open"}')
X m1 -- ip -br addr > /dev/null || fail "exec m1 -- ip"
X m1 -- sh -c 'echo x > /proc/sys/kernel/domainname' 2>/dev/null
X m1 -- python3 -c "import socket, time; s = socket.socket(); time.sleep(3)" &
spid=$!
sleep 1
scrape "$WORK/m3"
s1=$(value "$WORK/m3" 'nuse_rpc_calls_total{op="socket"}')
o1=$(value "$WORK/m3" 'nuse_rpc_calls_refused_total{op="open"}')
[ "${s1:-0}" -gt "${s0:-0}" ] && pass "rpc calls counted by op: socket $s0 -> $s1" ||
	fail "socket calls: $s0 -> $s1"
[ "${o1:-0}" = $((${o0:-0} + 1)) ] && pass "a refused open counted once: $o0 -> $o1" ||
	fail "refused opens: $o0 -> $o1"
n=$(value "$WORK/m3" 'nuse_rpc_sessions{transport="channel"}')
n2=$(value "$WORK/m3" 'nuse_rpc_sessions{transport="socket"}')
[ "${n:-0}" -ge 1 ] && pass "a program's session open: $n on the channel" || fail "rpc sessions: $n on the channel, $n2 on the socket"
out=$(promtool check metrics < "$WORK/m3" 2>&1); rc=$?
[ $rc = 0 ] && [ -z "$out" ] && pass "promtool: clean with the rpc series" || fail "promtool ($rc): $out"
wait $spid

curl -s -X DELETE "$API/tenants/m2" > /dev/null
scrape "$WORK/m2"
grep -q 'tenant="m2"' "$WORK/m2" && fail "m2's series outlive it" || pass "a deleted tenant's series are gone"
[ "$(value "$WORK/m2" nuse_tenants)" = 1 ] && pass "nuse_tenants 1" || fail "nuse_tenants: $(value "$WORK/m2" nuse_tenants)"
stop_daemon
exit $FAILED
