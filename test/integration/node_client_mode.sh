#!/bin/bash
# re6st-test: timeout=200
# re6stnet's --client mode and SIGHUP: n2 serves nothing and keeps one tunnel to the
# remotes given by --client (the first one is dead, so the second must be used); it
# reaches every node and nobody can open a tunnel to it. SIGHUP re-executes the node
# (same pid, fresh start) and connectivity comes back. n1 runs with --remote-gateway: its
# tunnel to the registry node goes through the internet's router by a /32 route, and
# runs --up (sees the re6stnet_* variables) and --daemon (stopped with the node).
set -u
HERE=$(dirname "$(readlink -f "$0")")
. "$HERE/lib/topology.sh"
. "$HERE/lib/node.sh"
nl_init r6ec$$- "$1"
trap nl_cleanup EXIT

NODES=(reg n1 n2)
nl_registry 2 --client-count 2
nl_public n1 11
topo_public n2 12
nl_register "${NODES[@]}"
nl_start reg
NL_ARGS[n1]="--remote-gateway 198.18.0.1"
nl_start n1 --up "env > '$NL_W/n1/up.env'" --daemon "exec sleep 3000"
NL_ARGS[n2]="--client 198.18.0.99,1194,tcp;198.18.0.11,1194,tcp"
nl_start n2
for n in "${NODES[@]}"; do nl_wait_ready "$n"; done
nl_wait_full 90 "${NODES[@]}" || nl_fail "--client node not connected after 90 s"
nl_log "full connectivity ${NL_WAITED}s after start"
out=$(nl_json n2 | python3 -c '
import json, sys
s = json.load(sys.stdin)
t = [x for x in s["tunnels"] if x.get("state", "up") == "up"]
print(len(t), " ".join(x["direction"] for x in t), " ".join(x["remote"] for x in t), repr(s["node"].get("addresses", "")))')
set -- $out
[ "$1" = 1 ] && [ "$2" = out ] || nl_fail "n2 should have exactly one outgoing tunnel, status: $out"
case $3 in 198.18.0.11:1194) ;; *) nl_fail "n2's tunnel goes to $3, not n1";; esac
[ "$4" = "''" ] || nl_fail "a --client node has no address to give, n2 says $4"
nl_log "n2: one outgoing tunnel to $3, no address published"
topo_exec n2 ss -Htln | grep -q ':1194 ' && nl_fail "--client node listens on 1194"
gw=$(topo_exec n1 ip -4 route show 198.18.0.2)
case $gw in *"via 198.18.0.1"*) ;; *) nl_fail "--remote-gateway: no route to 198.18.0.2 via 198.18.0.1 on n1: [$gw]";; esac
nl_log "n1 reaches the registry node through its --remote-gateway: $gw"

pid=${NL_PID[n2]}
kill -HUP "$pid"
sleep 1
kill -0 "$pid" 2>/dev/null || nl_fail "n2 exited on SIGHUP instead of re-executing"
grep -q "restarting" "$NL_W/n2/log/re6stnet.log" || nl_fail "no restart logged after SIGHUP"
nl_wait_ready n2
nl_wait_full 60 "${NODES[@]}" || nl_fail "no full connectivity after SIGHUP"
nl_log "SIGHUP: same pid $pid, full connectivity again after ${NL_WAITED}s"
[ "$(grep -c 'node .* started' "$NL_W/n2/log/re6stnet.log")" -ge 2 ] || nl_fail "n2 did not start twice"
# --up ran once with re6stnet's variables; --daemon runs while the node does.
grep -qx "re6stnet_ip=$(nl_ip n1)" "$NL_W/n1/up.env" || nl_fail "--up: re6stnet_ip: $(grep re6stnet "$NL_W/n1/up.env")"
grep -qx "re6stnet_iface=lo" "$NL_W/n1/up.env" || nl_fail "--up: re6stnet_iface"
grep -qx "re6stnet_network=$NL_NET" "$NL_W/n1/up.env" || nl_fail "--up: re6stnet_network"
grep -q "^re6stnet_subnet=2001:db8:42:" "$NL_W/n1/up.env" || nl_fail "--up: re6stnet_subnet"
pgrep -f "sleep 3000" >/dev/null || nl_fail "--daemon command not running"
nl_log "--up saw $(grep -c ^re6stnet_ "$NL_W/n1/up.env") re6stnet_* variables; --daemon running"
nl_stop n1 TERM || nl_fail "n1 did not exit on SIGTERM"
pgrep -f "sleep 3000" >/dev/null && nl_fail "--daemon command still running after the node exited"
[ -z "$(topo_exec n1 ip -4 route show 198.18.0.2)" ] || nl_fail "--remote-gateway route left after exit"
echo PASS
