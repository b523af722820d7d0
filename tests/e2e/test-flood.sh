#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Broadcast and multicast between local vNICs cost what the VLAN has, not
# its square: a tenant with 1,500 vNICs on one VLAN comes up (each vNIC's
# IPv6 sends DAD, MLD reports and router solicitations to multicast
# groups the others never joined) with few copies and none dropped, and
# unicast and ARP through the shared VLAN keep working.
. "$(dirname "$0")/lib.sh"
need_root
command -v jq >/dev/null || { echo "skip: no jq"; exit 77; }
TAP=nt$ID
N=${N:-1500}
netns c$ID
vnics=$(python3 -c "
import json
v = [{'name': 'e%d' % i, 'mac': '02:00:00:95:%02x:%02x' % (i >> 8, i & 255)} for i in range($N)]
v[0]['addresses'] = ['10.95.0.1/24', 'fd95::1/64']
v[$N - 1]['addresses'] = ['10.95.0.2/24']
print(json.dumps(v))")
# arp_ignore=1: with 1,500 interfaces on one segment, only the one that
# has the address answers ARP for it (and no other makes a neighbour
# entry for the asker), as any Linux host with many links on one LAN needs.
write_config "$WORK/a.json" $TAP "[{\"name\": \"many\", \"vnics\": $vnics,
  \"sysctls\": {\"net.ipv4.conf.all.arp_ignore\": \"1\"}},
  {\"name\": \"two\", \"vnics\": [{\"name\": \"eth0\", \"mac\": \"02:00:00:96:ff:01\",
   \"addresses\": [\"10.95.0.3/24\", \"fd95::3/64\"]}]}]"
sed -i 's/"memory": "128M"/"memory": "512M"/' "$WORK/a.json"
start_daemon "$WORK/a.json"
tap_to c$ID $TAP
ip -n c$ID addr add 10.95.0.254/24 dev $TAP
API=http://127.0.0.1:$API_PORT
sleep 3		# DAD, MLD and router solicitations of every vNIC

hairpin=$(metric nuse_dataplane_hairpin_total)
dropped=$(metric nuse_vnic_rx_peer_dropped_total)
fdropped=$(metric nuse_dataplane_flood_dropped_total)
filtered=$(metric nuse_dataplane_flood_filtered_total)
echo "hairpin $hairpin, dropped $dropped, floods dropped $fdropped, filtered $filtered"
[ -n "$hairpin" ] && [ "$hairpin" -lt $((N * 10)) ] && pass "$hairpin local copies for $N vNICs" \
	|| fail "$hairpin local copies for $N vNICs (want fewer than $((N * 10)))"
[ "$dropped" = 0 ] && [ "$fdropped" = 0 ] && pass "no copies dropped" \
	|| fail "copies dropped: hairpin $dropped, floods $fdropped"
[ -n "$filtered" ] && [ "$filtered" -gt 0 ] && pass "multicast filtered: $filtered copies not made" \
	|| fail "nothing filtered"
pings c$ID 10.95.0.1 && pass "the first vNIC answers ping (ARP across the VLAN)" \
	|| fail "the first vNIC does not answer"
pings c$ID 10.95.0.2 && pass "the last vNIC answers ping" || fail "the last vNIC does not answer"
ip netns exec c$ID ping -6 -c 2 -i 0.2 -W 1 "ff02::1%$TAP" 2>/dev/null | grep -q "bytes from" \
	&& pass "all-nodes multicast from the wire is answered" || fail "no answer to ff02::1"
# Between two local tenants: ARP (broadcast) and neighbour discovery
# (multicast to the solicited-node group only the target joined), hairpinned.
X="$DAEMON exec --socket $WORK/rpc.sock many --"
$X ping -c 2 -i 0.2 -W 1 10.95.0.3 >/dev/null 2>&1 && pass "tenant to local tenant: ping" \
	|| fail "no ping from tenant many to tenant two"
$X ping -6 -c 2 -i 0.2 -W 1 fd95::3 >/dev/null 2>&1 && pass "tenant to local tenant: ping -6 (ND hairpinned)" \
	|| fail "no ping -6 from tenant many to tenant two"
stop_daemon
exit $FAILED
