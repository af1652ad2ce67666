#!/bin/bash
# re6st-test: timeout=180
# Six of our Babel routers (1-second hellos) start as a chain whose closing link does not
# exist yet; creating it at run time turns the chain into a ring (interfaces join when
# they appear) and the long route is replaced by the direct one. Cutting a link then
# reroutes traffic the other way round the ring; restoring it brings the short path back.
RE6ST=${1:?usage: babel_ring.sh /path/to/re6st}
R6_PFX=r6br
. "$(dirname "$0")/../support/routing_lib.sh"

for n in 1 2 3 4 5 6; do r6_ns $n; done
for n in 1 2 3 4 5; do r6_link $n $((n + 1)); done
r6_ours 1 -i r6br1-6
for n in 2 3 4 5; do r6_ours $n; done
r6_ours 6 -i r6br6-1

r6_wait 40 r6_all_pairs 1 2 3 4 5 6 || fail "chain did not converge ($R6_BAD)"
echo "chain of 6 converged after ${R6_ELAPSED} ms"
r6_route 1 "$(r6_addr 6)" | grep -q "dev r6br1-2" || fail "1->6 should go through 2 before the ring closes"

# Close the ring: the interface named on the command line appears now.
r6_link 6 1
direct() { r6_route 1 "$(r6_addr 6)" | grep -q "dev r6br1-6"; }
r6_wait 30 direct || fail "1->6 did not move to the new direct link: $(r6_route 1 "$(r6_addr 6)")"
echo "ring closed: 1->6 moved to the direct link after ${R6_ELAPSED} ms"
r6_wait 20 r6_all_pairs 1 2 3 4 5 6 || fail "ring not fully connected ($R6_BAD)"
echo "ring of 6 converged: all 30 pairs ping"

# Cut 3-4: 3 reaches 4 the other way round (3-2-1-6-5-4).
r6_route 3 "$(r6_addr 4)" | grep -q "dev r6br3-4" || fail "3->4 should be direct before the cut"
t0=$(r6_now_ms)
r6_unlink 3 4
r6_wait 40 r6_ping 3 4 || fail "3->4 not rerouted after the cut"
echo "link 3-4 cut: 3->4 rerouted (ping answers) after $(( $(r6_now_ms) - t0 )) ms"
r6_route 3 "$(r6_addr 4)" | grep -q "dev r6br3-2" || fail "3->4 not via 2: $(r6_route 3 "$(r6_addr 4)")"
r6_wait 20 r6_all_pairs 1 2 3 4 5 6 || fail "ring with a cut not fully connected ($R6_BAD)"

# Restore 3-4: the direct path comes back.
r6_link 3 4
back() { r6_route 3 "$(r6_addr 4)" | grep -q "dev r6br3-4"; }
r6_wait 40 back || fail "3->4 did not return to the restored link"
echo "link 3-4 restored: direct route back after ${R6_ELAPSED} ms"
echo "PASS"
