# Shared helpers for end-to-end tests of `re6st node` (source after topology.sh): a CA, a
# registry on host "reg" with its own node (the first certificate = the registry prefix),
# nodes registered with `re6st conf` by email token like real users, started from the
# re6stnet.conf that conf wrote, and reachability checks (ping6 matrix between node IPs).
#   nl_init PREFIX RE6ST        work dir, namespace prefix; call nl_cleanup from a trap
#   nl_registry IP [OPTS...]    host "reg" at 198.18.0.IP running `re6st registry`
#   nl_public NAME IP           a host on the internet; its node gets --ip 198.18.0.IP
#   nl_register NAME...         `re6st conf` by email token, one directory per node
#   nl_start NAME [OPTS...]     `re6st node @re6stnet.conf` in NAME (public: --ip set)
#   nl_start_all NAME...        nl_start each (reg first, NL_STAGGER s apart), wait ready
#   nl_stop NAME [SIGNAL]       signal the node (TERM) and wait for its exit (status in NL_RC)
#   nl_wait_full SECS NAME...   until every pair of NAMEs pings (parallel ping6 matrix)
#   nl_fail MSG                 print MSG, the matrix, the logs and the status; exit 1
# Node NAME keeps everything in $NL_W/NAME: cert files, state/, run/, log/, node.out.

NL_NET=2001:db8:42::/48
NL_HELLO=${NL_HELLO:-4}   # registry --hello: Babel hello and tunnel timeout (4 × hello)
declare -A NL_PID NL_PUBIP NL_ARGS  # NL_ARGS[NAME]: extra node options (split on spaces)
NL_REGPID=
NL_STARTED=()

nl_init() {
  topo_init "$1"
  NL_RE6ST=$(readlink -f "$2")
  [ -x "$NL_RE6ST" ] || { echo "FAIL: no re6st binary at $2"; exit 1; }
  NL_W=$(mktemp -d "/tmp/${1}XXXXXX")
  NL_T0=$SECONDS
}

nl_log() { printf '[%3ds] %s\n' $((SECONDS - NL_T0)) "$*"; }

nl_cleanup() {
  local n
  for n in "${!NL_PID[@]}"; do kill "${NL_PID[$n]}" 2>/dev/null; done
  [ -n "$NL_REGPID" ] && kill "$NL_REGPID" 2>/dev/null
  local alive
  for _ in $(seq 30); do  # up to 3 s for clean exits (tunnels closed, routes removed)
    alive=
    for n in "${!NL_PID[@]}"; do kill -0 "${NL_PID[$n]}" 2>/dev/null && alive=1; done
    [ -z "$alive" ] && break
    sleep 0.1
  done
  for n in "${!NL_PID[@]}"; do kill -9 "${NL_PID[$n]}" 2>/dev/null; done
  topo_destroy
  if [ -n "${NL_KEEP:-}" ]; then echo "logs kept in $NL_W"; else rm -rf "$NL_W"; fi
}

# The internet, host "reg" at 198.18.0.IP with a CA for $NL_NET and the registry (mbox
# mail, port 80). Extra registry options (e.g. --ipv4, --tunnel-refresh) follow.
nl_registry() {
  local ip=$1; shift
  [ -d "$NL_W/ca" ] || "$NL_RE6ST" ca --network $NL_NET --email admin@example.com \
    --dir "$NL_W/ca" >/dev/null || nl_fail "re6st ca"
  [ -n "${NL_INET:-}" ] || { topo_internet; NL_INET=1; }
  topo_public reg "$ip"
  NL_PUBIP[reg]=198.18.0.$ip
  NL_URL=http://198.18.0.$ip/
  mkdir -p "$NL_W/reg/run" "$NL_W/reg/log"
  # -r is the registry node's --run, as with re6st-registry (it finds its node there).
  # NL_REG_WRAP (e.g. "gdb -batch -ex run -ex bt --args") wraps the registry for debugging.
  # (ip netns exec directly, not topo_exec: $! must be the registry, not a subshell)
  ip netns exec "$(topo_ns reg)" ${NL_REG_WRAP:-} "$NL_RE6ST" registry \
    @"$NL_W/ca/re6st-registry.conf" --db "$NL_W/reg/registry.db" --mailhost "$NL_W/reg/mbox" \
    --port 80 -l "$NL_W/reg/log/registry.log" -r "$NL_W/reg/run" -v 2 --hello "$NL_HELLO" "$@" \
    >"$NL_W/reg/registry.out" 2>&1 &
  NL_REGPID=$!
  local i
  for i in $(seq 100); do
    topo_exec reg curl -sf -o /dev/null http://127.0.0.1/getCa && return 0
    kill -0 $NL_REGPID 2>/dev/null || break
    sleep 0.1
  done
  nl_fail "registry did not start: $(tail -5 "$NL_W/reg/registry.out")"
}

nl_token_for() {  # waits for the mail to $1 in the registry's mbox and prints its token
  local t
  for _ in $(seq 150); do
    t=$(awk -v to="To: $1" '$0 == to {m = 1} m && /token to join re6st network is:/ {print $NF; m = 0}' \
      "$NL_W/reg/mbox" 2>/dev/null | tail -1)
    [ -n "$t" ] && { echo "$t"; return; }
    sleep 0.1
  done
}

# Registers each NAME with `re6st conf --email NAME@example.com`, answering the token
# prompt from the mbox like a user reading their mail. "reg" first: it gets the registry
# prefix. The others register in parallel.
# A public host NAME at 198.18.0.IP whose node announces that address (--ip).
nl_public() {
  topo_public "$1" "$2"
  NL_PUBIP[$1]=198.18.0.$2
}

nl_register() {
  local n pids=() ok=1
  for n in "$@"; do
    mkdir -p "$NL_W/$n"
    ( nl_token_for "$n@example.com" | topo_exec "$n" "$NL_RE6ST" conf --registry "$NL_URL" \
        --email "$n@example.com" -d "$NL_W/$n" >"$NL_W/$n/conf.log" 2>&1 ) &
    pids+=($!)
    [ "$n" = reg ] && { wait $! || ok=0; pids=(); }
  done
  for n in "${pids[@]}"; do wait "$n" || ok=0; done
  for n in "$@"; do
    [ -s "$NL_W/$n/cert.crt" ] || { ok=0; echo "conf for $n:"; cat "$NL_W/$n/conf.log"; }
  done
  [ $ok = 1 ] || nl_fail "registration with re6st conf"
}

nl_cn() {
  openssl x509 -in "$NL_W/$1/cert.crt" -noout -subject -nameopt multiline |
    awk '/commonName/ {print $3}'
}
nl_serial() {  # the subject serialNumber (IPv4 host number)
  openssl x509 -in "$NL_W/$1/cert.crt" -noout -subject -nameopt multiline |
    awk '/serialNumber/ {print $3}'
}
# Prefix bits of a node (CN a/b → b bits), as the peer protocol and registry name them.
nl_bits() {
  local cn; cn=$(nl_cn "$1")
  /usr/bin/python3 -c 'import sys; a, b = map(int, sys.argv[1].split("/")); print(bin(a)[2:].rjust(b, "0"))' "$cn"
}
# Node IP (subnet with the last bit set) and subnet, from the certificate's CN.
nl_ip() {
  /usr/bin/python3 - "$(nl_cn "$1")" $NL_NET "${2:-ip}" <<'EOF'
import ipaddress, sys
a, b = map(int, sys.argv[1].split("/"))
net = ipaddress.IPv6Network(sys.argv[2])
base = int(net.network_address) | a << (128 - net.prefixlen - b)
if sys.argv[3] == "ip":
    print(ipaddress.IPv6Address(base | 1))
else:
    print("%s/%d" % (ipaddress.IPv6Address(base), net.prefixlen + b))
EOF
}

# IPv4 overlay address of NAME as re6stnet computes it (cli/node.py) for registry
# --ipv4 $NL_IPV4 $NL_IPV4_SUBLEN: network | serialNumber << (32 - n), last bit set if n < 31.
nl_ip4() {
  /usr/bin/python3 - "$(nl_serial "$1")" "$NL_IPV4" "$NL_IPV4_SUBLEN" <<'EOF'
import ipaddress, sys
serial, net, sub = int(sys.argv[1]), ipaddress.IPv4Network(sys.argv[2]), int(sys.argv[3])
n = net.prefixlen + sub
print(ipaddress.IPv4Address(int(net.network_address) | serial << (32 - n) | (n < 31)))
EOF
}

# Starts the node of NAME from its conf directory with re6stnet.conf as written by conf.
nl_start() {
  local n=$1; shift
  local d=$NL_W/$n args=(-s "$NL_W/$n/state" -r "$NL_W/$n/run" -l "$NL_W/$n/log" -v 3)
  mkdir -p "$d/log"
  [ -n "${NL_PUBIP[$n]:-}" ] && args+=(--ip "${NL_PUBIP[$n]}")
  [ -n "${NL_ARGS[$n]:-}" ] && args+=(${NL_ARGS[$n]})
  echo "=== start $(date +%T) ${args[*]} $*" >>"$d/node.out"
  ( cd "$d" && exec ip netns exec "$(topo_ns "$n")" "$NL_RE6ST" node @re6stnet.conf "${args[@]}" "$@" \
      >>"$d/node.out" 2>&1 ) &
  NL_PID[$n]=$!
  NL_STARTED+=("$n")
}

# Starts the nodes NAMEs and waits until each control socket answers. With "reg" among
# them, the registry node starts first; the others follow NL_STAGGER seconds apart
# (default 1; node_mesh.sh uses 0: every node at once).
nl_start_all() {
  local n stagger=${NL_STAGGER:-1}
  for n in "$@"; do [ $n = reg ] && { nl_start reg; nl_wait_ready reg; }; done
  for n in "$@"; do
    [ $n = reg ] && continue
    nl_start "$n"
    [ "$stagger" = 0 ] || sleep "$stagger"
  done
  for n in "$@"; do nl_wait_ready "$n"; done
}

# Waits until NAME's control socket answers (re6st status --json); fails if it exits.
nl_wait_ready() {
  local n=$1 t=${2:-20} i
  for ((i = 0; i < t * 5; i++)); do
    "$NL_RE6ST" status --json -r "$NL_W/$n/run" >/dev/null 2>&1 && return 0
    kill -0 "${NL_PID[$n]}" 2>/dev/null || nl_fail "node $n exited: $(tail -3 "$NL_W/$n/node.out")"
    sleep 0.2
  done
  nl_fail "node $n: control socket $NL_W/$n/run/re6st.sock does not answer after ${t}s"
}

nl_stop() {
  local n=$1 sig=${2:-TERM} pid=${NL_PID[$1]:-} i
  NL_RC=
  [ -n "$pid" ] || return 0
  kill -"$sig" "$pid" 2>/dev/null
  for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && { kill -9 "$pid"; NL_RC=hung; wait "$pid" 2>/dev/null; unset "NL_PID[$n]"; return 1; }
  wait "$pid" 2>/dev/null; NL_RC=$?
  unset "NL_PID[$n]"
  echo "=== stopped $(date +%T) by SIG$sig, exit $NL_RC" >>"$NL_W/$n/node.out"
}

nl_status() { local n=$1; shift; "$NL_RE6ST" status "$@" -r "$NL_W/$n/run" 2>&1; }
nl_json() { "$NL_RE6ST" status --json -r "$NL_W/$1/run" 2>/dev/null; }
# Tunnels of NAME from `re6st status --json`: "peer-CN direction(in|out) iface" per line
# ("?" for a field not known yet, e.g. the peer during the handshake).
nl_tunnel_peers() {
  nl_json "$1" | /usr/bin/python3 -c '
import json, sys
try: s = json.load(sys.stdin)
except Exception: sys.exit(0)
for t in s.get("tunnels") or []:
    print(t.get("peer") or "?", t.get("direction") or "?", t.get("iface") or "?")'
}

# Parallel ping6 (ping -4 to nl_ip4 with NL_FAMILY=4) between every ordered pair of NAMEs; the matrix goes to $NL_W/matrix,
# NL_OK / NL_TOTAL count the pairs. Returns 0 when every pair answered.
nl_matrix() {
  local a b dir=$NL_W/.ping pids=()
  rm -rf "$dir"; mkdir -p "$dir"
  local fam=${NL_FAMILY:-6}
  for b in "$@"; do
    [ -s "$NL_W/$b/ip$fam" ] || if [ $fam = 6 ]; then nl_ip "$b"; else nl_ip4 "$b"; fi >"$NL_W/$b/ip$fam"
  done
  for a in "$@"; do
    for b in "$@"; do
      [ "$a" = "$b" ] && continue
      ( topo_exec "$a" ping -$fam -c1 -W2 "$(cat "$NL_W/$b/ip$fam")" >/dev/null 2>&1 && touch "$dir/$a-$b" ) &
      pids+=($!)
    done
  done
  wait "${pids[@]}"
  NL_OK=0; NL_TOTAL=0
  {
    printf '%8s' ''; for b in "$@"; do printf ' %5s' "$b"; done; echo
    for a in "$@"; do
      printf '%8s' "$a"
      for b in "$@"; do
        if [ "$a" = "$b" ]; then printf ' %5s' -; continue; fi
        NL_TOTAL=$((NL_TOTAL + 1))
        if [ -e "$dir/$a-$b" ]; then printf ' %5s' o; NL_OK=$((NL_OK + 1)); else printf ' %5s' .; fi
      done
      echo
    done
  } >"$NL_W/matrix"
  [ $NL_OK = $NL_TOTAL ]
}

# Waits up to SECS for full connectivity between NAMEs; NL_WAITED = seconds it took.
nl_wait_full() {
  local t=$1 t0=$SECONDS; shift
  while :; do
    if nl_matrix "$@"; then NL_WAITED=$((SECONDS - t0)); return 0; fi
    [ $((SECONDS - t0)) -ge "$t" ] && break
    sleep 1
  done
  NL_WAITED=$((SECONDS - t0))
  echo "after ${NL_WAITED}s: $NL_OK/$NL_TOTAL pairs"; cat "$NL_W/matrix"
  return 1
}

nl_dump() {
  local n
  echo "---- registry ($NL_W/reg)"
  [ -n "$NL_REGPID" ] && ! kill -0 "$NL_REGPID" 2>/dev/null &&
    echo "!!!! the registry process is not running any more (crashed?)"
  tail -n 15 "$NL_W/reg/registry.out" "$NL_W/reg/log/registry.log" 2>/dev/null
  for n in $(printf '%s\n' "${NL_STARTED[@]}" | sort -u); do
    echo "---- node $n ($(nl_cn "$n" 2>/dev/null), ip $(nl_ip "$n" 2>/dev/null), pid ${NL_PID[$n]:-stopped})"
    tail -n 25 "$NL_W/$n/node.out" 2>/dev/null
    tail -n 25 "$NL_W/$n/log/re6stnet.log" 2>/dev/null
    [ -n "${NL_PID[$n]:-}" ] && nl_status "$n" | head -40
  done
}

nl_fail() {
  echo "FAIL: $*"
  [ -f "$NL_W/matrix" ] && { echo "last ping matrix:"; cat "$NL_W/matrix"; }
  nl_dump
  exit 1
}

# A NAT gateway like topo_gateway NAME IP SUBNET that also runs miniupnpd (UPnP IGD, the
# nftables flavour) for its LAN, with the tables and chains miniupnpd expects
# (/etc/miniupnpd/nft_init.sh). miniupnpd refuses to map ports when the external address
# is reserved (198.18.0.0/15 included: "Port forwarding is impossible"), so this
# gateway's public address is 11.0.0.IP/24, a second subnet of the isolated simulated
# internet (its router holds 11.0.0.1). Returns 1 if miniupnpd does not come up.
nl_upnp_gateway() {
  local name=$1 ip=$2 subnet=$3 d=$NL_W/$1 i
  topo_exec inet ip addr add 11.0.0.1/24 dev inet 2>/dev/null
  _topo_newns "$name"
  _topo_plug "$name" eth0
  topo_exec "$name" ip addr add "11.0.0.$ip/24" dev eth0
  topo_exec "$name" ip route add default via 11.0.0.1
  topo_exec "$name" sysctl -qw net.ipv4.ip_forward=1
  topo_exec "$name" ip link add lan type bridge
  topo_exec "$name" ip addr add "198.19.$subnet.1/24" dev lan
  topo_exec "$name" ip link set lan up
  mkdir -p "$d"
  topo_exec "$name" nft -f - <<'NFT' || return 1
table inet filter {
  chain forward { type filter hook forward priority 0; policy accept; jump miniupnpd; }
  chain miniupnpd { }
  chain prerouting { type nat hook prerouting priority -100; policy accept; jump prerouting_miniupnpd; }
  chain postrouting {
    type nat hook postrouting priority 100; policy accept;
    jump postrouting_miniupnpd
    oifname "eth0" masquerade
  }
  chain prerouting_miniupnpd { }
  chain postrouting_miniupnpd { }
}
NFT
  cat >"$d/miniupnpd.conf" <<CONF
ext_ifname=eth0
listening_ip=lan
http_port=0
enable_natpmp=no
enable_upnp=yes
secure_mode=yes
system_uptime=yes
lease_file=$d/upnp.leases
uuid=$(cat /proc/sys/kernel/random/uuid)
allow 1024-65535 198.19.$subnet.0/24 1024-65535
deny 0-65535 0.0.0.0/0 0-65535
CONF
  ip netns exec "$(topo_ns "$name")" miniupnpd -d -f "$d/miniupnpd.conf" -P "$d/miniupnpd.pid" >"$d/miniupnpd.log" 2>&1 &
  NL_PID[$name]=$!
  for ((i = 0; i < 30; i++)); do
    topo_exec "$name" ss -lnu | grep -q ':1900 ' && return 0
    kill -0 "${NL_PID[$name]}" 2>/dev/null || break
    sleep 0.1
  done
  cat "$d/miniupnpd.log"
  return 1
}
