#!/bin/bash
# re6st-test: timeout=200
# After kill -9 and a restart no stale TUN or route remains. n1's links, addresses and
# routes are recorded before its node first starts; the node runs (registry + 2 other
# nodes, full connectivity), is killed with SIGKILL and started again: full connectivity
# comes back, the TUN devices are exactly the tunnels the node reports and routes are
# not duplicated; after SIGTERM the host is back to the recorded state.
set -u
HERE=$(dirname "$(readlink -f "$0")")
. "$HERE/lib/topology.sh"
. "$HERE/lib/node.sh"
nl_init r6ek$$- "$1"
trap nl_cleanup EXIT

NODES=(reg n1 n2 n3)
nl_registry 2
i=11; for n in "${NODES[@]:1}"; do nl_public "$n" $i; i=$((i + 1)); done
nl_register "${NODES[@]}"
snapshot() {  # network state without counters, volatile fields and kernel-made local/anycast routes
  {
    topo_exec n1 ip -o link show | sed 's/^[0-9]*: //; s/ state [A-Z]*.*//; s/@.*//'
    topo_exec n1 ip -o addr show | awk '{print $2, $3, $4}'
    topo_exec n1 ip -6 route show table all | grep -v '^local\|^anycast\|^multicast\|^fe80\|^ff00'
    topo_exec n1 ip -4 route show table all
    topo_exec n1 ip -6 rule show; topo_exec n1 ip -4 rule show
  } | sort
}
snapshot >"$NL_W/before"
nl_start_all "${NODES[@]}"
nl_wait_full 90 "${NODES[@]}" || nl_fail "no full connectivity at first start"
nl_log "full connectivity after ${NL_WAITED}s"

kill -9 "${NL_PID[n1]}"; wait "${NL_PID[n1]}" 2>/dev/null; unset "NL_PID[n1]"
nl_log "n1 killed with SIGKILL; left behind: $(topo_exec n1 ip -o link show | grep -c 'tun\|re6st') links"
sleep 1
nl_start n1
nl_wait_ready n1
nl_wait_full 90 "${NODES[@]}" || nl_fail "no full connectivity after kill -9 and restart"
nl_log "restarted: full connectivity after ${NL_WAITED}s"
sleep 3
tuns=$(topo_exec n1 ip -o -d link show | awk -F': ' '/ tun / {print $2}' | sed 's/@.*//' | sort)
used=$(nl_tunnel_peers n1 | awk '{print $3}' | sort)
[ "$tuns" = "$used" ] || nl_fail "stale TUN devices after kill -9: ip link has [$(echo $tuns)], \
the node's tunnels use [$(echo $used)]"
dups=$(topo_exec n1 ip -6 route show table all | grep -v '^local\|^multicast\|^ff00' | sort | uniq -d)
[ -z "$dups" ] || nl_fail "duplicate routes after restart: $dups"
[ "$(topo_exec n1 ip -6 route show table all | grep -c "^unreachable $NL_NET")" = 1 ] ||
  nl_fail "expected exactly one 'unreachable $NL_NET' route: $(topo_exec n1 ip -6 route show table all)"

nl_stop n1 TERM || nl_fail "n1 did not exit on SIGTERM"
[ "$NL_RC" = 0 ] || nl_fail "n1 exit status $NL_RC after SIGTERM"
snapshot >"$NL_W/after"
diff "$NL_W/before" "$NL_W/after" >"$NL_W/diff" ||
  nl_fail "after kill -9, restart and SIGTERM, n1 is not back to its state before the node:
$(cat "$NL_W/diff")"
echo PASS
