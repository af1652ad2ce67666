# Shared network-namespace topology for integration tests and the demo (source it).
# A simulated IPv4 internet: namespace ${P}inet holds bridge "inet" (198.18.0.1/24) that
# every public host plugs into; NAT gateways put private hosts behind one public address.
#   topo_init PREFIX          set the name prefix (unique per test), reset bookkeeping
#   topo_internet             create the internet namespace and its bridge
#   topo_public NAME IP       a host on the internet (198.18.0.IP/24, default via .1)
#   topo_gateway NAME IP SUBNET   a NAT gateway: public 198.18.0.IP, LAN 198.19.SUBNET.1/24
#   topo_private NAME GW SUBNET IP  a host behind gateway GW: 198.19.SUBNET.IP/24
#   topo_exec NAME CMD...     run in host NAME's namespace
#   topo_destroy              delete every namespace created (call from a trap)
# Namespaces are named ${P}NAME; addresses follow TESTING-NOTES.md (198.18.0.0/15).

topo_init() {
  P=$1
  TOPO_HOSTS=()
}

topo_ns() { echo "${P}$1"; }

_topo_newns() {
  local ns; ns=$(topo_ns "$1")
  ip netns del "$ns" 2>/dev/null || true
  ip netns add "$ns"
  TOPO_HOSTS+=("$1")
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
  ip netns exec "$ns" ip link set lo up
}

topo_exec() {
  local name=$1; shift
  ip netns exec "$(topo_ns "$name")" "$@"
}

topo_internet() {
  _topo_newns inet
  topo_exec inet ip link add inet type bridge
  topo_exec inet ip addr add 198.18.0.1/24 dev inet
  topo_exec inet ip link set inet up
  topo_exec inet sysctl -qw net.ipv4.ip_forward=1
}

# _topo_plug NAME IFNAME: a veth from host NAME (as IFNAME) into the internet bridge.
_topo_plug() {
  local name=$1 ifname=$2 peer="${P:0:4}$RANDOM$RANDOM"
  peer=${peer:0:15}
  ip link add "$peer" type veth peer name "${ifname}x$$"
  ip link set "$peer" netns "$(topo_ns inet)"
  ip link set "${ifname}x$$" netns "$(topo_ns "$name")"
  topo_exec "$name" ip link set "${ifname}x$$" name "$ifname"
  topo_exec inet ip link set "$peer" master inet up
  topo_exec "$name" ip link set "$ifname" up
}

topo_public() {
  local name=$1 ip=$2
  _topo_newns "$name"
  _topo_plug "$name" eth0
  topo_exec "$name" ip addr add "198.18.0.$ip/24" dev eth0
  topo_exec "$name" ip route add default via 198.18.0.1
}

topo_gateway() {
  local name=$1 ip=$2 subnet=$3
  topo_public "$name" "$ip"
  topo_exec "$name" sysctl -qw net.ipv4.ip_forward=1
  topo_exec "$name" ip link add lan type bridge
  topo_exec "$name" ip addr add "198.19.$subnet.1/24" dev lan
  topo_exec "$name" ip link set lan up
  topo_exec "$name" iptables -t nat -A POSTROUTING -o eth0 -j MASQUERADE
}

topo_private() {
  local name=$1 gw=$2 subnet=$3 ip=$4 tmp="t$$$RANDOM" lanif
  tmp=${tmp:0:12}
  lanif="l-$name"
  lanif=${lanif:0:15}
  _topo_newns "$name"
  ip link add "${tmp}a" type veth peer name "${tmp}b"
  ip link set "${tmp}a" netns "$(topo_ns "$gw")"
  ip link set "${tmp}b" netns "$(topo_ns "$name")"
  topo_exec "$gw" ip link set "${tmp}a" name "$lanif"
  topo_exec "$gw" ip link set "$lanif" master lan up
  topo_exec "$name" ip link set "${tmp}b" name eth0
  topo_exec "$name" ip link set eth0 up
  topo_exec "$name" ip addr add "198.19.$subnet.$ip/24" dev eth0
  topo_exec "$name" ip route add default via "198.19.$subnet.1"
}

topo_destroy() {
  local h
  for h in "${TOPO_HOSTS[@]}"; do
    ip netns pids "$(topo_ns "$h")" 2>/dev/null | xargs -r kill -9 2>/dev/null
  done
  for h in "${TOPO_HOSTS[@]}"; do ip netns del "$(topo_ns "$h")" 2>/dev/null; done
  TOPO_HOSTS=()
}
