# Shared helpers for the tunnel namespace tests and benchmark (sourced, not run).
# Each caller sets PFX (unique per script: namespace and interface names) first.

# Makes a CA and node certificates with openssl in $1: ca.crt, nK.crt/nK.key for CN K/16.
# The CA serial encodes 2001:db8::/32 the re6st way (0x120010db8).
tunnel_make_pki() {
  local dir=$1; shift
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/ca.key" -out "$dir/ca.crt" \
    -days 30 -subj "/CN=re6st test ca" -set_serial 0x120010db8 2>/dev/null || return 1
  local cn
  for cn in "$@"; do
    openssl req -newkey rsa:2048 -nodes -keyout "$dir/n$cn.key" -out "$dir/n$cn.csr" \
      -subj "/CN=$cn\/16/serialNumber=$cn" 2>/dev/null || return 1
    openssl x509 -req -in "$dir/n$cn.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
      -set_serial "$((100 + cn))" -days 7 -out "$dir/n$cn.crt" 2>/dev/null || return 1
  done
}

# Two namespaces ${PFX}a and ${PFX}b joined by a veth: 198.18.X.1/.2 and 2001:db8:X::1/::2.
tunnel_make_hosts() {
  local x=$1 ns
  for ns in a b; do
    ip netns add "${PFX}$ns" || return 1
    ip netns exec "${PFX}$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
      net.ipv6.conf.default.accept_dad=0
    ip -n "${PFX}$ns" link set lo up
  done
  ip link add "${PFX}va" netns "${PFX}a" type veth peer name "${PFX}vb" netns "${PFX}b" || return 1
  ip -n "${PFX}a" addr add "198.18.$x.1/24" dev "${PFX}va"
  ip -n "${PFX}b" addr add "198.18.$x.2/24" dev "${PFX}vb"
  ip -n "${PFX}a" addr add "2001:db8:$x::1/64" dev "${PFX}va"
  ip -n "${PFX}b" addr add "2001:db8:$x::2/64" dev "${PFX}vb"
  ip -n "${PFX}a" link set "${PFX}va" up
  ip -n "${PFX}b" link set "${PFX}vb" up
}

tunnel_cleanup_hosts() {
  local p
  for p in $(jobs -p); do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  ip netns del "${PFX}a" 2>/dev/null
  ip netns del "${PFX}b" 2>/dev/null
  true
}

# Waits up to $3 seconds until file $1 contains $2 times a line starting with "up ".
tunnel_wait_up() {
  local file=$1 count=$2 limit=$3 i c
  for ((i = 0; i < limit * 10; i++)); do
    c=$(grep -c '^up ' "$file" 2>/dev/null)
    [ "${c:-0}" -ge "$count" ] && return 0
    sleep 0.1
  done
  return 1
}
