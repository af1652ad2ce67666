#!/bin/bash
# re6st-test: timeout=120 parallel=yes
# `re6st conf --is-needed` in a network namespace: exit 0 while the machine is outside
# the network, 1 once an address of the network is configured (re6st already runs).
set -euo pipefail
RE6ST=$(readlink -f "$1")
NS=r6cfn-$$
DIR=$(mktemp -d /tmp/r6cfn-XXXXXX)
REG_PID=
cleanup() {
  [ -n "$REG_PID" ] && kill "$REG_PID" 2>/dev/null && wait "$REG_PID" 2>/dev/null || :
  ip netns del "$NS" 2>/dev/null || :
  rm -rf "$DIR"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
in_ns() { ip netns exec "$NS" "$@"; }

ip netns add "$NS"
in_ns sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
in_ns ip link set lo up
cd "$DIR"
"$RE6ST" ca --network 2001:db8:42::/48 --email admin@example.com --dir ca >/dev/null
# Not through in_ns: $! must be the registry itself (ip netns exec execs it).
ip netns exec "$NS" "$RE6ST" registry @ca/re6st-registry.conf --db "$DIR/reg.db" --port 18700 -4 127.0.0.1 -6 '' \
  --anonymous-prefix-length 20 -l "$DIR/reg.log" -r "$DIR/run" >"$DIR/reg.out" 2>&1 &
REG_PID=$!
URL=http://127.0.0.1:18700/
rc=
for _ in $(seq 50); do
  set +e
  in_ns "$RE6ST" conf --registry "$URL" -d "$DIR" --is-needed >/dev/null 2>&1
  rc=$?
  set -e
  [ $rc = 0 ] && break
  sleep 0.1
done
[ "$rc" = 0 ] || fail "--is-needed outside the network gave $rc"
[ ! -e "$DIR/ca.crt" ] || fail "--is-needed wrote ca.crt"
in_ns ip -6 addr add 2001:db8:42::1/128 dev lo
set +e
in_ns "$RE6ST" conf --registry "$URL" -d "$DIR" --is-needed >/dev/null 2>&1
rc=$?
set -e
[ $rc = 1 ] || fail "--is-needed inside the network gave $rc"
echo "conf_is_needed: OK"
