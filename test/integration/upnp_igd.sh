#!/bin/bash
# `re6st upnp` against Debian's miniupnpd (nftables backend) on a NAT gateway:
# internet host (i) — gateway (g: nft masquerade, forward policy drop, miniupnpd on the
# LAN) — LAN host (h). The UDP and TCP mappings appear, carry a datagram and a TCP
# connection from the internet to the host's port 1194, survive several lease periods
# (renewal), come back after the lease expired while the client was frozen, and are
# removed by SIGINT. Without an IGD the command fails clearly within a few seconds.
# Addresses: the WAN is 11.82.36.0/24, not 198.18.0.0/15, because miniupnpd 2.3.1
# refuses port forwarding when its external address is reserved (198.18/15 is, by
# RFC 2544) and has no option to override that; the namespaces have no route outside.
# re6st-test: timeout=120
set -u
RE6ST=$1
PFX=r6up$$
TMP=$(mktemp -d)
NS_I=${PFX}-i NS_G=${PFX}-g NS_H=${PFX}-h
WAN_GW=11.82.36.10 WAN_I=11.82.36.20 LAN_GW=198.19.86.1 LAN_H=198.19.86.2
cleanup() {
  for p in "$TMP"/*.pid; do [ -e "$p" ] && kill "$(cat "$p")" 2>/dev/null; done
  for ns in "$NS_I" "$NS_G" "$NS_H"; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
    ip netns del "$ns" 2>/dev/null
  done
  rm -rf "$TMP"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  for f in "$TMP"/*.log "$TMP"/*.out; do [ -e "$f" ] && { echo "== $f"; cat "$f"; }; done
  ip netns exec "$NS_G" nft list ruleset 2>/dev/null
  exit 1
}
inns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# --- namespaces and links ---
for ns in "$NS_I" "$NS_G" "$NS_H"; do
  ip netns add "$ns" || fail "netns $ns"
  inns "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
  inns "$ns" ip link set lo up
done
ip link add "${PFX}w" type veth peer name "${PFX}x" || fail "veth"
ip link set "${PFX}w" netns "$NS_G"; ip link set "${PFX}x" netns "$NS_I"
ip link add "${PFX}l" type veth peer name "${PFX}m" || fail "veth"
ip link set "${PFX}l" netns "$NS_G"; ip link set "${PFX}m" netns "$NS_H"
inns "$NS_G" ip link set "${PFX}w" name wan; inns "$NS_G" ip link set "${PFX}l" name lan
inns "$NS_I" ip link set "${PFX}x" name eth0; inns "$NS_H" ip link set "${PFX}m" name eth0
inns "$NS_G" ip addr add "$WAN_GW/24" dev wan; inns "$NS_G" ip addr add "$LAN_GW/24" dev lan
inns "$NS_I" ip addr add "$WAN_I/24" dev eth0; inns "$NS_H" ip addr add "$LAN_H/24" dev eth0
for x in "$NS_G wan" "$NS_G lan" "$NS_I eth0" "$NS_H eth0"; do inns ${x% *} ip link set ${x#* } up; done
inns "$NS_H" ip route add default via "$LAN_GW"
inns "$NS_G" sysctl -qw net.ipv4.ip_forward=1

# --- the gateway's firewall: NAT out, nothing in but what miniupnpd opens ---
cat >"$TMP/gw.nft" <<EOF
table inet r6up {
  chain forward {
    type filter hook forward priority 0; policy drop;
    ct state established,related accept
    iifname "lan" oifname "wan" accept
    jump miniupnpd
  }
  chain miniupnpd { }
  chain prerouting {
    type nat hook prerouting priority -100; policy accept;
    jump prerouting_miniupnpd
  }
  chain postrouting {
    type nat hook postrouting priority 100; policy accept;
    jump postrouting_miniupnpd
    oifname "wan" masquerade
  }
  chain prerouting_miniupnpd { }
  chain postrouting_miniupnpd { }
}
EOF
inns "$NS_G" nft -f "$TMP/gw.nft" || fail "nft ruleset"
cat >"$TMP/miniupnpd.conf" <<EOF
ext_ifname=wan
listening_ip=lan
http_port=0
enable_natpmp=no
enable_upnp=yes
secure_mode=yes
system_uptime=no

uuid=9b5a1e3c-2f4d-4c6e-8a0b-1c2d3e4f5a6b
upnp_table_name=r6up
upnp_nat_table_name=r6up
allow 1024-65535 198.19.86.0/24 1024-65535
deny 0-65535 0.0.0.0/0 0-65535
EOF
start_igd() {
  ip netns exec "$NS_G" miniupnpd -d -f "$TMP/miniupnpd.conf" -P "$TMP/miniupnpd-run.pid" \
    >"$TMP/miniupnpd.log" 2>&1 &
  echo $! >"$TMP/miniupnpd.pid"
  for _ in $(seq 50); do grep -q "HTTP listening" "$TMP/miniupnpd.log" && return 0; sleep 0.1; done
  fail "miniupnpd did not start"
}
start_igd
grep -q "Port forwarding is impossible" "$TMP/miniupnpd.log" && fail "miniupnpd refuses forwarding"

# --- the LAN host's servers on port 1194: record what arrives ---
cat >"$TMP/listen.py" <<'EOF'
import socket, sys, threading
out = open(sys.argv[1], "a", buffering=1)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("0.0.0.0", 1194))
t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); t.bind(("0.0.0.0", 1194)); t.listen(8)
def tcp():
    while True:
        c, a = t.accept(); d = c.recv(100).decode(errors="replace").strip()
        out.write("tcp %s from %s\n" % (d, a[0])); c.sendall(b"ok\n"); c.close()
threading.Thread(target=tcp, daemon=True).start()
while True:
    d, a = u.recvfrom(100); out.write("udp %s from %s\n" % (d.decode(errors="replace").strip(), a[0]))
EOF
ip netns exec "$NS_H" /usr/bin/python3 "$TMP/listen.py" "$TMP/recv.out" >"$TMP/listen.log" 2>&1 &
echo $! >"$TMP/listen.pid"
sleep 0.5

send_udp() { inns "$NS_I" bash -c "echo $2 >/dev/udp/$WAN_GW/$1"; }
send_tcp() { inns "$NS_I" timeout 3 bash -c "exec 3<>/dev/tcp/$WAN_GW/$1 && echo $2 >&3 && read -t 2 r <&3 && [ \"\$r\" = ok ]"; }
arrived() {  # proto token: the host got it, from the internet host's address
  for _ in $(seq 20); do grep -q "^$1 $2 from $WAN_I\$" "$TMP/recv.out" 2>/dev/null && return 0; sleep 0.1; done
  return 1
}
nat_rules() { inns "$NS_G" nft list chain inet r6up prerouting_miniupnpd | grep -c dnat; }

# Before any mapping the gateway lets nothing in.
send_udp 1194 before
send_tcp 1194 before && fail "TCP reached the LAN host without a mapping"
arrived udp before && fail "UDP reached the LAN host without a mapping"

# --- map: lease 6 s, so the client renews every 3 s ---
ip netns exec "$NS_H" "$RE6ST" upnp --port 1194 --proto udp --proto tcp --lease 6 -v 2 \
  >"$TMP/upnp.out" 2>"$TMP/upnp.log" &
UPID=$!
echo $UPID >"$TMP/upnp.pid"
for _ in $(seq 100); do [ "$(grep -c ^external "$TMP/upnp.out")" = 2 ] && break; sleep 0.1; done
[ "$(grep -c ^external "$TMP/upnp.out")" = 2 ] || fail "no mapping within 10 s"
read -r _ EXT_IP UDP_PORT _ _ < <(grep "^external .* udp 1194$" "$TMP/upnp.out")
read -r _ _ TCP_PORT _ _ < <(grep "^external .* tcp 1194$" "$TMP/upnp.out")
[ "$EXT_IP" = "$WAN_GW" ] || fail "external address $EXT_IP, want $WAN_GW"
[ -n "$UDP_PORT" ] && [ -n "$TCP_PORT" ] || fail "missing ports"
echo "mapped: udp $EXT_IP:$UDP_PORT tcp $EXT_IP:$TCP_PORT -> $LAN_H:1194"
[ "$(nat_rules)" = 2 ] || fail "want 2 DNAT rules on the gateway"
inns "$NS_G" nft list chain inet r6up prerouting_miniupnpd | grep -q "dport $UDP_PORT dnat ip to $LAN_H:1194" \
  || fail "no DNAT rule for udp $UDP_PORT"

send_udp "$UDP_PORT" u1; arrived udp u1 || fail "datagram to $EXT_IP:$UDP_PORT did not reach the host"
send_tcp "$TCP_PORT" t1 || fail "TCP connection to $EXT_IP:$TCP_PORT failed"
arrived tcp t1 || fail "TCP data did not reach the host"

# --- renewal: after more than two leases the same mapping still works ---
sleep 13
[ "$(nat_rules)" = 2 ] || fail "mapping gone after 13 s with a 6 s lease (no renewal)"
send_udp "$UDP_PORT" u2; arrived udp u2 || fail "datagram after renewals"
[ "$(grep -c ^external "$TMP/upnp.out")" = 2 ] || fail "renewal changed the ports"

# Renewals are AddPortMapping of the same port with the lease, every lease/2 = 3 s.
renewals=$(grep -c "AddPortMapping: ext port $UDP_PORT to $LAN_H:1194 protocol UDP .* leaseduration=6 " "$TMP/miniupnpd.log")
[ "$renewals" -ge 4 ] || fail "only $renewals AddPortMapping for udp $UDP_PORT in 13 s"
echo "udp mapping added/renewed $renewals times in ~14 s"

# --- the lease is real: freeze the client, miniupnpd expires the mapping; thaw: renewed ---
kill -STOP $UPID
for _ in $(seq 120); do [ "$(nat_rules)" = 0 ] && break; sleep 0.1; done
[ "$(nat_rules)" = 0 ] || { kill -CONT $UPID; fail "miniupnpd kept an expired lease"; }
kill -CONT $UPID
for _ in $(seq 50); do [ "$(nat_rules)" = 2 ] && break; sleep 0.1; done
[ "$(nat_rules)" = 2 ] || fail "mapping not renewed after the client resumed"
send_tcp "$TCP_PORT" t3 || fail "TCP after re-mapping"
arrived tcp t3 || fail "TCP data after re-mapping"

# --- SIGINT removes the mappings ---
kill -INT $UPID
for _ in $(seq 100); do kill -0 $UPID 2>/dev/null || break; sleep 0.1; done
kill -0 $UPID 2>/dev/null && fail "re6st upnp still running 10 s after SIGINT"
wait $UPID; rc=$?
[ $rc = 0 ] || fail "exit status $rc after SIGINT"
grep -q "^removed$" "$TMP/upnp.out" || fail "no 'removed'"
[ "$(nat_rules)" = 0 ] || fail "DNAT rules left on the gateway"
grep -q "DeletePortMapping: external port: $UDP_PORT, protocol: UDP" "$TMP/miniupnpd.log" \
  || fail "miniupnpd saw no DeletePortMapping for udp"
send_udp "$UDP_PORT" u4; arrived udp u4 && fail "datagram reached the host after removal"

# --- --seconds holds, then removes ---
inns "$NS_H" "$RE6ST" upnp --port 1194 --proto udp --seconds 2 >"$TMP/hold.out" 2>"$TMP/hold.log" \
  || fail "--seconds run failed"
grep -q "^external $WAN_GW [0-9]* udp 1194$" "$TMP/hold.out" || fail "--seconds: no mapping"
[ "$(nat_rules)" = 0 ] || fail "--seconds: rules left"

# --- no IGD: a clear failure within a few seconds ---
kill "$(cat "$TMP/miniupnpd.pid")"; wait "$(cat "$TMP/miniupnpd.pid")" 2>/dev/null
rm -f "$TMP/miniupnpd.pid"
[ -z "$(ip netns pids "$NS_G")" ] || fail "miniupnpd still running"
t0=$(date +%s%N)
inns "$NS_H" timeout 20 "$RE6ST" upnp --port 1194 >"$TMP/none.out" 2>"$TMP/none.log"; rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ $rc = 1 ] || fail "without IGD: exit status $rc, want 1"
grep -q "no UPnP device answered the SSDP search" "$TMP/none.log" || fail "without IGD: unclear message"
[ $ms -lt 5000 ] || fail "without IGD: took $ms ms"
echo "no IGD: '$(cat "$TMP/none.log")' after $ms ms"
echo "PASS"
