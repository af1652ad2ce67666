#!/bin/bash
# Reproduces every result under test/sim/results (CSV + PNG) with `re6st sim`:
#   bash test/sim/run.sh [path/to/re6st]        (default: build-sim-rel/re6st, release)
# SIZES / KILL_NODES / SWEEP_CC override the network sizes; REUSE=1 keeps finished runs;
# SECTIONS picks what runs (default "kill hops timeline sampled"); LARGE the sizes run in
# sampled mode (default 10000, LARGE_DURATION simulated seconds each, default 3600), FURTHER
# the larger sizes run for FURTHER_DURATION (default "20000 30000", 300 s). Every command run is
# appended to results/commands.txt; per-run CSVs go to results/runs/<name>/.
set -euo pipefail
# Transparent huge pages for the simulator's heap (glibc >= 2.35): fewer TLB misses when
# thousands of nodes' tables are touched in turn; 10-17 % faster at 2,000 nodes, same
# results (the tables do not depend on addresses).
export GLIBC_TUNABLES=${GLIBC_TUNABLES:-glibc.malloc.hugetlb=1}
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-$root/build-sim-rel/re6st}
out=$root/test/sim/results
SIZES=${SIZES:-"50 100 200 400"}
KILL_NODES=${KILL_NODES:-100}
SWEEP_CC=${SWEEP_CC:-"6 10 16"}
SECTIONS=${SECTIONS:-"kill hops timeline sampled"}
LARGE=${LARGE-10000}
LARGE_DURATION=${LARGE_DURATION:-3600}
FURTHER=${FURTHER-"20000 30000"}        # how far N goes: short runs past LARGE
FURTHER_DURATION=${FURTHER_DURATION:-300}
section() { [[ " $SECTIONS " == *" $1 "* ]]; }
mkdir -p "$out/runs"
[ -n "${REUSE:-}" ] || : > "$out/commands.txt"

value() {  # value KEY SUMMARY.CSV
  awk -F, -v k="$1" '$1 == k { print $2 }' "$2"
}

sim() {  # sim NAME ARGS...: one run, its CSVs in runs/NAME (kept with REUSE=1)
  local name=$1
  shift
  [ -n "${REUSE:-}" ] && [ -f "$out/runs/$name/summary.csv" ] && return 0
  echo "re6st sim $* --csv runs/$name --quiet" >> "$out/commands.txt"
  "$bin" sim "$@" --csv "$out/runs/$name" --quiet > "$out/runs/$name.txt"
}

# 1. Share of node pairs still communicating after killing 10..90% of the nodes at once:
#    graph = the surviving tunnels connect them (at the kill), routed = Babel routes them
#    (when converged again, or 180 s after the kill).
section kill && echo "client_count,killed_share,graph_share,routed_share,reconverged_s" > "$out/kill.csv"
section kill && for cc in $SWEEP_CC; do
  for k in 1 2 3 4 5 6 7 8 9; do
    name=kill-n$KILL_NODES-c$cc-k$k
    sim "$name" --nodes "$KILL_NODES" --client-count "$cc" --kill "0.$k@240" --duration 420 \
      --sample 60 --seed "$k"
    f=$out/runs/$name/failures.csv
    awk -F, -v cc="$cc" -v k="0.$k" '$1 ~ /^kill/ { print cc "," k "," $4 "," $6 "," $5 }' "$f" \
      >> "$out/kill.csv"
  done
done

# 2. Hop count (and cost) as a function of N and client-count, default network config.
section hops && echo "nodes,client_count,hops_avg,hops_max,routed_share,babel_Bps_node,peer_Bps_node,sessions_node,rss_node_kib,peak_mib,wall_s,converged_s" \
  > "$out/hops.csv"
section hops && for cc in $SWEEP_CC; do
  for n in $SIZES; do
    name=hops-n$n-c$cc
    sim "$name" --nodes "$n" --client-count "$cc" --duration 300 --sample 60 --seed 1
    s=$out/runs/$name/summary.csv
    echo "$n,$cc,$(value hops_avg "$s"),$(value hops_max "$s"),$(value routed_share "$s"),$(value babel_bytes_per_s_per_node "$s"),$(value peer_bytes_per_s_per_node "$s"),$(value peer_sessions_per_node "$s"),$(value rss_per_node_kib "$s"),$(value peak_rss_mib "$s"),$(value wall_s "$s"),$(value converged_after_start_s "$s")" \
      >> "$out/hops.csv"
  done
done

# 3. A day in the life: churn, a 30% kill and a registry outage on one timeline
#    (control traffic, tunnel churn, reconvergence).
if section timeline; then
  sim timeline --nodes "$KILL_NODES" --client-count 10 --churn 60 --kill 0.3@600 \
    --registry-down 1200 --duration 1800 --sample 30 --seed 7
  cp "$out/runs/timeline/timeline.csv" "$out/timeline.csv"
  cp "$out/runs/timeline/failures.csv" "$out/timeline_failures.csv"
fi

# 4. Large N in sampled mode (--track K: Babel carries K node prefixes, routes are checked
#    to those, candidates for new tunnels are K random nodes of the overlay): first the
#    same networks full and sampled side by side, then the large ones for one hour.
sampled_row() {  # sampled_row NAME NODES TRACK
  local s=$out/runs/$1/summary.csv
  echo "$2,$3,$(value duration_s "$s"),$(value hops_avg "$s"),$(value hops_max "$s"),$(value routed_share "$s"),$(value loops "$s"),$(value tunnels_per_node "$s"),$(value tunnel_churn_per_node_per_h "$s"),$(value peer_sessions_per_node "$s"),$(value babel_bytes_per_s_per_node "$s"),$(value peer_bytes_per_s_per_node "$s"),$(value converged_after_start_s "$s"),$(value wall_s "$s"),$(value peak_rss_mib "$s"),$(value rss_per_node_kib "$s")" \
    >> "$out/sampled.csv"
}
if section sampled; then
  echo "nodes,track,duration_s,hops_avg,hops_max,routed_share,loops,tunnels_node,churn_node_h,sessions_node,babel_Bps_node,peer_Bps_node,converged_s,wall_s,peak_mib,rss_node_kib" \
    > "$out/sampled.csv"
  for k in 0 50; do
    sim sampled-n300-k$k --nodes 300 --client-count 10 --duration 3600 --sample 600 --seed 1 --track $k
    sampled_row sampled-n300-k$k 300 $k
  done
  for k in 0 50 100; do
    name=sampled-n1000-k$k
    [ $k = 0 ] && name=hops-n1000-c10  # the full run of the hop table
    sim $name --nodes 1000 --client-count 10 --duration 300 --sample 60 --seed 1 --track $k
    sampled_row $name 1000 $k
  done
  large() {  # large NAME NODES DURATION SAMPLE: one --track 50 run and its row
    sim "$1" --nodes "$2" --client-count 10 --duration "$3" --sample "$4" --seed 1 --track 50
    sampled_row "$1" "$2" 50
  }
  large sampled-n3000-k50 3000 600 300
  large sampled-n3000-k50-1h 3000 3600 300
  for n in $LARGE; do large sampled-n$n-k50 "$n" "$LARGE_DURATION" 300; done
  for n in $FURTHER; do large sampled-n$n-k50-${FURTHER_DURATION}s "$n" "$FURTHER_DURATION" 150; done
fi

gnuplot -e "dir='$out'" "$root/test/sim/plot.gp"
echo "results in $out"
