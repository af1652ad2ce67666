#!/bin/bash
# re6st-test: timeout=240
# Registry end to end on loopback in a private network namespace: a CA from `re6st ca`,
# tokens through the mbox mode, `re6st conf` registering by token and anonymously, the
# Re6stHMAC session (network config, renewal, replayed/forged MACs), revocation visible
# in the next getNetworkConfig, private RPCs, bad input, and a restart on the same db.
set -eu
RE6ST=$(readlink -f "$1")
HERE=$(dirname "$(readlink -f "$0")")
CLIENT="/usr/bin/python3 $HERE/registry_client.py"
NS=r6rg-reg-$$
T=$(mktemp -d /tmp/r6rg-reg.XXXXXX)
PID=
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null || true
  ip netns del $NS 2>/dev/null || true
  rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; echo "--- registry log"; tail -30 "$T/reg.log" 2>/dev/null; exit 1; }
ip netns add $NS
ip netns exec $NS sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
ip netns exec $NS ip link set lo up
X="ip netns exec $NS"
URL=http://127.0.0.1:18642
cd "$T"

$RE6ST ca --network 2001:db8:42::/48 --email re6st-registry@example.com -d ca >/dev/null
start() {
  $X "$RE6ST" registry --ca ca/ca.crt --key ca/ca.key --dh ca/dh2048.pem --db "$T/reg.db" \
    --port 18642 -4 127.0.0.1 -6 ::1 -l "$T/reg.log" -v 3 --mailhost "$T/mbox" \
    --anonymous-prefix-length 20 "$@" &
  PID=$!
  for _ in $(seq 50); do $X curl -sf $URL/getCa >/dev/null 2>&1 && return 0; sleep 0.1; done
  fail "registry did not start"
}
code() { $X curl -s -o /dev/null -w '%{http_code}' "$@"; }
start

# getCa is the CA certificate; routing errors are 400, other methods 501.
$X curl -sf $URL/getCa | cmp - ca/ca.crt || fail "getCa differs from ca.crt"
[ "$(code $URL/)" = 400 ] || fail "/ not 400"
[ "$(code $URL/getCa/)" = 400 ] || fail "/getCa/ not 400"
[ "$(code $URL/noSuchMethod)" = 400 ] || fail "unknown method not 400"
[ "$(code "$URL/getCa?x=1")" = 400 ] || fail "extra parameter not 400"
[ "$(code "$URL/requestCertificate?token=")" = 400 ] || fail "missing parameter not 400"
[ "$(code -X POST $URL/getCa)" = 501 ] || fail "POST not 501"
# Malformed HTTP gets 400 and the connection closes (no hang).
reply=$($X timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/18642; printf "GARBAGE\r\n\r\n" >&3; head -1 <&3')
echo "$reply" | grep -q ' 400 ' || fail "malformed request: '$reply'"

# Token by mail (mbox), then registration with it; anonymous registration.
[ "$(code "$URL/requestToken?email=bob%40example.com")" = 204 ] || fail "requestToken"
grep -q '^Subject: \[re6stnet\] Token Request' mbox || fail "no mail in mbox"
TOKEN=$(sed -n 's/.*token to join re6st network is: \([a-z]*\)/\1/p' mbox)
[ ${#TOKEN} = 8 ] || fail "bad token '$TOKEN'"
mkdir a b
(cd a && $X "$RE6ST" conf --registry $URL/ --anonymous >conf.out 2>&1) || fail "conf --anonymous"
grep -q 'CN=0/20' a/conf.out || fail "anonymous node did not get 0/20"
(cd b && $X "$RE6ST" conf --registry $URL/ --email bob@example.com --token "$TOKEN" >conf.out 2>&1) ||
  fail "conf --token"
grep -q 'CN=1/16' b/conf.out || fail "token node did not get 1/16"
openssl x509 -in b/cert.crt -noout -subject | grep -q 'serialNumber = 1' || fail "subject serial"
# A used token is gone: 204, no certificate.
openssl req -new -key b/cert.key -subj / -out b/again.csr 2>/dev/null
[ "$(code -G --data-urlencode "token=$TOKEN" --data-urlencode req@b/again.csr $URL/requestCertificate)" = 204 ] ||
  fail "used token accepted"

# Authenticated session: network config, response MACs, replay and forgery.
$X $CLIENT $URL a a.st hello >/dev/null || fail "hello a"
out=$($X $CLIENT $URL a a.st call getNetworkConfig) || fail "getNetworkConfig: $out"
echo "$out" | grep -q '"registry_prefix": "00000000000000000000"' || fail "netconfig: $out"
echo "$out" | grep -q '"crl": \[\]' || fail "crl not empty"
[ "$($X $CLIENT $URL a a.st replay getNetworkConfig | head -1)" = 400 ] || fail "replayed MAC accepted"
[ "$($X $CLIENT $URL a a.st raw '/getNetworkConfig?cn=00000000000000000000' AAAAAAAAAAAAAAAAAAAAAAAAAAA=)" = 400 ] ||
  fail "forged MAC accepted"
[ "$($X $CLIENT $URL a a.st raw '/getDh?cn=0101' AAAA)" = 401 ] || fail "no session not 401"
$X $CLIENT $URL a a.st call getDh | tail -n +2 | cmp - ca/dh2048.pem || fail "getDh"
$X $CLIENT $URL a a.st call renewCertificate | tail -n +2 | cmp - a/cert.crt || fail "early renewal changed cert"

# Private RPCs: from loopback yes, with a foreign X-Forwarded-For no.
[ "$(code -H 'X-Forwarded-For: 192.0.2.1' "$URL/isToken?token=x")" = 403 ] || fail "XFF not 403"
[ "$(code "$URL/addToken?email=dave%40example.com&token=interopx")" = 204 ] || fail addToken
[ "$(code "$URL/addToken?email=dave%40example.com&token=interopx")" = 409 ] || fail "addToken twice"
[ "$($X curl -s "$URL/isToken?token=interopx")" = 1 ] || fail isToken
[ "$($X curl -s "$URL/getNodePrefix?email=bob%40example.com")" = 1/16 ] || fail getNodePrefix
[ "$($X curl -s "$URL/getIPv6Address?email=bob%40example.com")" = 2001:db8:42:1:: ] || fail getIPv6Address

# Revocation of b by CN: in the next network config, b's hello is 404.
SERIAL_B=$(openssl x509 -in b/cert.crt -noout -serial | cut -d= -f2)
[ "$(code "$URL/revoke?cn_or_serial=1%2F16")" = 204 ] || fail revoke
out=$($X $CLIENT $URL a a.st call getNetworkConfig)
echo "$out" | grep -q "\"crl\": \[$((16#$SERIAL_B))\]" || fail "revoked serial not in crl: $out"
[ "$($X $CLIENT $URL b b.st hello)" = 404 ] || fail "revoked node still has hello"

# A CSR whose signature does not match its key is refused.
openssl req -new -key a/cert.key -subj /CN=x -out bad.csr 2>/dev/null
/usr/bin/python3 - bad.csr <<'EOF'
import base64, sys
lines = open(sys.argv[1]).read().split('\n')
der = bytearray(base64.b64decode(''.join(l for l in lines if l and not l.startswith('-----'))))
der[-5] ^= 0xff  # flip signature bits
b = base64.b64encode(bytes(der)).decode()
open(sys.argv[1], 'w').write('-----BEGIN CERTIFICATE REQUEST-----\n' +
    '\n'.join(b[i:i+64] for i in range(0, len(b), 64)) + '\n-----END CERTIFICATE REQUEST-----\n')
EOF
[ "$(code -G --data-urlencode token= --data-urlencode req@bad.csr $URL/requestCertificate)" = 500 ] ||
  fail "CSR with a bad signature accepted"

# Restart on the same database: same version, allocation continues (1/20 is next).
VERSION1=$(echo "$out" | sed -n 's/.*"version": "\([^"]*\)".*/\1/p')
kill $PID; wait $PID || true; PID=
start
out=$($X $CLIENT $URL a a.st call getNetworkConfig)  # 401 absorbed: new hello
[ "$(echo "$out" | head -1)" = 401 ] || fail "session survived a restart"
$X $CLIENT $URL a a.st hello >/dev/null
out=$($X $CLIENT $URL a a.st call getNetworkConfig)
[ "$(echo "$out" | sed -n 's/.*"version": "\([^"]*\)".*/\1/p')" = "$VERSION1" ] || fail "version changed on restart"
mkdir c
(cd c && $X "$RE6ST" conf --registry $URL/ --anonymous >conf.out 2>&1) || fail "conf after restart"
grep -q 'CN=1/20' c/conf.out || fail "after restart: $(cat c/conf.out)"
[ "$(sqlite3 reg.db 'PRAGMA integrity_check')" = ok ] || fail "integrity_check"

# Garbage configuration: one-line errors, non-zero exit.
printf '0 FR\n01 DE\n' >bad.community
if $X "$RE6ST" registry --ca ca/ca.crt --key ca/ca.key --db "$T/x.db" --port 18643 -l "$T/x.log" \
  --community bad.community 2>err.txt; then fail "overlapping communities accepted"; fi
[ "$(wc -l <err.txt)" = 1 ] && grep -q overlap err.txt || fail "community error: $(cat err.txt)"
printf 'port eighty\n' >bad.conf
if $X "$RE6ST" registry @bad.conf --ca ca/ca.crt --key ca/ca.key 2>err.txt; then fail "bad options file"; fi
[ "$(wc -l <err.txt)" = 1 ] || fail "options file error: $(cat err.txt)"
echo PASS
