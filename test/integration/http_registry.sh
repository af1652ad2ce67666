#!/bin/bash
# re6st-test: timeout=180
# The HTTP layer inside the real binary: `re6st registry` in a private namespace, hit by
# curl and raw sockets with keep-alive, pipelining, oversized and malformed requests, a
# slow client, and a burst of concurrent clients on both the IPv4 and IPv6 listeners.
set -eu
RE6ST=$(readlink -f "$1")
NS=r6ht-$$
T=$(mktemp -d /tmp/r6ht.XXXXXX)
PID=
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null || true
  ip netns del $NS 2>/dev/null || true
  rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; echo "--- registry log"; tail -20 "$T/reg.log" 2>/dev/null; exit 1; }
ip netns add $NS
ip netns exec $NS sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
ip netns exec $NS ip link set lo up
X="ip netns exec $NS"
P=18643
cd "$T"
$RE6ST ca --network 2001:db8:42::/48 --email re6st-registry@example.com -d ca >/dev/null
$X "$RE6ST" registry --ca ca/ca.crt --key ca/ca.key --dh ca/dh2048.pem --db "$T/reg.db" \
  --port $P -4 127.0.0.1 -6 ::1 -l "$T/reg.log" -v 2 &
PID=$!
for _ in $(seq 50); do $X curl -sf http://127.0.0.1:$P/getCa >/dev/null 2>&1 && break; sleep 0.1; done

# raw REQUEST_BYTES [HOST]: send bytes on one connection, print everything until close.
raw() { $X timeout 20 bash -c "exec 3<>/dev/tcp/${2:-127.0.0.1}/$P; printf '%b' \"\$1\" >&3; cat <&3" _ "$1"; }

# Both listeners; keep-alive: curl reuses one connection for two requests.
$X curl -sf "http://[::1]:$P/getCa" | cmp -s - ca/ca.crt || fail "getCa over IPv6"
log=$($X curl -sv "http://127.0.0.1:$P/getCa" "http://127.0.0.1:$P/getCa" -o /dev/null -o /dev/null 2>&1)
echo "$log" | grep -q "Re-using existing connection" || fail "connection not kept alive"

# Pipelining: three requests in one write, three answers in order, then close.
out=$(raw 'GET /getCa HTTP/1.1\r\n\r\nGET /nope HTTP/1.1\r\n\r\nGET /getCa HTTP/1.1\r\nConnection: close\r\n\r\n')
[ "$(echo "$out" | grep -c '^HTTP/1.1 ')" = 3 ] || fail "pipelined: $(echo "$out" | grep '^HTTP')"
[ "$(echo "$out" | grep '^HTTP/1.1 ' | tr -d '\r' | cut -d' ' -f2 | tr '\n' ' ')" = "200 400 200 " ] ||
  fail "pipelined order"

# Hostile input: each gets its status and the connection closes (cat returns).
big=$(head -c 20000 /dev/zero | tr '\0' a)
raw "GET /getCa HTTP/1.1\r\nX-Big: $big\r\n\r\n" | grep -q '^HTTP/1.1 431 ' || fail "no 431 for big header"
raw "GET /$big HTTP/1.1\r\n\r\n" | grep -q '^HTTP/1.1 431 ' || fail "no 431 for long target"
raw 'GET /getCa HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n' | grep -q '^HTTP/1.1 413 ' || fail "no 413"
raw 'GET /getCa HTTP/1.1\r\nBad Header: 1\r\n\r\n' | grep -q '^HTTP/1.1 400 ' || fail "no 400 (header)"
raw '\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03' ::1 | grep -q '^HTTP/1.1 400 ' || fail "no 400 (TLS)"
raw 'GET /getCa HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n' | grep -q '^HTTP/1.1 400 ' ||
  fail "no 400 (chunk)"

# A client that stops in the middle of its headers is cut off (408) by the request
# timeout while others are served.
start=$(date +%s)
raw 'GET /getCa HTTP/1.1\r\nHost: x' >slow.out &
slow=$!
sleep 1
$X curl -sf -m 5 "http://127.0.0.1:$P/getCa" >/dev/null || fail "server blocked by a slow client"
wait $slow || true
grep -q '^HTTP/1.1 408 ' slow.out || fail "slow client not answered 408: $(head -c 100 slow.out)"
[ $(( $(date +%s) - start )) -lt 19 ] || fail "slow client kept too long"

# 400 concurrent requests (50 at a time, both families): all 200.
seq 400 | sed "s|.*|http://127.0.0.1:$P/getCa\nhttp://[::1]:$P/getCa|" | head -400 >urls
$X xargs -P 50 -n 1 curl -s -o /dev/null -w '%{http_code}\n' <urls >codes
[ "$(grep -c '^200$' codes)" = 400 ] || fail "burst: $(sort codes | uniq -c | tr '\n' ' ')"
kill -0 $PID || fail "registry died"
echo "PASS http_registry"
