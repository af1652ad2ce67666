#!/bin/bash
# re6st-test: timeout=200
# The IPv4 overlay: with registry --ipv4 10.42.0.0/16 8 every node gets 10.42.S.1, S
# being its certificate's subject serialNumber (re6stnet cli/node.py), and Babel routes
# the IPv4 prefixes through the tunnels: a registry node and 3 nodes ping each other's
# IPv4 overlay addresses (every pair), next to full IPv6 connectivity.
set -u
HERE=$(dirname "$(readlink -f "$0")")
. "$HERE/lib/topology.sh"
. "$HERE/lib/node.sh"
nl_init r6e4$$- "$1"
trap nl_cleanup EXIT
NL_IPV4=10.42.0.0/16 NL_IPV4_SUBLEN=8

NODES=(reg n1 n2 n3)
nl_registry 2 --ipv4 $NL_IPV4 $NL_IPV4_SUBLEN
i=11; for n in "${NODES[@]:1}"; do nl_public "$n" $i; i=$((i + 1)); done
nl_register "${NODES[@]}"
nl_log "IPv4 overlay addresses: $(for n in "${NODES[@]}"; do printf '%s=%s ' $n "$(nl_ip4 $n)"; done)"
nl_start_all "${NODES[@]}"
nl_wait_full 90 "${NODES[@]}" || nl_fail "no full IPv6 connectivity"
nl_log "IPv6: full connectivity after ${NL_WAITED}s"
for n in "${NODES[@]}"; do
  topo_exec $n ip -4 -o addr show | grep -q " $(nl_ip4 $n)/" ||
    nl_fail "$n does not hold its IPv4 overlay address $(nl_ip4 $n): $(topo_exec $n ip -4 -o addr show)"
done
NL_FAMILY=4 nl_wait_full 60 "${NODES[@]}" || nl_fail "no full IPv4 overlay connectivity \
(routes on n1: $(topo_exec n1 ip -4 route show table all | grep -v '^local\|^broadcast' | tr '\n' ';'))"
nl_log "IPv4 overlay: full connectivity after ${NL_WAITED}s"
echo PASS
