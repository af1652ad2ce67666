#!/bin/bash
# re6st-test: timeout=150
# Six of our Babel routers in a chain of veth links (1-second hellos), in namespaces:
# every pair of redistributed addresses pings (multi-hop), routes carry the node address
# as preferred source and protocol babel (42); a router that exits cleanly is retracted
# by the others and leaves no route of its own behind; a killed router's routes expire.
RE6ST=${1:?usage: babel_chain.sh /path/to/re6st}
R6_PFX=r6bc
. "$(dirname "$0")/../support/routing_lib.sh"

for n in 1 2 3 4 5 6; do r6_ns $n; done
for n in 1 2 3 4 5; do r6_link $n $((n + 1)); done
for n in 1 2 3 4 5 6; do r6_ours $n; done

r6_wait 40 r6_all_pairs 1 2 3 4 5 6 || fail "chain did not converge ($R6_BAD)"
echo "chain of 6 converged: all 30 pairs ping after ${R6_ELAPSED} ms"

route=$(r6_route 1 "$(r6_addr 6)")
echo "ns1: $route"
echo "$route" | grep -q "proto babel" || fail "route not tagged proto babel: $route"
echo "$route" | grep -q "src $(r6_addr 1)" || fail "route without the node address as source: $route"
echo "$route" | grep -q "via fe80::" || fail "route not via a link-local next hop: $route"

# SIGUSR1 writes the JSON dump: router 2 sees its two neighbours and routes to all.
kill -USR1 "$R6_PID_2"
r6_wait 5 test -s "$R6_DIR/dump-2.json" || fail "no dump after SIGUSR1"
/usr/bin/python3 - "$R6_DIR/dump-2.json" <<'PY' || fail "bad dump: $(head -c 600 "$R6_DIR/dump-2.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["neighbours"]) == 2, d["neighbours"]
dsts = {r["prefix"] for r in d["routes"] if r["selected"]}
assert dsts == {"2001:db8:ff::%d/128" % n for n in (1, 3, 4, 5, 6)}, dsts
assert sum(i["active"] for i in d["interfaces"]) == 2 and d["installed"] == 5, d
PY
echo "SIGUSR1 dump of router 2: 2 neighbours, 5 selected routes, 5 installed"

# Hostile input: 500 random datagrams (and truncated real-looking headers) from ns2 to
# router 1's port 6696, multicast and unicast; router 1 keeps running and routing.
ll1=$(ip -n r6bc-1 -6 addr show dev r6bc1-2 scope link | awk '/inet6/ {sub("/.*", "", $2); print $2}')
ip netns exec r6bc-2 /usr/bin/python3 - "$ll1" <<'PY'
import os, random, socket, sys
random.seed(6696)
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"r6bc2-1")
s.bind(("::", 6696))
idx = socket.if_nametoindex("r6bc2-1")
for i in range(500):
    n = random.randrange(0, 300)
    body = bytes(random.randrange(256) for _ in range(n))
    if i % 3 == 0:
        body = bytes([42, 2]) + (n).to_bytes(2, "big") + body  # Babel header, random TLVs
    dst = "ff02::1:6" if i % 2 else sys.argv[1]
    s.sendto(body, (dst, 6696, 0, idx))
PY
sleep 1
kill -0 "$R6_PID_1" || fail "router 1 died on hostile input"
r6_all_pairs 1 2 3 4 5 6 || fail "routing broken after hostile input ($R6_BAD)"
echo "router 1 survived 500 hostile datagrams, all pairs still ping"

# Bad options are refused with a message and status 2.
"$RE6ST" babel -i x --key blake2s128:zz 2>&1 | grep -q "bad hex" || fail "bad --key accepted"
"$RE6ST" babel -i x --redistribute 2001:db8::1/64; [ $? = 2 ] || fail "host bits accepted"

# Router 6 leaves (SIGTERM): its neighbours hear it go, the route is retracted everywhere.
t0=$(r6_now_ms)
kill -TERM "$R6_PID_6"
wait "$R6_PID_6" || fail "router 6 exited with status $?"
[ -z "$(ip -n r6bc-6 -6 route show proto babel)" ] || fail "router 6 left routes behind"
[ -z "$(ip -n r6bc-6 -4 route show proto babel)" ] || fail "router 6 left IPv4 routes behind"
for n in 1 2 3 4 5; do
  r6_wait 30 r6_no_route $n "$(r6_addr 6)" || fail "router $n still routes to the departed router 6"
done
echo "router 6 left: retracted from routers 1-5 within $(( $(r6_now_ms) - t0 )) ms, no route left in ns6"
r6_all_pairs 1 2 3 4 5 || fail "remaining chain broken ($R6_BAD)"

# Router 5 is killed (no goodbye): its route disappears when it times out.
t0=$(r6_now_ms)
kill -KILL "$R6_PID_5"
wait "$R6_PID_5" 2>/dev/null
r6_wait 60 r6_no_route 1 "$(r6_addr 5)" || fail "router 1 still routes to the killed router 5"
echo "router 5 killed: route expired at router 1 after $(( $(r6_now_ms) - t0 )) ms"
r6_all_pairs 1 2 3 4 || fail "remaining chain broken ($R6_BAD)"

# The killed router left its routes in ns5; a new router there flushes them at start.
[ -n "$(ip -n r6bc-5 -6 route show proto babel)" ] || fail "expected stale routes in ns5"
ip netns exec r6bc-5 "$RE6ST" babel -i r6bc-absent --hello 1 -v 2 -l "$R6_DIR/ours-5b.log" &
R6_PIDS+=($!)
stale() { [ -n "$(ip -n r6bc-5 -6 route show proto babel)" ]; }
r6_wait 10 eval '! stale' || fail "stale routes not flushed at start"
echo "restarted router 5 flushed the stale routes of the killed one"
echo "PASS"
