#!/bin/bash
# re6st-test: timeout=120
# Community allocation (--community): prefixes come from the subtree of the node's
# location (country, "@continent", "*" default), survive a restart, and a malformed
# location is refused without allocating anything.
set -eu
RE6ST=$(readlink -f "$1")
NS=r6rg-comm-$$
T=$(mktemp -d /tmp/r6rg-comm.XXXXXX)
PID=
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null || true
  ip netns del $NS 2>/dev/null || true
  rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; tail -20 "$T/reg.log" 2>/dev/null; exit 1; }
ip netns add $NS
ip netns exec $NS ip link set lo up
X="ip netns exec $NS"
URL=http://127.0.0.1:18651
cd "$T"
$RE6ST ca --network 2001:db8:42::/48 --email r@example.com -d ca >/dev/null
printf '# community file\n0 FR\n10 @EU\n11 *\n' >communities
start() {
  $X "$RE6ST" registry --ca ca/ca.crt --key ca/ca.key --db "$T/reg.db" --port 18651 -4 127.0.0.1 -6 '' \
    -l "$T/reg.log" -v 3 --anonymous-prefix-length 16 --community communities &
  PID=$!
  for _ in $(seq 50); do $X curl -sf $URL/getCa >/dev/null 2>&1 && return 0; sleep 0.1; done
  fail "registry did not start"
}
start
# Leaves after startup: the three community roots.
[ "$(sqlite3 reg.db 'SELECT group_concat(prefix) FROM (SELECT prefix FROM cert ORDER BY prefix)')" = 0,10,11 ] ||
  fail "community roots: $(sqlite3 reg.db 'SELECT prefix FROM cert')"
openssl req -new -newkey rsa:2048 -nodes -keyout node.key -subj / -out node.csr 2>/dev/null
bits_of() {  # bits of the CN of a PEM on stdin
  local cn a l bits=
  cn=$(openssl x509 -noout -subject -nameopt sep_multiline | sed -n 's/^ *CN=//p')
  a=${cn%/*} l=${cn#*/}
  for ((k = l - 1; k >= 0; k--)); do bits+=$(((a >> k) & 1)); done
  echo "$bits"
}
request() {  # request LOCATION -> bits of the allocated prefix
  $X curl -sf -G --data-urlencode token= --data-urlencode req@node.csr --data-urlencode "location=$1" \
    $URL/requestCertificate | bits_of
}
fr=$(request FR,EU)
de=$(request DE,EU)
us=$(request US,NA)
any=$(request '')
echo "FR,EU -> $fr; DE,EU -> $de; US,NA -> $us; (none) -> $any"
[ "${fr:0:1}" = 0 ] && [ ${#fr} = 17 ] || fail "FR not in community 0: $fr"
[ "${de:0:2}" = 10 ] && [ ${#de} = 18 ] || fail "DE,EU not in community 10: $de"
[ "${us:0:2}" = 11 ] && [ ${#us} = 18 ] || fail "US not in the default community: $us"
[ "${any:0:2}" = 11 ] && [ "$any" != "$us" ] || fail "no location not in the default community: $any"
[ "$($X curl -s -o /dev/null -w '%{http_code}' -G --data-urlencode token= --data-urlencode req@node.csr \
  --data-urlencode location=nocomma $URL/requestCertificate)" = 500 ] || fail "malformed location accepted"
# Restart: same roots, allocation continues inside the communities.
kill $PID; wait $PID || true; PID=
start
fr2=$(request FR,EU)
[ "${fr2:0:1}" = 0 ] && [ "$fr2" != "$fr" ] || fail "after restart FR got $fr2"
[ "$(sqlite3 reg.db "SELECT count(*) FROM cert a, cert b WHERE a.prefix != b.prefix
  AND substr(b.prefix, 1, length(a.prefix)) = a.prefix")" = 0 ] || fail "prefix rows overlap"
echo PASS
