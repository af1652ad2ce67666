#!/bin/bash
# re6st-test: timeout=150
# IPv4 over Babel, as a re6st node's IPv4 overlay uses it: ours(1) - ours(2) - ours(3),
# then babeld(4) and babeld(5) hanging off router 3. Each router originates 198.18.N.0/24
# (its address 198.18.N.1 on lo). Links 1-2 and 3-4 carry the nodes' IPv4 addresses, so
# routes travel as AE 1 with an IPv4 Next Hop TLV and are installed "via <IPv4> onlink";
# links 2-3 and 3-5 have no IPv4, so routes travel as v4-via-v6 (RFC 9229, AE 4) and are
# installed "via inet6 fe80::…". Every pair pings over IPv4; a router that exits takes its
# IPv4 routes with it and is retracted from its neighbours at once.
RE6ST=${1:?usage: babel_ipv4.sh /path/to/re6st}
R6_PFX=r6b4
. "$(dirname "$0")/../support/routing_lib.sh"

v4() { echo "198.18.$1.1"; }
net4() { echo "198.18.$1.0/24"; }
for n in 1 2 3 4 5; do
  r6_ns "$n"
  ip netns exec "$R6_PFX-$n" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
  ip -n "$R6_PFX-$n" addr add "$(v4 "$n")/32" dev lo
done
r6_link 1 2; r6_link 2 3; r6_link 3 4; r6_link 3 5
# The node address on the link as well (re6stnet gives its tunnels the node's IPv4).
for e in 1-2 2-1 3-4 4-3; do
  ip -n "$R6_PFX-${e%-*}" addr add "$(v4 "${e%-*}")/32" dev "${R6_PFX}$e"
done

for n in 1 2 3; do r6_ours "$n" --redistribute "$(net4 "$n")"; done
for n in 4 5; do
  ip -n "$R6_PFX-$n" route add unreachable "$(net4 "$n")" proto static
  r6_babeld "$n" "redistribute ip $(net4 "$n") eq 24"
done

ping4() {
  ip netns exec "$R6_PFX-$1" ping -4 -c 1 -W 1 -I "$(v4 "$1")" "$(v4 "$2")" >/dev/null 2>&1
}
all_pairs4() {
  local a b
  for a in "$@"; do for b in "$@"; do
    [ "$a" = "$b" ] && continue
    ping4 "$a" "$b" || { R6_BAD="$a->$b"; return 1; }
  done; done
}
route4() { ip -n "$R6_PFX-$1" -4 route show "$2" 2>/dev/null; }

r6_wait 60 all_pairs4 1 2 3 4 5 || {
  for n in 1 2 3 4 5; do echo "ns$n:"; ip -n "$R6_PFX-$n" -4 route; done
  fail "IPv4 did not converge ($R6_BAD)"
}
echo "IPv4 over Babel: all 20 pairs of ours(1-3)/babeld(4,5) ping after ${R6_ELAPSED} ms"

# How each hop was encoded and installed.
expect() {  # N DST PATTERN WHAT
  local r; r=$(route4 "$1" "$2")
  echo "  ns$1: $r"
  echo "$r" | grep -Eq "$3" || fail "ns$1 $4: $r"
}
expect 1 "$(net4 3)" "via $(v4 2) dev ${R6_PFX}1-2 proto babel src $(v4 1) onlink" \
  "route over an IPv4 link (AE 1 from ours) is not via the neighbour's IPv4, onlink, src $(v4 1)"
expect 2 "$(net4 3)" "via inet6 fe80::[0-9a-f:]+ dev ${R6_PFX}2-3 proto babel" \
  "route over a link without IPv4 (AE 4 from ours) is not v4-via-v6"
expect 3 "$(net4 4)" "via $(v4 4) dev ${R6_PFX}3-4 proto babel" "route from babeld (AE 1) not via its IPv4"
expect 3 "$(net4 5)" "via inet6 fe80::[0-9a-f:]+ dev ${R6_PFX}3-5 proto babel" "route from babeld (AE 4) not v4-via-v6"
expect 4 "$(net4 1)" "via $(v4 3) dev ${R6_PFX}4-3 proto babel" "babeld did not take our AE 1 route"
expect 5 "$(net4 1)" "via inet6 fe80::[0-9a-f:]+ dev ${R6_PFX}5-3 proto babel" "babeld did not take our AE 4 route"

# IPv6 keeps working next to IPv4.
r6_wait 20 r6_all_pairs 1 2 3 4 5 || fail "IPv6 broken next to IPv4 ($R6_BAD)"
echo "IPv6 still converged between all 5 routers"

# Router 1 leaves: its IPv4 routes go with it and router 2 drops 198.18.1.0/24 at once
# (goodbye: retractions + wildcard retraction), not after the route expires.
t0=$(r6_now_ms)
kill -TERM "$R6_PID_1"
wait "$R6_PID_1" || fail "router 1 exited with status $?"
[ -z "$(ip -n "$R6_PFX-1" -4 route show proto babel)" ] || fail "router 1 left IPv4 routes behind"
gone() { [ -z "$(route4 "$1" "$(net4 1)" | grep -v '^unreachable')" ]; }
r6_wait 5 gone 2 || fail "router 2 still routes to the departed router 1 after 5 s"
ms=$(( $(r6_now_ms) - t0 ))
r6_wait 10 gone 4 || fail "babeld(4) still routes to the departed router 1"
echo "router 1 left: no IPv4 route left in ns1, router 2 dropped it after $ms ms"
all_pairs4 2 3 4 5 || fail "remaining IPv4 network broken ($R6_BAD)"
echo "PASS"
