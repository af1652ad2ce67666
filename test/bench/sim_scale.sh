#!/bin/bash
# Benchmark (not a test): the simulator's own cost. Runs `re6st sim` for growing N over
# one simulated hour by default and prints wall time, CPU time and peak RSS per run:
#   bash test/bench/sim_scale.sh [path/to/re6st] [N...]
# Environment: DURATION (default 3600), CLIENTS (default 10).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-$root/build-sim-rel/re6st}
shift || true
sizes=${*:-"100 200 400 800"}
printf '%8s %8s %10s %10s %12s %14s %10s\n' nodes virt_s wall_s cpu_s peak_MiB KiB_per_node sess/node
for n in $sizes; do
  log=$(mktemp)
  /usr/bin/time -f '%e %U %M' -o "$log.time" "$bin" sim --nodes "$n" \
    --client-count "${CLIENTS:-10}" --duration "${DURATION:-3600}" --sample 300 --quiet --json > "$log"
  read -r wall cpu peak < "$log.time"
  sess=$(grep -o '"peer_sessions_per_node": "[^"]*"' "$log" | grep -o '[0-9.]*' || echo '?')
  printf '%8s %8s %10s %10s %12.1f %14.1f %10s\n' "$n" "${DURATION:-3600}" "$wall" "$cpu" \
    "$(echo "$peak / 1024" | bc -l)" "$(echo "$peak / $n" | bc -l)" "$sess"
  rm -f "$log" "$log.time"
done
