#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Two tenants on VLANs 100 and 200 with the same IP address each answer
# only their own client.  Two tenants on VLAN 300 reach each other
# through the hairpin: a client's ping is routed by one to the other and
# never crosses the wire between them.
. "$(dirname "$0")/lib.sh"
need_root
TAP=nt$ID
netns sw$ID; netns c1$ID; netns c2$ID; netns c3$ID
write_config "$WORK/v.json" $TAP '[
 {"name": "red", "vnics": [{"name": "eth0", "mac": "02:00:00:78:01:10", "vlan": 100,
   "addresses": ["10.78.0.10/24"]}]},
 {"name": "blue", "vnics": [{"name": "eth0", "mac": "02:00:00:78:02:10", "vlan": 200,
   "addresses": ["10.78.0.10/24"]}]},
 {"name": "gw", "vnics": [{"name": "eth0", "mac": "02:00:00:79:00:01", "vlan": 300,
   "addresses": ["10.79.0.1/24"]}],
   "routes": [{"dst": "10.80.0.0/24", "via": "10.79.0.2"}],
   "sysctls": {"net.ipv4.ip_forward": "1", "net.ipv4.conf.all.send_redirects": "0",
               "net.ipv4.conf.eth0.send_redirects": "0"}},
 {"name": "far", "vnics": [{"name": "eth0", "mac": "02:00:00:79:00:02", "vlan": 300,
   "addresses": ["10.79.0.2/24", "10.80.0.5/24"]}]}]'
start_daemon "$WORK/v.json"
tap_to sw$ID $TAP
vlan_to sw$ID $TAP 100 c1$ID 10.78.0.1/24
vlan_to sw$ID $TAP 200 c2$ID 10.78.0.1/24
vlan_to sw$ID $TAP 300 c3$ID 10.79.0.100/24
vlan_switch sw$ID $TAP
ip -n c3$ID route add default via 10.79.0.1

pings c1$ID 10.78.0.10 && pass "VLAN 100 client reaches 10.78.0.10" || fail "VLAN 100 ping"
pings c2$ID 10.78.0.10 && pass "VLAN 200 client reaches 10.78.0.10" || fail "VLAN 200 ping"
lladdr() { ip -n "$1" neigh show "$2" | awk '{for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1)}'; }
mac1=$(lladdr c1$ID 10.78.0.10)
mac2=$(lladdr c2$ID 10.78.0.10)
[ "$mac1" = 02:00:00:78:01:10 ] && pass "VLAN 100 answered by red" || fail "VLAN 100 answered by '$mac1'"
[ "$mac2" = 02:00:00:78:02:10 ] && pass "VLAN 200 answered by blue" || fail "VLAN 200 answered by '$mac2'"

pings c3$ID 10.80.0.5 && pass "gw routes to far over the hairpin" || fail "no reply from far through gw"
stop_daemon
hp=$(sed -n 's/.*hairpin \([0-9]*\).*/\1/p' "$WORK/daemon.log")
[ "${hp:-0}" -gt 0 ] && pass "$hp frames hairpinned" || fail "nothing went through the hairpin"
exit $FAILED
