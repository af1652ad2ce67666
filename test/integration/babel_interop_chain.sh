#!/bin/bash
# re6st-test: timeout=200
# Interoperability with Debian's babeld 1.12 without authentication, wired links: a chain
# of 6 alternating implementations ours(1) - babeld(2) - babeld(3) - ours(4) - babeld(5)
# - ours(6). Routes cross several hops of each kind (every pair pings); when babeld(5)
# leaves, ours(4) and the routers behind drop router 5 and lose router 6; when ours(4)
# leaves, babeld(2) and babeld(3) drop it.
RE6ST=${1:?usage: babel_interop_chain.sh /path/to/re6st}
R6_PFX=r6bj
. "$(dirname "$0")/../support/routing_lib.sh"

for n in 1 2 3 4 5 6; do r6_ns $n; done
for n in 1 2 3 4 5; do r6_link $n $((n + 1)); done
r6_ours 1
r6_babeld 2
r6_babeld 3
r6_ours 4
r6_babeld 5
r6_ours 6

r6_wait 60 r6_all_pairs 1 2 3 4 5 6 || fail "mixed chain did not converge ($R6_BAD)"
echo "mixed chain of 6 (3 ours, 3 babeld) converged: all 30 pairs ping after ${R6_ELAPSED} ms"
echo "ours(1) -> ours(6): $(r6_route 1 "$(r6_addr 6)")"
echo "babeld(2) -> ours(6): $(r6_route 2 "$(r6_addr 6)")"

# babeld(5) leaves: ours(4) and everyone before it lose routers 5 and 6.
t0=$(r6_now_ms)
kill -TERM "$R6_PID_5"
wait "$R6_PID_5"
for n in 1 2 3 4; do
  r6_wait 40 r6_no_route $n "$(r6_addr 5)" || fail "router $n still routes to the departed babeld(5)"
  r6_wait 40 r6_no_route $n "$(r6_addr 6)" || fail "router $n still routes to the cut-off ours(6)"
done
echo "babeld(5) left: routes to 5 and 6 gone from routers 1-4 within $(( $(r6_now_ms) - t0 )) ms"
r6_all_pairs 1 2 3 4 || fail "remaining chain broken ($R6_BAD)"

# ours(4) leaves: the babeld routers drop it; its namespace keeps no route of ours.
t0=$(r6_now_ms)
kill -TERM "$R6_PID_4"
wait "$R6_PID_4" || fail "ours(4) exited with an error"
[ -z "$(ip -n r6bj-4 -6 route show proto babel)" ] || fail "ours(4) left routes behind"
for n in 1 2 3; do
  r6_wait 40 r6_no_route $n "$(r6_addr 4)" || fail "router $n still routes to the departed ours(4)"
done
echo "ours(4) left: dropped by routers 1-3 within $(( $(r6_now_ms) - t0 )) ms"
r6_all_pairs 1 2 3 || fail "remaining chain broken ($R6_BAD)"
echo "PASS"
