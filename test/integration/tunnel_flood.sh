#!/bin/bash
# A flood of DTLS ClientHellos from spoofed source addresses (and of garbage) at the
# shared UDP port does not disturb an established tunnel: pings keep flowing with no
# loss beyond 5 %, the tunnel stays up, and the server's memory does not grow (the
# cookie exchange keeps no state per spoofed sender).
# re6st-test: timeout=120
set -u
RE6ST=$1
PFX=r6f$$
. "$(dirname "$0")/../support/tunnel_lib.sh"
TMP=$(mktemp -d)
trap 'tunnel_cleanup_hosts; grep -h -A5 -E "Sanitizer|runtime error" "$TMP"/*.log; rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*"; cat "$TMP"/*.log; exit 1; }
HELLO="$(dirname "$0")/../fuzz/corpus/tunnel_handshake/dtls_c0"

tunnel_make_pki "$TMP" 1 2 || fail "pki"
tunnel_make_hosts 53 || fail "namespaces"
ip netns exec "${PFX}a" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
ip netns exec "${PFX}a" sysctl -qw "net.ipv4.conf.${PFX}va.rp_filter=0"

ip netns exec "${PFX}a" "$RE6ST" tunnel --ca "$TMP/ca.crt" --cert "$TMP/n1.crt" --key "$TMP/n1.key" \
  --proto udp --listen 1394 --dev "${PFX}s" --ip6 2001:db8:f1::1/64 --keepalive 1 --timeout 5 \
  >"$TMP/s.log" 2>&1 &
SPID=$!
sleep 0.3
ip netns exec "${PFX}b" "$RE6ST" tunnel --ca "$TMP/ca.crt" --cert "$TMP/n2.crt" --key "$TMP/n2.key" \
  --proto udp --connect 198.18.53.1:1394 --peer-cn 1/16 --dev "${PFX}c" \
  --ip6 2001:db8:f1::2/64 --keepalive 1 --timeout 5 >"$TMP/c.log" 2>&1 &
tunnel_wait_up "$TMP/c.log" 1 10 || fail "tunnel not up"
rss() { awk '/VmRSS/ {print $2}' "/proc/$SPID/status"; }
# The server process is the child of `ip netns exec`, which execs: same pid.
RSS0=$(rss)
udp_in() { ip netns exec "${PFX}a" awk '/^Udp:/ { if (h) print $2; h = 1 }' /proc/net/snmp; }
IN0=$(udp_in)

# Spoofed ClientHellos (random 198.18.0.0/16 sources and ports) and garbage, raw socket.
ip netns exec "${PFX}b" /usr/bin/python3 - "$HELLO" 198.18.53.1 1394 8 >"$TMP/flood.log" 2>&1 <<'PY' &
import os, random, socket, struct, sys, time
hello = open(sys.argv[1], 'rb').read()
dst, port, secs = sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
n = 0
end = time.time() + secs
while time.time() < end:
    for _ in range(200):
        src = "198.18.%d.%d" % (random.randrange(256), random.randrange(1, 255))
        payload = hello if n % 4 else os.urandom(random.randrange(1, 300))
        udp = struct.pack('!HHHH', random.randrange(1024, 65535), port, 8 + len(payload), 0)
        ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp) + len(payload), n & 0xffff, 0,
                         64, 17, 0, socket.inet_aton(src), socket.inet_aton(dst))
        s.sendto(ip + udp + payload, (dst, 0))
        n += 1
print("sent", n)
PY
FPID=$!
sleep 0.5
PING=$(ip netns exec "${PFX}b" ping -6 -c 60 -i 0.1 -W 1 2001:db8:f1::1)
wait "$FPID"
SENT=$(awk '/sent/ {print $2}' "$TMP/flood.log")
LOSS=$(echo "$PING" | sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p')
RSS1=$(rss)
IN1=$(udp_in)
echo "flood: $SENT spoofed/garbage datagrams sent, $((IN1 - IN0)) received by the server;" \
  "ping loss ${LOSS}%; server RSS ${RSS0} -> ${RSS1} kB"
[ $((IN1 - IN0)) -gt 10000 ] || fail "the flood did not reach the server"
[ "${SENT:-0}" -gt 10000 ] || fail "flood too small to mean anything"
awk -v l="$LOSS" 'BEGIN { exit !(l <= 5) }' || fail "ping loss $LOSS% under flood"
grep -q '^down ' "$TMP/c.log" "$TMP/s.log" && fail "tunnel went down under flood"
[ $((RSS1 - RSS0)) -lt 4096 ] || fail "server memory grew by $((RSS1 - RSS0)) kB"
ip netns exec "${PFX}b" ping -6 -c 2 -W 2 2001:db8:f1::1 >/dev/null || fail "ping after flood"
echo PASS
