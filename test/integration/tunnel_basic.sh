#!/bin/bash
# Two hosts exchange IPv6 through a tunnel of the built-in transport over udp, udp6,
# tcp and tcp6 underlays; 1280-byte and 1448-byte (ping -s 1400) packets pass; the
# up event reports the peer's CN and serial and our address as the peer sees it;
# killing one side is detected by the other within the dead-peer timeout.
# re6st-test: timeout=120
set -u
RE6ST=$1
PFX=r6tb$$
. "$(dirname "$0")/../support/tunnel_lib.sh"
TMP=$(mktemp -d)
trap 'tunnel_cleanup_hosts; rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*"; for f in "$TMP"/*.log; do echo "== $f"; cat "$f"; done; exit 1; }

tunnel_make_pki "$TMP" 1 2 || fail "pki"
tunnel_make_hosts 51 || fail "namespaces"
common=(--ca "$TMP/ca.crt" --keepalive 1 --timeout 4 -v 2)

run_case() {  # proto port server-ip client-ip n
  local proto=$1 port=$2 sip=$3 cip=$4 n=$5
  local sl="$TMP/s-$proto.log" cl="$TMP/c-$proto.log"
  ip netns exec "${PFX}a" "$RE6ST" tunnel "${common[@]}" --cert "$TMP/n1.crt" --key "$TMP/n1.key" \
    --proto "$proto" --listen "$port" --dev "${PFX}s" --ip6 "2001:db8:a$n::1/64" >"$sl" 2>&1 &
  local spid=$!
  sleep 0.3
  ip netns exec "${PFX}b" "$RE6ST" tunnel "${common[@]}" --cert "$TMP/n2.crt" --key "$TMP/n2.key" \
    --proto "$proto" --connect "$sip:$port" --peer-cn 1/16 --dev "${PFX}c" \
    --ip6 "2001:db8:a$n::2/64" >"$cl" 2>&1 &
  local cpid=$!
  tunnel_wait_up "$cl" 1 10 || fail "$proto: client tunnel not up"
  tunnel_wait_up "$sl" 1 5 || fail "$proto: server tunnel not up"
  grep -q "^up .*peer=1/16 serial=65 " "$cl" || fail "$proto: client up line lacks peer CN/serial"
  grep -q "^up .*peer=2/16 serial=66 .*seen-as=.\+" "$sl" || fail "$proto: server up line"
  grep -q "seen-as=$cip:" "$cl" || fail "$proto: client does not know its address as seen"
  ip netns exec "${PFX}b" ping -6 -c 3 -i 0.2 -W 2 "2001:db8:a$n::1" >/dev/null || fail "$proto: ping"
  ip netns exec "${PFX}b" ping -6 -c 2 -i 0.2 -W 2 -s 1232 -M do "2001:db8:a$n::1" >/dev/null ||
    fail "$proto: 1280-byte ping"
  ip netns exec "${PFX}b" ping -6 -c 2 -i 0.2 -W 2 -s 1400 "2001:db8:a$n::1" >/dev/null ||
    fail "$proto: 1448-byte ping"
  grep -q '^down ' "$cl" "$sl" && fail "$proto: a tunnel went down during the pings"
  ip netns exec "${PFX}a" ping -6 -c 2 -i 0.2 -W 2 "2001:db8:a$n::2" >/dev/null ||
    fail "$proto: reverse ping"
  # Kill the server hard (UDP) or freeze it (TCP: a killed process would close the
  # connection, which is noticed at once): the client must notice within the 4 s timeout.
  if [[ $proto == udp* ]]; then kill -9 "$spid"; else kill -STOP "$spid"; fi
  local t0=$SECONDS
  for ((i = 0; i < 70; i++)); do grep -q '^down ' "$cl" && break; sleep 0.1; done
  grep -q '^down .*reason=peer timed out' "$cl" || fail "$proto: kill not detected"
  [ $((SECONDS - t0)) -le 6 ] || fail "$proto: detection too slow"
  kill "$cpid"
  kill -9 "$spid" 2>/dev/null
  wait "$cpid" "$spid" 2>/dev/null
  echo "ok $proto"
}

run_case udp 1194 198.18.51.1 198.18.51.2 1
run_case udp6 1195 "[2001:db8:51::1]" "\[2001:db8:51::2\]" 2
run_case tcp 1196 198.18.51.1 198.18.51.2 3
run_case tcp6 1197 "[2001:db8:51::1]" "\[2001:db8:51::2\]" 4
echo PASS
