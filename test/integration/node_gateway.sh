#!/bin/bash
# re6st-test: timeout=200
# --gateway exports a source-specific default route (RFC 9079): n1 runs with --gateway;
# the other nodes install `default from 2001:db8:42::/48` (::/0 from the network), and a
# ping from n2's node IP to an address outside the network that only n1 holds
# (2001:db8:ff::1 on n1's lo, standing for the internet) goes through it.
set -u
HERE=$(dirname "$(readlink -f "$0")")
. "$HERE/lib/topology.sh"
. "$HERE/lib/node.sh"
nl_init r6eg$$- "$1"
trap nl_cleanup EXIT

NODES=(reg n1 n2 n3)
nl_registry 2
i=11; for n in "${NODES[@]:1}"; do nl_public "$n" $i; i=$((i + 1)); done
nl_register "${NODES[@]}"
topo_exec n1 ip -6 addr add 2001:db8:ff::1/128 dev lo
NL_ARGS[n1]=--gateway
nl_start_all "${NODES[@]}"
nl_wait_full 90 "${NODES[@]}" || nl_fail "no full connectivity"
nl_log "full connectivity after ${NL_WAITED}s"
for n in reg n2 n3; do
  ok=
  for ((t = 0; t < 30; t++)); do
    topo_exec $n ip -6 route show table all | grep -q "^default from $NL_NET " && { ok=1; break; }
    sleep 1
  done
  [ -n "$ok" ] || nl_fail "$n has no 'default from $NL_NET' route: $(topo_exec $n ip -6 route show table all | grep -v '^local\|^multicast\|^fe80\|^ff00')"
  # Plain (not source-specific) default routes must not appear: re6stnet without --default.
  plain=$(topo_exec $n ip -6 route show table all | grep '^default ' | grep -v ' from ')
  [ -z "$plain" ] || nl_fail "$n installed a default route without 'from': $plain"
done
nl_log "default from $NL_NET installed on reg, n2, n3"
topo_exec n2 ping -6 -c 3 -i 0.3 -W 2 -I "$(nl_ip n2)" 2001:db8:ff::1 >/dev/null ||
  nl_fail "n2 cannot reach 2001:db8:ff::1 through the gateway n1: $(topo_exec n2 ip -6 route get 2001:db8:ff::1 from "$(nl_ip n2)" 2>&1)"
echo PASS
