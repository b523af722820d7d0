#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The library's face and contents: only nuse_ symbols are global, nothing
# is needed from outside (no libc), and the kernel configuration has the
# network stack the appliance stands on and none of what it does not need.
set -u
top=${top_builddir:-.}
obj=$top/linux/nuse-kernel.o
config=$top/linux/build/linux/.config
fail=0

bad() { echo "FAIL: $*"; fail=1; }

[ -f "$obj" ] || { echo "FAIL: no $obj"; exit 1; }
globals=$(nm -g --defined-only "$obj" | awk '{print $3}')
[ -n "$globals" ] || bad "no global symbols at all"
others=$(echo "$globals" | grep -v '^nuse_')
[ -z "$others" ] || bad "global symbols outside nuse_: $(echo $others | head -c 300)"
for f in nuse_boot nuse_run nuse_next_deadline nuse_irq_raise nuse_halt \
	 nuse_syscall_submit nuse_syscall_run nuse_panic_message; do
	echo "$globals" | grep -qx "$f" || bad "$f is not exported"
done
undef=$(nm -u "$obj" | awk '{print $2}' | grep -v '^_GLOBAL_OFFSET_TABLE_$')
[ -z "$undef" ] || bad "needs symbols from outside: $(echo $undef | head -c 300)"
echo "exports: $(echo $globals | tr '\n' ' ')"

want_y="MMU=n SMP PREEMPT_NONE NO_HZ_IDLE MODULES=n BLOCK=n NET INET IPV6
UNIX PACKET NET_NS PROC_FS PROC_SYSCTL TCP_CONG_CUBIC TCP_CONG_BBR NETFILTER
NF_CONNTRACK NF_NAT NF_TABLES IP_NF_IPTABLES IP_NF_FILTER IP_NF_NAT
IP_NF_MANGLE IP_NF_RAW IP6_NF_IPTABLES IP6_NF_FILTER NETFILTER_XT_NAT
NETFILTER_XT_TARGET_MASQUERADE NETFILTER_XT_TARGET_REDIRECT
NETFILTER_XT_MATCH_CONNTRACK NETFILTER_XT_MATCH_STATE
NETFILTER_XT_MATCH_MULTIPORT NETFILTER_XT_MATCH_IPRANGE
NETFILTER_XT_MATCH_COMMENT NETFILTER_XT_MATCH_MARK NETFILTER_XT_MATCH_LIMIT
IP_NF_TARGET_REJECT IP6_NF_TARGET_REJECT NETFILTER_XT_TARGET_LOG
IP_MULTIPLE_TABLES IPV6_MULTIPLE_TABLES VLAN_8021Q PRINTK"
for w in $want_y; do
	case $w in
	*=n)	opt=${w%=n}
		grep -q "^CONFIG_$opt=y" "$config" && bad "CONFIG_$opt is set" ;;
	*)	grep -q "^CONFIG_$w=y" "$config" || bad "CONFIG_$w is not set" ;;
	esac
done
exit $fail
