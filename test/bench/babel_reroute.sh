#!/bin/bash
# Benchmark (not a timed test): how long traffic takes to find another path after a link
# cut, for our router and for Debian's babeld, with 1 s and 15 s hellos. Topology: a ring
# of 4 namespaces 1-2-3-4-1; 1 pings 2 over the direct link, the link 1-2 is cut, and we
# time until the kernel route moves to 1-4 and until a ping 1->2 (via 4 and 3) answers.
# Cuts: "delete" (the veth vanishes, both ends see it) and "silent" (ip6tables drops
# everything on the link, which stays up: only missing hellos tell). Prints a table.
#   bash test/bench/babel_reroute.sh /path/to/re6st [HELLOS] [IMPLS] [CUTS]
# e.g. HELLOS="1 15" IMPLS="ours babeld" CUTS="delete silent" (the defaults).
# Measured 2026-11-25 on the shared 2-core machine (load ~20), one run each, in ms
# (single runs: expect ±1 s of noise at this load):
#   impl    hello cut      route  ping  converge
#   ours    1s    delete     502   572      2034
#   ours    1s    silent    3510  3626      2805
#   babeld  1s    delete    1332  1361      5579
#   babeld  1s    silent    4514  4810      5267
#   ours    15s   delete    3736  3859     17180
#   ours    15s   silent   32397 31892     50412
#   babeld  15s   delete    4259  3879     55574
#   babeld  15s   silent   48404 48996     61914
# ("delete" is seen at once through link notifications, "silent" only through missing
# hellos: babeld and we both need a few hello intervals.)
RE6ST=${1:?usage: babel_reroute.sh /path/to/re6st [hellos] [impls] [cuts]}
HELLOS=${2:-1 15}
IMPLS=${3:-ours babeld}
CUTS=${4:-delete silent}
R6_PFX=r6rr
. "$(dirname "$0")/../support/routing_lib.sh"

# One measurement; sets RESULT to "route_ms ping_ms converge_ms" or "fail why".
measure() {
  local impl=$1 hello=$2 cut=$3 n
  for ns in "${R6_NS[@]}"; do ip netns del "$ns"; done
  R6_NS=()
  for p in "${R6_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  R6_PIDS=()
  for n in 1 2 3 4; do r6_ns $n; done
  r6_link 1 2; r6_link 2 3; r6_link 3 4; r6_link 4 1
  export R6_HELLO=$hello
  for n in 1 2 3 4; do
    if [ "$impl" = ours ]; then r6_ours $n -v 1; else r6_babeld $n; fi
  done
  local t0 conv
  t0=$(r6_now_ms)
  direct() { r6_route 1 "$(r6_addr 2)" | grep -q "dev r6rr1-2" && r6_all_pairs 1 2 3 4; }
  r6_wait $((hello * 12 + 60)) direct || { RESULT="fail converge"; return; }
  conv=$(( $(r6_now_ms) - t0 ))
  # babeld keeps the first route heard for a while (smoothed metric): let it settle.
  sleep $((hello * 2 + 2))
  r6_route 1 "$(r6_addr 2)" | grep -q "dev r6rr1-2" || { RESULT="fail not-direct"; return; }
  t0=$(r6_now_ms)
  if [ "$cut" = delete ]; then
    r6_unlink 1 2
  else
    for n in 1 2; do
      local i; i=$([ $n = 1 ] && echo r6rr1-2 || echo r6rr2-1)
      ip netns exec "r6rr-$n" ip6tables -I INPUT -i "$i" -j DROP
      ip netns exec "r6rr-$n" ip6tables -I OUTPUT -o "$i" -j DROP
      ip netns exec "r6rr-$n" ip6tables -I FORWARD -i "$i" -j DROP
      ip netns exec "r6rr-$n" ip6tables -I FORWARD -o "$i" -j DROP
    done
  fi
  local route_ms=- ping_ms=- deadline=$(( $(r6_now_ms) + (hello * 12 + 60) * 1000 ))
  while [ "$(r6_now_ms)" -lt "$deadline" ]; do
    if [ "$route_ms" = - ] && r6_route 1 "$(r6_addr 2)" | grep -q "dev r6rr1-4"; then
      route_ms=$(( $(r6_now_ms) - t0 ))
    fi
    if [ "$ping_ms" = - ] && ip netns exec r6rr-1 ping -6 -c 1 -W 0.2 -I "$(r6_addr 1)" \
        "$(r6_addr 2)" >/dev/null 2>&1; then
      ping_ms=$(( $(r6_now_ms) - t0 ))
    fi
    [ "$route_ms" != - ] && [ "$ping_ms" != - ] && break
    sleep 0.05
  done
  RESULT="$route_ms $ping_ms $conv"
}

printf "%-7s %-6s %-7s %12s %12s %14s\n" impl hello cut route_ms ping_ms converge_ms
for impl in $IMPLS; do
  for hello in $HELLOS; do
    for cut in $CUTS; do
      measure "$impl" "$hello" "$cut" >>"$R6_DIR/bench.out" 2>&1
      read -r a b c <<<"$RESULT"
      printf "%-7s %-6s %-7s %12s %12s %14s\n" "$impl" "${hello}s" "$cut" "$a" "$b" "$c"
    done
  done
done
