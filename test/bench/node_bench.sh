#!/bin/bash
# Benchmark of `re6st node` in namespaces (root; not a timed test): time from start to
# full connectivity of a registry node + 8 nodes, control traffic per node per minute
# (Babel UDP 6696 + peer protocol UDP 326 sent, counted by nftables in each node), node
# RSS, and the RSS of one node holding 10 and then 30 tunnels. Prints one table.
#   bash test/bench/node_bench.sh build/re6st      (NL_KEEP=1 keeps the logs; the hub
#   waits up to NODE_BENCH_WAIT=300 s for its 10 and 30 tunnels)
# Registry settings: --hello 15 (re6stnet's default; NODE_BENCH_HELLO), --client-count 3,
# --max-clients 40 (the registry node is every node's first peer) and --tunnel-refresh 60
# (NODE_BENCH_REFRESH: the tunnel manager learns new distant peers at each refresh, so the
# hub would need 5 min per step with 300). Nodes start NODE_BENCH_STAGGER (0.2) s apart,
# the registry node first.
set -u
HERE=$(dirname "$(readlink -f "$0")")
. "$HERE/../integration/lib/topology.sh"
. "$HERE/../integration/lib/node.sh"
NL_HELLO=${NODE_BENCH_HELLO:-15}
nl_init r6eb$$- "$1"
trap nl_cleanup EXIT
MINUTE=${NODE_BENCH_SECONDS:-60}

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
count_traffic() {  # NAME: nftables counters for what the node sends (not on lo)
  topo_exec "$1" nft -f - <<'EOF'
table inet r6bench {
  chain out {
    type filter hook output priority 0; policy accept;
    oifname "lo" accept
    udp dport 6696 counter name babel
    udp dport 326 counter name peer
  }
  counter babel {}
  counter peer {}
}
EOF
}
counter_bytes() {  # NAME COUNTER
  topo_exec "$1" nft -j list counter inet r6bench "$2" |
    /usr/bin/python3 -c 'import json,sys; print([o for o in json.load(sys.stdin)["nftables"] if "counter" in o][0]["counter"]["bytes"])'
}

# Part 1: registry node + 8 nodes.
NODES=(reg n1 n2 n3 n4 n5 n6 n7 n8)
nl_registry 2 --client-count 3 --max-clients 40 --tunnel-refresh "${NODE_BENCH_REFRESH:-60}"
i=11; for n in "${NODES[@]:1}"; do nl_public "$n" $i; i=$((i + 1)); done
nl_register "${NODES[@]}"
for n in "${NODES[@]}"; do count_traffic "$n" || nl_fail "nftables counters in $n"; done
t0=$(date +%s.%N)
NL_STAGGER=${NODE_BENCH_STAGGER:-0.2} nl_start_all "${NODES[@]}"
nl_wait_full 300 "${NODES[@]}" || nl_fail "no full connectivity of 9 nodes within 300 s"
full=$(printf '%.1f' "$(echo "$(date +%s.%N) - $t0" | bc)")
nl_log "full connectivity after $full s"
sleep 10  # past the start-up burst
declare -A b0 p0
for n in "${NODES[@]}"; do b0[$n]=$(counter_bytes $n babel); p0[$n]=$(counter_bytes $n peer); done
sleep "$MINUTE"
babel=(); peer=(); rss=(); tun=()
for n in "${NODES[@]}"; do
  babel+=($(( ($(counter_bytes $n babel) - b0[$n]) * 60 / MINUTE )))
  peer+=($(( ($(counter_bytes $n peer) - p0[$n]) * 60 / MINUTE )))
  rss+=($(rss_kb "${NL_PID[$n]}"))
  tun+=($(nl_tunnel_peers $n | wc -l))
done

# Part 2: a hub node with many tunnels (client count 30), fed by nodes with client count 1.
HUB=(hub); i=40
nl_public hub 39
for k in $(seq 1 30); do HUB+=(h$k); nl_public h$k $((i + k)); done
nl_register "${HUB[@]}"
for n in "${NODES[@]:1}"; do nl_stop $n; done
nl_start hub --client-count 30 --max-clients 40
declare -A rss_at
for k in $(seq 1 30); do
  nl_start h$k --client-count 1
  sleep 0.3
  if [ $k = 10 ] || [ $k = 30 ]; then
    for ((t = 0; t < ${NODE_BENCH_WAIT:-300}; t++)); do
      [ "$(nl_tunnel_peers hub | wc -l)" -ge $k ] && break
      sleep 1
    done
    have=$(nl_tunnel_peers hub | wc -l)
    sleep 5
    rss_at[$k]="$(rss_kb "${NL_PID[hub]}") kB with $have tunnels"
    nl_log "hub: ${rss_at[$k]}"
  fi
done

echo
echo "re6st node benchmark ($(date -u +%F), hello ${NL_HELLO}s, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
printf '%-52s %s\n' "measure" "value"
printf '%-52s %s\n' "start → full connectivity, registry node + 8" "${full} s"
printf '%-52s %s\n' "tunnels per node (median of 9)" "$(printf '%s\n' "${tun[@]}" | median)"
printf '%-52s %s\n' "Babel bytes sent per node per minute (median)" "$(printf '%s\n' "${babel[@]}" | median)"
printf '%-52s %s\n' "peer protocol bytes sent per node per minute (med.)" "$(printf '%s\n' "${peer[@]}" | median)"
printf '%-52s %s\n' "node RSS, median of 9 (kB)" "$(printf '%s\n' "${rss[@]}" | median)"
printf '%-52s %s\n' "hub node RSS, 10 tunnels" "${rss_at[10]}"
printf '%-52s %s\n' "hub node RSS, 30 tunnels" "${rss_at[30]}"
