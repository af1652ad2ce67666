#!/bin/bash
# re6st-test: timeout=240
# Tunnel refresh without loss: the registry hands out tunnel_refresh 15 s and client
# count 2, so every 15 s each node retires its least useful outgoing tunnel (drained
# through Babel, then closed after telling the peer). Over 100 s two long pings between
# node IPs (10 per second) lose < 1%, while the set of tunnels changes (checked through
# `re6st status --json` every 5 s).
set -u
HERE=$(dirname "$(readlink -f "$0")")
. "$HERE/lib/topology.sh"
. "$HERE/lib/node.sh"
nl_init r6er$$- "$1"
trap nl_cleanup EXIT

NODES=(reg n1 n2 n3 n4 n5)
nl_registry 2 --tunnel-refresh 15 --client-count 2 --max-clients 10
i=11; for n in "${NODES[@]:1}"; do nl_public "$n" $i; i=$((i + 1)); done
nl_register "${NODES[@]}"
nl_start_all "${NODES[@]}"
nl_wait_full 90 "${NODES[@]}" || nl_fail "no full connectivity"
nl_log "full connectivity after ${NL_WAITED}s"

sample() { local n; for n in "${NODES[@]}"; do nl_tunnel_peers "$n" | awk -v n=$n '{print n, $1}'; done; }
sample | sort -u >"$NL_W/tunnels.0"
topo_exec n1 ping -6 -i 0.1 -c 1000 -W 1 -q "$(nl_ip n5)" >"$NL_W/ping1" 2>&1 &
p1=$!
topo_exec n4 ping -6 -i 0.1 -c 1000 -W 1 -q "$(nl_ip n2)" >"$NL_W/ping2" 2>&1 &
p2=$!
for k in $(seq 1 20); do sleep 5; sample >>"$NL_W/tunnels.all"; done
wait $p1 $p2
sort -u "$NL_W/tunnels.all" >"$NL_W/tunnels.seen"
new=$(comm -13 "$NL_W/tunnels.0" "$NL_W/tunnels.seen" | wc -l)
nl_log "tunnels at start: $(wc -l <"$NL_W/tunnels.0") (node,peer) pairs; new ones seen during the ping: $new"
for f in ping1 ping2; do
  rx=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$NL_W/$f")
  nl_log "$f: ${rx:-0}/1000 received"
  [ "${rx:-0}" -ge 990 ] || nl_fail "$f lost more than 1% during tunnel refresh: $(tail -2 "$NL_W/$f")"
done
[ "$new" -ge 3 ] || nl_fail "tunnels were not refreshed: only $new new (node,peer) tunnel pairs in 100 s \
with tunnel_refresh 15 s"
echo PASS
