#!/bin/bash
# re6st-test: timeout=120
# The registry and its own node over UDP [::1]:326 (REGISTRY-PROTOCOL.md §12), with a
# fake node: code 0 when the configuration changes, getBootstrapPeer (address query,
# answer RSA-encrypted to the caller), versions and topology; and without any node,
# the 3-second timeouts answer 204 / null / {} like re6st-registry.
set -eu
RE6ST=$(readlink -f "$1")
HERE=$(dirname "$(readlink -f "$0")")
CLIENT="/usr/bin/python3 $HERE/registry_client.py"
NS=r6rg-node-$$
T=$(mktemp -d /tmp/r6rg-node.XXXXXX)
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
$RE6ST ca --network 2001:db8:42::/48 --email r@example.com -d ca >/dev/null
$X "$RE6ST" registry --ca ca/ca.crt --key ca/ca.key --db "$T/reg.db" --port 18653 -4 127.0.0.1 -6 '' \
  -l "$T/reg.log" -v 3 --anonymous-prefix-length 20 &
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
echo PASS
