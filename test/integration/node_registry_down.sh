#!/bin/bash
# re6st-test: timeout=240
# The registry is not needed by a running network (DESIGN.md §1): a registry host (with
# its node) and 5 nodes reach full connectivity; then the registry process is stopped:
# all 6 nodes stay connected for 30 s, and a node restarted while the registry is down
# rejoins from its cache (cache.db: network configuration and peer addresses).
set -u
HERE=$(dirname "$(readlink -f "$0")")
. "$HERE/lib/topology.sh"
. "$HERE/lib/node.sh"
nl_init r6ed$$- "$1"
trap nl_cleanup EXIT

NODES=(n1 n2 n3 n4 n5)
nl_registry 2 --client-count 2 --max-clients 10
i=11; for n in "${NODES[@]}"; do nl_public "$n" $i; i=$((i + 1)); done
nl_register reg "${NODES[@]}"
nl_start_all reg "${NODES[@]}"
nl_wait_full 90 reg "${NODES[@]}" || nl_fail "no full connectivity with the registry up"
nl_log "full connectivity of 6 nodes after ${NL_WAITED}s"
# Give the nodes time to learn each other's addresses (peer protocol) into their cache.
sleep 10

kill "$NL_REGPID"; wait "$NL_REGPID" 2>/dev/null; NL_REGPID=
topo_exec n1 curl -s -m 2 -o /dev/null "$NL_URL"getCa && nl_fail "the registry still answers"
nl_log "registry stopped"
for t in 1 2 3; do
  sleep 10
  nl_matrix reg "${NODES[@]}" || nl_fail "connectivity lost $((t * 10))s after the registry went down"
done
nl_log "still fully connected 30 s after the registry went down"

nl_stop n3 TERM || nl_fail "n3 did not exit on SIGTERM"
[ -s "$NL_W/n3/state/cache.db" ] || nl_fail "n3 has no cache.db in its state directory"
nl_start n3
nl_wait_ready n3
nl_wait_full 90 reg "${NODES[@]}" || nl_fail "restarted n3 did not rejoin from its cache (registry down)"
nl_log "n3 restarted without registry: full connectivity after ${NL_WAITED}s"
echo PASS
