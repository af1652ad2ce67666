#!/bin/bash
# re6st-test: timeout=300
# Crash safety (issue 3): 200 concurrent anonymous requestCertificate calls, the registry
# killed with SIGKILL in the middle of the burst, restarted on the same database. Every
# certificate a client received must be in the database byte for byte, no prefix may be
# handed out twice, the prefix rows must still partition the space, and SQLite's
# integrity_check must pass. Runs in a private network namespace.
set -eu
RE6ST=$(readlink -f "$1")
NS=r6rg-crash-$$
T=$(mktemp -d /tmp/r6rg-crash.XXXXXX)
PID=
cleanup() {
  [ -n "$PID" ] && kill -9 "$PID" 2>/dev/null || true
  ip netns del $NS 2>/dev/null || true
  rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; tail -20 "$T/reg.log" 2>/dev/null; exit 1; }
ip netns add $NS
ip netns exec $NS ip link set lo up
X="ip netns exec $NS"
URL=http://127.0.0.1:18644
cd "$T"
$RE6ST ca --network 2001:db8:42::/48 --email r@example.com -d ca >/dev/null
start() {
  $X "$RE6ST" registry --ca ca/ca.crt --key ca/ca.key --db "$T/reg.db" --port 18644 \
    -4 127.0.0.1 -6 '' -l "$T/reg.log" -v 2 --anonymous-prefix-length 24 &
  PID=$!
  for _ in $(seq 50); do $X curl -sf $URL/getCa >/dev/null 2>&1 && return 0; sleep 0.1; done
  fail "registry did not start"
}
start
openssl genrsa -out node.key 2048 2>/dev/null
openssl req -new -key node.key -subj / -out node.csr 2>/dev/null
mkdir out
for i in $(seq 200); do
  $X curl -s --max-time 30 -G --data-urlencode token= --data-urlencode req@node.csr \
    -o out/$i.pem $URL/requestCertificate &
done
# Kill once a first share of the answers is in, so the burst is cut in its middle.
for _ in $(seq 300); do
  n=$(grep -l 'BEGIN CERTIFICATE' out/*.pem 2>/dev/null | wc -l)
  [ "$n" -ge 20 ] && break
  sleep 0.02
done
kill -9 $PID
wait $PID 2>/dev/null || true
PID=
wait  # the remaining curls fail or finish
received=$(grep -l 'BEGIN CERTIFICATE' out/*.pem 2>/dev/null | wc -l)
echo "certificates received before SIGKILL: $received / 200"
[ "$received" -gt 0 ] || fail "no certificate received"

start
[ "$(sqlite3 reg.db 'PRAGMA integrity_check')" = ok ] || fail "integrity_check"
declare -A seen
for f in $(grep -l 'BEGIN CERTIFICATE' out/*.pem); do
  cn=$(openssl x509 -in "$f" -noout -subject -nameopt sep_multiline | sed -n 's/^ *CN=//p')
  [ -z "${seen[$cn]:-}" ] || fail "prefix $cn handed out twice"
  seen[$cn]=1
  a=${cn%/*} l=${cn#*/} bits=
  for ((k = l - 1; k >= 0; k--)); do bits+=$(((a >> k) & 1)); done
  sqlite3 reg.db "SELECT cert FROM cert WHERE prefix='$bits'" >db.pem
  # sqlite3 prints the stored text plus a newline; the client got the stored text.
  cmp -s <(head -c "$(stat -c %s "$f")" db.pem) "$f" || fail "certificate $cn not in the database"
done
overlap=$(sqlite3 reg.db "SELECT count(*) FROM cert a, cert b WHERE a.prefix != b.prefix
  AND substr(b.prefix, 1, length(a.prefix)) = a.prefix")
[ "$overlap" = 0 ] || fail "prefix rows overlap ($overlap)"
dup=$(sqlite3 reg.db "SELECT count(*) - count(DISTINCT cert) FROM cert WHERE cert LIKE '-----BEGIN%'")
[ "$dup" = 0 ] || fail "duplicate certificates in the database"
issued=$(sqlite3 reg.db "SELECT count(*) FROM cert WHERE cert LIKE '-----BEGIN%'")
echo "issued in the database: $issued (>= received $received)"
[ "$issued" -ge "$received" ] || fail "fewer certificates in the db than received"
# The restarted registry keeps allocating after the last committed prefix.
$X curl -sf -G --data-urlencode token= --data-urlencode req@node.csr $URL/requestCertificate >new.pem ||
  fail "request after restart"
cn=$(openssl x509 -in new.pem -noout -subject -nameopt sep_multiline | sed -n 's/^ *CN=//p')
[ -z "${seen[$cn]:-}" ] || fail "restarted registry reissued $cn"
echo PASS
