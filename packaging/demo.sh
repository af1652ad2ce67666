#!/usr/bin/env bash
# README's main job: builds re6st and bootstraps a demo re6st network on this machine, in
# network namespaces (root). A simulated IPv4 internet with a registry, 4 public nodes,
# 2 nodes behind a NAT gateway and 2 behind a second one. Every node registers with
# `re6st conf` like a real user (email token, read from the registry's mbox).
#
# The overlay: every node opens authenticated tunnels (`re6st tunnel`, DTLS over UDP) in
# a ring plus chords; nodes behind NAT connect out. Babel (`re6st babel`) routes the
# nodes' subnets over the tunnels. Then a live table shows which node pairs reach each
# other (ping6 between node IPs) until Ctrl-C; everything is torn down on exit.
# When `re6st node` (the full node: tunnel manager, peer protocol, bootstrap) lands,
# it replaces the hand-made ring below.
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
WORK=$(mktemp -d /tmp/re6st-demo.XXXXXX)
source "$ROOT/test/integration/lib/topology.sh"
topo_init r6demo-
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  topo_destroy
  echo "demo stopped; logs kept in $WORK"
}
trap cleanup EXIT
trap 'exit 0' INT TERM
say() { echo "== $*"; }

NODES=(n1 n2 n3 n4 n5 n6 n7 n8)
say "network 2001:db8:42::/48: CA in $WORK/ca"
"$RE6ST" ca --network 2001:db8:42::/48 --email admin@example.com --dir "$WORK/ca" >/dev/null

say "simulated internet: registry 198.18.0.2, n1-n4 public, n5-n6 behind NAT gw1, n7-n8 behind NAT gw2"
topo_internet
topo_public reg 2
i=11; for n in n1 n2 n3 n4; do topo_public $n $i; i=$((i + 1)); done
topo_gateway gw1 21 1
topo_gateway gw2 22 2
topo_private n5 gw1 1 10; topo_private n6 gw1 1 11
topo_private n7 gw2 2 10; topo_private n8 gw2 2 11

say "registry"
mkdir -p "$WORK/reg"
topo_exec reg "$RE6ST" registry @"$WORK/ca/re6st-registry.conf" --db "$WORK/reg/registry.db" \
  --mailhost "$WORK/reg/mbox" --port 80 -l "$WORK/reg/registry.log" -r "$WORK/reg" -v 2 &
PIDS+=($!)
for _ in $(seq 50); do
  topo_exec n1 bash -c 'exec 3<>/dev/tcp/198.18.0.2/80' 2>/dev/null && break
  sleep 0.2
done

say "registration with re6st conf (email tokens through the registry's mbox)"
token_for() {  # waits for the mail to $1 and prints its token
  for _ in $(seq 100); do
    t=$(awk -v to="To: $1" '$0 == to {m = 1} m && /token to join re6st network is:/ {print $NF; m = 0}' \
        "$WORK/reg/mbox" 2>/dev/null | tail -1)
    [ -n "$t" ] && { echo "$t"; return; }
    sleep 0.1
  done
}
for n in "${NODES[@]}"; do
  mkdir -p "$WORK/$n"
  # conf asks the registry to mail a token, then prompts for it: answer from the mbox.
  (token_for "$n@example.com") | topo_exec $n "$RE6ST" conf --registry http://198.18.0.2/ \
    --email "$n@example.com" -d "$WORK/$n" > "$WORK/$n/conf.log" 2>&1 ||
    { cat "$WORK/$n/conf.log"; exit 1; }
  cn=$(openssl x509 -in "$WORK/$n/cert.crt" -noout -subject -nameopt multiline | awk '/commonName/ {print $3}')
  echo "$cn" > "$WORK/$n/cn"
  echo "   $n: $(grep -m1 'Your subnet' "$WORK/$n/conf.log" || echo "CN $cn")"
done

# The node subnet from a CN "<int>/<len>" under 2001:db8:42::/48, and its node IP (::1).
node_ip() {
  local cn=$1 v len
  v=${cn%/*}; len=${cn#*/}
  printf '2001:db8:42:%x::1' $((v << (16 - len)))
}
say "overlay: tunnels in a ring plus chords, Babel on every tunnel"
for n in "${NODES[@]}"; do
  ip6=$(node_ip "$(cat "$WORK/$n/cn")")
  topo_exec $n ip -6 addr add "$ip6/128" dev lo
  topo_exec $n sysctl -qw net.ipv6.conf.all.forwarding=1
done
addr_of() { case $1 in n1) echo 198.18.0.11;; n2) echo 198.18.0.12;; n3) echo 198.18.0.13;; n4) echo 198.18.0.14;; esac; }
# Each node connects out to two public nodes (so NATed nodes work), public nodes listen.
declare -A LINKS=([n1]="n2" [n2]="n3" [n3]="n4" [n4]="n1" [n5]="n1 n3" [n6]="n2 n4" [n7]="n3 n1" [n8]="n4 n2")
for n in "${NODES[@]}"; do
  args=(--ca "$WORK/ca/ca.crt" --cert "$WORK/$n/cert.crt" --key "$WORK/$n/cert.key" --proto udp
        --dev r6t -v 2)
  case $n in n1|n2|n3|n4) args+=(--listen 1194);; esac
  for peer in ${LINKS[$n]}; do
    args+=(--connect "$(addr_of $peer):1194" --peer-cn "$(cat "$WORK/$peer/cn")")
  done
  topo_exec $n "$RE6ST" tunnel "${args[@]}" > "$WORK/$n/tunnel.log" 2>&1 &
  PIDS+=($!)
  subnet=$(node_ip "$(cat "$WORK/$n/cn")"); subnet=${subnet%::1}::/64
  len=$(cut -d/ -f2 < "$WORK/$n/cn")
  topo_exec $n "$RE6ST" babel -i r6t1 -i r6t2 -i r6t3 -i r6t4 -i r6t5 --type tunnel --hello 2 \
    --redistribute "$(node_ip "$(cat "$WORK/$n/cn")")/128" -v 2 -l "$WORK/$n/babel.log" &
  PIDS+=($!)
done

say "live reachability (ping6 between node IPs, Ctrl-C to stop)"
round=0
while :; do
  round=$((round + 1))
  ok=0; total=0; line="     "
  for b in "${NODES[@]}"; do line+=" $b"; done
  echo "$line"
  for a in "${NODES[@]}"; do
    line="  $a"
    for b in "${NODES[@]}"; do
      if [ $a = $b ]; then line+="  -"; continue; fi
      total=$((total + 1))
      if topo_exec $a ping -6 -c1 -W1 "$(node_ip "$(cat "$WORK/$b/cn")")" >/dev/null 2>&1; then
        line+="  o"; ok=$((ok + 1))
      else line+="  ."; fi
    done
    echo "$line"
  done
  echo "  round $round: $ok/$total pairs connected"
  [ -n "${DEMO_ROUNDS:-}" ] && [ "$round" -ge "$DEMO_ROUNDS" ] && break
  sleep 3
done
