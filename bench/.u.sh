#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench-tools: unmodified tools against a tenant, side by side with the
# host in one run.
#  - the tool RPC's null round trip, on the socket and through the shared
#    channel, vs an echo process (rpcnull)
#  - a program's getsockname and UDP send+recv through the preload
#    library, on the socket and through the channel (plcalls)
#  - sendfile() of a host file into a tenant TCP socket vs on the host
#  - iperf3 TCP with the server inside a tenant through the preload
#    library vs the same server on the host kernel, same client host
#  - nginx with the same config in the tenant and on the host, wrk from
#    the same client namespace
#  - a UDP server in the tenant and on the host under the same flood
#  - PUT /tenants/NAME/iptables with 1,000 rules
#  - two programs making calls at once, the kernel on 1 CPU and on 2
#    (each channel served by its home CPU)
# Needs root.  Prints numbers; never fails on them.
[ "$(id -u)" = 0 ] || { echo "bench-tools: needs root"; exit 77; }
top_builddir=${top_builddir:-$(cd "$(dirname "$0")/.." && pwd)}
. "$(dirname "$0")/../tests/e2e/lib.sh"
SECS=${BENCH_SECS:-5}
TAP=nk$ID
write_config "$WORK/t.json" $TAP '[{"name": "t", "vnics": [
  {"name": "eth0", "mac": "02:00:00:93:01:01", "addresses": ["10.93.1.1/24"]}]}]'
start_daemon "$WORK/t.json"
SOCK=$WORK/rpc.sock
X() { "$DAEMON" exec --socket "$SOCK" "$@"; }

netns c$ID; tap_to c$ID $TAP; ip -n c$ID addr add 10.93.1.2/24 dev $TAP
	mkdir -p "$WORK/www" "$WORK/ngx-t" "$WORK/ngx-h"
	head -c 612 /dev/zero | tr '\0' x > "$WORK/www/index.html"
	# nginx_conf DIR ADDR: one worker, no master, every path in DIR
	nginx_conf() {
		cat > "$1/nginx.conf" <<-EOF
		user root; worker_processes 1; daemon off; master_process off;
		pid $1/nginx.pid; error_log $1/error.log;
		events { worker_connections 1024; }
		http {
		  access_log off; sendfile on; keepalive_requests 100000;
		  client_body_temp_path $1; proxy_temp_path $1; fastcgi_temp_path $1;
		  uwsgi_temp_path $1; scgi_temp_path $1;
		  server { listen $2:8080; root $WORK/www; }
		}
		EOF
	}
	# `exec`'s own process is not nginx's: stop nginx by its pid file,
	# and whatever is left at the end (a program whose appliance has
	# gone gets ENETDOWN from epoll_wait and logs it in a loop)
	undo "pkill -KILL -f $WORK/ngx-"
	nginx_stop() {
		kill "$(cat "$1/nginx.pid" 2>/dev/null)" 2>/dev/null
		for i in $(seq 50); do pgrep -f "$1/nginx.conf" > /dev/null || break; sleep 0.1; done
		pkill -KILL -f "$1/nginx.conf"
	}
	# nginx_wrk DIR ADDR OUT CMD...: nginx started by CMD, wrk at it into OUT
	nginx_wrk() {
		local dir=$1 addr=$2 out=$3 npid
		shift 3
		"$@" -c "$dir/nginx.conf" > "$dir/out" 2>&1 &
		npid=$!
		for i in $(seq 50); do
			ip netns exec c$ID curl -s -o /dev/null --max-time 1 http://$addr:8080/ && break
			sleep 0.1
		done
		ip netns exec c$ID wrk -t2 -c32 -d${SECS}s http://$addr:8080/ > "$out" 2>&1
		nginx_stop "$dir"
		kill $npid 2>/dev/null; wait $npid 2>/dev/null
	}
	rps() { sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$1" | tail -1; }
	nginx_conf "$WORK/ngx-t" 10.93.1.1
	nginx_wrk "$WORK/ngx-t" 10.93.1.1 "$WORK/wrk-t0" env NUSE_RPC_SHM=0 "$DAEMON" exec --socket "$SOCK" t -- nginx
	echo "nginx socket: $(rps $WORK/wrk-t0)"
	grep -i "sig\|warn\|err" $WORK/daemon.log | tail -5
FLOOD=$top_builddir/tests/dataplane/udpflood
[ -x "$FLOOD" ] || make -s -C "$top_builddir/tests" dataplane/udpflood > /dev/null 2>&1
if [ -x "$FLOOD" ]; then
	# udprecv_under WHERE CMD...: the server, then the flood at it; "read sent"
	udprecv_under() {
		local mac=$1 src=$2 dst=$3 dev=$4 out=$WORK/udp.out
		shift 4
		"$@" 9 $SECS > "$out" 2>&1 &
		local rpid=$!
		for i in $(seq 50); do grep -q listening "$out" && break; sleep 0.1; done
		sent=$(ip netns exec c$ID "$FLOOD" $dev $mac $src $dst $SECS)
		wait $rpid
		echo "$(sed -n 's/^\([0-9]*\) datagrams.*/\1/p' "$out") ${sent:-0}"
	}
	tmac=02:00:00:93:01:01
	read -r got0 sent0 <<< "$(NUSE_RPC_SHM=0 udprecv_under $tmac 10.93.1.2 10.93.1.1 $TAP X t -- "$top_builddir/bench/udprecv")"
	echo "socket: $got0 of $sent0"
	kill -0 $DAEMON_PID && echo daemon alive
	cp $WORK/daemon.log /tmp/udp-daemon.log
fi
