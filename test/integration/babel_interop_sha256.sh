#!/bin/bash
# re6st-test: timeout=120
# RFC 8967 with the other key type, hmac-sha256, against Debian's babeld 1.12: a chain
# ours(1) - babeld(2) - ours(3) converges with every packet signed; ours(4), hanging off
# babeld(2) without any key, is refused by it (unsigned packets are dropped).
RE6ST=${1:?usage: babel_interop_sha256.sh /path/to/re6st}
R6_PFX=r6bs
. "$(dirname "$0")/../support/routing_lib.sh"

KEY=53e2b6c6a2b1e0a4f8c9d7e6b5a4938271605f4e3d2c1b0a99887766554433221100ffeeddccbbaa
for n in 1 2 3 4; do r6_ns $n; done
r6_link 1 2; r6_link 2 3; r6_link 4 2
r6_ours 1 --key hmac-sha256:$KEY
r6_babeld 2 "key type hmac-sha256 id k1 value $KEY" "default key k1"
r6_ours 3 --key hmac-sha256:$KEY
r6_ours 4

r6_wait 40 r6_all_pairs 1 2 3 || fail "hmac-sha256 chain did not converge ($R6_BAD)"
echo "ours-babeld-ours with hmac-sha256 converged: all 6 pairs ping after ${R6_ELAPSED} ms"
sleep 3
for n in 1 2 3; do r6_no_route $n "$(r6_addr 4)" || fail "router $n learned the unsigned router 4"; done
[ -z "$(ip -n r6bs-4 -6 route show proto babel)" ] || fail "unsigned router 4 learned routes"
echo "unsigned router 4 is isolated"
echo "PASS"
