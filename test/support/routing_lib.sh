# Shared helpers for the routing engineer's namespace tests (test/integration/babel_*.sh,
# test/bench/babel_reroute.sh): namespaces, veth links, our router and babeld in them,
# waits with deadlines. Source it after setting R6_PFX (unique per test, ≤ 5 chars).
# Everything created is named after R6_PFX and removed by r6_cleanup (installed as trap).

R6_NS=()
R6_PIDS=()
R6_DIR=$(mktemp -d "/tmp/${R6_PFX}.XXXXXX")

r6_cleanup() {
  local p ns
  for p in "${R6_PIDS[@]}"; do kill "$p" 2>/dev/null; done
  sleep 0.3
  for p in "${R6_PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  for ns in "${R6_NS[@]}"; do ip netns del "$ns" 2>/dev/null; done
  if [ -n "$R6_KEEP" ]; then echo "logs kept in $R6_DIR"; else rm -rf "$R6_DIR"; fi
}
trap r6_cleanup EXIT

fail() { echo "FAIL: $*"; r6_dump_logs; exit 1; }
r6_dump_logs() {
  local f
  for f in "$R6_DIR"/*.log; do [ -e "$f" ] && { echo "--- $f"; tail -n 40 "$f"; }; done
}

# r6_ns N: namespace ${R6_PFX}-N with lo up, no DAD, forwarding on.
r6_ns() {
  local ns="${R6_PFX}-$1"
  ip netns del "$ns" 2>/dev/null  # left over by an interrupted run of this same test
  ip netns add "$ns" || fail "ip netns add $ns"
  R6_NS+=("$ns")
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
    net.ipv6.conf.all.forwarding=1 net.ipv4.ip_forward=1
  ip -n "$ns" link set lo up
}

# r6_addr N: the address router N redistributes (on lo).
r6_addr() { echo "2001:db8:ff::$1"; }

# r6_link A B: veth ${R6_PFX}A-B in A <-> ${R6_PFX}B-A in B, both up.
r6_link() {
  local a="${R6_PFX}$1-$2" b="${R6_PFX}$2-$1"
  ip link add "$a" netns "${R6_PFX}-$1" type veth peer name "$b" netns "${R6_PFX}-$2" || fail "veth $a"
  ip -n "${R6_PFX}-$1" link set "$a" up
  ip -n "${R6_PFX}-$2" link set "$b" up
}
r6_unlink() { ip -n "${R6_PFX}-$1" link del "${R6_PFX}$1-$2"; }

# r6_ifaces N: the interfaces of router N (all veths in its namespace).
r6_ifaces() {
  ip -n "${R6_PFX}-$1" -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | grep "^${R6_PFX}"
}

# r6_ours N [extra args…]: our router in namespace N on all its veths, redistributing
# r6_addr N (put on lo). Pid in R6_PID_<N>.
r6_ours() {
  local n=$1; shift
  local ns="${R6_PFX}-$n" args=() i
  ip -n "$ns" addr add "$(r6_addr "$n")/128" dev lo 2>/dev/null
  for i in $(r6_ifaces "$n"); do args+=(-i "$i"); done
  ip netns exec "$ns" "$RE6ST" babel "${args[@]}" --redistribute "$(r6_addr "$n")/128" \
    --hello "${R6_HELLO:-1}" -v 3 -l "$R6_DIR/ours-$n.log" --dump-json "$R6_DIR/dump-$n.json" "$@" &
  R6_PIDS+=($!)
  eval "R6_PID_$n=$!"
}

# r6_babeld N [extra -C statements…]: Debian's babeld in namespace N, same role. The
# statements come before the final deny filters (babeld filters: first match wins).
r6_babeld() {
  local n=$1; shift
  local ns="${R6_PFX}-$n" conf=() c
  ip -n "$ns" addr add "$(r6_addr "$n")/128" dev lo 2>/dev/null
  for c in "$@"; do conf+=(-C "$c"); done
  ip netns exec "$ns" babeld -I "$R6_DIR/babeld-$n.pid" -S "$R6_DIR/babeld-$n.state" \
    -h "${R6_HELLO:-1}" -H "${R6_HELLO:-1}" -L "$R6_DIR/babeld-$n.log" \
    -C "redistribute ip $(r6_addr "$n")/128 eq 128" "${conf[@]}" -C 'redistribute local deny' \
    -C 'redistribute deny' $(r6_ifaces "$n") 2>>"$R6_DIR/babeld-$n.err" &
  R6_PIDS+=($!)
  eval "R6_PID_$n=$!"
}

# r6_ping A B: one ping from A's address to B's, 1 s deadline.
r6_ping() {
  ip netns exec "${R6_PFX}-$1" ping -6 -c 1 -W 1 -I "$(r6_addr "$1")" "$(r6_addr "$2")" >/dev/null 2>&1
}

# r6_wait SECONDS CMD…: retries CMD every 0.2 s until it succeeds; prints elapsed time.
r6_wait() {
  local deadline=$(( $(date +%s%N) + $1 * 1000000000 )) start=$(date +%s%N)
  shift
  while ! "$@"; do
    [ "$(date +%s%N)" -lt "$deadline" ] || return 1
    sleep 0.2
  done
  R6_ELAPSED=$(( ($(date +%s%N) - start) / 1000000 ))
}

# r6_all_pairs N…: every ordered pair of the listed routers pings.
r6_all_pairs() {
  local a b
  for a in "$@"; do for b in "$@"; do
    [ "$a" = "$b" ] && continue
    r6_ping "$a" "$b" || { R6_BAD="$a->$b"; return 1; }
  done; done
}

# r6_route N DST: the kernel route to DST in namespace N (empty if none).
r6_route() { ip -n "${R6_PFX}-$1" -6 route show "$2" 2>/dev/null; }
# No usable route: babeld keeps a retracted destination as "unreachable … metric
# 4294967295" for a while, which counts as no route.
r6_no_route() { [ -z "$(r6_route "$1" "$2" | grep -v '^unreachable')" ]; }

r6_now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
