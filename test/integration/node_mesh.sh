#!/bin/bash
# re6st-test: timeout=240
# A registry (with its own node) and 8 nodes on a simulated internet, each registered
# with `re6st conf` by email token and started with `re6st node @re6stnet.conf`: every
# pair of node IPs pings (9 × 8 pairs); then one node is restarted 5 times in a row
# (SIGTERM, start again) and full connectivity comes back each time. Client count 3, so
# most pairs are routed over several tunnels by Babel.
set -u
HERE=$(dirname "$(readlink -f "$0")")
. "$HERE/lib/topology.sh"
. "$HERE/lib/node.sh"
nl_init r6em$$- "$1"
trap nl_cleanup EXIT

NODES=(reg n1 n2 n3 n4 n5 n6 n7 n8)
nl_registry 2 --client-count 3
i=11; for n in "${NODES[@]:1}"; do nl_public "$n" $i; i=$((i + 1)); done
nl_register "${NODES[@]}"
nl_log "registered: $(for n in "${NODES[@]}"; do printf '%s=%s ' "$n" "$(nl_cn "$n")"; done)"

# The registry node first, then the 8 nodes at the same moment (they all bootstrap at once).
NL_STAGGER=0 nl_start_all "${NODES[@]}"
nl_wait_full 90 "${NODES[@]}" || nl_fail "no full connectivity of 9 nodes after 90 s"
nl_log "full connectivity ($NL_OK pairs) ${NL_WAITED}s after the nodes were ready"
for n in "${NODES[@]}"; do
  [ "$(nl_tunnel_peers "$n" | wc -l)" -ge 1 ] || nl_fail "$n: status lists no tunnel"
done

for round in 1 2 3 4 5; do
  nl_stop n4 TERM || nl_fail "n4 did not exit within 10 s of SIGTERM (round $round)"
  [ "$NL_RC" = 0 ] || nl_fail "n4 exit status $NL_RC after SIGTERM (round $round)"
  nl_start n4
  nl_wait_ready n4
  nl_wait_full 60 "${NODES[@]}" || nl_fail "restart $round of n4: no full connectivity after 60 s"
  nl_log "restart $round of n4: full connectivity again after ${NL_WAITED}s"
done
echo PASS
