#!/bin/bash
# Data-plane benchmark of the built-in transport (issue 5), all in one run and the same
# two namespaces: iperf3 TCP throughput (1 and 4 streams), ping RTT and CPU seconds per
# GB through re6st tunnels (UDP, TCP) vs the raw veth vs OpenVPN 2.6 as re6stnet runs it
# (tap, UDP, no cipher) vs OpenVPN AES-256-GCM; then RSS of one re6st process with 1 and
# 30 tunnels. Prints ONE table. Usage: bash tunnel_bench.sh /path/to/re6st [seconds]
set -u
RE6ST=$1
DUR=${2:-5}
PFX=r6bn$$
. "$(dirname "$0")/../support/tunnel_lib.sh"
TMP=$(mktemp -d)
trap 'tunnel_cleanup_hosts; rm -rf "$TMP"' EXIT
# Foreground helpers only: background daemons are started with `ip netns exec` itself so
# that $! is the daemon's pid (ip netns exec execs the command).
A() { ip netns exec "${PFX}a" "$@"; }
B() { ip netns exec "${PFX}b" "$@"; }

tunnel_make_pki "$TMP" 1 2 || exit 1
tunnel_make_hosts 54 || exit 1

cpu_ticks() { local t=0 p; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo $t; }
json() { /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$3"; }

# measure NAME DST PIDS... : one table row.
measure() {
  local name=$1 dst=$2; shift 2
  local pids=("$@") c0 c1 gbps1 gbps4 bytes rtt cpu="-"
  A iperf3 -s -1 -D -B "$dst" -p 5201 >/dev/null 2>&1; sleep 0.3
  [ ${#pids[@]} -gt 0 ] && c0=$(cpu_ticks "${pids[@]}")
  B iperf3 -c "$dst" -p 5201 -t "$DUR" -J >"$TMP/i1.json" 2>/dev/null
  [ ${#pids[@]} -gt 0 ] && c1=$(cpu_ticks "${pids[@]}")
  gbps1=$(json 0 '"%.2f" % (d["end"]["sum_received"]["bits_per_second"]/1e9)' "$TMP/i1.json" 2>/dev/null || echo fail)
  bytes=$(json 0 'd["end"]["sum_received"]["bytes"]' "$TMP/i1.json" 2>/dev/null || echo 0)
  if [ ${#pids[@]} -gt 0 ] && [ "$bytes" -gt 0 ]; then
    cpu=$(awk -v t=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" -v b="$bytes" 'BEGIN { printf "%.2f", t / hz / (b / 1e9) }')
  fi
  A iperf3 -s -1 -D -B "$dst" -p 5202 >/dev/null 2>&1; sleep 0.3
  B iperf3 -c "$dst" -p 5202 -t "$DUR" -P 4 -J >"$TMP/i4.json" 2>/dev/null
  gbps4=$(json 0 '"%.2f" % (d["end"]["sum_received"]["bits_per_second"]/1e9)' "$TMP/i4.json" 2>/dev/null || echo fail)
  rtt=$(B ping -6 -c 20 -i 0.05 -q "$dst" | sed -n 's|.* = [0-9.]*/\([0-9.]*\)/.*|\1|p')
  printf "%-26s %10s %10s %10s %10s\n" "$name" "$gbps1" "$gbps4" "${rtt:-fail}" "$cpu" >>"$TMP/table"
}

re6st_pair() {  # proto port n → sets SP CP
  ip netns exec "${PFX}a" "$RE6ST" tunnel --ca "$TMP/ca.crt" --cert "$TMP/n1.crt" --key "$TMP/n1.key" --proto "$1" \
    --listen "$2" --dev "${PFX}s$3" --ip6 "2001:db8:b$3::1/64" -v 0 >"$TMP/s$3.log" 2>&1 &
  SP=$!
  sleep 0.3
  ip netns exec "${PFX}b" "$RE6ST" tunnel --ca "$TMP/ca.crt" --cert "$TMP/n2.crt" --key "$TMP/n2.key" --proto "$1" \
    --connect "198.18.54.1:$2" --peer-cn 1/16 --dev "${PFX}c$3" --ip6 "2001:db8:b$3::2/64" \
    -v 0 >"$TMP/c$3.log" 2>&1 &
  CP=$!
  tunnel_wait_up "$TMP/c$3.log" 1 10 && tunnel_wait_up "$TMP/s$3.log" 1 5
}

ovpn_pair() {  # n cipher-args... → sets SP CP
  local n=$1; shift
  local dev
  for dev in a b; do
    ip netns exec "${PFX}$dev" ip tuntap add mode tap name "${PFX}o$n"
    ip netns exec "${PFX}$dev" ip link set "${PFX}o$n" mtu 1400 up
  done
  A ip addr add "2001:db8:c$n::1/64" dev "${PFX}o$n"
  B ip addr add "2001:db8:c$n::2/64" dev "${PFX}o$n"
  local common=(--dev "${PFX}o$n" --dev-type tap --proto udp --dh none --tun-mtu 1400
                --ca "$TMP/ca.crt" --verb 1 --ping 10 --ping-exit 60 "$@")
  ip netns exec "${PFX}a" openvpn "${common[@]}" --tls-server --cert "$TMP/n1.crt" --key "$TMP/n1.key" \
    --lport $((1400 + n)) >"$TMP/o$n-s.log" 2>&1 &
  SP=$!
  ip netns exec "${PFX}b" openvpn "${common[@]}" --tls-client --cert "$TMP/n2.crt" --key "$TMP/n2.key" \
    --remote 198.18.54.1 $((1400 + n)) --nobind >"$TMP/o$n-c.log" 2>&1 &
  CP=$!
  local i
  for ((i = 0; i < 100; i++)); do
    grep -q "Initialization Sequence Completed" "$TMP/o$n-c.log" 2>/dev/null && break
    sleep 0.1
  done
  sleep 1
}

# Wake-up floor: a UDP echo between one process in each namespace over the raw veth —
# the RTT cost of a single user-space hop (a tunnel adds three: both ends, then back).
g++ -O2 -std=c++20 -o "$TMP/udp_echo" "$(dirname "$0")/udp_echo.cpp" || exit 1
ip netns exec "${PFX}a" "$TMP/udp_echo" server 7777 &
EP=$!
sleep 0.2
ECHO_RTT=$(B "$TMP/udp_echo" client 2001:db8:54::1 7777 20 50)
kill "$EP"; wait "$EP" 2>/dev/null

printf "%-26s %10s %10s %10s %10s\n" "path (IPv6 inside)" "TCP1 Gb/s" "TCP4 Gb/s" "RTT ms" "CPU s/GB" >"$TMP/table"
measure "raw veth" 2001:db8:54::1
re6st_pair udp 1194 1 && measure "re6st udp (DTLS+AES-GCM)" 2001:db8:b1::1 "$SP" "$CP"
kill "$SP" "$CP"; wait "$SP" "$CP" 2>/dev/null
re6st_pair tcp 1194 2 && measure "re6st tcp (TLS+AES-GCM)" 2001:db8:b2::1 "$SP" "$CP"
kill "$SP" "$CP"; wait "$SP" "$CP" 2>/dev/null
ovpn_pair 1 --cipher none --data-ciphers none --auth none
measure "openvpn tap, cipher none" 2001:db8:c1::1 "$SP" "$CP"
kill "$SP" "$CP"; wait "$SP" "$CP" 2>/dev/null
ovpn_pair 2 --cipher AES-256-GCM --data-ciphers AES-256-GCM
measure "openvpn AES-256-GCM" 2001:db8:c2::1 "$SP" "$CP"
OVPN_RSS=$(awk '/VmRSS/ {print $2}' "/proc/$SP/status")
kill "$SP" "$CP"; wait "$SP" "$CP" 2>/dev/null

# Memory: one re6st server process with 1, then 30 tunnels (30 client processes).
ip netns exec "${PFX}a" "$RE6ST" tunnel --ca "$TMP/ca.crt" --cert "$TMP/n1.crt" --key "$TMP/n1.key" --proto udp \
  --listen 1500 --dev "${PFX}m" -v 0 >"$TMP/m.log" 2>&1 &
MP=$!
sleep 0.3
CPIDS=()
for ((k = 1; k <= 30; k++)); do
  ip netns exec "${PFX}b" "$RE6ST" tunnel --ca "$TMP/ca.crt" --cert "$TMP/n2.crt" --key "$TMP/n2.key" --proto udp \
    --connect 198.18.54.1:1500 --peer-cn 1/16 --dev "${PFX}k$k." -v 0 >"$TMP/k$k.log" 2>&1 &
  CPIDS+=($!)
  if [ "$k" -eq 1 ]; then
    tunnel_wait_up "$TMP/m.log" 1 10
    sleep 0.5
    RSS1=$(awk '/VmRSS/ {print $2}' "/proc/$MP/status")
  fi
done
tunnel_wait_up "$TMP/m.log" 30 30
sleep 0.5
RSS30=$(awk '/VmRSS/ {print $2}' "/proc/$MP/status")
UP30=$(grep -c '^up ' "$TMP/m.log")
kill "${CPIDS[@]}" "$MP"; wait "${CPIDS[@]}" "$MP" 2>/dev/null

cat "$TMP/table"
echo "RSS of one re6st process: ${RSS1} kB with 1 tunnel, ${RSS30} kB with ${UP30} tunnels" \
  "(one OpenVPN process = 1 tunnel: ${OVPN_RSS} kB)"
echo "UDP echo between two processes over the raw veth (one user-space hop): ${ECHO_RTT:-fail} ms RTT"
echo "(${DUR} s per iperf3 run; CPU = user+system time of both tunnel processes per GB moved)"
