#!/bin/bash
# re6st-test: timeout=120
# The registry and its own node over UDP [::1]:326 (REGISTRY-PROTOCOL.md §12), with a
# fake node: code 0 when the configuration changes, getBootstrapPeer (address query,
# answer RSA-encrypted to the caller), versions and topology; and without any node,
# the 3-second timeouts answer 204 / null / {} like re6st-registry. Then a fake control
# socket in -r/--run gives the node's routes: versions asks the routed nodes too and
# getIPv4Information answers for a routed node only (registry.py). Last, GEOIP2_MMDB
# and getCountry. The real node: registry_node.sh.
set -eu
RE6ST=$(readlink -f "$1")
HERE=$(dirname "$(readlink -f "$0")")
CLIENT="/usr/bin/python3 $HERE/registry_client.py"
NS=r6rg-lnode-$$
T=$(mktemp -d /tmp/r6rg-lnode.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  ip netns del $NS 2>/dev/null || true
  rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; tail -20 "$T/reg.log" "$T/node.log" 2>/dev/null; exit 1; }
ip netns add $NS
ip netns exec $NS sysctl -qw net.ipv6.conf.all.accept_dad=0
ip netns exec $NS ip link set lo up
X="ip netns exec $NS"
URL=http://127.0.0.1:18653
cd "$T"
mkdir run
$RE6ST ca --network 2001:db8:42::/48 --email r@example.com -d ca >/dev/null
$X "$RE6ST" registry --ca ca/ca.crt --key ca/ca.key --db "$T/reg.db" --port 18653 -4 127.0.0.1 -6 '' \
  -l "$T/reg.log" -v 3 --anonymous-prefix-length 20 -r "$T/run" &
PIDS+=($!)
for _ in $(seq 50); do $X curl -sf $URL/getCa >/dev/null 2>&1 && break; sleep 0.1; done
mkdir a
(cd a && $X "$RE6ST" conf --registry $URL/ --anonymous >conf.out 2>&1) || fail "conf"
$X $CLIENT $URL a a.st hello >/dev/null || fail hello

# No node yet: getBootstrapPeer is 204 (signed), versions maps the registry node to null.
start=$(date +%s.%N)
[ "$($X $CLIENT $URL a a.st call getBootstrapPeer)" = 204 ] || fail "getBootstrapPeer without node"
elapsed=$(echo "$(date +%s.%N) - $start" | bc)
[ "$(echo "$elapsed >= 2.9 && $elapsed < 6" | bc)" = 1 ] || fail "timeout took $elapsed s"
[ "$($X curl -s $URL/versions)" = '{"00000000000000000000": null}' ] || fail "versions without node"
[ "$($X curl -s $URL/topology)" = '{}' ] || fail "topology without node"

# A fake registry node on [::1]:326.
cat >node.py <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind(('::1', 326))
log = open(sys.argv[1], 'a', buffering=1)
while True:
    data, addr = s.recvfrom(65536)
    prefix, code = data.split(b'\0', 1)
    log.write('%s %d\n' % (prefix.decode(), code[0]))
    reply = {1: b'192.0.2.10,1194,udp,FR;192.0.2.10,1194,tcp,FR', 4: b'0-fake, fake-platform',
             5: b'1 1/20 2/20'}.get(code[0])
    if code[0] == 5 and prefix != b'00000000000000000000':
        reply = b'0'
    if reply is not None:
        s.sendto(prefix + b'\0' + code[:1] + reply, addr)
EOF
$X /usr/bin/python3 node.py node.log &
PIDS+=($!)
sleep 0.5
$X $CLIENT $URL a a.st call getBootstrapPeer >peer.out
[ "$(head -c 4 peer.out)" = 200 ] || fail "getBootstrapPeer: $(head -c 40 peer.out)"
tail -c +5 peer.out >peer.enc  # drop "200\n"
openssl pkeyutl -decrypt -inkey a/cert.key -in peer.enc >peer.txt || fail "cannot decrypt the bootstrap peer"
[ "$(cat peer.txt)" = "00000000000000000000 192.0.2.10,1194,udp,FR;192.0.2.10,1194,tcp,FR" ] ||
  fail "bootstrap peer: $(cat peer.txt)"
[ "$($X curl -s $URL/versions)" = '{"00000000000000000000": "0-fake, fake-platform"}' ] || fail "versions"
topo=$($X curl -s $URL/topology)
[ "$topo" = '{"": ["0/20", "1/20", "2/20"], "0/20": ["1/20"], "2/20": ["0/20"], "1/20": []}' ] ||
  echo "$topo" | /usr/bin/python3 -c '
import json, sys
g = {k: sorted(v) for k, v in json.load(sys.stdin).items()}
assert g == {"": ["0/20", "1/20", "2/20"], "0/20": ["1/20"], "1/20": [], "2/20": ["0/20"]}, g' ||
  fail "topology: $topo"
# A configuration change (updateHMAC) is announced with code 0 to the registry node.
[ "$($X curl -s -o /dev/null -w '%{http_code}' $URL/updateHMAC)" = 204 ] || fail updateHMAC
sleep 0.3
grep -q '^00000000000000000000 0$' node.log || fail "no code 0 after updateHMAC: $(cat node.log)"
# The node's control socket: one route, to 1/16 (a node registered by email below).
cat >control.py <<'EOF'
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(4)
while True:
    c, _ = s.accept()
    f = c.makefile('rwb')
    req = json.loads(f.readline())
    ans = {"error": "unknown command"}
    if req.get("cmd") == "status":
        ans = {"node": {}, "routes": [
            {"prefix": "2001:db8:42:1::/64", "from": "", "via": "fe80::1", "iface": "re6stnet1", "metric": 256},
            {"prefix": "2001:db8:43::/64", "from": "", "via": "fe80::1", "iface": "re6stnet1", "metric": 256}]}
    f.write((json.dumps(ans) + "\n").encode())
    f.flush()
    c.close()
EOF
$X /usr/bin/python3 control.py "$T/run/re6st.sock" &
PIDS+=($!)
for t in tokb tokc; do
  [ "$($X curl -s -o /dev/null -w '%{http_code}' "$URL/addToken?email=$t%40example.com&token=$t")" = 204 ] ||
    fail "addToken $t"
  mkdir $t
  (cd $t && $X "$RE6ST" conf --registry $URL/ --token $t >conf.out 2>&1) || fail "conf --token $t"
done
grep -q 'CN=1/16' tokb/conf.out || fail "tokb is not 1/16: $(cat tokb/conf.out)"
for _ in $(seq 20); do [ -S run/re6st.sock ] && break; sleep 0.1; done
v=$($X curl -s $URL/versions)
echo "$v" | /usr/bin/python3 -c '
import json, sys
v = json.load(sys.stdin)
assert v == {"00000000000000000000": "0-fake, fake-platform",
             "0000000000000001": "0-fake, fake-platform"}, v' || fail "versions with routes: $v"
ipv4() { $X curl -s -w ' %{http_code}' "$URL/getIPv4Information?email=$1"; }
[ "$(ipv4 tokb%40example.com)" = "192.0.2.10 200" ] || fail "getIPv4Information tokb: $(ipv4 tokb%40example.com)"
[ "$(ipv4 tokc%40example.com)" = " 204" ] || fail "getIPv4Information of an unrouted node: $(ipv4 tokc%40example.com)"
[ "$(ipv4 nobody%40example.com)" = " 204" ] || fail "getIPv4Information of nobody"
grep -q '^0000000000000001 1$' node.log || fail "no address query to 1/16: $(cat node.log)"
[ "$($X curl -s -o /dev/null -w '%{http_code}' -H 'X-Forwarded-For: 192.0.2.1' \
    "$URL/getIPv4Information?email=tokb%40example.com")" = 403 ] || fail "getIPv4Information is private"

# GEOIP2_MMDB (registry.py): a country database makes getCountry answer and allows
# --same-country; an unreadable one stops the start with one line; without one,
# --same-country is refused as by re6st-registry.
MMDB=$HERE/../fuzz/corpus/registry_geoip/countries24.mmdb
G=("$RE6ST" registry --ca ca/ca.crt --key ca/ca.key --port 18654 -4 127.0.0.1 -6 "" --anonymous-prefix-length 20)
out=$($X env GEOIP2_MMDB=/nonexistent.mmdb "${G[@]}" --db "$T/geo-bad.db" -l "$T/geo-bad.log" 2>&1) && fail "started with a missing GEOIP2_MMDB"
echo "$out" | grep -q GEOIP2_MMDB || fail "missing GEOIP2_MMDB: $out"
out=$($X "${G[@]}" --db "$T/geo-bad.db" -l "$T/geo-bad.log" --same-country FR 2>&1) && fail "--same-country without GEOIP2_MMDB"
echo "$out" | grep -q "GEOIP2_MMDB not set" || fail "--same-country without GEOIP2_MMDB: $out"
$X env GEOIP2_MMDB="$MMDB" "${G[@]}" --db "$T/geo.db" -l "$T/geo.log" --same-country FR &
PIDS+=($!)
for _ in $(seq 50); do $X curl -sf http://127.0.0.1:18654/getCa >/dev/null 2>&1 && break; sleep 0.1; done
mkdir g
(cd g && $X "$RE6ST" conf --registry http://127.0.0.1:18654/ --anonymous >conf.out 2>&1) || fail "conf with GeoIP"
$X $CLIENT http://127.0.0.1:18654 g g.st hello >/dev/null || fail "hello (GeoIP registry)"
[ "$($X $CLIENT http://127.0.0.1:18654 g g.st call getCountry address=198.51.100.7 | tr '\n' ' ')" = "200 FR" ] ||
  fail "getCountry 198.51.100.7"
[ "$($X $CLIENT http://127.0.0.1:18654 g g.st call getCountry address=10.0.0.1 | tr -d '\n')" = 204 ] ||
  fail "getCountry of an unknown address"
echo PASS
