#!/usr/bin/env bash
# README's main job: builds re6st and starts a demo re6st network on this machine, in
# network namespaces (root). A simulated IPv4 internet with a registry host (registry +
# its own node), 4 public nodes, 2 nodes behind a NAT gateway running miniupnpd (UPnP
# IGD) and 2 behind a NAT without UPnP. Every node registers with `re6st conf` like a
# real user (email token, read from the registry's mbox) and runs `re6st node` from the
# re6stnet.conf that conf wrote: the nodes find each other through the registry, open
# tunnels on their own and route with Babel. A live table shows which node pairs reach
# each other (ping6 between node IPs) and each node's tunnels until Ctrl-C; everything
# is torn down on exit (logs are kept).
#   RE6ST=/path/to/re6st bash packaging/demo.sh   use an existing binary
#   DEMO_ROUNDS=N                                 stop after N status rounds
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
if [ -z "${RE6ST:-}" ]; then
  bash .ci/install-deps
  [ -d build ] || meson setup build -Dtests=false >/dev/null
  ninja -C build re6st >/dev/null
  RE6ST=$ROOT/build/re6st
fi
[ "$(id -u)" = 0 ] || { echo "demo.sh: needs root (network namespaces)" >&2; exit 1; }
source "$ROOT/test/integration/lib/topology.sh"
source "$ROOT/test/integration/lib/node.sh"
set +e  # the helpers check their own errors
NL_KEEP=1
nl_init r6demo- "$RE6ST"
trap nl_cleanup EXIT
trap 'exit 0' INT TERM
say() { echo "== $*"; }

NODES=(reg n1 n2 n3 n4 n5 n6 n7 n8)
say "network $NL_NET; everything under $NL_W"
say "simulated internet: registry 198.18.0.2, n1-n4 public, n5-n6 behind UPnP gateway gw1,"
say "  n7-n8 behind NAT gw2 (no UPnP)"
nl_registry 2
i=11; for n in n1 n2 n3 n4; do nl_public $n $i; i=$((i + 1)); done
nl_upnp_gateway gw1 21 1 || say "miniupnpd did not start on gw1: n5, n6 are plain NATed nodes"
topo_gateway gw2 22 2
topo_private n5 gw1 1 10; topo_private n6 gw1 1 11
topo_private n7 gw2 2 10; topo_private n8 gw2 2 11

say "the registry host registers first (its node holds the registry prefix) and starts its node"
nl_register reg
nl_start reg
nl_wait_ready reg
say "registration of the users' nodes with re6st conf (email tokens through the registry's mbox)"
nl_register "${NODES[@]:1}"
for n in "${NODES[@]}"; do echo "   $n: $(grep -m1 'Your subnet' "$NL_W/$n/conf.log")"; done

say "starting re6st node on n1..n8 (logs: $NL_W/NODE/log/re6stnet.log)"
for n in "${NODES[@]:1}"; do nl_start $n; done

say "live reachability (ping6 between node IPs) and tunnels, Ctrl-C to stop"
round=0
while :; do
  round=$((round + 1))
  nl_matrix "${NODES[@]}"
  cat "$NL_W/matrix"
  echo "  round $round: $NL_OK/$NL_TOTAL pairs connected"
  for n in "${NODES[@]}"; do
    if [ -z "${NL_PID[$n]:-}" ] || ! kill -0 "${NL_PID[$n]}" 2>/dev/null; then
      echo "   $n: node not running: $(tail -1 "$NL_W/$n/node.out")"; continue
    fi
    echo "   $n $(nl_cn $n) tunnels: $(nl_tunnel_peers $n | awk '{printf "%s(%s) ", $1, $2}')"
  done
  [ -n "${DEMO_ROUNDS:-}" ] && [ "$round" -ge "$DEMO_ROUNDS" ] && break
  sleep 3
done
