#!/bin/bash
# 20 tunnels on one port at once, over UDP and over TCP: one server process with one
# socket (or listener), 20 client processes; every tunnel carries a ping (link-local
# addresses, one /64 per tunnel device) and the server reports 20 distinct peers.
# re6st-test: timeout=180
set -u
RE6ST=$1
PFX=r6m$$
. "$(dirname "$0")/../support/tunnel_lib.sh"
TMP=$(mktemp -d)
trap 'tunnel_cleanup_hosts; rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*"; cat "$TMP"/s-*.log; exit 1; }
N=20

tunnel_make_pki "$TMP" 1 2 || fail "pki"
tunnel_make_hosts 52 || fail "namespaces"

run_case() {  # proto port
  local proto=$1 port=$2 k pids=()
  ip netns exec "${PFX}a" "$RE6ST" tunnel --ca "$TMP/ca.crt" --cert "$TMP/n1.crt" \
    --key "$TMP/n1.key" --proto "$proto" --listen "$port" --dev "${PFX}s" \
    --ip6 fe80::1/64 -v 1 >"$TMP/s-$proto.log" 2>&1 &
  local spid=$!
  sleep 0.3
  for ((k = 1; k <= N; k++)); do
    ip netns exec "${PFX}b" "$RE6ST" tunnel --ca "$TMP/ca.crt" --cert "$TMP/n2.crt" \
      --key "$TMP/n2.key" --proto "$proto" --connect "198.18.52.1:$port" --peer-cn 1/16 \
      --dev "${PFX}c$k." --ip6 "fe80::2:$k/64" -v 1 >"$TMP/c-$proto-$k.log" 2>&1 &
    pids+=($!)
  done
  tunnel_wait_up "$TMP/s-$proto.log" "$N" 30 || fail "$proto: $(grep -c '^up ' "$TMP/s-$proto.log") of $N up"
  for ((k = 1; k <= N; k++)); do
    tunnel_wait_up "$TMP/c-$proto-$k.log" 1 10 || fail "$proto: client $k not up"
    ip netns exec "${PFX}b" ping -6 -c 1 -W 3 "fe80::1%${PFX}c$k.1" >/dev/null ||
      fail "$proto: no ping through tunnel $k"
  done
  local remotes
  remotes=$(grep '^up ' "$TMP/s-$proto.log" | sed 's/.*remote=\([^ ]*\).*/\1/' | sort -u | wc -l)
  [ "$remotes" -eq "$N" ] || fail "$proto: $remotes distinct peers"
  local socks
  socks=$(ip netns exec "${PFX}a" ss -Hanp "( sport = :$port )" 2>/dev/null | grep -c -E 'UNCONN|LISTEN')
  [ "$socks" -eq 1 ] || fail "$proto: $socks sockets bound to the port"
  grep -q '^down ' "$TMP/s-$proto.log" && fail "$proto: a tunnel went down"
  kill "${pids[@]}" "$spid"
  wait "${pids[@]}" "$spid" 2>/dev/null
  echo "ok $proto: $N tunnels on port $port"
}

run_case udp 1294
run_case tcp 1295
echo PASS
