#!/bin/bash
# re6st-test: timeout=200
# re6stnet's -D/--default: n2 has no default route of its own and runs with --default,
# so the gateway n1's default route is installed for every source (plain `default via`,
# not `from <network>`) and n2 reaches an address behind the gateway through it. A node
# started with --default while an IPv6 default route exists refuses to run with
# re6stnet's one-line message.
set -u
HERE=$(dirname "$(readlink -f "$0")")
. "$HERE/lib/topology.sh"
. "$HERE/lib/node.sh"
nl_init r6ed$$- "$1"
trap nl_cleanup EXIT

NODES=(reg n1 n2 n3)
nl_registry 2
i=11; for n in "${NODES[@]:1}"; do nl_public "$n" $i; i=$((i + 1)); done
nl_register "${NODES[@]}"
topo_exec n1 ip -6 addr add 2001:db8:ff::1/128 dev lo
NL_ARGS[n1]=--gateway
topo_exec n2 ip -4 route del default
topo_exec n2 ip -6 route del default 2>/dev/null
NL_ARGS[n2]=--default
nl_start_all reg n1 n2
nl_wait_full 90 reg n1 n2 || nl_fail "no full connectivity"
nl_log "full connectivity after ${NL_WAITED}s"
ok=
for ((t = 0; t < 30; t++)); do
  topo_exec n2 ip -6 route show | grep -q "^default via fe80.* proto \(42\|babel\) " && { ok=1; break; }
  sleep 1
done
[ -n "$ok" ] || nl_fail "n2 (--default) has no plain default route: $(topo_exec n2 ip -6 route show table all | grep '^default')"
topo_exec n2 ip -6 route show | grep -q "^default from" && nl_fail "n2 (--default) installed a source-specific default"
topo_exec n2 ping -6 -c 3 -i 0.3 -W 2 -I "$(nl_ip n2)" 2001:db8:ff::1 >/dev/null ||
  nl_fail "n2 cannot reach 2001:db8:ff::1 through its default route"

# n3 gets an IPv6 default route of its own: --default must refuse to start.
topo_exec n3 ip -6 route add default dev eth0 metric 2048
out=$(cd "$NL_W/n3" && timeout 60 ip netns exec "$(topo_ns n3)" "$NL_RE6ST" node @re6stnet.conf \
  -s "$NL_W/n3/state" -r "$NL_W/n3/run" -l "$NL_W/n3/log" -v 3 --default 2>&1)
rc=$?
[ $rc = 1 ] || nl_fail "--default with a default route: exit $rc, expected 1 ($out)"
case $out in *"Detected default route"*"--default"*) ;; *) nl_fail "--default refusal message: $out";; esac
[ "$(echo "$out" | wc -l)" = 1 ] || nl_fail "--default refusal is not one line: $out"
nl_log "--default with a foreign default route refused: $out"
echo PASS
