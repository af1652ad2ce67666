#!/bin/bash
# re6st-test: timeout=300
# UPnP (issue 6 item 4): n2 sits behind a NAT gateway running miniupnpd and runs with
# re6stnet's default (no --ip: like `--ip upnp`); it maps its tunnel port on the gateway
# and announces the gateway's external address, so other nodes open tunnels to it: n2
# accepts incoming tunnels. n3 behind a NAT without UPnP gets no incoming tunnel but is
# reachable through its outgoing ones. Every pair pings; at exit n2 removes its mapping.
# Who opens a tunnel to n2 is chance: when n1, n4 and the registry are already
# neighbours of everyone, the nodes nobody connects to keep 2 client tunnels (as
# re6stnet) and none is left for n2. A short --tunnel-refresh makes them choose again
# (re6stnet's cure too), so n2 is picked within a few refreshes.
set -u
HERE=$(dirname "$(readlink -f "$0")")
. "$HERE/lib/topology.sh"
. "$HERE/lib/node.sh"
nl_init r6eu$$- "$1"
trap nl_cleanup EXIT

NODES=(reg n1 n4 n2 n3)
nl_registry 2 --client-count 3 --tunnel-refresh 10
nl_public n1 11; nl_public n4 12
nl_upnp_gateway gw1 21 1 || nl_fail "miniupnpd did not start on gw1"
topo_gateway gw2 22 2
topo_private n2 gw1 1 10
topo_private n3 gw2 2 10
nl_register "${NODES[@]}"
nl_start_all "${NODES[@]}"

mapped=
for ((t = 0; t < 30; t++)); do
  topo_exec gw1 nft list chain inet filter prerouting_miniupnpd | grep -q 'dnat' && { mapped=1; break; }
  sleep 1
done
[ -n "$mapped" ] || nl_fail "n2 made no port mapping on gw1 within 30 s (n2: \
$(grep -i upnp "$NL_W/n2/log/re6stnet.log" | tail -2 | tr '\n' ' ') miniupnpd: \
$(grep -i 'addportmapping\|error' "$NL_W/gw1/miniupnpd.log" | tail -3 | tr '\n' ' '))"
nl_log "mapping on gw1: $(topo_exec gw1 nft list chain inet filter prerouting_miniupnpd | grep dnat | tr -s ' ')"

nl_wait_full 120 "${NODES[@]}" || nl_fail "no full connectivity with NATed nodes"
nl_log "full connectivity after ${NL_WAITED}s"
incoming() { nl_tunnel_peers "$1" | awk '$2 ~ /^(in|incoming|server|accepted)$/'; }
for ((t = 0; t < 100; t++)); do [ -n "$(incoming n2)" ] && break; sleep 1; done
[ -n "$(incoming n2)" ] || nl_fail "n2 (behind UPnP) accepted no incoming tunnel in 100 s: \
$(nl_tunnel_peers n2 | tr '\n' ';')"
nl_log "n2 behind UPnP accepted: $(incoming n2 | tr '\n' ';')"
[ -z "$(incoming n3)" ] || nl_fail "n3 (NAT without UPnP) reports incoming tunnels: $(incoming n3 | tr '\n' ';')"

nl_stop n2 TERM || nl_fail "n2 did not exit on SIGTERM"
topo_exec gw1 nft list chain inet filter prerouting_miniupnpd | grep -q 'dnat' &&
  nl_fail "n2's port mapping is still on gw1 after its exit"
echo PASS
