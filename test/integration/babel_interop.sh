#!/bin/bash
# re6st-test: timeout=200
# Interoperability with Debian's babeld 1.12, HMAC on (RFC 8967, blake2s128, re6st's
# tunnel settings): a ring ours(1) - babeld(2) - ours(3) - babeld(4) - back to 1.
# Routes flow both ways (every pair pings); a router of each kind holding the wrong key
# stays isolated; a source-specific default route exported by each side is installed by
# the other as "default from <prefix>".
RE6ST=${1:?usage: babel_interop.sh /path/to/re6st}
R6_PFX=r6bi
. "$(dirname "$0")/../support/routing_lib.sh"

KEY=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
BAD=ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
NET_OURS=2001:db8:e1::/48    # exported by router 1 (ours) as ::/0 from it
NET_BABELD=2001:db8:e4::/48  # exported by router 4 (babeld) as ::/0 from it
babeld_key() {
  echo "key type blake2s128 id k1 value $1"
  echo "default type tunnel key k1 max-rtt-penalty 5000 rtt-max 500 rtt-decay 125"
}

for n in 1 2 3 4 5 6; do r6_ns $n; done
r6_link 1 2; r6_link 2 3; r6_link 3 4; r6_link 4 1
r6_link 5 1   # ours with the wrong key, next to ours
r6_link 6 3   # babeld with the wrong key, next to ours
ip -n r6bi-4 -6 route add default from "$NET_BABELD" dev lo proto static
mapfile -t good < <(babeld_key $KEY)
mapfile -t bad < <(babeld_key $BAD)

r6_ours 1 --type tunnel --key blake2s128:$KEY --export-default "$NET_OURS"
r6_babeld 2 "${good[@]}"
r6_ours 3 --type tunnel --key blake2s128:$KEY
r6_babeld 4 "${good[@]}" "redistribute ip ::/0 eq 0 proto 4"
r6_ours 5 --type tunnel --key blake2s128:$BAD
r6_babeld 6 "${bad[@]}"

r6_wait 60 r6_all_pairs 1 2 3 4 || fail "mixed ring did not converge ($R6_BAD)"
echo "mixed ring ours/babeld with HMAC converged: all 12 pairs ping after ${R6_ELAPSED} ms"
for n in 1 3; do
  r6_route $n "$(r6_addr 2)" | grep -q "proto babel" || fail "ours($n) has no route to babeld(2)"
done
for n in 2 4; do
  r6_route $n "$(r6_addr 3)" | grep -q "proto babel" || fail "babeld($n) has no route to ours(3)"
done

# Source-specific defaults, both directions (RFC 9079).
ssdef() { ip -n "r6bi-$1" -6 route show | grep -q "^default from $2 via fe80::.* proto babel"; }
r6_wait 30 ssdef 2 "$NET_OURS" || fail "babeld(2) did not install default from $NET_OURS: $(ip -n r6bi-2 -6 route)"
r6_wait 30 ssdef 4 "$NET_OURS" || fail "babeld(4) did not install default from $NET_OURS"
r6_wait 30 ssdef 3 "$NET_BABELD" || fail "ours(3) did not install default from $NET_BABELD: $(ip -n r6bi-3 -6 route)"
r6_wait 30 ssdef 1 "$NET_BABELD" || fail "ours(1) did not install default from $NET_BABELD"
echo "source-specific defaults installed both ways:"
ip -n r6bi-2 -6 route show | grep "^default from $NET_OURS" | sed 's/^/  babeld(2): /'
ip -n r6bi-3 -6 route show | grep "^default from $NET_BABELD" | sed 's/^/  ours(3):   /'
# A plain (non-source-specific) default must not have appeared anywhere.
for n in 1 2 3 4; do
  ! ip -n "r6bi-$n" -6 route show | grep -q "^default via" || fail "router $n has a plain default route"
done

# Wrong keys: no route to or from routers 5 and 6, while their neighbours run fine.
for n in 1 2 3 4; do
  r6_no_route $n "$(r6_addr 5)" || fail "router $n learned the wrong-key router 5"
  r6_no_route $n "$(r6_addr 6)" || fail "router $n learned the wrong-key router 6"
done
for n in 5 6; do
  [ -z "$(ip -n "r6bi-$n" -6 route show proto babel)" ] || fail "wrong-key router $n learned routes"
done
r6_ping 1 5 && fail "ping through the wrong key"
grep -qi "mac\|auth\|hmac" "$R6_DIR/ours-1.log" && echo "ours(1) logged the rejected packets of router 5"
echo "routers 5 (ours) and 6 (babeld) with a wrong key are isolated"

# Our routers leave: babeld drops what it learned from them, ours flush on exit.
kill -TERM "$R6_PID_1" "$R6_PID_3"
wait "$R6_PID_1" "$R6_PID_3"
for n in 1 3; do
  [ -z "$(ip -n "r6bi-$n" -6 route show proto babel)" ] || fail "ours($n) left routes behind"
done
r6_wait 40 r6_no_route 2 "$(r6_addr 3)" || fail "babeld(2) still routes to the departed ours(3)"
echo "after our routers exit: no route left in their namespaces, babeld(2) dropped ours(3)"
echo "PASS"
