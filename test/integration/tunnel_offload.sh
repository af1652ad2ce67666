#!/bin/bash
# TUN offloads (TSO read + split, GRO-style coalesced writes) on the tunnel data path:
# 16 MB TCP transfers in both directions, checked by SHA-256, cross a tunnel whose two
# ends both offload (udp), and tunnels where one end has offload off (udp and tcp:
# interoperation, since the wire format is the same); iperf3 runs over the offloaded
# tunnel too. The up lines must say which end offloads, and the record counters show
# that an offloading sender reads several segments per TUN read and an offloading
# receiver writes several per TUN write.
# re6st-test: timeout=180
set -u
RE6ST=$1
PFX=r6to$$
. "$(dirname "$0")/../support/tunnel_lib.sh"
TMP=$(mktemp -d)
trap 'tunnel_cleanup_hosts; rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*"; for f in "$TMP"/*.log; do echo "== $f"; tail -20 "$f"; done; exit 1; }
PY=/usr/bin/python3

tunnel_make_pki "$TMP" 1 2 || fail "pki"
tunnel_make_hosts 55 || fail "namespaces"
common=(--ca "$TMP/ca.crt" --keepalive 1 --timeout 10 -v 2)

# Receiver: accepts one connection on [$1]:$2, prints the SHA-256 of what it got.
cat >"$TMP/recv.py" <<'EOF'
import hashlib, socket, sys
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(1); s.settimeout(30)
c, _ = s.accept(); c.settimeout(30); h = hashlib.sha256()
while True:
    d = c.recv(1 << 20)
    if not d: break
    h.update(d)
print(h.hexdigest())
EOF
# Sender: 16 MB of seeded pseudo-random bytes in uneven writes; prints their SHA-256.
cat >"$TMP/send.py" <<'EOF'
import hashlib, random, socket, sys, time
data = random.Random(int(sys.argv[3])).randbytes(16 << 20)
for i in range(50):
    try:
        c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=30); break
    except OSError: time.sleep(0.1)
pos, step = 0, 1
while pos < len(data):
    step = step * 7 % 100003 + 1
    c.sendall(data[pos:pos + step]); pos += step
c.shutdown(socket.SHUT_WR); c.recv(1)
print(hashlib.sha256(data).hexdigest())
EOF

# transfer FROM-NS TO-NS TO-ADDR PORT SEED: the bytes arrive intact.
transfer() {
  ip netns exec "$2" $PY "$TMP/recv.py" "$3" "$4" >"$TMP/got" 2>"$TMP/recv.err" &
  local rp=$!
  sleep 0.3
  ip netns exec "$1" timeout 60 $PY "$TMP/send.py" "$3" "$4" "$5" >"$TMP/sent" 2>"$TMP/send.err" ||
    fail "send to $3: $(cat "$TMP/send.err")"
  wait "$rp" || fail "receive at $3: $(cat "$TMP/recv.err")"
  [ -s "$TMP/sent" ] && cmp -s "$TMP/sent" "$TMP/got" || fail "data corrupted on the way to $3"
}

run_case() {  # proto port server-offload client-offload n
  local proto=$1 port=$2 so=$3 co=$4 n=$5
  local sl="$TMP/s$n.log" cl="$TMP/c$n.log"
  ip netns exec "${PFX}a" "$RE6ST" tunnel "${common[@]}" --cert "$TMP/n1.crt" --key "$TMP/n1.key" \
    --proto "$proto" --listen "$port" --dev "${PFX}s$n" --ip6 "2001:db8:e$n::1/64" --offload "$so" \
    >"$sl" 2>&1 &
  local spid=$!
  sleep 0.3
  ip netns exec "${PFX}b" "$RE6ST" tunnel "${common[@]}" --cert "$TMP/n2.crt" --key "$TMP/n2.key" \
    --proto "$proto" --connect "198.18.55.1:$port" --peer-cn 1/16 --dev "${PFX}c$n" \
    --ip6 "2001:db8:e$n::2/64" --offload "$co" >"$cl" 2>&1 &
  local cpid=$!
  tunnel_wait_up "$cl" 1 10 || fail "$proto $so/$co: client tunnel not up"
  tunnel_wait_up "$sl" 1 5 || fail "$proto $so/$co: server tunnel not up"
  grep -q "^up .* offload=$so\$" "$sl" || fail "$proto: server should have offload=$so"
  grep -q "^up .* offload=$co\$" "$cl" || fail "$proto: client should have offload=$co"
  transfer "${PFX}b" "${PFX}a" "2001:db8:e$n::1" 5001 "$n"
  transfer "${PFX}a" "${PFX}b" "2001:db8:e$n::2" 5002 "$((n + 10))"
  if [ "$so" = on ] && [ "$co" = on ]; then
    ip netns exec "${PFX}a" iperf3 -s -1 -D -B "2001:db8:e$n::1" -p 5203 >/dev/null 2>&1
    sleep 0.3
    ip netns exec "${PFX}b" iperf3 -c "2001:db8:e$n::1" -p 5203 -t 2 -P 2 -J >"$TMP/iperf.json" ||
      fail "iperf3 over the offloaded tunnel"
    echo "iperf3 over offloaded $proto: $($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%.2f Gb/s, %d retransmits" % (d["end"]["sum_received"]["bits_per_second"]/1e9, d["end"]["sum_sent"].get("retransmits", 0)))' "$TMP/iperf.json")"
  fi
  grep -q '^down ' "$cl" "$sl" && fail "$proto $so/$co: a tunnel went down"
  # Packets the kernel handed the client's TUN (TSO: up to 64 KiB each) vs records sent.
  # And packets written to the server's TUN (coalesced) vs records it received.
  local stats='import json,sys; s=json.load(sys.stdin)[0]["stats64"]; print(s[sys.argv[1]]["packets"])'
  local tunTx tunRx
  tunTx=$(ip -n "${PFX}b" -s -j link show dev "${PFX}c${n}1" | $PY -c "$stats" tx)
  tunRx=$(ip -n "${PFX}a" -s -j link show dev "${PFX}s${n}1" | $PY -c "$stats" rx)
  kill "$cpid" "$spid"
  wait "$cpid" "$spid" 2>/dev/null
  local records received
  records=$(sed -n 's/^down .* tx=\([0-9]*\) .*/\1/p' "$cl")
  received=$(sed -n 's/^down .* rx=\([0-9]*\) .*/\1/p' "$sl")
  [ -n "$records" ] && [ -n "$received" ] && [ "$tunTx" -gt 0 ] && [ "$tunRx" -gt 0 ] ||
    fail "$proto $so/$co: no counters"
  echo "$proto $so/$co: $records records sent from $tunTx TUN reads;" \
    "$received received, written in $tunRx TUN writes"
  if [ "$so" = on ]; then
    [ "$received" -ge $((tunRx * 2)) ] || fail "$proto: server does not coalesce"
  else
    [ "$received" -le $((tunRx + 100)) ] || fail "$proto: offload off but coalesced writes"
  fi
  # 16 MB + iperf3 with TSO: many segments per read; without it, one packet per read.
  if [ "$co" = on ]; then
    [ "$records" -ge $((tunTx * 4)) ] || fail "$proto: client TUN does not do TSO"
  else
    [ "$records" -le $((tunTx + 100)) ] || fail "$proto: offload off but TSO-sized reads"
  fi
  echo "ok $proto server offload=$so client offload=$co"
}

run_case udp 1294 on on 1
run_case udp 1295 on off 2
run_case tcp 1296 off on 3
run_case tcp 1297 on on 4
echo PASS
