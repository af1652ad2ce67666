#!/bin/bash
# re6st-test: timeout=360
# The registry with its real local node (registry.py §12 end to end): a registry, its own
# `re6st node` (the first certificate, same -r/--run so the registry finds the node's
# control socket) and 2 nodes on a simulated internet. Once they are connected:
# getBootstrapPeer gives a node another node's prefix and public address (RSA-encrypted
# to it); versions names every node with its "version, platform"; topology names every
# node; getIPv4Information gives a node's public IPv4 address by email. Exits 77 (skip)
# when this build's `re6st node` cannot run a node yet.
set -u
HERE=$(dirname "$(readlink -f "$0")")
. "$HERE/lib/topology.sh"
. "$HERE/lib/node.sh"
CLIENT="/usr/bin/python3 $HERE/registry_client.py"

if "$1" node --help >/dev/null 2>&1 &&
  "$1" node --registry http://127.0.0.1:9/ --ca /nonexistent 2>&1 | grep -q 'not available in this build'; then
  echo "SKIP: re6st node cannot run a node in this build"
  exit 77
fi

nl_init r6rn$$- "$1"
trap nl_cleanup EXIT
nl_registry 2 --client-count 2
nl_public n1 11
nl_public n2 12
nl_public probe 13  # a registered machine without a running node: the asking client
nl_register reg n1 n2 probe
for n in reg n1 n2; do nl_start "$n"; done
for n in reg n1 n2; do nl_wait_ready "$n"; done
nl_wait_full 90 reg n1 n2 || nl_fail "no full connectivity of reg, n1, n2 after 90 s"
nl_log "connected after ${NL_WAITED}s: reg=$(nl_cn reg) n1=$(nl_cn n1) n2=$(nl_cn n2)"
REG=$(nl_bits reg) N1=$(nl_bits n1) N2=$(nl_bits n2)

private() {  # TARGET [CURL OPTIONS]: a private RPC from the registry host itself
  local t=$1; shift
  topo_exec reg curl -s -m 20 "$@" "http://127.0.0.1$t"
}

# versions: every node routed by the registry node, and itself, answers code 4. Babel
# may still be installing routes right after the pings, and a relayed question to a
# node without a peer-protocol session only starts the handshake (tunnel.py sendto
# drops it, as re6stnet does): retry for a while. Seen: 0-5 s idle, ~45 s under load.
for i in $(seq 25); do
  V=$(private /versions)
  echo "$V" | /usr/bin/python3 -c '
import json, sys
v = json.load(sys.stdin)
want = set(sys.argv[1:])
sys.exit(0 if want <= set(v) and all(isinstance(v[k], str) and ", " in v[k] for k in want) else 1)' \
    "$REG" "$N1" "$N2" && break
  [ $i = 25 ] && nl_fail "versions does not name reg, n1, n2 with a version: $V"
  sleep 2
done
nl_log "versions: $V"

# topology: a walk from the registry node through the tunnels each node reports.
for i in $(seq 25); do
  TOPO=$(private /topology)
  echo "$TOPO" | /usr/bin/python3 -c '
import json, sys
g = json.load(sys.stdin)
want = set(sys.argv[1:])
sys.exit(0 if want <= set(g.get("", [])) and all(g.get(cn) is not None for cn in want)
         and any(g[cn] for cn in want) else 1)' "$(nl_cn reg)" "$(nl_cn n1)" "$(nl_cn n2)" && break
  [ $i = 25 ] && nl_fail "topology does not name reg, n1, n2: $TOPO"
  sleep 2
done
nl_log "topology: $TOPO"

# getIPv4Information: the first address n1 announces (its --ip).
IP4=$(private "/getIPv4Information?email=n1%40example.com")
[ "$IP4" = 198.18.0.11 ] || nl_fail "getIPv4Information of n1: '$IP4'"
[ "$(private "/getIPv4Information?email=nobody%40example.com" -w '%{http_code}')" = 204 ] ||
  nl_fail "getIPv4Information of an unknown email"

# getBootstrapPeer for "probe" (authenticated as it): a running node, never probe itself.
PD=$NL_W/probe
topo_exec probe $CLIENT "$NL_URL" "$PD" "$PD/session" hello >/dev/null || nl_fail "hello as probe"
for i in 1 2 3; do
  topo_exec probe $CLIENT "$NL_URL" "$PD" "$PD/session" call getBootstrapPeer >"$PD/peer.out" ||
    nl_fail "getBootstrapPeer call"
  [ "$(head -c 4 "$PD/peer.out")" = 200 ] || nl_fail "getBootstrapPeer: $(head -c 60 "$PD/peer.out")"
  tail -c +5 "$PD/peer.out" >"$PD/peer.enc"
  openssl pkeyutl -decrypt -inkey "$PD/cert.key" -in "$PD/peer.enc" >"$PD/peer.txt" ||
    nl_fail "cannot decrypt the bootstrap peer"
  read -r bits addrs <"$PD/peer.txt"
  case "$bits" in
    "$REG") want=198.18.0.2 ;;
    "$N1") want=198.18.0.11 ;;
    "$N2") want=198.18.0.12 ;;
    *) nl_fail "bootstrap peer is not a running node: $(cat "$PD/peer.txt")" ;;
  esac
  case "$addrs" in "$want,"*) ;; *) nl_fail "bootstrap peer $bits with addresses '$addrs' (want $want)" ;; esac
  nl_log "getBootstrapPeer $i: $(cat "$PD/peer.txt")"
done
echo PASS
